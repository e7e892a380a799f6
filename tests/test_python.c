/* test_python.c - python blocks (doc/python.md) end to end: classes written here run
 * through graphs, their outputs compared with values worked out here (or with a C
 * block's, byte for byte); validate's refusals, each the exact text at the graph
 * file's line and column; an exception failing the graph with its traceback; a
 * restart; tags, timestamps and messages seen from Python. Every run that passes
 * also proves the pools came back full: mqgraph fails a run whose buffers did not. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "runutil.h"
#include "suite.h"

/* Graphs here are named py*: the suites run at once, and look arenas up by name. */

/* The file's text is exactly `want`. */
static void file_is(const char *path, const char *want)
{
    char *got = read_file(path, NULL);
    ck_assert_msg(got && !strcmp(got, want), "%s:\n%s\nwanted:\n%s", path, got ? got : "(none)",
                  want);
    free(got);
}

/* A sync_block that multiplies by k. */
static const char gain_py[] =
    "import numpy as np\n"
    "import mq\n"
    "\n"
    "class Gain(mq.sync_block):\n"
    "    def __init__(self, k: float = 1.0):\n"
    "        mq.sync_block.__init__(self, name='gain', in_sig=[np.float32],\n"
    "                               out_sig=[np.float32])\n"
    "        self.k = k\n"
    "\n"
    "    def work(self, input_items, output_items):\n"
    "        output_items[0][:] = input_items[0] * self.k\n"
    "        return len(output_items[0])\n";

/* graphs/python_gain.yaml's Gain makes the very bytes multiply_const makes. */
START_TEST(test_example_gain_matches_multiply_const_byte_for_byte)
{
    char set[600];
    size_t py_len, c_len;

    enter_tmpdir();
    snprintf(set, sizeof set, "code=%s/python", GRAPHS);
    const char *args[] = {"run", copy_example("python_gain"), "--quiet", "--set", set, NULL};
    ck_assert_int_eq(run(args), 0);
    ck_assert_int_eq(rename("gain.f32", "py.f32"), 0);
    run_yaml_ok("pyc",
                "blocks:\n"
                "  src:  {type: sig_source, params: {waveform: sine, frequency: 440,"
                " sample_rate: 48000, amplitude: 0.5}}\n"
                "  head: {type: head, params: {items: 48000}}\n"
                "  gain: {type: multiply_const, params: {k: 2.0}}\n"
                "  out:  {type: file_sink, params: {path: gain.f32}}\n"
                "connections:\n  - [src.out, head.in]\n  - [head.out, gain.in]\n"
                "  - [gain.out, out.in]\n",
                1);
    char *py = read_file("py.f32", &py_len), *c = read_file("gain.f32", &c_len);
    ck_assert_uint_eq(py_len, 48000 * 4);
    ck_assert_uint_eq(c_len, py_len);
    ck_assert_int_eq(memcmp(py, c, py_len), 0);
    free(py);
    free(c);
}
END_TEST

/* vector_source in buffers of 3 (3, 3, 3, 1 items), through Gain and through a
 * sync_block that uses at most 2 items a call (the rest stays for the next). */
START_TEST(test_sync_block_f32_over_buffers_and_partial_work)
{
    enter_tmpdir();
    write_file("gain.py", gain_py);
    write_file("two.py", "import numpy as np\n"
                         "import mq\n"
                         "\n"
                         "class Two(mq.sync_block):\n"
                         "    def __init__(self):\n"
                         "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                         "                               out_sig=[np.float32])\n"
                         "\n"
                         "    def work(self, input_items, output_items):\n"
                         "        n = min(2, len(input_items[0]))\n"
                         "        output_items[0][:n] = input_items[0][:n] + 1\n"
                         "        return n\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                " items_per_buffer: 3}}\n"
                "  g: {type: python, params: {path: gain.py, class: Gain, args: {k: 3}}}\n"
                "  t: {type: python, params: {path: two.py, class: Two}}\n"
                "  out: {type: vector_sink, params: {path: y.txt}}\n"
                "connections:\n  - [src.out, g.in]\n  - [g.out, t.in]\n  - [t.out, out.in]\n",
                1);
    file_is("y.txt", "1\n4\n7\n10\n13\n16\n19\n22\n25\n28\n");
}
END_TEST

