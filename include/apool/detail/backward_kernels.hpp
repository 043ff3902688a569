// apool: backward kernels. They run after the arguments were checked, and
// neither throw nor allocate.
//
// Both gradients scatter: every grad_output element adds its share to the
// grad_input elements it came from, visiting outputs in row-major order. Each
// grad_input element therefore receives its shares in one fixed order whatever
// the layout or kernel, so every layout gives the same bits.
//
// With gradient_update::overwrite the avg gradient needs no zeroing pass: every
// input element lies in some window, and the first share an element receives is
// written as `share + 0` (which is what PyTorch's `0 + share` gives, -0 included),
// later shares are added. The result is PyTorch's contiguous kernel bit for bit
// (it also computes grad / k_0 / k_1 ... and adds in output row-major order onto
// zeros). The max gradient zeroes grad_input first, as not every element receives.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../simd.hpp"
#include "../strided_view.hpp"
#include "element_types.hpp"
#include "memory_order.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Sets n elements at stride `stride` to zero. Contiguous runs are stored in
/// whole vectors at vector-aligned addresses (a store that straddles two cache
/// lines costs two), with one unaligned vector at each end.
template <class T>
inline void zero_line(T* data, std::ptrdiff_t count, std::ptrdiff_t stride) noexcept {
    if constexpr (is_float_or_double<T>) {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        if (stride == 1 && count >= width) {
            const auto zero = simd::broadcast(T(0));
            simd::store(data, zero);
            const auto address = reinterpret_cast<std::uintptr_t>(data) / sizeof(T);
            std::ptrdiff_t i = static_cast<std::ptrdiff_t>((width - address % width) % width);
            for (; i + width <= count; i += width) simd::store(data + i, zero);
            simd::store(data + count - width, zero);
            return;
        }
    }
    for (std::ptrdiff_t i = 0; i < count; ++i) data[i * stride] = T(0.0f);
}

/// Zeroes every element of a view, in memory order (see memory_order.hpp):
/// a dense view is zeroed as one long span whatever its shape.
template <class T, std::size_t Rank>
inline void zero_view(const strided_view<T, Rank>& view) noexcept {
    const auto order = order_by_memory(view);
    if (order.empty) return;
    for_each_line(view.data(), order, [&](T* line) { zero_line(line, order.line_length(), order.line_stride()); });
}

/// Whether the window is the whole plane. PyTorch computes such a pooling as
/// a mean, whose gradient divides once by the element count: an output's share
/// is then grad / n, elsewhere grad / k_0 / k_1 / ... (one division per window
/// dim). When a window covers the plane only because the other dims have
/// extent 1, both give the same bits.
template <std::size_t Spatial>
inline bool covers_plane(const window_box<Spatial>& box, const spatial_layout<Spatial>& layout) noexcept {
    for (std::size_t d = 0; d < Spatial; ++d) {
        if (box[d].size() != layout.in_extent[d]) return false;
    }
    return true;
}

/// grad / k_0 / k_1 / ..., one division per window dim, as PyTorch does.
template <class Value, std::size_t Spatial>
inline Value average_share(Value grad, const window_box<Spatial>& box, const spatial_layout<Spatial>& layout) noexcept {
    using scalar = typename Value::value_type;
    if (covers_plane(box, layout)) return grad / Value(static_cast<scalar>(layout.plane_size()));
    for (std::size_t d = 0; d < Spatial; ++d) grad = grad / Value(static_cast<scalar>(box[d].size()));
    return grad;
}

template <class T, std::size_t Spatial>
inline T average_share_scalar(T grad, const window_box<Spatial>& box, const spatial_layout<Spatial>& layout) noexcept {
    if (covers_plane(box, layout)) return grad / static_cast<T>(layout.plane_size());
    for (std::size_t d = 0; d < Spatial; ++d) grad = grad / static_cast<T>(box[d].size());
    return grad;
}

