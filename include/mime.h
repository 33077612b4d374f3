/*
 * mime.h - an inbound message, parsed with GMime 3 into plain C strings
 * for the pure classifier (inbound_class.h): the header fields SPEC
 * "Inbound" looks at, the raw delivery-status body, the returned
 * original's Message-ID and To, and the first text body as UTF-8.  No
 * GMime type appears here.
 *
 * GMime keeps global state: mime_global_init() must run once, before any
 * mime_parse() and before a second thread exists (g_mime_init is not
 * thread-safe).  The `inbox` command (or `run`, before it reads) calls
 * it; mime_parse() also calls it when nobody has, which is safe only in a
 * single-threaded process (the unit tests and fuzz targets).
 * mime_global_shutdown() frees it at exit (optional; for leak checkers).
 */
#ifndef MAILROTA_MIME_H
#define MAILROTA_MIME_H

#include <stdbool.h>
#include <stddef.h>

#define MIME_MAX_BYTES ((size_t)10 << 20) /* over this: headers only */
#define MIME_HEADER_MAX ((size_t)1 << 20) /* headers parsed at most */
#define MIME_BODY_MAX ((size_t)64 << 10)  /* text body kept, bytes */
#define MIME_DSN_MAX ((size_t)64 << 10)   /* delivery-status body kept */
#define MIME_MAX_MULTIPARTS 64            /* more: headers only */
#define MIME_REASON_MAX 160

/*
 * Every string is NUL-terminated UTF-8 and never NULL ("" when absent);
 * header values are unfolded, RFC 2047 words decoded where the field is
 * text (Subject, From, To).  Message-IDs are as the message gives them
 * (mime.c does not normalise; inbound_class.h does).
 */
struct mime_msg {
    char *from;          /* the From field, decoded */
    char *from_addr;     /* its first address, as given */
    char *to;            /* the To field, decoded */
    char *to_addr;       /* its first address */
    char *subject;
    char *message_id;    /* without angle brackets */
    char *in_reply_to;   /* raw */
    char *references;    /* raw */
    char *auto_submitted;
    char *x_autoreply;
    char *x_autorespond;
    char *precedence;
    char *ms_is_ndr;     /* X-MS-Exchange-Message-Is-Ndr */
    char *ms_rules_loop; /* X-MS-Exchange-Inbox-Rules-Loop */
    char *ms_generated;  /* X-MS-Exchange-Generated-Message-Source */
    char *return_path;   /* raw: "<>" for a null sender */
    char *content_type;  /* "multipart/report", lower case */
    char *report_type;   /* its report-type parameter, lower case */
    bool has_return_path;/* a Return-Path field is there (maybe empty) */
    bool has_ms_is_ndr;  /* X-MS-Exchange-Message-Is-Ndr is there (its
                            value is usually empty) */
    bool has_auto_submitted;
    bool has_x_autoreply;
    bool has_x_autorespond;
    bool has_ms_rules_loop;
    bool has_ms_generated;

    char *dsn;           /* the first message/delivery-status body */
    size_t dsn_len;
    bool has_dsn;

    char *orig_message_id; /* the returned original's (no brackets) */
    char *orig_to;
    bool has_original;

    char *body;          /* first text/plain, else text/html as text */
    size_t body_len;
    bool body_from_html;

    bool headers_only;   /* over MIME_MAX_BYTES, or too many parts */
    char reason[MIME_REASON_MAX]; /* why parsing fell short, or "" */
};

/* Once per process, before threads (see above).  Idempotent. */
void mime_global_init(void);
void mime_global_shutdown(void);

/*
 * Parses raw[0..len) into m (which it initialises).  Never fails: a
 * malformed, truncated or hostile message yields what could be read and
 * a reason; returns 0 when the message parsed cleanly, -1 when m->reason
 * says what went wrong.  mime_release() frees m either way.
 */
int mime_parse(const char *raw, size_t len, struct mime_msg *m);
void mime_release(struct mime_msg *m);

/*
 * HTML as text (pure): tags dropped, script/style bodies dropped, <br>,
 * <p>, <div>, <tr>, <li> and headings as line breaks, the common entities
 * and numeric references decoded.  Returns a new string (xmalloc) of at
 * most max bytes (cut at a UTF-8 boundary).
 */
char *mime_html_to_text(const char *html, size_t len, size_t max);

#endif
