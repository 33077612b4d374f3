/*
 * cmd_contact_show.c - `contact show EMAIL [--json]`: one contact, its
 * company, status, fields, enrollments, sends and inbound messages.
 * Every value comes from the database and is untrusted: the text tables
 * replace control characters (table.c, sanitize), the JSON escapes them
 * (sb_add_json_str).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact_cmd.h"
#include "store_contact.h"
#include "table.h"
#include "util.h"

#include "banned.h"

/* One list of the contact: its JSON member and keys, and for people the
 * table's headers over the cells text_cols[0..ntext). */
struct section {
    const char *name;
    size_t ncols;
    const char *const *keys;        /* JSON key of each cell */
    unsigned numeric;               /* bit i: cell i is a number */
    const char *const *hdr;
    const int *text_cols;
    size_t ntext;
    int (*walk)(struct db *db, long long id, store_contact_row_fn fn,
                void *arg, struct errinfo *ei);
};

static const char *const enr_keys[] = { "campaign", "enrolled_at",
                                        "campaign_status" };
static const char *const enr_hdr[] = { "CAMPAIGN", "ENROLLED", "STATUS" };
static const int enr_cols[] = { SCE_CAMPAIGN, SCE_ENROLLED_AT,
                                SCE_CAMPAIGN_STATUS };

static const char *const send_keys[] = {
    "campaign", "mailbox", "transport", "status", "attempts", "smtp_code",
    "smtp_enhanced", "smtp_text", "message_id", "day", "created_at",
    "last_attempt_at", "sent_at", "step",
};
static const char *const send_hdr[] = {
    "CAMPAIGN", "STEP", "MAILBOX", "STATUS", "TRIES", "CODE", "ENHANCED",
    "REPLY", "MESSAGE-ID", "SENT", "LAST ATTEMPT",
};
static const int send_cols[] = {
    SCS_CAMPAIGN, SCS_STEP, SCS_MAILBOX, SCS_STATUS, SCS_ATTEMPTS,
    SCS_SMTP_CODE,
    SCS_SMTP_ENHANCED, SCS_SMTP_TEXT, SCS_MESSAGE_ID, SCS_SENT_AT,
    SCS_LAST_ATTEMPT_AT,
};

