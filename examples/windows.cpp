// The adaptive pooling windows: output o of Out pools inputs
// [floor(o * In / Out), ceil((o + 1) * In / Out)). Prints them for a few
// sizes (windows overlap where Out does not divide In, and repeat inputs
// where Out > In), and draws 5 -> 3 and 7 -> 3 as an SVG picture.
//
// Usage: apool_example_windows [output.svg]   (default: windows.svg)
#include <apool/apool.hpp>

#include <cstdio>
#include <string>

namespace {

// One panel: the In input cells in a row, then one bar per output under the
// inputs its window covers.
std::string panel(std::ptrdiff_t in, std::ptrdiff_t out, int top) {
    const char* colors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1"};
    const int cell = 40, left = 110;
    std::string svg;
    char line[512];
    std::snprintf(line, sizeof line, "<text x=\"10\" y=\"%d\" font-size=\"16\" font-weight=\"bold\">%td -&gt; %td</text>\n", top + 26,
                  in, out);
    svg += line;
    std::snprintf(line, sizeof line, "<text x=\"10\" y=\"%d\" font-size=\"13\">input</text>\n", top + 26 + 22);
    svg += line;
    for (std::ptrdiff_t i = 0; i < in; ++i) {
        std::snprintf(line, sizeof line,
                      "<rect x=\"%td\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#eeeeee\" stroke=\"#555555\"/>"
                      "<text x=\"%td\" y=\"%d\" font-size=\"14\" text-anchor=\"middle\">%td</text>\n",
                      left + i * cell, top + 26, cell, cell, left + i * cell + cell / 2, top + 26 + 26, i);
        svg += line;
    }
    for (std::ptrdiff_t o = 0; o < out; ++o) {
        const apool::window win{apool::window_start(o, in, out), apool::window_end(o, in, out)};
        const int y = top + 26 + cell + 8 + static_cast<int>(o) * 30;
        std::snprintf(line, sizeof line,
                      "<text x=\"10\" y=\"%d\" font-size=\"13\">output %td</text>"
                      "<rect x=\"%td\" y=\"%d\" width=\"%td\" height=\"22\" rx=\"4\" fill=\"%s\" fill-opacity=\"0.8\"/>"
                      "<text x=\"%td\" y=\"%d\" font-size=\"13\" fill=\"white\">[%td, %td)</text>\n",
                      y + 16, o, left + win.start * cell + 2, y, win.size() * cell - 4, colors[o % 5], left + win.start * cell + 8,
                      y + 16, win.start, win.end);
        svg += line;
    }
    return svg;
}

}  // namespace

int main(int argc, char** argv) {
    const std::ptrdiff_t cases[][2] = {{5, 3}, {7, 3}, {6, 3}, {10, 4}, {3, 5}};
    for (const auto& sizes : cases) {
        std::printf("%2td -> %td:", sizes[0], sizes[1]);
        for (apool::window win : apool::adaptive_windows(sizes[0], sizes[1])) std::printf(" [%td, %td)", win.start, win.end);
        std::printf("\n");
    }

    const char* path = argc > 1 ? argv[1] : "windows.svg";
    std::FILE* file = std::fopen(path, "w");
    if (file == nullptr) {
        std::fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    const int height = 2 * (26 + 40 + 8 + 3 * 30 + 20);
    std::fprintf(file, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"410\" height=\"%d\" font-family=\"sans-serif\">\n", height);
    std::fprintf(file, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    std::fputs(panel(5, 3, 0).c_str(), file);
    std::fputs(panel(7, 3, height / 2).c_str(), file);
    std::fputs("</svg>\n", file);
    std::fclose(file);
    std::printf("wrote %s\n", path);
}
