// apool: the narrow-rows forward kernel, for planes whose contiguous rows fit
// in one vector (NCHW 13x13 and 14x14 with 16 float lanes): the average, the
// max (values and indices) and the pair of both.
//
// The tiled kernel transposes such planes, and the transposes cost more than
// the pooling itself where the windows are small. Here each row is one
// vector, and every window along the row, of two output rows at once where
// both fit in a vector, is reduced with lane permutes from tables built once
// per call; one masked store writes the output rows. The loops go output row
// (or pair) first, then plane: a row's windows and tables serve a block of
// planes, which stays in L1 while the rows sweep it, and the next block's
// rows are prefetched as the same rows of this one are read.
//
// A row is read as the whole vector from its start, the lanes past it ignored,
// or, where that vector would run past the input's last element, as the vector
// ending at the row's end, permuted down. Masked loads would read only the row,
// but a masked load that crosses a cache line (as most 13-float rows do) is
// several times slower than a plain one on AMD's cores.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>

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

/// Whether the narrow rows' average of a plane's shape (one narrow_rows_suit)
/// takes at most 3 columns and 3 rows a window, where it costs less than the
/// tiles: output rows in pairs, each at least half its input's length, in
/// the dim before the row too (planes of two dims or more).
template <class T, std::size_t Spatial>
bool narrow_rows_windows_small(const spatial_layout<Spatial>& layout) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    if constexpr (Spatial < 2) {
        return false;
    } else {
        const std::size_t row = Spatial - 1;
        return 2 * layout.out_extent[row] <= width && layout.in_extent[row] <= 2 * layout.out_extent[row] &&
               layout.in_extent[row - 1] <= 2 * layout.out_extent[row - 1];
    }
}

