// detail/work_split.hpp: the parts a plan cuts a call into.
#include <apool/detail/work_split.hpp>

#include <array>
#include <cstddef>
#include <vector>

#include "catch.hpp"

using apool::detail::outputs_reaching;
using apool::detail::part_of;
using apool::detail::split_work;
using apool::detail::work_part;
using apool::detail::work_split;

TEST_CASE("part_of cuts a range into nearly equal parts that cover it once", "[work_split]") {
    for (std::ptrdiff_t extent = 1; extent <= 40; ++extent) {
        for (std::ptrdiff_t parts = 1; parts <= extent; ++parts) {
            std::ptrdiff_t next = 0;
            for (std::ptrdiff_t p = 0; p < parts; ++p) {
                const apool::window w = part_of(extent, p, parts);
                REQUIRE(w.start == next);
                REQUIRE(w.size() >= extent / parts);
                REQUIRE(w.size() <= extent / parts + 1);
                next = w.end;
            }
            REQUIRE(next == extent);
        }
    }
}

TEST_CASE("outputs_reaching lists exactly the outputs whose windows meet a range", "[work_split]") {
    for (std::ptrdiff_t in = 1; in <= 19; ++in) {
        for (std::ptrdiff_t out = 1; out <= 23; ++out) {
            for (std::ptrdiff_t start = 0; start < in; ++start) {
                for (std::ptrdiff_t end = start + 1; end <= in; ++end) {
                    const apool::window reaching = outputs_reaching({start, end}, in, out);
                    for (std::ptrdiff_t o = 0; o < out; ++o) {
                        const apool::window w = apool::adaptive_window(o, in, out);
                        const bool meets = w.start < end && start < w.end;
                        INFO(in << " -> " << out << ", range [" << start << ", " << end << "), output " << o);
                        REQUIRE(meets == (o >= reaching.start && o < reaching.end));
                    }
                }
            }
        }
    }
}

TEST_CASE("split_work: small calls and calls without an executor are one task", "[work_split]") {
    const std::ptrdiff_t small = apool::detail::parallel_from_elements - 1;
    CHECK(split_work(small, 1000, true, 64, true, 16, {100, 100}).tasks == 1);
    const work_split plain = split_work(std::ptrdiff_t(1) << 26, 3, false, 64, true, 16, {100, 100});
    CHECK(plain.tasks == 1);
    CHECK(plain.items() == 3);
    CHECK(!plain.cuts_planes());
}

TEST_CASE("split_work: few planes are cut, channels in long blocks of whole vectors first", "[work_split]") {
    const std::ptrdiff_t large = std::ptrdiff_t(1) << 22;
    // One plane of 512 channels: channel blocks of whole vectors.
    const work_split channels = split_work(large, 1, true, 512, true, 16, {6, 6});
    CHECK(channels.tasks >= 16);
    CHECK(channels.channel_block % 16 == 0);
    CHECK(channels.items() >= channels.tasks);
    // The blocks cover every channel once.
    std::vector<int> seen(512, 0);
    for (std::ptrdiff_t item = 0; item < channels.items(); ++item) {
        const work_part part = channels.part(item);
        if (part.spatial_part[0] != 0 || part.spatial_part[1] != 0) continue;
        for (std::ptrdiff_t c = part.first_channel; c < part.first_channel + part.channels; ++c) ++seen[static_cast<std::size_t>(c)];
    }
    for (int s : seen) REQUIRE(s == 1);
    // Three planes, nothing but rows to cut: parts of dim 0, then dim 1.
    const work_split rows = split_work(large, 3, true, 0, false, 16, {13, 5});
    CHECK(rows.channel_blocks == 1);
    CHECK(rows.spatial_parts[0] <= 13);
    CHECK(rows.items() >= 16);
    // Blocks keep at least fewest_block_vectors vectors while the spatial
    // dims can take the rest: a 1x2048x64x64 -> 6x6 channels-last call.
    const work_split long_runs = split_work(2048 * 64 * 64, 1, true, 2048, true, 16, {6, 6});
    CHECK(long_runs.channel_block >= 16 * apool::detail::fewest_block_vectors);
    CHECK(long_runs.spatial_parts[0] * long_runs.spatial_parts[1] > 1);
    CHECK(long_runs.tasks >= 16);
    // A global pooling has no spatial parts: shorter blocks give the tasks.
    const work_split global = split_work(2048 * 64 * 64, 1, true, 2048, true, 16, {1, 1});
    CHECK(global.channel_block < 16 * apool::detail::fewest_block_vectors);
    CHECK(global.channel_block % 16 == 0);
    CHECK(global.tasks >= 16);
    // Many planes: no cut, and at most 256 tasks.
    const work_split many = split_work(std::ptrdiff_t(1) << 30, 100000, true, 64, true, 16, {7, 7});
    CHECK(!many.cuts_planes());
    CHECK(many.tasks == 256);
}
