/*
 * https.h - what the token endpoint and Graph requests share over libcurl:
 * HTTPS only, peer verification as configured (tls.verify_peer,
 * tls.ca_file), bounded timeouts, the answer's body (bounded) and its
 * Retry-After, and where a failed request stopped: before the connection,
 * in TLS, or after the request went out.  Not pure.
 */
#ifndef MAILROTA_HTTPS_H
#define MAILROTA_HTTPS_H

#include <stdbool.h>

#include <curl/curl.h>

#include "bounce.h"
#include "config.h"
#include "util.h"

/* Longest answer body kept; the rest is read and dropped. */
#define HTTPS_BODY_MAX (256 * 1024)

struct https_resp {
    struct strbuf body;
    char retry_after[64];      /* the header's value, or "" */
    char errbuf[CURL_ERROR_SIZE];
};

/*
 * Resets h and sets what every request of ours needs: url, HTTPS only,
 * TLS from cfg, timeouts from smtp.timeout_seconds, and r to collect the
 * answer (r must stay alive until the transfer ends; https_resp_release
 * frees it).
 */
void https_setup(CURL *h, const struct config *cfg, const char *url,
                 struct https_resp *r);
void https_resp_release(struct https_resp *r);

/*
 * After a transfer that ended with rc: 0 and *status the HTTP status when
 * an answer came; otherwise -1 and *reply filled with where it stopped --
 * STAGE_CONNECT or STAGE_TLS when the request cannot have gone out, else
 * `stage` with conn_lost set -- and libcurl's error text.
 */
int https_result(CURL *h, CURLcode rc, struct https_resp *r,
                 enum bounce_stage stage, long *status,
                 struct smtp_reply *reply);

/*
 * Whether a libcurl result is a TLS failure (handshake, certificate,
 * STARTTLS refused) -- for every transfer of ours, SMTP ones included.
 */
bool https_tls_error(CURLcode rc);

/*
 * Seconds a Retry-After value asks to wait: delta-seconds, or an HTTP date
 * (RFC 9110) compared with `now`.  0 when absent or unparsable; at most a
 * day.
 */
int https_retry_after(const char *value, int64_t now);

#endif