/* c32 items are complex64 arrays: conj(z) * (1+1j) = (a + b) + (a - b)j. */
START_TEST(test_sync_block_c32)
{
    enter_tmpdir();
    write_file("cx.py", "import numpy as np\n"
                        "import mq\n"
                        "\n"
                        "class Conj(mq.sync_block):\n"
                        "    def __init__(self, w: complex = 1+1j):\n"
                        "        mq.sync_block.__init__(self, in_sig=[np.complex64],\n"
                        "                               out_sig=[np.complex64])\n"
                        "        self.w = np.complex64(w)\n"
                        "\n"
                        "    def work(self, input_items, output_items):\n"
                        "        assert input_items[0].dtype == np.complex64\n"
                        "        output_items[0][:] = np.conj(input_items[0]) * self.w\n"
                        "        return len(output_items[0])\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [1, 2, 3, -4, 0.5, 0.25],"
                " type: c32, items_per_buffer: 2}}\n"
                "  c: {type: python, params: {path: cx.py, class: Conj}}\n"
                "  out: {type: vector_sink, params: {path: y.txt, type: c32}}\n"
                "connections:\n  - [src.out, c.in]\n  - [c.out, out.in]\n",
                1);
    file_is("y.txt", "3 -1\n-1 7\n0.75 0.25\n");
}
END_TEST

/* (np.float32, 4) ports get (n, 4) arrays: each vector reversed. */
START_TEST(test_sync_block_vlen)
{
    enter_tmpdir();
    write_file("rev.py", "import numpy as np\n"
                         "import mq\n"
                         "\n"
                         "class Reverse(mq.sync_block):\n"
                         "    def __init__(self, n: int = 4):\n"
                         "        mq.sync_block.__init__(self, in_sig=[(np.float32, n)],\n"
                         "                               out_sig=[(np.float32, n)])\n"
                         "\n"
                         "    def work(self, input_items, output_items):\n"
                         "        assert input_items[0].shape[1] == 4\n"
                         "        output_items[0][:] = input_items[0][:, ::-1]\n"
                         "        return len(output_items[0])\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9,"
                " 10, 11], items_per_buffer: 8}}\n"
                "  v: {type: stream_to_vector, params: {num_items: 4}}\n"
                "  r: {type: python, params: {path: rev.py, class: Reverse}}\n"
                "  s: {type: vector_to_stream, params: {num_items: 4}}\n"
                "  out: {type: vector_sink, params: {path: y.txt}}\n"
                "connections:\n  - [src.out, v.in]\n  - [v.out, r.in]\n  - [r.out, s.in]\n"
                "  - [s.out, out.in]\n",
                1);
    file_is("y.txt", "3\n2\n1\n0\n7\n6\n5\n4\n11\n10\n9\n8\n");
    /* a vlen the connection does not have is refused as a C block's is */
    ck_assert_int_eq(run_yaml("pyq",
                              "blocks:\n"
                              "  src: {type: vector_source, params: {values: [0, 1]}}\n"
                              "  r: {type: python, params: {path: rev.py, class: Reverse}}\n"
                              "  out: {type: null_sink}\n"
                              "connections:\n  - [src.out, r.in]\n  - [r.out, out.in]\n",
                              1),
                     2);
    file_is("err.txt", "pyq.yaml:6:15: vector lengths differ: src.out has vlen 1 but r.in has "
                       "vlen 4\n");
}
END_TEST

/* Two inputs in buffers of 3 and of 4: every call gets as many items of each. */
START_TEST(test_sync_block_two_inputs_of_uneven_buffers)
{
    enter_tmpdir();
    write_file("add.py", "import numpy as np\n"
                         "import mq\n"
                         "\n"
                         "class Add(mq.sync_block):\n"
                         "    def __init__(self):\n"
                         "        mq.sync_block.__init__(self, in_sig=[np.float32, np.float32],\n"
                         "                               out_sig=[np.float32])\n"
                         "\n"
                         "    def work(self, input_items, output_items):\n"
                         "        assert len(input_items[0]) == len(input_items[1])\n"
                         "        output_items[0][:] = input_items[0] + input_items[1]\n"
                         "        return len(output_items[0])\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  a: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                " items_per_buffer: 3}}\n"
                "  b: {type: vector_source, params: {values: [100, 101, 102, 103, 104, 105,"
                " 106, 107, 108, 109], items_per_buffer: 4}}\n"
                "  s: {type: python, params: {path: add.py, class: Add}}\n"
                "  out: {type: vector_sink, params: {path: y.txt}}\n"
                "connections:\n  - [a.out, s.in0]\n  - [b.out, s.in1]\n  - [s.out, out.in]\n",
                1);
    file_is("y.txt", "100\n102\n104\n106\n108\n110\n112\n114\n116\n118\n");
}
END_TEST

