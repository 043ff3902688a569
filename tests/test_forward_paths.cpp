// Randomized checks of the forward kernels' fast paths against the naive
// reference, on the shapes at and around each path's thresholds: the tiled
// kernel (small dense planes, transposed simd::lanes<T> at a time), its output
// tiles, and the partial last group of planes; the rows kernel's last vector
// that overlaps its predecessor; the channels-last kernel's register blocks,
// and the average's running sums in memory for large windows (in the output or
// a stack buffer, a chunk of channels at a time); rows that interleave a few
// channels (HWC), and their windows of one size along the row reduced a group
// of outputs at a time by lane permutes; rows that fit in one vector (the narrow-rows kernel); max spans and row-buffer slices located after
// a plain maximum (with and without NaN, with ties and -0.0 beside 0.0), and
// max spans longer than the float positions of their locating pass are exact.
#include "catch.hpp"

#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "naive_reference.hpp"

namespace {

/// Dense strides for `extents`, each dim's stride scaled by `spread` (1 keeps
/// the layout dense; 2 leaves a gap after every element of that dim).
template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> strides_for(const std::array<std::ptrdiff_t, Rank>& extents, const std::array<std::ptrdiff_t, Rank>& spread) {
    std::array<std::ptrdiff_t, Rank> strides{};
    std::ptrdiff_t step = 1;
    for (std::size_t d = Rank; d-- > 0;) {
        strides[d] = step * spread[d];
        step = strides[d] * extents[d];
    }
    return strides;
}

template <std::size_t Rank>
std::ptrdiff_t span_of(const std::array<std::ptrdiff_t, Rank>& extents, const std::array<std::ptrdiff_t, Rank>& strides) {
    std::ptrdiff_t last = 0;
    for (std::size_t d = 0; d < Rank; ++d) last += (extents[d] - 1) * strides[d];
    return last + 1;
}

/// Values from a small set (so that max pooling meets ties, -0.0 beside 0.0),
/// with some NaN and -inf when `specials`. Every fourth call draws from -1.0,
/// -0.0 and 0.0 only, where the sign of a zero maximum shows which tied element won.
template <class T>
std::vector<T> random_values(std::size_t count, std::mt19937& random, bool specials) {
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<T> values(count);
    static int calls = 0;
    if (++calls % 4 == 0) {
        for (auto& v : values) {
            const int k = pick(random) % 3;
            v = k == 0 ? T(-1) : (k == 1 ? T(-0.0) : T(0.0));
        }
        return values;
    }
    for (auto& v : values) {
        const int k = pick(random);
        if (specials && k < 2) {
            v = std::numeric_limits<T>::quiet_NaN();
        } else if (specials && k < 5) {
            v = -std::numeric_limits<T>::infinity();
        } else if (k < 10) {
            v = T(-0.0);
        } else {
            v = static_cast<T>(k % 7) - T(3) + static_cast<T>(k % 3) * T(0.25);
        }
    }
    return values;
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// Which poolings check_strided_problem runs.
enum class poolings { average_and_max, average };

/// Runs avg and max pooling (or the average alone) on one problem and compares
/// every result with the reference: averages by average_close, max values bit
/// for bit, indices exactly.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_strided_problem(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& in_strides,
                           const std::array<std::ptrdiff_t, Rank>& out_extents, const std::array<std::ptrdiff_t, Rank>& out_strides,
                           bool specials, std::mt19937& random, poolings checked = poolings::average_and_max) {
    const std::vector<T> input_memory = random_values<T>(static_cast<std::size_t>(span_of(in_extents, in_strides)), random, specials);
    const std::size_t out_span = static_cast<std::size_t>(span_of(out_extents, out_strides));
    std::ostringstream what;
    what << "input";
    for (auto e : in_extents) what << ' ' << e;
    what << " output";
    for (auto e : out_extents) what << ' ' << e;
    what << " in_strides";
    for (auto e : in_strides) what << ' ' << e;
    what << " out_strides";
    for (auto e : out_strides) what << ' ' << e;
    what << " lanes " << apool::simd::lanes<T>;
    INFO(what.str());

    const apool::strided_view<const T, Rank> input(input_memory.data(), in_extents, in_strides);
    std::vector<T> got(out_span), expected(out_span);
    std::vector<I> got_index(out_span), expected_index(out_span);
    const apool::strided_view<T, Rank> got_view(got.data(), out_extents, out_strides);
    const apool::strided_view<T, Rank> expected_view(expected.data(), out_extents, out_strides);
    const apool::strided_view<I, Rank> got_index_view(got_index.data(), out_extents, out_strides);
    const apool::strided_view<I, Rank> expected_index_view(expected_index.data(), out_extents, out_strides);

    apool::adaptive_avg_pool<Spatial>(input, got_view);
    apool_test::naive::adaptive_avg_pool<Spatial>(input, expected_view);
    const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(input, out_extents);
    std::size_t position = 0;
    std::size_t average_mismatches = 0;
    apool_test::naive::for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Rank>& at) {
        std::ptrdiff_t offset = 0;
        for (std::size_t d = 0; d < Rank; ++d) offset += at[d] * out_strides[d];
        if (!apool_test::naive::average_close(got[offset], expected[offset], magnitudes[position])) ++average_mismatches;
        ++position;
    });
    CHECK(average_mismatches == 0);
    if (checked == poolings::average) return;

    apool::adaptive_max_pool<Spatial>(input, got_view, got_index_view);
    apool_test::naive::adaptive_max_pool<Spatial>(input, expected_view, expected_index_view);
    std::size_t max_mismatches = 0;
    apool_test::naive::for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Rank>& at) {
        std::ptrdiff_t offset = 0;
        for (std::size_t d = 0; d < Rank; ++d) offset += at[d] * out_strides[d];
        const bool values_agree = same_bits(got[offset], expected[offset]) || (std::isnan(got[offset]) && std::isnan(expected[offset]));
        if (!values_agree || got_index[offset] != expected_index[offset]) ++max_mismatches;
    });
    CHECK(max_mismatches == 0);

    // Without indices (the channels-last kernel keeps values alone).
    apool::adaptive_max_pool<Spatial>(input, got_view);
    std::size_t values_mismatches = 0;
    apool_test::naive::for_each_multi_index(out_extents, [&](const std::array<std::ptrdiff_t, Rank>& at) {
        std::ptrdiff_t offset = 0;
        for (std::size_t d = 0; d < Rank; ++d) offset += at[d] * out_strides[d];
        if (!same_bits(got[offset], expected[offset]) && !(std::isnan(got[offset]) && std::isnan(expected[offset]))) ++values_mismatches;
    });
    CHECK(values_mismatches == 0);
}

