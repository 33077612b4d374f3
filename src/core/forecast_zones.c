/* forecast_zones.c - the forecast's send windows, one per zone its
 * contacts are planned in, its local days, and which planner reasons are
 * final (see forecast.h).  Pure. */
#include "forecast.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

bool fc_reason_final(enum sched_reason r)
{
    switch (r) {
    case SCHED_CAMPAIGN_PAUSED: case SCHED_CONTACT_STATUS:
    case SCHED_SUPPRESSED: case SCHED_REPLIED: case SCHED_COMPANY_REPLIED:
    case SCHED_PREVIOUS_STEP: case SCHED_SENDER_UNAVAILABLE:
    case SCHED_COMPANY_LIMIT:
        return true;
    default:
        return false;
    }
}

long long fc_local_day(const struct tz *z, int64_t t)
{
    int64_t local = t + tz_offset(z, t);

    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

void fc_zones_init(struct fc_zones *zs, const struct tz *sender)
{
    memset(zs, 0, sizeof(*zs));
    (void)fc_zone_index(zs, sender);
}

size_t fc_zone_index(struct fc_zones *zs, const struct tz *z)
{
    for (size_t i = 0; i < zs->n; i++)
        if (zs->z[i] == z)
            return i;
    zs->z = xrealloc(zs->z, (zs->n + 1) * sizeof(*zs->z));
    zs->at = xrealloc(zs->at, (zs->n + 1) * sizeof(*zs->at));
    zs->z[zs->n] = z;
    memset(&zs->at[zs->n], 0, sizeof(*zs->at));
    return zs->n++;
}

void fc_zones_at(struct fc_zones *zs, const struct window *w, int64_t t)
{
    for (size_t i = 0; i < zs->n; i++)
        window_at(w, zs->z[i], t, &zs->at[i]);
}

/* The first opening of zone z's window after t. */
static int64_t opening_after(const struct window *w, const struct tz *z,
                             int64_t t)
{
    struct window_at a;

    window_at(w, z, t, &a);
    if (!a.open)
        return a.opens;
    if (a.closes == INT64_MAX)
        return INT64_MAX;
    window_at(w, z, a.closes, &a);
    return a.open ? a.closes : a.opens;
}

int64_t fc_zones_next(const struct fc_zones *zs, const struct window *w,
                      int64_t t, bool first)
{
    int64_t next = INT64_MAX;

    for (size_t i = 0; i < zs->n; i++) {
        int64_t o;
        struct window_at a;

        if (first) {
            window_at(w, zs->z[i], t, &a);
            if (a.open)
                return t;
        }
        o = opening_after(w, zs->z[i], t);
        if (o > t && o < next)
            next = o;
    }
    return next;
}

void fc_zones_release(struct fc_zones *zs)
{
    free(zs->z);
    free(zs->at);
    memset(zs, 0, sizeof(*zs));
}
