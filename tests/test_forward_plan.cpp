// The forward plan (detail/forward_plan.hpp): the kernel it chooses for a
// shape made for each kernel, at the vector width of this build; and every
// kernel forced onto every shape of a set where it is legal, run whole and in
// two sub-ranges of its work items (the later one first), against the naive
// reference. Every kernel this build has must run on some shape.
#include "catch.hpp"

#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "naive_reference.hpp"
#include "plan_problems.hpp"

namespace {

using apool_test::dense;
using apool_test::nhwc;
using apool_test::problem;
using apool_test::padded;
using apool_test::span_of;
using apool::detail::forward_kernel;
using apool::detail::kernel_name;
using float_view = apool::strided_view<const float, 4>;
using shape = std::array<std::ptrdiff_t, 4>;
constexpr std::ptrdiff_t lanes = apool::simd::lanes<float>;
constexpr bool has_lane_permute = apool::simd::has_lane_permute<float>;

/// Shapes made for one kernel each, with the kernel the plan must choose for
/// the average and for the max at this build's vector width.
struct expected_choice {
    problem<4> shape;
    forward_kernel average;
    forward_kernel maximum;
};

std::vector<expected_choice> expected_choices() {
    const std::ptrdiff_t narrow = lanes - 1;  // a row that fits in one vector, longer than half of it
    return {
        {dense("global, small planes", shape{2, 64, 7, 7}, shape{2, 64, 1, 1}),
         has_lane_permute ? forward_kernel::plane_run : forward_kernel::span,
         has_lane_permute ? forward_kernel::plane_run : forward_kernel::span},
        {dense("global, planes of several vectors", shape{2, 8, 20, 20}, shape{2, 8, 1, 1}), forward_kernel::span,
         forward_kernel::span},
        {dense("small dense planes, a vector of them and more", shape{2, 32, narrow, narrow}, shape{2, 32, 3, 3}), forward_kernel::tiles,
         forward_kernel::tiles},
        {dense("small dense planes, a vector of them, windows of 2 and 3", shape{2, 32, narrow, narrow}, shape{2, 32, lanes / 2, lanes / 2}),
         has_lane_permute ? forward_kernel::narrow_rows : forward_kernel::tiles, forward_kernel::tiles},
        {dense("rows that fit in a vector, fewer planes than a vector", shape{1, 3, narrow, narrow}, shape{1, 3, 3, 3}),
         has_lane_permute ? forward_kernel::narrow_rows : forward_kernel::rows, forward_kernel::rows},
        {dense("long contiguous rows, few planes", shape{1, 2, 50, 70}, shape{1, 2, 7, 9}), forward_kernel::rows,
         forward_kernel::rows},
        {nhwc("HWC image", shape{1, 3, 40, 60}, shape{1, 3, 8, 12}), forward_kernel::interleaved_rows,
         forward_kernel::interleaved_rows},
        {nhwc("channels-last, a vector of channels", shape{2, lanes, 9, 9}, shape{2, lanes, 4, 4}), forward_kernel::channels_last,
         forward_kernel::channels_last},
        {nhwc("channels-last, many channels", shape{2, 8 * lanes, 9, 9}, shape{2, 8 * lanes, 4, 4}),
         forward_kernel::channels_last_sums, forward_kernel::channels_last},
        {padded("padded, no contiguous dim", shape{2, 3, 9, 9}, shape{2, 3, 4, 4}),
         forward_kernel::generic, forward_kernel::generic},
    };
}

const forward_kernel every_kernel[] = {forward_kernel::plane_run,        forward_kernel::narrow_rows,       forward_kernel::tiles,
                                       forward_kernel::span,             forward_kernel::rows,              forward_kernel::interleaved_rows,
                                       forward_kernel::channels_last_sums, forward_kernel::channels_last, forward_kernel::generic};

/// Values from a small set (ties, -0.0 beside 0.0), some NaN and -inf.
std::vector<float> random_values(std::size_t count, std::mt19937& random) {
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<float> values(count);
    for (float& v : values) {
        const int k = pick(random);
        v = k < 2 ? std::numeric_limits<float>::quiet_NaN()
                  : k < 4 ? -std::numeric_limits<float>::infinity() : static_cast<float>(k % 9) - 4.0f + static_cast<float>(k % 4) * 0.25f;
    }
    return values;
}

bool same_max(float got, float expected) {
    return std::memcmp(&got, &expected, sizeof(float)) == 0 || (std::isnan(got) && std::isnan(expected));
}

/// Runs a plan's work items as two sub-ranges, the later one first.
template <class Reduction, std::size_t Rank, std::size_t Spatial, class I>
void run_in_two_ranges(const apool::detail::forward_plan<Spatial, Rank>& plan, const float* in, float* out, I* index) {
    const std::ptrdiff_t split = plan.items / 2;
    apool::detail::run_forward<Reduction>(plan, in, out, index, split, plan.items);
    apool::detail::run_forward<Reduction>(plan, in, out, index, 0, split);
}

/// The plan as made, and each of its kernel's other ways: channels_last_sums
/// with every window's sums in memory; interleaved_rows of uniform windows
/// with each output's channels reduced one by one.
template <std::size_t Spatial, std::size_t Rank>
std::vector<apool::detail::forward_plan<Spatial, Rank>> variants_of(const apool::detail::forward_plan<Spatial, Rank>& plan) {
    std::vector<apool::detail::forward_plan<Spatial, Rank>> variants{plan};
    if (plan.kernel == forward_kernel::channels_last_sums) {
        variants.push_back(plan);
        variants.back().sums_in_memory_from = 1;
    }
    if (plan.uniform_row_window > 0) {
        variants.push_back(plan);
        variants.back().uniform_row_window = 0;
    }
    return variants;
}

/// Forces every kernel onto `p` where legal; records those that ran.
template <std::size_t Spatial, std::size_t Rank>
void check_every_kernel(const problem<Rank>& p, std::mt19937& random, std::set<forward_kernel>& ran_average,
                        std::set<forward_kernel>& ran_maximum) {
    INFO(p.name << ", " << Spatial << "-d, " << lanes << " float lanes");
    const std::vector<float> input_memory = random_values(span_of(p.in_extents, p.in_strides), random);
    const apool::strided_view<const float, Rank> input(input_memory.data(), p.in_extents, p.in_strides);
    const std::size_t out_span = span_of(p.out_extents, p.out_strides);
    std::vector<float> got(out_span), expected(out_span);
    std::vector<std::int64_t> got_index(out_span), expected_index(out_span);
    const apool::strided_view<float, Rank> got_view(got.data(), p.out_extents, p.out_strides);
    const apool::strided_view<float, Rank> expected_view(expected.data(), p.out_extents, p.out_strides);
    const apool::strided_view<std::int64_t, Rank> expected_index_view(expected_index.data(), p.out_extents, p.out_strides);
    const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(input, p.out_extents);
    auto for_each_output = [&](auto&& f) {
        std::size_t position = 0;
        apool_test::naive::for_each_multi_index(p.out_extents, [&](const std::array<std::ptrdiff_t, Rank>& at) {
            std::ptrdiff_t offset = 0;
            for (std::size_t d = 0; d < Rank; ++d) offset += at[d] * p.out_strides[d];
            f(static_cast<std::size_t>(offset), position++);
        });
    };

    apool_test::naive::adaptive_avg_pool<Spatial>(input, expected_view);
    for (forward_kernel kernel : every_kernel) {
        const auto plan = apool::detail::plan_forward<apool::detail::average<float>, Spatial>(input, got_view, p.out_strides, false, kernel);
        if (plan.kernel == forward_kernel::none) continue;
        INFO("average, kernel " << kernel_name(kernel));
        CHECK(plan.kernel == kernel);
        ran_average.insert(kernel);
        for (const auto& variant : variants_of(plan)) {
            std::fill(got.begin(), got.end(), std::numeric_limits<float>::quiet_NaN());
            run_in_two_ranges<apool::detail::average<float>>(variant, input.data(), got.data(), static_cast<std::int64_t*>(nullptr));
            std::size_t mismatches = 0;
            for_each_output([&](std::size_t at, std::size_t position) {
                if (!apool_test::naive::average_close(got[at], expected[at], magnitudes[position])) ++mismatches;
            });
            CHECK(mismatches == 0);
        }
    }

    apool_test::naive::adaptive_max_pool<Spatial>(input, expected_view, expected_index_view);
    for (forward_kernel kernel : every_kernel) {
        const auto plan = apool::detail::plan_forward<apool::detail::maximum<float>, Spatial>(input, got_view, p.out_strides, true, kernel);
        if (plan.kernel == forward_kernel::none) continue;
        INFO("max, kernel " << kernel_name(kernel));
        CHECK(plan.kernel == kernel);
        ran_maximum.insert(kernel);
        for (const auto& variant : variants_of(plan)) {
            std::fill(got.begin(), got.end(), 1234.0f);
            std::fill(got_index.begin(), got_index.end(), -1);
            run_in_two_ranges<apool::detail::maximum<float>>(variant, input.data(), got.data(), got_index.data());
            std::size_t mismatches = 0;
            for_each_output([&](std::size_t at, std::size_t) {
                if (!same_max(got[at], expected[at]) || got_index[at] != expected_index[at]) ++mismatches;
            });
            CHECK(mismatches == 0);
        }
    }
}

}  // namespace