/// check_strided_problem on row-major strides, each dim's scaled by its spread.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_problem(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                   const std::array<std::ptrdiff_t, Rank>& in_spread, const std::array<std::ptrdiff_t, Rank>& out_spread,
                   bool specials, std::mt19937& random) {
    check_strided_problem<Spatial, T, I>(in_extents, strides_for(in_extents, in_spread), out_extents, strides_for(out_extents, out_spread),
                                         specials, random);
}

/// Channels-last strides (N, C, H, W extents; C innermost in memory), each
/// stride scaled by `spread`.
std::array<std::ptrdiff_t, 4> channels_last_strides(const std::array<std::ptrdiff_t, 4>& extents, std::ptrdiff_t spread) {
    const std::ptrdiff_t c = extents[1], h = extents[2], w = extents[3];
    return {spread * h * w * c, spread, spread * w * c, spread * c};
}

/// Plane counts around one group of lanes: fewer (no tiles), exactly one
/// group, and groups with a partial last one.
template <class T>
std::vector<std::ptrdiff_t> plane_counts() {
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    return {width - 1, width, width + 1, 2 * width + 3};
}

template <class T, class I>
void check_tiled_2d(bool specials) {
    std::mt19937 random(1234);
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    const std::ptrdiff_t largest_tiled_side = static_cast<std::ptrdiff_t>(std::sqrt(static_cast<double>(APOOL_TILE_ELEMENTS / width)));
    struct shape {
        std::ptrdiff_t h, w, oh, ow;
    };
    // Plane sizes below one block, at it, just above, the 13x13 and
    // 14x14, the largest tiled plane and the first untiled one; output planes
    // smaller than a block (scattered), just at it, and upsampled.
    const std::vector<shape> shapes = {
        {1, width - 1, 1, 2},
        {1, width, 1, 3},
        {2, width / 2 + 1, 2, 2},
        {13, 13, 7, 7},
        {13, 13, 4, 4},
        {13, 13, 1, 1},
        {14, 14, 7, 7},
        {7, 7, 1, 1},
        {5, 6, 9, 11},
        {largest_tiled_side, largest_tiled_side, 3, 5},
        {largest_tiled_side + 1, largest_tiled_side, 6, 6},
        {3, width + 1, 2, width},
    };
    for (const shape& s : shapes) {
        for (std::ptrdiff_t planes : plane_counts<T>()) {
            const std::array<std::ptrdiff_t, 4> in_extents{planes, 1, s.h, s.w};
            const std::array<std::ptrdiff_t, 4> out_extents{planes, 1, s.oh, s.ow};
            check_problem<2, T, I>(in_extents, out_extents, {1, 1, 1, 1}, {1, 1, 1, 1}, specials, random);
            // Gaps between planes (leading strides only: still dense planes),
            // and outputs with gaps (scattered instead of transposed back).
            check_problem<2, T, I>(in_extents, out_extents, {2, 1, 1, 1}, {1, 1, 1, 1}, specials, random);
            check_problem<2, T, I>(in_extents, out_extents, {1, 1, 1, 1}, {1, 1, 1, 2}, specials, random);
        }
    }
}

}  // namespace

TEST_CASE("tiled kernel: small dense planes, float, int64 indices", "[forward][paths]") {
    check_tiled_2d<float, std::int64_t>(false);
    check_tiled_2d<float, std::int64_t>(true);
}

