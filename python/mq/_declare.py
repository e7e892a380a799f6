"""What mqgraph's python block asks of a class: the class, from its file; its
parameters, from its __init__'s signature; an instance, and the ports it
declared. The validator's helper asks it to check a graph, the block's process
to run the block (doc/python.md). Every refusal is a DeclarationError naming the
graph file's parameter at fault."""

import inspect
import os
import sys
import traceback
import typing

from .block import (DeclarationError, TPP_ALL_TO_ALL, TPP_DONT, TPP_ONE_TO_ONE, basic_block,
                    sync_block)

# The python block's own parameters, before the class's.
OWN = ("path", "class")

# mq's tag policies (tags.h: MQ_TAGS_ALL_TO_ALL 0, ONE_TO_ONE 1, DONT 2).
_MQ_TPP = {TPP_ALL_TO_ALL: 0, TPP_ONE_TO_ONE: 1, TPP_DONT: 2}


def _traceback(e, skip):
    """The exception as Python prints it, without the first `skip` frames (this
    module's own)."""
    tb = e.__traceback__
    for _ in range(skip):
        if tb is not None:
            tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb)).rstrip("\n")


def _blocks_in(module):
    return sorted(n for n, v in vars(module).items()
                  if isinstance(v, type) and issubclass(v, basic_block)
                  and v.__module__ == module.__name__)


def load_class(path, name):
    """The class `name` of the Python file `path`, imported as a module named
    after the file; the file's directory goes first on sys.path, so it imports
    its neighbours."""
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        raise DeclarationError("cannot read '%s': %s" % (path, e.strerror), "path") from None
    modname = os.path.splitext(os.path.basename(path))[0] or "block"
    module = type(sys)(modname)
    module.__file__ = path
    sys.modules[modname] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except BaseException as e:  # noqa: B902 - a SystemExit in the file is an error too
        raise DeclarationError("importing %s failed:\n%s" % (path, _traceback(e, 1)),
                               "path") from None
    cls = module.__dict__.get(name)
    if cls is None:
        blocks = _blocks_in(module)
        raise DeclarationError("%s has no class '%s' (%s)" % (
            path, name, "its blocks: " + ", ".join(blocks) if blocks
            else "it has no mq.sync_block or mq.basic_block"), "class")
    if not (isinstance(cls, type) and issubclass(cls, basic_block)):
        raise DeclarationError("%s in %s is no mq.sync_block or mq.basic_block" % (name, path),
                               "class")
    return cls


def _kind(name, annotation, default):
    """mq's parameter type, and its ENUM choices, of an argument."""
    hint = annotation if annotation is not inspect.Parameter.empty else None
    if hint is None and default is not inspect.Parameter.empty:
        hint = type(default)
    if typing.get_origin(hint) is typing.Literal:
        choices = typing.get_args(hint)
        if choices and all(isinstance(c, str) for c in choices):
            return "enum", "|".join(choices)
    origin = typing.get_origin(hint) or hint
    for t, kind in ((bool, "bool"), (int, "int"), (float, "float"), (complex, "complex"),
                    (str, "string"), (list, "floats"), (tuple, "floats")):
        if origin is t:
            return kind, None
    return None, None


def _text(kind, v):
    """A default as mq's parameters write it."""
    if kind == "bool":
        return "true" if v else "false"
    if kind == "int":
        return str(int(v))
    if kind in ("float", "complex"):
        return repr(float(v) if kind == "float" else complex(v))
    if kind == "floats":
        return ",".join(repr(float(x)) for x in v)
    return str(v)


def params_of(cls):
    """The class's parameters: its __init__'s named arguments, each a tuple
    (name, kind, default text or None, enum choices or None, live). A parameter
    is live (mqgraph set) if the class has a setter set_NAME of its own."""
    if cls.__init__ in (basic_block.__init__, sync_block.__init__):
        raise DeclarationError("%s has no __init__ of its own: it declares the block's ports "
                               "there" % cls.__name__)
    try:
        sig = inspect.signature(cls.__init__)
        hints = typing.get_type_hints(cls.__init__)
    except (TypeError, ValueError, NameError) as e:
        raise DeclarationError("%s.__init__'s arguments cannot be read: %s" % (cls.__name__, e))
    out = []
    for i, p in enumerate(sig.parameters.values()):
        if i == 0 or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue  # self, *args, **kwargs
        if p.kind == p.POSITIONAL_ONLY:
            raise DeclarationError("%s.__init__: argument '%s' is positional only: mq gives "
                                   "arguments by name" % (cls.__name__, p.name))
        if p.name in OWN:
            raise DeclarationError("%s.__init__: argument '%s' is the python block's own "
                                   "parameter: name it otherwise" % (cls.__name__, p.name))
        kind, choices = _kind(p.name, hints.get(p.name, p.annotation), p.default)
        if kind is None:
            raise DeclarationError(
                "%s.__init__: argument '%s' needs a default or an annotation of bool, int, "
                "float, complex, str, list or typing.Literal of strs" % (cls.__name__, p.name))
        if p.default is None:
            raise DeclarationError("%s.__init__: argument '%s' defaults to None, which no mq "
                                   "parameter holds: give a value, or no default to make it "
                                   "required" % (cls.__name__, p.name))
        default = None if p.default is p.empty else _text(kind, p.default)
        setter = "set_" + p.name
        live = callable(getattr(cls, setter, None)) and not hasattr(basic_block, setter)
        out.append((p.name, kind, default, choices, live))
    return out


def make(cls, kwargs):
    """An instance of the class with these arguments."""
    try:
        obj = cls(**kwargs)
    except DeclarationError as e:
        raise DeclarationError("%s: %s" % (cls.__name__, e)) from None
    except BaseException as e:  # noqa: B902
        args = ", ".join("%s=%r" % kv for kv in kwargs.items())
        raise DeclarationError("%s(%s) raised an exception:\n%s"
                               % (cls.__name__, args, _traceback(e, 1))) from None
    if not hasattr(obj, "_mq_in"):
        raise DeclarationError("%s.__init__ did not call mq.%s.__init__, which declares the "
                               "ports" % (cls.__name__, "sync_block" if hasattr(obj, "work")
                                          else "basic_block"))
    return obj


def ports_of(obj):
    """(inputs, outputs, tag policy, doc): each port a tuple (name, item type,
    vlen), the message ports after the stream ports with type "msg"."""
    ins = list(obj._mq_in) + [(n, "msg", 1) for n in obj._mq_msg_in]
    outs = list(obj._mq_out) + [(n, "msg", 1) for n in obj._mq_msg_out]
    for where, ports in (("inputs", ins), ("outputs", outs)):
        if len(ports) > 16:
            raise DeclarationError("%s has %d %s with its message ports; a block has at most 16"
                                   % (type(obj).__name__, len(ports), where))
    doc = vars(type(obj)).get("__doc__")  # the class's own, not its base's
    return ins, outs, _MQ_TPP[obj._mq_tpp], inspect.cleandoc(doc) if doc else ""
