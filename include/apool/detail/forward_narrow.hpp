// apool: the narrow-rows forward kernel, for planes whose contiguous rows fit
// in one vector (NCHW 13x13 and 14x14 with 16 float lanes): the average, the
// max (values and indices) and the pair of both.
//
// The tiled kernel transposes such planes, and the transposes cost more than
// the pooling itself. Here each row is one vector: the rows of a window are
// reduced lane by lane (lane c is column c), then every window along the row
// is reduced at once with lane permutes from tables built once per call, and
// one masked store writes the output row.
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

/// The maxima of the windows along a row held in one vector: lane c of
/// `columns` holds column c's scan-order max over the window's rows and the
/// flat index of its row's start; lane o of the result is output o's max and
/// flat index. Column 0 of each window, then each later one merged by
/// maximum::combine's rule lane by lane (interleaved_max's), each lane's
/// columns past its window left out.
template <class T>
inline interleaved_maxima<T> maximum_row_windows(const typename maximum<T>::vector_state& columns, const row_windows<T>& windows) noexcept {
    interleaved_maxima<T> best{simd::permute(columns.value, windows.columns[0]),
                               simd::permute_integer<T>(columns.index, windows.columns[0]) + windows.columns[0]};
    for (std::ptrdiff_t k = 1; k < windows.widest; ++k) {
        const simd::batch<T> value = simd::permute(columns.value, windows.columns[k]);
        const simd::integer_batch<T> index = simd::permute_integer<T>(columns.index, windows.columns[k]) + windows.columns[k];
        // inside[k]'s lanes are all ones or all zeros.
        const auto inside = simd::as_value_mask<T>(simd::value_bits_as_integers<T>(windows.inside[k]) != simd::integer_batch<T>(0));
        const auto take = inside & replaces_by_scan_order(best, value, index);
        best.value = simd::select(take, value, best.value);
        best.index = simd::select_integers(simd::as_integer_mask<T>(take), index, best.index);
    }
    return best;
}

/// Stores the first `count` lanes of `values` from `out`, `stride` apart.
template <class T>
inline void store_row(T* out, std::ptrdiff_t stride, const simd::batch<T>& values, std::ptrdiff_t count) noexcept {
    if (stride == 1) {
        simd::store_first(out, values, count);
    } else {
        alignas(64) T lane_values[simd::lanes<T>];
        simd::store(lane_values, values);
        for (std::ptrdiff_t o = 0; o < count; ++o) out[o * stride] = lane_values[o];
    }
}

/// Pools one plane with Reduction (average, maximum or the pair, through
/// output_of<Reduction>); `windows` are the tables for its rows. A row whose
/// offset from `in` is at most `last_whole_vector` is read as the whole vector
/// from its start, any other from its end (with the input two vectors long or
/// more, that vector starts inside the input).
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
APOOL_ALWAYS_INLINE void narrow_rows_plane(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, const row_windows<T>& windows,
                                           std::ptrdiff_t last_whole_vector) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = layout.out_extent[outer];
    const std::ptrdiff_t out_stride = layout.out_stride[outer];
    const std::ptrdiff_t index_stride = layout.index_stride[outer];
    output_window<outer> box{};
    auto per_output_row = [&](const window_box<outer>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        auto columns = Reduction::vector_start(box_first_index<outer>(layout, b));
        auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) {
            const simd::batch<T> row = offset <= last_whole_vector ? simd::load(in + offset)
                                                                   : simd::permute(simd::load(in + offset + row_length - width), windows.from_row_end);
            Reduction::vector_accumulate(columns, row, Reduction::vector_position(flat_index));
        };
        walk_box<outer>(layout, b, 0, 0, add);
        auto write_maxima = [&](const typename maximum<T>::vector_state& maxima, T* values) {
            const interleaved_maxima<T> best = maximum_row_windows(maxima, windows);
            store_row(values, out_stride, best.value, out_row_length);
            if (index != nullptr) {
                alignas(64) simd::lane_integer_t<T> lane_indices[width];
                best.index.store_aligned(lane_indices);
                for (std::ptrdiff_t o = 0; o < out_row_length; ++o) index[index_offset + o * index_stride] = static_cast<I>(lane_indices[o]);
            }
        };
        const std::ptrdiff_t rows = box_count<outer>(b);
        if constexpr (is_pair<Reduction>) {
            store_row(out.average + out_offset, out_stride, Reduction::sum::reduce_row_windows(columns.total, windows, rows), out_row_length);
            write_maxima(columns.best, out.maximum + out_offset);
        } else if constexpr (Reduction::tracks_index) {
            write_maxima(columns, out + out_offset);
        } else {
            store_row(out + out_offset, out_stride, Reduction::reduce_row_windows(columns, windows, rows), out_row_length);
        }
    };
    for_each_window<outer>(layout, box, 0, 0, per_output_row);
}

}  // namespace detail
}  // namespace apool
