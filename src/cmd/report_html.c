/* report_html.c - `report --html FILE`: the same report_view as the text
 * and JSON forms, as one self-contained HTML5 file (inline CSS and SVG,
 * no script, no network), each chart with a table fallback.  Every value
 * from the database is escaped (html_esc).  Written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_view.h"
#include "util.h"

#include "banned.h"

#define W 800
#define H 200
#define H_MB 90     /* a mailbox's day chart: one per mailbox, kept short */

/* Escapes & < > " ' for text and attribute values. */
static void html_esc(FILE *o, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        case '\'': fputs("&#39;", o); break;
        default: fputc(*s, o);
        }
    }
}

static void svg_open_wh(FILE *o, const char *title, const char *desc, int w,
                        int h)
{
    fprintf(o, "<svg viewBox=\"0 0 %d %d\" role=\"img\" "
            "xmlns=\"http://www.w3.org/2000/svg\"><title>", w, h + 30);
    html_esc(o, title);
    fputs("</title><desc>", o);
    html_esc(o, desc);
    fputs("</desc>\n", o);
}

/* A round step (1, 2 or 5 times a power of ten) giving at most 5 ticks
 * up to mx. */
static double tick_step(double mx)
{
    double p = 1;

    while (p * 10 <= mx / 5)
        p *= 10;
    while (p > 1 && p >= mx)
        p /= 10;
    if (mx / p <= 5)
        return p;
    if (mx / (2 * p) <= 5)
        return 2 * p;
    if (mx / (5 * p) <= 5)
        return 5 * p;
    return 10 * p;
}

/* Y-axis ticks of a chart of height h scaled to mx, plotted from x0 to
 * x1: grid lines at round values, their labels right-aligned left of x0. */
static void y_ticks(FILE *o, double mx, int h, double x0, double x1)
{
    double st = tick_step(mx);

    for (double v = 0; v <= mx + 1e-9; v += st) {
        double y = h - h * v / mx;

        fprintf(o, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" "
                "y1=\"%.1f\" y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" "
                "y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.0f"
                "</text>\n", x0, x1, y, y, x0 - 3, y + 3 < 10 ? 10 : y + 3, v);
    }
}

static void svg_open(FILE *o, const char *title, const char *desc)
{
    svg_open_wh(o, title, desc, W, H);
}

static void bar(FILE *o, double x, double y, double w, double h,
                const char *cls)
{
    fprintf(o, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
            "height=\"%.1f\"/>\n", cls, x, y, w, h);
}

static int mb_max(const struct rep_mailbox *m, int n)
{
    int mx = 1;

    for (int k = 0; k < n; k++) {
        int t = m->days[k].sent + m->days[k].deferred;
        if (t > mx) mx = t;
        if (m->days[k].cap > mx) mx = m->days[k].cap;
    }
    return mx;
}

#define X0 30        /* left of the plot: the y-axis tick labels */
#define W_SMALL 400 /* a mailbox's chart in the grid of many (> GRID_AT) */
#define GRID_AT 4

/* One day's stacked bars at x, scaled to mx; its date when `label`, its
 * figures when `figures`. */
static void day_bars(FILE *o, const struct rep_day *d, double x, double bw,
                     double mx, int label, int figures)
{
    double s = H_MB * d->sent / mx, b = H_MB * d->bounced / mx,
           df = H_MB * d->deferred / mx, cy = H_MB - H_MB * d->cap / mx;

    bar(o, x, H_MB - s, bw - 4, s - b, "sent");
    bar(o, x, H_MB - b, bw - 4, b, "bounced");
    bar(o, x, H_MB - s - df, bw - 4, df, "deferred");
    fprintf(o, "<line class=\"cap\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
            "y2=\"%.1f\"/>\n", x, x + bw - 4, cy, cy);
    if (label)
        fprintf(o, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\">%.5s"
                "</text>\n", x, H_MB + 14, d->day + 5);
    if (figures && (d->sent || d->deferred))
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">"
                "%d/%d/%d</text>\n", x, H_MB - s - df - 3 > 10
                                          ? H_MB - s - df - 3 : 10.0,
                d->sent, d->bounced, d->deferred);
}

