#!/bin/sh
# Stands for test_python when configure found no Python to embed: the python block
# was not built, so there is nothing of its to test. Says so and skips.
echo "SKIP: configure found no Python to embed (PYTHON3, /usr/bin/python3 by default) with" \
     "numpy's C API (Debian: python3-dev, python3-numpy), so the python block and its" \
     "tests were not built"
exit 77
