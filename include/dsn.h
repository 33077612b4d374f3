/*
 * dsn.h - the body of a message/delivery-status part (RFC 3464), parsed:
 * a block of per-message fields, then one block per recipient, as header
 * lines (folded lines joined, names case-insensitive) separated by blank
 * lines.  Pure and bounded: fixed-size fields, at most DSN_MAX_RCPTS
 * recipients; junk lines are skipped, over-long values cut.
 */
#ifndef MAILROTA_DSN_H
#define MAILROTA_DSN_H

#include <stdbool.h>
#include <stddef.h>

#define DSN_MAX_RCPTS 16
#define DSN_FIELD_MAX 256   /* addresses, MTA names, dates */
#define DSN_WORD_MAX 32     /* action, status, diagnostic type */
#define DSN_DIAG_MAX 512    /* as SMTP_TEXT_MAX */

struct dsn_recipient {
    /* address types ("rfc822;") stripped, and angle brackets */
    char final_recipient[DSN_FIELD_MAX];
    char original_recipient[DSN_FIELD_MAX];
    char action[DSN_WORD_MAX];     /* lower case: failed, delayed, ... */
    char status[DSN_WORD_MAX];     /* "5.1.1"; "" when none is given */
    char diag_type[DSN_WORD_MAX];  /* "smtp", or "" */
    char diagnostic[DSN_DIAG_MAX]; /* Diagnostic-Code after the type */
    int smtp_code;                 /* its leading reply code (550), or 0 */
    char remote_mta[DSN_FIELD_MAX];/* type stripped */
    char last_attempt_date[DSN_FIELD_MAX];
};

struct dsn {
    char reporting_mta[DSN_FIELD_MAX];   /* type stripped */
    char received_from_mta[DSN_FIELD_MAX];
    char arrival_date[DSN_FIELD_MAX];
    char original_envelope_id[DSN_FIELD_MAX];
    size_t n_rcpts;
    struct dsn_recipient rcpt[DSN_MAX_RCPTS];
    bool more_rcpts;  /* recipients past DSN_MAX_RCPTS were dropped */
};

/*
 * Parses body[0..len) (need not be NUL-terminated; NUL bytes end a line's
 * value) into d, which it clears first.  Never fails: what cannot be read
 * is left empty.  A block with no recipient field adds no recipient; a
 * repeated Final-Recipient within one block (a missing blank line) starts
 * a new recipient.
 */
void dsn_parse(const char *body, size_t len, struct dsn *d);

#endif
