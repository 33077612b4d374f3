/*
 * graph_inbox.h - the inbox reader over Microsoft Graph (SPEC "Inbound"):
 * strictly read-only, only GETs.  It lists
 * {graph.base_url}/users/{email}/mailFolders/inbox/messages received on or
 * after a time, oldest first, following @odata.nextLink, and fetches a
 * message's MIME from .../messages/{id}/$value, with the client-credentials
 * token of graph.scope (the app needs Mail.Read, scoped to the sender
 * mailboxes by an application access policy).  429 and 503 are waited out
 * as Retry-After asks, within a bounded total wait per mailbox.
 *
 * The same small interface as the IMAP reader (imap.h): opened per
 * mailbox, a list, a fetch per message, closed.  Not pure.
 */
#ifndef MAILROTA_GRAPH_INBOX_H
#define MAILROTA_GRAPH_INBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Longest message id taken (Graph's are about 150 characters). */
#define GRAPH_ID_MAX 256
/* The most seconds one mailbox's reads wait for Retry-After in all. */
#define GRAPH_INBOX_MAX_WAIT 60

struct graph_inbox;

/* What went wrong, for the warning and `mailbox test`. */
struct graph_inbox_error {
    long status;               /* the HTTP status; 0: no answer */
    char code[64];             /* Graph's error code, or "" */
    char text[512];            /* Graph's message, or libcurl's error */
};

/* A message to read: its Graph id and received time. */
struct graph_item {
    char id[GRAPH_ID_MAX];
    char received[21];         /* ISO UTC, seconds */
    int64_t received_t;
};

/* A reader of mailbox's inbox with token (copied, wiped on free). */
struct graph_inbox *graph_inbox_new(const struct config *cfg,
                                    const char *mailbox, const char *token);
void graph_inbox_free(struct graph_inbox *g);

/*
 * The messages received on or after since_iso, oldest first (every page),
 * at most cap.  *out is new (free()).  -1 with e filled (no secret in it).
 */
int graph_inbox_list(struct graph_inbox *g, const char *since_iso, size_t cap,
                     struct graph_item **out, size_t *n,
                     struct graph_inbox_error *e);

/*
 * The MIME text of it: whole when at most max bytes, else its first max
 * bytes (*truncated set).  *raw is new (free()).  -1 with e filled.
 */
int graph_inbox_fetch(struct graph_inbox *g, const struct graph_item *it,
                      size_t max, char **raw, size_t *len, bool *truncated,
                      struct graph_inbox_error *e);

/*
 * The fix for a refused read, in words ("" when none is known): Mail.Read
 * missing, the mailbox outside the application access policy, ...
 */
const char *graph_inbox_fix(const struct graph_inbox_error *e);

#endif
