/* caps.c - the effective daily cap (see caps.h).  Pure. */
#include "caps.h"

#include "banned.h"

int caps_effective(const struct caps_mailbox *m, int default_cap)
{
    int cap = m->own_cap != CAPS_NONE ? m->own_cap : default_cap;

    if (cap < 0)
        cap = 0;
    if (m->ramp_start > 0) {
        long long r = (long long)m->ramp_start +
                      (long long)m->ramp_step * m->sending_days;

        if (r < cap)
            cap = r > 0 ? (int)r : 0;
    }
    /* Full for the rest of the day: no more than it has already sent. */
    if (m->quota_full && m->counted < cap)
        cap = m->counted > 0 ? m->counted : 0;
    return cap;
}

int caps_remaining(int cap, int used)
{
    return cap > used ? cap - used : 0;
}

/* A decimal number from p up to a byte of `stop`, at most max. */
static bool number(const char **p, char stop, int max, int *out)
{
    long long v = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (*s - '0');
        if (v > max)
            return false;
    }
    if (*s != stop)
        return false;
    *out = (int)v;
    *p = s;
    return true;
}

bool caps_ramp_parse(const char *s, int max, int *start, int *step)
{
    int a, b;

    if (!s || !number(&s, ':', max, &a) || a < 1)
        return false;
    s++;
    if (!number(&s, '\0', max, &b))
        return false;
    *start = a;
    *step = b;
    return true;
}
