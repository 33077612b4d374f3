/*
 * dsn.c - RFC 3464 delivery-status fields.  See dsn.h.  Pure.
 *
 * One pass over the lines: a line starting with white space continues
 * the field before it (RFC 5322 folding), a blank line ends a block, any
 * other line starts a field.  Each complete field is handed to
 * take_field(), which files it under the message or the current
 * recipient by its name.
 */
#include "dsn.h"

#include <string.h>

#include "bounce.h"
#include "util.h"

#include "banned.h"

/* a folded field, joined; longer ones are cut (the limits are smaller) */
#define LINE_MAX_LEN 2048

struct parser {
    struct dsn *d;
    struct dsn_recipient *cur;  /* this block's recipient, or NULL */
    char field[LINE_MAX_LEN];
    size_t flen;
};

/* Copies s[0..n) into dst (size cap), cut to fit, NUL-terminated. */
static void put(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The length of the "type;" at v (an atom, "rfc822;", "smtp ;"), or 0. */
static size_t type_len(const char *v)
{
    size_t n = strcspn(v, "; \t<>@\"");
    size_t m = n;

    while (v[m] == ' ' || v[m] == '\t')
        m++;
    return n && v[m] == ';' ? m + 1 : 0;
}

/* The value without its "type;" prefix (into type, when not NULL),
 * surrounding spaces or, for addresses (type NULL), angle brackets. */
static void put_typed(char *dst, size_t cap, const char *v, char *type,
                      size_t tcap)
{
    size_t tl = type_len(v);
    const char *end;

    if (tl) {
        const char *semi = v + tl - 1;

        if (type) {
            put(type, tcap, v, (size_t)(semi - v));
            str_trim(type);
            str_lower(type);
        }
        v = semi + 1;
    }
    while (is_space(*v))
        v++;
    end = v + strlen(v);
    while (end > v && is_space(end[-1]))
        end--;
    if (type == NULL && end - v >= 2 && *v == '<' && end[-1] == '>') {
        v++;
        end--;
    }
    put(dst, cap, v, (size_t)(end - v));
}

/* The first word of v, lower case. */
static void put_word(char *dst, size_t cap, const char *v)
{
    size_t n = 0;

    while (v[n] && !is_space(v[n]) && v[n] != '(' && v[n] != ';')
        n++;
    put(dst, cap, v, n);
    str_lower(dst);
}

/* "550 5.1.1 ..." or "550-5.1.1": the reply code, else 0. */
static int reply_code(const char *s)
{
    if (s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
        s[2] < '0' || s[2] > '9' || (s[3] >= '0' && s[3] <= '9'))
        return 0;
    return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* The recipient a per-recipient field goes to: a new one when this block
 * has none yet, or already has this field (a missing blank line). */
static struct dsn_recipient *rcpt_for(struct parser *p, const char *slot)
{
    struct dsn *d = p->d;

    if (p->cur && !slot[0])
        return p->cur;
    if (d->n_rcpts == DSN_MAX_RCPTS) {
        d->more_rcpts = true;
        return NULL;
    }
    p->cur = &d->rcpt[d->n_rcpts++];
    return p->cur;
}

static void take_rcpt(struct parser *p, const char *name, const char *v)
{
    struct dsn_recipient *r;
    const char *slot = "";
    struct dsn_recipient *c = p->cur;

    if (str_ieq(name, "Final-Recipient"))
        slot = c ? c->final_recipient : "";
    else if (str_ieq(name, "Original-Recipient"))
        slot = c ? c->original_recipient : "";
    else if (str_ieq(name, "Action"))
        slot = c ? c->action : "";
    else if (str_ieq(name, "Status"))
        slot = c ? c->status : "";
    else if (str_ieq(name, "Diagnostic-Code"))
        slot = c ? c->diagnostic : "";
    r = rcpt_for(p, slot);
    if (!r)
        return;
    if (str_ieq(name, "Final-Recipient")) {
        put_typed(r->final_recipient, DSN_FIELD_MAX, v, NULL, 0);
    } else if (str_ieq(name, "Original-Recipient")) {
        put_typed(r->original_recipient, DSN_FIELD_MAX, v, NULL, 0);
    } else if (str_ieq(name, "Action")) {
        put_word(r->action, DSN_WORD_MAX, v);
    } else if (str_ieq(name, "Status")) {
        if (!bounce_parse_enhanced(v, r->status))
            r->status[0] = '\0';
    } else if (str_ieq(name, "Diagnostic-Code")) {
        put_typed(r->diagnostic, DSN_DIAG_MAX, v, r->diag_type,
                  DSN_WORD_MAX);
        r->smtp_code = reply_code(r->diagnostic);
    } else if (str_ieq(name, "Remote-MTA")) {
        put_typed(r->remote_mta, DSN_FIELD_MAX, v, NULL, 0);
    } else if (str_ieq(name, "Last-Attempt-Date")) {
        put_typed(r->last_attempt_date, DSN_FIELD_MAX, v, NULL, 0);
    }
}

static bool is_rcpt_field(const char *name)
{
    static const char *const names[] = {
        "Final-Recipient", "Original-Recipient", "Action", "Status",
        "Diagnostic-Code", "Remote-MTA", "Last-Attempt-Date",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (str_ieq(name, names[i]))
            return true;
    return false;
}

/* One complete field "Name: value" (p->field, NUL-terminated). */
static void take_field(struct parser *p)
{
    struct dsn *d = p->d;
    char *colon = strchr(p->field, ':');
    char *name = p->field, *v;

    if (!colon)
        return; /* junk */
    *colon = '\0';
    str_trim(name);
    v = str_trim(colon + 1);
    if (!*name || strpbrk(name, " \t"))
        return;
    if (is_rcpt_field(name))
        take_rcpt(p, name, v);
    else if (str_ieq(name, "Reporting-MTA") && !d->reporting_mta[0])
        put_typed(d->reporting_mta, DSN_FIELD_MAX, v, NULL, 0);
    else if (str_ieq(name, "Received-From-MTA") && !d->received_from_mta[0])
        put_typed(d->received_from_mta, DSN_FIELD_MAX, v, NULL, 0);
    else if (str_ieq(name, "Arrival-Date") && !d->arrival_date[0])
        put_typed(d->arrival_date, DSN_FIELD_MAX, v, NULL, 0);
    else if (str_ieq(name, "Original-Envelope-Id") &&
             !d->original_envelope_id[0])
        put_typed(d->original_envelope_id, DSN_FIELD_MAX, v, NULL, 0);
}

static void flush(struct parser *p)
{
    if (p->flen) {
        p->field[p->flen] = '\0';
        take_field(p);
    }
    p->flen = 0;
}

/* Appends s[0..n) to the field being gathered, cut at LINE_MAX_LEN. */
static void gather(struct parser *p, const char *s, size_t n)
{
    size_t room = sizeof(p->field) - 1 - p->flen;
    const char *nul = memchr(s, '\0', n);

    if (nul)
        n = (size_t)(nul - s);
    if (n > room)
        n = room;
    memcpy(p->field + p->flen, s, n);
    p->flen += n;
}

void dsn_parse(const char *body, size_t len, struct dsn *d)
{
    struct parser p;
    size_t pos = 0;

    memset(d, 0, sizeof(*d));
    memset(&p, 0, sizeof(p));
    p.d = d;
    while (body && pos < len) {
        const char *s = body + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        size_t skip = 0;

        pos += n + (nl ? 1 : 0);
        if (n && s[n - 1] == '\r')
            n--;
        while (skip < n && (s[skip] == ' ' || s[skip] == '\t'))
            skip++;
        if (skip == n) {            /* blank: the block ends */
            flush(&p);
            p.cur = NULL;
        } else if (skip > 0 && p.flen) { /* folded continuation */
            gather(&p, " ", 1);
            gather(&p, s + skip, n - skip);
        } else {
            flush(&p);
            gather(&p, s + skip, n - skip);
        }
    }
    flush(&p);
}
