"""mq from Python: blocks written in Python, and graphs built, run and steered.

Blocks: a graph names the file and the class,

    gain: {type: python, params: {path: gain.py, class: Gain, args: {k: 2.0}}}

and the class derives from mq.sync_block or mq.basic_block as a GNU Radio block
derives from gr.sync_block or gr.basic_block (doc/python.md says what differs).

Graphs: mq.Graph builds one in code (or loads a graph file), validates it, runs
it (run) or starts it (start: a mq.Running to steer through the control plane);
mq.attach reaches a graph already running, mq.read_output reads a sink's output
as a numpy array (doc/python.md, "The Python API").
"""

from .block import (
    DeclarationError,
    TPP_ALL_TO_ALL,
    TPP_DONT,
    TPP_ONE_TO_ONE,
    WORK_CALLED_PRODUCE,
    WORK_DONE,
    basic_block,
    pair,
    sync_block,
    tag,
    timestamp,
)

__all__ = [
    "TPP_ALL_TO_ALL",
    "TPP_DONT",
    "TPP_ONE_TO_ONE",
    "WORK_CALLED_PRODUCE",
    "WORK_DONE",
    "DeclarationError",
    "basic_block",
    "pair",
    "sync_block",
    "tag",
    "timestamp",
    # the API, imported when first named (a block's process never needs it)
    "ControlError",
    "Graph",
    "GraphError",
    "Result",
    "RunError",
    "Running",
    "attach",
    "read_output",
    "read_sigmf",
]

_API = {"Graph": "graph", "GraphError": "graph", "ControlError": "run", "Result": "run",
        "RunError": "run", "Running": "run", "attach": "run", "read_output": "output",
        "read_sigmf": "output"}


def __getattr__(name):
    if name in _API:
        import importlib
        return getattr(importlib.import_module("." + _API[name], __name__), name)
    raise AttributeError("module 'mq' has no attribute %r" % name)
