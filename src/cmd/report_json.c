/* report_json.c - `report --json`: the figures as one object (see
 * report_view.h; the keys are in man/mailrota.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncerate.h"
#include "report_view.h"
#include "util.h"

#include "banned.h"

/* {"reason": n, ...} of the non-zero counts; [0] as "due" when due. */
static void json_reasons(struct strbuf *sb, const int *w, bool due)
{
    bool first = true;

    sb_addch(sb, '{');
    for (int r = due ? 0 : 1; r < FC_REASONS; r++) {
        if (w[r] == 0)
            continue;
        sb_adds(sb, first ? "" : ", ");
        first = false;
        sb_add_json_str(sb, r ? sched_reason_str((enum sched_reason)r)
                              : "due");
        sb_addf(sb, ": %d", w[r]);
    }
    sb_addch(sb, '}');
}

static void json_mailbox(struct strbuf *sb, const struct rep_mailbox *m,
                         int n_days, const struct config *cfg)
{
    struct bouncerate_rule br = {
        cfg->rules.bounce_window, cfg->rules.bounce_min_sends,
        cfg->rules.max_bounce_rate,
    };

    sb_adds(sb, "{\"email\": ");
    sb_add_json_str(sb, m->email);
    sb_adds(sb, ", \"status\": ");
    sb_add_json_str(sb, m->status);
    sb_addf(sb, ", \"bounce_rate\": {\"messages\": %d, \"bounced\": %d,"
            " \"rate\": %.4f, \"max_rate\": %.4f, \"window\": %d,"
            " \"min_sends\": %d, \"exceeded\": %s}, \"days\": [",
            m->window_n, m->window_bounced,
            m->window_n ? (double)m->window_bounced / m->window_n : 0.0,
            br.max_rate, br.window, br.min_sends,
            bouncerate_exceeded(&br, m->window_n, m->window_bounced)
                ? "true" : "false");
    for (int k = 0; k < n_days; k++) {
        const struct rep_day *d = &m->days[k];

        sb_adds(sb, k ? ", {\"day\": " : "{\"day\": ");
        sb_add_json_str(sb, d->day);
        sb_addf(sb, ", \"sent\": %d, \"bounced\": %d, \"deferred\": %d,"
                " \"replies\": %d, \"cap\": %d}", d->sent, d->bounced,
                d->deferred, d->replies, d->cap);
    }
    sb_adds(sb, "]}");
}

/* The forecast's runs of campaign j, one entry per local day (its last
 * run's remaining). */
static void json_forecast_days(struct strbuf *sb, const struct fc_result *fc,
                               size_t j)
{
    bool first = true;

    sb_adds(sb, ", \"days\": [");
    for (size_t k = 0; k < fc->n_runs; k++) {
        const struct fc_run *r = &fc->runs[k];
        int sent = r->sent[j];
        char day[11];

        while (k + 1 < fc->n_runs && fc->runs[k + 1].day == r->day)
            sent += fc->runs[++k].sent[j];
        report_day_str(r->day, day);
        sb_adds(sb, first ? "{\"day\": " : ", {\"day\": ");
        first = false;
        sb_add_json_str(sb, day);
        sb_addf(sb, ", \"sent\": %d, \"remaining\": %d}", sent,
                fc->runs[k].remaining[j]);
    }
    sb_addch(sb, ']');
}

static void json_forecast(struct strbuf *sb, const struct report_view *v,
                          size_t i)
{
    size_t j = v->fc_of[i];
    const struct fc_campaign_result *r;
    char day[11];

    if (j == (size_t)-1) {
        sb_adds(sb, "null");
        return;
    }
    r = &v->fc.camp[j];
    sb_adds(sb, "{\"complete_on\": ");
    if (r->done_day >= 0) {
        report_day_str(r->done_day, day);
        sb_add_json_str(sb, day);
    } else {
        sb_adds(sb, "null");
    }
    sb_addf(sb, ", \"complete\": %s, \"done\": %d, \"waiting_at_horizon\": %d,"
            " \"horizon_days\": %d, \"never\": ",
            r->waiting == 0 ? "true" : "false", r->done, r->waiting,
            v->horizon_days);
    json_reasons(sb, r->never, false);
    json_forecast_days(sb, &v->fc, j);
    sb_addch(sb, '}');
}

static void json_campaign(struct strbuf *sb, const struct report_view *v,
                          size_t i)
{
    const struct rep_campaign *c = &v->fig.camp[i];

    sb_adds(sb, "{\"name\": ");
    sb_add_json_str(sb, c->name);
    sb_adds(sb, ", \"status\": ");
    sb_add_json_str(sb, c->status);
    sb_addf(sb, ", \"enrolled\": %d, \"steps\": [", c->enrolled);
    for (int k = 1; k <= c->n_steps; k++) {
        const struct rep_step *s = &c->steps[k];

        sb_addf(sb, "%s{\"step\": %d, \"enrolled\": %d, \"sent\": %d,"
                " \"bounced\": %d, \"replied\": %d, \"unsubscribed\": %d,"
                " \"waiting\": ", k > 1 ? ", " : "", k, c->enrolled,
                s->sent, s->bounced, s->replied, s->unsubscribed);
        json_reasons(sb, report_waiting(v, i, k), true);
        sb_addch(sb, '}');
    }
    sb_adds(sb, "], \"forecast\": ");
    json_forecast(sb, v, i);
    sb_addch(sb, '}');
}

void report_print_json(const struct report_view *v, const struct config *cfg,
                       FILE *out)
{
    struct strbuf sb;
    char now[ISO_TIME_LEN];

    sb_init(&sb, 0);
    time_iso(v->now, now);
    sb_adds(&sb, "{\"generated_at\": ");
    sb_add_json_str(&sb, now);
    sb_addf(&sb, ", \"days\": %d, \"mailboxes\": [", v->fig.n_days);
    for (size_t i = 0; i < v->fig.n_mb; i++) {
        sb_adds(&sb, i ? ",\n  " : "\n  ");
        json_mailbox(&sb, &v->fig.mb[i], v->fig.n_days, cfg);
    }
    sb_adds(&sb, "],\n \"campaigns\": [");
    for (size_t i = 0; i < v->fig.n_camp; i++) {
        sb_adds(&sb, i ? ",\n  " : "\n  ");
        json_campaign(&sb, v, i);
    }
    sb_adds(&sb, "]}\n");
    fputs(sb.buf, out);
    sb_release(&sb);
}
