// apool/shapes.hpp: pooled_extents with apool::keep, dense strides in another
// view's memory order (checked against the memory order tests/layouts.hpp
// builds each layout with), and pooling into a pooled_view giving the naive
// reference's results in the input's memory order.
#include <apool/apool.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::layout_kind;
using extents4 = std::array<std::ptrdiff_t, 4>;

// pooled_extents is usable in constant expressions.
constexpr extents4 pooled_at_compile_time = apool::pooled_extents(extents4{2, 3, 10, 12}, {7, apool::keep});
static_assert(pooled_at_compile_time[0] == 2 && pooled_at_compile_time[1] == 3, "leading extents are kept");
static_assert(pooled_at_compile_time[2] == 7 && pooled_at_compile_time[3] == 12, "7 replaces H, apool::keep keeps W");

// Row-major strides of `extents` taken in the memory order `order` (outermost
// first), assigned back to the logical dims: the dense strides of that order.
template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> dense_strides_in_order(const std::array<std::size_t, Rank>& order,
                                                        const std::array<std::ptrdiff_t, Rank>& extents) {
    std::array<std::ptrdiff_t, Rank> permuted{};
    for (std::size_t i = 0; i < Rank; ++i) permuted[i] = extents[order[i]];
    const auto permuted_strides = apool::row_major_strides(permuted);
    std::array<std::ptrdiff_t, Rank> strides{};
    for (std::size_t i = 0; i < Rank; ++i) strides[order[i]] = permuted_strides[i];
    return strides;
}

// Whether the view's elements occupy offsets 0 .. size - 1, each exactly once.
template <class T, std::size_t Rank>
bool is_dense(const apool::strided_view<T, Rank>& view) {
    std::vector<int> hits(static_cast<std::size_t>(view.size()), 0);
    bool inside = true;
    std::array<std::ptrdiff_t, Rank> extents = view.extents();
    apool_test::naive::for_each_multi_index(extents, [&](const std::array<std::ptrdiff_t, Rank>& index) {
        std::ptrdiff_t offset = 0;
        for (std::size_t d = 0; d < Rank; ++d) offset += index[d] * view.stride(d);
        if (offset < 0 || offset >= view.size()) {
            inside = false;
        } else {
            ++hits[static_cast<std::size_t>(offset)];
        }
    });
    return inside && std::all_of(hits.begin(), hits.end(), [](int hit) { return hit == 1; });
}

}  // namespace

TEST_CASE("pooled_extents replaces the spatial extents and keeps apool::keep dims", "[shapes]") {
    const extents4 input{2, 3, 10, 12};
    CHECK(apool::pooled_extents(input, {7, 7}) == extents4{2, 3, 7, 7});
    CHECK(apool::pooled_extents(input, {apool::keep, 5}) == extents4{2, 3, 10, 5});
    CHECK(apool::pooled_extents(input, {apool::keep, apool::keep}) == input);
    CHECK(apool::pooled_extents(input, {0, 1}) == extents4{2, 3, 0, 1});
    CHECK(apool::pooled_extents(input, {4}) == extents4{2, 3, 10, 4});
    CHECK(apool::pooled_extents(input, {1, 2, 3}) == extents4{2, 1, 2, 3});
    CHECK(apool::pooled_extents(input, std::array<std::ptrdiff_t, 2>{3, apool::keep}) == extents4{2, 3, 3, 12});
    CHECK(apool::pooled_extents(std::array<std::ptrdiff_t, 1>{9}, {4}) == std::array<std::ptrdiff_t, 1>{4});
    CHECK(apool::element_count(apool::pooled_extents(input, {7, 7})) == 2 * 3 * 7 * 7);
}

TEST_CASE("pooled_extents rejects a negative output size other than apool::keep", "[shapes]") {
    const extents4 input{2, 3, 10, 12};
    CHECK_THROWS_AS(apool::pooled_extents(input, {7, -1}), apool::invalid_argument);
    CHECK_THROWS_WITH(apool::pooled_extents(input, {-3, 7}),
                      "apool::pooled_extents: output_size entry 0 is -3; an output size is zero or more, or apool::keep");
}

TEST_CASE("dense_strides_like orders the dims as the given view's memory", "[shapes]") {
    // Distinct extents above 1, so every layout has one memory order.
    const std::array<std::ptrdiff_t, 5> input_extents{2, 3, 4, 5, 6};
    const std::array<std::ptrdiff_t, 5> output_extents = apool::pooled_extents(input_extents, {3, 2, 7});
    std::vector<float> values(static_cast<std::size_t>(apool::element_count(input_extents)), 1.0f);
    for (layout_kind kind : apool_test::all_layouts()) {
        for (std::size_t spatial = 1; spatial <= 3; ++spatial) {
            apool_test::physical_plan<5> plan;
            if (!apool_test::make_plan(kind, spatial, plan)) continue;
            auto input = apool_test::lay_out(kind, spatial, input_extents, values, 0.0f);
            INFO("layout " << apool_test::layout_name(kind) << ", " << spatial << " spatial dims");
            const auto strides = apool::dense_strides_like(input->view().strides(), output_extents);
            if (kind == layout_kind::broadcast) {
                // A stride-0 dim has the smallest magnitude: innermost.
                const std::array<std::size_t, 5> broadcast_order{1, 2, 3, 4, 0};
                CHECK(strides == dense_strides_in_order(broadcast_order, output_extents));
            } else {
                CHECK(strides == dense_strides_in_order(plan.order, output_extents));
            }
        }
    }
}

