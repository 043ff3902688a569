// The backward kernels promise one summation order: every grad_input element
// receives its shares in row-major order of the outputs, starting from zero
// (overwrite) or from its current value (accumulate), each share computed as
// grad / k_0 / k_1 / ... (grad / n for a window over the whole plane, where
// PyTorch pools with a mean). That order is PyTorch's contiguous kernel, and it
// makes every layout give the same bits. These tests compare bit for bit with
// a plain loop that follows the order literally, across layouts, shapes where
// windows overlap and repeat (output larger than input), and channel counts
// around every vector width.
//
// This file is the suite's header-only translation unit: it instantiates
// every kernel it calls itself, although the suite links apool::apool_compiled.
#undef APOOL_COMPILED
#define APOOL_COMPILED 0
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool_test::lay_out;
using apool_test::layout_kind;

template <std::size_t Spatial>
struct order_case {
    static constexpr std::size_t rank = Spatial + 2;
    std::array<std::ptrdiff_t, rank> in_extents{};
    std::array<std::ptrdiff_t, rank> out_extents{};
};

/// Every fourth case is global pooling (all output extents 1), which has a
/// path of its own.
template <std::size_t Spatial>
order_case<Spatial> random_case(std::mt19937& random, int trial) {
    static const std::ptrdiff_t channel_counts[] = {1, 3, 4, 8, 15, 16, 17, 33};
    order_case<Spatial> c;
    c.in_extents[0] = c.out_extents[0] = 1 + static_cast<std::ptrdiff_t>(random() % 2);
    c.in_extents[1] = c.out_extents[1] = channel_counts[random() % 8];
    for (std::size_t d = 2; d < Spatial + 2; ++d) {
        c.in_extents[d] = 1 + static_cast<std::ptrdiff_t>(random() % (Spatial == 1 ? 40 : 11));
        c.out_extents[d] = trial % 4 == 3 ? 1 : 1 + static_cast<std::ptrdiff_t>(random() % (Spatial == 1 ? 40 : 11));
    }
    return c;
}

/// Values whose sums round differently in different orders, and some -0.0
/// (a lone -0.0 share must still give +0.0, as PyTorch's 0 + share does).
std::vector<float> awkward_values(std::size_t count, std::mt19937& random) {
    std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
    std::vector<float> values(count);
    for (float& v : values) v = random() % 8 == 0 ? -0.0f : std::ldexp(mantissa(random), static_cast<int>(random() % 20) - 10);
    return values;
}

/// The documented order, literally: for each plane, for each output in
/// row-major order, add grad / k_0 / ... to each element of its window.
template <std::size_t Spatial, std::size_t Rank>
std::vector<float> scatter_in_order(const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                                    const std::vector<float>& grad_output, std::vector<float> grad_input) {
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
            float share = grad_output[static_cast<std::size_t>(plane * out_size + o++)];
            if (box.count() == in_size) {
                share = share / static_cast<float>(in_size);  // a window over the whole plane: PyTorch's mean
            } else {
                for (std::size_t d = 0; d < Spatial; ++d) share = share / static_cast<float>(box.size[d]);
            }
            apool_test::naive::for_each_in_window(box, [&](const std::array<std::ptrdiff_t, Spatial>& position) {
                std::ptrdiff_t flat = 0;
                for (std::size_t d = 0; d < Spatial; ++d) flat = flat * in_plane[d] + position[d];
                grad_input[static_cast<std::size_t>(plane * in_size + flat)] += share;
            });
        });
    }
    return grad_input;
}

