#!/usr/bin/env bash
# Builds apool's benchmarks (Release, -march=native, with PyTorch, oneDNN and
# OpenCV where they are installed), runs the suite on one thread and writes bench/results/:
# benchmarks.json, results.md and results.png.
#
# Usage: bench/run_benchmarks.sh [extra apool_bench flags, e.g. --benchmark_filter=forward]
# Environment: APOOL_BENCH_BUILD (build dir, default build-bench),
#              APOOL_BENCH_REPETITIONS (default 5), APOOL_BENCH_MIN_TIME (seconds, default 0.1).
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${APOOL_BENCH_BUILD:-"$source_dir/build-bench"}
results="$source_dir/bench/results"

cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAPOOL_BENCH_TORCH=ON \
    -DAPOOL_BUILD_TESTS=OFF -DAPOOL_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$build_dir" --target apool_bench -j 2

mkdir -p "$results"
# The commit measured goes into the JSON's context (and so into results.md);
# "-dirty" marks a run of uncommitted changes.
commit=$(git -C "$source_dir" describe --always --dirty 2>/dev/null || echo unknown)
# Repetitions run in random order so that a slow spell on a shared machine
# lands on different benchmarks; the report takes medians.
"$build_dir/bench/apool_bench" \
    --benchmark_min_time="${APOOL_BENCH_MIN_TIME:-0.1}" \
    --benchmark_repetitions="${APOOL_BENCH_REPETITIONS:-5}" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true \
    --benchmark_context=commit="$commit" \
    --benchmark_out="$results/benchmarks.json" --benchmark_out_format=json "$@"

python=python3
[ -x /usr/bin/python3 ] && python=/usr/bin/python3
"$python" "$source_dir/bench/report.py" "$results/benchmarks.json" --out "$results"
