// The element types beside float and double (bfloat16, float16, uint8, int8)
// and the wider outputs a narrower input may pool into: the 16-bit
// conversions against the naive reference's own decoding, and forward pooling
// against the naive reference (tests/naive_reference.hpp) on random shapes,
// values and layouts. PyTorch's results for these types are replayed by
// test_element_types_golden.cpp. Fixed seeds: a failure reproduces.
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"
#include "parallel/executors.hpp"

namespace {

using apool_test::count_of;

using apool_test::layout_kind;
using apool_test::naive::is_half;

template <class T>
const char* type_name() {
    if (std::is_same<T, apool::bfloat16>::value) return "bfloat16";
    if (std::is_same<T, apool::float16>::value) return "float16";
    if (std::is_same<T, std::uint8_t>::value) return "uint8";
    if (std::is_same<T, std::int8_t>::value) return "int8";
    if (std::is_same<T, float>::value) return "float";
    return "double";
}

template <class T>
bool same_value_bits(T a, T b) {
    return apool_test::same_bits(a, b);
}

/// An average of type Out computed by apool against the reference's: exact
/// for the integers; for the 16-bit floats the same bits, the neighbouring
/// value (apool sums in float, the reference in double: a sum that lands next
/// to a rounding boundary rounds to either side), or within the bound of a
/// float sum (naive::average_close for float: cancellation makes the average
/// far smaller than the terms whose rounding it carries); for float and
/// double outputs naive::average_close. NaN meets any NaN.
template <class Out>
bool average_matches(Out got, Out expected, const apool_test::naive::window_magnitude& window) {
    if constexpr (std::is_integral<Out>::value) {
        return got == expected;
    } else if constexpr (is_half<Out>) {
        const double want = apool_test::naive::value_of(expected);
        const double have = apool_test::naive::value_of(got);
        if (std::isnan(want)) return std::isnan(have);
        if (got.bits() == expected.bits()) return true;
        const bool same_sign = (got.bits() >> 15) == (expected.bits() >> 15);
        const int apart = static_cast<int>(got.bits() & 0x7FFF) - static_cast<int>(expected.bits() & 0x7FFF);
        if (!std::isfinite(have) || !std::isfinite(want)) return false;
        return (same_sign && (apart == 1 || apart == -1)) ||
               apool_test::naive::average_close(static_cast<float>(have), static_cast<float>(want), window);
    } else {
        return apool_test::naive::average_close(got, expected, window);
    }
}

/// A max of type Out: the reference's bits; a NaN widened into float or
/// double any NaN.
template <class In, class Out>
bool maximum_matches(Out got, Out expected) {
    if constexpr (!std::is_same<In, Out>::value && std::is_floating_point<Out>::value) {
        if (std::isnan(expected)) return std::isnan(got);
    }
    return apool_test::same_bits(got, expected);
}

enum class value_mix { spread, ties, specials, extremes };

template <class T>
T random_value(std::mt19937_64& rng, value_mix mix) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double pick = unit(rng);
    if constexpr (std::is_integral<T>::value) {
        using limits = std::numeric_limits<T>;
        std::uniform_int_distribution<int> any(limits::lowest(), limits::max());
        std::uniform_int_distribution<int> few(limits::lowest(), limits::lowest() + 3);
        switch (mix) {
            case value_mix::ties: return static_cast<T>(std::uniform_int_distribution<int>(0, 3)(rng));
            case value_mix::extremes: return static_cast<T>(pick < 0.5 ? few(rng) : limits::max());
            default: return static_cast<T>(any(rng));
        }
    } else {
        std::normal_distribution<double> normal(0.0, 1.0);
        const double scale = is_half<T> ? 8.0 : 1.0;
        auto from = [](double value) { return apool_test::naive::rounded<T>(value); };
        switch (mix) {
            case value_mix::ties: return from(std::floor(pick * 4.0));
            case value_mix::specials: {
                if (pick < 0.08) {
                    // A NaN with a random sign and payload.
                    if constexpr (is_half<T>) {
                        const std::uint16_t exponent = std::is_same<T, apool::bfloat16>::value ? 0x7F80 : 0x7C00;
                        const std::uint16_t payload = static_cast<std::uint16_t>(1 + rng() % (std::is_same<T, apool::bfloat16>::value ? 127 : 1023));
                        return T::from_bits(static_cast<std::uint16_t>((rng() & 1 ? 0x8000 : 0) | exponent | payload));
                    } else {
                        return std::numeric_limits<T>::quiet_NaN();
                    }
                }
                if (pick < 0.14) return from(pick < 0.11 ? INFINITY : -INFINITY);
                return from(normal(rng) * scale);
            }
            case value_mix::extremes:
                // Large magnitudes (float16 overflows above 65504) and tiny ones (subnormals).
                return from(pick < 0.5 ? normal(rng) * 3.0e4 : normal(rng) * 1.0e-6);
            default: return from(normal(rng) * scale);
        }
    }
}

/// Padding the kernels must not read: a NaN with a payload no test value has,
/// or the largest value of an integer type (read into a max or a sum, it
/// changes the result).
template <class T>
T padding() {
    if constexpr (std::is_same<T, apool::bfloat16>::value) return T::from_bits(0x7FA5);
    else if constexpr (std::is_same<T, apool::float16>::value) return T::from_bits(0x7E5A);
    else if constexpr (std::is_integral<T>::value) return std::numeric_limits<T>::max();
    else return apool_test::padding_nan<T>();
}

template <class Out>
Out output_fill() {
    return apool_test::naive::rounded<Out>(77.0);
}