/* GNU Radio's decimator idiom: general_work takes whole groups of n and consumes
 * them; the items a buffer of 7 leaves are seen again with the next buffer. 26
 * items make 6 means (the last 2 items complete no group). */
static const char mean_py[] =
    "import numpy as np\n"
    "import mq\n"
    "\n"
    "class Mean(mq.basic_block):\n"
    "    def __init__(self, n: int = 4):\n"
    "        mq.basic_block.__init__(self, name='mean', in_sig=[np.float32],\n"
    "                                out_sig=[np.float32])\n"
    "        self.n = n\n"
    "        self.set_relative_rate(1, n)\n"
    "\n"
    "    def general_work(self, input_items, output_items):\n"
    "        k = min(len(input_items[0]) // self.n, len(output_items[0]))\n"
    "        x = input_items[0][:k * self.n].reshape(k, self.n)\n"
    "        output_items[0][:k] = x.mean(axis=1)\n"
    "        self.consume(0, k * self.n)\n"
    "        return k\n";

START_TEST(test_basic_block_decimates_with_consume)
{
    enter_tmpdir();
    write_file("mean.py", mean_py);
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9,"
                " 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25],"
                " items_per_buffer: 7}}\n"
                "  m: {type: python, params: {path: mean.py, class: Mean, args: {n: 4}}}\n"
                "  out: {type: vector_sink, params: {path: y.txt, timestamps: true}}\n"
                "connections:\n  - [src.out, m.in]\n  - [m.out, out.in]\n",
                1);
    /* a sample index counts the block's own output items, as keep_one_in_n's */
    file_is("y.txt", "@ sample 0\n1.5\n@ sample 1\n5.5\n9.5\n@ sample 3\n13.5\n17.5\n"
                       "@ sample 5\n21.5\n");
}
END_TEST

/* The refusals of validate (and run) for a python block, at the graph file's line
 * and column: each case's block line, and its message. */
static const struct {
    const char *block, *err;
} refused[] = {
    {"  p: {type: python, params: {path: nope.py, class: Gain}}\n",
     "pyv.yaml:3:36: block 'p': cannot read 'nope.py': No such file or directory\n"},
    {"  p: {type: python, params: {path: gain.py, class: Gian}}\n",
     "pyv.yaml:3:52: block 'p': gain.py has no class 'Gian' (its blocks: Gain)\n"},
    {"  p: {type: python, params: {path: gain.py, class: np}}\n",
     "pyv.yaml:3:52: block 'p': np in gain.py is no mq.sync_block or mq.basic_block\n"},
    {"  p: {type: python, params: {path: bad.py, class: Bad}}\n",
     "pyv.yaml:3:51: block 'p': Bad: in_sig[0]: numpy type int64 is no item type of mq "
     "(uint8, int16, int32, float32, float64, complex64)\n"},
    {"  p: {type: python, params: {path: gain.py, class: Gain, args: {kk: 2}}}\n",
     "pyv.yaml:3:69: block 'p': block type 'python' has no parameter 'kk' (did you mean "
     "'k'?)\n"},
    {"  p: {type: python, params: {path: gain.py, class: Gain, args: {k: fast}}}\n",
     "pyv.yaml:3:68: block 'p': parameter 'k': 'fast' is not a number\n"},
    {"  p: {type: python, params: {path: need.py, class: Need}}\n",
     "pyv.yaml:3:3: block 'p': missing parameter 'k' (an argument of the class)\n"},
    {"  p: {type: python, params: {class: Gain}}\n",
     "pyv.yaml:3:3: block 'p': missing parameter 'path' (the Python file)\n"},
    {"  p: {type: python, params: {path: broken.py, class: Gain}}\n",
     "pyv.yaml:3:36: block 'p': importing broken.py failed:\n"
     "  File \"broken.py\", line 3\n"
     "    def Gain(:\n"
     "             ^\n"
     "SyntaxError: invalid syntax\n"},
    {"  p: {type: python, params: {path: raiser.py, class: Raiser, args: {k: 2}}}\n",
     "pyv.yaml:3:54: block 'p': Raiser(k=2.0) raised an exception:\n"
     "Traceback (most recent call last):\n"
     "  File \"raiser.py\", line 6, in __init__\n"
     "    raise ValueError('k must be below 1, not %g' % k)\n"
     "ValueError: k must be below 1, not 2\n"},
};

