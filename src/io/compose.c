#include "compose.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "unsub.h"
#include "util.h"

#include "banned.h"

#define MAX_FIELDS 256

struct fields {
    char *from_name, *from_email;
    char *email, *first_name, *last_name, *title, *company;
    char *keys[MAX_FIELDS];
    char *vals[MAX_FIELDS];
    size_t n;
};

/* The variables every contact can have; the one list of them. */
static const struct {
    const char *name;
    size_t off; /* of the char * in struct fields */
} builtin_vars[] = {
    { "company", offsetof(struct fields, company) },
    { "email", offsetof(struct fields, email) },
    { "first_name", offsetof(struct fields, first_name) },
    { "last_name", offsetof(struct fields, last_name) },
    { "sender_email", offsetof(struct fields, from_email) },
    { "sender_name", offsetof(struct fields, from_name) },
    { "title", offsetof(struct fields, title) },
};

size_t compose_builtin_vars(const char **names, size_t max)
{
    size_t i, n = sizeof(builtin_vars) / sizeof(builtin_vars[0]);

    for (i = 0; i < n && i < max; i++)
        names[i] = builtin_vars[i].name;
    return n;
}

static const char *lookup(void *ctx, const char *name)
{
    const struct fields *f = ctx;

    for (size_t i = 0; i < sizeof(builtin_vars) / sizeof(builtin_vars[0]);
         i++)
        if (strcmp(name, builtin_vars[i].name) == 0)
            return *(char *const *)((const char *)f + builtin_vars[i].off);
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], name) == 0)
            return f->vals[i];
    return NULL;
}

static int load_fields(struct db *db, long long contact_id, struct fields *f,
                       struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_prepare(db,
                   "SELECT c.email, c.first_name, c.last_name, c.title,"
                   " COALESCE(c.company_name, co.name) FROM contacts c"
                   " LEFT JOIN companies co ON co.id = c.company_id"
                   " WHERE c.id = ?1",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, contact_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        f->email = db_column_strdup(st, 0);
        f->first_name = db_column_strdup(st, 1);
        f->last_name = db_column_strdup(st, 2);
        f->title = db_column_strdup(st, 3);
        f->company = db_column_strdup(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "cannot read contact");
    /* Extra CSV columns: json_each spares us a JSON parser. */
    if (db_prepare(db,
                   "SELECT j.key, j.value FROM contacts c,"
                   " json_each(c.fields_json) j"
                   " WHERE c.id = ?1 AND j.type = 'text'",
                   &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, contact_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && f->n < MAX_FIELDS) {
        f->keys[f->n] = db_column_strdup(st, 0);
        f->vals[f->n] = db_column_strdup(st, 1);
        f->n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read contact fields");
    return 0;
}

static void fields_release(struct fields *f)
{
    free(f->from_name);
    free(f->from_email);
    free(f->email);
    free(f->first_name);
    free(f->last_name);
    free(f->title);
    free(f->company);
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->vals[i]);
    }
}

int compose_message(struct db *db, const struct compose_in *in,
                    struct compose_out *out, struct errinfo *ei)
{
    struct fields f;
    struct message_in m;
    char *subject = NULL, *body = NULL, *to_name = NULL, *url = NULL;
    int ret = -1;

    memset(&f, 0, sizeof(f));
    f.from_name = in->from_name ? xstrdup(in->from_name) : NULL;
    f.from_email = in->from_email ? xstrdup(in->from_email) : NULL;
    if (load_fields(db, in->contact_id, &f, ei) < 0)
        goto out;
    if (template_render(in->subject ? in->subject : in->tpl->subject, true,
                        lookup, &f, &subject, ei) < 0 ||
        template_render(in->tpl->body, false, lookup, &f, &body, ei) < 0)
        goto out;
    if (in->unsubscribe->url && *in->unsubscribe->url &&
        unsub_url_render(in->unsubscribe->url, f.email ? f.email : "",
                         in->key, &url, ei) < 0)
        goto out;
    if (f.first_name && f.last_name)
        to_name = xasprintf("%s %s", f.first_name, f.last_name);
    else if (f.first_name || f.last_name)
        to_name = xstrdup(f.first_name ? f.first_name : f.last_name);
    memset(&m, 0, sizeof(m));
    m.from_name = in->from_name;
    m.from_email = in->from_email;
    m.to_name = to_name;
    m.to_email = f.email;
    m.subject = subject;
    m.body = body;
    m.uuid = in->uuid;
    m.date = in->date;
    m.utc_offset = in->utc_offset;
    m.unsubscribe_mailto = in->unsubscribe->mailto;
    m.unsubscribe_url = url;
    if (message_build(&m, &out->text, &out->len, ei) < 0)
        goto out;
    out->to = f.email;
    f.email = NULL;
    ret = 0;
out:
    free(subject);
    free(body);
    free(to_name);
    free(url);
    fields_release(&f);
    return ret;
}

int compose_check_key(const struct config *cfg, bool have_key,
                      struct errinfo *ei)
{
    bool needs_key = false;

    if (!cfg->unsubscribe.url || !*cfg->unsubscribe.url || have_key)
        return 0;
    if (unsub_url_check(cfg->unsubscribe.url, &needs_key, ei) < 0)
        return err_set(ei, ERR_CONFIG, "unsubscribe.url: %s", ei->msg);
    if (needs_key)
        return err_set(ei, ERR_CONFIG, "unsubscribe.url uses {{token}}, "
                       "which needs the key file %s: run 'mailrota init' "
                       "to create it (or restore it from a backup: tokens "
                       "made with another key will not verify)",
                       cfg->key_file ? cfg->key_file : "(key_file:)");
    return 0;
}

void compose_out_release(struct compose_out *out)
{
    free(out->to);
    free(out->text);
    memset(out, 0, sizeof(*out));
}
