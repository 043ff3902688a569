// apool: the two reductions that adaptive pooling applies to a window.
//
// Both kernels walk windows the same way; they differ only in the policy here:
// `average` sums and divides, `maximum` keeps the largest value and its flat
// position with PyTorch's rule (a tie keeps the first element in row-major
// scan order; a NaN always wins, so the last NaN in scan order is kept).
//
// Each policy names four types: `element`, what the input holds; `result`,
// what the output holds (here the element itself; widened_reductions.hpp has
// the others); `accumulator`, what its sums and maxima run in (the element
// itself for float and double); and `index_lane`, the integer lane that carries a max's flat
// index beside each accumulator lane (its own integer vector, never bits of a
// value). Each has a scalar state (one window) and a vector state (one window
// for each of simd::lanes<T> neighbouring lanes: channels in channels-last
// memory, columns when rows are summed first). Scan-order accumulation is used
// wherever elements arrive in scan order; `combine` merges partial results that
// were scanned separately and is order-independent, so partial results may be
// merged in any order and still give the scan-order answer.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "../simd.hpp"
#include "../simd/widen.hpp"
#include "element_types.hpp"

namespace apool {
namespace detail {

/// Where a window of `count` (1 to lanes<T>) row-buffer entries from `first`
/// lies in one vector: the vector read starts at `base`, holds the window and
/// stays inside the buffer's first `filled` entries (a vector or more, all
/// set); `inside` marks the window's lanes.
template <class T>
struct buffer_window_lanes {
    std::ptrdiff_t base;
    simd::mask<T> inside;
};

template <class T>
buffer_window_lanes<T> locate_buffer_window(std::ptrdiff_t filled, std::ptrdiff_t first, std::ptrdiff_t count) noexcept {
    const std::ptrdiff_t base = std::min(first, filled - simd::lanes<T>);
    const std::ptrdiff_t lead = first - base;  // lanes before the window
    const simd::batch<T> lane = simd::lane_numbers<T>();
    return {base, (lane >= simd::broadcast(static_cast<T>(lead))) & (lane < simd::broadcast(static_cast<T>(lead + count)))};
}

/// Whether `count` (1 or more) is a power of two.
constexpr bool is_power_of_two(std::ptrdiff_t count) noexcept { return (count & (count - 1)) == 0; }

/// Divides vectors of window sums, lane by lane, by their windows' element
/// counts (`value`); where every count is a power of two, `value` holds
/// their reciprocals instead, which are exact: a product by one rounds the
/// same exact quotient as the division does, so the bits agree, at the cost
/// of a multiply instead of a division.
template <class T>
struct count_divisor {
    simd::batch<T> value;
    bool reciprocal;

    simd::batch<T> operator()(const simd::batch<T>& sums) const noexcept { return reciprocal ? sums * value : sums / value; }
};

/// The count_divisor of windows of `count` elements each.
template <class T>
count_divisor<T> divisor_of_count(std::ptrdiff_t count) noexcept {
    const bool reciprocal = is_power_of_two(count);
    return {simd::broadcast(reciprocal ? T(1) / static_cast<T>(count) : static_cast<T>(count)), reciprocal};
}

template <class T>
struct average {
    using element = T;
    using result = T;
    using accumulator = T;
    using index_lane = simd::lane_integer_t<T>;  // no index is tracked: index buffers stay one entry long
    static constexpr bool tracks_index = false;

    struct state {
        T sum;
    };
    static state start(std::ptrdiff_t) noexcept { return {T(0)}; }
    static void accumulate(state& s, T value, std::ptrdiff_t) noexcept { s.sum += value; }
    static void combine(state& into, const state& from) noexcept { into.sum += from.sum; }
    static T value(const state& s, std::ptrdiff_t count) noexcept { return s.sum / static_cast<T>(count); }
    static std::ptrdiff_t index(const state&) noexcept { return 0; }

