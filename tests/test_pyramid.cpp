// Pooling pyramids (pyramid.hpp): every byte an average or max pyramid writes
// equals the separate calls', one per output (which the golden and reference
// tests check against PyTorch), on every input layout with each output in its
// own layout, 1 to 3 spatial dims, out > in and out = 1, with executors that
// run tasks out of order; the gradients equal the separate backward calls in
// order; outputs that share an element are rejected with nothing written.
// Fixed seeds: a failure reproduces.
#include <apool/apool.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <random>
#include <optional>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"
#include "several_results.hpp"

namespace {

using apool_test::count_of;
using apool_test::layout_kind;
using apool_test::reverse_order;
using apool_test::same_bytes;
using apool_test::tied_values;

template <std::size_t Rank>
using extents_t = std::array<std::ptrdiff_t, Rank>;

/// The input's extents with the spatial ones replaced by `size` in the
/// first spatial dim and, unless `square`, one more in each following dim.
template <std::size_t Spatial, std::size_t Rank>
extents_t<Rank> pooled_extents(extents_t<Rank> extents, std::ptrdiff_t size, bool square = false) {
    for (std::size_t d = Rank - Spatial; d < Rank; ++d) extents[d] = size + (square ? 0 : static_cast<std::ptrdiff_t>(d - (Rank - Spatial)));
    return extents;
}

/// Whether two results are the same bytes wherever they are not both NaN.
template <class T>
bool same_bytes_or_both_nan(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double x = apool_test::naive::value_of(a[i]), y = apool_test::naive::value_of(b[i]);
        if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0 && !(x != x && y != y)) return false;
    }
    return true;
}

/// tied_values made non-positive, with zeros of both signs (so that a window's
/// max is often a zero of either sign) and NaNs of either sign with distinct
/// payloads: the values a max level taken from a finer level's values alone
/// cannot order.
template <class T>
std::vector<T> zeros_and_nans(std::size_t count, std::uint64_t seed) {
    std::vector<T> values = tied_values<T>(count, seed);
    if constexpr (!std::is_integral<T>::value) {
        std::mt19937_64 rng(seed + 1);
        for (T& v : values) {
            const auto roll = rng() % 100;
            const double value = apool_test::naive::value_of(v);
            const double magnitude = value < 0 ? -value : value;
            if (roll < 4) {
                if constexpr (std::is_same<T, float>::value) {
                    const std::uint32_t bits = 0x7FC00000u | static_cast<std::uint32_t>(1 + rng() % 0x3FFFFF) | (rng() & 1 ? 0x80000000u : 0u);
                    std::memcpy(&v, &bits, sizeof bits);
                } else if constexpr (std::is_same<T, double>::value) {
                    const std::uint64_t bits = 0x7FF8000000000000ull | (1 + rng() % 0x7FFFFFFFFFFFFull) | (rng() & 1 ? 0x8000000000000000ull : 0u);
                    std::memcpy(&v, &bits, sizeof bits);
                } else {
                    const std::uint16_t exponent = std::is_same<T, apool::bfloat16>::value ? 0x7FC0 : 0x7E00;
                    const std::uint16_t payload = static_cast<std::uint16_t>(1 + rng() % (std::is_same<T, apool::bfloat16>::value ? 63 : 511));
                    v = T::from_bits(static_cast<std::uint16_t>((rng() & 1 ? 0x8000 : 0) | exponent | payload));
                }
            } else if (roll < 30) {
                v = apool_test::naive::rounded<T>(rng() & 1 ? -0.0 : 0.0);
            } else {
                v = apool_test::naive::rounded<T>(-magnitude);
            }
        }
    }
    return values;
}

/// `count` copies of `fill` laid out as `kind` (contiguous where the layout
/// does not apply to the shape).
template <std::size_t Spatial, class V, std::size_t Rank>
apool_test::laid_out<V, Rank> written(layout_kind kind, const extents_t<Rank>& extents, V fill) {
    const std::vector<V> filled(count_of(extents), fill);
    auto laid = apool_test::lay_out(kind, Spatial, extents, filled, fill);
    if (!laid) laid = apool_test::lay_out(layout_kind::contiguous, Spatial, extents, filled, fill);
    return std::move(*laid);
}

