// apool: the windows along a row short enough for one vector, as lane tables
// for simd::permute_pair. Built once per call for the narrow-rows kernel.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "../simd.hpp"
#include "../window.hpp"
#include "reductions.hpp"

namespace apool {
namespace detail {

/// The windows of one output row, or of two where both rows' outputs fit in
/// one vector (`rows_per_vector`): lane o holds output o of the first row,
/// lane `outputs` + o output o of the second; lanes past them hold a
/// one-element window at column 0. A pair of column vectors is reduced
/// together (the first row's columns, then the second's, as
/// simd::permute_pair numbers them), so that the permutes, the division and
/// the store serve both rows. Tables per column of a window, so that reducing
/// a row rebuilds no index or mask.
template <class T>
struct row_windows {
    // Lane o of columns[k] is column start + k of its output's window, plus
    // lanes<T> in the second row's lanes; positions[k] the column alone (a
    // max's flat index). Lane o of inside[k] has all bits set where k is below
    // the window's size, none where not (an and then zeroes the columns past
    // it). Set and read for k below `widest`.
    simd::integer_batch<T> columns[simd::lanes<T>];
    simd::integer_batch<T> positions[simd::lanes<T>];
    simd::batch<T> inside[simd::lanes<T>];
    simd::batch<T> size;       // elements along the row, as T
    // 1 / size, exact where sizes_are_powers_of_two.
    simd::batch<T> size_reciprocal;
    simd::batch<T> first_row;  // all bits set in the first row's lanes
    // Lane o takes lane outputs + o: the second row's results moved down.
    simd::integer_batch<T> second_row_down;
    // Lane c takes lane c + lanes - in_extent: moves a row loaded to end at a
    // vector's end down to start at lane 0.
    simd::integer_batch<T> from_row_end;
    std::ptrdiff_t widest;           // the largest size
    std::ptrdiff_t outputs;          // outputs a row
    std::ptrdiff_t rows_per_vector;  // 2 where 2 * outputs fit in a vector, else 1
    bool sizes_are_powers_of_two;    // every window's size along the row
};

/// The divisor of the sums of a pair of output rows (see row_windows) whose
/// windows span `first_rows` and `second_rows` rows (equal where a row goes
/// alone): lane by lane, its window's elements.
template <class T>
count_divisor<T> divisor_of_rows(const row_windows<T>& windows, std::ptrdiff_t first_rows, std::ptrdiff_t second_rows) noexcept {
    const bool reciprocal = windows.sizes_are_powers_of_two && is_power_of_two(first_rows) && is_power_of_two(second_rows);
    auto rows_of = [&](std::ptrdiff_t rows) { return reciprocal ? T(1) / static_cast<T>(rows) : static_cast<T>(rows); };
    simd::batch<T> rows = simd::broadcast(rows_of(first_rows));
    if (second_rows != first_rows) {
        const auto in_first_row = simd::as_value_mask<T>(simd::value_bits_as_integers<T>(windows.first_row) != simd::integer_batch<T>(0));
        rows = simd::select(in_first_row, rows, simd::broadcast(rows_of(second_rows)));
    }
    return {(reciprocal ? windows.size_reciprocal : windows.size) * rows, reciprocal};
}

/// The tables for `out_extent` (1 to simd::lanes<T>) outputs over `in_extent`
/// (1 to simd::lanes<T>) elements.
template <class T>
row_windows<T> make_row_windows(std::ptrdiff_t in_extent, std::ptrdiff_t out_extent) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    using lane_number = simd::lane_integer_t<T>;
    row_windows<T> windows;
    windows.outputs = out_extent;
    windows.rows_per_vector = 2 * out_extent <= width ? 2 : 1;
    windows.widest = 1;
    windows.sizes_are_powers_of_two = true;
    alignas(64) lane_number start[width] = {};
    alignas(64) lane_number second_row[width] = {};  // lanes<T> in the second row's lanes
    alignas(64) lane_number lane_table[width];
    alignas(64) T lane_values[width];
    alignas(64) T lane_bits[width];
    std::ptrdiff_t sizes[width];  // a window's elements along the row; 1 past the outputs
    std::fill(sizes, sizes + width, std::ptrdiff_t(1));
    auto outputs = adaptive_windows(in_extent, out_extent).begin();
    for (std::ptrdiff_t o = 0; o < out_extent; ++o, ++outputs) {
        const window w = *outputs;
        windows.widest = std::max(windows.widest, w.size());
        windows.sizes_are_powers_of_two = windows.sizes_are_powers_of_two && is_power_of_two(w.size());
        for (std::ptrdiff_t row = 0; row < windows.rows_per_vector; ++row) {
            start[row * out_extent + o] = static_cast<lane_number>(w.start);
            sizes[row * out_extent + o] = w.size();
            second_row[row * out_extent + o] = static_cast<lane_number>(row * width);
        }
    }
    for (std::ptrdiff_t k = 0; k < windows.widest; ++k) {
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
            const bool used = k < sizes[lane];
            lane_table[lane] = static_cast<lane_number>(used ? start[lane] + k : start[lane]);
            std::memset(&lane_bits[lane], used ? 0xFF : 0, sizeof(T));
        }
        windows.positions[k] = simd::integer_batch<T>::load_aligned(lane_table);
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) lane_table[lane] = static_cast<lane_number>(lane_table[lane] + second_row[lane]);
        windows.columns[k] = simd::integer_batch<T>::load_aligned(lane_table);
        windows.inside[k] = simd::batch<T>::load_aligned(lane_bits);
    }
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
        lane_values[lane] = static_cast<T>(sizes[lane]);
        std::memset(&lane_bits[lane], lane < out_extent ? 0xFF : 0, sizeof(T));
    }
    windows.size = simd::batch<T>::load_aligned(lane_values);
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) lane_values[lane] = T(1) / static_cast<T>(sizes[lane]);
    windows.size_reciprocal = simd::batch<T>::load_aligned(lane_values);
    windows.first_row = simd::batch<T>::load_aligned(lane_bits);
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) lane_table[lane] = static_cast<lane_number>((lane + out_extent) % width);
    windows.second_row_down = simd::integer_batch<T>::load_aligned(lane_table);
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) lane_table[lane] = static_cast<lane_number>((lane + width - in_extent) % width);
    windows.from_row_end = simd::integer_batch<T>::load_aligned(lane_table);
    return windows;
}

}  // namespace detail
}  // namespace apool
