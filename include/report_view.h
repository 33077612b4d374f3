/*
 * report_view.h - what `report` shows (SPEC "Report"), gathered by
 * cmd_report.c: the figures (store_report.h), the plan at now for the
 * waiting reasons (runplan.h) and the forecast (forecast.h); printed as
 * text tables or JSON by report_print.c.  Not pure.
 */
#ifndef MAILROTA_REPORT_VIEW_H
#define MAILROTA_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "forecast.h"
#include "runplan.h"
#include "store_report.h"

struct report_view {
    struct report fig;
    struct runplan rp;
    /* Per fig.camp[i], step k (1..n_steps): waiting contacts by reason
     * (sched_reason; [0]: planned now), FC_REASONS ints each, at
     * waiting + wait_off[i] + k * FC_REASONS. */
    int *waiting;
    size_t *wait_off;
    struct fc_result fc;
    size_t *fc_of;         /* per fig.camp: index into rp.camp, or -1 */
    int horizon_days;
    int64_t now;
    double forecast_ms;    /* how long the forecast took */
};

/* Waiting counts of campaign i (fig), step k. */
const int *report_waiting(const struct report_view *v, size_t i, int k);

/* "YYYY-MM-DD" of a local day number (days since 1970-01-01). */
void report_day_str(long long day, char out[11]);

void report_print_text(const struct report_view *v, const struct config *cfg,
                       FILE *out);
void report_print_json(const struct report_view *v, const struct config *cfg,
                       FILE *out);

void report_print_html(const struct report_view *v,
                       const struct config *cfg, FILE *out);
/* Writes the HTML atomically to path.  Errors: ERR_CANTCREAT. */
int report_write_html(const struct report_view *v, const struct config *cfg,
                      const char *path, struct errinfo *ei);

#endif
