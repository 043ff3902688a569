// apool::strided_view: row-major strides, explicit strides, element access,
// size, and the conversion to a view of const.
#include <apool/strided_view.hpp>

#include <array>
#include <cstddef>
#include <numeric>
#include <type_traits>
#include <vector>

#include "catch.hpp"

namespace {

// Row-major position by Horner's rule: the definition the strides must match.
std::ptrdiff_t horner(const std::array<std::ptrdiff_t, 3>& index, const std::array<std::ptrdiff_t, 3>& extents) {
    return (index[0] * extents[1] + index[1]) * extents[2] + index[2];
}

static_assert(apool::strided_view<float, 3>::rank() == 3, "rank() is the template rank");
static_assert(std::is_convertible<apool::strided_view<float, 2>, apool::strided_view<const float, 2>>::value,
              "a view converts to a view of const");
static_assert(!std::is_convertible<apool::strided_view<const float, 2>, apool::strided_view<float, 2>>::value,
              "a view of const never converts to a mutable view");
static_assert(!std::is_convertible<apool::strided_view<float, 2>, apool::strided_view<const double, 2>>::value,
              "views of different element types do not convert");
static_assert(!std::is_convertible<apool::strided_view<float, 2>, apool::strided_view<float, 3>>::value,
              "views of different ranks do not convert");

constexpr std::array<std::ptrdiff_t, 3> compile_time_strides = apool::row_major_strides<3>({2, 3, 4});
static_assert(compile_time_strides[2] == 1, "row_major_strides is usable in constant expressions");

}  // namespace

TEST_CASE("a view built from extents alone is row-major", "[view]") {
    for (const std::array<std::ptrdiff_t, 3>& extents :
         {std::array<std::ptrdiff_t, 3>{2, 3, 4}, {1, 1, 1}, {5, 1, 7}, {1, 9, 2}, {3, 4, 1}}) {
        std::vector<int> data(static_cast<std::size_t>(extents[0] * extents[1] * extents[2]));
        std::iota(data.begin(), data.end(), 0);
        const apool::strided_view<int, 3> view(data.data(), extents);
        CHECK(view.extents() == extents);
        CHECK(view.strides() == apool::row_major_strides(extents));
        CHECK(view.size() == static_cast<std::ptrdiff_t>(data.size()));
        for (std::ptrdiff_t i = 0; i < extents[0]; ++i) {
            for (std::ptrdiff_t j = 0; j < extents[1]; ++j) {
                for (std::ptrdiff_t k = 0; k < extents[2]; ++k) CHECK(view(i, j, k) == horner({i, j, k}, extents));
            }
        }
    }
}

TEST_CASE("row_major_strides: each stride is the product of the later extents", "[view]") {
    const std::array<std::ptrdiff_t, 4> extents{3, 0, 5, 2};
    const auto strides = apool::row_major_strides(extents);
    for (std::size_t d = 0; d < extents.size(); ++d) {
        std::ptrdiff_t product = 1;
        for (std::size_t later = d + 1; later < extents.size(); ++later) product *= extents[later];
        CHECK(strides[d] == product);
    }
    CHECK(apool::row_major_strides<1>({6})[0] == 1);
}

TEST_CASE("explicit strides address data + sum(index * stride), negative and zero strides included", "[view]") {
    std::vector<int> data(64);
    std::iota(data.begin(), data.end(), 0);
    // Column-major 3 x 4 starting at element 5.
    const apool::strided_view<int, 2> column_major(data.data() + 5, {3, 4}, {1, 3});
    // Rows reversed: the data pointer names the last row's first element.
    const apool::strided_view<int, 2> reversed(data.data() + 2 * 10, {3, 4}, {-10, 1});
    // The same row repeated: a zero stride, legal in inputs.
    const apool::strided_view<const int, 2> broadcast(data.data() + 7, {5, 4}, {0, 2});
    for (std::ptrdiff_t i = 0; i < 3; ++i) {
        for (std::ptrdiff_t j = 0; j < 4; ++j) {
            CHECK(column_major(i, j) == 5 + i * 1 + j * 3);
            CHECK(reversed(i, j) == 20 - 10 * i + j);
        }
    }
    for (std::ptrdiff_t i = 0; i < 5; ++i) {
        for (std::ptrdiff_t j = 0; j < 4; ++j) CHECK(broadcast(i, j) == 7 + 2 * j);
    }
    CHECK(column_major.stride(0) == 1);
    CHECK(column_major.stride(1) == 3);
    CHECK(column_major.extent(0) == 3);
    CHECK(column_major.extent(1) == 4);
    CHECK(column_major.data() == data.data() + 5);
}

TEST_CASE("operator() returns a reference that writes through", "[view]") {
    std::vector<double> data(12, 0.0);
    const apool::strided_view<double, 2> view(data.data(), {3, 4});
    view(2, 1) = 4.5;
    CHECK(data[2 * 4 + 1] == 4.5);
    static_assert(std::is_same<decltype(view(0, 0)), double&>::value, "mutable views give mutable references");
    const apool::strided_view<const double, 2> constant = view;
    static_assert(std::is_same<decltype(constant(0, 0)), const double&>::value, "views of const give const references");
    CHECK(&constant(2, 1) == &data[9]);
}

TEST_CASE("conversion to a view of const keeps data, extents and strides", "[view]") {
    std::vector<float> data(40);
    const apool::strided_view<float, 3> view(data.data() + 3, {2, 3, 4}, {20, -4, 2});
    const apool::strided_view<const float, 3> constant = view;
    CHECK(constant.data() == view.data());
    CHECK(constant.extents() == view.extents());
    CHECK(constant.strides() == view.strides());
}

TEST_CASE("size is the product of the extents, zero when any extent is zero", "[view]") {
    const apool::strided_view<float, 3> empty(nullptr, {4, 0, 3});
    CHECK(empty.size() == 0);
    const apool::strided_view<float, 1> single(nullptr, {1});
    CHECK(single.size() == 1);
    const apool::strided_view<float, 4> many(nullptr, {2, 3, 5, 7});
    CHECK(many.size() == 2 * 3 * 5 * 7);
    const apool::strided_view<float, 2> defaulted;
    CHECK(defaulted.data() == nullptr);
    CHECK(defaulted.size() == 0);
}
