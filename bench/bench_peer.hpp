// apool benchmarks: a peer library's kernel prepared for one problem. Each peer
// builds in its own translation unit (with its own headers and flags) and
// hands back only this, so the apool side never sees the peer's headers.
#pragma once

#include <functional>
#include <string>

#include "bench_problem.hpp"

namespace apool_bench {

struct peer_kernel {
    /// Computes the problem's pooled values into `output`; empty when the peer
    /// does not compute this problem (its shape, layout or op is not one the
    /// peer has).
    std::function<void()> run;
    /// The peer's own buffer, laid out by the problem's output extents and
    /// strides (dense), valid while `run` lives.
    const float* output = nullptr;
    /// The peer's name for the code path it took (for example oneDNN's
    /// implementation string), so that a result can be traced to a kernel.
    std::string implementation;
};

}  // namespace apool_bench
