/* caps.c - the effective daily cap (see caps.h).  Pure. */
#include "caps.h"

#include "banned.h"

int caps_effective(const struct caps_mailbox *m, int default_cap)
{
    int cap = m->own_cap != CAPS_NONE ? m->own_cap : default_cap;

    if (cap < 0)
        cap = 0;
    /* Full for the rest of the day: no more than it has already sent. */
    if (m->quota_full && m->counted < cap)
        cap = m->counted > 0 ? m->counted : 0;
    return cap;
}

int caps_remaining(int cap, int used)
{
    return cap > used ? cap - used : 0;
}