/* Stacked bars sent (incl. bounced) / bounced / deferred, cap as a line,
 * y-axis ticks with grid lines; w the chart's width (W, or W_SMALL in the
 * grid of many mailboxes: dates thinned out, no figures on the bars). */
static void chart_mailbox(FILE *o, const struct rep_mailbox *m, int n, int w)
{
    double bw = (double)(w - X0 - 4) / (n > 0 ? n : 1), mx = mb_max(m, n);
    int every = bw >= 34 ? 1 : (int)(34 / bw) + 1;

    svg_open_wh(o, m->email, "Stacked bars per local day: sent (dark), "
                "of which bounced (red), deferred (light); the dashed line "
                "is the effective cap; the y axis counts messages. Numbers "
                "in the table below.", w, H_MB);
    y_ticks(o, mx, H_MB, X0, w);
    for (int k = 0; k < n; k++)
        day_bars(o, &m->days[k], X0 + k * bw + 2, bw, mx,
                 (n - 1 - k) % every == 0, w == W);
    fputs("</svg>\n", o);
}

static void table_mailbox(FILE *o, const struct rep_mailbox *m, int n)
{
    fputs("<details><summary>Table</summary><table><tr><th>day</th>"
          "<th>sent</th><th>bounced</th><th>deferred</th><th>replies</th>"
          "<th>cap</th></tr>\n", o);
    for (int k = 0; k < n; k++) {
        const struct rep_day *d = &m->days[k];

        fprintf(o, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%d</td>"
                "<td>%d</td><td>%d</td></tr>\n", d->day, d->sent, d->bounced,
                d->deferred, d->replies, d->cap);
    }
    fputs("</table></details>\n", o);
}

/* One chart per mailbox; with more than GRID_AT of them, compact charts
 * in a grid (small multiples), each with its table. */
static void section_mailboxes(FILE *o, const struct report_view *v)
{
    int many = v->fig.n_mb > GRID_AT;

    fputs("<h2>Per mailbox and day</h2>\n", o);
    if (many)
        fputs("<div class=\"mbgrid\">\n", o);
    for (size_t i = 0; i < v->fig.n_mb; i++) {
        fputs(many ? "<section class=\"cell\"><h3 class=\"mb\">"
                   : "<h3 class=\"mb\">", o);
        html_esc(o, v->fig.mb[i].email);
        fputs(" (", o);
        html_esc(o, v->fig.mb[i].status);
        fputs(")</h3>\n", o);
        chart_mailbox(o, &v->fig.mb[i], v->fig.n_days, many ? W_SMALL : W);
        table_mailbox(o, &v->fig.mb[i], v->fig.n_days);
        if (many)
            fputs("</section>\n", o);
    }
    if (many)
        fputs("</div>\n", o);
}

static double rate_of(const struct rep_mailbox *m)
{
    return m->window_n ? (double)m->window_bounced / m->window_n : 0.0;
}

static void section_bounce(FILE *o, const struct report_view *v,
                           const struct config *cfg)
{
    double mx = cfg->rules.max_bounce_rate * 2, bh;
    size_t n = v->fig.n_mb ? v->fig.n_mb : 1;
    int h = n * 18 > H ? (int)n * 18 : H;   /* a row of 18 or more */

    for (size_t i = 0; i < v->fig.n_mb; i++)
        if (rate_of(&v->fig.mb[i]) > mx) mx = rate_of(&v->fig.mb[i]);
    if (mx <= 0) mx = 1;
    bh = (double)h / n;
    fputs("<h2>Bounce rate per mailbox</h2>\n", o);
    svg_open_wh(o, "Bounce rate per mailbox", "One bar per mailbox, its "
             "bounce rate over the window; the dashed line is "
             "rules.max_bounce_rate. Numbers in the table below.", W, h);
    for (size_t i = 0; i < v->fig.n_mb; i++) {
        bar(o, 200, i * bh + 2, (W - 220) * rate_of(&v->fig.mb[i]) / mx,
            bh - 4, "bounced");
        fprintf(o, "<text x=\"0\" y=\"%.1f\" font-size=\"12\">", i * bh +
                bh / 2 + 4);
        html_esc(o, v->fig.mb[i].email);
        fputs("</text>\n", o);
    }
    fprintf(o, "<line class=\"cap\" x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" "
            "y2=\"%d\"/><text x=\"%.1f\" y=\"%d\" font-size=\"11\">max "
            "%.2f%%</text></svg>\n", 200 + (W - 220) *
            cfg->rules.max_bounce_rate / mx, 200 + (W - 220) *
            cfg->rules.max_bounce_rate / mx, h, 200 + (W - 220) *
            cfg->rules.max_bounce_rate / mx, h + 14,
            cfg->rules.max_bounce_rate * 100);
    fputs("<details><summary>Table</summary><table><tr><th>mailbox</th>"
          "<th>messages</th><th>bounced</th><th>rate</th><th>max_rate</th>"
          "</tr>\n", o);
    for (size_t i = 0; i < v->fig.n_mb; i++) {
        fputs("<tr><td class=\"mb\">", o);
        html_esc(o, v->fig.mb[i].email);
        fprintf(o, "</td><td>%d</td><td>%d</td><td>%.4f</td><td>%.4f</td>"
                "</tr>\n", v->fig.mb[i].window_n, v->fig.mb[i].window_bounced,
                rate_of(&v->fig.mb[i]), cfg->rules.max_bounce_rate);
    }
    fputs("</table></details>\n", o);
}

