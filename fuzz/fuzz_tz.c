/*
 * fuzz_tz.c - tz_parse() on arbitrary bytes as a TZif file, and
 * tz_parse_posix() on the same bytes as a TZ string.  Properties: no crash
 * or sanitizer report; a refusal is ERR_DATA; an accepted zone gives an
 * offset within RFC 8536's range (-24:59:59..25:59:59) at every instant
 * asked, from the year -30000 to 30000 and the int64 extremes.
 */
#include "fuzz.h"
#include "tz.h"

#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599

static void check_zone(const struct tz *z)
{
    static const int64_t instants[] = {
        INT64_MIN, -1000000000000LL, -2208988800LL, -1, 0, 1,
        1767225600LL, 1782864000LL, 2147483647LL, 2147483648LL,
        4102444800LL, 1000000000000LL, INT64_MAX,
    };

    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int32_t off = tz_offset(z, instants[i]);
        FUZZ_ASSERT(off >= UTOFF_MIN && off <= UTOFF_MAX);
    }
    /* every hour of one year: each DST rule's changes are crossed */
    for (int64_t t = 1767225600LL; t < 1767225600LL + 366 * 86400;
         t += 3600) {
        int32_t off = tz_offset(z, t);
        FUZZ_ASSERT(off >= UTOFF_MIN && off <= UTOFF_MAX);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct errinfo ei = { ERR_OK, "" };
    struct tz *z = NULL;
    char *s;

    if (tz_parse(data, size, &z, &ei) == 0) {
        check_zone(z);
        tz_free(z);
    } else {
        FUZZ_ASSERT(ei.code == ERR_DATA);
    }
    if (size > 4096)
        return 0;
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    z = NULL;
    ei.code = ERR_OK;
    if (tz_parse_posix(s, &z, &ei) == 0) {
        check_zone(z);
        tz_free(z);
    } else {
        FUZZ_ASSERT(ei.code == ERR_DATA);
    }
    free(s);
    return 0;
}
