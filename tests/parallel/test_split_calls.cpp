// Every public function given an executor writes the same bytes as without
// one: the 1d and 3d golden shapes in every layout of tests/layouts.hpp
// (test_split_golden.cpp has the 2d ones), HWC images, the max gradient's
// parts of rows, and the element types. This executable is built with
// APOOL_PARALLEL_FROM_ELEMENTS 1 and APOOL_ELEMENTS_PER_TASK 4
// (tests/parallel/CMakeLists.txt), so that these small shapes split the way
// large calls do: into tasks of planes, blocks of channels and parts of planes.
#include "split_checks.hpp"

using namespace apool_split;

TEST_CASE("with any executor every call writes the bytes of the call without one: 1d and 3d", "[parallel][golden]") {
    const auto& cases = apool_test::golden_cases();
    REQUIRE(cases.size() > 100);
    split_calls = 0;
    for (const golden_case& golden : cases) {
        if (golden.spatial == 2) continue;
        INFO("case " << golden.name);
        CHECK((compare_if<1, 0>(golden) || compare_if<1, 1>(golden) || compare_if<1, 2>(golden) ||
               compare_if<3, 0>(golden) || compare_if<3, 1>(golden) || compare_if<3, 2>(golden)));
    }
    // Nearly every call splits at these knobs (global pooling of one plane is one task).
    CHECK(split_calls > 600);
}

TEST_CASE("a max gradient split into parts of rows adds the outputs whose index lies in its part, wherever their windows are",
          "[parallel]") {
    // A valid index may point anywhere in its plane (the fuzzer found a split
    // that read only the outputs whose windows reach a part). One plane of
    // 64 rows to 4 (1d) and 32 x 4 to 2 x 2 (2d), each index drawn over the
    // whole plane, in both gradient updates.
    auto check = [](auto extents, auto out_extents) {
        constexpr std::size_t rank = std::tuple_size<decltype(extents)>::value;
        std::ptrdiff_t plane = 1, outputs = 1;
        for (std::size_t d = 0; d < rank; ++d) {
            plane *= extents[d];
            outputs *= out_extents[d];
        }
        std::vector<float> grad_output(static_cast<std::size_t>(outputs));
        std::vector<std::int64_t> indices(grad_output.size());
        for (std::ptrdiff_t o = 0; o < outputs; ++o) {
            grad_output[static_cast<std::size_t>(o)] = 0.5f + static_cast<float>(o);
            indices[static_cast<std::size_t>(o)] = (o * 37 + 11) % plane;  // far from o's window
        }
        const apool::strided_view<const float, rank> go(grad_output.data(), out_extents);
        const apool::strided_view<const std::int64_t, rank> idx(indices.data(), out_extents);
        for (apool::gradient_update update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
            std::vector<float> expected(static_cast<std::size_t>(plane), 2.0f);
            apool::adaptive_max_pool_backward<rank>(go, idx, apool::strided_view<float, rank>(expected.data(), extents), update);
            std::ptrdiff_t tasks = 0;
            std::vector<float> counted(expected.size(), 2.0f);
            apool::adaptive_max_pool_backward<rank>(go, idx, apool::strided_view<float, rank>(counted.data(), extents), update,
                                                    apool_test::counting_order{&tasks});
            CHECK(tasks > 1);
            CHECK(apool_test::bit_mismatches("max grad_input", counted, expected) == "");
            apool_test::for_each_executor([&](auto&& executor, const char* name) {
                INFO(name);
                std::vector<float> got(expected.size(), 2.0f);
                apool::adaptive_max_pool_backward<rank>(go, idx, apool::strided_view<float, rank>(got.data(), extents), update, executor);
                CHECK(apool_test::bit_mismatches("max grad_input", got, expected) == "");
            });
        }
    };
    check(std::array<std::ptrdiff_t, 1>{64}, std::array<std::ptrdiff_t, 1>{4});
    check(std::array<std::ptrdiff_t, 2>{32, 4}, std::array<std::ptrdiff_t, 2>{2, 2});
}

