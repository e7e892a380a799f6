#!/bin/sh
# test_oot.sh - a block built outside the tree: install libmq (into a scratch
# DESTDIR), build doc/example-block with nothing but its Makefile and
# `pkg-config --cflags --libs libmq`, and run its graph with MQ_BLOCK_PATH.
set -eu
# Not the jobserver of the `make check` that runs this: these are separate builds.
unset MAKEFLAGS MFLAGS MAKELEVEL || true
: "${MAKE:=make}" "${abs_top_builddir:?}" "${abs_top_srcdir:?}"
ex="$abs_top_srcdir/doc/example-block"
mqgraph="$abs_top_builddir/mqgraph/mqgraph"
T=$(mktemp -d /tmp/mq-oot-XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# What a libmq user gets from `make install`: the library, headers, libmq.pc.
$MAKE -s -C "$abs_top_builddir" install-libLTLIBRARIES install-mqincludeHEADERS \
    install-pkgconfigDATA install-man DESTDIR="$T/root" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "make install DESTDIR=$T/root"; }
# The man page of every mqgraph command.
[ -n "$(find "$T/root" -path '*/man1/mqgraph.1')" ] || fail "mqgraph.1 was not installed"
pc=$(find "$T/root" -name libmq.pc)
[ -n "$pc" ] || fail "libmq.pc was not installed"
# The library exports its API and nothing else: internal mq__ functions are
# hidden (arena_internal.h), so that libmq's own calls to them are direct.
so=$(find "$T/root" -name 'libmq.so.*.*.*')
[ -n "$so" ] || fail "libmq.so was not installed"
nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' >"$T/exports.txt"
grep -q '^mq_buf_alloc$' "$T/exports.txt" || fail "libmq.so does not export mq_buf_alloc"
if grep -v '^mq_[a-z]' "$T/exports.txt" >"$T/bad.txt"; then
    cat "$T/bad.txt"; fail "libmq.so exports functions outside its API"
fi
# Only the scratch install is visible; its paths are rebased under the DESTDIR.
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR="$T/root"
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_PATH || true

mkdir "$T/build" "$T/run"
$MAKE -s --no-print-directory -C "$T/build" -f "$ex/Makefile" SRC="$ex" >"$T/build.log" 2>&1 ||
    { cat "$T/build.log"; fail "building the example block"; }
[ ! -s "$T/build.log" ] || { cat "$T/build.log"; fail "the example block built with warnings"; }

MQ_BLOCK_PATH="$T/build" "$mqgraph" blocks clip >"$T/show.txt" ||
    fail "mqgraph blocks clip"
grep -q "Limits f32 items to \[-limit, limit\]" "$T/show.txt" || { cat "$T/show.txt"; fail "mqgraph blocks clip"; }

(cd "$T/run" && MQ_BLOCK_PATH="$T/build" "$mqgraph" run "$ex/clip.yaml" --quiet) ||
    fail "mqgraph run clip.yaml exited $?"
want='-2 -2 -2 -1.5 -1 -0.5 0 0.5 1 1.5 2 2 2'
got=$(tr '\n' ' ' <"$T/run/clipped.txt" | sed 's/ $//')
[ "$got" = "$want" ] || fail "clipped.txt: '$got', want '$want'"
ls /dev/shm | grep -q '^mq\.clip\.' && fail "the arena of clip.yaml was left in /dev/shm"
echo "PASS: out-of-tree block built with pkg-config and run from MQ_BLOCK_PATH"
