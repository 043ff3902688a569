// Gradients against the naive reference on random shapes, values and layouts;
// the same bits for every layout of the same logical tensors; and central
// finite differences of the forward functions, which tie the gradients to the
// forward pass they differentiate. Fixed seeds: a failure reproduces.
#include <apool/apool.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "layouts.hpp"
#include "naive_reference.hpp"

namespace {

using apool::gradient_update;
using apool_test::layout_kind;

template <std::size_t Rank>
using extents_t = std::array<std::ptrdiff_t, Rank>;

template <std::size_t Rank>
std::string describe_extents(const extents_t<Rank>& extents) {
    std::ostringstream text;
    text << "[";
    for (std::size_t d = 0; d < Rank; ++d) text << (d != 0 ? ", " : "") << extents[d];
    text << "]";
    return text.str();
}

template <std::size_t Rank>
std::size_t count_of(const extents_t<Rank>& extents) {
    std::size_t count = 1;
    for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

template <std::size_t Spatial, std::size_t Rank>
std::ptrdiff_t plane_size(const extents_t<Rank>& extents) {
    std::ptrdiff_t size = 1;
    for (std::size_t d = Rank - Spatial; d < Rank; ++d) size *= extents[d];
    return size;
}

template <class T>
std::vector<T> normal_values(std::mt19937_64& rng, std::size_t count) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<T> values(count);
    for (T& v : values) v = static_cast<T>(normal(rng));
    return values;
}

/// The logical arguments of one backward problem.
template <class T, std::size_t Rank>
struct gradient_problem {
    extents_t<Rank> in_extents{};
    extents_t<Rank> out_extents{};
    std::vector<T> grad_output;
    std::vector<std::int64_t> indices;  // flat positions in the input plane
    std::vector<T> old_gradient;        // grad_input's contents before an accumulating call
};

/// Indices from a max pooling of random data (at most one per window
/// position, realistic), or uniform over the whole plane (many outputs
/// sharing one position: long sums), in turn.
template <class T, std::size_t Spatial, std::size_t Rank>
gradient_problem<T, Rank> make_problem(const extents_t<Rank>& in_extents, const extents_t<Rank>& out_extents, bool pooled_indices,
                                       std::mt19937_64& rng) {
    gradient_problem<T, Rank> p;
    p.in_extents = in_extents;
    p.out_extents = out_extents;
    p.grad_output = normal_values<T>(rng, count_of(out_extents));
    p.old_gradient = normal_values<T>(rng, count_of(in_extents));
    p.indices.resize(count_of(out_extents));
    if (pooled_indices) {
        const std::vector<T> input = normal_values<T>(rng, count_of(in_extents));
        std::vector<T> maxima(p.indices.size());
        apool_test::naive::adaptive_max_pool<Spatial>(apool::strided_view<const T, Rank>(input.data(), in_extents),
                                                      apool::strided_view<T, Rank>(maxima.data(), out_extents),
                                                      apool::strided_view<std::int64_t, Rank>(p.indices.data(), out_extents));
    } else {
        const std::ptrdiff_t plane = plane_size<Spatial>(in_extents);
        for (auto& index : p.indices) index = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(plane));
    }
    return p;
}

/// What the reference says, and how far a correct T computation may be from it.
template <class T>
struct expected_gradient {
    std::vector<T> values;
    std::vector<double> tolerance;
};

