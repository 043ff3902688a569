// Replays PyTorch's forward results (tests/golden/golden_data.txt) under every
// input layout and several output and index layouts: max values and indices
// must match PyTorch bit for bit (NaN payloads included), averages within the
// bound of naive::average_close.
#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "golden_data.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::golden_case;
using apool_test::layout_kind;

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_extents(const std::vector<std::ptrdiff_t>& extents) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = extents[d];
    return result;
}

// Fills outputs before a call, so an element a kernel forgot to write shows.
template <class T>
T output_sentinel() {
    return T(-7777.25);
}

template <class I>
I index_sentinel() {
    return static_cast<I>(-123456);
}

template <std::size_t Spatial, class In, class T, std::size_t Rank>
void call_avg(bool named, apool::strided_view<In, Rank> input, apool::strided_view<T, Rank> output) {
    if (!named) {
        apool::adaptive_avg_pool<Spatial>(input, output);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_avg_pool1d(input, output);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_avg_pool2d(input, output);
    } else {
        apool::adaptive_avg_pool3d(input, output);
    }
}

template <std::size_t Spatial, class In, class T, std::size_t Rank>
void call_max(bool named, apool::strided_view<In, Rank> input, apool::strided_view<T, Rank> output) {
    if (!named) {
        apool::adaptive_max_pool<Spatial>(input, output);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_max_pool1d(input, output);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_max_pool2d(input, output);
    } else {
        apool::adaptive_max_pool3d(input, output);
    }
}

template <std::size_t Spatial, class In, class T, class I, std::size_t Rank>
void call_max(bool named, apool::strided_view<In, Rank> input, apool::strided_view<T, Rank> output, apool::strided_view<I, Rank> indices) {
    if (!named) {
        apool::adaptive_max_pool<Spatial>(input, output, indices);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_max_pool1d(input, output, indices);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_max_pool2d(input, output, indices);
    } else {
        apool::adaptive_max_pool3d(input, output, indices);
    }
}

template <class T, std::size_t Rank>
struct expected_forward {
    std::vector<T> input;
    std::vector<T> avg;
    std::vector<T> max;
    std::vector<std::int64_t> indices;
};

template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_max_with_indices(const expected_forward<T, Rank>& expected, const apool_test::laid_out<T, Rank>& input,
                            const std::array<std::ptrdiff_t, Rank>& out_extents, layout_kind out_kind, layout_kind index_kind,
                            bool named) {
    const std::vector<T> output_start(expected.max.size(), output_sentinel<T>());
    const std::vector<I> index_start(expected.max.size(), index_sentinel<I>());
    auto output = apool_test::lay_out(out_kind, Spatial, out_extents, output_start, output_sentinel<T>());
    auto indices = apool_test::lay_out(index_kind, Spatial, out_extents, index_start, index_sentinel<I>());
    if (!output || !indices) return;
    INFO("max with int" << sizeof(I) * 8 << " indices in layout " << apool_test::layout_name(index_kind));
    call_max<Spatial>(named, input.const_view(), output->view(), indices->view());
    CHECK(apool_test::bit_mismatches("max", output->logical(), expected.max) == "");
    CHECK(apool_test::index_mismatches(indices->logical(), expected.indices) == "");
    CHECK(output->padding_untouched());
    CHECK(indices->padding_untouched());
}

