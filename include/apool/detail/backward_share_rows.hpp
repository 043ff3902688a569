// apool: the share-rows avg backward kernel: grad_input's innermost spatial
// dim is contiguous (or holds W * C values of an HWC image); each output row's
// shares are built once into stack rows, layer by layer, and added with vectors.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../simd.hpp"
#include "../strided_view.hpp"
#include "backward_kernels.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

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
    output_window<Spatial, true> current{};
    if (layers == 1 && interleave == 1 && columns >= 4 * width * out_columns) {
        // Windows that tile the row and span several vectors each: every row
        // of a window takes its share straight from a register.
        auto per_output = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
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
    if (layers == 1 && interleave == 1 && columns % out_columns == 0 && columns / out_columns <= chunk) {
        // Windows of one size that tile the row: a vector of outputs' shares
        // at a time, each written once per column of its window, a chunk of
        // whole windows at a time, instead of one share's division and
        // stores per output.
        const std::ptrdiff_t size = columns / out_columns;
        const std::ptrdiff_t chunk_outputs = chunk / size;
        auto per_output_row = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
            window_box<Spatial> box = o;
            box[inner] = window{0, size};  // every window's sizes, which are all its share depends on
            const std::ptrdiff_t ahead = next_window_ahead<inner>(layout, o);
            for (std::ptrdiff_t first_output = 0; first_output < out_columns; first_output += chunk_outputs) {
                const std::ptrdiff_t outputs = std::min(chunk_outputs, out_columns - first_output);
                for (std::ptrdiff_t done = 0; done < outputs; done += width) {
                    const std::ptrdiff_t lanes = std::min(width, outputs - done);
                    alignas(64) T shares[width] = {};
                    const T* grads = grad_output + out_offset + (first_output + done) * out_column_stride;
                    if (lanes == width && out_column_stride == 1) {
                        simd::store(shares, simd::load(grads));
                    } else {
                        for (std::ptrdiff_t lane = 0; lane < lanes; ++lane) shares[lane] = grads[lane * out_column_stride];
                    }
                    simd::store(shares, average_share<simd::batch<T>, Spatial>(simd::load(shares), box, layout));
                    T* share_row = share_rows + done * size;
                    for (std::ptrdiff_t lane = 0; lane < lanes; ++lane) {
                        for (std::ptrdiff_t k = 0; k < size; ++k) share_row[lane * size + k] = shares[lane];
                    }
                }
                const std::ptrdiff_t count = outputs * size;
                auto receive_row = [&](std::ptrdiff_t offset, bool fresh) {
                    T* row = grad_input + offset + first_output * size;
                    if (ahead != 0) simd::prefetch_run<simd::access::write>(row, count, ahead);
                    receive_share_rows<1>(row, count, share_rows, layer_stride, layers, fresh);
                };
                walk_output_window<inner>(layout, o, 0, !accumulate, receive_row);
            }
        };
        for_each_window<Spatial - 1>(layout, current, 0, 0, per_output_row);
        return;
    }
    auto per_output_row = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
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
            // along the last outer dim, which the next output row writes: the
            // hardware prefetchers do not follow the jump from one window to
            // the next.
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
}  // namespace detail
}  // namespace apool
