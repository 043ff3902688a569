// Forward pooling against the naive reference (tests/naive_reference.hpp) on
// random shapes, values and layouts, and on sweeps that walk every kernel
// (tiled, rows, channels-last, generic; see detail/forward_plan.hpp) through
// its vector bodies and tails: channel counts and row lengths on both sides
// of every multiple of the vector width, and rows longer than the row buffer
// (APOOL_ROW_BUFFER_ELEMENTS). Fixed seeds: a failure reproduces.
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::layout_kind;

enum class value_mix { normal, small_integers, specials, many_nans, mostly_negative_infinity };
constexpr value_mix all_mixes[] = {value_mix::normal, value_mix::small_integers, value_mix::specials, value_mix::many_nans,
                                   value_mix::mostly_negative_infinity};

const char* mix_name(value_mix mix) {
    switch (mix) {
        case value_mix::normal: return "normal";
        case value_mix::small_integers: return "small integers (ties)";
        case value_mix::specials: return "NaN and infinities";
        case value_mix::many_nans: return "many NaNs";
        case value_mix::mostly_negative_infinity: return "mostly -inf";
    }
    return "?";
}

// A NaN with a random sign and nonzero random payload, quiet or signaling.
template <class T>
T random_nan(std::mt19937_64& rng) {
    using word = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    constexpr int mantissa_bits = std::numeric_limits<T>::digits - 1;
    const word mantissa_mask = (word(1) << mantissa_bits) - 1;
    const word exponent = static_cast<word>(~word(0) >> 1) & ~mantissa_mask;
    word mantissa = static_cast<word>(rng()) & mantissa_mask;
    if (mantissa == 0) mantissa = 1;
    const word sign = (rng() & 1) != 0 ? static_cast<word>(~(~word(0) >> 1)) : word(0);
    const word bits = sign | exponent | mantissa;
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
}

template <class T>
std::vector<T> random_values(std::mt19937_64& rng, std::size_t count, value_mix mix) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_int_distribution<int> small(-2, 2);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<T> values(count);
    for (T& value : values) {
        const double pick = unit(rng);
        switch (mix) {
            case value_mix::normal: value = static_cast<T>(normal(rng)); break;
            case value_mix::small_integers: value = static_cast<T>(small(rng)); break;
            case value_mix::specials:
                value = pick < 0.05   ? random_nan<T>(rng)
                        : pick < 0.1  ? std::numeric_limits<T>::infinity()
                        : pick < 0.15 ? -std::numeric_limits<T>::infinity()
                                      : static_cast<T>(normal(rng));
                break;
            case value_mix::many_nans: value = pick < 0.3 ? random_nan<T>(rng) : static_cast<T>(small(rng)); break;
            case value_mix::mostly_negative_infinity:
                value = pick < 0.75  ? -std::numeric_limits<T>::infinity()
                        : pick < 0.8 ? T(-0.0)
                        : pick < 0.85 ? T(0.0)
                                      : static_cast<T>(normal(rng));
                break;
        }
    }
    return values;
}

template <std::size_t Rank>
std::string describe_extents(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::ostringstream text;
    text << "[";
    for (std::size_t d = 0; d < Rank; ++d) text << (d != 0 ? ", " : "") << extents[d];
    text << "]";
    return text.str();
}

