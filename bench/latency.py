#!/usr/bin/python3
"""Latency through a chain (issue 19's part 5): one f32 item every 2 ms from a
source that stamps it with CLOCK_MONOTONIC as it sends it, through K
multiply_const(2.0), to a sink that records now - stamp; p50 and p99 for
K = 0, 1, 4, 8, mq and GNU Radio in the same run.

    /usr/bin/python3 bench/latency.py [--mqgraph PATH] [--blocks DIR] [--count N]

or `make bench-latency`. mq: bench/blocks/stamp_source -> K x multiply_const ->
bench/blocks/latency_sink, a graph as a user writes it (mqgraph run places its
blocks: in worker processes when there are more of them than CPUs; `--workers 0`
adds a side with a process per block).
GNU Radio 3.10: a Python source block that sleeps to its tick, stamps and emits
one item, K x blocks.multiply_const_ff, and a Python sink that stamps arrivals
(both in one interpreter, as GNU Radio runs Python blocks). The first 50 items
of each run are left out (start-up). Per hop is (p50(K=8) - p50(K=0)) / 8.
It reports; it does not judge. Other load skews it: look at `uptime`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KS = (0, 1, 4, 8)
WARMUP = 50


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


def mq_run(mqgraph, blockdir, work, k, count, extra=()):
    lines = ["name: lat%d" % k, "blocks:",
             "  src: {type: stamp_source, params: {period_us: 2000, count: %d}}" % count]
    prev = "src"
    for i in range(k):
        lines.append("  m%d: {type: multiply_const, params: {k: 2.0}}" % i)
    lines.append("  snk: {type: latency_sink, params: {path: lat.txt}}")
    lines.append("connections:")
    for i in range(k):
        lines.append("  - [%s.out, m%d.in]" % (prev, i))
        prev = "m%d" % i
    lines.append("  - [%s.out, snk.in]" % prev)
    path = os.path.join(work, "lat%d.yaml" % k)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    env = dict(os.environ, MQ_BLOCK_PATH="%s:%s" % (blockdir, os.path.join(
        os.path.dirname(mqgraph), "..", "blocks", ".libs")))
    subprocess.run([mqgraph, "run", "--quiet", path] + list(extra), check=True, cwd=work,
                   env=env)
    with open(os.path.join(work, "lat.txt")) as f:
        return [int(x) for x in f.read().split()][WARMUP:]


def gr_run(k, count):
    import numpy as np
    from gnuradio import gr, blocks

    period = 2_000_000
    emit, arrive = [], []

    class Src(gr.sync_block):
        def __init__(self):
            gr.sync_block.__init__(self, "stamp_src", None, [np.float32])
            self.next = time.monotonic_ns() + period
            self.i = 0

        def work(self, input_items, output_items):
            if self.i >= count:
                return -1  # WORK_DONE
            now = time.monotonic_ns()
            if now < self.next:
                time.sleep((self.next - now) / 1e9)
            self.next += period
            output_items[0][0] = self.i
            emit.append(time.monotonic_ns())
            self.i += 1
            return 1

    class Snk(gr.sync_block):
        def __init__(self):
            gr.sync_block.__init__(self, "lat_snk", [np.float32], None)

        def work(self, input_items, output_items):
            t = time.monotonic_ns()
            arrive.extend([t] * len(input_items[0]))
            return len(input_items[0])

    tb = gr.top_block()
    prev = Src()
    chain = [prev]
    for _ in range(k):
        m = blocks.multiply_const_ff(2.0)
        tb.connect(prev, m)
        prev = m
        chain.append(m)
    snk = Snk()
    tb.connect(prev, snk)
    tb.run()
    return [a - e for a, e in zip(arrive, emit)][WARMUP:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mqgraph", default=os.path.join(HERE, "..", "mqgraph", "mqgraph"))
    ap.add_argument("--blocks", default=os.path.join(HERE, "blocks", ".libs"),
                    help="where stamp_source and latency_sink are built")
    ap.add_argument("--count", type=int, default=1050)
    ap.add_argument("--workers", metavar="N|auto|0",
                    help="also run mq with --workers N|auto|0 (0: a process per block)")
    a = ap.parse_args()
    mqgraph = os.path.abspath(a.mqgraph)
    try:
        import gnuradio  # noqa: F401
        have_gr = True
    except ImportError:
        have_gr = False
        print("GNU Radio: not installed for %s (Debian: gnuradio); its rows are skipped"
              % sys.executable)
    work = tempfile.mkdtemp(prefix="mq-bench-lat-")
    os.environ["XDG_RUNTIME_DIR"] = work
    rows = []
    for k in KS:
        m = mq_run(mqgraph, os.path.abspath(a.blocks), work, k, a.count)
        w = mq_run(mqgraph, os.path.abspath(a.blocks), work, k, a.count,
                   ["--workers", a.workers]) if a.workers else None
        g = gr_run(k, a.count) if have_gr else None
        rows.append((k, m, g, w))
    print("load: %s" % open("/proc/loadavg").read().strip())
    print("one f32 item every 2 ms, %d items a run, the first %d left out; us"
          % (a.count, WARMUP))
    print("%3s %10s %10s %10s %10s%s" % ("K", "mq p50", "mq p99", "GR p50", "GR p99",
                                         " %10s %10s" % ("wk p50", "wk p99") if a.workers
                                         else ""))
    for k, m, g, w in rows:
        gp = ("%10.1f %10.1f" % (pct(g, 50) / 1e3, pct(g, 99) / 1e3)) if g else "%10s %10s" % (
            "-", "-")
        wp = (" %10.1f %10.1f" % (pct(w, 50) / 1e3, pct(w, 99) / 1e3)) if w else ""
        print("%3d %10.1f %10.1f %s%s" % (k, pct(m, 50) / 1e3, pct(m, 99) / 1e3, gp, wp))
    hop_m = (pct(rows[-1][1], 50) - pct(rows[0][1], 50)) / 8 / 1e3
    line = "per hop p50: mq %.1f us" % hop_m
    if have_gr:
        hop_g = (pct(rows[-1][2], 50) - pct(rows[0][2], 50)) / 8 / 1e3
        line += ", GNU Radio %.1f us" % hop_g
    if a.workers:
        line += ", mq --workers %s %.1f us" % (
            a.workers, (pct(rows[-1][3], 50) - pct(rows[0][3], 50)) / 8 / 1e3)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
