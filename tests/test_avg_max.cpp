// adaptive_avg_max_pool (avg_max.hpp): every byte it writes equals the
// separate adaptive_avg_pool and adaptive_max_pool calls' (which the golden
// and reference tests check against PyTorch), on every layout of
// tests/layouts.hpp, 1 to 3 spatial dims, out > in and out = 1, every element
// type, with executors that run tasks out of order; the gradient equals the
// average's gradient followed by the max's, accumulated; the catavgmax
// buffer (both halves of one [N, 2C] buffer) is legal, and outputs that share
// an element are rejected with nothing written. Fixed seeds: a failure
// reproduces.
#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"
#include "plan_problems.hpp"
#include "several_results.hpp"

namespace {

using apool_test::count_of;
using apool_test::layout_kind;
using apool_test::reverse_order;
using apool_test::same_bytes;
using apool_test::tied_values;

/// One shape: the pair call (with and without indices, with and without an
/// executor) against the separate calls, the outputs laid out as `out_kind`.
template <std::size_t Spatial, class T, class A, std::size_t Rank>
void check_pair(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& avg_extents,
                const std::array<std::ptrdiff_t, Rank>& max_extents, layout_kind in_kind, layout_kind out_kind, std::uint64_t seed) {
    INFO("spatial " << Spatial << ", layouts " << apool_test::layout_name(in_kind) << "/" << apool_test::layout_name(out_kind) << ", in "
                    << apool_test::describe_extents(in_extents) << ", avg " << apool_test::describe_extents(avg_extents) << ", max "
                    << apool_test::describe_extents(max_extents));
    std::vector<T> logical = tied_values<T>(count_of(in_extents), seed);
    if (in_kind == layout_kind::broadcast) logical = apool_test::repeat_first_slice(in_extents, logical);
    auto input = apool_test::lay_out(in_kind, Spatial, in_extents, logical, T(apool_test::naive::rounded<T>(5.0)));
    if (!input) input = apool_test::lay_out(layout_kind::contiguous, Spatial, in_extents, logical, T(apool_test::naive::rounded<T>(5.0)));

    std::vector<A> avg_expected(count_of(avg_extents));
    std::vector<T> max_expected(count_of(max_extents));
    std::vector<std::int64_t> index_expected(max_expected.size());
    apool::adaptive_avg_pool<Spatial>(input->const_view(), apool::strided_view<A, Rank>(avg_expected.data(), avg_extents));
    apool::adaptive_max_pool<Spatial>(input->const_view(), apool::strided_view<T, Rank>(max_expected.data(), max_extents),
                                      apool::strided_view<std::int64_t, Rank>(index_expected.data(), max_extents));

    auto written = [&](const auto& fill, const std::array<std::ptrdiff_t, Rank>& extents) {
        using V = std::decay_t<decltype(fill)>;
        const std::vector<V> filled(count_of(extents), fill);
        auto laid = apool_test::lay_out(out_kind, Spatial, extents, filled, fill);
        return laid ? std::move(laid) : apool_test::lay_out(layout_kind::contiguous, Spatial, extents, filled, fill);
    };
    for (int form = 0; form < 4; ++form) {
        INFO("form " << form << " (bit 0: indices, bit 1: executor)");
        auto avg = written(apool_test::naive::rounded<A>(77.0), avg_extents);
        auto max = written(apool_test::naive::rounded<T>(77.0), max_extents);
        auto indices = written(std::int64_t(-9), max_extents);
        if (form == 0) apool::adaptive_avg_max_pool<Spatial>(input->const_view(), avg->view(), max->view());
        if (form == 1) apool::adaptive_avg_max_pool<Spatial>(input->const_view(), avg->view(), max->view(), indices->view());
        if (form == 2) apool::adaptive_avg_max_pool<Spatial>(input->const_view(), avg->view(), max->view(), reverse_order{});
        if (form == 3) apool::adaptive_avg_max_pool<Spatial>(input->const_view(), avg->view(), max->view(), indices->view(), reverse_order{});
        CHECK(same_bytes(avg->logical(), avg_expected));
        CHECK(same_bytes(max->logical(), max_expected));
        if (form % 2 == 1) CHECK(same_bytes(indices->logical(), index_expected));
        CHECK(avg->padding_untouched());
        CHECK(max->padding_untouched());
        CHECK(indices->padding_untouched());
    }
}

template <class T, class A>
void check_layouts() {
    std::uint64_t seed = 1;
    for (layout_kind in_kind : apool_test::all_layouts()) {
        for (layout_kind out_kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::stepped, layout_kind::reversed}) {
            check_pair<1, T, A, 3>({2, 3, 13}, {2, 3, 4}, {2, 3, 5}, in_kind, out_kind, ++seed);
            check_pair<1, T, A, 3>({2, 3, 60}, {2, 3, 20}, {2, 3, 20}, in_kind, out_kind, ++seed);
            check_pair<1, T, A, 3>({2, 3, 61}, {2, 3, 9}, {2, 3, 9}, in_kind, out_kind, ++seed);
            check_pair<2, T, A, 4>({2, 5, 13, 13}, {2, 5, 4, 4}, {2, 5, 4, 4}, in_kind, out_kind, ++seed);
            check_pair<2, T, A, 4>({2, 20, 7, 7}, {2, 20, 1, 1}, {2, 20, 1, 1}, in_kind, out_kind, ++seed);
            check_pair<2, T, A, 4>({2, 20, 13, 13}, {2, 20, 4, 4}, {2, 20, 4, 4}, in_kind, out_kind, ++seed);
            check_pair<2, T, A, 4>({1, 3, 5, 6}, {1, 3, 8, 9}, {1, 3, 2, 3}, in_kind, out_kind, ++seed);
            check_pair<3, T, A, 5>({2, 3, 6, 7, 8}, {2, 3, 3, 2, 5}, {2, 3, 3, 2, 5}, in_kind, out_kind, ++seed);
        }
    }
}

}  // namespace