    struct vector_state {
        simd::batch<T> sum;
    };
    struct position {};  // the sum does not need positions
    static position vector_position(std::ptrdiff_t) noexcept { return {}; }
    static vector_state vector_start(std::ptrdiff_t) noexcept { return {simd::broadcast(T(0))}; }
    /// vector_start, then vector_accumulate of `value`, in one step.
    static vector_state vector_first(const simd::batch<T>& value, const position&) noexcept { return {simd::broadcast(T(0)) + value}; }
    static void vector_accumulate(vector_state& s, const simd::batch<T>& value, const position&) noexcept { s.sum += value; }
    static simd::batch<T> vector_value(const vector_state& s, std::ptrdiff_t count) noexcept {
        return s.sum / simd::broadcast(static_cast<T>(count));
    }
    static void store_index(const vector_state&, index_lane*) noexcept {}

    /// Partial sums of the lanes, as stored in a row buffer.
    static void store_partial(const vector_state& s, T* values, index_lane*) noexcept { simd::store(values, s.sum); }
    static void store_partial(const state& s, T* values, index_lane*) noexcept { *values = s.sum; }

    /// The vector of partial sums of the whole vectors among `count` (at least
    /// lanes<T>) contiguous elements, and the position after the last of them.
    /// The elements are T's or narrower ones (16-bit floats into float), which
    /// widen as they load.
    struct vector_sums {
        simd::batch<T> sum;
        std::ptrdiff_t end;
    };
    template <class Element>
    static vector_sums whole_vectors(const Element* data, std::ptrdiff_t count) noexcept {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        std::ptrdiff_t i = width;
        simd::batch<T> acc0 = simd::load_as<T>(data);
        if (count >= 4 * width) {
            // Four independent chains hide the add latency.
            simd::batch<T> acc1 = simd::load_as<T>(data + width);
            simd::batch<T> acc2 = simd::load_as<T>(data + 2 * width), acc3 = simd::load_as<T>(data + 3 * width);
            for (i = 4 * width; i + 4 * width <= count; i += 4 * width) {
                acc0 += simd::load_as<T>(data + i);
                acc1 += simd::load_as<T>(data + i + width);
                acc2 += simd::load_as<T>(data + i + 2 * width);
                acc3 += simd::load_as<T>(data + i + 3 * width);
            }
            for (; i + width <= count; i += width) acc0 += simd::load_as<T>(data + i);
            return {(acc0 + acc1) + (acc2 + acc3), i};
        }
        for (; i + width <= count; i += width) acc0 += simd::load_as<T>(data + i);
        return {acc0, i};
    }

    /// Sum of `count` contiguous elements (T's or narrower), several accumulators wide.
    template <class Element>
    static state span(const Element* data, std::ptrdiff_t count, std::ptrdiff_t) noexcept {
        std::ptrdiff_t i = 0;
        T sum = T(0);
        if (count >= simd::lanes<T>) {
            const vector_sums whole = whole_vectors(data, count);
            sum = simd::reduce_add(whole.sum);
            i = whole.end;
        }
        for (; i < count; ++i) sum += widen<T>(data[i]);
        return {sum};
    }

    /// buffer_span for a window of one to lanes<T> consecutive entries (see
    /// locate_buffer_window), on targets with lane permutes: one vector whose
    /// other lanes are zeroed, summed by a butterfly of shuffles, whose
    /// latency grows with log2(lanes) where a scalar chain's grows with the
    /// window.
    static state buffer_window(const T* values, const index_lane*, std::ptrdiff_t filled, std::ptrdiff_t first, std::ptrdiff_t count,
                               std::ptrdiff_t) noexcept {
        const auto window = locate_buffer_window<T>(filled, first, count);
        return {simd::first_lane(simd::spread_sum(simd::select(window.inside, simd::load(values + window.base), simd::broadcast(T(0)))))};
    }

    /// Reduces a slice of a row buffer made by store_partial: `count` entries,
    /// `stride` apart (more than 1 when channels are interleaved in the row).
    static state buffer_span(const T* values, const index_lane*, std::ptrdiff_t count, std::ptrdiff_t, std::ptrdiff_t stride) noexcept {
        if (stride == 1) return span(values, count, 0);
        T sum = T(0);
        for (std::ptrdiff_t k = 0; k < count; ++k) sum += values[k * stride];
        return {sum};
    }
};

template <class T>
struct maximum {
    using element = T;
    using result = T;
    using accumulator = T;
    using index_lane = simd::lane_integer_t<T>;
    static constexpr bool tracks_index = true;

