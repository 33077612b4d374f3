-- 0011_ramp: a mailbox's ramp-up (SPEC "Schedule and ramp-up"): with
-- ramp START:STEP it may send START + STEP x k a day, k being the number
-- of earlier local days on which it sent (a send counting against a cap),
-- up to its cap.  mailbox_today says the same as caps_effective()
-- (src/core/caps.c): its own cap or rules.daily_cap, lowered by the ramp,
-- then by a submission quota hit.
ALTER TABLE mailboxes ADD COLUMN ramp_start INTEGER
    CHECK (ramp_start IS NULL OR ramp_start >= 1);
ALTER TABLE mailboxes ADD COLUMN ramp_step INTEGER
    CHECK (ramp_step IS NULL OR ramp_step >= 0);

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
                          WHERE key = 'daily_cap')), 0) AS own,
           CASE WHEN m.ramp_start IS NULL THEN NULL
                ELSE m.ramp_start + COALESCE(m.ramp_step, 0) *
                     (SELECT COUNT(DISTINCT s.day) FROM sends s
                       WHERE s.mailbox_id = m.id AND s.day < d.day
                         AND s.status IN (SELECT status FROM send_statuses
                                           WHERE counts_cap))
           END AS ramp,
           m.full_day IS d.day AS quota_full
      FROM mailboxes m, d
), bases AS (
    SELECT mailbox_id, n, quota_full,
           CASE WHEN ramp IS NOT NULL AND ramp < own THEN ramp ELSE own END
               AS base
      FROM counts
), caps AS (
    SELECT mailbox_id, n,
           CASE WHEN quota_full AND n < base THEN n ELSE base END AS cap
      FROM bases
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