template <std::size_t Spatial>
void check_avg_order(std::uint32_t seed) {
    std::mt19937 random(seed);
    for (int trial = 0; trial < 12; ++trial) {
        const auto c = random_case<Spatial>(random, trial);
        std::size_t in_count = 1, out_count = 1;
        for (std::size_t d = 0; d < c.rank; ++d) {
            in_count *= static_cast<std::size_t>(c.in_extents[d]);
            out_count *= static_cast<std::size_t>(c.out_extents[d]);
        }
        const auto grad_output = awkward_values(out_count, random);
        const auto previous = awkward_values(in_count, random);
        const auto expected_overwrite = scatter_in_order<Spatial>(c.in_extents, c.out_extents, grad_output, std::vector<float>(in_count, 0.0f));
        const auto expected_accumulate = scatter_in_order<Spatial>(c.in_extents, c.out_extents, grad_output, previous);
        for (layout_kind grad_output_kind : {layout_kind::contiguous, layout_kind::channels_last, layout_kind::padded}) {
            for (layout_kind grad_input_kind : apool_test::writable_layouts()) {
                auto go = lay_out(grad_output_kind, Spatial, c.out_extents, grad_output, -7.0f);
                auto overwritten = lay_out(grad_input_kind, Spatial, c.in_extents, previous, -9.0f);
                auto accumulated = lay_out(grad_input_kind, Spatial, c.in_extents, previous, -9.0f);
                if (!go || !overwritten || !accumulated) continue;
                INFO("seed " << seed << " trial " << trial << " grad_output " << apool_test::layout_name(grad_output_kind) << " grad_input "
                              << apool_test::layout_name(grad_input_kind));
                apool::adaptive_avg_pool_backward<Spatial>(go->const_view(), overwritten->view());
                apool::adaptive_avg_pool_backward<Spatial>(go->const_view(), accumulated->view(), apool::gradient_update::accumulate);
                CHECK(apool_test::bit_mismatches("overwrite", overwritten->logical(), expected_overwrite).empty());
                CHECK(apool_test::bit_mismatches("accumulate", accumulated->logical(), expected_accumulate).empty());
                CHECK(overwritten->padding_untouched());
                CHECK(accumulated->padding_untouched());
            }
        }
    }
}

template <std::size_t Spatial>
void check_max_order(std::uint32_t seed) {
    std::mt19937 random(seed);
    for (int trial = 0; trial < 12; ++trial) {
        const auto c = random_case<Spatial>(random, trial);
        std::size_t in_plane = 1, out_plane = 1;
        for (std::size_t d = 2; d < c.rank; ++d) {
            in_plane *= static_cast<std::size_t>(c.in_extents[d]);
            out_plane *= static_cast<std::size_t>(c.out_extents[d]);
        }
        const std::size_t planes = static_cast<std::size_t>(c.in_extents[0] * c.in_extents[1]);
        const std::size_t in_count = planes * in_plane, out_count = planes * out_plane;
        const auto grad_output = awkward_values(out_count, random);
        // Any positions in the plane, with repeats, so that shares pile up.
        std::vector<std::int64_t> indices(out_count);
        for (auto& index : indices) index = static_cast<std::int64_t>(random() % in_plane);
        std::vector<float> expected(in_count, 0.0f);
        for (std::size_t o = 0; o < out_count; ++o) expected[o / out_plane * in_plane + static_cast<std::size_t>(indices[o])] += grad_output[o];
        for (layout_kind kind : apool_test::writable_layouts()) {
            auto go = lay_out(kind, Spatial, c.out_extents, grad_output, -7.0f);
            auto where = lay_out(kind, Spatial, c.out_extents, indices, std::int64_t{-1});
            auto gradient = lay_out(kind, Spatial, c.in_extents, awkward_values(in_count, random), -9.0f);
            if (!go || !where || !gradient) continue;
            INFO("seed " << seed << " trial " << trial << " layout " << apool_test::layout_name(kind));
            apool::adaptive_max_pool_backward<Spatial>(go->const_view(), where->const_view(), gradient->view());
            CHECK(apool_test::bit_mismatches("max gradient", gradient->logical(), expected).empty());
            CHECK(gradient->padding_untouched());
        }
    }
}

}  // namespace

TEST_CASE("avg backward adds shares in output row-major order on every layout", "[backward][order]") {
    check_avg_order<1>(11);
    check_avg_order<2>(12);
    check_avg_order<3>(13);
}

TEST_CASE("max backward adds shares in output row-major order on every layout", "[backward][order]") {
    check_max_order<1>(21);
    check_max_order<2>(22);
    check_max_order<3>(23);
}
