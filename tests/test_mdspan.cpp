// apool/interop/mdspan.hpp: views of mdspans of each supported layout, with
// static and dynamic extents, keep the data pointer, extents, strides and
// constness, and pool as the same memory seen through hand-made views does.
// CI builds it against tests/mdspan_stand_in.hpp; with one of these macros it
// builds against a real mdspan instead (tests/packaging/check_newest_dependencies.sh):
//   APOOL_TEST_MDSPAN_KOKKOS        Kokkos' <mdspan/mdspan.hpp>, Kokkos::
//   APOOL_TEST_MDSPAN_EXPERIMENTAL  Kokkos' <experimental/mdspan>, std::
//   APOOL_TEST_MDSPAN_STD           C++23's <mdspan>, std::
#if defined(APOOL_TEST_MDSPAN_KOKKOS)
#include <mdspan/mdspan.hpp>
namespace md = Kokkos;
#elif defined(APOOL_TEST_MDSPAN_EXPERIMENTAL)
#include <experimental/mdspan>
namespace md = std;
#elif defined(APOOL_TEST_MDSPAN_STD)
#include <mdspan>
namespace md = std;
#else
#include "mdspan_stand_in.hpp"
namespace md = apool_test_mdspan;
#endif

#include <apool/apool.hpp>
#include <apool/interop/mdspan.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

#include "catch.hpp"

namespace {

using extents_3 = std::array<std::ptrdiff_t, 3>;

std::vector<float> normal_values(std::size_t count, unsigned seed) {
    std::vector<float> values(count);
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    for (float& value : values) value = normal(random);
    return values;
}

}  // namespace

TEST_CASE("from_mdspan keeps the pointer, extents and strides of layout_right, layout_left and layout_stride", "[mdspan]") {
    std::vector<float> buffer(100);
    const std::ptrdiff_t c = 2, h = 4, w = 5;

    // Static extents around a dynamic one.
    using mixed = md::extents<std::size_t, c, md::dynamic_extent, w>;
    const md::mdspan<float, mixed, md::layout_right> right(buffer.data() + 1, h);
    const auto right_view = apool::from_mdspan(right);
    static_assert(std::is_same<decltype(right_view), const apool::strided_view<float, 3>>::value, "float stays float");
    CHECK(right_view.data() == buffer.data() + 1);
    CHECK(right_view.extents() == extents_3{c, h, w});
    CHECK(right_view.strides() == apool::row_major_strides<3>({c, h, w}));

    // Static extents only, of a signed index type, and const elements.
    using fixed = md::extents<int, c, h, w>;
    const md::mdspan<const float, fixed, md::layout_left> left(buffer.data() + 2);
    const auto left_view = apool::from_mdspan(left);
    static_assert(std::is_same<decltype(left_view), const apool::strided_view<const float, 3>>::value,
                  "const float stays const");
    CHECK(left_view.data() == buffer.data() + 2);
    CHECK(left_view.extents() == extents_3{c, h, w});
    CHECK(left_view.strides() == extents_3{1, c, c * h});

    // Dynamic extents only; channels-last with rows padded by 3 elements.
    using dynamic = md::extents<std::ptrdiff_t, md::dynamic_extent, md::dynamic_extent, md::dynamic_extent>;
    const md::layout_stride::mapping<dynamic> channels_last(dynamic(c, h, w), std::array<std::ptrdiff_t, 3>{1, w * c + 3, c});
    const md::mdspan<const float, dynamic, md::layout_stride> strided(buffer.data() + 3, channels_last);
    const auto strided_view = apool::from_mdspan(strided);
    static_assert(std::is_same<decltype(strided_view), const apool::strided_view<const float, 3>>::value,
                  "const float stays const");
    CHECK(strided_view.data() == buffer.data() + 3);
    CHECK(strided_view.extents() == extents_3{c, h, w});
    CHECK(strided_view.strides() == extents_3{1, w * c + 3, c});
}