template <class T, std::size_t Spatial, std::size_t Rank>
void replay_forward(const golden_case& golden) {
    const auto in_extents = to_extents<Rank>(golden.input_extents);
    const auto out_extents = to_extents<Rank>(golden.output_extents);
    const auto writable = apool_test::writable_layouts();
    std::size_t combination = 0;
    for (layout_kind in_kind : apool_test::all_layouts()) {
        expected_forward<T, Rank> expected{apool_test::from_bits<T>(golden.input), apool_test::from_bits<T>(golden.avg_output),
                                           apool_test::from_bits<T>(golden.max_output), golden.max_indices};
        if (in_kind == layout_kind::broadcast) {
            expected.input = apool_test::repeat_first_slice(in_extents, expected.input);
            expected.avg = apool_test::repeat_first_slice(out_extents, expected.avg);
            expected.max = apool_test::repeat_first_slice(out_extents, expected.max);
            expected.indices = apool_test::repeat_first_slice(out_extents, expected.indices);
        }
        const auto input = apool_test::lay_out(in_kind, Spatial, in_extents, expected.input, apool_test::padding_nan<T>());
        if (!input) continue;
        const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(
            apool::strided_view<const T, Rank>(expected.input.data(), in_extents), out_extents);
        for (layout_kind out_kind : writable) {
            const std::vector<T> output_start(expected.avg.size(), output_sentinel<T>());
            auto output = apool_test::lay_out(out_kind, Spatial, out_extents, output_start, output_sentinel<T>());
            if (!output) continue;
            ++combination;
            const bool named = combination % 2 == 0;
            INFO("case " << golden.name << ", input layout " << apool_test::layout_name(in_kind) << ", output layout "
                         << apool_test::layout_name(out_kind) << (named ? ", named function" : ", rank-generic function"));

            call_avg<Spatial>(named, input->const_view(), output->view());
            CHECK(apool_test::mismatches("avg", output->logical(), expected.avg,
                             [&](std::size_t i, T got, T want) { return apool_test::naive::average_close(got, want, magnitudes[i]); }) == "");
            CHECK(output->padding_untouched());

            auto values_only = apool_test::lay_out(out_kind, Spatial, out_extents, output_start, output_sentinel<T>());
            call_max<Spatial>(named, input->const_view(), values_only->view());
            CHECK(apool_test::bit_mismatches("max", values_only->logical(), expected.max) == "");
            CHECK(values_only->padding_untouched());

            check_max_with_indices<Spatial, T, std::int64_t>(expected, *input, out_extents, out_kind,
                                                            writable[combination % writable.size()], named);
            check_max_with_indices<Spatial, T, std::int32_t>(expected, *input, out_extents, out_kind,
                                                            writable[(combination + 3) % writable.size()], named);
        }
    }
}

template <std::size_t Spatial, std::size_t Leading>
bool replay_if(const golden_case& golden) {
    if (golden.spatial != Spatial || golden.leading() != Leading) return false;
    if (golden.is_double) {
        replay_forward<double, Spatial, Spatial + Leading>(golden);
    } else {
        replay_forward<float, Spatial, Spatial + Leading>(golden);
    }
    return true;
}

}  // namespace

TEST_CASE("forward results equal PyTorch's in every layout", "[forward][golden]") {
    const auto& cases = apool_test::golden_cases();
    REQUIRE(cases.size() > 100);
    for (const golden_case& golden : cases) {
        INFO("case " << golden.name);
        const bool replayed = replay_if<1, 0>(golden) || replay_if<1, 1>(golden) || replay_if<1, 2>(golden) ||
                              replay_if<2, 0>(golden) || replay_if<2, 1>(golden) || replay_if<2, 2>(golden) ||
                              replay_if<2, 3>(golden) || replay_if<3, 0>(golden) || replay_if<3, 1>(golden) ||
                              replay_if<3, 2>(golden);
        CHECK(replayed);
    }
}

TEST_CASE("the golden data covers what it promises", "[forward][golden]") {
    // Guards the generator: each feature below must reach the replay.
    std::size_t nan_maxima = 0, negative_infinity_maxima = 0, unbatched = 0, batched = 0, doubles = 0, floats = 0;
    bool spatial_seen[4] = {};
    for (const golden_case& golden : apool_test::golden_cases()) {
        spatial_seen[golden.spatial] = true;
        (golden.leading() == 0 ? unbatched : batched) += 1;
        (golden.is_double ? doubles : floats) += 1;
        if (golden.is_double) {
            for (double v : apool_test::from_bits<double>(golden.max_output)) {
                nan_maxima += std::isnan(v) ? 1 : 0;
                negative_infinity_maxima += std::isinf(v) && v < 0 ? 1 : 0;
            }
        } else {
            for (float v : apool_test::from_bits<float>(golden.max_output)) {
                nan_maxima += std::isnan(v) ? 1 : 0;
                negative_infinity_maxima += std::isinf(v) && v < 0 ? 1 : 0;
            }
        }
    }
    CHECK(spatial_seen[1]);
    CHECK(spatial_seen[2]);
    CHECK(spatial_seen[3]);
    CHECK(nan_maxima > 50);
    CHECK(negative_infinity_maxima > 50);
    CHECK(unbatched > 20);
    CHECK(batched > 20);
    CHECK(doubles > 20);
    CHECK(floats > 20);
}
