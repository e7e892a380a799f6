/* replay.c - runs the fuzz target over every file of the corpus (CORPUS, or the
 * files and directories given), so make check proves the loader still survives each
 * input the fuzzer ever kept. Prints how many inputs ran. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;

    if (!f || fstat(fileno(f), &st) < 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
    free(buf);
    return 1;
}

static int walk(const char *path)
{
    struct stat st;
    struct dirent **names;
    int n, total = 0;

    if (stat(path, &st) < 0) {
        fprintf(stderr, "replay: no %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return one(path);
    if ((n = scandir(path, &names, NULL, alphasort)) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        if (names[i]->d_name[0] != '.') {
            snprintf(sub, sizeof sub, "%s/%s", path, names[i]->d_name);
            int r = walk(sub);
            total = r < 0 || total < 0 ? -1 : total + r;
        }
        free(names[i]);
    }
    free(names);
    return total;
}

int main(int argc, char **argv)
{
    int total = 0;

    if (argc < 2)
        total = walk(CORPUS);
    for (int i = 1; i < argc && total >= 0; i++) {
        int r = walk(argv[i]);
        total = r < 0 ? -1 : total + r;
    }
    if (total <= 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replay: %d inputs loaded and validated\n", total);
    return 0;
}
