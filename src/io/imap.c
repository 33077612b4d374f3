/*
 * imap.c - the read-only IMAP inbox reader over libcurl (see imap.h).
 */
#include "imap.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "imapresp.h"
#include "inbound_msg.h"
#include "util.h"

#include "banned.h"

/* What one command's exchange may hold: a message, headers only over
 * MIME_MAX_BYTES, and the protocol around it. */
#define IMAP_RESP_MAX (MIME_MAX_BYTES + ((size_t)1 << 20))

struct imap_conn {
    CURL *h;
    char *url;
    struct strbuf resp;        /* the server's lines of the last command */
    bool resp_cut;             /* some did not fit */
    CURLcode rc;               /* the last command's */
    char errbuf[CURL_ERROR_SIZE];
    char *folder;              /* quoted */
    long long uidnext;         /* EXAMINE's UIDNEXT; 0: not said */
};

static size_t header_cb(char *buf, size_t size, size_t n, void *ud)
{
    struct imap_conn *c = ud;

    if (sb_add(&c->resp, buf, size * n) < 0)
        c->resp_cut = true;
    return size * n;
}

/* Custom commands' untagged lines also come here: they are in resp. */
static size_t body_cb(char *buf, size_t size, size_t n, void *ud)
{
    (void)buf;
    (void)ud;
    return size * n;
}

static void setup(struct imap_conn *c, const struct imap_opts *o)
{
    CURL *h = c->h;
    long t = o->timeout_seconds > 0 ? o->timeout_seconds : 30;

    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* libcurl's default is no TLS at all: require it. */
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->verify_peer ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->verify_peer ? 2L : 0L);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, t);
    /* Long lines are cut by libcurl beyond its buffer: the largest. */
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)CURL_MAX_READ_SIZE);
    curl_easy_setopt(h, CURLOPT_USERNAME, o->username);
    if (o->bearer) {
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, o->bearer);
        curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
    } else {
        /* libcurl 7.88 logs in with SASL PLAIN or LOGIN when the server
         * offers them, else with the LOGIN command (it has no
         * AUTH=+LOGIN yet): the same password either way. */
        curl_easy_setopt(h, CURLOPT_PASSWORD, o->password);
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
}

/* Runs one command (a custom request: libcurl adds the tag). */
static int command(struct imap_conn *c, const char *cmd, long timeout,
                   struct imap_error *e, struct errinfo *ei)
{
    CURLcode rc;

    sb_reset(&c->resp);
    c->resp_cut = false;
    c->errbuf[0] = '\0';
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, cmd);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT, timeout);
    rc = curl_easy_perform(c->h);
    c->rc = rc;
    if (rc == CURLE_OK)
        return 0;
    memset(e, 0, sizeof(*e));
    e->auth = rc == CURLE_LOGIN_DENIED;
    if (c->resp.len && (e->auth || rc == CURLE_QUOTE_ERROR ||
                        rc == CURLE_WEIRD_SERVER_REPLY))
        imapresp_last(c->resp.buf, c->resp.len, e->text, sizeof(e->text));
    else
        snprintf(e->text, sizeof(e->text), "%s",
                 c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    return err_set(ei, ERR_UNAVAILABLE, "%s", e->text);
}

/* An IMAP quoted string of s (no CR or LF: config refuses them). */
static char *quoted(const char *s)
{
    struct strbuf sb;
    char *q;

    sb_init(&sb, 0);
    sb_addch(&sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_addch(&sb, '\\');
        if (*s != '\r' && *s != '\n')
            sb_addch(&sb, *s);
    }
    sb_addch(&sb, '"');
    q = sb_detach(&sb, NULL);
    sb_release(&sb);
    return q;
}

void imap_opts_from_config(struct imap_opts *o, const struct config *cfg,
                           const char *email, bool xoauth2,
                           const char *secret)
{
    memset(o, 0, sizeof(*o));
    o->host = cfg->inbound.imap_host;
    o->port = cfg->inbound.imap_port;
    o->implicit_tls = cfg->inbound.imap_security == SMTP_SECURITY_IMPLICIT;
    o->verify_peer = cfg->tls.verify_peer;
    o->ca_file = cfg->tls.ca_file;
    o->timeout_seconds = cfg->smtp.timeout_seconds;
    o->username = email;
    o->folder = cfg->inbound.folder;
    if (xoauth2)
        o->bearer = secret;
    else
        o->password = secret;
}

int imap_open(const struct imap_opts *o, struct imap_conn **out,
              struct imap_folder *f, struct imap_error *e,
              struct errinfo *ei)
{
    struct imap_conn *c = xcalloc(1, sizeof(*c));
    char *cmd;
    int r;

