/*
 * inbox_int.h - the parts of `inbox` (private to src/cmd/cmd_inbox.c,
 * inbox_read.c, inbox_imap.c and inbox_graph.c).
 *
 * cmd_inbox.c runs a pass over the roster; inbox_imap.c and inbox_graph.c
 * are the two readers' passes over one mailbox (list what is new, fetch
 * each message); inbox_read.c is what both do with a message: parse,
 * classify, record and apply it in one transaction.
 */
#ifndef MAILROTA_INBOX_INT_H
#define MAILROTA_INBOX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "key_len.h"
#include "store_inbound.h"

/* The most messages one pass takes from a mailbox (the rest: next pass). */
#define INBOX_MAX_PER_PASS 100000

struct oauth_cache;

struct inbox {
    struct app *app;
    struct db *db;
    unsigned char key[SECRET_KEY_LEN];
    bool have_key;
    struct oauth_cache *oauth;
    const char *const *words;
    size_t n_words;
    struct inbox_counts n;
};

/* What the reader says of one message: where it is, its key, the cursor
 * after it, and why it could be read only in part (NULL: whole). */
struct inbox_src {
    const char *source;        /* inbound.source_id */
    const char *label;         /* "UID 7", for the log */
    int64_t received;          /* the server's received date; 0: unknown */
    const struct store_inbound_cursor *cur;
    const char *partial;       /* recorded as `other` with this reason */
};

/* Why a message over MIME_MAX_BYTES was read in part. */
extern const char inbox_oversize[];

/*
 * One message of m (raw[0..len)): parse, classify, record and apply, and
 * count it in ib->n.  A message with no Message-ID is keyed by the
 * SHA-256 of its bytes as well ("sha256:HEX" in inbound.message_id), so
 * that it is recognised after a new UIDVALIDITY.  -1 only on a database
 * error (ei).
 */
int inbox_read_message(struct inbox *ib,
                       const struct store_inbound_mailbox *m,
                       const struct inbox_src *src, const char *raw,
                       size_t len, struct errinfo *ei);

/* One mailbox's pass through IMAP, or Graph.  -1 only on a database
 * error (ei); a mailbox that cannot be read is warned about and counted
 * in ib->n.failed. */
int inbox_read_imap(struct inbox *ib, const struct store_inbound_mailbox *m,
                    struct errinfo *ei);
int inbox_read_graph(struct inbox *ib,
                     const struct store_inbound_mailbox *m,
                     struct errinfo *ei);

#endif
