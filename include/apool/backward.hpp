// apool: gradients of adaptive average and max pooling over 1, 2 and 3 spatial dims.
//
// grad_input has the pooling input's extents, grad_output (and indices) the
// pooling output's. Views, layouts, element and index types and the rule for
// leading dims are those of the forward functions.
//
// Every grad_input element receives its contributions in row-major order of
// the outputs, so the result has the same bits for every layout. With
// gradient_update::overwrite (the default) grad_input is zeroed first; the avg
// gradient then equals PyTorch's contiguous kernel bit for bit. With
// gradient_update::accumulate the contributions are added onto grad_input's
// current values one by one, with no temporary: where an input element gets
// more than one contribution (overlapping windows, or several maxima at one
// position) the sum may round differently from PyTorch's `grad += new_grad`,
// which adds the finished gradient once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "detail/backward_kernels.hpp"
#include "detail/backward_tiles.hpp"
#include "detail/forward_dispatch.hpp"
#include "detail/validate.hpp"
#include "strided_view.hpp"

namespace apool {

/// What a backward call does with grad_input's current contents.
enum class gradient_update {
    overwrite,   ///< grad_input = gradient
    accumulate,  ///< grad_input += gradient (training-loop accumulation)
};

namespace detail {

template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank, std::size_t IndexRank = Rank>
constexpr void check_backward_types() noexcept {
    static_assert(GradOutputRank == Rank && IndexRank == Rank,
                  "apool pooling backward: grad_output, indices and grad_input views must have the same rank (that of the "
                  "forward input)");
    static_assert(std::is_same<std::remove_const_t<GradOutput>, T>::value,
                  "apool pooling backward: grad_output and grad_input must have the same element type (grad_output may be const)");
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "apool pooling backward: the element type must be float or double");
    static_assert(Rank >= Spatial,
                  "apool pooling backward: the views need at least as many dims as the pooling has spatial dims "
                  "(for example adaptive_avg_pool2d_backward needs Rank >= 2)");
}

/// Checks a backward call. Returns false (after reporting) when an argument is bad.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
bool check_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<T, Rank>& grad_input,
                    const strided_view<const I, Rank>* indices) {
    argument_checker check(function);
    const auto grad_output_measure = check.view("grad_output", grad_output, Spatial, false, false);
    const auto grad_input_measure = check.view("grad_input", grad_input, Spatial, true, true);
    check.same_leading_extents("grad_input", grad_input, "grad_output", grad_output, Spatial);
    check.window_rule_fits(grad_input, grad_output, Spatial);
    check.disjoint("grad_input", bytes_of(grad_input, grad_input_measure), "grad_output", bytes_of(grad_output, grad_output_measure));
    if (indices != nullptr) {
        const auto indices_measure = check.view("indices", *indices, Spatial, false, false);
        check.same_extents("grad_output", grad_output, "indices", *indices);
        check.disjoint("grad_input", bytes_of(grad_input, grad_input_measure), "indices", bytes_of(*indices, indices_measure));
        if (!check.failed()) {
            // Extents are non-negative now; a plane too large to count can only
            // belong to an empty grad_input, whose indices are empty too.
            std::ptrdiff_t plane = 1;
            for (std::size_t d = Rank - Spatial; d < Rank; ++d) {
                if (multiply_overflows(plane, grad_input.extent(d), plane)) plane = max_ptrdiff;
            }
            check.indices_in_plane(*indices, plane);
        }
    }
    return !check.failed();
}

/// Whether grad_output's and the indices' spatial strides are the row-major
/// strides of the output extents (each plane one contiguous block).
template <std::size_t Spatial>
bool outputs_are_row_major(const spatial_layout<Spatial>& layout) noexcept {
    std::ptrdiff_t flat = 1;
    for (std::size_t d = Spatial; d-- > 0;) {
        if (layout.out_extent[d] > 1 && (layout.out_stride[d] != flat || layout.index_stride[d] != flat)) return false;
        flat *= layout.out_extent[d];
    }
    return true;
}

