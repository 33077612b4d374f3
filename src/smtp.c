#include "smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "crashpoint.h"
#include "https.h"
#include "log.h"
#include "util.h"

#include "banned.h"

/* A server's reply is at most this long (curl's own limit is similar). */
#define REPLY_MAX 4096

struct smtp_session {
    CURL *h;
    struct smtp_opts o;      /* strings below are owned copies */
    char *password;
    char *bearer;
    char url[512];
    /* Per transfer: */
    const char *msg;
    size_t len, pos;
    bool body_started;
    enum bounce_stage stage;
    struct strbuf reply;     /* the last complete reply, lines joined */
    bool reply_open;         /* a multi-line reply is being collected */
    bool quitting;           /* QUIT went out: its reply is not the news */
    char mechs[256];         /* AUTH mechanisms of the last EHLO */
    char errbuf[CURL_ERROR_SIZE];
};

/* An EHLO line "250-AUTH PLAIN LOGIN" (or "250 AUTH ..."): keep the list. */
static void note_mechanisms(struct smtp_session *s, const char *line,
                            size_t len)
{
    if (len > 9 && strncmp(line, "250", 3) == 0 &&
        (line[3] == '-' || line[3] == ' ') &&
        strncasecmp(line + 4, "AUTH ", 5) == 0) {
        snprintf(s->mechs, sizeof(s->mechs), "%.*s", (int)(len - 9),
                 line + 9);
        sanitize(s->mechs);
    }
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct smtp_session *s = ud;
    size_t room = size * nitems, n = s->len - s->pos;

    if (n > room)
        n = room;
    /* After the 354: libcurl asks once per upload buffer (64 KiB), so a
     * second pass is the middle of a large body. */
    if (n)
        crash_point("smtp.body");
    memcpy(buf, s->msg + s->pos, n);
    s->pos += n;
    s->body_started = true;
    return n;
}

/* Server reply lines ("250-...", "250 ..."): keep the last whole reply. */
static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct smtp_session *s = ud;
    size_t n = size * nitems, len = n;

    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len < 3 || s->quitting)
        return n;
    note_mechanisms(s, buf, len);
    if (!s->reply_open)
        sb_reset(&s->reply);
    else if (s->reply.len)
        sb_addch(&s->reply, ' ');
    /* Keep "NNN " once, then each line's text. */
    if (!s->reply_open || s->reply.len == 0)
        sb_add(&s->reply, buf, len > 4 ? 3 : len);
    if (len > 4) {
        if (s->reply.len == 3)
            sb_addch(&s->reply, ' ');
        sb_add(&s->reply, buf + 4, len - 4);
    }
    s->reply_open = len > 3 && buf[3] == '-';
    return n;
}

/* Commands we send tell the stage; their arguments are never looked at
 * (AUTH lines carry credentials). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud)
{
    struct smtp_session *s = ud;

    (void)h;
    if (type != CURLINFO_HEADER_OUT || size < 4)
        return 0;
    if (strncmp(data, "STARTTLS", size < 8 ? size : 8) == 0) {
        s->stage = STAGE_TLS;
    } else if (strncmp(data, "AUTH", 4) == 0) {
        s->stage = STAGE_AUTH;
        crash_point("smtp.auth");
    } else if (strncmp(data, "MAIL", 4) == 0) {
        s->stage = STAGE_MAIL;
        crash_point("smtp.mail");
    } else if (strncmp(data, "RCPT", 4) == 0) {
        s->stage = STAGE_RCPT;
        crash_point("smtp.rcpt");
    } else if (strncmp(data, "DATA", 4) == 0) {
        s->stage = STAGE_DATA;
        crash_point("smtp.data");
    } else if (strncmp(data, "QUIT", 4) == 0)
        s->quitting = true;   /* libcurl closes after a failed transfer */
    return 0;
}

int smtp_session_new(const struct smtp_opts *o, struct smtp_session **out,
                     struct errinfo *ei)
{
    struct smtp_session *s;
    const char *scheme = o->security == SMTP_SECURITY_IMPLICIT ? "smtps"
                                                              : "smtp";
    bool v6 = strchr(o->host, ':') != NULL;

