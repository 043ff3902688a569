// apool: the reductions of the element types the vector kernels do not take
// (16-bit floats, 8-bit integers, and float or double outputs of a narrower
// input): each element is widened to the accumulator exactly, one at a time,
// by the generic kernel (forward_kernels.hpp). The rules are reductions.hpp's:
// a max keeps the first of equal values in scan order and the last NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "element_types.hpp"
#include "reductions.hpp"

namespace apool {
namespace detail {

/// The average of a window of Element, written as Result. 16-bit floats sum
/// and divide in float (double for a double result) and round once. 8-bit
/// integers sum exactly in 64 bits (a window of up to 2^55 elements); into
/// their own type the quotient rounds to nearest with ties to even, into float
/// or double it is the sum divided in that type.
template <class Element, class Result>
struct widened_average {
    using element = Element;
    using result = Result;
    using accumulator = std::conditional_t<is_byte_integer<Element>, std::int64_t, floating_accumulator_t<Element, Result>>;
    using index_lane = std::int64_t;
    static constexpr bool tracks_index = false;

    struct state {
        accumulator sum;
    };
    static state start(std::ptrdiff_t) noexcept { return {accumulator(0)}; }
    static void accumulate(state& s, Element value, std::ptrdiff_t) noexcept { s.sum += widen<accumulator>(value); }
    static Result value(const state& s, std::ptrdiff_t count) noexcept {
        if constexpr (!is_byte_integer<Element>) {
            return narrow<Result>(s.sum / static_cast<accumulator>(count));
        } else if constexpr (std::is_same<Result, Element>::value) {
            return static_cast<Result>(divide_to_nearest_even(s.sum, count));
        } else {
            return static_cast<Result>(s.sum) / static_cast<Result>(count);
        }
    }
    static std::ptrdiff_t index(const state&) noexcept { return 0; }

    /// The float policy of the staged kernel (forward_staged.hpp), and its
    /// float result as Result: bytes into bytes rounded to nearest, ties to
    /// even (the float quotient of an exact sum of at most 2^24 / 255
    /// elements is within a few ulp of the true one, and a true one that is
    /// no tie lies at least 1 / (2 * count) from the nearest half).
    using staged = average<float>;
    static Result from_staged(float average) noexcept {
        if constexpr (is_byte_integer<Element> && std::is_same<Result, Element>::value) {
            return static_cast<Result>(round_to_nearest_even(average));
        } else {
            return narrow<Result>(average);
        }
    }
};

/// The max of a window of Element, written as Result, found by comparing
/// exact widened values: the element's value, exactly; a NaN of a 16-bit
/// float into its own type is written as that type's quiet NaN, as PyTorch
/// does (it converts through float), and keeps its payload into float or
/// double.
template <class Element, class Result>
struct widened_maximum {
    using element = Element;
    using result = Result;
    using accumulator = std::conditional_t<is_byte_integer<Element>, int, std::conditional_t<is_half_precision<Element>, float, Element>>;
    using index_lane = std::int64_t;
    static constexpr bool tracks_index = true;

    struct state {
        accumulator value;  ///< the kept element's value, to compare with
        Element kept;
        std::ptrdiff_t index;
    };
    /// Below every element (or equal to the smallest, which then keeps the
    /// first position, as a later equal element does not replace).
    static state start(std::ptrdiff_t first_index) noexcept {
        if constexpr (is_byte_integer<Element>) {
            return {std::numeric_limits<Element>::lowest(), std::numeric_limits<Element>::lowest(), first_index};
        } else {
            return {-std::numeric_limits<accumulator>::infinity(), Element(-std::numeric_limits<float>::infinity()), first_index};
        }
    }
    /// Scan order: a later element replaces only a strictly larger one, and any NaN replaces.
    static void accumulate(state& s, Element element, std::ptrdiff_t index) noexcept {
        const accumulator value = widen<accumulator>(element);
        if constexpr (is_byte_integer<Element>) {
            if (value > s.value) s = {value, element, index};
        } else {
            if (value > s.value || value != value) s = {value, element, index};
        }
    }
    static Result value(const state& s, std::ptrdiff_t) noexcept {
        if constexpr (is_half_precision<Result>) {
            return Result(static_cast<float>(s.kept));
        } else {
            return widen<Result>(s.kept);
        }
    }
    static std::ptrdiff_t index(const state& s) noexcept { return s.index; }

    /// The float policy of the staged kernel, and its float result (an
    /// element's exact value) as Result.
    using staged = maximum<float>;
    static Result from_staged(float value) noexcept {
        if constexpr (is_byte_integer<Result>) {
            return static_cast<Result>(value);
        } else {
            return narrow<Result>(value);
        }
    }
};

/// A float policy (average<float> or maximum<float>) over 16-bit float or
/// byte elements, for the vector kernels that widen each vector as they load
/// it (simd::load_as): the float policy's sums, maxima and index lanes, its
/// results rounded once to Result (round_from_float). Float holds every such
/// value exactly, so the max is the elements' own; the 16-bit average is
/// widened_average's (float sums, a float quotient, one rounding), and a byte
/// average's float sums are its exact integer sums where a window holds at
/// most float_lanes_largest_byte_window elements (the plan's bound).
template <class FloatPolicy, class Element, class Result>
struct float_lanes : FloatPolicy {
    static_assert(is_half_precision<Element> || is_byte_integer<Element>, "float_lanes widens 16-bit floats and bytes");
    using element = Element;
    using result = Result;
    using typename FloatPolicy::state;
    static void accumulate(state& s, Element value, std::ptrdiff_t index) noexcept { FloatPolicy::accumulate(s, widen<float>(value), index); }
    static Result value(const state& s, std::ptrdiff_t count) noexcept { return round_from_float<Result>(FloatPolicy::value(s, count)); }
};

template <class Element, class Result>
struct values_only<float_lanes<maximum<float>, Element, Result>> {
    using type = float_lanes<maximum_value<float>, Element, Result>;
};

/// The most elements a byte average's window may hold in the float_lanes
/// kernels: every partial sum then stays below 2^24 in magnitude, exact in float.
constexpr std::ptrdiff_t float_lanes_largest_byte_window = (std::ptrdiff_t(1) << 24) / 255;

/// Whether a widened policy's calls may run the float_lanes kernels: 16-bit
/// floats and bytes into their own type or float.
template <class Reduction>
constexpr bool has_float_lanes = (is_half_precision<typename Reduction::element> || is_byte_integer<typename Reduction::element>) &&
                                 !std::is_same<typename Reduction::result, double>::value;

/// The float_lanes policy of a widened policy.
template <class Reduction>
using float_lanes_of = float_lanes<typename Reduction::staged, typename Reduction::element, typename Reduction::result>;

/// The policies of a call pooling Element into Result: the vector policies
/// (reductions.hpp) where the vector kernels take the pair.
template <class Element, class Result>
using average_policy = std::conditional_t<has_vector_kernels<Element, Result>, average<Element>, widened_average<Element, Result>>;
template <class Element, class Result>
using maximum_policy = std::conditional_t<has_vector_kernels<Element, Result>, maximum<Element>, widened_maximum<Element, Result>>;

}  // namespace detail
}  // namespace apool