TEST_CASE("HWC images pooled by whole factors: split calls write the bytes of one call", "[parallel]") {
    // Windows of one size along the row, whose outputs a part reduces a group
    // at a time from its own first column: groups fall elsewhere than in one
    // call. Values with ties, -0.0 beside 0.0, NaN and -inf.
    std::mt19937 random(5);
    std::uniform_int_distribution<int> pick(0, 99);
    using extents = std::array<std::ptrdiff_t, 4>;
    const std::pair<extents, extents> shapes[] = {{{1, 3, 12, 46}, {1, 3, 6, 23}}, {{1, 3, 10, 45}, {1, 3, 2, 9}}, {{2, 5, 4, 64}, {2, 5, 2, 32}}};
    split_calls = 0;
    for (const auto& shape : shapes) {
        const extents in_extents = shape.first, out_extents = shape.second;
        INFO("input " << in_extents[1] << "x" << in_extents[2] << "x" << in_extents[3] << ", output " << out_extents[2] << "x" << out_extents[3]);
        std::vector<float> input(static_cast<std::size_t>(in_extents[0] * in_extents[1] * in_extents[2] * in_extents[3]));
        for (float& v : input) {
            const int k = pick(random);
            v = k < 2 ? std::numeric_limits<float>::quiet_NaN() : k < 4 ? -std::numeric_limits<float>::infinity() : k < 10 ? -0.0f : float(k % 5) - 2.0f;
        }
        const std::size_t outputs = static_cast<std::size_t>(out_extents[0] * out_extents[1] * out_extents[2] * out_extents[3]);
        const auto in = apool_test::lay_out(layout_kind::channels_last, 2, in_extents, input, apool_test::padding_nan<float>());
        REQUIRE(in);
        const std::vector<float> out_start(outputs, sentinel<float>());
        const std::vector<std::int64_t> index_start(outputs, -99);
        same_bytes<float, 2>("avg output", true, layout_kind::channels_last, out_extents, out_start,
                             [&](auto out, auto&&... executor) { avg_forward<2>(false, in->const_view(), out, executor...); });
        same_bytes<float, 2>("max output", false, layout_kind::channels_last, out_extents, out_start,
                             [&](auto out, auto&&... executor) { max_forward<2>(false, in->const_view(), out, executor...); });
        same_bytes<std::int64_t, 2>("max indices", false, layout_kind::channels_last, out_extents, index_start,
                                    [&](auto idx, auto&&... executor) {
                                        std::vector<float> values(outputs);
                                        apool::strided_view<float, 4> value_view(values.data(), out_extents);
                                        max_forward<2>(false, in->const_view(), value_view, idx, executor...);
                                    });
    }
    CHECK(split_calls > 0);
}

TEST_CASE("channels-last average with running sums in the output: split calls write the bytes of one call", "[parallel]") {
    // The call without an executor sums the outputs along the last dim in one
    // sweep of each input row, in the output's run of channels; the split
    // calls' parts are blocks of fewer channels (and ranges of outputs),
    // which sum one window at a time in a stack buffer: the same bytes.
    std::mt19937 random(6);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    const std::ptrdiff_t channels = APOOL_ROW_BUFFER_ELEMENTS + apool::simd::lanes<float> + 3;
    const std::size_t window_bytes = apool::detail::running_sums_in_memory_from_bytes;
    // Four outputs a dim: windows of rows / 4 rows by 4 columns, rows enough
    // for a window to reach the threshold.
    const std::ptrdiff_t rows = static_cast<std::ptrdiff_t>((window_bytes / (4 * sizeof(float) * static_cast<std::size_t>(channels)) + 1) * 4);
    using extents = std::array<std::ptrdiff_t, 4>;
    const extents in_extents{1, channels, rows, 13}, out_extents{1, channels, 4, 4};
    std::vector<float> input(static_cast<std::size_t>(channels * rows * 13));
    for (float& v : input) v = value(random);
    const auto in = apool_test::lay_out(layout_kind::channels_last, 2, in_extents, input, apool_test::padding_nan<float>());
    REQUIRE(in);
    const std::vector<float> out_start(static_cast<std::size_t>(channels * 16), sentinel<float>());
    split_calls = 0;
    same_bytes<float, 2>("avg output", true, layout_kind::channels_last, out_extents, out_start,
                         [&](auto out, auto&&... executor) { avg_forward<2>(false, in->const_view(), out, executor...); });
    CHECK(split_calls > 0);
}

