// apool: the narrow-rows forward kernel, for planes whose contiguous rows fit
// in one vector (NCHW 13x13 and 14x14 with 16 float lanes): the average, the
// max (values and indices) and the pair of both.
//
// The tiled kernel transposes such planes, and the transposes cost more than
// the pooling itself. Here each row is one vector: the rows of a window are
// reduced lane by lane (lane c is column c), then every window along the row,
// of two output rows at once where both fit in a vector, is reduced with lane
// permutes from tables built once per call, and one masked store writes the
// output rows.
//
// A row is read as the whole vector from its start, the lanes past it ignored,
// or, where that vector would run past the input's last element, as the vector
// ending at the row's end, permuted down. Masked loads would read only the row,
// but a masked load that crosses a cache line (as most 13-float rows do) is
// several times slower than a plain one on AMD's cores.
#pragma once

#include <cstddef>

#include "../config.hpp"
#include "../simd.hpp"
#include "interleaved_windows.hpp"
#include "pair_reduction.hpp"
#include "reductions.hpp"
#include "row_windows.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Whether the narrow-rows kernel suits a plane's shape: its innermost dim is
/// contiguous and more than half a vector long, and the input and output rows
/// fit in one vector. The input must also span two vectors or more, so that
/// every row can be read one way or the other (checked by the caller).
template <class T, std::size_t Spatial>
bool narrow_rows_suit(const spatial_layout<Spatial>& layout) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t row = layout.in_extent[Spatial - 1];
    return layout.in_stride[Spatial - 1] == 1 && 2 * row > width && row <= width && layout.out_extent[Spatial - 1] <= width;
}

/// The maxima of the windows along one or two rows held in one vector (see
/// row_windows), for Planes planes: lane c of first[p] holds column c's
/// scan-order max over plane p's first row's window rows and the flat index
/// of its row's start, second[p] the same for its second row; lane o of
/// best[p] is the first row's output o's max and flat index, lane
/// windows.outputs + o the second's. Column 0 of each window, then each later
/// one merged by maximum::combine's rule lane by lane (interleaved_max's),
/// each lane's columns past its window left out. Each table is read once for
/// all the planes.
template <class T, std::size_t Planes>
inline void maximum_row_windows(const typename maximum<T>::vector_state (&first)[Planes],
                                const typename maximum<T>::vector_state (&second)[Planes], const row_windows<T>& windows,
                                interleaved_maxima<T> (&best)[Planes]) noexcept {
    auto column_of = [&](std::size_t p, const simd::integer_batch<T>& column, const simd::integer_batch<T>& position) {
        return interleaved_maxima<T>{simd::permute_pair(first[p].value, second[p].value, column),
                                     simd::permute_integer_pair<T>(first[p].index, second[p].index, column) + position};
    };
    {
        const simd::integer_batch<T> column = windows.columns[0];
        const simd::integer_batch<T> position = windows.positions[0];
        for (std::size_t p = 0; p < Planes; ++p) best[p] = column_of(p, column, position);
    }
    for (std::ptrdiff_t k = 1; k < windows.widest; ++k) {
        const simd::integer_batch<T> column = windows.columns[k];
        const simd::integer_batch<T> position = windows.positions[k];
        // inside[k]'s lanes are all ones or all zeros.
        const auto inside = simd::as_value_mask<T>(simd::value_bits_as_integers<T>(windows.inside[k]) != simd::integer_batch<T>(0));
        for (std::size_t p = 0; p < Planes; ++p) {
            const interleaved_maxima<T> candidate = column_of(p, column, position);
            const auto take = inside & replaces_by_scan_order(best[p], candidate.value, candidate.index);
            best[p].value = simd::select(take, candidate.value, best[p].value);
            best[p].index = simd::select_integers(simd::as_integer_mask<T>(take), candidate.index, best[p].index);
        }
    }
}

/// Stores the first `count` lanes of `values` from `out`, `stride` apart
/// (more than 1). Out of line: inlined, its per-lane addresses would be
/// computed ahead on the masked store's path too.
template <class T>
APOOL_COLD void store_row_strided(T* out, std::ptrdiff_t stride, const simd::batch<T>& values, std::ptrdiff_t count) noexcept {
    alignas(64) T lane_values[simd::lanes<T>];
    simd::store(lane_values, values);
    for (std::ptrdiff_t o = 0; o < count; ++o) out[o * stride] = lane_values[o];
}

/// Stores the first `count` lanes of `values` from `out`, `stride` apart.
template <class T>
inline void store_row(T* out, std::ptrdiff_t stride, const simd::batch<T>& values, std::ptrdiff_t count) noexcept {
    if (stride == 1) {
        simd::store_first(out, values, count);
    } else {
        store_row_strided(out, stride, values, count);
    }
}

