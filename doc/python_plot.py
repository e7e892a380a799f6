#!/usr/bin/python3
"""python_plot.py - a graph built, run and plotted from Python (doc/python.md).

A 1 kHz and a 10 kHz sine at 48 kHz are added and low-passed by a 31-tap FIR
(GNU Radio's firdes.low_pass(1, 48000, 3000, 3700, hamming), as
graphs/fir_lowpass.yaml), the mix and the filtered signal both go to a
vector_sink, and the script reads both as numpy arrays and plots 2 ms of each
and their spectra with matplotlib (Debian: python3-matplotlib):

    /usr/bin/python3 doc/python_plot.py [-o doc/python_plot.png]

From the build tree it uses the tree's mq package and mqgraph; installed, the
ones `make install` put where python3 finds them.
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(1, os.path.join(os.path.dirname(HERE), "python"))  # the build tree's, if any

import numpy as np  # noqa: E402

import mq  # noqa: E402

RATE = 48000


def build():
    g = mq.Graph("python_plot", variables={"rate": RATE})
    g.add("low", "sig_source", frequency=1000, sample_rate="${rate}")
    g.add("high", "sig_source", frequency=10000, sample_rate="${rate}", amplitude=0.5)
    g.add("mix", "add")
    g.add("head", "head", items=4800)
    g.add("split", "splitter")
    g.add("lpf", "fir_filter", taps={"low_pass": {"gain": 1, "sample_rate": RATE, "cutoff": 3000,
                                                  "transition": 3700, "window": "hamming"}})
    g.add("raw", "vector_sink", path="mix.txt")
    g.add("out", "vector_sink", path="lowpass.txt")
    g.connect("low.out", "mix.in0")
    g.connect("high.out", "mix.in1")
    g.connect("mix.out", "head.in")
    g.connect("head.out", "split.in")
    g.connect("split.out0", "raw.in")
    g.connect("split.out1", "lpf.in")
    g.connect("lpf.out", "out.in")
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "python_plot.png"))
    args = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("python_plot.py: matplotlib is missing (Debian: apt-get install "
                 "python3-matplotlib): the graph can run, but not be plotted")

    g = build()
    with tempfile.TemporaryDirectory() as d:  # the sinks' files, gone after
        cwd = os.getcwd()
        os.chdir(d)
        try:
            result = g.run()
            mix, low = mq.read_output(g, "raw"), mq.read_output(g, "out")
        finally:
            os.chdir(cwd)
    print("ran %s in %.3f s: %d items in, %d out of lpf"
          % (g.name, result.seconds, result.blocks["lpf"]["items_in"],
             result.blocks["lpf"]["items_out"]))

    t = np.arange(len(mix)) / RATE * 1e3
    show = t < 2.0
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 4.5), dpi=80)
    ax1.plot(t[show], mix[show], label="1 kHz + 10 kHz", lw=1)
    ax1.plot(t[show], low[show], label="fir_filter low-pass (15 samples late)", lw=1.5)
    ax1.set_xlabel("ms")
    ax1.legend(loc="upper right", fontsize=8)
    for x, name in ((mix, "mix"), (low, "low-passed")):
        spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) / (len(x) / 4)
        f = np.fft.rfftfreq(len(x), 1 / RATE) / 1e3
        ax2.plot(f, 20 * np.log10(np.maximum(spec, 1e-9)), label=name, lw=1)
    ax2.set_xlabel("kHz")
    ax2.set_ylabel("dB")
    ax2.set_ylim(-140, 10)
    ax2.legend(loc="upper right", fontsize=8)
    fig.suptitle("mq.Graph('python_plot'): built, run and read from Python", fontsize=10)
    fig.tight_layout()
    fig.savefig(args.output)
    print("wrote", args.output)


if __name__ == "__main__":
    main()
