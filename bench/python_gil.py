#!/usr/bin/python3
"""Python blocks in mq against GNU Radio's (issue 18, part 3).

    /usr/bin/python3 bench/python_gil.py [--mqgraph PATH] [--blocks DIR]
        [--rounds R] [--items N] [--items-per-buffer K] [--buffers B]
        [--timeout T] [--only fir|call] [--verbose]

or `make bench-python`. Two measures:

fir   null_source -> head(N) -> 1 or 2 Python FIR blocks -> sink, each block a
      64-tap np.convolve that carries its last 63 inputs across calls
      (bench/python/fir64.py, the same code on both sides). mq runs each block
      in a process of its own with an interpreter of its own
      (bench/python/mq_fir64.py, `type: python`); GNU Radio 3.10 runs its
      gr.sync_block classes in one interpreter, one GIL for both. mq's source
      makes K items a buffer (default 4096), GNU Radio's blocks are capped at
      K with set_max_noutput_items (their mean items a work call are
      printed). Printed: items/s of each, mq/GR, the CPU each used (cores =
      CPU s / wall s), and how the work per second scales from 1 block to 2.
call  the price of a Python call per buffer: null_source(items_per_buffer K)
      -> head(B buffers) -> multiply_const(2.0) -> sink, once with mq's C
      multiply_const and once with a Python gain doing the same
      (graphs/python/gain.py: np.multiply(in, k, out=out)), for K = 64, 1024
      and 16384. Printed: buffers/s and us a buffer of each (the whole chain's),
      and the difference, the Python call's cost over the C block's.

What is timed. mq's sink is bench/blocks/rate_sink, which notes when its
first and last buffers arrived: mq's figures are of the stream between the
two, without the start-up (a process a block, an interpreter and numpy's
import a Python block: some 0.3 s each, a second and more on a loaded
machine) and the tear-down; the whole `mqgraph run` is printed beside. mq's
CPU is sampled from /proc (utime + stime of every process of mqgraph's
process group: the supervisor and all blocks) every 0.2 s, and its cores are
the CPU over the samples' time inside that window (a scan of /proc takes some
4 ms of this process's CPU, about 2% of a core, not counted in mq's). GNU Radio's figures are of
its whole run, from building the top_block to the end of tb.wait() (a few ms
more than its stream), in this process, and its cores its process time (all
its threads) over that. Every figure is the best (fastest) of R rounds,
default 3, the sides interleaved (GR, mq, GR, mq...; C, Python, C,
Python...), with that run's CPU.

Before measuring, each side's output is checked on a short random input
(file_source -> blocks -> file_sink / vector_sink): the FIR chains of both
against each other and against np.convolve over the whole input, mq's Python
gain against its C multiply_const, byte for byte; the result is printed.

It reports; it does not judge: exit 0 when it ran, 2 on a usage error or when
mqgraph cannot be run, 1 when a check's run failed. Without GNU Radio it says
so and runs mq's side only. Other load on the machine skews every figure: the
load average is printed before and after; run it on an idle machine. Ctrl-C
(or SIGTERM) stops the run in progress (SIGINT to mqgraph, which stops its
blocks; tb.stop() for GNU Radio) and removes the temporary files.
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

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
PYDIR = os.path.join(HERE, "python")
FIR_PY = os.path.join(PYDIR, "mq_fir64.py")
GAIN_PY = os.path.join(TOP, "graphs", "python", "gain.py")
DEFAULT_MQGRAPH = os.path.join(TOP, "mqgraph", "mqgraph")
CALL_IPB = (64, 1024, 16384)
SAMPLE_S = 0.2
TICK = os.sysconf("SC_CLK_TCK")

sys.dont_write_bytecode = True   # no __pycache__ left in bench/python
sys.path.insert(0, PYDIR)
import fir64  # noqa: E402

try:
    from gnuradio import gr, blocks
    HAVE_GR = True
    GR_ERROR = None
except Exception as e:  # ImportError, or a broken install
    HAVE_GR = False
    GR_ERROR = "%s: %s" % (type(e).__name__, e)

# what a Ctrl-C must stop: the mqgraph process running (GNU Radio's top_block
# is stopped where it runs, in run_gr)
RUNNING = {"mq": None}


class Odd(Exception):
    """A run that failed or timed out: listed, left out of the best."""


class Run:
    """One run's figures: `secs` of stream carrying `items` in `buffers`, with
    `cores` used meanwhile (None if not known), of a run `wall` s long."""

    def __init__(self, wall, secs, items, buffers, cores, calls=None):
        self.wall, self.secs, self.items, self.buffers = wall, secs, items, buffers
        self.cores, self.calls = cores, calls

    def rate(self):
        return self.items / self.secs


# ---- mq ----------------------------------------------------------------------

def mq_graph(name, source, chain, sink):
    """A chain graph: source and sink are block mappings, chain (name, mapping)s."""
    bl = [("src", source)] + chain + [("sink", sink)]
    lines = ["name: %s" % name, "blocks:"]
    lines += ["  %s: %s" % (k, v) for k, v in bl]
    lines.append("connections:")
    lines += ["  - [%s.out, %s.in]" % (bl[i][0], bl[i + 1][0]) for i in range(len(bl) - 1)]
    return "\n".join(lines) + "\n"


def fir_blocks(k):
    return [("fir%d" % i, '{type: python, params: {path: "%s", class: Fir64}}' % FIR_PY)
            for i in range(k)]


def group_cpu(pgrp):
    """CPU seconds (user + system) of the live processes of a process group."""
    ticks = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
        except OSError:
            continue   # gone meanwhile
        # after the name in parentheses: state ppid pgrp ... utime(12th) stime
        x = st[st.rindex(b")") + 2:].split()
        if int(x[2]) == pgrp:
            ticks += int(x[11]) + int(x[12])
    return ticks / TICK


class Sampler(threading.Thread):
    """(monotonic ns, CPU s of the group) every SAMPLE_S until stopped."""

    def __init__(self, pgrp):
        super().__init__(daemon=True)
        self.pgrp, self.samples, self.done = pgrp, [], threading.Event()

    def run(self):
        while True:
            self.samples.append((time.monotonic_ns(), group_cpu(self.pgrp)))
            if self.done.wait(SAMPLE_S):
                return

    def cores(self, t0, t1):
        """CPU s / s between the first and last samples in [t0, t1] ns."""
        s = [x for x in self.samples if t0 <= x[0] <= t1]
        if len(s) < 3:
            return None
        return (s[-1][1] - s[0][1]) / ((s[-1][0] - s[0][0]) / 1e9)


def run_mq(a, work, name, text, rate_file=None):
    """One `mqgraph run`: its wall s if rate_file is None, else a Run of the
    stream that rate_sink wrote into rate_file."""
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    t0 = time.monotonic()
    p = subprocess.Popen([a.mqgraph, "run", path, "--quiet"], cwd=work, env=a.env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    RUNNING["mq"] = p
    sampler = Sampler(p.pid)
    if rate_file:
        sampler.start()
    try:
        out, err = p.communicate(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        stop_mq(p)
        raise Odd("timeout after %g s" % a.timeout)
    finally:
        sampler.done.set()
        if sampler.is_alive():
            sampler.join()
        RUNNING["mq"] = None if p.returncode is not None else p
    wall = time.monotonic() - t0
    if p.returncode != 0:
        msg = (err or out).decode(errors="replace").strip().splitlines()
        raise Odd("mqgraph exit %d: %s" % (p.returncode, msg[-1] if msg else ""))
    if not rate_file:
        return wall
    with open(rate_file) as f:
        bufs, items, first_items, first_ns, last_ns = (int(x) for x in f.read().split())
    if bufs < 2 or last_ns <= first_ns:
        raise Odd("%d buffers reached the sink: too few to time" % bufs)
    return Run(wall, (last_ns - first_ns) / 1e9, items - first_items, bufs - 1,
               sampler.cores(first_ns, last_ns))


def stop_mq(p):
    """SIGINT to mqgraph's group (it stops its blocks), SIGKILL if that fails."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGINT)
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
        except ProcessLookupError:
            p.communicate()