    if (o->security == SMTP_SECURITY_NONE && (o->password || o->bearer) &&
        !o->allow_plaintext_auth)
        return err_set(ei, ERR_CONFIG, "refusing AUTH for %s without TLS: "
                       "set smtp.security to starttls or implicit (or "
                       "allow_plaintext_auth: true)", o->username);
    s = xcalloc(1, sizeof(*s));
    s->o = *o;
    s->password = o->password ? xstrdup(o->password) : NULL;
    s->bearer = o->bearer ? xstrdup(o->bearer) : NULL;
    sb_init(&s->reply, REPLY_MAX);
    /* The EHLO name is the URL's path (libcurl). */
    snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%d/%s", scheme,
             v6 ? "[" : "", o->host, v6 ? "]" : "", o->port,
             o->helo_name ? o->helo_name : "");
    s->h = curl_easy_init();
    if (!s->h) {
        smtp_session_free(s);
        return err_set(ei, ERR_SOFTWARE, "cannot create a libcurl handle");
    }
    *out = s;
    return 0;
}

static void setup(struct smtp_session *s, const char *from,
                  struct curl_slist *rcpt)
{
    CURL *h = s->h;
    const struct smtp_opts *o = &s->o;
    long timeout = o->timeout_seconds > 0 ? o->timeout_seconds : 30;

    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* libcurl's default is no TLS at all: require it. */
    if (o->security == SMTP_SECURITY_STARTTLS)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->verify_peer ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->verify_peer ? 2L : 0L);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
    /* Bounds a stalled server, QUIT included (libcurl waits 120 s for
     * QUIT's reply otherwise). */
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout * 4);
    if (o->username && (s->password || s->bearer))
        curl_easy_setopt(h, CURLOPT_USERNAME, o->username);
    if (s->bearer) {
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, s->bearer);
        curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
    } else if (s->password) {
        curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
        if (o->mechanism) {
            char lo[32];
            snprintf(lo, sizeof(lo), "AUTH=%s", o->mechanism);
            curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, lo);
        }
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, s);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)s->len);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    /* The debug callback only reads which command went out. */
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
}

static void fill_reply(struct smtp_session *s, CURLcode rc,
                       struct smtp_reply *r)
{
    long code = 0;
    const char *text;

    memset(r, 0, sizeof(*r));
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    r->stage = s->stage;
    r->oauth = s->bearer != NULL;
    if (https_tls_error(rc) && s->stage <= STAGE_TLS)
        r->stage = STAGE_TLS;
    if (rc == CURLE_LOGIN_DENIED)
        r->stage = STAGE_AUTH;
    r->code = (int)code;
    if (rc == CURLE_LOGIN_DENIED && code < 300) {
        /* libcurl found no mechanism to use: no AUTH went out. */
        r->code = 0;
        snprintf(r->text, sizeof(r->text), "the server offers no AUTH "
                 "mechanism mailrota can use (offered: %s)",
                 s->mechs[0] ? s->mechs : "none");
        return;
    }
    text = s->reply.len ? s->reply.buf : "";
    /* A reply we saw belongs to this stage only if it is the last one;
     * a local error (connect, TLS, timeout) has no code of its own. */
    if (rc != CURLE_OK && rc != CURLE_LOGIN_DENIED &&
        rc != CURLE_WEIRD_SERVER_REPLY && rc != CURLE_SEND_ERROR &&
        rc != CURLE_RECV_ERROR && rc != CURLE_QUOTE_ERROR) {
        r->conn_lost = true;
        r->code = 0;
        snprintf(r->text, sizeof(r->text), "%s", s->errbuf[0] ? s->errbuf
                 : curl_easy_strerror(rc));
    } else if ((rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
                rc == CURLE_WEIRD_SERVER_REPLY) && code < 400) {
        /* No refusal: lost before a reply to this command, or the server
         * broke the protocol (data after STARTTLS's 220).  The last code
         * seen (AUTH's 235, RCPT's 250, DATA's 354) belongs to an earlier
         * command and decided nothing: a 250 kept here at DATA would read
         * as `sent`. */
        r->conn_lost = true;
        r->code = 0;
        snprintf(r->text, sizeof(r->text), "%s", s->errbuf[0] ? s->errbuf
                 : curl_easy_strerror(rc));
    } else {
        snprintf(r->text, sizeof(r->text), "%s", text);
        /* The text starts with the code; keep the text after it. */
        if (strlen(r->text) > 4 && r->text[3] == ' ')
            memmove(r->text, r->text + 4, strlen(r->text + 4) + 1);
    }
    sanitize(r->text);
    bounce_parse_enhanced(r->text, r->enhanced);
    /* Connection lost after the message body went out: it may have been
     * accepted.  Before the body, the message cannot have been. */
    if (r->conn_lost && r->stage == STAGE_DATA && !s->body_started)
        r->stage = STAGE_RCPT;
}