TEST_CASE("views from mdspans pool as hand-made views of the same memory do", "[mdspan]") {
    const std::ptrdiff_t n = 2, c = 3, h = 7, w = 5, oh = 3, ow = 2;
    using dims_4 = md::extents<std::ptrdiff_t, md::dynamic_extent, md::dynamic_extent, md::dynamic_extent, md::dynamic_extent>;
    const std::array<std::ptrdiff_t, 4> input_extents{n, c, h, w}, output_extents{n, c, oh, ow};
    const std::vector<float> input = normal_values(static_cast<std::size_t>(n * c * h * w), 21);

    SECTION("max: channels-last layout_stride in, layout_left values, layout_right indices with static extents") {
        const std::array<std::ptrdiff_t, 4> channels_last{h * w * c, 1, w * c, c};
        const md::mdspan<const float, dims_4, md::layout_stride> input_span(
            input.data(), md::layout_stride::mapping<dims_4>(dims_4(n, c, h, w), channels_last));
        std::vector<float> got(static_cast<std::size_t>(n * c * oh * ow)), expected(got.size());
        std::vector<std::int64_t> got_indices(got.size()), expected_indices(got.size());
        apool::adaptive_max_pool2d(apool::from_mdspan(input_span),
                                   apool::from_mdspan(md::mdspan<float, dims_4, md::layout_left>(got.data(), n, c, oh, ow)),
                                   apool::from_mdspan(md::mdspan<std::int64_t, md::extents<int, n, c, oh, ow>, md::layout_right>(
                                       got_indices.data())));

        const std::array<std::ptrdiff_t, 4> column_major{1, n, n * c, n * c * oh};
        apool::adaptive_max_pool2d(apool::strided_view<const float, 4>(input.data(), input_extents, channels_last),
                                   apool::strided_view<float, 4>(expected.data(), output_extents, column_major),
                                   apool::strided_view<std::int64_t, 4>(expected_indices.data(), output_extents));
        CHECK(got == expected);
        CHECK(got_indices == expected_indices);
    }

    SECTION("average: layout_left in, layout_right out") {
        std::vector<double> input_double(input.begin(), input.end());
        const md::mdspan<const double, dims_4, md::layout_left> input_span(input_double.data(), n, c, h, w);
        std::vector<double> got(static_cast<std::size_t>(n * c * oh * ow)), expected(got.size());
        apool::adaptive_avg_pool2d(apool::from_mdspan(input_span),
                                   apool::from_mdspan(md::mdspan<double, dims_4, md::layout_right>(got.data(), n, c, oh, ow)));

        const std::array<std::ptrdiff_t, 4> column_major{1, n, n * c, n * c * h};
        apool::adaptive_avg_pool2d(apool::strided_view<const double, 4>(input_double.data(), input_extents, column_major),
                                   apool::strided_view<double, 4>(expected.data(), output_extents));
        CHECK(got == expected);
    }
}

#if defined(APOOL_TEST_MDSPAN_KOKKOS) || defined(APOOL_TEST_MDSPAN_EXPERIMENTAL)
TEST_CASE("an mdspan of Kokkos' layout_right_padded converts to layout_stride, as from_mdspan's message says", "[mdspan]") {
    std::vector<float> buffer(40);
    using dims_2 = md::dextents<std::size_t, 2>;
    const md::mdspan<float, dims_2, md::MDSPAN_IMPL_PROPOSED_NAMESPACE::layout_right_padded<8>> padded(buffer.data(), 3, 5);
    const auto view = apool::from_mdspan(md::mdspan<float, dims_2, md::layout_stride>(padded));
    CHECK(view.data() == buffer.data());
    CHECK(view.extents() == std::array<std::ptrdiff_t, 2>{3, 5});
    CHECK(view.strides() == std::array<std::ptrdiff_t, 2>{static_cast<std::ptrdiff_t>(padded.stride(0)), 1});
}
#endif