TEST_CASE("tiled kernel: small dense planes, double, int32 indices", "[forward][paths]") {
    check_tiled_2d<double, std::int32_t>(true);
}

/// Global pooling of dense planes. Where lanes can be permuted, planes of one
/// to 16 vectors a vector of planes at a time (the last vector of a plane
/// loaded overlapping the one before; the max's groups with a NaN, and the
/// planes past the last whole group, one span at a time). Larger planes, and
/// every plane where lanes cannot be permuted, one span each (the max: vector
/// maxima, then the first position holding the largest); the max of planes
/// smaller than a vector takes the tiles. Plane sizes on both sides of each bound,
/// plane counts around the group, outputs with gaps, a single plane without
/// leading dims, and the 13 x 13.
template <class T, class I>
void check_global_planes() {
    std::mt19937 random(5);
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    for (bool specials : {false, true}) {
        for (std::ptrdiff_t size : {width - 1, width, width + 1, 2 * width + 3, 4 * width - 1, 4 * width + 3, 16 * width - 1, 16 * width}) {
            for (std::ptrdiff_t planes : plane_counts<T>()) {
                check_problem<2, T, I>(std::array<std::ptrdiff_t, 4>{planes, 1, 1, size}, std::array<std::ptrdiff_t, 4>{planes, 1, 1, 1},
                                       {1, 1, 1, 1}, {1, 1, 1, 1}, specials, random);
            }
            check_problem<2, T, I>(std::array<std::ptrdiff_t, 4>{2, width + 1, 1, size}, std::array<std::ptrdiff_t, 4>{2, width + 1, 1, 1},
                                   {1, 1, 1, 1}, {1, 2, 1, 1}, specials, random);
            // More planes along the first leading dim than the last.
            check_problem<2, T, I>(std::array<std::ptrdiff_t, 4>{width + 3, 2, 1, size}, std::array<std::ptrdiff_t, 4>{width + 3, 2, 1, 1},
                                   {1, 1, 1, 1}, {2, 1, 1, 1}, specials, random);
            check_problem<1, T, I>(std::array<std::ptrdiff_t, 1>{size}, std::array<std::ptrdiff_t, 1>{1}, {1}, {1}, specials, random);
        }
        check_problem<2, T, I>(std::array<std::ptrdiff_t, 4>{2, 9, 13, 13}, std::array<std::ptrdiff_t, 4>{2, 9, 1, 1}, {1, 1, 1, 1},
                               {1, 1, 1, 1}, specials, random);
        check_problem<3, T, I>(std::array<std::ptrdiff_t, 5>{3, 2, 2, 3, width / 2 + 1}, std::array<std::ptrdiff_t, 5>{3, 2, 1, 1, 1},
                               {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, specials, random);
    }
}

TEST_CASE("global pooling of dense planes: plane sizes and counts around the vector", "[forward][paths]") {
    check_global_planes<float, std::int64_t>();
    check_global_planes<double, std::int32_t>();
}

TEST_CASE("tiled kernel: 1d and 3d planes, several leading dims", "[forward][paths]") {
    std::mt19937 random(99);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    check_problem<1, float, std::int64_t>(std::array<std::ptrdiff_t, 3>{3, width + 2, 37}, std::array<std::ptrdiff_t, 3>{3, width + 2, 10},
                                          {1, 1, 1}, {1, 1, 1}, true, random);
    check_problem<3, float, std::int64_t>(std::array<std::ptrdiff_t, 5>{2, width, 3, 5, 6}, std::array<std::ptrdiff_t, 5>{2, width, 2, 3, 4},
                                          {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, true, random);
    check_problem<3, float, std::int64_t>(std::array<std::ptrdiff_t, 5>{2, width + 1, 3, 5, 6}, std::array<std::ptrdiff_t, 5>{2, width + 1, 2, 3, 4},
                                          {1, 3, 1, 1, 1}, {1, 1, 1, 1, 1}, true, random);
}

/// The max (values and indices) forced through `kernel` by the plan, on a
/// dense input and outputs whose last dim's stride is `out_spread` (1: dense),
/// against the reference bit for bit, gaps included; the plan must take the
/// kernel.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_forced_max(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                      apool::detail::forward_kernel kernel, std::mt19937& random, std::ptrdiff_t out_spread = 1) {
    std::ptrdiff_t in_count = 1;
    for (std::size_t d = 0; d < Rank; ++d) in_count *= in_extents[d];
    std::array<std::ptrdiff_t, Rank> spread{};
    spread.fill(1);
    spread[Rank - 1] = out_spread;
    const auto out_strides = strides_for(out_extents, spread);
    const std::vector<T> values = random_values<T>(static_cast<std::size_t>(in_count), random, true);
    const apool::strided_view<const T, Rank> input(values.data(), in_extents);
    std::vector<T> got(static_cast<std::size_t>(span_of(out_extents, out_strides))), expected(got.size());
    std::vector<I> got_index(got.size()), expected_index(got.size());
    const apool::strided_view<T, Rank> got_view(got.data(), out_extents, out_strides);
    const auto plan = apool::detail::plan_forward<apool::detail::maximum<T>, Spatial>(input, got_view, got_view.strides(), true, kernel);
    INFO("kernel " << apool::detail::kernel_name(kernel) << ", output spread " << out_spread);
    REQUIRE(plan.kernel == kernel);
    apool::detail::run_forward<apool::detail::maximum<T>>(plan, values.data(), got.data(), got_index.data(), 0, plan.items);
    apool_test::naive::adaptive_max_pool<Spatial>(input, apool::strided_view<T, Rank>(expected.data(), out_extents, out_strides),
                                                  apool::strided_view<I, Rank>(expected_index.data(), out_extents, out_strides));
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const bool values_agree = same_bits(got[i], expected[i]) || (std::isnan(got[i]) && std::isnan(expected[i]));
        if (!values_agree || got_index[i] != expected_index[i]) ++mismatches;
    }
    CHECK(mismatches == 0);
}