/// Calls f(offset, fresh) for every element of the box over the first Dims
/// dims that lies in layout.in_range (the part a work item owns), in
/// row-major order; `fresh` says whether this output reaches the element first
/// (see output_window with WithFreshStart).
template <std::size_t Dims, std::size_t Dim = 0, std::size_t Spatial, class F>
void walk_output_window(const spatial_layout<Spatial>& layout, const output_window<Spatial, true>& current, std::ptrdiff_t offset,
                        bool fresh, F& f) noexcept {
    if constexpr (Dim == Dims) {
        f(offset, fresh);
    } else {
        const std::ptrdiff_t stride = layout.in_stride[Dim];
        const window w = current[Dim];
        const window owned = layout.in_range[Dim];
        const std::ptrdiff_t end = w.end < owned.end ? w.end : owned.end;
        for (std::ptrdiff_t i = w.start > owned.start ? w.start : owned.start; i < end; ++i) {
            walk_output_window<Dims, Dim + 1>(layout, current, offset + i * stride, fresh && i >= current.fresh_start[Dim], f);
        }
    }
}

/// Writes the first share an element receives, or adds a later one.
template <class Value>
inline Value receive(Value current, Value share, bool fresh) noexcept {
    return fresh ? share + Value(0) : current + share;
}

/// Avg backward, any strides, one element at a time.
template <class T, std::size_t Spatial>
void average_backward_generic_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                    bool accumulate) noexcept {
    output_window<Spatial, true> current{};
    auto per_output = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T share = average_share_scalar<T, Spatial>(grad_output[out_offset], o, layout);
        auto add = [&](std::ptrdiff_t offset, bool fresh) { grad_input[offset] = receive(grad_input[offset], share, fresh); };
        walk_output_window<Spatial>(layout, o, 0, !accumulate, add);
    };
    for_each_window<Spatial>(layout, current, 0, 0, per_output);
}

/// Adds (or, when fresh, writes) one share to `count` contiguous elements.
template <class T>
inline void receive_span(T* data, std::ptrdiff_t count, T share, bool fresh) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    if (count < width) {
        for (std::ptrdiff_t i = 0; i < count; ++i) data[i] = receive(data[i], share, fresh);
        return;
    }
    const auto shares = simd::broadcast(share);
    // The last vector is computed from the elements as they are now and stored
    // after the others: where it overlaps them it stores the same bits.
    const std::ptrdiff_t last = count - width;
    const auto last_values = fresh ? shares + simd::broadcast(T(0)) : simd::load(data + last) + shares;
    for (std::ptrdiff_t i = 0; i < last; i += width) simd::store(data + i, receive(simd::load(data + i), shares, fresh));
    simd::store(data + last, last_values);
}

/// Global avg backward of a dense plane: one share for every element.
template <class T, std::size_t Spatial>
void average_backward_one_span_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                     bool accumulate) noexcept {
    window_box<Spatial> whole{};
    for (std::size_t d = 0; d < Spatial; ++d) whole[d] = {0, layout.in_extent[d]};
    receive_span(grad_input, layout.plane_size(), average_share_scalar<T, Spatial>(grad_output[0], whole, layout), !accumulate);
}

/// Computes the shares of `count` channels of one output into `shares`.
template <class T, std::size_t Spatial>
inline void channel_shares(const T* grads, std::ptrdiff_t grad_output_channel_stride, std::ptrdiff_t count, const window_box<Spatial>& box,
                           const spatial_layout<Spatial>& layout, T* shares) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    std::ptrdiff_t c = 0;
    if (grad_output_channel_stride == 1) {
        for (; c + width <= count; c += width) simd::store(shares + c, average_share<simd::batch<T>, Spatial>(simd::load(grads + c), box, layout));
    }
    for (; c < count; ++c) shares[c] = average_share_scalar<T, Spatial>(grads[c * grad_output_channel_stride], box, layout);
}
}  // namespace detail
}  // namespace apool
