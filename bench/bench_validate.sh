#!/bin/sh
# bench_validate.sh - `mqgraph validate` on large generated graph files: the time
# (elapsed, and CPU: user + system, which other load on the machine moves less)
# and the peak memory (GNU time's maximum resident set size) of each, with the
# first 80 characters of what mqgraph said. Nothing asserts.
#   bench/bench_validate.sh [MQGRAPH [DIR]]   (make bench-validate)
# MQGRAPH defaults to the build tree's, DIR (where the files are written, about
# 130 MB) to a fresh temporary directory, removed at the end. Needs GNU time
# (/usr/bin/time, Debian package `time`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mq=${1:-$here/../mqgraph/mqgraph}
dir=${2:-}
if [ -z "$dir" ]; then
    dir=$(mktemp -d /tmp/mq-bench-validate-XXXXXX)
    trap 'rm -rf "$dir"' EXIT
fi
[ -x /usr/bin/time ] || { echo "bench_validate: needs GNU time (/usr/bin/time)" >&2; exit 1; }

# YAML nested n lists deep, in a variable.
nest() {
    awk -v n="$1" 'BEGIN { printf "variables: {deep: "
        for (i = 0; i < n; i++) printf "["; for (i = 0; i < n; i++) printf "]"
        print "}\nblocks:\n  s: {type: null_source}\n  o: {type: null_sink}"
        print "connections:\n  - [s.out, o.in]" }'
}

# vector_source -> n - 2 multiply_const -> null_sink.
chain() {
    awk -v n="$1" 'BEGIN { print "blocks:"
        print "  b0: {type: vector_source, params: {values: [1, 2, 3]}}"
        for (i = 1; i < n - 1; i++) printf "  b%d: {type: multiply_const, params: {k: 2}}\n", i
        printf "  b%d: {type: null_sink}\nconnections:\n", n - 1
        for (i = 0; i < n - 1; i++) printf "  - [b%d.out, b%d.in]\n", i, i + 1 }'
}

# A vector_source of n values, one a line: the largest files a graph may have.
values() {
    awk -v n="$1" 'BEGIN { print "blocks:\n  s:\n    type: vector_source"
        print "    params:\n      values:"
        for (i = 0; i < n; i++) printf "        - %d.5\n", i
        print "  o: {type: null_sink}\nconnections:\n  - [s.out, o.in]" }'
}

# The most connections 248 built-in blocks may have: 186 message_strobes, each
# output to 16 message inputs, into 62 message_debugs, each of whose 3 inputs
# takes 16 upstreams (2976 connections, and 560 of mqgraph's own).
wide() {
    awk 'BEGIN { print "blocks:"
        for (s = 0; s < 186; s++) printf "  s%d: {type: message_strobe}\n", s
        for (d = 0; d < 62; d++) printf "  d%d: {type: message_debug}\n", d
        print "connections:"
        split("print store print_pdu", port, " ")
        for (c = 0; c < 2976; c++) { t = int(c / 16)
            printf "  - [s%d.strobe, d%d.%s]\n", c % 186, int(t / 3), port[t % 3 + 1] } }'
}

measure() {
    name=$1
    file=$dir/$name.yaml
    shift
    "$@" > "$file"
    mb=$(wc -c < "$file" | awk '{ print $1 / 1e6 }')
    /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$mq" validate "$file" > "$dir/out" 2>&1 ||
        true
    # the last line: GNU time puts "Command exited with non-zero status" first
    tail -1 "$dir/time" | awk -v name="$name" -v mb="$mb" -v said="$(sed "s|$dir/||" \
        "$dir/out" | head -1 | cut -c1-80)" '{ printf "%-16s %7.1f MB %8.2f s %7.2f s %7.1f MB  %s\n",
        name, mb, $1, $2 + $3, $4 / 1024, said }'
}

printf '%-16s %10s %10s %9s %10s  %s\n' file size elapsed cpu "peak RSS" "mqgraph validate said"
measure nest-100000 nest 100000
measure chain-100000 chain 100000
measure chain-620000 chain 620000
measure wide-248-blocks wide
measure values-1000000 values 1000000
measure values-2600000 values 2600000