TEST_CASE("avg_max equals the separate calls: float, every layout", "[avg_max]") { check_layouts<float, float>(); }
TEST_CASE("avg_max equals the separate calls: double", "[avg_max]") { check_layouts<double, double>(); }
TEST_CASE("avg_max equals the separate calls: bfloat16 and float16", "[avg_max]") {
    check_layouts<apool::bfloat16, apool::bfloat16>();
    check_layouts<apool::float16, apool::float16>();
}
TEST_CASE("avg_max equals the separate calls: uint8 and int8, averages widened to float", "[avg_max]") {
    check_layouts<std::uint8_t, std::uint8_t>();
    check_layouts<std::int8_t, float>();
}

TEST_CASE("avg_max in steps: calls large enough to be read in several steps, both layouts", "[avg_max][large]") {
    // 2^18 elements and more: the plans cut the work into items, read in steps.
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last}) {
        check_pair<2, float, float, 4>({2, 64, 48, 48}, {2, 64, 6, 6}, {2, 64, 6, 6}, kind, kind, 7);
        check_pair<2, float, float, 4>({1, 512, 23, 23}, {1, 512, 1, 1}, {1, 512, 1, 1}, kind, kind, 8);
        check_pair<2, float, float, 4>({1, 3, 600, 500}, {1, 3, 300, 250}, {1, 3, 224, 224}, kind, kind, 9);
        check_pair<2, std::uint8_t, float, 4>({1, 3, 600, 500}, {1, 3, 120, 100}, {1, 3, 120, 100}, kind, kind, 10);
    }
}

