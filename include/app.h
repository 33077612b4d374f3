/*
 * app.h - what every command gets: the global options, the configuration
 * (loaded on demand, so --help needs none) and helpers shared by the cmd_*
 * files.  Not pure.
 */
#ifndef MAILROTA_APP_H
#define MAILROTA_APP_H

#include <stdbool.h>
#include <getopt.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "secret.h"

struct app {
    const char *config_opt;   /* -c/--config, or NULL */
    const char *db_opt;       /* --db, or NULL */
    int log_level;            /* LOG_LEVEL_* after -v/-q */
    bool quiet;               /* -q: print nothing on success */
    struct config cfg;
    bool cfg_loaded;
};

/* A subcommand of a command group (`mailbox add`, `campaign list`...). */
struct subcommand {
    const char *name;
    int (*fn)(struct app *app, int argc, char **argv, struct errinfo *ei);
    const char *summary;      /* one line for `mailrota --help` */
};

/*
 * A command: argv[0] is the command name itself.  A group (mailbox...)
 * also names its subcommand table, so that `mailrota --help` lists what
 * its dispatcher runs.
 */
struct command {
    const char *name;
    int (*fn)(struct app *app, int argc, char **argv, struct errinfo *ei);
    const char *summary;
    const struct subcommand *subs;   /* NULL-terminated, or NULL */
};

/* The subcommand tables of the groups, each ended by a NULL name. */
extern const struct subcommand import_subs[];
extern const struct subcommand mailbox_subs[];
extern const struct subcommand campaign_subs[];
extern const struct subcommand suppress_subs[];
extern const struct subcommand contact_subs[];

/*
 * Runs the subcommand argv[1] of `group` from subs[] (at most n entries,
 * ended early by a NULL name) with argv shifted by one (so argv[0] is the
 * subcommand), or prints `usage` for --help/-h.
 * Errors: ERR_USAGE for a missing or unknown subcommand, naming them all.
 */
int app_dispatch(struct app *app, const char *group, const char *usage,
                 const struct subcommand *subs, size_t n, int argc,
                 char **argv, struct errinfo *ei);

/*
 * Finds and loads the configuration once (lookup order of config_find),
 * applies --db, and warns about a group/other-readable config that names a
 * secret source.  Errors: ERR_CONFIG.
 */
int app_load_config(struct app *app, struct errinfo *ei);

/*
 * Loads the config and opens its database (flags: DB_*).  With a current
 * schema (no DB_NO_SCHEMA_CHECK) it also brings the settings rows the
 * views need up to the config (app_store_settings) when they differ; a
 * failure to write them is not an error here.
 */
int app_open_db(struct app *app, unsigned flags, struct db **db,
                struct errinfo *ei);

/*
 * The key file's key when the config names one that exists (it decrypts
 * stored passwords and cached tokens); *have says whether it was loaded.
 * A missing key file is not an error; an insecure one is (ERR_CONFIG).
 */
int app_load_key(struct app *app, unsigned char key[SECRET_KEY_LEN],
                 bool *have, struct errinfo *ei);

/* Writes config values the SQL views need (rules.daily_cap). */
int app_store_settings(struct app *app, struct db *db, struct errinfo *ei);

/*
 * The global options: -c/--config FILE, --db PATH, -v/--verbose (twice for
 * debug), -q/--quiet.  main takes them before the command, with -h and -V;
 * app_getopt takes them after it too.
 */
#define APP_OPT_DB 0x100
#define APP_GLOBAL_SHORTOPTS "c:vq"
#define APP_GLOBAL_LONGOPTS                                                \
    { "config", required_argument, NULL, 'c' },                            \
    { "db", required_argument, NULL, APP_OPT_DB },                         \
    { "verbose", no_argument, NULL, 'v' },                                 \
    { "quiet", no_argument, NULL, 'q' }

/*
 * Applies global option c (a val of APP_GLOBAL_LONGOPTS) with its value to
 * app and to the log level.  Returns -1 when c is not a global option.
 */
int app_global_option(struct app *app, int c, const char *arg);

/* From now on app_getopt applies the global options it meets to app. */
void app_accept_globals(struct app *app);

/*
 * getopt_long for command `cmd` (e.g. "import contacts", for messages):
 * returns the option character, -1 at the end of options, or -2 after
 * printing `usage` for --help/-h (the command then returns 0).  An unknown
 * option or a missing value fills ei with ERR_USAGE and returns '?'.
 * shortopts must start with ':'; longopts must include {"help", ..., 'h'}.
 * The global options may come among the command's (`mailrota run -q`):
 * they are applied (see app_accept_globals) and never returned, unless the
 * command has an option of the same letter or name, which wins (`plan -v`).
 */
int app_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
               const struct option *longopts, const char *usage,
               struct errinfo *ei);

/* Prints usage to stdout. */
void app_usage(const char *usage);

/* Parses a non-negative count option; ERR_USAGE naming the option. */
int app_parse_count(const char *opt, const char *val, long long max,
                    long long *out, struct errinfo *ei);

/*
 * Reads a whole regular file of at most max bytes into a new NUL-terminated
 * buffer.  Errors: ERR_NOINPUT (missing or unreadable), ERR_DATA (too big,
 * not a regular file), naming the path.
 */
int app_read_file(const char *path, size_t max, char **out, size_t *len,
                  struct errinfo *ei);

/*
 * Reads and parses a campaign template file (at most TEMPLATE_MAX_FILE
 * bytes).  t is set on success only.  Errors: ERR_NOINPUT (missing),
 * ERR_DATA (too big, malformed: "FILE:LINE: ...").
 */
struct template;
int app_load_template(const char *path, struct template *t,
                      struct errinfo *ei);
/* The same for a follow-up step's template (its Subject: optional). */
int app_load_step_template(const char *path, struct template *t,
                           struct errinfo *ei);

/* A csv_read_fn reading from the file descriptor *(int *)ctx. */
long app_csv_read_fd(void *ctx, char *buf, size_t n);

/* Whether progress may be drawn on stderr (a terminal, and not -q). */
bool app_progress(const struct app *app);

/* Commands (one file each). */
int cmd_init(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_migrate(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_import(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_mailbox(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_mailbox_test(struct app *app, int argc, char **argv,
                     struct errinfo *ei);
int cmd_campaign(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_plan(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_report(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_inbox(struct app *app, int argc, char **argv, struct errinfo *ei);

/* What an inbox pass read (cmd_inbox.c), and how many mailboxes it tried
 * and could not read. */
struct inbox_counts {
    long read, bounces, replies, auto_replies, unsubscribes, other;
    size_t tried, failed;
};

/*
 * Reads the new inbound mail of every mailbox (or `email` only) and
 * applies it: `inbox`, and `run` before it plans.  The caller holds the
 * run lock and opened db.  A mailbox that cannot be read is warned about
 * on stderr (even with -q) and counted in n->failed.  Errors: ERR_DB
 * and the like (the database), ERR_DATA (email not on the roster).
 */
int inbox_pass(struct app *app, struct db *db, const char *email,
               struct inbox_counts *n, struct errinfo *ei);
int cmd_run(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_status(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_retry(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_suppress(struct app *app, int argc, char **argv, struct errinfo *ei);
int cmd_contact(struct app *app, int argc, char **argv, struct errinfo *ei);
/* `contact forget EMAIL`: erase a person (store_forget.h). */
int cmd_contact_forget(struct app *app, int argc, char **argv,
                       struct errinfo *ei);

#endif
