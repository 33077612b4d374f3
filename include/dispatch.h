/*
 * dispatch.h - THE rotation rule (SPEC "The sending rules", Rotation):
 * which mailbox takes the next message.  The plan (scheduler.c) asks it
 * for every planned message, and the run asks it again when a mailbox
 * fails and its messages move to the others (run_engine.c): one rule,
 * one home.  Pure.
 *
 * The eligible mailbox with room under its cap (caps.h) and the fewest
 * sends today wins; ties go to the least recently used (a mailbox given a
 * message by this plan or run counts as used after every real send, the
 * earlier given first), then to roster order (array order).
 */
#ifndef MAILROTA_DISPATCH_H
#define MAILROTA_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No mailbox can take the message. */
#define DISPATCH_NONE SIZE_MAX

struct dispatch_mailbox {
    bool eligible;      /* may send now (cold-ready; in a run: still live) */
    int cap;            /* effective daily cap (caps_effective) */
    long long load;     /* sends today counting against the cap, plus the
                           messages given to it and not yet freed */
    int64_t last_used;  /* time of its latest real send, 0 if never */
    size_t seq;         /* 0: given nothing yet; else the order of the
                           latest message given (dispatch_give) */
};

/* The index of the mailbox that takes the next message, or
 * DISPATCH_NONE when none is eligible with room. */
size_t dispatch_pick(const struct dispatch_mailbox *mbs, size_t n);

/* Mailbox m is given a message: its load and recency; *seq counts the
 * messages given (the caller's, starting at 0). */
void dispatch_give(struct dispatch_mailbox *m, size_t *seq);

#endif
