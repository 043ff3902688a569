// The backward kernels' fast paths, each compared bit for bit with a plain
// loop that follows the documented order literally (see
// test_backward_order.cpp): shapes at and around the thresholds where a path
// starts or stops, row tails shorter than a vector, rows longer than one
// chunk of share rows, planes that do not fill a block, and accumulate mode
// onto values that include -0.
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::lay_out;
using apool_test::layout_kind;

/// Values whose sums round differently in different orders, and some -0.0.
template <class T>
std::vector<T> awkward_values(std::size_t count, std::mt19937& random) {
    std::uniform_real_distribution<T> mantissa(T(-1), T(1));
    std::vector<T> values(count);
    for (T& v : values) v = random() % 8 == 0 ? T(-0.0) : std::ldexp(mantissa(random), static_cast<int>(random() % 20) - 10);
    return values;
}

template <std::size_t Rank>
std::size_t count_of(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::size_t count = 1;
    for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

/// For each plane, for each output in row-major order, add grad / k_0 / ... to
/// each element of its window.
template <std::size_t Spatial, class T, std::size_t Rank>
std::vector<T> avg_scatter_in_order(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                                    const std::vector<T>& grad_output, std::vector<T> grad_input) {
    std::array<std::ptrdiff_t, Spatial> in_plane{}, out_plane{};
    std::ptrdiff_t in_size = 1, out_size = 1;
    for (std::size_t d = 0; d < Spatial; ++d) {
        in_plane[d] = in_extents[Rank - Spatial + d];
        out_plane[d] = out_extents[Rank - Spatial + d];
        in_size *= in_plane[d];
        out_size *= out_plane[d];
    }
    const std::ptrdiff_t planes = static_cast<std::ptrdiff_t>(grad_output.size()) / out_size;
    for (std::ptrdiff_t plane = 0; plane < planes; ++plane) {
        std::ptrdiff_t o = 0;
        apool_test::naive::for_each_multi_index(out_plane, [&](const std::array<std::ptrdiff_t, Spatial>& out_position) {
            const auto box = apool_test::naive::window_of(out_position, in_plane, out_plane);
            T share = grad_output[static_cast<std::size_t>(plane * out_size + o++)];
            for (std::size_t d = 0; d < Spatial; ++d) share = share / static_cast<T>(box.size[d]);
            apool_test::naive::for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                std::ptrdiff_t flat = 0;
                for (std::size_t d = 0; d < Spatial; ++d) flat = flat * in_plane[d] + position[d];
                grad_input[static_cast<std::size_t>(plane * in_size + flat)] += share;
            });
        });
    }
    return grad_input;
}

template <std::size_t Spatial, class T, std::size_t Rank>
void check_avg_path(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                    std::mt19937& random) {
    const auto grad_output = awkward_values<T>(count_of(out_extents), random);
    const auto previous = awkward_values<T>(count_of(in_extents), random);
    const auto expected_overwrite = avg_scatter_in_order<Spatial>(in_extents, out_extents, grad_output, std::vector<T>(previous.size(), T(0)));
    const auto expected_accumulate = avg_scatter_in_order<Spatial>(in_extents, out_extents, grad_output, previous);
    // grad_output padded too: its planes are then not one block each.
    const std::pair<layout_kind, layout_kind> kinds[] = {
        {layout_kind::contiguous, layout_kind::contiguous}, {layout_kind::contiguous, layout_kind::padded},
        {layout_kind::padded, layout_kind::padded},         {layout_kind::sliced, layout_kind::sliced},
        {layout_kind::outer_reversed, layout_kind::outer_reversed}, {layout_kind::leading_swapped, layout_kind::leading_swapped},
        {layout_kind::channels_last, layout_kind::channels_last}, {layout_kind::channels_last, layout_kind::contiguous}};
    for (const auto& kind : kinds) {
        auto go = lay_out(kind.second, Spatial, out_extents, grad_output, T(-7));
        auto overwritten = lay_out(kind.first, Spatial, in_extents, previous, T(-9));
        auto accumulated = lay_out(kind.first, Spatial, in_extents, previous, T(-9));
        if (!go || !overwritten || !accumulated) continue;
        INFO("in " << in_extents[Rank - 1] << " -> out " << out_extents[Rank - 1] << " (innermost), " << Rank << "-d, grad_input "
                   << apool_test::layout_name(kind.first) << ", grad_output " << apool_test::layout_name(kind.second) << ", "
                   << sizeof(T) * 8 << "-bit");
        apool::adaptive_avg_pool_backward<Spatial>(go->const_view(), overwritten->view());
        apool::adaptive_avg_pool_backward<Spatial>(go->const_view(), accumulated->view(), apool::gradient_update::accumulate);
        CHECK(apool_test::bit_mismatches("overwrite", overwritten->logical(), expected_overwrite).empty());
        CHECK(apool_test::bit_mismatches("accumulate", accumulated->logical(), expected_accumulate).empty());
        CHECK(overwritten->padding_untouched());
        CHECK(accumulated->padding_untouched());
    }
}

