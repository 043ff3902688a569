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
// later shares are added. The result is PyTorch's bit for bit (its contiguous
// kernel also computes grad / k_0 / k_1 ... and adds in output row-major order
// onto zeros; global pooling is a mean there, whose gradient is grad / n). The max gradient zeroes grad_input first, as not every element receives.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "../config.hpp"
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

/// Zeroes every element of a view, the smallest stride innermost. Dims that
/// continue each other in memory are merged first, so a dense view is zeroed
/// as one long span whatever its shape.
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
    std::size_t used = 0;
    for (std::size_t k = Rank; k-- > 0;) {  // innermost first
        const std::ptrdiff_t e = view.extent(order[k]);
        if (e == 0) return;
        if (e == 1) continue;
        const std::ptrdiff_t s = view.stride(order[k]);
        if (used > 0 && s == stride[used - 1] * extent[used - 1]) {
            extent[used - 1] *= e;  // continues the dim inside it
        } else {
            extent[used] = e;
            stride[used] = s;
            ++used;
        }
    }
    // zero_block wants the innermost dim last.
    std::array<std::ptrdiff_t, Rank> outer_first_extent{};
    std::array<std::ptrdiff_t, Rank> outer_first_stride{};
    for (std::size_t k = 0; k < Rank; ++k) {
        const bool real = k < used;
        outer_first_extent[Rank - 1 - k] = real ? extent[k] : 1;
        outer_first_stride[Rank - 1 - k] = real ? stride[k] : 0;
    }
    zero_block(view.data(), outer_first_extent, outer_first_stride);
}

/// Whether the window is the whole plane. PyTorch computes such a pooling as
/// a mean, whose gradient divides once by the element count.
template <std::size_t Spatial>
inline bool covers_plane(const window_box<Spatial>& box, const spatial_layout<Spatial>& layout) noexcept {
    for (std::size_t d = 0; d < Spatial; ++d) {
        if (box[d].size() != layout.in_extent[d]) return false;
    }
    return true;
}

/// An output's share for each element of its window, computed as PyTorch
/// does: grad / n for a window that covers the whole plane (global pooling is
/// a mean there), otherwise grad / k_0 / k_1 / ..., one division per window
/// dim. (When a window covers the plane only because the other dims have
/// extent 1, both give the same bits.)
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

/// A window box with, per dim, the first position that no earlier output along
/// that dim covers: fresh_start[d] = end of the previous window (0 for the first).
/// An element is reached for the first time by this output exactly when it is
/// at or past fresh_start in every dim.
template <std::size_t Spatial>
struct output_window {
    window_box<Spatial> box;
    std::array<std::ptrdiff_t, Spatial> fresh_start;
};

/// Calls f(const output_window&, out_offset) for each output position in row-major order.
template <std::size_t Spatial, std::size_t Dim = 0, class F>
void for_each_output_window(const spatial_layout<Spatial>& layout, output_window<Spatial>& current, std::ptrdiff_t out_offset,
                            F& f) noexcept {
    if constexpr (Dim == Spatial) {
        f(static_cast<const output_window<Spatial>&>(current), out_offset);
    } else {
        const std::ptrdiff_t count = layout.out_extent[Dim];
        auto windows = adaptive_windows(layout.in_extent[Dim], layout.out_extent[Dim]).begin();
        std::ptrdiff_t previous_end = 0;
        for (std::ptrdiff_t o = 0; o < count; ++o, ++windows) {
            current.box[Dim] = *windows;
            current.fresh_start[Dim] = previous_end;
            previous_end = current.box[Dim].end;
            for_each_output_window<Spatial, Dim + 1>(layout, current, out_offset + o * layout.out_stride[Dim], f);
        }
    }
}

/// Calls f(offset, fresh) for every element of the box over the first Dims
/// dims, in row-major order; `fresh` says whether this output reaches the
/// element first (see output_window).
template <std::size_t Dims, std::size_t Dim = 0, std::size_t Spatial, class F>
void walk_output_window(const spatial_layout<Spatial>& layout, const output_window<Spatial>& current, std::ptrdiff_t offset,
                        bool fresh, F& f) noexcept {
    if constexpr (Dim == Dims) {
        f(offset, fresh);
    } else {
        const std::ptrdiff_t stride = layout.in_stride[Dim];
        const window w = current.box[Dim];
        for (std::ptrdiff_t i = w.start; i < w.end; ++i) {
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
    output_window<Spatial> current{};
    auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset) {
        const T share = average_share_scalar<T, Spatial>(grad_output[out_offset], o.box, layout);
        auto add = [&](std::ptrdiff_t offset, bool fresh) { grad_input[offset] = receive(grad_input[offset], share, fresh); };
        walk_output_window<Spatial>(layout, o, 0, !accumulate, add);
    };
    for_each_output_window(layout, current, 0, per_output);
}

/// Avg backward where grad_input's innermost spatial dim is contiguous: each
/// window row is a contiguous span that receives one broadcast share.
/// Adds (or, when fresh, writes) one share to `count` contiguous elements.
template <class T>
inline void receive_span(T* data, std::ptrdiff_t count, T share, bool fresh) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const auto shares = simd::broadcast(share);
    std::ptrdiff_t i = 0;
    for (; i + width <= count; i += width) simd::store(data + i, receive(simd::load(data + i), shares, fresh));
    for (; i < count; ++i) data[i] = receive(data[i], share, fresh);
}

