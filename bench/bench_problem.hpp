// apool benchmarks: one pooling problem on caller buffers, described without
// apool or ATen types so that the PyTorch side builds in its own translation
// unit (with libtorch's flags) and the apool side never sees ATen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace apool_bench {

enum class pooling { average, maximum };

/// Extents and strides are in elements, leading dims first (N, C, spatial...).
/// Every pointer addresses memory laid out by the matching strides: input and
/// grad_input by the input strides, output, indices and grad_output by the
/// output strides.
struct problem {
    pooling op = pooling::average;
    std::size_t spatial = 2;
    std::vector<std::int64_t> input_extents;
    std::vector<std::int64_t> input_strides;
    std::vector<std::int64_t> output_extents;
    std::vector<std::int64_t> output_strides;
    const float* input = nullptr;
    float* output = nullptr;
    std::int64_t* indices = nullptr;
    const float* grad_output = nullptr;
    float* grad_input = nullptr;
};

}  // namespace apool_bench