template <std::size_t Rank>
std::size_t count_of(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::size_t count = 1;
    for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

/// One problem: shapes, layouts and values, checked against the reference.
template <std::size_t Rank>
struct trial {
    std::array<std::ptrdiff_t, Rank> in_extents{};
    std::array<std::ptrdiff_t, Rank> out_extents{};
    layout_kind input_layout = layout_kind::contiguous;
    layout_kind output_layout = layout_kind::contiguous;
    layout_kind index_layout = layout_kind::contiguous;
    value_mix mix = value_mix::normal;
    bool int32_indices = false;
};

template <class T, std::size_t Spatial, class I, std::size_t Rank>
void run_trial(const trial<Rank>& t, std::mt19937_64& rng) {
    INFO("input " << describe_extents(t.in_extents) << " -> output " << describe_extents(t.out_extents) << ", spatial " << Spatial
                  << ", " << (sizeof(T) == 4 ? "float" : "double") << ", int" << sizeof(I) * 8 << " indices, values "
                  << mix_name(t.mix) << ", layouts in/out/indices " << apool_test::layout_name(t.input_layout) << "/"
                  << apool_test::layout_name(t.output_layout) << "/" << apool_test::layout_name(t.index_layout));
    std::vector<T> logical = random_values<T>(rng, count_of(t.in_extents), t.mix);
    if (t.input_layout == layout_kind::broadcast) logical = apool_test::repeat_first_slice(t.in_extents, logical);
    auto input = apool_test::lay_out(t.input_layout, Spatial, t.in_extents, logical, apool_test::padding_nan<T>());
    if (!input) input = apool_test::lay_out(layout_kind::contiguous, Spatial, t.in_extents, logical, apool_test::padding_nan<T>());
    const apool::strided_view<const T, Rank> reference_input(logical.data(), t.in_extents);

    const std::size_t outputs = count_of(t.out_extents);
    std::vector<T> expected_avg(outputs), expected_max(outputs);
    std::vector<std::int64_t> expected_indices(outputs);
    apool_test::naive::adaptive_avg_pool<Spatial>(reference_input, apool::strided_view<T, Rank>(expected_avg.data(), t.out_extents));
    apool_test::naive::adaptive_max_pool<Spatial>(reference_input, apool::strided_view<T, Rank>(expected_max.data(), t.out_extents),
                                                  apool::strided_view<std::int64_t, Rank>(expected_indices.data(), t.out_extents));
    const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(reference_input, t.out_extents);

    const T output_fill = T(-5555.5);
    const I index_fill = static_cast<I>(-31);
    auto lay_out_written = [&](layout_kind kind, const auto& fill) {
        using V = std::decay_t<decltype(fill)>;
        const std::vector<V> start(outputs, fill);
        auto laid = apool_test::lay_out(kind, Spatial, t.out_extents, start, fill);
        return laid ? std::move(laid) : apool_test::lay_out(layout_kind::contiguous, Spatial, t.out_extents, start, fill);
    };

    auto avg = lay_out_written(t.output_layout, output_fill);
    apool::adaptive_avg_pool<Spatial>(input->const_view(), avg->view());
    CHECK(apool_test::mismatches("avg", avg->logical(), expected_avg,
                                 [&](std::size_t i, T got, T want) { return apool_test::naive::average_close(got, want, magnitudes[i]); }) ==
          "");
    CHECK(avg->padding_untouched());

    auto max = lay_out_written(t.output_layout, output_fill);
    auto indices = lay_out_written(t.index_layout, index_fill);
    apool::adaptive_max_pool<Spatial>(input->const_view(), max->view(), indices->view());
    CHECK(apool_test::bit_mismatches("max", max->logical(), expected_max) == "");
    CHECK(apool_test::index_mismatches(indices->logical(), expected_indices) == "");
    CHECK(max->padding_untouched());
    CHECK(indices->padding_untouched());

    auto values_only = lay_out_written(t.index_layout, output_fill);
    apool::adaptive_max_pool<Spatial>(input->const_view(), values_only->view());
    CHECK(apool_test::bit_mismatches("max without indices", values_only->logical(), expected_max) == "");
    CHECK(values_only->padding_untouched());
}

template <class T, std::size_t Spatial, std::size_t Rank>
void run_trial_any_index(const trial<Rank>& t, std::mt19937_64& rng) {
    if (t.int32_indices) {
        run_trial<T, Spatial, std::int32_t>(t, rng);
    } else {
        run_trial<T, Spatial, std::int64_t>(t, rng);
    }
}

template <class Distribution>
std::ptrdiff_t draw(std::mt19937_64& rng, Distribution distribution) {
    return static_cast<std::ptrdiff_t>(distribution(rng));
}

/// An output size smaller than, equal to, or larger than `in`, in turn.
std::ptrdiff_t output_size_for(std::ptrdiff_t in, std::mt19937_64& rng) {
    switch (rng() % 3) {
        case 0: return draw(rng, std::uniform_int_distribution<std::ptrdiff_t>(1, in));
        case 1: return in;
        default: return in + draw(rng, std::uniform_int_distribution<std::ptrdiff_t>(1, 6));
    }
}

template <class T, std::size_t Spatial, std::size_t Leading>
void random_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const auto inputs = apool_test::all_layouts();
    const auto writable = apool_test::writable_layouts();
    const std::ptrdiff_t largest_spatial = Spatial == 1 ? 40 : Spatial == 2 ? 16 : 7;
    static constexpr std::ptrdiff_t channel_counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65};
    for (int k = 0; k < count; ++k) {
        trial<Rank> t;
        for (std::size_t d = 0; d < Leading; ++d) t.in_extents[d] = draw(rng, std::uniform_int_distribution<std::ptrdiff_t>(1, 3));
        if (Leading > 0) {
            t.in_extents[Leading - 1] = channel_counts[rng() % (sizeof(channel_counts) / sizeof(channel_counts[0]))];
            if (rng() % 25 == 0) t.in_extents[rng() % Leading] = 0;  // no planes at all: nothing may be written
        }
        for (std::size_t d = Leading; d < Rank; ++d) {
            t.in_extents[d] = draw(rng, std::uniform_int_distribution<std::ptrdiff_t>(1, largest_spatial));
        }
        // Keep each trial small: shrink the spatial dims of wide channel stacks.
        while (count_of(t.in_extents) > 3000) {
            for (std::size_t d = Leading; d < Rank; ++d) t.in_extents[d] = (t.in_extents[d] + 1) / 2;
        }
        t.out_extents = t.in_extents;
        for (std::size_t d = Leading; d < Rank; ++d) t.out_extents[d] = output_size_for(t.in_extents[d], rng);
        t.input_layout = inputs[static_cast<std::size_t>(k) % inputs.size()];
        t.output_layout = writable[rng() % writable.size()];
        t.index_layout = writable[rng() % writable.size()];
        t.mix = all_mixes[rng() % 5];
        t.int32_indices = rng() % 2 == 0;
        run_trial_any_index<T, Spatial>(t, rng);
    }
}

