// Misuses of the API that must not compile. CMakeLists.txt compiles this file
// once per APOOL_MISUSE_* case and requires apool's message in the compiler's
// first error; with no case defined it is correct code, compiled as part of
// the normal build, so a failure below comes from the case and not from the
// file around it.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <apool/apool.hpp>

#if defined(APOOL_MISUSE_MDSPAN_LAYOUT)
#include "../mdspan_stand_in.hpp"  // first: it names the namespace that <apool/interop/mdspan.hpp> checks

#include <apool/interop/mdspan.hpp>

// A layout from_mdspan does not know, though its mapping is layout_right's.
struct layout_unknown : apool_test_mdspan::layout_right {};
#endif

void misuse() {
    float input[64] = {};
    float output[8] = {};
    std::int64_t indices[8] = {};
    const apool::strided_view<const float, 3> input_3(input, {1, 8, 8});
    const apool::strided_view<float, 3> output_3(output, {1, 2, 4});
    const apool::strided_view<std::int64_t, 3> indices_3(indices, {1, 2, 4});
    apool::adaptive_avg_pool2d(input_3, output_3);
    apool::adaptive_max_pool2d(input_3, output_3, indices_3);
    apool::adaptive_max_pool2d_backward(output_3, indices_3, apool::strided_view<float, 3>(input, {1, 8, 8}));
    // The overloads with an update and an executor, which the catch-alls must leave to the precise overloads.
    const auto inline_executor = [](std::ptrdiff_t count, auto&& task) {
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    };
    apool::adaptive_max_pool<2>(input_3, output_3, indices_3, inline_executor);
    apool::adaptive_avg_pool2d_backward(output_3, apool::strided_view<float, 3>(input, {1, 8, 8}), inline_executor);
    apool::adaptive_max_pool_backward<2>(output_3, indices_3, apool::strided_view<float, 3>(input, {1, 8, 8}),
                                         apool::gradient_update::accumulate, inline_executor);

#if defined(APOOL_MISUSE_RANK_MISMATCH)
    // The input has rank 3, the output rank 2: views carry their rank in the type.
    apool::adaptive_avg_pool2d(input_3, apool::strided_view<float, 2>(output, {2, 4}));
#elif defined(APOOL_MISUSE_RANK_MISMATCH_BACKWARD)
    apool::adaptive_avg_pool2d_backward(output_3, apool::strided_view<float, 2>(input, {8, 8}));
#elif defined(APOOL_MISUSE_RANK_MISMATCH_INDICES)
    apool::adaptive_max_pool2d(input_3, output_3, apool::strided_view<std::int64_t, 2>(indices, {2, 4}));
#elif defined(APOOL_MISUSE_RANK_MISMATCH_GENERIC)
    // A rank-4 input with a rank-3 output, through the rank-generic form.
    apool::adaptive_max_pool<2>(apool::strided_view<const float, 4>(input, {1, 1, 8, 8}), output_3);
#elif defined(APOOL_MISUSE_RANK_MISMATCH_BACKWARD_INDICES)
    apool::adaptive_max_pool2d_backward(output_3, apool::strided_view<std::int64_t, 2>(indices, {2, 4}),
                                        apool::strided_view<float, 3>(input, {1, 8, 8}));
#elif defined(APOOL_MISUSE_RANK_BELOW_SPATIAL)
    // Three spatial dims need views of rank 3 or more.
    apool::adaptive_avg_pool3d(apool::strided_view<const float, 2>(input, {8, 8}), apool::strided_view<float, 2>(output, {2, 4}));
#elif defined(APOOL_MISUSE_ELEMENT_TYPES_DIFFER)
    // A narrower output than the input: no such pair.
    apool::bfloat16 output_bfloat16[8] = {};
    apool::adaptive_avg_pool2d(input_3, apool::strided_view<apool::bfloat16, 3>(output_bfloat16, {1, 2, 4}));
#elif defined(APOOL_MISUSE_ELEMENT_TYPES_DIFFER_BACKWARD)
    double input_double[64] = {};
    apool::adaptive_avg_pool2d_backward(output_3, apool::strided_view<double, 3>(input_double, {1, 8, 8}));
#elif defined(APOOL_MISUSE_OUTPUT_CONST)
    // Input and output swapped: the output is the view of const.
    apool::adaptive_avg_pool2d(output_3, input_3);
#elif defined(APOOL_MISUSE_INTEGER_ELEMENTS)
    int input_int[64] = {};
    int output_int[8] = {};
    apool::adaptive_avg_pool2d(apool::strided_view<const int, 3>(input_int, {1, 8, 8}), apool::strided_view<int, 3>(output_int, {1, 2, 4}));
#elif defined(APOOL_MISUSE_INTEGER_GRADIENTS)
    std::uint8_t grad_input_bytes[64] = {};
    const std::uint8_t grad_output_bytes[8] = {};
    apool::adaptive_avg_pool2d_backward(apool::strided_view<const std::uint8_t, 3>(grad_output_bytes, {1, 2, 4}),
                                        apool::strided_view<std::uint8_t, 3>(grad_input_bytes, {1, 8, 8}));
#elif defined(APOOL_MISUSE_SHORT_INDICES)
    std::int16_t short_indices[8] = {};
    apool::adaptive_max_pool2d(input_3, output_3, apool::strided_view<std::int16_t, 3>(short_indices, {1, 2, 4}));
#elif defined(APOOL_MISUSE_VECTOR_ARGUMENT)
    std::vector<float> input_vector(64);
    apool::adaptive_avg_pool2d(input_vector, output_3);
#elif defined(APOOL_MISUSE_POINTER_ARGUMENTS)
    apool::adaptive_max_pool2d(input, output);
#elif defined(APOOL_MISUSE_VECTOR_ARGUMENT_BACKWARD)
    std::vector<float> grad_input(64);
    apool::adaptive_avg_pool2d_backward(output_3, grad_input);
#elif defined(APOOL_MISUSE_MISSING_OUTPUT)
    apool::adaptive_avg_pool2d(input_3);
#elif defined(APOOL_MISUSE_MISSING_INDICES_BACKWARD)
    apool::adaptive_max_pool2d_backward(output_3, apool::strided_view<float, 3>(input, {1, 8, 8}));
#elif defined(APOOL_MISUSE_INDICES_TO_AVERAGE)
    apool::adaptive_avg_pool2d(input_3, output_3, indices_3);
#elif defined(APOOL_MISUSE_UPDATE_AFTER_EXECUTOR)
    apool::adaptive_avg_pool2d_backward(output_3, apool::strided_view<float, 3>(input, {1, 8, 8}), inline_executor,
                                        apool::gradient_update::accumulate);
#elif defined(APOOL_MISUSE_NOT_AN_EXECUTOR)
    apool::adaptive_max_pool2d(input_3, output_3, apool::gradient_update::accumulate);
#elif defined(APOOL_MISUSE_MDSPAN_LAYOUT)
    apool::from_mdspan(apool_test_mdspan::mdspan<float, apool_test_mdspan::extents<int, 8, 8>, layout_unknown>(input));
#endif
}
