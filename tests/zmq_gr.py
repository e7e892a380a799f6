#!/usr/bin/python3
"""zmq_gr.py - GNU Radio 3.10's gr-zeromq as the peer of mq's ZeroMQ blocks, for
tests/test_zmq_gr.c. Each mode builds one small GNU Radio flowgraph:

  push TYPE ADDR N         vector_source(ramp of N) -> zeromq.push_sink (binds)
  pull TYPE ADDR N OUT     zeromq.pull_source (connects) -> head(N) -> OUT, one value
                           a line (c32: re im)
  pub TYPE ADDR            vector_source(0..999, repeat) -> zeromq.pub_sink (binds,
                           drop_on_hwm False), until stdin closes
  sub TYPE ADDR N OUT      zeromq.sub_source (connects) -> head(N) -> OUT
  tagpush ADDR             8 f32 with an rx_time tag on item 0 and a "freq" tag on
                           item 5 -> zeromq.push_sink(pass_tags=True)
  tagpull ADDR N OUT       zeromq.pull_source(pass_tags=True) -> head(N) -> OUT: the
                           values, then one line per tag: "tag OFFSET KEY VALUE"
  msgpub ADDR              message_strobe({"gain": 2.5}, 20 ms) -> pub_msg_sink,
                           until stdin closes
  msgpull ADDR OUT         pull_msg_source -> message_debug, until one message came:
                           OUT gets it as pmt's text form

Writes OUT whole, then renames it into place, so the test never reads half of it.
"""
import os
import sys
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, zeromq

SIZE = {"f32": gr.sizeof_float, "c32": gr.sizeof_gr_complex}


def ramp(kind, n):
    """The values mq's side of the test expects: i * 0.25 - 3 (c32: and i + 1)."""
    i = np.arange(n, dtype=np.float64)
    if kind == "c32":
        return list((i * 0.25 - 3 + 1j * (i + 1)).astype(np.complex64))
    return list((i * 0.25 - 3).astype(np.float32))


def source(kind, values, repeat=False, tags=()):
    if kind == "c32":
        return blocks.vector_source_c(values, repeat, 1, list(tags))
    return blocks.vector_source_f(values, repeat, 1, list(tags))


def sink(kind):
    return blocks.vector_sink_c() if kind == "c32" else blocks.vector_sink_f()


def head(kind, n):
    return blocks.head(SIZE[kind], n)


def write(path, lines):
    tmp = path + ".part"
    with open(tmp, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    os.rename(tmp, path)


def fmt(kind, v):
    if kind == "c32":
        return "%.9g %.9g" % (v.real, v.imag)
    return "%.9g" % v


def until_full(tb, snk, n):
    """GNU Radio's flowgraph does not end when head does while a ZeroMQ source
    waits (its done does not reach the source), so wait for the sink, bounded."""
    tb.start()
    deadline = time.monotonic() + 30
    while len(snk.data()) < n and time.monotonic() < deadline:
        time.sleep(0.005)  # polling a condition, with a deadline
    tb.stop()
    tb.wait()


def until_stdin_closes(tb):
    tb.start()
    sys.stdin.read()
    tb.stop()
    tb.wait()


def main(argv):
    mode = argv[1]
    tb = gr.top_block()
    if mode == "push":
        kind, addr, n = argv[2], argv[3], int(argv[4])
        tb.connect(source(kind, ramp(kind, n)),
                   zeromq.push_sink(SIZE[kind], 1, addr, 100, False, -1))
        tb.run()
    elif mode in ("pull", "sub"):
        kind, addr, n, out = argv[2], argv[3], int(argv[4]), argv[5]
        src = (zeromq.pull_source if mode == "pull" else zeromq.sub_source)(
            SIZE[kind], 1, addr, 100, False, -1)
        snk = sink(kind)
        tb.connect(src, head(kind, n), snk)
        until_full(tb, snk, n)
        write(out, [fmt(kind, v) for v in snk.data()])
    elif mode == "pub":
        kind, addr = argv[2], argv[3]
        values = [float(i) for i in range(1000)]
        if kind == "c32":
            values = [complex(i, -i) for i in range(1000)]
        tb.connect(source(kind, values, repeat=True),
                   zeromq.pub_sink(SIZE[kind], 1, addr, 100, False, -1, "", False))
        until_stdin_closes(tb)
    elif mode == "tagpush":
        addr = argv[2]
        rx_time = gr.tag_utils.python_to_tag(
            (0, pmt.intern("rx_time"),
             pmt.make_tuple(pmt.from_uint64(1700000000), pmt.from_double(0.25)),
             pmt.intern("usrp")))
        freq = gr.tag_utils.python_to_tag(
            (5, pmt.intern("freq"), pmt.from_double(1.5e6), pmt.intern("gr")))
        tb.connect(source("f32", ramp("f32", 8), tags=[rx_time, freq]),
                   zeromq.push_sink(gr.sizeof_float, 1, addr, 100, True, -1))
        tb.run()
    elif mode == "tagpull":
        addr, n, out = argv[2], int(argv[3]), argv[4]
        snk = sink("f32")
        tb.connect(zeromq.pull_source(gr.sizeof_float, 1, addr, 100, True, -1),
                   head("f32", n), snk)
        until_full(tb, snk, n)
        lines = [fmt("f32", v) for v in snk.data()]
        for t in snk.tags():
            v = t.value
            if pmt.is_tuple(v):
                text = "%d %.9f" % (pmt.to_uint64(pmt.tuple_ref(v, 0)),
                                    pmt.to_double(pmt.tuple_ref(v, 1)))
            else:
                text = pmt.write_string(v)
            lines.append("tag %d %s %s" % (t.offset, pmt.symbol_to_string(t.key), text))
        write(out, lines)
    elif mode == "msgpub":
        addr = argv[2]
        msg = pmt.make_dict()
        msg = pmt.dict_add(msg, pmt.intern("gain"), pmt.from_double(2.5))
        strobe = blocks.message_strobe(msg, 20)
        pub = zeromq.pub_msg_sink(addr, 100, True)
        tb.msg_connect((strobe, "strobe"), (pub, "in"))
        until_stdin_closes(tb)
    elif mode == "msgpull":
        addr, out = argv[2], argv[3]
        src = zeromq.pull_msg_source(addr, 100, False)
        dbg = blocks.message_debug()
        tb.msg_connect((src, "out"), (dbg, "store"))
        tb.start()
        deadline = time.monotonic() + 20
        while dbg.num_messages() < 1 and time.monotonic() < deadline:
            time.sleep(0.005)  # polling a condition, with a deadline
        tb.stop()
        tb.wait()
        write(out, [pmt.write_string(dbg.get_message(0))] if dbg.num_messages() else [])
    else:
        sys.exit("zmq_gr.py: unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
