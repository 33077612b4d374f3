/*
 * import_company.c - the import's in-memory company map (see
 * import_company.h).  The maps mirror the companies table inside the
 * import's one transaction: every insert or domain set goes to both.
 */
#include "import_company.h"

#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "store.h"
#include "util.h"

#include "banned.h"

/* domain -> the lowest id with it, as "WHERE domain = ? ORDER BY id
 * LIMIT 1" (COLLATE NOCASE) answered. */
static void map_domain(struct import_companies *m, const char *domain,
                       long long id)
{
    char *d = xstrdup(domain);
    int64_t have;

    str_lower(d);
    if (!strmap_get(&m->by_domain, d, &have) || id < have)
        strmap_put(&m->by_domain, d, id);
    free(d);
}

static void load_one(void *arg, long long id, const char *key,
                     const char *domain)
{
    struct import_companies *m = arg;

    strmap_put(&m->by_key, key ? key : "", id * 2 + (domain != NULL));
    if (domain)
        map_domain(m, domain, id);
}

int import_companies_load(struct import_companies *m, struct db *db,
                          char *const *free_mail, size_t n_free_mail,
                          struct errinfo *ei)
{
    strmap_init(&m->by_key);
    strmap_init(&m->by_domain);
    m->free_mail = free_mail;
    m->n_free_mail = n_free_mail;
    return store_companies_each(db, load_one, m, ei);
}

void import_companies_free(struct import_companies *m)
{
    strmap_free(&m->by_key);
    strmap_free(&m->by_domain);
}

static int add_company(struct import_companies *m, struct db *db,
                       const char *name, const char *dom, const char *key,
                       const char *now, long long *id, struct errinfo *ei)
{
    if (store_company_add(db, name, dom, key, now, id, ei) < 0)
        return -1;
    strmap_put(&m->by_key, key, *id * 2 + (dom != NULL));
    if (dom)
        map_domain(m, dom, *id);
    return 0;
}

/* dom, or NULL when it is a free-mail domain: asked only when a row's
 * domain matters (most rows name a company that has one already). */
static const char *company_domain(const struct import_companies *m,
                                  const char *dom)
{
    return contact_is_freemail(dom, m->free_mail, m->n_free_mail) ? NULL
                                                                  : dom;
}

static int by_name(struct import_companies *m, struct db *db,
                   const char *company, const char *key, const char *dom,
                   const char *now, long long *id, struct errinfo *ei)
{
    int64_t v;

    if (!strmap_get(&m->by_key, key, &v))
        return add_company(m, db, company, company_domain(m, dom), key, now,
                           id, ei);
    *id = v / 2;
    if (v % 2 == 0 && (dom = company_domain(m, dom)) != NULL) {
        if (store_company_set_domain(db, *id, dom, ei) < 0)
            return -1;
        strmap_put(&m->by_key, key, v + 1);
        map_domain(m, dom, *id);
    }
    return 0;
}

int import_company_resolve(struct import_companies *m, struct db *db,
                           const char *company, const char *dom,
                           const char *now, long long *id, bool *explicit,
                           struct errinfo *ei)
{
    char *key = company ? contact_company_key(company) : NULL;
    int64_t v;
    int ret;

    *id = 0;
    *explicit = key != NULL;
    if (key) {
        ret = by_name(m, db, company, key, dom, now, id, ei);
        free(key);
        return ret;
    }
    dom = company_domain(m, dom);
    if (!dom)
        return 0;
    if (strmap_get(&m->by_domain, dom, &v)) {
        *id = v;
        return 0;
    }
    /* A domain-derived company's key is the domain itself: it has dots,
     * which a normalised name never has, so the two cannot collide. */
    return add_company(m, db, dom, dom, dom, now, id, ei);
}
