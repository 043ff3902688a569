// Replays PyTorch's results for the element types beside float and double
// (tests/golden/element_types.txt, written by
// tests/golden/generate_element_types.py; see that script for where each
// value comes from): the 16-bit conversions from float, and forward pooling of
// bfloat16, float16, uint8 and int8 in every input layout, into the input's
// type and into float.
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::layout_kind;
using apool_test::naive::is_half;

struct conversion {
    std::uint32_t float_bits;
    std::uint16_t bfloat16_bits;
    std::uint16_t float16_bits;
};

/// One case; 16-bit values as their bits, 8-bit values as numbers, avg_float as float32 bits.
struct element_case {
    std::string name, type, source;
    std::size_t spatial = 0;
    std::vector<std::ptrdiff_t> input_extents, output_extents;
    std::vector<std::int64_t> input, avg_output, max_output, max_indices;
    std::vector<std::uint32_t> avg_float;
    std::size_t leading() const { return input_extents.size() - spatial; }
};

struct element_golden {
    std::vector<conversion> conversions;
    std::vector<element_case> cases;
};

std::vector<std::int64_t> read_values(std::istream& in, const char* label, std::size_t count, bool hex) {
    std::string word;
    in >> word;
    if (word != label) throw std::runtime_error(std::string("element_types.txt: expected ") + label + ", read " + word);
    std::vector<std::int64_t> values(count);
    for (auto& value : values) {
        in >> word;
        value = hex ? static_cast<std::int64_t>(std::stoull(word, nullptr, 16)) : std::stoll(word);
    }
    return values;
}

const element_golden& golden() {
    static const element_golden data = [] {
        std::ifstream in(APOOL_TEST_DATA_DIR "/golden/element_types.txt");
        if (!in) throw std::runtime_error("cannot open " APOOL_TEST_DATA_DIR "/golden/element_types.txt");
        element_golden result;
        std::string word;
        int version = 0;
        std::size_t count = 0;
        in >> word >> version >> word >> count;
        for (std::size_t k = 0; k < count; ++k) {
            std::string f, b, h;
            in >> f >> b >> h;
            result.conversions.push_back({static_cast<std::uint32_t>(std::stoul(f, nullptr, 16)),
                                          static_cast<std::uint16_t>(std::stoul(b, nullptr, 16)),
                                          static_cast<std::uint16_t>(std::stoul(h, nullptr, 16))});
        }
        in >> word >> count;
        for (std::size_t k = 0; k < count; ++k) {
            element_case c;
            std::size_t rank = 0;
            in >> word >> c.name >> c.spatial >> c.type >> rank;
            c.input_extents.resize(rank);
            c.output_extents.resize(rank);
            for (auto& e : c.input_extents) in >> e;
            for (auto& e : c.output_extents) in >> e;
            in >> c.source;
            std::size_t inputs = 1, outputs = 1;
            for (std::size_t d = 0; d < rank; ++d) {
                inputs *= static_cast<std::size_t>(c.input_extents[d]);
                outputs *= static_cast<std::size_t>(c.output_extents[d]);
            }
            const bool hex = c.type == "bfloat16" || c.type == "float16";
            c.input = read_values(in, "input", inputs, hex);
            c.avg_output = read_values(in, "avg_output", outputs, hex);
            for (std::int64_t bits : read_values(in, "avg_float", outputs, true)) c.avg_float.push_back(static_cast<std::uint32_t>(bits));
            c.max_output = read_values(in, "max_output", outputs, hex);
            c.max_indices = read_values(in, "max_indices", outputs, false);
            result.cases.push_back(std::move(c));
        }
        if (!in) throw std::runtime_error("element_types.txt: truncated");
        return result;
    }();
    return data;
}

template <class T>
std::vector<T> as_values(const std::vector<std::int64_t>& raw) {
    std::vector<T> values;
    for (std::int64_t r : raw) {
        if constexpr (is_half<T>) {
            values.push_back(T::from_bits(static_cast<std::uint16_t>(r)));
        } else {
            values.push_back(static_cast<T>(r));
        }
    }
    return values;
}

