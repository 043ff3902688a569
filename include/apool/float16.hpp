// apool: bfloat16 and float16, the 16-bit floating element types.
//
// Each holds a bit pattern: bfloat16 the top half of an IEEE float (8 exponent
// bits, 7 mantissa bits), float16 an IEEE binary16 (5 and 10). Converting to
// float is exact; converting from float rounds to nearest, ties to even, and
// keeps a NaN a NaN: the bits PyTorch's c10::BFloat16 and c10::Half give. The
// conversions are integer arithmetic, independent of the floating-point
// environment (rounding mode, flush-to-zero). A caller's own 16-bit type
// (_Float16, __bf16, std::float16_t, std::bfloat16_t, or uint16_t storage) has
// the same bits: view its memory by reinterpreting the pointer.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace apool {
namespace detail {

inline std::uint32_t float_bits(float value) noexcept {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
}

inline float float_from_bits(std::uint32_t bits) noexcept {
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

/// `value` shifted right by `shift` (1 to 31), rounded to nearest, ties to even.
constexpr std::uint32_t shift_right_to_nearest_even(std::uint32_t value, unsigned shift) noexcept {
    const std::uint32_t half = std::uint32_t(1) << (shift - 1);
    const std::uint32_t kept = value >> shift;
    const std::uint32_t rest = value & ((half << 1) - 1);
    return kept + (rest > half || (rest == half && (kept & 1) != 0) ? 1 : 0);
}

}  // namespace detail

/// bfloat16: the top 16 bits of an IEEE float.
class bfloat16 {
public:
    bfloat16() noexcept = default;

    /// Rounds to nearest, ties to even; a NaN becomes the quiet NaN 0x7FC0
    /// (as c10::BFloat16 does).
    explicit bfloat16(float value) noexcept {
        const std::uint32_t bits = detail::float_bits(value);
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
            bits_ = 0x7FC0;
        } else {
            bits_ = static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
        }
    }

    /// Exact: the bits become the float's top half.
    explicit operator float() const noexcept { return detail::float_from_bits(static_cast<std::uint32_t>(bits_) << 16); }

    /// The value with these bits.
    static constexpr bfloat16 from_bits(std::uint16_t bits) noexcept { return bfloat16(bits, raw_bits{}); }
    /// The bits.
    constexpr std::uint16_t bits() const noexcept { return bits_; }

private:
    struct raw_bits {};
    constexpr bfloat16(std::uint16_t bits, raw_bits) noexcept : bits_(bits) {}
    std::uint16_t bits_;
};

/// float16: an IEEE binary16.
class float16 {
public:
    float16() noexcept = default;

    /// Rounds to nearest, ties to even (magnitudes from 65520 up become
    /// infinity); a NaN becomes the quiet NaN 0x7E00 with its sign (as
    /// c10::Half does).
    explicit float16(float value) noexcept {
        const std::uint32_t bits = detail::float_bits(value);
        const std::uint32_t sign = (bits >> 16) & 0x8000u;
        const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
        std::uint32_t result;
        if (magnitude > 0x7F800000u) {
            result = 0x7E00u;
        } else if (magnitude >= 0x38800000u) {
            // Normal in binary16 (2^-14 and up): rebias the exponent by
            // 127 - 15 and round away the 13 extra mantissa bits; a carry
            // moves into the exponent, and past the largest finite value the
            // result is infinity.
            result = detail::shift_right_to_nearest_even(magnitude - 0x38000000u, 13);
            if (result > 0x7C00u) result = 0x7C00u;
        } else if (magnitude >= 0x33000000u) {
            // A subnormal (or rounds up to the smallest normal): the value in
            // units of 2^-24, rounded.
            const std::uint32_t exponent = magnitude >> 23;
            const std::uint32_t mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
            result = detail::shift_right_to_nearest_even(mantissa, 126 - exponent);
        } else {
            result = 0;  // below half the smallest subnormal (2^-25)
        }
        bits_ = static_cast<std::uint16_t>(sign | result);
    }

    /// Exact (a NaN keeps its payload).
    explicit operator float() const noexcept {
        const std::uint32_t sign = static_cast<std::uint32_t>(bits_ & 0x8000u) << 16;
        const std::uint32_t exponent = (bits_ >> 10) & 0x1Fu;
        const std::uint32_t mantissa = bits_ & 0x3FFu;
        if (exponent == 0x1F) return detail::float_from_bits(sign | 0x7F800000u | (mantissa << 13));
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            const float magnitude = static_cast<float>(mantissa) * detail::float_from_bits(0x33800000u);
            return detail::float_from_bits(sign | detail::float_bits(magnitude));
        }
        return detail::float_from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /// The value with these bits.
    static constexpr float16 from_bits(std::uint16_t bits) noexcept { return float16(bits, raw_bits{}); }
    /// The bits.
    constexpr std::uint16_t bits() const noexcept { return bits_; }

private:
    struct raw_bits {};
    constexpr float16(std::uint16_t bits, raw_bits) noexcept : bits_(bits) {}
    std::uint16_t bits_;
};

static_assert(sizeof(bfloat16) == 2 && std::is_trivially_copyable<bfloat16>::value && std::is_standard_layout<bfloat16>::value,
              "apool::bfloat16 must be a 2-byte trivially copyable standard-layout type");
static_assert(sizeof(float16) == 2 && std::is_trivially_copyable<float16>::value && std::is_standard_layout<float16>::value,
              "apool::float16 must be a 2-byte trivially copyable standard-layout type");

}  // namespace apool
