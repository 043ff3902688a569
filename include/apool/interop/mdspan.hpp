// apool/interop/mdspan.hpp: strided_views of mdspans, C++23's std::mdspan or
// the Kokkos reference implementation (github.com/kokkos/mdspan, C++17 and
// later). Optional. It includes the standard <mdspan> where the library has
// it, and no Kokkos header: include Kokkos' mdspan before this one. No copy is
// made; the view points at the mdspan's memory.
//
// Any type with mdspan's interface converts (element_type, data_handle_type,
// layout_type, rank(), extent(r), stride(r), data_handle()); its layout must
// be layout_right, layout_left or layout_stride of one of the implementations
// this header sees:
// - std:: where the standard library has <mdspan> (__cpp_lib_mdspan);
// - Kokkos' MDSPAN_IMPL_STANDARD_NAMESPACE (Kokkos:: from <mdspan/mdspan.hpp>,
//   std:: from <experimental/mdspan>, whose std::experimental:: names are the
//   same types); its releases up to the tag mdspan-0.6.0 predate that macro
//   and are not recognised.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#if __has_include(<version>)
#include <version>
#endif
#if defined(__cpp_lib_mdspan)
#include <mdspan>
#endif

#include "../strided_view.hpp"

namespace apool {
namespace detail {

// Whether Layout is a layout whose mapping is a pointer plus one stride per
// dim. The names are compared in each mdspan namespace that exists here, so
// an implementation's layout_right and another's are both recognised.
template <class Layout>
struct mdspan_layout_is_strided
    : std::integral_constant<bool, false
#if defined(__cpp_lib_mdspan)
                                       || std::is_same<Layout, std::layout_right>::value ||
                                       std::is_same<Layout, std::layout_left>::value ||
                                       std::is_same<Layout, std::layout_stride>::value
#endif
#if defined(MDSPAN_IMPL_STANDARD_NAMESPACE)
                                       || std::is_same<Layout, ::MDSPAN_IMPL_STANDARD_NAMESPACE::layout_right>::value ||
                                       std::is_same<Layout, ::MDSPAN_IMPL_STANDARD_NAMESPACE::layout_left>::value ||
                                       std::is_same<Layout, ::MDSPAN_IMPL_STANDARD_NAMESPACE::layout_stride>::value
#endif
                             > {
};

}  // namespace detail

/// A view of an mdspan's memory: its data_handle(), extents and strides, of
/// const T where the mdspan's element type is const T. Static and dynamic
/// extents alike; the layout must be layout_right, layout_left or
/// layout_stride (checked at compile time), the accessor's data handle a plain
/// pointer.
template <class Mdspan>
strided_view<typename Mdspan::element_type, Mdspan::rank()> from_mdspan(const Mdspan& span) noexcept {
    static_assert(detail::mdspan_layout_is_strided<typename Mdspan::layout_type>::value,
                  "apool::from_mdspan: the mdspan's layout must be layout_right, layout_left or layout_stride, of std::mdspan "
                  "or of Kokkos' mdspan included before <apool/interop/mdspan.hpp>; convert an mdspan of another strided "
                  "layout (such as layout_right_padded) to layout_stride (mdspan<T, Extents, layout_stride>(span)), or copy "
                  "one of any other layout into a layout_stride mdspan");
    static_assert(std::is_same<typename Mdspan::data_handle_type, typename Mdspan::element_type*>::value,
                  "apool::from_mdspan: the mdspan's accessor must hold a plain pointer (as default_accessor does)");
    constexpr std::size_t rank = Mdspan::rank();
    std::array<std::ptrdiff_t, rank> extents{};
    std::array<std::ptrdiff_t, rank> strides{};
    for (std::size_t dim = 0; dim < rank; ++dim) {
        extents[dim] = static_cast<std::ptrdiff_t>(span.extent(dim));
        strides[dim] = static_cast<std::ptrdiff_t>(span.stride(dim));
    }
    return strided_view<typename Mdspan::element_type, rank>(span.data_handle(), extents, strides);
}

}  // namespace apool
