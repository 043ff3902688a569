#!/usr/bin/env python3
"""Turns apool_bench's JSON into markdown tables and a plot, and checks the
targets of issues #4 and #22.

Reproduce (from the repository root; bench/README.md explains the choices):

    cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DAPOOL_BENCH_TORCH=ON \\
        -DAPOOL_BUILD_TESTS=OFF -DAPOOL_BUILD_EXAMPLES=OFF
    cmake --build build-bench --target apool_bench
    build-bench/bench/apool_bench --benchmark_min_time=0.1 --benchmark_repetitions=5 \\
        --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \\
        --benchmark_out=bench/results/benchmarks.json --benchmark_out_format=json
    /usr/bin/python3 bench/report.py bench/results/benchmarks.json --out bench/results

(bench/run_benchmarks.sh runs all four.) Writes results.md and results.png
into --out. Needs matplotlib for the plot; without it only the table is made.
"""
import argparse
import json
import math
import os
import sys

SUITE_ORDER = ["resnet_head_gap", "pspnet_ppm_6", "pspnet_ppm_3", "vgg_14_to_7", "vgg_13_to_7", "image_to_224",
               "spp_13_to_4", "spp_13_to_1", "max_56_to_7", "seq_1d", "seq_1d_max", "video_3d", "video_3d_max",
               "vgg_14_to_7_max", "image_by_2", "image_by_5"]
AVERAGE_CASES = {"resnet_head_gap", "pspnet_ppm_6", "pspnet_ppm_3", "vgg_14_to_7", "vgg_13_to_7", "image_to_224",
                 "seq_1d", "video_3d", "image_by_2", "image_by_5"}
GLOBAL_CASES = {"resnet_head_gap", "spp_13_to_1"}  # every output extent is 1

# Issue #4's targets (single thread, float32).
AVG_FLOOR_LIMIT = 1.5
MAX_FLOOR_LIMIT = 2.0
FLOOR_GEOMEAN_LIMIT = 1.3
CONTIGUOUS_SPEEDUP = 5.0
BACKWARD_GEOMEAN_SPEEDUP = 2.0

# Issue #22: the peers (counter prefix, display name) and the lead apool must
# keep over each of them, PyTorch included, on every case they share.
PEERS = [("onednn", "oneDNN"), ("opencv", "OpenCV")]
PEER_LEAD = 1.1


def load_rows(path):
    """One row per case/layout/pass: the median over repetitions where the run
    has them, else the single run."""
    with open(path) as f:
        data = json.load(f)
    runs = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            name = b["run_name"] if "run_name" in b else b["name"]
            runs[name] = dict(b, _error=b.get("error_message", "error"))
            continue
        is_median = b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"
        is_single = b.get("run_type") == "iteration" and b.get("repetitions", 1) == 1
        if is_median or (is_single and b["run_name"] not in runs):
            runs[b["run_name"]] = b
    rows = []
    for run_name, b in sorted(runs.items(), key=lambda item: suite_position(item[0])):
        case, layout, direction = run_name.split("/")[:3]
        unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ms")]
        row = {"case": case, "layout": layout, "pass": direction, "error": b.get("_error")}
        if not row["error"]:
            row.update(apool_ms=b["real_time"] * unit, floor_ms=b["floor_ms"], vs_floor=b["vs_floor"],
                       vs_read_write=b.get("vs_read_write"), torch_ms=b.get("torch_ms"), speedup=b.get("torch_speedup"),
                       label=b.get("label", ""), values_only_ms=b.get("values_only_ms"))
            # Each way of reading the input once (forward), by name.
            row["floors"] = {key[len("floor_"):-len("_ms")]: value for key, value in b.items()
                             if key.startswith("floor_") and key.endswith("_ms") and key != "floor_ms"}
            for peer, _ in PEERS:
                if b.get(f"{peer}_ms") is not None:
                    row[peer] = {"ms": b[f"{peer}_ms"], "speedup": b[f"{peer}_speedup"],
                                 "agrees": b.get(f"{peer}_agrees", 1) >= 1, "max_abs_diff": b.get(f"{peer}_max_abs_diff")}
        rows.append(row)
    return data["context"], rows


