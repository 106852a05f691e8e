/* test_proto_enrollpay.c: enrollment payloads (proto/enrollpay.c): the
 * round trip, each member's checks in both directions (format refuses
 * what parse would), the one spelling (order, case, %-escapes, trailing
 * members refused), every truncation of a valid payload refused, and the
 * addresses a handheld can dial. */
#include <stdio.h>
#include <string.h>

#include "../../proto/enrollpay.h"
#include "../../proto/errors.h"
#include "test.h"

#define FP "1784f951ddc5c4d6661060db6891b05f56e017b295d22e61246b7146ef79f1c2"
#define GOOD                                                                   \
    "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=HH-GATE"         \
    "&cred=rdc1-94eff2528dedbce57b85bf30adb14525"

static int parse(const char *s)
{
    proto_enroll p;
    const char *why;
    return proto_enroll_parse(s, strlen(s), &p, &why);
}

static void test_round_trip(void)
{
    proto_enroll p;
    const char *why = NULL;
    ASSERT_OK(proto_enroll_parse(GOOD, strlen(GOOD), &p, &why));
    ASSERT_STR_EQ(why, "");
    ASSERT_STR_EQ(p.addr, "10.0.0.5:7443");
    ASSERT_STR_EQ(p.fp, FP);
    ASSERT_STR_EQ(p.site, "S1");
    ASSERT_STR_EQ(p.dev, "HH-GATE");
    ASSERT_STR_EQ(p.cred, "rdc1-94eff2528dedbce57b85bf30adb14525");
    char out[PROTO_ENROLL_MAX + 1];
    size_t len;
    ASSERT_OK(proto_enroll_format(&p, out, sizeof out, &len, &why));
    ASSERT_STR_EQ(out, GOOD);
    ASSERT_EQ(len, strlen(GOOD));
    /* Too small a buffer. */
    ASSERT_ERR(proto_enroll_format(&p, out, 40, &len, &why), RND_ENOSPACE);
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "",
        "rounds-enroll:1?",
        "rounds-enroll:2?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=a&cred=x",
        "ROUNDS-ENROLL:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=a&cred=x",
        /* order */
        "rounds-enroll:1?fp=" FP "&addr=10.0.0.5:7443&site=S1&dev=a&cred=x",
        /* a member missing, one more, one twice */
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=a",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP
        "&site=S1&dev=a&cred=x&more=1",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP
        "&site=S1&site=S1&dev=a&cred=x",
        /* the fingerprint: upper case, short, long, not hex */
        "rounds-enroll:1?addr=10.0.0.5:7443&fp="
        "1784F951DDC5C4D6661060DB6891B05F56E017B295D22E61246B7146EF79F1C2"
        "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=1784f951&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "0&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp="
        "g784f951ddc5c4d6661060db6891b05f56e017b295d22e61246b7146ef79f1c2"
        "&site=S1&dev=a&cred=x",
        /* names: escapes, dot-dot, empty, too long */
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S%31&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=..&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=a&cred=",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP "&site=S1&dev=a b&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:7443&fp=" FP
        "&site=1234567890123456789012345678901234567890123456789012345678901234"
        "&dev=a&cred=x",
        /* addresses: no port, port 0, 65536, leading zero, a sign, bare
         * IPv6, a path */
        "rounds-enroll:1?addr=10.0.0.5&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:0&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:65536&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:07443&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=10.0.0.5:+7443&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=2001:db8::1:7443&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=h/x:7443&fp=" FP "&site=S1&dev=a&cred=x",
        "rounds-enroll:1?addr=:7443&fp=" FP "&site=S1&dev=a&cred=x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        proto_enroll p;
        const char *why = NULL;
        int rc = proto_enroll_parse(bad[i], strlen(bad[i]), &p, &why);
        if (rc != RND_EMALFORMED)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        ASSERT_ERR(rc, RND_EMALFORMED);
        ASSERT(why != NULL && why[0] != '\0');
        ASSERT_STR_EQ(p.site, ""); /* zeroed */
    }
    /* Every truncation of a good payload. */
    for (size_t n = 0; n < strlen(GOOD); n++) {
        proto_enroll p;
        int rc = proto_enroll_parse(GOOD, n, &p, NULL);
        /* Cutting the credential short still leaves a credential (its
         * 37 characters are not checked here: the server does). */
        if (n > strlen(GOOD) - 37)
            ASSERT_OK(rc);
        else
            ASSERT_ERR(rc, RND_EMALFORMED);
    }
}

static void test_addresses(void)
{
    ASSERT_OK(parse("rounds-enroll:1?addr=[2001:db8::1]:7443&fp=" FP
                    "&site=S1&dev=a&cred=x"));
    ASSERT_OK(parse("rounds-enroll:1?addr=rounds.example.cn:65535&fp=" FP
                    "&site=Garden_Court.2&dev=gate-1&cred=x"));
    ASSERT(proto_enroll_addr_ok("a:1", 3));
    ASSERT(!proto_enroll_addr_ok("a:", 2));
    ASSERT(!proto_enroll_addr_ok("[]:1", 4));
    ASSERT(!proto_enroll_addr_ok("[x]:1", 5));
    /* format refuses what parse would. */
    proto_enroll p;
    memset(&p, 0, sizeof p);
    snprintf(p.addr, sizeof p.addr, "0.0.0.0");
    snprintf(p.fp, sizeof p.fp, "%s", FP);
    snprintf(p.site, sizeof p.site, "S1");
    snprintf(p.dev, sizeof p.dev, "a");
    snprintf(p.cred, sizeof p.cred, "x");
    char out[PROTO_ENROLL_MAX + 1];
    const char *why;
    ASSERT_ERR(proto_enroll_format(&p, out, sizeof out, NULL, &why),
               RND_EINVAL);
    ASSERT_STR_EQ(why, "addr is not HOST:PORT");
    snprintf(p.addr, sizeof p.addr, "0.0.0.0:7443");
    snprintf(p.dev, sizeof p.dev, "a&b");
    ASSERT_ERR(proto_enroll_format(&p, out, sizeof out, NULL, &why),
               RND_EINVAL);
    ASSERT_STR_EQ(why, "dev is not a device name");
}

int main(void)
{
    test_round_trip();
    test_refused();
    test_addresses();
    return 0;
}
