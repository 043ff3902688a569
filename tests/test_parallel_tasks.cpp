// The task split of large calls at the default knobs: at least 16 tasks from
// 2^18 elements on, also at batch 1 and for a single plane, the same bytes as
// the call without an executor; and a small call never calls the executor.
#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "parallel/executors.hpp"

namespace {

template <class T>
std::vector<T> pseudo_random(std::size_t count, unsigned seed) {
    std::vector<T> values(count);
    std::uint32_t state = seed;
    for (T& v : values) {
        state = state * 1664525u + 1013904223u;
        v = static_cast<T>(static_cast<int>(state >> 8) % 20001 - 10000) / T(1000);
    }
    return values;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::size_t count_of(const std::array<std::ptrdiff_t, 4>& extents) {
    return static_cast<std::size_t>(extents[0] * extents[1] * extents[2] * extents[3]);
}

// Strides of NCHW extents laid out channels-last (NHWC) when asked.
std::array<std::ptrdiff_t, 4> strides_of(const std::array<std::ptrdiff_t, 4>& e, bool channels_last) {
    if (!channels_last) return apool::row_major_strides(e);
    return {e[1] * e[2] * e[3], 1, e[3] * e[1], e[1]};
}

// Forward (avg, max with indices) and backward (avg, max) of one shape: the
// task count with an executor, and the same bytes with it as without.
void check_split(const std::array<std::ptrdiff_t, 4>& in_extents, const std::array<std::ptrdiff_t, 4>& out_extents, bool channels_last,
                 std::ptrdiff_t fewest_tasks) {
    const std::vector<float> input = pseudo_random<float>(count_of(in_extents), 11);
    const auto in_strides = strides_of(in_extents, channels_last);
    const auto out_strides = strides_of(out_extents, channels_last);
    apool::strided_view<const float, 4> in(input.data(), in_extents, in_strides);
    const std::size_t outputs = count_of(out_extents);
    std::ptrdiff_t tasks = 0;
    const apool_test::counting_order counting{&tasks};
    apool::thread_pool& pool = apool_test::pool_of(2);

    std::vector<float> plain(outputs), counted(outputs), pooled(outputs);
    apool::adaptive_avg_pool2d(in, apool::strided_view<float, 4>(plain.data(), out_extents, out_strides));
    apool::adaptive_avg_pool2d(in, apool::strided_view<float, 4>(counted.data(), out_extents, out_strides), counting);
    CHECK(tasks >= fewest_tasks);
    apool::adaptive_avg_pool2d(in, apool::strided_view<float, 4>(pooled.data(), out_extents, out_strides), pool);
    CHECK(same_bits(plain, counted));
    CHECK(same_bits(plain, pooled));

    std::vector<std::int64_t> plain_index(outputs), pooled_index(outputs);
    apool::adaptive_max_pool2d(in, apool::strided_view<float, 4>(plain.data(), out_extents, out_strides),
                               apool::strided_view<std::int64_t, 4>(plain_index.data(), out_extents, out_strides));
    tasks = 0;
    apool::adaptive_max_pool2d(in, apool::strided_view<float, 4>(counted.data(), out_extents, out_strides),
                               apool::strided_view<std::int64_t, 4>(pooled_index.data(), out_extents, out_strides), counting);
    CHECK(tasks >= fewest_tasks);
    CHECK(same_bits(plain, counted));
    CHECK(plain_index == pooled_index);

    const std::vector<float> grads = pseudo_random<float>(outputs, 5);
    apool::strided_view<const float, 4> grad_output(grads.data(), out_extents, out_strides);
    apool::strided_view<const std::int64_t, 4> indices(plain_index.data(), out_extents, out_strides);
    std::vector<float> plain_grad(input.size()), counted_grad(input.size()), pooled_grad(input.size());
    auto grad_view = [&](std::vector<float>& g) { return apool::strided_view<float, 4>(g.data(), in_extents, in_strides); };
    apool::adaptive_avg_pool2d_backward(grad_output, grad_view(plain_grad));
    tasks = 0;
    apool::adaptive_avg_pool2d_backward(grad_output, grad_view(counted_grad), counting);
    CHECK(tasks >= fewest_tasks);
    apool::adaptive_avg_pool2d_backward(grad_output, grad_view(pooled_grad), pool);
    CHECK(same_bits(plain_grad, counted_grad));
    CHECK(same_bits(plain_grad, pooled_grad));

    apool::adaptive_max_pool2d_backward(grad_output, indices, grad_view(plain_grad));
    tasks = 0;
    apool::adaptive_max_pool2d_backward(grad_output, indices, grad_view(counted_grad), counting);
    CHECK(tasks >= fewest_tasks);
    apool::adaptive_max_pool2d_backward(grad_output, indices, grad_view(pooled_grad), pool);
    CHECK(same_bits(plain_grad, counted_grad));
    CHECK(same_bits(plain_grad, pooled_grad));
}

}  // namespace

TEST_CASE("large calls split into at least 16 tasks, also at batch 1 and for one plane", "[parallel]") {
    SECTION("an image at batch 1 to 224x224") { check_split({1, 3, 1080, 1920}, {1, 3, 224, 224}, false, 16); }
    SECTION("one 1000x777 plane to 13x5") { check_split({1, 1, 1000, 777}, {1, 1, 13, 5}, false, 16); }
    SECTION("channels-last 1x512x64x64 to 6x6") { check_split({1, 512, 64, 64}, {1, 512, 6, 6}, true, 16); }
}

TEST_CASE("a small call runs on the calling thread without calling the executor", "[parallel]") {
    const std::array<std::ptrdiff_t, 4> in_extents{2, 3, 5, 5};
    const std::vector<float> input = pseudo_random<float>(count_of(in_extents), 3);
    std::vector<float> output(2 * 3 * 3 * 3);
    std::ptrdiff_t tasks = 0;
    apool::adaptive_avg_pool2d(apool::strided_view<const float, 4>(input.data(), in_extents),
                               apool::strided_view<float, 4>(output.data(), {2, 3, 3, 3}), apool_test::counting_order{&tasks});
    CHECK(tasks == 0);
}

TEST_CASE("a bad call with an executor starts no task and writes nothing", "[parallel][errors]") {
    const std::array<std::ptrdiff_t, 4> in_extents{1, 3, 1080, 1920};
    const std::vector<float> input = pseudo_random<float>(count_of(in_extents), 3);
    std::vector<float> output(2 * 3 * 224 * 224, 5.0f);
    std::ptrdiff_t tasks = 0;
    // The output's batch (2) differs from the input's (1).
    CHECK_THROWS_AS(apool::adaptive_avg_pool2d(apool::strided_view<const float, 4>(input.data(), in_extents),
                                               apool::strided_view<float, 4>(output.data(), {2, 3, 224, 224}),
                                               apool_test::counting_order{&tasks}),
                    apool::invalid_argument);
    CHECK(tasks == 0);
    bool untouched = true;
    for (float v : output) untouched = untouched && v == 5.0f;
    CHECK(untouched);
}
