/* strmap.c - a string -> integer hash map (see strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

/* FNV-1a, 64 bits. */
static uint64_t strmap_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    strmap_init(m);
}

/* The slot holding key, or the empty slot where it would go. */
static struct strmap_slot *strmap_find(const struct strmap *m,
                                       const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;

    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slots[i];

        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
            return s;
    }
}

static void strmap_grow(struct strmap *m)
{
    struct strmap old = *m;

    m->cap = old.cap ? old.cap * 2 : 64;
    m->slots = xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key)
            *strmap_find(m, old.slots[i].key, old.slots[i].hash) =
                old.slots[i];
    }
    free(old.slots);
}

bool strmap_get(const struct strmap *m, const char *key, int64_t *value)
{
    const struct strmap_slot *s;

    if (!m->cap)
        return false;
    s = strmap_find(m, key, strmap_hash(key));
    if (!s->key)
        return false;
    if (value)
        *value = s->value;
    return true;
}

void strmap_put(struct strmap *m, const char *key, int64_t value)
{
    uint64_t h = strmap_hash(key);
    struct strmap_slot *s;

    /* at most half full: short probes */
    if ((m->len + 1) * 2 > m->cap)
        strmap_grow(m);
    s = strmap_find(m, key, h);
    if (!s->key) {
        s->key = xstrdup(key);
        s->hash = h;
        m->len++;
    }
    s->value = value;
}
