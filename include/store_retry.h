/*
 * store_retry.h - `retry`'s queries (src/io/store_retry.c): which failed
 * or unknown sends a filter selects, and making them plannable again.
 * Not pure.
 */
#ifndef MAILROTA_STORE_RETRY_H
#define MAILROTA_STORE_RETRY_H

#include <stdbool.h>

#include "db.h"
#include "err.h"

/* Which sends: failed ones, and unknown ones too with `unknown`; of one
 * campaign and of one mailbox (its latest try's) when not 0. */
struct store_retry_filter {
    long long campaign_id;
    long long mailbox_id;
    bool unknown;
};

/* *failed and *unknown: the sends the filter's campaign and mailbox
 * select with each status (unknown counted even without f->unknown). */
int store_retry_count(struct db *db, const struct store_retry_filter *f,
                      long *failed, long *unknown, struct errinfo *ei);

/*
 * Makes the selected sends plannable again: each keeps its row, attempts
 * and last reply, becomes `deferred` with no retry_after (due at once),
 * and gains a send_retries row (now, its status before, its attempts so
 * far, from which rules.max_attempts counts again).  Never touches another
 * status.  *n: how many.  The caller holds the transaction.
 */
int store_retry_apply(struct db *db, const struct store_retry_filter *f,
                      const char *now, long *n, struct errinfo *ei);

#endif
