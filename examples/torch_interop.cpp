// apool on PyTorch tensors, zero-copy: a strided_view is a tensor's data
// pointer, sizes and strides, so every layout PyTorch makes (contiguous,
// channels-last, transposed, sliced) is pooled where it lies, into an output
// tensor in the input's memory order. The results are compared with
// at::adaptive_avg_pool2d and at::adaptive_max_pool2d: max values and indices
// equal, averages within rounding. The same tensors exported as DLPack
// (at::toDLPack) give the same views through apool::from_dlpack.
#include <apool/apool.hpp>

#include <ATen/ATen.h>
#if __has_include(<dlpack/dlpack.h>)  // libdlpack-dev
#include <ATen/DLConvertor.h>
#include <apool/interop/dlpack.hpp>
#define APOOL_EXAMPLE_DLPACK 1
#endif

#include <cstdio>
#include <stdexcept>

namespace {

// A view of a CPU tensor of T with Rank dims; no copy.
template <class T, std::size_t Rank>
apool::strided_view<T, Rank> view_of(const at::Tensor& tensor) {
    if (tensor.device() != at::kCPU || tensor.scalar_type() != c10::CppTypeToScalarType<std::remove_const_t<T>>::value ||
        tensor.dim() != static_cast<std::int64_t>(Rank)) {
        throw std::invalid_argument("view_of: the tensor's device, dtype or rank does not match the view");
    }
    std::array<std::ptrdiff_t, Rank> extents{}, strides{};
    for (std::size_t d = 0; d < Rank; ++d) {
        extents[d] = tensor.size(static_cast<std::int64_t>(d));
        strides[d] = tensor.stride(static_cast<std::int64_t>(d));
    }
    return apool::strided_view<T, Rank>(static_cast<T*>(tensor.data_ptr()), extents, strides);
}

// An empty tensor of `sizes` with the same memory order as `like`: the
// strides apool::dense_strides_like gives, which for channels-last input are
// channels-last.
at::Tensor empty_like_order(const at::Tensor& like, at::IntArrayRef sizes, at::ScalarType type) {
    const auto view = view_of<const float, 4>(like);
    const auto strides = apool::dense_strides_like(view.strides(), apool::pooled_extents(view.extents(), {sizes[2], sizes[3]}));
    return at::empty_strided(sizes, at::IntArrayRef(strides.data(), strides.size()), at::TensorOptions().dtype(type));
}

}  // namespace

int main() {
    at::manual_seed(0);
    const at::Tensor base = at::randn({2, 32, 23, 19});
    struct named {
        const char* name;
        at::Tensor tensor;
    };
    const named inputs[] = {
        {"contiguous (NCHW)", base},
        {"channels-last (NHWC)", base.contiguous(at::MemoryFormat::ChannelsLast)},
        {"transposed H and W", base.transpose(2, 3)},
        {"sliced [:, 1:, 2:, ::2]", base.slice(1, 1).slice(2, 2).slice(3, 0, at::indexing::None, 2)},
    };
    bool ok = true;
    for (const named& input : inputs) {
        const at::Tensor& x = input.tensor;
        const std::int64_t out_h = 5, out_w = 4;
        const at::Tensor avg = empty_like_order(x, {x.size(0), x.size(1), out_h, out_w}, at::kFloat);
        const at::Tensor max = empty_like_order(x, {x.size(0), x.size(1), out_h, out_w}, at::kFloat);
        const at::Tensor indices = empty_like_order(x, {x.size(0), x.size(1), out_h, out_w}, at::kLong);
        apool::adaptive_avg_pool2d(view_of<const float, 4>(x), view_of<float, 4>(avg));
        apool::adaptive_max_pool2d(view_of<const float, 4>(x), view_of<float, 4>(max), view_of<std::int64_t, 4>(indices));

        const at::Tensor torch_avg = at::adaptive_avg_pool2d(x, {out_h, out_w});
        const auto torch_max = at::adaptive_max_pool2d(x, {out_h, out_w});
        const bool same = at::allclose(avg, torch_avg, 1e-5, 1e-6) && at::equal(max, std::get<0>(torch_max)) &&
                          at::equal(indices, std::get<1>(torch_max));
        std::printf("%-24s sizes %s strides %s -> output strides %s: %s\n", input.name, c10::str(x.sizes()).c_str(),
                    c10::str(x.strides()).c_str(), c10::str(avg.strides()).c_str(), same ? "same as PyTorch" : "DIFFERS from PyTorch");
#ifdef APOOL_EXAMPLE_DLPACK
        // DLPack: the same memory, shape and strides.
        DLManagedTensor* exported = at::toDLPack(x);
        const auto through_dlpack = apool::from_dlpack<const float, 4>(*exported);
        const auto direct = view_of<const float, 4>(x);
        const bool same_view = through_dlpack.data() == direct.data() && through_dlpack.extents() == direct.extents() &&
                               through_dlpack.strides() == direct.strides();
        exported->deleter(exported);
        if (!same_view) std::printf("  the DLPack view DIFFERS from the tensor's\n");
        ok = ok && same_view;
#endif
        ok = ok && same;
    }
    return ok ? 0 : 1;
}
