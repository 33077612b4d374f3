/* store_forget.c - `contact forget`'s queries (see store_forget.h). */
#include "store_forget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crashpoint.h"
#include "erase.h"
#include "store.h"
#include "store_impl.h"
#include "util.h"

#include "banned.h"

/* Steps st (bound by the caller): *n (may be NULL) the rows it changed. */
static int change(struct db *db, sqlite3_stmt *st, long *n, const char *what,
                  struct errinfo *ei)
{
    if (store_step_done(db, st, what, ei) < 0)
        return -1;
    if (n)
        *n = (long)sqlite3_changes(db->h);
    return 0;
}

/* Runs sql (a constant) with ?1 = id and ?2 = text (may be NULL). */
static int exec_id(struct db *db, const char *sql, long long id,
                   const char *text, long *n, const char *what,
                   struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    return change(db, st, n, what, ei);
}

/* *out: the one integer sql (?1 = id) returns, 0 for no row or NULL. */
static int query_id(struct db *db, const char *sql, long long id,
                    long long *out, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = 0;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read the contact");
    return 0;
}

/* ---- the texts that may quote the address ---- */

/* A column that may hold the address: rows to look at, and the rewrite. */
struct text_col {
    const char *select;   /* ?1: the address lower-cased; rowid, text */
    const char *update;   /* ?1: rowid, ?2: the new text */
};

#define TEXT_COL(t, c) {                                                  \
        "SELECT rowid, " c " FROM " t                                     \
        " WHERE instr(lower(" c "), ?1) > 0",                             \
        "UPDATE " t " SET " c " = ?2 WHERE rowid = ?1" }

static const struct text_col text_cols[] = {
    TEXT_COL("sends", "smtp_text"),
    TEXT_COL("attempts", "smtp_text"),
    TEXT_COL("inbound", "from_addr"),
    TEXT_COL("inbound", "subject"),
    TEXT_COL("inbound", "diagnostic"),
    TEXT_COL("inbound", "effect"),
    TEXT_COL("mailboxes", "last_error"),
};

/* The rows of one column that name the address, read before rewriting. */
struct hits {
    long long *rowid;
    char **text;
    size_t n, cap;
};

static void hits_free(struct hits *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->text[i]);
    free(h->rowid);
    free(h->text);
}

static int read_hits(struct db *db, const struct text_col *tc,
                     const char *lower, struct hits *h, struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, tc->select, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, lower, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (h->n == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 8;
            h->rowid = xrealloc(h->rowid, h->cap * sizeof(*h->rowid));
            h->text = xrealloc(h->text, h->cap * sizeof(*h->text));
        }
        h->rowid[h->n] = sqlite3_column_int64(st, 0);
        h->text[h->n++] = db_column_strdup(st, 1);
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read texts naming the contact");
    return 0;
}

/* Cuts the address out of one column; *n grows by the cells changed. */
static int scrub_col(struct db *db, const struct text_col *tc,
                     const char *email, const char *lower, long *n,
                     struct errinfo *ei)
{
    struct hits h = { NULL, NULL, 0, 0 };
    int ret = -1;

    if (read_hits(db, tc, lower, &h, ei) < 0)
        goto out;
    for (size_t i = 0; i < h.n; i++) {
        char *clean = erase_text(h.text[i], email);
        int rc;

        if (!clean)     /* lower() and erase_text agree; be safe */
            continue;
        rc = exec_id(db, tc->update, h.rowid[i], clean, NULL,
                     "cannot rewrite a text naming the contact", ei);
        free(clean);
        if (rc < 0)
            goto out;
        (*n)++;
    }
    ret = 0;
out:
    hits_free(&h);
    return ret;
}

static int scrub_texts(struct db *db, struct store_forget *f,
                       struct errinfo *ei)
{
    char *lower = xstrdup(f->email);
    int ret = 0;

    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    for (size_t i = 0; i < sizeof(text_cols) / sizeof(text_cols[0]); i++)
        if (scrub_col(db, &text_cols[i], f->email, lower, &f->texts,
                      ei) < 0) {
            ret = -1;
            break;
        }
    free(lower);
    return ret;
}

/* ---- the rows ---- */

/* f->fields, f->attempts: what the erasure takes or keeps, counted first. */
static int count_rows(struct db *db, struct store_forget *f,
                      struct errinfo *ei)
{
    static const char fields[] =
        "SELECT (first_name IS NOT NULL AND first_name <> '')"
        " + (last_name IS NOT NULL AND last_name <> '')"
        " + (title IS NOT NULL AND title <> '')"
        " + (company_name IS NOT NULL AND company_name <> '')"
        " + COALESCE((SELECT COUNT(*) FROM json_each(fields_json)), 0)"
        " FROM contacts WHERE id = ?1";
    static const char attempts[] =
        "SELECT COUNT(*) FROM attempts WHERE send_id IN"
        " (SELECT id FROM sends WHERE contact_id = ?1)";
    long long n;

    if (query_id(db, fields, f->contact_id, &n, ei) < 0)
        return -1;
    f->fields = (long)n;
    if (query_id(db, attempts, f->contact_id, &n, ei) < 0)
        return -1;
    f->attempts = (long)n;
    return 0;
}

/*
 * The person's own inbound rows (theirs by contact or by send) lose the
 * link and what they wrote: from_addr when it is their address (a bounce's
 * sender is a mailer daemon and stays), and the subject ("Re: Hello Bob").
 */