template <class T, std::size_t Spatial>
void average_backward_rows_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout, bool accumulate,
                                 bool plane_is_one_span) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    if (plane_is_one_span) {
        // Global pooling of a dense plane: one share for every element.
        window_box<Spatial> whole{};
        for (std::size_t d = 0; d < Spatial; ++d) whole[d] = {0, layout.in_extent[d]};
        receive_span(grad_input, layout.plane_size(), average_share_scalar<T, Spatial>(grad_output[0], whole, layout), !accumulate);
        return;
    }
    output_window<Spatial> current{};
    auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset) {
        const T share = average_share_scalar<T, Spatial>(grad_output[out_offset], o.box, layout);
        const window columns = o.box[outer];
        const std::ptrdiff_t fresh_column = o.fresh_start[outer] > columns.start ? o.fresh_start[outer] : columns.start;
        auto add_span = [&](T* data, std::ptrdiff_t count, bool fresh) { receive_span(data, count, share, fresh); };
        auto add_row = [&](std::ptrdiff_t offset, bool fresh_row) {
            T* row = grad_input + offset;
            if (fresh_row) {
                add_span(row + columns.start, fresh_column - columns.start, false);
                add_span(row + fresh_column, columns.end - fresh_column, true);
            } else {
                add_span(row + columns.start, columns.size(), false);
            }
        };
        walk_output_window<outer>(layout, o, 0, !accumulate, add_row);
    };
    for_each_output_window(layout, current, 0, per_output);
}

/// Avg backward where grad_input's channel dim is contiguous. The shares of a
/// chunk of channels are computed once per output into a stack buffer; then
/// each window position receives them as one contiguous run of channels, so
/// memory is visited in order instead of once per vector of channels.
template <class T, std::size_t Spatial>
void average_backward_channels_last_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                          std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride, bool accumulate) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS;
    alignas(64) T shares[chunk];
    output_window<Spatial> current{};
    auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset) {
        const T* grads = grad_output + out_offset;
        for (std::ptrdiff_t first = 0; first < channels; first += chunk) {
            const std::ptrdiff_t count = channels - first < chunk ? channels - first : chunk;
            std::ptrdiff_t c = 0;
            if (grad_output_channel_stride == 1) {
                for (; c + width <= count; c += width) {
                    simd::store(shares + c, average_share<simd::batch<T>, Spatial>(simd::load(grads + first + c), o.box, layout));
                }
            }
            for (; c < count; ++c) shares[c] = average_share_scalar<T, Spatial>(grads[(first + c) * grad_output_channel_stride], o.box, layout);
            T* base = grad_input + first;
            auto receive_channels = [&](std::ptrdiff_t offset, bool fresh) {
                T* run = base + offset;
                std::ptrdiff_t k = 0;
                for (; k + width <= count; k += width) simd::store(run + k, receive(simd::load(run + k), simd::load(shares + k), fresh));
                for (; k < count; ++k) run[k] = receive(run[k], shares[k], fresh);
            };
            walk_output_window<Spatial>(layout, o, 0, !accumulate, receive_channels);
        }
    };
    for_each_output_window(layout, current, 0, per_output);
}

/// Where flat plane index `flat` lies in a grad_input plane with these strides.
template <std::size_t Spatial>
inline std::ptrdiff_t plane_offset(const spatial_layout<Spatial>& layout, std::ptrdiff_t flat) noexcept {
    std::ptrdiff_t offset = 0;
    for (std::size_t d = Spatial; d-- > 1;) {
        const std::ptrdiff_t above = flat / layout.in_extent[d];
        offset += (flat - above * layout.in_extent[d]) * layout.in_stride[d];
        flat = above;
    }
    return offset + flat * layout.in_stride[0];
}

/// Max backward for `channels` planes (1, or the contiguous channel dim of
/// channels-last memory, visited innermost): zeroes them if asked, then adds each grad_output element at the input position its index names
/// (checked to lie inside the plane beforehand), outputs in row-major order.
/// Zeroing plane by plane (`zero_first`) keeps the plane in cache for its
/// scatter; small planes are better zeroed all at once by the caller. When the
/// plane's strides are its row-major strides times one factor (dense NCHW:
/// 1; dense channels-last: C), a flat index becomes an offset by one multiply.
template <class T, class I, std::size_t Spatial>
void maximum_backward_planes(const T* grad_output, const I* indices, T* grad_input, const spatial_layout<Spatial>& layout,
                             std::ptrdiff_t dense_scale, std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride,
                             std::ptrdiff_t index_channel_stride, bool zero_first) noexcept {
    if (zero_first) {
        std::array<std::ptrdiff_t, Spatial + 1> extents{};
        std::array<std::ptrdiff_t, Spatial + 1> strides{};
        for (std::size_t d = 0; d < Spatial; ++d) {
            extents[d] = layout.in_extent[d];
            strides[d] = layout.in_stride[d];
        }
        extents[Spatial] = channels;
        strides[Spatial] = 1;
        zero_view(strided_view<T, Spatial + 1>(grad_input, extents, strides));
    }
    std::array<std::ptrdiff_t, Spatial> position{};
    std::ptrdiff_t out_offset = 0;
    std::ptrdiff_t index_offset = 0;
    std::ptrdiff_t total = 1;
    for (std::size_t d = 0; d < Spatial; ++d) total *= layout.out_extent[d];
    for (std::ptrdiff_t visited = 0; visited < total; ++visited) {
        for (std::ptrdiff_t c = 0; c < channels; ++c) {
            const auto flat = static_cast<std::ptrdiff_t>(indices[index_offset + c * index_channel_stride]);
            const std::ptrdiff_t target = dense_scale != 0 ? flat * dense_scale : plane_offset(layout, flat);
            grad_input[target + c] += grad_output[out_offset + c * grad_output_channel_stride];
        }
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
