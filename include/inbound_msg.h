/*
 * inbound_msg.h - an inbound message as plain C strings: what the pure
 * classifier (inbound_class.h) reads, and what the MIME parser (mime.h,
 * GMime 3, in src/io) fills.  A header of the core: no library type here.
 */
#ifndef MAILROTA_INBOUND_MSG_H
#define MAILROTA_INBOUND_MSG_H

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

#endif