/// The maxima of the windows along one or two rows held in one vector (see
/// row_windows): lane c of `first` holds column c's scan-order max over the
/// first row's window rows and the flat index of its row's start, `second`
/// the same for the second row; lane o of the result is the first row's
/// output o's max and flat index, lane windows.outputs + o the second's.
/// Column 0 of each window, then each later one merged by maximum::combine's
/// rule lane by lane (interleaved_max's), each lane's columns past its window
/// left out.
template <class T>
inline interleaved_maxima<T> maximum_row_windows(const typename maximum<T>::vector_state& first,
                                                 const typename maximum<T>::vector_state& second,
                                                 const row_windows<T>& windows) noexcept {
    auto column = [&](std::ptrdiff_t k) {
        return interleaved_maxima<T>{simd::permute_pair(first.value, second.value, windows.columns[k]),
                                     simd::permute_integer_pair<T>(first.index, second.index, windows.columns[k]) + windows.positions[k]};
    };
    interleaved_maxima<T> best = column(0);
    for (std::ptrdiff_t k = 1; k < windows.widest; ++k) {
        const interleaved_maxima<T> candidate = column(k);
        // inside[k]'s lanes are all ones or all zeros.
        const auto inside = simd::as_value_mask<T>(simd::value_bits_as_integers<T>(windows.inside[k]) != simd::integer_batch<T>(0));
        take_lanes(best, candidate, inside & replaces_by_scan_order(best, candidate.value, candidate.index));
    }
    return best;
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

/// Planes pooled together by narrow_rows_planes: each output row's (or
/// pair's) windows are located and their tables read once for the whole
/// block, and the block's input (16 planes of 14x14 floats: 12.5 KiB) stays
/// in L1 while the output rows sweep it.
constexpr std::ptrdiff_t narrow_rows_block = 16;

/// The rows of one output row's window, over the Dims spatial dims before
/// the row (at least one): `count[d]` positions `stride[d]` elements apart
/// (`flat_stride[d]` apart in flat indices) from the first row, which starts
/// `offset` elements from its plane's start at flat index `flat`.
template <std::size_t Dims>
struct window_rows {
    std::ptrdiff_t offset = 0;
    std::ptrdiff_t flat = 0;
    std::array<std::ptrdiff_t, Dims> count{};
    std::array<std::ptrdiff_t, Dims> stride{};
    std::array<std::ptrdiff_t, Dims> flat_stride{};

    std::ptrdiff_t rows() const noexcept {
        std::ptrdiff_t all = 1;
        for (std::size_t d = 0; d < Dims; ++d) all *= count[d];
        return all;
    }
};

/// The rows of the window `box` (over the dims before the row).
template <std::size_t Dims, std::size_t Spatial>
window_rows<Dims> rows_of_box(const spatial_layout<Spatial>& layout, const window_box<Dims>& box) noexcept {
    window_rows<Dims> rows;
    for (std::size_t d = 0; d < Dims; ++d) {
        rows.offset += box[d].start * layout.in_stride[d];
        rows.flat += box[d].start * layout.flat_stride[d];
        rows.count[d] = box[d].size();
        rows.stride[d] = layout.in_stride[d];
        rows.flat_stride[d] = layout.flat_stride[d];
    }
    return rows;
}

/// Calls f(offset, flat_index) for each position of `rows` in its first
/// Until dims (all of them: each row), in scan order.
template <std::size_t Until, std::size_t Dim = 0, std::size_t Dims, class F>
APOOL_ALWAYS_INLINE void walk_rows(const window_rows<Dims>& rows, std::ptrdiff_t offset, std::ptrdiff_t flat, F& f) noexcept {
    if constexpr (Dim == Until) {
        f(offset, flat);
    } else {
        for (std::ptrdiff_t i = 0; i < rows.count[Dim]; ++i, offset += rows.stride[Dim], flat += rows.flat_stride[Dim]) {
            walk_rows<Until, Dim + 1>(rows, offset, flat, f);
        }
    }
}

/// Where one output row (or the pair) of a plane goes: offsets from the
/// plane's output and index starts, and whether the pair's values (indices)
/// go in one contiguous store.
struct output_rows_place {
    std::ptrdiff_t out_offset[2];
    std::ptrdiff_t index_offset[2];
    bool one_store;
    bool one_index_store;
};

/// Output rows `place` of `count` planes, the first at `first_plane`, each
/// next `step` further (see narrow_rows_planes): the first's window rows
/// `first`, the second's `second` (the same band of the dims before the
/// pair's, Rows 1 where the first goes alone). Everything the loop over the
/// planes reads is a value here: its stores may alias any memory, and would
/// make the compiler read a reference's target again after each.
///
/// The average adds its window's elements one by one in scan order (each
/// row's columns, then the next row), from zero, as the tiles and PyTorch
/// do, so that both kernels give the same bytes: a permute per column of
/// each window row, both output rows' lanes at once (a row one of them lacks
/// adds zeros, which leave a sum from zero unchanged). The max reduces each
/// column over the window rows first, then the columns by permutes: its
/// value and first index in scan order do not depend on the order.
template <class Reduction, bool WholeVectors, std::ptrdiff_t Rows, class T, class Out, class I, std::size_t Dims>
void narrow_rows_pool(const T* in, Out out, I* index, const plane_offsets first_plane, const std::ptrdiff_t count, const plane_offsets step,
                      const window_rows<Dims> first, const window_rows<Dims> second, const output_rows_place place,
                      const row_windows<T>& windows, const std::ptrdiff_t row_length, const std::ptrdiff_t last_whole_vector,
                      const std::ptrdiff_t out_stride, const std::ptrdiff_t index_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    using maxima = maximum<T>;
    using maxima_state = typename maxima::vector_state;
    const std::ptrdiff_t out_row_length = windows.outputs;
    const count_divisor<T> divide = divisor_of_rows(windows, first.rows(), second.rows());
    const std::ptrdiff_t ahead = count * step.in;  // the same row of the next block's plane
    auto load_row = [&](const T* plane_in, std::ptrdiff_t plane_offset, std::ptrdiff_t offset) {
        simd::prefetch(plane_in + offset, ahead);
        return WholeVectors || plane_offset + offset <= last_whole_vector
                   ? simd::load(plane_in + offset)
                   : simd::permute(simd::load(plane_in + offset + row_length - width), windows.from_row_end);
    };
    // One plane's sums of both rows' windows, in scan order.
    auto window_sums = [&](const T* plane_in, std::ptrdiff_t plane_offset) {
        const std::ptrdiff_t first_rows = first.count[Dims - 1];
        const std::ptrdiff_t second_rows = Rows == 2 ? second.count[Dims - 1] : 0;
        const std::ptrdiff_t rows_along = std::max(first_rows, second_rows);
        const std::ptrdiff_t row_stride = first.stride[Dims - 1];
        const std::ptrdiff_t second_apart = second.offset - first.offset;
        simd::batch<T> sums = simd::broadcast(T(0));
        auto add_rows = [&](std::ptrdiff_t offset, std::ptrdiff_t) {
            for (std::ptrdiff_t i = 0; i < rows_along; ++i, offset += row_stride) {
                const simd::batch<T> upper = i < first_rows ? load_row(plane_in, plane_offset, offset) : simd::broadcast(T(0));
                simd::batch<T> lower = upper;
                if constexpr (Rows == 2) lower = i < second_rows ? load_row(plane_in, plane_offset, offset + second_apart) : simd::broadcast(T(0));
                sums += simd::permute_pair(upper, lower, windows.columns[0]);
                for (std::ptrdiff_t k = 1; k < windows.widest; ++k) sums += simd::permute_pair(upper, lower, windows.columns[k]) & windows.inside[k];
            }
        };
        walk_rows<Dims - 1>(first, first.offset, first.flat, add_rows);
        return divide(sums);
    };
    // One plane's columns of one output row for the max: its window rows reduced lane by lane.
    auto max_columns = [&](const T* plane_in, std::ptrdiff_t plane_offset, const window_rows<Dims>& window) {
        maxima_state columns;
        // A window's first row starts its columns' state (vector_first).
        bool started = false;
        auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) {
            const simd::batch<T> values = load_row(plane_in, plane_offset, offset);
            const auto position = maxima::vector_position(flat_index);
            if (started) {
                maxima::vector_accumulate(columns, values, position);
            } else {
                columns = maxima::vector_first(values, position);
            }
            started = true;
        };
        walk_rows<Dims>(window, window.offset, window.flat, add);
        return columns;
    };
    auto store_values = [&](T* values, const simd::batch<T>& results) {
        if (place.one_store) {
            simd::store_first(values + place.out_offset[0], results, Rows * out_row_length);
            return;
        }
        store_row(values + place.out_offset[0], out_stride, results, out_row_length);
        if constexpr (Rows == 2) store_row(values + place.out_offset[1], out_stride, simd::permute(results, windows.second_row_down), out_row_length);
    };
    auto write_maxima = [&](const T* plane_in, std::ptrdiff_t plane_offset, T* values, I* plane_index) {
        const maxima_state first_columns = max_columns(plane_in, plane_offset, first);
        maxima_state second_columns = first_columns;
        if constexpr (Rows == 2) second_columns = max_columns(plane_in, plane_offset, second);
        const interleaved_maxima<T> best = maximum_row_windows<T>(first_columns, second_columns, windows);
        store_values(values, best.value);
        if (plane_index == nullptr) return;
        if (place.one_index_store) {
            simd::store_first_as<T>(plane_index + place.index_offset[0], best.index, Rows * out_row_length);
            return;
        }
        alignas(64) simd::lane_integer_t<T> lane_indices[width];
        best.index.store_aligned(lane_indices);
        auto store_index_row = [&](I* at, std::ptrdiff_t first_lane) {
            for (std::ptrdiff_t o = 0; o < out_row_length; ++o) at[o * index_stride] = static_cast<I>(lane_indices[first_lane + o]);
        };
        store_index_row(plane_index + place.index_offset[0], 0);
        if constexpr (Rows == 2) store_index_row(plane_index + place.index_offset[1], out_row_length);
    };
    plane_offsets at = first_plane;
    for (std::ptrdiff_t p = 0; p < count; ++p, at.in += step.in, at.out += step.out, at.index += step.index) {
        const T* const plane_in = in + at.in;
        I* const plane_index = index != nullptr ? index + at.index : nullptr;
        if constexpr (is_pair<Reduction>) {
            store_values((out + at.out).average, window_sums(plane_in, at.in));
            write_maxima(plane_in, at.in, (out + at.out).maximum, plane_index);
        } else if constexpr (Reduction::tracks_index) {
            write_maxima(plane_in, at.in, out + at.out, plane_index);
        } else {
            store_values(out + at.out, window_sums(plane_in, at.in));
        }
    }
}

