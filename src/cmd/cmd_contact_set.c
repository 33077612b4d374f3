/*
 * cmd_contact_set.c - `contact set EMAIL [--status S] [--field K=V]...`:
 * change a contact in one transaction and print what changed.  A status
 * change records its time through migration 0007's trigger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "contact.h"
#include "contact_cmd.h"
#include "scheduler.h"
#include "status.h"
#include "store.h"
#include "store_contact.h"
#include "suppress.h"
#include "util.h"

#include "banned.h"

#define SET_MAX_FIELDS 64

/* One --field: a column (first_name, last_name, title) or a key of
 * fields_json; value NULL removes it. */
struct field_change {
    const char *column;        /* NULL: a fields_json key */
    char *key;                 /* the name printed and stored */
    const char *value;
};

struct set_req {
    const char *status;        /* NULL: keep */
    struct field_change f[SET_MAX_FIELDS];
    size_t nf;
};

static const char allowed_statuses[] = "active, unsubscribed, suppressed";

static int parse_status(const char *arg, struct set_req *rq,
                        struct errinfo *ei)
{
    enum contact_status s;
    char *shown;

    if (contact_status_parse(arg, &s) &&
        (s == CONTACT_ACTIVE || s == CONTACT_UNSUBSCRIBED ||
         s == CONTACT_SUPPRESSED)) {
        rq->status = arg;
        return 0;
    }
    if (contact_status_parse(arg, &s))
        return err_set(ei, ERR_USAGE, "contact set: status '%s' is set by "
                       "mailrota only (from a bounce or a reply it reads); "
                       "--status takes %s", arg, allowed_statuses);
    shown = sanitize(xstrdup(arg));
    err_set(ei, ERR_USAGE, "contact set: unknown status '%s' (--status "
            "takes %s)", shown, allowed_statuses);
    free(shown);
    return -1;
}

/* The column a known field name sets, or NULL with ei for the fields
 * contact set cannot change. */
static const char *field_column(enum contact_field f, const char *key,
                                struct errinfo *ei)
{
    switch (f) {
    case CONTACT_FIELD_FIRST_NAME: return "first_name";
    case CONTACT_FIELD_LAST_NAME: return "last_name";
    case CONTACT_FIELD_TITLE: return "title";
    case CONTACT_FIELD_EMAIL:
        err_set(ei, ERR_USAGE, "contact set: --field '%s': the address is "
                "the contact itself; import the new address instead", key);
        return NULL;
    default:
        err_set(ei, ERR_USAGE, "contact set: --field '%s': the company is "
                "matched by import; import the contact's row with its new "
                "company instead", key);
        return NULL;
    }
}

static int check_value(const char *key, const char *v, struct errinfo *ei)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return err_set(ei, ERR_DATA, "contact set: --field '%s': the "
                           "value holds a control character (a line "
                           "break?); give it on one line", key);
    if (!utf8_valid(v, strlen(v)))
        return err_set(ei, ERR_DATA, "contact set: --field '%s': the value "
                       "is not UTF-8", key);
    return 0;
}

/* The slot of rq for key: its earlier --field (the last one wins), or a
 * new one. */
static struct field_change *field_slot(struct set_req *rq, const char *key)
{
    for (size_t i = 0; i < rq->nf; i++)
        if (strcmp(rq->f[i].key, key) == 0) {
            free(rq->f[i].key);
            return &rq->f[i];
        }
    return &rq->f[rq->nf++];
}

/* Reads one KEY=VALUE into rq, the key folded as import folds a header. */
static int parse_field(const char *arg, struct set_req *rq,
                       struct errinfo *ei)
{
    const char *eq = strchr(arg, '='), *column = NULL;
    char *name = NULL, *key = NULL;
    struct field_change *fc;
    enum contact_field f;
    int ret = -1;