    struct state {
        T value;
        std::ptrdiff_t index;
    };
    static state start(std::ptrdiff_t first_index) noexcept { return {-std::numeric_limits<T>::infinity(), first_index}; }
    /// Scan order: a later element replaces only a strictly larger one, and any NaN replaces.
    static void accumulate(state& s, T value, std::ptrdiff_t index) noexcept {
        if (value > s.value || std::isnan(value)) {
            s.value = value;
            s.index = index;
        }
    }
    /// Order-independent merge: NaN beats numbers and the later NaN wins;
    /// among equal numbers the earlier position wins.
    static void combine(state& into, const state& from) noexcept {
        const bool into_nan = std::isnan(into.value);
        const bool from_nan = std::isnan(from.value);
        bool take;
        if (into_nan || from_nan) {
            take = from_nan && (!into_nan || from.index > into.index);
        } else {
            take = from.value > into.value || (from.value == into.value && from.index < into.index);
        }
        if (take) into = from;
    }
    static T value(const state& s, std::ptrdiff_t) noexcept { return s.value; }
    static std::ptrdiff_t index(const state& s) noexcept { return s.index; }

    /// Each value lane's flat index rides in the integer lane beside it.
    struct vector_state {
        simd::batch<T> value;
        simd::integer_batch<T> index;
    };
    using position = simd::integer_batch<T>;
    static position vector_position(std::ptrdiff_t index) noexcept { return position(static_cast<index_lane>(index)); }
    static vector_state vector_start(std::ptrdiff_t first_index) noexcept {
        return {simd::broadcast(-std::numeric_limits<T>::infinity()), vector_position(first_index)};
    }
    /// vector_start(index), then vector_accumulate of `value` there, in one
    /// step: the first element is the max so far (-inf kept from the start
    /// carries the same index), NaN included.
    static vector_state vector_first(const simd::batch<T>& value, const position& index) noexcept { return {value, index}; }
    static void vector_accumulate(vector_state& s, const simd::batch<T>& value, const position& index) noexcept {
        const auto keep = simd::keeps_current(value, s.value);
        s.value = simd::select(keep, s.value, value);
        s.index = simd::select_integers(simd::as_integer_mask<T>(keep), s.index, index);
    }
    static simd::batch<T> vector_value(const vector_state& s, std::ptrdiff_t) noexcept { return s.value; }
    static void store_index(const vector_state& s, index_lane* indices) noexcept { s.index.store_unaligned(indices); }

    static void store_partial(const vector_state& s, T* values, index_lane* indices) noexcept {
        simd::store(values, s.value);
        store_index(s, indices);
    }
    static void store_partial(const state& s, T* values, index_lane* indices) noexcept {
        *values = s.value;
        *indices = static_cast<index_lane>(s.index);
    }

    /// The lanes' maxima of `count` (at least lanes<T>) contiguous elements
    /// (T's or narrower ones, which widen as they load), and whether any of
    /// them is NaN, which the maxima may have dropped. Two chains of maxima
    /// hide their latency; the last vector is loaded ending at `count`,
    /// overlapping its predecessor.
    struct lane_maxima {
        simd::batch<T> largest;
        bool nan;
    };
    template <class Element>
    static lane_maxima maxima_of_lanes(const Element* data, std::ptrdiff_t count) noexcept {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        simd::batch<T> largest = simd::load_as<T>(data);
        simd::batch<T> largest_other = largest;
        auto nan = simd::is_nan(largest);
        std::ptrdiff_t i = width;
        for (; i + 2 * width <= count; i += 2 * width) {
            const simd::batch<T> value = simd::load_as<T>(data + i);
            const simd::batch<T> next = simd::load_as<T>(data + i + width);
            largest = simd::max(largest, value);
            largest_other = simd::max(largest_other, next);
            nan = nan | simd::either_nan(value, next);
        }
        for (; i < count; i += width) {
            const simd::batch<T> value = simd::load_as<T>(data + (i + width <= count ? i : count - width));
            largest = simd::max(largest, value);
            nan = nan | simd::is_nan(value);
        }
        return {simd::max(largest, largest_other), simd::any<T>(nan)};
    }