/// Innermost extents (in, out) that give share rows of 1 layer (windows tile
/// the row), 2 (neighbours share a column), 3 to 8 (output larger than input)
/// and more than 8 (the generic kernel), with rows shorter than a vector,
/// exactly one, one more, and longer than a chunk of share rows.
const std::vector<std::array<std::ptrdiff_t, 2>>& row_extents() {
    static const std::vector<std::array<std::ptrdiff_t, 2>> extents = {
        {1, 1},   {3, 1},   {7, 7},    {8, 4},    {13, 7},    {14, 7},   {15, 4},    {16, 16},  {16, 5},     {17, 3},
        {31, 11}, {33, 6},  {56, 7},   {64, 6},   {64, 3},    {5, 13},   {4, 15},    {9, 20},   {2, 40},     {3, 30},
        {1000, 10}, {1100, 1000}, {1500, 700}, {1920, 224}, {2100, 2000}, {700, 1500}, {500, 1400}};
    return extents;
}

template <class T>
void check_avg_rows(std::uint32_t seed) {
    std::mt19937 random(seed);
    for (const auto& row : row_extents()) {
        const std::ptrdiff_t planes = row[0] >= 500 ? 2 : 3;
        check_avg_path<1, T>(std::array<std::ptrdiff_t, 3>{planes, 2, row[0]}, std::array<std::ptrdiff_t, 3>{planes, 2, row[1]}, random);
        const std::ptrdiff_t rows = row[0] >= 500 ? 3 : 5;
        const std::ptrdiff_t out_rows = row[0] >= 500 ? 2 : 3;
        check_avg_path<2, T>(std::array<std::ptrdiff_t, 4>{2, planes, rows, row[0]}, std::array<std::ptrdiff_t, 4>{2, planes, out_rows, row[1]},
                             random);
        if (row[0] < 100) {
            check_avg_path<3, T>(std::array<std::ptrdiff_t, 5>{1, 2, 4, 3, row[0]}, std::array<std::ptrdiff_t, 5>{1, 2, 3, 5, row[1]},
                                 random);
        }
    }
}

/// Many small planes, in counts that leave the last group of a vector's
/// worth of planes part full: the tiled kernel, with outputs fewer than a
/// vector, outputs larger than the input, and rows right below two vectors.
template <class T>
void check_avg_tiles(std::uint32_t seed) {
    std::mt19937 random(seed);
    const std::array<std::ptrdiff_t, 4> planes[] = {{13, 13, 7, 7}, {14, 14, 7, 7}, {4, 4, 2, 2}, {4, 4, 7, 7},  {7, 7, 3, 3},
                                                    {5, 9, 5, 3},   {16, 16, 5, 5}, {8, 31, 3, 4}, {2, 3, 1, 2}, {6, 6, 6, 6}};
    for (const auto& p : planes) {
        for (std::ptrdiff_t channels : {1, 17, 47}) {
            check_avg_path<2, T>(std::array<std::ptrdiff_t, 4>{3, channels, p[0], p[1]}, std::array<std::ptrdiff_t, 4>{3, channels, p[2], p[3]},
                                 random);
        }
    }
    check_avg_path<1, T>(std::array<std::ptrdiff_t, 3>{3, 47, 13}, std::array<std::ptrdiff_t, 3>{3, 47, 5}, random);
    check_avg_path<3, T>(std::array<std::ptrdiff_t, 5>{2, 21, 3, 5, 5}, std::array<std::ptrdiff_t, 5>{2, 21, 2, 3, 3}, random);
}