def rate_sink(work):
    path = os.path.join(work, "rate.txt")
    return path, '{type: rate_sink, params: {path: "%s"}}' % path


# ---- GNU Radio ---------------------------------------------------------------

if HAVE_GR:
    class GrFir64(gr.sync_block):
        """fir64.Fir64 as a GNU Radio block; counts its work calls."""

        def __init__(self, max_items):
            gr.sync_block.__init__(self, name="fir64", in_sig=[np.float32],
                                   out_sig=[np.float32])
            # tb.start(max_noutput_items) does not cap a Python block's calls
            self.set_max_noutput_items(max_items)
            self.fir = fir64.Fir64()
            self.calls = 0

        def work(self, input_items, output_items):
            self.fir.filter(input_items[0], output_items[0])
            self.calls += 1
            return len(output_items[0])


def run_gr(build, timeout):
    """(wall s, CPU s of this process, what build returned beside the
    top_block) of one GNU Radio run."""
    c0 = time.process_time()
    t0 = time.monotonic()
    tb, watched = build()
    late = []
    timer = threading.Timer(timeout, lambda: (late.append(True), tb.stop()))
    # tb.wait() in this thread: GNU Radio's wait polls, so Ctrl-C reaches us
    # here; without its own handling it is raised, not swallowed, and the
    # flowgraph is stopped and waited for before anything else (a process that
    # exits with its threads running crashes in their destructors)
    tb.handle_sigint = False
    tb.start()
    timer.start()
    try:
        tb.wait()
    except BaseException:
        tb.stop()
        tb.wait()
        raise
    finally:
        timer.cancel()
        timer.join()
    if late:
        raise Odd("timeout after %g s" % timeout)
    return time.monotonic() - t0, time.process_time() - c0, watched


