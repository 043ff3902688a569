// apool: the rows forward kernel: the innermost spatial dim is contiguous
// (NCHW-like). Rows of a window's outer dims are reduced into a stack buffer
// with vectors across the row, then each output reduces a short slice of that
// buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "forward_kernels.hpp"
#include "interleaved_windows.hpp"
#include "pair_reduction.hpp"
#include "reductions.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Contiguous rows: the innermost spatial dim has stride 1.
///
/// With `interleave` > 1 a row holds that many channels per position
/// (channels-last memory with fewer channels than a vector: an HWC image's row
/// is W * C contiguous values). The rows are still reduced with whole vectors;
/// each output then reduces every `interleave`-th entry of its slice, once per
/// channel, writing channel c at `c * out_channel_stride` (and
/// `c * index_channel_stride`).
///
/// With `uniform` (where every window along the row has `uniform->window`
/// positions and simd::has_lane_permute<A>), the outputs of a chunk, of one
/// channel or interleaved, are reduced a group of `uniform->outputs` at a
/// time by lane permutes instead.
///
/// The buffer and the vectors hold the Reduction's accumulator A; elements
/// narrower than A (16-bit floats and bytes into float) widen as they load,
/// and their results round once to the output type.
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
void rows_plane(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, std::ptrdiff_t interleave,
                std::ptrdiff_t out_channel_stride, std::ptrdiff_t index_channel_stride,
                const interleaved_windows<typename Reduction::accumulator>* uniform = nullptr) noexcept {
    using A = typename Reduction::accumulator;
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<A>;
    constexpr std::ptrdiff_t buffer_size = APOOL_ROW_BUFFER_ELEMENTS;
    static_assert(buffer_size >= 1, "APOOL_ROW_BUFFER_ELEMENTS must be at least 1");
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = layout.out_extent[outer];
    const window columns = layout.out_range[outer];  // the output columns this work item computes
    const std::ptrdiff_t out_column_stride = layout.out_stride[outer];
    const std::ptrdiff_t index_column_stride = layout.index_stride[outer];
    // Row positions whose entries fit in the buffer.
    const std::ptrdiff_t buffer_positions = buffer_size / interleave;
    // A vector pair past the entries (a group of uniform windows reads that
    // far); the pair's maxima after its sums.
    alignas(64) A buffer_values[(is_pair<Reduction> ? 2 : 1) * row_buffer_length<A>];
    using index_lane = typename Reduction::index_lane;
    alignas(64) index_lane buffer_indices[Reduction::tracks_index ? row_buffer_length<A> : 1];

    // Groups of uniform windows by lane permutes.
    const bool uniform_groups = simd::has_lane_permute<A> && uniform != nullptr;

    output_window<outer> box{};
    auto per_row_window = [&](const window_box<outer>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        const std::ptrdiff_t rows = box_count<outer>(b);
        const std::ptrdiff_t first_row_index = box_first_index<outer>(layout, b);
        auto output_at = [&](std::ptrdiff_t column, std::ptrdiff_t channel) {
            return out + out_offset + column * out_column_stride + channel * out_channel_stride;
        };
        auto index_at = [&](std::ptrdiff_t column, std::ptrdiff_t channel) {
            return index != nullptr ? index + index_offset + column * index_column_stride + channel * index_channel_stride : nullptr;
        };
        auto windows = adaptive_windows(row_length, out_row_length).begin_at(columns.start);

        // One row a window: each window's span straight from the input. The
        // max alone takes it only where every window holds at least a vector,
        // since its span of fewer elements is a scalar loop with a branch on
        // each, slower than the buffer's one-vector reduction below; the
        // average (alone or in the pair, which must add as it does) always.
        const bool span_each_window =
            !Reduction::tracks_index || is_pair<Reduction> || row_length >= width * out_row_length;
        if (rows == 1 && interleave == 1 && !uniform_groups && span_each_window) {
            const T* row = in;
            auto locate = [&](std::ptrdiff_t offset, std::ptrdiff_t) { row = in + offset; };
            walk_box<outer>(layout, b, 0, 0, locate);
            for (std::ptrdiff_t column = columns.start; column < columns.end; ++column, ++windows) {
                const window w = *windows;
                write_result<Reduction>(Reduction::span(row + w.start, w.size(), first_row_index + w.start), w.size(),
                                        output_at(column, 0), index_at(column, 0));
            }
            return;
        }

        // A chunk of uniform windows from output `first_column`, whose entries
        // fill the buffer's first `filled`: a group of outputs at a time, the
        // last group's lanes past the chunk computed from the zeroed entries
        // after it and not written. Outputs (and indices) dense along
        // (position, channel) are stored as one run; others lane by lane. The
        // pair reduces its sums and its maxima in turn, each as its own
        // reduction does.
        auto uniform_chunk = [&](std::ptrdiff_t filled, std::ptrdiff_t first_column, std::ptrdiff_t count, std::ptrdiff_t rows_in_window) {
            if constexpr (simd::has_lane_permute<A>) {
                const interleaved_windows<A>& tables = *uniform;
                const std::ptrdiff_t group_entries = tables.outputs * tables.window * interleave;
                using R = typename Reduction::result;
                constexpr bool lane_result = std::is_same<R, A>::value;
                constexpr bool narrow_result = is_half_precision<R> || is_byte_integer<R>;  // rounded from float lanes
                constexpr bool sums = is_pair<Reduction> || !Reduction::tracks_index;
                const bool dense =
                    (lane_result || narrow_result) && (interleave == 1 || out_channel_stride == 1) && out_column_stride == interleave;
                const bool dense_indices = (interleave == 1 || index_channel_stride == 1) && index_column_stride == interleave;
                A* const maxima = buffer_values + (is_pair<Reduction> ? row_buffer_length<A> : 0);
                const simd::batch<A> zero = simd::broadcast(A(0));
                for (A* values : {buffer_values, maxima}) {
                    simd::store(values + filled, zero);
                    simd::store(values + filled + width, zero);
                }
                if constexpr (Reduction::tracks_index) {
                    const simd::integer_batch<A> no_index(index_lane(0));
                    no_index.store_unaligned(buffer_indices + filled);
                    no_index.store_unaligned(buffer_indices + filled + width);
                }
                // A group's results into result `r` of the outputs (result_at:
                // the pair's average or maximum, else the output).
                auto store_group = [&](const simd::batch<A>& results, std::ptrdiff_t first_output, std::ptrdiff_t lanes_used, std::ptrdiff_t r) {
                    if (dense) {
                        R* const first_out = result_at(output_at(first_output, 0), r);
                        if constexpr (lane_result) {
                            simd::store_first(first_out, results, lanes_used);
                        } else if constexpr (narrow_result) {
                            alignas(64) R narrowed[width];
                            simd::store_narrowed(narrowed, results);
                            std::copy_n(narrowed, lanes_used, first_out);
                        }
                        return;
                    }
                    alignas(64) A lane_values[width];
                    simd::store(lane_values, results);
                    for (std::ptrdiff_t lane = 0; lane < lanes_used; ++lane) {
                        R* const to = result_at(output_at(first_output + lane / interleave, lane % interleave), r);
                        if constexpr (lane_result) {
                            *to = lane_values[lane];
                        } else {
                            *to = round_from_float<R>(lane_values[lane]);
                        }
                    }
                };
                const count_divisor<A> divide = divisor_of_count<A>(rows_in_window * tables.window);
                for (std::ptrdiff_t done = 0, at = 0; done < count; done += tables.outputs, at += group_entries) {
                    const std::ptrdiff_t first_output = first_column + done;
                    const std::ptrdiff_t lanes_used = std::min(tables.outputs, count - done) * interleave;
                    if constexpr (sums) store_group(divide(interleaved_sums(buffer_values + at, tables)), first_output, lanes_used, 0);
                    if constexpr (Reduction::tracks_index) {
                        const auto best = interleaved_max(maxima + at, buffer_indices + at, tables, first_output * tables.window);
                        store_group(best.value, first_output, lanes_used, 1);
                        if (index != nullptr) {
                            alignas(64) index_lane lane_indices[width];
                            best.index.store_aligned(lane_indices);
                            I* const first_index = index_at(first_output, 0);
                            if (dense_indices) {
                                for (std::ptrdiff_t lane = 0; lane < lanes_used; ++lane) first_index[lane] = static_cast<I>(lane_indices[lane]);
                            } else {
                                for (std::ptrdiff_t lane = 0; lane < lanes_used; ++lane) {
                                    first_index[lane / interleave * index_column_stride + lane % interleave * index_channel_stride] =
                                        static_cast<I>(lane_indices[lane]);
                                }
                            }
                        }
                    }
                }
            }
        };

        // Several rows: sum (or max) them column-wise into the buffer, one chunk
        // of columns at a time, then reduce each window's slice of the buffer.
        std::ptrdiff_t column = columns.start;
        while (column < columns.end) {
            const window first = *windows;
            if (first.size() > buffer_positions) {
                // A window wider than the buffer: reduce each row's slice and merge
                // (interleaved: each channel's window element by element).
                if (interleave == 1) {
                    auto s = Reduction::start(first_row_index + first.start);
                    auto merge_row = [&](std::ptrdiff_t offset, std::ptrdiff_t row_index) {
                        Reduction::combine(s, Reduction::span(in + offset + first.start, first.size(), row_index + first.start));
                    };
                    walk_box<outer>(layout, b, 0, 0, merge_row);
                    write_result<Reduction>(s, rows * first.size(), output_at(column, 0), index_at(column, 0));
                } else {
                    for (std::ptrdiff_t channel = 0; channel < interleave; ++channel) {
                        auto s = Reduction::start(first_row_index + first.start);
                        auto add_row = [&](std::ptrdiff_t offset, std::ptrdiff_t row_index) {
                            for (std::ptrdiff_t i = first.start; i < first.end; ++i) {
                                Reduction::accumulate(s, in[offset + i * interleave + channel], row_index + i);
                            }
                        };
                        walk_box<outer>(layout, b, 0, 0, add_row);
                        write_result<Reduction>(s, rows * first.size(), output_at(column, channel), index_at(column, channel));
                    }
                }
                ++column;
                ++windows;
                continue;
            }
            // The chunk: as many consecutive windows as fit in the buffer.
            const std::ptrdiff_t chunk_start = first.start;
            std::ptrdiff_t chunk_end = first.end;
            std::ptrdiff_t chunk_columns = 1;
            if (uniform != nullptr) {
                chunk_columns = std::min(columns.end - column, buffer_positions / uniform->window);
                chunk_end = chunk_start + chunk_columns * uniform->window;
            } else {
                // Window ends do not decrease, and output o's window ends at
                // or before `limit` exactly when (o + 1) * In <= limit * Out.
                const std::ptrdiff_t limit = std::min(chunk_start + buffer_positions, row_length);
                const std::ptrdiff_t last_fitting = std::min(columns.end, limit * out_row_length / row_length) - 1;
                chunk_columns = std::max<std::ptrdiff_t>(1, last_fitting - column + 1);
                chunk_end = window_end(column + chunk_columns - 1, row_length, out_row_length);
            }
            const std::ptrdiff_t chunk_length = (chunk_end - chunk_start) * interleave;
            const T* chunk_in = in + chunk_start * interleave;
            // `blocks` vectors of columns from `first`, the last moved back by
            // `last_shift`, in one walk over the rows: independent chains hide
            // the latency of each row's update. Each row read prefetches the
            // same columns one window further along the last outer dim, where
            // the next output row reads: the hardware prefetchers do not
            // follow the jump from one window to the next.
            const std::ptrdiff_t ahead = next_window_ahead<outer>(layout, b);
            auto reduce_blocks = [&](auto blocks, std::ptrdiff_t first, std::ptrdiff_t last_shift) {
                typename Reduction::vector_state states[decltype(blocks)::value];
                reduce_lanes<Reduction, outer, true>(chunk_in + first, layout, b, first_row_index, states, last_shift, ahead);
                for (std::ptrdiff_t k = 0; k < decltype(blocks)::value; ++k) {
                    const std::ptrdiff_t at = first + k * width - (k + 1 == decltype(blocks)::value ? last_shift : 0);
                    Reduction::store_partial(states[k], buffer_values + at, buffer_indices + (Reduction::tracks_index ? at : 0));
                }
            };
            std::ptrdiff_t j = 0;
            for (; j + 4 * width <= chunk_length; j += 4 * width) reduce_blocks(std::integral_constant<std::ptrdiff_t, 4>{}, j, 0);
            if (j < chunk_length && chunk_length >= width) {
                // The rest, one to four vectors, the last ending at the chunk's
                // end. Columns are independent, so those it shares with the
                // previous vector get the same results again.
                const std::ptrdiff_t rest = (chunk_length - j + width - 1) / width;
                const std::ptrdiff_t last_shift = j + rest * width - chunk_length;
                switch (rest) {
                    case 1: reduce_blocks(std::integral_constant<std::ptrdiff_t, 1>{}, j, last_shift); break;
                    case 2: reduce_blocks(std::integral_constant<std::ptrdiff_t, 2>{}, j, last_shift); break;
                    case 3: reduce_blocks(std::integral_constant<std::ptrdiff_t, 3>{}, j, last_shift); break;
                    default: reduce_blocks(std::integral_constant<std::ptrdiff_t, 4>{}, j, last_shift); break;
                }
                j = chunk_length;
            }
            for (; j < chunk_length; ++j) {
                Reduction::store_partial(reduce_scalar<Reduction, outer>(chunk_in + j, layout, b, first_row_index), buffer_values + j,
                                         buffer_indices + (Reduction::tracks_index ? j : 0));
            }
            if constexpr (simd::has_lane_permute<A>) {
                if (uniform != nullptr) {
                    uniform_chunk(chunk_length, column, chunk_columns, rows);
                    column += chunk_columns;
                    windows = adaptive_windows(row_length, out_row_length).begin_at(column);
                    continue;
                }
            }
            for (std::ptrdiff_t done = 0; done < chunk_columns; ++done, ++column, ++windows) {
                const window w = *windows;
                if constexpr (simd::has_lane_permute<A>) {
                    // Windows of up to a vector: reduced in one vector, where two
                    // scalar passes over the entries would cost more than the
                    // rows' reduction into the buffer.
                    if (interleave == 1 && w.size() <= width && chunk_length >= width) {
                        write_result<Reduction>(Reduction::buffer_window(buffer_values, buffer_indices, chunk_length, w.start - chunk_start,
                                                                         w.size(), w.start),
                                                rows * w.size(), output_at(column, 0), index_at(column, 0));
                        continue;
                    }
                }
                for (std::ptrdiff_t channel = 0; channel < interleave; ++channel) {
                    const std::ptrdiff_t at = (w.start - chunk_start) * interleave + channel;
                    write_result<Reduction>(Reduction::buffer_span(buffer_values + at, buffer_indices + (Reduction::tracks_index ? at : 0),
                                                                   w.size(), w.start, interleave),
                                            rows * w.size(), output_at(column, channel), index_at(column, channel));
                }
            }
        }
    };
    for_each_window<outer>(layout, box, 0, 0, per_row_window);
}

}  // namespace detail
}  // namespace apool
