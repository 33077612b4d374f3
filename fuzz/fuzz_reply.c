/*
 * fuzz_reply.c - a server's reply read by reply_feed() (reply.h),
 * bounce_parse_enhanced(), bounce_classify() (bounce.h) and diagnose()
 * (diagnose.h).
 *
 * Input: stage (one byte, taken modulo 10 so one value is not a stage),
 * reply code (two bytes, big-endian, as a signed 16-bit number), flags
 * (conn_lost, oauth, graph, an enhanced code given), then NUL-separated:
 * the enhanced code (when flagged), the reply text, the mailbox address.
 *
 * Checked: a parsed enhanced code is "[245].D{1,3}.D{1,3}" and occurs in
 * the text; the verdict follows SPEC "Outcomes and bounce codes" in the
 * ways that keep mail safe (nothing before MAIL FROM uses an attempt or
 * is sent; a connection lost before DATA's reply is `unknown` and never
 * moved to be resent; only a bounce marks the contact; `sent` only for
 * 2xx after DATA or over Graph; Graph fallback only at AUTH); classify and
 * diagnose are pure (same answer twice); a diagnosis has an id and
 * bounded, filled-in texts, and none at all when nothing matches.  The
 * text's bytes as they would come from a server, whole and a byte at a
 * time, give reply_feed() the same reply, a terminated text within bounds
 * and a 1xx-5xx code when it is done.
 */
#include "bounce.h"
#include "diagnose.h"
#include "reply.h"

#include <stdbool.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "[245].D{1,3}.D{1,3}" */
static bool well_formed_esc(const char *e)
{
    size_t n;

    if (e[0] != '2' && e[0] != '4' && e[0] != '5')
        return false;
    if (e[1] != '.')
        return false;
    e += 2;
    for (int part = 0; part < 2; part++) {
        for (n = 0; is_digit(e[n]); n++)
            ;
        if (n < 1 || n > 3)
            return false;
        e += n;
        if (part == 0) {
            if (*e != '.')
                return false;
            e++;
        }
    }
    return *e == '\0';
}

static void check_parse(const char *text)
{
    char esc[SMTP_ENHANCED_MAX];

    memset(esc, 'x', sizeof(esc));
    if (bounce_parse_enhanced(text, esc)) {
        FUZZ_ASSERT(memchr(esc, '\0', sizeof(esc)) != NULL);
        FUZZ_ASSERT(well_formed_esc(esc));
        FUZZ_ASSERT(strstr(text, esc) != NULL);
    }
}

static void check_reader(const char *bytes, size_t n)
{
    struct reply a, b;
    size_t used_a, used_b = 0;

    reply_init(&a);
    used_a = reply_feed(&a, bytes, n);
    reply_init(&b);
    while (used_b < n && b.state == REPLY_MORE)
        used_b += reply_feed(&b, bytes + used_b, 1);
    FUZZ_ASSERT(used_a <= n && used_a == used_b);
    FUZZ_ASSERT(a.state == b.state && a.code == b.code && a.cut == b.cut);
    FUZZ_ASSERT(memchr(a.text, '\0', sizeof(a.text)) != NULL);
    FUZZ_ASSERT(strcmp(a.text, b.text) == 0);
    if (a.state == REPLY_DONE)
        FUZZ_ASSERT(a.code >= 100 && a.code <= 599);
    if (a.state == REPLY_BAD)
        FUZZ_ASSERT(a.why && a.why[0]);
}

