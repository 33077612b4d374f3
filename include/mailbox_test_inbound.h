/*
 * mailbox_test_inbound.h - the inbound half of `mailbox test` (SPEC: "then
 * the same for its inbound"): for an IMAP reader, log in and EXAMINE the
 * folder; for a Graph reader, read the inbox's message list.  Nothing is
 * changed and no message is fetched.  On failure, the server's reply and
 * the fix the inbox reader itself would give (imap_fix, graph_inbox_fix).
 * Not pure.
 */
#ifndef MAILROTA_MAILBOX_TEST_INBOUND_H
#define MAILROTA_MAILBOX_TEST_INBOUND_H

#include <stdbool.h>

#include "app.h"
#include "db.h"
#include "oauth.h"

struct inbound_check {
    bool tested;               /* false: inbound none, or not enabled */
    bool ok;
    char reader[8];            /* "imap", "graph" */
    char step[16];             /* the step that failed: token, examine, ... */
    char reply[512];           /* what the server said */
    char fix[512];             /* "" when ok */
};

/*
 * Tests email's inbound reader into *out.  key: the key file's key, or
 * NULL.  Errors (-1): the database only.
 */
int mailbox_test_inbound(struct app *app, struct db *db,
                         struct oauth_cache *oauth, const unsigned char *key,
                         const char *email, struct inbound_check *out,
                         struct errinfo *ei);

#endif
