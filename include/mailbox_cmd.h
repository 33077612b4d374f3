/*
 * mailbox_cmd.h - what `mailbox add | set` (cmd_mailbox.c) and `mailbox
 * import` (cmd_mailbox_import.c) share: a change to a mailbox, its checks,
 * and writing it through the store.  Not pure.
 */
#ifndef MAILROTA_MAILBOX_CMD_H
#define MAILROTA_MAILBOX_CMD_H

#include <stdbool.h>

#include "app.h"
#include "config.h"

/* The same bound as rules.daily_cap in the config. */
#define DAILY_CAP_MAX CONFIG_DAILY_CAP_MAX

extern const char mailbox_usage[];

enum pw_source { PW_UNSET = 0, PW_ENV, PW_CMD, PW_STDIN };

/* What `add`, `set` and each import row may change; NULL/false = keep. */
struct mbx_change {
    const char *name;
    const char *status;   /* as given: check_change checks it */
    const char *auth;
    const char *fallback;
    const char *inbound;  /* imap, graph or none (--inbound) */
    const char *ramp;     /* START:STEP or none (--ramp); NULL: keep, or
                             for a new mailbox, the default below */
    int default_ramp_start, default_ramp_step; /* rules.ramp (0: none) */
    bool has_cap;
    long long cap;
    enum pw_source pw;
    const char *pw_arg;   /* variable name or command */
};

/* Checks a change; the message names what is wrong without a prefix. */
int mbx_check_change(const struct mbx_change *ch, enum err_code code,
                     struct errinfo *ei);

/* The normalised address, or NULL with ei (code) naming arg. */
char *mbx_normalize_email(const char *arg, enum err_code code,
                          struct errinfo *ei);

/*
 * Applies a checked ch to mailbox id (0: adds `email`) through the store;
 * `secret` is new ciphertext for PW_STDIN.
 */
int mbx_apply(struct db *db, long long id, const char *email,
              const struct mbx_change *ch, const char *secret,
              const char *now, struct errinfo *ei);

/* `mailbox import FILE.csv` (cmd_mailbox_import.c). */
int mailbox_import(struct app *app, int argc, char **argv,
                   struct errinfo *ei);

#endif