START_TEST(test_validate_refuses_with_line_and_column)
{
    char yaml[1024];

    enter_tmpdir();
    write_file("gain.py", gain_py);
    write_file("bad.py", "import numpy as np\n"
                         "import mq\n"
                         "class Bad(mq.sync_block):\n"
                         "    def __init__(self):\n"
                         "        mq.sync_block.__init__(self, in_sig=[np.int64],\n"
                         "                               out_sig=[np.float32])\n");
    write_file("need.py", "import numpy as np\n"
                          "import mq\n"
                          "class Need(mq.sync_block):\n"
                          "    def __init__(self, k: float):\n"
                          "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                          "                               out_sig=[np.float32])\n");
    write_file("broken.py", "import mq\n\ndef Gain(:\n    pass\n");
    write_file("raiser.py", "import numpy as np\n"
                            "import mq\n"
                            "class Raiser(mq.sync_block):\n"
                            "    def __init__(self, k: float = 0.5):\n"
                            "        if k >= 1:\n"
                            "            raise ValueError('k must be below 1, not %g' % k)\n"
                            "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                            "                               out_sig=[np.float32])\n");
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(yaml, sizeof yaml,
                 "blocks:\n"
                 "  src: {type: vector_source, params: {values: [1, 2]}}\n"
                 "%s"
                 "  out: {type: vector_sink, params: {path: y.txt}}\n"
                 "connections:\n  - [src.out, p.in]\n  - [p.out, out.in]\n",
                 refused[i].block);
        write_file("pyv.yaml", yaml);
        const char *validate[] = {"validate", "pyv.yaml", NULL};
        const char *run_[] = {"run", "pyv.yaml", NULL};
        ck_assert_msg(run(validate) == 2, "case %zu", i);
        file_is("err.txt", refused[i].err);
        ck_assert_msg(run(run_) == 2, "case %zu", i);
        file_is("err.txt", refused[i].err);
        ck_assert_int_eq(shm_count("pyv"), 0);
    }
}
END_TEST

/* An exception in work fails the graph: the block's name, then Python's traceback. */
START_TEST(test_exception_in_work_fails_the_graph_with_its_traceback)
{
    enter_tmpdir();
    write_file("boom.py", "import numpy as np\n"
                          "import mq\n"
                          "\n"
                          "class Boom(mq.sync_block):\n"
                          "    def __init__(self):\n"
                          "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                          "                               out_sig=[np.float32])\n"
                          "\n"
                          "    def work(self, input_items, output_items):\n"
                          "        if self.nitems_read(0) >= 6:\n"
                          "            raise ValueError('boom at item %d' % self.nitems_read(0))\n"
                          "        output_items[0][:] = input_items[0]\n"
                          "        return len(output_items[0])\n");
    run_yaml_fails("py",
                   "blocks:\n"
                   "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8],"
                   " items_per_buffer: 3}}\n"
                   "  boom: {type: python, params: {path: boom.py, class: Boom}}\n"
                   "  out: {type: vector_sink, params: {path: y.txt}}\n"
                   "connections:\n  - [src.out, boom.in]\n  - [boom.out, out.in]\n",
                   1,
                   "mqgraph: block 'boom' (python): Boom.work raised an exception:\n"
                   "Traceback (most recent call last):\n"
                   "  File \"boom.py\", line 11, in work\n"
                   "    raise ValueError('boom at item %d' % self.nitems_read(0))\n"
                   "ValueError: boom at item 6\n"
                   "mqgraph: block 'boom' (python, pid ");
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, ") failed with exit status 2\n"), "stderr: %s", err);
    ck_assert_msg(!strstr(err, "did not come back"), "stderr: %s", err); /* pools full */
    free(err);
    ck_assert_ptr_null(read_file("y.txt", NULL)); /* the sink discarded its partial file */
}
END_TEST

