/*
 * campaign_args.c - the arguments `campaign add`, `campaign set` and
 * `campaign step add` share: NAME, --template PATH, --subject TEXT and
 * (step add) --after-days N, and the template's absolute path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_cmd.h"
#include "util.h"

#include "banned.h"

/* The longest wait a step may ask for. */
#define AFTER_DAYS_MAX 365

static int parse_after(const char *cmd, const char *v, int *out,
                       struct errinfo *ei)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (!*v || *end || n < 0 || n > AFTER_DAYS_MAX)
        return err_set(ei, ERR_USAGE, "%s: --after-days takes a whole "
                       "number of days from 0 to %d, not '%s'", cmd,
                       AFTER_DAYS_MAX, v);
    *out = (int)n;
    return 0;
}

/* The options into a; 1 for --help. */
static int options(const char *cmd, int argc, char **argv, unsigned flags,
                   struct campaign_args *a, struct errinfo *ei)
{
    static const struct option opts[] = {
        { "template", required_argument, NULL, 't' },
        { "subject", required_argument, NULL, 's' },
        { "after-days", required_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = app_getopt(argc, argv, cmd, ":t:s:a:h", opts,
                           campaign_usage, ei)) != -1) {
        switch (c) {
        case -2: return 1;
        case 't': a->tpath = optarg; break;
        case 's': a->subject = optarg; break;
        case 'a':
            if (!(flags & CAMPAIGN_ARGS_AFTER_DAYS))
                return err_set(ei, ERR_USAGE, "%s: unknown option "
                               "'--after-days' (see --help)", cmd);
            if (parse_after(cmd, optarg, &a->after_days, ei) < 0)
                return -1;
            break;
        default: return -1;
        }
    }
    return 0;
}

int campaign_parse(const char *cmd, int argc, char **argv, unsigned flags,
                   struct campaign_args *a, struct errinfo *ei)
{
    int r;

    memset(a, 0, sizeof(*a));
    a->after_days = -1;
    if ((r = options(cmd, argc, argv, flags, a, ei)) != 0)
        return r;
    if (optind >= argc)
        return err_set(ei, ERR_USAGE, "%s: missing NAME", cmd);
    if (optind + 1 < argc)
        return err_set(ei, ERR_USAGE, "%s: unexpected argument '%s'", cmd,
                       argv[optind + 1]);
    a->name = argv[optind];
    if ((flags & CAMPAIGN_ARGS_TEMPLATE) && !a->tpath)
        return err_set(ei, ERR_USAGE, "%s: missing --template PATH (e.g. "
                       "templates/intro.txt)", cmd);
    return a->subject ? campaign_check_subject(cmd, a->subject, ei) : 0;
}

int campaign_abs_template(const char *path, char **abs, struct errinfo *ei)
{
    /* Runs start from cron in another directory: keep an absolute path. */
    *abs = realpath(path, NULL);
    if (!*abs)
        return err_set(ei, ERR_NOINPUT, "template '%s': cannot resolve path",
                       path);
    return 0;
}
