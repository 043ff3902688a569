// apool benchmarks: the oneDNN side. Memory descriptors take the problem's
// extents and strides, so oneDNN sees the same layout (plain or channels-last)
// as apool and picks its kernel for that layout, as a user's code would.
#include "onednn_pooling.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <memory>
#include <vector>

#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP && APOOL_BENCH_ONEDNN_OPENMP
#include <omp.h>
#endif

namespace apool_bench {
namespace {

dnnl::engine& cpu_engine() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

std::int64_t product(const std::vector<std::int64_t>& extents) {
    std::int64_t count = 1;
    for (std::int64_t e : extents) count *= e;
    return count;
}

const char* runtime_name(unsigned runtime) {
    switch (runtime) {
        case DNNL_RUNTIME_SEQ: return "sequential";
        case DNNL_RUNTIME_OMP: return "OpenMP";
        case DNNL_RUNTIME_TBB: return "TBB";
        case DNNL_RUNTIME_THREADPOOL: return "threadpool";
        default: return "other";
    }
}

}  // namespace

void onednn_use_one_thread() {
    // Debian's libdnnl is built on OpenMP: its parallel regions take the
    // calling thread's omp nthreads ICV. OMP_NUM_THREADS would also do, but
    // only if set before libgomp loads, which the process cannot ensure.
    // Without OpenMP headers, OMP_NUM_THREADS=1 is the way (CMake says so).
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP && APOOL_BENCH_ONEDNN_OPENMP
    omp_set_num_threads(1);
#endif
}

std::string onednn_description() {
    const dnnl_version_t* v = dnnl_version();
    std::string text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + " (" +
                       runtime_name(v->cpu_runtime);
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP && APOOL_BENCH_ONEDNN_OPENMP
    text += ", " + std::to_string(omp_get_max_threads()) + " thread(s)";
#endif
    return text + ")";
}

peer_kernel onednn_forward(const problem& p) {
    const std::size_t rank = p.input_extents.size();
    dnnl::memory::dims kernel;
    for (std::size_t d = 2; d < rank; ++d) {
        const std::int64_t in = p.input_extents[d];
        const std::int64_t out = p.output_extents[d];
        if (out <= 0 || in % out != 0) return {};
        kernel.push_back(in / out);
    }
    const dnnl::memory::dims padding(kernel.size(), 0);
    using dt = dnnl::memory::data_type;
    const dnnl::memory::desc src_md(p.input_extents, dt::f32, p.input_strides);
    const dnnl::memory::desc dst_md(p.output_extents, dt::f32, p.output_strides);
    const auto algorithm = p.op == pooling::average ? dnnl::algorithm::pooling_avg_exclude_padding : dnnl::algorithm::pooling_max;
    const dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src_md, dst_md, kernel, kernel,
                                           padding, padding);
    const dnnl::pooling_forward::primitive_desc pd(desc, cpu_engine());

    struct state {
        dnnl::pooling_forward primitive;
        dnnl::memory src;
        dnnl::memory dst;
        dnnl::stream stream;
        std::vector<float> output;
    };
    auto s = std::make_shared<state>();
    s->output.resize(static_cast<std::size_t>(product(p.output_extents)));
    s->primitive = dnnl::pooling_forward(pd);
    s->src = dnnl::memory(src_md, cpu_engine(), const_cast<float*>(p.input));
    s->dst = dnnl::memory(dst_md, cpu_engine(), s->output.data());
    s->stream = dnnl::stream(cpu_engine());

    peer_kernel k;
    k.output = s->output.data();
    k.implementation = pd.impl_info_str();
    k.run = [s] {
        s->primitive.execute(s->stream, {{DNNL_ARG_SRC, s->src}, {DNNL_ARG_DST, s->dst}});
        s->stream.wait();
    };
    return k;
}

}  // namespace apool_bench
