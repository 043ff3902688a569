#!/usr/bin/env bash
# Builds every example and runs each one, printing its run time; fails if any
# example fails (each checks its results against plain loops, finite
# differences or PyTorch). The photo example writes image_pooling.png and the
# windows example windows.svg into the build dir. On a fresh Debian/Ubuntu
# machine it first installs what is missing (when run as root): the compiler,
# xsimd, stb (libstb-dev), scikit-image's sample photos (python3-skimage) and
# oneTBB (libtbb-dev, for the threads example).
# torch_interop is built and run only where libtorch is installed (libtorch-dev).
#
# Usage: examples/run_examples.sh   (build tree: build-tests/examples in the checkout)
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}/examples
# shellcheck source=tests/install_packages.sh
source "$source_dir/tests/install_packages.sh"
apool_install_packages cmake ninja-build g++ libxsimd-dev libstb-dev python3-skimage libtbb-dev

jobs=$(nproc 2>/dev/null || echo 2)
echo "== apool examples: build"
start=$(date +%s)
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAPOOL_BUILD_TESTS=OFF -DAPOOL_BUILD_BENCHMARKS=OFF -DAPOOL_INSTALL=OFF > /dev/null
cmake --build "$build_dir" -j "$jobs"
echo "built in $(( $(date +%s) - start )) s"

failures=()
cd "$build_dir"
for program in examples/apool_example_*; do
    [ -x "$program" ] || continue
    name=${program#examples/apool_example_}
    echo "== $name"
    start_ns=$(date +%s%N)
    if "$program"; then status=ok; else status=FAILED; failures+=("$name"); fi
    echo "-- $name: $status in $(( ($(date +%s%N) - start_ns) / 1000000 )) ms"
done
echo "== pictures: $build_dir/image_pooling.png, $build_dir/windows.svg"
if [ ${#failures[@]} -gt 0 ]; then
    echo "== FAILED examples: ${failures[*]}" >&2
    exit 1
fi