TEST_CASE("forward plan: the kernel chosen for a shape made for it", "[forward][plan]") {
    for (const expected_choice& c : expected_choices()) {
        INFO(c.shape.name << ", " << lanes << " float lanes");
        std::vector<float> input(span_of(c.shape.in_extents, c.shape.in_strides));
        std::vector<float> output(span_of(c.shape.out_extents, c.shape.out_strides));
        const float_view in(input.data(), c.shape.in_extents, c.shape.in_strides);
        const apool::strided_view<float, 4> out(output.data(), c.shape.out_extents, c.shape.out_strides);
        CHECK(kernel_name(apool::detail::plan_forward<apool::detail::average<float>, 2>(in, out, c.shape.out_strides, false).kernel) ==
              std::string(kernel_name(c.average)));
        CHECK(kernel_name(apool::detail::plan_forward<apool::detail::maximum<float>, 2>(in, out, c.shape.out_strides, true).kernel) ==
              std::string(kernel_name(c.maximum)));
    }
}

/// The kernel and the uniform window along the row that the average's and
/// the max's plans take for `p`.
void check_row_plans(const problem<4>& p, forward_kernel kernel, std::ptrdiff_t uniform_row_window) {
    INFO(p.name << ": " << p.out_extents[3] << " outputs along the row, " << lanes << " float lanes");
    std::vector<float> input(span_of(p.in_extents, p.in_strides));
    std::vector<float> output(span_of(p.out_extents, p.out_strides));
    const float_view in(input.data(), p.in_extents, p.in_strides);
    const apool::strided_view<float, 4> out(output.data(), p.out_extents, p.out_strides);
    const auto average = apool::detail::plan_forward<apool::detail::average<float>, 2>(in, out, p.out_strides, false);
    const auto maximum = apool::detail::plan_forward<apool::detail::maximum<float>, 2>(in, out, p.out_strides, true);
    CHECK(average.kernel == kernel);
    CHECK(maximum.kernel == kernel);
    CHECK(average.uniform_row_window == uniform_row_window);
    CHECK(maximum.uniform_row_window == uniform_row_window);
}