template <class In, class Out, std::size_t Spatial, std::size_t Rank>
void run_trial(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
               layout_kind in_kind, layout_kind out_kind, value_mix mix, std::mt19937_64& rng) {
    INFO(type_name<In>() << " into " << type_name<Out>() << ", spatial " << Spatial << ", rank " << Rank << ", layouts "
                         << apool_test::layout_name(in_kind) << "/" << apool_test::layout_name(out_kind) << ", mix "
                         << static_cast<int>(mix));
    std::vector<In> logical(count_of(in_extents));
    for (In& value : logical) value = random_value<In>(rng, mix);
    if (in_kind == layout_kind::broadcast) logical = apool_test::repeat_first_slice(in_extents, logical);
    auto input = apool_test::lay_out(in_kind, Spatial, in_extents, logical, padding<In>());
    if (!input) input = apool_test::lay_out(layout_kind::contiguous, Spatial, in_extents, logical, padding<In>());
    const apool::strided_view<const In, Rank> reference_input(logical.data(), in_extents);

    const std::size_t outputs = count_of(out_extents);
    std::vector<Out> expected_avg(outputs), expected_max(outputs);
    std::vector<std::int64_t> expected_indices(outputs);
    apool_test::naive::adaptive_avg_pool<Spatial>(reference_input, apool::strided_view<Out, Rank>(expected_avg.data(), out_extents));
    apool_test::naive::adaptive_max_pool<Spatial>(reference_input, apool::strided_view<Out, Rank>(expected_max.data(), out_extents),
                                                  apool::strided_view<std::int64_t, Rank>(expected_indices.data(), out_extents));
    const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(reference_input, out_extents);

    auto written = [&](const auto& fill) {
        using V = std::decay_t<decltype(fill)>;
        auto laid = apool_test::lay_out(out_kind, Spatial, out_extents, std::vector<V>(outputs, fill), fill);
        return laid ? std::move(laid) : apool_test::lay_out(layout_kind::contiguous, Spatial, out_extents, std::vector<V>(outputs, fill), fill);
    };
    // The public call (the plan's choice), then each kernel these types have,
    // forced through the plan where it is legal.
    using kernel = apool::detail::forward_kernel;
    for (kernel wanted : {kernel::automatic, kernel::plane_run, kernel::span, kernel::tiles, kernel::rows, kernel::interleaved_rows,
                          kernel::channels_last, kernel::staged, kernel::staged_rows, kernel::byte_rows, kernel::generic}) {
        INFO("kernel " << apool::detail::kernel_name(wanted));
        using average = apool::detail::average_policy<In, Out>;
        using maximum = apool::detail::maximum_policy<In, Out>;
        auto avg = written(output_fill<Out>());
        auto max = written(output_fill<Out>());
        auto indices = written(std::int32_t(-9));
        const auto avg_plan = apool::detail::plan_forward<average, Spatial>(input->const_view(), avg->view(), avg->view().strides(), false, wanted);
        const auto max_plan =
            apool::detail::plan_forward<maximum, Spatial>(input->const_view(), max->view(), indices->view().strides(), true, wanted);
        // A forced kernel that is legal for one reduction only (byte_rows: the
        // average) runs that one; the other takes the public call.
        const bool avg_forced = wanted != kernel::automatic && avg_plan.kernel == wanted;
        const bool max_forced = wanted != kernel::automatic && max_plan.kernel == wanted;
        if (wanted != kernel::automatic && !avg_forced && !max_forced) continue;  // not legal here
        if (avg_forced) {
            apool::detail::run_forward<average>(avg_plan, input->const_view().data(), avg->view().data(), static_cast<std::int64_t*>(nullptr), 0,
                                                avg_plan.items);
        } else {
            apool::adaptive_avg_pool<Spatial>(input->const_view(), avg->view());
        }
        if (max_forced) {
            apool::detail::run_forward<maximum>(max_plan, input->const_view().data(), max->view().data(), indices->view().data(), 0,
                                                max_plan.items);
        } else {
            apool::adaptive_max_pool<Spatial>(input->const_view(), max->view(), indices->view());
        }
        CHECK(apool_test::mismatches("avg", avg->logical(), expected_avg,
                                     [&](std::size_t i, Out got, Out want) { return average_matches(got, want, magnitudes[i]); }) == "");
        CHECK(apool_test::mismatches("max", max->logical(), expected_max, [](std::size_t, Out got, Out want) {
                  return maximum_matches<In>(got, want);
              }) == "");
        CHECK(apool_test::index_mismatches(indices->logical(), expected_indices) == "");
        CHECK(avg->padding_untouched());
        CHECK(max->padding_untouched());
        CHECK(indices->padding_untouched());

        // The max without indices.
        auto values = written(output_fill<Out>());
        const auto values_plan =
            apool::detail::plan_forward<maximum, Spatial>(input->const_view(), values->view(), values->view().strides(), false, wanted);
        if (wanted != kernel::automatic && values_plan.kernel == wanted) {
            apool::detail::run_forward<maximum>(values_plan, input->const_view().data(), values->view().data(),
                                                static_cast<std::int64_t*>(nullptr), 0, values_plan.items);
        } else {
            apool::adaptive_max_pool<Spatial>(input->const_view(), values->view());
        }
        CHECK(apool_test::mismatches("max without indices", values->logical(), expected_max, [](std::size_t, Out got, Out want) {
                  return maximum_matches<In>(got, want);
              }) == "");
        CHECK(values->padding_untouched());
    }
}

/// Random shapes of Spatial dims after Leading dims, in every input layout.
template <class In, class Out, std::size_t Spatial, std::size_t Leading>
void random_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const auto inputs = apool_test::all_layouts();
    const auto writable = apool_test::writable_layouts();
    const std::ptrdiff_t largest_spatial = Spatial == 1 ? 40 : Spatial == 2 ? 14 : 6;
    for (int k = 0; k < count; ++k) {
        std::array<std::ptrdiff_t, Rank> in_extents{}, out_extents{};
        for (std::size_t d = 0; d < Rank; ++d) {
            in_extents[d] = d < Leading ? 1 + static_cast<std::ptrdiff_t>(rng() % 5)
                                        : 1 + static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(largest_spatial));
            out_extents[d] = d < Leading ? in_extents[d] : 1 + static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(in_extents[d] + 3));
        }
        const value_mix mix = static_cast<value_mix>(rng() % 4);
        run_trial<In, Out, Spatial>(in_extents, out_extents, inputs[static_cast<std::size_t>(k) % inputs.size()],
                                    writable[rng() % writable.size()], mix, rng);
    }
}

template <class In, class Out>
void all_ranks(std::uint64_t seed) {
    random_trials<In, Out, 1, 0>(seed + 1, 12);
    random_trials<In, Out, 1, 2>(seed + 2, 20);
    random_trials<In, Out, 2, 1>(seed + 3, 20);
    random_trials<In, Out, 2, 2>(seed + 4, 20);
    random_trials<In, Out, 3, 2>(seed + 5, 16);
}

template <class T>
void check_decoding() {
    std::size_t wrong = 0, nans = 0;
    for (std::uint32_t bits = 0; bits < 65536; ++bits) {
        const T value = T::from_bits(static_cast<std::uint16_t>(bits));
        const double exact = apool_test::naive::value_of(value);
        const float converted = static_cast<float>(value);
        if (std::isnan(exact)) {
            ++nans;
            wrong += std::isnan(converted) ? 0 : 1;
            continue;
        }
        wrong += static_cast<double>(converted) == exact && std::signbit(converted) == std::signbit(exact) ? 0 : 1;
        // Exactly representable: converting back gives the same bits.
        wrong += T(converted).bits() == bits ? 0 : 1;
    }
    CHECK(wrong == 0);
    CHECK(nans == (std::is_same<T, apool::bfloat16>::value ? 2 * 127u : 2 * 1023u));
}

}  // namespace

TEST_CASE("16-bit floats convert to float exactly and back to the same bits", "[element_types]") {
    check_decoding<apool::bfloat16>();
    check_decoding<apool::float16>();
}

TEST_CASE("16-bit floats round from float to nearest, ties to even, as the reference does", "[element_types]") {
    std::mt19937_64 rng(71);
    std::size_t wrong_bf16 = 0, wrong_f16 = 0;
    for (int k = 0; k < 200000; ++k) {
        float value;
        const std::uint32_t bits = static_cast<std::uint32_t>(rng());
        std::memcpy(&value, &bits, sizeof(value));
        if (std::isnan(value)) {
            wrong_bf16 += std::isnan(static_cast<float>(apool::bfloat16(value))) ? 0 : 1;
            wrong_f16 += std::isnan(static_cast<float>(apool::float16(value))) ? 0 : 1;
            continue;
        }
        // Scale a third of the draws into float16's range, where its rounding happens.
        if (k % 3 == 0) {
            int exponent = 0;
            const float mantissa = std::frexp(value, &exponent);
            value = std::ldexp(mantissa, static_cast<int>(rng() % 44) - 27);
        }
        wrong_bf16 += apool::bfloat16(value).bits() == apool_test::naive::rounded<apool::bfloat16>(value).bits() ? 0 : 1;
        wrong_f16 += apool::float16(value).bits() == apool_test::naive::rounded<apool::float16>(value).bits() ? 0 : 1;
    }
    CHECK(wrong_bf16 == 0);
    CHECK(wrong_f16 == 0);
}