std::vector<float> as_floats(const std::vector<std::uint32_t>& bits) {
    std::vector<float> values(bits.size());
    std::memcpy(values.data(), bits.data(), bits.size() * sizeof(float));
    return values;
}

/// PyTorch's average in the element's type: exact for the integers; for the
/// 16-bit floats the same bits or the neighbouring value (its sum runs in
/// another order and divides by each window extent in turn), or any NaN for a NaN.
template <class T>
bool average_matches(T got, T expected) {
    if constexpr (is_half<T>) {
        const double want = apool_test::naive::value_of(expected), have = apool_test::naive::value_of(got);
        if (std::isnan(want)) return std::isnan(have);
        const int apart = static_cast<int>(got.bits() & 0x7FFF) - static_cast<int>(expected.bits() & 0x7FFF);
        return got.bits() == expected.bits() ||
               ((got.bits() >> 15) == (expected.bits() >> 15) && std::isfinite(have) && (apart == 1 || apart == -1));
    } else {
        return got == expected;
    }
}

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_extents(const std::vector<std::ptrdiff_t>& extents) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = extents[d];
    return result;
}

template <class T, std::size_t Spatial, std::size_t Rank>
void replay(const element_case& c, std::size_t& replayed) {
    const auto in_extents = to_extents<Rank>(c.input_extents);
    const auto out_extents = to_extents<Rank>(c.output_extents);
    const auto writable = apool_test::writable_layouts();
    std::size_t combination = 0;
    for (layout_kind in_kind : apool_test::all_layouts()) {
        std::vector<T> logical = as_values<T>(c.input);
        std::vector<T> expected_avg = as_values<T>(c.avg_output), expected_max = as_values<T>(c.max_output);
        std::vector<float> expected_avg_float = as_floats(c.avg_float);
        std::vector<std::int64_t> expected_indices = c.max_indices;
        if (in_kind == layout_kind::broadcast) {
            logical = apool_test::repeat_first_slice(in_extents, logical);
            expected_avg = apool_test::repeat_first_slice(out_extents, expected_avg);
            expected_max = apool_test::repeat_first_slice(out_extents, expected_max);
            expected_avg_float = apool_test::repeat_first_slice(out_extents, expected_avg_float);
            expected_indices = apool_test::repeat_first_slice(out_extents, expected_indices);
        }
        const T padding = is_half<T> ? apool_test::naive::rounded<T>(-1.0e4) : std::numeric_limits<T>::max();
        const auto input = apool_test::lay_out(in_kind, Spatial, in_extents, logical, padding);
        if (!input) continue;
        const layout_kind out_kind = writable[combination++ % writable.size()];
        INFO("case " << c.name << " (" << c.source << "), input layout " << apool_test::layout_name(in_kind) << ", output layout "
                     << apool_test::layout_name(out_kind));
        auto written = [&](const auto& fill) {
            using V = std::decay_t<decltype(fill)>;
            auto laid = apool_test::lay_out(out_kind, Spatial, out_extents, std::vector<V>(expected_avg.size(), fill), fill);
            return laid ? std::move(laid)
                        : apool_test::lay_out(layout_kind::contiguous, Spatial, out_extents, std::vector<V>(expected_avg.size(), fill), fill);
        };
        const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(
            apool::strided_view<const T, Rank>(logical.data(), in_extents), out_extents);

        auto avg = written(apool_test::naive::rounded<T>(55.0));
        apool::adaptive_avg_pool<Spatial>(input->const_view(), avg->view());
        CHECK(apool_test::mismatches("avg", avg->logical(), expected_avg, [](std::size_t, T got, T want) { return average_matches(got, want); }) ==
              "");
        auto avg_float = written(55.0f);
        apool::adaptive_avg_pool<Spatial>(input->const_view(), avg_float->view());
        CHECK(apool_test::mismatches("avg into float", avg_float->logical(), expected_avg_float, [&](std::size_t i, float got, float want) {
                  return apool_test::naive::average_close(got, want, magnitudes[i]);
              }) == "");

        auto max = written(apool_test::naive::rounded<T>(55.0));
        auto indices = written(std::int64_t(-1));
        apool::adaptive_max_pool<Spatial>(input->const_view(), max->view(), indices->view());
        CHECK(apool_test::mismatches("max", max->logical(), expected_max, [](std::size_t, T got, T want) { return apool_test::same_bits(got, want); }) ==
              "");
        CHECK(apool_test::index_mismatches(indices->logical(), expected_indices) == "");
        auto max_float = written(55.0f);
        auto indices32 = written(std::int32_t(-1));
        apool::adaptive_max_pool<Spatial>(input->const_view(), max_float->view(), indices32->view());
        CHECK(apool_test::mismatches("max into float", max_float->logical(), expected_max, [](std::size_t, float got, T want) {
                  const double value = apool_test::naive::value_of(want);
                  return std::isnan(value) ? std::isnan(got) : static_cast<double>(got) == value;
              }) == "");
        CHECK(apool_test::index_mismatches(indices32->logical(), expected_indices) == "");
        CHECK((avg->padding_untouched() && avg_float->padding_untouched() && max->padding_untouched() && indices->padding_untouched()));
        ++replayed;
    }
}