namespace {

using apool::detail::forward_kernel;

/// One shape through plan_pair with `wanted` forcing the average's kernel:
/// the kernel the pair runs (none where it does not), its average equal to
/// the average's own run of the forced kernel, its max and indices equal to
/// the max call's. NaN, -0.0 beside 0.0 and ties in the input; the items
/// run in two ranges, the later first.
forward_kernel check_pair_path(const apool_test::problem<4>& shape, forward_kernel wanted, bool with_executor) {
    INFO(shape.name << ", wanted " << apool::detail::kernel_name(wanted) << ", executor " << with_executor);
    std::vector<float> values = tied_values<float>(apool_test::span_of(shape.in_extents, shape.in_strides), 21);
    for (std::size_t i = 0; i < values.size(); i += 37) values[i] = -0.0f;
    for (std::size_t i = 5; i < values.size(); i += 211) values[i] = std::numeric_limits<float>::quiet_NaN();
    const apool::strided_view<const float, 4> input(values.data(), shape.in_extents, shape.in_strides);
    const std::size_t out_span = apool_test::span_of(shape.out_extents, shape.out_strides);
    std::vector<float> avg(out_span, -7.0f), max(out_span, -7.0f), avg_expected(out_span, -7.0f), max_expected(out_span, -7.0f);
    std::vector<std::int64_t> indices(out_span, -1), index_expected(out_span, -1);
    const apool::strided_view<float, 4> avg_view(avg.data(), shape.out_extents, shape.out_strides);
    const apool::strided_view<float, 4> max_view(max.data(), shape.out_extents, shape.out_strides);
    const apool::strided_view<std::int64_t, 4> index_view(indices.data(), shape.out_extents, shape.out_strides);

    const auto plan = apool::detail::plan_pair<2>(input, avg_view, max_view, &index_view, with_executor, wanted);
    if (plan.kernel == forward_kernel::none) return plan.kernel;
    const std::ptrdiff_t half = plan.items / 2;
    const apool::detail::two_outputs<float> out{avg.data(), max.data()};
    apool::detail::run_forward<apool::detail::average_and_maximum<float>>(plan, values.data(), out, indices.data(), half, plan.items);
    apool::detail::run_forward<apool::detail::average_and_maximum<float>>(plan, values.data(), out, indices.data(), 0, half);

    const apool::strided_view<float, 4> avg_expected_view(avg_expected.data(), shape.out_extents, shape.out_strides);
    const auto avg_plan = apool::detail::plan_forward<apool::detail::average<float>, 2>(input, avg_expected_view, shape.out_strides, false,
                                                                                       wanted, with_executor);
    REQUIRE(avg_plan.kernel != forward_kernel::none);
    apool::detail::run_forward<apool::detail::average<float>>(avg_plan, values.data(), avg_expected.data(),
                                                              static_cast<std::int64_t*>(nullptr), 0, avg_plan.items);
    apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(max_expected.data(), shape.out_extents, shape.out_strides),
                               apool::strided_view<std::int64_t, 4>(index_expected.data(), shape.out_extents, shape.out_strides));
    CHECK(same_bytes(avg, avg_expected));
    CHECK(same_bytes(max, max_expected));
    CHECK(same_bytes(indices, index_expected));
    return plan.kernel;
}

}  // namespace

