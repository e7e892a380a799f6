#!/bin/sh
# run.sh - fuzzes mqgraph's YAML loader and validator with clang's libFuzzer.
#   tests/fuzz/run.sh [SECONDS] [BUILDDIR]     (defaults: 60, the current directory)
# New inputs that reach new code land in tests/fuzz/corpus (merged, minimal), so make
# check replays them from then on; crashes are written as crash-* files here.
set -eu
secs=${1:-60}
build=$(cd "${2:-.}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mq-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
libmq=$(ls "$src"/libmq/*.c | grep -v '/fault\.c$')
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -iquote "$src/libmq" -I"$src/mqgraph" -I"$build" -DMQ_BLOCKDIR='"/nonexistent"' \
    -DMQ_BUILDDIR="\"$build\"" $(pkg-config --cflags yaml-0.1) \
    "$src/tests/fuzz/fuzz_graph.c" "$src/mqgraph/graph.c" "$src/mqgraph/validate.c" \
    "$src/mqgraph/catalog.c" $libmq $(pkg-config --libs yaml-0.1) -ldl -lm \
    -o "$work/fuzz_graph"
mkdir "$work/new"
# The block catalog: the build tree's modules (they need the build tree's libmq).
MQ_BLOCK_PATH="$build/blocks/.libs" LD_LIBRARY_PATH="$build/libmq/.libs" \
    "$work/fuzz_graph" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 "$work/new" "$src/tests/fuzz/corpus" 2>&1 | tail -25
MQ_BLOCK_PATH="$build/blocks/.libs" LD_LIBRARY_PATH="$build/libmq/.libs" \
    "$work/fuzz_graph" -merge=1 "$src/tests/fuzz/corpus" "$work/new" 2>&1 | tail -2