TEST_CASE("forward plan: interleaved rows take lane permutes where the windows along the row have one size", "[forward][plan]") {
    for (const auto& c : {std::make_pair(shape{1, 3, 8, 12}, 5), std::make_pair(shape{1, 3, 20, 30}, 2), std::make_pair(shape{1, 3, 8, 11}, 0),
                          std::make_pair(shape{1, 3, 8, 120}, 0)}) {
        check_row_plans(nhwc("HWC image", shape{1, 3, 40, 60}, c.first), forward_kernel::interleaved_rows, has_lane_permute ? c.second : 0);
    }
}

TEST_CASE("forward plan: plain rows take lane permutes where the windows along the row have one size and few positions",
          "[forward][plan]") {
    // Groups pay where window^2 < lanes * log2(lanes): windows of up to 7
    // positions at 16 lanes, 4 at 8, 2 at 4.
    std::ptrdiff_t log2_lanes = 0;
    while ((std::ptrdiff_t(2) << log2_lanes) <= lanes) ++log2_lanes;
    for (const auto& c : {std::make_pair(shape{1, 2, 20, 60}, 2), std::make_pair(shape{1, 2, 8, 30}, 4), std::make_pair(shape{1, 2, 8, 24}, 5),
                          std::make_pair(shape{1, 2, 8, 15}, 8), std::make_pair(shape{1, 2, 8, 23}, 0)}) {
        const bool grouped = has_lane_permute && c.second * c.second < lanes * log2_lanes;
        check_row_plans(dense("long contiguous rows", shape{1, 2, 40, 120}, c.first), forward_kernel::rows, grouped ? c.second : 0);
    }
}