static int step_waiting(const struct report_view *v, size_t i, int k)
{
    const int *w = report_waiting(v, i, k);
    int t = 0;

    for (int r = 0; r < FC_REASONS; r++)
        t += w[r];
    return t;
}

static void funnel_chart(FILE *o, const struct report_view *v, size_t i)
{
    const struct rep_campaign *c = &v->fig.camp[i];
    double mx = c->enrolled > 0 ? c->enrolled : 1, y = 0;
    double bh = (double)H / (1 + 5 * (c->n_steps > 0 ? c->n_steps : 1));

    svg_open(o, c->name, "Funnel: enrolled, then per step sent, bounced, "
             "replied, unsubscribed, waiting, as bars with their labels. "
             "Numbers in the table below.");
    bar(o, 200, y + 1, (W - 260) * c->enrolled / mx, bh - 2, "sent");
    fprintf(o, "<text x=\"0\" y=\"%.1f\" font-size=\"10\">enrolled %d</text>\n",
            y + bh - 2, c->enrolled);
    for (int k = 1; k <= c->n_steps; k++) {
        const struct rep_step *s = &c->steps[k];
        int val[5] = { s->sent, s->bounced, s->replied, s->unsubscribed,
                       step_waiting(v, i, k) };
        static const char *const nm[5] = { "sent", "bounced", "replied",
                                           "unsubscribed", "waiting" };

        for (int j = 0; j < 5; j++) {
            y += bh;
            bar(o, 200, y + 1, (W - 260) * val[j] / mx, bh - 2,
                j == 1 ? "bounced" : j == 4 ? "deferred" : "sent");
            fprintf(o, "<text x=\"0\" y=\"%.1f\" font-size=\"10\">step %d "
                    "%s %d</text>\n", y + bh - 2, k, nm[j], val[j]);
        }
    }
    fputs("</svg>\n", o);
}

static void funnel_table(FILE *o, const struct report_view *v, size_t i)
{
    const struct rep_campaign *c = &v->fig.camp[i];

    fprintf(o, "<details><summary>Table</summary><table><tr><th>step</th>"
            "<th>enrolled</th><th>sent</th><th>bounced</th><th>replied</th>"
            "<th>unsubscribed</th><th>waiting</th></tr>\n");
    for (int k = 1; k <= c->n_steps; k++)
        fprintf(o, "<tr><td>%d</td><td>%d</td><td>%d</td><td>%d</td>"
                "<td>%d</td><td>%d</td><td>%d</td></tr>\n", k, c->enrolled,
                c->steps[k].sent, c->steps[k].bounced, c->steps[k].replied,
                c->steps[k].unsubscribed, step_waiting(v, i, k));
    fputs("</table></details>\n", o);
}

