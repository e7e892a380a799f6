"""A gain in Python: the block of graphs/python_gain.yaml (doc/python.md).

As GNU Radio's Embedded Python Block template, with mq's base class: the
arguments of __init__ are the block's parameters (args: in the graph file), the
signatures its ports, and work's arrays views of the arena's buffers."""

import numpy as np

import mq


class Gain(mq.sync_block):
    """Multiplies every item by k."""

    def __init__(self, k: float = 1.0):
        mq.sync_block.__init__(self, name="gain", in_sig=[np.float32], out_sig=[np.float32])
        self.k = k

    def set_k(self, k):
        """k is live: mqgraph set GRAPH gain.k=0.5 calls this between two work calls."""
        self.k = k

    def work(self, input_items, output_items):
        np.multiply(input_items[0], np.float32(self.k), out=output_items[0])
        return len(output_items[0])