/// Max gradient with indices anywhere in the plane (repeats included),
/// checked against a plain scatter onto zeros or onto the previous values.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_max_path(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                    std::mt19937& random) {
    std::size_t in_plane = 1, out_plane = 1;
    for (std::size_t d = Rank - Spatial; d < Rank; ++d) {
        in_plane *= static_cast<std::size_t>(in_extents[d]);
        out_plane *= static_cast<std::size_t>(out_extents[d]);
    }
    const std::size_t out_count = count_of(out_extents);
    const auto grad_output = awkward_values<T>(out_count, random);
    std::vector<I> indices(out_count);
    for (auto& index : indices) index = static_cast<I>(random() % in_plane);
    const auto previous = awkward_values<T>(count_of(in_extents), random);
    std::vector<T> expected_overwrite(previous.size(), T(0));
    std::vector<T> expected_accumulate = previous;
    for (std::size_t o = 0; o < out_count; ++o) {
        const std::size_t target = o / out_plane * in_plane + static_cast<std::size_t>(indices[o]);
        expected_overwrite[target] += grad_output[o];
        expected_accumulate[target] += grad_output[o];
    }
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::leading_swapped, layout_kind::padded, layout_kind::channels_last}) {
        auto go = lay_out(kind, Spatial, out_extents, grad_output, T(-7));
        auto where = lay_out(kind, Spatial, out_extents, indices, I(-1));
        auto overwritten = lay_out(kind, Spatial, in_extents, previous, T(-9));
        auto accumulated = lay_out(kind, Spatial, in_extents, previous, T(-9));
        if (!go || !where || !overwritten || !accumulated) continue;
        INFO("plane " << in_plane << " -> " << out_plane << ", " << Rank << "-d, layout " << apool_test::layout_name(kind) << ", "
                      << sizeof(T) * 8 << "-bit values, " << sizeof(I) * 8 << "-bit indices");
        apool::adaptive_max_pool_backward<Spatial>(go->const_view(), where->const_view(), overwritten->view());
        apool::adaptive_max_pool_backward<Spatial>(go->const_view(), where->const_view(), accumulated->view(),
                                                   apool::gradient_update::accumulate);
        CHECK(apool_test::bit_mismatches("overwrite", overwritten->logical(), expected_overwrite).empty());
        CHECK(apool_test::bit_mismatches("accumulate", accumulated->logical(), expected_accumulate).empty());
        CHECK(overwritten->padding_untouched());
        CHECK(accumulated->padding_untouched());
    }
}

/// Planes from 1 element (64 to a block) to more than a block of 4096, in
/// counts that leave the last block part full: 141 planes where a block holds
/// many, 15 where it holds 2, 5 where it holds one.
template <class T, class I>
void check_max_planes(std::uint32_t seed) {
    std::mt19937 random(seed);
    struct shape {
        std::ptrdiff_t batch, channels, h, w, oh, ow;
    };
    const shape planes[] = {{3, 47, 1, 1, 3, 1}, {3, 47, 13, 13, 4, 4}, {3, 47, 13, 13, 1, 1},
                            {3, 5, 50, 50, 7, 7}, {1, 5, 64, 64, 6, 6},   {1, 5, 70, 70, 1, 1}};
    for (const shape& p : planes) {
        check_max_path<2, T, I>(std::array<std::ptrdiff_t, 4>{p.batch, p.channels, p.h, p.w},
                                std::array<std::ptrdiff_t, 4>{p.batch, p.channels, p.oh, p.ow}, random);
    }
    check_max_path<1, T, I>(std::array<std::ptrdiff_t, 3>{5, 41, 1000}, std::array<std::ptrdiff_t, 3>{5, 41, 10}, random);
    check_max_path<3, T, I>(std::array<std::ptrdiff_t, 5>{2, 5, 4, 9, 9}, std::array<std::ptrdiff_t, 5>{2, 5, 2, 3, 3}, random);
}

}  // namespace

TEST_CASE("avg backward share rows match the in-order scatter", "[backward][order][paths]") {
    check_avg_rows<float>(31);
    check_avg_rows<double>(32);
}

TEST_CASE("avg backward tiles of small planes match the in-order scatter", "[backward][order][paths]") {
    check_avg_tiles<float>(33);
    check_avg_tiles<double>(34);
}

TEST_CASE("max backward of contiguous planes matches the in-order scatter", "[backward][order][paths][large]") {
    check_max_planes<float, std::int64_t>(41);
    check_max_planes<float, std::int32_t>(42);
    check_max_planes<double, std::int64_t>(43);
}