int smtp_send(struct smtp_session *s, const char *from, const char *to,
              const char *msg, size_t len, struct smtp_reply *reply)
{
    struct curl_slist *rcpt = NULL;
    char *f = xasprintf("<%s>", from), *t = xasprintf("<%s>", to);
    CURLcode rc;

    rcpt = curl_slist_append(NULL, t);
    s->msg = msg;
    s->len = len;
    s->pos = 0;
    s->body_started = false;
    s->stage = STAGE_CONNECT;
    s->reply_open = false;
    s->quitting = false;
    s->errbuf[0] = '\0';
    s->mechs[0] = '\0';
    sb_reset(&s->reply);
    setup(s, f, rcpt);
    rc = curl_easy_perform(s->h);
    fill_reply(s, rc, reply);
    if (rc == CURLE_OK) {
        reply->stage = STAGE_DATA;
        if (reply->code == 0)
            reply->code = 250;
    }
    curl_slist_free_all(rcpt);
    free(f);
    free(t);
    return rc == CURLE_OK ? 0 : 1;
}

void smtp_session_set_bearer(struct smtp_session *s, const char *token)
{
    if (s->bearer && strcmp(s->bearer, token) == 0)
        return;
    if (s->bearer) {
        secure_wipe(s->bearer, strlen(s->bearer));
        free(s->bearer);
    }
    /* libcurl matches a reusable connection on the token too, so the
     * next message opens a new connection and authenticates with it. */
    s->bearer = xstrdup(token);
}

/* NOOP's reply arrives as "body": not for stdout. */
static size_t discard_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    (void)buf;
    (void)ud;
    return size * nitems;
}

int smtp_probe(const struct smtp_opts *o, char *mechs, size_t mechs_size,
               struct smtp_reply *reply, struct errinfo *ei)
{
    struct smtp_session *s = NULL;
    CURLcode rc;

    if (smtp_session_new(o, &s, ei) < 0)
        return -1;
    s->stage = STAGE_CONNECT;
    setup(s, NULL, NULL);
    /* No MAIL FROM: connect, TLS, EHLO, AUTH, then NOOP and QUIT. */
    curl_easy_setopt(s->h, CURLOPT_UPLOAD, 0L);
    curl_easy_setopt(s->h, CURLOPT_MAIL_FROM, NULL);
    curl_easy_setopt(s->h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, "NOOP");
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, discard_cb);
    rc = curl_easy_perform(s->h);
    fill_reply(s, rc, reply);
    snprintf(mechs, mechs_size, "%s", s->mechs);
    smtp_session_free(s);
    return rc == CURLE_OK ? 0 : 1;
}

void smtp_session_free(struct smtp_session *s)
{
    if (!s)
        return;
    if (s->h)
        curl_easy_cleanup(s->h);
    if (s->password) {
        secure_wipe(s->password, strlen(s->password));
        free(s->password);
    }
    if (s->bearer) {
        secure_wipe(s->bearer, strlen(s->bearer));
        free(s->bearer);
    }
    sb_release(&s->reply);
    free(s);
}
