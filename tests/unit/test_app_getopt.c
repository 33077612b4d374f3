/*
 * app_getopt: a command's options and the global ones after the command
 * (SPEC: `mailrota run -q`); an option of the command's own wins.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "harness.h"
#include "log.h"
#include "util.h"

static const struct option run_opts[] = {
    { "dry-run", no_argument, NULL, 'n' },
    { "max", required_argument, NULL, 'm' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};
static const struct option plan_opts[] = {
    { "max", required_argument, NULL, 'm' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};
static const struct option import_opts[] = {
    { "campaign", required_argument, NULL, 'C' },
    { "dry-run", no_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

enum { RUN, PLAN, IMPORT };
static const struct {
    const char *shortopts;
    const struct option *longopts;
} commands[] = {
    [RUN] = { ":nh", run_opts },
    [PLAN] = { ":vh", plan_opts },
    [IMPORT] = { ":nh", import_opts },
};

#define W LOG_LEVEL_WARN
static const struct {
    int cmd;
    const char *args;     /* after the command name, split on spaces */
    int globals;          /* app_accept_globals was called */
    const char *seen;     /* what the command sees, in order; '?' an error */
    const char *config, *db, *last_arg;
    int quiet, level;
    const char *err;      /* in ei.msg */
} cases[] = {
    { RUN, "-q", 1, "", NULL, NULL, NULL, 1, LOG_LEVEL_ERROR, NULL },
    { RUN, "--quiet --dry-run", 1, "n", NULL, NULL, NULL, 1,
      LOG_LEVEL_ERROR, NULL },
    { RUN, "-n -vv", 1, "n", NULL, NULL, NULL, 0, W + 2, NULL },
    { RUN, "--db x.db --max 3", 1, "m", NULL, "x.db", "3", 0, W, NULL },
    { RUN, "--max=3 -c cfg.yaml", 1, "m", "cfg.yaml", NULL, "3", 0, W,
      NULL },
    { RUN, "--config=cfg.yaml --db=d.db", 1, "", "cfg.yaml", "d.db", NULL, 0,
      W, NULL },
    { RUN, "-ncc.yaml", 1, "n", "c.yaml", NULL, NULL, 0, W, NULL },
    { RUN, "--conf c.yaml", 1, "", "c.yaml", NULL, NULL, 0, W, NULL },
    /* plan has its own -v and --verbose: the command sees them. */
    { PLAN, "-v", 1, "v", NULL, NULL, NULL, 0, W, NULL },
    { PLAN, "--verbose -q", 1, "v", NULL, NULL, NULL, 1, LOG_LEVEL_ERROR,
      NULL },
    /* import's --campaign (val 'C') is not -c. */
    { IMPORT, "--campaign X -c cfg", 1, "C", "cfg", NULL, "X", 0, W, NULL },
    { IMPORT, "--campaign -c", 1, "C", NULL, NULL, "-c", 0, W, NULL },
    /* Errors name the option. */
    { RUN, "-c", 1, "?", NULL, NULL, NULL, 0, W, "'-c' needs a value" },
    { RUN, "--db", 1, "?", NULL, NULL, NULL, 0, W, "'--db' needs a value" },
    { RUN, "-x", 1, "?", NULL, NULL, NULL, 0, W, "unknown option '-x'" },
    { RUN, "--campaign X", 1, "?", NULL, NULL, NULL, 0, W,
      "unknown option '--campaign'" },
    { RUN, "-V", 1, "?", NULL, NULL, NULL, 0, W, "unknown option '-V'" },
    /* Without app_accept_globals, only the command's options. */
    { RUN, "-q", 0, "?", NULL, NULL, NULL, 0, W, "unknown option '-q'" },
    { RUN, "--db x", 0, "?", NULL, NULL, NULL, 0, W,
      "unknown option '--db'" },
};

static void test_app_getopt(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *copy = xstrdup(cases[i].args), *argv[16], *save = NULL;
        char name[] = "cmd";
        struct app app = { .log_level = W };
        struct errinfo ei = { ERR_OK, "" };
        char seen[16] = "";
        const char *last = NULL;
        size_t k = 0;
        int argc = 0, c;

        argv[argc++] = name;
        for (char *w = strtok_r(copy, " ", &save); w && argc < 15;
             w = strtok_r(NULL, " ", &save))
            argv[argc++] = w;
        argv[argc] = NULL;
        app_accept_globals(cases[i].globals ? &app : NULL);
        optind = 0;
        while (k < sizeof(seen) - 1 &&
               (c = app_getopt(argc, argv, "cmd", commands[cases[i].cmd]
                               .shortopts, commands[cases[i].cmd].longopts,
                               "usage", &ei)) != -1) {
            seen[k++] = (char)c;
            if (c == '?')
                break;
            if (optarg)
                last = optarg;
        }
        printf("# %s\n", cases[i].args);
        T_STR(seen, cases[i].seen);
        T_STR(app.config_opt, cases[i].config);
        T_STR(app.db_opt, cases[i].db);
        T_STR(last, cases[i].last_arg);
        T_INT(app.quiet, cases[i].quiet);
        T_INT(app.log_level, cases[i].level);
        if (cases[i].err)
            T_OK(strstr(ei.msg, cases[i].err) != NULL);
        else
            T_STR(ei.msg, "");
        free(copy);
    }
    app_accept_globals(NULL);
}

int main(void)
{
    T_RUN(test_app_getopt);
    return t_done();
}
