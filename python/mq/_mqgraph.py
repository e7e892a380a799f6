"""Where the mqgraph command is, and running it for one answer.

The API drives mqgraph rather than libmq (doc/python.md says why), so it needs the
program: $MQGRAPH if set; else the one `make install` recorded beside this package
(_config.py, written at install time only, so a source tree never has a stale
one); else the build tree's, when this package is the source tree's python/mq;
else the first mqgraph on PATH.
"""

import os
import shutil
import subprocess

_HERE = os.path.dirname(os.path.abspath(__file__))


def path():
    """The mqgraph program the API runs."""
    env = os.environ.get("MQGRAPH")
    if env:
        return env
    try:
        from . import _config  # written by make install
        return _config.MQGRAPH
    except ImportError:
        pass
    tree = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "mqgraph", "mqgraph")
    if os.access(tree, os.X_OK):
        return tree
    found = shutil.which("mqgraph")
    if not found:
        raise FileNotFoundError("no mqgraph: set MQGRAPH, or install mq (make install)")
    return found


def call(args, **kw):
    """mqgraph ARGS..., to its end: a CompletedProcess with text stdout and stderr."""
    return subprocess.run([path()] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, **kw)


def strip_command(text, cmd):
    """An error of `mqgraph CMD` without the "mqgraph CMD: " the command puts first:
    the exception's text is what the control plane or the lookup said."""
    text = text.rstrip("\n")
    prefix = "mqgraph %s: " % cmd
    return text[len(prefix):] if text.startswith(prefix) else text