/// One input and K output sizes (`sizes[k]` in the first spatial dim, one
/// more in each following dim): the average pyramid and the max pyramid (with
/// and without indices, with and without an executor) against the separate
/// calls. Output k is laid out as the k-th of the writable layouts after
/// `first_out_kind`.
template <std::size_t Spatial, class T, std::size_t Rank, std::size_t Levels>
void check_pyramid(const extents_t<Rank>& in_extents, const std::array<std::ptrdiff_t, Levels>& sizes, layout_kind in_kind,
                   std::size_t first_out_kind, std::uint64_t seed, bool square = false) {
    INFO("spatial " << Spatial << ", input " << apool_test::layout_name(in_kind) << " " << apool_test::describe_extents(in_extents)
                    << ", output layouts from " << first_out_kind << (square ? ", square outputs, zeros and NaNs" : ""));
    std::vector<T> logical = square ? zeros_and_nans<T>(count_of(in_extents), seed) : tied_values<T>(count_of(in_extents), seed);
    if (in_kind == layout_kind::broadcast) logical = apool_test::repeat_first_slice(in_extents, logical);
    const T sentinel = apool_test::naive::rounded<T>(5.0);
    auto input = apool_test::lay_out(in_kind, Spatial, in_extents, logical, sentinel);
    if (!input) input = apool_test::lay_out(layout_kind::contiguous, Spatial, in_extents, logical, sentinel);

    const std::vector<layout_kind> out_kinds = apool_test::writable_layouts();
    std::array<extents_t<Rank>, Levels> out_extents;
    std::array<std::vector<T>, Levels> avg_expected, max_expected;
    std::array<std::vector<std::int64_t>, Levels> index_expected;
    for (std::size_t k = 0; k < Levels; ++k) {
        out_extents[k] = pooled_extents<Spatial>(in_extents, sizes[k], square);
        avg_expected[k].resize(count_of(out_extents[k]));
        max_expected[k].resize(count_of(out_extents[k]));
        index_expected[k].resize(count_of(out_extents[k]));
        apool::adaptive_avg_pool<Spatial>(input->const_view(), apool::strided_view<T, Rank>(avg_expected[k].data(), out_extents[k]));
        apool::adaptive_max_pool<Spatial>(input->const_view(), apool::strided_view<T, Rank>(max_expected[k].data(), out_extents[k]),
                                          apool::strided_view<std::int64_t, Rank>(index_expected[k].data(), out_extents[k]));
    }

    for (int form = 0; form < 4; ++form) {
        INFO("form " << form << " (bit 0: indices, bit 1: executor)");
        std::vector<apool_test::laid_out<T, Rank>> avg, max;
        std::vector<apool_test::laid_out<std::int64_t, Rank>> indices;
        std::array<apool::strided_view<T, Rank>, Levels> avg_views, max_views;
        std::array<apool::strided_view<std::int64_t, Rank>, Levels> index_views;
        for (std::size_t k = 0; k < Levels; ++k) {
            const layout_kind kind = out_kinds[(first_out_kind + k) % out_kinds.size()];
            avg.push_back(written<Spatial>(kind, out_extents[k], apool_test::naive::rounded<T>(77.0)));
            max.push_back(written<Spatial>(kind, out_extents[k], apool_test::naive::rounded<T>(77.0)));
            indices.push_back(written<Spatial>(kind, out_extents[k], std::int64_t(-9)));
        }
        for (std::size_t k = 0; k < Levels; ++k) {
            avg_views[k] = avg[k].view();
            max_views[k] = max[k].view();
            index_views[k] = indices[k].view();
        }
        if (form / 2 == 0) {
            apool::adaptive_avg_pool_pyramid<Spatial>(input->const_view(), avg_views);
            if (form == 0) apool::adaptive_max_pool_pyramid<Spatial>(input->const_view(), max_views);
            if (form == 1) apool::adaptive_max_pool_pyramid<Spatial>(input->const_view(), max_views, index_views);
        } else {
            apool::adaptive_avg_pool_pyramid<Spatial>(input->const_view(), avg_views, reverse_order{});
            if (form == 2) apool::adaptive_max_pool_pyramid<Spatial>(input->const_view(), max_views, reverse_order{});
            if (form == 3) apool::adaptive_max_pool_pyramid<Spatial>(input->const_view(), max_views, index_views, reverse_order{});
        }
        for (std::size_t k = 0; k < Levels; ++k) {
            INFO("level " << k << ": " << apool_test::describe_extents(out_extents[k]));
            // A sum over NaNs of different payloads may return either
            // payload (the README's one exception): the averages of such
            // inputs agree on where the NaNs are, not on their bits.
            CHECK((square ? same_bytes_or_both_nan(avg[k].logical(), avg_expected[k]) : same_bytes(avg[k].logical(), avg_expected[k])));
            CHECK(same_bytes(max[k].logical(), max_expected[k]));
            if (form % 2 == 1) CHECK(same_bytes(indices[k].logical(), index_expected[k]));
            CHECK(avg[k].padding_untouched());
            CHECK(max[k].padding_untouched());
            CHECK(indices[k].padding_untouched());
        }
    }
}

