// apool: the tiled forward kernel, for many small dense planes (NCHW feature
// maps of 7x7 to 16x16).
//
// A row of such a plane is shorter than a vector, so the rows kernel would run
// almost only scalar tails. Instead, simd::lanes<T> planes are transposed into
// a stack tile in which each plane is one lane (the layout of channels-last
// memory with one vector of channels), and every window is then reduced once
// for all of them with whole vectors. The planes may sit anywhere: each lane
// keeps its own input, output and index offsets.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "../simd/prefetch.hpp"
#include "element_types.hpp"
#include "forward_kernels.hpp"
#include "pair_reduction.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Elements of an output plane that the tiled kernel can transpose back.
template <class T>
constexpr std::ptrdiff_t tile_output_capacity() noexcept {
    return APOOL_TILE_ELEMENTS / 2 / simd::lanes<T>;
}

/// Whether a dense plane of `plane_size` elements fits the tiled kernel: a
/// block of a vector or more, and a vector of such planes within the tile.
template <class T>
constexpr bool tile_holds(std::ptrdiff_t plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    return width > 1 && plane_size >= width && plane_size <= APOOL_TILE_ELEMENTS / width;
}

/// Calls f(block) for the blocks of `width` elements that cover a plane of
/// `plane_size >= width` elements: the last block is moved back to end at the
/// plane's end (overlapping its predecessor), so that nothing runs past a plane.
template <std::ptrdiff_t Width, class F>
void for_each_block(std::ptrdiff_t plane_size, F&& f) noexcept {
    for (std::ptrdiff_t start = 0; start < plane_size; start += Width) f(std::min(start, plane_size - Width));
}

/// Element e of plane p goes to tile[e * lanes + p]; elements narrower than
/// the tile's T (16-bit floats into float) widen as they load.
template <class T, class Element>
void planes_to_tile(const Element* const* plane_starts, T* tile, std::ptrdiff_t plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    for_each_block<width>(plane_size, [&](std::ptrdiff_t block) {
        const Element* rows[width];
        T* columns[width];
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            rows[k] = plane_starts[k] + block;
            columns[k] = tile + (block + k) * width;
        }
        if constexpr (std::is_same<Element, T>::value) {
            simd::transpose_block<T>(rows, columns);
        } else {
            simd::transpose_block_widened(rows, columns);
        }
    });
}

/// The inverse of planes_to_tile.
template <class T>
void tile_to_planes(const T* tile, T* const* plane_starts, std::ptrdiff_t plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    for_each_block<width>(plane_size, [&](std::ptrdiff_t block) {
        const T* rows[width];
        T* columns[width];
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            rows[k] = tile + (block + k) * width;
            columns[k] = plane_starts[k] + block;
        }
        simd::transpose_block<T>(rows, columns);
    });
}

/// The lane values of a window's state, one vector per result: the
/// Reduction's value, or the pair's average and maximum.
template <class Reduction>
struct tile_results {
    static constexpr std::ptrdiff_t count = is_pair<Reduction> ? 2 : 1;
    using T = typename Reduction::accumulator;
    simd::batch<T> values[count];

    tile_results(const typename Reduction::vector_state& s, std::ptrdiff_t elements) noexcept {
        if constexpr (is_pair<Reduction>) {
            values[0] = Reduction::sum::vector_value(s.total, elements);
            values[1] = Reduction::largest::vector_value(s.best, elements);
        } else {
            values[0] = Reduction::vector_value(s, elements);
        }
    }
};

/// tiled_planes' dense outputs: results go to output tiles in the same lane
/// layout (one tile per result), transposed back at the end.
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
void dense_tiled_outputs(const T* tile, const spatial_layout<Spatial>& tile_layout, const spatial_layout<Spatial>& layout, Out out, I* index,
                         const plane_offsets* planes, std::ptrdiff_t plane_count) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr std::ptrdiff_t results = tile_results<Reduction>::count;
    output_window<Spatial> box{};
    alignas(64) T value_tiles[results][tile_output_capacity<T>() * width];
    using index_lane = typename Reduction::index_lane;
    constexpr std::ptrdiff_t index_tile_size = Reduction::tracks_index ? tile_output_capacity<T>() * width : 1;
    alignas(64) index_lane index_tile[index_tile_size];
    std::ptrdiff_t out_position = 0;
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t, std::ptrdiff_t) {
        reduce_lanes_then<Reduction, Spatial>(tile, tile_layout, b, box_first_index<Spatial>(layout, b), 0, [&](auto policy, const auto& states) {
            using lanes_policy = decltype(policy);
            const tile_results<lanes_policy> lane_results(states[0], box_count<Spatial>(b));
            for (std::ptrdiff_t r = 0; r < results; ++r) simd::store(value_tiles[r] + out_position * width, lane_results.values[r]);
            if constexpr (Reduction::tracks_index) lanes_policy::store_index(states[0], index_tile + out_position * width);
        });
        ++out_position;
    };
    for_each_window<Spatial>(tile_layout, box, 0, 0, per_output);
    const std::ptrdiff_t out_plane_size = out_position;

    // Missing lanes hold plane 0's results again: writing them there changes nothing.
    for (std::ptrdiff_t r = 0; r < results; ++r) {
        T* out_starts[width];
        for (std::ptrdiff_t p = 0; p < width; ++p) out_starts[p] = result_at(out + planes[p < plane_count ? p : 0].out, r);
        tile_to_planes<T>(value_tiles[r], out_starts, out_plane_size);
    }
    if constexpr (Reduction::tracks_index) {
        if (index != nullptr) {
            // Transposed into planes one after another, then converted
            // to I plane by plane in contiguous (vectorizable) loops.
            alignas(64) index_lane plane_indices[index_tile_size];
            index_lane* index_starts[width];
            for (std::ptrdiff_t p = 0; p < width; ++p) index_starts[p] = plane_indices + p * out_plane_size;
            tile_to_planes<index_lane>(index_tile, index_starts, out_plane_size);
            for (std::ptrdiff_t p = 0; p < plane_count; ++p) {
                I* plane_index = index + planes[p].index;
                const index_lane* plane_source = plane_indices + p * out_plane_size;
                for (std::ptrdiff_t e = 0; e < out_plane_size; ++e) plane_index[e] = static_cast<I>(plane_source[e]);
            }
        }
    }
}

