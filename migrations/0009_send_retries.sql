-- 0009_send_retries: `retry` (SPEC "Command line").  A failed send (or,
-- when asked, an unknown one) made plannable again keeps its row, its
-- attempts rows and its last reply: it only goes back to `deferred`, due
-- at once, and the next run tries the same row again (a new attempt, not
-- a rewrite of the past).  This table is the record of each retry: when,
-- from which status, and after how many tries, so that rules.max_attempts
-- counts the tries since the latest retry (store_run_record).
--
-- A table of its own, not a column of sends: 0010 rebuilds sends, and a
-- database made from nothing applies 0009 before it.
CREATE TABLE send_retries (
    id              INTEGER PRIMARY KEY,
    send_id         TEXT NOT NULL REFERENCES sends(id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    status_before   TEXT NOT NULL
                    CHECK (status_before IN ('failed', 'unknown')),
    attempts_before INTEGER NOT NULL CHECK (attempts_before >= 0)
);
CREATE INDEX send_retries_send ON send_retries(send_id, id);
