/*
 * main.c - the command table and global options; maps errors to exit codes.
 * Nothing else lives here: each command is one cmd_*.c file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "app.h"
#include "clock.h"
#include "log.h"

#include "banned.h"

static int cmd_help(struct app *app, int argc, char **argv,
                    struct errinfo *ei);

/*
 * The command table: main dispatches on it and --help lists it, with each
 * group's subcommands from the group's own table.  SPEC's command table is
 * the contract (tests/integration/t_commands.sh).
 */
static const struct command commands[] = {
    { "init", cmd_init, "create the database and key file (idempotent)",
      NULL },
    { "migrate", cmd_migrate, "apply pending database migrations", NULL },
    { "import", cmd_import, NULL, import_subs },
    { "mailbox", cmd_mailbox, NULL, mailbox_subs },
    { "campaign", cmd_campaign, NULL, campaign_subs },
    { "contact", cmd_contact, NULL, contact_subs },
    { "inbox", cmd_inbox, "read bounces, replies and unsubscribes once",
      NULL },
    { "plan", cmd_plan, "what run would send now (sends nothing)", NULL },
    { "run", cmd_run, "the nightly job: plan, send, record", NULL },
    { "report", cmd_report, "how it is going, and when it will be done",
      NULL },
    { "retry", cmd_retry, "make failed sends plannable again", NULL },
    { "status", cmd_status, "per mailbox for a day: sent, cap, remaining",
      NULL },
    { "suppress", cmd_suppress, NULL, suppress_subs },
    { "help", cmd_help, "show help for a command", NULL },
};

static const char main_usage[] =
    "usage: mailrota [-c CONFIG] [--db PATH] [-v|-q] COMMAND [ARGS]\n"
    "\n"
    "A cold-outreach send scheduler: contacts, campaigns and a roster of\n"
    "sender mailboxes in SQLite.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE  configuration file (default: $MAILROTA_CONFIG,\n"
    "                     ./config.yaml, ~/.config/mailrota/config.yaml,\n"
    "                     /etc/mailrota/config.yaml, else built-in defaults)\n"
    "      --db PATH      database file (overrides 'database:' in the "
    "config)\n"
    "  -v, --verbose      more detail on stderr (-vv for debug)\n"
    "  -q, --quiet        print nothing on success\n"
    "  -h, --help         this help; 'mailrota COMMAND --help' for a command\n"
    "  -V, --version      print the version\n"
    "\n"
    "-c, --db, -v and -q may also come after the command, as in\n"
    "'mailrota run -q', except one the command has itself ('plan -v').\n"
    "\n"
    "Commands:\n";

static const char main_usage_tail[] =
    "\n"
    "Environment:\n"
    "  MAILROTA_CONFIG    configuration file when -c is not given\n"
    "  MAILROTA_NOW       set the clock at start, e.g. 2026-11-22T02:00:00Z\n"
    "                     (it then advances in real time; for tests and\n"
    "                     replaying a day)\n"
    "  MAILROTA_CLOCK_SCALE  with MAILROTA_NOW: the clock runs N times as\n"
    "                     fast (tests of run --until-done only)\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 bad data, 66 missing input, 69 no\n"
    "mailbox could send, 73 cannot create, 74 database unreadable or\n"
    "unwritable (disk full, read-only, damaged), 75 try again later\n"
    "(locked or deferred), 78 bad configuration or insecure key file.\n"
    "See mailrota(1) and mailrota.yaml(5).\n";

static void print_usage(FILE *out)
{
    fputs(main_usage, out);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        char name[64];

        if (!c->subs) {
            fprintf(out, "  %-17s %s\n", c->name, c->summary);
            continue;
        }
        for (const struct subcommand *s = c->subs; s->name; s++) {
            snprintf(name, sizeof(name), "%s %s", c->name, s->name);
            fprintf(out, "  %-17s %s\n", name, s->summary ? s->summary : "");
        }
    }
    fputs(main_usage_tail, out);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int cmd_help(struct app *app, int argc, char **argv,
                    struct errinfo *ei)
{
    const struct command *c;
    char help_opt[] = "--help";
    char *args[] = { NULL, help_opt, NULL, NULL };
    int n = 2;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return 0;
    }
    c = find_command(argv[1]);
    if (!c || c->fn == cmd_help)
        return err_set(ei, ERR_USAGE, "help: unknown command '%s'", argv[1]);
    args[0] = argv[1];
    if (c->subs && argc >= 3) {     /* help mailbox test */
        args[1] = argv[2];
        args[2] = help_opt;
        n = 3;
    }
    optind = 0;
    return c->fn(app, n, args, ei);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        APP_GLOBAL_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct app app = { .log_level = LOG_LEVEL_WARN };
    struct errinfo ei = { ERR_OK, "" };
    const struct command *cmd;
    int c, rc;

    opterr = 0;
    log_set_level(app.log_level);
    while ((c = getopt_long(argc, argv, "+" APP_GLOBAL_SHORTOPTS "hV", opts,
                            NULL)) != -1) {
        if (c == 'h') {
            print_usage(stdout);
            return EX_OK;
        }
        if (c == 'V') {
            printf("mailrota %s\n", MAILROTA_VERSION);
            return EX_OK;
        }
        if (app_global_option(&app, c, optarg) < 0) {
            log_error("unknown option or missing value: '%s' (see "
                      "'mailrota --help')", argv[optind - 1]);
            return EX_USAGE;
        }
    }
    if (optind >= argc) {
        print_usage(stderr);
        return EX_USAGE;
    }
    cmd = find_command(argv[optind]);
    if (!cmd) {
        log_error("unknown command '%s' (see 'mailrota --help')",
                  argv[optind]);
        return EX_USAGE;
    }
    if (clock_init(&ei) < 0) {
        log_error("%s", ei.msg);
        return err_exit_code(ei.code);
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("cannot initialise libcurl");
        return EX_SOFTWARE;
    }

    argc -= optind;
    argv += optind;
    optind = 0; /* restart getopt for the command's own options */
    app_accept_globals(&app); /* and the global ones after the command */
    rc = cmd->fn(&app, argc, argv, &ei);
    if (rc < 0) {
        if (ei.msg[0])
            log_error("%s", ei.msg);
        rc = err_exit_code(ei.code == ERR_OK ? ERR_SOFTWARE : ei.code);
    }
    if (app.cfg_loaded)
        config_release(&app.cfg);
    curl_global_cleanup();
    return rc;
}
