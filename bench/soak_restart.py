#!/usr/bin/python3
# soak_restart.py - a random-kill soak of restarts with checkpoints: proves that what
# a graph delivers is exactly what it was asked for, less what mqgraph says it lost.
#
# What it does: runs small graphs through `mqgraph run`, one after another (each in
# its own temporary directory, under its own graph name), every block with
#   restart: {policy: on-failure, max_restarts: 100000, backoff_ms: 1, max_backoff_ms: 5}
# While a run goes on, a killer thread picks a random block every 5-40 ms and sends
# SIGKILL to its current process (found by its name, mq:GRAPH:BLOCK, among the
# processes of the run's session); after 30% of the kills it waits for the block's
# new process and kills that one too, as soon as it has its name (a kill right after
# a restart). Killing stops when the run ends. The graphs, in turn:
#   A  vector_source [0..1023] repeat, 1024 items a buffer -> head (1024*1953 items)
#      -> throttle (4e6 items/s) -> file_sink
#   B  file_source (1,000,000 f32 values 0..999999, 4096 items a buffer)
#      -> throttle (2e6 items/s) -> file_sink
#   C  clock_source (realtime, 2000 buffers/s, 500 items a buffer: item i of slot j
#      is j*500+i) -> head (500,000 items) -> file_sink
#
# What it asserts, for every run:
#   - mqgraph ends by itself (no hang) and leaves no process of its session behind;
#   - its exit status is 3 if it reported a loss, 0 if not;
#   - the losses of the per-death lines ("...; lost 1 buffer, 1024 items on a.out ->
#     b.in") add up, per connection, to the end summary ("blocks that died lost
#     data:"), whose total is the one of the "completed with losses" line; no loss is
#     reported on no connection;
#   - the items in the output file are exactly:
#       A  1024*1953 - lost on head.out -> thr.in - lost on thr.out -> out.in
#          (losses on src.out -> head.in are before head counts, so they are made up)
#       B  1,000,000 - every loss
#       C  500,000 - lost on head.out -> out.in
#   - A's output is whole runs 0..1023 (every loss a whole buffer, none sent twice);
#     B's and C's output is strictly increasing integers (a subsequence of the input:
#     nothing sent twice), within the input's range;
#   - no PATH.part* file is left, and no /dev/shm/mq.GRAPH.* arena.
#
# How to run (from the build tree, after `make`):
#   bench/soak_restart.py [--kills K] [--mqgraph PATH] [--keep] [--seed S]
#                         [--graphs ABC] [--timeout SECONDS]
# It starts no new run once K kills were sent (default 1000), prints a line per run
# and a summary (runs, kills by block, deaths, lost items, failures, wall time) and
# exits 1 if any run failed (with that run's stderr), 0 if none did. --mqgraph
# defaults to ../mqgraph/mqgraph next to this script; --keep keeps the temporary
# directories. Python 3, standard library only.

import argparse
import array
import atexit
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

RESTART = "{policy: on-failure, max_restarts: 100000, backoff_ms: 1, max_backoff_ms: 5}"

A_N = 1024 * 1953
B_M = 1000000
C_IPB = 500
C_N = C_IPB * 1000

# The run going on, so that an exit of any kind takes it down with us.
current = {"proc": None}


def reap(proc):
    """Kill the run's process group, wait for mqgraph, and kill whatever is left of
    its session (block processes are in its session)."""
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for pid in session_pids(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def reap_current():
    reap(current["proc"])
    current["proc"] = None


def on_signal(signum, frame):
    reap_current()
    sys.exit(128 + signum)


def read_stat(pid):
    """(comm, session) of a process, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    lp, rp = s.find("("), s.rfind(")")
    if lp < 0 or rp < 0:
        return None
    rest = s[rp + 2:].split()
    # rest: state ppid pgrp session ...
    try:
        return s[lp + 1:rp], int(rest[3]), rest[0]
    except (IndexError, ValueError):
        return None


def session_pids(sid):
    """Every live (not zombie) process of session sid but its leader."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        if pid == sid:
            continue
        st = read_stat(pid)
        if st and st[1] == sid and st[2] != "Z":
            out.append(pid)
    return out


def children(sup):
    """The children of process sup (all its threads), or None if the kernel does not
    say (then the caller scans /proc)."""
    kids = []
    try:
        tasks = os.listdir("/proc/%d/task" % sup)
    except OSError:
        return []
    ok = False
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (sup, t)) as f:
                kids.extend(int(x) for x in f.read().split())
            ok = True
        except (OSError, ValueError):
            pass
    return kids if ok else None