/// Pools `count` planes with Reduction (average, maximum or the pair,
/// through output_of<Reduction>), the first `first_plane` from `in`, `out`
/// and `index`, each next `step` further; `windows` holds the tables for
/// their rows. The output rows go by pairs where windows.rows_per_vector is
/// 2, so that one set of permutes, one division and one store (where the
/// second row's outputs follow the first's in memory) serve both; each row
/// or pair is pooled over all the planes, one plane after the other (see
/// narrow_rows_pool). A row whose offset from `in`
/// is at most `last_whole_vector` is read as the whole vector from its
/// start, any other from its end (with the input two vectors long or more,
/// that vector starts inside the input).
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
void narrow_rows_planes(const T* in, Out out, I* index, const plane_offsets& first_plane, std::ptrdiff_t count, const plane_offsets& step,
                        const spatial_layout<Spatial>& layout, const row_windows<T>& windows, std::ptrdiff_t last_whole_vector) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::size_t row_dims = outer > 0 ? outer : 1;  // a 1D row: one row of one
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = windows.outputs;
    const std::ptrdiff_t out_stride = layout.out_stride[outer];
    const std::ptrdiff_t index_stride = layout.index_stride[outer];
    // Where no row of the block ends within a vector of the input's end,
    // every row is read as the whole vector from its start, with no test.
    std::ptrdiff_t last_row = 0;  // the furthest a row starts from its plane's start
    for (std::size_t d = 0; d < outer; ++d) last_row += std::max(std::ptrdiff_t(0), (layout.in_extent[d] - 1) * layout.in_stride[d]);
    const std::ptrdiff_t furthest_plane = std::max(first_plane.in, first_plane.in + (count - 1) * step.in);
    const bool only_whole_vectors = furthest_plane + last_row <= last_whole_vector;
    // Output rows `first` and `second` (`rows` 2), or `first` alone (`rows` 1).
    auto pool = [&](const window_rows<row_dims>& first, const window_rows<row_dims>& second, const output_rows_place& place,
                    std::ptrdiff_t rows) {
        auto run = [&](auto whole_vectors, auto rows) {
            narrow_rows_pool<Reduction, decltype(whole_vectors)::value, decltype(rows)::value>(
                in, out, index, first_plane, count, step, first, second, place, windows, row_length, last_whole_vector, out_stride,
                index_stride);
        };
        using one_row = std::integral_constant<std::ptrdiff_t, 1>;
        using two_rows = std::integral_constant<std::ptrdiff_t, 2>;
        if (only_whole_vectors) {
            rows == 2 ? run(std::true_type{}, two_rows{}) : run(std::true_type{}, one_row{});
        } else {
            rows == 2 ? run(std::false_type{}, two_rows{}) : run(std::false_type{}, one_row{});
        }
    };
    if constexpr (outer == 0) {
        window_rows<row_dims> row;
        row.count[0] = 1;
        pool(row, row, output_rows_place{{0, 0}, {0, 0}, out_stride == 1, index_stride == 1}, 1);
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
            auto next_rows = [&]() {
                window_box<outer> row_box = band;
                row_box[pair_dim] = *rows_along;
                ++rows_along;
                return rows_of_box<outer>(layout, row_box);
            };
            std::ptrdiff_t o = outputs.start;
            if (windows.rows_per_vector == 2) {
                for (; o + 1 < outputs.end; o += 2) {
                    const window_rows<outer> first = next_rows();
                    const window_rows<outer> second = next_rows();
                    const std::ptrdiff_t out_at = out_offset + o * pair_out_stride;
                    const std::ptrdiff_t index_at = index_offset + o * pair_index_stride;
                    pool(first, second,
                         output_rows_place{{out_at, out_at + pair_out_stride},
                                           {index_at, index_at + pair_index_stride},
                                           out_stride == 1 && pair_out_stride == out_row_length,
                                           index_stride == 1 && pair_index_stride == out_row_length},
                         2);
                }
            }
            for (; o < outputs.end; ++o) {
                const window_rows<outer> row = next_rows();
                const std::ptrdiff_t out_at = out_offset + o * pair_out_stride;
                const std::ptrdiff_t index_at = index_offset + o * pair_index_stride;
                pool(row, row, output_rows_place{{out_at, out_at}, {index_at, index_at}, out_stride == 1, index_stride == 1}, 1);
            }
        };
        for_each_window<pair_dim>(layout, box, 0, 0, per_band);
    }
}

}  // namespace detail
}  // namespace apool
