#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "banned.h"

int err_set(struct errinfo *ei, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    if (!ei)
        return -1;
    ei->code = code;
    va_start(ap, fmt);
    vsnprintf(ei->msg, sizeof(ei->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int err_vset_at(struct errinfo *ei, enum err_code code, const char *file,
                long line, const char *fmt, va_list ap)
{
    char msg[ERR_MSG_MAX];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (!file)
        return err_set(ei, code, "line %ld: %s", line, msg);
    if (line > 0)
        return err_set(ei, code, "%s:%ld: %s", file, line, msg);
    return err_set(ei, code, "%s: %s", file, msg);
}

int err_prefix(struct errinfo *ei, const char *fmt, ...)
{
    char buf[2 * ERR_MSG_MAX + 2];
    va_list ap;
    int n;

    if (!ei)
        return -1;
    va_start(ap, fmt);
    n = vsnprintf(buf, ERR_MSG_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if (n >= ERR_MSG_MAX)
        n = ERR_MSG_MAX - 1;
    buf[n++] = ':';
    buf[n++] = ' ';
    memcpy(buf + n, ei->msg, ERR_MSG_MAX);
    buf[n + ERR_MSG_MAX - 1] = '\0';
    memcpy(ei->msg, buf, ERR_MSG_MAX - 1);
    ei->msg[ERR_MSG_MAX - 1] = '\0';
    return -1;
}

void err_clear(struct errinfo *ei)
{
    if (!ei)
        return;
    ei->code = ERR_OK;
    ei->msg[0] = '\0';
}

int err_exit_code(enum err_code code)
{
    switch (code) {
    case ERR_OK:          return EX_OK;
    case ERR_USAGE:       return EX_USAGE;
    case ERR_DATA:        return EX_DATAERR;
    case ERR_NOINPUT:     return EX_NOINPUT;
    case ERR_UNAVAILABLE: return EX_UNAVAILABLE;
    case ERR_OSERR:       return EX_OSERR;
    case ERR_CANTCREAT:   return EX_CANTCREAT;
    case ERR_IO:          return EX_IOERR;
    case ERR_TEMPFAIL:    return EX_TEMPFAIL;
    case ERR_CONFIG:      return EX_CONFIG;
    case ERR_SOFTWARE:
    case ERR_DB:          return EX_SOFTWARE;
    }
    return EX_SOFTWARE;
}
