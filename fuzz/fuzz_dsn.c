/*
 * fuzz_dsn.c - a message/delivery-status body read by dsn_parse()
 * (dsn.h).
 *
 * Input: the body bytes, as they come out of a MIME part (any bytes, NUL
 * included).
 *
 * Checked: every field is NUL-terminated within its array; at most
 * DSN_MAX_RCPTS recipients, more_rcpts only when that many were kept;
 * action and diagnostic type are lower case; a status is empty or an
 * enhanced code "[245].D{1,3}.D{1,3}"; smtp_code is 0 or 200..599; the
 * parse is pure (the same body twice gives the same struct) and does not
 * read past len (the body is copied into an exact-size buffer).
 */
#include "dsn.h"

#include <stdbool.h>

#include "fuzz.h"

#include "banned.h"

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static bool lower(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return false;
    return true;
}

static bool esc_ok(const char *s)
{
    size_t n;

    if (!*s)
        return true;
    if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
        return false;
    s += 2;
    for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
        ;
    if (n < 1 || n > 3 || s[n] != '.')
        return false;
    s += n + 1;
    for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
        ;
    return n >= 1 && n <= 3 && s[n] == '\0';
}

static void check_rcpt(const struct dsn_recipient *r)
{
    FUZZ_ASSERT(TERMINATED(r->final_recipient));
    FUZZ_ASSERT(TERMINATED(r->original_recipient));
    FUZZ_ASSERT(TERMINATED(r->action));
    FUZZ_ASSERT(TERMINATED(r->status));
    FUZZ_ASSERT(TERMINATED(r->diag_type));
    FUZZ_ASSERT(TERMINATED(r->diagnostic));
    FUZZ_ASSERT(TERMINATED(r->remote_mta));
    FUZZ_ASSERT(TERMINATED(r->last_attempt_date));
    FUZZ_ASSERT(lower(r->action));
    FUZZ_ASSERT(lower(r->diag_type));
    FUZZ_ASSERT(esc_ok(r->status));
    FUZZ_ASSERT(r->smtp_code == 0 ||
                (r->smtp_code >= 200 && r->smtp_code <= 599));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dsn a, b;
    char *body = malloc(size ? size : 1);

    if (!body)
        abort();
    if (size)
        memcpy(body, data, size);
    dsn_parse(body, size, &a);
    FUZZ_ASSERT(a.n_rcpts <= DSN_MAX_RCPTS);
    FUZZ_ASSERT(!a.more_rcpts || a.n_rcpts == DSN_MAX_RCPTS);
    FUZZ_ASSERT(TERMINATED(a.reporting_mta));
    FUZZ_ASSERT(TERMINATED(a.received_from_mta));
    FUZZ_ASSERT(TERMINATED(a.arrival_date));
    FUZZ_ASSERT(TERMINATED(a.original_envelope_id));
    for (size_t i = 0; i < a.n_rcpts; i++)
        check_rcpt(&a.rcpt[i]);
    dsn_parse(body, size, &b);
    FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
    free(body);
    return 0;
}
