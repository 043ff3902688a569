// apool/interop/dlpack.hpp: views of DLTensors (row-major with NULL strides,
// strided, offset by byte_offset) pool as the same memory seen through a
// hand-made view does, checked against the naive reference; bad tensors are
// rejected naming the field. Compiled only where <dlpack/dlpack.h> is
// installed (Debian: libdlpack-dev, which tests/run_tests.sh installs).
#if __has_include(<dlpack/dlpack.h>)
#include <apool/apool.hpp>
#include <apool/interop/dlpack.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "naive_reference.hpp"

namespace {

DLTensor cpu_tensor(void* data, std::uint8_t code, std::uint8_t bits, std::int64_t* shape, int ndim, std::int64_t* strides,
                    std::uint64_t byte_offset = 0) {
    DLTensor tensor{};
    tensor.data = data;
    tensor.device = DLDevice{kDLCPU, 0};
    tensor.ndim = ndim;
    tensor.dtype = DLDataType{code, bits, 1};
    tensor.shape = shape;
    tensor.strides = strides;
    tensor.byte_offset = byte_offset;
    return tensor;
}

}  // namespace

TEST_CASE("from_dlpack: NULL strides are row-major, given strides and byte_offset are kept", "[dlpack]") {
    std::vector<float> buffer(200);
    std::int64_t shape[3] = {2, 3, 4};
    const DLTensor row_major = cpu_tensor(buffer.data(), kDLFloat, 32, shape, 3, nullptr);
    const auto view = apool::from_dlpack<const float, 3>(row_major);
    CHECK(view.data() == buffer.data());
    CHECK(view.extents() == std::array<std::ptrdiff_t, 3>{2, 3, 4});
    CHECK(view.strides() == apool::row_major_strides<3>({2, 3, 4}));

    std::int64_t strides[3] = {1, 8, 2};  // channels-last, padded rows
    const DLTensor strided = cpu_tensor(buffer.data(), kDLFloat, 32, shape, 3, strides, 5 * sizeof(float));
    const auto strided_view = apool::from_dlpack<float, 3>(strided);
    CHECK(strided_view.data() == buffer.data() + 5);
    CHECK(strided_view.strides() == std::array<std::ptrdiff_t, 3>{1, 8, 2});
}

TEST_CASE("from_dlpack views pool as the reference does", "[dlpack]") {
    // A channels-last [2, 3, 7, 5] tensor, 3 floats into its buffer.
    const std::int64_t n = 2, c = 3, h = 7, w = 5;
    std::vector<float> buffer(static_cast<std::size_t>(3 + n * c * h * w));
    std::mt19937 random(4);
    std::normal_distribution<float> normal;
    for (float& value : buffer) value = normal(random);
    std::int64_t shape[4] = {n, c, h, w};
    std::int64_t strides[4] = {h * w * c, 1, w * c, c};
    const DLTensor tensor = cpu_tensor(buffer.data(), kDLFloat, 32, shape, 4, strides, 3 * sizeof(float));
    const auto input = apool::from_dlpack<const float, 4>(tensor);

    std::vector<float> got(static_cast<std::size_t>(n * c * 3 * 2)), expected(got.size());
    std::vector<std::int64_t> got_indices(got.size()), expected_indices(got.size());
    std::int64_t out_shape[4] = {n, c, 3, 2};
    apool::adaptive_max_pool2d(input, apool::from_dlpack<float, 4>(cpu_tensor(got.data(), kDLFloat, 32, out_shape, 4, nullptr)),
                               apool::from_dlpack<std::int64_t, 4>(cpu_tensor(got_indices.data(), kDLInt, 64, out_shape, 4, nullptr)));
    const apool::strided_view<const float, 4> by_hand(buffer.data() + 3, {n, c, h, w}, {h * w * c, 1, w * c, c});
    apool_test::naive::adaptive_max_pool<2>(by_hand, apool::strided_view<float, 4>(expected.data(), {n, c, 3, 2}),
                                            apool::strided_view<std::int64_t, 4>(expected_indices.data(), {n, c, 3, 2}));
    CHECK(got == expected);
    CHECK(got_indices == expected_indices);
}

TEST_CASE("from_dlpack rejects tensors of another device, dtype or rank, naming the field", "[dlpack]") {
    std::vector<double> buffer(24);
    std::int64_t shape[3] = {2, 3, 4};
    DLTensor tensor = cpu_tensor(buffer.data(), kDLFloat, 64, shape, 3, nullptr);
    CHECK(apool::from_dlpack<double, 3>(tensor).data() == buffer.data());

    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH((apool::from_dlpack<float, 3>(tensor)), Contains("dtype (code 2, bits 64, lanes 1)"));
    CHECK_THROWS_WITH((apool::from_dlpack<std::int64_t, 3>(tensor)), Contains("dtype (code 2, bits 64"));
    CHECK_THROWS_WITH((apool::from_dlpack<double, 4>(tensor)), Contains("ndim is 3 but the view has rank 4"));
    DLTensor vector_lanes = tensor;
    vector_lanes.dtype.lanes = 2;
    CHECK_THROWS_WITH((apool::from_dlpack<double, 3>(vector_lanes)), Contains("lanes 2"));
    DLTensor on_gpu = tensor;
    on_gpu.device.device_type = kDLCUDA;
    CHECK_THROWS_WITH((apool::from_dlpack<double, 3>(on_gpu)), Contains("device.device_type is 2"));
    DLTensor misaligned = tensor;
    misaligned.byte_offset = 4;
    CHECK_THROWS_WITH((apool::from_dlpack<double, 3>(misaligned)), Contains("byte_offset 4"));
    CHECK_THROWS_AS((apool::from_dlpack<double, 3>(on_gpu)), apool::invalid_argument);

    DLManagedTensor managed{};
    managed.dl_tensor = tensor;
    CHECK(apool::from_dlpack<const double, 3>(managed).data() == buffer.data());
}

#ifdef DLPACK_FLAG_BITMASK_READ_ONLY
TEST_CASE("from_dlpack honours DLManagedTensorVersioned's read-only flag", "[dlpack]") {
    std::vector<float> buffer(6);
    std::int64_t shape[2] = {2, 3};
    DLManagedTensorVersioned managed{};
    managed.dl_tensor = cpu_tensor(buffer.data(), kDLFloat, 32, shape, 2, nullptr);
    managed.flags = DLPACK_FLAG_BITMASK_READ_ONLY;
    CHECK(apool::from_dlpack<const float, 2>(managed).data() == buffer.data());
    CHECK_THROWS_WITH((apool::from_dlpack<float, 2>(managed)), Catch::Matchers::Contains("DLPACK_FLAG_BITMASK_READ_ONLY"));
    managed.flags = 0;
    CHECK(apool::from_dlpack<float, 2>(managed).data() == buffer.data());
}
#endif

#endif  // __has_include(<dlpack/dlpack.h>)