/* restart: on-failure restarts a Python block that raised: its second life (a new
 * interpreter, from __init__) goes on from the next buffer; the buffer the first
 * life raised on is lost, and counted. */
START_TEST(test_restart_on_failure_restarts_a_python_block)
{
    enter_tmpdir();
    write_file("flaky.py", "import numpy as np\n"
                           "import mq\n"
                           "\n"
                           "class Flaky(mq.sync_block):\n"
                           "    def __init__(self):\n"
                           "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                           "                               out_sig=[np.float32])\n"
                           "\n"
                           "    def work(self, input_items, output_items):\n"
                           "        if self.restarts() == 0 and self.nitems_read(0) >= 6:\n"
                           "            raise RuntimeError('first life ends')\n"
                           "        output_items[0][:] = input_items[0] * 10\n"
                           "        return len(output_items[0])\n");
    ck_assert_int_eq(run_yaml("py",
                              "blocks:\n"
                              "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5,"
                              " 6, 7, 8, 9, 10, 11], items_per_buffer: 3}}\n"
                              "  f: {type: python, params: {path: flaky.py, class: Flaky},"
                              " restart: {policy: on-failure, backoff_ms: 1}}\n"
                              "  out: {type: vector_sink, params: {path: y.txt}}\n"
                              "connections:\n  - [src.out, f.in]\n  - [f.out, out.in]\n",
                              1),
                     3);
    file_is("y.txt", "0\n10\n20\n30\n40\n50\n90\n100\n110\n");
    char *err = read_file("err.txt", NULL);
    ck_assert_msg(strstr(err, "mqgraph: block 'f' (python): Flaky.work raised an exception:\n"
                              "Traceback (most recent call last):\n"
                              "  File \"flaky.py\", line 11, in work\n"
                              "    raise RuntimeError('first life ends')\n"
                              "RuntimeError: first life ends\n"),
                  "stderr: %s", err);
    ck_assert_msg(strstr(err, "lost 1 buffer, 3 items on src.out -> f.in"), "stderr: %s", err);
    ck_assert_msg(!strstr(err, "did not come back"), "stderr: %s", err); /* pools full */
    free(err);
    ck_assert_int_eq(shm_count("py"), 0);
}
END_TEST

/* Tags from Python: a block reads the tags of its window (file_source's begin, on
 * each repeat of the 10 items), answers each with a tag of its own (a pair, from
 * srcid "py"), tags every 5th item with a dict, and passes no tag on itself
 * (TPP_DONT), so tag_debug sees exactly these. */
START_TEST(test_tags_read_and_added_from_python)
{
    FILE *f;

    enter_tmpdir();
    ck_assert_ptr_nonnull(f = fopen("in.f32", "wb"));
    for (int i = 0; i < 10; i++) {
        float v = (float)i;
        fwrite(&v, 4, 1, f);
    }
    fclose(f);
    write_file("tagger.py",
               "import numpy as np\n"
               "import mq\n"
               "\n"
               "class Tagger(mq.sync_block):\n"
               "    def __init__(self, every: int = 5):\n"
               "        mq.sync_block.__init__(self, in_sig=[np.float32], out_sig=[np.float32])\n"
               "        self.every = every\n"
               "        self.set_tag_propagation_policy(mq.TPP_DONT)\n"
               "\n"
               "    def work(self, input_items, output_items):\n"
               "        n = len(input_items[0])\n"
               "        start = self.nitems_read(0)\n"
               "        for t in self.get_tags_in_range(0, start, start + n):\n"
               "            self.add_item_tag(0, t.offset, 'seen', mq.pair(t.key, t.value), 'py')\n"
               "        w = self.nitems_written(0)\n"
               "        for off in range(w + (-w) % self.every, w + n, self.every):\n"
               "            x = float(input_items[0][off - w])\n"
               "            self.add_item_tag(0, off, 'every', {'at': off, 'x': x})\n"
               "        output_items[0][:] = input_items[0]\n"
               "        return n\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: file_source, params: {path: in.f32, repeat: true, begin_tag: begin,"
                " items_per_buffer: 4}}\n"
                "  h: {type: head, params: {items: 22}}\n"
                "  t: {type: python, params: {path: tagger.py, class: Tagger}}\n"
                "  d: {type: tag_debug, params: {path: d.txt}}\n"
                "connections:\n  - [src.out, h.in]\n  - [h.out, t.in]\n  - [t.out, d.in0]\n",
                1);
    file_is("d.txt",
            "input 0 offset 0 source \"py\" key \"seen\" value {\"$pair\":[\"begin\",0]}\n"
            "input 0 offset 0 source false key \"every\" value {\"at\":0,\"x\":0.0}\n"
            "input 0 offset 5 source false key \"every\" value {\"at\":5,\"x\":5.0}\n"
            "input 0 offset 10 source \"py\" key \"seen\" value {\"$pair\":[\"begin\",1]}\n"
            "input 0 offset 10 source false key \"every\" value {\"at\":10,\"x\":0.0}\n"
            "input 0 offset 15 source false key \"every\" value {\"at\":15,\"x\":5.0}\n"
            "input 0 offset 20 source \"py\" key \"seen\" value {\"$pair\":[\"begin\",2]}\n"
            "input 0 offset 20 source false key \"every\" value {\"at\":20,\"x\":0.0}\n");
}
END_TEST

