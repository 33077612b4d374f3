#include "stop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#include "banned.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;         /* on CLOCK_MONOTONIC; see init_cv() */
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static atomic_int requested;      /* the first signal, 0 until then */
static sigset_t watched, old_mask;
static pthread_t watcher;
static bool watching, ending;
static void (*notify_fn)(void *);
static void *notify_arg;

static void init_cv(void)
{
    pthread_condattr_t a;

    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &a);
    pthread_condattr_destroy(&a);
}

const char *stop_signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal";
}

/* The second signal: end now, by that signal, as if never caught. */
static void die_by(int sig)
{
    struct sigaction sa;
    sigset_t one;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig);   /* not reached */
}

static void *watch(void *unused)
{
    (void)unused;
    for (;;) {
        int sig = 0;

        if (sigwait(&watched, &sig) != 0)
            continue;
        pthread_mutex_lock(&mu);
        if (ending) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        if (!atomic_load(&requested)) {
            atomic_store(&requested, sig);
            pthread_cond_broadcast(&cv);
            pthread_mutex_unlock(&mu);
            log_warnx("%s: stopping: no new message is started, those in "
                      "flight finish and are recorded (a second signal "
                      "stops at once)", stop_signal_name(sig));
            if (notify_fn)
                notify_fn(notify_arg);
            continue;
        }
        pthread_mutex_unlock(&mu);
        log_warnx("%s again: stopping at once; messages in flight stay "
                  "'sending' and the next run marks them 'unknown'",
                  stop_signal_name(sig));
        die_by(sig);
    }
}

int stop_watch_start(void (*notify)(void *), void *arg, struct errinfo *ei)
{
    static const int sigs[] = { SIGTERM, SIGINT };
    struct sigaction old;
    int e;

    pthread_once(&cv_once, init_cv);
    sigemptyset(&watched);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], NULL, &old) == 0 &&
            old.sa_handler != SIG_IGN)
            sigaddset(&watched, sigs[i]);
    if (sigismember(&watched, SIGTERM) != 1 &&
        sigismember(&watched, SIGINT) != 1)
        return 0;
    notify_fn = notify;
    notify_arg = arg;
    ending = false;
    pthread_sigmask(SIG_BLOCK, &watched, &old_mask);
    e = pthread_create(&watcher, NULL, watch, NULL);
    if (e != 0) {
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
        return err_set(ei, ERR_OSERR, "cannot start a thread to watch for "
                       "SIGTERM: %s", strerror(e));
    }
    watching = true;
    return 0;
}

void stop_watch_end(void)
{
    if (!watching)
        return;
    pthread_mutex_lock(&mu);
    ending = true;
    pthread_mutex_unlock(&mu);
    /* Wakes sigwait(): the thread sees `ending` and returns. */
    pthread_kill(watcher, sigismember(&watched, SIGTERM) == 1 ? SIGTERM
                                                              : SIGINT);
    pthread_join(watcher, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    watching = false;
}

bool stop_requested(void)
{
    return atomic_load(&requested) != 0;
}

int stop_signal(void)
{
    return atomic_load(&requested);
}

bool stop_sleep_ms(int64_t ms)
{
    struct timespec until;

    pthread_once(&cv_once, init_cv);
    if (ms <= 0)
        return stop_requested();
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while (!atomic_load(&requested) &&
           pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&mu);
    return stop_requested();
}
