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
#include <utility>

#include "../errors.hpp"
#include "../strided_view.hpp"
#include "memory_order.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

constexpr std::ptrdiff_t max_ptrdiff = std::numeric_limits<std::ptrdiff_t>::max();

template <std::size_t Rank>
std::string describe_extents(const std::array<std::ptrdiff_t, Rank>& extents) {
    std::string text = "[";
    for (std::size_t dim = 0; dim < Rank; ++dim) {
        if (dim != 0) text += ", ";
        text += std::to_string(extents[dim]);
    }
    return text + "]";
}

/// Index element types the pooling functions accept.
template <class I>
constexpr void check_index_type() noexcept {
    static_assert(std::is_same<I, std::int64_t>::value || std::is_same<I, std::int32_t>::value,
                  "apool pooling: indices must be std::int64_t (as PyTorch) or std::int32_t");
}

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

template <class T, std::size_t Rank>
view_extent_check measure(const strided_view<T, Rank>& view) noexcept {
    view_extent_check result;
    for (std::size_t dim = 0; dim < Rank; ++dim) {
        if (multiply_overflows(result.count, view.extent(dim), result.count)) result.count_overflows = true;
    }
    if (result.count_overflows || result.count == 0) return result;
    constexpr std::ptrdiff_t max_elements = max_ptrdiff / static_cast<std::ptrdiff_t>(sizeof(T));
    for (std::size_t dim = 0; dim < Rank; ++dim) {
        const std::ptrdiff_t stride = view.stride(dim);
        const std::ptrdiff_t steps = view.extent(dim) - 1;
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
byte_range bytes_of(const strided_view<T, Rank>& view, const view_extent_check& measured) noexcept {
    if (measured.count == 0) return {};
    const auto base = reinterpret_cast<std::uintptr_t>(view.data());
    return {base + static_cast<std::uintptr_t>(measured.lowest_offset) * sizeof(T),
            base + static_cast<std::uintptr_t>(measured.highest_offset + 1) * sizeof(T)};
}

/// True when two distinct multi-indices of the view can reach the same element.
/// Exact for every layout made of nested strides (all layouts PyTorch produces);
/// conservative (reports overlap) for exotic interleavings.
template <class T, std::size_t Rank>
bool overlaps_itself(const strided_view<T, Rank>& view) noexcept {
    std::array<std::size_t, Rank> order{};
    std::size_t used = 0;
    for (std::size_t dim = 0; dim < Rank; ++dim) {
        if (view.extent(dim) > 1) order[used++] = dim;
    }
    auto magnitude = [&](std::size_t dim) {
        const std::ptrdiff_t stride = view.stride(dim);
        return stride < 0 ? -stride : stride;
    };
    for (std::size_t k = 1; k < used; ++k) {  // insertion sort: Rank is tiny
        for (std::size_t j = k; j > 0 && magnitude(order[j]) < magnitude(order[j - 1]); --j) std::swap(order[j], order[j - 1]);
    }
    std::ptrdiff_t reach = 0;  // farthest offset reachable by the smaller-stride dims
    for (std::size_t k = 0; k < used; ++k) {
        const std::size_t dim = order[k];
        if (magnitude(dim) <= reach) return true;
        reach += magnitude(dim) * (view.extent(dim) - 1);
    }
    return false;
}

/// Checks shared by every public function, run once per call.
class argument_checker {
public:
    explicit argument_checker(const char* function) noexcept : function_(function) {}

    bool failed() const noexcept { return failed_; }

    void fail(const std::string& message) {
        if (failed_) return;
        failed_ = true;
        report_error(std::string("apool::") + function_ + ": " + message);
    }

    /// A view's own soundness: extents, data pointer, size and span limits.
    /// `spatial` is how many trailing dims are spatial; `spatial_nonzero`
    /// demands that each of those is at least 1.
    template <class T, std::size_t Rank>
    view_extent_check view(const char* name, const strided_view<T, Rank>& view, std::size_t spatial, bool spatial_nonzero,
                           bool writable) {
        view_extent_check measured;
        if (failed_) return measured;
        for (std::size_t dim = 0; dim < Rank; ++dim) {
            if (view.extent(dim) < 0) {
                fail(std::string(name) + " has a negative extent " + std::to_string(view.extent(dim)) + " in dim " +
                     std::to_string(dim) + " (extents " + describe_extents(view.extents()) + ")");
                return measured;
            }
            if (spatial_nonzero && dim >= Rank - spatial && view.extent(dim) == 0) {
                fail(std::string(name) + " has an empty spatial dim " + std::to_string(dim) + " (extents " +
                     describe_extents(view.extents()) + "); adaptive pooling needs at least one element per spatial dim");
                return measured;
            }
        }
        measured = measure(view);
        if (measured.count_overflows) {
            fail(std::string(name) + " has more elements than std::ptrdiff_t can count (extents " +
                 describe_extents(view.extents()) + ")");
            return measured;
        }
        if (measured.span_overflows) {
            fail(std::string(name) + " spans more bytes than std::ptrdiff_t can address (extents " +
                 describe_extents(view.extents()) + ", strides " + describe_extents(view.strides()) + ")");
            return measured;
        }
        if (measured.count != 0 && view.data() == nullptr) {
            fail(std::string(name) + " has a null data pointer but " + std::to_string(measured.count) + " elements (extents " +
                 describe_extents(view.extents()) + ")");
            return measured;
        }
        if (writable && measured.count != 0 && overlaps_itself(view)) {
            fail(std::string(name) + " is written but its strides " + describe_extents(view.strides()) +
                 " make distinct elements share memory (extents " + describe_extents(view.extents()) + ")");
        }
        return measured;
    }

    /// The leading (non-spatial) extents of `other` must equal those of `reference`.
    template <class T, class U, std::size_t Rank>
    void same_leading_extents(const char* reference_name, const strided_view<T, Rank>& reference, const char* other_name,
                              const strided_view<U, Rank>& other, std::size_t spatial) {
        if (failed_) return;
        for (std::size_t dim = 0; dim + spatial < Rank; ++dim) {
            if (reference.extent(dim) != other.extent(dim)) {
                fail(std::string(other_name) + " extent " + std::to_string(other.extent(dim)) + " in dim " + std::to_string(dim) +
                     " differs from " + reference_name + " extent " + std::to_string(reference.extent(dim)) +
                     "; the leading (non-spatial) dims must match (" + reference_name + " extents " +
                     describe_extents(reference.extents()) + ", " + other_name + " extents " + describe_extents(other.extents()) + ")");
                return;
            }
        }
    }

    /// All extents of `other` must equal those of `reference`.
    template <class T, class U, std::size_t Rank>
    void same_extents(const char* reference_name, const strided_view<T, Rank>& reference, const char* other_name,
                      const strided_view<U, Rank>& other) {
        if (failed_ || reference.extents() == other.extents()) return;
        fail(std::string(other_name) + " extents " + describe_extents(other.extents()) + " differ from " + reference_name +
             " extents " + describe_extents(reference.extents()) + "; they must be equal");
    }

    /// The window rule computes (index + 1) * in_size + out_size - 1 in
    /// std::ptrdiff_t; (in_size + 1) * out_size bounds it.
    template <class T, class U, std::size_t Rank>
    void window_rule_fits(const strided_view<T, Rank>& input, const strided_view<U, Rank>& output, std::size_t spatial) {
        if (failed_) return;
        for (std::size_t dim = Rank - spatial; dim < Rank; ++dim) {
            std::ptrdiff_t product = 0;
            if (input.extent(dim) == max_ptrdiff || multiply_overflows(input.extent(dim) + 1, output.extent(dim), product)) {
                fail("input extent " + std::to_string(input.extent(dim)) + " times output extent " +
                     std::to_string(output.extent(dim)) + " in dim " + std::to_string(dim) +
                     " overflows std::ptrdiff_t, which the window rule needs");
                return;
            }
        }
    }

    /// Indices of type I must hold every flat position of the input's spatial plane.
    template <class I, class T, std::size_t Rank>
    void index_type_holds_plane(const strided_view<T, Rank>& spatial_view, std::size_t spatial) {
        if (failed_) return;
        std::ptrdiff_t plane = 1;
        for (std::size_t dim = Rank - spatial; dim < Rank; ++dim) {
            if (multiply_overflows(plane, spatial_view.extent(dim), plane)) plane = max_ptrdiff;
        }
        if (plane - 1 > static_cast<std::ptrdiff_t>(std::numeric_limits<I>::max())) {
            fail("indices of a " + std::to_string(sizeof(I) * 8) + "-bit type cannot hold the flat positions of a " +
                 std::to_string(plane) + "-element spatial plane (extents " + describe_extents(spatial_view.extents()) +
                 "); use std::int64_t indices");
        }
    }

    /// Every index must name a position inside a plane of `plane_size`
    /// elements; reads every index once, before anything is written.
    template <class I, std::size_t Rank>
    void indices_in_plane(const strided_view<const I, Rank>& indices, std::ptrdiff_t plane_size) {
        if (failed_ || indices.size() == 0 || !any_index_outside(indices, plane_size)) return;
        std::array<std::ptrdiff_t, Rank> position{};
        std::ptrdiff_t offset = 0;
        for (std::ptrdiff_t visited = 0, total = indices.size(); visited < total; ++visited) {
            const I value = indices.data()[offset];
            if (value < 0 || static_cast<std::ptrdiff_t>(value) >= plane_size) {
                fail("indices" + describe_extents(position) + " is " + std::to_string(value) +
                     ", outside the input plane of " + std::to_string(plane_size) + " elements (indices extents " +
                     describe_extents(indices.extents()) + ")");
                return;
            }
            next_position(position, indices.extents(), Rank, Rank,
                          [&](std::size_t dim, std::ptrdiff_t steps) { offset += steps * indices.stride(dim); });
        }
    }

    /// The fast test behind indices_in_plane: the indices are read in memory
    /// order (memory_order.hpp), so that channels-last indices are one
    /// contiguous line, and without a branch per element (vectorized where the
    /// line is contiguous); only a hit is located again, in logical order, for
    /// the message.
    template <class I, std::size_t Rank>
    static bool any_index_outside(const strided_view<const I, Rank>& indices, std::ptrdiff_t plane_size) noexcept {
        const auto order = order_by_memory(indices);
        if (order.empty) return false;
        const std::ptrdiff_t length = order.line_length();
        const std::ptrdiff_t step = order.line_stride();
        // As unsigned numbers negative indices are huge, so one maximum (a
        // reduction compilers vectorize, unlike an `or` of comparisons) catches
        // both ends of the range.
        std::uint64_t largest = 0;
        for_each_line(indices.data(), order, [&](const I* line) {
            std::uint64_t line_largest = 0;
            if (step == 1) {
                for (std::ptrdiff_t i = 0; i < length; ++i) line_largest = std::max(line_largest, static_cast<std::uint64_t>(line[i]));
            } else {
                for (std::ptrdiff_t i = 0; i < length; ++i) line_largest = std::max(line_largest, static_cast<std::uint64_t>(line[i * step]));
            }
            largest = std::max(largest, line_largest);
        });
        return largest >= static_cast<std::uint64_t>(plane_size);
    }

    void disjoint(const char* written_name, const byte_range& written, const char* other_name, const byte_range& other) {
        if (failed_ || !written.overlaps(other)) return;
        fail(std::string(written_name) + " overlaps " + other_name + " in memory; " + written_name +
             " must not share memory with any other argument");
    }

private:
    const char* function_;
    bool failed_ = false;
};

}  // namespace detail
}  // namespace apool