    *out = NULL;
    memset(e, 0, sizeof(*e));
    c->h = curl_easy_init();
    if (!c->h) {
        free(c);
        return err_set(ei, ERR_SOFTWARE, "libcurl: cannot start");
    }
    sb_init(&c->resp, IMAP_RESP_MAX);
    /* No mailbox in the URL: libcurl would SELECT it. */
    c->url = xasprintf("%s://%s:%d/", o->implicit_tls ? "imaps" : "imap",
                       o->host, o->port);
    c->folder = quoted(o->folder ? o->folder : "INBOX");
    setup(c, o);
    cmd = xasprintf("EXAMINE %s", c->folder);
    r = command(c, cmd, 4L * (o->timeout_seconds > 0 ? o->timeout_seconds
                                                      : 30), e, ei);
    free(cmd);
    if (r == 0) {
        f->uidvalidity = imapresp_uidvalidity(c->resp.buf, c->resp.len);
        f->uidnext = imapresp_uidnext(c->resp.buf, c->resp.len);
        c->uidnext = f->uidnext;
        if (f->uidvalidity <= 0) {
            snprintf(e->text, sizeof(e->text), "EXAMINE %s gave no "
                     "UIDVALIDITY", c->folder);
            r = err_set(ei, ERR_UNAVAILABLE, "%s", e->text);
        }
    }
    if (r < 0) {
        imap_close(c);
        return -1;
    }
    *out = c;
    return 0;
}

void imap_close(struct imap_conn *c)
{
    if (!c)
        return;
    if (c->h)
        curl_easy_cleanup(c->h);   /* LOGOUT */
    sb_release(&c->resp);
    free(c->url);
    free(c->folder);
    free(c);
}

/* "04-Dec-2026" for UID SEARCH SINCE. */
static void imap_day(int64_t t, char out[16])
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
                                      "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"};
    char iso[ISO_TIME_LEN];
    int y = 1970, m = 1, d = 1;

    time_iso(t, iso);
    if (sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12)
        m = 1;
    snprintf(out, 16, "%02d-%s-%04d", d, mon[m - 1], y);
}

/*
 * UIDs per UID FETCH of the list: a short command line, a bounded reply.
 * Small: Debian's libcurl 7.88 (its CVE-2023-38039 fix) fails a command
 * with "Too large response headers" once the untagged lines it counted
 * pass 300 KiB, and it counts them several times over (more the more
 * reads a reply takes): replies of 300 lines (~25 KB) failed against
 * Dovecot, 250 passed.  tests/integration/t_inbox_many.sh.
 */
#define IMAP_META_CHUNK 100

/* Size and received date of uids[0..n) into items[0..n). */
static int list_meta(struct imap_conn *c, const long long *uids, size_t n,
                     struct imap_item *items, struct imap_error *e,
                     struct errinfo *ei)
{
    struct imapresp_meta *meta = xcalloc(n + 16, sizeof(*meta));
    struct strbuf cmd;
    size_t nm, j = 0;
    int r;

    sb_init(&cmd, 0);
    sb_adds(&cmd, "UID FETCH ");
    for (size_t i = 0; i < n; i++)
        sb_addf(&cmd, "%s%lld", i ? "," : "", uids[i]);
    sb_adds(&cmd, " (UID RFC822.SIZE INTERNALDATE)");
    r = command(c, cmd.buf, 120, e, ei);
    sb_release(&cmd);
    nm = r < 0 ? 0 : imapresp_meta(c->resp.buf, c->resp.len, meta, n + 16);
    /* Both ascending (a UID set is answered in sequence order). */
    for (size_t i = 0; i < n; i++) {
        items[i].uid = uids[i];
        items[i].size = -1;
        while (j < nm && meta[j].uid < uids[i])
            j++;
        if (j < nm && meta[j].uid == uids[i]) {
            items[i].size = meta[j].size;
            items[i].internaldate = meta[j].internaldate;
        }
    }
    free(meta);
    return r;
}

/*
 * UIDs per UID SEARCH.  Its answer is one "* SEARCH" line, and Debian's
 * libcurl 7.88 refuses a line over 300 KiB ("Too large response
 * headers"): 60,000 UIDs failed.  25,000 UIDs of 8 digits are 225 KB.
 */
#define IMAP_SEARCH_WINDOW 25000LL

/*
 * The UIDs above `above` (and received since `since` when > 0),
 * ascending, into uids[0..cap): UID SEARCH over windows of UIDs up to
 * UIDNEXT, the last one open-ended ("n:*").
 */
static int search_uids(struct imap_conn *c, long long above, int64_t since,
                       long long *uids, size_t cap, size_t *n,
                       struct imap_error *e, struct errinfo *ei)
{
    long long lo = above + 1;
    bool more = false, last = false;
    char day[16] = "";

