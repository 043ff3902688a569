// apool: the windows along a row short enough for one vector, as lane tables
// for simd::permute. Built once per call for the narrow-rows kernel.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "../simd.hpp"
#include "../window.hpp"

namespace apool {
namespace detail {

/// Lane o describes the window of output o along the row; lanes past the
/// outputs hold a one-element window at 0. Tables per column of a window, so
/// that reducing a row rebuilds no index or mask.
template <class T>
struct row_windows {
    // Lane o of columns[k] is column start + k of output o's window; lane o of
    // inside[k] has all bits set where k is below the window's size, none where
    // not (an and then zeroes the columns past it). Read for k below `widest`.
    simd::integer_batch<T> columns[simd::lanes<T>];
    simd::batch<T> inside[simd::lanes<T>];
    simd::batch<T> size;    // elements, as T
    std::ptrdiff_t widest;  // the largest size
    // Lane c takes lane c + lanes - in_extent: moves a row loaded to end at a
    // vector's end down to start at lane 0.
    simd::integer_batch<T> from_row_end;
};

/// The tables for `out_extent` (1 to simd::lanes<T>) outputs over `in_extent`
/// (1 to simd::lanes<T>) elements.
template <class T>
row_windows<T> make_row_windows(std::ptrdiff_t in_extent, std::ptrdiff_t out_extent) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    using lane_number = simd::lane_integer_t<T>;
    alignas(64) lane_number start[width] = {};
    alignas(64) lane_number from_row_end[width];
    alignas(64) T size[width];
    row_windows<T> windows;
    windows.widest = 1;
    auto outputs = adaptive_windows(in_extent, out_extent).begin();
    for (std::ptrdiff_t o = 0; o < width; ++o) {
        size[o] = T(1);
        if (o < out_extent) {
            const window w = *outputs;
            ++outputs;
            start[o] = static_cast<lane_number>(w.start);
            size[o] = static_cast<T>(w.size());
            windows.widest = std::max(windows.widest, w.size());
        }
        from_row_end[o] = static_cast<lane_number>((o + width - in_extent) % width);
    }
    alignas(64) lane_number column[width];
    alignas(64) T inside[width];
    for (std::ptrdiff_t k = 0; k < width; ++k) {
        for (std::ptrdiff_t o = 0; o < width; ++o) {
            column[o] = static_cast<lane_number>(k < windows.widest ? start[o] + k : 0);
            std::memset(&inside[o], static_cast<T>(k) < size[o] ? 0xFF : 0, sizeof(T));
        }
        windows.columns[k] = simd::integer_batch<T>::load_aligned(column);
        windows.inside[k] = simd::batch<T>::load_aligned(inside);
    }
    windows.size = simd::batch<T>::load_aligned(size);
    windows.from_row_end = simd::integer_batch<T>::load_aligned(from_row_end);
    return windows;
}

}  // namespace detail
}  // namespace apool
