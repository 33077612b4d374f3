#include "runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "log.h"
#include "store_run.h"
#include "util.h"

#include "banned.h"

#define UUID_LEN 36
/* "mailrota-run v1 " + send + ' ' + run + ' ' + started + '\n' */
#define LINE_LEN (16 + UUID_LEN + 1 + UUID_LEN + 1 + (ISO_TIME_LEN - 1) + 1)

int runlock_take(struct runlock *lk, const char *db_path,
                 struct errinfo *ei)
{
    char *path = xasprintf("%s.lock", db_path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0) {
        err_set(ei, ERR_CANTCREAT, "cannot open lock file '%s': %s", path,
                strerror(errno));
        free(path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            err_set(ei, ERR_TEMPFAIL, "another run holds the lock '%s': "
                    "nothing sent", path);
        else
            err_set(ei, ERR_OSERR, "cannot lock '%s': %s", path,
                    strerror(e));
        free(path);
        return -1;
    }
    lk->fd = fd;
    lk->path = path;
    return 0;
}

int runlock_check(struct runlock *lk, struct db *db, struct errinfo *ei)
{
    char line[LINE_LEN + 1], send[UUID_LEN + 1], run[UUID_LEN + 1];
    char started[ISO_TIME_LEN];
    ssize_t n = pread(lk->fd, line, LINE_LEN, 0);
    bool lost;

    if (n != LINE_LEN)
        return 0;   /* a new lock file, or an older mailrota's */
    line[n] = '\0';
    if (sscanf(line, "mailrota-run v1 %36s %36s %20s", send, run,
               started) != 3)
        return 0;
    if (store_run_claim_lost(db, send, run, &lost, ei) < 0)
        return -1;
    if (!lost)
        return 0;
    return err_set(ei, ERR_IO, "database '%s' lost writes of the run "
                   "started %s: the last message it claimed is not in it, "
                   "so its -wal file was deleted or not copied after that "
                   "run stopped (or an older copy was restored), and mail "
                   "that run sent could go out again: put the -wal file "
                   "back beside the database if you have it; else check "
                   "the mailboxes' Sent folders from then, and remove '%s' "
                   "to accept the loss", db->path, started, lk->path);
}

int runlock_claimed(struct runlock *lk, const char *send_id,
                    const char *run_id, const char *started,
                    struct errinfo *ei)
{
    char line[LINE_LEN + 1];
    int len = snprintf(line, sizeof(line), "mailrota-run v1 %-36.36s "
                       "%-36.36s %-20.20s\n", send_id, run_id, started);

    if (len != LINE_LEN || pwrite(lk->fd, line, LINE_LEN, 0) != LINE_LEN)
        return err_set(ei, ERR_IO, "cannot write lock file '%s': %s: "
                       "nothing more is sent", lk->path,
                       len != LINE_LEN ? "bad claim" : strerror(errno));
    return 0;
}

void runlock_forget(const char *db_path)
{
    char *path = xasprintf("%s.lock", db_path);
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

    if (fd >= 0) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && ftruncate(fd, 0) < 0)
            log_warn("cannot empty lock file '%s'", path);
        close(fd);
    }
    free(path);
}

void runlock_release(struct runlock *lk)
{
    if (!lk->path)
        return;
    close(lk->fd);
    free(lk->path);
    lk->path = NULL;
    lk->fd = -1;
}
