// apool: argument checks, run once at the entry of every public function.
//
// Each check builds its message only on failure; the success path neither
// allocates nor formats.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "../config.hpp"
#include "../strided_view.hpp"

namespace apool {
namespace detail {

constexpr std::ptrdiff_t max_ptrdiff = std::numeric_limits<std::ptrdiff_t>::max();

/// A view as the argument checks see it. The checks depend on extents,
/// strides and the element size, not on the element type or the rank, so one
/// compiled copy of them serves every call.
struct view_info {
    const void* data = nullptr;
    std::size_t element_size = 1;
    std::size_t rank = 0;
    const std::ptrdiff_t* extents = nullptr;
    const std::ptrdiff_t* strides = nullptr;
};

template <class T, std::size_t Rank>
view_info info_of(const strided_view<T, Rank>& view) noexcept {
    return {view.data(), sizeof(T), Rank, view.extents().data(), view.strides().data()};
}

/// A list of extents or strides, or a multi-index, as a message shows it: [2, 3].
struct dims {
    const std::ptrdiff_t* values;
    std::size_t count;
};

/// An argument error's message, built by appends that are out of line.
class message_text {
public:
    APOOL_COLD message_text& operator<<(const char* part) {
        text_ += part;
        return *this;
    }
    APOOL_COLD message_text& operator<<(long long value) {
        text_ += std::to_string(value);
        return *this;
    }
    APOOL_COLD message_text& operator<<(const dims& list) {
        text_ += '[';
        for (std::size_t dim = 0; dim < list.count; ++dim) {
            if (dim != 0) text_ += ", ";
            text_ += std::to_string(list.values[dim]);
        }
        text_ += ']';
        return *this;
    }
    std::string& text() noexcept { return text_; }

private:
    std::string text_;
};

/// Products and sums of extents and strides, with overflow reported instead of wrapped.
inline bool multiply_overflows(std::ptrdiff_t a, std::ptrdiff_t b, std::ptrdiff_t& product) noexcept {
    if (a != 0 && b > max_ptrdiff / a) return true;
    product = a * b;
    return false;
}

/// The half-open byte range a view can touch; empty when the view has no elements.
struct byte_range {
    std::uintptr_t first = 0;
    std::uintptr_t last = 0;  // one past the last byte
    bool empty() const noexcept { return first == last; }
    bool overlaps(const byte_range& other) const noexcept {
        return !empty() && !other.empty() && first < other.last && other.first < last;
    }
};

/// Describes how one view reaches memory: checked element count and element span.
struct view_extent_check {
    bool count_overflows = false;
    bool span_overflows = false;
    std::ptrdiff_t count = 1;
    std::ptrdiff_t lowest_offset = 0;   // in elements, <= 0
    std::ptrdiff_t highest_offset = 0;  // in elements, >= 0
};

inline view_extent_check measure(const view_info& view) noexcept {
    view_extent_check result;
    for (std::size_t dim = 0; dim < view.rank; ++dim) {
        if (multiply_overflows(result.count, view.extents[dim], result.count)) result.count_overflows = true;
    }
    if (result.count_overflows || result.count == 0) return result;
    const std::ptrdiff_t max_elements = max_ptrdiff / static_cast<std::ptrdiff_t>(view.element_size);
    for (std::size_t dim = 0; dim < view.rank; ++dim) {
        const std::ptrdiff_t stride = view.strides[dim];
        const std::ptrdiff_t steps = view.extents[dim] - 1;
        if (stride == std::numeric_limits<std::ptrdiff_t>::min()) {
            result.span_overflows = true;
            return result;
        }
        const std::ptrdiff_t magnitude = stride < 0 ? -stride : stride;
        std::ptrdiff_t reach = 0;
        if (multiply_overflows(magnitude, steps, reach)) {
            result.span_overflows = true;
            return result;
        }
        std::ptrdiff_t& side = stride < 0 ? result.lowest_offset : result.highest_offset;
        const std::ptrdiff_t current = side < 0 ? -side : side;
        if (reach > max_elements - current) {
            result.span_overflows = true;
            return result;
        }
        side = stride < 0 ? side - reach : side + reach;
    }
    if (result.highest_offset - result.lowest_offset >= max_elements) result.span_overflows = true;
    return result;
}

template <class T, std::size_t Rank>
view_extent_check measure(const strided_view<T, Rank>& view) noexcept {
    return measure(info_of(view));
}

inline byte_range bytes_of(const view_info& view, const view_extent_check& measured) noexcept {
    if (measured.count == 0) return {};
    const auto base = reinterpret_cast<std::uintptr_t>(view.data);
    return {base + static_cast<std::uintptr_t>(measured.lowest_offset) * view.element_size,
            base + static_cast<std::uintptr_t>(measured.highest_offset + 1) * view.element_size};
}

/// True when two distinct multi-indices of the view can reach the same element.
/// Exact for every layout made of nested strides (all layouts PyTorch produces);
/// conservative (reports overlap) for exotic interleavings.
inline bool overlaps_itself(const view_info& view) noexcept {
    auto magnitude = [&](std::size_t dim) {
        const std::ptrdiff_t stride = view.strides[dim];
        return stride < 0 ? -stride : stride;
    };
    // The dims of extent > 1 by stride magnitude (ties by dim), each found by a
    // scan for the smallest one after the previous: the rank is tiny and known
    // only at run time, so no buffer.
    auto after = [&](std::size_t dim, std::size_t previous) {
        return magnitude(dim) > magnitude(previous) || (magnitude(dim) == magnitude(previous) && dim > previous);
    };
    std::ptrdiff_t reach = 0;  // farthest offset reachable by the smaller-stride dims
    std::size_t previous = view.rank;
    for (;;) {
        std::size_t next = view.rank;
        for (std::size_t dim = 0; dim < view.rank; ++dim) {
            if (view.extents[dim] <= 1 || (previous != view.rank && !after(dim, previous))) continue;
            if (next == view.rank || after(next, dim)) next = dim;
        }
        if (next == view.rank) return false;
        if (magnitude(next) <= reach) return true;
        reach += magnitude(next) * (view.extents[next] - 1);
        previous = next;
    }
}

/// Checks shared by every public function, run once per call. A failure
/// keeps the first message; the caller reports it (errors.hpp) in its own
/// translation unit's configuration.
class argument_checker {
public:
    explicit argument_checker(const char* function) noexcept : function_(function) {}

