// The executors a caller writes in a line, as the README shows them: a
// sequential lambda and OpenMP's parallel for (where the build has OpenMP;
// not under ThreadSanitizer, which does not see libgomp's synchronization).
#include <apool/apool.hpp>

#include <cstddef>
#include <cstring>
#include <vector>

#include "catch.hpp"

namespace {

// A channels-last batch of feature maps, pooled forward and backward through
// `executor`, against the same calls without one.
template <class Executor>
bool same_bytes_through(Executor&& executor) {
    const std::ptrdiff_t n = 2, c = 24, h = 41, w = 33, oh = 7, ow = 5;
    std::vector<float> input(static_cast<std::size_t>(n * c * h * w));
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>((i * 40503u) % 977) / 977.0f;
    const apool::strided_view<const float, 4> in(input.data(), {n, c, h, w}, {h * w * c, 1, w * c, c});
    std::vector<float> plain(static_cast<std::size_t>(n * c * oh * ow)), through(plain.size());
    std::vector<std::int64_t> plain_index(plain.size()), through_index(plain.size());
    apool::adaptive_max_pool2d(in, apool::pooled_view(plain.data(), in, {oh, ow}), apool::pooled_view(plain_index.data(), in, {oh, ow}));
    apool::adaptive_max_pool2d(in, apool::pooled_view(through.data(), in, {oh, ow}), apool::pooled_view(through_index.data(), in, {oh, ow}),
                               executor);
    std::vector<float> plain_grad(input.size()), through_grad(input.size());
    const apool::strided_view<const float, 4> grad_output = apool::pooled_view(static_cast<const float*>(plain.data()), in, {oh, ow});
    apool::adaptive_avg_pool2d_backward(grad_output, apool::dense_view_like(plain_grad.data(), in, in.extents()));
    apool::adaptive_avg_pool2d_backward(grad_output, apool::dense_view_like(through_grad.data(), in, in.extents()), executor);
    return std::memcmp(plain.data(), through.data(), plain.size() * sizeof(float)) == 0 && plain_index == through_index &&
           std::memcmp(plain_grad.data(), through_grad.data(), plain_grad.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("a sequential lambda is an executor", "[parallel][adapters]") {
    auto sequential = [](std::ptrdiff_t count, auto&& task) {
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    };
    CHECK(same_bytes_through(sequential));
}

#ifdef _OPENMP
TEST_CASE("OpenMP's parallel for is an executor", "[parallel][adapters]") {
    auto openmp = [](std::ptrdiff_t count, auto&& task) {
#pragma omp parallel for
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    };
    CHECK(same_bytes_through(openmp));
}
#endif