/* Timestamps from Python: each window's stamp (relative time at 1000 items/s, a
 * range over its items) as a tag, and the block's own stamps on its output. */
START_TEST(test_timestamps_read_and_set_from_python)
{
    enter_tmpdir();
    write_file("stamps.py",
               "import numpy as np\n"
               "import mq\n"
               "\n"
               "class Stamps(mq.sync_block):\n"
               "    def __init__(self):\n"
               "        mq.sync_block.__init__(self, in_sig=[np.float32], out_sig=[np.float32])\n"
               "\n"
               "    def work(self, input_items, output_items):\n"
               "        ts = self.timestamp(0)\n"
               "        self.add_item_tag(0, self.nitems_written(0), 'ts',\n"
               "                          [ts.kind, ts.value, ts.start, ts.end])\n"
               "        at = mq.timestamp('sample_index', 1000 + self.nitems_read(0))\n"
               "        self.set_output_timestamp(0, at)\n"
               "        output_items[0][:] = input_items[0]\n"
               "        return len(output_items[0])\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],"
                " items_per_buffer: 4, sample_rate: 1000, timestamps: relative}}\n"
                "  t: {type: python, params: {path: stamps.py, class: Stamps}}\n"
                "  d: {type: tag_debug, params: {path: d.txt}}\n"
                "  out: {type: vector_sink, params: {path: y.txt, timestamps: true}}\n"
                "connections:\n  - [src.out, t.in]\n  - [t.out, d.in0]\n  - [t.out, out.in]\n",
                1);
    file_is("d.txt",
            "input 0 offset 0 source false key \"ts\" value [\"relative\",0,0,3000000]\n"
            "input 0 offset 4 source false key \"ts\" value [\"relative\",4000000,4000000,"
            "7000000]\n"
            "input 0 offset 8 source false key \"ts\" value [\"relative\",8000000,8000000,"
            "9000000]\n");
    file_is("y.txt", "@ sample 1000\n0\n1\n2\n3\n@ sample 1004\n4\n5\n6\n7\n@ sample 1008\n8\n9\n");
}
END_TEST

/* Message ports from Python: a source posts a dict on its message output for each
 * buffer; a block of message ports only (no work) handles them and posts a pair on;
 * message_debug prints what arrived. Values cross as PMTs (a numpy int16 array as
 * an s16 vector, a tuple, a complex). */
