/*
 * log.h - diagnostics on stderr.  Default level is warn; -v gives info and
 * -vv debug; -q silences warnings too (errors and log_alert still print).
 * All functions preserve errno.  Never pass secrets; pass untrusted text
 * through sanitize().
 */
#ifndef MAILROTA_LOG_H
#define MAILROTA_LOG_H

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
};

void log_set_level(int level);
int log_get_level(void);

/* "mailrota: error: ..." (always shown). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "mailrota: warning: ..." that -q does not silence: what cron must see
 * (SPEC: an unhealthy night is never silent). */
void log_alert(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
