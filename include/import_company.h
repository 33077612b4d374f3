/*
 * import_company.h - the import's companies in memory: every company of
 * the database, by normalised name key and by domain, loaded once, so a
 * row's company costs no query (SPEC "company" rules; issue 17).
 */
#ifndef MAILROTA_IMPORT_COMPANY_H
#define MAILROTA_IMPORT_COMPANY_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "err.h"
#include "strmap.h"

struct import_companies {
    struct strmap by_key;     /* name_key -> id * 2 + has a domain */
    struct strmap by_domain;  /* lower-cased domain -> lowest id */
    char *const *free_mail;   /* the configuration's free-mail domains */
    size_t n_free_mail;
};

/* Reads every company of db (inside the import's transaction); free_mail
 * (n_free_mail of them) the configured free-mail domains, which name no
 * company, besides the built-in ones. */
int import_companies_load(struct import_companies *m, struct db *db,
                          char *const *free_mail, size_t n_free_mail,
                          struct errinfo *ei);
void import_companies_free(struct import_companies *m);

/*
 * The company of a row: by normalised name when the row names one
 * (company, else NULL), else by domain (dom: normalised, NULL for none; a
 * free-mail domain counts as none).  A named company found without a
 * domain gets dom;
 * one not found is added.  *id 0 when the contact has no company;
 * *explicit whether the row named it.
 */
int import_company_resolve(struct import_companies *m, struct db *db,
                           const char *company, const char *dom,
                           const char *now, long long *id, bool *explicit,
                           struct errinfo *ei);

#endif