/// The average forced through `kernel` by the plan against the generic
/// kernel's, which adds each window's elements in scan order from zero, bit
/// for bit: `kernel` adds in that order too (the tiles and the narrow rows,
/// so that the plan may give the average and the avg+max pair either).
template <std::size_t Spatial, class T, std::size_t Rank>
void check_forced_average_order(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                                apool::detail::forward_kernel kernel, std::mt19937& random) {
    using apool::detail::average;
    using apool::detail::forward_kernel;
    std::ptrdiff_t in_count = 1, out_count = 1;
    for (std::size_t d = 0; d < Rank; ++d) in_count *= in_extents[d];
    for (std::size_t d = 0; d < Rank; ++d) out_count *= out_extents[d];
    // Values of many magnitudes, whose sums round differently in another
    // order, and negative zeros, which a sum from zero turns positive.
    std::vector<T> values(static_cast<std::size_t>(in_count));
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(-12, 12);
    for (T& v : values) v = exponent(random) < -5 ? T(-0.0) : static_cast<T>(std::ldexp(mantissa(random), exponent(random)));
    const apool::strided_view<const T, Rank> input(values.data(), in_extents);
    std::vector<T> got(static_cast<std::size_t>(out_count)), expected(got.size());
    const apool::strided_view<T, Rank> got_view(got.data(), out_extents);
    auto run = [&](forward_kernel wanted, std::vector<T>& into) {
        const auto plan = apool::detail::plan_forward<average<T>, Spatial>(input, got_view, got_view.strides(), false, wanted);
        REQUIRE(plan.kernel == wanted);
        apool::detail::run_forward<average<T>>(plan, values.data(), into.data(), static_cast<std::int64_t*>(nullptr), 0, plan.items);
    };
    INFO("kernel " << apool::detail::kernel_name(kernel));
    run(kernel, got);
    run(forward_kernel::generic, expected);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (!same_bits(got[i], expected[i]) && !(std::isnan(got[i]) && std::isnan(expected[i]))) ++mismatches;
    }
    CHECK(mismatches == 0);
}

