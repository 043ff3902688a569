// apool: picking the first words of every group of a 16-bit array (the
// outputs' sums among the sums of every run of window positions), a vector at
// a time where the target has word permutes of two registers (AVX-512 BW),
// with a scalar tail.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX512BW__)
#include <immintrin.h>
#endif

namespace apool {
namespace simd {

/// out[x * Count + i] = from[x * stride + i] for i in [0, Count) and x in
/// [0, groups) (1 <= Count <= stride): the first Count words of every
/// `stride` words. The vector loop reads whole 64-word blocks of `from`
/// within its first `readable` words and picks from each the groups that fit
/// one 32-word vector.
template <std::ptrdiff_t Count>
inline void compact_words(const std::uint16_t* from, std::ptrdiff_t stride, std::ptrdiff_t groups, std::ptrdiff_t readable,
                          std::uint16_t* out) noexcept {
    std::ptrdiff_t x = 0;
#if defined(__AVX512BW__)
    const std::ptrdiff_t step = 32 / Count < 64 / stride ? 32 / Count : 64 / stride;  // groups a vector
    if (step > 0) {
        alignas(64) std::uint16_t lanes[32] = {};
        for (std::ptrdiff_t lane = 0; lane < step * Count; ++lane) {
            lanes[lane] = static_cast<std::uint16_t>(lane / Count * stride + lane % Count);
        }
        const __m512i picks = _mm512_load_si512(lanes);
        const __mmask32 kept = step * Count == 32 ? ~__mmask32(0) : (__mmask32(1) << (step * Count)) - 1;
        for (; x + step <= groups && x * stride + 64 <= readable; x += step) {
            const std::uint16_t* block = from + x * stride;
            const __m512i low = _mm512_loadu_si512(block);
            const __m512i high = _mm512_loadu_si512(block + 32);
            _mm512_mask_storeu_epi16(out + x * Count, kept, _mm512_permutex2var_epi16(low, picks, high));
        }
    }
#else
    (void)readable;
#endif
    for (; x < groups; ++x) {
        for (std::ptrdiff_t i = 0; i < Count; ++i) out[x * Count + i] = from[x * stride + i];
    }
}

}  // namespace simd
}  // namespace apool