    if (!eq || eq == arg)
        return err_set(ei, ERR_USAGE, "contact set: --field wants KEY=VALUE "
                       "(an empty VALUE removes the field)");
    if (rq->nf == SET_MAX_FIELDS)
        return err_set(ei, ERR_USAGE, "contact set: at most %d --field "
                       "options", SET_MAX_FIELDS);
    name = sanitize(str_trim(xstrndup(arg, (size_t)(eq - arg))));
    f = contact_header_field(name);
    key = contact_field_key(name);
    if (!key) {
        err_set(ei, ERR_USAGE, "contact set: --field '%s': a key needs a "
                "letter or a digit", name);
        goto out;
    }
    if (f != CONTACT_FIELD_EXTRA) {
        column = field_column(f, name, ei);
        if (!column)
            goto out;
    }
    if (check_value(key, eq + 1, ei) < 0)
        goto out;
    if (column) {
        free(key);
        key = xstrdup(column);
    }
    fc = field_slot(rq, key);
    fc->column = column;
    fc->key = key;
    fc->value = eq[1] ? eq + 1 : NULL;
    key = NULL;
    ret = 0;
out:
    free(key);
    free(name);
    return ret;
}

/* What the contact holds before the change. */
struct before {
    char *cells[SCH_NCOLS];
    const char *key;           /* field_value's search */
    char *value;
    bool found;
};

static int head_copy(void *arg, const char *const *cells, size_t n)
{
    struct before *b = arg;

    for (size_t i = 0; i < n && i < SCH_NCOLS; i++)
        b->cells[i] = cells[i] ? xstrdup(cells[i]) : NULL;
    b->found = true;
    return 0;
}

