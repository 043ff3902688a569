// apool benchmarks: the OpenCV side. cv::Mat headers wrap the benchmark's input
// (rows by the problem's row stride) and the peer's own output buffer; resize
// writes into that buffer since it already has the target size and type.
#include "opencv_pooling.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/version.hpp>
#include <opencv2/imgproc.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace apool_bench {

void opencv_use_one_thread() { cv::setNumThreads(0); }

std::string opencv_version() { return CV_VERSION; }

peer_kernel opencv_forward(const problem& p) {
    if (p.op != pooling::average || p.spatial != 2 || p.input_extents[0] != 1) return {};
    const std::int64_t channels = p.input_extents[1];
    const std::int64_t height = p.input_extents[2];
    const std::int64_t width = p.input_extents[3];
    const std::int64_t out_height = p.output_extents[2];
    const std::int64_t out_width = p.output_extents[3];
    // Interleaved pixels (HWC) in and out: channels innermost and dense.
    const bool hwc = p.input_strides[1] == 1 && p.input_strides[3] == channels && p.input_strides[2] == width * channels &&
                     p.output_strides[1] == 1 && p.output_strides[3] == channels && p.output_strides[2] == out_width * channels;
    if (!hwc || channels < 1 || channels > 4) return {};
    if (height % out_height != 0 || width % out_width != 0) return {};

    const int type = CV_MAKETYPE(CV_32F, static_cast<int>(channels));
    struct state {
        std::vector<float> output;
        cv::Mat src;
        cv::Mat dst;
    };
    auto s = std::make_shared<state>();
    s->output.resize(static_cast<std::size_t>(out_height * out_width * channels));
    s->src = cv::Mat(static_cast<int>(height), static_cast<int>(width), type, const_cast<float*>(p.input));
    s->dst = cv::Mat(static_cast<int>(out_height), static_cast<int>(out_width), type, s->output.data());

    peer_kernel k;
    k.output = s->output.data();
    k.implementation = "cv::resize INTER_AREA";
    k.run = [s] { cv::resize(s->src, s->dst, s->dst.size(), 0, 0, cv::INTER_AREA); };
    return k;
}

std::function<void()> opencv_area_bytes(const std::uint8_t* hwc, int height, int width, int channels, int out_height, int out_width,
                                        std::uint8_t* output) {
    const int type = CV_MAKETYPE(CV_8U, channels);
    const cv::Mat src(height, width, type, const_cast<std::uint8_t*>(hwc));
    cv::Mat dst(out_height, out_width, type, output);
    return [src, dst]() mutable { cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_AREA); };
}

}  // namespace apool_bench