template <std::size_t Spatial, class T, std::size_t Rank>
void avg_pool_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<T, Rank>& grad_input,
                       gradient_update update) {
    if (!check_backward<Spatial, T, std::int64_t>(function, grad_output, grad_input,
                                                   static_cast<const strided_view<const std::int64_t, Rank>*>(nullptr))) return;
    const bool accumulate = update == gradient_update::accumulate;
    if (grad_output.size() == 0) {
        // No window covers anything: the gradient is zero.
        if (!accumulate) zero_view(grad_input);
        return;
    }
    const auto problem = describe_problem<Spatial>(grad_input, grad_output, grad_output.strides());
    constexpr std::size_t leading = Rank - Spatial;
    const auto& spatial = problem.spatial;
    const std::size_t channel_dim = problem.contiguous_leading_dim();
    T* const gradient = grad_input.data();
    const T* const grads = grad_output.data();
    if (problem.rows_suit(simd::lanes<T>)) {
        const bool plane_is_one_span = problem.plane_is_one_span();
        const std::ptrdiff_t out_plane_size = problem.out_plane_size();
        const std::ptrdiff_t layers = plane_is_one_span ? 1 : share_layers(spatial);
        if (!plane_is_one_span && channel_dim == leading && problem.plane_is_dense() &&
            backward_tiles_suit<T>(spatial.plane_size(), out_plane_size, problem.plane_count(), spatial.in_extent[Spatial - 1])) {
            constexpr std::ptrdiff_t width = simd::lanes<T>;
            const bool dense_outputs = outputs_are_row_major(spatial) && out_plane_size >= width;
            plane_offsets group[width];
            std::ptrdiff_t grouped = 0;
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                group[grouped++] = at;
                if (grouped == width) {
                    average_backward_tiled_planes(grads, gradient, spatial, group, grouped, dense_outputs, accumulate);
                    grouped = 0;
                }
            });
            if (grouped > 0) average_backward_tiled_planes(grads, gradient, spatial, group, grouped, dense_outputs, accumulate);
        } else if (plane_is_one_span) {
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                average_backward_one_span_plane(grads + at.out, gradient + at.in, spatial, accumulate);
            });
        } else if (share_rows_suit<T>(layers)) {
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                average_backward_share_rows_plane(grads + at.out, gradient + at.in, spatial, layers, 1, 0, accumulate);
            });
        } else {
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                average_backward_generic_plane(grads + at.out, gradient + at.in, spatial, accumulate);
            });
        }
    } else if (const std::ptrdiff_t channels = problem.interleaved_channels(simd::lanes<T>),
               layers = channels > 0 ? share_layers(spatial) : 0;
               channels > 0 && share_rows_suit<T>(layers)) {
        // Rows of W * C contiguous values (an HWC image): share rows that hold
        // every channel's shares, received with whole vectors.
        for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
            average_backward_share_rows_plane(grads + at.out, gradient + at.in, spatial, layers, channels,
                                              problem.planes.out_stride[channel_dim], accumulate);
        });
    } else if (channel_dim < leading) {
        const std::ptrdiff_t channels = problem.planes.extent[channel_dim];
        const std::ptrdiff_t grad_output_channel_stride = problem.planes.out_stride[channel_dim];
        for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
            average_backward_channels_last_plane(grads + at.out, gradient + at.in, spatial, channels, grad_output_channel_stride,
                                                 accumulate);
        });
    } else {
        for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
            average_backward_generic_plane(grads + at.out, gradient + at.in, spatial, accumulate);
        });
    }
}

