// apool: the channels-last average pyramid in one walk over the input.
//
// Each level's own call runs the channels-last kernel once per level over the
// whole image; an image larger than the caches then comes from memory once per
// level, and the global level cannot be cut into row bands to share a step.
// Here the input is walked once, row by row (a row: one position of every
// outer spatial dim), a chunk of channels at a time; every level adds the
// chunk's row segment of each of its windows that holds the row into running
// sums kept in its own output, and divides them after the window's last row.
// Each window's sums take its elements in scan order from zero, as every
// channels-last kernel's do (register blocks or sums in memory), so the bytes
// equal the separate calls'.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>

#include "../simd.hpp"
#include "../window.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Vectors of channels per chunk of the walk: a row's chunk is re-read from
/// L1 by every level, and a position's chunk is a few whole cache lines.
constexpr std::ptrdiff_t pyramid_chunk_vectors = 8;

/// One level as the walk of one image sees it: its spatial layout (input
/// extents and strides shared by all levels) and its output for that image,
/// channel 0, whose channels are contiguous.
template <class T, std::size_t Spatial>
struct pyramid_level {
    const spatial_layout<Spatial>* spatial = nullptr;
    T* out = nullptr;
};

/// The outputs along one dim whose windows hold input position `position`
/// (`in_size` positions pooled to `out_size`): a range of output positions.
constexpr window windows_holding(std::ptrdiff_t position, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept {
    return {position * out_size / in_size, ((position + 1) * out_size - 1) / in_size + 1};
}

/// Adds `columns` positions of a row (`column_stride` apart) to the running
/// sums of `channels` contiguous channels at `sums`, from zero where `first`,
/// writing the averages over `count` elements where `last`. Blocks of four
/// vectors, then one, then one channel at a time; each sum is added in
/// position order. With `prefetch_next`, each position asks for the chunk of
/// channels after this one, which the walk reads next.
template <class T>
inline void add_row_segment(const T* row, std::ptrdiff_t column_stride, window columns, T* sums, std::ptrdiff_t channels, bool first,
                            bool last, std::ptrdiff_t count, bool prefetch_next) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const simd::batch<T> divisor = simd::broadcast(static_cast<T>(count));
    std::ptrdiff_t channel = 0;
    auto blocks = [&](auto block_vectors) {
        constexpr std::ptrdiff_t vectors = decltype(block_vectors)::value;
        for (; channel + vectors * width <= channels; channel += vectors * width) {
            simd::batch<T> sum[vectors];
            for (std::ptrdiff_t k = 0; k < vectors; ++k) sum[k] = first ? simd::broadcast(T(0)) : simd::load(sums + channel + k * width);
            const T* at = row + columns.start * column_stride + channel;
            for (std::ptrdiff_t i = columns.start; i < columns.end; ++i, at += column_stride) {
                for (std::ptrdiff_t k = 0; k < vectors; ++k) sum[k] += simd::load(at + k * width);
                if (prefetch_next) simd::prefetch_run(at, vectors * width, pyramid_chunk_vectors * width);
            }
            for (std::ptrdiff_t k = 0; k < vectors; ++k) simd::store(sums + channel + k * width, last ? sum[k] / divisor : sum[k]);
        }
    };
    blocks(std::integral_constant<std::ptrdiff_t, 4>{});
    blocks(std::integral_constant<std::ptrdiff_t, 1>{});
    for (; channel < channels; ++channel) {
        T sum = first ? T(0) : sums[channel];
        for (std::ptrdiff_t i = columns.start; i < columns.end; ++i) sum += row[i * column_stride + channel];
        sums[channel] = last ? sum / static_cast<T>(count) : sum;
    }
}

/// Pools channels [channel_begin, channel_end) of one image (`in`: its
/// channel 0) into every level.
template <class T, std::size_t Spatial>
void average_pyramid_channels_last_image(const T* in, const pyramid_level<T, Spatial>* levels, std::size_t level_count,
                                         std::ptrdiff_t channel_begin, std::ptrdiff_t channel_end) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t chunk = pyramid_chunk_vectors * simd::lanes<T>;
    const spatial_layout<Spatial>& input = *levels[0].spatial;
    const std::ptrdiff_t column_stride = input.in_stride[outer];
    window_box<Spatial> whole{};
    for (std::size_t d = 0; d < Spatial; ++d) whole[d] = {0, input.in_extent[d]};
    auto per_row = [&](std::ptrdiff_t row_offset, std::ptrdiff_t row_flat) {
        std::array<std::ptrdiff_t, (outer > 0 ? outer : 1)> position{};
        for (std::size_t d = 0; d < outer; ++d) position[d] = row_flat / input.flat_stride[d] % input.in_extent[d];
        for (std::ptrdiff_t chunk_begin = channel_begin; chunk_begin < channel_end; chunk_begin += chunk) {
            const std::ptrdiff_t channels = std::min(chunk, channel_end - chunk_begin);
            const T* row = in + row_offset + chunk_begin;
            for (std::size_t level = 0; level < level_count; ++level) {
                const spatial_layout<Spatial>& layout = *levels[level].spatial;
                // The outputs of the outer dims whose windows hold the row:
                // `step` from each range's start, by walk.hpp's odometer.
                std::array<window, (outer > 0 ? outer : 1)> holding{};
                std::array<std::ptrdiff_t, (outer > 0 ? outer : 1)> step{}, steps{};
                std::ptrdiff_t combinations = 1;
                for (std::size_t d = 0; d < outer; ++d) {
                    holding[d] = windows_holding(position[d], layout.in_extent[d], layout.out_extent[d]);
                    steps[d] = holding[d].size();
                    combinations *= steps[d];
                }
                for (std::ptrdiff_t combination = 0; combination < combinations; ++combination) {
                    bool first = true, last = true;
                    std::ptrdiff_t rows = 1;
                    T* out_row = levels[level].out + chunk_begin;
                    for (std::size_t d = 0; d < outer; ++d) {
                        const std::ptrdiff_t output = holding[d].start + step[d];
                        const window w = adaptive_window(output, layout.in_extent[d], layout.out_extent[d]);
                        first = first && position[d] == w.start;
                        last = last && position[d] + 1 == w.end;
                        rows *= w.size();
                        out_row += output * layout.out_stride[d];
                    }
                    std::ptrdiff_t o = 0;
                    for (const window columns : adaptive_windows(layout.in_extent[outer], layout.out_extent[outer])) {
                        add_row_segment(row, column_stride, columns, out_row + o * layout.out_stride[outer], channels, first, last,
                                        rows * columns.size(), level == 0);
                        ++o;
                    }
                    next_position(step, steps, outer, outer, [](std::size_t, std::ptrdiff_t) {});
                }
            }
        }
    };
    walk_box<outer>(input, whole, 0, 0, per_row);
}

}  // namespace detail
}  // namespace apool