/// Each grad_input element is a sum of m shares (m counted exactly below),
/// plus the old value when accumulating; any order of summing m + 1 terms is
/// within m * eps / 2 * (sum of their magnitudes) of the exact sum, and each
/// average share grad / k_0 / k_1 / k_2 carries up to three more roundings.
/// The reference sums in double (average) or in T in the documented order
/// (maximum), so eps * (m + 2) * (|old| + sum |shares|) bounds the difference.
/// A lost or doubled share moves an element by a whole share, far more.
template <class T, std::size_t Spatial, std::size_t Rank>
expected_gradient<T> reference_gradient(const gradient_problem<T, Rank>& p, bool max, bool accumulate) {
    const std::size_t inputs = count_of(p.in_extents);
    const std::size_t outputs = count_of(p.out_extents);
    auto gradient_of = [&](const std::vector<double>& grad_output, std::vector<double> start, bool add) {
        const apool::strided_view<const double, Rank> grad_view(grad_output.data(), p.out_extents);
        const apool::strided_view<double, Rank> target(start.data(), p.in_extents);
        if (max) {
            apool_test::naive::adaptive_max_pool_backward<Spatial>(
                grad_view, apool::strided_view<const std::int64_t, Rank>(p.indices.data(), p.out_extents), target, add);
        } else {
            apool_test::naive::adaptive_avg_pool_backward<Spatial>(grad_view, target, add);
        }
        return start;
    };
    // Shares per element: the gradient of a grad_output that makes every share 1.
    std::vector<double> unit_shares(outputs, 1.0);
    if (!max) {
        const std::vector<double> zeros(inputs, 0.0);
        const auto magnitudes = apool_test::naive::window_magnitudes<Spatial>(
            apool::strided_view<const double, Rank>(zeros.data(), p.in_extents), p.out_extents);
        for (std::size_t o = 0; o < outputs; ++o) unit_shares[o] = static_cast<double>(magnitudes[o].count);
    }
    const std::vector<double> share_counts = gradient_of(unit_shares, std::vector<double>(inputs, 0.0), false);
    std::vector<double> absolute_grad(outputs);
    for (std::size_t o = 0; o < outputs; ++o) absolute_grad[o] = std::fabs(static_cast<double>(p.grad_output[o]));
    const std::vector<double> share_magnitudes = gradient_of(absolute_grad, std::vector<double>(inputs, 0.0), false);

    expected_gradient<T> expected;
    expected.values = accumulate ? p.old_gradient : std::vector<T>(inputs, T(0));
    const apool::strided_view<const T, Rank> grad_view(p.grad_output.data(), p.out_extents);
    const apool::strided_view<T, Rank> target(expected.values.data(), p.in_extents);
    if (max) {
        apool_test::naive::adaptive_max_pool_backward<Spatial>(
            grad_view, apool::strided_view<const std::int64_t, Rank>(p.indices.data(), p.out_extents), target, accumulate);
    } else {
        apool_test::naive::adaptive_avg_pool_backward<Spatial>(grad_view, target, accumulate);
    }
    const double eps = static_cast<double>(std::numeric_limits<T>::epsilon());
    expected.tolerance.resize(inputs);
    for (std::size_t i = 0; i < inputs; ++i) {
        const double old = accumulate ? std::fabs(static_cast<double>(p.old_gradient[i])) : 0.0;
        expected.tolerance[i] =
            eps * (share_counts[i] + 2.0) * (old + share_magnitudes[i]) + static_cast<double>(std::numeric_limits<T>::denorm_min());
    }
    return expected;
}

/// Runs apool's gradient with every argument in the given layouts; returns
/// grad_input's logical contents after checking that its padding is untouched.
template <class T, class I, std::size_t Spatial, std::size_t Rank>
std::vector<T> apool_gradient(const gradient_problem<T, Rank>& p, bool max, gradient_update update, layout_kind grad_output_kind,
                              layout_kind index_kind, layout_kind grad_input_kind) {
    const T stale = T(-3333.75);
    const bool accumulate = update == gradient_update::accumulate;
    auto grad_output = apool_test::lay_out(grad_output_kind, Spatial, p.out_extents, p.grad_output, apool_test::padding_nan<T>());
    const std::vector<I> indices_data(p.indices.begin(), p.indices.end());
    auto indices = apool_test::lay_out(index_kind, Spatial, p.out_extents, indices_data, static_cast<I>(-77));
    auto grad_input = apool_test::lay_out(grad_input_kind, Spatial, p.in_extents,
                                          accumulate ? p.old_gradient : std::vector<T>(count_of(p.in_extents), stale), stale);
    if (max) {
        apool::adaptive_max_pool_backward<Spatial>(grad_output->const_view(), indices->const_view(), grad_input->view(), update);
    } else {
        apool::adaptive_avg_pool_backward<Spatial>(grad_output->const_view(), grad_input->view(), update);
    }
    CHECK(grad_input->padding_untouched());
    return grad_input->logical();
}

/// A layout that applies to this shape: `wanted`, or contiguous.
template <std::size_t Rank>
layout_kind applicable(layout_kind wanted, std::size_t spatial) {
    apool_test::physical_plan<Rank> plan;
    return apool_test::make_plan(wanted, spatial, plan) ? wanted : layout_kind::contiguous;
}

