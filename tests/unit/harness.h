/*
 * harness.h - a tiny TAP-printing unit test harness.
 *
 *   static void test_foo(void) { T_INT(1 + 1, 2); T_STR(s, "x"); }
 *   int main(void) { T_RUN(test_foo); return t_done(); }
 *
 * Prints "ok N - ..." / "not ok N - ..." per check and a final line
 * "N passed, N failed"; the exit status is 1 when any check failed.
 */
#ifndef MAILROTA_HARNESS_H
#define MAILROTA_HARNESS_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;
static const char *t_current = "";

static inline void t_report(int ok, const char *file, int line,
                            const char *what)
{
    if (ok) {
        t_passed++;
        printf("ok %d - %s: %s\n", t_passed + t_failed, t_current, what);
    } else {
        t_failed++;
        printf("not ok %d - %s: %s (%s:%d)\n", t_passed + t_failed,
               t_current, what, file, line);
    }
}

#define T_OK(cond) t_report(!!(cond), __FILE__, __LINE__, #cond)

#define T_INT(got, want)                                                    \
    do {                                                                    \
        long long t_g_ = (long long)(got), t_w_ = (long long)(want);        \
        t_report(t_g_ == t_w_, __FILE__, __LINE__, #got " == " #want);      \
        if (t_g_ != t_w_)                                                   \
            printf("#   got %lld, want %lld\n", t_g_, t_w_);                \
    } while (0)

#define T_STR(got, want)                                                    \
    do {                                                                    \
        const char *t_g_ = (got), *t_w_ = (want);                           \
        int t_ok_ = (t_g_ && t_w_) ? strcmp(t_g_, t_w_) == 0 : t_g_ == t_w_; \
        t_report(t_ok_, __FILE__, __LINE__, #got " == " #want);             \
        if (!t_ok_)                                                         \
            printf("#   got \"%s\", want \"%s\"\n", t_g_ ? t_g_ : "(null)", \
                   t_w_ ? t_w_ : "(null)");                                 \
    } while (0)

#define T_RUN(fn)                                                           \
    do {                                                                    \
        t_current = #fn;                                                    \
        fn();                                                               \
    } while (0)

static inline int t_done(void)
{
    printf("1..%d\n", t_passed + t_failed);
    printf("%d passed, %d failed\n", t_passed, t_failed);
    return t_failed ? 1 : 0;
}

#endif
