-- 0005_send_statuses: which send statuses count against a mailbox's daily
-- cap, a contact's cooldown and a company's limit (SPEC "The sending
-- rules" 2 to 4), for the views and every query of the program.  The rows
-- are the mirror of the one table in src/core/status.c: mailrota writes
-- them in the transaction of each migration from this one on
-- (store_sync_statuses), so a change there comes with a migration.
CREATE TABLE send_statuses (
    status          TEXT PRIMARY KEY,
    counts_cap      INTEGER NOT NULL,
    counts_cooldown INTEGER NOT NULL,
    counts_company  INTEGER NOT NULL
) WITHOUT ROWID;

DROP VIEW IF EXISTS mailbox_today;
CREATE VIEW mailbox_today AS
WITH d(day) AS (
    SELECT COALESCE((SELECT day FROM runs ORDER BY started_at DESC, rowid DESC
                     LIMIT 1), date('now'))
), counts AS (
    SELECT m.id AS mailbox_id,
           (SELECT COUNT(*) FROM sends s
             WHERE s.mailbox_id = m.id AND s.day = d.day
               AND s.status IN (SELECT status FROM send_statuses
                                 WHERE counts_cap))
               AS n,
           MAX(COALESCE(m.daily_cap,
                        (SELECT CAST(value AS INTEGER) FROM settings
                          WHERE key = 'daily_cap')), 0) AS base,
           m.full_day IS d.day AS quota_full
      FROM mailboxes m, d
), caps AS (
    SELECT mailbox_id, n,
           CASE WHEN quota_full AND n < base THEN n ELSE base END AS cap
      FROM counts
)
SELECT m.email   AS mailbox,
       m.status  AS status,
       d.day     AS day,
       k.n       AS sent_today,
       k.cap     AS daily_cap,
       MAX(k.cap - k.n, 0) AS remaining
  FROM mailboxes m
  JOIN caps k ON k.mailbox_id = m.id, d
 ORDER BY m.id;