template <class T>
void random_trials_all_ranks(std::uint64_t seed) {
    random_trials<T, 1, 0>(seed + 1, 60);
    random_trials<T, 1, 1>(seed + 2, 90);
    random_trials<T, 1, 2>(seed + 3, 90);
    random_trials<T, 2, 0>(seed + 4, 60);
    random_trials<T, 2, 1>(seed + 5, 90);
    random_trials<T, 2, 2>(seed + 6, 90);
    random_trials<T, 3, 0>(seed + 7, 60);
    random_trials<T, 3, 1>(seed + 8, 90);
    random_trials<T, 3, 2>(seed + 9, 90);
}

/// Channels-last inputs with every channel count from 1 to 70: the
/// channels-last kernel's unrolled blocks, single vectors and scalar tail
/// for every vector width up to AVX-512's. Outputs go to channels-last memory
/// (contiguous vector stores) and to NCHW memory (lane-by-lane stores).
template <class T, std::size_t Spatial>
void channel_sweep(std::uint64_t seed) {
    constexpr std::size_t Rank = Spatial + 2;
    std::mt19937_64 rng(seed);
    const std::array<std::ptrdiff_t, 3> in_spatial{5, 4, 3};
    const std::array<std::ptrdiff_t, 3> out_spatial{3, 6, 2};
    for (std::ptrdiff_t channels = 1; channels <= 70; ++channels) {
        trial<Rank> t;
        t.in_extents[0] = 2;
        t.in_extents[1] = channels;
        t.out_extents[0] = 2;
        t.out_extents[1] = channels;
        for (std::size_t d = 0; d < Spatial; ++d) {
            t.in_extents[2 + d] = in_spatial[d];
            t.out_extents[2 + d] = out_spatial[d];
        }
        t.input_layout = channels % 3 == 0 ? layout_kind::channels_last_padded : layout_kind::channels_last;
        t.output_layout = channels % 2 == 0 ? layout_kind::channels_last : layout_kind::contiguous;
        t.index_layout = channels % 2 == 0 ? layout_kind::contiguous : layout_kind::channels_last;
        t.mix = all_mixes[static_cast<std::size_t>(channels) % 5];
        t.int32_indices = channels % 4 == 1;
        run_trial_any_index<T, Spatial>(t, rng);
    }
}