/// Reduces `plane_count` (1 to simd::lanes<T>) dense planes whose first
/// elements are at in + planes[p].in, into `out` (output_of<Reduction>: a
/// pointer, or the pair's two outputs). The layout's input strides must be
/// its flat strides (the plane is one contiguous block). `dense_outputs`: the
/// output (and index) strides are the output's flat strides, an output plane
/// has from simd::lanes<T> to tile_output_capacity<T> elements, and the output
/// type is the tile's. T is the Reduction's accumulator; Element may be
/// narrower (widened into the tile) and the results too (each rounded once).
template <class Reduction, class Element, class Out, class I, std::size_t Spatial>
void tiled_planes(const Element* in, Out out, I* index, const spatial_layout<Spatial>& layout, const plane_offsets* planes,
                  std::ptrdiff_t plane_count, bool dense_outputs) noexcept {
    using T = typename Reduction::accumulator;
    using R = typename Reduction::result;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    alignas(64) T tile[APOOL_TILE_ELEMENTS];
    const std::ptrdiff_t plane_size = layout.plane_size();

    // Missing lanes repeat plane 0 (readable memory); their results are dropped.
    const Element* plane_starts[width];
    for (std::ptrdiff_t p = 0; p < width; ++p) plane_starts[p] = in + planes[p < plane_count ? p : 0].in;
    planes_to_tile(plane_starts, tile, plane_size);
    // A full group of planes one after another (dense NCHW planes): the next
    // group's planes most often follow, and their lines are requested while
    // this group's windows are reduced. The transpose reads lanes<T> planes
    // at once, as many streams as the hardware prefetchers would have to
    // follow, and without this the planes' reads from beyond L2 cost the
    // tiles more than the rows kernels' one stream.
    bool consecutive = plane_count == width;
    for (std::ptrdiff_t p = 1; p < plane_count; ++p) consecutive = consecutive && planes[p].in == planes[0].in + p * plane_size;
    if (consecutive) simd::prefetch_run(in + planes[0].in, width * plane_size, width * plane_size);

    spatial_layout<Spatial> tile_layout = layout;
    for (std::size_t d = 0; d < Spatial; ++d) tile_layout.in_stride[d] = layout.flat_stride[d] * width;
    output_window<Spatial> box{};

    if constexpr (std::is_same<R, T>::value) {
        if (dense_outputs) {
            dense_tiled_outputs<Reduction>(tile, tile_layout, layout, out, index, planes, plane_count);
            return;
        }
    }

    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        reduce_lanes_then<Reduction, Spatial>(tile, tile_layout, b, box_first_index<Spatial>(layout, b), 0, [&](auto policy, const auto& states) {
            using lanes_policy = decltype(policy);
            const tile_results<lanes_policy> lane_results(states[0], box_count<Spatial>(b));
            for (std::ptrdiff_t r = 0; r < tile_results<lanes_policy>::count; ++r) {
                alignas(64) R values[width];
                store_lanes(lane_results.values[r], values, 1);
                for (std::ptrdiff_t p = 0; p < plane_count; ++p) *result_at(out + (planes[p].out + out_offset), r) = values[p];
            }
            if constexpr (Reduction::tracks_index) {
                if (index != nullptr) {
                    alignas(64) typename Reduction::index_lane lane_indices[width];
                    lanes_policy::store_index(states[0], lane_indices);
                    for (std::ptrdiff_t p = 0; p < plane_count; ++p) index[planes[p].index + index_offset] = static_cast<I>(lane_indices[p]);
                }
            }
        });
    };
    for_each_window<Spatial>(tile_layout, box, 0, 0, per_output);
}

}  // namespace detail
}  // namespace apool
