/* mkops.c: adds N checkpoint scans to a handheld store in batches of
 * 5,000 (hh_record_many), so tests can make big stores quickly.
 *   mkops DATA_DIR N */
#include <stdio.h>
#include <stdlib.h>

#include "../../handheld/handheld.h"

int main(int argc, char **argv)
{
    hh *h;
    if (argc != 3) {
        fprintf(stderr, "usage: mkops DATA_DIR N\n");
        return 2;
    }
    long n = atol(argv[2]);
    int rc = hh_open(argv[1], &h);
    if (rc) {
        fprintf(stderr, "mkops: %s\n", rnd_strerror(rc));
        return 1;
    }
    static hh_batch_item items[5000];
    static char tags[5000][16];
    static hh_kv kv[5000][2];
    for (long done = 0; done < n;) {
        size_t k = 0;
        for (; k < 5000 && done + (long)k < n; k++) {
            snprintf(tags[k], sizeof tags[k], "CP-%ld", (done + (long)k) % 40);
            kv[k][0] = (hh_kv){"tag", tags[k]};
            kv[k][1] = (hh_kv){"route", "R1"};
            items[k] = (hh_batch_item){"scan.record", NULL, kv[k], 2, {0}, {0}};
        }
        rc = hh_record_many(h, items, k, NULL);
        if (rc) {
            fprintf(stderr, "mkops: %s\n", hh_last_error(h));
            hh_close(h);
            return 1;
        }
        done += (long)k;
    }
    hh_close(h);
    return 0;
}
