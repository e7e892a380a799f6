#!/bin/sh
# run.sh - fuzzes one of mq's parsers with clang's libFuzzer.
#   tests/fuzz/run.sh [TARGET] [SECONDS] [BUILDDIR]   (defaults: graph, 60, .)
# TARGET is one of
#   graph    mqgraph's YAML loader and validator      corpus: tests/fuzz/corpus
#   pmt      message values: GNU Radio's wire form    corpus: tests/fuzz/corpus_pmt
#            and the JSON text form
#   request  the control socket's request parser      corpus: tests/fuzz/corpus_request
# New inputs that reach new code land in the target's corpus (merged, minimal), so
# make check replays them from then on; crashes are written as crash-* files here.
set -eu
case "${1:-}" in
graph | pmt | request) target=$1; shift ;;
*) target=graph ;;
esac
secs=${1:-60}
build=$(cd "${2:-.}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/mq-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
libmq=$(ls "$src"/libmq/*.c | grep -v '/fault\.c$')
case $target in
graph)
    corpus=$src/tests/fuzz/corpus
    extra="$src/mqgraph/graph.c $src/mqgraph/validate.c $src/mqgraph/catalog.c
           $src/mqgraph/yaml_tree.c $src/mqgraph/names.c $src/mqgraph/firdes.c
           $src/mqgraph/design.c $src/mqgraph/expr.c $src/mqgraph/split.c
           $src/mqgraph/sizing.c" ;;
pmt)
    corpus=$src/tests/fuzz/corpus_pmt
    extra= ;;
request)
    corpus=$src/tests/fuzz/corpus_request
    extra="$src/mqgraph/request.c" ;;
esac
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -iquote "$src/libmq" -I"$src/mqgraph" -I"$build" -DMQ_BLOCKDIR='"/nonexistent"' \
    -DMQ_BUILDDIR="\"$build\"" $(pkg-config --cflags yaml-0.1 jansson) \
    "$src/tests/fuzz/fuzz_$target.c" $extra $libmq \
    $(pkg-config --libs yaml-0.1 jansson) -ldl -lm -o "$work/fuzz"
mkdir "$work/new"
# The graph target's block catalog: the build tree's modules (they need the build
# tree's libmq).
MQ_BLOCK_PATH="$build/blocks/.libs" LD_LIBRARY_PATH="$build/libmq/.libs" \
    "$work/fuzz" -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -print_final_stats=1 "$work/new" "$corpus" 2>&1 | tail -25
MQ_BLOCK_PATH="$build/blocks/.libs" LD_LIBRARY_PATH="$build/libmq/.libs" \
    "$work/fuzz" -merge=1 "$corpus" "$work/new" 2>&1 | tail -2
