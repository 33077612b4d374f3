-- 0003_effective_cap: mailbox_today shows the effective cap (SPEC "Data"),
-- the SQL twin of caps_effective() in src/caps.c: the mailbox's own cap,
-- else rules.daily_cap (the settings row every command refreshes from the
-- config it loads), and on the local day the server said its submission
-- quota is full (full_day), no more than it had already sent that day.
-- tests/integration/t_run.sh checks that the view, status, mailbox list
-- and plan agree.
DROP VIEW IF EXISTS mailbox_today;
CREATE VIEW mailbox_today AS
WITH d(day) AS (
    SELECT COALESCE((SELECT day FROM runs ORDER BY started_at DESC, rowid DESC
                     LIMIT 1), date('now'))
), counts AS (
    SELECT m.id AS mailbox_id,
           (SELECT COUNT(*) FROM sends s
             WHERE s.mailbox_id = m.id AND s.day = d.day
               AND s.status IN ('sent', 'bounced', 'sending', 'unknown'))
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
