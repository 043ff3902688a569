// A naive reference for adaptive pooling, written straight from the
// definitions and sharing no code with apool except the strided_view type.
//
// Every function takes apool::strided_view arguments with any strides
// (negative and zero included, as long as each written element is distinct)
// and a rank `Rank` whose last `Spatial` dims (1, 2 or 3) are spatial; the
// leading dims index independent planes. The loops are plain and slow on
// purpose: this is the thing the fast kernels are checked against.
//
//  - window of output o: [floor(o * In / Out), ceil((o + 1) * In / Out));
//  - elements are read as their exact values in double (the 16-bit floats
//    decoded from their bits here, not by apool's conversions);
//  - average: the window's sum, accumulated in double, divided by the count
//    in double, then rounded once to the output type (to nearest, ties to
//    even, for the 16-bit floats and the 8-bit integers); the output type
//    may be wider than the input's;
//  - maximum: scan the window in row-major order from value -inf and the
//    window's first flat index, replacing when `value > best || isnan(value)`
//    (PyTorch's rule: ties keep the first element, NaN propagates and the last
//    NaN wins, an all -inf window gives -inf at its first element); the
//    output is the element itself (a 16-bit float's NaN: its quiet NaN), or
//    its value in a wider output type;
//  - indices are flat positions in the logical spatial plane
//    (iw; ih * W + iw; id * H * W + ih * W + iw), whatever the input strides;
//  - backward: grad_input[i] is the sum over the windows that contain i of
//    grad_output / window_count (average, summed in double and rounded once),
//    or the sum of grad_output over the outputs whose index is i (maximum,
//    summed in T in row-major output order, which is PyTorch's order; in
//    double for the 16-bit floats). With `accumulate`, the freshly computed
//    gradient is added to what grad_input held, as autograd does: old +
//    fresh (for the 16-bit floats in double, rounded once).
#pragma once

#include <apool/float16.hpp>
#include <apool/strided_view.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace apool_test {
namespace naive {

/// A binary floating format with `digits` significant bits (the implicit one
/// included), normal numbers from 2^(min_exponent - 1), and an exponent field
/// of `exponent_bits` bits.
struct half_format {
    int digits;
    int min_exponent;
    int exponent_bits;
};
template <class T>
constexpr half_format format_of() {
    return std::is_same<T, apool::bfloat16>::value ? half_format{8, -125, 8} : half_format{11, -13, 5};
}

template <class T>
constexpr bool is_half = std::is_same<T, apool::bfloat16>::value || std::is_same<T, apool::float16>::value;

/// The exact value of an element.
template <class T>
double value_of(T value) {
    if constexpr (is_half<T>) {
        constexpr half_format format = format_of<T>();
        constexpr int mantissa_bits = format.digits - 1;
        const unsigned bits = value.bits();
        const bool negative = (bits >> 15) != 0;
        const unsigned exponent = (bits >> mantissa_bits) & ((1u << format.exponent_bits) - 1);
        const unsigned mantissa = bits & ((1u << mantissa_bits) - 1);
        double magnitude;
        if (exponent == (1u << format.exponent_bits) - 1) {
            magnitude = mantissa != 0 ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
        } else if (exponent == 0) {
            magnitude = std::ldexp(static_cast<double>(mantissa), format.min_exponent - format.digits);
        } else {
            magnitude = std::ldexp(static_cast<double>(mantissa | (1u << mantissa_bits)),
                                   static_cast<int>(exponent) + format.min_exponent - 1 - format.digits);
        }
        return negative ? -magnitude : magnitude;
    } else {
        return static_cast<double>(value);
    }
}

/// A double rounded once to T: to nearest, ties to even (the default
/// rounding mode of nearbyint), saturating for the integers.
template <class T>
T rounded(double value) {
    if constexpr (is_half<T>) {
        if (std::isnan(value)) return T(static_cast<float>(value));
        if (value == 0.0 || std::isinf(value)) return T(static_cast<float>(value));
        constexpr half_format format = format_of<T>();
        int exponent = 0;
        std::frexp(value, &exponent);
        const int unit = std::max(exponent, format.min_exponent) - format.digits;  // exponent of one ulp
        const double result = std::ldexp(std::nearbyint(std::ldexp(value, -unit)), unit);
        const double largest =
            std::ldexp(2.0 - std::ldexp(1.0, 1 - format.digits), (1 << (format.exponent_bits - 1)) - 1);
        if (std::fabs(result) > largest) return T(static_cast<float>(result > 0 ? INFINITY : -INFINITY));
        return T(static_cast<float>(result));  // exact: result is a value of T
    } else if constexpr (std::is_integral<T>::value) {
        const double whole = std::nearbyint(value);
        return static_cast<T>(std::min(std::max(whole, double(std::numeric_limits<T>::lowest())), double(std::numeric_limits<T>::max())));
    } else {
        return static_cast<T>(value);
    }
}

/// floor(o * in / out) for non-negative operands.
inline std::ptrdiff_t window_first(std::ptrdiff_t o, std::ptrdiff_t in, std::ptrdiff_t out) { return (o * in) / out; }

/// ceil((o + 1) * in / out): the floor, plus one when the division is inexact.
inline std::ptrdiff_t window_past_last(std::ptrdiff_t o, std::ptrdiff_t in, std::ptrdiff_t out) {
    const std::ptrdiff_t numerator = (o + 1) * in;
    return numerator / out + (numerator % out != 0 ? 1 : 0);
}

/// Calls f(index) for every multi-index below `extents`, last dim fastest.
/// Calls f once with an empty index when N == 0; never when an extent is 0.
template <std::size_t N, class F>
void for_each_multi_index(const std::array<std::ptrdiff_t, N>& extents, F&& f) {
    for (std::ptrdiff_t extent : extents) {
        if (extent <= 0) return;
    }
    std::array<std::ptrdiff_t, N> index{};
    for (;;) {
        f(static_cast<const std::array<std::ptrdiff_t, N>&>(index));
        std::size_t dim = N;
        for (;;) {
            if (dim == 0) return;
            --dim;
            if (++index[dim] < extents[dim]) break;
            index[dim] = 0;
        }
    }
}

/// The pieces of a pooling problem that every reference function needs.
template <std::size_t Spatial, std::size_t Rank>
struct plane_split {
    static_assert(Spatial >= 1 && Spatial <= 3, "the reference covers 1, 2 and 3 spatial dims");
    static_assert(Rank >= Spatial, "a view needs at least Spatial dims");
    static constexpr std::size_t leading = Rank - Spatial;

