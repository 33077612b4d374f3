/*
 * runlock.h - the run's lock file, <database>.lock.  An exclusive flock()
 * on it, held for the whole run, lets one run send at a time.  It also
 * holds one line naming the newest claim any run made (the send, its run
 * and when that run started), written after the claim's commit and before
 * any of its SMTP or Graph traffic.  The next run checks that the database
 * still holds that claim: if it does not, the database lost writes that
 * mail already went out for (its -wal file deleted or not copied after a
 * crash, or an older copy restored), and sending now could send that mail
 * twice, so the run refuses.  Not pure.
 *
 * The line, fixed width, so that each write replaces the last:
 *   mailrota-run v1 SEND-UUID RUN-UUID STARTED\n
 * A lock file without it (new, or from an older mailrota) tells nothing.
 */
#ifndef MAILROTA_RUNLOCK_H
#define MAILROTA_RUNLOCK_H

#include "db.h"
#include "err.h"

struct runlock {
    int fd;
    char *path;        /* NULL: not taken */
};

/*
 * Opens (mode 0600) and locks <db_path>.lock without waiting.
 * Errors: ERR_TEMPFAIL (another run holds it: nothing sent),
 * ERR_CANTCREAT (cannot open it), ERR_OSERR.
 */
int runlock_take(struct runlock *lk, const char *db_path,
                 struct errinfo *ei);

/*
 * Checks that db holds the newest claim the lock file names (see above).
 * Errors: ERR_IO naming the database, the run and what to do when it does
 * not; ERR_DB and the like when db cannot be read.
 */
int runlock_check(struct runlock *lk, struct db *db, struct errinfo *ei);

/*
 * Notes a claim on disk: send_id of run run_id, started at started
 * (ISO-8601).  Call it before any of the message's content goes out, in
 * claim order.
 * Errors: ERR_IO (the line cannot be written: send nothing).
 */
int runlock_claimed(struct runlock *lk, const char *send_id,
                    const char *run_id, const char *started,
                    struct errinfo *ei);

/*
 * For init, which has just created the database at db_path: a lock file
 * left there names claims of another database, so its line is removed
 * (best effort; the file stays).
 */
void runlock_forget(const char *db_path);

/* Releases the lock (closing the file).  A no-op when not taken. */
void runlock_release(struct runlock *lk);

#endif