TEST_CASE("16-bit floats and bytes load into float lanes and store from them as the scalar conversions do", "[element_types]") {
    // Random bit patterns (NaN with payloads included), a third scaled into
    // float16's range, and ties at its rounding boundaries; a vector at a
    // time, with and without a NaN among its lanes.
    constexpr std::ptrdiff_t width = apool::simd::lanes<float>;
    std::mt19937_64 rng(72);
    std::size_t wrong = 0;
    std::vector<float> values(4096);
    for (std::size_t k = 0; k < values.size(); ++k) {
        const std::uint32_t bits = static_cast<std::uint32_t>(rng());
        std::memcpy(&values[k], &bits, sizeof(float));
        if (std::isnan(values[k]) && k % 8 != 0) values[k] = 1.0f;  // most vectors without NaN
        int exponent = 0;
        if (k % 3 == 0) values[k] = std::ldexp(std::frexp(values[k], &exponent), static_cast<int>(rng() % 44) - 27);
        if (k % 5 == 0) values[k] = static_cast<float>(1 + rng() % 2048) + 0.5f;  // ties for float16 near 2^11
    }
    auto check = [&](auto type) {
        using T = decltype(type);
        std::vector<T> stored(static_cast<std::size_t>(width)), halves(static_cast<std::size_t>(width));
        for (std::size_t first = 0; first + static_cast<std::size_t>(width) <= values.size(); first += static_cast<std::size_t>(width)) {
            apool::simd::store_narrowed(stored.data(), apool::simd::load(values.data() + first));
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
                const T expected(values[first + static_cast<std::size_t>(lane)]);
                wrong += stored[static_cast<std::size_t>(lane)].bits() == expected.bits() ? 0 : 1;
                halves[static_cast<std::size_t>(lane)] = expected;
            }
            alignas(64) float widened[64];
            apool::simd::store(widened, apool::simd::load_widened(halves.data()));
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
                const float exact = static_cast<float>(halves[static_cast<std::size_t>(lane)]);
                wrong += std::memcmp(&widened[lane], &exact, sizeof(float)) == 0 || (std::isnan(exact) && std::isnan(widened[lane])) ? 0 : 1;
            }
        }
    };
    check(apool::bfloat16{});
    check(apool::float16{});
    // Bytes: averages of byte values (ties at halves among them) and the values themselves.
    auto check_bytes = [&](auto type, double low, double high) {
        using T = decltype(type);
        std::uniform_real_distribution<double> in_range(low, high);
        std::vector<float> averages(1024);
        for (std::size_t k = 0; k < averages.size(); ++k) {
            const double value = in_range(rng);
            averages[k] = static_cast<float>(k % 3 == 0 ? std::floor(value) + 0.5 : k % 3 == 1 ? std::round(value) : value);
        }
        std::vector<T> stored(static_cast<std::size_t>(width));
        for (std::size_t first = 0; first + static_cast<std::size_t>(width) <= averages.size(); first += static_cast<std::size_t>(width)) {
            apool::simd::store_narrowed(stored.data(), apool::simd::load(averages.data() + first));
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
                const float value = averages[first + static_cast<std::size_t>(lane)];
                wrong += stored[static_cast<std::size_t>(lane)] == static_cast<T>(apool::detail::round_to_nearest_even(value)) ? 0 : 1;
            }
        }
    };
    check_bytes(std::uint8_t{}, 0.0, 254.9);
    check_bytes(std::int8_t{}, -127.9, 126.9);
    CHECK(wrong == 0);
}

TEST_CASE("forward pooling of 16-bit floats equals the naive reference", "[element_types][forward][reference]") {
    all_ranks<apool::bfloat16, apool::bfloat16>(100);
    all_ranks<apool::float16, apool::float16>(200);
    all_ranks<apool::bfloat16, float>(300);
    all_ranks<apool::float16, double>(400);
}

TEST_CASE("16-bit floats in channels-last memory widen into float lanes as the reference pools them", "[element_types][forward][reference]") {
    // Channel counts around float's lanes on every target: the kernel's
    // register blocks of several vectors, of one vector, and its scalar tail.
    std::mt19937_64 rng(9100);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    const auto layouts = {layout_kind::channels_last, layout_kind::channels_last_padded};
    for (std::ptrdiff_t channels : {width - 1, width, 4 * width + 3, 9 * width + 1}) {
        for (layout_kind in_kind : layouts) {
            const value_mix mix = static_cast<value_mix>(rng() % 4);
            const layout_kind out_kind = rng() % 2 ? layout_kind::contiguous : layout_kind::channels_last;
            run_trial<apool::bfloat16, apool::bfloat16, 2>(std::array<std::ptrdiff_t, 4>{2, channels, 9, 7},
                                                         std::array<std::ptrdiff_t, 4>{2, channels, 4, 3}, in_kind, out_kind, mix, rng);
            run_trial<apool::float16, apool::float16, 2>(std::array<std::ptrdiff_t, 4>{1, channels, 6, 5},
                                                       std::array<std::ptrdiff_t, 4>{1, channels, 7, 2}, in_kind, out_kind, mix, rng);
            run_trial<apool::bfloat16, float, 1>(std::array<std::ptrdiff_t, 3>{2, channels, 11}, std::array<std::ptrdiff_t, 3>{2, channels, 4},
                                                 in_kind, out_kind, mix, rng);
            run_trial<apool::float16, apool::float16, 3>(std::array<std::ptrdiff_t, 5>{1, channels, 3, 4, 5},
                                                       std::array<std::ptrdiff_t, 5>{1, channels, 2, 3, 1}, in_kind, out_kind, mix, rng);
        }
    }
}

TEST_CASE("16-bit floats widen into float lanes in global pooling as the reference pools them", "[element_types][forward][reference]") {
    // Planes of fewer than a vector, of a few vectors (plane_run, whole
    // groups of planes and the planes past them) and of many (span).
    std::mt19937_64 rng(9200);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    for (std::ptrdiff_t plane : {std::ptrdiff_t(3), width + 1, 3 * width, 20 * width + 5}) {
        for (layout_kind in_kind : {layout_kind::contiguous, layout_kind::leading_swapped, layout_kind::sliced}) {
            const value_mix mix = static_cast<value_mix>(rng() % 4);
            const layout_kind out_kind = rng() % 2 ? layout_kind::contiguous : layout_kind::padded;
            run_trial<apool::bfloat16, apool::bfloat16, 1>(std::array<std::ptrdiff_t, 3>{3, 2 * width + 3, plane},
                                                         std::array<std::ptrdiff_t, 3>{3, 2 * width + 3, 1}, in_kind, out_kind, mix, rng);
            run_trial<apool::float16, apool::float16, 2>(std::array<std::ptrdiff_t, 4>{2, width + 2, 1, plane},
                                                       std::array<std::ptrdiff_t, 4>{2, width + 2, 1, 1}, in_kind, out_kind, mix, rng);
            run_trial<apool::bfloat16, float, 2>(std::array<std::ptrdiff_t, 4>{2, width + 2, plane, 1},
                                                 std::array<std::ptrdiff_t, 4>{2, width + 2, 1, 1}, in_kind, out_kind, mix, rng);
        }
    }
}

