/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput() once on each
 * input file, without libFuzzer, so `make test` (gcc, or ASan and UBSan
 * under `make sanitize`) replays the committed corpus: every seed and
 * every crash found so far, with the target's checks.
 *
 * usage: test_fuzz_NAME [FILE|DIR]...   (default: fuzz/corpus/NAME)
 * Prints one TAP line per input and "N passed, 0 failed"; a violated
 * property or a crash aborts before the summary, which tests/run.sh
 * reports as a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"csv\"'"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int ran;

static void run_file(const char *path)
{
    struct strbuf sb;
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f) {
        perror(path);
        exit(1);
    }
    sb_init(&sb, 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sb_add(&sb, chunk, n);
    if (ferror(f)) {
        perror(path);
        exit(1);
    }
    fclose(f);
    /* a copy of exactly the input's size, so ASan sees reads past it */
    {
        uint8_t *copy = xmalloc(sb.len ? sb.len : 1);

        memcpy(copy, sb.buf, sb.len);
        LLVMFuzzerTestOneInput(copy, sb.len);
        free(copy);
    }
    sb_release(&sb);
    printf("ok %d - %s\n", ++ran, path);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    if (stat(path, &st) < 0) {
        perror(path);
        exit(1);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    d = opendir(path);
    if (!d) {
        perror(path);
        exit(1);
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xasprintf("%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        run_file(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2)
        run_path("fuzz/corpus/" FUZZ_NAME);
    for (int i = 1; i < argc; i++)
        run_path(argv[i]);
    if (ran == 0) {
        fprintf(stderr, "no input for fuzz_%s\n", FUZZ_NAME);
        return 1;
    }
    printf("1..%d\n%d passed, 0 failed\n", ran, ran);
    return 0;
}
