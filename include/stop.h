/*
 * stop.h - SIGTERM and SIGINT during `run` (SPEC "Signals and stopping").
 * The first asks the run to stop: no new message is started, and messages
 * in flight finish and are recorded.  A second one ends the process at
 * once, by that signal: messages in flight stay `sending` and the next run
 * marks them `unknown`, as after a crash.
 *
 * No signal handler runs: stop_watch_start() blocks both signals in the
 * calling thread, so every thread started afterwards (mailbox workers,
 * libcurl's resolver) inherits the block and no system call is ever
 * interrupted, and one thread of its own takes them with sigwait().  A
 * signal the process inherited as ignored (nohup, a background job of a
 * non-interactive shell) stays ignored.  Not pure.
 */
#ifndef MAILROTA_STOP_H
#define MAILROTA_STOP_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/*
 * Starts watching for SIGTERM and SIGINT.  At the first, notify(arg) is
 * called (from the watching thread; may be NULL), so that threads waiting
 * on conditions of their own can look at stop_requested().  Call it before
 * starting threads, and stop_watch_end() once they are joined.
 * Errors: ERR_OSERR (no thread).
 */
int stop_watch_start(void (*notify)(void *), void *arg, struct errinfo *ei);

/* Stops the watching thread and restores the signal mask.  A no-op when
 * not watching. */
void stop_watch_end(void);

/* True once a first signal arrived. */
bool stop_requested(void);

/* The signal that asked the run to stop (SIGTERM or SIGINT), or 0. */
int stop_signal(void);

/* "SIGTERM", "SIGINT" (for messages). */
const char *stop_signal_name(int sig);

/*
 * Sleeps ms milliseconds, or less when a stop is requested meanwhile (or
 * already was).  Returns stop_requested().  Pacing waits use it, so a stop
 * does not sleep out a long min_gap_seconds.
 */
bool stop_sleep_ms(int64_t ms);

#endif