def use_anchors(context, rows, path):
    """PyTorch's one-thread times from a pytorch_bench.py JSONL file, beside a
    run that has none. They come from another process (and for backward,
    through autograd from Python, which also allocates grad_input), so they
    are a rougher yardstick than a run built with PyTorch."""
    anchors = {}
    version = "?"
    with open(path) as f:
        for line in f:
            a = json.loads(line)
            if a.get("threads") != 1:
                continue
            layout = "contiguous" if a["format"] == "contiguous" else "channels_last"
            anchors[(a["case"], layout, "forward")] = a["fwd_ms"]
            if "bwd_ms" in a:
                anchors[(a["case"], layout, "backward")] = a["bwd_ms"]
            version = a.get("torch", version)
    context["torch_version"] = f"{version} (times from {os.path.basename(path)}, not from this run)"
    for r in rows:
        if r["error"] or r.get("torch_ms") is not None:
            continue
        torch_ms = anchors.get((r["case"], r["layout"], r["pass"]))
        if torch_ms is not None:
            r["torch_ms"] = torch_ms
            r["speedup"] = torch_ms / r["apool_ms"]


def suite_position(run_name):
    """Issue #4's table order, then contiguous before channels-last, forward before backward."""
    case, layout, direction = run_name.split("/")[:3]
    return (SUITE_ORDER.index(case) if case in SUITE_ORDER else len(SUITE_ORDER), case, layout != "contiguous",
            direction != "forward")


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def below_floor(row):
    """The contenders of a row that ran faster than its floor (which a floor
    should make impossible: a flag on the floor or on the contender)."""
    names = []
    if row["apool_ms"] < row["floor_ms"]:
        names.append("apool")
    if row.get("values_only_ms") is not None and row["values_only_ms"] < row["floor_ms"]:
        names.append("apool values-only")
    if row.get("torch_ms") is not None and row["torch_ms"] < row["floor_ms"]:
        names.append("PyTorch")
    for peer, display in PEERS:
        if row.get(peer) and row[peer]["ms"] < row["floor_ms"]:
            names.append(display)
    return names


def peer_shortfalls(row):
    """The peers (PyTorch included) this row is not PEER_LEAD times faster than."""
    short = []
    if row.get("speedup") is not None and row["speedup"] < PEER_LEAD:
        short.append("PyTorch")
    for peer, display in PEERS:
        if row.get(peer) and row[peer]["speedup"] < PEER_LEAD:
            short.append(display)
    return short


def row_failures(row):
    """The per-row targets this row misses (forward: floor limits, and 5x over
    PyTorch on contiguous non-global cases; both passes: not slower than PyTorch;
    issue #22: PEER_LEAD over every peer, no run below the floor, and every peer's
    output equal to apool's)."""
    misses = []
    if row["error"]:
        return ["run failed"]
    for display in peer_shortfalls(row):
        misses.append(f"< {PEER_LEAD:g}x {display}")
    for display in below_floor(row):
        misses.append(f"{display} below the floor")
    for peer, display in PEERS:
        if row.get(peer) and not row[peer]["agrees"]:
            misses.append(f"{display} output differs (max |diff| {row[peer]['max_abs_diff']:.3g})")
    if row["pass"] == "forward":
        limit = AVG_FLOOR_LIMIT if row["case"] in AVERAGE_CASES else MAX_FLOOR_LIMIT
        if row["vs_floor"] > limit:
            misses.append(f"> {limit}x floor")
    if row["speedup"] is not None:
        if row["speedup"] < 1.0:
            misses.append("slower than PyTorch")
        elif (row["pass"] == "forward" and row["layout"] == "contiguous" and row["case"] not in GLOBAL_CASES
              and row["speedup"] < CONTIGUOUS_SPEEDUP):
            misses.append(f"< {CONTIGUOUS_SPEEDUP:g}x PyTorch")
    return misses


def machine_lines(context):
    lines = [
        f"- CPU: {context.get('cpu_model', 'unknown')}, {context.get('num_cpus', '?')} logical CPUs visible, "
        f"L2 {cache_size(context, 2)}, L3 {cache_size(context, 3)}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in context.get('load_avg', []))}",
        f"- Compiler: {context.get('compiler', '?')}; flags: {context.get('build_flags', '?')}",
        f"- SIMD: xsimd {context.get('xsimd_version', '?')}, {context.get('simd_arch', '?')}",
        f"- PyTorch (CPU kernels, 1 thread): {context.get('torch_version', 'not built')}",
        f"- oneDNN: {context.get('onednn_version', 'not built')}; OpenCV: {context.get('opencv_version', 'not built')}",
        f"- apool {context.get('apool_version', '?')} at commit {context.get('commit', '?')}; "
        f"run {context.get('date', '?')} on {context.get('host_name', '?')}",
    ]
    return lines


