// Max-pools 1..6 to 3 outputs with apool from the vcpkg port and checks the
// result against the window rule's windows [0,2), [2,4), [4,6) of an
// increasing sequence: each window's last element is its maximum.
#include <apool/apool.hpp>

#include <cstdint>
#include <cstdio>

#if defined(APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR) && XSIMD_VERSION_MAJOR != APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR
#error "the consumer was compiled against another xsimd major version than APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR"
#endif

int main() {
    const float input[6] = {1, 2, 3, 4, 5, 6};
    float output[3] = {};
    std::int64_t indices[3] = {};
    apool::adaptive_max_pool1d(apool::strided_view<const float, 1>(input, {6}),
                               apool::strided_view<float, 1>(output, {3}),
                               apool::strided_view<std::int64_t, 1>(indices, {3}));
    int mismatches = 0;
    for (int o = 0; o < 3; ++o) {
        const int last = 2 * o + 1;
        if (output[o] != input[last] || indices[o] != last) ++mismatches;
    }
    std::printf("apool consumer (vcpkg, xsimd %d.%d.%d): %s\n", XSIMD_VERSION_MAJOR, XSIMD_VERSION_MINOR,
                XSIMD_VERSION_PATCH, mismatches == 0 ? "ok" : "FAILED");
    return mismatches == 0 ? 0 : 1;
}
