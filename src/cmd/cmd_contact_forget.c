/* cmd_contact_forget.c - `contact forget EMAIL`: erase a person (SPEC
 * "Contacts and erasure"; what stays and why: store_forget.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "contact.h"
#include "erase.h"
#include "log.h"
#include "runlock.h"
#include "store.h"
#include "store_forget.h"
#include "util.h"

#include "banned.h"

static const char forget_usage[] =
    "usage: mailrota contact forget EMAIL\n"
    "\n"
    "Erases a person: the contact, its fields and enrollments are deleted;\n"
    "its sends and inbound messages stay, so that caps, cooldown and the\n"
    "company limit still count them, but lose the address and every text\n"
    "naming it.  A suppression holding only sha256:HEX of the lower-cased\n"
    "address (reason 'erased') keeps it from being imported again.  Freed\n"
    "bytes are zeroed and the WAL emptied.  Prints what it removed.\n";

static void print_forget(const char *email, const struct store_forget *f)
{
    printf("removed contact %s, %ld field%s, %ld enrollment%s\n", email,
           f->fields, f->fields == 1 ? "" : "s", f->enrollments,
           f->enrollments == 1 ? "" : "s");
    printf("anonymised %ld send%s, %ld attempt%s, %ld inbound row%s; "
           "address cut from %ld text%s\n", f->sends,
           f->sends == 1 ? "" : "s", f->attempts,
           f->attempts == 1 ? "" : "s", f->inbound,
           f->inbound == 1 ? "" : "s", f->texts, f->texts == 1 ? "" : "s");
    if (f->company_removed)
        printf("removed its company (no other contact or send named it)\n");
    if (f->suppressions)
        printf("replaced the suppression of %s\n", email);
    printf("suppressed %s (reason %s)\n", f->value, ERASE_REASON);
}

/* An address that is no contact: exit 65, saying whether it was erased. */
static int unknown_contact(struct db *db, const char *email,
                           const char *value, struct errinfo *ei)
{
    char date[11];
    bool erased;

    if (store_erased_on(db, value, &erased, date, ei) < 0)
        return -1;
    if (erased)
        return err_set(ei, ERR_DATA, "contact forget: %s was already "
                       "erased on %s: nothing left to remove", email, date);
    return err_set(ei, ERR_DATA, "contact forget: no contact %s in the "
                   "database: check the spelling (the address as imported)",
                   email);
}

static int forget(struct app *app, const char *email, struct errinfo *ei)
{
    struct runlock lk = { -1, NULL };
    struct store_forget f;
    struct db *db = NULL;
    char value[ERASE_VALUE_LEN], now[21];
    int ret = -1;

    memset(&f, 0, sizeof(f));
    if (!erase_value(email, value))
        return err_set(ei, ERR_SOFTWARE, "contact forget: SHA-256 failed");
    /* A run records a send by (campaign, contact): the person must not
     * vanish under a message in flight.  `run` holds the same lock. */
    if (app_open_db(app, 0, &db, ei) < 0 ||
        runlock_take(&lk, app->cfg.database, ei) < 0 ||
        store_contact_id(db, email, &f.contact_id, ei) < 0)
        goto out;
    if (!f.contact_id) {
        unknown_contact(db, email, value, ei);
        goto out;
    }
    clock_now_iso(now);
    f.email = email;
    f.value = value;
    f.now = now;
    if (store_forget(db, &f, ei) < 0)
        goto out;
    if (!f.checkpointed)
        log_warnx("contact forget: '%s-wal' could not be emptied (another "
                  "process is reading the database); the erased values stay "
                  "there until the next checkpoint: run 'sqlite3 %s \"pragma "
                  "wal_checkpoint(truncate)\"' once it is idle", db->path,
                  db->path);
    if (!app->quiet)
        print_forget(email, &f);
    ret = 0;
out:
    runlock_release(&lk);
    db_close(db);
    return ret;
}

int cmd_contact_forget(struct app *app, int argc, char **argv,
                       struct errinfo *ei)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *reason = "";
    char *email, *shown;
    int c, ret;

    while ((c = app_getopt(argc, argv, "contact forget", ":h", opts,
                           forget_usage, ei)) != -1)
        return c == -2 ? 0 : -1;
    if (optind + 1 != argc)
        return err_set(ei, ERR_USAGE, "contact forget: give one EMAIL");
    email = contact_email_normalize(argv[optind], &reason);
    if (!email) {
        shown = sanitize(xstrdup(argv[optind]));
        err_set(ei, ERR_DATA, "contact forget: '%s' is not an address: %s",
                shown, reason);
        free(shown);
        return -1;
    }
    ret = forget(app, email, ei);
    free(email);
    return ret;
}
