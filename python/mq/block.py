"""The base classes of Python blocks: mq.sync_block and mq.basic_block.

They follow GNU Radio's gr.sync_block and gr.basic_block: __init__ declares the
ports (in_sig, out_sig: numpy types, or (type, vlen) for vectors) and message
ports, work / general_work get lists of numpy arrays and return the items
produced, consume() says what general_work used. The arrays are views of the
arena's buffers, not copies: the inputs read-only, the outputs writable, valid
only during the call (a block that keeps one past it fails: keep a copy).

The calls that reach the running block (consume, tags, timestamps, messages) go
through _mq, a module the python block's C side provides in the block's process
only. Elsewhere (a plain interpreter, the validator's helper) the classes can be
made and their declarations read, and those calls say they need a running block.
"""

import collections
import fractions

import numpy as np

try:
    import _mq  # the running block: mqgraph's python block provides it
except ImportError:  # a plain interpreter
    _mq = None

# Return values of work and general_work, as GNU Radio's gr.WORK_DONE and
# gr.WORK_CALLED_PRODUCE.
WORK_DONE = -1
WORK_CALLED_PRODUCE = -2

# Tag propagation policies, with GNU Radio's numbers (gr.TPP_*).
TPP_DONT = 0
TPP_ALL_TO_ALL = 1
TPP_ONE_TO_ONE = 2

# mq's item types and the numpy types of their arrays.
ITEM_TYPES = (
    ("u8", np.dtype(np.uint8)),
    ("i16", np.dtype(np.int16)),
    ("i32", np.dtype(np.int32)),
    ("f32", np.dtype(np.float32)),
    ("f64", np.dtype(np.float64)),
    ("c32", np.dtype(np.complex64)),
)
_ITEM_OF = {dt: name for name, dt in ITEM_TYPES}
MAX_VLEN = 1 << 20  # MQ_MAX_VLEN
MAX_PORTS = 16  # MQ_MAX_PORTS
PORT_NAME_MAX = 23  # MQ_PORT_NAME_MAX, without the NUL


class DeclarationError(Exception):
    """A class that mq cannot run as it is declared. `param` names what the
    graph file gives that is at fault ("path", "class"), or is None."""

    def __init__(self, message, param="class"):
        super().__init__(message)
        self.param = param


# A stream tag, as GNU Radio's gr.tag_t: the item's absolute offset, the key
# (a str, GNU Radio's symbol), the value and the srcid (None: GNU Radio's #f).
tag = collections.namedtuple("tag", "offset key value srcid")


class timestamp(collections.namedtuple("timestamp", "kind value start end")):
    """A buffer's timestamp (doc/timestamps.md): kind "sample_index" (value: the
    index of its first item), "relative" (ns since the graph's start) or
    "absolute" (CLOCK_REALTIME ns); start and end the time range of its first
    and last item, or None."""

    __slots__ = ()

    def __new__(cls, kind, value, start=None, end=None):
        return super().__new__(cls, kind, value, start, end)


class pair(tuple):
    """A message pair (car . cdr), GNU Radio's pmt.cons: a tuple of two that
    stays a pair when it is sent (a plain tuple is a PMT tuple)."""

    __slots__ = ()

    def __new__(cls, car, cdr):
        return super().__new__(cls, (car, cdr))

    @property
    def car(self):
        return self[0]

    @property
    def cdr(self):
        return self[1]

    def __repr__(self):
        return "mq.pair(%r, %r)" % (self[0], self[1])


def _running():
    if _mq is None or not _mq.running():
        raise RuntimeError("only a running block can do this (mqgraph's python block)")
    return _mq