/// Rows of more than half a vector up to one (the narrow-rows kernel, where
/// the target has lane permutes): every such length, windows along the row
/// from one per row to more outputs than inputs (up to a full vector), one to
/// many rows per window; rows with gaps between them, outputs with gaps
/// between them. A dense input's last rows are read from their end. Output
/// rows go by pairs where two fit in a vector (an odd count leaves one
/// alone), planes by blocks along a run (runs of a block and 3 more: a whole
/// block and a short one, the last block's rows read from their end). The
/// max also forced through the kernel at every such shape.
template <class T, class I>
void check_narrow_rows() {
    std::mt19937 random(31);
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    for (std::ptrdiff_t w = width / 2 + 1; w <= width; ++w) {
        for (std::ptrdiff_t ow : {std::ptrdiff_t(1), std::ptrdiff_t(2), w / 2 + 1, w, width}) {
            for (std::ptrdiff_t h : {1, 2, 5, 13}) {
                for (std::ptrdiff_t oh : {std::ptrdiff_t(1), std::ptrdiff_t(3), h + 2}) {
                    const std::array<std::ptrdiff_t, 4> in_extents{1, width - 1, h, w};
                    const std::array<std::ptrdiff_t, 4> out_extents{1, width - 1, oh, ow};
                    check_problem<2, T, I>(in_extents, out_extents, {1, 1, 1, 1}, {1, 1, 1, 1}, true, random);
                    check_problem<2, T, I>(in_extents, out_extents, {1, 1, 2, 1}, {1, 1, 1, 3}, true, random);
                    if (apool::simd::has_lane_permute<T>) {
                        // The average in scan order: the same bytes as the tiles'.
                        constexpr std::ptrdiff_t run = apool::detail::narrow_rows_block + 3;
                        check_forced_average_order<2, T>(std::array<std::ptrdiff_t, 4>{2, run, h, w}, std::array<std::ptrdiff_t, 4>{2, run, oh, ow},
                                                         apool::detail::forward_kernel::narrow_rows, random);
                        check_forced_max<2, T, I>(std::array<std::ptrdiff_t, 4>{2, run, h, w}, std::array<std::ptrdiff_t, 4>{2, run, oh, ow},
                                                  apool::detail::forward_kernel::narrow_rows, random);
                        // The max takes the tiles below 6 outputs a row: forced here.
                        check_forced_max<2, T, I>(std::array<std::ptrdiff_t, 4>{3, 3, h, w}, std::array<std::ptrdiff_t, 4>{3, 3, oh, ow},
                                                  apool::detail::forward_kernel::narrow_rows, random);
                        // Indices of the other width: each lane width's store into each.
                        using other_index = std::conditional_t<std::is_same<I, std::int64_t>::value, std::int32_t, std::int64_t>;
                        check_forced_max<2, T, other_index>(std::array<std::ptrdiff_t, 4>{3, 3, h, w},
                                                            std::array<std::ptrdiff_t, 4>{3, 3, oh, ow},
                                                            apool::detail::forward_kernel::narrow_rows, random);
                        // Outputs and indices with gaps: each row stored lane by lane.
                        check_forced_max<2, T, I>(std::array<std::ptrdiff_t, 4>{3, 3, h, w}, std::array<std::ptrdiff_t, 4>{3, 3, oh, ow},
                                                  apool::detail::forward_kernel::narrow_rows, random, 2);
                    }
                }
            }
            check_problem<1, T, I>(std::array<std::ptrdiff_t, 3>{2, 5, w}, std::array<std::ptrdiff_t, 3>{2, 5, ow}, {1, 1, 1}, {1, 1, 1}, true,
                                   random);
            check_problem<3, T, I>(std::array<std::ptrdiff_t, 5>{2, 1, 3, 4, w}, std::array<std::ptrdiff_t, 5>{2, 1, 2, 3, ow},
                                   {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, true, random);
            if (apool::simd::has_lane_permute<T>) {
                // Rows paired within a band of the dim before them, each output
                // row's window a different number of rows.
                check_forced_average_order<3, T>(std::array<std::ptrdiff_t, 5>{2, 1, 3, 5, w}, std::array<std::ptrdiff_t, 5>{2, 1, 2, 3, ow},
                                                 apool::detail::forward_kernel::narrow_rows, random);
                // The tiles, whose order the narrow rows' average keeps.
                check_forced_average_order<2, T>(std::array<std::ptrdiff_t, 4>{1, width + 3, 7, w}, std::array<std::ptrdiff_t, 4>{1, width + 3, 4, ow},
                                                 apool::detail::forward_kernel::tiles, random);
            }
        }
    }
}

TEST_CASE("narrow rows: rows of more than half a vector, up to one", "[forward][paths]") {
    check_narrow_rows<float, std::int64_t>();
    check_narrow_rows<double, std::int32_t>();
}

TEST_CASE("rows kernel: row lengths around the vector width, max located after the maximum", "[forward][paths]") {
    std::mt19937 random(7);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    for (bool specials : {false, true}) {
        // Planes too large for tiles: the rows kernel, several rows per window.
        for (std::ptrdiff_t w = width - 1; w <= 3 * width + 1; ++w) {
            for (std::ptrdiff_t ow : {std::ptrdiff_t(1), std::ptrdiff_t(3), w / 2 + 1}) {
                check_problem<2, float, std::int64_t>(std::array<std::ptrdiff_t, 4>{1, 2, 40, w}, std::array<std::ptrdiff_t, 4>{1, 2, 5, ow},
                                                      {1, 1, 1, 1}, {1, 1, 1, 1}, specials, random);
            }
        }
        // One row per window: spans of every length up to past four vectors
        // (the max span's loop takes two vectors a pass, then the rest).
        for (std::ptrdiff_t length = 1; length <= 4 * width + 2; ++length) {
            check_problem<1, float, std::int64_t>(std::array<std::ptrdiff_t, 3>{1, 3, 3 * length}, std::array<std::ptrdiff_t, 3>{1, 3, 3},
                                                  {1, 1, 1}, {1, 1, 1}, specials, random);
            check_problem<1, double, std::int32_t>(std::array<std::ptrdiff_t, 3>{1, 3, 2 * length + 1}, std::array<std::ptrdiff_t, 3>{1, 3, 2},
                                                   {1, 1, 1}, {1, 1, 1}, specials, random);
        }
    }
}

TEST_CASE("max span longer than float's exact integers: located in pieces, then merged", "[forward][paths][large]") {
    // The max span carries positions as T in its locating pass, exact only up
    // to 2^24 for float; a longer span is reduced piece by piece. Winners just
    // past 2^24 at odd positions (a float position would round away from them),
    // and ties and NaN on either side of the piece boundary.
    constexpr std::ptrdiff_t exact = std::ptrdiff_t(1) << std::numeric_limits<float>::digits;
    const std::ptrdiff_t length = exact + 3 * apool::simd::lanes<float> + 5;
    struct placement {
        std::ptrdiff_t position;
        float value;
    };
    const std::vector<std::vector<placement>> cases = {
        {{exact + 7, 5.0f}},
        {{exact + 1, 5.0f}, {exact + 9, 5.0f}},
        {{exact - 3, 5.0f}, {exact + 7, 5.0f}},
        {{exact - 1, -0.0f}, {exact + 3, 0.0f}},
        {{exact + 11, 2.0f}, {exact - 5, std::numeric_limits<float>::quiet_NaN()}},
        {{exact - 5, std::numeric_limits<float>::quiet_NaN()}, {exact + 11, std::numeric_limits<float>::quiet_NaN()}},
    };
    std::vector<float> values(static_cast<std::size_t>(length));
    for (const auto& placements : cases) {
        // A background below every placed value, with its own ties.
        for (std::ptrdiff_t i = 0; i < length; ++i) values[static_cast<std::size_t>(i)] = -static_cast<float>(1 + i % 5);
        std::ostringstream what;
        for (const placement& p : placements) {
            values[static_cast<std::size_t>(p.position)] = p.value;
            what << " " << p.value << " at 2^24" << std::showpos << p.position - exact << std::noshowpos;
        }
        INFO("placed:" << what.str());
        const apool::strided_view<const float, 1> input(values.data(), {length});
        float got = 0.0f, expected = 0.0f;
        std::int64_t got_index = -1, expected_index = -1;
        apool::adaptive_max_pool1d(input, apool::strided_view<float, 1>(&got, {1}), apool::strided_view<std::int64_t, 1>(&got_index, {1}));
        apool_test::naive::adaptive_max_pool<1>(input, apool::strided_view<float, 1>(&expected, {1}),
                                                apool::strided_view<std::int64_t, 1>(&expected_index, {1}));
        CHECK(got_index == expected_index);
        CHECK((same_bits(got, expected) || (std::isnan(got) && std::isnan(expected))));
    }
}

TEST_CASE("channels-last kernel: channel counts around the register blocks", "[forward][paths]") {
    std::mt19937 random(99);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    // Channels one register block holds: four vectors, and the largest block
    // of the average and of the max; then blocks of four, one, and a scalar tail.
    const std::ptrdiff_t four = 4 * width;
    const std::ptrdiff_t average_block = static_cast<std::ptrdiff_t>(apool::detail::channel_block_vectors<apool::detail::average<float>>) * width;
    const std::ptrdiff_t maximum_block = static_cast<std::ptrdiff_t>(apool::detail::channel_block_vectors<apool::detail::maximum<float>>) * width;
    for (bool specials : {false, true}) {
        for (std::ptrdiff_t channels : {four - 1, four, four + 1, four + width + 3, maximum_block - 1, maximum_block + four + width + 3,
                                        average_block - 1, average_block, average_block + four + width + 3}) {
            // Windows 7 wide along W and 3 wide.
            for (std::ptrdiff_t out_width : {2, 6}) {
                const std::array<std::ptrdiff_t, 4> in_extents{2, channels, 5, 13};
                const std::array<std::ptrdiff_t, 4> out_extents{2, channels, 3, out_width};
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 1), specials, random);
                // Outputs with gaps between channels: stored lane by lane.
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 2), specials, random);
            }
        }
    }
}

