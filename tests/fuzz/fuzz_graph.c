/* fuzz_graph.c - the YAML loader and the validator on arbitrary bytes: the libFuzzer
 * target (tests/fuzz/run.sh) and, through replay.c, a check that every input of the
 * corpus still loads or fails cleanly (make check, under ASan+UBSan). A graph
 * across hosts that validates is split, and each part loaded back (split.c). The
 * block catalog is loaded once, from MQ_BLOCK_PATH and the build tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"
#include "graph.h"
#include "split.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mqg_catalog *catalog(void)
{
    static mqg_catalog cat;
    static int loaded;
    if (!loaded) {
        catalog_load(&cat);
        loaded = 1;
    }
    return &cat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *set_kv[] = {"n=5"};
    mqg_vars set = {1, (char **)set_kv};
    char err[2048];
    FILE *f;
    mqg_graph *g;

    if (size == 0 || !(f = fmemopen((void *)data, size, "rb")))
        return 0;
    g = graph_load_stream(f, "fuzz.yaml", &set, err, sizeof err);
    fclose(f);
    if (g && graph_validate(g, catalog(), err, sizeof err) == 0 && g->n_hosts) {
        mqg_split s;
        if (split_make(g, &s, err, sizeof err) == 0)
            for (int h = 0; h < g->n_hosts; h++)
                graph_free(split_part(g, &s, h, catalog(), err, sizeof err));
        split_free(&s);
    }
    graph_free(g);
    return 0;
}