def gr_fir_chain(k, n, max_items):
    def build():
        tb = gr.top_block()
        f = gr.sizeof_float
        firs = [GrFir64(max_items) for _ in range(k)]   # referenced until the run ends
        tb.connect(blocks.null_source(f), blocks.head(f, n), *firs, blocks.null_sink(f))
        return tb, firs
    return build


# ---- the output checks -------------------------------------------------------

def check_fir(a, work):
    """Both sides' FIR chains on a random input, against each other and numpy."""
    ipb = a.items_per_buffer
    n = 3 * ipb + 123   # not a whole number of buffers
    x = np.random.default_rng(18).standard_normal(n).astype(np.float32)
    inp = os.path.join(work, "check.f32")
    x.tofile(inp)
    lines = []
    for k in (1, 2):
        ref = fir64.reference(x, k)
        outp = os.path.join(work, "check_fir%d.out.f32" % k)
        run_mq(a, work, "pygil_check%d" % k, mq_graph(
            "pygil_check%d" % k,
            '{type: file_source, params: {path: "%s", items_per_buffer: %d}}' % (inp, ipb),
            fir_blocks(k), '{type: file_sink, params: {path: "%s"}}' % outp))
        m = np.fromfile(outp, np.float32)
        res = ["mq %s" % compare(m, ref)]
        if HAVE_GR:
            def build():
                tb = gr.top_block()
                snk = blocks.vector_sink_f()
                # a Python block must stay referenced while its flowgraph runs
                firs = [GrFir64(ipb) for _ in range(k)]
                tb.connect(blocks.file_source(gr.sizeof_float, inp, False), *firs, snk)
                return tb, (snk, firs)
            _, _, (snk, _) = run_gr(build, a.timeout)
            g = np.array(snk.data(), np.float32)
            res.append("GNU Radio %s" % compare(g, ref))
            res.append("mq against GNU Radio: %s" % compare(m, g))
        lines.append("  %d FIR%s, %d items, against np.convolve of the whole input: %s"
                     % (k, "s" if k > 1 else "", n, "; ".join(res)))
    return lines


def compare(a, b):
    if len(a) != len(b):
        return "DIFFER (%d items against %d)" % (len(a), len(b))
    if np.array_equal(a, b):
        return "identical"
    d = float(np.max(np.abs(a.astype(np.float64) - b)))
    return ("equal to %.1e" % d) if np.allclose(a, b, rtol=1e-5, atol=1e-5) else \
        "DIFFER (largest difference %.3g)" % d


def check_call(a, work):
    """mq's Python gain against its C multiply_const, byte for byte."""
    n = 5 * 64 + 7
    x = np.random.default_rng(3).standard_normal(n).astype(np.float32)
    inp = os.path.join(work, "check_call.f32")
    x.tofile(inp)
    outs = {}
    for side, blk in CALL_BLOCKS:
        outp = os.path.join(work, "check_call_%s.f32" % side)
        run_mq(a, work, "pygil_callcheck_" + side, mq_graph(
            "pygil_callcheck_" + side,
            '{type: file_source, params: {path: "%s", items_per_buffer: 64}}' % inp,
            [("m", blk)], '{type: file_sink, params: {path: "%s"}}' % outp))
        with open(outp, "rb") as f:
            outs[side] = f.read()
    same = outs["C"] == outs["Python"] and len(outs["C"]) == 4 * n
    return "  Python gain against C multiply_const, %d items: %s" % (
        n, "identical" if same else "DIFFER (%d and %d bytes)" % (len(outs["C"]),
                                                                 len(outs["Python"])))


