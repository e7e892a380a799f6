"""mq from Python: blocks written in Python for mqgraph's `type: python` blocks.

A graph names the file and the class:

    gain: {type: python, params: {path: gain.py, class: Gain, args: {k: 2.0}}}

and the class derives from mq.sync_block or mq.basic_block as a GNU Radio block
derives from gr.sync_block or gr.basic_block (doc/python.md says what differs).
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
]
