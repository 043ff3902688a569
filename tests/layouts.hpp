// Physical layouts for logical tensors: the same row-major data placed in a
// buffer as contiguous, channels-last, padded, sliced, stepped, transposed,
// reversed or broadcast memory, seen through an apool::strided_view; and the
// bit-level comparisons the tests report mismatches with.
//
// Every buffer element that no logical element occupies holds a caller-chosen
// sentinel, so a test can check that a kernel never read it (an input
// sentinel that would change any result it leaked into) and never wrote it
// (padding_untouched on outputs).
#pragma once

#include <apool/strided_view.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "naive_reference.hpp"

namespace apool_test {

enum class layout_kind {
    contiguous,           // row-major
    channels_last,        // the last leading dim innermost (NHWC, NDHWC, NLC)
    channels_last_padded, // channels-last with every other stride padded
    padded,               // row-major with each dim's stride padded; the innermost stride stays 1
    sliced,               // a window into a larger tensor, offset in every dim
    stepped,              // every second element along the innermost dim and every third along the first
    spatial_transposed,   // spatial dims in reverse order in memory (W-major)
    leading_swapped,      // the first two leading dims swapped in memory
    outer_reversed,       // negative strides in every dim but the innermost
    reversed,             // negative strides in every dim
    broadcast,            // the first dim has stride 0 (inputs only)
};

inline const char* layout_name(layout_kind kind) {
    switch (kind) {
        case layout_kind::contiguous: return "contiguous";
        case layout_kind::channels_last: return "channels_last";
        case layout_kind::channels_last_padded: return "channels_last_padded";
        case layout_kind::padded: return "padded";
        case layout_kind::sliced: return "sliced";
        case layout_kind::stepped: return "stepped";
        case layout_kind::spatial_transposed: return "spatial_transposed";
        case layout_kind::leading_swapped: return "leading_swapped";
        case layout_kind::outer_reversed: return "outer_reversed";
        case layout_kind::reversed: return "reversed";
        case layout_kind::broadcast: return "broadcast";
    }
    return "?";
}

/// The elements a tensor of these extents has.
template <std::size_t Rank>
std::size_t count_of(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::size_t count = 1;
    for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

/// Every layout, for inputs.
inline std::vector<layout_kind> all_layouts() {
    return {layout_kind::contiguous,         layout_kind::channels_last,   layout_kind::channels_last_padded,
            layout_kind::padded,             layout_kind::sliced,          layout_kind::stepped,
            layout_kind::spatial_transposed, layout_kind::leading_swapped, layout_kind::outer_reversed,
            layout_kind::reversed,           layout_kind::broadcast};
}

/// The layouts a written view (output, indices, gradient) may take: all but broadcast.
inline std::vector<layout_kind> writable_layouts() {
    std::vector<layout_kind> kinds = all_layouts();
    kinds.pop_back();
    return kinds;
}

/// Where each logical dim goes in memory.
template <std::size_t Rank>
struct physical_plan {
    std::array<std::size_t, Rank> order{};       // logical dims, outermost first in memory
    std::array<std::ptrdiff_t, Rank> step{};     // view stride = step * memory stride
    std::array<std::ptrdiff_t, Rank> before{};   // unused positions before the first element
    std::array<std::ptrdiff_t, Rank> after{};    // unused positions after the last
    std::array<bool, Rank> reversed{};           // the view walks this dim backwards
    std::size_t broadcast_dim = Rank;            // Rank: none
};

/// The plan for a layout, or false when the layout does not apply to this
/// shape (channels-last and broadcast need a leading dim, spatial_transposed
/// two spatial dims, leading_swapped two leading dims).
template <std::size_t Rank>
bool make_plan(layout_kind kind, std::size_t spatial, physical_plan<Rank>& plan) {
    const std::size_t leading = Rank - spatial;
    plan = physical_plan<Rank>{};
    for (std::size_t d = 0; d < Rank; ++d) {
        plan.order[d] = d;
        plan.step[d] = 1;
    }
    auto channel_innermost = [&] {
        std::size_t k = 0;
        for (std::size_t d = 0; d < Rank; ++d) {
            if (d != leading - 1) plan.order[k++] = d;
        }
        plan.order[Rank - 1] = leading - 1;
    };
    switch (kind) {
        case layout_kind::contiguous: return true;
        case layout_kind::channels_last:
            if (leading == 0) return false;
            channel_innermost();
            return true;
        case layout_kind::channels_last_padded:
            if (leading == 0) return false;
            channel_innermost();
            for (std::size_t d = 0; d < Rank; ++d) plan.after[d] = 1 + static_cast<std::ptrdiff_t>(d % 3);
            return true;
        case layout_kind::padded:
            for (std::size_t d = 0; d < Rank; ++d) plan.after[d] = 1 + static_cast<std::ptrdiff_t>((d + 1) % 3);
            return true;
        case layout_kind::sliced:
            for (std::size_t d = 0; d < Rank; ++d) {
                plan.before[d] = 1 + static_cast<std::ptrdiff_t>(d % 2);
                plan.after[d] = 2;
            }
            return true;
        case layout_kind::stepped:
            plan.step[Rank - 1] = 2;
            plan.step[0] = Rank > 1 ? 3 : 2;
            return true;
        case layout_kind::spatial_transposed:
            if (spatial < 2) return false;
            for (std::size_t k = 0; k < spatial; ++k) plan.order[leading + k] = Rank - 1 - k;
            return true;
        case layout_kind::leading_swapped:
            if (leading < 2) return false;
            std::swap(plan.order[0], plan.order[1]);
            return true;
        case layout_kind::outer_reversed:
            for (std::size_t d = 0; d + 1 < Rank; ++d) plan.reversed[d] = true;
            return Rank > 1;
        case layout_kind::reversed:
            for (std::size_t d = 0; d < Rank; ++d) plan.reversed[d] = true;
            return true;
        case layout_kind::broadcast:
            if (leading == 0) return false;
            plan.broadcast_dim = 0;
            return true;
    }
    return false;
}

/// A logical tensor placed in its own buffer according to a plan. Not
/// copyable (the view points into the buffer); moving keeps the view valid.
template <class T, std::size_t Rank>
class laid_out {
public:
    using extents_type = std::array<std::ptrdiff_t, Rank>;

    /// `row_major` holds the logical elements; with a broadcast plan only the
    /// first slice along the broadcast dim is stored (all slices alias it).
    laid_out(const extents_type& extents, const std::vector<T>& row_major, const physical_plan<Rank>& plan, T sentinel)
        : extents_(extents) {
        extents_type memory_extents{};
        for (std::size_t d = 0; d < Rank; ++d) {
            memory_extents[d] = d == plan.broadcast_dim ? 1
                                                        : plan.before[d] + (extents[d] > 0 ? (extents[d] - 1) * plan.step[d] + 1 : 1) +
                                                              plan.after[d];
        }
        extents_type memory_strides{};
        std::ptrdiff_t size = 1;
        for (std::size_t k = Rank; k-- > 0;) {
            memory_strides[plan.order[k]] = size;
            size *= memory_extents[plan.order[k]];
        }
        buffer_.assign(static_cast<std::size_t>(size), sentinel);
        is_element_.assign(static_cast<std::size_t>(size), 0);
        extents_type strides{};
        std::ptrdiff_t origin = 0;
        for (std::size_t d = 0; d < Rank; ++d) {
            if (d == plan.broadcast_dim) continue;
            const std::ptrdiff_t stride = plan.step[d] * memory_strides[d];
            strides[d] = plan.reversed[d] ? -stride : stride;
            origin += plan.before[d] * memory_strides[d];
            if (plan.reversed[d] && extents[d] > 0) origin += (extents[d] - 1) * stride;
        }
        view_ = apool::strided_view<T, Rank>(buffer_.data() + origin, extents, strides);
        std::size_t k = 0;
        naive::for_each_multi_index(extents, [&](const extents_type& index) {
            const T value = row_major[k++];
            if (plan.broadcast_dim < Rank && index[plan.broadcast_dim] != 0) return;
            const std::ptrdiff_t at = origin + offset_of(index);
            buffer_[static_cast<std::size_t>(at)] = value;
            is_element_[static_cast<std::size_t>(at)] = 1;
        });
        sentinel_ = sentinel;
    }
    laid_out(const laid_out&) = delete;
    laid_out& operator=(const laid_out&) = delete;
    laid_out(laid_out&&) = default;
    laid_out& operator=(laid_out&&) = default;

    apool::strided_view<T, Rank> view() const { return view_; }
    apool::strided_view<const T, Rank> const_view() const { return view_; }

    /// The logical elements, row-major.
    std::vector<T> logical() const {
        std::vector<T> values;
        naive::for_each_multi_index(extents_, [&](const extents_type& index) { values.push_back(view_.data()[offset_of(index)]); });
        return values;
    }

    /// True when every buffer element outside the logical tensor still holds
    /// the sentinel's bits.
    bool padding_untouched() const {
        for (std::size_t i = 0; i < buffer_.size(); ++i) {
            if (!is_element_[i] && std::memcmp(&buffer_[i], &sentinel_, sizeof(T)) != 0) return false;
        }
        return true;
    }

private:
    std::ptrdiff_t offset_of(const extents_type& index) const {
        std::ptrdiff_t at = 0;
        for (std::size_t d = 0; d < Rank; ++d) at += index[d] * view_.stride(d);
        return at;
    }

    extents_type extents_{};
    std::vector<T> buffer_;
    std::vector<unsigned char> is_element_;
    apool::strided_view<T, Rank> view_;
    T sentinel_{};
};

/// `row_major` laid out as `kind`, or nothing when the layout does not apply
/// to this shape.
template <class T, std::size_t Rank>
std::optional<laid_out<T, Rank>> lay_out(layout_kind kind, std::size_t spatial, const std::array<std::ptrdiff_t, Rank>& extents,
                                         const std::vector<T>& row_major, T sentinel) {
    physical_plan<Rank> plan;
    if (!make_plan(kind, spatial, plan)) return std::nullopt;
    return std::optional<laid_out<T, Rank>>(std::in_place, extents, row_major, plan, sentinel);
}

/// The data a broadcast view along dim 0 shows: every slice along dim 0 equal
/// to the first. Apply it to a logical tensor and to the results expected
/// from it.
template <class T, std::size_t Rank>
std::vector<T> repeat_first_slice(const std::array<std::ptrdiff_t, Rank>& extents, const std::vector<T>& row_major) {
    if (extents[0] == 0) return row_major;
    const std::size_t slice = row_major.size() / static_cast<std::size_t>(extents[0]);
    std::vector<T> repeated(row_major.size());
    for (std::size_t i = 0; i < repeated.size(); ++i) repeated[i] = row_major[i % slice];
    return repeated;
}

/// The sentinel for input padding: a NaN whose payload no test input uses.
/// Read into a maximum it changes the result's bits; into an average, it
/// makes NaN where the expected value has none.
template <class T>
T padding_nan() {
    using word = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    const word bits = sizeof(T) == 4 ? word(0x7fd5a5a5u) : word(0x7ffa5a5a5a5a5a5aull);
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
}

/// The bit pattern of a value, for exact comparisons and messages.
template <class T>
std::string bits_of(T value) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    static const char digits[] = "0123456789abcdef";
    std::string text = "0x";
    for (std::size_t i = sizeof(T); i-- > 0;) {
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 15];
    }
    return text;
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

/// Extents as messages show them: [2, 3, 7, 7].
template <std::size_t Rank>
std::string describe_extents(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::string text = "[";
    for (std::size_t d = 0; d < Rank; ++d) text += (d == 0 ? "" : ", ") + std::to_string(extents[d]);
    return text + "]";
}

inline std::string describe(apool::bfloat16 value) {
    std::ostringstream text;
    text << static_cast<float>(value) << " (bfloat16 " << bits_of(value.bits()) << ")";
    return text.str();
}
inline std::string describe(apool::float16 value) {
    std::ostringstream text;
    text << static_cast<float>(value) << " (float16 " << bits_of(value.bits()) << ")";
    return text.str();
}
inline std::string describe(std::uint8_t value) { return std::to_string(value); }
inline std::string describe(std::int8_t value) { return std::to_string(value); }

template <class T>
std::string describe(T value) {
    std::ostringstream text;
    text.precision(17);
    text << value;
    if (std::is_floating_point<T>::value) text << " (" << bits_of(value) << ")";
    return text.str();
}

/// Empty when close(i, got[i], expected[i]) holds for every element;
/// otherwise how many differ and the first that does, for a test's message.
template <class T, class U, class Close>
std::string mismatches(const char* what, const std::vector<T>& got, const std::vector<U>& expected, Close close) {
    if (got.size() != expected.size()) {
        return std::string(what) + ": " + std::to_string(got.size()) + " elements, expected " + std::to_string(expected.size());
    }
    std::size_t count = 0;
    std::string first;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (close(i, got[i], expected[i])) continue;
        if (count++ == 0) {
            first = std::string(what) + " at logical index " + std::to_string(i) + ": expected " + describe(expected[i]) + ", got " +
                    describe(got[i]);
        }
    }
    if (count == 0) return {};
    return std::to_string(count) + " of " + std::to_string(expected.size()) + " differ; first " + first;
}

/// mismatches() with bit-exact equality (NaN payloads and zero signs count).
template <class T>
std::string bit_mismatches(const char* what, const std::vector<T>& got, const std::vector<T>& expected) {
    return mismatches(what, got, expected, [](std::size_t, T a, T b) { return same_bits(a, b); });
}

/// bit_mismatches(), except that where `expected` is a NaN any NaN passes:
/// for sums, whose NaN payload, where a window holds NaNs of different
/// payloads, depends on the order of the operands of one addition, which
/// compilers pick freely (IEEE 754 does not say which NaN an addition returns).
template <class T>
std::string sum_mismatches(const char* what, const std::vector<T>& got, const std::vector<T>& expected) {
    return mismatches(what, got, expected, [](std::size_t, T a, T b) {
        return same_bits(a, b) || (std::isnan(naive::value_of(a)) && std::isnan(naive::value_of(b)));
    });
}

/// mismatches() for indices of any integer type against int64 expectations.
template <class I>
std::string index_mismatches(const std::vector<I>& got, const std::vector<std::int64_t>& expected) {
    return mismatches("index", got, expected, [](std::size_t, I a, std::int64_t b) { return static_cast<std::int64_t>(a) == b; });
}

}  // namespace apool_test
