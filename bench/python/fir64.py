"""The work of bench/python_gil.py's FIR blocks, shared by its mq class
(mq_fir64.py) and its GNU Radio class (in python_gil.py), so both frameworks
run the very same Python: a 64-tap FIR by np.convolve, the last 63 inputs
carried from one call to the next so the output is the filter's over the whole
stream, whatever the buffers' sizes."""

import numpy as np

# a low pass, not symmetric in its rounding, so a reversed or shifted filter
# would not pass the output check
TAPS = (np.hamming(64) / np.hamming(64).sum()).astype(np.float32)
TAPS[0] += np.float32(1e-3)


def reference(x, blocks):
    """What `blocks` FIRs in a chain make of x (from zero state)."""
    for _ in range(blocks):
        x = np.convolve(x, TAPS)[:len(x)]
    return x


class Fir64:
    def __init__(self):
        self.hist = np.zeros(len(TAPS) - 1, np.float32)

    def filter(self, x, out):
        buf = np.concatenate((self.hist, x))
        out[:] = np.convolve(buf, TAPS, mode="valid")
        # a copy of our own array, never a view of the input (which is lent)
        self.hist = buf[len(x):].copy()