TEST_CASE("channels-last max without indices: NaN payloads, infinities of both signs, zeros of both signs", "[forward][paths]") {
    // The values-only lanes keep plain maxima, test what they load for NaN,
    // and walk a block that met one again with positions: the value written
    // is the last NaN's own bits. Zeros of both signs keep the first, and
    // infinities of both signs are values like any other.
    using T = float;
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    const std::ptrdiff_t block = static_cast<std::ptrdiff_t>(apool::detail::channel_block_vectors<apool::detail::maximum_value<T>>) * width;
    std::mt19937 random(77);
    std::uniform_int_distribution<int> pick(0, 99);
    std::uniform_int_distribution<std::uint32_t> payload(1, (1u << 22) - 1);
    for (std::ptrdiff_t channels : {block + 4 * width + width + 3, width}) {
        for (int kind = 0; kind < 3; ++kind) {
            const std::array<std::ptrdiff_t, 4> in_extents{2, channels, 6, 9};
            const std::array<std::ptrdiff_t, 4> out_extents{2, channels, 2, 3};
            const auto in_strides = channels_last_strides(in_extents, 1);
            const auto out_strides = channels_last_strides(out_extents, 1);
            std::vector<T> memory(static_cast<std::size_t>(span_of(in_extents, in_strides)));
            for (auto& v : memory) {
                const int k = pick(random);
                if (kind == 0 && k < 3) {
                    // Quiet NaNs of either sign with distinct payloads.
                    const std::uint32_t bits = 0x7FC00000u | payload(random) | (k == 0 ? 0x80000000u : 0u);
                    std::memcpy(&v, &bits, sizeof bits);
                } else if (kind == 1 && k < 6) {
                    v = k % 2 == 0 ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
                } else if (kind == 2) {
                    v = k % 2 == 0 ? T(-0.0) : T(0.0);
                } else {
                    v = static_cast<T>(k % 9) - T(4.5);
                }
            }
            const apool::strided_view<const T, 4> input(memory.data(), in_extents, in_strides);
            const std::size_t out_span = static_cast<std::size_t>(span_of(out_extents, out_strides));
            std::vector<T> got(out_span), expected(out_span);
            std::vector<std::int64_t> expected_index(out_span);
            apool::adaptive_max_pool<2>(input, apool::strided_view<T, 4>(got.data(), out_extents, out_strides));
            apool_test::naive::adaptive_max_pool<2>(input, apool::strided_view<T, 4>(expected.data(), out_extents, out_strides),
                                                   apool::strided_view<std::int64_t, 4>(expected_index.data(), out_extents, out_strides));
            std::size_t mismatches = 0;
            for (std::size_t k = 0; k < out_span; ++k) mismatches += same_bits(got[k], expected[k]) ? 0 : 1;
            INFO("channels " << channels << " kind " << kind);
            CHECK(mismatches == 0);
        }
    }
}

