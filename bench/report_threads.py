#!/usr/bin/env python3
"""The thread-count table from apool_bench_threads' JSON (bench/README.md, "Threads").

Writes a Markdown table: per case, layout and pass, apool's time at each thread
count, its speedup over one thread (from the same iterations), the read
floor's own speedup at that count (what the machine allows a read of that
size) and apool's share of it, and PyTorch's time at the same count with
PyTorch / apool; then one verdict line per goal of the parallel-calls issue:
two threads at least 1.6x one thread on every case (and on how many the floor
itself gains 1.6x),
apool ahead of PyTorch at two threads on every case, and a pool's cost on a
call too small to split at most 1 microsecond.

Usage: report_threads.py threads.json [--out threads.md]
"""
import argparse
import json
import platform
import sys


def medians(benchmarks):
    """name -> counters of the median aggregate (or the only run)."""
    rows = {}
    for b in benchmarks:
        name = b.get("run_name", b["name"]).replace("/manual_time", "")
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        rows[name] = b
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json")
    parser.add_argument("--out")
    args = parser.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    rows = medians(data["benchmarks"])
    context = data.get("context", {})

    lines = ["# apool thread-count benchmarks", ""]
    lines.append(f"Machine: {context.get('host_name', platform.node())}, {context.get('num_cpus', '?')} CPUs, "
                 f"run {context.get('date', '?')}. Times are wall-clock medians in ms.")
    lines.append("")
    lines.append("| case | layout | pass | threads | apool ms | speedup vs 1 | floor speedup | apool speedup / floor's | "
                 "PyTorch ms | PyTorch / apool |")
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    two_thread_speedups = []
    floor_at_two = []
    torch_at_two = []
    for name, b in rows.items():
        if "/threads:" not in name:
            continue
        case, layout, direction, threads = name.split("/")
        count = int(threads.split(":")[1])
        ms = b["real_time"] if b.get("time_unit") == "ms" else b["real_time"] / 1e6
        torch_ms = b.get("torch_ms")
        torch_ratio = b.get("torch_speedup")
        floor_speedup = b.get("floor_speedup")
        floor_cells = "| |" if floor_speedup is None else f"{floor_speedup:.2f} | {b['speedup'] / floor_speedup:.2f} |"
        lines.append(f"| {case} | {layout} | {direction} | {count} | {ms:.3f} | {b['speedup']:.2f} | {floor_cells} "
                     f"{'' if torch_ms is None else f'{torch_ms:.3f}'} | {'' if torch_ratio is None else f'{torch_ratio:.2f}'} |")
        if count == 2:
            two_thread_speedups.append((b["speedup"], name))
            if floor_speedup is not None:
                floor_at_two.append((floor_speedup, b["speedup"] / floor_speedup, name))
            if torch_ratio is not None:
                torch_at_two.append((torch_ratio, name))
    lines.append("")
    if two_thread_speedups:
        worst = min(two_thread_speedups)
        held = sum(1 for s, _ in two_thread_speedups if s >= 1.6)
        lines.append(f"- Two threads at least 1.6x one thread: {held} of {len(two_thread_speedups)} "
                     f"(worst {worst[0]:.2f}x, {worst[1]}).")
    if floor_at_two:
        floor_held = sum(1 for f, _, _ in floor_at_two if f >= 1.6)
        share = sorted(r for _, r, _ in floor_at_two)
        lines.append(f"- The read floor itself gains 1.6x at two threads on {floor_held} of {len(floor_at_two)} "
                     f"(median gain {sorted(f for f, _, _ in floor_at_two)[len(floor_at_two) // 2]:.2f}x); apool's gain is "
                     f"{share[0]:.2f} to {share[-1]:.2f} of the floor's (median {share[len(share) // 2]:.2f}).")
    if torch_at_two:
        worst = min(torch_at_two)
        held = sum(1 for s, _ in torch_at_two if s > 1.0)
        lines.append(f"- apool ahead of PyTorch at two threads: {held} of {len(torch_at_two)} "
                     f"(slowest {worst[0]:.2f}x, {worst[1]}).")
    small = rows.get("small_call/contiguous/forward")
    if small is not None:
        overhead = small["pool_overhead_ns"]
        lines.append(f"- A pool passed to a 2x3x5x5 call costs {overhead:.1f} ns over the plain call "
                     f"({small['plain_ns']:.1f} ns): {'within' if overhead <= 1000 else 'OVER'} 1 microsecond.")
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
