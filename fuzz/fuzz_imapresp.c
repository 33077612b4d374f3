/*
 * fuzz_imapresp.c - an IMAP server's bytes for one command, read by every
 * function of imapresp.h (core/imapresp.c).
 *
 * Input: the exchange's raw bytes as io/imap.c collects them (untagged
 * lines, literals, the tagged completion; any bytes, NUL included).  The
 * first byte, when there is one, also chooses SEARCH's `above` (0..15).
 *
 * Checked: UIDVALIDITY and UIDNEXT are >= 0; SEARCH keeps at most cap UIDs,
 * strictly ascending, each above `above`, and says `more` only when full;
 * FETCH metadata at most cap; a BODY literal lies inside the input; the
 * completion line is NUL-terminated within its buffer and has no control
 * characters; every function is pure (the same input twice gives the same
 * answers) and reads nothing past len (the input is copied into an
 * exact-size buffer).
 */
#include "imapresp.h"

#include <stdbool.h>

#include "fuzz.h"

#include "banned.h"

#define CAP 16

static void check_search(const char *buf, size_t len, long long above)
{
    long long a[CAP], b[CAP];
    bool more_a, more_b;
    size_t n = imapresp_search(buf, len, above, a, CAP, &more_a);

    FUZZ_ASSERT(n <= CAP);
    FUZZ_ASSERT(!more_a || n == CAP);
    for (size_t i = 0; i < n; i++) {
        FUZZ_ASSERT(a[i] > above);
        FUZZ_ASSERT(i == 0 || a[i] > a[i - 1]);
    }
    FUZZ_ASSERT(imapresp_search(buf, len, above, b, CAP, &more_b) == n);
    FUZZ_ASSERT(more_a == more_b && memcmp(a, b, n * sizeof(*a)) == 0);
}

static void check_body(const char *buf, size_t len, long long uid)
{
    struct imapresp_lit l;

    if (imapresp_body(buf, len, uid, &l)) {
        FUZZ_ASSERT(l.p >= buf && l.p <= buf + len);
        FUZZ_ASSERT(l.len <= (size_t)(buf + len - l.p));
        FUZZ_ASSERT(!l.cut || l.unclosed);
    }
}

static void check_last(const char *buf, size_t len)
{
    char out[64], again[64];

    memset(out, 'x', sizeof(out));
    imapresp_last(buf, len, out, sizeof(out));
    FUZZ_ASSERT(memchr(out, '\0', sizeof(out)) != NULL);
    for (const char *p = out; *p; p++)
        FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
    imapresp_last(buf, len, again, sizeof(again));
    FUZZ_ASSERT(strcmp(out, again) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imapresp_meta m[CAP], m2[CAP];
    char *buf = malloc(size ? size : 1);
    size_t n;

    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    FUZZ_ASSERT(imapresp_uidvalidity(buf, size) >= 0);
    FUZZ_ASSERT(imapresp_uidnext(buf, size) >= 0);
    check_search(buf, size, size ? data[0] % 16 : 0);
    n = imapresp_meta(buf, size, m, CAP);
    FUZZ_ASSERT(n <= CAP);
    FUZZ_ASSERT(imapresp_meta(buf, size, m2, CAP) == n);
    FUZZ_ASSERT(memcmp(m, m2, n * sizeof(*m)) == 0);
    check_body(buf, size, size ? data[size - 1] % 8 : 0);
    check_last(buf, size);
    (void)imapresp_date(buf, size);
    free(buf);
    return 0;
}
