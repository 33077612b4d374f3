/*
 * err.h - error reporting: an error class plus a fixed message buffer.
 *
 * A function that can fail returns int (0 success, -1 failure) and fills the
 * struct errinfo passed as its last argument.  Only main.c maps the class to
 * a sysexits.h exit status (err_exit_code()).
 */
#ifndef MAILROTA_ERR_H
#define MAILROTA_ERR_H

#include <stdarg.h>

enum err_code {
    ERR_OK = 0,
    ERR_USAGE,       /* bad command line                       -> 64 */
    ERR_DATA,        /* bad input data                         -> 65 */
    ERR_NOINPUT,     /* input file missing / unreadable        -> 66 */
    ERR_UNAVAILABLE, /* no mailbox could connect / auth        -> 69 */
    ERR_SOFTWARE,    /* internal error                         -> 70 */
    ERR_OSERR,       /* system error                           -> 71 */
    ERR_CANTCREAT,   /* cannot create database or key file     -> 73 */
    ERR_IO,          /* I/O error                              -> 74 */
    ERR_TEMPFAIL,    /* lock held, or nothing sent, retry      -> 75 */
    ERR_CONFIG,      /* bad configuration, insecure key file   -> 78 */
    ERR_DB,          /* database error                         -> 70 */
};

#define ERR_MSG_MAX 512

struct errinfo {
    enum err_code code;
    char msg[ERR_MSG_MAX];
};

/* Sets ei (if not NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(struct errinfo *ei, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like err_set with a location: "FILE:LINE: msg", or "FILE: msg" when line
 * is 0 or less, or "line LINE: msg" when file is NULL.
 */
int err_vset_at(struct errinfo *ei, enum err_code code, const char *file,
                long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* Prefixes the existing message with a formatted context ("ctx: msg"). */
int err_prefix(struct errinfo *ei, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void err_clear(struct errinfo *ei);

/* The sysexits.h status for an error class. */
int err_exit_code(enum err_code code);

#endif
