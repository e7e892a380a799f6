#!/usr/bin/python3
"""mq against GNU Radio on the same graphs (issue 19's benchmark).

Run with Debian's /usr/bin/python3 (GNU Radio's modules are installed for it):

    /usr/bin/python3 bench/vs_gnuradio.py [--mqgraph PATH] [--rounds R]
                                          [--scale S] [--timeout T] [--only NAME] [--workers N|auto|0]

or `make bench-vs-gnuradio`. For every graph below it runs GNU Radio and mq in
turn (GR, mq, GR, mq, ..., `--rounds` times each, default 3) and keeps the best
(shortest) time of each; one run at a time, nothing else started meanwhile.

  chain1, chain8, chain16   null_source -> head(N) -> K x multiply_const(2.0) -> null_sink
  fanout3, fanout8          null_source -> head(N) -> 3 / 8 null_sinks (head's output
                            connected to every sink; mq shares the buffers, GNU Radio
                            its one output buffer)
  fir_f32, fir_c32          null_source -> head(N) -> fir_filter (real taps of
                            firdes.low_pass(1, 48000, 5000, 1600), Hamming: 73 taps;
                            mq designs the same from the graph file) -> null_sink
  add3                      3 x null_source -> add -> head(N) -> null_sink

Items/s are N (the items through head) over the time of the run. mq's time is
the wall clock of the whole `mqgraph run FILE --quiet` process: parsing the file,
starting one process per block, the stream, the tear-down. GNU Radio's is the
wall clock from building the top_block to the end of tb.wait(), in this process
(the Python interpreter and `import gnuradio` are not counted: they would add
some 0.3 s to every GNU Radio run). The mq graph files are written as a user
writes them: no items_per_buffer, no pool settings, only the item type where it
is not the default f32.

`--workers N|auto|0` adds a third side, interleaved with the others: the same mq
graph files run with `mqgraph run --workers N`; `--workers 0` is a process for
every block, as mqgraph ran them before it placed blocks in worker processes by
default (one per CPU when there are more blocks than CPUs). Its rate and ratio
go in two more columns; the goal line stays the defaults'.

Each run has a timeout (`--timeout`, default 120 s): an mq run past it gets
SIGINT (then SIGKILL), a GNU Radio one tb.stop(); the run is listed as odd and
left out of the best.

The benchmark reports; it does not judge. It exits 0 when it ran, whatever the
ratios, and 2 on a usage error or when mqgraph cannot be run. Other load on the
machine skews every figure (both sides alike only if the load is steady):
run it on an idle machine and look at `uptime`.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    from gnuradio import gr, blocks, filter as gr_filter  # noqa: F401
    from gnuradio.filter import firdes
    HAVE_GR = True
    GR_ERROR = None
except Exception as e:  # ImportError, or a broken install
    HAVE_GR = False
    GR_ERROR = "%s: %s" % (type(e).__name__, e)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MQGRAPH = os.path.join(os.path.dirname(HERE), "mqgraph", "mqgraph")

LP = dict(gain=1, sample_rate=48000, cutoff=5000, transition=1600)

# name, kind, parameter, items through head at --scale 1 (each run about
# 0.5-2 s on a 2-core machine of 2026 for both sides)
GRAPHS = [
    ("chain1", "chain", 1, 400_000_000),
    ("chain8", "chain", 8, 200_000_000),
    ("chain16", "chain", 16, 100_000_000),
    ("fanout3", "fanout", 3, 400_000_000),
    ("fanout8", "fanout", 8, 200_000_000),
    ("fir_f32", "fir", "f32", 60_000_000),
    ("fir_c32", "fir", "c32", 30_000_000),
    ("add3", "add", 3, 200_000_000),
]


# ---- mq: graph files ---------------------------------------------------------

def mq_yaml(name, kind, p, n):
    b = []   # (name, yaml mapping text)
    c = []   # (from, to)
    if kind == "chain":
        b += [("src", "{type: null_source}"),
              ("head", "{type: head, params: {items: %d}}" % n)]
        c.append(("src.out", "head.in"))
        prev = "head"
        for i in range(p):
            b.append(("m%d" % i, "{type: multiply_const, params: {k: 2.0}}"))
            c.append(("%s.out" % prev, "m%d.in" % i))
            prev = "m%d" % i
        b.append(("sink", "{type: null_sink}"))
        c.append(("%s.out" % prev, "sink.in"))
    elif kind == "fanout":
        b += [("src", "{type: null_source}"),
              ("head", "{type: head, params: {items: %d}}" % n)]
        c.append(("src.out", "head.in"))
        for i in range(p):
            b.append(("sink%d" % i, "{type: null_sink}"))
            c.append(("head.out", "sink%d.in" % i))
    elif kind == "fir":
        t = "" if p == "f32" else ", type: %s" % p
        b += [("src", "{type: null_source%s}" % ("" if not t else ", params: {type: %s}" % p)),
              ("head", "{type: head, params: {items: %d%s}}" % (n, t)),
              ("fir", "{type: fir_filter, params: {taps: {low_pass: {gain: %(gain)s, "
                      "sample_rate: %(sample_rate)s, cutoff: %(cutoff)s, "
                      "transition: %(transition)s}}" % LP + t + "}}"),
              ("sink", "{type: null_sink%s}" % ("" if not t else ", params: {type: %s}" % p))]
        c += [("src.out", "head.in"), ("head.out", "fir.in"),
              ("fir.out", "sink.in")]
    elif kind == "add":
        for i in range(p):
            b.append(("src%d" % i, "{type: null_source}"))
            c.append(("src%d.out" % i, "sum.in%d" % i))
        b += [("sum", "{type: add, params: {inputs: %d}}" % p),
              ("head", "{type: head, params: {items: %d}}" % n),
              ("sink", "{type: null_sink}")]
        c += [("sum.out", "head.in"), ("head.out", "sink.in")]
    else:
        raise ValueError(kind)
    w = max(len(k) for k, _ in b) + 1
    lines = ["name: %s" % name, "blocks:"]
    lines += ["  %-*s %s" % (w, k + ":", v) for k, v in b]
    lines.append("connections:")
    lines += ["  - [%s, %s]" % e for e in c]
    return "\n".join(lines) + "\n"


def run_mq(mqgraph, path, timeout, extra=()):
    """Wall-clock seconds of `mqgraph run path --quiet [extra]`, or (None, why)."""
    t0 = time.monotonic()
    p = subprocess.Popen([mqgraph, "run", path, "--quiet"] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # mqgraph stops its block processes on SIGINT; kill the group if not
        os.killpg(p.pid, signal.SIGINT)
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
        return None, "timeout after %g s" % timeout
    dt = time.monotonic() - t0
    if p.returncode != 0:
        msg = (err or out).decode(errors="replace").strip().splitlines()
        return None, "exit %d: %s" % (p.returncode, msg[-1] if msg else "")
    return dt, None


# ---- GNU Radio: the same graphs ----------------------------------------------

def gr_taps():
    return firdes.low_pass(LP["gain"], LP["sample_rate"], LP["cutoff"],
                           LP["transition"])


def run_gr(kind, p, n, timeout):
    """Seconds from building the top_block to the end of tb.wait()."""
    t0 = time.monotonic()
    tb = gr.top_block()
    f = gr.sizeof_float
    if kind == "chain":
        src, h = blocks.null_source(f), blocks.head(f, n)
        tb.connect(src, h)
        prev = h
        for _ in range(p):
            m = blocks.multiply_const_ff(2.0)
            tb.connect(prev, m)
            prev = m
        tb.connect(prev, blocks.null_sink(f))
    elif kind == "fanout":
        src, h = blocks.null_source(f), blocks.head(f, n)
        tb.connect(src, h)
        for _ in range(p):
            tb.connect(h, blocks.null_sink(f))
    elif kind == "fir":
        if p == "f32":
            sz, fir = f, gr_filter.fir_filter_fff(1, gr_taps())
        else:
            sz, fir = gr.sizeof_gr_complex, gr_filter.fir_filter_ccf(1, gr_taps())
        src, h = blocks.null_source(sz), blocks.head(sz, n)
        tb.connect(src, h, fir, blocks.null_sink(sz))
    elif kind == "add":
        add = blocks.add_ff()
        for i in range(p):
            tb.connect(blocks.null_source(f), (add, i))
        tb.connect(add, blocks.head(f, n), blocks.null_sink(f))
    else:
        raise ValueError(kind)
    tb.start()
    w = threading.Thread(target=tb.wait, daemon=True)
    w.start()
    w.join(timeout)
    if w.is_alive():
        tb.stop()
        w.join(10)
        return None, "timeout after %g s" % timeout
    return time.monotonic() - t0, None


# ---- the table ---------------------------------------------------------------

def fmt(x, spec):
    return "-" if x is None else spec % x


def main():
    ap = argparse.ArgumentParser(description="mq against GNU Radio on the same graphs")
    ap.add_argument("--mqgraph", default=DEFAULT_MQGRAPH)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each side, best kept")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every N")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    ap.add_argument("--only", action="append", help="this graph only (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="every run's time")
    ap.add_argument("--workers", metavar="N|auto|0",
                    help="also run mq with --workers N|auto|0 (a third side, interleaved; "
                         "0: a process per block)")
    a = ap.parse_args()
    if a.rounds < 1 or a.scale <= 0 or a.timeout <= 0:
        ap.error("--rounds, --scale and --timeout must be positive")
    graphs = [g for g in GRAPHS if not a.only or g[0] in a.only]
    if not graphs:
        ap.error("no graph named %s" % ", ".join(a.only))
    if not os.access(a.mqgraph, os.X_OK):
        print("vs_gnuradio: cannot run %s (build mq first)" % a.mqgraph, file=sys.stderr)
        return 2

    if HAVE_GR:
        print("GNU Radio %s (%s), mq %s" % (gr.version(), os.path.dirname(gr.__file__),
                                            a.mqgraph))
        print("fir taps: firdes.low_pass(1, 48000, 5000, 1600) = %d taps" % len(gr_taps()))
    else:
        print("GNU Radio not importable here (%s): mq side only" % GR_ERROR)
        print("  (run with Debian's /usr/bin/python3, with python3-gnuradio installed)")
    print("best of %d interleaved rounds; timeout %g s a run; load: %s" %
          (a.rounds, a.timeout, " ".join("%.2f" % x for x in os.getloadavg())))
    sys.stdout.flush()

    tmp = tempfile.mkdtemp(prefix="mq-vs-gr-")
    rows, odd = [], []
    try:
        for name, kind, p, n0 in graphs:
            n = max(1, int(n0 * a.scale))
            path = os.path.join(tmp, name + ".yaml")
            with open(path, "w") as fh:
                fh.write(mq_yaml(name, kind, p, n))
            best = {"gr": None, "mq": None, "mqw": None}
            for r in range(a.rounds):
                sides = (("gr",) if HAVE_GR else ()) + ("mq",) + (("mqw",) if a.workers else ())
                for side in sides:
                    if side == "gr":
                        dt, why = run_gr(kind, p, n, a.timeout)
                    elif side == "mq":
                        dt, why = run_mq(a.mqgraph, path, a.timeout)
                    else:
                        dt, why = run_mq(a.mqgraph, path, a.timeout, ["--workers", a.workers])
                    if why:
                        odd.append("%s %s round %d: %s" % (name, side, r + 1, why))
                    if a.verbose:
                        print("  %-8s %s round %d: %s" % (name, side, r + 1,
                              why or "%.3f s" % dt), flush=True)
                    if dt is not None and (best[side] is None or dt < best[side]):
                        best[side] = dt
            g = n / best["gr"] / 1e6 if best["gr"] else None
            m = n / best["mq"] / 1e6 if best["mq"] else None
            ratio = m / g if (g and m) else None
            w = n / best["mqw"] / 1e6 if best["mqw"] else None
            rows.append((name, n, best["gr"], g, best["mq"], m, ratio, w,
                         w / g if (g and w) else None))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    wcols = ("  %11s %8s" % ("workers M/s", "wk/GR")) if a.workers else ""
    print("%-9s %11s %9s %11s %9s %11s %8s%s" % ("graph", "items", "GR s", "GR M/s",
                                                "mq s", "mq M/s", "mq/GR", wcols))
    for name, n, gs, g, ms, m, ratio, w, wr in rows:
        print("%-9s %11d %9s %11s %9s %11s %8s%s" % (
            name, n, fmt(gs, "%.3f"), fmt(g, "%.1f"), fmt(ms, "%.3f"),
            fmt(m, "%.1f"), fmt(ratio, "%.2fx"),
            ("  %11s %8s" % (fmt(w, "%.1f"), fmt(wr, "%.2fx"))) if a.workers else ""))
    if a.workers:
        print("workers: mq run --workers %s (the goal below is of the defaults)" % a.workers)
    for o in odd:
        print("odd: " + o)
    if HAVE_GR:
        ratios = [r[6] for r in rows]
        if None in ratios:
            print("goal (mq >= 5x GNU Radio everywhere, none below 2x): not measured "
                  "(a run failed or timed out)")
        else:
            lo = min(ratios)
            low = [r[0] for r in rows if r[6] < 5]
            below2 = [r[0] for r in rows if r[6] < 2]
            met = not low and not below2
            print("goal (mq >= 5x GNU Radio everywhere, none below 2x): %s; lowest %.2fx%s%s"
                  % ("MET" if met else "NOT met", lo,
                     "; below 5x: " + ", ".join(low) if low else "",
                     "; below 2x: " + ", ".join(below2) if below2 else ""))
    else:
        print("goal: not measured (no GNU Radio)")
    print("load after: " + " ".join("%.2f" % x for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