template <class T>
void check_layouts() {
    std::uint64_t seed = 100;
    std::size_t first_out_kind = 0;
    for (layout_kind in_kind : apool_test::all_layouts()) {
        // PSPNet's 1, 2, 3, 6 and SPP's 1, 2, 4; output sizes above the input's.
        check_pyramid<2, T, 4, 4>({2, 5, 13, 13}, {1, 2, 3, 6}, in_kind, ++first_out_kind, ++seed);
        check_pyramid<2, T, 4, 3>({2, 3, 7, 9}, {1, 2, 4}, in_kind, ++first_out_kind, ++seed);
        check_pyramid<2, T, 4, 2>({1, 3, 5, 6}, {8, 1}, in_kind, ++first_out_kind, ++seed);
        check_pyramid<1, T, 3, 3>({2, 3, 17}, {1, 5, 20}, in_kind, ++first_out_kind, ++seed);
        check_pyramid<3, T, 5, 2>({2, 3, 6, 7, 8}, {1, 3}, in_kind, ++first_out_kind, ++seed);
        check_pyramid<2, T, 4, 1>({2, 4, 9, 9}, {4}, in_kind, ++first_out_kind, ++seed);
    }
}

/// Max levels whose sizes divide a finer level's in every dim take its
/// outputs (forward_pyramid_derived.hpp): chains of them, equal sizes, a
/// level above the input's size that must not be a source, 1 to 3 dims; every
/// input layout for float, three (plain, channels-last, sliced) for the other
/// types, whose values go through the same comparisons.
template <class T>
void check_derived_layouts() {
    std::uint64_t seed = 300;
    std::size_t first_out_kind = 0;
    std::vector<layout_kind> kinds = apool_test::all_layouts();
    if (!std::is_same<T, float>::value) kinds = {layout_kind::contiguous, layout_kind::channels_last, layout_kind::sliced};
    for (layout_kind in_kind : kinds) {
        check_pyramid<2, T, 4, 3>({2, 5, 13, 13}, {4, 2, 1}, in_kind, ++first_out_kind, ++seed, true);
        check_pyramid<2, T, 4, 4>({2, 3, 13, 13}, {1, 2, 3, 6}, in_kind, ++first_out_kind, ++seed, true);
        check_pyramid<2, T, 4, 3>({1, 3, 7, 7}, {10, 5, 1}, in_kind, ++first_out_kind, ++seed, true);
        check_pyramid<1, T, 3, 3>({2, 3, 25}, {12, 6, 6}, in_kind, ++first_out_kind, ++seed, true);
        check_pyramid<3, T, 5, 2>({2, 3, 6, 7, 9}, {4, 2}, in_kind, ++first_out_kind, ++seed, true);
    }
}

}  // namespace

TEST_CASE("max pyramid levels from a finer level: which level each takes", "[pyramid][paths]") {
    using apool::detail::plan_derived_levels;
    auto sources = [](const extents_t<4>& input, std::initializer_list<std::ptrdiff_t> sizes) {
        std::vector<float> buffer(1);
        std::vector<apool::strided_view<float, 4>> outputs;
        for (std::ptrdiff_t size : sizes) outputs.emplace_back(buffer.data(), extents_t<4>{2, 3, size, size}, extents_t<4>{0, 0, 0, 0});
        const auto derived = plan_derived_levels<2>(input, outputs.data(), outputs.size());
        return std::vector<int>(derived.source.begin(), derived.source.begin() + static_cast<std::ptrdiff_t>(outputs.size()));
    };
    // SPP: 2 from 4, 1 from 2 (the smallest level it divides).
    CHECK(sources({2, 3, 13, 13}, {1, 2, 4}) == std::vector<int>{1, 2, -1});
    // PSPNet: 2 and 3 from 6, 1 from 2.
    CHECK(sources({2, 3, 64, 64}, {1, 2, 3, 6}) == std::vector<int>{1, 3, 3, -1});
    // Equal sizes: the later from the earlier.
    CHECK(sources({2, 3, 13, 13}, {4, 4, 2}) == std::vector<int>{-1, 0, 0});
    // A level with as many outputs as the input has elements, or more, is
    // read from the input: it is no cheaper to read.
    CHECK(sources({2, 3, 3, 3}, {6, 3, 1}) == std::vector<int>{-1, -1, -1});
    CHECK(sources({2, 3, 5, 5}, {10, 5, 1}) == std::vector<int>{-1, -1, -1});
    CHECK(sources({2, 3, 7, 7}, {10, 5, 1}) == std::vector<int>{-1, -1, 1});
}