    template <class V>
    static std::array<std::ptrdiff_t, leading> leading_extents(const V& view) {
        std::array<std::ptrdiff_t, leading> extents{};
        for (std::size_t d = 0; d < leading; ++d) extents[d] = view.extent(d);
        return extents;
    }
    template <class V>
    static std::array<std::ptrdiff_t, Spatial> spatial_extents(const V& view) {
        std::array<std::ptrdiff_t, Spatial> extents{};
        for (std::size_t d = 0; d < Spatial; ++d) extents[d] = view.extent(leading + d);
        return extents;
    }
    /// Element offset of (plane, position) in a view.
    template <class V>
    static std::ptrdiff_t offset(const V& view, const std::array<std::ptrdiff_t, leading>& plane,
                                 const std::array<std::ptrdiff_t, Spatial>& position) {
        std::ptrdiff_t at = 0;
        for (std::size_t d = 0; d < leading; ++d) at += plane[d] * view.stride(d);
        for (std::size_t d = 0; d < Spatial; ++d) at += position[d] * view.stride(leading + d);
        return at;
    }
    /// Row-major flat position in a spatial plane of the given extents.
    static std::ptrdiff_t flat(const std::array<std::ptrdiff_t, Spatial>& position, const std::array<std::ptrdiff_t, Spatial>& extents) {
        std::ptrdiff_t result = 0;
        for (std::size_t d = 0; d < Spatial; ++d) result = result * extents[d] + position[d];
        return result;
    }
};

/// The window of output position `out_position`: first corner and extents.
template <std::size_t Spatial>
struct window_box {
    std::array<std::ptrdiff_t, Spatial> first{};
    std::array<std::ptrdiff_t, Spatial> size{};
    std::ptrdiff_t count() const {
        std::ptrdiff_t result = 1;
        for (std::ptrdiff_t s : size) result *= s;
        return result;
    }
};

template <std::size_t Spatial>
window_box<Spatial> window_of(const std::array<std::ptrdiff_t, Spatial>& out_position, const std::array<std::ptrdiff_t, Spatial>& in_extents,
                              const std::array<std::ptrdiff_t, Spatial>& out_extents) {
    window_box<Spatial> box;
    for (std::size_t d = 0; d < Spatial; ++d) {
        box.first[d] = window_first(out_position[d], in_extents[d], out_extents[d]);
        box.size[d] = window_past_last(out_position[d], in_extents[d], out_extents[d]) - box.first[d];
    }
    return box;
}

/// Calls f(input position) for each element of the window, in row-major order.
template <std::size_t Spatial, class F>
void for_each_in_window(const window_box<Spatial>& box, F&& f) {
    for_each_multi_index(box.size, [&](const std::array<std::ptrdiff_t, Spatial>& step) {
        std::array<std::ptrdiff_t, Spatial> position{};
        for (std::size_t d = 0; d < Spatial; ++d) position[d] = box.first[d] + step[d];
        f(position);
    });
}

/// Adaptive average pooling over the last Spatial dims.
template <std::size_t Spatial, class In, class T, std::size_t Rank>
void adaptive_avg_pool(const apool::strided_view<In, Rank>& input, const apool::strided_view<T, Rank>& output) {
    using split = plane_split<Spatial, Rank>;
    const auto in_extents = split::spatial_extents(input);
    const auto out_extents = split::spatial_extents(output);
    for_each_multi_index(split::leading_extents(output), [&](const std::array<std::ptrdiff_t, split::leading>& plane) {
        for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto box = window_of(out_position, in_extents, out_extents);
            double sum = 0.0;
            for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                sum += value_of(input.data()[split::offset(input, plane, position)]);
            });
            output.data()[split::offset(output, plane, out_position)] = rounded<T>(sum / static_cast<double>(box.count()));
        });
    });
}

