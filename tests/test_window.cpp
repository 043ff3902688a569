// The window rule against its definition computed independently in 128-bit
// arithmetic, and the division-free window sequence against the formula.
#include <apool/window.hpp>

#include <cstdint>
#include <vector>

#include "catch.hpp"

namespace {

__extension__ typedef __int128 wide_int;  // GCC and Clang; __extension__ keeps -Wpedantic quiet

// floor(o * in / out) and ceil((o + 1) * in / out) without any chance of overflow.
apool::window definition(std::int64_t o, std::int64_t in, std::int64_t out) {
    const wide_int start = static_cast<wide_int>(o) * in / out;
    const wide_int end_numerator = static_cast<wide_int>(o + 1) * in;
    const wide_int end = (end_numerator + out - 1) / out;
    return {static_cast<std::ptrdiff_t>(start), static_cast<std::ptrdiff_t>(end)};
}

}  // namespace

TEST_CASE("window_start and window_end follow floor/ceil of o*In/Out", "[window]") {
    for (std::int64_t in = 1; in <= 40; ++in) {
        for (std::int64_t out = 1; out <= 45; ++out) {
            for (std::int64_t o = 0; o < out; ++o) {
                const apool::window expected = definition(o, in, out);
                REQUIRE(apool::window_start(o, in, out) == expected.start);
                REQUIRE(apool::window_end(o, in, out) == expected.end);
                REQUIRE(apool::adaptive_window(o, in, out) == expected);
            }
        }
    }
}

TEST_CASE("large sizes where float arithmetic would round the window", "[window]") {
    // (2^24 + 1) inputs: a float cannot hold o * In / Out exactly here.
    const std::int64_t in = (std::int64_t{1} << 24) + 1;
    for (std::int64_t out : {std::int64_t{3}, std::int64_t{7}, std::int64_t{1000003}}) {
        for (std::int64_t o : {std::int64_t{0}, out / 3, out / 2, out - 1}) {
            REQUIRE(apool::adaptive_window(o, in, out) == definition(o, in, out));
        }
    }
}

TEST_CASE("adaptive_windows lists every window in order", "[window]") {
    for (std::int64_t in = 1; in <= 64; ++in) {
        for (std::int64_t out = 0; out <= 70; ++out) {
            const apool::adaptive_windows windows(in, out);
            REQUIRE(windows.size() == out);
            std::int64_t o = 0;
            for (apool::window w : windows) {
                REQUIRE(w == definition(o, in, out));
                REQUIRE(windows[o] == w);
                ++o;
            }
            REQUIRE(o == out);
        }
    }
}

TEST_CASE("the README's example: 5 inputs pool to 3 outputs", "[window]") {
    std::vector<apool::window> seen;
    for (apool::window w : apool::adaptive_windows(5, 3)) seen.push_back(w);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == definition(0, 5, 3));
    CHECK(seen[1] == definition(1, 5, 3));
    CHECK(seen[2] == definition(2, 5, 3));
}

TEST_CASE("begin_at starts the walk at any output", "[window]") {
    for (std::int64_t in = 1; in <= 23; ++in) {
        for (std::int64_t out = 1; out <= 23; ++out) {
            const apool::adaptive_windows windows(in, out);
            for (std::int64_t first = 0; first <= out; ++first) {
                INFO(in << " -> " << out << " from output " << first);
                auto at = windows.begin_at(first);
                REQUIRE(at.index() == first);
                for (std::int64_t o = first; o < out; ++o, ++at) REQUIRE(*at == definition(o, in, out));
                REQUIRE(at == windows.end());
            }
        }
    }
}
