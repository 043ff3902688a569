// apool benchmarks: OpenCV's area resize on the benchmark's buffers (built
// only with APOOL_BENCH_OPENCV=ON and OpenCV found).
#pragma once

#include <string>

#include "bench_peer.hpp"

namespace apool_bench {

/// cv::setNumThreads(0): OpenCV runs its loops on the calling thread.
void opencv_use_one_thread();

/// The OpenCV version, e.g. "4.6.0".
std::string opencv_version();

/// cv::resize(..., cv::INTER_AREA) for an interleaved image (batch 1, 1 to 4
/// channels innermost: HWC) at an integer scale in both dims, where the area
/// resize is the box average of adaptive average pooling. Empty otherwise.
peer_kernel opencv_forward(const problem& p);

}  // namespace apool_bench