TEST_CASE("dense_strides_like: the common layouts by their definitions", "[shapes]") {
    const std::ptrdiff_t n = 2, c = 3, h = 4, w = 5;
    const extents4 extents{n, c, h, w};
    const extents4 nchw = apool::row_major_strides(extents);
    const extents4 nhwc{h * w * c, 1, w * c, c};
    CHECK(apool::dense_strides_like(nchw, extents) == nchw);
    CHECK(apool::dense_strides_like(nhwc, extents) == nhwc);
    // Ties (extent-1 dims of a channels-last tensor pooled to 1x1) keep dim
    // order, so the channels stay innermost.
    const extents4 global{n, c, 1, 1};
    const extents4 global_nhwc{c, 1, c, c};
    CHECK(apool::dense_strides_like(global_nhwc, global) == global_nhwc);
    // Padded channels-last memory gives dense channels-last strides; negative
    // strides order the dims by magnitude.
    const extents4 padded_nhwc{h * (w + 1) * (c + 2), 1, (w + 1) * (c + 2), c + 2};
    CHECK(apool::dense_strides_like(padded_nhwc, extents) == nhwc);
    const extents4 reversed_nhwc{-h * w * c, -1, -w * c, -c};
    CHECK(apool::dense_strides_like(reversed_nhwc, extents) == nhwc);
}

TEST_CASE("pooling into pooled_view gives the reference results in the input's memory order", "[shapes]") {
    const extents4 input_extents{2, 5, 9, 11};
    std::mt19937 random(21);
    std::normal_distribution<float> normal;
    std::vector<float> values(static_cast<std::size_t>(apool::element_count(input_extents)));
    for (float& value : values) value = normal(random);

    const extents4 expected_extents = apool::pooled_extents(input_extents, {4, 3});
    std::vector<float> expected_avg(static_cast<std::size_t>(apool::element_count(expected_extents)));
    std::vector<float> expected_max(expected_avg.size());
    std::vector<std::int64_t> expected_indices(expected_avg.size());
    const apool::strided_view<const float, 4> row_major_input(values.data(), input_extents);
    apool_test::naive::adaptive_avg_pool<2>(row_major_input, apool::strided_view<float, 4>(expected_avg.data(), expected_extents));
    apool_test::naive::adaptive_max_pool<2>(row_major_input, apool::strided_view<float, 4>(expected_max.data(), expected_extents),
                                            apool::strided_view<std::int64_t, 4>(expected_indices.data(), expected_extents));

    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::channels_last_padded,
                             layout_kind::spatial_transposed, layout_kind::leading_swapped}) {
        INFO("input layout " << apool_test::layout_name(kind));
        auto laid = apool_test::lay_out(kind, 2, input_extents, values, apool_test::padding_nan<float>());
        const apool::strided_view<const float, 4> input = laid->view();
        const std::size_t count = expected_avg.size();
        std::vector<float> avg(count), max(count);
        std::vector<std::int64_t> indices(count);
        const auto avg_view = apool::pooled_view(avg.data(), input, {4, 3});
        const auto max_view = apool::pooled_view(max.data(), input, {4, 3});
        const auto indices_view = apool::pooled_view(indices.data(), input, {4, 3});
        REQUIRE(avg_view.extents() == expected_extents);
        REQUIRE(is_dense(avg_view));
        REQUIRE(is_dense(indices_view));
        apool::adaptive_avg_pool2d(input, avg_view);
        apool::adaptive_max_pool2d(input, max_view, indices_view);

        // The results, read through the views in row-major logical order.
        std::vector<float> got_avg, got_max;
        std::vector<std::int64_t> got_indices;
        apool_test::naive::for_each_multi_index(expected_extents, [&](const extents4& i) {
            got_avg.push_back(avg_view(i[0], i[1], i[2], i[3]));
            got_max.push_back(max_view(i[0], i[1], i[2], i[3]));
            got_indices.push_back(indices_view(i[0], i[1], i[2], i[3]));
        });
        const auto magnitudes = apool_test::naive::window_magnitudes<2>(row_major_input, expected_extents);
        for (std::size_t i = 0; i < count; ++i) {
            INFO("output " << i);
            CHECK(apool_test::naive::average_close(got_avg[i], expected_avg[i], magnitudes[i]));
        }
        CHECK(apool_test::bit_mismatches("max", got_max, expected_max).empty());
        CHECK(got_indices == expected_indices);

        // grad_input in the input's memory order, as the input's extents.
        std::vector<float> gradient(values.size());
        const auto grad_input = apool::dense_view_like(gradient.data(), input, input.extents());
        CHECK(is_dense(grad_input));
        CHECK(apool::dense_strides_like(input.strides(), input_extents) == grad_input.strides());
    }
}