/// Planes pooled together by narrow_rows_planes: each walk of a window's
/// rows, and its bookkeeping, serves a batch of up to four planes, whose
/// column states (two output rows each) take up to all the vector
/// registers: a few spilled states cost less than the bookkeeping of smaller
/// batches (the pair's three registers a state included).
template <class Reduction>
constexpr std::ptrdiff_t narrow_rows_batch =
    std::max(std::ptrdiff_t(1), std::min(std::ptrdiff_t(4), std::ptrdiff_t(simd::vector_registers) / (2 * state_registers<Reduction>)));

/// Pools Planes planes with Reduction (average, maximum or the pair, through
/// output_of<Reduction>); `planes` holds their offsets from `in`, `out` and
/// `index`, and `windows` the tables for their rows. Each output row's
/// window rows are reduced lane by lane into its columns, for every plane of
/// the batch in one walk; the rows then go by pairs where
/// windows.rows_per_vector is 2, so that one set of permutes, one division
/// and one store (where the second row's outputs follow the first's in
/// memory) serve both. A row whose offset from `in` is at most
/// `last_whole_vector` is read as the whole vector from its start, any other
/// from its end (with the input two vectors long or more, that vector starts
/// inside the input).
template <std::ptrdiff_t Planes, class Reduction, class T, class Out, class I, std::size_t Spatial>
APOOL_ALWAYS_INLINE void narrow_rows_planes(const T* in, Out out, I* index, const plane_offsets* planes, const spatial_layout<Spatial>& layout,
                                            const row_windows<T>& windows, std::ptrdiff_t last_whole_vector) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = windows.outputs;
    const std::ptrdiff_t out_stride = layout.out_stride[outer];
    const std::ptrdiff_t index_stride = layout.index_stride[outer];
    struct output_row {
        typename Reduction::vector_state columns[Planes];
        std::ptrdiff_t rows;  // window rows reduced into the columns
        std::ptrdiff_t out_offset;
        std::ptrdiff_t index_offset;
    };
    // Where no row of the batch ends within a vector of the input's end,
    // every row is read as the whole vector from its start, with no test.
    std::ptrdiff_t last_row = 0;  // the furthest a row starts from its plane's start
    for (std::size_t d = 0; d < outer; ++d) last_row += std::max(std::ptrdiff_t(0), (layout.in_extent[d] - 1) * layout.in_stride[d]);
    std::ptrdiff_t furthest_plane = planes[0].in;
    for (std::ptrdiff_t p = 1; p < Planes; ++p) furthest_plane = std::max(furthest_plane, planes[p].in);
    const bool only_whole_vectors = furthest_plane + last_row <= last_whole_vector;
    const T* plane_in[Planes];
    for (std::ptrdiff_t p = 0; p < Planes; ++p) plane_in[p] = in + planes[p].in;
    auto reduce_columns = [&](const window_box<outer>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        output_row row;
        row.rows = box_count<outer>(b);
        row.out_offset = out_offset;
        row.index_offset = index_offset;
        // A window's first row starts its columns' states (vector_first).
        bool started = false;
        auto walk = [&](auto whole_vectors) {
            auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) {
                const auto position = Reduction::vector_position(flat_index);
                for (std::ptrdiff_t p = 0; p < Planes; ++p) {
                    const simd::batch<T> values =
                        decltype(whole_vectors)::value || planes[p].in + offset <= last_whole_vector
                            ? simd::load(plane_in[p] + offset)
                            : simd::permute(simd::load(plane_in[p] + offset + row_length - width), windows.from_row_end);
                    if (started) {
                        Reduction::vector_accumulate(row.columns[p], values, position);
                    } else {
                        row.columns[p] = Reduction::vector_first(values, position);
                    }
                }
                started = true;
            };
            walk_box<outer>(layout, b, 0, 0, add);
        };
        if (only_whole_vectors) {
            walk(std::true_type{});
        } else {
            walk(std::false_type{});
        }
        return row;
    };
    // `rows` (1 or 2) output rows of each plane from one vector of results:
    // `second` is `first` where a row goes alone.
    auto write_rows = [&](const output_row& first, const output_row& second, std::ptrdiff_t rows) {
        const bool one_store = out_stride == 1 && (rows == 1 || second.out_offset == first.out_offset + out_row_length);
        const bool one_index_store = index_stride == 1 && (rows == 1 || second.index_offset == first.index_offset + out_row_length);
        auto store_values = [&](T* values, const simd::batch<T>& results) {
            if (one_store) {
                simd::store_first(values + first.out_offset, results, rows * out_row_length);
                return;
            }
            store_row(values + first.out_offset, out_stride, results, out_row_length);
            if (rows == 2) store_row(values + second.out_offset, out_stride, simd::permute(results, windows.second_row_down), out_row_length);
        };
        using maxima_state = typename maximum<T>::vector_state;
        auto write_maxima = [&](const maxima_state(&first_maxima)[Planes], const maxima_state(&second_maxima)[Planes], auto values_of) {
            interleaved_maxima<T> best[Planes];
            maximum_row_windows<T>(first_maxima, second_maxima, windows, best);
            for (std::ptrdiff_t p = 0; p < Planes; ++p) {
                store_values(values_of(p), best[p].value);
                if (index == nullptr) continue;
                I* const plane_index = index + planes[p].index;
                if (one_index_store) {
                    simd::store_first_as<T>(plane_index + first.index_offset, best[p].index, rows * out_row_length);
                    continue;
                }
                alignas(64) simd::lane_integer_t<T> lane_indices[width];
                best[p].index.store_aligned(lane_indices);
                auto store_index_row = [&](I* at, std::ptrdiff_t first_lane) {
                    for (std::ptrdiff_t o = 0; o < out_row_length; ++o) at[o * index_stride] = static_cast<I>(lane_indices[first_lane + o]);
                };
                store_index_row(plane_index + first.index_offset, 0);
                if (rows == 2) store_index_row(plane_index + second.index_offset, out_row_length);
            }
        };
        if constexpr (is_pair<Reduction>) {
            typename Reduction::sum::vector_state first_totals[Planes], second_totals[Planes];
            maxima_state first_maxima[Planes], second_maxima[Planes];
            for (std::ptrdiff_t p = 0; p < Planes; ++p) {
                first_totals[p] = first.columns[p].total;
                second_totals[p] = second.columns[p].total;
                first_maxima[p] = first.columns[p].best;
                second_maxima[p] = second.columns[p].best;
            }
            simd::batch<T> averages[Planes];
            Reduction::sum::reduce_row_windows(first_totals, second_totals, windows, divisor_of_rows(windows, first.rows, second.rows), averages);
            for (std::ptrdiff_t p = 0; p < Planes; ++p) store_values((out + planes[p].out).average, averages[p]);
            write_maxima(first_maxima, second_maxima, [&](std::ptrdiff_t p) { return (out + planes[p].out).maximum; });
        } else if constexpr (Reduction::tracks_index) {
            write_maxima(first.columns, second.columns, [&](std::ptrdiff_t p) { return out + planes[p].out; });
        } else {
            simd::batch<T> averages[Planes];
            Reduction::reduce_row_windows(first.columns, second.columns, windows, divisor_of_rows(windows, first.rows, second.rows), averages);
            for (std::ptrdiff_t p = 0; p < Planes; ++p) store_values(out + planes[p].out, averages[p]);
        }
    };
    if constexpr (outer == 0) {
        const output_row row = reduce_columns(window_box<outer>{}, 0, 0);
        write_rows(row, row, 1);
    } else {
        // Rows pair up along the dim before the last: the outputs of one
        // position in the dims before it.
        constexpr std::size_t pair_dim = outer - 1;
        const window outputs = layout.out_range[pair_dim];
        const std::ptrdiff_t pair_out_stride = layout.out_stride[pair_dim];
        const std::ptrdiff_t pair_index_stride = layout.index_stride[pair_dim];
        output_window<outer> box{};
        auto per_band = [&](const window_box<outer>& band, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
            auto rows_along = adaptive_windows(layout.in_extent[pair_dim], layout.out_extent[pair_dim]).begin_at(outputs.start);
            auto next_row = [&](std::ptrdiff_t o) {
                window_box<outer> b = band;
                b[pair_dim] = *rows_along;
                ++rows_along;
                return reduce_columns(b, out_offset + o * pair_out_stride, index_offset + o * pair_index_stride);
            };
            std::ptrdiff_t o = outputs.start;
            if (windows.rows_per_vector == 2) {
                for (; o + 1 < outputs.end; o += 2) {
                    const output_row first = next_row(o);
                    const output_row second = next_row(o + 1);
                    write_rows(first, second, 2);
                }
            }
            for (; o < outputs.end; ++o) {
                const output_row row = next_row(o);
                write_rows(row, row, 1);
            }
        };
        for_each_window<pair_dim>(layout, box, 0, 0, per_band);
    }
}

}  // namespace detail
}  // namespace apool