static const char *const in_keys[] = {
    "received_at", "mailbox", "kind", "status_code", "campaign", "from",
    "subject", "effect",
};
static const char *const in_hdr[] = {
    "RECEIVED", "MAILBOX", "KIND", "STATUS", "CAMPAIGN", "SUBJECT",
};
static const int in_cols[] = {
    SCI_RECEIVED_AT, SCI_MAILBOX, SCI_KIND, SCI_STATUS_CODE, SCI_CAMPAIGN,
    SCI_SUBJECT,
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct section sections[] = {
    { "enrollments", SCE_NCOLS, enr_keys, 0, enr_hdr, enr_cols, N(enr_cols),
      store_contact_enrollments },
    { "sends", SCS_NCOLS, send_keys,
      (1u << SCS_ATTEMPTS) | (1u << SCS_SMTP_CODE) | (1u << SCS_STEP),
      send_hdr, send_cols,
      N(send_cols), store_contact_sends },
    { "inbound", SCI_NCOLS, in_keys, 0, in_hdr, in_cols, N(in_cols),
      store_contact_inbound },
};

static const char *const head_keys[] = {
    "email", "first_name", "last_name", "title", "company",
    "matched_company", "matched_domain", "status", "status_changed_at", "created_at",
    "updated_at",
};

struct show {
    bool json;
    struct strbuf js;          /* --json: the object */
    struct table t;            /* text: the section's table */
    const struct section *sec;
    size_t n;                  /* rows of the current section */
};

/* A JSON value: a number when it reads as one and the key wants one. */
static void json_value(struct strbuf *sb, const char *v, bool numeric)
{
    long long x;

    if (numeric && v && parse_int(v, -(1LL << 53), 1LL << 53, &x) == 0)
        sb_addf(sb, "%lld", x);
    else
        sb_add_json_str(sb, v);
}

static void json_member(struct strbuf *sb, bool first, const char *key,
                        const char *v, bool numeric)
{
    if (!first)
        sb_addch(sb, ',');
    sb_add_json_str(sb, key);
    sb_addch(sb, ':');
    json_value(sb, v, numeric);
}

static int section_row(void *arg, const char *const *cells, size_t n)
{
    struct show *sh = arg;
    const struct section *sec = sh->sec;
    const char *row[16];

    if (!sh->json) {
        for (size_t i = 0; i < sec->ntext; i++)
            row[i] = cells[sec->text_cols[i]];
        table_add(&sh->t, row);
        sh->n++;
        return 0;
    }
    sb_adds(&sh->js, sh->n++ ? ",{" : "{");
    for (size_t i = 0; i < n; i++)
        json_member(&sh->js, i == 0, sec->keys[i], cells[i],
                    (sec->numeric >> i) & 1u);
    sb_addch(&sh->js, '}');
    return 0;
}

static int field_row(void *arg, const char *const *cells, size_t n)
{
    struct show *sh = arg;

    (void)n;
    if (sh->json)
        json_member(&sh->js, sh->n == 0, cells[0], cells[1], false);
    else
        table_add(&sh->t, cells);
    sh->n++;
    return 0;
}

/* Prints a text section: its title with a count, then its table. */
static void print_section(struct show *sh, const char *title)
{
    printf("\n%s: %zu\n", title, sh->n);
    if (sh->n)
        table_print(&sh->t, stdout);
}

static int show_fields(struct db *db, long long id, struct show *sh,
                       struct errinfo *ei)
{
    static const char *const hdr[] = { "FIELD", "VALUE" };
    int r;

    sh->n = 0;
    if (sh->json) {
        sb_adds(&sh->js, ",\"fields\":{");
        r = store_contact_fields(db, id, field_row, sh, ei);
        sb_addch(&sh->js, '}');
        return r;
    }
    table_init(&sh->t, 2, hdr);
    r = store_contact_fields(db, id, field_row, sh, ei);
    if (r == 0)
        print_section(sh, "fields");
    table_release(&sh->t);
    return r;
}

static int show_section(struct db *db, long long id, struct show *sh,
                        const struct section *sec, struct errinfo *ei)
{
    int r;

    sh->sec = sec;
    sh->n = 0;
    if (sh->json) {
        sb_addf(&sh->js, ",\"%s\":[", sec->name);
        r = sec->walk(db, id, section_row, sh, ei);
        sb_addch(&sh->js, ']');
        return r;
    }
    table_init(&sh->t, sec->ntext, sec->hdr);
    r = sec->walk(db, id, section_row, sh, ei);
    if (r == 0)
        print_section(sh, sec->name);
    table_release(&sh->t);
    return r;
}

/* One "label: value" line; NULL prints as "-". */
static void kv(const char *label, const char *v)
{
    char *s = sanitize(xstrdup(v ? v : "-"));

    printf("%-12s %s\n", label, s);
    free(s);
}

/* The company line: as the contact spelled it, and what it matched. */
static void company_line(const char *const *c)
{
    const char *spelled = c[SCH_COMPANY_SPELLED];
    const char *name = c[SCH_COMPANY_NAME], *domain = c[SCH_COMPANY_DOMAIN];
    char *line;

    if (!name)
        line = xstrdup(spelled ? spelled : "-");
    else if (spelled)
        line = xasprintf("%s (matched %s%s%s)", spelled, name,
                         domain ? ", " : "", domain ? domain : "");
    else if (domain && strcmp(domain, name) != 0)
        line = xasprintf("%s (from the address, %s)", name, domain);
    else
        line = xasprintf("%s (from the address)", name);
    kv("company:", line);
    free(line);
}

static int head_row(void *arg, const char *const *c, size_t n)
{
    struct show *sh = arg;
    char *status;

    sh->n++;
    if (sh->json) {
        sb_addch(&sh->js, '{');
        for (size_t i = 0; i < n; i++)
            json_member(&sh->js, i == 0, head_keys[i], c[i], false);
        return 0;
    }
    kv("email:", c[SCH_EMAIL]);
    kv("first name:", c[SCH_FIRST_NAME]);
    kv("last name:", c[SCH_LAST_NAME]);
    kv("title:", c[SCH_TITLE]);
    company_line(c);
    status = c[SCH_STATUS_CHANGED_AT]
                 ? xasprintf("%s (since %s)", c[SCH_STATUS],
                             c[SCH_STATUS_CHANGED_AT])
                 : xstrdup(c[SCH_STATUS] ? c[SCH_STATUS] : "-");
    kv("status:", status);
    free(status);
    kv("created:", c[SCH_CREATED_AT]);
    kv("updated:", c[SCH_UPDATED_AT]);
    return 0;
}

/* Prints contact id, as text or (sh->json) one JSON object. */
static int show_contact(struct db *db, long long id, struct show *sh,
                        struct errinfo *ei)
{
    sh->n = 0;
    if (store_contact_head(db, id, head_row, sh, ei) < 0)
        return -1;
    if (sh->n == 0)
        return err_set(ei, ERR_DATA, "contact show: the contact was "
                       "removed while it was read; try again");
    if (show_fields(db, id, sh, ei) < 0)
        return -1;
    for (size_t i = 0; i < N(sections); i++)
        if (show_section(db, id, sh, &sections[i], ei) < 0)
            return -1;
    if (sh->json) {
        sb_addch(&sh->js, '}');
        puts(sh->js.buf);
    }
    return 0;
}

int contact_show(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct show sh = { .json = false };
    struct db *db = NULL;
    long long id = 0;
    int c, ret = -1;

    while ((c = app_getopt(argc, argv, "contact show", ":jh", opts,
                           contact_usage, ei)) != -1) {
        switch (c) {
        case -2: return 0;
        case 'j': sh.json = true; break;
        default: return -1;
        }
    }
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "contact show: give one EMAIL (see "
                       "'mailrota contact --help')");
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    sb_init(&sh.js, 0);
    /* One read transaction: the sections agree with each other. */
    if (contact_find(db, "contact show", argv[optind], &id, ei) == 0 &&
        db_begin(db, false, ei) == 0) {
        ret = show_contact(db, id, &sh, ei);
        db_rollback(db);
    }
    sb_release(&sh.js);
    db_close(db);
    return ret;
}
