#!/usr/bin/python3
"""What mqgraph costs before a graph does anything (issue 19, start-up): best of
R interleaved rounds of whole processes, each against `mqgraph --version` (the
baseline: the executable and the libraries it links, no block module) measured in
the same rounds:
  - validate graphs/hello.yaml (4 blocks: the modules of its 4 types);
  - run of a 4-block graph: sig_source -> head(4096) -> multiply_const ->
    null_sink, --quiet (the arena, 4 forks, the summary);
  - blocks (the listing: every module of every block directory, which is what
    validate and run loaded before they loaded only their graph's).

    /usr/bin/python3 bench/startup.py [--build DIR | --mqgraph PATH] [--rounds R]

or `make bench-startup`. Without --mqgraph: the build tree's executable itself
(DIR/mqgraph/.libs/mqgraph, libmq found through LD_LIBRARY_PATH; DIR defaults
to this source tree), not libtool's wrapper script, whose shell would double
the baseline. It reports; it does not judge. Other load skews it:
look at `uptime`.
"""

import argparse
import os
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL = """name: startup
blocks:
  src:  {type: sig_source, params: {frequency: 440, sample_rate: 48000}}
  head: {type: head, params: {items: 4096}}
  amp:  {type: multiply_const, params: {k: 2.0}}
  out:  {type: null_sink}
connections:
  - [src.out, head.in]
  - [head.out, amp.in]
  - [amp.out, out.in]
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mqgraph")
    ap.add_argument("--build", default=os.path.join(HERE, ".."))
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    env = dict(os.environ)
    if a.mqgraph:
        a.mqgraph = os.path.abspath(a.mqgraph)  # it runs in a scratch directory
    else:
        top = os.path.abspath(a.build)
        a.mqgraph = os.path.join(top, "mqgraph", ".libs", "mqgraph")
        libs = os.path.join(top, "libmq", ".libs")
        env["LD_LIBRARY_PATH"] = libs + (":" + env["LD_LIBRARY_PATH"]
                                         if env.get("LD_LIBRARY_PATH") else "")
    with tempfile.TemporaryDirectory(prefix="mq-startup-") as work:
        small = os.path.join(work, "small.yaml")
        with open(small, "w") as f:
            f.write(SMALL)
        cmds = [("--version (baseline)", ["--version"]),
                ("validate hello.yaml", ["validate", os.path.join(HERE, "..", "graphs",
                                                                  "hello.yaml")]),
                ("run, 4 blocks", ["run", small, "--quiet"]),
                ("blocks (every module)", ["blocks"])]
        best = {}
        for _ in range(a.rounds):
            for name, args in cmds:
                t = time.perf_counter()
                p = subprocess.run([a.mqgraph] + args, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
                dt = time.perf_counter() - t
                if p.returncode != 0:
                    raise SystemExit("mqgraph %s exited %d: %s" % (" ".join(args), p.returncode,
                                                                   p.stderr.decode()))
                best[name] = min(best.get(name, dt), dt)
    print("%s, load average %.2f %.2f %.2f, best of %d" % ((a.mqgraph,) + os.getloadavg() +
                                                             (a.rounds,)))
    base = best[cmds[0][0]]
    for name, _ in cmds:
        print("%-22s %7.1f ms  %5.2fx the baseline" % (name, best[name] * 1e3,
                                                       best[name] / base))


if __name__ == "__main__":
    main()