/// Contiguous rows of every length from 1 to 150, one or several rows per
/// window: the row kernel's four-accumulator blocks, single vectors and
/// scalar tails for every vector width, in the single-row span path and the
/// row-buffer path.
template <class T, std::size_t Spatial>
void row_sweep(std::uint64_t seed) {
    constexpr std::size_t Rank = Spatial + 1;
    std::mt19937_64 rng(seed);
    for (std::ptrdiff_t length = 1; length <= 150; ++length) {
        const std::ptrdiff_t outputs[] = {1, 2, 3, (length + 1) / 2, length, length + 3};
        for (std::size_t variant = 0; variant < 6; ++variant) {
            trial<Rank> t;
            t.in_extents[0] = 2;
            t.out_extents[0] = 2;
            for (std::size_t d = 1; d < Spatial; ++d) {
                t.in_extents[d] = 1 + static_cast<std::ptrdiff_t>((variant + d) % 3);
                t.out_extents[d] = 1 + static_cast<std::ptrdiff_t>(variant % 2);
            }
            t.in_extents[Spatial] = length;
            t.out_extents[Spatial] = outputs[variant];
            t.input_layout = variant % 2 == 0 ? layout_kind::contiguous : layout_kind::padded;
            t.output_layout = variant % 3 == 0 ? layout_kind::padded : layout_kind::contiguous;
            t.index_layout = variant % 3 == 1 ? layout_kind::reversed : layout_kind::contiguous;
            t.mix = all_mixes[static_cast<std::size_t>(length + static_cast<std::ptrdiff_t>(variant)) % 5];
            t.int32_indices = variant % 2 == 1;
            run_trial_any_index<T, Spatial>(t, rng);
        }
    }
}

/// Rows longer than the row buffer: chunked windows, windows wider than the
/// buffer (several rows merged by `combine`), and whole planes reduced as one
/// span (dense input, every output extent 1).
template <class T, std::size_t Spatial>
void long_rows(std::uint64_t seed) {
    constexpr std::size_t Rank = Spatial + 1;
    constexpr std::ptrdiff_t buffer = APOOL_ROW_BUFFER_ELEMENTS;
    std::mt19937_64 rng(seed);
    const std::ptrdiff_t lengths[] = {buffer - 1, buffer, buffer + 1, buffer + 76, 2 * buffer + 1, 3 * buffer - 5};
    std::size_t variant = 0;
    for (std::ptrdiff_t length : lengths) {
        const std::ptrdiff_t outputs[] = {1, 2, 3, 7, length / 3, length - 1, length};
        for (std::ptrdiff_t out : outputs) {
            for (std::ptrdiff_t rows : {std::ptrdiff_t{1}, std::ptrdiff_t{3}}) {
                if (Spatial == 1 && rows > 1) continue;
                ++variant;
                trial<Rank> t;
                t.in_extents[0] = 1;
                t.out_extents[0] = 1;
                for (std::size_t d = 1; d < Spatial; ++d) {
                    t.in_extents[d] = d + 1 == Spatial ? rows : 2;
                    t.out_extents[d] = 1 + static_cast<std::ptrdiff_t>(variant % 2);
                }
                t.in_extents[Spatial] = length;
                t.out_extents[Spatial] = out;
                t.input_layout = variant % 3 == 0 ? layout_kind::padded : layout_kind::contiguous;
                t.mix = all_mixes[variant % 5];
                t.int32_indices = variant % 2 == 0;
                run_trial_any_index<T, Spatial>(t, rng);
            }
        }
    }
}

