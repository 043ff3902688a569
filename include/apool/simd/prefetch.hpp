// apool: software prefetch: asks for the cache lines a kernel reads or writes
// soon, by address alone, so that an address past the caller's memory is safe.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(_MSC_VER) && defined(_M_X64)
#include <immintrin.h>  // _mm_prefetch
#endif

namespace apool {
namespace simd {

/// The cache line size the prefetching kernels step by.
constexpr std::ptrdiff_t cache_line_bytes = 64;

/// What a prefetched line is wanted for.
enum class access { read, write };

/// Asks for the cache line `ahead` elements past `at`, to be read (or written)
/// soon. The address is formed as an integer: it may lie past the end of the
/// caller's memory, which a prefetch never faults on.
template <access Intent = access::read, class T>
inline void prefetch(const T* at, std::ptrdiff_t ahead) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(at) + static_cast<std::uintptr_t>(ahead) * sizeof(T);
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(reinterpret_cast<const void*>(address), Intent == access::write ? 1 : 0);
#elif defined(_MSC_VER) && defined(_M_X64)
    _mm_prefetch(reinterpret_cast<const char*>(address), _MM_HINT_T0);
#else
    static_cast<void>(address);
#endif
}

/// prefetch<Intent> for every cache line of the `count` elements from `first`,
/// each `ahead` elements further on.
template <access Intent = access::read, class T>
inline void prefetch_run(const T* first, std::ptrdiff_t count, std::ptrdiff_t ahead) noexcept {
    constexpr std::ptrdiff_t line = cache_line_bytes / static_cast<std::ptrdiff_t>(sizeof(T));
    for (std::ptrdiff_t i = 0; i < count; i += line) prefetch<Intent>(first + i, ahead);
}

}  // namespace simd
}  // namespace apool
