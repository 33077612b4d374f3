/*
 * jsonq.h - reads values out of untrusted JSON text (token endpoint and
 * Graph answers, JWT payloads) with SQLite's JSON1 functions on a private
 * in-memory connection: no JSON parser of our own to get wrong, and the one
 * used is the one users already trust with their data.
 *
 * Paths are SQLite JSON paths ("$.access_token", "$.error.code").
 * Not pure (opens an in-memory database); thread-safe (a connection per
 * call).
 */
#ifndef MAILROTA_JSONQ_H
#define MAILROTA_JSONQ_H

#include <stdbool.h>
#include <stddef.h>

/* Longest JSON text looked at; longer text counts as invalid. */
#define JSONQ_MAX (1024 * 1024)

enum jsonq_type {
    JSONQ_MISSING = 0,    /* invalid JSON, or nothing at that path */
    JSONQ_NULL,
    JSONQ_TEXT,
    JSONQ_NUMBER,         /* integer or real */
    JSONQ_OTHER,          /* true, false, an object or an array */
};

/*
 * The value at each of n paths of json[0..len): types[i] and, for TEXT and
 * NUMBER, values[i] a new string (a number as SQLite prints it; an object
 * or array as its JSON text for OTHER), else NULL.  The caller frees every
 * values[i] (secret_free for secrets).  Returns false when json is not
 * valid JSON (every type then MISSING).
 */
bool jsonq_get(const char *json, size_t len, const char *const *paths,
               size_t n, enum jsonq_type *types, char **values);

/* True when json[0..len) is valid JSON. */
bool jsonq_valid(const char *json, size_t len);

/* True when the array at `path` holds the string `s`. */
bool jsonq_array_has(const char *json, size_t len, const char *path,
                     const char *s);

#endif