/// Adaptive max pooling over the last Spatial dims, with flat indices.
template <std::size_t Spatial, class In, class T, class I, std::size_t Rank>
void adaptive_max_pool(const apool::strided_view<In, Rank>& input, const apool::strided_view<T, Rank>& output,
                       const apool::strided_view<I, Rank>& indices) {
    using element = std::remove_const_t<In>;
    using split = plane_split<Spatial, Rank>;
    const auto in_extents = split::spatial_extents(input);
    const auto out_extents = split::spatial_extents(output);
    for_each_multi_index(split::leading_extents(output), [&](const std::array<std::ptrdiff_t, split::leading>& plane) {
        for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto box = window_of(out_position, in_extents, out_extents);
            double best = -std::numeric_limits<double>::infinity();
            element best_element = input.data()[split::offset(input, plane, box.first)];
            std::ptrdiff_t best_index = split::flat(box.first, in_extents);
            for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                const element candidate = input.data()[split::offset(input, plane, position)];
                const double value = value_of(candidate);
                if (value > best || std::isnan(value)) {
                    best = value;
                    best_element = candidate;
                    best_index = split::flat(position, in_extents);
                }
            });
            T& result = output.data()[split::offset(output, plane, out_position)];
            if constexpr (std::is_same<element, T>::value && !is_half<T>) {
                result = best_element;  // its NaN payload too; an all -inf window's first -inf
            } else {
                // A NaN as the output type's quiet NaN (PyTorch converts
                // 16-bit floats through float); a number exactly.
                result = rounded<T>(best);
            }
            indices.data()[split::offset(indices, plane, out_position)] = static_cast<I>(best_index);
        });
    });
}

/// What an average's rounding error depends on: its window's element count
/// and the mean absolute value of the window's elements.
struct window_magnitude {
    std::ptrdiff_t count = 0;
    double mean_abs = 0.0;
};

/// window_magnitude of every output position, row-major over `output_extents`.
template <std::size_t Spatial, class In, std::size_t Rank>
std::vector<window_magnitude> window_magnitudes(const apool::strided_view<In, Rank>& input,
                                                const std::array<std::ptrdiff_t, Rank>& output_extents) {
    using split = plane_split<Spatial, Rank>;
    const auto in_extents = split::spatial_extents(input);
    std::array<std::ptrdiff_t, Spatial> out_extents{};
    for (std::size_t d = 0; d < Spatial; ++d) out_extents[d] = output_extents[split::leading + d];
    std::array<std::ptrdiff_t, split::leading> planes{};
    for (std::size_t d = 0; d < split::leading; ++d) planes[d] = output_extents[d];
    std::vector<window_magnitude> magnitudes;
    for_each_multi_index(planes, [&](const std::array<std::ptrdiff_t, split::leading>& plane) {
        for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto box = window_of(out_position, in_extents, out_extents);
            double sum_abs = 0.0;
            for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                sum_abs += std::fabs(value_of(input.data()[split::offset(input, plane, position)]));
            });
            magnitudes.push_back({box.count(), sum_abs / static_cast<double>(box.count())});
        });
    });
    return magnitudes;
}

/// Whether `got` is an acceptable average where `expected` is a correct one
/// (PyTorch's, or the reference's). NaN must meet NaN (any payload) and an
/// infinity the same infinity. Otherwise the allowed difference is
///
///     eps * (4 * max(|expected|, mean_abs) + (count - 1) * mean_abs)
///
/// because any order of summing `count` terms in T is within
/// (count - 1) * eps / 2 * sum|x| of the exact sum, so two correct sums differ
/// by at most (count - 1) * eps * mean_abs once divided by count, and the
/// final divisions (one in apool, up to three in PyTorch: / kd / kh / kw)
/// add a few eps * |average|. A pure ulp bound would be wrong: cancellation
/// makes |average| far smaller than the terms whose rounding it carries.
/// Missing or extra window elements move the average by about mean_abs /
/// count, far above this bound for every window the tests use.
template <class T>
bool average_close(T got, T expected, const window_magnitude& window) {
    if (std::isnan(expected)) return std::isnan(got);
    if (std::isinf(expected)) return got == expected;
    if (!std::isfinite(got)) return false;
    const double eps = static_cast<double>(std::numeric_limits<T>::epsilon());
    const double magnitude = std::fabs(static_cast<double>(expected));
    const double allowed = eps * (4.0 * std::max(magnitude, window.mean_abs) + static_cast<double>(window.count - 1) * window.mean_abs) +
                           static_cast<double>(std::numeric_limits<T>::denorm_min());
    return std::fabs(static_cast<double>(got) - static_cast<double>(expected)) <= allowed;
}

