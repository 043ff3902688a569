// apool benchmarks: the read-once floor, a plain read of a buffer at the
// speed the machine allows, shared by the suite and the thread-count bench.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace apool_bench {

/// The read-once floor: a sum over `count` elements with eight independent
/// vector accumulators, so that neither add latency nor the loop limits it.
/// With `Locality` 0 to 3 it also prefetches `Distance` bytes ahead of every
/// cache line it reads: 3 is prefetcht0 (into every cache level), 0 is
/// prefetchnta (non-temporal: the lines skip most of the cache hierarchy, so
/// a read larger than the caches evicts less); where the hardware prefetchers
/// already keep up, these match the plain read. Kept out of line (as are
/// apool's calls) so that profiles show it apart.
template <class T, int Locality = -1, std::size_t Distance = 4096>
[[gnu::noinline]] inline T read_once(const T* data, std::size_t count) noexcept {
    using batch = xsimd::batch<T>;
    constexpr std::size_t width = batch::size;
    constexpr std::size_t step_bytes = 8 * width * sizeof(T);
    batch a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0)), a4(T(0)), a5(T(0)), a6(T(0)), a7(T(0));
    std::size_t i = 0;
    for (; i + 8 * width <= count; i += 8 * width) {
        if constexpr (Locality >= 0) {
            const char* ahead = reinterpret_cast<const char*>(data + i) + Distance;
            for (std::size_t line = 0; line < step_bytes; line += 64) __builtin_prefetch(ahead + line, 0, Locality);
        }
        a0 += batch::load_unaligned(data + i);
        a1 += batch::load_unaligned(data + i + width);
        a2 += batch::load_unaligned(data + i + 2 * width);
        a3 += batch::load_unaligned(data + i + 3 * width);
        a4 += batch::load_unaligned(data + i + 4 * width);
        a5 += batch::load_unaligned(data + i + 5 * width);
        a6 += batch::load_unaligned(data + i + 6 * width);
        a7 += batch::load_unaligned(data + i + 7 * width);
    }
    for (; i + width <= count; i += width) a0 += batch::load_unaligned(data + i);
    T sum = T(0);
    for (; i < count; ++i) sum += data[i];
    const batch total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    alignas(64) T lanes[width];
    total.store_aligned(lanes);
    for (T lane : lanes) sum += lane;
    return sum;
}

}  // namespace apool_bench
