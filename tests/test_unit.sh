#!/bin/sh
# test_unit.sh - mqgraph@.service as `make install` puts it (into a scratch
# DESTDIR): where it goes, its ExecStart with this install's paths, restarts on
# failure, and a stop by SIGTERM that the unit counts as clean, checked against
# what mqgraph does when stopped so; systemd-analyze verifies the unit when it
# is there (systemd itself need not run).
set -eu
unset MAKEFLAGS MFLAGS MAKELEVEL || true
: "${MAKE:=make}" "${abs_top_builddir:?}" "${abs_top_srcdir:?}"
: "${bindir:?}" "${sysconfdir:?}" "${systemdsystemunitdir?}"
mqgraph="$abs_top_builddir/mqgraph/mqgraph"
T=$(mktemp -d /tmp/mq-unit-XXXXXX)
pid=
trap '[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }

if [ -z "$systemdsystemunitdir" ]; then
    echo "SKIP: configured --with-systemdsystemunitdir=no: no unit to install"
    exit 77
fi
$MAKE -s -C "$abs_top_builddir" install-systemdsystemunitDATA DESTDIR="$T/root" \
    >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install DESTDIR=$T/root"; }
unit="$T/root$systemdsystemunitdir/mqgraph@.service"
[ -f "$unit" ] || fail "mqgraph@.service is not in $systemdsystemunitdir: $(find "$T/root" -type f)"

# The lines that make it run one part, restart it, and stop it cleanly.
has() { grep -qxF "$1" "$unit" || fail "mqgraph@.service has no line '$1'"; }
has "EnvironmentFile=$sysconfdir/mqgraph/%i.conf"
has "ExecStart=$bindir/mqgraph run \${GRAPH} --host \${HOST} \$OPTIONS"
has "Restart=on-failure"
has "RestartPreventExitStatus=2"
has "KillSignal=SIGTERM"
has "KillMode=mixed"
has "SuccessExitStatus=130 143"
has "WantedBy=multi-user.target"
grep -q '@[a-z]*@' "$unit" && fail "mqgraph@.service keeps a placeholder: $(grep '@[a-z]*@' "$unit")"

# What KillSignal= does to a running graph: a graceful stop (the graph drains
# and prints its summary) with an exit status that SuccessExitStatus= lists,
# else every stop would leave the unit failed. The signal goes once the graph
# answers on its control socket (polled, with a deadline).
cat >"$T/forever.yaml" <<'EOF'
blocks:
  src: {type: sig_source, params: {frequency: 1000, sample_rate: 48000}}
  out: {type: null_sink}
connections:
  - [src.out, out.in]
EOF
"$mqgraph" run "$T/forever.yaml" >"$T/stop.out" 2>"$T/stop.err" &
pid=$!
ctl=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/mq}
sock="${ctl:-/tmp/mq-$(id -u)}/forever.$pid.sock"
tries=0
until [ -S "$sock" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 1000 ] || fail "no control socket $sock after 10 s: $(cat "$T/stop.err")"
    kill -0 "$pid" 2>/dev/null || fail "mqgraph run forever.yaml ended: $(cat "$T/stop.err")"
    sleep 0.01
done
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
ok=$(sed -n 's/^SuccessExitStatus=//p' "$unit")
case " $ok " in
*" $status "*) ;;
*) cat "$T/stop.err"; fail "mqgraph stopped by SIGTERM exits $status, not one of the unit's $ok" ;;
esac
grep -q '^graph forever: 2 blocks, 1 connection' "$T/stop.out" ||
    fail "no summary after the stop (not a graceful one?): $(cat "$T/stop.out" "$T/stop.err")"

# systemd's own check of the unit, as an instance, with ExecStart's mqgraph the
# build tree's (the installed path need not exist here).
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir "$T/units"
    sed "s|^ExecStart=$bindir/mqgraph |ExecStart=$mqgraph |" "$unit" >"$T/units/mqgraph@.service"
    ln -s mqgraph@.service "$T/units/mqgraph@radio.service"
    (cd "$T/units" && systemd-analyze verify --man=no ./mqgraph@radio.service) \
        >"$T/verify.log" 2>&1 || { cat "$T/verify.log"; fail "systemd-analyze verify"; }
    [ ! -s "$T/verify.log" ] || { cat "$T/verify.log"; fail "systemd-analyze verify warned"; }
    echo "PASS: mqgraph@.service installed, its stop clean (exit $status), verified by systemd-analyze"
else
    echo "PASS: mqgraph@.service installed, its stop clean (exit $status) (no systemd-analyze to verify it)"
fi