TEST_CASE("16-bit floats widen into float tiles of small planes as the reference pools them", "[element_types][forward][reference]") {
    // Groups of float's lanes of planes and a partial last group; planes of
    // one vector up to the tile's capacity; outputs smaller and larger.
    std::mt19937_64 rng(9300);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    const std::ptrdiff_t planes = 2 * width + 3;
    for (layout_kind in_kind : {layout_kind::contiguous, layout_kind::leading_swapped, layout_kind::outer_reversed}) {
        const value_mix mix = static_cast<value_mix>(rng() % 4);
        const layout_kind out_kind = rng() % 2 ? layout_kind::contiguous : layout_kind::sliced;
        run_trial<apool::bfloat16, apool::bfloat16, 2>(std::array<std::ptrdiff_t, 4>{1, planes, 14, 14}, std::array<std::ptrdiff_t, 4>{1, planes, 7, 7},
                                                     in_kind, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 2>(std::array<std::ptrdiff_t, 4>{planes, 1, 13, 13}, std::array<std::ptrdiff_t, 4>{planes, 1, 4, 4},
                                                   in_kind, out_kind, mix, rng);
        run_trial<apool::bfloat16, float, 1>(std::array<std::ptrdiff_t, 3>{2, planes, width + 3}, std::array<std::ptrdiff_t, 3>{2, planes, width + 5},
                                             in_kind, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 3>(std::array<std::ptrdiff_t, 5>{1, planes, 2, 3, width},
                                                   std::array<std::ptrdiff_t, 5>{1, planes, 1, 2, 3}, in_kind, out_kind, mix, rng);
    }
}

TEST_CASE("16-bit floats widen into float lanes in the rows kernel as the reference pools them", "[element_types][forward][reference]") {
    // Rows of under a vector to several buffers long; windows narrower than
    // a vector, wider, and wider than the row buffer; windows of one size.
    std::mt19937_64 rng(9400);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    const std::ptrdiff_t wide = APOOL_ROW_BUFFER_ELEMENTS + 37;
    for (layout_kind in_kind : {layout_kind::contiguous, layout_kind::padded, layout_kind::sliced}) {
        const value_mix mix = static_cast<value_mix>(rng() % 4);
        const layout_kind out_kind = rng() % 2 ? layout_kind::contiguous : layout_kind::stepped;
        run_trial<apool::bfloat16, apool::bfloat16, 2>(std::array<std::ptrdiff_t, 4>{1, 3, 23, 5 * width + 3},
                                                     std::array<std::ptrdiff_t, 4>{1, 3, 7, 9}, in_kind, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 2>(std::array<std::ptrdiff_t, 4>{2, 1, 4, width - 1}, std::array<std::ptrdiff_t, 4>{2, 1, 3, 2},
                                                   in_kind, out_kind, mix, rng);
        run_trial<apool::bfloat16, float, 1>(std::array<std::ptrdiff_t, 3>{1, 2, 3 * wide}, std::array<std::ptrdiff_t, 3>{1, 2, 2},
                                             in_kind, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 3>(std::array<std::ptrdiff_t, 5>{1, 2, 3, 4, 3 * width + 1},
                                                   std::array<std::ptrdiff_t, 5>{1, 2, 2, 3, 3 * width + 4}, in_kind, out_kind, mix, rng);
        // Windows of 2, 3 and 4 positions along every row: groups of outputs by
        // lane permutes, rounded a group at a time where the outputs are dense.
        run_trial<apool::bfloat16, apool::bfloat16, 2>(std::array<std::ptrdiff_t, 4>{1, 3, 6, 6 * width + 2},
                                                     std::array<std::ptrdiff_t, 4>{1, 3, 3, 3 * width + 1}, in_kind, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 1>(std::array<std::ptrdiff_t, 3>{2, 2, 6 * width + 3}, std::array<std::ptrdiff_t, 3>{2, 2, 2 * width + 1},
                                                   in_kind, out_kind, mix, rng);
        run_trial<std::uint8_t, std::uint8_t, 2>(std::array<std::ptrdiff_t, 4>{1, 2, 4, 4 * width + 4},
                                                 std::array<std::ptrdiff_t, 4>{1, 2, 2, width + 1}, in_kind, out_kind, mix, rng);
        run_trial<std::int8_t, float, 1>(std::array<std::ptrdiff_t, 3>{1, 3, 6 * width + 10}, std::array<std::ptrdiff_t, 3>{1, 3, 3 * width + 5},
                                         in_kind, out_kind, mix, rng);
    }
}

TEST_CASE("HWC rows of 16-bit floats and bytes widen into float lanes as the reference pools them", "[element_types][forward][reference]") {
    // Interleaved channels, with windows of one size along the row (the
    // lane-permute groups) and of two sizes.
    std::mt19937_64 rng(9500);
    for (layout_kind out_kind : {layout_kind::channels_last, layout_kind::contiguous}) {
        const value_mix mix = static_cast<value_mix>(rng() % 4);
        run_trial<std::uint8_t, std::uint8_t, 2>(std::array<std::ptrdiff_t, 4>{1, 3, 8, 96}, std::array<std::ptrdiff_t, 4>{1, 3, 4, 48},
                                                 layout_kind::channels_last, out_kind, mix, rng);
        run_trial<std::uint8_t, std::uint8_t, 2>(std::array<std::ptrdiff_t, 4>{2, 4, 9, 75}, std::array<std::ptrdiff_t, 4>{2, 4, 3, 15},
                                                 layout_kind::channels_last, out_kind, mix, rng);
        run_trial<apool::bfloat16, float, 2>(std::array<std::ptrdiff_t, 4>{1, 2, 6, 60}, std::array<std::ptrdiff_t, 4>{1, 2, 3, 20},
                                             layout_kind::channels_last, out_kind, mix, rng);
        run_trial<apool::float16, apool::float16, 2>(std::array<std::ptrdiff_t, 4>{1, 3, 5, 61}, std::array<std::ptrdiff_t, 4>{1, 3, 2, 7},
                                                   layout_kind::channels_last, out_kind, mix, rng);
    }
}

TEST_CASE("forward pooling of 8-bit integers equals the naive reference", "[element_types][forward][reference]") {
    all_ranks<std::uint8_t, std::uint8_t>(500);
    all_ranks<std::int8_t, std::int8_t>(600);
    all_ranks<std::uint8_t, float>(700);
    all_ranks<std::int8_t, double>(800);
}

TEST_CASE("float pools into double", "[element_types][forward][reference]") { all_ranks<float, double>(900); }

TEST_CASE("an 8-bit average never overflows: a window of 2^25 elements", "[element_types][forward][large]") {
    constexpr std::ptrdiff_t count = std::ptrdiff_t(1) << 25;
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(count), 255);
    std::uint8_t average = 0;
    float widened = 0;
    apool::adaptive_avg_pool1d(apool::strided_view<const std::uint8_t, 1>(bytes.data(), {count}),
                               apool::strided_view<std::uint8_t, 1>(&average, {1}));
    apool::adaptive_avg_pool1d(apool::strided_view<const std::uint8_t, 1>(bytes.data(), {count}),
                               apool::strided_view<float, 1>(&widened, {1}));
    CHECK(average == bytes[0]);
    CHECK(widened == static_cast<float>(bytes[0]));
    std::vector<std::int8_t> signed_bytes(static_cast<std::size_t>(count), std::numeric_limits<std::int8_t>::lowest());
    std::int8_t signed_average = 0;
    apool::adaptive_avg_pool1d(apool::strided_view<const std::int8_t, 1>(signed_bytes.data(), {count}),
                               apool::strided_view<std::int8_t, 1>(&signed_average, {1}));
    CHECK(signed_average == signed_bytes[0]);
}

TEST_CASE("an 8-bit average rounds halves to even", "[element_types][forward]") {
    // Windows of two: every sum from -256 to 254 (int8) and 0 to 510 (uint8),
    // half of them odd (a tie), against the reference.
    std::vector<std::int8_t> pairs;
    for (int first = -128; first <= 127; ++first) {
        pairs.push_back(static_cast<std::int8_t>(first));
        pairs.push_back(static_cast<std::int8_t>(first == 127 ? 126 : first + 1));
        pairs.push_back(static_cast<std::int8_t>(first));
        pairs.push_back(static_cast<std::int8_t>(first));
    }
    const std::ptrdiff_t windows = static_cast<std::ptrdiff_t>(pairs.size() / 2);
    const apool::strided_view<const std::int8_t, 1> input(pairs.data(), {2 * windows});
    std::vector<std::int8_t> got(static_cast<std::size_t>(windows)), want(static_cast<std::size_t>(windows));
    apool::adaptive_avg_pool1d(input, apool::strided_view<std::int8_t, 1>(got.data(), {windows}));
    apool_test::naive::adaptive_avg_pool<1>(input, apool::strided_view<std::int8_t, 1>(want.data(), {windows}));
    CHECK(got == want);
    std::vector<std::uint8_t> unsigned_pairs(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) unsigned_pairs[i] = static_cast<std::uint8_t>(pairs[i] + 128);
    const apool::strided_view<const std::uint8_t, 1> unsigned_input(unsigned_pairs.data(), {2 * windows});
    std::vector<std::uint8_t> unsigned_got(got.size()), unsigned_want(got.size());
    apool::adaptive_avg_pool1d(unsigned_input, apool::strided_view<std::uint8_t, 1>(unsigned_got.data(), {windows}));
    apool_test::naive::adaptive_avg_pool<1>(unsigned_input, apool::strided_view<std::uint8_t, 1>(unsigned_want.data(), {windows}));
    CHECK(unsigned_got == unsigned_want);
}

namespace {

/// A 16-bit gradient against the reference's: apool sums in float, the
/// reference in double, so an element may round to the neighbouring value.
template <class T>
bool gradient_matches(T got, T expected) {
    return average_matches(got, expected, apool_test::naive::window_magnitude{1, 0.0});
}

template <class T, std::size_t Spatial, std::size_t Leading>
void backward_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const auto writable = apool_test::writable_layouts();
    const std::ptrdiff_t largest_spatial = Spatial == 1 ? 40 : Spatial == 2 ? 12 : 5;
    for (int k = 0; k < count; ++k) {
        std::array<std::ptrdiff_t, Rank> in_extents{}, out_extents{};
        for (std::size_t d = 0; d < Rank; ++d) {
            in_extents[d] = d < Leading ? 1 + static_cast<std::ptrdiff_t>(rng() % 4)
                                        : 1 + static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(largest_spatial));
            out_extents[d] = d < Leading ? in_extents[d] : 1 + static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(in_extents[d] + 3));
        }
        const layout_kind in_kind = writable[rng() % writable.size()], out_kind = writable[rng() % writable.size()];
        const bool accumulate = k % 2 == 1;
        INFO(type_name<T>() << " backward, spatial " << Spatial << ", rank " << Rank << ", layouts " << apool_test::layout_name(out_kind)
                            << "/" << apool_test::layout_name(in_kind) << (accumulate ? ", accumulate" : ", overwrite"));
        std::vector<T> input(count_of(in_extents)), grad_output(count_of(out_extents)), start(input.size());
        for (T& value : input) value = random_value<T>(rng, value_mix::ties);
        for (T& value : grad_output) value = random_value<T>(rng, value_mix::spread);
        for (T& value : start) value = random_value<T>(rng, value_mix::spread);
        // The forward's indices, where ties make several outputs share one.
        std::vector<T> pooled(grad_output.size());
        std::vector<std::int64_t> indices(grad_output.size());
        apool::adaptive_max_pool<Spatial>(apool::strided_view<const T, Rank>(input.data(), in_extents),
                                          apool::strided_view<T, Rank>(pooled.data(), out_extents),
                                          apool::strided_view<std::int64_t, Rank>(indices.data(), out_extents));
        auto grads = apool_test::lay_out(out_kind, Spatial, out_extents, grad_output, padding<T>());
        if (!grads) grads = apool_test::lay_out(layout_kind::contiguous, Spatial, out_extents, grad_output, padding<T>());
        const apool::strided_view<const T, Rank> reference_grads(grad_output.data(), out_extents);
        const apool::gradient_update update = accumulate ? apool::gradient_update::accumulate : apool::gradient_update::overwrite;
        auto fresh_input = [&] {
            auto laid = apool_test::lay_out(in_kind, Spatial, in_extents, start, padding<T>());
            return laid ? std::move(laid) : apool_test::lay_out(layout_kind::contiguous, Spatial, in_extents, start, padding<T>());
        };
        auto compare = [&](const char* what, const std::vector<T>& got, const std::vector<T>& want) {
            return apool_test::mismatches(what, got, want, [](std::size_t, T a, T b) { return gradient_matches(a, b); });
        };

        auto avg_grad = fresh_input();
        std::vector<T> expected_avg = start;
        apool::adaptive_avg_pool_backward<Spatial>(grads->const_view(), avg_grad->view(), update);
        apool_test::naive::adaptive_avg_pool_backward<Spatial>(reference_grads, apool::strided_view<T, Rank>(expected_avg.data(), in_extents),
                                                               accumulate);
        CHECK(compare("avg gradient", avg_grad->logical(), expected_avg) == "");
        CHECK(avg_grad->padding_untouched());

        auto max_grad = fresh_input();
        std::vector<T> expected_max = start;
        const apool::strided_view<const std::int64_t, Rank> index_view(indices.data(), out_extents);
        apool::adaptive_max_pool_backward<Spatial>(apool::strided_view<const T, Rank>(grad_output.data(), out_extents), index_view,
                                                   max_grad->view(), update);
        apool_test::naive::adaptive_max_pool_backward<Spatial>(reference_grads, index_view,
                                                               apool::strided_view<T, Rank>(expected_max.data(), in_extents), accumulate);
        CHECK(compare("max gradient", max_grad->logical(), expected_max) == "");
        CHECK(max_grad->padding_untouched());
    }
}

template <class T>
void backward_all_ranks(std::uint64_t seed) {
    backward_trials<T, 1, 0>(seed + 1, 12);
    backward_trials<T, 1, 2>(seed + 2, 16);
    backward_trials<T, 2, 1>(seed + 3, 16);
    backward_trials<T, 2, 2>(seed + 4, 16);
    backward_trials<T, 3, 1>(seed + 5, 12);
}

}  // namespace

TEST_CASE("gradients of 16-bit floats equal the naive reference, each element rounded once", "[element_types][backward][reference]") {
    backward_all_ranks<apool::bfloat16>(1000);
    backward_all_ranks<apool::float16>(1100);
}

TEST_CASE("a 16-bit max gradient sums a plane larger than its float buffer", "[element_types][backward]") {
    // 3000 elements: the sums run in three chunks of the row buffer's size.
    const std::ptrdiff_t in = 3000, out = 7;
    std::vector<apool::bfloat16> input(static_cast<std::size_t>(in)), grads(static_cast<std::size_t>(out)), got(input.size()),
        want(input.size());
    for (std::ptrdiff_t i = 0; i < in; ++i) input[static_cast<std::size_t>(i)] = apool_test::naive::rounded<apool::bfloat16>(double((i * 7919) % 1000));
    for (std::ptrdiff_t o = 0; o < out; ++o) grads[static_cast<std::size_t>(o)] = apool_test::naive::rounded<apool::bfloat16>(0.5 + double(o));
    std::vector<apool::bfloat16> pooled(grads.size());
    std::vector<std::int64_t> indices(grads.size());
    apool::adaptive_max_pool1d(apool::strided_view<const apool::bfloat16, 1>(input.data(), {in}),
                               apool::strided_view<apool::bfloat16, 1>(pooled.data(), {out}),
                               apool::strided_view<std::int64_t, 1>(indices.data(), {out}));
    const apool::strided_view<const apool::bfloat16, 1> grad_view(grads.data(), {out});
    const apool::strided_view<const std::int64_t, 1> index_view(indices.data(), {out});
    apool::adaptive_max_pool1d_backward(grad_view, index_view, apool::strided_view<apool::bfloat16, 1>(got.data(), {in}));
    apool_test::naive::adaptive_max_pool_backward<1>(grad_view, index_view, apool::strided_view<apool::bfloat16, 1>(want.data(), {in}));
    CHECK(apool_test::bit_mismatches("max gradient", got, want) == "");
}

TEST_CASE("long rows are staged a piece of whole window periods at a time", "[element_types][forward][reference]") {
    // 2400 -> 224: windows repeat every 75 inputs and 7 outputs; 2500 -> 100
    // every 25 and 1; 5003 -> 117 never (no stage takes it; the rows kernel
    // does, widening as it loads). Each trial also forces staged_rows where it
    // is legal.
    std::mt19937_64 rng(77);
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::padded}) {
        run_trial<std::uint8_t, std::uint8_t, 2>(std::array<std::ptrdiff_t, 4>{1, 3, 5, 2400}, std::array<std::ptrdiff_t, 4>{1, 3, 2, 224}, kind,
                                                 kind, value_mix::ties, rng);
        run_trial<apool::bfloat16, apool::bfloat16, 2>(std::array<std::ptrdiff_t, 4>{2, 2, 9, 2500}, std::array<std::ptrdiff_t, 4>{2, 2, 3, 100},
                                                       kind, kind, value_mix::spread, rng);
        run_trial<apool::float16, float, 1>(std::array<std::ptrdiff_t, 2>{3, 5003}, std::array<std::ptrdiff_t, 2>{3, 117}, kind, kind,
                                            value_mix::specials, rng);
    }
}

