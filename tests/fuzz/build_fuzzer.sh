#!/usr/bin/env bash
# Builds the libFuzzer target tests/fuzz/fuzz_pooling.cpp with clang and
# AddressSanitizer + UndefinedBehaviorSanitizer.
#
# Usage: tests/fuzz/build_fuzzer.sh [output path]    (default: build-fuzz/fuzz_pooling in the checkout)
# Environment: APOOL_FUZZ_CXX (default: clang++, whose libFuzzer comes with libclang-rt-dev), APOOL_FUZZ_FLAGS (extra flags, e.g. -march=native).
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
output=${1:-"$source_dir/build-fuzz/fuzz_pooling"}
compiler=${APOOL_FUZZ_CXX:-clang++}
mkdir -p "$(dirname "$output")"
# shellcheck disable=SC2086
"$compiler" -std=c++17 -O2 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -Wall -Wextra -Werror ${APOOL_FUZZ_FLAGS:-} \
    -I "$source_dir/include" "$source_dir/tests/fuzz/fuzz_pooling.cpp" -o "$output"
echo "$output"
