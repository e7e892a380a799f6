/* fault - a test block that fails on purpose: it passes f32 buffers through until
 * item `at` (or a point drawn from `seed`), then crashes (SIGSEGV, abort, exit 3),
 * hangs (sleeping, spinning, or stopped by SIGSTOP, all without heartbeat), returns
 * ERROR, or takes a buffer reference it never gives back. It faults only in its
 * first `times` lives, so a restarted one can run clean. With `inputs: 0` it is a
 * source of `items` items (values 0, 1, 2, ...), with `outputs: 0` a sink, so a
 * fault can sit at any position of a graph. Built for the tests only, never
 * installed. */
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"

struct fault {
    int kind;
    int64_t at, seen, items;
    int armed;
};

enum { NONE, SEGV, ABORT, EXIT, HANG, SPIN, STOP, ERROR, LEAK, SCRIBBLE };
static const char *kinds[] = {"none", "segv", "abort", "exit", "hang", "spin", "stop",
                              "error", "leak", "scribble"};

static const mq_param_decl params[] = {
    {"kind", MQ_PARAM_ENUM, "segv", 0, 0,
     "none|segv|abort|exit|hang|spin|stop|error|leak|scribble", "what goes wrong", 0},
    {"at", MQ_PARAM_INT, "0", -1, 1e15, NULL, "item at which it goes wrong; -1: from seed", 0},
    {"seed", MQ_PARAM_INT, "1", 0, 1e15, NULL, "draws `at` in [0, items) when at is -1", 0},
    {"times", MQ_PARAM_INT, "1", 0, 1e6, NULL, "fault in the first `times` lives only", 0},
    {"inputs", MQ_PARAM_INT, "1", 0, 1, NULL, "0: a source", 0},
    {"outputs", MQ_PARAM_INT, "1", 0, 1, NULL, "0: a sink", 0},
    {"items", MQ_PARAM_INT, "3000", 1, 1e12, NULL, "a source's items; the range of a drawn `at`", 0},
    {"scribble_from", MQ_PARAM_INT, "1024", 0, 1 << 20, NULL, "scribble: first byte overwritten", 0},
};
static const mq_port_decl in[] = {{.name = "in", .type = MQ_ITEM_F32}};
static const mq_port_decl out[] = {{.name = "out", .type = MQ_ITEM_F32}};

static int init(mq_block_ctx *c, void **state)
{
    struct fault *f = calloc(1, sizeof *f);
    const char *k = mq_param_str(c, "kind");

    if (!f)
        return -1;
    for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); i++)
        if (!strcmp(k, kinds[i]))
            f->kind = i;
    f->at = mq_param_int(c, "at");
    f->items = mq_param_int(c, "items");
    if (f->at < 0) {
        srand((unsigned)mq_param_int(c, "seed"));
        f->at = rand() % f->items;
    }
    f->armed = mq_block_restarts(c) < mq_param_int(c, "times");
    *state = f;
    return 0;
}

/* What a wild pointer would do: random bytes over the shared state after the
 * arena's first `scribble_from` bytes (slots, reference tables, registry, queues, pool and buffer
 * metadata), through a mapping of its own. Then it carries on as if nothing
 * happened. */
static void scribble(mq_block_ctx *c, struct fault *f)
{
    int fd = shm_open(mq_arena_shm_name(mq_block_arena(c)), O_RDWR, 0);
    struct stat st;
    unsigned char *p;
    size_t len;

    if (fd < 0 || fstat(fd, &st) < 0)
        return;
    len = (size_t)st.st_size < (1u << 20) ? (size_t)st.st_size : 1u << 20;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return;
    srand((unsigned)f->at);
    for (size_t i = (size_t)mq_param_int(c, "scribble_from"); i < len; i++)
        p[i] = (unsigned char)rand();
    munmap(p, len);
}

static int go_wrong(mq_block_ctx *c, struct fault *f)
{
    mq_id id;

    switch (f->kind) {
    case SEGV:
        raise(SIGSEGV);
        break;
    case ABORT:
        abort();
    case EXIT:
        _exit(3);
    case HANG:
        for (;;)
            pause();
    case SPIN:
        for (volatile int x = 0;; x++)
            ;
    case STOP:
        raise(SIGSTOP);
        break;
    case ERROR:
        mq_block_error(c, "fault: ERROR at item %lld as asked", (long long)f->at);
        return MQ_WORK_ERROR;
    case LEAK:
        mq_buf_alloc(mq_block_arena(c), 64, 0, &id); /* never released */
        break;
    case SCRIBBLE:
        scribble(c, f);
        break;
    }
    f->armed = 0;
    return MQ_WORK_OK;
}

/* A source's next buffer: up to 100 items counting on from `seen`. */
static size_t produce(mq_block_ctx *c, struct fault *f)
{
    int64_t n = f->items - f->seen < 100 ? f->items - f->seen : 100;
    float *o = n > 0 ? mq_out_alloc(c, 0, (size_t)n * 4) : NULL;

    for (int64_t i = 0; o && i < n; i++)
        o[i] = (float)(f->seen + i);
    return o ? (size_t)n * 4 : 0;
}

static int work(mq_block_ctx *c, void *state)
{
    struct fault *f = state;
    int source = mq_block_n_inputs(c) == 0, sink = mq_block_n_outputs(c) == 0;
    size_t bytes;
    mq_timestamp ts = {.type = MQ_TS_SAMPLE_INDEX, .value = f->seen};

    if (source) {
        if (f->seen >= f->items)
            return MQ_WORK_DONE;
        if (!(bytes = produce(c, f)))
            return MQ_WORK_ERROR;
    } else {
        mq_in_data(c, 0, &bytes);
        mq_in_timestamp(c, 0, &ts);
    }
    if (f->armed && f->kind != NONE && f->seen + (int64_t)(bytes / 4) > f->at &&
        go_wrong(c, f) != MQ_WORK_OK)
        return MQ_WORK_ERROR;
    f->seen += (int64_t)(bytes / 4);
    if (sink)
        return MQ_WORK_OK;
    if (source)
        return mq_out_push(c, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
    return mq_out_forward(c, 0, 0, bytes, &ts) < 0 ? MQ_WORK_ERROR : MQ_WORK_OK;
}

static void fini(mq_block_ctx *c, void *state)
{
    free(state);
}

static const mq_block_decl decl = {
    .abi = MQ_BLOCK_ABI,
    .name = "fault",
    .doc = "Test block: passes f32 through, then fails as `kind` says at item `at`.",
    .in = in, .n_in = 1, .in_count_param = "inputs",
    .out = out, .n_out = 1, .out_count_param = "outputs",
    .params = params, .n_params = sizeof params / sizeof params[0],
    .init = init, .work = work, .fini = fini,
};
MQ_BLOCK_EXPORT(decl)
