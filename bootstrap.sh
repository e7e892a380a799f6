#!/bin/sh
# bootstrap.sh - install what is missing (Debian 12, as root), then configure and build.
#   sh bootstrap.sh            install + autoreconf + configure + make, then run
#                              graphs/hello.yaml (writes hello.f32 here)
#   sh bootstrap.sh check      install + build, and run the whole test suite
set -eu
cd "$(dirname "$0")"

PKGS="build-essential autoconf automake libtool pkg-config libyaml-dev libuv1-dev libjansson-dev check libvolk2-dev libfftw3-dev libsndfile1-dev libzmq3-dev python3-dev python3-numpy"
# What only the tests use: tmux drives `mqgraph top` in a terminal; GNU Radio is
# the peer of the ZeroMQ interop tests and of bench/vs_gnuradio (never built against);
# ip (iproute2) makes the network namespaces of tests/test_netns.sh;
# tests/test_pyapi.py runs doc/python_plot.py, which plots with matplotlib.
[ "${1:-}" = check ] && PKGS="$PKGS tmux gnuradio iproute2 python3-matplotlib"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bootstrap: installing$missing"
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: need root to install:$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j"$(nproc)"

if [ "${1:-}" = check ]; then
    status=0
    make -j"$(nproc)" check || status=$?
    # One closing line over every Check suite (plain, sanitized, fault-injection).
    awk -F'[:,] *' '/^[0-9]+%: Checks: / { c += $3; f += $5 + $7 }
        END { printf "%d passed, %d failed\n", c - f, f }' tests/*.log
    exit $status
fi

./mqgraph/mqgraph run graphs/hello.yaml
echo "bootstrap: hello.yaml wrote hello.f32 (480000 f32 samples of a 440 Hz sine)"