TEST_CASE("max pyramid levels from a finer level equal the separate calls: ties, NaN payloads, zeros of both signs", "[pyramid]") {
    check_derived_layouts<float>();
    check_derived_layouts<double>();
    check_derived_layouts<apool::bfloat16>();
    check_derived_layouts<apool::float16>();
    check_derived_layouts<std::uint8_t>();
}

TEST_CASE("pyramids equal the separate calls: float, every layout", "[pyramid]") { check_layouts<float>(); }
TEST_CASE("pyramids equal the separate calls: double, bfloat16, float16, uint8", "[pyramid]") {
    check_layouts<double>();
    check_layouts<apool::bfloat16>();
    check_layouts<apool::float16>();
    check_layouts<std::uint8_t>();
}

TEST_CASE("pyramids in steps: calls large enough to be read in several steps, both layouts", "[pyramid][large]") {
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last}) {
        const std::size_t same = kind == layout_kind::contiguous ? 0 : 1;
        check_pyramid<2, float, 4, 4>({2, 64, 60, 60}, {1, 2, 3, 6}, kind, same, 21);
        check_pyramid<2, float, 4, 3>({1, 256, 33, 33}, {1, 2, 4}, kind, same, 22);
        check_pyramid<2, std::uint8_t, 4, 3>({1, 3, 600, 500}, {1, 56, 300}, kind, same, 23);
        check_pyramid<2, float, 4, 3>({2, 200, 33, 33}, {1, 2, 4}, kind, same, 24, true);
    }
}

TEST_CASE("pyramids reject outputs that share an element, and write nothing", "[pyramid][errors]") {
    const std::vector<float> values = tied_values<float>(2 * 4 * 36, 5);
    const apool::strided_view<const float, 4> input(values.data(), {2, 4, 6, 6});
    std::vector<float> buffer(256, -1.0f);
    std::vector<std::int64_t> index_buffer(256, -1);
    const std::vector<float> buffer_before = buffer;
    const std::vector<std::int64_t> index_before = index_buffer;
    auto at = [&](std::ptrdiff_t first, std::ptrdiff_t size) {
        return apool::strided_view<float, 4>(buffer.data() + first, {2, 4, size, size});
    };
    auto index_at = [&](std::ptrdiff_t first, std::ptrdiff_t size) {
        return apool::strided_view<std::int64_t, 4>(index_buffer.data() + first, {2, 4, size, size});
    };
    // 1x1 at 0..7, 2x2 at 8..39: apart. Moved to 7, the 2x2 shares element 7.
    CHECK_NOTHROW(apool::adaptive_avg_pool2d_pyramid(input, std::array<apool::strided_view<float, 4>, 2>{at(0, 1), at(8, 2)}));
    buffer = buffer_before;
    CHECK_THROWS_WITH(apool::adaptive_avg_pool2d_pyramid(input, std::array<apool::strided_view<float, 4>, 2>{at(0, 1), at(7, 2)}),
                      Catch::Contains("apool::adaptive_avg_pool2d_pyramid: outputs[1] overlaps outputs[0] in memory"));
    CHECK(same_bytes(buffer, buffer_before));
    CHECK_THROWS_WITH(apool::adaptive_max_pool2d_pyramid(input, std::array<apool::strided_view<float, 4>, 3>{at(0, 1), at(8, 2), at(39, 1)},
                                                         std::array<apool::strided_view<std::int64_t, 4>, 3>{index_at(0, 1), index_at(8, 2), index_at(100, 1)}),
                      Catch::Contains("outputs[2] overlaps outputs[1] in memory"));
    CHECK(same_bytes(buffer, buffer_before));
    CHECK(index_buffer == index_before);
    CHECK_THROWS_WITH(apool::adaptive_max_pool2d_pyramid(input, std::array<apool::strided_view<float, 4>, 2>{at(0, 1), at(8, 2)},
                                                         std::array<apool::strided_view<std::int64_t, 4>, 2>{index_at(0, 1), index_at(4, 2)}),
                      Catch::Contains("indices[1] overlaps indices[0] in memory"));
    CHECK(same_bytes(buffer, buffer_before));
    CHECK(index_buffer == index_before);
    // An output whose leading extents differ from the input's.
    CHECK_THROWS_WITH(apool::adaptive_avg_pool2d_pyramid(
                          input, std::array<apool::strided_view<float, 4>, 2>{at(0, 1), apool::strided_view<float, 4>(buffer.data() + 8, {2, 3, 2, 2})}),
                      Catch::Contains("outputs[1]"));
    CHECK(same_bytes(buffer, buffer_before));
}

