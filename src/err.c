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

int err_prefix(struct errinfo *ei, const char *fmt, ...)
{
    char prefix[ERR_MSG_MAX];
    char old[ERR_MSG_MAX];
    va_list ap;

    if (!ei)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, ei->msg, sizeof(old));
    snprintf(ei->msg, sizeof(ei->msg), "%s: %s", prefix, old);
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