struct layout_choice {
    layout_kind grad_output = layout_kind::contiguous;
    layout_kind indices = layout_kind::contiguous;
    layout_kind grad_input = layout_kind::contiguous;
};

template <class T, std::size_t Spatial, std::size_t Rank>
void check_against_reference(gradient_problem<T, Rank> p, layout_choice layouts, bool int32_indices) {
    layouts.grad_output = applicable<Rank>(layouts.grad_output, Spatial);
    layouts.indices = applicable<Rank>(layouts.indices, Spatial);
    layouts.grad_input = applicable<Rank>(layouts.grad_input, Spatial);
    if (layouts.grad_output == layout_kind::broadcast) p.grad_output = apool_test::repeat_first_slice(p.out_extents, p.grad_output);
    if (layouts.indices == layout_kind::broadcast) p.indices = apool_test::repeat_first_slice(p.out_extents, p.indices);
    INFO("grad_input " << describe_extents(p.in_extents) << ", grad_output " << describe_extents(p.out_extents) << ", spatial "
                       << Spatial << ", " << (sizeof(T) == 4 ? "float" : "double") << ", layouts grad_output/indices/grad_input "
                       << apool_test::layout_name(layouts.grad_output) << "/" << apool_test::layout_name(layouts.indices) << "/"
                       << apool_test::layout_name(layouts.grad_input) << ", int" << (int32_indices ? 32 : 64) << " indices");
    for (bool max : {false, true}) {
        for (gradient_update update : {gradient_update::overwrite, gradient_update::accumulate}) {
            const bool accumulate = update == gradient_update::accumulate;
            INFO((max ? "max" : "avg") << " backward, " << (accumulate ? "accumulate" : "overwrite"));
            const auto expected = reference_gradient<T, Spatial>(p, max, accumulate);
            const auto got = int32_indices
                                 ? apool_gradient<T, std::int32_t, Spatial>(p, max, update, layouts.grad_output, layouts.indices,
                                                                           layouts.grad_input)
                                 : apool_gradient<T, std::int64_t, Spatial>(p, max, update, layouts.grad_output, layouts.indices,
                                                                           layouts.grad_input);
            if (max && !accumulate) {
                // The reference adds in T in the documented order: the same bits.
                CHECK(apool_test::bit_mismatches("max grad_input", got, expected.values) == "");
            } else {
                CHECK(apool_test::mismatches("grad_input", got, expected.values, [&](std::size_t i, T a, T b) {
                          return std::fabs(static_cast<double>(a) - static_cast<double>(b)) <= expected.tolerance[i];
                      }) == "");
            }
        }
    }
}

std::ptrdiff_t output_size_for(std::ptrdiff_t in, std::mt19937_64& rng) {
    switch (rng() % 3) {
        case 0: return 1 + static_cast<std::ptrdiff_t>(rng() % static_cast<std::uint64_t>(in));
        case 1: return in;
        default: return in + 1 + static_cast<std::ptrdiff_t>(rng() % 6);
    }
}

template <class T, std::size_t Spatial, std::size_t Leading>
void random_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const auto inputs = apool_test::all_layouts();
    const auto writable = apool_test::writable_layouts();
    const std::ptrdiff_t largest_spatial = Spatial == 1 ? 40 : Spatial == 2 ? 14 : 6;
    static constexpr std::ptrdiff_t channel_counts[] = {1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65};
    for (int k = 0; k < count; ++k) {
        extents_t<Rank> in_extents{};
        for (std::size_t d = 0; d < Leading; ++d) in_extents[d] = 1 + static_cast<std::ptrdiff_t>(rng() % 3);
        if (Leading > 0) {
            in_extents[Leading - 1] = channel_counts[rng() % (sizeof(channel_counts) / sizeof(channel_counts[0]))];
            if (rng() % 25 == 0) in_extents[rng() % Leading] = 0;
        }
        for (std::size_t d = Leading; d < Rank; ++d) in_extents[d] = 1 + static_cast<std::ptrdiff_t>(rng() % largest_spatial);
        while (count_of(in_extents) > 2000) {
            for (std::size_t d = Leading; d < Rank; ++d) in_extents[d] = (in_extents[d] + 1) / 2;
        }
        extents_t<Rank> out_extents = in_extents;
        for (std::size_t d = Leading; d < Rank; ++d) out_extents[d] = k % 7 == 6 ? 1 : output_size_for(in_extents[d], rng);
        layout_choice layouts;
        layouts.grad_output = inputs[static_cast<std::size_t>(k) % inputs.size()];
        layouts.indices = inputs[rng() % inputs.size()];
        layouts.grad_input = writable[rng() % writable.size()];
        const auto p = make_problem<T, Spatial>(in_extents, out_extents, k % 2 == 0, rng);
        check_against_reference<T, Spatial>(p, layouts, rng() % 2 == 0);
    }
}