TEST_CASE("channels-last average: windows whose running sums live in memory", "[forward][paths]") {
    std::mt19937 random(98);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    const std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS / width * width;
    for (bool specials : {false, true}) {
        // Sums in the output (a contiguous run of more channels than the stack
        // buffer: the outputs along the row summed in one sweep of each input
        // row), in one buffer chunk, in several chunks (outputs with gaps).
        for (std::ptrdiff_t channels : {chunk - 1, chunk + width + 1}) {
            // Windows of rows x 13 and rows x 7 positions (groups of four
            // columns and single columns after them), rows enough for the
            // narrower window to reach the threshold.
            const std::size_t row_bytes = 7 * static_cast<std::size_t>(channels) * sizeof(float);
            const std::ptrdiff_t rows =
                std::max<std::ptrdiff_t>(15, static_cast<std::ptrdiff_t>((apool::detail::running_sums_in_memory_from_bytes + row_bytes - 1) / row_bytes));
            // And 5 outputs along the row (windows of 3, 4, 3, 4, 3 columns),
            // rows enough for the windows of 4 only: a band whose outputs
            // take the sums and the register blocks by turns.
            const std::size_t mixed_row_bytes = 4 * static_cast<std::size_t>(channels) * sizeof(float);
            const std::ptrdiff_t mixed_rows =
                static_cast<std::ptrdiff_t>((apool::detail::running_sums_in_memory_from_bytes + mixed_row_bytes - 1) / mixed_row_bytes);
            REQUIRE(static_cast<std::size_t>(mixed_rows * 3 * channels) * sizeof(float) < apool::detail::running_sums_in_memory_from_bytes);
            for (std::ptrdiff_t out_width : {1, 2, 5}) {
                const std::ptrdiff_t window_rows = out_width == 5 ? mixed_rows : rows;
                const std::array<std::ptrdiff_t, 4> in_extents{2, channels, window_rows, 13};
                const std::array<std::ptrdiff_t, 4> out_extents{2, channels, 1, out_width};
                const std::ptrdiff_t window_positions = window_rows * (out_width == 1 ? 13 : out_width == 2 ? 7 : 4);
                REQUIRE(static_cast<std::size_t>(window_positions * channels) * sizeof(float) >=
                        apool::detail::running_sums_in_memory_from_bytes);
                // The average alone: the max of these windows takes the register
                // blocks that the channel-count sweeps check.
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 1), specials, random, poolings::average);
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 2), specials, random, poolings::average);
            }
        }
    }
}

TEST_CASE("interleaved rows: fewer channels than a vector, channels-last (an HWC image)", "[forward][paths]") {
    std::mt19937 random(2024);
    const std::ptrdiff_t width = apool::simd::lanes<float>;
    const std::ptrdiff_t wide = APOOL_ROW_BUFFER_ELEMENTS / 2 + 40;  // windows wider than the buffer holds with 2 or more channels
    for (bool specials : {false, true}) {
        for (std::ptrdiff_t channels = 2; channels < width; ++channels) {
            struct shape {
                std::ptrdiff_t h, w, oh, ow;
            };
            // Rows shorter than a vector, several chunks of windows, upsampling,
            // and windows too wide for the buffer.
            for (const shape& s : {shape{3, 2, 2, 2}, shape{9, 37, 4, 5}, shape{6, 300, 3, 200}, shape{5, 7, 9, 11}, shape{4, wide, 2, 1},
                                   shape{3, 2 * wide, 1, 3}}) {
                const std::array<std::ptrdiff_t, 4> in_extents{2, channels, s.h, s.w};
                const std::array<std::ptrdiff_t, 4> out_extents{2, channels, s.oh, s.ow};
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 1), specials, random);
                check_strided_problem<2, float, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                              channels_last_strides(out_extents, 3), specials, random);
            }
        }
    }
}