def _port(where, i, spec):
    """(name or None, item type, vlen) of in_sig/out_sig entry i."""
    name = None
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str):
        name, spec = spec[0], spec[1:]
        spec = spec[0] if len(spec) == 1 else spec
    vlen = 1
    if isinstance(spec, tuple):
        if len(spec) != 2 or isinstance(spec[1], bool) or not isinstance(spec[1], int):
            raise DeclarationError(
                "%s[%d]: %r is no numpy type, (type, vlen) or (name, type[, vlen])"
                % (where, i, spec))
        spec, vlen = spec
        if not 1 <= vlen <= MAX_VLEN:
            raise DeclarationError("%s[%d]: vlen %d is outside [1, %d]" % (where, i, vlen, MAX_VLEN))
    try:
        dt = np.dtype(spec)
    except TypeError:
        raise DeclarationError("%s[%d]: %r is no numpy type" % (where, i, spec)) from None
    if dt not in _ITEM_OF:
        raise DeclarationError(
            "%s[%d]: numpy type %s is no item type of mq (%s)"
            % (where, i, dt, ", ".join(str(d) for _, d in ITEM_TYPES)))
    return name, _ITEM_OF[dt], vlen


def _ports(prefix, where, sig):
    """The stream ports of a signature: names default to in/out for one port,
    in0, in1, ... for more, as mq's C blocks name theirs."""
    if sig is None:
        return []
    if not isinstance(sig, (list, tuple)):
        raise DeclarationError("%s must be a list, not %s" % (where, type(sig).__name__))
    if len(sig) > MAX_PORTS:
        raise DeclarationError("%s has %d ports; a block has at most %d" % (where, len(sig), MAX_PORTS))
    ports = [_port(where, i, s) for i, s in enumerate(sig)]
    auto = [prefix] if len(ports) == 1 else ["%s%d" % (prefix, i) for i in range(len(ports))]
    return [(name or auto[i], t, v) for i, (name, t, v) in enumerate(ports)]


