/*
 * smtpconn.c - one SMTP connection: opened by libcurl, then ours.  See
 * smtpconn.h.
 */
#include "smtpconn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "crashpoint.h"
#include "https.h"

#include "banned.h"

/* The connect phase's replies are kept this long (curl's limit is
 * similar). */
#define CONNECT_REPLY_MAX 4096
/* QUIT's reply is waited for at most this long. */
#define QUIT_WAIT_MS 5000

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t timeout_ms(const struct sconn *c)
{
    return (int64_t)(c->o->timeout_seconds > 0 ? c->o->timeout_seconds : 30) *
           1000;
}

void sconn_init(struct sconn *c, const struct smtp_opts *o, const char *url)
{
    memset(c, 0, sizeof(*c));
    c->o = o;
    c->url = url;
    c->fd = CURL_SOCKET_BAD;
    sb_init(&c->reply, CONNECT_REPLY_MAX);
}

void sconn_release(struct sconn *c)
{
    sconn_drop(c);
    sb_release(&c->reply);
}

void sconn_reply_base(const struct sconn *c, struct smtp_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->stage = c->stage;
    r->oauth = c->bearer != NULL;
}

/* ---- the connect phase (libcurl) ----------------------------------------- */

/* An EHLO line "250-AUTH PLAIN LOGIN" (or "250 AUTH ..."): keep the list;
 * "250-PIPELINING": commands may go together. */
static void note_mechanisms(struct sconn *c, const char *line, size_t len)
{
    if (len == 14 && strncmp(line, "250", 3) == 0 &&
        (line[3] == '-' || line[3] == ' ') &&
        strncasecmp(line + 4, "PIPELINING", 10) == 0)
        c->pipelining = true;
    if (len > 9 && strncmp(line, "250", 3) == 0 &&
        (line[3] == '-' || line[3] == ' ') &&
        strncasecmp(line + 4, "AUTH ", 5) == 0) {
        snprintf(c->mechs, sizeof(c->mechs), "%.*s", (int)(len - 9),
                 line + 9);
        sanitize(c->mechs);
    }
}

/* Server reply lines ("250-...", "250 ..."): keep the last whole reply. */
static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct sconn *c = ud;
    size_t n = size * nitems, len = n;

    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    if (len < 3)
        return n;
    note_mechanisms(c, buf, len);
    if (!c->reply_open)
        sb_reset(&c->reply);
    else if (c->reply.len)
        sb_addch(&c->reply, ' ');
    /* Keep "NNN " once, then each line's text. */
    if (!c->reply_open || c->reply.len == 0)
        sb_add(&c->reply, buf, len > 4 ? 3 : len);
    if (len > 4) {
        if (c->reply.len == 3)
            sb_addch(&c->reply, ' ');
        sb_add(&c->reply, buf + 4, len - 4);
    }
    c->reply_open = len > 3 && buf[3] == '-';
    return n;
}

/* Commands libcurl sends tell the stage; their arguments are never looked
 * at (AUTH lines carry credentials). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
                    void *ud)
{
    struct sconn *c = ud;

    (void)h;
    if (type != CURLINFO_HEADER_OUT || size < 4)
        return 0;
    if (strncmp(data, "EHLO", 4) == 0 || strncmp(data, "HELO", 4) == 0) {
        c->mechs[0] = '\0';     /* each EHLO says it anew */
        c->pipelining = false;
    } else if (strncmp(data, "STARTTLS", size < 8 ? size : 8) == 0) {
        c->stage = STAGE_TLS;
    } else if (strncmp(data, "AUTH", 4) == 0) {
        c->stage = STAGE_AUTH;
        c->auth_sent = true;
        crash_point("smtp.auth");
    }
    return 0;
}

static void setup(struct sconn *c)
{
    CURL *h = c->h;
    const struct smtp_opts *o = c->o;
    long timeout = (long)(timeout_ms(c) / 1000);

    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* libcurl's default is no TLS at all: require it. */
    if (o->security == SMTP_SECURITY_STARTTLS)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->verify_peer ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->verify_peer ? 2L : 0L);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout * 4);
    if (o->username && (c->password || c->bearer))
        curl_easy_setopt(h, CURLOPT_USERNAME, o->username);
    if (c->bearer) {
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, c->bearer);
        curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
    } else if (c->password) {
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
        if (o->mechanism) {
            char lo[32];
            snprintf(lo, sizeof(lo), "AUTH=%s", o->mechanism);
            curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, lo);
        }
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    /* The debug callback only reads which command went out. */
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
}