namespace {

/// Forward calls of T (and its gradients where T is a floating type) with
/// and without executors, on channels-last and NCHW memory.
template <class T>
void compare_element_type(std::mt19937& random) {
    using extents = std::array<std::ptrdiff_t, 4>;
    const extents in_extents{2, 3, 17, 13}, out_extents{2, 3, 5, 4};
    std::uniform_int_distribution<int> pick(0, 9);
    std::vector<T> input(2 * 3 * 17 * 13), grads(2 * 3 * 5 * 4);
    for (T& v : input) v = static_cast<T>(static_cast<float>(pick(random) % 4));  // ties
    for (T& v : grads) v = static_cast<T>(static_cast<float>(pick(random)) * 0.375f);
    const std::vector<T> out_start(grads.size(), sentinel<T>());
    const std::vector<std::int64_t> index_start(grads.size(), -99);
    for (layout_kind kind : {layout_kind::contiguous, layout_kind::channels_last}) {
        INFO("layout " << apool_test::layout_name(kind));
        const auto in = apool_test::lay_out(kind, 2, in_extents, input, sentinel<T>());
        REQUIRE(in);
        same_bytes<T, 2>("avg output", false, kind, out_extents, out_start,
                         [&](auto out, auto&&... executor) { avg_forward<2>(true, in->const_view(), out, executor...); });
        same_bytes<float, 2>("avg output in float", false, kind, out_extents, std::vector<float>(grads.size(), -1.0f),
                             [&](auto out, auto&&... executor) { avg_forward<2>(true, in->const_view(), out, executor...); });
        same_bytes<std::int64_t, 2>("max indices", false, kind, out_extents, index_start, [&](auto idx, auto&&... executor) {
            std::vector<T> values(grads.size());
            max_forward<2>(true, in->const_view(), apool::strided_view<T, 4>(values.data(), out_extents), idx, executor...);
        });
        if constexpr (!std::is_integral<T>::value) {
            std::vector<std::int64_t> indices(grads.size());
            std::vector<T> values(grads.size());
            apool::adaptive_max_pool2d(in->const_view(), apool::strided_view<T, 4>(values.data(), out_extents),
                                       apool::strided_view<std::int64_t, 4>(indices.data(), out_extents));
            const apool::strided_view<const T, 4> grad_view(grads.data(), out_extents);
            const apool::strided_view<const std::int64_t, 4> index_view(indices.data(), out_extents);
            for (apool::gradient_update update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
                same_bytes<T, 2>("avg grad_input", false, kind, in_extents, input, [&](auto grad_input, auto&&... executor) {
                    avg_backward<2>(true, grad_view, grad_input, update, executor...);
                });
                same_bytes<T, 2>("max grad_input", false, kind, in_extents, input, [&](auto grad_input, auto&&... executor) {
                    max_backward<2>(true, grad_view, index_view, grad_input, update, executor...);
                });
            }
        }
    }
}

}  // namespace

TEST_CASE("bfloat16, float16 and uint8: split calls write the bytes of one call", "[parallel]") {
    std::mt19937 random(9);
    split_calls = 0;
    compare_element_type<apool::bfloat16>(random);
    compare_element_type<apool::float16>(random);
    compare_element_type<std::uint8_t>(random);
    CHECK(split_calls > 0);
}
