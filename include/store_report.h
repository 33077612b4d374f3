/*
 * store_report.h - the figures of `report` (SPEC "Report") out of the
 * database: per mailbox and local day sent, bounced, deferred, replies and
 * the effective cap (caps.h); per mailbox its bounce-rate window
 * (store_bouncerate.h); per campaign and step the funnel; and each
 * mailbox's cap inputs at now for the forecast.  Not pure.
 *
 * Counting: sent = sends of the day (sends.day) or step that went out
 * (status sent or bounced); bounced = status bounced; deferred = status
 * deferred; replies = inbound `reply` matched to a send of the mailbox,
 * by the local day it was received; replied / unsubscribed per step =
 * sends of that step with a matched inbound `reply` / `unsubscribe`.
 */
#ifndef MAILROTA_STORE_REPORT_H
#define MAILROTA_STORE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "config.h"
#include "db.h"
#include "err.h"

struct rep_day {
    char day[11];
    int sent, bounced, deferred, replies, cap;
};

struct rep_mailbox {
    long long id;
    char *email;
    char *status;
    struct caps_mailbox caps_now;   /* caps.h inputs on today */
    int window_n, window_bounced;   /* bounce-rate window */
    struct rep_day *days;           /* oldest first, n_days of them */
};

struct rep_step {
    int sent, bounced, replied, unsubscribed;
};

struct rep_campaign {
    long long id;
    char *name;
    char *status;
    int enrolled;
    int n_steps;
    struct rep_step *steps;         /* [k] for step k in 1..n_steps */
};

struct report {
    int n_days;
    struct rep_mailbox *mb;         /* by id, as the roster */
    size_t n_mb;
    struct rep_campaign *camp;      /* by id */
    size_t n_camp;
};

/* Loads the last `days` local days up to now's (cfg->timezone).
 * Errors: ERR_DB, ERR_CONFIG (the zone). */
int store_report_load(struct db *db, const struct config *cfg, int64_t now,
                      int days, struct report *r, struct errinfo *ei);
void store_report_release(struct report *r);

#endif
