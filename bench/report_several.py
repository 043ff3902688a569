#!/usr/bin/env python3
"""Turns apool_bench_several's JSON (--benchmark_out_format=json) into the
markdown table of bench/results/several.md.

Usage: report_several.py several.json > table.md
"""
import json
import sys


def main() -> None:
    with open(sys.argv[1]) as f:
        run = json.load(f)
    context = run["context"]
    print(f"Host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs, {context.get('date', '?')}\n")
    print("| case | layout | call | apool ms | separate calls ms | / separate | / max alone | floor ms | / floor |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for b in run["benchmarks"]:
        name, layout, call = b["name"].split("/")[:3]
        if call == "avg_max":
            ours, separate = b["pair_ms"], b["avg_ms"] + b["max_ms"]
            per_max = f"{b['pair_per_max']:.2f}"
            per_separate, per_floor = b["pair_per_separate"], b["pair_per_floor"]
        else:
            ours, separate, per_max = b["pyramid_ms"], b["separate_ms"], ""
            per_separate, per_floor = b["pyramid_per_separate"], b["pyramid_per_floor"]
        print(f"| {name} | {layout} | {call} | {ours:.3f} | {separate:.3f} | {per_separate:.2f} | {per_max} | "
              f"{b['floor_ms']:.3f} | {per_floor:.2f} |")


if __name__ == "__main__":
    main()
