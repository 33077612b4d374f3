/*
 * campaign_cmd.h - what the `campaign` sub-commands share (cmd_campaign.c,
 * cmd_campaign_set.c, cmd_campaign_enroll.c, cmd_campaign_step.c): the
 * usage, the arguments (campaign_args.c) and the checks of a template and
 * a --subject, as at `campaign add`.  Not pure.
 */
#ifndef MAILROTA_CAMPAIGN_CMD_H
#define MAILROTA_CAMPAIGN_CMD_H

#include "app.h"
#include "db.h"
#include "err.h"
#include "template.h"

extern const char campaign_usage[];

/* Every variable without a default in t (or in subject, which replaces
 * its Subject: line when not NULL) must be one some contact can have:
 * else ERR_DATA naming tpath, the line, the variable and those there are. */
int campaign_check_vars(struct db *db, const char *tpath,
                        const struct template *t, const char *subject,
                        struct errinfo *ei);

/* What add, set and step add were given (campaign_args.c). */
struct campaign_args {
    const char *name, *tpath, *subject;
    int after_days;            /* --after-days; -1: not given */
};
#define CAMPAIGN_ARGS_TEMPLATE 1u   /* --template is required */
#define CAMPAIGN_ARGS_AFTER_DAYS 2u /* --after-days is allowed */

/* NAME and the options of `cmd` ("campaign add"...) from argv (its first
 * element the sub-command): 1 after --help, -1 (ERR_USAGE) when wrong. */
int campaign_parse(const char *cmd, int argc, char **argv, unsigned flags,
                   struct campaign_args *a, struct errinfo *ei);

/* *abs: path made absolute (runs start from cron elsewhere); new string.
 * ERR_NOINPUT when it cannot be resolved. */
int campaign_abs_template(const char *path, char **abs, struct errinfo *ei);

/* A --subject: one non-empty line of UTF-8 with well-formed variables. */
int campaign_check_subject(const char *cmd, const char *subject,
                           struct errinfo *ei);

/* *id: the campaign named name; else ERR_DATA naming it (cmd is the
 * command, for the message). */
int campaign_find(struct db *db, const char *cmd, const char *name,
                  long long *id, struct errinfo *ei);

/* `campaign set NAME ...` (cmd_campaign_set.c) and `campaign enroll NAME
 * ...` (cmd_campaign_enroll.c). */
int campaign_set(struct app *app, int argc, char **argv, struct errinfo *ei);
int campaign_enroll(struct app *app, int argc, char **argv,
                    struct errinfo *ei);

/* `campaign step add NAME ...` and `campaign steps NAME`. */
int campaign_step(struct app *app, int argc, char **argv,
                  struct errinfo *ei);
int campaign_steps(struct app *app, int argc, char **argv,
                   struct errinfo *ei);

#endif