template <std::size_t Spatial, class T, class I, std::size_t Rank>
void max_pool_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<const I, Rank>& indices,
                       const strided_view<T, Rank>& grad_input, gradient_update update) {
    if (!check_backward<Spatial, T, I>(function, grad_output, grad_input, &indices)) return;
    const bool accumulate = update == gradient_update::accumulate;
    if (grad_output.size() == 0) {
        if (!accumulate) zero_view(grad_input);
        return;
    }
    const auto problem = describe_problem<Spatial>(grad_input, grad_output, indices.strides());
    constexpr std::size_t leading = Rank - Spatial;
    const auto& spatial = problem.spatial;
    // A plane whose strides are its row-major strides times one factor.
    std::ptrdiff_t dense_scale = spatial.in_stride[Spatial - 1];
    for (std::size_t d = 0; d < Spatial; ++d) {
        if (spatial.in_extent[d] > 1 && spatial.in_stride[d] != spatial.flat_stride[d] * dense_scale) dense_scale = 0;
    }
    // Channels-last grad_input: all channels of one output position in a row.
    const std::size_t channel_dim = problem.contiguous_leading_dim();
    if (channel_dim == leading && dense_scale == 1 && outputs_are_row_major(spatial)) {
        const std::ptrdiff_t plane_size = spatial.plane_size();
        const std::ptrdiff_t outputs = grad_output.size() / problem.plane_count();
        maximum_backward_dense_planes(grad_output.data(), indices.data(), grad_input.data(), plane_size, outputs, !accumulate,
                                      [&](auto&& visit) { for_each_plane(problem.planes, leading, visit); });
        return;
    }
    const bool by_channel = channel_dim < leading;
    const std::ptrdiff_t channels = by_channel ? problem.planes.extent[channel_dim] : 1;
    const std::ptrdiff_t grad_output_channel_stride = by_channel ? problem.planes.out_stride[channel_dim] : 0;
    const std::ptrdiff_t index_channel_stride = by_channel ? problem.planes.index_stride[channel_dim] : 0;
    // Large planes are zeroed just before their scatter, while they stay in
    // cache; below that size the per-plane call costs more than it saves.
    constexpr std::ptrdiff_t zero_each_plane_from = 4096;
    const bool zero_each_plane = !accumulate && spatial.plane_size() * channels >= zero_each_plane_from;
    if (!accumulate && !zero_each_plane) zero_view(grad_input);
    for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
        maximum_backward_planes(grad_output.data() + at.out, indices.data() + at.index, grad_input.data() + at.in, spatial,
                                dense_scale, channels, grad_output_channel_stride, index_channel_stride, zero_each_plane);
    });
}

}  // namespace detail

/// Gradient of adaptive average pooling over the last `Spatial` dims
/// (rank-generic form of adaptive_avg_pool{1,2,3}d_backward).
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank>
void adaptive_avg_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank>();
    detail::avg_pool_backward<Spatial, T>("adaptive_avg_pool_backward", strided_view<const T, Rank>(grad_output), grad_input, update);
}

/// Gradient of adaptive max pooling over the last `Spatial` dims, from the
/// indices the forward pass returned.
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank>
void adaptive_max_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank, IndexRank>();
    using I = std::remove_const_t<Index>;
    detail::check_index_type<I>();
    detail::max_pool_backward<Spatial, T, I>("adaptive_max_pool_backward", strided_view<const T, Rank>(grad_output),
                                             strided_view<const I, Rank>(indices), grad_input, update);
}

/// Gradient of adaptive_avg_pool1d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank>
void adaptive_avg_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<1, GradOutput, GradOutputRank, T, Rank>();
    detail::avg_pool_backward<1, T>("adaptive_avg_pool1d_backward", strided_view<const T, Rank>(grad_output), grad_input, update);
}

/// Gradient of adaptive_avg_pool2d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank>
void adaptive_avg_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<2, GradOutput, GradOutputRank, T, Rank>();
    detail::avg_pool_backward<2, T>("adaptive_avg_pool2d_backward", strided_view<const T, Rank>(grad_output), grad_input, update);
}

/// Gradient of adaptive_avg_pool3d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank>
void adaptive_avg_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<3, GradOutput, GradOutputRank, T, Rank>();
    detail::avg_pool_backward<3, T>("adaptive_avg_pool3d_backward", strided_view<const T, Rank>(grad_output), grad_input, update);
}

/// Gradient of adaptive_max_pool1d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank>
void adaptive_max_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<1, GradOutput, GradOutputRank, T, Rank, IndexRank>();
    using I = std::remove_const_t<Index>;
    detail::check_index_type<I>();
    detail::max_pool_backward<1, T, I>("adaptive_max_pool1d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update);
}

/// Gradient of adaptive_max_pool2d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank>
void adaptive_max_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<2, GradOutput, GradOutputRank, T, Rank, IndexRank>();
    using I = std::remove_const_t<Index>;
    detail::check_index_type<I>();
    detail::max_pool_backward<2, T, I>("adaptive_max_pool2d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update);
}

/// Gradient of adaptive_max_pool3d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank>
void adaptive_max_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite) {
    detail::check_backward_types<3, GradOutput, GradOutputRank, T, Rank, IndexRank>();
    using I = std::remove_const_t<Index>;
    detail::check_index_type<I>();
    detail::max_pool_backward<3, T, I>("adaptive_max_pool3d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update);
}

}  // namespace apool
