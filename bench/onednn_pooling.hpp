// apool benchmarks: oneDNN's pooling on the benchmark's buffers (built only
// with APOOL_BENCH_ONEDNN=ON and oneDNN found).
#pragma once

#include <string>

#include "bench_peer.hpp"

namespace apool_bench {

/// Makes oneDNN run on one thread, as apool does. Call before any primitive
/// is created.
void onednn_use_one_thread();

/// "2.6.3 (OpenMP, 1 thread)": the library's version, CPU runtime and the
/// thread count its parallel regions get on the calling thread.
std::string onednn_description();

/// oneDNN's forward-inference pooling (pooling_avg_exclude_padding or
/// pooling_max) with kernel = stride = In / Out in every spatial dim, which is
/// adaptive pooling exactly when every In % Out == 0; src and dst memory
/// descriptors carry the problem's strides. Empty for other shapes. The
/// primitive is created here, once; `run` executes it.
peer_kernel onednn_forward(const problem& p);

}  // namespace apool_bench
