// apool benchmarks: the PyTorch side. Tensors wrap the benchmark's buffers with
// at::from_blob and the problem's strides, so PyTorch sees the same memory
// layout (contiguous or channels-last) as apool.
#include "torch_pooling.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <tuple>
#include <vector>

namespace apool_bench {
namespace {

at::Tensor wrap(const float* data, const std::vector<std::int64_t>& extents, const std::vector<std::int64_t>& strides) {
    return at::from_blob(const_cast<float*>(data), extents, strides, at::TensorOptions().dtype(at::kFloat));
}

at::Tensor wrap_indices(std::int64_t* data, const std::vector<std::int64_t>& extents, const std::vector<std::int64_t>& strides) {
    return at::from_blob(data, extents, strides, at::TensorOptions().dtype(at::kLong));
}

std::vector<std::int64_t> output_size(const problem& p) {
    return {p.output_extents.end() - static_cast<std::ptrdiff_t>(p.spatial), p.output_extents.end()};
}

struct tensors {
    at::Tensor input;
    at::Tensor grad_output;
    at::Tensor indices;
    std::vector<std::int64_t> size;
};

tensors wrap_problem(const problem& p) {
    tensors t;
    t.input = wrap(p.input, p.input_extents, p.input_strides);
    t.grad_output = wrap(p.grad_output, p.output_extents, p.output_strides);
    t.indices = wrap_indices(p.indices, p.output_extents, p.output_strides);
    t.size = output_size(p);
    return t;
}

/// Values and indices (indices undefined for average pooling).
std::tuple<at::Tensor, at::Tensor> forward(const tensors& t, const problem& p) {
    if (p.op == pooling::average) {
        switch (p.spatial) {
            case 1: return {at::adaptive_avg_pool1d(t.input, t.size), at::Tensor()};
            case 2: return {at::adaptive_avg_pool2d(t.input, t.size), at::Tensor()};
            default: return {at::adaptive_avg_pool3d(t.input, t.size), at::Tensor()};
        }
    }
    switch (p.spatial) {
        case 1: return at::adaptive_max_pool1d(t.input, t.size);
        case 2: return at::adaptive_max_pool2d(t.input, t.size);
        default: return at::adaptive_max_pool3d(t.input, t.size);
    }
}

// PyTorch's 1d pooling is its 2d pooling on an inserted height of 1, and so is
// its backward; autograd calls these functional kernels, which allocate grad_input.
at::Tensor backward(const tensors& t, const problem& p) {
    if (p.op == pooling::average) {
        switch (p.spatial) {
            case 1: return at::_adaptive_avg_pool2d_backward(t.grad_output.unsqueeze(-2), t.input.unsqueeze(-2)).squeeze(-2);
            case 2: return at::_adaptive_avg_pool2d_backward(t.grad_output, t.input);
            default: return at::_adaptive_avg_pool3d_backward(t.grad_output, t.input);
        }
    }
    switch (p.spatial) {
        case 1:
            return at::adaptive_max_pool2d_backward(t.grad_output.unsqueeze(-2), t.input.unsqueeze(-2), t.indices.unsqueeze(-2))
                .squeeze(-2);
        case 2: return at::adaptive_max_pool2d_backward(t.grad_output, t.input, t.indices);
        default: return at::adaptive_max_pool3d_backward(t.grad_output, t.input, t.indices);
    }
}

/// grad_output and indices as autograd would hand them to the backward kernel:
/// in the layout of PyTorch's own forward result, which is not always the
/// input's (PyTorch 1.13's 3d pooling returns contiguous results for a
/// channels_last_3d input, and its 3d max backward reads indices as contiguous).
tensors wrap_problem_for_backward(const problem& p) {
    tensors t = wrap_problem(p);
    const at::Tensor torch_output = std::get<0>(forward(t, p));
    t.grad_output = at::empty_like(torch_output).copy_(t.grad_output);
    t.indices = at::empty_like(torch_output, torch_output.options().dtype(at::kLong)).copy_(t.indices);
    return t;
}

}  // namespace

void torch_use_one_thread() { at::set_num_threads(1); }

void torch_use_threads(int threads) { at::set_num_threads(threads); }

std::string torch_version() { return TORCH_VERSION; }

std::function<void()> torch_forward(const problem& p) {
    return [t = wrap_problem(p), p] { forward(t, p); };
}

std::function<void()> torch_backward(const problem& p) {
    return [t = wrap_problem_for_backward(p), p] { backward(t, p); };
}

std::function<void()> torch_read_once(const float* data, std::int64_t count) {
    return [t = wrap(data, {count}, {1})] { at::sum(t); };
}

torch_agreement compare_with_torch(const problem& p, bool backward_pass) {
    torch_agreement agreement;
    if (backward_pass) {
        const tensors t = wrap_problem_for_backward(p);
        const at::Tensor ours = wrap(p.grad_input, p.input_extents, p.input_strides);
        agreement.max_abs_difference = (backward(t, p) - ours).abs().max().item<double>();
        return agreement;
    }
    const tensors t = wrap_problem(p);
    const auto result = forward(t, p);
    const at::Tensor ours = wrap(p.output, p.output_extents, p.output_strides);
    agreement.max_abs_difference = (std::get<0>(result) - ours).abs().max().item<double>();
    if (p.op == pooling::maximum) {
        agreement.index_mismatches = std::get<1>(result).ne(t.indices).sum().item<std::int64_t>();
    }
    return agreement;
}

}  // namespace apool_bench

