#!/usr/bin/env bash
# Builds and runs examples/basic.cpp. On a fresh Debian/Ubuntu machine it first
# installs what is missing (when run as root).
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}/example
# shellcheck source=tests/install_packages.sh
source "$source_dir/tests/install_packages.sh"
apool_install_packages cmake ninja-build g++ libxsimd-dev

cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAPOOL_BUILD_TESTS=OFF > /dev/null
cmake --build "$build_dir" --target apool_example_basic
"$build_dir/examples/apool_example_basic"