CALL_BLOCKS = (("C", "{type: multiply_const, params: {k: 2.0}}"),
               ("Python", '{type: python, params: {path: "%s", class: Gain, '
                          'args: {k: 2.0}}}' % GAIN_PY))


# ---- measuring ---------------------------------------------------------------

def measure(runs, rounds, odd, verbose):
    """runs: [(label, fn)], fn() -> Run; interleaved rounds; the fastest of each."""
    best = {}
    for r in range(rounds):
        for label, fn in runs:
            try:
                run = fn()
            except Odd as e:
                odd.append("%s round %d: %s" % (label, r + 1, e))
                continue
            if verbose:
                print("    %-14s round %d: %.3f s of stream (run %.3f s), %.3g items/s, "
                      "cores %s" % (label, r + 1, run.secs, run.wall, run.rate(),
                                    fmt(run.cores, "%.2f")), flush=True)
            if label not in best or run.rate() > best[label].rate():
                best[label] = run
    return best


def fmt(x, spec):
    return "-" if x is None else spec % x


def bench_fir(a, work, odd):
    n, ipb = a.items, a.items_per_buffer
    sides = ("gr", "mq") if HAVE_GR else ("mq",)
    rate_file, sink = rate_sink(work)
    runs = []
    for k in (1, 2):
        for side in sides:
            if side == "gr":
                def fn(k=k):
                    wall, cpu, firs = run_gr(gr_fir_chain(k, n, ipb), a.timeout)
                    calls = sum(f.calls for f in firs)
                    return Run(wall, wall, n, None, cpu / wall, n * k / calls)
            else:
                name = "pygil_fir%d" % k
                text = mq_graph(name, "{type: null_source, params: {items_per_buffer: %d}}"
                                % ipb, [("head", "{type: head, params: {items: %d}}" % n)] +
                                fir_blocks(k), sink)

                def fn(name=name, text=text):
                    return run_mq(a, work, name, text, rate_file)
            runs.append(("%s fir x%d" % (side, k), fn))
    best = measure(runs, a.rounds, odd, a.verbose)
    print()
    print("fir: null_source -> head(%d) -> K x Python 64-tap np.convolve -> sink, "
          "%d items a buffer" % (n, ipb))
    print("%2s %-4s %10s %10s %8s %6s %8s" % ("K", "side", "stream s", "whole s", "M/s",
                                             "cores", "mq/GR"))
    for k in (1, 2):
        b = {s: best.get("%s fir x%d" % (s, k)) for s in sides}
        for side in sides:
            r = b[side]
            ratio = None
            if side == "mq" and HAVE_GR and r and b["gr"]:
                ratio = r.rate() / b["gr"].rate()
            print("%2d %-4s %10s %10s %8s %6s %8s" % (
                k, side, fmt(r and r.secs, "%.3f"), fmt(r and r.wall, "%.3f"),
                fmt(r and r.rate() / 1e6, "%.2f"), fmt(r and r.cores, "%.2f"),
                fmt(ratio, "%.2fx")))
        if HAVE_GR and b["gr"]:
            print("%2s GNU Radio's work calls had %.0f items on average" % ("", b["gr"].calls))
    sc = []
    for side in sides:
        one, two = best.get("%s fir x1" % side), best.get("%s fir x2" % side)
        if one and two:
            sc.append("%s %.2fx" % ("GNU Radio" if side == "gr" else "mq",
                                    2 * two.rate() / one.rate()))
    if sc:
        print("work per second, 2 FIRs against 1 (2.00x: two cores' worth): " + ", ".join(sc))