class basic_block:
    """GNU Radio's gr.basic_block: general_work(input_items, output_items) uses
    what it says with consume() and returns the items it produced on every
    output (or WORK_CALLED_PRODUCE after produce(), or WORK_DONE)."""

    def __init__(self, name="", in_sig=None, out_sig=None):
        self._mq_name = name or type(self).__name__
        self._mq_in = _ports("in", "in_sig", in_sig)
        self._mq_out = _ports("out", "out_sig", out_sig)
        self._mq_msg_in = []
        self._mq_msg_out = []
        self._mq_handlers = {}
        self._mq_tpp = TPP_ALL_TO_ALL
        self._mq_max_items = 0
        self._mq_rate = (1, 1)

    # ---- the declaration ----------------------------------------------------
    def name(self):
        return self._mq_name

    def in_sig(self):
        return [np.dtype(dict(ITEM_TYPES)[t]) if v == 1 else (dict(ITEM_TYPES)[t], v)
                for _, t, v in self._mq_in]

    def out_sig(self):
        return [np.dtype(dict(ITEM_TYPES)[t]) if v == 1 else (dict(ITEM_TYPES)[t], v)
                for _, t, v in self._mq_out]

    def _mq_new_port(self, name):
        name = str(name)  # a GNU Radio pmt.intern("x") is "x" as a str
        taken = [n for n, _, _ in self._mq_in + self._mq_out] + self._mq_msg_in + self._mq_msg_out
        if not name or len(name) > PORT_NAME_MAX or "." in name:
            raise DeclarationError("message port %r: a name of 1 to %d characters, no '.'"
                                   % (name, PORT_NAME_MAX))
        if name in taken:
            raise DeclarationError("message port '%s': the block has a port of that name" % name)
        return name

    def message_port_register_in(self, name):
        self._mq_msg_in.append(self._mq_new_port(name))

    def message_port_register_out(self, name):
        self._mq_msg_out.append(self._mq_new_port(name))

    def set_msg_handler(self, name, handler):
        name = str(name)
        if name not in self._mq_msg_in:
            raise ValueError("no message input '%s' (message_port_register_in first)" % name)
        self._mq_handlers[name] = handler

    def set_tag_propagation_policy(self, policy):
        if policy not in (TPP_DONT, TPP_ALL_TO_ALL, TPP_ONE_TO_ONE):
            raise ValueError("tag propagation policy %r is none of mq.TPP_DONT, "
                             "TPP_ALL_TO_ALL, TPP_ONE_TO_ONE" % (policy,))
        self._mq_tpp = int(policy)

    def tag_propagation_policy(self):
        return self._mq_tpp

    def set_max_noutput_items(self, n):
        """The items of the output arrays of a block without inputs (1024 by
        default), and the most a basic_block's output arrays hold."""
        if n < 1:
            raise ValueError("max_noutput_items must be at least 1")
        self._mq_max_items = int(n)

    def max_noutput_items(self):
        return self._mq_max_items

    def set_relative_rate(self, interpolation, decimation=1):
        """Output items per input item (GNU Radio's set_relative_rate): the scale
        of the tags' offsets, and of a basic_block's output arrays."""
        r = fractions.Fraction(interpolation) / fractions.Fraction(decimation)
        if r <= 0:
            raise ValueError("the relative rate must be positive")
        r = r.limit_denominator(1 << 32)
        self._mq_rate = (r.numerator, r.denominator)
        if _mq is not None and _mq.running():
            _mq.set_relative_rate(r.numerator, r.denominator)

    def relative_rate(self):
        return self._mq_rate[0] / self._mq_rate[1]

    def declare_sample_delay(self, which, delay=None):
        """GNU Radio's declare_sample_delay(delay) or (which, delay): the delay is
        the block's, for every input."""
        self._mq_delay = int(which if delay is None else delay)
        if _mq is not None and _mq.running():
            _mq.declare_sample_delay(self._mq_delay)

    def start(self):
        """Called once in the block's process before the first work call."""
        return True

    def stop(self):
        """Called once at the end, also after a failure."""
        return True

    # ---- during work ----------------------------------------------------------
    def consume(self, which_input, how_many_items):
        _running().consume(which_input, how_many_items)

    def consume_each(self, how_many_items):
        for i in range(len(self._mq_in)):
            _running().consume(i, how_many_items)

    def produce(self, which_output, how_many_items):
        _running().produce(which_output, how_many_items)

    def nitems_read(self, which_input):
        return _running().nitems_read(which_input)

    def nitems_written(self, which_output):
        return _running().nitems_written(which_output)

    def get_tags_in_range(self, which_input, abs_start, abs_end, key=None):
        tags = [tag(*t) for t in _running().tags(which_input, abs_start, abs_end)]
        return tags if key is None else [t for t in tags if t.key == str(key)]

    def get_tags_in_window(self, which_input, rel_start, rel_end, key=None):
        base = self.nitems_read(which_input)
        return self.get_tags_in_range(which_input, base + rel_start, base + rel_end, key)

    def add_item_tag(self, which_output, abs_offset, key=None, value=None, srcid=None):
        """add_item_tag(which_output, offset, key, value[, srcid]) or, as GNU
        Radio also has it, add_item_tag(which_output, tag)."""
        if isinstance(abs_offset, tag):
            abs_offset, key, value, srcid = abs_offset
        _running().add_tag(which_output, abs_offset, key, value, srcid)

    def timestamp(self, which_input):
        """The timestamp of the first item of input_items[which_input], or None."""
        t = _running().timestamp(which_input)
        return None if t is None else timestamp(*t)

    def set_output_timestamp(self, which_output, ts):
        """The timestamp of what this call sends on the output (None: none) in
        place of the one mq gives it (doc/python.md)."""
        if ts is not None and not isinstance(ts, timestamp):
            raise TypeError("a timestamp is an mq.timestamp or None")
        _running().set_timestamp(which_output, ts)

    def message_port_pub(self, name, msg):
        name = str(name)
        if name not in self._mq_msg_out:
            raise ValueError("no message output '%s' (message_port_register_out first)" % name)
        _running().post(len(self._mq_out) + self._mq_msg_out.index(name), msg)

    def restarts(self):
        """How often the block's process was restarted before this one (0 the
        first time, and while the graph is validated): a restarted block starts
        again from __init__."""
        return _mq.restarts() if _mq is not None and _mq.running() else 0

    def general_work(self, input_items, output_items):
        raise NotImplementedError("%s has no general_work" % type(self).__name__)


class sync_block(basic_block):
    """GNU Radio's gr.sync_block: work(input_items, output_items) gets arrays of
    as many items on every port and returns how many it used and made."""

    def work(self, input_items, output_items):
        raise NotImplementedError("%s has no work" % type(self).__name__)
