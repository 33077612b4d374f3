/* report_print.c - `report` as text tables or one JSON object (see
 * report_view.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncerate.h"
#include "report_view.h"
#include "table.h"
#include "util.h"

#include "banned.h"

static struct bouncerate_rule rule_of(const struct config *cfg)
{
    struct bouncerate_rule r = {
        cfg->rules.bounce_window, cfg->rules.bounce_min_sends,
        cfg->rules.max_bounce_rate,
    };
    return r;
}

static double rate(int bounced, int n)
{
    return n > 0 ? (double)bounced / n : 0.0;
}

/* "cooldown=3 company_limit=1", planned now first as "due=N". */
static void reasons_text(const int *w, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (int r = 0; r < FC_REASONS && len < cap; r++) {
        if (w[r] == 0)
            continue;
        len += (size_t)snprintf(out + len, cap - len, "%s%s=%d",
                                len ? " " : "",
                                r ? sched_reason_str((enum sched_reason)r)
                                  : "due",
                                w[r]);
    }
}

static const struct fc_campaign_result *fc_of(const struct report_view *v,
                                              size_t i)
{
    return v->fc_of[i] == (size_t)-1 ? NULL : &v->fc.camp[v->fc_of[i]];
}

static void text_days(const struct report_view *v, FILE *out)
{
    static const char *const hdr[] = {
        "MAILBOX", "DAY", "SENT", "BOUNCED", "DEFERRED", "REPLIES", "CAP",
    };
    struct table t;

    table_init(&t, 7, hdr);
    for (size_t i = 0; i < v->fig.n_mb; i++)
        for (int k = 0; k < v->fig.n_days; k++) {
            const struct rep_day *d = &v->fig.mb[i].days[k];
            char n[5][16];
            const char *cell[7] = { v->fig.mb[i].email, d->day, n[0], n[1],
                                    n[2], n[3], n[4] };

            snprintf(n[0], sizeof(n[0]), "%d", d->sent);
            snprintf(n[1], sizeof(n[1]), "%d", d->bounced);
            snprintf(n[2], sizeof(n[2]), "%d", d->deferred);
            snprintf(n[3], sizeof(n[3]), "%d", d->replies);
            snprintf(n[4], sizeof(n[4]), "%d", d->cap);
            table_add(&t, cell);
        }
    table_print(&t, out);
    table_release(&t);
}

static void text_bounces(const struct report_view *v,
                         const struct config *cfg, FILE *out)
{
    static const char *const hdr[] = {
        "MAILBOX", "STATUS", "MESSAGES", "BOUNCED", "RATE", "MAX RATE",
        "OVER",
    };
    struct bouncerate_rule br = rule_of(cfg);
    struct table t;

    table_init(&t, 7, hdr);
    for (size_t i = 0; i < v->fig.n_mb; i++) {
        const struct rep_mailbox *m = &v->fig.mb[i];
        char n[4][24];
        const char *cell[7] = { m->email, m->status, n[0], n[1], n[2], n[3],
                                bouncerate_exceeded(&br, m->window_n,
                                                    m->window_bounced)
                                    ? "yes" : "no" };

        snprintf(n[0], sizeof(n[0]), "%d", m->window_n);
        snprintf(n[1], sizeof(n[1]), "%d", m->window_bounced);
        snprintf(n[2], sizeof(n[2]), "%.1f%%",
                 100.0 * rate(m->window_bounced, m->window_n));
        snprintf(n[3], sizeof(n[3]), "%.1f%%", 100.0 * br.max_rate);
        table_add(&t, cell);
    }
    table_print(&t, out);
    table_release(&t);
}

static void text_funnel(const struct report_view *v, FILE *out)
{
    static const char *const hdr[] = {
        "CAMPAIGN", "STEP", "ENROLLED", "SENT", "BOUNCED", "REPLIED",
        "UNSUBSCRIBED", "WAITING",
    };
    struct table t;

    table_init(&t, 8, hdr);
    for (size_t i = 0; i < v->fig.n_camp; i++) {
        const struct rep_campaign *c = &v->fig.camp[i];

        for (int k = 1; k <= c->n_steps; k++) {
            const struct rep_step *s = &c->steps[k];
            char n[6][16], w[512];
            const char *cell[8] = { c->name, n[0], n[1], n[2], n[3], n[4],
                                    n[5], w };

            snprintf(n[0], sizeof(n[0]), "%d", k);
            snprintf(n[1], sizeof(n[1]), "%d", c->enrolled);
            snprintf(n[2], sizeof(n[2]), "%d", s->sent);
            snprintf(n[3], sizeof(n[3]), "%d", s->bounced);
            snprintf(n[4], sizeof(n[4]), "%d", s->replied);
            snprintf(n[5], sizeof(n[5]), "%d", s->unsubscribed);
            reasons_text(report_waiting(v, i, k), w, sizeof(w));
            if (!w[0])
                cell[7] = NULL;
            table_add(&t, cell);
        }
    }
    table_print(&t, out);
    table_release(&t);
}

/* The forecast's completion: a date, "never" or "nothing to send". */
static void done_text(const struct fc_campaign_result *r, char out[24])
{
    if (!r || r->done_day == -2)
        snprintf(out, 24, "nothing to send");
    else if (r->done_day == -1)
        snprintf(out, 24, "not within horizon");
    else
        report_day_str(r->done_day, out);
}

static void text_forecast(const struct report_view *v, FILE *out)
{
    static const char *const hdr[] = {
        "CAMPAIGN", "ENROLLED", "COMPLETES", "DONE", "WAITING AT HORIZON",
        "NEVER REACHED",
    };
    struct table t;

    table_init(&t, 6, hdr);
    for (size_t i = 0; i < v->fig.n_camp; i++) {
        const struct fc_campaign_result *r = fc_of(v, i);
        char n[3][16], when[24], never[512];
        const char *cell[6] = { v->fig.camp[i].name, n[0], when, n[1], n[2],
                                never };

        done_text(r, when);
        snprintf(n[0], sizeof(n[0]), "%d", v->fig.camp[i].enrolled);
        snprintf(n[1], sizeof(n[1]), "%d", r ? r->done : 0);
        snprintf(n[2], sizeof(n[2]), "%d", r ? r->waiting : 0);
        never[0] = '\0';
        if (r)
            reasons_text(r->never, never, sizeof(never));
        if (!never[0])
            cell[5] = NULL;
        table_add(&t, cell);
    }
    table_print(&t, out);
    table_release(&t);
}

void report_print_text(const struct report_view *v, const struct config *cfg,
                       FILE *out)
{
    fprintf(out, "Mailboxes, last %d days\n", v->fig.n_days);
    text_days(v, out);
    fputs("\nBounce rate (last messages of each mailbox)\n", out);
    text_bounces(v, cfg, out);
    fputs("\nCampaigns by step (waiting: the plan now)\n", out);
    text_funnel(v, out);
    fprintf(out, "\nForecast (horizon %d days)\n", v->horizon_days);
    text_forecast(v, out);
}