static int anonymise_inbound(struct db *db, struct store_forget *f,
                             struct errinfo *ei)
{
    static const char sql[] =
        "UPDATE inbound SET contact_id = NULL, subject = NULL,"
        " from_addr = CASE WHEN lower(from_addr) = lower(?2) THEN NULL"
        "   ELSE from_addr END"
        " WHERE contact_id = ?1"
        "    OR send_id IN (SELECT id FROM sends WHERE contact_id = ?1)";

    return exec_id(db, sql, f->contact_id, f->email, &f->inbound,
                   "cannot anonymise inbound messages", ei);
}

/* The sends keep their counts: see migration 0008 and view send_people. */
static int anonymise_sends(struct db *db, struct store_forget *f,
                           struct errinfo *ei)
{
    static const char next[] =
        "SELECT COALESCE(MAX(erased), 0) + 1 FROM sends";
    static const char sql[] =
        "UPDATE sends SET erased = ?3, contact_id = NULL,"
        " company_id = (SELECT company_id FROM contacts WHERE id = ?1)"
        " WHERE contact_id = ?1";
    sqlite3_stmt *st = NULL;
    long long erased;

    if (db_query_int(db, next, NULL, &erased, ei) < 0 ||
        db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, f->contact_id);
    sqlite3_bind_int64(st, 3, erased);
    return change(db, st, &f->sends, "cannot anonymise sends", ei);
}

/* Enrollments, the contact, then its company if nothing names it. */
static int delete_contact(struct db *db, struct store_forget *f,
                          struct errinfo *ei)
{
    static const char company[] =
        "SELECT company_id FROM contacts WHERE id = ?1";
    static const char enrol[] = "DELETE FROM enrollments WHERE contact_id = ?1";
    static const char contact[] = "DELETE FROM contacts WHERE id = ?1";
    static const char orphan[] =
        "DELETE FROM companies WHERE id = ?1"
        " AND NOT EXISTS (SELECT 1 FROM contacts WHERE company_id = ?1)"
        " AND NOT EXISTS (SELECT 1 FROM sends WHERE company_id = ?1)";
    long long company_id;
    long n = 0;

    if (query_id(db, company, f->contact_id, &company_id, ei) < 0 ||
        exec_id(db, enrol, f->contact_id, NULL, &f->enrollments,
                "cannot delete enrollments", ei) < 0 ||
        exec_id(db, contact, f->contact_id, NULL, NULL,
                "cannot delete the contact", ei) < 0)
        return -1;
    if (company_id && exec_id(db, orphan, company_id, NULL, &n,
                              "cannot delete the contact's company", ei) < 0)
        return -1;
    f->company_removed = n > 0;
    return 0;
}

/* A suppression of the address itself becomes the erasure's row. */
static int suppress_hash(struct db *db, struct store_forget *f,
                         struct errinfo *ei)
{
    static const char del[] = "DELETE FROM suppressions WHERE value = ?1";
    static const char put[] =
        "INSERT INTO suppressions(value, reason, created_at)"
        " VALUES (?1, ?2, ?3) ON CONFLICT(value) DO NOTHING";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, del, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, f->email, -1, SQLITE_STATIC);
    if (change(db, st, &f->suppressions,
               "cannot replace the contact's suppression", ei) < 0 ||
        db_stmt(db, put, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, f->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, ERASE_REASON, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->now, -1, SQLITE_STATIC);
    return change(db, st, NULL, "cannot add the erasure's suppression", ei);
}

int store_forget(struct db *db, struct store_forget *f, struct errinfo *ei)
{
    /* Deleted and overwritten bytes are zeroed in the file, not only
     * unlinked.  db_open asks for it on every connection; said again
     * here, where it matters most. */
    if (db_exec(db, "PRAGMA secure_delete = ON", ei) < 0 ||
        db_begin(db, true, ei) < 0)
        return -1;
    if (count_rows(db, f, ei) < 0 || anonymise_inbound(db, f, ei) < 0 ||
        anonymise_sends(db, f, ei) < 0 || delete_contact(db, f, ei) < 0 ||
        scrub_texts(db, f, ei) < 0 || suppress_hash(db, f, ei) < 0) {
        db_rollback(db);
        return -1;
    }
    crash_point("forget.commit");   /* killed here: nothing changed */
    if (db_commit(db, ei) < 0) {
        db_rollback(db);
        return -1;
    }
    /* The WAL still holds the pages as they were before: copy the new
     * ones into the file and empty it.  A reader elsewhere can keep it
     * from finishing; the erasure itself stands. */
    f->checkpointed = sqlite3_wal_checkpoint_v2(
                          db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL,
                          NULL) == SQLITE_OK;
    return 0;
}

int store_erased_on(struct db *db, const char *value, bool *found,
                    char date[11], struct errinfo *ei)
{
    static const char sql[] =
        "SELECT substr(created_at, 1, 10) FROM suppressions"
        " WHERE value = ?1";
    sqlite3_stmt *st = NULL;
    int rc;

    *found = false;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);

        *found = true;
        snprintf(date, 11, "%s", d ? d : "");
    }
    db_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read suppressions");
    return 0;
}

int store_any_erasure(struct db *db, bool *any, struct errinfo *ei)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM suppressions"
        " WHERE value LIKE 'sha256:%')";
    sqlite3_stmt *st = NULL;
    int rc;

    *any = false;
    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *any = sqlite3_column_int(st, 0) != 0;
    db_done(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, ei, "cannot read suppressions");
    return 0;
}

int store_address_erased(struct db *db, const char *email, bool *erased,
                         struct errinfo *ei)
{
    char value[ERASE_VALUE_LEN], date[11];

    *erased = false;
    if (!erase_value(email, value))
        return err_set(ei, ERR_SOFTWARE, "SHA-256 failed");
    return store_erased_on(db, value, erased, date, ei);
}
