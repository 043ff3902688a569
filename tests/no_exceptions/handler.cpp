// Built without exceptions (-fno-exceptions, or APOOL_USE_EXCEPTIONS=0): a bad
// argument reaches APOOL_ERROR_HANDLER exactly once, with the same message the
// exception would carry, and the apool function returns having written nothing.
// Good arguments still give the reference's results.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {
std::vector<std::string> reported_errors;
}  // namespace

void record_apool_error(const char* message) { reported_errors.emplace_back(message); }

#define APOOL_ERROR_HANDLER(message) ::record_apool_error(message)
#include <apool/apool.hpp>

#include "../naive_reference.hpp"

namespace {

int failures = 0;

void expect(bool condition, const char* what) {
    if (!condition) {
        std::printf("FAILED: %s\n", what);
        ++failures;
    }
}

template <std::size_t Rank>
using float_view = apool::strided_view<float, Rank>;
template <std::size_t Rank>
using const_float_view = apool::strided_view<const float, Rank>;

/// Runs `call` on arguments it must reject: requires one report that starts
/// with `prefix` and contains `part`, and that no element of `values` or `indices` changed.
template <class Call>
void expect_rejected(const char* prefix, const char* part, const std::vector<float>& values, const std::vector<std::int64_t>& indices,
                     Call&& call) {
    const std::vector<float> values_before = values;
    const std::vector<std::int64_t> indices_before = indices;
    reported_errors.clear();
    call();
    std::printf("%s -> %s\n", prefix, reported_errors.empty() ? "(nothing reported)" : reported_errors.front().c_str());
    expect(reported_errors.size() == 1, "exactly one error is reported");
    if (!reported_errors.empty()) {
        expect(reported_errors.front().rfind(prefix, 0) == 0, "the message starts with the function's name");
        expect(reported_errors.front().find(part) != std::string::npos, "the message names the argument and shapes");
    }
    expect(std::memcmp(values.data(), values_before.data(), values.size() * sizeof(float)) == 0, "no value was written");
    expect(indices == indices_before, "no index was written");
}

}  // namespace

int main() {
#if APOOL_USE_EXCEPTIONS
    std::puts("this test must be built with exceptions off or APOOL_USE_EXCEPTIONS=0");
    return 1;
#endif
    // Every view lives in these two buffers, so "nothing was written" covers every argument.
    std::vector<float> values(1024);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 37) % 101) - 50.0f;
    std::vector<std::int64_t> index_memory(64, -7);
    float* const input = values.data();
    float* const output = values.data() + 256;
    std::int64_t* const indices = index_memory.data();

    // Good arguments: the results are the reference's.
    {
        std::vector<float> expected(2 * 3 * 2);
        std::vector<std::int64_t> expected_indices(expected.size());
        const const_float_view<3> in(input, {2, 5, 7});
        apool::adaptive_max_pool2d(in, float_view<3>(output, {2, 3, 2}), apool::strided_view<std::int64_t, 3>(indices, {2, 3, 2}));
        apool_test::naive::adaptive_max_pool<2>(in, float_view<3>(expected.data(), {2, 3, 2}),
                                                apool::strided_view<std::int64_t, 3>(expected_indices.data(), {2, 3, 2}));
        expect(reported_errors.empty(), "good arguments report nothing");
        expect(std::memcmp(output, expected.data(), expected.size() * sizeof(float)) == 0, "max values equal the reference");
        expect(std::memcmp(indices, expected_indices.data(), expected_indices.size() * sizeof(std::int64_t)) == 0,
               "max indices equal the reference");
    }

    expect_rejected("apool::adaptive_avg_pool2d: ", "output extent 2 in dim 0 differs from input extent 1", values, index_memory,
                    [&] { apool::adaptive_avg_pool2d(const_float_view<3>(input, {1, 4, 4}), float_view<3>(output, {2, 2, 2})); });
    expect_rejected("apool::adaptive_max_pool1d: ", "input has a null data pointer but 8 elements", values, index_memory,
                    [&] { apool::adaptive_max_pool1d(const_float_view<2>(nullptr, {2, 4}), float_view<2>(output, {2, 2})); });
    expect_rejected("apool::adaptive_max_pool3d: ", "output overlaps input in memory", values, index_memory, [&] {
        apool::adaptive_max_pool3d(const_float_view<3>(input, {4, 4, 4}), float_view<3>(input + 60, {2, 2, 2}),
                                   apool::strided_view<std::int64_t, 3>(indices, {2, 2, 2}));
    });
    expect_rejected("apool::adaptive_avg_pool: ", "output is written but its strides [0, 1]", values, index_memory, [&] {
        apool::adaptive_avg_pool<1>(const_float_view<2>(input, {3, 8}), float_view<2>(output, {3, 4}, {0, 1}));
    });

    // The max gradient checks every index before it zeroes grad_input.
    for (int k = 0; k < 4; ++k) indices[k] = k;
    indices[3] = 16;
    expect_rejected("apool::adaptive_max_pool2d_backward: ", "indices[0, 1, 1] is 16, outside the input plane of 16 elements", values,
                    index_memory, [&] {
                        apool::adaptive_max_pool2d_backward(const_float_view<3>(input, {1, 2, 2}),
                                                            apool::strided_view<const std::int64_t, 3>(indices, {1, 2, 2}),
                                                            float_view<3>(output, {1, 4, 4}));
                    });

    if (failures != 0) {
        std::printf("%d check(s) failed\n", failures);
        return 1;
    }
    std::puts("all checks passed");
    return 0;
}
