"""bench/python_gil.py's FIR as an mq Python block (the work is fir64.py's)."""

import numpy as np

import mq
from fir64 import Fir64 as _Fir64


class Fir64(mq.sync_block):
    """A 64-tap FIR by np.convolve, its state carried across buffers."""

    def __init__(self):
        mq.sync_block.__init__(self, name="fir64", in_sig=[np.float32], out_sig=[np.float32])
        self.fir = _Fir64()

    def work(self, input_items, output_items):
        self.fir.filter(input_items[0], output_items[0])
        return len(output_items[0])
