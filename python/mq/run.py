"""Running graphs: mqgraph run as a child process, steered through its control socket.

A graph started here is `mqgraph run` in a process group of its own (so a Ctrl-C
at the terminal reaches Python, which stops the graph once, as one Ctrl-C stops
mqgraph run). Everything else goes through the control socket (doc/control.md):
one JSON request a line, one reply a line. attach() reaches a graph that some
other program started the same way.

Nothing is left behind: a Running that is collected, or still running when the
interpreter exits, stops its graph with SIGTERM (the graph drains, its supervisor
removes the arena and the socket) and waits for it; and the child is started
with PR_SET_PDEATHSIG, so a Python killed outright (SIGKILL) still takes its
graphs with it.
"""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import weakref

from . import _mqgraph
from .graph import GraphError, _sets

EXIT_USAGE, EXIT_LOST = 2, 3  # mqgraph run's: a bad graph, a run completed with losses


class RunError(Exception):
    """A run that failed: the text is what mqgraph said on stderr (the block at
    fault, its error or traceback), `status` its exit status, `result` the
    Result (summary, outputs) as far as it got."""

    def __init__(self, text, status, result):
        super().__init__(text)
        self.text, self.status, self.result = text, status, result


class ControlError(Exception):
    """A request the running graph refused: the text is its reply's error, as
    mqgraph get/set/send print it after their "mqgraph CMD: "."""


class Result:
    """How a run ended: `status` (mqgraph run's exit status: 0, 3 when it
    completed with losses, 130/143 when stopped by a signal), `stdout` (what the
    blocks printed, then the summary), `stderr`, and the summary's tables:
    `blocks` {name: {type, work, items_in, items_out, busy_ms, status}} and
    `connections` [{from, to, buffers, bytes, drops, stale, missed, hwm, depth,
    policy, lost}], `seconds` the run's time."""

    def __init__(self, status, stdout, stderr):
        self.status, self.stdout, self.stderr = status, stdout, stderr
        self.blocks, self.connections, self.seconds = _summary(stdout)

    def __repr__(self):
        return "<mq.Result status %d, %d blocks>" % (self.status, len(self.blocks))


_GRAPH_LINE = re.compile(r"^graph (.*): \d+ blocks?, \d+ connections?, ([0-9.]+) s$")


def _summary(stdout):
    """The tables mqgraph run prints at the end (the last "graph NAME:" line on)."""
    lines = stdout.splitlines()
    start = max((i for i, l in enumerate(lines) if _GRAPH_LINE.match(l)), default=None)
    blocks, conns = {}, []
    if start is None:
        return blocks, conns, None
    seconds = float(_GRAPH_LINE.match(lines[start]).group(2))
    table = None
    for l in lines[start + 1:]:
        f = l.split()
        if f[:2] == ["block", "type"]:
            table = "blocks"
        elif f[:1] == ["connection"]:
            table = "connections"
        elif table == "blocks" and len(f) >= 7:
            blocks[f[0]] = {"type": f[1], "work": int(f[2]), "items_in": int(f[3]),
                            "items_out": int(f[4]), "busy_ms": float(f[5]),
                            "status": " ".join(f[6:])}
        elif table == "connections" and len(f) >= 11 and f[1] == "->":
            conns.append({"from": f[0], "to": f[2], "buffers": int(f[3]), "bytes": int(f[4]),
                          "drops": int(f[5]), "stale": int(f[6]), "missed": int(f[7]),
                          "hwm": int(f[8]), "depth": int(f[9]), "policy": f[10],
                          "lost": " ".join(f[11:])})
    return blocks, conns, seconds


# -- the control socket ----------------------------------------------------------


def socket_dir():
    """Where this user's graphs' sockets are (doc/control.md, "The socket")."""
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(xdg, "mq") if xdg else "/tmp/mq-%d" % os.getuid()


def socket_path(name, pid):
    """GRAPH.PID.sock, GRAPH cleaned as mqgraph cleans it (ctldir.c)."""
    clean = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:47]
    return os.path.join(socket_dir(), "%s.%d.sock" % (clean, pid))