template <class T>
void random_trials_all_ranks(std::uint64_t seed) {
    random_trials<T, 1, 0>(seed + 1, 40);
    random_trials<T, 1, 1>(seed + 2, 60);
    random_trials<T, 1, 2>(seed + 3, 60);
    random_trials<T, 2, 0>(seed + 4, 40);
    random_trials<T, 2, 1>(seed + 5, 60);
    random_trials<T, 2, 2>(seed + 6, 60);
    random_trials<T, 3, 0>(seed + 7, 40);
    random_trials<T, 3, 1>(seed + 8, 60);
    random_trials<T, 3, 2>(seed + 9, 60);
}

/// Channel counts 1..70 with grad_input in channels-last memory (the
/// channels-last gradient kernel and its tails), a few around the kernel's
/// chunk of APOOL_ROW_BUFFER_ELEMENTS channels, and row lengths 1..150 with
/// contiguous rows (the row gradient kernel, global pooling included).
template <class T, std::size_t Spatial>
void kernel_sweeps(std::uint64_t seed) {
    constexpr std::size_t Rank = Spatial + 2;
    constexpr std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS;
    std::mt19937_64 rng(seed);
    const std::array<std::ptrdiff_t, 3> in_spatial{5, 4, 3};
    const std::array<std::ptrdiff_t, 3> out_spatial{3, 6, 2};
    std::vector<std::ptrdiff_t> channel_counts(70);
    std::iota(channel_counts.begin(), channel_counts.end(), std::ptrdiff_t{1});
    for (std::ptrdiff_t around_chunk : {chunk - 1, chunk, chunk + 7, 2 * chunk + 3}) channel_counts.push_back(around_chunk);
    for (std::ptrdiff_t channels : channel_counts) {
        extents_t<Rank> in_extents{channels > 70 ? 1 : 2, channels};
        extents_t<Rank> out_extents{in_extents[0], channels};
        for (std::size_t d = 0; d < Spatial; ++d) {
            in_extents[2 + d] = channels > 70 ? 2 : in_spatial[d];
            out_extents[2 + d] = channels % 5 == 0 ? 1 : out_spatial[d];
        }
        layout_choice layouts;
        layouts.grad_input = channels % 3 == 0 ? layout_kind::channels_last_padded : layout_kind::channels_last;
        layouts.grad_output = channels % 2 == 0 ? layout_kind::channels_last : layout_kind::contiguous;
        layouts.indices = channels % 2 == 0 ? layout_kind::contiguous : layout_kind::channels_last;
        check_against_reference<T, Spatial>(make_problem<T, Spatial>(in_extents, out_extents, channels % 2 == 0, rng), layouts,
                                            channels % 4 == 1);
    }
    for (std::ptrdiff_t length = 1; length <= 150; length += Spatial) {
        const std::ptrdiff_t outputs[] = {1, 3, (length + 1) / 2, length + 2};
        for (std::size_t variant = 0; variant < 4; ++variant) {
            extents_t<Rank> in_extents{1, 2};
            extents_t<Rank> out_extents{1, 2};
            for (std::size_t d = 2; d + 1 < Rank; ++d) {
                in_extents[d] = 1 + static_cast<std::ptrdiff_t>((variant + d) % 3);
                out_extents[d] = variant == 0 ? 1 : 1 + static_cast<std::ptrdiff_t>(variant % 2);
            }
            in_extents[Rank - 1] = length;
            out_extents[Rank - 1] = outputs[variant];
            layout_choice layouts;
            layouts.grad_input = variant % 2 == 0 ? layout_kind::contiguous : layout_kind::padded;
            layouts.grad_output = variant % 3 == 0 ? layout_kind::reversed : layout_kind::contiguous;
            check_against_reference<T, Spatial>(make_problem<T, Spatial>(in_extents, out_extents, variant % 2 == 1, rng), layouts,
                                                variant == 3);
        }
    }
}