START_TEST(test_message_ports_from_python)
{
    enter_tmpdir();
    write_file("msgs.py",
               "import numpy as np\n"
               "import mq\n"
               "\n"
               "class Counter(mq.sync_block):\n"
               "    def __init__(self):\n"
               "        mq.sync_block.__init__(self, out_sig=[np.float32])\n"
               "        self.message_port_register_out('info')\n"
               "        self.set_max_noutput_items(4)\n"
               "\n"
               "    def work(self, input_items, output_items):\n"
               "        w = self.nitems_written(0)\n"
               "        if w >= 12:\n"
               "            return mq.WORK_DONE\n"
               "        output_items[0][:] = np.arange(w, w + 4)\n"
               "        two = np.arange(w, w + 2, dtype=np.int16)\n"
               "        self.message_port_pub('info', {'first': w, 'items': two})\n"
               "        return 4\n"
               "\n"
               "class Relay(mq.basic_block):\n"
               "    def __init__(self, tag: str = 'relayed'):\n"
               "        mq.basic_block.__init__(self)\n"
               "        self.message_port_register_in('in')\n"
               "        self.message_port_register_out('out')\n"
               "        self.set_msg_handler('in', self.handle)\n"
               "        self.tag = tag\n"
               "        self.n = 0\n"
               "\n"
               "    def handle(self, msg):\n"
               "        self.n += 1\n"
               "        rest = (msg['items'], msg['items'].dtype.name, 2j, None, True)\n"
               "        self.message_port_pub('out', mq.pair(self.tag, [self.n, msg['first'], rest]))\n");
    run_yaml_ok("py",
                "blocks:\n"
                "  src: {type: python, params: {path: msgs.py, class: Counter}}\n"
                "  sink: {type: vector_sink, params: {path: y.txt}}\n"
                "  r: {type: python, params: {path: msgs.py, class: Relay, args: {tag: hi}}}\n"
                "  dbg: {type: message_debug, params: {path: m.txt}}\n"
                "connections:\n  - [src.out, sink.in]\n  - [src.info, r.in]\n"
                "  - [r.out, dbg.print]\n",
                1);
    file_is("y.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n");
    file_is("m.txt",
            "{\"$pair\":[\"hi\",[1,0,{\"$tuple\":[{\"$s16\":[0,1]},\"int16\",{\"$complex\":[0.0,2.0]},"
            "null,true]}]]}\n"
            "{\"$pair\":[\"hi\",[2,4,{\"$tuple\":[{\"$s16\":[4,5]},\"int16\",{\"$complex\":[0.0,2.0]},"
            "null,true]}]]}\n"
            "{\"$pair\":[\"hi\",[3,8,{\"$tuple\":[{\"$s16\":[8,9]},\"int16\",{\"$complex\":[0.0,2.0]},"
            "null,true]}]]}\n");
}
END_TEST

/* The arrays are the arena's buffers: a block that keeps one past its call fails
 * (GNU Radio's would read a buffer since reused). */
START_TEST(test_a_block_that_keeps_a_view_fails)
{
    enter_tmpdir();
    write_file("keep.py", "import numpy as np\n"
                          "import mq\n"
                          "\n"
                          "class Keep(mq.sync_block):\n"
                          "    def __init__(self):\n"
                          "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                          "                               out_sig=[np.float32])\n"
                          "\n"
                          "    def work(self, input_items, output_items):\n"
                          "        self.last = input_items[0][1:]\n"
                          "        output_items[0][:] = input_items[0]\n"
                          "        return len(output_items[0])\n");
    run_yaml_fails("py",
                   "blocks:\n"
                   "  src: {type: vector_source, params: {values: [0, 1, 2]}}\n"
                   "  k: {type: python, params: {path: keep.py, class: Keep}}\n"
                   "  out: {type: null_sink}\n"
                   "connections:\n  - [src.out, k.in]\n  - [k.out, out.in]\n",
                   1,
                   "mqgraph: block 'k' (python): Keep.work kept input_items[0] (or a view of it) "
                   "after it returned: it is a view of the arena's buffer, lent for the call "
                   "only (keep a copy: numpy.array(x))\n");
}
END_TEST

/* A parameter is live when the class has its setter: `mqgraph set` calls
 * Gain.set_k between two work calls, from a buffer boundary on (as
 * multiply_const's k changes in test_live). 150000 items at 100000/s: more than
 * the 64 buffers of 1000 the queue after head holds, so every block is still
 * there when the test looks. */
