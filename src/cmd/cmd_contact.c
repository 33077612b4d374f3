/*
 * cmd_contact.c - the `contact` group: its usage, its subcommand table
 * and finding the contact an EMAIL argument names.  `show` is
 * cmd_contact_show.c, `set` cmd_contact_set.c.
 */
#include <stdlib.h>

#include "contact.h"
#include "contact_cmd.h"
#include "store.h"
#include "util.h"

#include "banned.h"

const char contact_usage[] =
    "usage: mailrota contact show EMAIL [--json]\n"
    "   or: mailrota contact set EMAIL [--status S] [--field KEY=VALUE]...\n"
    "   or: mailrota contact forget EMAIL\n"
    "\n"
    "One contact of the database.\n"
    "\n"
    "show: its fields, its company (as the contact spelled it and the\n"
    "company it matched), its status and when that changed, its\n"
    "enrollments, every send with its outcome and every inbound message\n"
    "matched to it.\n"
    "      --json     one object: {\"email\", ..., \"fields\": {...},\n"
    "                 \"enrollments\": [...], \"sends\": [...],\n"
    "                 \"inbound\": [...]}\n"
    "\n"
    "set: change it, in one transaction, and print what changed.\n"
    "      --status S         active, unsubscribed or suppressed (bounced\n"
    "                         and replied are set by mailrota only);\n"
    "                         when it changes, the time is recorded\n"
    "      --field KEY=VALUE  set a field (KEY as the import names its\n"
    "                         columns: 'Favourite Colour' is\n"
    "                         favourite_colour); first_name, last_name and\n"
    "                         title set those columns; an empty VALUE\n"
    "                         removes the field; may be repeated\n"
    "\n"
    "forget: erase the person (see 'mailrota contact forget --help').\n"
    "\n"
    "An address that is not in the database exits 65.\n";

int contact_find(struct db *db, const char *cmd, const char *arg,
                 long long *id, struct errinfo *ei)
{
    const char *reason = "invalid";
    char *email = contact_email_normalize(arg, &reason);
    char *shown;
    int ret = 0;

    if (email && store_contact_id(db, email, id, ei) < 0) {
        free(email);
        return err_prefix(ei, "%s", cmd);
    }
    if (email && *id) {
        free(email);
        return 0;
    }
    shown = sanitize(xstrdup(email ? email : arg));
    if (!email)
        ret = err_set(ei, ERR_DATA, "%s: '%s' is not an email address (%s)",
                      cmd, shown, reason);
    else
        ret = err_set(ei, ERR_DATA, "%s: contact '%s' is not in the "
                      "database (import it with mailrota import contacts "
                      "FILE.csv)", cmd, shown);
    free(shown);
    free(email);
    return ret;
}

/* The subcommands; `forget` is cmd_contact_forget.c. */
const struct subcommand contact_subs[] = {
    { "show", contact_show,
      "one contact: fields, company, sends, inbound mail" },
    { "set", contact_set, "change a contact's status or fields" },
    { "forget", cmd_contact_forget, "erase a person, keeping the counts" },
    { NULL, NULL, NULL },
};

int cmd_contact(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    return app_dispatch(app, "contact", contact_usage, contact_subs,
                        sizeof(contact_subs) / sizeof(contact_subs[0]),
                        argc, argv, ei);
}