/// The same logical problem in every combination of layouts must give the
/// same bits as the contiguous one.
template <class T, std::size_t Spatial, std::size_t Rank>
void check_layout_independence(const gradient_problem<T, Rank>& p) {
    INFO("grad_input " << describe_extents(p.in_extents) << ", grad_output " << describe_extents(p.out_extents) << ", spatial " << Spatial
                       << ", " << (sizeof(T) == 4 ? "float" : "double"));
    const auto writable = apool_test::writable_layouts();
    for (bool max : {false, true}) {
        for (gradient_update update : {gradient_update::overwrite, gradient_update::accumulate}) {
            INFO((max ? "max" : "avg") << " backward, " << (update == gradient_update::accumulate ? "accumulate" : "overwrite"));
            const auto baseline = apool_gradient<T, std::int64_t, Spatial>(p, max, update, layout_kind::contiguous,
                                                                           layout_kind::contiguous, layout_kind::contiguous);
            std::size_t combination = 0;
            for (layout_kind grad_input_kind : writable) {
                if (applicable<Rank>(grad_input_kind, Spatial) != grad_input_kind) continue;
                for (layout_kind grad_output_kind : writable) {
                    if (applicable<Rank>(grad_output_kind, Spatial) != grad_output_kind) continue;
                    const layout_kind index_kind = applicable<Rank>(writable[combination++ % writable.size()], Spatial);
                    INFO("layouts grad_output/indices/grad_input " << apool_test::layout_name(grad_output_kind) << "/"
                                                                   << apool_test::layout_name(index_kind) << "/"
                                                                   << apool_test::layout_name(grad_input_kind));
                    const auto got = apool_gradient<T, std::int64_t, Spatial>(p, max, update, grad_output_kind, index_kind, grad_input_kind);
                    CHECK(apool_test::bit_mismatches("grad_input", got, baseline) == "");
                }
            }
        }
    }
}

/// Central differences of L(x) = sum_o w_o * pool(x)_o, against the gradient
/// for grad_output = w. Average pooling is linear, so the difference quotient
/// is exact up to the rounding of L; max pooling is too, between ties, and the
/// inputs are distinct values spaced far wider than the step.
template <std::size_t Spatial, std::size_t Rank>
void check_finite_differences(const extents_t<Rank>& in_extents, const extents_t<Rank>& out_extents, bool max, std::mt19937_64& rng) {
    INFO("input " << describe_extents(in_extents) << " -> output " << describe_extents(out_extents) << ", "
                  << (max ? "max" : "avg"));
    const std::size_t inputs = count_of(in_extents);
    const std::size_t outputs = count_of(out_extents);
    std::vector<double> x(inputs);
    std::iota(x.begin(), x.end(), 0.0);
    std::shuffle(x.begin(), x.end(), rng);
    for (double& v : x) v = 0.25 * v - 3.0;
    const std::vector<double> weights = normal_values<double>(rng, outputs);

    std::vector<double> pooled(outputs);
    std::vector<std::int64_t> indices(outputs);
    auto loss = [&](const std::vector<double>& at) {
        const apool::strided_view<const double, Rank> input(at.data(), in_extents);
        const apool::strided_view<double, Rank> output(pooled.data(), out_extents);
        if (max) {
            apool::adaptive_max_pool<Spatial>(input, output, apool::strided_view<std::int64_t, Rank>(indices.data(), out_extents));
        } else {
            apool::adaptive_avg_pool<Spatial>(input, output);
        }
        double sum = 0.0;
        for (std::size_t o = 0; o < outputs; ++o) sum += weights[o] * pooled[o];
        return sum;
    };
    loss(x);
    std::vector<double> gradient(inputs);
    const apool::strided_view<const double, Rank> grad_output(weights.data(), out_extents);
    const apool::strided_view<double, Rank> grad_input(gradient.data(), in_extents);
    if (max) {
        apool::adaptive_max_pool_backward<Spatial>(grad_output, apool::strided_view<const std::int64_t, Rank>(indices.data(), out_extents),
                                                   grad_input);
    } else {
        apool::adaptive_avg_pool_backward<Spatial>(grad_output, grad_input);
    }
    const double step = 1e-3;
    for (std::size_t i = 0; i < inputs; ++i) {
        std::vector<double> moved = x;
        moved[i] = x[i] + step;
        const double up = loss(moved);
        moved[i] = x[i] - step;
        const double down = loss(moved);
        const double difference = (up - down) / (2.0 * step);
        INFO("input element " << i << ": difference quotient " << difference << ", gradient " << gradient[i]);
        CHECK(std::fabs(difference - gradient[i]) <= 1e-9 * (1.0 + std::fabs(gradient[i])));
    }
}

