// Average against max pooling on a photo: the image, as loaded (8-bit RGB,
// each pixel's channels side by side: HWC), is pooled to 30x45 and to 10x15
// by both, and the results are written next to the photo in one PNG.
//
// Usage: apool_example_image_pooling [photo.png] [output.png]
// (default: scikit-image's sample photo "chelsea", CC0 by Stefan van der Walt,
// and image_pooling.png in the current directory)
#include <apool/apool.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

namespace {

struct image {
    std::ptrdiff_t height = 0, width = 0, channels = 3;
    std::vector<float> pixels;  // HWC
};

// Pools an HWC image to out_h x out_w. The view says channels x height x
// width; HWC memory is only its strides, and pooled_view keeps that order.
image pool(const image& in, std::ptrdiff_t out_h, std::ptrdiff_t out_w, bool use_max) {
    const std::ptrdiff_t c = in.channels, h = in.height, w = in.width;
    apool::strided_view<const float, 3> input(in.pixels.data(), {c, h, w}, {1, w * c, c});
    image out{out_h, out_w, c, {}};
    out.pixels.resize(static_cast<std::size_t>(apool::element_count(apool::pooled_extents(input.extents(), {out_h, out_w}))));
    const auto output = apool::pooled_view(out.pixels.data(), input, {out_h, out_w});
    if (use_max) {
        apool::adaptive_max_pool2d(input, output);
    } else {
        apool::adaptive_avg_pool2d(input, output);
    }
    return out;
}

// Copies `in` into the canvas at (top, left), scaled to cell_h x cell_w by
// repeating pixels, so each pooled value shows as a block.
void paste(std::vector<std::uint8_t>& canvas, std::ptrdiff_t canvas_w, const image& in, std::ptrdiff_t top, std::ptrdiff_t left,
           std::ptrdiff_t cell_h, std::ptrdiff_t cell_w) {
    for (std::ptrdiff_t y = 0; y < cell_h; ++y) {
        for (std::ptrdiff_t x = 0; x < cell_w; ++x) {
            const std::ptrdiff_t sy = y * in.height / cell_h, sx = x * in.width / cell_w;
            for (std::ptrdiff_t ch = 0; ch < 3; ++ch) {
                const float value = in.pixels[static_cast<std::size_t>((sy * in.width + sx) * in.channels + ch)];
                canvas[static_cast<std::size_t>(((top + y) * canvas_w + left + x) * 3 + ch)] =
                    static_cast<std::uint8_t>(std::lround(std::min(255.0f, std::max(0.0f, value))));
            }
        }
    }
}

double mean_of(const image& im) {
    double sum = 0.0;
    for (float v : im.pixels) sum += v;
    return sum / static_cast<double>(im.pixels.size());
}

}  // namespace

int main(int argc, char** argv) {
#ifdef APOOL_EXAMPLE_PHOTO
    const char* photo = argc > 1 ? argv[1] : APOOL_EXAMPLE_PHOTO;
#else
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s photo.png [output.png] (no default photo: install python3-skimage)\n", argv[0]);
        return 2;
    }
    const char* photo = argv[1];
#endif
    const char* output_path = argc > 2 ? argv[2] : "image_pooling.png";

    int width = 0, height = 0, channels = 0;
    std::uint8_t* loaded = stbi_load(photo, &width, &height, &channels, 3);
    if (loaded == nullptr) {
        std::fprintf(stderr, "cannot read %s: %s\n", photo, stbi_failure_reason());
        return 1;
    }
    // apool pools float and double; the 8-bit pixels are converted on the way in and out.
    image in{height, width, 3, std::vector<float>(loaded, loaded + static_cast<std::ptrdiff_t>(width) * height * 3)};
    stbi_image_free(loaded);
    std::printf("%s: %d x %d pixels, RGB\n", photo, width, height);

    // Left: the photo. Right: a 2 x 2 grid, average (left) and max (right),
    // pooled to 30 x 45 (top) and 10 x 15 (bottom).
    const std::ptrdiff_t gap = 4, cell_h = (in.height - gap) / 2, cell_w = in.width / 2;
    const std::ptrdiff_t canvas_w = in.width + gap + cell_w + gap + cell_w;
    std::vector<std::uint8_t> canvas(static_cast<std::size_t>(canvas_w * in.height * 3), 255);
    paste(canvas, canvas_w, in, 0, 0, in.height, in.width);
    const std::ptrdiff_t sizes[2][2] = {{30, 45}, {10, 15}};
    bool ok = true;
    for (int row = 0; row < 2; ++row) {
        const std::ptrdiff_t out_h = sizes[row][0], out_w = sizes[row][1];
        const auto start = std::chrono::steady_clock::now();
        const image averaged = pool(in, out_h, out_w, false);
        const image maximum = pool(in, out_h, out_w, true);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        paste(canvas, canvas_w, averaged, row * (cell_h + gap), in.width + gap, cell_h, cell_w);
        paste(canvas, canvas_w, maximum, row * (cell_h + gap), in.width + gap + cell_w + gap, cell_h, cell_w);
        // The average keeps the image's brightness (exactly, where the windows
        // do not overlap); the max brightens it.
        std::printf("%td x %td: mean brightness %.1f (photo %.1f), max-pooled %.1f; both poolings %.2f ms\n", out_h, out_w,
                    mean_of(averaged), mean_of(in), mean_of(maximum), ms);
        ok = ok && mean_of(maximum) > mean_of(averaged) && std::fabs(mean_of(averaged) - mean_of(in)) < 2.0;
    }
    if (!stbi_write_png(output_path, static_cast<int>(canvas_w), height, 3, canvas.data(), static_cast<int>(canvas_w * 3))) {
        std::fprintf(stderr, "cannot write %s\n", output_path);
        return 1;
    }
    std::printf("wrote %s (%td x %d)\n", output_path, canvas_w, height);
    return ok ? 0 : 1;
}
