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
#include "memory_order.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Sets n elements at stride `stride` to zero. Contiguous runs are stored in
/// whole vectors at vector-aligned addresses (a store that straddles two cache
/// lines costs two), with one unaligned vector at each end.
template <class T>
inline void zero_line(T* data, std::ptrdiff_t count, std::ptrdiff_t stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    if (stride == 1 && count >= width) {
        const auto zero = simd::broadcast(T(0));
        simd::store(data, zero);
        const auto address = reinterpret_cast<std::uintptr_t>(data) / sizeof(T);
        std::ptrdiff_t i = static_cast<std::ptrdiff_t>((width - address % width) % width);
        for (; i + width <= count; i += width) simd::store(data + i, zero);
        simd::store(data + count - width, zero);
    } else {
        for (std::ptrdiff_t i = 0; i < count; ++i) data[i * stride] = T(0);
    }
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
/// dims, in row-major order; `fresh` says whether this output reaches the
/// element first (see output_window).
template <std::size_t Dims, std::size_t Dim = 0, std::size_t Spatial, class F>
void walk_output_window(const spatial_layout<Spatial>& layout, const output_window<Spatial>& current, std::ptrdiff_t offset,
                        bool fresh, F& f) noexcept {
    if constexpr (Dim == Dims) {
        f(offset, fresh);
    } else {
        const std::ptrdiff_t stride = layout.in_stride[Dim];
        const window w = current[Dim];
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
    auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
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

/// The most windows that cover one position of the innermost spatial dim:
/// 1 when the windows tile it, 2 when neighbours share a position, more when
/// the output is larger than the input.
template <std::size_t Spatial>
std::ptrdiff_t share_layers(const spatial_layout<Spatial>& layout) noexcept {
    const std::ptrdiff_t in = layout.in_extent[Spatial - 1];
    const std::ptrdiff_t out = layout.out_extent[Spatial - 1];
    // Starts and ends only grow, so the windows covering a column are a run of
    // consecutive outputs, and the widest run starts at some window's start.
    std::ptrdiff_t most = 0;
    std::ptrdiff_t first = 0;
    std::ptrdiff_t last = 0;
    for (std::ptrdiff_t o = 0; o < out; ++o) {
        const std::ptrdiff_t column = window_start(o, in, out);
        while (window_end(first, in, out) <= column) ++first;
        while (last + 1 < out && window_start(last + 1, in, out) <= column) ++last;
        if (last - first + 1 > most) most = last - first + 1;
    }
    return most;
}

/// Whether share rows of `layers` layers suit: up to 8 (more take the generic
/// kernel), and each layer at least two vectors long in the stack buffer.
template <class T>
constexpr bool share_rows_suit(std::ptrdiff_t layers) noexcept {
    return layers <= 8 && APOOL_ROW_BUFFER_ELEMENTS / layers / simd::lanes<T> >= 2;
}

/// Adds the share rows to `count` contiguous elements, layer after layer; a
/// fresh row is written (first layer + 0, then the others) without being read.
/// Missing shares are -0, which leaves every value as it is (+0 would turn a
/// -0 that accumulate mode found in grad_input into +0). `Layers` is the layer
/// count, or 0 for `layers` given at run time.
template <std::ptrdiff_t Layers, class T>
inline void receive_share_rows(T* row, std::ptrdiff_t count, const T* share_rows, std::ptrdiff_t layer_stride, std::ptrdiff_t layers,
                               bool fresh) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t layer_count = Layers > 0 ? Layers : layers;
    auto received = [&](auto current, std::ptrdiff_t at, auto load) {
        using value = decltype(current);
        value sum = fresh ? load(share_rows + at) + value(0) : current + load(share_rows + at);
        for (std::ptrdiff_t k = 1; k < layer_count; ++k) sum = sum + load(share_rows + k * layer_stride + at);
        return sum;
    };
    auto load_vector = [](const T* from) { return simd::load(from); };
    auto load_scalar = [](const T* from) { return *from; };
    if (count < width) {
        for (std::ptrdiff_t i = 0; i < count; ++i) row[i] = received(fresh ? T(0) : row[i], i, load_scalar);
        return;
    }
    // The last vector is computed from the elements as they are now and stored
    // after the others: where it overlaps them it stores the same bits.
    const std::ptrdiff_t last = count - width;
    const auto last_values = received(fresh ? simd::broadcast(T(0)) : simd::load(row + last), last, load_vector);
    for (std::ptrdiff_t i = 0; i < last; i += width) {
        simd::store(row + i, received(fresh ? simd::broadcast(T(0)) : simd::load(row + i), i, load_vector));
    }
    simd::store(row + last, last_values);
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

/// Avg backward where grad_input's innermost spatial dim is contiguous. For
/// each output row (a position of the outer dims), the shares it sends to a
/// chunk of columns are laid out once as share rows: layer k holds, for each
/// column, the share of the k-th window (in output order) that covers it. Every
/// input row of the output row's window then receives them with whole
/// vectors, layer after layer, which is the row-major output order.
///
/// With `interleave` > 1 a row holds that many channels per column
/// (channels-last memory with fewer channels than a vector: an HWC image's row
/// is W * C contiguous values), and channel c's grad_output is
/// `c * grad_output_channel_stride` past channel 0's. The share rows then hold
/// each column's shares for all channels, and rows still receive whole vectors.
template <class T, std::size_t Spatial>
void average_backward_share_rows_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                       std::ptrdiff_t layers, std::ptrdiff_t interleave, std::ptrdiff_t grad_output_channel_stride,
                                       bool accumulate) noexcept {
    constexpr std::size_t inner = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    // Each layer has a vector of room past its chunk for the last store of a window.
    const std::ptrdiff_t layer_stride = APOOL_ROW_BUFFER_ELEMENTS / layers / width * width;
    // Columns per chunk (share_rows_suit makes it at least one vector's worth of elements).
    const std::ptrdiff_t chunk = (layer_stride - width) / interleave;
    alignas(64) T share_rows[APOOL_ROW_BUFFER_ELEMENTS];
    unsigned char depth[APOOL_ROW_BUFFER_ELEMENTS];
    const std::ptrdiff_t columns = layout.in_extent[inner];
    const std::ptrdiff_t out_columns = layout.out_extent[inner];
    const std::ptrdiff_t out_column_stride = layout.out_stride[inner];
    const auto missing = simd::broadcast(T(-0.0));
    T column_shares[width];  // one per channel: interleave < width
    output_window<Spatial> current{};
    if (layers == 1 && interleave == 1 && columns >= 4 * width * out_columns) {
        // Windows that tile the row and span several vectors each: every row
        // of a window takes its share straight from a register.
        auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
            auto windows = adaptive_windows(columns, out_columns).begin();
            for (std::ptrdiff_t out_column = 0; out_column < out_columns; ++out_column, ++windows) {
                const window w = *windows;
                window_box<Spatial> box = o;
                box[inner] = w;
                const T share = average_share_scalar<T, Spatial>(grad_output[out_offset + out_column * out_column_stride], box, layout);
                auto receive_row = [&](std::ptrdiff_t offset, bool fresh) { receive_span(grad_input + offset + w.start, w.size(), share, fresh); };
                walk_output_window<inner>(layout, o, 0, !accumulate, receive_row);
            }
        };
        for_each_window<Spatial - 1>(layout, current, 0, 0, per_output);
        return;
    }
    auto per_output_row = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        auto windows = adaptive_windows(columns, out_columns).begin();
        std::ptrdiff_t out_column = 0;
        std::ptrdiff_t fresh_start = 0;  // end of the previous window
        for (std::ptrdiff_t first = 0; first < columns; first += chunk) {
            const std::ptrdiff_t count = columns - first < chunk ? columns - first : chunk;
            const std::ptrdiff_t end = first + count;
            const std::ptrdiff_t elements = count * interleave;
            for (std::ptrdiff_t k = 1; k < layers; ++k) {
                for (std::ptrdiff_t i = 0; i < elements; i += width) simd::store(share_rows + k * layer_stride + i, missing);
            }
            if (layers > 2) {
                for (std::ptrdiff_t i = 0; i < count; ++i) depth[i] = 0;
            }
            // The first window that goes on past this chunk is where the next chunk resumes.
            bool resume_found = false;
            auto resume_windows = windows;
            std::ptrdiff_t resume_out_column = 0;
            std::ptrdiff_t resume_fresh_start = 0;
            for (; out_column < out_columns; ++out_column, ++windows) {
                const window w = *windows;
                if (w.start >= end) break;
                window_box<Spatial> box = o;
                box[inner] = w;
                channel_shares<T, Spatial>(grad_output + out_offset + out_column * out_column_stride, grad_output_channel_stride, interleave,
                                           box, layout, column_shares);
                auto put = [&](T* layer_row, std::ptrdiff_t column) {
                    for (std::ptrdiff_t c = 0; c < interleave; ++c) layer_row[column * interleave + c] = column_shares[c];
                };
                const std::ptrdiff_t from = w.start > first ? w.start - first : 0;
                const std::ptrdiff_t to = (w.end < end ? w.end : end) - first;
                if (layers <= 2) {
                    // Columns no earlier window covers take the first layer (one
                    // channel: in whole vectors, later windows overwrite what runs
                    // past); the others (at most one per window) the second.
                    const std::ptrdiff_t fresh = fresh_start > first + from ? fresh_start - first : from;
                    const std::ptrdiff_t overlap_end = fresh < to ? fresh : to;
                    if (interleave == 1) {
                        const auto shares = simd::broadcast(column_shares[0]);
                        for (std::ptrdiff_t i = fresh; i < to; i += width) simd::store(share_rows + i, shares);
                    } else {
                        for (std::ptrdiff_t i = fresh; i < to; ++i) put(share_rows, i);
                    }
                    for (std::ptrdiff_t i = from; i < overlap_end; ++i) put(share_rows + layer_stride, i);
                } else {
                    for (std::ptrdiff_t i = from; i < to; ++i) put(share_rows + depth[i]++ * layer_stride, i);
                }
                if (w.end > end && !resume_found) {
                    resume_found = true;
                    resume_windows = windows;
                    resume_out_column = out_column;
                    resume_fresh_start = fresh_start;
                }
                fresh_start = w.end;
            }
            if (resume_found) {
                windows = resume_windows;
                out_column = resume_out_column;
                fresh_start = resume_fresh_start;
            }
            // Each row written asks for the same columns one window further
            // along the last outer dim, which the next output row writes:
            // pspnet_ppm_6 NCHW backward 20-22 -> 11-12 ms.
            const std::ptrdiff_t ahead = next_window_ahead<inner>(layout, o);
            auto receive_row = [&](std::ptrdiff_t offset, bool fresh) {
                T* row = grad_input + offset + first * interleave;
                if (ahead != 0) simd::prefetch_run<simd::access::write>(row, elements, ahead);
                switch (layers) {
                    case 1: receive_share_rows<1>(row, elements, share_rows, layer_stride, layers, fresh); break;
                    case 2: receive_share_rows<2>(row, elements, share_rows, layer_stride, layers, fresh); break;
                    default: receive_share_rows<0>(row, elements, share_rows, layer_stride, layers, fresh); break;
                }
            };
            walk_output_window<inner>(layout, o, 0, !accumulate, receive_row);
        }
    };
    for_each_window<Spatial - 1>(layout, current, 0, 0, per_output_row);
}

