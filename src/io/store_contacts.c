/* store_contacts.c - contacts, companies and enrollments: the import's
 * upserts (see store.h). */
#include "store.h"

#include "store_impl.h"

#include "banned.h"

int store_company_add(struct db *db, const char *name, const char *domain,
                      const char *key, const char *now, long long *id,
                      struct errinfo *ei)
{
    static const char sql[] =
        "INSERT INTO companies(name, domain, name_key, created_at)"
        " VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    db_bind_text_or_null(st, 2, domain);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    if (store_step_done(db, st, "import", ei) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(db->h);
    return 0;
}

int store_company_set_domain(struct db *db, long long id, const char *domain,
                             struct errinfo *ei)
{
    static const char sql[] = "UPDATE companies SET domain = ?2 WHERE id = ?1";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
    return store_step_done(db, st, "import", ei);
}

int store_contact_id(struct db *db, const char *email, long long *id,
                     struct errinfo *ei)
{
    static const char sql[] = "SELECT id FROM contacts WHERE email = ?1";

    return store_find_id(db, sql, email, id, "import", ei);
}

int store_import_begin(struct db *db, bool own_keys, struct errinfo *ei)
{
    /* One transaction over a large file evicts and re-reads index pages
     * with SQLite's 2 MB default cache; 32 MiB keeps them (bench/). */
    if (db_exec(db, "PRAGMA cache_size = -32768", ei) < 0)
        return -1;
    /* A contact's company_id comes from the import's company map, which
     * mirrors the companies table inside this write transaction, and an
     * enrollment's keys are a contact just written and a campaign read in
     * it: the per-row parent lookups (a third of a large import's time,
     * bench/import.sh) check nothing. */
    if (own_keys && db_exec(db, "PRAGMA foreign_keys = OFF", ei) < 0)
        return -1;
    /* Likewise the CHECKs: the upsert's status is a constant 'active' and
     * its fields_json is built by sb_add_json_str, valid JSON for every
     * input (test_util), or json_patch's; json_valid() on each row was 9%
     * of the import (bench/import.sh). */
    if (own_keys && db_exec(db, "PRAGMA ignore_check_constraints = ON",
                            ei) < 0)
        return -1;
    return db_begin(db, true, ei);
}

void store_import_end(struct db *db)
{
    struct errinfo ei = { ERR_OK, "" };

    /* outside the transaction, where the pragmas take effect */
    (void)db_exec(db, "PRAGMA foreign_keys = ON", &ei);
    (void)db_exec(db, "PRAGMA ignore_check_constraints = OFF", &ei);
}

/* The upsert's two statements, ?1..?9 as store_contact_add had them, ?10
 * the company_explicit flag.  A new contact is one plain insert.  An
 * existing one (by email, any case) is an update that takes what the row
 * has, never a clear: a derived company (?10 = 0) fills only an empty
 * company_id, fields_json is merged.
 *
 * Not one INSERT ... ON CONFLICT DO UPDATE: contacts has UPDATE triggers
 * (0007, 0013), and a statement that may fire them is a multi-write
 * statement, which SQLite runs in a statement transaction: each page it
 * touches is first copied to a statement journal, 4 KiB per page per row,
 * and past 64 KiB that journal is a temporary file.  At a million rows
 * that was 2.2 M page writes to /var/tmp, more than the import's own
 * (bench/import.sh).  INSERT OR IGNORE can abort on nothing, so it needs
 * no statement journal; a row it ignores is an existing contact. */
static const char contact_insert_sql[] =
    "INSERT OR IGNORE INTO contacts(email, first_name, last_name, title,"
    " company_id, fields_json, status, created_at, updated_at,"
    " company_name, timezone)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?8, ?9)";

