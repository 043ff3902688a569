// A training step's pooling: forward, then the gradient with respect to the
// input from the gradient of the loss with respect to the output (what
// PyTorch's autograd computes as input.grad), checked against central finite
// differences of the loss. The loss is sum(grad_output * output), so its
// gradient with respect to the output is grad_output.
#include <apool/apool.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace {

constexpr std::ptrdiff_t n = 1, c = 2, h = 7, w = 5, out_h = 3, out_w = 3;  // overlapping windows in both dims

double loss(const std::vector<double>& x, const std::vector<double>& grad_output, bool use_max) {
    std::vector<double> y(grad_output.size());
    apool::strided_view<const double, 4> input(x.data(), {n, c, h, w});
    if (use_max) {
        apool::adaptive_max_pool2d(input, apool::pooled_view(y.data(), input, {out_h, out_w}));
    } else {
        apool::adaptive_avg_pool2d(input, apool::pooled_view(y.data(), input, {out_h, out_w}));
    }
    double sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) sum += grad_output[i] * y[i];
    return sum;
}

}  // namespace

int main() {
    std::mt19937 random(11);
    std::normal_distribution<double> normal;
    std::vector<double> x(static_cast<std::size_t>(n * c * h * w)), grad_output(static_cast<std::size_t>(n * c * out_h * out_w));
    for (double& v : x) v = normal(random);
    for (double& g : grad_output) g = normal(random);
    apool::strided_view<const double, 4> input(x.data(), {n, c, h, w});

    bool ok = true;
    for (bool use_max : {false, true}) {
        // Forward (the max keeps its indices for the backward pass), then backward.
        std::vector<double> y(grad_output.size()), grad_input(x.size());
        std::vector<std::int64_t> indices(y.size());
        const auto output = apool::pooled_view(y.data(), input, {out_h, out_w});
        const auto grad_output_view = apool::pooled_view(static_cast<const double*>(grad_output.data()), input, {out_h, out_w});
        const auto grad_input_view = apool::dense_view_like(grad_input.data(), input, input.extents());
        if (use_max) {
            const auto indices_view = apool::pooled_view(indices.data(), input, {out_h, out_w});
            apool::adaptive_max_pool2d(input, output, indices_view);
            apool::adaptive_max_pool2d_backward(grad_output_view, indices_view, grad_input_view);
        } else {
            apool::adaptive_avg_pool2d(input, output);
            apool::adaptive_avg_pool2d_backward(grad_output_view, grad_input_view);
        }

        // Central differences, one input element at a time.
        const double step = 1e-6;
        double worst = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            std::vector<double> up = x, down = x;
            up[i] += step;
            down[i] -= step;
            const double numeric = (loss(up, grad_output, use_max) - loss(down, grad_output, use_max)) / (2 * step);
            worst = std::max(worst, std::fabs(numeric - grad_input[i]));
        }
        std::printf("%s pooling %tdx%td -> %tdx%td: loss %.6f, largest |finite difference - gradient| %.1e over %zu inputs\n",
                    use_max ? "max" : "avg", h, w, out_h, out_w, loss(x, grad_output, use_max), worst, x.size());
        ok = ok && worst < 1e-6;
    }
    std::printf(ok ? "gradients agree with finite differences\n" : "MISMATCH against finite differences\n");
    return ok ? 0 : 1;
}
