// Replays PyTorch's gradients (tests/golden/golden_data.txt: input.grad after
// output.backward(grad_output)) under every layout of grad_output, indices and
// grad_input. apool documents PyTorch's summation order for both gradients
// (each share grad / k_0 / k_1 / ..., added in row-major output order onto
// zeros), so the results must equal PyTorch's bit for bit, also with
// gradient_update::accumulate onto zeros, which is the same sum.
#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "golden_data.hpp"
#include "layouts.hpp"

namespace {

using apool_test::golden_case;
using apool_test::layout_kind;

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_extents(const std::vector<std::ptrdiff_t>& extents) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = extents[d];
    return result;
}

// Fills grad_input before an overwriting call, so an element left unwritten shows.
template <class T>
T stale_gradient() {
    return T(-7777.25);
}

template <std::size_t Spatial, class G, class T, std::size_t Rank>
void call_avg_backward(bool named, apool::strided_view<G, Rank> grad_output, apool::strided_view<T, Rank> grad_input,
                       apool::gradient_update update) {
    if (!named) {
        apool::adaptive_avg_pool_backward<Spatial>(grad_output, grad_input, update);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_avg_pool1d_backward(grad_output, grad_input, update);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_avg_pool2d_backward(grad_output, grad_input, update);
    } else {
        apool::adaptive_avg_pool3d_backward(grad_output, grad_input, update);
    }
}

template <std::size_t Spatial, class G, class I, class T, std::size_t Rank>
void call_max_backward(bool named, apool::strided_view<G, Rank> grad_output, apool::strided_view<I, Rank> indices,
                       apool::strided_view<T, Rank> grad_input, apool::gradient_update update) {
    if (!named) {
        apool::adaptive_max_pool_backward<Spatial>(grad_output, indices, grad_input, update);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_max_pool1d_backward(grad_output, indices, grad_input, update);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_max_pool2d_backward(grad_output, indices, grad_input, update);
    } else {
        apool::adaptive_max_pool3d_backward(grad_output, indices, grad_input, update);
    }
}

template <class T>
struct expected_backward {
    std::vector<T> grad_output;
    std::vector<std::int64_t> indices;
    std::vector<T> avg_grad_input;
    std::vector<T> max_grad_input;
};

template <class I>
std::vector<I> narrow_indices(const std::vector<std::int64_t>& indices) {
    return std::vector<I>(indices.begin(), indices.end());
}

template <std::size_t Spatial, class T, class I, std::size_t Rank>
void check_max_backward(const expected_backward<T>& expected, const apool_test::laid_out<T, Rank>& grad_output,
                        const std::array<std::ptrdiff_t, Rank>& in_extents, const std::array<std::ptrdiff_t, Rank>& out_extents,
                        layout_kind index_kind, layout_kind grad_input_kind, bool named) {
    const auto indices =
        apool_test::lay_out(index_kind, Spatial, out_extents, narrow_indices<I>(expected.indices), static_cast<I>(-99));
    if (!indices) return;
    INFO("max backward with int" << sizeof(I) * 8 << " indices in layout " << apool_test::layout_name(index_kind));
    for (apool::gradient_update update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
        const bool overwrite = update == apool::gradient_update::overwrite;
        INFO((overwrite ? "overwrite" : "accumulate onto zeros"));
        const std::vector<T> start(expected.max_grad_input.size(), overwrite ? stale_gradient<T>() : T(0));
        auto grad_input = apool_test::lay_out(grad_input_kind, Spatial, in_extents, start, stale_gradient<T>());
        call_max_backward<Spatial>(named, grad_output.const_view(), indices->const_view(), grad_input->view(), update);
        CHECK(apool_test::bit_mismatches("max grad_input", grad_input->logical(), expected.max_grad_input) == "");
        CHECK(grad_input->padding_untouched());
    }
}