TEST_CASE("pyramid gradients equal the separate backward calls in order", "[pyramid][backward]") {
    const std::array<std::ptrdiff_t, 4> sizes{1, 2, 3, 6};
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::sliced}) {
        for (auto update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
            for (const auto& shape : std::vector<extents_t<4>>{{2, 5, 13, 13}, {2, 64, 48, 48}, {1, 3, 4, 5}}) {
                const std::vector<float> values = tied_values<float>(count_of(shape), 31);
                const apool::strided_view<const float, 4> input(values.data(), shape);
                std::array<std::vector<float>, 4> grads, maxima;
                std::array<std::vector<std::int64_t>, 4> indices;
                std::array<apool::strided_view<const float, 4>, 4> grad_views;
                std::array<apool::strided_view<const std::int64_t, 4>, 4> index_views;
                for (std::size_t k = 0; k < 4; ++k) {
                    const extents_t<4> out{shape[0], shape[1], sizes[k], sizes[k] + 1};
                    grads[k] = tied_values<float>(count_of(out), 40 + k);
                    maxima[k].resize(count_of(out));
                    indices[k].resize(count_of(out));
                    apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(maxima[k].data(), out),
                                               apool::strided_view<std::int64_t, 4>(indices[k].data(), out));
                    grad_views[k] = apool::strided_view<const float, 4>(grads[k].data(), out);
                    index_views[k] = apool::strided_view<const std::int64_t, 4>(indices[k].data(), out);
                }
                const std::vector<float> start = tied_values<float>(count_of(shape), 32);
                INFO(apool_test::layout_name(kind) << " " << apool_test::describe_extents(shape) << " update " << static_cast<int>(update));
                for (bool maximum : {false, true}) {
                    auto expected = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                    auto got = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                    auto pooled = apool_test::lay_out(kind, 2, shape, start, -3.0f);
                    for (std::size_t k = 0; k < 4; ++k) {
                        const auto level_update = k == 0 ? update : apool::gradient_update::accumulate;
                        if (maximum) {
                            apool::adaptive_max_pool2d_backward(grad_views[k], index_views[k], expected->view(), level_update);
                        } else {
                            apool::adaptive_avg_pool2d_backward(grad_views[k], expected->view(), level_update);
                        }
                    }
                    if (maximum) {
                        apool::adaptive_max_pool2d_pyramid_backward(grad_views, index_views, got->view(), update);
                        apool::adaptive_max_pool2d_pyramid_backward(grad_views, index_views, pooled->view(), update, reverse_order{});
                    } else {
                        apool::adaptive_avg_pool2d_pyramid_backward(grad_views, got->view(), update);
                        apool::adaptive_avg_pool2d_pyramid_backward(grad_views, pooled->view(), update, reverse_order{});
                    }
                    INFO((maximum ? "max" : "avg"));
                    CHECK(same_bytes(got->logical(), expected->logical()));
                    CHECK(same_bytes(pooled->logical(), expected->logical()));
                    CHECK(got->padding_untouched());
                }
            }
        }
    }
}