static void check_verdict(const struct smtp_reply *r,
                          const struct bounce_verdict *v)
{
    bool before_mail = r->stage == STAGE_CONNECT || r->stage == STAGE_TLS ||
                       r->stage == STAGE_AUTH;
    bool after_mail = r->stage == STAGE_MAIL || r->stage == STAGE_RCPT ||
                      r->stage == STAGE_DATA;

    FUZZ_ASSERT(v->outcome >= OUTCOME_SENT && v->outcome <= OUTCOME_UNKNOWN);
    FUZZ_ASSERT(strcmp(bounce_outcome_str(v->outcome), "?") != 0);
    if (v->contact_bounced)
        FUZZ_ASSERT(v->outcome == OUTCOME_BOUNCED);
    if (v->fallback_graph)
        FUZZ_ASSERT(r->stage == STAGE_AUTH);
    /* never resend what may have been delivered */
    if (v->outcome == OUTCOME_UNKNOWN)
        FUZZ_ASSERT(!v->move && v->uses_attempt);
    if (v->outcome == OUTCOME_SENT) {
        FUZZ_ASSERT(!r->conn_lost && v->mailbox == MAILBOX_OK && !v->move);
        FUZZ_ASSERT((r->stage == STAGE_DATA && r->code / 100 == 2) ||
                    (r->stage == STAGE_HTTP && r->code >= 200 &&
                     r->code < 300));
    }
    if (before_mail || r->stage == STAGE_TOKEN) {
        /* nothing reached MAIL FROM: no attempt, try another mailbox */
        FUZZ_ASSERT(v->outcome == OUTCOME_DEFERRED);
        FUZZ_ASSERT(!v->uses_attempt && v->move && !v->contact_bounced);
    }
    if (after_mail)
        FUZZ_ASSERT(v->uses_attempt);
    if (r->stage == STAGE_DATA && r->conn_lost)
        FUZZ_ASSERT(v->outcome == OUTCOME_UNKNOWN);
    if (v->outcome == OUTCOME_BOUNCED)
        FUZZ_ASSERT(r->stage == STAGE_RCPT || r->stage == STAGE_DATA ||
                    r->stage == STAGE_HTTP || r->stage == STAGE_DSN);
    if (r->stage == STAGE_DSN) {
        /* a delivery report: the try was counted when it was sent; it
         * defers only for a sender-side limit, fails only when blocked */
        FUZZ_ASSERT(!v->uses_attempt && !v->move && !v->fallback_graph);
        FUZZ_ASSERT(v->outcome == OUTCOME_BOUNCED ||
                    (v->outcome == OUTCOME_DEFERRED &&
                     v->mailbox == MAILBOX_QUOTA_FULL) ||
                    (v->outcome == OUTCOME_FAILED &&
                     v->mailbox == MAILBOX_BLOCKED_TENANT));
        if (v->contact_bounced)
            FUZZ_ASSERT(strncmp(r->enhanced, "5.1.", 4) == 0 ||
                        strcmp(r->enhanced, "5.4.1") == 0);
    }
}

static void check_diagnosis(const struct smtp_reply *r, const char *email)
{
    struct diagnosis d, d2;
    bool found = diagnose(r, email, &d);

    FUZZ_ASSERT(diagnose(r, email, &d2) == found);
    FUZZ_ASSERT(memchr(d.what, '\0', sizeof(d.what)) != NULL);
    FUZZ_ASSERT(memchr(d.fix, '\0', sizeof(d.fix)) != NULL);
    if (!found) {
        FUZZ_ASSERT(d.id == NULL && !d.what[0] && !d.fix[0]);
        return;
    }
    FUZZ_ASSERT(d.id && d.id[0] && d.what[0] && d.fix[0]);
    FUZZ_ASSERT(strcmp(d.id, d2.id) == 0 && strcmp(d.what, d2.what) == 0 &&
                strcmp(d.fix, d2.fix) == 0);
    /* every {email} is filled in (unless the address itself has one) */
    if (!strstr(email, "{email}")) {
        FUZZ_ASSERT(strstr(d.what, "{email}") == NULL);
        FUZZ_ASSERT(strstr(d.fix, "{email}") == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    struct smtp_reply r;
    struct bounce_verdict v, v2;
    uint8_t stage = fuzz_byte(&in), flags;
    int16_t code;
    char *enhanced = NULL, *text, *email;
    size_t tlen;

    code = (int16_t)(uint16_t)((fuzz_byte(&in) << 8) | fuzz_byte(&in));
    flags = fuzz_byte(&in);
    memset(&r, 0, sizeof(r));
    r.stage = (enum bounce_stage)(stage % 10);
    r.code = code;
    r.conn_lost = flags & 1;
    r.oauth = (flags & 2) != 0;
    r.graph = (flags & 4) != 0;
    r.retry_after = flags >> 4;
    if (flags & 8) {
        enhanced = fuzz_str(&in, NULL);
        snprintf(r.enhanced, sizeof(r.enhanced), "%s", enhanced);
    }
    text = fuzz_str(&in, &tlen);
    snprintf(r.text, sizeof(r.text), "%s", text);
    email = fuzz_str(&in, NULL);

    /* the whole text, however long, and the reply as stored */
    check_reader(text, tlen);
    check_parse(text);
    check_parse(r.text);
    if (enhanced)
        check_parse(enhanced);

    bounce_classify(&r, &v);
    bounce_classify(&r, &v2);
    FUZZ_ASSERT(memcmp(&v, &v2, sizeof(v)) == 0);
    if (r.stage <= STAGE_DSN)
        check_verdict(&r, &v);
    else
        FUZZ_ASSERT(v.outcome == OUTCOME_UNKNOWN && !v.move);
    check_diagnosis(&r, email);

    free(enhanced);
    free(text);
    free(email);
    return 0;
}