static const char contact_update_sql[] =
    "UPDATE contacts SET"
    " first_name = COALESCE(?2, first_name),"
    " last_name = COALESCE(?3, last_name),"
    " title = COALESCE(?4, title),"
    " company_id = CASE WHEN ?5 IS NOT NULL AND"
    "   (?10 OR company_id IS NULL) THEN ?5 ELSE company_id END,"
    " company_name = COALESCE(?8, company_name),"
    " timezone = COALESCE(?9, timezone),"
    " fields_json = CASE WHEN ?6 IS NULL THEN fields_json"
    "   ELSE json_patch(COALESCE(fields_json, '{}'), ?6) END,"
    " updated_at = ?7"
    " WHERE email = ?1";

/* As db_bind_text_or_null, without the copy: the row's strings outlive
 * the step (a malloc and a memcpy per column per row, bench/import.sh). */
static void bind_static(sqlite3_stmt *st, int idx, const char *s)
{
    if (!s || !*s)
        sqlite3_bind_null(st, idx);
    else
        sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Binds what both statements take; the insert has no ?10. */
static void contact_upsert_bind(sqlite3_stmt *st,
                                const struct store_contact *c,
                                const char *now, bool update)
{
    sqlite3_bind_text(st, 1, c->email, -1, SQLITE_STATIC);
    bind_static(st, 2, c->first_name);
    bind_static(st, 3, c->last_name);
    bind_static(st, 4, c->title);
    if (c->company_id)
        sqlite3_bind_int64(st, 5, c->company_id);
    bind_static(st, 6, c->fields_json);
    sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
    if (c->company_explicit)
        bind_static(st, 8, c->company_name);
    bind_static(st, 9, c->timezone);
    if (update)
        sqlite3_bind_int(st, 10, c->company_explicit);
}

/* A new contact costs one statement and one index descent.  No RETURNING:
 * SQLite 3.40 builds an ephemeral table for it on every execution.  So
 * *id of an updated contact costs a lookup only when the caller asks for
 * it (id not NULL). */
int store_contact_upsert(struct db *db, const struct store_contact *c,
                         const char *now, long long *id, bool *inserted,
                         struct errinfo *ei)
{
    sqlite3_stmt *st = NULL;

    *inserted = false;
    if (db_stmt(db, contact_insert_sql, &st, ei) < 0)
        return -1;
    contact_upsert_bind(st, c, now, false);
    if (store_step_done(db, st, "import", ei) < 0)
        return -1;
    if (sqlite3_changes(db->h) > 0) {
        *inserted = true;
        if (id)
            *id = sqlite3_last_insert_rowid(db->h);
        return 0;
    }
    if (db_stmt(db, contact_update_sql, &st, ei) < 0)
        return -1;
    contact_upsert_bind(st, c, now, true);
    if (store_step_done(db, st, "import", ei) < 0)
        return -1;
    /* OR IGNORE also ignores a NOT NULL failure, which the values above
     * cannot cause; if it ever did, the update finds no row. */
    if (sqlite3_changes(db->h) == 0)
        return err_set(ei, ERR_SOFTWARE, "import: contact '%s' was neither"
                       " inserted nor found", c->email);
    if (id && store_contact_id(db, c->email, id, ei) < 0)
        return -1;
    return 0;
}

/* Every company, by id: the import's in-memory map. */
int store_companies_each(struct db *db, store_company_fn fn, void *arg,
                         struct errinfo *ei)
{
    static const char sql[] =
        "SELECT id, name_key, domain FROM companies ORDER BY id";
    sqlite3_stmt *st = NULL;
    int rc;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(arg, sqlite3_column_int64(st, 0),
           (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    }
    db_done(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, ei, "cannot read companies");
    return 0;
}

int store_enroll(struct db *db, long long campaign_id, long long contact_id,
                 const char *now, bool *added, struct errinfo *ei)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO enrollments(campaign_id, contact_id,"
        " enrolled_at) VALUES (?1, ?2, ?3)";
    sqlite3_stmt *st = NULL;

    if (db_stmt(db, sql, &st, ei) < 0)
        return -1;
    sqlite3_bind_int64(st, 1, campaign_id);
    sqlite3_bind_int64(st, 2, contact_id);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (store_step_done(db, st, "cannot enrol", ei) < 0)
        return -1;
    if (added)
        *added = sqlite3_changes(db->h) > 0;
    return 0;
}
