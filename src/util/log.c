#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

static int log_level = LOG_LEVEL_WARN;

void log_set_level(int level)
{
    if (level < LOG_LEVEL_ERROR)
        level = LOG_LEVEL_ERROR;
    if (level > LOG_LEVEL_DEBUG)
        level = LOG_LEVEL_DEBUG;
    log_level = level;
}

int log_get_level(void)
{
    return log_level;
}

static void vlog(int level, const char *tag, int errnum, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void vlog(int level, const char *tag, int errnum, const char *fmt,
                 va_list ap)
{
    int saved = errno;

    if (level > log_level)
        return;
    fputs("mailrota: ", stderr);
    if (tag)
        fputs(tag, stderr);
    vfprintf(stderr, fmt, ap);
    if (errnum)
        fprintf(stderr, ": %s", strerror(errnum));
    fputc('\n', stderr);
    fflush(stderr);
    errno = saved;
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_ERROR, "error: ", 0, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    int e = errno;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_WARN, "warning: ", e, fmt, ap);
    va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_WARN, "warning: ", 0, fmt, ap);
    va_end(ap);
}

void log_alert(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_ERROR, "warning: ", 0, fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_INFO, NULL, 0, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_LEVEL_DEBUG, "debug: ", 0, fmt, ap);
    va_end(ap);
}
