// apool: the narrow-rows forward kernel, for the average over planes whose
// contiguous rows fit in one vector (NCHW 13x13 and 14x14 with 16 float lanes).
//
// The tiled kernel transposes such planes, and the transposes cost more than
// the pooling itself. Here each row is
// one vector: the rows of a window are reduced lane by lane (lane c is column
// c), then every window along the row is reduced at once with lane permutes
// from tables built once per call, and one masked store writes the output row.
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

/// Averages one plane; `windows` are the tables for its rows. A row whose
/// offset from `in` is at most `last_whole_vector` is read as the whole vector
/// from its start, any other from its end (with the input two vectors long or
/// more, that vector starts inside the input).
template <class T, std::size_t Spatial>
APOOL_ALWAYS_INLINE void average_narrow_rows_plane(const T* in, T* out, const spatial_layout<Spatial>& layout, const row_windows<T>& windows,
                               std::ptrdiff_t last_whole_vector) noexcept {
    using Reduction = average<T>;
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = layout.out_extent[outer];
    const std::ptrdiff_t out_stride = layout.out_stride[outer];
    output_window<outer> box{};
    auto per_output_row = [&](const window_box<outer>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        auto columns = Reduction::vector_start(0);
        auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t) {
            const simd::batch<T> row = offset <= last_whole_vector ? simd::load(in + offset)
                                                                   : simd::permute(simd::load(in + offset + row_length - width), windows.from_row_end);
            Reduction::vector_accumulate(columns, row, {});
        };
        walk_box<outer>(layout, b, 0, 0, add);
        const simd::batch<T> values = Reduction::reduce_row_windows(columns, windows, box_count<outer>(b));
        if (out_stride == 1) {
            simd::store_first(out + out_offset, values, out_row_length);
        } else {
            alignas(64) T lane_values[width];
            simd::store(lane_values, values);
            for (std::ptrdiff_t o = 0; o < out_row_length; ++o) out[out_offset + o * out_stride] = lane_values[o];
        }
    };
    for_each_window<outer>(layout, box, 0, 0, per_output_row);
}

}  // namespace detail
}  // namespace apool