/// Writes (`fresh`) or adds `count` contiguous shares to a run of channels.
/// Two loops, so that a fresh run is written without being read.
template <class T>
inline void receive_run(T* run, const T* shares, std::ptrdiff_t count, bool fresh) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    std::ptrdiff_t k = 0;
    if (fresh) {
        for (; k + width <= count; k += width) simd::store(run + k, simd::load(shares + k) + simd::broadcast(T(0)));
    } else {
        for (; k + width <= count; k += width) simd::store(run + k, simd::load(run + k) + simd::load(shares + k));
    }
    for (; k < count; ++k) run[k] = receive(run[k], shares[k], fresh);
}

/// Avg backward where grad_input's channel dim is contiguous: each window
/// position receives an output's shares as one contiguous run of channels,
/// so memory is visited in order instead of once per vector of channels.
///
/// When overwriting, the shares go straight into the window's anchor, an
/// element no earlier output reached (the first position at or past
/// fresh_start in every dim), as `share + 0`, its final value; every other
/// position then reads them from there, whole runs of channels one position
/// after another. (Adding `share + 0` instead of `share` changes nothing: in
/// this mode no element holds -0 once reached.) Otherwise (accumulating, or no
/// anchor when the output is larger than the input) the shares of a chunk of
/// channels are computed into a stack buffer, and the window is walked once per chunk.
template <class T, std::size_t Spatial>
void average_backward_channels_last_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                          std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride, bool accumulate) noexcept {
    constexpr std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS;
    alignas(64) T shares[chunk];
    output_window<Spatial> current{};
    auto per_output = [&](const output_window<Spatial>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T* grads = grad_output + out_offset;
        std::ptrdiff_t anchor = 0;
        bool anchored = !accumulate;
        for (std::size_t d = 0; d < Spatial; ++d) {
            const std::ptrdiff_t position = o[d].start > o.fresh_start[d] ? o[d].start : o.fresh_start[d];
            anchored = anchored && position < o[d].end;
            anchor += position * layout.in_stride[d];
        }
        if (anchored) {
            T* const anchor_run = grad_input + anchor;
            channel_shares<T, Spatial>(grads, grad_output_channel_stride, channels, o, layout, anchor_run);
            receive_run(anchor_run, anchor_run, channels, true);
            // Runs shorter than a page each ask, for writing, for the same run
            // one window further along the last dim, which the next output
            // writes: the hardware's stream prefetch follows a long run of
            // channels but not the jumps between short ones (A/B: vgg_14_to_7
            // 0.56-0.60 -> 0.40-0.46 ms, video_3d 3.1 -> 2.1-2.3 ms; with
            // pspnet_ppm_6's 8 KB runs, 10.5-11.2 -> 12.0-12.3 ms, so not there).
            constexpr std::ptrdiff_t page_bytes = 4096;
            const std::ptrdiff_t ahead =
                channels * static_cast<std::ptrdiff_t>(sizeof(T)) < page_bytes ? next_window_ahead<Spatial>(layout, o) : 0;
            auto receive_channels = [&](std::ptrdiff_t offset, bool fresh) {
                if (ahead != 0) simd::prefetch_run<simd::access::write>(grad_input + offset, channels, ahead);
                if (offset != anchor) receive_run(grad_input + offset, anchor_run, channels, fresh);
            };
            walk_output_window<Spatial>(layout, o, 0, true, receive_channels);
            return;
        }
        for (std::ptrdiff_t first = 0; first < channels; first += chunk) {
            const std::ptrdiff_t count = channels - first < chunk ? channels - first : chunk;
            channel_shares<T, Spatial>(grads + first * grad_output_channel_stride, grad_output_channel_stride, count, o, layout, shares);
            auto receive_channels = [&](std::ptrdiff_t offset, bool fresh) { receive_run(grad_input + first + offset, shares, count, fresh); };
            walk_output_window<Spatial>(layout, o, 0, !accumulate, receive_channels);
        }
    };
    for_each_window<Spatial>(layout, current, 0, 0, per_output);
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

/// Max backward where every grad_input plane is contiguous and so are its
/// grad_output and indices planes (NCHW): one load, add and store per output.
/// With `zero_first`, planes are zeroed a block at a time, and a block is
/// scattered into once the next one is zeroed: still in cache, and its zeroing
/// stores retired (a load from a vector store still in flight waits for it).
/// Planes adjacent in memory are zeroed as one span. With one output per plane
/// (global pooling) the receiving element is stored, 0 + grad, without a load.
template <class T, class I, class ForEachPlane>
void maximum_backward_dense_planes(const T* grad_output, const I* indices, T* grad_input, std::ptrdiff_t plane_size,
                                   std::ptrdiff_t outputs, bool zero_first, ForEachPlane&& for_each) noexcept {
    auto scatter = [&](const plane_offsets& at) {
        const T* grads = grad_output + at.out;
        const I* where = indices + at.index;
        T* plane = grad_input + at.in;
        for (std::ptrdiff_t o = 0; o < outputs; ++o) plane[static_cast<std::ptrdiff_t>(where[o])] += grads[o];
    };
    if (!zero_first) {
        for_each(scatter);
        return;
    }
    constexpr std::ptrdiff_t block_elements = 4096;
    constexpr std::ptrdiff_t most_planes = 64;
    const std::ptrdiff_t wanted = (block_elements + plane_size - 1) / plane_size;
    const std::ptrdiff_t block_planes = wanted < most_planes ? wanted : most_planes;
    plane_offsets blocks[2][most_planes];
    std::ptrdiff_t counts[2] = {0, 0};
    int current = 0;
    auto zero_planes = [&](const plane_offsets* pending, std::ptrdiff_t pending_count) {
        for (std::ptrdiff_t first = 0; first < pending_count;) {
            std::ptrdiff_t last = first;
            while (last + 1 < pending_count && pending[last + 1].in == pending[last].in + plane_size) ++last;
            zero_line(grad_input + pending[first].in, (last - first + 1) * plane_size, 1);
            first = last + 1;
        }
    };
    auto scatter_planes = [&](const plane_offsets* pending, std::ptrdiff_t pending_count) {
        if (outputs == 1) {
            // The one element that receives holds exactly 0 + grad.
            for (std::ptrdiff_t k = 0; k < pending_count; ++k) {
                const plane_offsets& at = pending[k];
                grad_input[at.in + static_cast<std::ptrdiff_t>(indices[at.index])] = grad_output[at.out] + T(0);
            }
        } else {
            for (std::ptrdiff_t k = 0; k < pending_count; ++k) scatter(pending[k]);
        }
    };
    for_each([&](const plane_offsets& at) {
        blocks[current][counts[current]++] = at;
        if (counts[current] == block_planes) {
            zero_planes(blocks[current], counts[current]);
            scatter_planes(blocks[1 - current], counts[1 - current]);  // the block before, zeroed a block ago
            current = 1 - current;
            counts[current] = 0;
        }
    });
    zero_planes(blocks[current], counts[current]);
    scatter_planes(blocks[1 - current], counts[1 - current]);
    scatter_planes(blocks[current], counts[current]);
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
    auto move = [&](std::size_t dim, std::ptrdiff_t steps) {
        out_offset += steps * layout.out_stride[dim];
        index_offset += steps * layout.index_stride[dim];
    };
    std::ptrdiff_t total = 1;
    for (std::size_t d = 0; d < Spatial; ++d) total *= layout.out_extent[d];
    for (std::ptrdiff_t visited = 0; visited < total; ++visited) {
        for (std::ptrdiff_t c = 0; c < channels; ++c) {
            const auto flat = static_cast<std::ptrdiff_t>(indices[index_offset + c * index_channel_stride]);
            const std::ptrdiff_t target = dense_scale != 0 ? flat * dense_scale : plane_offset(layout, flat);
            grad_input[target + c] += grad_output[out_offset + c * grad_output_channel_stride];
        }
        next_position(position, layout.out_extent, Spatial, Spatial, move);
    }
}

}  // namespace detail
}  // namespace apool