template <class T, std::size_t Spatial, std::size_t Leading>
bool replay_if(const element_case& c, std::size_t& replayed) {
    if (c.spatial != Spatial || c.leading() != Leading) return false;
    replay<T, Spatial, Spatial + Leading>(c, replayed);
    return true;
}

template <class T>
bool replay_type(const element_case& c, std::size_t& replayed) {
    return replay_if<T, 1, 0>(c, replayed) || replay_if<T, 1, 1>(c, replayed) || replay_if<T, 1, 2>(c, replayed) ||
           replay_if<T, 2, 0>(c, replayed) || replay_if<T, 2, 1>(c, replayed) || replay_if<T, 2, 2>(c, replayed) ||
           replay_if<T, 3, 0>(c, replayed) || replay_if<T, 3, 1>(c, replayed) || replay_if<T, 3, 2>(c, replayed);
}

}  // namespace

TEST_CASE("16-bit floats round from float as PyTorch does", "[element_types][golden]") {
    const auto& conversions = golden().conversions;
    REQUIRE(conversions.size() > 10000);
    std::size_t wrong = 0, nans = 0;
    for (const conversion& row : conversions) {
        float value;
        std::memcpy(&value, &row.float_bits, sizeof(value));
        const apool::bfloat16 b(value);
        const apool::float16 h(value);
        if (std::isnan(value)) {
            // The NaN's bits are c10's (bfloat16 0x7FC0, float16 sign | 0x7E00),
            // not those of torch's vectorized tensor conversion in the file.
            ++nans;
            wrong += b.bits() == 0x7FC0 && (h.bits() & 0x7FFF) == 0x7E00 && (h.bits() >> 15) == (row.float_bits >> 31) ? 0 : 1;
            continue;
        }
        wrong += b.bits() == row.bfloat16_bits ? 0 : 1;
        wrong += h.bits() == row.float16_bits ? 0 : 1;
    }
    CHECK(wrong == 0);
    CHECK(nans > 2);
}

TEST_CASE("forward pooling of bfloat16, float16, uint8 and int8 equals PyTorch's", "[element_types][golden][forward]") {
    const auto& cases = golden().cases;
    REQUIRE(cases.size() > 100);
    std::size_t replayed = 0, torch_bfloat16 = 0;
    for (const element_case& c : cases) {
        INFO("case " << c.name);
        torch_bfloat16 += c.source == "torch_bfloat16" ? 1 : 0;
        const bool known = c.type == "bfloat16"  ? replay_type<apool::bfloat16>(c, replayed)
                           : c.type == "float16" ? replay_type<apool::float16>(c, replayed)
                           : c.type == "uint8"   ? replay_type<std::uint8_t>(c, replayed)
                                                 : replay_type<std::int8_t>(c, replayed);
        CHECK(known);
    }
    CHECK(replayed > 5 * cases.size());
    CHECK(torch_bfloat16 > 20);
}
