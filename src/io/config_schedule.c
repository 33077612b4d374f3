/*
 * config_schedule.c - the values of the schedule: section (SPEC "Schedule
 * and ramp-up"): days, start and end times, the zone mode; and the rule
 * across them.  The window arithmetic is core/window.c.
 */
#include "config.h"

#include <string.h>

#include "config_int.h"
#include "window.h"

#include "banned.h"

/* The error for an item of schedule.days that is not a day. */
static int bad_day(struct load_ctx *lc, const struct key_def *k, int line,
                   const yaml_node_t *n, struct errinfo *ei)
{
    char shown[SHOW_MAX + 4];

    if (!n)
        return cfg_kerr(lc, line, k->name, ei, "expected a day mon, tue, "
                        "wed, thu, fri, sat or sun, got nothing");
    if (n->type != YAML_SCALAR_NODE)
        return cfg_kerr(lc, cfg_node_line(n), k->name, ei, "expected a day "
                        "mon, tue, wed, thu, fri, sat or sun, got %s",
                        cfg_node_what(n));
    cfg_show((const char *)n->data.scalar.value, n->data.scalar.length,
             shown);
    return cfg_kerr(lc, cfg_node_line(n), k->name, ei, "expected a day mon, "
                    "tue, wed, thu, fri, sat or sun, got '%s'", shown);
}

static int set_days(struct load_ctx *lc, const struct key_def *k, int line,
                    const yaml_node_t *v, struct errinfo *ei)
{
    unsigned *days = FIELD(lc->c, k->off, unsigned), set = 0;

    if (v->type != YAML_SEQUENCE_NODE)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got %s",
                        cfg_expect[K_WEEKDAYS], cfg_node_what(v));
    for (yaml_node_item_t *it = v->data.sequence.items.start;
         it < v->data.sequence.items.top; it++) {
        const yaml_node_t *n = yaml_document_get_node(lc->doc, *it);
        int d = -1;

        if (n && n->type == YAML_SCALAR_NODE &&
            strlen((const char *)n->data.scalar.value) ==
                n->data.scalar.length)
            d = window_day_parse((const char *)n->data.scalar.value);
        if (d < 0)
            return bad_day(lc, k, line, n, ei);
        set |= WINDOW_DAY(d);
    }
    *days = set;
    return 0;
}

int cfg_set_schedule(struct load_ctx *lc, const struct key_def *k, int line,
                     const yaml_node_t *v, struct errinfo *ei)
{
    const char *s;
    char shown[SHOW_MAX + 4];
    int m;

    if (k->kind == K_WEEKDAYS)
        return set_days(lc, k, line, v, ei);
    if (v->type != YAML_SCALAR_NODE)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got %s",
                        cfg_expect[k->kind], cfg_node_what(v));
    s = (const char *)v->data.scalar.value;
    cfg_show(s, v->data.scalar.length, shown);
    if (strlen(s) != v->data.scalar.length)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[k->kind], shown);
    if (k->kind == K_ZONEMODE) {
        if (strcmp(s, "sender") != 0 && strcmp(s, "recipient") != 0)
            return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                            cfg_expect[K_ZONEMODE], shown);
        *FIELD(lc->c, k->off, bool) = strcmp(s, "recipient") == 0;
        return 0;
    }
    /* K_HHMM.  YAML 1.1 reads an unquoted 08:30 as a base-60 number: the
     * text is what counts. */
    if ((m = window_time_parse(s)) < 0)
        return cfg_kerr(lc, line, k->name, ei, "expected %s, got '%s'",
                        cfg_expect[K_HHMM], shown);
    *FIELD(lc->c, k->off, int) = m;
    return 0;
}

int cfg_check_schedule(struct load_ctx *lc, struct errinfo *ei)
{
    const struct config_schedule *s = &lc->c->schedule;
    int line;

    if (!s->configured)
        return 0;
    if (s->win.end_min <= s->win.start_min) {
        line = lc->line[cfg_key_index("schedule.end")];
        if (!line)
            line = lc->line[cfg_key_index("schedule.start")];
        return cfg_kerr(lc, line, "schedule.end", ei, "the window must end "
                        "after it starts (start %02d:%02d, end %02d:%02d)",
                        s->win.start_min / 60, s->win.start_min % 60,
                        s->win.end_min / 60, s->win.end_min % 60);
    }
    if (!s->win.days) {
        line = lc->line[cfg_key_index("schedule.days")];
        return cfg_kerr(lc, line, "schedule.days", ei, "no day: nothing "
                        "would ever be sent (list at least one, e.g. "
                        "[mon, tue, wed, thu, fri])");
    }
    return 0;
}
