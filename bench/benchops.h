/* benchops.h: what bench_limit and bench_ingest share: timing, scratch
 * directories, and the benchmark's ops (the 40 checkpoint-scan shapes of
 * scans.h as a real handheld encodes them, re-encoded as N ops of one
 * fixed device with a real hash chain). Benchmarks only, not a library. */
#ifndef RND_BENCHOPS_H
#define RND_BENCHOPS_H

#include <stddef.h>
#include <stdint.h>

#include "scans.h"

/* The device every op of a bo_opset is written by. */
#define BO_DEVICE_ID 0x0b0e0c0417000001ull

/* The program's name, for messages and scratch directory names. */
extern const char *bo_prog;

double bo_now_s(void); /* CLOCK_MONOTONIC, seconds */
/* The median of v[0..n) (sorts v). */
double bo_median(double *v, size_t n);

/* Reads the count after argv[*i] (1..100,000,000) into *dst and steps *i
 * past it: 0, -1 when it is missing (the caller prints its usage), or -2
 * when it is not such a count (said on stderr). */
int bo_count_arg(int argc, char **argv, int *i, uint64_t *dst);

/* A new directory $TMPDIR/rounds-<bo_prog>-XXXXXX in path; 0 or -1. */
int bo_tmp_make(char *path, size_t cap);
/* Removes a flat directory and its files (warns if it cannot). */
void bo_tmp_remove(const char *path);

/* The 40 template ops, recorded through hh_record_many() in a scratch
 * handheld store; each malloc'd. */
typedef struct bo_templates {
    uint8_t *enc[SCANS_NTAGS];
    size_t len[SCANS_NTAGS];
    size_t n;
} bo_templates;
int bo_templates_make(bo_templates *t); /* 0 or -1 (said on stderr) */
void bo_templates_free(bo_templates *t);

/* n ops in one arena: op i is enc[off[i] .. off[i + 1]), received at
 * recv[i]. Scan i takes template i % 40 and gets seq i + 1, a wall time
 * that moves 1 ms every 100 ops, an entity id of that ms and random bytes
 * (a fixed-seed generator), and the previous op's hash: the same ops every
 * run, of any build. */
typedef struct bo_opset {
    uint64_t n;
    uint8_t *enc;
    size_t *off;
    int64_t *recv;
} bo_opset;
int bo_opset_make(const bo_templates *t, uint64_t n, bo_opset *o);
void bo_opset_free(bo_opset *o);

#endif