/// Gradient of adaptive average pooling: grad_input from grad_output.
template <std::size_t Spatial, class GradOut, class T, std::size_t Rank>
void adaptive_avg_pool_backward(const apool::strided_view<GradOut, Rank>& grad_output, const apool::strided_view<T, Rank>& grad_input,
                                bool accumulate = false) {
    static_assert(std::is_same<std::remove_const_t<GradOut>, T>::value, "gradient element types must match");
    using split = plane_split<Spatial, Rank>;
    const auto in_extents = split::spatial_extents(grad_input);
    const auto out_extents = split::spatial_extents(grad_output);
    std::ptrdiff_t plane_size = 1;
    for (std::ptrdiff_t e : in_extents) plane_size *= e;
    std::vector<double> sums(static_cast<std::size_t>(plane_size));
    // The 16-bit floats: the sum (after the current value, when
    // accumulating) rounded once.
    for_each_multi_index(split::leading_extents(grad_input), [&](const std::array<std::ptrdiff_t, split::leading>& plane) {
        std::fill(sums.begin(), sums.end(), 0.0);
        for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto box = window_of(out_position, in_extents, out_extents);
            const double share = value_of(grad_output.data()[split::offset(grad_output, plane, out_position)]) /
                                 static_cast<double>(box.count());
            for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                sums[static_cast<std::size_t>(split::flat(position, in_extents))] += share;
            });
        });
        for_each_multi_index(in_extents, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
            T& target = grad_input.data()[split::offset(grad_input, plane, position)];
            const double sum = sums[static_cast<std::size_t>(split::flat(position, in_extents))];
            if constexpr (is_half<T>) {
                target = rounded<T>(accumulate ? value_of(target) + sum : sum);
            } else {
                const T fresh = static_cast<T>(sum);
                target = accumulate ? static_cast<T>(target + fresh) : fresh;
            }
        });
    });
}

/// Gradient of adaptive max pooling: each grad_output element goes to the
/// input position its index names.
template <std::size_t Spatial, class GradOut, class I, class T, std::size_t Rank>
void adaptive_max_pool_backward(const apool::strided_view<GradOut, Rank>& grad_output, const apool::strided_view<I, Rank>& indices,
                                const apool::strided_view<T, Rank>& grad_input, bool accumulate = false) {
    static_assert(std::is_same<std::remove_const_t<GradOut>, T>::value, "gradient element types must match");
    using split = plane_split<Spatial, Rank>;
    const auto in_extents = split::spatial_extents(grad_input);
    const auto out_extents = split::spatial_extents(grad_output);
    std::ptrdiff_t plane_size = 1;
    for (std::ptrdiff_t e : in_extents) plane_size *= e;
    // Sums in T (PyTorch's order), or for the 16-bit floats in double,
    // rounded once after the current value when accumulating.
    using sum_type = std::conditional_t<is_half<T>, double, T>;
    std::vector<sum_type> sums(static_cast<std::size_t>(plane_size));
    for_each_multi_index(split::leading_extents(grad_input), [&](const std::array<std::ptrdiff_t, split::leading>& plane) {
        std::fill(sums.begin(), sums.end(), sum_type(0));
        for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto flat_index = static_cast<std::ptrdiff_t>(indices.data()[split::offset(indices, plane, out_position)]);
            const auto grad = grad_output.data()[split::offset(grad_output, plane, out_position)];
            if constexpr (is_half<T>) {
                sums[static_cast<std::size_t>(flat_index)] += value_of(grad);
            } else {
                sums[static_cast<std::size_t>(flat_index)] += grad;
            }
        });
        for_each_multi_index(in_extents, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
            T& target = grad_input.data()[split::offset(grad_input, plane, position)];
            const sum_type fresh = sums[static_cast<std::size_t>(split::flat(position, in_extents))];
            if constexpr (is_half<T>) {
                target = rounded<T>(accumulate ? value_of(target) + fresh : fresh);
            } else {
                target = accumulate ? static_cast<T>(target + fresh) : fresh;
            }
        });
    });
}

}  // namespace naive
}  // namespace apool_test