namespace apool_bench {

std::function<void()> torch_forward_16bit(const void* data, bool bfloat16, const std::vector<std::int64_t>& extents,
                                          const std::vector<std::int64_t>& strides, const std::vector<std::int64_t>& output_size,
                                          bool average) {
    const auto type = bfloat16 ? at::kBFloat16 : at::kHalf;
    at::Tensor input = at::from_blob(const_cast<void*>(data), extents, strides, at::TensorOptions().dtype(type));
    const bool two_d = output_size.size() == 2;
    // Kernels PyTorch 1.13's CPU build lacks (float16 pooling, bfloat16 in 3d) throw: report none.
    try {
        if (average) {
            two_d ? (void)at::adaptive_avg_pool2d(input, output_size) : (void)at::adaptive_avg_pool1d(input, output_size);
        } else {
            two_d ? (void)at::adaptive_max_pool2d(input, output_size) : (void)at::adaptive_max_pool1d(input, output_size);
        }
    } catch (const std::exception&) {
        return {};
    }
    return [input, output_size, average, two_d] {
        if (average) {
            two_d ? (void)at::adaptive_avg_pool2d(input, output_size) : (void)at::adaptive_avg_pool1d(input, output_size);
        } else {
            two_d ? (void)at::adaptive_max_pool2d(input, output_size) : (void)at::adaptive_max_pool1d(input, output_size);
        }
    };
}

std::vector<std::uint8_t> torch_quantized_average(const std::uint8_t* nchw, std::int64_t channels, std::int64_t height, std::int64_t width,
                                                  std::int64_t out_height, std::int64_t out_width) {
    const at::Tensor values =
        at::from_blob(const_cast<std::uint8_t*>(nchw), {1, channels, height, width}, at::TensorOptions().dtype(at::kByte)).to(at::kFloat);
    const at::Tensor quantized = at::quantize_per_tensor(values, 1.0, 0, at::kQUInt8);
    const at::Tensor pooled = at::adaptive_avg_pool2d(quantized, {out_height, out_width}).int_repr().contiguous();
    const std::uint8_t* result = pooled.data_ptr<std::uint8_t>();
    return std::vector<std::uint8_t>(result, result + pooled.numel());
}

}  // namespace apool_bench
