/* proctitle.c - a block process's name (see proctitle.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "proctitle.h"

extern char **environ;

static char *area;     /* argv[0] .. the end of the last contiguous string */
static size_t area_len;

void proctitle_init(int argc, char **argv)
{
    char *end;
    int n = 0;

    if (argc < 1 || !argv[0])
        return;
    end = argv[0] + strlen(argv[0]) + 1;
    for (int i = 1; i < argc; i++)
        if (argv[i] == end)
            end += strlen(argv[i]) + 1;
    for (; environ[n]; n++)
        ;
    /* The environment strings follow the arguments in memory; taking their room
     * means copying them first. */
    char **copy = calloc((size_t)n + 1, sizeof *copy);
    for (int i = 0; copy && i < n; i++) {
        if (environ[i] == end)
            end += strlen(environ[i]) + 1;
        if (!(copy[i] = strdup(environ[i]))) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            copy = NULL;
        }
    }
    if (copy)
        environ = copy;
    else
        end = argv[argc - 1] + strlen(argv[argc - 1]) + 1; /* the arguments only */
    area = argv[0];
    area_len = (size_t)(end - argv[0]);
}

void proctitle_block(const char *graph, const char *block)
{
    char title[256];

    snprintf(title, sizeof title, "mq:%s:%s", graph, block);
    prctl(PR_SET_NAME, title, 0, 0, 0);
    if (!area || area_len < 2)
        return;
    memset(area, 0, area_len);
    memcpy(area, title, strlen(title) < area_len - 1 ? strlen(title) : area_len - 1);
}