START_TEST(test_set_calls_the_setter_of_a_live_argument)
{
    char yaml[1024];
    size_t len;

    own_ctldir();
    snprintf(yaml, sizeof yaml,
             "blocks:\n"
             "  src: {type: sig_source, params: {waveform: constant, amplitude: 1,"
             " items_per_buffer: 1000}}\n"
             "  head: {type: head, params: {items: 150000}}\n"
             "  thr: {type: throttle, params: {rate: 100000}}\n"
             "  amp: {type: python, params: {path: %s/python/gain.py, class: Gain,"
             " args: {k: 2}}}\n"
             "  out: {type: file_sink, params: {path: out.f32}}\n"
             "connections:\n"
             "  - [src.out, head.in]\n  - [head.out, thr.in]\n  - [thr.out, amp.in]\n"
             "  - [amp.out, out.in]\n",
             GRAPHS);
    pid_t pid = start_graph("pyk", yaml, 5);
    wait_items("pyk" SFX, "amp", 5000);
    json_t *r = set_applied("pyk" SFX, "amp.k=0.5");
    long long at = field(r, "item");
    ck_assert_str_eq(sfield(r, "value"), "0.5");
    json_decref(r);
    ck_assert_int_eq(finish(pid), 0);
    float *x = (float *)read_file("out.f32", &len);
    ck_assert_uint_eq(len, 150000 * sizeof *x);
    ck_assert_int_eq(at % 1000, 0);
    ck_assert_int_ge(at, 5000);
    ck_assert_int_lt(at, 150000);
    for (size_t i = 0; i < len / sizeof *x; i++)
        ck_assert_msg(x[i] == ((long long)i < at ? 2.0f : 0.5f), "item %zu: %g (changed at %lld)",
                      i, x[i], at);
    free(x);
}
END_TEST

/* Imports can take seconds (scipy, torch): the block beats its heartbeat while its
 * interpreter starts and its class starts, so a start() of 0.6 s is not a hang
 * with a timeout of 0.2 s. */
START_TEST(test_a_slow_start_is_not_a_hang)
{
    enter_tmpdir();
    write_file("slow.py", "import time\n"
                          "import numpy as np\n"
                          "import mq\n"
                          "\n"
                          "class Slow(mq.sync_block):\n"
                          "    def __init__(self):\n"
                          "        mq.sync_block.__init__(self, in_sig=[np.float32],\n"
                          "                               out_sig=[np.float32])\n"
                          "\n"
                          "    def start(self):\n"
                          "        time.sleep(0.6)  # a heavy import\n"
                          "        return True\n"
                          "\n"
                          "    def work(self, input_items, output_items):\n"
                          "        output_items[0][:] = input_items[0]\n"
                          "        return len(output_items[0])\n");
    run_yaml_ok("py",
                "arena: {heartbeat_timeout_ms: 200}\n"
                "blocks:\n"
                "  src: {type: vector_source, params: {values: [1, 2, 3]}}\n"
                "  s: {type: python, params: {path: slow.py, class: Slow}}\n"
                "  out: {type: vector_sink, params: {path: y.txt}}\n"
                "connections:\n  - [src.out, s.in]\n  - [s.out, out.in]\n",
                1);
    file_is("y.txt", "1\n2\n3\n");
}
END_TEST

Suite *python_suite(void);
Suite *python_suite(void)
{
    Suite *s = suite_create("python");
    TCase *tc = tcase_create("graphs");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_example_gain_matches_multiply_const_byte_for_byte);
    tcase_add_test(tc, test_sync_block_f32_over_buffers_and_partial_work);
    tcase_add_test(tc, test_sync_block_c32);
    tcase_add_test(tc, test_sync_block_vlen);
    tcase_add_test(tc, test_sync_block_two_inputs_of_uneven_buffers);
    tcase_add_test(tc, test_basic_block_decimates_with_consume);
    tcase_add_test(tc, test_validate_refuses_with_line_and_column);
    tcase_add_test(tc, test_exception_in_work_fails_the_graph_with_its_traceback);
    tcase_add_test(tc, test_restart_on_failure_restarts_a_python_block);
    tcase_add_test(tc, test_tags_read_and_added_from_python);
    tcase_add_test(tc, test_timestamps_read_and_set_from_python);
    tcase_add_test(tc, test_message_ports_from_python);
    tcase_add_test(tc, test_a_block_that_keeps_a_view_fails);
    tcase_add_test(tc, test_set_calls_the_setter_of_a_live_argument);
    tcase_add_test(tc, test_a_slow_start_is_not_a_hang);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(python_suite());
}
