// apool benchmarks: PyTorch's CPU adaptive pooling on the benchmark's own
// buffers (built only with APOOL_BENCH_TORCH=ON and libtorch found).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench_problem.hpp"

namespace apool_bench {

/// Makes ATen run on one thread, as apool does.
void torch_use_one_thread();

/// Makes ATen run on `threads` threads (the thread-count benchmarks).
void torch_use_threads(int threads);

/// The libtorch version the benchmark was built against, e.g. "1.13.1".
std::string torch_version();

/// A call of at::adaptive_{avg,max}_pool{1,2,3}d on the problem's input
/// (max with indices), as torch.nn.functional makes it.
std::function<void()> torch_forward(const problem& p);

/// The backward kernel that autograd calls for the problem (it returns a new
/// grad_input, as in PyTorch; indices come from the problem's buffer).
std::function<void()> torch_backward(const problem& p);

/// at::sum over `count` floats from `data`: PyTorch's vectorized reduction,
/// one of the ways of reading the input once that the read-once floor takes
/// the fastest of.
std::function<void()> torch_read_once(const float* data, std::int64_t count);

struct torch_agreement {
    double max_abs_difference = 0;
    std::int64_t index_mismatches = 0;
};

/// Runs PyTorch once and compares its result with apool's, which must already
/// be in the problem's output and indices (forward) or grad_input (backward).
torch_agreement compare_with_torch(const problem& p, bool backward);

/// PyTorch's 1d or 2d forward of bfloat16 (or float16) data wrapped with these
/// extents and strides; empty where PyTorch has no such CPU kernel.
std::function<void()> torch_forward_16bit(const void* data, bool bfloat16, const std::vector<std::int64_t>& extents,
                                          const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& output_size,
                                          bool average);

/// PyTorch's quantized adaptive_avg_pool2d of a dense 1 x C x H x W image
/// quantized with scale 1 and zero point 0: the pooled bytes.
std::vector<std::uint8_t> torch_quantized_average(const std::uint8_t* nchw, std::int64_t channels, std::int64_t height, std::int64_t width,
                                                  std::int64_t out_height, std::int64_t out_width);

}  // namespace apool_bench