    /// Lane l holds the smallest position, among those the lane reads, of an
    /// element equal to `wanted` (every lane holds the same value), +infinity
    /// where it reads none: the smallest lane is the first position that holds
    /// `wanted`. For `count` (at least lanes<T>, at most 2^digits) contiguous
    /// elements, read as maxima_of_lanes reads them. Every vector's matches go
    /// into one running minimum: no branch on where the match lies, which is
    /// random and would mispredict.
    template <class Element>
    static simd::batch<T> first_positions(const Element* data, std::ptrdiff_t count, const simd::batch<T>& wanted) noexcept {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        const simd::batch<T> none = simd::broadcast(std::numeric_limits<T>::infinity());
        const simd::batch<T> step = simd::broadcast(static_cast<T>(width));
        simd::batch<T> position = simd::lane_numbers<T>();
        simd::batch<T> first = none;
        std::ptrdiff_t i = 0;
        for (; i + width <= count; i += width) {
            first = simd::min(first, simd::select(simd::load_as<T>(data + i) == wanted, position, none));
            position += step;
        }
        if (i < count) {
            const simd::batch<T> last = simd::lane_numbers<T>() + simd::broadcast(static_cast<T>(count - width));
            first = simd::min(first, simd::select(simd::load_as<T>(data + count - width) == wanted, last, none));
        }
        return first;
    }

    /// Positions are carried as T by first_positions (and the plane runs,
    /// forward_plane_run.hpp): exact up to here.
    static constexpr std::ptrdiff_t exact_positions = std::ptrdiff_t(1) << std::numeric_limits<T>::digits;

    /// Max of `count` contiguous elements whose first has flat index `first_index`.
    /// Without NaN the result is the first element equal to the largest value,
    /// so the value is found with plain vector maxima in any order and then
    /// located by the smallest position that holds it; with a NaN, the
    /// scan-order rule decides. The elements are T's or narrower ones (16-bit
    /// floats into float), which widen as they load.
    template <class Element>
    static state span(const Element* data, std::ptrdiff_t count, std::ptrdiff_t first_index) noexcept {
        if (count > exact_positions) {
            state result = span(data, exact_positions, first_index);
            for (std::ptrdiff_t piece = exact_positions; piece < count; piece += exact_positions) {
                combine(result, span(data + piece, std::min(exact_positions, count - piece), first_index + piece));
            }
            return result;
        }
        if (count >= simd::lanes<T>) {
            const lane_maxima maxima = maxima_of_lanes(data, count);
            if (!maxima.nan) {
                const simd::batch<T> wanted = simd::spread_max(maxima.largest);
                const auto winner = static_cast<std::ptrdiff_t>(simd::reduce_min(first_positions(data, count, wanted)));
                return {widen<T>(data[winner]), first_index + winner};
            }
        }
        state result = start(first_index);
        for (std::ptrdiff_t i = 0; i < count; ++i) accumulate(result, widen<T>(data[i]), first_index + i);
        return result;
    }

    /// buffer_span for a window of one to lanes<T> consecutive entries (see
    /// locate_buffer_window), on targets with lane permutes: the largest value
    /// by vector maxima, the winner as the one lane that holds it; a NaN, or a
    /// tie (several lanes), takes buffer_span's rule.
    static state buffer_window(const T* values, const index_lane* indices, std::ptrdiff_t filled, std::ptrdiff_t first,
                               std::ptrdiff_t count, std::ptrdiff_t first_column) noexcept {
        const auto window = locate_buffer_window<T>(filled, first, count);
        const simd::batch<T> entries = simd::load(values + window.base);
        if (!simd::any<T>(simd::is_nan(entries) & window.inside)) {
            const simd::batch<T> best =
                simd::spread_max(simd::select(window.inside, entries, simd::broadcast(-std::numeric_limits<T>::infinity())));
            const std::uint32_t holders = simd::lane_bits<T>((entries == best) & window.inside);
            if ((holders & (holders - 1)) == 0) {
                const std::ptrdiff_t at = window.base + simd::lowest_set_bit(holders);
                return {values[at], indices[at] + first_column + (at - first)};
            }
        }
        return buffer_span(values + first, indices + first, count, first_column, 1);
    }

