"""mq.Graph: a graph built in code or loaded from a file, validated and run by mqgraph.

A graph built here becomes a graph file's text (to_yaml), which mqgraph reads
from a memfd passed as /dev/fd/N: nothing is written to disk, and the checks,
their messages, the expressions and the type inference are mqgraph's own. Every
line of that text is one thing an add/connect/... call made, so an error at a
line is traced back to the call (GraphError.source).
"""

import json
import os
import math
import re
import traceback

from . import _mqgraph

# "FILE:LINE:COL: message", the form of every error mqgraph gives with a place.
_AT = re.compile(r"^(.*?):(\d+):(\d+): (.*)$", re.S)


class GraphError(Exception):
    """A graph mqgraph refused: the text is mqgraph's (validate's or run's), with
    FILE:LINE:COL first for a graph file. For a graph built in code there is no
    file, so the text is the message alone, `line`/`col` are those of the text
    to_yaml() gives, and `source` is (python file, line) of the call that made
    the element at fault (None if the error is not at one)."""

    def __init__(self, text, file=None, line=None, col=None, message=None, source=None):
        super().__init__(text)
        self.text = text
        self.file, self.line, self.col = file, line, col
        self.message = message if message is not None else text
        self.source = source


class Graph:
    """A graph: blocks, connections, variables, arena settings.

        g = mq.Graph("demo", variables={"rate": 48000})
        g.add("src", "sig_source", frequency=440, sample_rate="${rate}")
        g.add("head", "head", items=1000)
        g.add("snk", "vector_sink", path="out.txt")
        g.connect("src.out", "head.in")
        g.connect("head.out", "snk.in", depth=16, policy="block")

    Values are Python's: numbers, bools, str (expressions and ${variables} as in
    a file), complex, lists (a numpy array too), dicts (a filter design, a
    Python block's args)."""

    def __init__(self, name, *, variables=None, arena=None, finish=None, hosts=None,
                 link_port=None):
        self.name = name
        self.variables = dict(variables or {})
        self.arena = dict(arena or {})
        self.finish = finish
        self.hosts = dict(hosts or {})
        self.link_port = link_port
        self.blocks = {}  # name -> {"type":, "params":, "restart":, "host":}
        self.connections = []  # {"from":, "to":, "depth":, "policy":}
        self.file = None  # a graph loaded from a file is that file
        self._where = {}  # ("block", name) / ("conn", i) -> (python file, line)

    @classmethod
    def load(cls, path):
        """The graph of a graph file, run and validated as the file itself (errors
        at its lines). Its blocks are the file's: add and connect are for graphs
        built in code."""
        with open(path, "rb"):  # a missing file fails here, as Python's
            pass
        g = cls(None)
        g.file = path
        return g

    # -- building -----------------------------------------------------------------

    def add(self, name, block_type, /, *, restart=None, host=None, params=None, **kw):
        """A block named `name` of type `block_type` with parameters `params` and
        the keywords (class_= for Python's keyword class, as for a python
        block; a parameter called restart or host goes in params=).
        restart: "on-failure", "always", or a dict {policy, max_restarts,
        backoff_ms, max_backoff_ms}. Returns name."""
        self._building()
        if name in self.blocks:
            raise ValueError("graph %r has a block %r already" % (self.name, name))
        p = dict(params or {})
        p.update({k[:-1] if k.endswith("_") else k: v for k, v in kw.items()})
        self.blocks[name] = {"type": block_type, "params": p, "restart": restart, "host": host}
        self._where[("block", name)] = _caller()
        return name

    def connect(self, src, dst, /, *, depth=None, policy=None):
        """A connection "block.port" -> "block.port"; depth (a power of two) and
        policy ("block", "drop_oldest", "drop_newest") as in the long form."""
        self._building()
        self.connections.append({"from": src, "to": dst, "depth": depth, "policy": policy})
        self._where[("conn", len(self.connections) - 1)] = _caller()

    def _building(self):
        if self.file is not None:
            raise TypeError("%s is a graph file: change the file, or build the graph in "
                            "code" % self.file)

    # -- the file's text ----------------------------------------------------------

    def to_yaml(self):
        """The graph as a graph file's text (what save writes)."""
        return self._text()[0]

    def save(self, path):
        """Writes the graph file (a graph loaded from one: a copy of it)."""
        text = open(self.file).read() if self.file is not None else self.to_yaml()
        with open(path, "w") as f:
            f.write(text)

    def _text(self):
        """The text and, per line (1-based), the key of the call that made it."""
        lines, keys = [], []

        def put(text, key=None):
            lines.append(text)
            keys.append(key)

        put("name: %s" % _flow(self.name))
        if self.variables:
            put("variables: %s" % _flow(self.variables))
        if self.arena:
            put("arena: %s" % _flow(self.arena))
        if self.finish is not None:
            put("finish: %s" % _flow(self.finish))
        if self.hosts:
            put("hosts: %s" % _flow(self.hosts))
        if self.link_port is not None:
            put("link_port: %s" % _flow(self.link_port))
        put("blocks:")
        for name, b in self.blocks.items():
            m = {"type": b["type"]}
            if b["params"]:
                m["params"] = b["params"]
            for k in ("restart", "host"):
                if b[k] is not None:
                    m[k] = b[k]
            put("  %s" % _flow({name: m})[1:-1], ("block", name))
        if self.connections:
            put("connections:")
        for i, c in enumerate(self.connections):
            m = {k: v for k, v in c.items() if v is not None}
            put("  - %s" % _flow(m), ("conn", i))
        return "\n".join(lines) + "\n", keys

    # -- mqgraph --------------------------------------------------------------------

    def validate(self, variables=None):
        """Checks the graph as `mqgraph validate` does; raises GraphError with its
        message. Returns what validate --json says: {"name", "file", "blocks": [{
        "name", "type", "params": {name: value as text}}]}, every parameter as the
        block's process gets it."""
        with self._file() as f:
            p = _mqgraph.call(["validate", f.path, "--json"] + _sets(variables),
                              pass_fds=f.fds)
            if p.returncode != 0:
                raise f.error(p.stderr)
        return json.loads(p.stdout)

    def run(self, variables=None, timeout=None):
        """Runs the graph in the foreground, as `mqgraph run`, to its end: a
        mq.Result (exit status, the summary per block and connection, what the
        blocks printed). Raises GraphError for a graph mqgraph refused and
        RunError for a run that failed, with mqgraph's text. Ctrl-C stops the
        graph as it stops mqgraph run (the graph drains) and raises
        KeyboardInterrupt when it has ended."""
        from . import run as _run
        return _run.start(self, variables, background=False).wait(timeout)

    def start(self, variables=None):
        """Starts the graph in the background: a mq.Running, once its control
        socket answers. The graph is stopped when the Running is collected or
        the interpreter exits."""
        from . import run as _run
        return _run.start(self, variables, background=True)

    def _file(self):
        return _GraphFile(self)