namespace {

using extents4 = std::array<std::ptrdiff_t, 4>;

/// Strides of N x C x H x W extents laid out channels-last (N, H, W, C in memory) or not.
extents4 image_strides(const extents4& e, bool channels_last) {
    if (!channels_last) return apool::row_major_strides(e);
    return {e[1] * e[2] * e[3], 1, e[3] * e[1], e[1]};
}

/// Bytes of one of three kinds: uniform random, the two ends of the range
/// (the largest sums), or two neighbouring values (many sums a half from a
/// whole number: ties).
template <class T>
T image_byte(std::mt19937_64& rng, int kind) {
    const int low = std::numeric_limits<T>::min(), high = std::numeric_limits<T>::max();
    switch (kind) {
        case 1: return static_cast<T>(rng() % 2 ? high : rng() % 3 ? high - 1 : low);
        case 2: return static_cast<T>(rng() % 2 ? 6 : 7);
        default: return static_cast<T>(low + static_cast<int>(rng() % 256));
    }
}

/// An N x H x W x C byte image pooled by the byte_rows kernel, forced through
/// the plan: the whole call at once, and split into tasks run last to first
/// and on a thread pool, against the naive reference and the staged_rows
/// kernel (where legal), byte for byte. The output is channels-last too, or
/// NCHW.
template <class In, class Out>
void check_byte_rows(const extents4& in_extents, std::ptrdiff_t out_height, std::ptrdiff_t out_width, bool channels_last_out,
                     std::uint64_t seed) {
    INFO(type_name<In>() << " into " << type_name<Out>() << ", " << in_extents[0] << "x" << in_extents[1] << "x" << in_extents[2] << "x"
                         << in_extents[3] << " to " << out_height << "x" << out_width << (channels_last_out ? ", channels-last" : ", NCHW")
                         << " output, seed " << seed);
    using average = apool::detail::average_policy<In, Out>;
    using kernel = apool::detail::forward_kernel;
    const extents4 out_extents{in_extents[0], in_extents[1], out_height, out_width};
    const extents4 in_strides = image_strides(in_extents, true), out_strides = image_strides(out_extents, channels_last_out);
    std::mt19937_64 rng(seed);
    std::vector<In> logical(count_of(in_extents)), pixels(count_of(in_extents));
    const int kind = static_cast<int>(seed % 3);
    for (In& value : logical) value = image_byte<In>(rng, kind);
    // The logical (NCHW) values at their channels-last places.
    std::size_t next = 0;
    for (std::ptrdiff_t n = 0; n < in_extents[0]; ++n)
        for (std::ptrdiff_t c = 0; c < in_extents[1]; ++c)
            for (std::ptrdiff_t y = 0; y < in_extents[2]; ++y)
                for (std::ptrdiff_t x = 0; x < in_extents[3]; ++x)
                    pixels[static_cast<std::size_t>(n * in_strides[0] + c * in_strides[1] + y * in_strides[2] + x * in_strides[3])] = logical[next++];
    const apool::strided_view<const In, 4> input(pixels.data(), in_extents, in_strides);

    const std::size_t outputs = count_of(out_extents);
    std::vector<Out> expected(outputs);
    apool_test::naive::adaptive_avg_pool<2>(apool::strided_view<const In, 4>(logical.data(), in_extents),
                                            apool::strided_view<Out, 4>(expected.data(), out_extents));
    // The outputs in logical order.
    auto logical_of = [&](const std::vector<Out>& laid) {
        std::vector<Out> values;
        for (std::ptrdiff_t n = 0; n < out_extents[0]; ++n)
            for (std::ptrdiff_t c = 0; c < out_extents[1]; ++c)
                for (std::ptrdiff_t y = 0; y < out_extents[2]; ++y)
                    for (std::ptrdiff_t x = 0; x < out_extents[3]; ++x)
                        values.push_back(laid[static_cast<std::size_t>(n * out_strides[0] + c * out_strides[1] + y * out_strides[2] +
                                                                       x * out_strides[3])]);
        return values;
    };
    auto run = [&](kernel wanted, bool with_executor, auto&& executor) {
        std::vector<Out> laid(outputs, apool_test::naive::rounded<Out>(77.0));
        const apool::strided_view<Out, 4> output(laid.data(), out_extents, out_strides);
        const auto plan = apool::detail::plan_forward<average, 2>(input, output, out_strides, false, wanted, with_executor);
        auto run_items = [&](std::ptrdiff_t first, std::ptrdiff_t last) {
            apool::detail::run_forward<average>(plan, input.data(), output.data(), static_cast<std::int64_t*>(nullptr), first, last);
        };
        if (plan.kernel == kernel::none) {
            apool::adaptive_avg_pool2d(input, output);
        } else {
            apool::detail::run_tasks(executor, plan.split.tasks, plan.items, run_items);
        }
        return std::make_pair(plan, logical_of(laid));
    };
    apool::detail::no_executor inline_call;
    const auto whole = run(kernel::byte_rows, false, inline_call);
    REQUIRE(std::string(apool::detail::kernel_name(whole.first.kernel)) == "byte_rows");
    CHECK(whole.second == expected);
    CHECK(run(kernel::staged_rows, false, inline_call).second == whole.second);
    const auto reversed = run(kernel::byte_rows, true, apool_test::reverse_order{});
    CHECK(reversed.second == whole.second);
    CHECK(run(kernel::byte_rows, true, apool_test::pool_of(2)).second == whole.second);
    if (count_of(in_extents) >= static_cast<std::size_t>(APOOL_PARALLEL_FROM_ELEMENTS)) CHECK(reversed.first.split.tasks >= 16);
}

/// check_byte_rows for the four pairs of byte_rows: uint8 and int8 into their own type and into float.
void check_byte_rows_pairs(const extents4& in_extents, std::ptrdiff_t out_height, std::ptrdiff_t out_width, bool channels_last_out,
                           std::uint64_t seed) {
    check_byte_rows<std::uint8_t, std::uint8_t>(in_extents, out_height, out_width, channels_last_out, seed);
    check_byte_rows<std::int8_t, std::int8_t>(in_extents, out_height, out_width, channels_last_out, seed + 1);
    check_byte_rows<std::uint8_t, float>(in_extents, out_height, out_width, channels_last_out, seed + 2);
    check_byte_rows<std::int8_t, float>(in_extents, out_height, out_width, channels_last_out, seed + 3);
}

}  // namespace