TEST_CASE("avg_max in one walk: every kernel the pair runs through, forced, against the average's own run", "[avg_max][paths]") {
    using apool_test::dense;
    using apool_test::nhwc;
    using shape = std::array<std::ptrdiff_t, 4>;
    constexpr std::ptrdiff_t width = apool::simd::lanes<float>;
    // Running sums in memory from this many window positions of 64 channels.
    const std::ptrdiff_t sums_from = static_cast<std::ptrdiff_t>(apool::detail::running_sums_in_memory_from_bytes / (64 * sizeof(float)));
    const std::ptrdiff_t side = [&] {
        std::ptrdiff_t length = 1;
        while (length * length < sums_from) ++length;
        return length;
    }();
    struct path {
        apool_test::problem<4> shape;
        forward_kernel automatic;  // the pair's kernel when nothing is forced
    };
    // Targets with lane permutes have the average's own kernels for these.
    constexpr bool permutes = apool::simd::has_lane_permute<float>;
    const path paths[] = {
        {dense("rows, windows of 8", shape{2, 3, 56, 56}, shape{2, 3, 7, 7}), forward_kernel::rows},
        {dense("rows that fit in a vector, windows of 2", shape{1, 3, 7, width - 2}, shape{1, 3, 4, width / 2 - 1}),
         permutes ? forward_kernel::narrow_rows : forward_kernel::rows},
        {dense("rows that fit in a vector, windows of 4: the max's rows", shape{1, 3, 7, width - 2}, shape{1, 3, 4, width / 4}),
         permutes ? forward_kernel::none : forward_kernel::rows},
        {dense("a vector of small dense planes: the tiles", shape{2, 2 * width + 1, 7, width - 2}, shape{2, 2 * width + 1, 4, width / 2 - 1}),
         forward_kernel::tiles},
        {dense("the tiles, outputs a vector a plane", shape{1, 2 * width + 3, 13, 13}, shape{1, 2 * width + 3, 4, 4}), forward_kernel::tiles},
        {dense("rows, uneven windows", shape{1, 2, 50, 70}, shape{1, 2, 7, 9}), forward_kernel::rows},
        {dense("rows, out > in", shape{1, 2, 3 * width, 5}, shape{1, 2, 4 * width, 9}), forward_kernel::rows},
        {dense("global, planes of many vectors", shape{2, 3, 20 * width, 20}, shape{2, 3, 1, 1}), forward_kernel::span},
        {dense("global, small planes: plane runs", shape{2, 64, 7, 7}, shape{2, 64, 1, 1}),
         permutes ? forward_kernel::plane_run : forward_kernel::span},
        {dense("global, plane runs and the planes past the last run", shape{3, 2 * width + 3, 5, 9}, shape{3, 2 * width + 3, 1, 1}),
         permutes ? forward_kernel::plane_run : forward_kernel::span},
        {nhwc("channels-last, 64 channels", shape{2, 64, 14, 14}, shape{2, 64, 7, 7}), forward_kernel::channels_last},
        {nhwc("channels-last, sums in memory", shape{1, 64, side, side}, shape{1, 64, 1, 1}), forward_kernel::channels_last},
        {nhwc("channels-last, a tail of channels", shape{1, 3 * width + 5, 9, 10}, shape{1, 3 * width + 5, 4, 3}),
         forward_kernel::channels_last},
        {nhwc("HWC image, uneven windows", shape{1, 3, 40, 61}, shape{1, 3, 8, 12}), forward_kernel::interleaved_rows},
        {nhwc("HWC image, windows of one size: lane permutes", shape{1, 3, 40, 60}, shape{1, 3, 8, 12}), forward_kernel::interleaved_rows},
        {dense("rows, windows of 3: lane permutes", shape{1, 2, 40, 120}, shape{1, 2, 20, 40}), forward_kernel::rows},
        {apool_test::padded("no contiguous dim", shape{2, 3, 11, 9}, shape{2, 3, 4, 5}), forward_kernel::generic},
    };
    for (const path& p : paths) {
        for (bool with_executor : {false, true}) {
            CHECK(check_pair_path(p.shape, forward_kernel::automatic, with_executor) == p.automatic);
            for (forward_kernel wanted : {forward_kernel::plane_run, forward_kernel::tiles, forward_kernel::span, forward_kernel::rows,
                                          forward_kernel::interleaved_rows, forward_kernel::channels_last_sums, forward_kernel::channels_last,
                                          forward_kernel::generic}) {
                const forward_kernel ran = check_pair_path(p.shape, wanted, with_executor);
                const forward_kernel expected = wanted == forward_kernel::channels_last_sums ? forward_kernel::channels_last : wanted;
                CHECK((ran == forward_kernel::none || ran == expected));
            }
        }
    }
    // Outputs laid out differently, and the average's own narrow rows: no pair.
    std::vector<float> values(2 * 3 * 56 * 56), avg(2 * 3 * 49), max(2 * 3 * 49 * 2);
    const apool::strided_view<const float, 4> input(values.data(), {2, 3, 56, 56});
    const apool::strided_view<float, 4> avg_view(avg.data(), {2, 3, 7, 7});
    const apool::strided_view<float, 4> spread_max(max.data(), {2, 3, 7, 7}, apool_test::row_major<4>({2, 3, 7, 7}, 2));
    const apool::strided_view<std::int64_t, 4>* no_indices = nullptr;
    CHECK(apool::detail::plan_pair<2>(input, avg_view, spread_max, no_indices, false).kernel == forward_kernel::none);
    CHECK(apool::detail::plan_pair<2>(input, avg_view, avg_view, no_indices, false, forward_kernel::narrow_rows).kernel == forward_kernel::none);
}

