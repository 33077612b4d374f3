/* dispatch.c - the rotation rule (see dispatch.h).  Pure. */
#include "dispatch.h"

#include "banned.h"

/* Whether mailbox a is preferred to mailbox b (b earlier in roster order,
 * so a tie keeps b). */
static bool better(const struct dispatch_mailbox *a,
                   const struct dispatch_mailbox *b)
{
    if (a->load != b->load)
        return a->load < b->load;
    /* given a message here: used after any real send */
    if (a->seq == 0 && b->seq == 0)
        return a->last_used < b->last_used;
    if (a->seq == 0 || b->seq == 0)
        return a->seq == 0;
    return a->seq < b->seq;
}

size_t dispatch_pick(const struct dispatch_mailbox *mbs, size_t n)
{
    size_t best = DISPATCH_NONE;

    for (size_t i = 0; i < n; i++) {
        const struct dispatch_mailbox *m = &mbs[i];

        if (!m->eligible || m->load >= m->cap)
            continue;
        if (best == DISPATCH_NONE || better(m, &mbs[best]))
            best = i;
    }
    return best;
}

void dispatch_give(struct dispatch_mailbox *m, size_t *seq)
{
    m->load++;
    m->seq = ++*seq;
}
