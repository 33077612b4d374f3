#include "compose.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "sequence.h"
#include "store_run.h"
#include "unsub.h"
#include "util.h"

#include "banned.h"

/* The sender, and the contact (store_run.h). */
struct fields {
    const char *from_name, *from_email;
    const struct store_mail_contact *c;
};

/* The variables every contact can have; the one list of them. */
static const struct {
    const char *name;
    bool sender; /* off is in struct fields, else in the contact */
    size_t off;  /* of the char * */
} builtin_vars[] = {
    { "company", false, offsetof(struct store_mail_contact, company) },
    { "email", false, offsetof(struct store_mail_contact, email) },
    { "first_name", false, offsetof(struct store_mail_contact, first_name) },
    { "last_name", false, offsetof(struct store_mail_contact, last_name) },
    { "sender_email", true, offsetof(struct fields, from_email) },
    { "sender_name", true, offsetof(struct fields, from_name) },
    { "title", false, offsetof(struct store_mail_contact, title) },
};

size_t compose_builtin_vars(const char **names, size_t max)
{
    size_t i, n = sizeof(builtin_vars) / sizeof(builtin_vars[0]);

    for (i = 0; i < n && i < max; i++)
        names[i] = builtin_vars[i].name;
    return n;
}

static const char *lookup(void *ctx, const char *name)
{
    const struct fields *f = ctx;

    for (size_t i = 0; i < sizeof(builtin_vars) / sizeof(builtin_vars[0]);
         i++)
        if (strcmp(name, builtin_vars[i].name) == 0)
            return *(char *const *)((builtin_vars[i].sender
                                         ? (const char *)f
                                         : (const char *)f->c) +
                                    builtin_vars[i].off);
    for (size_t i = 0; i < f->c->n; i++)
        if (strcmp(f->c->keys[i], name) == 0)
            return f->c->vals[i];
    return NULL;
}

/* The subject: the step's own, else (a follow-up) Re: step 1's. */
static int render_subject(const struct compose_in *in, struct fields *f,
                          char **subject, struct errinfo *ei)
{
    const char *own = in->subject ? in->subject : in->tpl->subject;
    char *first = NULL;

    if (own || in->step <= 1)
        return template_render(own ? own : "", true, lookup, f, subject,
                               ei);
    if (!in->first_subject && (!in->first_tpl || !in->first_tpl->subject))
        return err_set(ei, ERR_SOFTWARE, "the subject of step 1 is unknown");
    if (template_render(in->first_subject ? in->first_subject
                                          : in->first_tpl->subject,
                        true, lookup, f, &first, ei) < 0)
        return -1;
    *subject = seq_reply_subject(first);
    free(first);
    return 0;
}

int compose_message(struct db *db, const struct compose_in *in,
                    struct compose_out *out, struct errinfo *ei)
{
    struct fields f;
    struct store_mail_contact own;
    const struct store_mail_contact *c = in->contact;
    struct message_in m;
    char *subject = NULL, *body = NULL, *to_name = NULL, *url = NULL;
    char **thread = NULL;
    size_t n_thread = 0;
    int ret = -1;

    memset(&own, 0, sizeof(own));
    if (!c) {
        if (store_run_contact(db, in->contact_id, &own, ei) < 0)
            goto out;
        c = &own;
    }
    f.from_name = in->from_name;
    f.from_email = in->from_email;
    f.c = c;
    if (render_subject(in, &f, &subject, ei) < 0 ||
        template_render(in->tpl->body, false, lookup, &f, &body, ei) < 0)
        goto out;
    if (in->step > 1 && store_run_thread(db, in->campaign_id, in->contact_id,
                                         in->step, &thread, &n_thread,
                                         ei) < 0)
        goto out;
    if (in->unsubscribe->url && *in->unsubscribe->url &&
        unsub_url_render(in->unsubscribe->url, c->email ? c->email : "",
                         in->key, &url, ei) < 0)
        goto out;
    if (c->first_name && c->last_name)
        to_name = xasprintf("%s %s", c->first_name, c->last_name);
    else if (c->first_name || c->last_name)
        to_name = xstrdup(c->first_name ? c->first_name : c->last_name);
    memset(&m, 0, sizeof(m));
    m.from_name = in->from_name;
    m.from_email = in->from_email;
    m.to_name = to_name;
    m.to_email = c->email;
    m.subject = subject;
    m.body = body;
    m.uuid = in->uuid;
    m.date = in->date;
    m.utc_offset = in->utc_offset;
    m.unsubscribe_mailto = in->unsubscribe->mailto;
    m.unsubscribe_url = url;
    m.thread = (const char *const *)thread;
    m.n_thread = n_thread;
    if (message_build(&m, &out->text, &out->len, ei) < 0)
        goto out;
    out->to = c->email ? xstrdup(c->email) : NULL;
    ret = 0;
out:
    store_strings_free(thread, n_thread);
    free(subject);
    free(body);
    free(to_name);
    free(url);
    store_mail_contact_release(&own);
    return ret;
}

int compose_check_key(const struct config *cfg, bool have_key,
                      struct errinfo *ei)
{
    bool needs_key = false;

    if (!cfg->unsubscribe.url || !*cfg->unsubscribe.url || have_key)
        return 0;
    if (unsub_url_check(cfg->unsubscribe.url, &needs_key, ei) < 0)
        return err_set(ei, ERR_CONFIG, "unsubscribe.url: %s", ei->msg);
    if (needs_key)
        return err_set(ei, ERR_CONFIG, "unsubscribe.url uses {{token}}, "
                       "which needs the key file %s: run 'mailrota init' "
                       "to create it (or restore it from a backup: tokens "
                       "made with another key will not verify)",
                       cfg->key_file ? cfg->key_file : "(key_file:)");
    return 0;
}

void compose_out_release(struct compose_out *out)
{
    free(out->to);
    free(out->text);
    memset(out, 0, sizeof(*out));
}
