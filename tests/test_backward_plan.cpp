// The backward plan (detail/backward_plan.hpp): the kernel it chooses for a
// shape made for each kernel, at the vector width of this build; and every
// kernel forced onto every shape of a set where it is legal, run in two
// sub-ranges of its work items (the later one first), in both gradient
// updates. Every kernel adds each element's shares in the same order, so each
// must give the bits of the one-element-at-a-time kernel (average_generic,
// maximum_planes). Every kernel this build has must run on some shape.
#include "catch.hpp"

#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "plan_problems.hpp"

namespace {

using apool_test::dense;
using apool_test::nhwc;
using apool_test::problem;
using apool_test::padded;
using apool_test::span_of;
using apool::detail::backward_kernel;
using apool::detail::kernel_name;
using shape = std::array<std::ptrdiff_t, 4>;
constexpr std::ptrdiff_t lanes = apool::simd::lanes<float>;

struct expected_choice {
    problem<4> shape;
    backward_kernel average;
    backward_kernel maximum;
};

std::vector<expected_choice> expected_choices() {
    const std::ptrdiff_t short_row = lanes - 1;  // rows shorter than two vectors
    return {
        {dense("small planes", shape{2, 32, short_row, short_row}, shape{2, 32, 3, 3}), backward_kernel::average_tiles,
         backward_kernel::maximum_dense_planes},
        {dense("global, dense planes", shape{2, 8, 20, 20}, shape{2, 8, 1, 1}), backward_kernel::average_one_span,
         backward_kernel::maximum_dense_planes},
        {dense("long contiguous rows", shape{1, 2, 50, 70}, shape{1, 2, 7, 9}), backward_kernel::average_share_rows,
         backward_kernel::maximum_dense_planes},
        {dense("outputs far larger than the rows", shape{1, 2, 3, 70}, shape{1, 2, 2, 700}), backward_kernel::average_generic,
         backward_kernel::maximum_dense_planes},
        {nhwc("HWC image", shape{1, 3, 40, 60}, shape{1, 3, 8, 12}), backward_kernel::average_interleaved_share_rows,
         backward_kernel::maximum_planes},
        {nhwc("channels-last", shape{2, 2 * lanes, 9, 9}, shape{2, 2 * lanes, 4, 4}), backward_kernel::average_channels_last,
         backward_kernel::maximum_planes},
        {padded("padded, no contiguous dim", shape{2, 3, 9, 9}, shape{2, 3, 4, 4}),
         backward_kernel::average_generic, backward_kernel::maximum_planes},
    };
}

const backward_kernel average_kernels[] = {backward_kernel::average_tiles,      backward_kernel::average_one_span,
                                           backward_kernel::average_share_rows, backward_kernel::average_interleaved_share_rows,
                                           backward_kernel::average_channels_last, backward_kernel::average_generic};
const backward_kernel maximum_kernels[] = {backward_kernel::maximum_dense_planes, backward_kernel::maximum_planes};

/// Values whose sums round differently in different orders, and some -0.0.
std::vector<float> awkward_values(std::size_t count, std::mt19937& random) {
    std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
    std::vector<float> values(count);
    for (float& v : values) v = random() % 8 == 0 ? -0.0f : std::ldexp(mantissa(random), static_cast<int>(random() % 20) - 10);
    return values;
}

/// grad_input after one forced kernel: each buffer starts as `previous` (so
/// padding and accumulate mode both start from known bits). Empty when the
/// kernel is not legal for the problem.
template <bool Maximum, std::size_t Spatial, std::size_t Rank>
std::vector<float> gradient_by(backward_kernel kernel, const problem<Rank>& p, const std::vector<float>& grads,
                               const std::vector<std::int64_t>& indices, const std::vector<float>& previous, bool accumulate) {
    const apool::strided_view<const float, Rank> grad_output(grads.data(), p.out_extents, p.out_strides);
    std::vector<float> result = previous;
    const apool::strided_view<float, Rank> grad_input(result.data(), p.in_extents, p.in_strides);
    const auto plan = apool::detail::plan_backward<Maximum, Spatial>(grad_output, grad_input, p.out_strides, accumulate, kernel);
    if (plan.kernel == backward_kernel::none) return {};
    if (plan.zero_first) apool::detail::zero_view(grad_input);
    using index_type = std::conditional_t<Maximum, const std::int64_t, const void>;
    index_type* const index_data = Maximum ? indices.data() : nullptr;
    const std::ptrdiff_t split = plan.items / 2;
    apool::detail::run_backward(plan, grads.data(), index_data, result.data(), split, plan.items);
    apool::detail::run_backward(plan, grads.data(), index_data, result.data(), 0, split);
    return result;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

template <bool Maximum, std::size_t Spatial, std::size_t Rank, std::size_t KernelCount>
void check_kernels(const backward_kernel (&kernels)[KernelCount], const problem<Rank>& p, std::mt19937& random,
                   std::set<backward_kernel>& ran) {
    INFO(p.name << ", " << Spatial << "-d, " << (Maximum ? "max" : "average") << ", " << lanes << " float lanes");
    const auto grads = awkward_values(span_of(p.out_extents, p.out_strides), random);
    const auto previous = awkward_values(span_of(p.in_extents, p.in_strides), random);
    std::ptrdiff_t plane_size = 1;
    for (std::size_t d = Rank - Spatial; d < Rank; ++d) plane_size *= p.in_extents[d];
    std::vector<std::int64_t> indices(grads.size());
    for (auto& index : indices) index = static_cast<std::int64_t>(random() % static_cast<std::uint32_t>(plane_size));
    for (bool accumulate : {false, true}) {
        const auto reference = gradient_by<Maximum, Spatial>(kernels[KernelCount - 1], p, grads, indices, previous, accumulate);
        REQUIRE(!reference.empty());
        for (backward_kernel kernel : kernels) {
            const auto got = gradient_by<Maximum, Spatial>(kernel, p, grads, indices, previous, accumulate);
            if (got.empty()) continue;
            INFO("kernel " << kernel_name(kernel) << (accumulate ? ", accumulate" : ", overwrite"));
            ran.insert(kernel);
            CHECK(same_bits(got, reference));
        }
    }
}

template <std::size_t Spatial, std::size_t Rank>
void check_every_kernel(const problem<Rank>& p, std::mt19937& random, std::set<backward_kernel>& ran) {
    check_kernels<false, Spatial>(average_kernels, p, random, ran);
    check_kernels<true, Spatial>(maximum_kernels, p, random, ran);
}

}  // namespace

TEST_CASE("backward plan: the kernel chosen for a shape made for it", "[backward][plan]") {
    for (const expected_choice& c : expected_choices()) {
        INFO(c.shape.name << ", " << lanes << " float lanes");
        std::vector<float> grads(span_of(c.shape.out_extents, c.shape.out_strides));
        std::vector<float> gradient(span_of(c.shape.in_extents, c.shape.in_strides));
        const apool::strided_view<const float, 4> grad_output(grads.data(), c.shape.out_extents, c.shape.out_strides);
        const apool::strided_view<float, 4> grad_input(gradient.data(), c.shape.in_extents, c.shape.in_strides);
        const auto average = apool::detail::plan_backward<false, 2>(grad_output, grad_input, c.shape.out_strides, false);
        const auto maximum = apool::detail::plan_backward<true, 2>(grad_output, grad_input, c.shape.out_strides, false);
        CHECK(std::string(kernel_name(average.kernel)) == kernel_name(c.average));
        CHECK(std::string(kernel_name(maximum.kernel)) == kernel_name(c.maximum));
    }
}

TEST_CASE("backward plan: an empty grad_output zeroes grad_input, or leaves it when accumulating", "[backward][plan]") {
    std::vector<float> gradient(2 * 3 * 5 * 5, 1.0f);
    const apool::strided_view<const float, 4> grad_output(nullptr, shape{2, 3, 0, 4});
    const apool::strided_view<float, 4> grad_input(gradient.data(), shape{2, 3, 5, 5});
    const auto overwrite = apool::detail::plan_backward<false, 2>(grad_output, grad_input, grad_output.strides(), false);
    CHECK(overwrite.kernel == backward_kernel::none);
    CHECK(overwrite.zero_first);
    const auto accumulate = apool::detail::plan_backward<true, 2>(grad_output, grad_input, grad_output.strides(), true);
    CHECK(accumulate.kernel == backward_kernel::none);
    CHECK(!accumulate.zero_first);
}

TEST_CASE("backward plan: every kernel, forced where legal, in two sub-ranges, gives the in-order bits", "[backward][plan]") {
    std::mt19937 random(2026);
    std::set<backward_kernel> ran;
    for (const expected_choice& c : expected_choices()) check_every_kernel<2>(c.shape, random, ran);
    check_every_kernel<2>(dense("partial last group", shape{3, 2 * lanes + 3, 9, 11}, shape{3, 2 * lanes + 3, 4, 5}), random, ran);
    check_every_kernel<2>(nhwc("channels-last, upsampled, odd channels", shape{2, lanes + 3, 5, 6}, shape{2, lanes + 3, 7, 9}), random, ran);
    check_every_kernel<2>(dense("large planes, zeroed one by one", shape{2, 3, 70, 70}, shape{2, 3, 6, 6}), random, ran);
    check_every_kernel<1>(dense("1-d rows", std::array<std::ptrdiff_t, 3>{3, 5, 100}, std::array<std::ptrdiff_t, 3>{3, 5, 7}), random, ran);
    // Windows of one size that tile the row: shares a vector of outputs at a time.
    check_every_kernel<2>(dense("rows pooled by 2, several chunks", shape{1, 2, 6, 2 * APOOL_ROW_BUFFER_ELEMENTS + 10},
                                shape{1, 2, 3, APOOL_ROW_BUFFER_ELEMENTS + 5}),
                          random, ran);
    check_every_kernel<1>(dense("1-d rows pooled by 3", std::array<std::ptrdiff_t, 3>{2, 3, 99}, std::array<std::ptrdiff_t, 3>{2, 3, 33}), random,
                          ran);
    check_every_kernel<2>(problem<4>{"rows pooled by 2, grad_output spread", shape{1, 2, 6, 4 * lanes + 6}, apool_test::row_major(shape{1, 2, 6, 4 * lanes + 6}),
                                     shape{1, 2, 3, 2 * lanes + 3}, apool_test::row_major(shape{1, 2, 3, 2 * lanes + 3}, 2)},
                          random, ran);
    check_every_kernel<3>(dense("3-d planes", std::array<std::ptrdiff_t, 5>{2, lanes + 1, 3, 5, 6}, std::array<std::ptrdiff_t, 5>{2, lanes + 1, 2, 3, 4}),
                          random, ran);
    for (backward_kernel kernel : average_kernels) {
        INFO("kernel " << kernel_name(kernel));
        CHECK(ran.count(kernel) == 1);
    }
    for (backward_kernel kernel : maximum_kernels) {
        INFO("kernel " << kernel_name(kernel));
        CHECK(ran.count(kernel) == 1);
    }
}
