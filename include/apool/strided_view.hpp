// apool: strided_view, a non-owning view of an N-dimensional tensor.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace apool {

/// Row-major (C order) strides, in elements, for the given extents. Extents
/// whose product std::ptrdiff_t cannot hold give saturated strides instead of
/// overflowing; every pooling call then rejects such a view with a message.
template <std::size_t Rank>
constexpr std::array<std::ptrdiff_t, Rank> row_major_strides(const std::array<std::ptrdiff_t, Rank>& extents) noexcept {
    constexpr std::ptrdiff_t largest = std::numeric_limits<std::ptrdiff_t>::max();
    std::array<std::ptrdiff_t, Rank> strides{};
    std::ptrdiff_t step = 1;
    for (std::size_t dim = Rank; dim-- > 0;) {
        strides[dim] = step;
        const std::ptrdiff_t extent = extents[dim] > 0 ? extents[dim] : 0;
        step = extent != 0 && step > largest / extent ? largest : step * extent;
    }
    return strides;
}

/// A non-owning view of caller memory: a data pointer, `Rank` extents and
/// `Rank` strides counted in elements (not bytes). Any layout that PyTorch can
/// describe with strides is a view: NCHW, channels-last, sliced, padded,
/// transposed, and broadcast (zero strides; legal in inputs only).
template <class T, std::size_t Rank>
class strided_view {
    static_assert(Rank >= 1, "apool::strided_view needs Rank >= 1: a pooling input has at least one spatial dimension");

public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;
    using index_type = std::ptrdiff_t;
    using extents_type = std::array<std::ptrdiff_t, Rank>;

    static constexpr std::size_t rank() noexcept { return Rank; }

    constexpr strided_view() noexcept = default;

    /// A view of densely packed row-major memory.
    constexpr strided_view(T* data, const extents_type& extents) noexcept
        : data_(data), extents_(extents), strides_(row_major_strides(extents)) {}

    /// A view with explicit strides, in elements.
    constexpr strided_view(T* data, const extents_type& extents, const extents_type& strides) noexcept
        : data_(data), extents_(extents), strides_(strides) {}

    /// A view of `T` converts to a view of `const T`.
    template <class U, std::enable_if_t<std::is_same<const U, T>::value && !std::is_same<U, T>::value, int> = 0>
    constexpr strided_view(const strided_view<U, Rank>& other) noexcept
        : data_(other.data()), extents_(other.extents()), strides_(other.strides()) {}

    constexpr T* data() const noexcept { return data_; }
    constexpr const extents_type& extents() const noexcept { return extents_; }
    constexpr const extents_type& strides() const noexcept { return strides_; }
    constexpr std::ptrdiff_t extent(std::size_t dim) const noexcept { return extents_[dim]; }
    constexpr std::ptrdiff_t stride(std::size_t dim) const noexcept { return strides_[dim]; }

    /// Number of logical elements (the product of the extents).
    constexpr std::ptrdiff_t size() const noexcept {
        std::ptrdiff_t count = 1;
        for (std::ptrdiff_t e : extents_) count *= e;
        return count;
    }

    /// Element at a multi-index; no bounds check.
    template <class... Index>
    constexpr T& operator()(Index... index) const noexcept {
        static_assert(sizeof...(Index) == Rank, "apool::strided_view::operator() takes exactly Rank indices");
        const std::array<std::ptrdiff_t, Rank> position{static_cast<std::ptrdiff_t>(index)...};
        std::ptrdiff_t offset = 0;
        for (std::size_t dim = 0; dim < Rank; ++dim) offset += position[dim] * strides_[dim];
        return data_[offset];
    }

private:
    T* data_ = nullptr;
    extents_type extents_{};
    extents_type strides_{};
};

}  // namespace apool
