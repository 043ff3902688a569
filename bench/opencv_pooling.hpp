// apool benchmarks: OpenCV's area resize on the benchmark's buffers (built
// only with APOOL_BENCH_OPENCV=ON and OpenCV found).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bench_peer.hpp"

namespace apool_bench {

/// cv::setNumThreads(0): OpenCV runs its loops on the calling thread.
void opencv_use_one_thread();

/// The OpenCV version, e.g. "4.6.0".
std::string opencv_version();

/// cv::resize(..., cv::INTER_AREA) for an interleaved image (batch 1, 1 to 4
/// channels innermost: HWC) at an integer scale in both dims, where the area
/// resize is the box average of adaptive average pooling. Empty otherwise.
peer_kernel opencv_forward(const problem& p);

/// cv::resize INTER_AREA of a dense HWC byte image into `output` (out_height x
/// out_width x channels), as a callable.
std::function<void()> opencv_area_bytes(const std::uint8_t* hwc, int height, int width, int channels, int out_height, int out_width,
                                        std::uint8_t* output);

}  // namespace apool_bench
