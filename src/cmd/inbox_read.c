/*
 * inbox_read.c - one inbound message: parse (io/mime.c), classify
 * (core/inbound_class.c), record and apply (io/store_inbound.c).  Both
 * readers' passes (inbox_imap.c, inbox_graph.c) end here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "digest.h"
#include "inbound_class.h"
#include "inbox_int.h"
#include "log.h"
#include "mime.h"
#include "util.h"

#include "banned.h"

_Static_assert(MIME_MAX_BYTES == (size_t)10 << 20, "inbox_oversize says 10");
const char inbox_oversize[] = "over 10 MiB: headers only";

static void count(struct inbox_counts *n, enum inbound_kind k)
{
    n->read++;
    switch (k) {
    case INBOUND_BOUNCE:
    case INBOUND_DELAY:       n->bounces++; break;
    case INBOUND_REPLY:       n->replies++; break;
    case INBOUND_AUTO_REPLY:  n->auto_replies++; break;
    case INBOUND_UNSUBSCRIBE: n->unsubscribes++; break;
    case INBOUND_OTHER:       n->other++; break;
    }
}

/* The message's key beside its source id: its normalised Message-ID, or
 * the digest of its bytes when it has none. */
static void message_key(const struct mime_msg *mm, const char *raw,
                        size_t len, char mid[INBOUND_ID_MAX])
{
    char hex[DIGEST_HEX_LEN + 1];

    mid[0] = '\0';
    if (mm->message_id[0])
        inbound_msgid_norm(mm->message_id, strlen(mm->message_id), mid,
                           INBOUND_ID_MAX);
    else if (digest_sha256_hex(raw, len, hex) == 0)
        snprintf(mid, INBOUND_ID_MAX, "sha256:%s", hex);
}

/* The record of the message, its classification r and the times. */
static void fill(struct store_inbound_msg *sm, const struct inbox *ib,
                 const struct store_inbound_mailbox *m,
                 const struct inbox_src *src, const struct mime_msg *mm,
                 const struct inbound_result *r)
{
    const struct config *cfg = &ib->app->cfg;

    memset(sm, 0, sizeof(*sm));
    sm->mailbox_id = m->mb.id;
    sm->mailbox_email = m->mb.email;
    sm->source_id = src->source;
    sm->subject = mm->subject;
    sm->reason = mm->reason;
    sm->cls = r;
    sm->stop_company_on_reply = cfg->rules.stop_company_on_reply;
    sm->max_attempts = cfg->rules.max_attempts;
}

int inbox_read_message(struct inbox *ib,
                       const struct store_inbound_mailbox *m,
                       const struct inbox_src *src, const char *raw,
                       size_t len, struct errinfo *ei)
{
    const struct config *cfg = &ib->app->cfg;
    struct inbound_opts o = { ib->words, ib->n_words, cfg->unsubscribe.mailto };
    struct store_inbound_msg sm;
    struct store_inbound_out out;
    struct inbound_result *r = xcalloc(1, sizeof(*r));
    struct mime_msg mm;
    char mid[INBOUND_ID_MAX], recv[ISO_TIME_LEN];
    char now[ISO_TIME_LEN], day[11];
    int64_t t = clock_now();
    int ret;

    mime_parse(raw, len, &mm);
    if (src->partial) {
        mm.headers_only = true;
        snprintf(mm.reason, sizeof(mm.reason), "%s", src->partial);
    }
    inbound_classify(&mm, &o, r);
    message_key(&mm, raw, len, mid);
    time_iso(t, now);
    time_iso(src->received > 0 ? src->received : t, recv);
    if (clock_local_day(t, cfg->timezone, day, ei) < 0) {
        ret = -1;
        goto out;
    }
    fill(&sm, ib, m, src, &mm, r);
    sm.message_id = mid;
    sm.received_at = recv;
    sm.day = day;
    ret = store_inbound_record(ib->db, &sm, src->cur, now, &out, ei);
    if (ret == 0 && !out.seen) {
        count(&ib->n, out.kind);
        log_info("inbox of %s: %s %s: %s", m->mb.email, src->label,
                 inbound_kind_str(out.kind), out.effect);
    }
out:
    mime_release(&mm);
    free(r);
    return ret;
}