    *n = 0;
    if (since > 0)
        imap_day(since, day);
    while (!last && *n < cap && !more) {
        long long hi = lo + IMAP_SEARCH_WINDOW - 1;
        char range[48];
        char *cmd;
        int r;

        last = c->uidnext <= 0 || hi >= c->uidnext - 1;
        if (last)
            snprintf(range, sizeof(range), "%lld:*", lo);
        else
            snprintf(range, sizeof(range), "%lld:%lld", lo, hi);
        cmd = since > 0 ? xasprintf("UID SEARCH UID %s SINCE %s", range, day)
                        : xasprintf("UID SEARCH UID %s", range);
        r = command(c, cmd, 120, e, ei);
        free(cmd);
        if (r < 0)
            return -1;
        /* lo - 1: "n:*" also matches the last message when its UID < n */
        *n += imapresp_search(c->resp.buf, c->resp.len, lo - 1, uids + *n,
                              cap - *n, &more);
        lo = hi + 1;
    }
    return 0;
}

int imap_list(struct imap_conn *c, long long above, int64_t since,
              size_t cap, struct imap_item **out, size_t *n,
              struct imap_error *e, struct errinfo *ei)
{
    long long *uids = xcalloc(cap ? cap : 1, sizeof(*uids));
    struct imap_item *items;
    size_t nu;

    *out = NULL;
    *n = 0;
    if (search_uids(c, above, since, uids, cap, &nu, e, ei) < 0) {
        free(uids);
        return -1;
    }
    items = xcalloc(nu ? nu : 1, sizeof(*items));
    for (size_t i = 0; i < nu; i += IMAP_META_CHUNK) {
        size_t k = nu - i < IMAP_META_CHUNK ? nu - i : IMAP_META_CHUNK;

        if (list_meta(c, uids + i, k, items + i, e, ei) < 0) {
            free(items);
            free(uids);
            return -1;
        }
    }
    free(uids);
    *out = items;
    *n = nu;
    return 0;
}

/*
 * Whether the last command's exchange ended early, inside the literal of
 * l: libcurl reads a custom command's response line by line and ends it
 * at the first line that starts with its tag ("A005 "), and a message can
 * hold such a line.  It then said OK, NO or BAD (CURLE_QUOTE_ERROR) where
 * the server was still sending the message; our own cap (resp_cut) is not
 * such an end.  The rest of the literal is still on the connection.
 */
static bool ended_early(const struct imap_conn *c,
                        const struct imapresp_lit *l)
{
    return l->unclosed && !c->resp_cut &&
           (c->rc == CURLE_OK || c->rc == CURLE_QUOTE_ERROR);
}

int imap_fetch(struct imap_conn *c, const struct imap_item *it, size_t max,
               char **raw, size_t *len, bool *headers_only,
               struct imap_error *e, struct errinfo *ei)
{
    struct imapresp_lit l;
    bool found, early;
    char *cmd;
    int r;

    *raw = NULL;
    *len = 0;
    /* Unknown size: the whole message, cut at max below. */
    *headers_only = it->size > (long long)max;
    cmd = xasprintf("UID FETCH %lld BODY.PEEK[%s]", it->uid,
                    *headers_only ? "HEADER" : "");
    r = command(c, cmd, 120, e, ei);
    free(cmd);
    found = imapresp_body(c->resp.buf, c->resp.len, it->uid, &l);
    early = found && ended_early(c, &l);
    if (r < 0 && !early)
        return -1;
    if (early)
        err_clear(ei);
    if (!found) {
        /* Gone since the list (expunged by another client): empty. */
        *raw = xstrdup("");
        return 0;
    }
    *len = l.len > max ? max : l.len;
    *raw = xmalloc(*len + 1);
    memcpy(*raw, l.p, *len);
    (*raw)[*len] = '\0';
    return early ? IMAP_FETCH_ENDED_EARLY : 0;
}

void imap_fix(const struct imap_error *e, bool xoauth2, const char *host,
              const char *email, char *out, size_t cap)
{
    if (e->auth && !xoauth2 && diagnose_microsoft_host(host))
        snprintf(out, cap, "Exchange Online has no Basic auth for IMAP: "
                 "switch the mailbox to OAuth ('mailrota mailbox set %s "
                 "--auth xoauth2', the app needs IMAP.AccessAsApp) or to "
                 "Graph ('--inbound graph', the app needs Mail.Read)",
                 email);
    else if (e->auth && xoauth2)
        snprintf(out, cap, "the app needs the IMAP.AccessAsApp permission "
                 "and FullAccess on the mailbox (Add-MailboxPermission "
                 "-Identity %s)", email);
    else if (e->auth)
        snprintf(out, cap, "check its password ('mailrota mailbox set %s "
                 "--password-env VAR'), or do not read it ('mailrota "
                 "mailbox set %s --inbound none')", email, email);
    else
        snprintf(out, cap, "check inbound.imap in the config, the network "
                 "and the server's certificate ('mailrota mailbox test %s')",
                 email);
}
