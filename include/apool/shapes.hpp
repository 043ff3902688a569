// apool: shape helpers, so that no caller writes extents or strides by hand for
// the common cases: the output's extents from an output size (PyTorch's
// output_size, with apool::keep where PyTorch takes None), and dense views laid
// out in another view's memory order (channels-last in, channels-last out).
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <string>

#include "errors.hpp"
#include "strided_view.hpp"

namespace apool {

/// An output_size entry that keeps the input's extent in its dim, as PyTorch's
/// `None` does: `{7, apool::keep}` pools H to 7 and leaves W as it is.
inline constexpr std::ptrdiff_t keep = std::numeric_limits<std::ptrdiff_t>::min();

/// The extents of the result of pooling the last Spatial dims of
/// `input_extents` to `output_size`: the leading extents as they are, each
/// spatial extent replaced by its `output_size` entry, or kept where the entry
/// is apool::keep. A negative entry is reported as an apool::invalid_argument.
template <std::size_t Rank, std::size_t Spatial>
constexpr std::array<std::ptrdiff_t, Rank> pooled_extents(const std::array<std::ptrdiff_t, Rank>& input_extents,
                                                          const std::array<std::ptrdiff_t, Spatial>& output_size) {
    static_assert(Spatial >= 1 && Spatial <= Rank,
                  "apool::pooled_extents: output_size needs one entry per spatial dim (1 to 3), and no more entries "
                  "than the input has dims");
    std::array<std::ptrdiff_t, Rank> extents = input_extents;
    for (std::size_t dim = 0; dim < Spatial; ++dim) {
        const std::ptrdiff_t size = output_size[dim];
        if (size == keep) continue;
        if (size < 0) {
            detail::report_error("apool::pooled_extents: output_size entry " + std::to_string(dim) + " is " +
                                 std::to_string(size) + "; an output size is zero or more, or apool::keep");
        }
        extents[Rank - Spatial + dim] = size;
    }
    return extents;
}

/// pooled_extents with the output size as a braced list: `pooled_extents(x, {7, 7})`.
template <std::size_t Rank, std::size_t Spatial>
constexpr std::array<std::ptrdiff_t, Rank> pooled_extents(const std::array<std::ptrdiff_t, Rank>& input_extents,
                                                          const std::ptrdiff_t (&output_size)[Spatial]) {
    std::array<std::ptrdiff_t, Spatial> size{};
    for (std::size_t dim = 0; dim < Spatial; ++dim) size[dim] = output_size[dim];
    return pooled_extents(input_extents, size);
}

/// The product of `extents`: the number of elements to allocate for a dense view.
template <std::size_t Rank>
constexpr std::ptrdiff_t element_count(const std::array<std::ptrdiff_t, Rank>& extents) noexcept {
    std::ptrdiff_t count = 1;
    for (std::ptrdiff_t extent : extents) count *= extent;
    return count;
}

/// Dense strides for `extents` that order the dims in memory as `like_strides`
/// do: the dim of the largest stride magnitude outermost, the smallest
/// innermost, ties in dim order (the earlier dim outer). Row-major strides give
/// row-major strides, channels-last strides channels-last ones; padding,
/// slicing and negative strides are not carried over.
template <std::size_t Rank>
constexpr std::array<std::ptrdiff_t, Rank> dense_strides_like(const std::array<std::ptrdiff_t, Rank>& like_strides,
                                                              const std::array<std::ptrdiff_t, Rank>& extents) noexcept {
    std::array<std::size_t, Rank> order{};  // dims, outermost first
    std::array<std::ptrdiff_t, Rank> magnitude{};
    for (std::size_t dim = 0; dim < Rank; ++dim) {
        order[dim] = dim;
        // Negated rather than made positive, so PTRDIFF_MIN cannot overflow.
        magnitude[dim] = like_strides[dim] > 0 ? -like_strides[dim] : like_strides[dim];
    }
    // A stable insertion sort by magnitude, descending: ties keep dim order.
    for (std::size_t i = 1; i < Rank; ++i) {
        const std::size_t dim = order[i];
        std::size_t j = i;
        for (; j > 0 && magnitude[order[j - 1]] > magnitude[dim]; --j) order[j] = order[j - 1];
        order[j] = dim;
    }
    std::array<std::ptrdiff_t, Rank> permuted{};
    for (std::size_t i = 0; i < Rank; ++i) permuted[i] = extents[order[i]];
    const std::array<std::ptrdiff_t, Rank> permuted_strides = row_major_strides(permuted);
    std::array<std::ptrdiff_t, Rank> strides{};
    for (std::size_t i = 0; i < Rank; ++i) strides[order[i]] = permuted_strides[i];
    return strides;
}

/// A dense view of `data` with `extents`, its dims in `like`'s memory order:
/// grad_input for an input in any layout is `dense_view_like(gx, input, input.extents())`.
template <class T, class U, std::size_t Rank>
constexpr strided_view<T, Rank> dense_view_like(T* data, const strided_view<U, Rank>& like,
                                                const std::array<std::ptrdiff_t, Rank>& extents) noexcept {
    return strided_view<T, Rank>(data, extents, dense_strides_like(like.strides(), extents));
}

/// The output (or indices) view for pooling `input`'s last Spatial dims to
/// `output_size`: pooled_extents, dense, in input's memory order.
/// `pooled_view(y, input, {7, apool::keep})`; allocate
/// `element_count(pooled_extents(input.extents(), {7, apool::keep}))` elements.
template <class T, class U, std::size_t Rank, std::size_t Spatial>
constexpr strided_view<T, Rank> pooled_view(T* data, const strided_view<U, Rank>& input,
                                            const std::ptrdiff_t (&output_size)[Spatial]) {
    return dense_view_like(data, input, pooled_extents(input.extents(), output_size));
}

/// pooled_view with the output size as a std::array.
template <class T, class U, std::size_t Rank, std::size_t Spatial>
constexpr strided_view<T, Rank> pooled_view(T* data, const strided_view<U, Rank>& input,
                                            const std::array<std::ptrdiff_t, Spatial>& output_size) {
    return dense_view_like(data, input, pooled_extents(input.extents(), output_size));
}

}  // namespace apool