    bool failed() const noexcept { return !message_.empty(); }
    std::string& message() noexcept { return message_; }

    APOOL_COLD void fail(message_text& message) {
        if (failed()) return;
        message_ = std::string("apool::") + function_ + ": " + message.text();
    }

    /// A view's own soundness: extents, data pointer, size and span limits.
    /// `spatial` is how many trailing dims are spatial; `spatial_nonzero`
    /// demands that each of those is at least 1.
    view_extent_check view(const char* name, const view_info& view, std::size_t spatial, bool spatial_nonzero, bool writable) {
        view_extent_check measured;
        if (failed()) return measured;
        const std::size_t rank = view.rank;
        for (std::size_t dim = 0; dim < rank; ++dim) {
            if (view.extents[dim] < 0) {
                fail(message_text() << name << " has a negative extent " << view.extents[dim] << " in dim " << dim <<
                     " (extents " << dims{view.extents, rank} << ")");
                return measured;
            }
            if (spatial_nonzero && dim >= rank - spatial && view.extents[dim] == 0) {
                fail(message_text() << name << " has an empty spatial dim " << dim << " (extents " << dims{view.extents, rank} <<
                     "); adaptive pooling needs at least one element per spatial dim");
                return measured;
            }
        }
        measured = measure(view);
        if (measured.count_overflows) {
            fail(message_text() << name << " has more elements than std::ptrdiff_t can count (extents " <<
                 dims{view.extents, rank} << ")");
        } else if (measured.span_overflows) {
            fail(message_text() << name << " spans more bytes than std::ptrdiff_t can address (extents " <<
                 dims{view.extents, rank} << ", strides " << dims{view.strides, rank} << ")");
        } else if (measured.count != 0 && view.data == nullptr) {
            fail(message_text() << name << " has a null data pointer but " << measured.count << " elements (extents " <<
                 dims{view.extents, rank} << ")");
        } else if (writable && measured.count != 0 && overlaps_itself(view)) {
            fail(message_text() << name << " is written but its strides " << dims{view.strides, rank} <<
                 " make distinct elements share memory (extents " << dims{view.extents, rank} << ")");
        }
        return measured;
    }

