/* estate.c: a month of an estate's records as ops (estate.h), shared by
 * the benchmarks that need a big store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estate.h"

#define BATCH 20000

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

dev devs[NDEV + 1]; /* [NDEV] is the office */
int64_t est_t0 = 1793491200000LL;

/* The batch being built: encoded ops back to back. */
static uint8_t *bbuf;
static size_t blen, bcap, bn;
static size_t *boff;
static uint64_t total;

static int ingest_fn(store_txn *txn, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < bn; i++) {
        size_t end = i + 1 < bn ? boff[i + 1] : blen;
        int added;
        int rc = store_ingest(txn, bbuf + boff[i], end - boff[i],
                              (int64_t)START, &added);
        if (rc)
            return rc;
    }
    return 0;
}

static void flush(store *s)
{
    if (bn == 0)
        return;
    int rc = store_write(s, ingest_fn, NULL);
    if (rc) {
        fprintf(stderr, "estate: ingest: %s\n", rnd_strerror(rc));
        exit(1);
    }
    bn = blen = 0;
}

static void emit_op(store *s, dev *d, proto_op *op, int64_t wall)
{
    op->version = PROTO_OP_VERSION;
    op->device_id = d->id;
    op->seq = ++d->seq;
    uint64_t h = PROTO_HLC_MAKE(wall, 0);
    d->hlc = h > d->hlc ? h : d->hlc + 1;
    op->hlc = d->hlc;
    op->wall_ms = wall;
    memcpy(op->prev_hash, d->prev, PROTO_HASH_LEN);
    if (blen + PROTO_OP_MAX_BYTES > bcap) {
        bcap = bcap ? bcap * 2 : (8u << 20);
        bbuf = realloc(bbuf, bcap);
    }
    if (boff == NULL)
        boff = malloc(BATCH * sizeof *boff);
    if (bbuf == NULL || boff == NULL) {
        fprintf(stderr, "estate: out of memory\n");
        exit(1);
    }
    size_t len;
    int rc = proto_op_encode(op, bbuf + blen, bcap - blen, &len);
    if (rc) {
        fprintf(stderr, "estate: encode: %s\n", rnd_strerror(rc));
        exit(1);
    }
    proto_op_hash(bbuf + blen, len, d->prev);
    boff[bn++] = blen;
    blen += len;
    total++;
    if (bn == BATCH)
        flush(s);
}

static void new_id(uint8_t id[PROTO_ENTITY_LEN], int64_t wall)
{
    for (int i = 5; i >= 0; i--, wall >>= 8)
        id[i] = (uint8_t)wall;
    uint64_t a = rnd(), b = rnd();
    memcpy(id + 6, &a, 8);
    memcpy(id + 14, &b, 2);
}

static proto_op op;
static char sbuf[8][64];

static void start(int kind, int action, const uint8_t *id)
{
    proto_op_init(&op);
    op.kind = (uint8_t)kind;
    op.action = (uint8_t)action;
    memcpy(op.entity, id, PROTO_ENTITY_LEN);
}
static void fstr(const char *k, const char *v)
{
    proto_op_add_str(&op, k, v, strlen(v));
}

static char units[NUNITS][24];

