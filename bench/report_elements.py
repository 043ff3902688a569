#!/usr/bin/env python3
"""Prints the Markdown table of an apool_bench_elements run.

    apool_bench_elements --benchmark_format=json > elements.json
    python3 bench/report_elements.py elements.json

Each row: apool's milliseconds, its ratio to the read-once floor of the same
bytes and to apool's own float call on the same values, and the peer that
runs the case (PyTorch for bfloat16/float16 where 1.13 has the kernel, OpenCV
for HWC bytes at whole scales) with peer / apool (above 1: apool is faster).
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        run = json.load(f)
    context = run["context"]
    print(f"Host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"{context.get('date', '?')}\n")
    print("| case | layout | type | apool ms | / floor | / float | peer | peer ms | peer / apool |")
    print("|---|---|---|---:|---:|---:|---|---:|---:|")
    for b in run["benchmarks"]:
        name, layout, element = b["name"].split("/")[:3]
        peer, peer_ms, ratio = "", "", ""
        for candidate in ("torch", "opencv"):
            if candidate + "_ms" in b:
                peer = {"torch": "PyTorch", "opencv": "OpenCV"}[candidate]
                peer_ms = f"{b[candidate + '_ms']:.3f}"
                ratio = f"{b[candidate + '_per_apool']:.2f}"
        print(f"| {name} | {layout} | {element} | {b['apool_ms']:.3f} | {b['apool_per_floor']:.2f} | "
              f"{b['apool_per_float']:.2f} | {peer} | {peer_ms} | {ratio} |")


if __name__ == "__main__":
    main()
