// walk.hpp's plane numbering: for_each_plane over every sub-range of the
// planes, with each leading dim left out in turn (or none), visits exactly
// the planes of those numbers, in order, with the offsets their multi-index
// gives; for_each_plane_group cuts the same sequence into groups.
#include "catch.hpp"

#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <vector>

namespace {

using apool::detail::leading_layout;
using apool::detail::plane_offsets;

/// The offsets of every plane, by its multi-index in row-major order with dim
/// `skip` left out: the definition for_each_plane must follow.
std::vector<plane_offsets> planes_in_order(const leading_layout<3>& layout, std::size_t skip) {
    std::vector<plane_offsets> planes;
    std::array<std::ptrdiff_t, 3> extent{};
    for (std::size_t d = 0; d < 3; ++d) extent[d] = d == skip ? 1 : layout.extent[d];
    for (std::ptrdiff_t i = 0; i < extent[0]; ++i) {
        for (std::ptrdiff_t j = 0; j < extent[1]; ++j) {
            for (std::ptrdiff_t k = 0; k < extent[2]; ++k) {
                const std::array<std::ptrdiff_t, 3> at{i, j, k};
                plane_offsets offsets;
                for (std::size_t d = 0; d < 3; ++d) {
                    offsets.in += at[d] * layout.in_stride[d];
                    offsets.out += at[d] * layout.out_stride[d];
                    offsets.index += at[d] * layout.index_stride[d];
                }
                planes.push_back(offsets);
            }
        }
    }
    return planes;
}

bool same(const plane_offsets& a, const plane_offsets& b) { return a.in == b.in && a.out == b.out && a.index == b.index; }

}  // namespace

TEST_CASE("for_each_plane: every sub-range, each dim left out in turn", "[walk]") {
    leading_layout<3> layout;
    layout.extent = {3, 4, 5, 1};
    layout.in_stride = {1000, -7, 30, 0};
    layout.out_stride = {1, 100, 3, 0};
    layout.index_stride = {11, 13, -17, 0};
    for (std::size_t skip = 0; skip <= 3; ++skip) {
        const auto expected = planes_in_order(layout, skip);
        const auto count = static_cast<std::ptrdiff_t>(expected.size());
        REQUIRE(apool::detail::count_planes(layout, skip) == count);
        std::size_t mismatches = 0;
        for (std::ptrdiff_t first = 0; first <= count; ++first) {
            for (std::ptrdiff_t last = first; last <= count; ++last) {
                std::ptrdiff_t next = first;
                apool::detail::for_each_plane(layout, skip, first, last, [&](const plane_offsets& at) {
                    if (next >= last || !same(at, expected[static_cast<std::size_t>(next)])) ++mismatches;
                    ++next;
                });
                if (next != last) ++mismatches;
            }
        }
        INFO("dim left out: " << skip);
        CHECK(mismatches == 0);
        std::ptrdiff_t next = 0;
        apool::detail::for_each_plane_group<4>(layout, skip, 1, (count + 3) / 4, [&](const plane_offsets* group, std::ptrdiff_t grouped) {
            CHECK(grouped == (count - 4 - next < 4 ? count - 4 - next : 4));
            for (std::ptrdiff_t k = 0; k < grouped; ++k) CHECK(same(group[k], expected[static_cast<std::size_t>(4 + next + k)]));
            next += grouped;
        });
        CHECK(next == count - 4);
    }
}

TEST_CASE("for_each_plane: no leading dims is one plane", "[walk]") {
    leading_layout<0> layout;
    std::ptrdiff_t visits = 0;
    apool::detail::for_each_plane(layout, 0, 0, 1, [&](const plane_offsets& at) {
        CHECK(at.in == 0);
        ++visits;
    });
    apool::detail::for_each_plane(layout, 0, 1, 1, [&](const plane_offsets&) { ++visits; });
    CHECK(visits == 1);
}
