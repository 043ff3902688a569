// A minimal mdspan for tests/test_mdspan.cpp, which CI builds without Kokkos'
// mdspan (not in Debian 12, and no network) or a std::mdspan (not in GCC 12's
// library). It has the part of the interface that the tests construct and
// that <apool/interop/mdspan.hpp> reads, spelled as the standard spells it,
// and announces its namespace through MDSPAN_IMPL_STANDARD_NAMESPACE as
// Kokkos' mdspan does, so CI exercises the branch that Kokkos' mdspan takes.
// Include it before <apool/interop/mdspan.hpp>.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#define MDSPAN_IMPL_STANDARD_NAMESPACE apool_test_mdspan

namespace apool_test_mdspan {

constexpr std::size_t dynamic_extent = std::numeric_limits<std::size_t>::max();

/// Extents, each static or dynamic_extent; the dynamic ones are given in order.
template <class IndexType, std::size_t... Static>
class extents {
public:
    using index_type = IndexType;
    static constexpr std::size_t rank() noexcept { return sizeof...(Static); }

    template <class... Dynamic>
    constexpr explicit extents(Dynamic... dynamic) noexcept {
        const std::array<index_type, sizeof...(Dynamic)> given{static_cast<index_type>(dynamic)...};
        std::size_t next = 0;
        for (std::size_t dim = 0; dim < rank(); ++dim) {
            values_[dim] = static_extents_[dim] == dynamic_extent ? given[next++] : static_cast<index_type>(static_extents_[dim]);
        }
    }

    constexpr index_type extent(std::size_t dim) const noexcept { return values_[dim]; }

private:
    static constexpr std::array<std::size_t, sizeof...(Static)> static_extents_{Static...};
    std::array<index_type, sizeof...(Static)> values_{};
};

struct layout_right {
    /// Row-major: the last dim is contiguous.
    template <class Extents>
    struct mapping {
        constexpr explicit mapping(const Extents& e) noexcept : extents_(e) {}
        constexpr typename Extents::index_type stride(std::size_t dim) const noexcept {
            typename Extents::index_type step = 1;
            for (std::size_t later = dim + 1; later < Extents::rank(); ++later) step *= extents_.extent(later);
            return step;
        }
        Extents extents_;
    };
};

struct layout_left {
    /// Column-major: the first dim is contiguous.
    template <class Extents>
    struct mapping {
        constexpr explicit mapping(const Extents& e) noexcept : extents_(e) {}
        constexpr typename Extents::index_type stride(std::size_t dim) const noexcept {
            typename Extents::index_type step = 1;
            for (std::size_t earlier = 0; earlier < dim; ++earlier) step *= extents_.extent(earlier);
            return step;
        }
        Extents extents_;
    };
};

struct layout_stride {
    /// Any strides, given.
    template <class Extents>
    struct mapping {
        constexpr mapping(const Extents& e, const std::array<typename Extents::index_type, Extents::rank()>& s) noexcept
            : extents_(e), strides_(s) {}
        constexpr typename Extents::index_type stride(std::size_t dim) const noexcept { return strides_[dim]; }
        Extents extents_;
        std::array<typename Extents::index_type, Extents::rank()> strides_;
    };
};

/// The mdspan: a pointer and a layout's mapping of the extents.
template <class T, class Extents, class Layout = layout_right>
class mdspan {
public:
    using element_type = T;
    using data_handle_type = T*;
    using extents_type = Extents;
    using layout_type = Layout;
    using mapping_type = typename Layout::template mapping<Extents>;

    template <class... Dynamic>
    constexpr explicit mdspan(T* data, Dynamic... dynamic) noexcept : data_(data), mapping_(Extents(dynamic...)) {}
    constexpr mdspan(T* data, const mapping_type& mapping) noexcept : data_(data), mapping_(mapping) {}

    static constexpr std::size_t rank() noexcept { return Extents::rank(); }
    constexpr typename Extents::index_type extent(std::size_t dim) const noexcept { return mapping_.extents_.extent(dim); }
    constexpr typename Extents::index_type stride(std::size_t dim) const noexcept { return mapping_.stride(dim); }
    constexpr const data_handle_type& data_handle() const noexcept { return data_; }

private:
    data_handle_type data_;
    mapping_type mapping_;
};

}  // namespace apool_test_mdspan
