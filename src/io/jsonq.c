/*
 * jsonq.c - values out of JSON text through SQLite's JSON1.  See jsonq.h.
 */
#include "jsonq.h"

#include <string.h>

#include <sqlite3.h>

#include "util.h"

#include "banned.h"

static sqlite3 *open_mem(void)
{
    sqlite3 *h = NULL;

    if (sqlite3_open_v2(":memory:", &h, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_MEMORY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(h);
        return NULL;
    }
    return h;
}

static enum jsonq_type type_of(const unsigned char *t)
{
    if (!t)
        return JSONQ_MISSING;
    if (strcmp((const char *)t, "null") == 0)
        return JSONQ_NULL;
    if (strcmp((const char *)t, "text") == 0)
        return JSONQ_TEXT;
    if (strcmp((const char *)t, "integer") == 0 ||
        strcmp((const char *)t, "real") == 0)
        return JSONQ_NUMBER;
    return JSONQ_OTHER;
}

bool jsonq_get(const char *json, size_t len, const char *const *paths,
               size_t n, enum jsonq_type *types, char **values)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    bool valid = false;

    for (size_t i = 0; i < n; i++) {
        types[i] = JSONQ_MISSING;
        values[i] = NULL;
    }
    if (!json || len > JSONQ_MAX)
        return false;
    h = open_mem();
    if (!h)
        return false;
    if (sqlite3_prepare_v2(h, "SELECT json_valid(?1), json_type(?1, ?2),"
                              " json_extract(?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 2, paths[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW ||
            sqlite3_column_int(st, 0) != 1)
            goto out;
        valid = true;
        types[i] = type_of(sqlite3_column_text(st, 1));
        if (types[i] != JSONQ_MISSING && types[i] != JSONQ_NULL) {
            const unsigned char *v = sqlite3_column_text(st, 2);
            if (v)
                values[i] = xstrndup((const char *)v,
                                     (size_t)sqlite3_column_bytes(st, 2));
        }
    }
out:
    sqlite3_finalize(st);
    sqlite3_close(h);
    return valid;
}

bool jsonq_valid(const char *json, size_t len)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    bool valid = false;

    if (!json || len > JSONQ_MAX)
        return false;
    h = open_mem();
    if (!h)
        return false;
    if (sqlite3_prepare_v2(h, "SELECT json_valid(?1)", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
        valid = sqlite3_step(st) == SQLITE_ROW &&
                sqlite3_column_int(st, 0) == 1;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return valid;
}

bool jsonq_array_has(const char *json, size_t len, const char *path,
                     const char *s)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    bool has = false;

    if (!json || len > JSONQ_MAX)
        return false;
    h = open_mem();
    if (!h)
        return false;
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM json_each(?1, ?2)"
                              " WHERE type = 'text' AND value = ?3", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s, -1, SQLITE_STATIC);
        /* json_each raises an error on invalid JSON: that is "no". */
        has = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return has;
}
