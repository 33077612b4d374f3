/*
 * run_db.c - the workers' one database connection (run_engine.h): taken
 * under dbmu, committed without waiting for the disk, made durable by
 * run_sync outside the lock (one fdatasync of the -wal file for every
 * commit before it), and the records it holds flushed before a worker
 * waits.  docs/RELIABILITY.md, "One fsync per message".
 */
#include <stdio.h>
#include <string.h>

#include "run_engine.h"

#include "banned.h"

/*
 * How long a busy database (a user's sqlite3 transaction) is waited for
 * on the workers' connection (db_wait_while), by the worker that holds it
 * (run_db_lock): a reply already received is recorded however long that
 * takes, so it is never lost (only a second signal ends the wait, and the
 * message stays `sending`); a claim gives up once the run stops.
 */
static bool worker_waits(void *arg)
{
    struct run *r = arg;
    const struct worker *w = r->db_user;

    return (w && w->recording) || !run_halting(r);
}

struct db *run_db_lock(struct run *r, struct worker *w)
{
    pthread_mutex_lock(&r->dbmu);
    r->db_user = w;
    return r->wdb;
}

void run_db_unlock(struct run *r)
{
    r->db_user = NULL;
    pthread_mutex_unlock(&r->dbmu);
}

int run_commit(struct run *r, const char *claim, unsigned long *gen,
               struct errinfo *ei)
{
    *gen = 0;
    if (!r->wdb->held)
        return 0;
    if (store_run_settle(r->wdb, ei) < 0) {
        run_halt(r, ei);
        return -1;
    }
    pthread_mutex_lock(&r->genmu);
    *gen = ++r->db_gen;
    if (claim) {
        snprintf(r->last_claim, sizeof(r->last_claim), "%s", claim);
        r->claim_gen = *gen;
    }
    pthread_mutex_unlock(&r->genmu);
    return 0;
}

int run_sync(struct run *r, unsigned long gen, struct errinfo *ei)
{
    char id[sizeof(r->last_claim)];
    unsigned long g, cg;
    int rc = 0;

    pthread_mutex_lock(&r->syncmu);
    while (rc == 0 && r->synced_gen < gen) {
        /* Every commit up to g has its frames in the -wal file. */
        pthread_mutex_lock(&r->genmu);
        g = r->db_gen;
        cg = r->claim_gen;
        memcpy(id, r->last_claim, sizeof(id));
        pthread_mutex_unlock(&r->genmu);
        rc = db_sync_wal(r->wdb, ei);
        if (rc == 0 && cg > r->named_gen &&
            (rc = runlock_claimed(&r->lock, id, r->run_id, r->started,
                                  ei)) == 0)
            r->named_gen = cg;
        if (rc == 0)
            r->synced_gen = g;
    }
    pthread_mutex_unlock(&r->syncmu);
    if (rc < 0)
        run_halt(r, ei);
    return rc;
}

/*
 * Before w waits (for pacing, for replies, for work) or ends: the records
 * the workers' connection holds are committed and synced now, so no record
 * waits for a claim that may be far off, and no write lock is kept from
 * other programs while nobody writes (docs/RELIABILITY.md).
 */
void run_flush_records(struct run *r, struct worker *w)
{
    struct errinfo ei = { ERR_OK, "" };
    unsigned long gen;
    int rc;

    run_db_lock(r, w);
    rc = run_commit(r, NULL, &gen, &ei);
    run_db_unlock(r);
    if (rc == 0 && gen)
        run_sync(r, gen, &ei);
}

/* The workers' connection, r->wdb; false (the run halted) if it cannot
 * be opened. */
bool run_open_wdb(struct run *r)
{
    struct errinfo ei = { ERR_OK, "" };

    if (db_open(r->cfg->database, DB_NO_SCHEMA_CHECK | DB_SYNC_LATER,
                &r->wdb, &ei) < 0) {
        r->wdb = NULL;
        run_halt(r, &ei);
        return false;
    }
    db_wait_while(r->wdb, worker_waits, r);
    return true;
}

/* After the workers: what the connection holds is committed and on disk,
 * and it is closed. */
void run_close_wdb(struct run *r)
{
    if (!r->wdb)
        return;
    run_flush_records(r, NULL);
    db_close(r->wdb);
    r->wdb = NULL;
}
