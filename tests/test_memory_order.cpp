// detail::order_by_memory and detail::for_each_line: on every test layout,
// the lines visit each element of the view exactly once (a broadcast dim's
// repeats once), and dense memory of any dim order is one line.
#include <apool/detail/memory_order.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::layout_kind;

/// The addresses the view's logical elements occupy, sorted, each once.
template <std::size_t Rank>
std::vector<const int*> element_addresses(const apool::strided_view<const int, Rank>& view) {
    std::vector<const int*> addresses;
    apool_test::naive::for_each_multi_index(view.extents(), [&](const std::array<std::ptrdiff_t, Rank>& index) {
        std::ptrdiff_t at = 0;
        for (std::size_t d = 0; d < Rank; ++d) at += index[d] * view.stride(d);
        addresses.push_back(view.data() + at);
    });
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    return addresses;
}

/// Every address the lines visit, sorted, repeats kept.
template <std::size_t Rank>
std::vector<const int*> visited_addresses(const apool::strided_view<const int, Rank>& view) {
    std::vector<const int*> addresses;
    const auto order = apool::detail::order_by_memory(view);
    if (order.empty) return addresses;
    apool::detail::for_each_line(view.data(), order, [&](const int* line) {
        for (std::ptrdiff_t i = 0; i < order.line_length(); ++i) addresses.push_back(line + i * order.line_stride());
    });
    std::sort(addresses.begin(), addresses.end());
    return addresses;
}

template <std::size_t Rank>
std::string describe(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::string text;
    for (std::ptrdiff_t e : extents) text += std::to_string(e) + " ";
    return text;
}

template <std::size_t Rank>
void check_every_layout(std::size_t spatial, const std::array<std::ptrdiff_t, Rank>& extents) {
    std::ptrdiff_t count = 1;
    for (std::ptrdiff_t e : extents) count *= e;
    const std::vector<int> values(static_cast<std::size_t>(count), 1);
    for (layout_kind kind : apool_test::all_layouts()) {
        const auto tensor = apool_test::lay_out<int, Rank>(kind, spatial, extents, values, 0);
        if (!tensor) continue;
        INFO("layout " << apool_test::layout_name(kind) << ", extents " << describe(extents));
        const auto view = tensor->const_view();
        CHECK(visited_addresses(view) == element_addresses(view));
        if (kind == layout_kind::contiguous || kind == layout_kind::channels_last) {
            const auto order = apool::detail::order_by_memory(view);
            CHECK(order.line_length() == count);
            CHECK((count == 1 || order.line_stride() == 1));
        }
    }
}

}  // namespace

TEST_CASE("memory order: every element once, in lines", "[memory_order]") {
    check_every_layout<3>(1, {3, 4, 5});
    check_every_layout<3>(1, {2, 1, 7});
    check_every_layout<4>(2, {2, 3, 4, 5});
    check_every_layout<4>(2, {1, 3, 1, 5});
    check_every_layout<4>(2, {2, 1, 4, 1});
    check_every_layout<5>(3, {2, 3, 2, 3, 4});
    check_every_layout<5>(3, {1, 1, 1, 1, 1});
    check_every_layout<2>(2, {6, 7});
    check_every_layout<1>(1, {9});
}

TEST_CASE("memory order: empty views, repeated and overlapping elements", "[memory_order]") {
    std::vector<int> buffer(64, 0);
    SECTION("an extent of 0 anywhere is empty, whatever the other extents") {
        const apool::strided_view<const int, 3> view(buffer.data(), {4, 0, 3});
        CHECK(apool::detail::order_by_memory(view).empty);
        CHECK(visited_addresses(view).empty());
    }
    SECTION("stride 0 in every dim: the one element, once") {
        const apool::strided_view<const int, 3> view(buffer.data(), {4, 5, 3}, {0, 0, 0});
        CHECK(visited_addresses(view) == std::vector<const int*>{buffer.data()});
    }
    SECTION("rows that overlap (stride 3 between rows of 5): every element, some twice") {
        const apool::strided_view<const int, 2> view(buffer.data(), {4, 5}, {3, 1});
        std::vector<const int*> visited = visited_addresses(view);
        CHECK(visited.size() == 20);
        visited.erase(std::unique(visited.begin(), visited.end()), visited.end());
        CHECK(visited == element_addresses(view));
    }
}
