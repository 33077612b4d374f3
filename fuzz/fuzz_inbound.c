/*
 * fuzz_inbound.c - a whole inbound message: mime_parse() (mime.h, GMime
 * 3), then inbound_classify() and inbound_effect() (inbound_class.h).
 *
 * Input: the raw message bytes (an .eml).
 *
 * Checked: mime_parse never leaves a string NULL and every string is
 * valid UTF-8 within its cap (body, delivery-status); a -1 comes with a
 * reason.  The classification is a known kind; recipients and ids within
 * their bounds, NUL-terminated, ids without angle brackets or spaces;
 * only a bounce or delay names recipients, only a bounce can change the
 * contact to bounced; classifying twice gives the same result (pure).
 */
#include "inbound_class.h"
#include "mime.h"

#include <stdbool.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

static const char *const words[] = {"unsubscribe", "remove me",
                                    "d\xc3\xa9sinscrire"};
static const struct inbound_opts opts = {words, 3, "unsub@mine.example"};

static void check_mime(const struct mime_msg *m, int rc)
{
    const char *all[] = {m->from, m->from_addr, m->to, m->to_addr,
                         m->subject, m->message_id, m->in_reply_to,
                         m->references, m->return_path, m->content_type,
                         m->report_type, m->orig_message_id, m->orig_to,
                         m->body};

    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
        FUZZ_ASSERT(all[i] != NULL);
        FUZZ_ASSERT(utf8_valid(all[i], strlen(all[i])));
    }
    FUZZ_ASSERT(m->dsn != NULL && m->dsn_len <= MIME_DSN_MAX);
    FUZZ_ASSERT(m->body_len == strlen(m->body));
    FUZZ_ASSERT(m->body_len <= MIME_BODY_MAX);
    FUZZ_ASSERT(memchr(m->reason, '\0', sizeof(m->reason)) != NULL);
    if (rc < 0)
        FUZZ_ASSERT(m->reason[0] != '\0');
}

static void check_result(const struct inbound_result *r)
{
    struct inbound_effect e;

    FUZZ_ASSERT(strcmp(inbound_kind_str(r->kind), "?") != 0);
    FUZZ_ASSERT(r->n_rcpts <= INBOUND_MAX_RCPTS);
    FUZZ_ASSERT(r->n_ids <= INBOUND_MAX_IDS);
    if (r->kind != INBOUND_BOUNCE && r->kind != INBOUND_DELAY)
        FUZZ_ASSERT(r->n_rcpts == 0);
    for (size_t i = 0; i < r->n_ids; i++) {
        FUZZ_ASSERT(memchr(r->ids[i], '\0', INBOUND_ID_MAX) != NULL);
        FUZZ_ASSERT(r->ids[i][0] != '\0');
        FUZZ_ASSERT(strpbrk(r->ids[i], "<> \t\r\n") == NULL);
    }
    for (size_t i = 0; i < r->n_rcpts; i++) {
        const struct inbound_rcpt *p = &r->rcpt[i];

        FUZZ_ASSERT(memchr(p->addr, '\0', sizeof(p->addr)) != NULL);
        FUZZ_ASSERT(memchr(p->status, '\0', sizeof(p->status)) != NULL);
        FUZZ_ASSERT(memchr(p->diagnostic, '\0', sizeof(p->diagnostic)));
        inbound_effect(r->kind, p->status, p->smtp_code, true, &e);
        if (e.contact == INBOUND_CONTACT_BOUNCED)
            FUZZ_ASSERT(r->kind == INBOUND_BOUNCE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct inbound_result a, b;
    struct mime_msg m;
    char *raw = malloc(size ? size : 1);
    int rc;

    if (!raw)
        abort();
    if (size)
        memcpy(raw, data, size);
    rc = mime_parse(raw, size, &m);
    check_mime(&m, rc);
    inbound_classify(&m, &opts, &a);
    inbound_classify(&m, &opts, &b);
    FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
    check_result(&a);
    mime_release(&m);
    free(raw);
    return 0;
}