static int field_find(void *arg, const char *const *cells, size_t n)
{
    struct before *b = arg;

    (void)n;
    if (cells[0] && strcmp(cells[0], b->key) == 0) {
        free(b->value);
        b->value = cells[1] ? xstrdup(cells[1]) : NULL;
    }
    return 0;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Appends "what: old -> new" to the report (NULL shows as "(none)"). */
static void report_line(struct strbuf *out, const char *what,
                        const char *old, const char *now_v)
{
    char *o = sanitize(xstrdup(old ? old : "(none)"));
    char *n = sanitize(xstrdup(now_v ? now_v : "(none)"));

    sb_addf(out, "  %s: %s -> %s\n", what, o, n);
    free(o);
    free(n);
}

/* The stored value of a field change: its column, or its key's. */
static int old_value(struct db *db, long long id, struct before *b,
                     const struct field_change *fc, const char **old,
                     struct errinfo *ei)
{
    static const struct { const char *col; int cell; } cols[] = {
        { "first_name", SCH_FIRST_NAME }, { "last_name", SCH_LAST_NAME },
        { "title", SCH_TITLE },
    };

    for (size_t i = 0; fc->column && i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(fc->column, cols[i].col) == 0) {
            *old = b->cells[cols[i].cell];
            return 0;
        }
    free(b->value);
    b->value = NULL;
    b->key = fc->key;
    if (store_contact_fields(db, id, field_find, b, ei) < 0)
        return -1;
    *old = b->value;
    return 0;
}

/* Applies rq to contact id (inside a transaction); out gets a line per
 * change. */
static int apply(struct db *db, long long id, const struct set_req *rq,
                 struct before *b, struct strbuf *out, struct errinfo *ei)
{
    char now[ISO_TIME_LEN];
    const char *old;

    clock_now_iso(now);
    if (store_contact_head(db, id, head_copy, b, ei) < 0)
        return -1;
    if (!b->found)
        return err_set(ei, ERR_DATA, "contact set: the contact was removed "
                       "meanwhile; nothing changed");
    if (rq->status && !same(rq->status, b->cells[SCH_STATUS])) {
        if (store_contact_set_status(db, id, rq->status, now, ei) < 0)
            return -1;
        report_line(out, "status", b->cells[SCH_STATUS], rq->status);
    }
    for (size_t i = 0; i < rq->nf; i++) {
        const struct field_change *fc = &rq->f[i];

        if (old_value(db, id, b, fc, &old, ei) < 0)
            return -1;
        if (same(old, fc->value))
            continue;
        report_line(out, fc->key, old, fc->value);
        if (fc->column ? store_contact_set_column(db, id, fc->column,
                                                  fc->value, now, ei)
                       : store_contact_set_field(db, id, fc->key, fc->value,
                                                 now, ei))
            return -1;
    }
    return 0;
}

/* suppressed_by's search: the first suppression covering the address. */
struct supp_find {
    const char *email;
    char *by;
};

static int supp_match(void *arg, const struct store_suppression *s)
{
    struct supp_find *sf = arg;
    char *v = s->value ? suppress_value(s->value, NULL, NULL) : NULL;
    const char *vals[1] = { v };

    if (v && sched_suppressed(sf->email, vals, 1)) {
        sf->by = v;
        return -1;             /* found: stop */
    }
    free(v);
    return 0;
}

/* An active contact whose address is suppressed is still never planned:
 * say so, with the way out. */
static int note_suppressed(struct db *db, const char *email,
                           struct errinfo *ei)
{
    struct supp_find sf = { email, NULL };
    char *shown;

    if (store_suppressions(db, true, supp_match, &sf, ei) < 0 && !sf.by)
        return -1;
    if (!sf.by)
        return 0;
    shown = sanitize(xstrdup(email));
    printf("note: %s is active but suppressed by '%s': plan still skips it "
           "(reason suppressed); 'mailrota suppress remove %s' lifts "
           "that\n", shown, sf.by, sf.by);
    free(shown);
    free(sf.by);
    return 0;
}

static int parse_set(int argc, char **argv, struct set_req *rq,
                     struct errinfo *ei)
{
    static const struct option opts[] = {
        { "status", required_argument, NULL, 's' },
        { "field", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, "contact set", ":s:f:h", opts,
                           contact_usage, ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 's':
            if (parse_status(optarg, rq, ei) < 0)
                return -1;
            break;
        case 'f':
            if (parse_field(optarg, rq, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "contact set: give one EMAIL (see "
                       "'mailrota contact --help')");
    if (!rq->status && rq->nf == 0)
        return err_set(ei, ERR_USAGE, "contact set: nothing to change: give "
                       "--status or --field KEY=VALUE");
    return 0;
}

/* Changes contact id in one transaction; prints what changed. */
static int set_contact(struct app *app, struct db *db, long long id,
                       const struct set_req *rq, struct errinfo *ei)
{
    struct before b = { .found = false };
    struct strbuf out;
    int ret = -1;

    sb_init(&out, 0);
    if (db_begin(db, true, ei) < 0)
        goto out;
    if (apply(db, id, rq, &b, &out, ei) < 0 || db_commit(db, ei) < 0) {
        db_rollback(db);
        goto out;
    }
    if (!app->quiet) {
        char *email = sanitize(xstrdup(b.cells[SCH_EMAIL]));

        printf("%s:%s\n", email, out.len ? "" : " nothing changed");
        fputs(out.buf, stdout);
        free(email);
    }
    ret = 0;
    if (rq->status && strcmp(rq->status, "active") == 0 && !app->quiet)
        ret = note_suppressed(db, b.cells[SCH_EMAIL], ei);
out:
    for (size_t i = 0; i < SCH_NCOLS; i++)
        free(b.cells[i]);
    free(b.value);
    sb_release(&out);
    return ret;
}

int contact_set(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    struct set_req rq = { .status = NULL };
    struct db *db = NULL;
    long long id = 0;
    int r, ret = -1;

    r = parse_set(argc, argv, &rq, ei);
    if (r != 0) {
        ret = r > 0 ? 0 : -1;
        goto out;
    }
    if (app_open_db(app, 0, &db, ei) < 0 ||
        contact_find(db, "contact set", argv[optind], &id, ei) < 0)
        goto out;
    ret = set_contact(app, db, id, &rq, ei);
out:
    for (size_t i = 0; i < rq.nf; i++)
        free(rq.f[i].key);
    db_close(db);
    return ret;
}