TEST_CASE("byte_rows pools HWC bytes as the reference and the staged kernels do", "[element_types][forward][reference][byte_rows]") {
    std::uint64_t seed = 900;
    for (std::ptrdiff_t channels = 1; channels <= 4; ++channels) {
        for (bool channels_last_out : {true, false}) {
            SECTION("by 2, by 5, to sizes that do not divide, larger, and to one output; " + std::to_string(channels) + " channels" +
                    (channels_last_out ? "" : ", NCHW output")) {
                check_byte_rows_pairs({1, channels, 20, 30}, 10, 15, channels_last_out, seed += 4);
                check_byte_rows_pairs({2, channels, 25, 35}, 5, 7, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 37, 53}, 7, 11, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 5, 7}, 12, 17, channels_last_out, seed += 4);
                check_byte_rows_pairs({3, channels, 9, 13}, 1, 1, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 12, 1}, 1, 1, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 1, 40}, 1, 13, channels_last_out, seed += 4);
                // Rows longer than the kernel's buffer: several pieces a row.
                check_byte_rows_pairs({1, channels, 6, 1000}, 3, 500, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 7, 999}, 2, 333, channels_last_out, seed += 4);
                check_byte_rows_pairs({1, channels, 4, 1030}, 2, 147, channels_last_out, seed += 4);
            }
        }
    }
    SECTION("calls large enough to split into tasks: spatial parts at batch 1") {
        check_byte_rows_pairs({1, 3, 320, 300}, 160, 150, true, seed += 4);
        check_byte_rows_pairs({1, 3, 320, 300}, 64, 60, true, seed += 4);
        check_byte_rows_pairs({1, 3, 320, 300}, 37, 41, false, seed += 4);
        check_byte_rows_pairs({2, 4, 180, 200}, 36, 40, true, seed += 4);
        check_byte_rows_pairs({1, 1, 600, 500}, 224, 224, true, seed += 4);
    }
}

