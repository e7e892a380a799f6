/* fuzz_request.c - the control socket's request parser (mqgraph/request.c) on
 * arbitrary bytes: the libFuzzer target, also replayed over
 * tests/fuzz/corpus_request/ by replay.c in make check. It aborts when an
 * invariant breaks: a request is either refused with an error text, or has every
 * argument its command needs, of the type it needs; nothing leaks either way
 * (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int is_name(const char *s)
{
    return s && *s && strlen(s) <= 255;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    ctl_req r;

    if (ctl_req_parse((const char *)data, size, &r, err, sizeof err) < 0) {
        check(err[0] != 0);
        ctl_req_free(&r);
        return 0;
    }
    check((unsigned)r.cmd < CTL_N_CMDS && json_is_object(r.root));
    switch (r.cmd) {
    case CTL_GET:
        check(is_name(r.block) && (!r.param || is_name(r.param)));
        break;
    case CTL_SET:
        check(is_name(r.block) && is_name(r.param) && r.value != NULL);
        check(r.wait_ms >= 0 && r.wait_ms <= 60000);
        break;
    case CTL_SEND:
        check(is_name(r.block) && is_name(r.port) && (r.msg != NULL) != (r.text != NULL));
        break;
    case CTL_TAP:
        check(is_name(r.block) && is_name(r.port) && r.depth >= 0 && r.depth <= 65536);
        break;
    default:
        break;
    }
    ctl_req_free(&r);
    return 0;
}
