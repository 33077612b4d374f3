/*
 * fuzz_jsonq.c - JSON from token endpoints, Graph and JWT payloads read
 * through jsonq.h, and oauth_token_has_role() on arbitrary tokens.
 *
 * Input: one byte of options, then the text.  Modes (options & 3):
 *   0  the text is JSON: jsonq_get() at the paths mailrota reads (plus,
 *      with bit 2, a path taken from the text after a NUL), jsonq_valid(),
 *      jsonq_array_has() on "$.roles";
 *   1  the text is a JWT payload: encoded as base64url into a token
 *      "header.PAYLOAD.signature", oauth_token_has_role() must answer as
 *      jsonq does on the payload itself (-1 when it is not JSON);
 *   2  the text is a token as it came: oauth_token_has_role() must not
 *      crash and answers -1, 0 or 1.
 *
 * Checked, as jsonq.h promises: jsonq_get() is true exactly when the text
 * is valid JSON (for well-formed paths), and then gives every path a type;
 * MISSING and NULL come without a value, TEXT and NUMBER with one, a
 * NUMBER's value is a number; when false, every type is MISSING and every
 * value NULL; text longer than JSONQ_MAX is never valid.
 */
#include "jsonq.h"
#include "oauth.h"

#include <stdbool.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

/* What oauth.c and graph.c ask for, and a few more shapes. */
static const char *const fixed_paths[] = {
    "$.access_token", "$.expires_in", "$.error", "$.error_description",
    "$.error.code", "$.error.message", "$.roles", "$.roles[0]", "$",
};
#define N_FIXED (sizeof(fixed_paths) / sizeof(fixed_paths[0]))

static bool is_number(const char *s)
{
    char *end;

    if (!*s)
        return false;
    (void)strtod(s, &end);
    return *end == '\0';
}

static void check_get(const char *json, size_t len, const char *extra_path)
{
    const char *paths[N_FIXED + 1];
    enum jsonq_type types[N_FIXED + 1];
    char *values[N_FIXED + 1];
    size_t n = N_FIXED;
    bool valid = jsonq_valid(json, len), got;

    memcpy(paths, fixed_paths, sizeof(fixed_paths));
    if (len > JSONQ_MAX)
        FUZZ_ASSERT(!valid);
    if (extra_path)
        paths[n++] = extra_path;
    got = jsonq_get(json, len, paths, n, types, values);
    /* with well-formed paths first, get and valid agree */
    FUZZ_ASSERT(got == valid);
    for (size_t i = 0; i < n; i++) {
        switch (types[i]) {
        case JSONQ_MISSING:
        case JSONQ_NULL:
            FUZZ_ASSERT(values[i] == NULL);
            break;
        case JSONQ_NUMBER:
            FUZZ_ASSERT(values[i] != NULL && is_number(values[i]));
            break;
        case JSONQ_TEXT:
            FUZZ_ASSERT(values[i] != NULL);
            break;
        case JSONQ_OTHER:
            break;
        default:
            FUZZ_ASSERT(!"a type outside enum jsonq_type");
        }
        if (!got)
            FUZZ_ASSERT(types[i] == JSONQ_MISSING && values[i] == NULL);
        /* the top level always exists in valid JSON */
        if (got && i == N_FIXED - 1)
            FUZZ_ASSERT(types[i] != JSONQ_MISSING);
        free(values[i]);
    }
    if (!valid)
        FUZZ_ASSERT(!jsonq_array_has(json, len, "$.roles", "Mail.Send"));
    else
        (void)jsonq_array_has(json, len, "$.roles", "SMTP.SendAsApp");
}

static void b64url(struct strbuf *sb, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16;

        if (i + 1 < n)
            v |= (unsigned long)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        sb_addch(sb, tab[v >> 18 & 63]);
        sb_addch(sb, tab[v >> 12 & 63]);
        if (i + 1 < n)
            sb_addch(sb, tab[v >> 6 & 63]);
        if (i + 2 < n)
            sb_addch(sb, tab[v & 63]);
    }
}

static void check_jwt(const uint8_t *payload, size_t n)
{
    struct strbuf tok;
    int has, want;

    sb_init(&tok, 0);
    sb_adds(&tok, "eyJhbGciOiJSUzI1NiJ9."); /* {"alg":"RS256"} */
    b64url(&tok, payload, n);
    sb_adds(&tok, ".c2ln");
    has = oauth_token_has_role(tok.buf, "SMTP.SendAsApp");
    if (tok.len - 26 > 16384) /* oauth.c's TOKEN_MAX for the payload */
        want = -1;
    else if (!jsonq_valid((const char *)payload, n))
        want = -1;
    else
        want = jsonq_array_has((const char *)payload, n, "$.roles",
                               "SMTP.SendAsApp");
    FUZZ_ASSERT(has == want);
    sb_release(&tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    char *s, *path = NULL;
    size_t len;
    int has;

    switch (opt & 3) {
    case 0:
        if (opt & 4) {
            s = fuzz_str(&in, &len);
            path = fuzz_str(&in, NULL);
        } else {
            s = malloc(in.n + 1);
            FUZZ_ASSERT(s != NULL);
            if (in.n)
                memcpy(s, in.p, in.n);
            s[in.n] = '\0';
            len = in.n;
        }
        check_get(s, len, path);
        free(path);
        free(s);
        break;
    case 1:
        check_jwt(in.p, in.n);
        break;
    default:
        s = fuzz_str(&in, NULL);
        has = oauth_token_has_role(s, "Mail.Send");
        FUZZ_ASSERT(has >= -1 && has <= 1);
        free(s);
        break;
    }
    return 0;
}
