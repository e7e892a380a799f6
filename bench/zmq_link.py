#!/usr/bin/python3
"""Items/s through a ZeroMQ link (issue 17's benchmark): two mq graphs over ipc and
over tcp loopback, the same graph in one arena, and GNU Radio's gr-zeromq between
two processes, in one run.

    /usr/bin/python3 bench/zmq_link.py [--mqgraph PATH] [--items N] [--rounds R]

or `make bench-zmq`. The graph is a source of N f32 items into a sink, cut in two
by a push/pull link:

  mq, one arena   null_source -> head(N) -> null_sink            (one mqgraph run)
  mq, ipc / tcp   null_source -> head(N) -> zmq_push_sink  |  zmq_pull_source ->
                  null_sink: two mqgraph runs; the receiver ends by itself on the
                  sender's end of stream
  GNU Radio       null_source -> head(N) -> zeromq.push_sink  |  zeromq.pull_source
                  -> head(N) -> null_sink: two Python processes

mq's time is the wall clock from starting the sending `mqgraph run` (the receiver
already listening) to the receiver's exit: both start-ups after the first, the
stream and both tear-downs. GNU Radio's is the receiver's clock from its first item
to its N-th (polled every ms: its flowgraph does not end when head does while a
ZeroMQ source waits), so GNU Radio's start-up and the Python import are not
counted. Rounds are interleaved (every variant once, then again) and the best of
each is kept. It reports; it does not judge: exit 0 when it ran, 2 on a usage
error. Other load skews every figure: look at `uptime`.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
SRC = ""  # null_source's params: none, as a user writes it (--items-per-buffer sets one)

GR_RX = r"""
import sys, time
from gnuradio import gr, blocks, zeromq
addr, n = sys.argv[1], int(sys.argv[2])
tb = gr.top_block()
src = zeromq.pull_source(gr.sizeof_float, 1, addr, 100, False, -1)
h = blocks.head(gr.sizeof_float, n)
tb.connect(src, h, blocks.null_sink(gr.sizeof_float))
tb.start()
print("ready", flush=True)
t0 = None
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    k = h.nitems_written(0)
    if k and t0 is None:
        t0 = time.monotonic()
    if k >= n:
        break
    time.sleep(0.001)
t1 = time.monotonic()
tb.stop(); tb.wait()
print("%.6f" % (t1 - t0 if t0 else -1), flush=True)
"""

GR_TX = r"""
import sys
from gnuradio import gr, blocks, zeromq
addr, n = sys.argv[1], int(sys.argv[2])
tb = gr.top_block()
tb.connect(blocks.null_source(gr.sizeof_float), blocks.head(gr.sizeof_float, n),
           zeromq.push_sink(gr.sizeof_float, 1, addr, 100, False, -1))
