/* loaded - a module that is no block (no mq_block_entry(), like nodecl) but does
 * something when it is loaded: its constructor appends "loaded" to the file
 * $MQ_TEST_LOADED, if set. A graph that does not name it must not load it, so it
 * can neither slow nor break that graph; a whole listing loads it and warns. For
 * the tests only. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void note_loaded(void)
{
    const char *path = getenv("MQ_TEST_LOADED");
    FILE *f = path ? fopen(path, "a") : NULL;

    if (f) {
        fputs("loaded\n", f);
        fclose(f);
    }
}
