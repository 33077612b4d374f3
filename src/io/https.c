/*
 * https.c - the common part of mailrota's HTTPS requests.  See https.h.
 */
#include "https.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#include "banned.h"

static size_t body_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct https_resp *r = ud;
    size_t n = size * nitems;

    /* Past the bound the rest is dropped, not an error: the status and
     * the start of the body are what matter. */
    if (r->body.len + n <= HTTPS_BODY_MAX)
        sb_add(&r->body, buf, n);
    return n;
}

static size_t header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct https_resp *r = ud;
    size_t n = size * nitems, len = n;
    static const char name[] = "retry-after:";
    size_t i = sizeof(name) - 1;

    if (len <= i || strncasecmp(buf, name, i) != 0)
        return n;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    while (len > i && (buf[len - 1] == '\r' || buf[len - 1] == '\n' ||
                       buf[len - 1] == ' '))
        len--;
    snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
             (int)(len - i), buf + i);
    return n;
}

void https_setup(CURL *h, const struct config *cfg, const char *url,
                 struct https_resp *r)
{
    long timeout = cfg->smtp.timeout_seconds > 0 ? cfg->smtp.timeout_seconds
                                                 : 30;

    memset(r, 0, sizeof(*r));
    sb_init(&r->body, HTTPS_BODY_MAX + 1);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, cfg->tls.verify_peer ? 1L
                                                                     : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, cfg->tls.verify_peer ? 2L
                                                                     : 0L);
    if (cfg->tls.ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->tls.ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout * 2);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mailrota");
}

void https_resp_release(struct https_resp *r)
{
    if (r->body.buf)
        secure_wipe(r->body.buf, r->body.len);
    sb_release(&r->body);
}

bool https_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
        return true;
    default:
        return false;
    }
}

int https_result(CURL *h, CURLcode rc, struct https_resp *r,
                 enum bounce_stage stage, long *status,
                 struct smtp_reply *reply)
{
    curl_off_t connected = 0, secured = 0;
    long sent = 0;

    if (rc == CURLE_OK) {
        *status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        return 0;
    }
    memset(reply, 0, sizeof(*reply));
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
    curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &secured);
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &sent);
    reply->conn_lost = true;
    if (https_tls_error(rc) || (connected > 0 && secured == 0))
        reply->stage = STAGE_TLS;
    else if (sent == 0)
        reply->stage = STAGE_CONNECT;
    else
        reply->stage = stage;
    /* The token endpoint's failures all belong to the token stage. */
    if (stage == STAGE_TOKEN)
        reply->stage = STAGE_TOKEN;
    snprintf(reply->text, sizeof(reply->text), "%s",
             r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
    sanitize(reply->text);
    return -1;
}

int https_retry_after(const char *value, int64_t now)
{
    long long secs;
    time_t when;

    if (!value || !*value)
        return 0;
    if (isdigit((unsigned char)value[0])) {
        if (parse_int(value, 0, 86400LL * 365, &secs) < 0)
            return 0;
    } else {
        when = curl_getdate(value, NULL);
        if (when < 0)
            return 0;
        secs = (long long)when - now;
    }
    if (secs < 0)
        secs = 0;
    return secs > 86400 ? 86400 : (int)secs;
}