TEST_CASE("byte_rows rounds every sum of up to 257 bytes as divide_to_nearest_even does", "[element_types][byte_rows]") {
    // Every count, every sum: the one-count rounding (a float product with the
    // reciprocal) and the count-per-sum rounding (a float quotient).
    std::size_t wrong_product = 0, wrong_quotient = 0;
    std::vector<std::uint16_t> sums, counts;
    std::vector<std::uint8_t> by_product, by_quotient;
    for (std::int32_t count = 1; count <= apool::detail::byte_rows_largest_window; ++count) {
        sums.resize(static_cast<std::size_t>(255 * count + 1));
        for (std::size_t s = 0; s < sums.size(); ++s) sums[s] = static_cast<std::uint16_t>(s);
        counts.assign(sums.size(), static_cast<std::uint16_t>(count));
        by_product.resize(sums.size());
        by_quotient.resize(sums.size());
        const auto size = static_cast<std::ptrdiff_t>(sums.size());
        apool::detail::round_byte_averages(sums.data(), size, count, 0, by_product.data());
        apool::detail::round_byte_averages(sums.data(), counts.data(), size, 0, by_quotient.data());
        for (std::size_t s = 0; s < sums.size(); ++s) {
            const auto want = static_cast<std::uint8_t>(apool::detail::divide_to_nearest_even(static_cast<std::int64_t>(s), count));
            wrong_product += by_product[s] == want ? 0 : 1;
            wrong_quotient += by_quotient[s] == want ? 0 : 1;
        }
    }
    CHECK(wrong_product == 0);
    CHECK(wrong_quotient == 0);
}

TEST_CASE("byte_rows is legal for the byte average alone, with windows of at most 257 positions", "[element_types][plan][byte_rows]") {
    using apool::detail::average_policy;
    using apool::detail::maximum_policy;
    using kernel = apool::detail::forward_kernel;
    auto planned = [](const extents4& in_extents, std::ptrdiff_t out_height, std::ptrdiff_t out_width, auto policy, auto element,
                      auto result) {
        using In = decltype(element);
        using Out = decltype(result);
        const extents4 out_extents{in_extents[0], in_extents[1], out_height, out_width};
        const apool::strided_view<const In, 4> in(nullptr, in_extents, image_strides(in_extents, true));
        const apool::strided_view<Out, 4> out(nullptr, out_extents);
        return apool::detail::plan_forward<decltype(policy), 2>(in, out, out.strides(), false, kernel::byte_rows).kernel;
    };
    const extents4 image{1, 3, 60, 80};
    CHECK(planned(image, 30, 40, average_policy<std::uint8_t, std::uint8_t>{}, std::uint8_t{}, std::uint8_t{}) == kernel::byte_rows);
    CHECK(planned(image, 30, 40, average_policy<std::int8_t, float>{}, std::int8_t{}, float{}) == kernel::byte_rows);
    CHECK(planned(image, 30, 40, average_policy<std::uint8_t, double>{}, std::uint8_t{}, double{}) == kernel::none);
    CHECK(planned(image, 30, 40, maximum_policy<std::uint8_t, std::uint8_t>{}, std::uint8_t{}, std::uint8_t{}) == kernel::none);
    CHECK(planned(image, 30, 40, average_policy<apool::bfloat16, apool::bfloat16>{}, apool::bfloat16{}, apool::bfloat16{}) == kernel::none);
    // The widest windows the extents allow: 16 x 17 and 17 x 17 positions do not fit 16 bits, 15 x 17 do.
    CHECK(planned(image, 4, 5, average_policy<std::uint8_t, std::uint8_t>{}, std::uint8_t{}, std::uint8_t{}) == kernel::none);
    CHECK(planned(extents4{1, 3, 14, 16}, 1, 1, average_policy<std::uint8_t, std::uint8_t>{}, std::uint8_t{}, std::uint8_t{}) == kernel::byte_rows);
    CHECK(planned(extents4{1, 3, 16, 16}, 1, 1, average_policy<std::uint8_t, std::uint8_t>{}, std::uint8_t{}, std::uint8_t{}) == kernel::none);
}

namespace {

template <class Reduction, std::size_t Spatial, class In, class Out, std::size_t Rank>
const char* planned_kernel(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& in_strides,
                           const std::array<std::ptrdiff_t, Rank>& out_extents) {
    const apool::strided_view<const In, Rank> in(nullptr, in_extents, in_strides);
    const apool::strided_view<Out, Rank> out(nullptr, out_extents);
    return apool::detail::kernel_name(apool::detail::plan_forward<Reduction, Spatial>(in, out, out.strides(), Reduction::tracks_index).kernel);
}

}  // namespace