void est_build(store *s, uint64_t target)
{
    for (int i = 0; i <= NDEV; i++) {
        devs[i].id = 0x1000 + (uint64_t)i * 0x1111;
        snprintf(devs[i].name, sizeof devs[i].name,
                 i < NDEV ? "guard-%d" : "office", i);
    }
    /* The office: the units, 10% vacant. */
    dev *off = &devs[NDEV];
    for (int u = 0; u < NUNITS; u++) {
        uint8_t id[16] = {0};
        snprintf(units[u], sizeof units[u], "%d-%d-%d", u / 200 + 1,
                 u / 40 % 5 + 1, u % 40 + 101);
        uint64_t r = rnd();
        memcpy(id + 6, &r, 8);
        memcpy(id + 14, &u, 2);
        start(PROTO_KIND_UNIT, PROTO_ACTION_CREATE, id);
        fstr("unit", units[u]);
        snprintf(sbuf[0], 64, "C%d", u / 200 + 1);
        fstr("cluster", sbuf[0]);
        proto_op_add_bool(&op, "vacant", u % 10 == 0);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    /* Three patrol routes over the 40 checkpoints the scans use, every
     * 2 hours with a 15-minute window, from the day before. */
    static char tags[40 * 6];
    size_t tl = 0;
    for (int c = 0; c < 40; c++) {
        uint8_t id[16] = {0};
        char tag[8];
        snprintf(tag, sizeof tag, "CP-%02d", c);
        tl += (size_t)snprintf(tags + tl, sizeof tags - tl, "%s%s",
                               c ? "," : "", tag);
        id[13] = 35;
        id[15] = (uint8_t)c;
        start(PROTO_KIND_CHECKPOINT, PROTO_ACTION_CREATE, id);
        fstr("tag", tag);
        fstr("name", tag);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    for (int r = 1; r <= 3; r++) {
        uint8_t id[16] = {0};
        id[13] = 34;
        id[15] = (uint8_t)r;
        snprintf(sbuf[0], 64, "R%d", r);
        start(PROTO_KIND_ROUTE, PROTO_ACTION_CREATE, id);
        fstr("route", sbuf[0]);
        fstr("name", sbuf[0]);
        proto_op_add_int(&op, "interval_min", 120);
        proto_op_add_int(&op, "window_min", 15);
        fstr("checkpoints", tags);
        proto_op_add_int(&op, "checkpoint_count", 40);
        fstr("by", "office");
        emit_op(s, off, &op, START - DAY);
    }
    /* Everything else, spread evenly over the 30 days. */
    uint64_t base = total;
    uint64_t left = target > total ? target - total : 0;
    int64_t span = DAYS * DAY;
    while (total < target) {
        /* Time follows the ops written, not the records (a record may
         * write several ops), so the 30 days are filled to the end. */
        int64_t t =
            START + (int64_t)((double)(total - base) / (double)left * span);
        dev *d = &devs[rnd() % NDEV];
        uint8_t id[16];
        new_id(id, t);
        unsigned pick = (unsigned)(rnd() % 1000);
        if (pick < 700) { /* a scan */
            start(PROTO_KIND_SCAN, PROTO_ACTION_CREATE, id);
            snprintf(sbuf[0], 64, "CP-%02u", (unsigned)(rnd() % 40));
            snprintf(sbuf[1], 64, "R%u", (unsigned)(rnd() % 3 + 1));
            fstr("tag", sbuf[0]);
            fstr("route", sbuf[1]);
            fstr("method", "nfc");
            proto_op_add_bool(&op, "anomaly", rnd() % 50 == 0);
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        } else if (pick < 820) { /* a visit and (mostly) its exit */
            start(PROTO_KIND_VISIT, PROTO_ACTION_CREATE, id);
            fstr("name", "visitor");
            fstr("id_type", "id_card");
            fstr("id_no", "110101199001011234");
            fstr("unit", units[rnd() % NUNITS]);
            fstr("purpose", "visit");
            fstr("gate", "A");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            if (rnd() % 20) {
                start(PROTO_KIND_VISIT, PROTO_ACTION_EXIT, id);
                fstr("exit_gate", "A");
                fstr("exit_by", d->name);
                emit_op(s, d, &op, t + (int64_t)(rnd() % (3 * 3600000)));
            }
        } else if (pick < 880) { /* a vehicle and its exit */
            start(PROTO_KIND_VEHICLE, PROTO_ACTION_CREATE, id);
            fstr("plate", "A12345");
            fstr("type", "car");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            if (rnd() % 20) {
                start(PROTO_KIND_VEHICLE, PROTO_ACTION_EXIT, id);
                fstr("exit_by", d->name);
                emit_op(s, d, &op, t + (int64_t)(rnd() % (2 * 3600000)));
            }
        } else if (pick < 940) { /* a work order and its steps */
            static const char *cats[] = {"plumbing",  "electrical",
                                         "elevator",  "door_window",
                                         "complaint", "public_lighting"};
            start(PROTO_KIND_WORKORDER, PROTO_ACTION_CREATE, id);
            fstr("place", units[rnd() % NUNITS]);
            fstr("category", cats[rnd() % 6]);
            fstr("description", "fault");
            int urgent = rnd() % 10 == 0;
            fstr("priority", urgent ? "urgent" : "normal");
            if (urgent)
                fstr("urgent_reason", "pump_pipe_leak");
            fstr("severity", "general");
            proto_op_add_int(&op, "called_at", t - 60000);
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            static const int acts[] = {
                PROTO_ACTION_DISPATCH, PROTO_ACTION_ARRIVE,
                PROTO_ACTION_COMPLETE, PROTO_ACTION_CALLBACK,
                PROTO_ACTION_CLOSE};
            int n = (int)(rnd() % 20); /* most go all the way */
            n = n < 5 ? n : 5;
            int64_t st = t;
            for (int k = 0; k < n; k++) {
                st += (int64_t)(rnd() % (40 * 60000)) + 60000;
                start(PROTO_KIND_WORKORDER, (uint8_t)acts[k], id);
                if (acts[k] == PROTO_ACTION_DISPATCH)
                    fstr("assignee", "zhang");
                if (acts[k] == PROTO_ACTION_CALLBACK)
                    fstr("satisfaction",
                         rnd() % 30 ? "satisfied" : "unsatisfied");
                fstr("by", d->name);
                emit_op(s, d, &op, st);
            }
        } else if (pick < 960) { /* an inspection of a vacant unit */
            start(PROTO_KIND_INSPECTION, PROTO_ACTION_CREATE, id);
            fstr("unit", units[(rnd() % (NUNITS / 10)) * 10]);
            fstr("doors_windows", "ok");
            fstr("water", rnd() % 20 ? "ok" : "fail");
            fstr("power", "ok");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        } else if (pick < 970) { /* a handover and its ack */
            start(PROTO_KIND_HANDOVER, PROTO_ACTION_CREATE, id);
            fstr("to", "next-shift");
            fstr("notes", "all quiet");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
            start(PROTO_KIND_HANDOVER, PROTO_ACTION_ACK, id);
            fstr("ack_by", "next-shift");
            emit_op(s, d, &op, t + 600000);
        } else { /* a duty log note */
            start(PROTO_KIND_DUTYLOG, PROTO_ACTION_CREATE, id);
            fstr("text", "round done, nothing to report");
            fstr("by", d->name);
            emit_op(s, d, &op, t);
        }
    }
    flush(s);
}

void est_start(int kind, int action, const uint8_t *id)
{
    start(kind, action, id);
}

void est_str(const char *k, const char *v)
{
    fstr(k, v);
}

void est_int(const char *k, int64_t v)
{
    proto_op_add_int(&op, k, v);
}

void est_emit(store *s, dev *d, int64_t wall)
{
    emit_op(s, d, &op, wall);
}

void est_flush(store *s)
{
    flush(s);
}

void est_new_id(uint8_t id[PROTO_ENTITY_LEN], int64_t wall)
{
    new_id(id, wall);
}
