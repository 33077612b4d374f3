/*
 * cmd_campaign_set.c - `campaign set NAME [--template PATH] [--subject
 * TEXT]`: change a campaign's text.  Later sends (deferred retries too)
 * are composed from what is stored then; sent messages are not touched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "campaign_cmd.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include "banned.h"

/*
 * Checks the campaign as it will be: the new (or stored) template with the
 * new (or stored) subject, as `campaign add` does.  *abs: the new
 * template's absolute path, NULL when the template does not change.
 */
static int check_new(struct db *db, long long id, const struct campaign_args *a,
                     char **abs, struct errinfo *ei)
{
    struct template t = { NULL, NULL };
    char *old_path = NULL, *old_subject = NULL;
    const char *path;
    int ret = -1;

    if (store_campaign_get(db, id, &old_path, &old_subject, ei) < 0)
        goto out;
    path = a->tpath ? a->tpath : old_path;
    if (app_load_template(path, &t, ei) < 0 ||
        campaign_check_vars(db, path, &t,
                            a->subject ? a->subject : old_subject, ei) < 0)
        goto out;
    if (a->tpath && campaign_abs_template(a->tpath, abs, ei) < 0)
        goto out;
    ret = 0;
out:
    template_release(&t);
    free(old_path);
    free(old_subject);
    return ret;
}

int campaign_set(struct app *app, int argc, char **argv, struct errinfo *ei)
{
    struct campaign_args a;
    struct db *db = NULL;
    char *abs = NULL;
    long long id;
    int r, ret = -1;

    r = campaign_parse("campaign set", argc, argv, 0, &a, ei);
    if (r)
        return r > 0 ? 0 : -1;
    if (!a.tpath && !a.subject)
        return err_set(ei, ERR_USAGE, "campaign set: nothing to change: "
                       "give --template PATH and/or --subject TEXT");
    if (app_open_db(app, 0, &db, ei) < 0)
        return -1;
    if (campaign_find(db, "campaign set", a.name, &id, ei) < 0 ||
        check_new(db, id, &a, &abs, ei) < 0 ||
        store_campaign_set(db, id, abs, a.subject, ei) < 0)
        goto out;
    if (!app->quiet) {
        printf("campaign %s changed", a.name);
        if (abs)
            printf(": template %s", abs);
        if (a.subject)
            printf("%s subject '%s'", abs ? "," : ":", a.subject);
        printf("; later sends use it\n");
    }
    ret = 0;
out:
    free(abs);
    db_close(db);
    return ret;
}