def cache_size(context, level):
    for cache in context.get("caches", []):
        if cache.get("level") == level and cache.get("type") in ("Unified", "Data"):
            size = cache["size"]
            return f"{size // (1 << 20)} MiB" if size >= 1 << 20 else f"{size // 1024} KiB"
    return "?"


def fmt(value, digits=3):
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def markdown(context, rows, plot_name):
    has_torch = any(r.get("torch_ms") is not None for r in rows)
    has_read_write = any(r.get("vs_read_write") is not None for r in rows)
    out = ["## Benchmark results", "", *machine_lines(context), *(f"- {note}" for note in context.get("notes", [])), ""]
    out += ["Times are medians over repetitions; each ratio is the median of per-repetition ratios taken "
            "from the same iterations (apool, the floors, PyTorch and the peers interleaved). Floor: forward, the "
            "fastest of several ways of reading the input once (the floors table below); backward, the faster of "
            "two ways of writing grad_input once (vector stores, memset). "
            + ("Read-and-write floor: every buffer the call reads read once, then every buffer it writes written "
               "once (forward: input, then output and indices; backward: grad_output and indices, then grad_input). "
               if has_read_write else "") +
            "PyTorch backward is the kernel autograd calls, which returns a new grad_input.", ""]
    header = "| case | layout | pass | apool ms | floor ms | apool / floor |"
    rule = "|---|---|---|---:|---:|---:|"
    if has_read_write:
        header += " apool / read-and-write floor |"
        rule += "---:|"
    if has_torch:
        header += " PyTorch ms | PyTorch / apool |"
        rule += "---:|---:|"
    out += [header + " targets |", rule + "---|"]
    for r in rows:
        if r["error"]:
            out.append(f"| {r['case']} | {r['layout']} | {r['pass']} | {r['error']} |")
            continue
        misses = row_failures(r)
        line = (f"| {r['case']} | {r['layout']} | {r['pass']} | {fmt(r['apool_ms'])} | {fmt(r['floor_ms'])} | "
                f"{r['vs_floor']:.2f} |")
        if has_read_write:
            line += " - |" if r["vs_read_write"] is None else f" {r['vs_read_write']:.2f} |"
        if has_torch:
            line += f" {fmt(r['torch_ms'])} | {fmt(r['speedup'])} |"
        line += " met |" if not misses else f" **missed**: {'; '.join(misses)} |"
        out.append(line)
    out += ["", "### Peers", ""]
    out += peers_table(rows)
    out += ["", "### Floors", ""]
    out += floors_table(rows)
    out += ["", "### Targets of issue #22", ""]
    out += peer_summary(rows, has_torch)
    out += ["", "### Targets of issue #4", ""]
    out += summary(rows, has_torch)
    out += ["", f"![apool and PyTorch against the floor]({plot_name})", ""]
    return "\n".join(out)


