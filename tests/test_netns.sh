#!/bin/sh
# test_netns.sh - a graph across two hosts, for real: two network namespaces made
# here and joined by a veth pair, each running its part of one graph file with
# the command line of mqgraph@.service (mqgraph run GRAPH --host HOST OPTIONS).
# The links go both ways and one is a fan-out; every file the parts write must
# equal, byte for byte, what the whole graph writes when run in one piece, and
# both parts must end by themselves with status 0 (end of stream crossed), with
# no items lost. Traffic goes only to the two veth addresses, inside the two
# namespaces. Needs root and ip (iproute2): skipped, saying why, without them.
set -eu
: "${abs_top_builddir:?}" "${bindir:?}"
mqgraph="$abs_top_builddir/mqgraph/mqgraph"
unit="$abs_top_builddir/mqgraph/mqgraph@.service"
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "not root: network namespaces need CAP_SYS_ADMIN"
command -v ip >/dev/null 2>&1 || skip "no ip command (Debian's iproute2)"
command -v timeout >/dev/null 2>&1 || skip "no timeout command (coreutils)"
[ -e "$abs_top_builddir/blocks/zmq_push_sink.la" ] ||
    skip "the zmq blocks, the links between hosts, were not built (configure found no libzmq)"

A=mq-a-$$
B=mq-b-$$
T=$(mktemp -d /tmp/mq-netns-XXXXXX)
made=
pa=
pb=
cleanup() {
    for p in $pa $pb; do kill -KILL "$p" 2>/dev/null || true; done
    for p in $pa $pb; do wait "$p" 2>/dev/null || true; done
    for n in $made; do ip netns del "$n" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$A" 2>"$T/netns.err" || skip "cannot create a network namespace: $(cat "$T/netns.err")"
made="$A"
ip netns add "$B"
made="$A $B"
# A /30 of a private range on each end; the names are the pair's own (<= 15 chars).
ip link add "mqa$$" netns "$A" type veth peer name "mqb$$" netns "$B"
ip -n "$A" addr add 10.213.0.1/30 dev "mqa$$"
ip -n "$B" addr add 10.213.0.2/30 dev "mqb$$"
ip -n "$A" link set "mqa$$" up
ip -n "$B" link set "mqb$$" up

# a: the source, a copy of it, and what comes back from b; b: the rest. Links:
# head.out to b (a fan-out: also into a's own file), amp.out back to a.
cat >"$T/g.yaml" <<'EOF'
name: netns
variables: {n: 1000}
hosts: {a: 10.213.0.1, b: 10.213.0.2}
blocks:
  src: {type: sig_source, params: {type: c32, frequency: 1000, sample_rate: 48000, amplitude: 0.75}, host: a}
  head: {type: head, params: {items: "${n}"}, host: a}
  copy: {type: file_sink, params: {path: copy.c32}, host: a}
  amp: {type: multiply_const, params: {k: "0.5-0.25j"}, host: b}
  mag: {type: complex_to_mag, host: b}
  out: {type: file_sink, params: {path: mag.f32}, host: b}
  back: {type: file_sink, params: {path: back.c32}, host: a}
connections:
  - [src.out, head.in]
  - [head.out, copy.in]
  - [head.out, amp.in]
  - [amp.out, mag.in]
  - [mag.out, out.in]
  - [amp.out, back.in]
EOF
items=200000
OPTIONS="--set n=$items"

# The reference: the whole graph in one piece, no links.
mkdir "$T/whole" "$T/a" "$T/b"
(cd "$T/whole" && "$mqgraph" run "$T/g.yaml" $OPTIONS --quiet) || fail "the whole graph: exit $?"

# mqgraph@.service's ExecStart as systemd expands it: ${GRAPH} and ${HOST} one
# word each, $OPTIONS split at spaces; this build's mqgraph for the installed one.
line=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$line" ] || fail "no ExecStart in $unit"
part() {
    printf '%s\n' "$line" | sed -e "s|^$bindir/mqgraph |$mqgraph |" -e "s|\${GRAPH}|$T/g.yaml|" \
        -e "s|\${HOST}|$1|" -e "s|\$OPTIONS|$OPTIONS|"
}
cmd_a=$(part a)
cmd_b=$(part b)
case "$cmd_a" in "$mqgraph run $T/g.yaml --host a --set n=$items") ;;
*) fail "ExecStart expands to '$cmd_a'" ;; esac

# Both parts at once, each in its namespace and directory; a part that does not
# end in 60 s (end of stream lost on the way) is killed and fails the test.
(cd "$T/a" && exec timeout -s KILL 60 ip netns exec "$A" $cmd_a) >"$T/a.out" 2>"$T/a.err" &
pa=$!
(cd "$T/b" && exec timeout -s KILL 60 ip netns exec "$B" $cmd_b) >"$T/b.out" 2>"$T/b.err" &
pb=$!
sa=0
wait "$pa" || sa=$?
pa=
sb=0
wait "$pb" || sb=$?
pb=
[ "$sa" -eq 0 ] || fail "part a exited $sa: $(cat "$T/a.err")"
[ "$sb" -eq 0 ] || fail "part b exited $sb: $(cat "$T/b.err")"

# The same bytes as the whole graph's, and as many as the graph says.
same() {
    [ -f "$1" ] || fail "$1 is missing"
    [ "$(wc -c <"$1")" -eq "$3" ] || fail "$1: $(wc -c <"$1") bytes, want $3"
    cmp "$1" "$2" || fail "$1 differs from the whole graph's $2"
}
same "$T/a/copy.c32" "$T/whole/copy.c32" $((items * 8))
same "$T/a/back.c32" "$T/whole/back.c32" $((items * 8))
same "$T/b/mag.f32" "$T/whole/mag.f32" $((items * 4))
grep -q '^graph netns@a: 6 blocks, 4 connections' "$T/a.out" || fail "part a's summary: $(cat "$T/a.out")"
grep -q '^graph netns@b: 5 blocks, 4 connections' "$T/b.out" || fail "part b's summary: $(cat "$T/b.out")"
if grep -i 'lost' "$T/a.err" "$T/b.err"; then fail "items were lost on the way"; fi
ls /dev/shm | grep -q '^mq\.netns' && fail "an arena was left in /dev/shm: $(ls /dev/shm)"
echo "PASS: two parts in namespaces $A and $B: $items items each way, exact, both ended by themselves"