TEST_CASE("pyramid gradient without update takes the executor in its place", "[pyramid][backward]") {
    const extents_t<3> shape{2, 3, 11};
    const std::array<std::vector<float>, 2> grads{tied_values<float>(2 * 3 * 1, 51), tied_values<float>(2 * 3 * 4, 52)};
    const std::array<apool::strided_view<const float, 3>, 2> grad_views{apool::strided_view<const float, 3>(grads[0].data(), {2, 3, 1}),
                                                                       apool::strided_view<const float, 3>(grads[1].data(), {2, 3, 4})};
    std::vector<float> expected(count_of(shape), 9.0f), got(expected);
    apool::adaptive_avg_pool1d_pyramid_backward(grad_views, apool::strided_view<float, 3>(expected.data(), shape));
    apool::adaptive_avg_pool1d_pyramid_backward(grad_views, apool::strided_view<float, 3>(got.data(), shape), reverse_order{});
    CHECK(same_bytes(got, expected));
}

TEST_CASE("pyramids take a std::vector or a C array of views, up to 16", "[pyramid]") {
    const std::vector<float> values = tied_values<float>(2 * 3 * 81, 61);
    const apool::strided_view<const float, 4> input(values.data(), {2, 3, 9, 9});
    std::vector<std::vector<float>> expected(17), got(17);
    std::vector<std::vector<std::int64_t>> expected_indices(17), got_indices(17);
    std::vector<apool::strided_view<float, 4>> outputs;
    std::vector<apool::strided_view<std::int64_t, 4>> indices;
    for (std::size_t k = 0; k < 17; ++k) {
        const extents_t<4> out{2, 3, static_cast<std::ptrdiff_t>(k % 5 + 1), static_cast<std::ptrdiff_t>(k % 7 + 1)};
        expected[k].resize(count_of(out));
        expected_indices[k].resize(count_of(out));
        got[k].assign(count_of(out), -1.0f);
        got_indices[k].assign(count_of(out), -1);
        apool::adaptive_max_pool2d(input, apool::strided_view<float, 4>(expected[k].data(), out),
                                   apool::strided_view<std::int64_t, 4>(expected_indices[k].data(), out));
        outputs.emplace_back(got[k].data(), out);
        indices.emplace_back(got_indices[k].data(), out);
    }
    // 17 outputs are one too many, and nothing is written.
    CHECK_THROWS_WITH(apool::adaptive_max_pool2d_pyramid(input, outputs, indices),
                      Catch::Contains("apool::adaptive_max_pool2d_pyramid: outputs holds 17 views; a pyramid takes at most 16"));
    CHECK(got[0] == std::vector<float>(got[0].size(), -1.0f));
    outputs.pop_back();
    CHECK_THROWS_WITH(apool::adaptive_max_pool2d_pyramid(input, outputs, indices),
                      Catch::Contains("indices holds 17 views and outputs 16; a max pyramid takes one index view per output"));
    indices.pop_back();
    apool::adaptive_max_pool2d_pyramid(input, outputs, indices, reverse_order{});
    for (std::size_t k = 0; k < 16; ++k) {
        CHECK(same_bytes(got[k], expected[k]));
        CHECK(same_bytes(got_indices[k], expected_indices[k]));
    }
    // A C array of two, and an empty vector (nothing to do).
    const apool::strided_view<float, 4> two[2] = {outputs[3], outputs[5]};
    std::fill(got[3].begin(), got[3].end(), -1.0f);
    std::fill(got[5].begin(), got[5].end(), -1.0f);
    apool::adaptive_max_pool2d_pyramid(input, two);
    CHECK(same_bytes(got[3], expected[3]));
    CHECK(same_bytes(got[5], expected[5]));
    CHECK_NOTHROW(apool::adaptive_avg_pool2d_pyramid(input, std::vector<apool::strided_view<float, 4>>{}));
    // The gradient of a vector of levels equals the separate calls in order.
    std::vector<apool::strided_view<const float, 4>> grads(outputs.begin(), outputs.begin() + 4);
    std::vector<float> separate(values.size(), 2.0f), together(separate);
    const apool::strided_view<float, 4> separate_view(separate.data(), {2, 3, 9, 9}), together_view(together.data(), {2, 3, 9, 9});
    for (std::size_t k = 0; k < 4; ++k) {
        apool::adaptive_avg_pool2d_backward(grads[k], separate_view, k == 0 ? apool::gradient_update::overwrite : apool::gradient_update::accumulate);
    }
    apool::adaptive_avg_pool2d_pyramid_backward(grads, together_view);
    CHECK(same_bytes(together, separate));
}