def bench_call(a, work, odd):
    rate_file, sink = rate_sink(work)
    runs = []
    for ipb in CALL_IPB:
        for side, blk in CALL_BLOCKS:
            name = "pygil_call%d_%s" % (ipb, side)
            text = mq_graph(name, "{type: null_source, params: {items_per_buffer: %d}}" % ipb,
                            [("head", "{type: head, params: {items: %d}}" % (a.buffers * ipb)),
                             ("m", blk)], sink)

            def fn(name=name, text=text):
                return run_mq(a, work, name, text, rate_file)
            runs.append(("%s %d" % (side, ipb), fn))
    best = measure(runs, a.rounds, odd, a.verbose)
    print()
    print("call: null_source -> head(%d buffers) -> multiply_const(2.0), C or Python "
          "-> sink (mq)" % a.buffers)
    print("%6s %12s %12s %10s %10s %10s" % ("items", "C buf/s", "Py buf/s", "C us",
                                           "Py us", "Py - C us"))
    for ipb in CALL_IPB:
        us = {}
        for side, _ in CALL_BLOCKS:
            r = best.get("%s %d" % (side, ipb))
            us[side] = r.secs / r.buffers * 1e6 if r else None
        c, p = us["C"], us["Python"]
        print("%6d %12s %12s %10s %10s %10s" % (
            ipb, fmt(c and 1e6 / c, "%.0f"), fmt(p and 1e6 / p, "%.0f"), fmt(c, "%.2f"),
            fmt(p, "%.2f"), fmt(None if None in (c, p) else p - c, "%.2f")))
    print("(us a buffer are the whole chain's, source to sink; the difference is what "
          "the Python call costs over the C block)")


def interrupted(signum, frame):
    """SIGTERM ends the run as Ctrl-C does, cleaning up."""
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description="Python blocks in mq against GNU Radio's")
    ap.add_argument("--mqgraph", default=DEFAULT_MQGRAPH)
    ap.add_argument("--blocks", default=os.path.join(HERE, "blocks", ".libs"),
                    help="where rate_sink is built")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each, best kept")
    ap.add_argument("--items", type=int, default=1 << 24, help="items through the FIRs")
    ap.add_argument("--items-per-buffer", type=int, default=4096, help="of the FIR runs")
    ap.add_argument("--buffers", type=int, default=50000, help="buffers of the call runs")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a run")
    ap.add_argument("--only", choices=("fir", "call"), help="one measure only")
    ap.add_argument("--verbose", action="store_true", help="every run's figures")
    a = ap.parse_args()
    if a.rounds < 1 or a.timeout <= 0 or a.items_per_buffer < 1 or a.buffers < 3 or \
            a.items < 3 * a.items_per_buffer:
        ap.error("--rounds, --timeout and --items-per-buffer must be positive, --buffers "
                 "at least 3, --items at least 3 buffers")
    a.mqgraph = os.path.abspath(a.mqgraph)
    if not os.access(a.mqgraph, os.X_OK):
        print("python_gil: cannot run %s (build mq first)" % a.mqgraph, file=sys.stderr)
        return 2
    if not os.path.exists(os.path.join(a.blocks, "rate_sink.so")):
        print("python_gil: no rate_sink.so in %s (make bench-python builds it)" % a.blocks,
              file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="mq-bench-pygil-")
    # mqgraph's control sockets go into the temporary directory, and with it
    a.env = dict(os.environ, XDG_RUNTIME_DIR=work, MQ_BLOCK_PATH="%s:%s" % (
        os.path.abspath(a.blocks), os.path.join(os.path.dirname(a.mqgraph), "..", "blocks",
                                                ".libs")))

    if HAVE_GR:
        print("GNU Radio %s (%s), mq %s" % (gr.version(), os.path.dirname(gr.__file__),
                                            a.mqgraph))
    else:
        print("GNU Radio not importable here (%s): mq side only" % GR_ERROR)
        print("  (run with Debian's /usr/bin/python3, with python3-gnuradio installed)")
    print("numpy %s, %s; %d CPUs; best of %d interleaved rounds; load: %s" % (
        np.__version__, sys.executable, os.cpu_count(), a.rounds,
        " ".join("%.2f" % x for x in os.getloadavg())))
    sys.stdout.flush()

    odd = []
    signal.signal(signal.SIGTERM, interrupted)
    try:
        print("output checks:")
        if a.only != "call":
            for line in check_fir(a, work):
                print(line)
        if a.only != "fir":
            print(check_call(a, work))
        sys.stdout.flush()
        if a.only != "call":
            bench_fir(a, work, odd)
        if a.only != "fir":
            bench_call(a, work, odd)
    except Odd as e:
        print("python_gil: an output check could not run: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\npython_gil: interrupted", file=sys.stderr)
        return 130
    finally:
        if RUNNING["mq"] is not None:
            stop_mq(RUNNING["mq"])
        shutil.rmtree(work, ignore_errors=True)
    for o in odd:
        print("odd: " + o)
    print("load after: " + " ".join("%.2f" % x for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
