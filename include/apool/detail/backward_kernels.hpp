// apool: backward kernels. They run after the arguments were checked, and
// neither throw nor allocate.
//
// Both gradients scatter: every grad_output element adds its share to the
// grad_input elements it came from, visiting outputs in row-major order. Each
// grad_input element therefore receives its contributions in one fixed order
// whatever the layout or kernel, so every layout gives the same bits. With
// gradient_update::overwrite the plane is zeroed first, which makes the avg
// gradient bit-identical to PyTorch's contiguous kernel (which also computes
// grad / k_0 / k_1 ... and adds in output row-major order onto zeros).
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Sets n elements at stride `stride` to zero.
template <class T>
inline void zero_line(T* data, std::ptrdiff_t count, std::ptrdiff_t stride) noexcept {
    if (stride == 1) {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        const auto zero = simd::broadcast(T(0));
        std::ptrdiff_t i = 0;
        for (; i + width <= count; i += width) simd::store(data + i, zero);
        for (; i < count; ++i) data[i] = T(0);
    } else {
        for (std::ptrdiff_t i = 0; i < count; ++i) data[i * stride] = T(0);
    }
}

/// Zeroes a block of Dims (extent, stride) pairs; the innermost pair is the last.
template <std::size_t Dims, std::size_t Dim = 0, class T>
inline void zero_block(T* data, const std::array<std::ptrdiff_t, Dims>& extent, const std::array<std::ptrdiff_t, Dims>& stride) noexcept {
    if constexpr (Dim + 1 == Dims) {
        zero_line(data, extent[Dim], stride[Dim]);
    } else {
        for (std::ptrdiff_t i = 0; i < extent[Dim]; ++i) zero_block<Dims, Dim + 1>(data + i * stride[Dim], extent, stride);
    }
}

/// Zeroes every element of a view, the smallest stride innermost.
template <class T, std::size_t Rank>
inline void zero_view(const strided_view<T, Rank>& view) noexcept {
    std::array<std::size_t, Rank> order{};
    for (std::size_t d = 0; d < Rank; ++d) order[d] = d;
    auto magnitude = [&](std::size_t dim) { return view.stride(dim) < 0 ? -view.stride(dim) : view.stride(dim); };
    for (std::size_t k = 1; k < Rank; ++k) {  // insertion sort, largest stride first: Rank is tiny
        for (std::size_t j = k; j > 0 && magnitude(order[j]) > magnitude(order[j - 1]); --j) std::swap(order[j], order[j - 1]);
    }
    std::array<std::ptrdiff_t, Rank> extent{};
    std::array<std::ptrdiff_t, Rank> stride{};
    for (std::size_t k = 0; k < Rank; ++k) {
        extent[k] = view.extent(order[k]);
        stride[k] = view.stride(order[k]);
    }
    zero_block(view.data(), extent, stride);
}

/// grad / k_0 / k_1 / ..., one division per window dim, as PyTorch does.
template <class Value, std::size_t Spatial>
inline Value average_share(Value grad, const window_box<Spatial>& box) noexcept {
    for (std::size_t d = 0; d < Spatial; ++d) grad = grad / Value(static_cast<typename Value::value_type>(box[d].size()));
    return grad;
}

template <class T, std::size_t Spatial>
inline T average_share_scalar(T grad, const window_box<Spatial>& box) noexcept {
    for (std::size_t d = 0; d < Spatial; ++d) grad = grad / static_cast<T>(box[d].size());
    return grad;
}

/// Avg backward, any strides, one element at a time.
template <class T, std::size_t Spatial>
void average_backward_generic_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout) noexcept {
    window_box<Spatial> box;
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T share = average_share_scalar<T, Spatial>(grad_output[out_offset], b);
        auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t) { grad_input[offset] += share; };
        walk_box<Spatial>(layout, b, 0, 0, add);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// Avg backward where grad_input's innermost spatial dim is contiguous: each
/// window row is a contiguous span that receives one broadcast share.
template <class T, std::size_t Spatial>
void average_backward_rows_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    window_box<Spatial> box;
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T share = average_share_scalar<T, Spatial>(grad_output[out_offset], b);
        const auto shares = simd::broadcast(share);
        const window columns = b[outer];
        auto add_row = [&](std::ptrdiff_t offset, std::ptrdiff_t) {
            T* row = grad_input + offset + columns.start;
            const std::ptrdiff_t count = columns.size();
            std::ptrdiff_t i = 0;
            for (; i + width <= count; i += width) simd::store(row + i, simd::load(row + i) + shares);
            for (; i < count; ++i) row[i] += share;
        };
        walk_box<outer>(layout, b, 0, 0, add_row);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// Avg backward where grad_input's channel dim is contiguous: vectors across
/// channels. grad_output's channel stride may be anything.
template <class T, std::size_t Spatial>
void average_backward_channels_last_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                          std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    window_box<Spatial> box;
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T* grads = grad_output + out_offset;
        std::ptrdiff_t channel = 0;
        for (; channel + width <= channels; channel += width) {
            simd::batch<T> grad;
            if (grad_output_channel_stride == 1) {
                grad = simd::load(grads + channel);
            } else {
                alignas(64) T lane_grads[width];
                for (std::ptrdiff_t lane = 0; lane < width; ++lane) lane_grads[lane] = grads[(channel + lane) * grad_output_channel_stride];
                grad = simd::load(lane_grads);
            }
            const auto shares = average_share<simd::batch<T>, Spatial>(grad, b);
            T* base = grad_input + channel;
            auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t) { simd::store(base + offset, simd::load(base + offset) + shares); };
            walk_box<Spatial>(layout, b, 0, 0, add);
        }
        for (; channel < channels; ++channel) {
            const T share = average_share_scalar<T, Spatial>(grads[channel * grad_output_channel_stride], b);
            T* base = grad_input + channel;
            auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t) { base[offset] += share; };
            walk_box<Spatial>(layout, b, 0, 0, add);
        }
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// Max backward for one plane: each grad_output element is added at the input
/// position its index names (checked to lie inside the plane beforehand).
template <class T, class I, std::size_t Spatial>
void maximum_backward_plane(const T* grad_output, const I* indices, T* grad_input, const spatial_layout<Spatial>& layout,
                            bool plane_is_dense) noexcept {
    std::array<std::ptrdiff_t, Spatial> position{};
    std::ptrdiff_t out_offset = 0;
    std::ptrdiff_t index_offset = 0;
    std::ptrdiff_t total = 1;
    for (std::size_t d = 0; d < Spatial; ++d) total *= layout.out_extent[d];
    for (std::ptrdiff_t visited = 0; visited < total; ++visited) {
        const std::ptrdiff_t flat = static_cast<std::ptrdiff_t>(indices[index_offset]);
        std::ptrdiff_t target = flat;
        if (!plane_is_dense) {
            target = 0;
            for (std::size_t d = 0; d < Spatial; ++d) target += (flat / layout.flat_stride[d] % layout.in_extent[d]) * layout.in_stride[d];
        }
        grad_input[target] += grad_output[out_offset];
        for (std::size_t d = Spatial; d-- > 0;) {
            if (++position[d] < layout.out_extent[d]) {
                out_offset += layout.out_stride[d];
                index_offset += layout.index_stride[d];
                break;
            }
            position[d] = 0;
            out_offset -= layout.out_stride[d] * (layout.out_extent[d] - 1);
            index_offset -= layout.index_stride[d] * (layout.out_extent[d] - 1);
        }
    }
}

}  // namespace detail
}  // namespace apool