namespace {

/// Interleaved rows whose windows along the row all have one size (In % Out ==
/// 0): the plan reduces a group of outputs at a time with lane permutes where
/// the build has them; one channel is plain rows, grouped for windows of few
/// positions (window^2 < lanes * log2(lanes)). Windows of 1, 2, 3 and 5 positions and wider than a
/// vector, rows of one group, odd counts (a part-full last group) and of
/// several buffer chunks; one input row a window and several; outputs dense
/// along (position, channel), and spread where windows have several rows.
/// Every channel count below a vector of 8 lanes or fewer; of 16 lanes, the
/// counts that divide it, some that do not, and those of one (position,
/// channel) run per vector.
template <class T>
void check_uniform_interleaved_rows(bool specials) {
    std::mt19937 random(77);
    const std::ptrdiff_t width = apool::simd::lanes<T>;
    const std::ptrdiff_t chunked = APOOL_ROW_BUFFER_ELEMENTS / 3 + 7;
    std::ptrdiff_t log2_width = 0;
    while ((std::ptrdiff_t(2) << log2_width) <= width) ++log2_width;
    std::vector<std::ptrdiff_t> channel_counts;
    for (std::ptrdiff_t channels = 1; channels < width; ++channels) {
        if (width <= 8 || channels <= 5 || channels == 7 || channels == 8 || channels == 9 || channels == width - 1) {
            channel_counts.push_back(channels);
        }
    }
    for (std::ptrdiff_t channels : channel_counts) {
        for (std::ptrdiff_t window : {std::ptrdiff_t(1), std::ptrdiff_t(2), std::ptrdiff_t(3), std::ptrdiff_t(5), width + 1}) {
            for (std::ptrdiff_t outputs : {std::ptrdiff_t(1), std::ptrdiff_t(7), std::ptrdiff_t(37), chunked / window + 3}) {
                for (std::ptrdiff_t rows : {std::ptrdiff_t(1), std::ptrdiff_t(4)}) {
                    const std::array<std::ptrdiff_t, 4> in_extents{2, channels, rows == 1 ? 2 : 7, window * outputs};
                    const std::array<std::ptrdiff_t, 4> out_extents{2, channels, rows == 1 ? 2 : 3, outputs};
                    {
                        // One channel is plain rows: their groups take windows of up to half a vector.
                        const std::vector<T> memory(static_cast<std::size_t>(span_of(in_extents, channels_last_strides(in_extents, 1))));
                        std::vector<T> out_memory(static_cast<std::size_t>(span_of(out_extents, channels_last_strides(out_extents, 1))));
                        const apool::strided_view<const T, 4> in(memory.data(), in_extents, channels_last_strides(in_extents, 1));
                        const apool::strided_view<T, 4> out(out_memory.data(), out_extents, channels_last_strides(out_extents, 1));
                        const auto plan = apool::detail::plan_forward<apool::detail::average<T>, 2>(in, out, out.strides(), false);
                        INFO("channels " << channels << ", window " << window << ", lanes " << width);
                        const bool permutes = apool::simd::has_lane_permute<T>;
                        if (channels > 1) {
                            CHECK(plan.kernel == apool::detail::forward_kernel::interleaved_rows);
                            CHECK(plan.uniform_row_window == (permutes ? window : 0));
                        } else if (plan.kernel == apool::detail::forward_kernel::rows) {
                            CHECK(plan.uniform_row_window == (permutes && window * window < width * log2_width ? window : 0));
                        }
                    }
                    for (std::ptrdiff_t spread : {1, 3}) {
                        if (rows == 1 && spread != 1) continue;
                        check_strided_problem<2, T, std::int64_t>(in_extents, channels_last_strides(in_extents, 1), out_extents,
                                                                  channels_last_strides(out_extents, spread), specials, random);
                    }
                }
            }
        }
    }
}

}  // namespace

/// divisor_of_count against the division by the count, bit for bit, on sums
/// of many magnitudes (subnormal quotients included) and every count to 100:
/// a product by the reciprocal only where that is exact.
template <class T>
void check_divisor_of_count() {
    std::mt19937 random(53);
    std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
    std::uniform_int_distribution<int> exponent(std::numeric_limits<T>::min_exponent - 4, 40);
    constexpr std::ptrdiff_t width = apool::simd::lanes<T>;
    std::size_t mismatches = 0;
    for (std::ptrdiff_t count = 1; count <= 100; ++count) {
        const apool::detail::count_divisor<T> divide = apool::detail::divisor_of_count<T>(count);
        for (int round = 0; round < 64; ++round) {
            alignas(64) T sums[width];
            alignas(64) T quotients[width];
            for (T& sum : sums) sum = static_cast<T>(std::ldexp(mantissa(random), exponent(random)));
            apool::simd::store(quotients, divide(apool::simd::load(sums)));
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) mismatches += same_bits(quotients[lane], sums[lane] / static_cast<T>(count)) ? 0 : 1;
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("divisor_of_count: the division's bits, by a product where the count is a power of two", "[forward][paths]") {
    check_divisor_of_count<float>();
    check_divisor_of_count<double>();
}

TEST_CASE("interleaved rows: windows of one size along the row reduced a group of outputs at a time", "[forward][paths]") {
    for (bool specials : {false, true}) {
        check_uniform_interleaved_rows<float>(specials);
        check_uniform_interleaved_rows<double>(specials);
    }
}