/* A connect phase that failed with rc: where, and what was said. */
static void fill_connect_reply(struct sconn *c, CURLcode rc,
                               struct smtp_reply *r)
{
    long code = 0;

    sconn_reply_base(c, r);
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    if (https_tls_error(rc) && c->stage <= STAGE_TLS)
        r->stage = STAGE_TLS;
    if (rc == CURLE_LOGIN_DENIED)
        r->stage = STAGE_AUTH;
    r->code = (int)code;
    if (rc == CURLE_LOGIN_DENIED && code < 300) {
        /* libcurl found no mechanism to use: no AUTH went out. */
        r->code = 0;
        r->auth_missing = true;
        snprintf(r->text, sizeof(r->text), "the server offers no AUTH "
                 "mechanism mailrota can use (offered: %s)",
                 c->mechs[0] ? c->mechs : "none");
        return;
    }
    if (code >= 400 && (rc == CURLE_LOGIN_DENIED ||
                        rc == CURLE_WEIRD_SERVER_REPLY ||
                        rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR)) {
        /* A refusal: the text starts with the code; keep what follows. */
        const char *t = c->reply.len ? c->reply.buf : "";
        snprintf(r->text, sizeof(r->text), "%s",
                 strlen(t) > 4 && t[3] == ' ' ? t + 4 : t);
    } else {
        /* A local error (connect, TLS, timeout) or a connection lost
         * before a reply: the last code seen decided nothing. */
        r->conn_lost = true;
        r->code = 0;
        snprintf(r->text, sizeof(r->text), "%s", c->errbuf[0] ? c->errbuf
                 : curl_easy_strerror(rc));
    }
    sanitize(r->text);
    bounce_parse_enhanced(r->text, r->enhanced);
}

void sconn_drop(struct sconn *c)
{
    if (!c->h)
        return;
    /* libcurl's own QUIT at cleanup then fails at once instead of
     * waiting for a server that stalls or talks nonsense. */
    if (c->fd != CURL_SOCKET_BAD)
        shutdown(c->fd, SHUT_RDWR);
    curl_easy_cleanup(c->h);
    c->h = NULL;
    c->fd = CURL_SOCKET_BAD;
    c->npend = 0;
}

int sconn_open(struct sconn *c, struct smtp_reply *r)
{
    CURLcode rc;

    c->stage = STAGE_CONNECT;
    c->auth_sent = c->reply_open = c->stray = false;
    c->mechs[0] = c->errbuf[0] = '\0';
    sb_reset(&c->reply);
    c->fd = CURL_SOCKET_BAD;
    c->h = curl_easy_init();
    if (!c->h) {
        sconn_reply_base(c, r);
        r->conn_lost = true;
        snprintf(r->text, sizeof(r->text), "cannot create a libcurl handle");
        return -1;
    }
    setup(c);
    rc = curl_easy_perform(c->h);
    if (rc == CURLE_OK &&
        (curl_easy_getinfo(c->h, CURLINFO_ACTIVESOCKET, &c->fd) != CURLE_OK ||
         c->fd == CURL_SOCKET_BAD))
        rc = CURLE_COULDNT_CONNECT;
    if (rc != CURLE_OK) {
        fill_connect_reply(c, rc, r);
        sconn_drop(c);
        return -1;
    }
    if ((c->password || c->bearer) && !c->auth_sent) {
        /* Never unauthenticated: SPEC makes this an AUTH failure. */
        c->stage = STAGE_AUTH;
        sconn_reply_base(c, r);
        r->auth_missing = true;
        snprintf(r->text, sizeof(r->text), "the server offered no AUTH%s: "
                 "mailrota does not send without authenticating",
                 c->o->security == SMTP_SECURITY_STARTTLS ? " after STARTTLS"
                                                         : "");
        sconn_quit(c);
        return -1;
    }
    return 0;
}

/* ---- our side of the conversation -------------------------------------- */

/* 1 when fd is ready for ev, 0 at the deadline, -1 on an error. */
static int wait_fd(struct sconn *c, short ev, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { c->fd, ev, 0 };
        int64_t left = deadline - mono_ms();
        int rc;

        if (left <= 0)
            return 0;
        rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (rc > 0)
            return 1;
        if (rc < 0 && errno != EINTR) {
            snprintf(c->ioerr, sizeof(c->ioerr), "poll: %s", strerror(errno));
            return -1;
        }
    }
}