    /// Reduces a slice of a row buffer made by store_partial: `count` entries,
    /// `stride` apart; entry k holds the scan-order max of its column over the
    /// rows and the flat index of that row's start. Without NaN: the largest
    /// value, at the smallest flat index among the entries that hold it (a tie
    /// across rows goes to the earlier row).
    static state buffer_span(const T* values, const index_lane* indices, std::ptrdiff_t count, std::ptrdiff_t first_column,
                             std::ptrdiff_t stride) noexcept {
        T best = values[0];
        bool nan = false;
        for (std::ptrdiff_t k = 0; k < count; ++k) {
            const T value = values[k * stride];
            nan |= value != value;  // no branch: NaN is rare
            best = value > best ? value : best;
        }
        if (!nan) {
            // The smallest flat index among the entries that hold the largest
            // value, with no data-dependent branch: the winner's place is
            // random, so a search for it mispredicts. Entries that differ from
            // the largest value are masked to the largest index, arithmetically
            // (GCC turns a conditional here back into a branch).
            constexpr std::ptrdiff_t none = std::numeric_limits<std::ptrdiff_t>::max();
            std::ptrdiff_t winner = none;
            for (std::ptrdiff_t k = 0; k < count; ++k) {
                const std::ptrdiff_t index = static_cast<std::ptrdiff_t>(indices[k * stride]) + first_column + k;
                const std::ptrdiff_t differs = static_cast<std::ptrdiff_t>(values[k * stride] == best) - 1;
                const std::ptrdiff_t candidate = index | (differs & none);
                winner = candidate < winner ? candidate : winner;
            }
            if (best != T(0)) return {best, winner};
            // +0 and -0 compare equal: the value is the winner's own. Flat
            // indices of entries differ, so the winner's index names it.
            std::ptrdiff_t k = 0;
            while (static_cast<std::ptrdiff_t>(indices[k * stride]) + first_column + k != winner) ++k;
            return {values[k * stride], winner};
        }
        state result = {values[0], static_cast<std::ptrdiff_t>(indices[0]) + first_column};
        for (std::ptrdiff_t k = 1; k < count; ++k) {
            combine(result, {values[k * stride], static_cast<std::ptrdiff_t>(indices[k * stride]) + first_column + k});
        }
        return result;
    }
};

/// The max's values alone, for calls that write no indices (the channels-last
/// and tiled kernels): each lane keeps its largest value by one vector max per
/// element, where `maximum` pays a compare and two blends to carry positions
/// along, and a lane's state is one register, so a channels-last register
/// block holds twice the channels. The max drops a NaN it reads: the walk
/// (reduce_lanes) also tests the vectors it loads for NaN, two at a time, and
/// a window that met one is walked again by `rescan_with` (reduce_lanes_then),
/// whose value is the last NaN's, bit for bit. The scalar state (a lane past
/// the last whole vector) is `maximum`'s.
template <class T>
struct maximum_value : maximum<T> {
    static constexpr bool tracks_index = false;
    static constexpr bool probes_nan = true;
    using rescan_with = maximum<T>;

    struct vector_state {
        simd::batch<T> value;
    };
    struct position {};
    static position vector_position(std::ptrdiff_t) noexcept { return {}; }
    static vector_state vector_start(std::ptrdiff_t) noexcept { return {simd::broadcast(-std::numeric_limits<T>::infinity())}; }
    /// A later equal value does not replace (simd::max keeps its first operand).
    static void vector_accumulate(vector_state& s, const simd::batch<T>& value, const position&) noexcept {
        s.value = simd::max(s.value, value);
    }
    static simd::batch<T> vector_value(const vector_state& s, std::ptrdiff_t) noexcept { return s.value; }
    static void store_index(const vector_state&, typename maximum<T>::index_lane*) noexcept {}
};

/// The values-only policy of a max policy whose call writes no indices
/// (`type`, void where there is none; widened_reductions.hpp adds the widened
/// elements').
template <class Reduction>
struct values_only {
    using type = void;
};
template <class T>
struct values_only<maximum<T>> {
    using type = maximum_value<T>;
};

/// Whether Reduction is the average itself: the plan's average-only kernels
/// (plane runs, channels-last sums in memory) compute it without a policy,
/// and are legal for it alone.
template <class Reduction>
constexpr bool is_average = std::is_same<Reduction, average<typename Reduction::element>>::value;

}  // namespace detail
}  // namespace apool
