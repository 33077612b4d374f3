/*
 * graph.h - Microsoft Graph sendMail: the message's MIME text, base64, is
 * posted to {graph.base_url}/users/{mailbox}/sendMail with a Bearer token
 * (graph.scope).  202 Accepted means sent.  The answer becomes a struct
 * smtp_reply at STAGE_HTTP: the HTTP status as code, "GraphCode: message"
 * as text and Retry-After in retry_after; bounce_classify() decides.  A
 * request that cannot have left (connect, TLS) reports STAGE_CONNECT or
 * STAGE_TLS, one lost after it left STAGE_HTTP with conn_lost.
 *
 * A request is an object so that a mailbox can have several in flight on a
 * curl multi handle (SPEC: at most 4 at once per mailbox).  Not pure.
 */
#ifndef MAILROTA_GRAPH_H
#define MAILROTA_GRAPH_H

#include <stddef.h>

#include <curl/curl.h>

#include "bounce.h"
#include "config.h"

struct graph_req;

/*
 * A ready request (not started) sending mime[0..len) as `mailbox` with
 * `token` (copied, wiped on free).  Free with graph_req_free().
 */
struct graph_req *graph_req_new(const struct config *cfg, const char *mailbox,
                                const char *mime, size_t len,
                                const char *token);

/* Its easy handle, for curl_multi_add_handle(); owned by the request. */
CURL *graph_req_handle(struct graph_req *q);

/*
 * After the transfer ended with rc: fills *reply; returns 0 when Graph
 * accepted the message (202), 1 otherwise.
 */
int graph_req_result(struct graph_req *q, CURLcode rc,
                     struct smtp_reply *reply);

void graph_req_free(struct graph_req *q);

/*
 * `mailbox test`: connects to graph.base_url's host and completes the TLS
 * handshake, sending no request.  Returns 0, or 1 with *reply at
 * STAGE_CONNECT or STAGE_TLS saying why not.
 */
int graph_probe(const struct config *cfg, struct smtp_reply *reply);

#endif
