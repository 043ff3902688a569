// apool: the windows along a row short enough for one vector, as lane tables
// for simd::permute. Built once per call for the narrow-rows kernel.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../simd.hpp"
#include "../window.hpp"

namespace apool {
namespace detail {

/// Lane o describes the window of output o along the row; lanes past the
/// outputs hold a one-element window at 0.
template <class T>
struct row_windows {
    simd::lane_index<T> start;
    simd::batch<T> size;    // elements, as T
    std::ptrdiff_t widest;  // the largest size
    // Lane c takes lane c + lanes - in_extent: moves a row loaded to end at a
    // vector's end down to start at lane 0.
    simd::lane_index<T> from_row_end;
};

/// The tables for `out_extent` (1 to simd::lanes<T>) outputs over `in_extent`
/// (1 to simd::lanes<T>) elements.
template <class T>
row_windows<T> make_row_windows(std::ptrdiff_t in_extent, std::ptrdiff_t out_extent) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    using lane_number = simd::index_bits_t<T>;
    alignas(64) lane_number start[width] = {};
    alignas(64) lane_number from_row_end[width];
    alignas(64) T size[width];
    std::ptrdiff_t widest = 1;
    auto windows = adaptive_windows(in_extent, out_extent).begin();
    for (std::ptrdiff_t o = 0; o < width; ++o) {
        size[o] = T(1);
        if (o < out_extent) {
            const window w = *windows;
            ++windows;
            start[o] = static_cast<lane_number>(w.start);
            size[o] = static_cast<T>(w.size());
            widest = std::max(widest, w.size());
        }
        from_row_end[o] = static_cast<lane_number>((o + width - in_extent) % width);
    }
    return {simd::lane_index<T>::load_aligned(start), simd::batch<T>::load_aligned(size), widest,
            simd::lane_index<T>::load_aligned(from_row_end)};
}

}  // namespace detail
}  // namespace apool