/* Sends all of buf by the deadline; -1 with c->ioerr set. */
static int send_by(struct sconn *c, const char *buf, size_t len,
                   int64_t deadline)
{
    while (len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(c->h, buf, len, &n);
        int w;

        if (rc == CURLE_AGAIN) {
            w = wait_fd(c, POLLOUT, deadline);
            if (w > 0)
                continue;
            if (w == 0)
                snprintf(c->ioerr, sizeof(c->ioerr), "the server took no "
                         "data for %lld s", (long long)timeout_ms(c) / 1000);
            return -1;
        }
        if (rc != CURLE_OK) {
            snprintf(c->ioerr, sizeof(c->ioerr), "send failed: %s",
                     curl_easy_strerror(rc));
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}

/* Bytes read past a reply: kept for the next one when `more` (commands
 * sent together), else replies nobody asked for. */
static void past_reply(struct sconn *c, const char *rest, size_t n,
                       bool more)
{
    if (!n)
        return;
    if (more && n <= sizeof(c->pend) - c->npend) {
        memcpy(c->pend + c->npend, rest, n);
        c->npend += n;
    } else {
        c->stray = true;
    }
}

/* Feeds what the last read left over to rp. */
static void feed_pending(struct sconn *c, struct reply *rp, bool more)
{
    size_t n = c->npend, used;

    if (!n)
        return;
    used = reply_feed(rp, c->pend, n);
    c->npend = 0;
    if (used < n && more) {
        memmove(c->pend, c->pend + used, n - used);
        c->npend = n - used;
    } else if (used < n) {
        c->stray = true;
    }
}

/* Reads one reply by the deadline, first from what the last read left
 * over (more: bytes after it are the next reply's).  0 when one came
 * whole (rp says how clean it was); -1 with c->ioerr set when none did. */
static int read_reply(struct sconn *c, struct reply *rp, bool more,
                      int64_t deadline)
{
    char buf[4096];

    reply_init(rp);
    feed_pending(c, rp, more);
    while (rp->state == REPLY_MORE) {
        size_t n = 0, used;
        CURLcode rc = curl_easy_recv(c->h, buf, sizeof(buf), &n);
        int w;

        if (rc == CURLE_AGAIN) {
            w = wait_fd(c, POLLIN, deadline);
            if (w > 0)
                continue;
            if (w == 0)
                snprintf(c->ioerr, sizeof(c->ioerr), "no reply from the "
                         "server within %lld s",
                         (long long)timeout_ms(c) / 1000);
            return -1;
        }
        if (rc != CURLE_OK || n == 0) {
            snprintf(c->ioerr, sizeof(c->ioerr), "%s", rc != CURLE_OK
                     ? curl_easy_strerror(rc)
                     : "the server closed the connection");
            return -1;
        }
        used = reply_feed(rp, buf, n);
        if (rp->state == REPLY_DONE)
            past_reply(c, buf + used, n - used, more);
    }
    if (rp->state == REPLY_BAD) {
        snprintf(c->ioerr, sizeof(c->ioerr), "%s", rp->why);
        return -1;
    }
    return 0;
}

int sconn_command(struct sconn *c, const char *line, const char *crash,
                  struct reply *rp)
{
    int64_t deadline = mono_ms() + timeout_ms(c);

    c->stray = false;
    c->npend = 0;
    if (send_by(c, line, strlen(line), deadline) < 0)
        return -1;
    if (crash)
        crash_point(crash);
    return read_reply(c, rp, false, deadline);
}

int sconn_next(struct sconn *c, bool more, struct reply *rp)
{
    c->stray = false;
    return read_reply(c, rp, more, mono_ms() + timeout_ms(c));
}

void sconn_quit(struct sconn *c)
{
    struct reply rp;
    int64_t deadline = mono_ms() + (timeout_ms(c) < QUIT_WAIT_MS
                                    ? timeout_ms(c) : QUIT_WAIT_MS);

    if (c->h && send_by(c, "QUIT\r\n", 6, deadline) == 0)
        read_reply(c, &rp, false, deadline);
    sconn_drop(c);
}

int sconn_send(struct sconn *c, const char *buf, size_t len)
{
    return send_by(c, buf, len, mono_ms() + timeout_ms(c));
}

bool sconn_idle_ok(struct sconn *c)
{
    struct pollfd p = { c->fd, POLLIN, 0 };

    return c->h && poll(&p, 1, 0) == 0;
}