tb.run()
"""


def have_gnuradio():
    r = subprocess.run([PY, "-c", "from gnuradio import zeromq"], capture_output=True)
    return r.returncode == 0


def mq_one(mqgraph, work, n):
    path = os.path.join(work, "one.yaml")
    with open(path, "w") as f:
        f.write("name: bench_one\nblocks:\n"
                "  src: {type: null_source%s}\n"
                "  head: {type: head, params: {items: %d}}\n"
                "  out: {type: null_sink}\n"
                "connections:\n  - [src.out, head.in]\n  - [head.out, out.in]\n" % (SRC, n))
    t0 = time.monotonic()
    subprocess.run([mqgraph, "run", "--quiet", path], check=True, cwd=work)
    return time.monotonic() - t0


def mq_link(mqgraph, work, n, addr):
    rx = os.path.join(work, "rx.yaml")
    tx = os.path.join(work, "tx.yaml")
    with open(rx, "w") as f:
        f.write("name: bench_rx\nblocks:\n"
                "  recv: {type: zmq_pull_source, params: {address: \"%s\", bind: true,"
                " type: f32}}\n"
                "  out: {type: null_sink}\n"
                "connections:\n  - [recv.out, out.in]\n" % addr)
    with open(tx, "w") as f:
        f.write("name: bench_tx\nblocks:\n"
                "  src: {type: null_source%s}\n"
                "  head: {type: head, params: {items: %d}}\n"
                "  send: {type: zmq_push_sink, params: {address: \"%s\", bind: false}}\n"
                "connections:\n  - [src.out, head.in]\n  - [head.out, send.in]\n"
                % (SRC, n, addr))
    r = subprocess.Popen([mqgraph, "run", "--quiet", rx], cwd=work)
    ctl = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    # the receiver listens once its block has bound: wait for its control socket
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
            e.startswith("bench_rx.") for e in os.listdir(os.path.join(ctl, "mq"))
            if os.path.isdir(os.path.join(ctl, "mq"))):
        time.sleep(0.001)
    t0 = time.monotonic()
    subprocess.run([mqgraph, "run", "--quiet", tx], check=True, cwd=work)
    if r.wait(timeout=300) != 0:
        raise RuntimeError("the receiving graph failed")
    return time.monotonic() - t0


def gr_link(n, addr):
    rx = subprocess.Popen([PY, "-c", GR_RX, addr, str(n)], stdout=subprocess.PIPE, text=True)
    if rx.stdout.readline().strip() != "ready":
        raise RuntimeError("GNU Radio's receiver did not start")
    subprocess.run([PY, "-c", GR_TX, addr, str(n)], check=True)
    secs = float(rx.stdout.readline())
    rx.wait(timeout=60)
    return secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mqgraph", default=os.path.join(HERE, "..", "mqgraph", "mqgraph"))
    ap.add_argument("--items", type=int, default=200_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--items-per-buffer", type=int, default=0,
                    help="mq's null_source buffers (default: its own, 1024)")
    a = ap.parse_args()
    global SRC
    if a.items_per_buffer:
        SRC = ", params: {items_per_buffer: %d}" % a.items_per_buffer
    if not os.access(a.mqgraph, os.X_OK):
        print("zmq_link: cannot run %s" % a.mqgraph, file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="mq-bench-zmq-")
    ctl = os.path.join(work, "ctl")
    os.makedirs(ctl)
    os.environ["XDG_RUNTIME_DIR"] = ctl
    gr_ok = have_gnuradio()
    variants = [("mq, one arena", lambda: mq_one(a.mqgraph, work, a.items)),
                ("mq, zmq over ipc", lambda: mq_link(a.mqgraph, work, a.items,
                                                     "ipc://%s/link.sock" % work)),
                ("mq, zmq over tcp", lambda: mq_link(a.mqgraph, work, a.items,
                                                     "tcp://127.0.0.1:47391"))]
    if gr_ok:
        variants += [("GNU Radio, zmq over ipc", lambda: gr_link(a.items,
                                                                "ipc://%s/gr.sock" % work)),
                     ("GNU Radio, zmq over tcp", lambda: gr_link(a.items,
                                                                "tcp://127.0.0.1:47392"))]
    else:
        print("GNU Radio: not installed for %s (Debian: gnuradio); its rows are skipped" % PY)
    best = {}
    try:
        for _ in range(a.rounds):
            for name, run in variants:
                secs = run()
                best[name] = min(best.get(name, secs), secs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("load: %s" % open("/proc/loadavg").read().strip())
    print("%d f32 items, best of %d interleaved rounds; mq's null_source: %s" % (
        a.items, a.rounds, "items_per_buffer %d" % a.items_per_buffer if a.items_per_buffer
        else "its default buffers"))
    print("%-26s %10s %14s %9s %9s" % ("variant", "seconds", "M items/s", "vs arena", "vs GR"))
    for name, _ in variants:
        rate = a.items / best[name] / 1e6
        arena = best["mq, one arena"] / best[name]
        kind = name.split(",")[1]
        gr = best.get("GNU Radio," + kind)
        vs_gr = "%8.2fx" % (gr / best[name]) if gr and name.startswith("mq") else "%9s" % "-"
        print("%-26s %10.3f %14.1f %8.2fx %s" % (name, best[name], rate, arena, vs_gr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
