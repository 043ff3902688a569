// apool: the windows along a row of interleaved channels (an HWC image's row,
// W * C values) reduced a vector of outputs at a time from the row buffer,
// where every window along the row has the same size. Lane permutes gather
// each window position's entries into the lanes of the outputs they belong to.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../simd.hpp"
#include "reductions.hpp"

namespace apool {
namespace detail {

/// For windows of `window` positions of `channels` interleaved entries each:
/// lane o * channels + c of a vector of outputs is channel c of output o of
/// a group of `outputs` consecutive outputs (positions along the row).
template <class T>
struct interleaved_windows {
    // Lane o * channels + c takes entry o * window * channels + c of the pair
    // of vectors loaded where the group's window position k starts (k *
    // channels entries after the group's first entry); lanes past the group's
    // outputs take entry 0.
    simd::integer_batch<T> entries;
    // Lane o * channels + c holds o * window: the output's first position
    // along the row, from the group's first.
    simd::integer_batch<T> first_positions;
    std::ptrdiff_t outputs;   // outputs a group holds: its lanes are outputs * channels
    std::ptrdiff_t window;    // positions a window holds
    std::ptrdiff_t channels;  // entries a position holds
};

/// The tables for windows of `window` positions of `channels` (1 to
/// lanes<T> - 1) entries: as many outputs a group as fit in a vector whose
/// entries lie in two vectors from the group's first entry.
template <class T>
interleaved_windows<T> make_interleaved_windows(std::ptrdiff_t window, std::ptrdiff_t channels) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    using lane_number = simd::lane_integer_t<T>;
    interleaved_windows<T> tables;
    tables.window = window;
    tables.channels = channels;
    tables.outputs = std::min(width / channels, (2 * width - channels) / (window * channels) + 1);
    alignas(64) lane_number entries[width];
    alignas(64) lane_number first_positions[width];
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
        const std::ptrdiff_t output = lane / channels;
        const bool used = output < tables.outputs;
        entries[lane] = static_cast<lane_number>(used ? output * window * channels + lane % channels : 0);
        first_positions[lane] = static_cast<lane_number>(used ? output * window : 0);
    }
    tables.entries = simd::integer_batch<T>::load_aligned(entries);
    tables.first_positions = simd::integer_batch<T>::load_aligned(first_positions);
    return tables;
}

/// Window position k's entries of a group of outputs whose first entry is at
/// `group` in the row buffer: a pair of vectors from k * channels entries on,
/// read within 2 * lanes<T> entries past the buffer's last filled entry.
template <class T>
inline simd::batch<T> interleaved_position(const T* group, const interleaved_windows<T>& tables, std::ptrdiff_t k) noexcept {
    const T* at = group + k * tables.channels;
    return simd::permute_pair(simd::load(at), simd::load(at + simd::lanes<T>), tables.entries);
}

/// A group's sums: each lane's window positions added in order from zero, as
/// average::buffer_span adds them.
template <class T>
inline simd::batch<T> interleaved_sums(const T* values, const interleaved_windows<T>& tables) noexcept {
    simd::batch<T> sum = simd::broadcast(T(0));
    for (std::ptrdiff_t k = 0; k < tables.window; ++k) sum += interleaved_position(values, tables, k);
    return sum;
}

/// A group's maxima and each lane's flat index.
template <class T>
struct interleaved_maxima {
    simd::batch<T> value;
    simd::integer_batch<T> index;
};

/// The lanes where a candidate (`value` at flat `index`) replaces `best` by
/// maximum::combine's rule: NaN beats numbers and the later NaN wins; among
/// equal numbers the smaller flat index wins.
template <class T>
inline simd::mask<T> replaces_by_scan_order(const interleaved_maxima<T>& best, const simd::batch<T>& value,
                                            const simd::integer_batch<T>& index) noexcept {
    const auto best_is_number = !simd::is_nan(best.value);
    return (simd::is_nan(value) & (best_is_number | simd::as_value_mask<T>(best.index < index))) |
           (best_is_number & ((value > best.value) | ((value == best.value) & simd::as_value_mask<T>(index < best.index))));
}

/// Takes `candidate`'s value and index into `best` in the lanes of `take`.
template <class T>
inline void take_lanes(interleaved_maxima<T>& best, const interleaved_maxima<T>& candidate, const simd::mask<T>& take) noexcept {
    best.value = simd::select(take, candidate.value, best.value);
    best.index = simd::select_integers(simd::as_integer_mask<T>(take), candidate.index, best.index);
}

/// A group's maxima: window position 0, then each later position merged by
/// maximum::combine's rule lane by lane (replaces_by_scan_order), which gives
/// maximum::buffer_span's result without its branch on NaN. The buffer's
/// indices hold each column's row start; `first_position` is the group's first
/// position along the row.
template <class T>
inline interleaved_maxima<T> interleaved_max(const T* values, const simd::lane_integer_t<T>* indices, const interleaved_windows<T>& tables,
                                             std::ptrdiff_t first_position) noexcept {
    using lane_number = simd::lane_integer_t<T>;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    auto indices_at = [&](std::ptrdiff_t k) {
        const lane_number* at = indices + k * tables.channels;
        return simd::permute_integer_pair<T>(simd::integer_batch<T>::load_unaligned(at), simd::integer_batch<T>::load_unaligned(at + width),
                                             tables.entries) +
               tables.first_positions + simd::integer_batch<T>(static_cast<lane_number>(first_position + k));
    };
    interleaved_maxima<T> best{interleaved_position(values, tables, 0), indices_at(0)};
    for (std::ptrdiff_t k = 1; k < tables.window; ++k) {
        const interleaved_maxima<T> candidate{interleaved_position(values, tables, k), indices_at(k)};
        take_lanes(best, candidate, replaces_by_scan_order(best, candidate.value, candidate.index));
    }
    return best;
}

}  // namespace detail
}  // namespace apool
