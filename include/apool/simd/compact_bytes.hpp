// apool: picking the first bytes of every group of a byte array (the
// outputs' bytes among every window position's), a vector at a time where the
// target has byte permutes of two registers (AVX-512 VBMI), with a scalar tail.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX512VBMI__)
#include <immintrin.h>
#endif

namespace apool {
namespace simd {

/// out[x * count + i] = from[x * stride + i] for i in [0, count) and x in
/// [0, groups) (1 <= count <= stride): the first `count` bytes of every
/// `stride` bytes. The vector loop reads whole 128-byte blocks of `from`
/// within its first `readable` bytes and picks from them the groups that fit
/// one 64-byte vector.
template <std::ptrdiff_t Count>
inline void compact_bytes(const std::uint8_t* from, std::ptrdiff_t stride, std::ptrdiff_t groups, std::ptrdiff_t readable,
                          std::uint8_t* out) noexcept {
    std::ptrdiff_t x = 0;
#if defined(__AVX512VBMI__)
    const std::ptrdiff_t step = 64 / Count < 128 / stride ? 64 / Count : 128 / stride;  // groups a vector
    if (step > 0) {
        alignas(64) std::uint8_t lanes[64] = {};
        for (std::ptrdiff_t lane = 0; lane < step * Count; ++lane) {
            lanes[lane] = static_cast<std::uint8_t>(lane / Count * stride + lane % Count);
        }
        const __m512i picks = _mm512_load_si512(lanes);
        const __mmask64 kept = step * Count == 64 ? ~__mmask64(0) : (__mmask64(1) << (step * Count)) - 1;
        for (; x + step <= groups && x * stride + 128 <= readable; x += step) {
            const std::uint8_t* block = from + x * stride;
            const __m512i low = _mm512_loadu_si512(block);
            const __m512i high = _mm512_loadu_si512(block + 64);
            _mm512_mask_storeu_epi8(out + x * Count, kept, _mm512_permutex2var_epi8(low, picks, high));
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
