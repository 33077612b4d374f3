/*
 * contact_cmd.h - what the `contact` subcommands (cmd_contact.c,
 * cmd_contact_show.c, cmd_contact_set.c) share: the usage text and
 * finding the contact an argument names.  Not pure.
 */
#ifndef MAILROTA_CONTACT_CMD_H
#define MAILROTA_CONTACT_CMD_H

#include "app.h"

extern const char contact_usage[];

/*
 * *id: the contact the address arg names (any case in the domain, as
 * import stores it).  Errors: ERR_DATA for an address that is not valid
 * or not in the database, naming it and the fix; ERR_DB.
 */
int contact_find(struct db *db, const char *cmd, const char *arg,
                 long long *id, struct errinfo *ei);

int contact_show(struct app *app, int argc, char **argv, struct errinfo *ei);
int contact_set(struct app *app, int argc, char **argv, struct errinfo *ei);

#endif