/// Many small dense planes (the tiled kernel, which transposes simd::lanes<T>
/// planes at a time): plane counts on both sides of multiples of the vector
/// width (a partial last group), plane sizes from one vector to the tile's
/// limit and not multiples of the width, dense and strided outputs, global
/// and larger-than-input outputs.
template <class T, std::size_t Spatial>
void tiled_sweep(std::uint64_t seed) {
    constexpr std::size_t Rank = Spatial + 1;
    std::mt19937_64 rng(seed);
    const std::ptrdiff_t plane_counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33};
    // Spatial extents of planes and outputs, the last Spatial entries used.
    const std::array<std::ptrdiff_t, 3> plane_shapes[] = {{1, 1, 4}, {1, 2, 3}, {2, 3, 5}, {1, 7, 7}, {3, 4, 4}, {1, 16, 16}, {1, 32, 32},
                                                          {2, 9, 13}};
    const std::array<std::ptrdiff_t, 3> output_shapes[] = {{1, 1, 1}, {1, 2, 3}, {2, 7, 7}, {1, 3, 9}, {3, 5, 2}};
    std::size_t variant = 0;
    for (std::ptrdiff_t planes : plane_counts) {
        for (const auto& plane_shape : plane_shapes) {
            ++variant;
            trial<Rank> t;
            t.in_extents[0] = t.out_extents[0] = planes;
            const auto& output_shape = output_shapes[variant % 5];
            for (std::size_t d = 0; d < Spatial; ++d) {
                t.in_extents[1 + d] = plane_shape[3 - Spatial + d];
                t.out_extents[1 + d] = output_shape[3 - Spatial + d];
            }
            if (count_of(t.in_extents) > 8000) continue;
            t.input_layout = variant % 4 == 3 ? layout_kind::broadcast : layout_kind::contiguous;
            t.output_layout = variant % 3 == 0 ? layout_kind::padded : layout_kind::contiguous;
            t.index_layout = variant % 5 == 0 ? layout_kind::sliced : layout_kind::contiguous;
            t.mix = all_mixes[variant % 5];
            t.int32_indices = variant % 2 == 0;
            run_trial_any_index<T, Spatial>(t, rng);
        }
    }
}

}  // namespace

TEST_CASE("forward equals the naive reference on random shapes, values and layouts (float)", "[forward][reference]") {
    random_trials_all_ranks<float>(1000);
}

TEST_CASE("forward equals the naive reference on random shapes, values and layouts (double)", "[forward][reference]") {
    random_trials_all_ranks<double>(2000);
}

TEST_CASE("channels-last kernel: every channel count from 1 to 70", "[forward][reference][channels_last]") {
    channel_sweep<float, 1>(3001);
    channel_sweep<float, 2>(3002);
    channel_sweep<float, 3>(3003);
    channel_sweep<double, 1>(3004);
    channel_sweep<double, 2>(3005);
    channel_sweep<double, 3>(3006);
}

TEST_CASE("row kernel: every row length from 1 to 150", "[forward][reference][rows]") {
    row_sweep<float, 1>(4001);
    row_sweep<float, 2>(4002);
    row_sweep<float, 3>(4003);
    row_sweep<double, 1>(4004);
    row_sweep<double, 2>(4005);
    row_sweep<double, 3>(4006);
}

TEST_CASE("row kernel: rows longer than the row buffer", "[forward][reference][rows]") {
    long_rows<float, 1>(5001);
    long_rows<float, 2>(5002);
    long_rows<float, 3>(5003);
    long_rows<double, 1>(5004);
    long_rows<double, 2>(5005);
}

TEST_CASE("tiled kernel: many small dense planes", "[forward][reference][tiled]") {
    tiled_sweep<float, 1>(6001);
    tiled_sweep<float, 2>(6002);
    tiled_sweep<float, 3>(6003);
    tiled_sweep<double, 1>(6004);
    tiled_sweep<double, 2>(6005);
    tiled_sweep<double, 3>(6006);
}
