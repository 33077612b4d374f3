/*
 * store_bouncerate.h - bounce-rate protection's database side: count a
 * mailbox's last messages and pause it when bouncerate.h says so.  Called
 * after each inbound pass (cmd_inbox.c) and meant for after each send.
 * Not pure.
 */
#ifndef MAILROTA_STORE_BOUNCERATE_H
#define MAILROTA_STORE_BOUNCERATE_H

#include <stdbool.h>

#include "bouncerate.h"
#include "db.h"
#include "err.h"

/*
 * Checks mailbox_id (email for the fix): when it is cold-ready and its
 * last r->window sent or bounced messages exceed the rate, sets it
 * `paused` with last_error saying the figures and the fix (out, when not
 * NULL, receives that text) and sets *paused.
 */
int store_bouncerate_check(struct db *db, long long mailbox_id,
                           const char *email,
                           const struct bouncerate_rule *r,
                           const char *now_iso, bool *paused, char *out,
                           size_t cap, struct errinfo *ei);

/* Of mailbox_id's last r->window sent or bounced messages: *n, and
 * *bounced of them bounced (what bouncerate_exceeded() judges). */
int store_bouncerate_count(struct db *db, long long mailbox_id,
                           const struct bouncerate_rule *r, int *n,
                           int *bounced, struct errinfo *ei);

#endif