/* Remaining per local day (its last run) of runplan campaign j. */
static void forecast_chart(FILE *o, const struct report_view *v, size_t i)
{
    size_t j = v->fc_of[i];
    const struct fc_result *fc = &v->fc;
    double mx = v->fig.camp[i].enrolled > 0 ? v->fig.camp[i].enrolled : 1;
    double dx = fc->n_runs > 1 ? (double)(W - X0) / (double)fc->n_runs
                               : W - X0;

    svg_open(o, "Forecast", "Contacts remaining by date (line); the y "
             "axis counts contacts. Numbers in the table below.");
    y_ticks(o, mx, H, X0, W);
    fputs("<polyline class=\"fc\" points=\"", o);
    for (size_t k = 0; k < fc->n_runs; k++)
        fprintf(o, "%.1f,%.1f ", X0 + k * dx,
                H - H * fc->runs[k].remaining[j] / mx);
    fputs("\"/></svg>\n<details><summary>Table</summary><table><tr>"
          "<th>date</th><th>remaining</th></tr>\n", o);
    for (size_t k = 0; k < fc->n_runs; k++) {
        char day[11];

        if (k + 1 < fc->n_runs && fc->runs[k + 1].day == fc->runs[k].day)
            continue;
        report_day_str(fc->runs[k].day, day);
        fprintf(o, "<tr><td>%s</td><td>%d</td></tr>\n", day,
                fc->runs[k].remaining[j]);
    }
    fputs("</table></details>\n", o);
}

static void section_campaigns(FILE *o, const struct report_view *v)
{
    for (size_t i = 0; i < v->fig.n_camp; i++) {
        fputs("<h2>Campaign ", o);
        html_esc(o, v->fig.camp[i].name);
        fputs("</h2>\n<h3>Funnel</h3>\n", o);
        funnel_chart(o, v, i);
        funnel_table(o, v, i);
        fputs("<h3>Forecast</h3>\n", o);
        if (v->fc_of[i] != (size_t)-1)
            forecast_chart(o, v, i);
        else
            fputs("<p>No forecast (not active).</p>\n", o);
    }
}

static const char css[] =
    "body{font-family:sans-serif;margin:0;color:#111;background:#fff}"
    "main{max-width:1100px;margin:0 auto;padding:0 16px}"
    "svg{width:100%;height:auto;display:block}"
    ".mb{overflow-wrap:anywhere}"
    "table{border-collapse:collapse}td,th{border:1px solid #888;"
    "padding:2px 6px;text-align:right}"
    ".sent{fill:#1f4e79}.bounced{fill:#c00000}.deferred{fill:#9dc3e6}"
    ".cap{stroke:#000;stroke-width:2;stroke-dasharray:6 3}"
    ".fc{fill:none;stroke:#1f4e79;stroke-width:2}"
    ".grid{stroke:#ccc;stroke-width:1}.tick{fill:#444}"
    ".mbgrid{display:grid;gap:8px 16px;"
    "grid-template-columns:repeat(auto-fill,minmax(320px,1fr))}"
    ".cell{min-width:0}.cell h3{font-size:0.9em;margin:8px 0 2px}";

void report_print_html(const struct report_view *v, const struct config *cfg,
                       FILE *o)
{
    fprintf(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
            "charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
            "device-width\"><title>mailrota report</title><style>%s"
            "</style></head><body><main>\n<h1>mailrota report</h1>\n"
            "<p>Legend: dark bars sent, red bounced, light deferred, dashed "
            "line cap or threshold.</p>\n", css);
    section_mailboxes(o, v);
    section_bounce(o, v, cfg);
    section_campaigns(o, v);
    fputs("</main></body></html>\n", o);
}

int report_write_html(const struct report_view *v, const struct config *cfg,
                      const char *path, struct errinfo *ei)
{
    size_t n = strlen(path) + 16;
    char *tmp = xcalloc(n, 1);
    FILE *o;
    int bad;

    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0 || !(o = fdopen(fd, "w"))) {
        int e = errno;
        if (fd >= 0) { close(fd); unlink(tmp); }
        free(tmp);
        return err_set(ei, ERR_CANTCREAT, "report: cannot create '%s': %s; "
                       "choose a writable directory", path, strerror(e));
    }
    {
        mode_t um = umask(022);

        umask(um);
        (void)fchmod(fd, 0666 & ~um);   /* mkstemp makes it 0600 */
    }
    report_print_html(v, cfg, o);
    bad = ferror(o) | fclose(o);
    if (bad || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return err_set(ei, ERR_CANTCREAT, "report: cannot write '%s': %s",
                       path, strerror(e));
    }
    free(tmp);
    return 0;
}