namespace {

/// Channels-last strides of (N, C, spatial...) extents: channels innermost.
template <std::size_t Rank>
extents_t<Rank> channels_last_strides(const extents_t<Rank>& extents) {
    extents_t<Rank> strides{};
    std::ptrdiff_t step = extents[1];
    strides[1] = 1;
    for (std::size_t d = Rank; d-- > 2;) {
        strides[d] = step;
        step *= extents[d];
    }
    strides[0] = step;
    return strides;
}

/// The average pyramid of a channels-last input into channels-last outputs
/// (the walk that keeps every level's sums in its output) against the
/// separate calls, with each executor; `walks`: whether the pyramid's plans
/// take the walk.
template <std::size_t Spatial, std::size_t Rank, std::size_t Levels>
void check_pyramid_walk(const extents_t<Rank>& in_extents, const std::array<std::ptrdiff_t, Levels>& sizes, bool walks) {
    INFO("spatial " << Spatial << ", input " << apool_test::describe_extents(in_extents));
    std::vector<float> values = tied_values<float>(count_of(in_extents), 71);
    for (std::size_t i = 3; i < values.size(); i += 41) values[i] = -0.0f;
    const apool::strided_view<const float, Rank> input(values.data(), in_extents, channels_last_strides(in_extents));
    std::array<std::vector<float>, Levels> expected, got;
    std::array<apool::strided_view<float, Rank>, Levels> outputs;
    for (std::size_t k = 0; k < Levels; ++k) {
        const extents_t<Rank> out = pooled_extents<Spatial>(in_extents, sizes[k]);
        expected[k].assign(count_of(out), 7.0f);
        got[k].assign(count_of(out), 7.0f);
        apool::adaptive_avg_pool<Spatial>(input, apool::strided_view<float, Rank>(expected[k].data(), out, channels_last_strides(out)));
        outputs[k] = apool::strided_view<float, Rank>(got[k].data(), out, channels_last_strides(out));
    }
    using pass = decltype(apool::detail::plan_pass<apool::detail::average<float>, Spatial>(
        input, outputs[0], static_cast<const apool::strided_view<std::int64_t, Rank>*>(nullptr), true));
    std::array<pass, Levels> passes;
    for (std::size_t k = 0; k < Levels; ++k) {
        passes[k] = apool::detail::plan_pass<apool::detail::average<float>, Spatial>(
            input, outputs[k], static_cast<const apool::strided_view<std::int64_t, Rank>*>(nullptr), true);
    }
    CHECK(apool::detail::pyramid_walk_suits(passes.data(), Levels) == walks);
    apool::thread_pool pool(3);
    for (int form = 0; form < 3; ++form) {
        INFO("form " << form << " (0: no executor, 1: tasks last to first, 2: a pool of 3)");
        for (auto& level : got) std::fill(level.begin(), level.end(), 7.0f);
        if (form == 0) apool::adaptive_avg_pool_pyramid<Spatial>(input, outputs);
        if (form == 1) apool::adaptive_avg_pool_pyramid<Spatial>(input, outputs, reverse_order{});
        if (form == 2) apool::adaptive_avg_pool_pyramid<Spatial>(input, outputs, pool);
        for (std::size_t k = 0; k < Levels; ++k) CHECK(same_bytes(got[k], expected[k]));
    }
}

}  // namespace

TEST_CASE("channels-last average pyramids in one walk: sums in each output, any part of the channels", "[pyramid][paths]") {
    constexpr std::ptrdiff_t width = apool::simd::lanes<float>;
    constexpr std::ptrdiff_t chunk = apool::detail::pyramid_chunk_vectors * width;
    // Overlapping windows, out > in, a tail of channels past the chunks and
    // past the vectors; large enough for a call with an executor to cut each
    // image's channels into parts.
    check_pyramid_walk<2, 4, 4>({1, 2 * chunk + width + 5, 60, 40}, {1, 2, 3, 6}, true);
    check_pyramid_walk<2, 4, 3>({2, 2 * width + 3, 13, 11}, {1, 5, 14}, true);
    check_pyramid_walk<1, 3, 3>({2, 2 * width + 3, 50}, {1, 7, 60}, true);
    check_pyramid_walk<3, 5, 3>({1, width + 1, 6, 7, 9}, {1, 2, 4}, true);
    // One level is the call itself; fewer channels than a vector take the
    // interleaved rows.
    check_pyramid_walk<2, 4, 1>({2, 2 * width, 9, 9}, {3}, false);
    check_pyramid_walk<2, 4, 2>({2, 3, 9, 9}, {1, 3}, false);
}
