/* test_report_integrity.c: every device's op chain checked end to end. A
 * clean site store (its own writer and a handheld's ops ingested), then the
 * same store with ops changed behind the store's back through the raw LMDB
 * API: one op's bytes altered, one op deleted (a gap), one op garbled
 * (undecodable) and the writer's last op altered (caught by the chain
 * head). Each is found at its seq; every figure is asserted through the
 * doc and in text, CSV and JSON. */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "../merge/mergetest.h"
#include "rpttest.h"
#include "test.h"

#define T0 1795824000000LL
#define DEV_A 0xa1ULL
#define DEV_B 0xb2ULL

static void scans(store *s, int n, const char *by, int64_t t)
{
    for (int i = 0; i < n; i++) {
        mt_op op = {.kind = PROTO_KIND_SCAN, .action = PROTO_ACTION_CREATE};
        ASSERT_OK(proto_entity_new(op.entity, t + i * 60000));
        mt_str(&op, "tag", rt_fmt("CP-%02d", i));
        mt_str(&op, "by", by);
        ASSERT_OK(mt_write(s, &op, t + i * 60000, NULL));
    }
}

static rpt_doc report(store *s)
{
    rpt_params p = {.site = "S1",
                    .from = T0,
                    .to = T0 + 86400000LL,
                    .now = T0 + 86400000LL,
                    .tz_min = 0};
    store_txn *txn;
    rpt_doc d;
    ASSERT_OK(store_read_begin(s, &txn));
    ASSERT_OK(rpt_integrity(txn, &p, &d));
    store_read_end(txn);
    return d;
}

/* Raw LMDB: ops key = device u64be + seq u64be, value = recv_ms + op. */
typedef enum { ALTER, GARBLE, DELETE } tamper_how;

static void tamper(const char *path, uint64_t dev, uint64_t seq, tamper_how how)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    ASSERT_EQ(mdb_env_create(&env), 0);
    ASSERT_EQ(mdb_env_set_maxdbs(env, 16), 0);
    ASSERT_EQ(mdb_env_open(env, path, 0, 0600), 0);
    ASSERT_EQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
    ASSERT_EQ(mdb_dbi_open(txn, "ops", 0, &dbi), 0);
    uint8_t k[16];
    proto_be64_put(k, dev);
    proto_be64_put(k + 8, seq);
    MDB_val key = {sizeof k, k}, val;
    ASSERT_EQ(mdb_get(txn, dbi, &key, &val), 0);
    if (how == DELETE) {
        ASSERT_EQ(mdb_del(txn, dbi, &key, NULL), 0);
    } else {
        uint8_t buf[1024];
        ASSERT(val.mv_size <= sizeof buf);
        memcpy(buf, val.mv_data, val.mv_size);
        if (how == GARBLE) {
            buf[8] = 0xc1; /* never used by MessagePack */
        } else {
            /* The tag CP-0N -> CP-9N: still an op, other bytes. */
            uint8_t *p = NULL;
            for (size_t i = 8; i + 3 <= val.mv_size && !p; i++)
                if (memcmp(buf + i, "CP-", 3) == 0)
                    p = buf + i;
            ASSERT(p != NULL);
            p[3] = '9';
        }
        MDB_val nv = {val.mv_size, buf};
        ASSERT_EQ(mdb_put(txn, dbi, &key, &nv, 0), 0);
    }
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static const char *const dcols[] = {
    "device_id", "name",    "ops",         "first_seq", "last_seq", "gaps",
    "missing",   "altered", "undecodable", "ok",        NULL};
static const char *const pcols[] = {"device", "from_seq", "to_seq",
                                    "what",   "detail",   NULL};

int main(void)
{
    char *dir = test_tmpdir("rpt-integ");
    store *site = mt_open(dir, "site", DEV_A);
    store *hh = mt_open(dir, "hh", DEV_B);
    scans(site, 10, "office", T0);
    scans(hh, 6, "guard-b", T0 + 3600000);
    uint8_t **encs;
    size_t *lens;
    size_t n = mt_ops_of(hh, DEV_B, 1, &encs, &lens);
    ASSERT_EQ(n, 6);
    ASSERT_OK(mt_ingest(site, (const uint8_t *const *)encs, lens, n, T0, NULL));
    mt_free_ops(encs, lens, n);
    store_close(hh);

    rpt_doc d = report(site);
    const char *clean_dev[] = {"s:00000000000000a1",
                               "s:site",
                               "i:10",
                               "i:1",
                               "i:10",
                               "i:0",
                               "i:0",
                               "i:0",
                               "i:0",
                               "b:1",
                               "s:00000000000000b2",
                               "-",
                               "i:6",
                               "i:1",
                               "i:6",
                               "i:0",
                               "i:0",
                               "i:0",
                               "i:0",
                               "b:1",
                               NULL};
    const char *none[] = {NULL};
    const char *const clean_sum[] = {
        "devices", "i:2",         "ops", "i:16", "gaps", "i:0", "altered",
        "i:0",     "undecodable", "i:0", "ok",   "b:1",  NULL};
    const rt_section clean_secs[] = {{"devices", dcols, clean_dev},
                                     {"problems", pcols, none}};
    rt_expect ce = {clean_sum, clean_secs, 2};
    rt_verify(&d, &ce);
    rpt_doc_free(&d);
    store_close(site);

    char *path = (char *)rt_fmt("%s/site", dir);
    tamper(path, DEV_B, 3, ALTER);
    tamper(path, DEV_B, 5, DELETE);
    tamper(path, DEV_A, 2, GARBLE);
    tamper(path, DEV_A, 10, ALTER);

    ASSERT_OK(store_open(path, 0, &site));
    d = report(site);
    const char *bad_dev[] = {"s:00000000000000a1",
                             "s:site",
                             "i:10",
                             "i:1",
                             "i:10",
                             "i:0",
                             "i:0",
                             "i:1",
                             "i:1",
                             "b:0",
                             "s:00000000000000b2",
                             "-",
                             "i:5",
                             "i:1",
                             "i:6",
                             "i:1",
                             "i:1",
                             "i:1",
                             "i:0",
                             "b:0",
                             NULL};
    const char *probs[] = {
        "s:00000000000000a1",
        "i:2",
        "i:2",
        "s:undecodable",
        "s:the stored bytes are not an op",
        "s:00000000000000a1",
        "i:10",
        "i:10",
        "s:altered",
        "s:the last op does not hash to the store's chain head",
        "s:00000000000000b2",
        "i:3",
        "i:3",
        "s:altered",
        "s:op 3 does not hash to the prev_hash of op 4",
        "s:00000000000000b2",
        "i:5",
        "i:5",
        "s:gap",
        "s:1 op missing",
        NULL};
    const char *const bad_sum[] = {
        "devices", "i:2",         "ops", "i:15", "gaps", "i:1", "altered",
        "i:2",     "undecodable", "i:1", "ok",   "b:0",  NULL};
    const rt_section bad_secs[] = {{"devices", dcols, bad_dev},
                                   {"problems", pcols, probs}};
    rt_expect be = {bad_sum, bad_secs, 2};
    rt_verify(&d, &be);
    if (getenv("RPT_SHOW"))
        rpt_emit(&d, RPT_FMT_TEXT, stdout);
    rpt_doc_free(&d);
    store_close(site);

    test_rmtree(dir);
    free(dir);
    printf("test_report_integrity: ok\n");
    return 0;
}
