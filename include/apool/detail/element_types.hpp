// apool: the element types a pooling call takes, the output types each may
// pool into, and the arithmetic between them.
//
// Inputs hold float, double, bfloat16, float16, std::uint8_t or std::int8_t.
// An output holds the input's type, or float or double where the input is
// narrower (an image of bytes pooled straight into float features): the
// result is then not rounded to the input type. A window is reduced in its
// accumulator: the element itself for float and double, float for the 16-bit
// floats (double where the output is double), and an integer wide enough for
// any window for the 8-bit integers. Converting an element to its accumulator
// is exact, so a max compares the elements' own values.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../float16.hpp"

namespace apool {
namespace detail {

template <class T>
constexpr bool is_float_or_double = std::is_same<T, float>::value || std::is_same<T, double>::value;

template <class T>
constexpr bool is_half_precision = std::is_same<T, bfloat16>::value || std::is_same<T, float16>::value;

template <class T>
constexpr bool is_byte_integer = std::is_same<T, std::uint8_t>::value || std::is_same<T, std::int8_t>::value;

/// The element types of pooling inputs.
template <class T>
constexpr bool is_element = is_float_or_double<T> || is_half_precision<T> || is_byte_integer<T>;

/// The element types of gradients: the floating ones.
template <class T>
constexpr bool is_gradient_element = is_float_or_double<T> || is_half_precision<T>;

/// Whether an input of Element may pool into an output of Result: the same
/// type, or float or double from a narrower element.
template <class Element, class Result>
constexpr bool is_element_pair =
    is_element<Element> && (std::is_same<Element, Result>::value || (std::is_same<Result, double>::value && !std::is_same<Element, double>::value) ||
                            (std::is_same<Result, float>::value && (is_half_precision<Element> || is_byte_integer<Element>)));

/// Whether the vector kernels run this pair: float or double pooled into its own type.
template <class Element, class Result>
constexpr bool has_vector_kernels = is_float_or_double<Element> && std::is_same<Element, Result>::value;

/// The floating type a window of Element pooled into Result is reduced in.
template <class Element, class Result>
using floating_accumulator_t =
    std::conditional_t<std::is_same<Element, double>::value || std::is_same<Result, double>::value, double, float>;

/// An element's value in a wider type, exactly.
template <class To, class From>
To widen(From value) noexcept {
    if constexpr (is_half_precision<From>) {
        return static_cast<To>(static_cast<float>(value));
    } else {
        return static_cast<To>(value);
    }
}

/// A floating value as Result: rounded once to the nearest (ties to even).
template <class Result, class Floating>
Result narrow(Floating value) noexcept {
    if constexpr (is_half_precision<Result>) {
        static_assert(std::is_same<Floating, float>::value, "apool: 16-bit results round from float");
        return Result(value);
    } else {
        return static_cast<Result>(value);
    }
}

/// A float rounded to the nearest integer, ties to even, whatever the
/// rounding mode (|value| below 2^31).
inline std::int64_t round_to_nearest_even(float value) noexcept {
    const bool negative = value < 0.0f;
    const float magnitude = negative ? -value : value;
    auto whole = static_cast<std::int64_t>(magnitude);  // truncates
    const float rest = magnitude - static_cast<float>(whole);  // exact
    // No branch on the fraction, which is random and would mispredict.
    whole += static_cast<std::int64_t>(rest > 0.5f) | (static_cast<std::int64_t>(rest == 0.5f) & (whole & 1));
    return negative ? -whole : whole;
}

/// A float result as Result, rounded once: to the 16-bit floats as their
/// float constructors round, to bytes to the nearest integer with ties to
/// even (a byte average of an exact float sum, within a few ulp of the true
/// quotient, lands on the true one's nearest integer: see
/// widened_average::from_staged), to float and double as it is.
template <class Result>
Result round_from_float(float value) noexcept {
    if constexpr (is_byte_integer<Result>) {
        return static_cast<Result>(round_to_nearest_even(value));
    } else {
        return narrow<Result>(value);
    }
}

/// sum / count for integers, rounded to nearest with ties to even (count > 0).
inline std::int64_t divide_to_nearest_even(std::int64_t sum, std::int64_t count) noexcept {
    const bool negative = sum < 0;
    // A sum of 8-bit values is at most 255 times its count in magnitude: the
    // negation cannot overflow.
    const std::int64_t magnitude = negative ? -sum : sum;
    std::int64_t quotient = magnitude / count;
    const std::int64_t rest = magnitude - quotient * count;
    if (rest > count - rest || (rest == count - rest && (quotient & 1) != 0)) ++quotient;
    return negative ? -quotient : quotient;
}

}  // namespace detail
}  // namespace apool