def peers_table(rows):
    """Forward runs that at least one peer computes: each peer's time over
    apool's (above 1: apool is faster), the kernel oneDNN picked, and flags."""
    shared = [r for r in rows if not r["error"] and r["pass"] == "forward" and any(r.get(p) for p, _ in PEERS)]
    if not shared:
        return ["No peer was built into this run (oneDNN and OpenCV are found by CMake when installed)."]
    lines = ["Peer time / apool time on the forward runs a peer computes (above 1: apool is faster; "
             f"goal: at least {PEER_LEAD:g} for every peer). oneDNN computes every case whose In % Out == 0 in every "
             "spatial dim (kernel = stride = In / Out); OpenCV's INTER_AREA resize computes the HWC images "
             "(batch 1, channels innermost) at integer scales. The peers write a max's values only, so for max "
             "their ratio is to apool's values-only call (apool values ms); PyTorch returns indices, and its ratio "
             "is to apool's call with int64 indices (apool ms).", "",
             "| case | layout | apool ms | apool values ms | oneDNN / apool | OpenCV / apool | PyTorch / apool "
             "| oneDNN kernel | flags |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in shared:
        cells = []
        for peer, _ in PEERS + [("torch", "PyTorch")]:
            value = r["speedup"] if peer == "torch" else (r[peer]["speedup"] if r.get(peer) else None)
            text = "-" if value is None else f"{value:.2f}"
            cells.append(f"**{text}**" if value is not None and value < PEER_LEAD else text)
        kernel = next((part.split(": ", 1)[1] for part in r.get("label", "").split("; ") if part.startswith("onednn: ")), "-")
        flags = [f"{d} below the floor" for d in below_floor(r)]
        flags += [f"{d} output differs" for p, d in PEERS if r.get(p) and not r[p]["agrees"]]
        lines.append(f"| {r['case']} | {r['layout']} | {fmt(r['apool_ms'])} | {fmt(r.get('values_only_ms'))} | "
                     f"{' | '.join(cells)} | {kernel} | "
                     f"{'; '.join(flags) or '-'} |")
    return lines


def floors_table(rows):
    """Forward runs: each way of reading the input once, the fastest (the floor)
    and apool's time over it."""
    forward = [r for r in rows if not r["error"] and r["pass"] == "forward" and r.get("floors")]
    if not forward:
        return ["This run has no per-way floor counters."]
    ways = sorted({w for r in forward for w in r["floors"]}, key=lambda w: ["sum8", "prefetch", "prefetchnta",
                                                                            "torch_sum"].index(w)
                  if w in ("sum8", "prefetch", "prefetchnta", "torch_sum") else 9)
    lines = ["The read-once floor of a forward run is the fastest of these ways of reading its input once "
             "(ms): `sum8`, the bench's eight-accumulator vector sum; `prefetch` and `prefetchnta`, the same "
             "with prefetcht0 / prefetchnta 4 KiB ahead; `torch_sum`, `at::sum` (when PyTorch is built in).", "",
             "| case | layout | " + " | ".join(ways) + " | floor | fastest | apool / floor |",
             "|---|---|" + "---:|" * len(ways) + "---:|---|---:|"]
    for r in forward:
        fastest = min(r["floors"], key=r["floors"].get)
        lines.append(f"| {r['case']} | {r['layout']} | "
                     + " | ".join(fmt(r["floors"].get(w)) for w in ways)
                     + f" | {fmt(r['floor_ms'])} | {fastest} | {r['vs_floor']:.2f} |")
    return lines


def peer_summary(rows, has_torch):
    """One line per goal of issue #22."""
    ok = [r for r in rows if not r["error"]]
    forward = [r for r in ok if r["pass"] == "forward"]
    lines = []

    def verdict(held):
        return "**holds**" if held else "**does not hold**"

    def listing(misses, key):
        return ", ".join(f"{r['case']}/{r['layout']}/{r['pass']} {key(r):.2f}x" for r in misses) or "none"

    for peer, display in PEERS:
        shared = [r for r in forward if r.get(peer)]
        if not shared:
            lines.append(f"- At least {PEER_LEAD:g}x {display} on every shared case: not measured ({display} not built).")
            continue
        behind = [r for r in shared if r[peer]["speedup"] < PEER_LEAD]
        lines.append(f"- At least {PEER_LEAD:g}x {display} on every shared case: {verdict(not behind)} "
                     f"({len(behind)} of {len(shared)} short: {listing(behind, lambda r: r[peer]['speedup'])}; "
                     f"geometric mean {geomean([r[peer]['speedup'] for r in shared]):.2f}x).")
    if has_torch:
        timed = [r for r in ok if r["speedup"] is not None]
        behind = [r for r in timed if r["speedup"] < PEER_LEAD]
        lines.append(f"- At least {PEER_LEAD:g}x PyTorch on every case, forward and backward: {verdict(not behind)} "
                     f"({len(behind)} of {len(timed)} short: {listing(behind, lambda r: r['speedup'])}).")
    avg_miss = [r for r in forward if r["case"] in AVERAGE_CASES and r["vs_floor"] > AVG_FLOOR_LIMIT]
    max_miss = [r for r in forward if r["case"] not in AVERAGE_CASES and r["vs_floor"] > MAX_FLOOR_LIMIT]
    lines.append(f"- Every avg forward case within {AVG_FLOOR_LIMIT}x the read-once floor: {verdict(not avg_miss)} "
                 f"({len(avg_miss)} of {sum(r['case'] in AVERAGE_CASES for r in forward)} miss: "
                 f"{listing(avg_miss, lambda r: r['vs_floor'])}).")
    lines.append(f"- Every max forward case within {MAX_FLOOR_LIMIT}x the floor: {verdict(not max_miss)} "
                 f"({len(max_miss)} of {sum(r['case'] not in AVERAGE_CASES for r in forward)} miss: "
                 f"{listing(max_miss, lambda r: r['vs_floor'])}).")
    g = geomean([r["vs_floor"] for r in forward])
    lines.append(f"- Geometric mean of apool / floor over the forward suite at most {FLOOR_GEOMEAN_LIMIT}: "
                 f"{verdict(g <= FLOOR_GEOMEAN_LIMIT)} ({g:.2f}).")
    under = [(r, below_floor(r)) for r in ok]
    under = [(r, names) for r, names in under if names]
    lines.append(f"- No run below its floor: {verdict(not under)} ("
                 + (", ".join(f"{r['case']}/{r['layout']}/{r['pass']}: {', '.join(names)}" for r, names in under)
                    or "none") + ").")
    differ = [(r, d) for r in forward for p, d in PEERS if r.get(p) and not r[p]["agrees"]]
    lines.append(f"- Every peer's output equal to apool's: {verdict(not differ)} ("
                 + (", ".join(f"{r['case']}/{r['layout']} {d}" for r, d in differ) or "all agree") + ").")
    return lines


def summary(rows, has_torch):
    ok = [r for r in rows if not r["error"]]
    forward = [r for r in ok if r["pass"] == "forward"]
    backward = [r for r in ok if r["pass"] == "backward"]
    lines = []

    def verdict(held):
        return "**holds**" if held else "**does not hold**"

    avg_miss = [r for r in forward if r["case"] in AVERAGE_CASES and r["vs_floor"] > AVG_FLOOR_LIMIT]
    max_miss = [r for r in forward if r["case"] not in AVERAGE_CASES and r["vs_floor"] > MAX_FLOOR_LIMIT]
    lines.append(f"- Every avg forward case at most {AVG_FLOOR_LIMIT}x the read-once floor: {verdict(not avg_miss)} "
                 f"({len(avg_miss)} of {sum(r['case'] in AVERAGE_CASES for r in forward)} miss).")
    lines.append(f"- Every max forward case at most {MAX_FLOOR_LIMIT}x the floor: {verdict(not max_miss)} "
                 f"({len(max_miss)} of {sum(r['case'] not in AVERAGE_CASES for r in forward)} miss).")
    g = geomean([r["vs_floor"] for r in forward])
    read_write = [r["vs_read_write"] for r in forward if r.get("vs_read_write") is not None]
    lines.append(f"- Geometric mean of apool / floor over the forward suite at most {FLOOR_GEOMEAN_LIMIT}: "
                 f"{verdict(g <= FLOOR_GEOMEAN_LIMIT)} ({g:.2f}; backward, against the write-once floor: "
                 f"{geomean([r['vs_floor'] for r in backward]):.2f}"
                 + (f"; forward against the read-and-write floor: {geomean(read_write):.2f}" if read_write else "") + ").")
    if has_torch:
        slower = [r for r in ok if r["speedup"] is not None and r["speedup"] < 1.0]
        lines.append(f"- Not slower than PyTorch on any case, forward or backward: {verdict(not slower)} "
                     f"({len(slower)} of {sum(r['speedup'] is not None for r in ok)} slower: "
                     f"{', '.join(r['case'] + '/' + r['layout'] + '/' + r['pass'] for r in slower) or 'none'}).")
        contiguous = [r for r in forward if r["layout"] == "contiguous" and r["case"] not in GLOBAL_CASES
                      and r["speedup"] is not None]
        short = [r for r in contiguous if r["speedup"] < CONTIGUOUS_SPEEDUP]
        lines.append(f"- At least {CONTIGUOUS_SPEEDUP:g}x faster than PyTorch on every contiguous non-global forward "
                     f"case: {verdict(not short)} ({len(short)} of {len(contiguous)} short; range "
                     f"{min(r['speedup'] for r in contiguous):.2f}x to {max(r['speedup'] for r in contiguous):.2f}x).")
        # A kernel cannot beat the floor by much, so PyTorch / floor bounds the speed-up it can reach.
        bounded = [r for r in contiguous if r["torch_ms"] / r["floor_ms"] < CONTIGUOUS_SPEEDUP]
        if bounded:
            lines.append(f"  Out of reach on this machine even for a kernel at the read-once floor, since PyTorch "
                         f"itself takes less than {CONTIGUOUS_SPEEDUP:g}x the floor there: "
                         + ", ".join(f"{r['case']} (PyTorch {r['torch_ms'] / r['floor_ms']:.1f}x the floor)"
                                     for r in bounded) + ".")
        timed_backward = [r for r in backward if r["speedup"] is not None]
        gb = geomean([r["speedup"] for r in timed_backward])
        lines.append(f"- Backward geometric mean at least {BACKWARD_GEOMEAN_SPEEDUP:g}x faster than PyTorch: "
                     f"{verdict(gb >= BACKWARD_GEOMEAN_SPEEDUP)} ({gb:.2f}x over {len(timed_backward)} runs; forward: "
                     f"{geomean([r['speedup'] for r in forward]):.2f}x).")
    failed = [r for r in rows if r["error"]]
    if failed:
        lines.append(f"- {len(failed)} runs failed: "
                     f"{', '.join(r['case'] + '/' + r['layout'] + '/' + r['pass'] for r in failed)}.")
    return lines


def plot(rows, path, context):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if not r["error"]]
    passes = ["forward", "backward"]
    height = max(len([r for r in ok if r["pass"] == p]) for p in passes)
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.32 * height + 1.8), sharey=False)
    for ax, direction in zip(axes, passes):
        sel = [r for r in ok if r["pass"] == direction][::-1]
        labels = [f"{r['case']} {'NCHW' if r['layout'] == 'contiguous' else 'CL'}" for r in sel]
        y = range(len(sel))
        ax.barh([i + 0.2 for i in y], [r["vs_floor"] for r in sel], height=0.4, color="#1f77b4", label="apool")
        if any(r["torch_ms"] for r in sel):
            ax.barh([i - 0.2 for i in y], [r["torch_ms"] / r["floor_ms"] if r["torch_ms"] else 0 for r in sel],
                    height=0.4, color="#ff7f0e", label="PyTorch")
        ax.axvline(1.0, color="black", linewidth=0.8)
        if direction == "forward":
            ax.axvline(AVG_FLOOR_LIMIT, color="green", linestyle="--", linewidth=0.8, label="avg target 1.5x")
            ax.axvline(MAX_FLOOR_LIMIT, color="red", linestyle="--", linewidth=0.8, label="max target 2x")
        ax.set_xscale("log")
        ax.set_yticks(list(y))
        ax.set_yticklabels(labels, fontsize=8)
        floor = "read-once floor" if direction == "forward" else "write-once floor"
        ax.set_title(f"{direction}: time / {floor} (log scale, lower is better)", fontsize=10)
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, frameon=False)
    fig.suptitle(f"apool vs PyTorch {context.get('torch_version', '')} (1 thread, float32) on "
                 f"{context.get('cpu_model', '')}, {context.get('compiler', '')}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("json", help="apool_bench --benchmark_out JSON")
    parser.add_argument("--out", default="bench/results", help="directory for results.md and results.png")
    parser.add_argument("--note", action="append", default=[],
                        help="a line for the header (for example which commit was measured); may repeat")
    parser.add_argument("--torch-anchors", metavar="JSONL",
                        help="take PyTorch's times from pytorch_bench.py output (1 thread) made on the same CPU model, "
                             "for a run built without PyTorch")
    args = parser.parse_args()
    context, rows = load_rows(args.json)
    if args.torch_anchors:
        use_anchors(context, rows, args.torch_anchors)
    os.makedirs(args.out, exist_ok=True)
    plot_name = "results.png"
    try:
        plot(rows, os.path.join(args.out, plot_name), context)
    except ImportError:
        print("matplotlib not found: no plot (Debian: /usr/bin/python3 with python3-matplotlib)", file=sys.stderr)
    context["notes"] = args.note
    text = markdown(context, rows, plot_name)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