template <std::size_t Spatial, std::size_t Leading>
void finite_difference_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const std::ptrdiff_t largest = Spatial == 1 ? 12 : Spatial == 2 ? 6 : 4;
    for (int k = 0; k < count; ++k) {
        extents_t<Rank> in_extents{};
        for (std::size_t d = 0; d < Leading; ++d) in_extents[d] = 1 + static_cast<std::ptrdiff_t>(rng() % 2);
        for (std::size_t d = Leading; d < Rank; ++d) in_extents[d] = 1 + static_cast<std::ptrdiff_t>(rng() % largest);
        extents_t<Rank> out_extents = in_extents;
        for (std::size_t d = Leading; d < Rank; ++d) out_extents[d] = output_size_for(in_extents[d], rng);
        check_finite_differences<Spatial>(in_extents, out_extents, k % 2 == 1, rng);
    }
}

template <class T, std::size_t Spatial, std::size_t Leading>
void layout_independence_trials(std::uint64_t seed, int count) {
    constexpr std::size_t Rank = Spatial + Leading;
    std::mt19937_64 rng(seed);
    const std::ptrdiff_t largest = Spatial == 1 ? 30 : Spatial == 2 ? 9 : 5;
    for (int k = 0; k < count; ++k) {
        extents_t<Rank> in_extents{};
        for (std::size_t d = 0; d < Leading; ++d) in_extents[d] = 2 + static_cast<std::ptrdiff_t>(rng() % 8);
        for (std::size_t d = Leading; d < Rank; ++d) in_extents[d] = 1 + static_cast<std::ptrdiff_t>(rng() % largest);
        extents_t<Rank> out_extents = in_extents;
        // Outputs larger than inputs in half the trials: overlapping windows, long sums.
        for (std::size_t d = Leading; d < Rank; ++d) {
            out_extents[d] = k % 2 == 0 ? in_extents[d] + 1 + static_cast<std::ptrdiff_t>(rng() % 5) : output_size_for(in_extents[d], rng);
        }
        check_layout_independence<T, Spatial>(make_problem<T, Spatial>(in_extents, out_extents, k % 3 != 0, rng));
    }
}

}  // namespace

TEST_CASE("gradients equal the naive reference on random shapes and layouts (float)", "[backward][reference]") {
    random_trials_all_ranks<float>(6000);
}

TEST_CASE("gradients equal the naive reference on random shapes and layouts (double)", "[backward][reference]") {
    random_trials_all_ranks<double>(7000);
}

TEST_CASE("gradient kernels: channel counts 1..70 and row lengths 1..150", "[backward][reference]") {
    kernel_sweeps<float, 1>(8001);
    kernel_sweeps<float, 2>(8002);
    kernel_sweeps<float, 3>(8003);
    kernel_sweeps<double, 1>(8004);
    kernel_sweeps<double, 2>(8005);
    kernel_sweeps<double, 3>(8006);
}

TEST_CASE("gradients have the same bits in every layout", "[backward][determinism]") {
    layout_independence_trials<float, 1, 2>(9001, 6);
    layout_independence_trials<float, 2, 1>(9002, 6);
    layout_independence_trials<float, 2, 2>(9003, 6);
    layout_independence_trials<float, 3, 1>(9004, 6);
    layout_independence_trials<double, 2, 2>(9005, 4);
    layout_independence_trials<double, 3, 0>(9006, 4);
}

TEST_CASE("gradients match central finite differences of the forward pass (double)", "[backward][finite_difference]") {
    finite_difference_trials<1, 1>(9101, 12);
    finite_difference_trials<2, 1>(9102, 12);
    finite_difference_trials<2, 0>(9103, 8);
    finite_difference_trials<3, 1>(9104, 10);
}
