/*
 * strmap.h - a string -> 64-bit integer hash map (open addressing, keys
 * copied).  Pure: no file, clock or environment, so any module may use it.
 * The import keeps its companies in two of these (by name key, by domain)
 * instead of asking SQLite twice per row.
 */
#ifndef MAILROTA_STRMAP_H
#define MAILROTA_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    char *key;      /* NULL: empty */
    uint64_t hash;
    int64_t value;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap;     /* a power of two, or 0 */
    size_t len;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/* True when key is there; *value (may be NULL) its value. */
bool strmap_get(const struct strmap *m, const char *key, int64_t *value);
/* Sets key's value, adding key when new. */
void strmap_put(struct strmap *m, const char *key, int64_t value);

#endif