template <class T, std::size_t Spatial, std::size_t Rank>
void replay_backward(const golden_case& golden) {
    const auto in_extents = to_extents<Rank>(golden.input_extents);
    const auto out_extents = to_extents<Rank>(golden.output_extents);
    const auto inputs = apool_test::all_layouts();
    const auto writable = apool_test::writable_layouts();
    std::size_t combination = 0;
    for (layout_kind grad_output_kind : inputs) {
        expected_backward<T> expected{apool_test::from_bits<T>(golden.grad_output), golden.max_indices,
                                      apool_test::from_bits<T>(golden.avg_grad_input), apool_test::from_bits<T>(golden.max_grad_input)};
        const bool broadcast = grad_output_kind == layout_kind::broadcast;
        if (broadcast) {
            // Planes are independent: repeating plane 0 of the arguments repeats plane 0 of the gradient.
            expected.grad_output = apool_test::repeat_first_slice(out_extents, expected.grad_output);
            expected.indices = apool_test::repeat_first_slice(out_extents, expected.indices);
            expected.avg_grad_input = apool_test::repeat_first_slice(in_extents, expected.avg_grad_input);
            expected.max_grad_input = apool_test::repeat_first_slice(in_extents, expected.max_grad_input);
        }
        const auto grad_output = apool_test::lay_out(grad_output_kind, Spatial, out_extents, expected.grad_output, apool_test::padding_nan<T>());
        if (!grad_output) continue;
        for (layout_kind grad_input_kind : writable) {
            const std::vector<T> stale(expected.avg_grad_input.size(), stale_gradient<T>());
            if (!apool_test::lay_out(grad_input_kind, Spatial, in_extents, stale, stale_gradient<T>())) continue;
            ++combination;
            const bool named = combination % 2 == 0;
            INFO("case " << golden.name << ", grad_output layout " << apool_test::layout_name(grad_output_kind) << ", grad_input layout "
                         << apool_test::layout_name(grad_input_kind) << (named ? ", named function" : ", rank-generic function"));

            for (apool::gradient_update update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
                const bool overwrite = update == apool::gradient_update::overwrite;
                INFO((overwrite ? "avg backward, overwrite" : "avg backward, accumulate onto zeros"));
                const std::vector<T> start(stale.size(), overwrite ? stale_gradient<T>() : T(0));
                auto grad_input = apool_test::lay_out(grad_input_kind, Spatial, in_extents, start, stale_gradient<T>());
                call_avg_backward<Spatial>(named, grad_output->const_view(), grad_input->view(), update);
                CHECK(apool_test::bit_mismatches("avg grad_input", grad_input->logical(), expected.avg_grad_input) == "");
                CHECK(grad_input->padding_untouched());
            }

            // Indices are an input too: any layout, broadcast only where grad_output's is (its data repeats plane 0).
            const layout_kind index_kind = broadcast ? layout_kind::broadcast : inputs[combination % (inputs.size() - 1)];
            check_max_backward<Spatial, T, std::int64_t>(expected, *grad_output, in_extents, out_extents, index_kind, grad_input_kind,
                                                         named);
            check_max_backward<Spatial, T, std::int32_t>(expected, *grad_output, in_extents, out_extents,
                                                         broadcast ? index_kind : writable[(combination + 5) % writable.size()],
                                                         grad_input_kind, named);
        }
    }
}

template <std::size_t Spatial, std::size_t Leading>
bool replay_if(const golden_case& golden) {
    if (golden.spatial != Spatial || golden.leading() != Leading) return false;
    if (golden.is_double) {
        replay_backward<double, Spatial, Spatial + Leading>(golden);
    } else {
        replay_backward<float, Spatial, Spatial + Leading>(golden);
    }
    return true;
}

}  // namespace

TEST_CASE("gradients equal PyTorch's bit for bit in every layout", "[backward][golden]") {
    const auto& cases = apool_test::golden_cases();
    REQUIRE(cases.size() > 100);
    for (const golden_case& golden : cases) {
        INFO("case " << golden.name);
        const bool replayed = replay_if<1, 0>(golden) || replay_if<1, 1>(golden) || replay_if<1, 2>(golden) ||
                              replay_if<2, 0>(golden) || replay_if<2, 1>(golden) || replay_if<2, 2>(golden) ||
                              replay_if<2, 3>(golden) || replay_if<3, 0>(golden) || replay_if<3, 1>(golden) ||
                              replay_if<3, 2>(golden);
        CHECK(replayed);
    }
}