TEST_CASE("avg_max through the tiles: dense outputs, indices laid out apart", "[avg_max][paths]") {
    using shape = std::array<std::ptrdiff_t, 4>;
    const shape in_extents{2, 20, 13, 13}, out_extents{2, 20, 4, 4};
    const std::vector<float> values = tied_values<float>(count_of(in_extents), 31);
    const apool::strided_view<const float, 4> input(values.data(), in_extents);
    std::vector<float> avg(count_of(out_extents)), max(avg.size()), avg_expected(avg.size()), max_expected(avg.size());
    std::vector<std::int64_t> indices(2 * avg.size(), -1), index_expected(2 * avg.size(), -1);
    std::array<std::ptrdiff_t, 4> spread = apool_test::row_major<4>(out_extents);
    for (std::ptrdiff_t& stride : spread) stride *= 2;
    apool::adaptive_avg_max_pool2d(input, apool::strided_view<float, 4>(avg.data(), out_extents), apool::strided_view<float, 4>(max.data(), out_extents),
                                   apool::strided_view<std::int64_t, 4>(indices.data(), out_extents, spread));
    apool::adaptive_avg_pool2d(input, apool::strided_view<float, 4>(avg_expected.data(), out_extents));
    apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(max_expected.data(), out_extents),
                               apool::strided_view<std::int64_t, 4>(index_expected.data(), out_extents, spread));
    CHECK(same_bytes(avg, avg_expected));
    CHECK(same_bytes(max, max_expected));
    CHECK(same_bytes(indices, index_expected));
}

TEST_CASE("avg_max writes both halves of one [N, 2C] buffer (catavgmax)", "[avg_max]") {
    const std::ptrdiff_t n = 3, c = 40;
    const std::vector<float> values = tied_values<float>(static_cast<std::size_t>(n * c * 49), 3);
    const apool::strided_view<const float, 4> input(values.data(), {n, c, 7, 7});
    std::vector<float> features(static_cast<std::size_t>(n * 2 * c), -1.0f);
    apool::adaptive_avg_max_pool2d(input, apool::strided_view<float, 4>(features.data(), {n, c, 1, 1}, {2 * c, 1, 1, 1}),
                                   apool::strided_view<float, 4>(features.data() + c, {n, c, 1, 1}, {2 * c, 1, 1, 1}));
    std::vector<float> avg(static_cast<std::size_t>(n * c)), max(avg.size());
    apool::adaptive_avg_pool2d(input, apool::strided_view<float, 4>(avg.data(), {n, c, 1, 1}));
    apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(max.data(), {n, c, 1, 1}));
    std::vector<float> expected;
    for (std::ptrdiff_t b = 0; b < n; ++b) {
        expected.insert(expected.end(), avg.begin() + b * c, avg.begin() + (b + 1) * c);
        expected.insert(expected.end(), max.begin() + b * c, max.begin() + (b + 1) * c);
    }
    CHECK(same_bytes(features, expected));
}

