// Built with -fno-exceptions and no APOOL_ERROR_HANDLER: a bad argument writes
// its message to stderr and aborts. expect_abort.cmake runs this and checks
// both; the line printed after the call must never appear.
#include <cstdio>

#include <apool/apool.hpp>

int main() {
    float input[16] = {};
    float output[6] = {};
    apool::adaptive_avg_pool2d(apool::strided_view<const float, 3>(input, {1, 4, 4}), apool::strided_view<float, 3>(output, {2, 1, 3}));
    std::puts("apool returned after a bad argument");
    return 0;
}
