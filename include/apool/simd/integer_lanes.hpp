// apool: integer vectors with one lane per lane of a vector of T: the lane
// numbers of permutes, and the flat indices a max carries beside its values.
// A mask from comparing values selects among indices once it is seen as a
// mask of these lanes (as_integer_mask), and back (as_value_mask).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../config.hpp"
#include "compat.hpp"

#if defined(__has_builtin)
#if __has_builtin(__builtin_bit_cast)
#define APOOL_DETAIL_HAS_BIT_CAST 1
#endif
#endif
#if !defined(APOOL_DETAIL_HAS_BIT_CAST) && defined(_MSC_VER) && _MSC_VER >= 1927
#define APOOL_DETAIL_HAS_BIT_CAST 1
#endif
#ifndef APOOL_DETAIL_HAS_BIT_CAST
#define APOOL_DETAIL_HAS_BIT_CAST 0
#endif

namespace apool {
namespace simd {

/// The signed integer of T's size: 32 bits for float, 64 for double, so that
/// a vector of them has lanes<T> lanes.
template <class T>
using lane_integer_t = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;

template <class T>
using integer_batch = xsimd::batch<lane_integer_t<T>>;

template <class T>
using integer_mask = typename integer_batch<T>::batch_bool_type;

namespace integer_lanes_detail {

/// The same register bits under another vector type of the same size: no
/// instruction at all. A bit cast the compiler sees as one, not a memcpy,
/// whose cost estimate would keep the kernels' inner walks from inlining.
template <class To, class From>
APOOL_ALWAYS_INLINE To same_bits(const From& from) noexcept {
    using from_register = typename From::register_type;
    using to_register = typename To::register_type;
    static_assert(sizeof(from_register) == sizeof(to_register), "apool: the two vector types must have registers of one size");
    const from_register bits = from;
#if APOOL_DETAIL_HAS_BIT_CAST
    return To(__builtin_bit_cast(to_register, bits));
#else
    to_register moved;
    std::memcpy(&moved, &bits, sizeof(moved));
    return To(moved);
#endif
}

}  // namespace integer_lanes_detail

/// The lanes of a mask of values, as a mask of the integer lanes beside them.
template <class T>
APOOL_ALWAYS_INLINE integer_mask<T> as_integer_mask(const mask<T>& lanes_set) noexcept {
    static_assert(integer_batch<T>::size == batch<T>::size, "apool: integer lanes must match the value lanes one to one");
    return integer_lanes_detail::same_bits<integer_mask<T>>(lanes_set);
}

/// The lanes of a mask of integer lanes, as a mask of the values beside them.
template <class T>
APOOL_ALWAYS_INLINE mask<T> as_value_mask(const integer_mask<T>& lanes_set) noexcept {
    return integer_lanes_detail::same_bits<mask<T>>(lanes_set);
}

/// The bits of integer lanes as T lanes and back, for the lane moves
/// (permutes) that the targets provide for T only. Nothing is computed on them.
template <class T>
APOOL_ALWAYS_INLINE batch<T> integer_bits_as_values(const integer_batch<T>& integers) noexcept {
    return integer_lanes_detail::same_bits<batch<T>>(integers);
}

template <class T>
APOOL_ALWAYS_INLINE integer_batch<T> value_bits_as_integers(const batch<T>& values) noexcept {
    return integer_lanes_detail::same_bits<integer_batch<T>>(values);
}

}  // namespace simd
}  // namespace apool