TEST_CASE("the plan of the element types: float lanes, byte rows, staged planes and rows, generic", "[element_types][plan]") {
    using apool::detail::average_policy;
    using apool::detail::maximum_policy;
    using bf16 = apool::bfloat16;
    using std::uint8_t;
    using extents = std::array<std::ptrdiff_t, 4>;
    const extents nchw_14{32, 512, 14, 14}, out_7{32, 512, 7, 7};
    const extents nchw_strides = apool::row_major_strides(nchw_14);
    const extents cl_strides{14 * 14 * 512, 1, 14 * 512, 512};
    // Small NCHW planes: float tiles, widened as they load.
    CHECK(std::string(planned_kernel<average_policy<bf16, bf16>, 2, bf16, bf16>(nchw_14, nchw_strides, out_7)) == "tiles");
    CHECK(std::string(planned_kernel<maximum_policy<apool::float16, float>, 2, apool::float16, float>(nchw_14, nchw_strides, out_7)) == "tiles");
    // Planes beyond the tile with contiguous rows: the rows kernel, widening as it loads.
    const extents nchw_56{32, 256, 56, 56};
    CHECK(std::string(planned_kernel<maximum_policy<bf16, bf16>, 2, bf16, bf16>(nchw_56, apool::row_major_strides(nchw_56), extents{32, 256, 7, 7})) ==
          "rows");
    CHECK(std::string(planned_kernel<maximum_policy<uint8_t, float>, 2, uint8_t, float>(nchw_14, nchw_strides, out_7)) == "tiles");
    // Rows that are not contiguous (W-major planes): whole planes staged.
    const extents w_major{14 * 14 * 512, 14 * 14, 1, 14};
    CHECK(std::string(planned_kernel<average_policy<bf16, bf16>, 2, bf16, bf16>(nchw_14, w_major, out_7)) == "staged");
    // Global pooling: float's global kernels, widening as they load.
    // Planes of 7 x 7 (fewer than 16 vectors on every target): plane_run for
    // the average and the max where the target has lane permutes (AVX2, AVX-512).
    const extents gap_in{32, 2048, 7, 7}, gap_out{32, 2048, 1, 1};
    const extents gap_strides = apool::row_major_strides(gap_in);
    constexpr bool permutes = apool::simd::has_lane_permute<float>;
    CHECK(std::string(planned_kernel<average_policy<bf16, bf16>, 2, bf16, bf16>(gap_in, gap_strides, gap_out)) == (permutes ? "plane_run" : "span"));
    CHECK(std::string(planned_kernel<maximum_policy<bf16, bf16>, 2, bf16, bf16>(gap_in, gap_strides, gap_out)) == (permutes ? "plane_run" : "span"));
    CHECK(std::string(planned_kernel<average_policy<apool::float16, float>, 2, apool::float16, float>(nchw_14, nchw_strides, extents{32, 512, 1, 1})) ==
          (permutes && 14 * 14 < 16 * apool::simd::lanes<float> ? "plane_run" : "span"));
    CHECK(std::string(planned_kernel<average_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(gap_in, gap_strides, gap_out)) ==
          (permutes ? "plane_run" : "span"));
    // A byte average whose windows could sum past float's exact integers
    // (2^24 / 255 elements) takes no float-lanes kernel; the max does.
    const std::array<std::ptrdiff_t, 2> long_plane{2, 70000}, one{2, 1};
    const std::string long_average =
        planned_kernel<average_policy<uint8_t, uint8_t>, 1, uint8_t, uint8_t>(long_plane, apool::row_major_strides(long_plane), one);
    CHECK((long_average != "span" && long_average != "plane_run" && long_average != "rows"));
    CHECK(std::string(planned_kernel<maximum_policy<uint8_t, uint8_t>, 1, uint8_t, uint8_t>(long_plane, apool::row_major_strides(long_plane), one)) ==
          "span");
    CHECK(std::string(planned_kernel<average_policy<uint8_t, uint8_t>, 1, uint8_t, uint8_t>(
              long_plane, apool::row_major_strides(long_plane), std::array<std::ptrdiff_t, 2>{2, 2})) == "rows");
    // Channels-last memory: the channels-last kernel, widening as it loads (from a vector of channels).
    CHECK(std::string(planned_kernel<maximum_policy<bf16, bf16>, 2, bf16, bf16>(nchw_14, cl_strides, out_7)) == "channels_last");
    CHECK(std::string(planned_kernel<average_policy<apool::float16, float>, 2, apool::float16, float>(nchw_14, cl_strides, out_7)) ==
          "channels_last");
    CHECK(std::string(planned_kernel<maximum_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(nchw_14, cl_strides, out_7)) == "channels_last");
    const extents few_channels{32, 3, 14, 14}, few_strides{14 * 14 * 3, 1, 14 * 3, 3};
    CHECK(std::string(planned_kernel<maximum_policy<bf16, bf16>, 2, bf16, bf16>(few_channels, few_strides, extents{32, 3, 7, 7})) ==
          "interleaved_rows");
    // Channels-last with padding between positions: no run of a whole row; the rows under each output row staged.
    const extents padded_positions{14 * 14 * 8, 1, 14 * 8, 8};
    CHECK(std::string(planned_kernel<maximum_policy<bf16, bf16>, 2, bf16, bf16>(few_channels, padded_positions, extents{32, 3, 7, 7})) ==
          "staged_rows");
    // A 1080p HWC image: its rows of interleaved channels, widened as they load.
    const extents image{1, 3, 1080, 1920}, image_strides{1080 * 1920 * 3, 1, 1920 * 3, 3};
    CHECK(std::string(planned_kernel<maximum_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(image, image_strides, extents{1, 3, 540, 960})) ==
          "interleaved_rows");
    CHECK(std::string(planned_kernel<maximum_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(image, image_strides, extents{1, 3, 224, 224})) ==
          "interleaved_rows");
    CHECK(std::string(planned_kernel<average_policy<bf16, bf16>, 2, bf16, bf16>(image, image_strides, extents{1, 3, 224, 224})) ==
          "interleaved_rows");
    // Its average (the bench's images, by 2, by 5, to 224 x 224, and a 512 x 512 photo by 2): byte_rows.
    for (const extents& out : {extents{1, 3, 540, 960}, extents{1, 3, 216, 384}, extents{1, 3, 224, 224}}) {
        CHECK(std::string(planned_kernel<average_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(image, image_strides, out)) == "byte_rows");
        CHECK(std::string(planned_kernel<average_policy<std::int8_t, float>, 2, std::int8_t, float>(image, image_strides, out)) == "byte_rows");
    }
    const extents photo{1, 3, 512, 512}, photo_strides{512 * 512 * 3, 1, 512 * 3, 3};
    CHECK(std::string(planned_kernel<average_policy<uint8_t, uint8_t>, 2, uint8_t, uint8_t>(photo, photo_strides, extents{1, 3, 256, 256})) ==
          "byte_rows");
    // A plane beyond the stage whose windows never repeat within one (5003 -> 117): the rows kernel;
    // double outputs one element at a time.
    const std::array<std::ptrdiff_t, 2> row{3, 5003}, row_out{3, 117};
    CHECK(std::string(planned_kernel<average_policy<bf16, bf16>, 1, bf16, bf16>(row, apool::row_major_strides(row), row_out)) == "rows");
    CHECK(std::string(planned_kernel<maximum_policy<std::int8_t, std::int8_t>, 1, std::int8_t, std::int8_t>(row, apool::row_major_strides(row), row_out)) ==
          "rows");
    CHECK(std::string(planned_kernel<average_policy<bf16, double>, 2, bf16, double>(nchw_14, nchw_strides, out_7)) == "generic");
    // float and double into their own type keep the vector kernels.
    CHECK(std::string(planned_kernel<average_policy<float, float>, 2, float, float>(nchw_14, nchw_strides, out_7)) != "staged");
}

TEST_CASE("empty outputs and gradients of the element types", "[element_types][forward][backward]") {
    // No output element: nothing is written, and no plane is visited. No
    // grad_output element: grad_input is zeroed (overwrite) or kept (accumulate).
    std::vector<apool::bfloat16> input(12, apool::bfloat16(1.0f)), grad_input(12, apool::bfloat16(3.0f));
    std::vector<std::uint8_t> bytes(12, 7);
    apool::bfloat16 no_output[1] = {apool::bfloat16(5.0f)};
    std::uint8_t no_byte_output[1] = {9};
    std::int64_t no_index[1] = {-1};
    apool::adaptive_avg_pool2d(apool::strided_view<const apool::bfloat16, 3>(input.data(), {3, 2, 2}),
                               apool::strided_view<apool::bfloat16, 3>(no_output, {3, 0, 2}));
    apool::adaptive_max_pool2d(apool::strided_view<const std::uint8_t, 3>(bytes.data(), {3, 2, 2}),
                               apool::strided_view<std::uint8_t, 3>(no_byte_output, {3, 2, 0}),
                               apool::strided_view<std::int64_t, 3>(no_index, {3, 2, 0}));
    CHECK(no_output[0].bits() == apool::bfloat16(5.0f).bits());
    CHECK(no_byte_output[0] == 9);
    CHECK(no_index[0] == -1);
    const apool::strided_view<const apool::bfloat16, 3> no_grads(no_output, {3, 0, 2});
    apool::adaptive_avg_pool2d_backward(no_grads, apool::strided_view<apool::bfloat16, 3>(grad_input.data(), {3, 2, 2}),
                                        apool::gradient_update::accumulate);
    CHECK(grad_input[5].bits() == apool::bfloat16(3.0f).bits());
    apool::adaptive_max_pool2d_backward(no_grads, apool::strided_view<const std::int64_t, 3>(no_index, {3, 0, 2}),
                                        apool::strided_view<apool::bfloat16, 3>(grad_input.data(), {3, 2, 2}));
    for (const apool::bfloat16& value : grad_input) CHECK(value.bits() == 0);
}
