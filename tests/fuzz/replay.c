/* replay.c: runs a libFuzzer target's LLVMFuzzerTestOneInput over the files
 * of a corpus without libFuzzer, so the corpus is a regression test under
 * CTest with any compiler (and under ASan/UBSan when ROUNDS_SANITIZE is on).
 *
 * Usage: replay_<target> DIR_OR_FILE...
 * Each input is handed over in a heap buffer of exactly its size, as
 * libFuzzer does, so a read past the end is caught by ASan. Exits non-zero
 * when an argument cannot be read or when no input was found at all (an
 * empty corpus would otherwise pass silently).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (buf == NULL || err) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so ASan sees the real end of the input. */
    uint8_t *exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file in dir, in name order so runs are repeatable. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    long count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (more == NULL) {
                count = -1;
                break;
            }
            names = more;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            count = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (count == 0 && n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t k = 0; k < n && count >= 0; k++) {
        size_t plen = strlen(dir) + strlen(names[k]) + 2;
        char *path = malloc(plen);
        struct stat st;
        if (path == NULL) {
            count = -1;
            break;
        }
        snprintf(path, plen, "%s/%s", dir, names[k]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(path) != 0)
                count = -1;
            else
                count++;
        }
        free(path);
    }
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int k = 1; k < argc; k++) {
        struct stat st;
        long got;
        if (stat(argv[k], &st) != 0) {
            perror(argv[k]);
            return 1;
        }
        if (S_ISDIR(st.st_mode))
            got = run_dir(argv[k]);
        else
            got = run_file(argv[k]) == 0 ? 1 : -1;
        if (got < 0)
            return 1;
        total += got;
    }
    printf("replayed %ld inputs\n", total);
    if (total == 0) {
        fprintf(stderr, "no inputs found\n");
        return 1;
    }
    return 0;
}