class _Connection:
    """One connection to a graph's control socket: requests and their replies in
    order, or (events) a stream of lines."""

    def __init__(self, path, timeout=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.file = self.sock.makefile("rb")

    def send(self, req):
        self.sock.sendall(json.dumps(req).encode() + b"\n")

    def line(self):
        """The next line as JSON, or None at the end (the graph ended)."""
        raw = self.file.readline()
        return json.loads(raw) if raw else None

    def request(self, req):
        self.send(req)
        reply = self.line()
        if reply is None:
            raise ControlError("the graph ended before it answered")
        if not reply.get("ok"):
            raise ControlError(reply.get("error", "refused"))
        del reply["ok"]
        return reply

    def close(self):
        self.file.close()
        self.sock.close()


# -- running graphs --------------------------------------------------------------


class Running:
    """A running graph: one this interpreter started (Graph.start) or one it
    attached to (mq.attach). `name` and `pid` (the supervisor's) say which."""

    def __init__(self, name, pid, proc=None, graph=None, cwd=None, variables=None, keep=None):
        self.name, self.pid = name, pid
        self.socket = socket_path(name, pid) if name is not None else None
        self._proc, self._graph, self._cwd, self._variables = proc, graph, cwd, variables
        self._keep = keep  # the graph file (a memfd) while the run may read it
        self._keep_error = GraphError  # what makes a refusal's GraphError, once ended
        self._conn = None
        self._lock = threading.Lock()
        self._result = None
        self._out, self._err = [], []
        self._readers = []
        if proc is not None:
            for pipe, into in ((proc.stdout, self._out), (proc.stderr, self._err)):
                t = threading.Thread(target=_drain, args=(pipe, into), daemon=True)
                t.start()
                self._readers.append(t)
            self._finalizer = weakref.finalize(self, _stop_child, proc, keep)
        else:
            self._finalizer = None

    def __repr__(self):
        return "<mq.Running %s:%d>" % (self.name, self.pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._proc is not None and self._proc.poll() is None:
            self.stop()

    # requests

    def request(self, cmd, **args):
        """One request of doc/control.md: its reply as a dict (without "ok").
        Raises ControlError with the reply's error."""
        with self._lock:
            if self._conn is None:
                self._conn = _Connection(self._socket())
            req = {"cmd": cmd}
            req.update(args)
            try:
                return self._conn.request(req)
            except (OSError, ValueError):
                self._conn.close()
                self._conn = None
                raise

    def _socket(self):
        """The socket's path. A graph started here is found by its supervisor's
        pid, which is the child's (a name would need the file read first)."""
        if self.socket is None:
            suffix = ".%d.sock" % self.pid
            names = [n for n in os.listdir(socket_dir()) if n.endswith(suffix)] \
                if os.path.isdir(socket_dir()) else []
            if not names:
                raise FileNotFoundError("no control socket of pid %d yet" % self.pid)
            self.socket = os.path.join(socket_dir(), names[0])
        return self.socket

    def info(self):
        """name, pid, file, uptime_s, state, n_blocks, n_connections."""
        return self.request("info")

    def status(self):
        """The status document: info's fields, and blocks, connections, pools
        and taps, as lists of dicts (doc/control.md, "The status document")."""
        return self.request("status", id=0)  # an id: a fresh document, not a shared one

    def get(self, what):
        """"block.param": its value, as Python's (a float, int, bool, complex,
        str or list); "block": {param: value} of all its parameters."""
        block, _, param = what.partition(".")
        args = {"block": block}
        if param:
            args["param"] = param
        reply = self.request("get", **args)
        if param:
            return _value(reply["param"])
        return {p["name"]: _value(p) for p in reply["params"]}

    def set(self, what, value, wait_ms=2000):
        """Sets live parameter "block.param" as mqgraph set does (the value
        checked as the graph file's) and waits up to wait_ms for the block to
        apply it: the reply, {block, param, value, applied, item} (item: from
        which item of its stream the value holds)."""
        block, _, param = what.partition(".")
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, complex):
            value = repr(value)
        return self.request("set", block=block, param=param, value=value, wait_ms=wait_ms)

    def send(self, where, msg):
        """Sends msg into message input "block.port": a Python value, carried as
        a PMT (doc/control.md, "Messages"; doc/python.md gives the mapping)."""
        block, _, port = where.partition(".")
        return self.request("send", block=block, port=port, msg=_msg_json(msg))

    def events(self, history=False, count=None, timeout=None):
        """The graph's events as dicts, as they happen (history: the last 1024
        first), until count of them, the graph's end, or timeout seconds
        without one (socket.timeout)."""
        conn = _Connection(self._socket(), timeout)
        try:
            conn.request({"cmd": "events", "history": bool(history)})
            n = 0
            while count is None or n < count:
                ev = conn.line()
                if ev is None:
                    return
                n += 1
                yield ev
        finally:
            conn.close()

    # the end

    def stop(self, timeout=None):
        """Stops the graph as mqgraph stop does (the sources end, the graph
        drains; its run exits 0) and waits for its end: the Result for a graph
        started here, None for one attached to."""
        try:
            self.request("stop")
        except (ControlError, OSError):
            pass  # it ended already
        if self._proc is not None:
            return self.wait(timeout)
        self._wait_attached(timeout)
        return None

    def _wait_attached(self, timeout):
        """The end of a graph not ours: the supervisor closes every connection
        when the graph has ended, which is how mqgraph stop waits too."""
        with self._lock:
            if self._conn is None:
                try:
                    self._conn = _Connection(self._socket())
                except OSError:
                    return
            self._conn.sock.settimeout(timeout)
            try:
                while self._conn.file.readline():
                    pass
            finally:
                self._conn.close()
                self._conn = None

    def wait(self, timeout=None):
        """Waits for the graph started here to end: its Result. Raises RunError
        with mqgraph's text if it failed, GraphError if mqgraph refused the
        graph, subprocess.TimeoutExpired after timeout seconds."""
        if self._proc is None:
            raise TypeError("%r was attached to, not started here: stop() waits for it" % self)
        if self._result is None:
            try:
                status = self._proc.wait(timeout)
            except KeyboardInterrupt:
                self._interrupt()
                raise
            for t in self._readers:
                t.join()
            self._end()
            self._result = Result(status, "".join(self._out), "".join(self._err))
        return _checked(self._result, self._keep_error)

    def _started(self):
        """Waits for the graph's control socket to answer (it appears before the
        blocks start), or for the run to end first (a refused graph): then wait()
        raises what it said."""
        delay = 0.001
        while self._proc.poll() is None:
            try:
                self.name = self.request("info")["name"]
                return
            except (OSError, ControlError):
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        self.wait()

    def _interrupt(self):
        """Ctrl-C in Python: the graph gets it once, as from the terminal, and
        this waits for it to drain (a second Ctrl-C forces it)."""
        self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait()
        except KeyboardInterrupt:
            self._proc.send_signal(signal.SIGINT)
            self._proc.wait()
        self._end()

    def _end(self):
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        if self._finalizer is not None:
            self._finalizer.detach()
        self._keep_error = self._keep.error if self._keep is not None else GraphError
        if self._keep is not None:
            self._keep.close()

    @property
    def stdout(self):
        """What the graph printed so far (its blocks, then mqgraph's summary)."""
        return "".join(self._out)

    @property
    def stderr(self):
        return "".join(self._err)

    def read(self, block, **kw):
        """The output of sink `block` as a numpy array (mq.read_output), once the
        graph has ended and the sink's file has its name."""
        from .output import read_output
        if self._graph is None:
            raise TypeError("%r was attached to: use mq.read_output(path) on the sink's file"
                            % self)
        return read_output(self._graph, block, variables=self._variables, cwd=self._cwd, **kw)


def _checked(result, error):
    if result.status == EXIT_USAGE:
        raise error(result.stderr)
    if result.status not in (0, EXIT_LOST):
        raise RunError(result.stderr.rstrip("\n"), result.status, result)
    return result


def _drain(pipe, into):
    for chunk in iter(lambda: pipe.read1(65536), b""):
        into.append(chunk.decode(errors="replace"))
    pipe.close()


def _stop_child(proc, keep):
    """A Running collected, or the interpreter exiting, while its graph runs:
    SIGTERM stops it as mqgraph stop would (it drains; the supervisor removes
    its arena and socket), a second one after 10 s forces it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    if keep is not None:
        keep.close()


def _die_with_parent():
    """The command that runs mqgraph with PR_SET_PDEATHSIG set to SIGTERM (util-
    linux's setpriv, Essential in Debian): the graph stops when the thread that
    started it ends, so a Python killed outright takes its graphs with it. Not
    preexec_fn: code between fork and exec is unsafe once threads run (the
    reader threads of graphs started before)."""
    setpriv = "/usr/bin/setpriv"
    return [setpriv, "--pdeathsig", "TERM", "--"] if os.access(setpriv, os.X_OK) else []


def start(graph, variables, background):
    """mqgraph run of graph: a Running once its socket answers (background), or
    one to wait for (foreground)."""
    f = graph._file()
    args = _die_with_parent() + [_mqgraph.path(), "run", f.path] + _sets(variables)
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=f.fds, start_new_session=True)
    except BaseException:
        f.close()
        raise
    r = Running(graph.name, proc.pid, proc, graph, os.getcwd(), variables, f)
    if background:
        r._started()
    return r


def attach(spec):
    """A graph some other program runs, by its name or NAME:PID, found as mqgraph
    finds it (the same refusal when none or several go by the name)."""
    p = _mqgraph.call(["status", spec, "--json"])
    if p.returncode != 0:
        raise ControlError(_mqgraph.strip_command(p.stderr, "status"))
    doc = json.loads(p.stdout)
    return Running(doc["name"], doc["pid"])


# -- values ----------------------------------------------------------------------


def _value(p):
    """A parameter of a get reply as a Python value, by its declared type."""
    t, v = p["type"], p["value"]
    if t == "int":
        return int(v)
    if t == "float":
        return float(v)
    if t == "bool":
        return v == "true"
    if t == "complex":
        return complex(v.replace(" ", ""))
    if t == "floats":
        return [float(x) for x in v.split(",")] if v else []
    return v


_UNIFORM = {"uint8": "$u8", "int8": "$s8", "uint16": "$u16", "int16": "$s16",
            "uint32": "$u32", "int32": "$s32", "uint64": "$u64", "int64": "$s64",
            "float32": "$f32", "float64": "$f64", "complex64": "$c32", "complex128": "$c64"}


def _msg_json(v):
    """A Python value in the JSON form of a PMT (doc/control.md, "Messages"), as
    a Python block's messages convert (doc/python.md)."""
    from .block import pair
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return {"$uint64": v} if v > 2 ** 63 - 1 else v
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else {"$double": repr(v)}
    if isinstance(v, complex):
        return {"$complex": [v.real, v.imag]}
    if isinstance(v, pair):
        return {"$pair": [_msg_json(v[0]), _msg_json(v[1])]}
    if isinstance(v, tuple):
        return {"$tuple": [_msg_json(x) for x in v]}
    if isinstance(v, list):
        return [_msg_json(x) for x in v]
    if isinstance(v, bytes):
        return {"$u8": list(v)}
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {k: _msg_json(x) for k, x in v.items()}
        return {"$dict": [[_msg_json(k), _msg_json(x)] for k, x in v.items()]}
    if hasattr(v, "dtype") and getattr(v, "ndim", 0) == 1 and v.dtype.name in _UNIFORM:
        key = _UNIFORM[v.dtype.name]
        if v.dtype.kind == "c":
            flat = [x for c in v.tolist() for x in (c.real, c.imag)]
            return {key: flat}
        return {key: v.tolist()}
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
        return _msg_json(v.item())
    raise TypeError("%r has no PMT form" % (v,))