TEST_CASE("avg_max rejects written views that share an element, and writes nothing", "[avg_max][errors]") {
    const std::vector<float> values = tied_values<float>(2 * 4 * 25, 4);
    const apool::strided_view<const float, 4> input(values.data(), {2, 4, 5, 5});
    std::vector<float> buffer(64, -1.0f);
    std::vector<std::int64_t> indices(8, -1);
    auto view = [&](std::ptrdiff_t first, std::array<std::ptrdiff_t, 4> strides) {
        return apool::strided_view<float, 4>(buffer.data() + first, {2, 4, 1, 1}, strides);
    };
    auto rejects = [&](auto call, const char* message) {
        const std::vector<float> before = buffer;
        CHECK_THROWS_WITH(call(), Catch::Contains(message));
        CHECK(same_bytes(buffer, before));
        CHECK(indices == std::vector<std::int64_t>(8, -1));
    };
    // Interleaved by one element: avg at even, max at odd positions is legal;
    // moved by two, they share elements.
    CHECK_NOTHROW(apool::adaptive_avg_max_pool2d(input, view(0, {8, 2, 1, 1}), view(1, {8, 2, 1, 1})));
    rejects([&] { apool::adaptive_avg_max_pool2d(input, view(0, {8, 2, 1, 1}), view(2, {8, 2, 1, 1})); },
            "apool::adaptive_avg_max_pool2d: max_output overlaps avg_output in memory");
    // Different strides: the walk decides. Rows of 4 at stride 8 against
    // every other element from 4 on: apart; from 3 on: shared.
    CHECK_NOTHROW(apool::adaptive_avg_max_pool2d(input, view(0, {8, 1, 1, 1}), apool::strided_view<float, 4>(buffer.data() + 4, {2, 4, 1, 1}, {16, 1, 1, 1})));
    rejects([&] { apool::adaptive_avg_max_pool2d(input, view(0, {8, 1, 1, 1}), view(3, {16, 2, 1, 1})); },
            "max_output overlaps avg_output in memory");
    // The indices are written too.
    rejects([&] {
        apool::adaptive_avg_max_pool2d(input, view(0, {8, 1, 1, 1}), view(32, {8, 1, 1, 1}),
                                       apool::strided_view<std::int64_t, 4>(reinterpret_cast<std::int64_t*>(buffer.data() + 4), {2, 4, 1, 1}));
    }, "indices overlaps avg_output in memory");
}

TEST_CASE("avg_max gradient equals the average's gradient, then the max's accumulated", "[avg_max][backward]") {
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::sliced}) {
        for (auto update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
            for (const auto& shape : std::vector<std::array<std::ptrdiff_t, 4>>{{2, 5, 13, 13}, {2, 64, 48, 48}, {1, 3, 5, 6}}) {
                const std::array<std::ptrdiff_t, 4> out{shape[0], shape[1], 4, 3};
                const std::vector<float> values = tied_values<float>(count_of(shape), 12);
                const apool::strided_view<const float, 4> input(values.data(), shape);
                std::vector<float> avg(count_of(out)), max(count_of(out));
                std::vector<std::int64_t> indices(count_of(out));
                apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(max.data(), out), apool::strided_view<std::int64_t, 4>(indices.data(), out));
                const std::vector<float> grad_avg = tied_values<float>(avg.size(), 13), grad_max = tied_values<float>(avg.size(), 14);
                const apool::strided_view<const float, 4> avg_view(grad_avg.data(), out), max_view(grad_max.data(), out);
                const apool::strided_view<const std::int64_t, 4> index_view(indices.data(), out);
                const std::vector<float> start = tied_values<float>(count_of(shape), 15);
                auto expected = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                auto got = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                auto pooled = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                apool::adaptive_avg_pool2d_backward(avg_view, expected->view(), update);
                apool::adaptive_max_pool2d_backward(max_view, index_view, expected->view(), apool::gradient_update::accumulate);
                apool::adaptive_avg_max_pool2d_backward(avg_view, max_view, index_view, got->view(), update);
                apool::adaptive_avg_max_pool2d_backward(avg_view, max_view, index_view, pooled->view(), update, reverse_order{});
                INFO(apool_test::layout_name(kind) << " " << apool_test::describe_extents(shape) << " update " << static_cast<int>(update));
                CHECK(same_bytes(got->logical(), expected->logical()));
                CHECK(same_bytes(pooled->logical(), expected->logical()));
                CHECK(got->padding_untouched());
            }
        }
    }
}