def _sets(variables):
    return [a for k, v in (variables or {}).items() for a in ("--set", "%s=%s" % (k, _scalar(v)))]


class _GraphFile:
    """The path mqgraph reads the graph from, while it is needed: the graph's own
    file, or a memfd holding its text (mqgraph opens /dev/fd/N, which reopens
    the memfd from its start each time it is read)."""

    def __init__(self, graph):
        self.graph = graph
        self.fd = None
        if graph.file is not None:
            self.path, self.fds, self.keys = graph.file, (), None
            return
        text, self.keys = graph._text()
        self.fd = os.memfd_create("%s.yaml" % graph.name, os.MFD_CLOEXEC)
        os.write(self.fd, text.encode())
        self.path, self.fds = "/dev/fd/%d" % self.fd, (self.fd,)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def error(self, stderr):
        """GraphError of mqgraph's stderr for this graph."""
        text = stderr.rstrip("\n")
        m = _AT.match(text)
        if not m or m.group(1) != self.path:
            return GraphError(text)
        line, col, message = int(m.group(2)), int(m.group(3)), m.group(4)
        if self.keys is None:
            return GraphError(text, self.path, line, col, message)
        key = self.keys[line - 1] if 0 < line <= len(self.keys) else None
        return GraphError(message, None, line, col, message, self.graph._where.get(key))


def _caller():
    """(file, line) of the first frame outside this package: the user's call."""
    here = os.path.dirname(os.path.abspath(__file__))
    for fs in reversed(traceback.extract_stack()):
        if os.path.dirname(os.path.abspath(fs.filename)) != here:
            return fs.filename, fs.lineno
    return None


# -- values as YAML --------------------------------------------------------------


def _plain(v):
    """v as JSON can say it: numpy values as Python's, complex as Python's literal
    (what mqgraph's complex parameters read), tuples and arrays as lists."""
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        v = v.tolist()
    if isinstance(v, complex):
        return repr(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("%r: a graph's numbers are finite" % (v,))
    return v


_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _flow(v):
    """YAML's flow form of v: strings double-quoted as JSON quotes them (which
    YAML reads alike), mapping keys bare when they are plain words."""
    v = _plain(v)
    if isinstance(v, dict):
        return "{%s}" % ", ".join("%s: %s" % (k if _WORD.match(k) and k not in _YAML_WORDS
                                              else json.dumps(k, ensure_ascii=False), _flow(x))
                                  for k, x in v.items())
    if isinstance(v, list):
        return "[%s]" % ", ".join(_flow(x) for x in v)
    return json.dumps(v, ensure_ascii=False)


# Plain words YAML 1.1 reads as something else than a string.
_YAML_WORDS = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
               "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
               "null", "Null", "NULL"}


def _scalar(v):
    """v as --set VAR=VALUE's text."""
    v = _plain(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v)

