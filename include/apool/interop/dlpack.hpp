// apool/interop/dlpack.hpp: strided_views of DLPack tensors, the exchange
// format of PyTorch, NumPy, JAX, ONNX Runtime and TVM. Optional: include it
// where <dlpack/dlpack.h> is on the include path (Debian: libdlpack-dev).
// No copy is made; the view points at the tensor's memory.
#pragma once

#include <dlpack/dlpack.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../errors.hpp"
#include "../strided_view.hpp"

namespace apool {
namespace detail {

// The DLPack type code of each element type a view can hold.
template <class T>
struct dlpack_code;
template <>
struct dlpack_code<float> : std::integral_constant<int, kDLFloat> {};
template <>
struct dlpack_code<double> : std::integral_constant<int, kDLFloat> {};
template <>
struct dlpack_code<std::int64_t> : std::integral_constant<int, kDLInt> {};
template <>
struct dlpack_code<std::int32_t> : std::integral_constant<int, kDLInt> {};

template <class T, std::size_t Rank>
strided_view<T, Rank> from_dlpack_checked(const DLTensor& tensor, const char* function) {
    using value = std::remove_const_t<T>;
    static_assert(std::is_same<value, float>::value || std::is_same<value, double>::value ||
                      std::is_same<value, std::int64_t>::value || std::is_same<value, std::int32_t>::value,
                  "apool::from_dlpack: the element type must be float or double (values) or std::int64_t or std::int32_t "
                  "(indices)");
    const std::string prefix = std::string(function) + ": ";
    if (tensor.device.device_type != kDLCPU) {
        report_error(prefix + "device.device_type is " + std::to_string(static_cast<int>(tensor.device.device_type)) +
                     "; apool reads CPU memory only (kDLCPU = " + std::to_string(static_cast<int>(kDLCPU)) + ")");
        return {};
    }
    if (tensor.dtype.code != dlpack_code<value>::value || tensor.dtype.bits != 8 * sizeof(value) || tensor.dtype.lanes != 1) {
        report_error(prefix + "dtype (code " + std::to_string(tensor.dtype.code) + ", bits " + std::to_string(tensor.dtype.bits) +
                     ", lanes " + std::to_string(tensor.dtype.lanes) + ") does not match the view's element type (code " +
                     std::to_string(dlpack_code<value>::value) + ", bits " + std::to_string(8 * sizeof(value)) + ", lanes 1)");
        return {};
    }
    if (tensor.ndim != static_cast<int>(Rank)) {
        report_error(prefix + "ndim is " + std::to_string(tensor.ndim) + " but the view has rank " + std::to_string(Rank));
        return {};
    }
    const auto address = reinterpret_cast<std::uintptr_t>(tensor.data) + static_cast<std::uintptr_t>(tensor.byte_offset);
    if (address % alignof(value) != 0) {
        report_error(prefix + "data + byte_offset (byte_offset " + std::to_string(tensor.byte_offset) +
                     ") is not aligned for the element type (" + std::to_string(alignof(value)) + " bytes)");
        return {};
    }
    std::array<std::ptrdiff_t, Rank> extents{};
    for (std::size_t dim = 0; dim < Rank; ++dim) extents[dim] = static_cast<std::ptrdiff_t>(tensor.shape[dim]);
    // DLPack's NULL strides mean compact row-major memory.
    std::array<std::ptrdiff_t, Rank> strides = row_major_strides(extents);
    if (tensor.strides != nullptr) {
        for (std::size_t dim = 0; dim < Rank; ++dim) strides[dim] = static_cast<std::ptrdiff_t>(tensor.strides[dim]);
    }
    return strided_view<T, Rank>(reinterpret_cast<T*>(address), extents, strides);
}

}  // namespace detail

/// A view of a DLTensor's memory, with its shape and strides (NULL strides:
/// row-major), starting at data + byte_offset. A tensor whose device is not
/// the CPU, whose dtype is not T, or whose ndim is not Rank is reported as an
/// apool::invalid_argument naming the field (an empty view is returned where
/// an error handler returns).
template <class T, std::size_t Rank>
strided_view<T, Rank> from_dlpack(const DLTensor& tensor) {
    return detail::from_dlpack_checked<T, Rank>(tensor, "apool::from_dlpack");
}

/// A view of a DLManagedTensor's tensor (DLPack before 1.0).
template <class T, std::size_t Rank>
strided_view<T, Rank> from_dlpack(const DLManagedTensor& managed) {
    return detail::from_dlpack_checked<T, Rank>(managed.dl_tensor, "apool::from_dlpack");
}

#ifdef DLPACK_FLAG_BITMASK_READ_ONLY
/// A view of a DLManagedTensorVersioned's tensor (DLPack 1.0 and later). A
/// view of non-const T of a tensor flagged read-only is reported as an
/// apool::invalid_argument: ask for a view of const T.
template <class T, std::size_t Rank>
strided_view<T, Rank> from_dlpack(const DLManagedTensorVersioned& managed) {
    if (!std::is_const<T>::value && (managed.flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0) {
        detail::report_error(
            "apool::from_dlpack: flags has DLPACK_FLAG_BITMASK_READ_ONLY, but the view is writable; take a view of const T");
        return {};
    }
    return detail::from_dlpack_checked<T, Rank>(managed.dl_tensor, "apool::from_dlpack");
}
#endif

}  // namespace apool