TEST_CASE("forward plan: an empty output plans nothing", "[forward][plan]") {
    std::vector<float> input(2 * 3 * 5 * 5);
    const float_view in(input.data(), shape{2, 3, 5, 5});
    const apool::strided_view<float, 4> out(nullptr, shape{2, 3, 0, 4});
    const auto plan = apool::detail::plan_forward<apool::detail::average<float>, 2>(in, out, out.strides(), false);
    CHECK(plan.kernel == forward_kernel::none);
    CHECK(plan.items == 0);
}

TEST_CASE("forward plan: every kernel, forced where legal, in two sub-ranges of its work items", "[forward][plan]") {
    std::mt19937 random(2026);
    std::set<forward_kernel> ran_average, ran_maximum;
    for (const expected_choice& c : expected_choices()) check_every_kernel<2>(c.shape, random, ran_average, ran_maximum);
    // More planes than one group of tiles leaves a part-full last group; odd
    // extents; outputs larger than the input; 1-d and 3-d planes.
    check_every_kernel<2>(dense("partial last group", shape{3, 2 * lanes + 3, 9, 11}, shape{3, 2 * lanes + 3, 4, 5}), random,
                          ran_average, ran_maximum);
    check_every_kernel<2>(nhwc("HWC image pooled by 2, odd outputs", shape{2, 3, 9, 46}, shape{2, 3, 4, 23}), random, ran_average,
                          ran_maximum);
    check_every_kernel<2>(nhwc("channels-last, upsampled, odd channels", shape{2, lanes + 3, 5, 6}, shape{2, lanes + 3, 7, 9}), random,
                          ran_average, ran_maximum);
    check_every_kernel<2>(dense("rows pooled by 2, several buffer chunks", shape{1, 2, 6, 2 * APOOL_ROW_BUFFER_ELEMENTS + 10},
                                shape{1, 2, 3, APOOL_ROW_BUFFER_ELEMENTS + 5}),
                          random, ran_average, ran_maximum);
    check_every_kernel<1>(dense("1-d rows", std::array<std::ptrdiff_t, 3>{3, 5, 100}, std::array<std::ptrdiff_t, 3>{3, 5, 7}), random,
                          ran_average, ran_maximum);
    check_every_kernel<1>(dense("1-d rows pooled by 3", std::array<std::ptrdiff_t, 3>{2, 3, 99}, std::array<std::ptrdiff_t, 3>{2, 3, 33}),
                          random, ran_average, ran_maximum);
    check_every_kernel<3>(dense("3-d planes", std::array<std::ptrdiff_t, 5>{2, lanes + 1, 3, 5, 6}, std::array<std::ptrdiff_t, 5>{2, lanes + 1, 2, 3, 4}),
                          random, ran_average, ran_maximum);
    check_every_kernel<2>(dense("global, no leading dims", std::array<std::ptrdiff_t, 2>{9, 9}, std::array<std::ptrdiff_t, 2>{1, 1}), random,
                          ran_average, ran_maximum);

    for (forward_kernel kernel : every_kernel) {
        const bool average_only = kernel == forward_kernel::channels_last_sums;
        const bool needs_lane_permute = kernel == forward_kernel::plane_run || kernel == forward_kernel::narrow_rows;
        if (needs_lane_permute && !has_lane_permute) continue;
        INFO("kernel " << kernel_name(kernel));
        CHECK(ran_average.count(kernel) == 1);
        if (!average_only) CHECK(ran_maximum.count(kernel) == 1);
    }
}