def block_pids(sup):
    """{comm: pid} of the run's block processes, by their names."""
    kids = children(sup)
    if kids is None:
        kids = session_pids(sup)
    out = {}
    for pid in kids:
        st = read_stat(pid)
        if st and st[1] == sup and st[2] != "Z" and st[0].startswith("mq:"):
            out[st[0]] = pid
    return out


# ---- the graphs ----------------------------------------------------------------

def graph_yaml(name, blocks, conns):
    lines = ["name: %s" % name, "blocks:"]
    for b, (typ, params) in blocks.items():
        lines.append("  %s: {type: %s, params: {%s}, restart: %s}" % (b, typ, params, RESTART))
    lines.append("connections:")
    for a, b in conns:
        lines.append("  - [%s, %s]" % (a, b))
    return "\n".join(lines) + "\n"


def read_f32(path):
    a = array.array("f")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) % 4:
        return None, "the output is %d bytes, not whole f32 items" % len(data)
    a.frombytes(data)
    if sys.byteorder != "little":
        a.byteswap()
    return a, None


def check_increasing(a, hi):
    prev = -1.0
    for k, v in enumerate(a):
        if not v > prev:
            return "item %d is %r after %r: not strictly increasing" % (k, v, prev)
        prev = v
    if len(a) and (a[-1] >= hi or a[-1] != int(a[-1])):
        return "last item %r is not an integer below %d" % (a[-1], hi)
    for k in range(0, len(a), max(1, len(a) // 64)):  # spot-check integrality
        if a[k] != int(a[k]):
            return "item %d is %r, not an integer" % (k, a[k])
    return None


def make_a(d, name):
    vals = "[" + ", ".join(str(i) for i in range(1024)) + "]"
    blocks = {
        "src": ("vector_source", "values: %s, repeat: true, items_per_buffer: 1024" % vals),
        "head": ("head", "items: %d" % A_N),
        "thr": ("throttle", "rate: 4000000"),
        "out": ("file_sink", "path: out_a.f32"),
    }
    conns = [("src.out", "head.in"), ("head.out", "thr.in"), ("thr.out", "out.in")]
    ref = array.array("f", range(1024))

    def check(lost):
        exp = A_N - lost.get("head.out -> thr.in", 0) - lost.get("thr.out -> out.in", 0)
        a, err = read_f32(os.path.join(d, "out_a.f32"))
        if err:
            return len(a) if a else 0, exp, err
        if len(a) != exp:
            return len(a), exp, "%d items out, expected %d" % (len(a), exp)
        if len(a) % 1024:
            return len(a), exp, "%d items out: not whole buffers of 1024" % len(a)
        for k in range(0, len(a), 1024):
            if a[k:k + 1024] != ref:
                bad = next(i for i in range(1024) if a[k + i] != ref[i])
                return len(a), exp, ("run %d (item %d) is not 0..1023: item %d is %r" %
                                     (k // 1024, k, k + bad, a[k + bad]))
        for c, n in lost.items():
            if n % 1024:
                return len(a), exp, "%s lost %d items: not whole buffers" % (c, n)
        return len(a), exp, None

    return graph_yaml(name, blocks, conns), list(blocks), ["out_a.f32"], check


def make_b(d, name):
    src = array.array("f", range(B_M))
    if sys.byteorder != "little":
        src.byteswap()
    with open(os.path.join(d, "in_b.f32"), "wb") as f:
        src.tofile(f)
    blocks = {
        "src": ("file_source", "path: in_b.f32, items_per_buffer: 4096"),
        "thr": ("throttle", "rate: 2000000"),
        "out": ("file_sink", "path: out_b.f32"),
    }
    conns = [("src.out", "thr.in"), ("thr.out", "out.in")]

    def check(lost):
        exp = B_M - sum(lost.values())
        a, err = read_f32(os.path.join(d, "out_b.f32"))
        if err:
            return 0, exp, err
        if len(a) != exp:
            return len(a), exp, "%d items out, expected %d" % (len(a), exp)
        return len(a), exp, check_increasing(a, B_M)

    return graph_yaml(name, blocks, conns), list(blocks), ["out_b.f32"], check


def make_c(d, name):
    blocks = {
        "src": ("clock_source", "rate: 2000, items_per_buffer: %d, realtime: true" % C_IPB),
        "head": ("head", "items: %d" % C_N),
        "out": ("file_sink", "path: out_c.f32"),
    }
    conns = [("src.out", "head.in"), ("head.out", "out.in")]

    def check(lost):
        exp = C_N - lost.get("head.out -> out.in", 0)
        a, err = read_f32(os.path.join(d, "out_c.f32"))
        if err:
            return 0, exp, err
        if len(a) != exp:
            return len(a), exp, "%d items out, expected %d" % (len(a), exp)
        return len(a), exp, check_increasing(a, 2 ** 24)

    return graph_yaml(name, blocks, conns), list(blocks), ["out_c.f32"], check


MAKERS = {"A": make_a, "B": make_b, "C": make_c}

# ---- stderr ----------------------------------------------------------------------

RE_DEATH = re.compile(r"^mqgraph: block '([^']+)' \(\S+, pid (\d+)\) (.*)$")
RE_DEATH_LOSS = re.compile(r"(\d+) buffers?, (\d+) items on (\S+ -> \S+)")
RE_SUMMARY_LINE = re.compile(r"^mqgraph:   (\S+ -> \S+): (\d+) buffers?, (\d+) items$")
RE_TOTAL = re.compile(r"^mqgraph: the graph completed with losses \((\d+) buffers?, (\d+) items\)")
RE_UNNAMED = re.compile(r"; lost \d+ buffers? \(\d+ bytes\)")


def parse_stderr(text):
    """deaths {block: n}, per-death losses {conn: items}, summary losses {conn: items},
    total (buffers, items) or None, problems [str]."""
    deaths, per_death, summary, problems = Counter(), Counter(), Counter(), []
    total = None
    in_summary = False
    for line in text.splitlines():
        m = RE_DEATH.match(line)
        if m:
            deaths[m.group(1)] += 1
            for b, n, c in RE_DEATH_LOSS.findall(m.group(3)):
                per_death[c] += int(n)
            if RE_UNNAMED.search(line):
                problems.append("a loss on no connection: " + line)
            if "restarting it" not in m.group(3):
                problems.append("a death not restarted: " + line)
            continue
        if line == "mqgraph: blocks that died lost data:":
            in_summary = True
            continue
        m = RE_SUMMARY_LINE.match(line)
        if in_summary and m:
            summary[m.group(1)] += int(m.group(3))
            continue
        m = RE_TOTAL.match(line)
        if m:
            total = (int(m.group(1)), int(m.group(2)))
            in_summary = False
            continue
        in_summary = False
    return deaths, per_death, summary, total, problems


# ---- one run ---------------------------------------------------------------------

class Killer(threading.Thread):
    def __init__(self, proc, name, blocks, rng):
        super().__init__(daemon=True)
        self.proc, self.name, self.blocks, self.rng = proc, name, blocks, rng
        self.stop = threading.Event()
        self.kills = Counter()
        self.rekills = 0

    def kill(self, pid, comm):
        # The pid must still be that block of this run: it cannot have been reused
        # unless it died, and then its name or session differ.
        st = read_stat(pid)
        if not st or st[0] != comm or st[1] != self.proc.pid or st[2] == "Z":
            return False
        try:
            os.kill(pid, signal.SIGKILL)
            return True
        except ProcessLookupError:
            return False

    def run(self):
        sup = self.proc.pid
        while not self.stop.is_set() and self.proc.poll() is None:
            if self.stop.wait(self.rng.uniform(0.005, 0.040)):
                break
            b = self.rng.choice(self.blocks)
            comm = "mq:%s:%s" % (self.name, b)
            pid = block_pids(sup).get(comm)
            if pid is None or not self.kill(pid, comm):
                continue
            self.kills[b] += 1
            if self.rng.random() >= 0.3:
                continue
            # Wait for its new process and kill that one as soon as it has its name.
            deadline = time.monotonic() + 0.5
            while not self.stop.is_set() and self.proc.poll() is None and \
                    time.monotonic() < deadline:
                new = block_pids(sup).get(comm)
                if new is not None and new != pid:
                    if self.kill(new, comm):
                        self.kills[b] += 1
                        self.rekills += 1
                    break
                time.sleep(0.0003)


def run_trial(k, kind, args, root, rng):
    name = "s%s%d" % (kind.lower(), k)
    d = tempfile.mkdtemp(prefix="trial%d_%s_" % (k, kind), dir=root)
    yaml, blocks, outputs, check = MAKERS[kind](d, name)
    for b in blocks:
        assert len("mq:%s:%s" % (name, b)) <= 15, "process names are cut at 15 characters"
    with open(os.path.join(d, "g.yaml"), "w") as f:
        f.write(yaml)

    t0 = time.monotonic()
    errf = open(os.path.join(d, "stderr"), "w+")
    outf = open(os.path.join(d, "stdout"), "w+")
    proc = subprocess.Popen([args.mqgraph, "run", "g.yaml"], cwd=d, stdout=outf,
                            stderr=errf, stdin=subprocess.DEVNULL, start_new_session=True)
    current["proc"] = proc
    killer = Killer(proc, name, blocks, rng)
    killer.start()
    fails = []
    try:
        rc = proc.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        rc = None
        fails.append("hang: mqgraph still running after %g s" % args.timeout)
    killer.stop.set()
    killer.join()
    elapsed = time.monotonic() - t0
    left = session_pids(proc.pid)
    if left:
        names = [(p, (read_stat(p) or ("?",))[0]) for p in left]
        fails.append("processes left after mqgraph ended: %s" % names)
    reap(proc)
    current["proc"] = None
    errf.seek(0)
    stderr = errf.read()
    errf.close()
    outf.close()

    deaths, per_death, summary, total, problems = parse_stderr(stderr)
    fails.extend(problems)
    # A run that did not end printed no summary: count what its deaths said.
    lost = dict(summary) if rc is not None else dict(per_death)
    lost_items = sum(lost.values())
    if rc is not None and dict(per_death) != dict(summary):
        fails.append("per-death losses %s differ from the summary %s" %
                     (dict(per_death), dict(summary)))
    if rc is not None and summary and (total is None or total[1] != lost_items):
        fails.append("summary lines add up to %d items, the total line says %s" %
                     (lost_items, total))
    if total is not None and not summary:
        fails.append("a total of losses without a line per connection")
    exp_rc = 3 if lost_items else 0
    got = exp_ok = None
    if rc is not None:
        if rc != exp_rc:
            fails.append("exit status %d, expected %d" % (rc, exp_rc))
        got, exp_ok, err = check(lost)
        if err:
            fails.append(err)
    for f in os.listdir(d):
        if any(f.startswith(o + ".part") for o in outputs):
            fails.append("part file left: %s" % f)
    shm = [f for f in os.listdir("/dev/shm") if f.startswith("mq.%s." % name)]
    if shm:
        if rc is not None:  # after a hang, the SIGKILL of mqgraph itself left it
            fails.append("arena left in /dev/shm: %s" % shm)
        for f in shm:
            try:
                os.unlink(os.path.join("/dev/shm", f))
            except OSError:
                pass
    nk = sum(killer.kills.values())
    print("run %3d %s %-6s %3d kills (%s; %d right after a restart), %3d deaths, "
          "lost %7d items, out %7s of %7s items, exit %s, %.2f s: %s" %
          (k, kind, name, nk, " ".join("%s %d" % (b, killer.kills[b]) for b in blocks),
           killer.rekills, sum(deaths.values()), lost_items, got, exp_ok, rc, elapsed,
           "ok" if not fails else "FAILED"), flush=True)
    if fails:
        for f in fails:
            print("    " + f)
        print("    directory: %s" % d)
        lines = stderr.splitlines()
        if len(lines) > 150:  # a restart loop: its start and its end
            lines = lines[:100] + ["... %d lines left out (all in %s) ..." %
                                   (len(lines) - 130, os.path.join(d, "stderr"))] + lines[-30:]
        print("    ---- stderr ----")
        for line in lines:
            print("    " + line)
        print("    ---- end ----", flush=True)
    elif not args.keep:
        shutil.rmtree(d, ignore_errors=True)
    return killer.kills, killer.rekills, deaths, lost_items, fails


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description="random-kill soak of restarts with checkpoints")
    p.add_argument("--kills", type=int, default=1000,
                   help="start no new run once this many kills were sent (default 1000)")
    p.add_argument("--mqgraph", default=os.path.join(here, "..", "mqgraph", "mqgraph"))
    p.add_argument("--keep", action="store_true", help="keep the temporary directories")
    p.add_argument("--seed", type=int, default=None, help="seed of the killer's choices")
    p.add_argument("--graphs", default="ABC", help="which graphs, in turn (default ABC)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds a run may take before it counts as hung (default 60)")
    args = p.parse_args()
    args.mqgraph = os.path.abspath(args.mqgraph)
    kinds = [g for g in args.graphs.upper() if g in MAKERS]
    if not kinds:
        p.error("--graphs: none of A, B, C")
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)

    atexit.register(reap_current)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    root = tempfile.mkdtemp(prefix="soak_restart.")
    print("soak_restart: seed %d, %s, directory %s" % (seed, args.mqgraph, root), flush=True)

    t0 = time.monotonic()
    kills, deaths, per_kind = Counter(), Counter(), Counter()
    rekills = lost = 0
    failed = []
    k = 0
    while sum(kills.values()) < args.kills:
        kind = kinds[k % len(kinds)]
        kk, rk, dd, ll, ff = run_trial(k, kind, args, root, rng)
        for b, n in kk.items():
            kills["%s.%s" % (kind, b)] += n
        deaths.update({"%s.%s" % (kind, b): n for b, n in dd.items()})
        per_kind[kind] += 1
        rekills += rk
        lost += ll
        if ff:
            failed.append(k)
        k += 1
    wall = time.monotonic() - t0

    print("summary: %d runs (%s), %d kills (%d right after a restart), %d deaths, "
          "%d items lost, %d failed%s, %.1f s" %
          (k, ", ".join("%s %d" % (g, per_kind[g]) for g in kinds), sum(kills.values()),
           rekills, sum(deaths.values()), lost, len(failed),
           (" (runs %s)" % " ".join(map(str, failed))) if failed else "", wall))
    by_type = Counter()
    for kb, n in kills.items():
        by_type[kb.split(".")[1]] += n
    print("kills by block: " + ", ".join("%s %d (deaths %d)" % (kb, kills[kb], deaths[kb])
                                          for kb in sorted(kills)))
    print("kills by block name: " + ", ".join("%s %d" % (b, n) for b, n in sorted(by_type.items())))
    if not args.keep and not failed:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
