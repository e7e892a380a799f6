"""A sink's output as a numpy array: vector_sink's text, file_sink's raw items, SigMF.

The sink's path, item type and vlen are what mqgraph works out for the graph
(validate --json: variables, expressions, types taken from upstream, defaults),
so a sink that says no type reads as the type its upstream gave it.
"""

import json
import os

import numpy as np

# mq's item types as numpy's (bytes: raw bytes, read as uint8).
DTYPES = {"u8": np.uint8, "i16": np.int16, "i32": np.int32, "f32": np.float32,
          "f64": np.float64, "c32": np.complex64, "bytes": np.uint8}

# SigMF's value formats (its ABNF) as numpy's.
_SIGMF_FORMATS = {"f32": "f4", "f64": "f8", "i32": "i4", "i16": "i2", "u32": "u4", "u16": "u2",
                  "i8": "i1", "u8": "u1"}


def sigmf_dtype(datatype):
    """numpy's dtype of a core:datatype, and the values per sample: cf32_le is
    complex64, rf32_le float32, ri16_be big-endian int16; a complex integer one
    (ci16_le) is its format with I and Q two values of a sample."""
    kind, fmt, order = datatype[:1], datatype[1:].split("_")[0], datatype.rpartition("_")[2]
    if kind not in ("r", "c") or fmt not in _SIGMF_FORMATS:
        raise ValueError("core:datatype %s is none of SigMF's" % datatype)
    bo = {"le": "<", "be": ">"}.get(order, "|")
    if kind == "c" and fmt[0] == "f":
        return np.dtype(bo + "c%d" % (2 * int(fmt[1:]) // 8)), 1
    return np.dtype(bo + _SIGMF_FORMATS[fmt]), 2 if kind == "c" else 1


def read_output(graph, block, variables=None, cwd=None):
    """The output of sink `block` of `graph` (a mq.Graph, or a graph file's
    path) as a numpy array of the sink's item type: shape (n,), or (n, vlen) for
    a file_sink of vectors. A file_sink with sigmf: true is read through its
    metadata (read_sigmf). Relative paths are the run's working directory's:
    cwd (the current one unless given). variables: the run's --set."""
    from .graph import Graph
    g = graph if isinstance(graph, Graph) else Graph.load(graph)
    doc = g.validate(variables)
    b = next((b for b in doc["blocks"] if b["name"] == block), None)
    if b is None:
        raise KeyError("graph %r has no block %r" % (doc["name"], block))
    p = b["params"]
    path = os.path.join(cwd or os.getcwd(), p["path"])
    if b["type"] == "vector_sink":
        return read_vector_sink(path, p["type"])
    if b["type"] == "file_sink":
        if p.get("sigmf") == "true":
            return read_sigmf(path)[0]
        return read_file_sink(path, p["type"], int(p.get("vlen", "1")))
    raise TypeError("block %r is a %s: read_output reads vector_sink and file_sink outputs"
                    % (block, b["type"]))


def read_file_sink(path, item_type, vlen=1):
    """A file_sink's raw items (the machine's byte order, as written)."""
    a = np.fromfile(path, dtype=DTYPES[item_type])
    return a.reshape(-1, vlen) if vlen > 1 else a


def read_vector_sink(path, item_type):
    """A vector_sink's text: one item a line (c32 "re im"); the lines of its
    timestamps ("@ ...") are skipped. The digits it prints read back exactly."""
    dt = np.dtype(DTYPES[item_type])
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if not l.startswith("@")]
    if dt.kind == "c":
        pairs = [l.split() for l in lines]
        return np.array([complex(float(re), float(im)) for re, im in pairs], dtype=dt)
    if dt.kind in "ui":
        return np.array([int(l) for l in lines], dtype=dt)
    return np.array([float(l) for l in lines], dtype=dt)


def read_sigmf(path):
    """A SigMF recording (NAME.sigmf-data, or NAME.sigmf-meta, or NAME): (data,
    meta). data has the dtype of the metadata's core:datatype and the shape (n,
    core:num_channels) when that is more than 1; meta is the metadata as
    parsed JSON (global, captures, annotations)."""
    base = path
    for ext in (".sigmf-data", ".sigmf-meta"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    with open(base + ".sigmf-meta") as f:
        meta = json.load(f)
    g = meta["global"]
    dt, per = sigmf_dtype(g["core:datatype"])
    data = np.fromfile(base + ".sigmf-data", dtype=dt)
    width = int(g.get("core:num_channels", 1)) * per
    return (data.reshape(-1, width) if width > 1 else data), meta