    /// The leading (non-spatial) extents of `other` must equal those of `reference`.
    void same_leading_extents(const char* reference_name, const view_info& reference, const char* other_name, const view_info& other,
                              std::size_t spatial) {
        if (failed()) return;
        for (std::size_t dim = 0; dim + spatial < reference.rank; ++dim) {
            if (reference.extents[dim] != other.extents[dim]) {
                fail(message_text() << other_name << " extent " << other.extents[dim] << " in dim " << dim <<
                     " differs from " << reference_name << " extent " << reference.extents[dim] <<
                     "; the leading (non-spatial) dims must match (" << reference_name << " extents " <<
                     dims{reference.extents, reference.rank} << ", " << other_name << " extents " <<
                     dims{other.extents, other.rank} << ")");
                return;
            }
        }
    }

    /// All extents of `other` must equal those of `reference`.
    void same_extents(const char* reference_name, const view_info& reference, const char* other_name, const view_info& other) {
        if (failed() || std::equal(reference.extents, reference.extents + reference.rank, other.extents)) return;
        fail(message_text() << other_name << " extents " << dims{other.extents, other.rank} << " differ from " <<
             reference_name << " extents " << dims{reference.extents, reference.rank} << "; they must be equal");
    }

    /// The window rule computes (index + 1) * in_size + out_size - 1 in
    /// std::ptrdiff_t; (in_size + 1) * out_size bounds it.
    void window_rule_fits(const view_info& input, const view_info& output, std::size_t spatial) {
        if (failed()) return;
        for (std::size_t dim = input.rank - spatial; dim < input.rank; ++dim) {
            std::ptrdiff_t product = 0;
            if (input.extents[dim] == max_ptrdiff || multiply_overflows(input.extents[dim] + 1, output.extents[dim], product)) {
                fail(message_text() << "input extent " << input.extents[dim] << " times output extent " << output.extents[dim] <<
                     " in dim " << dim << " overflows std::ptrdiff_t, which the window rule needs");
                return;
            }
        }
    }

    /// Indices of `index_bits` bits, the largest `index_max`, must hold every
    /// flat position of the input's spatial plane.
    void index_type_holds_plane(const view_info& spatial_view, std::size_t spatial, std::size_t index_bits, std::ptrdiff_t index_max) {
        if (failed()) return;
        const std::ptrdiff_t plane = plane_size(spatial_view, spatial);
        if (plane - 1 > index_max) {
            fail(message_text() << "indices of a " << index_bits << "-bit type cannot hold the flat positions of a " << plane <<
                 "-element spatial plane (extents " << dims{spatial_view.extents, spatial_view.rank} <<
                 "); use std::int64_t indices");
        }
    }

    void disjoint(const char* written_name, const byte_range& written, const char* other_name, const byte_range& other) {
        if (failed() || !written.overlaps(other)) return;
        overlapping(written_name, other_name);
    }

    /// A written view shares memory with another argument.
    void overlapping(const char* written_name, const char* other_name) {
        fail(message_text() << written_name << " overlaps " << other_name << " in memory; " << written_name <<
             " must not share memory with any other argument");
    }

    /// The element count of a view's spatial plane; max_ptrdiff where it overflows.
    static std::ptrdiff_t plane_size(const view_info& view, std::size_t spatial) noexcept {
        std::ptrdiff_t plane = 1;
        for (std::size_t dim = view.rank - spatial; dim < view.rank; ++dim) {
            if (multiply_overflows(plane, view.extents[dim], plane)) plane = max_ptrdiff;
        }
        return plane;
    }

private:
    const char* function_;
    std::string message_;
};

}  // namespace detail
}  // namespace apool
