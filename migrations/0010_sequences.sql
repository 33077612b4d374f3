-- 0010_sequences: follow-up emails (SPEC "Sequences").  A campaign's own
-- template is step 1; campaign_steps holds steps 2, 3, ...  A send is now
-- one message per (campaign, contact, step): sends gains `step` and its
-- unique key becomes (campaign_id, contact_id, step).
--
-- SQLite cannot change a table's UNIQUE constraint: sends is rebuilt by
-- the twelve steps of sqlite.org/lang_altertable.html (the migration runs
-- with foreign_keys off and checks foreign_key_check before its commit,
-- db.c).  The views that read sends are dropped first and made again
-- after, send_log and mailbox_days with the step.  The rebuilt table
-- keeps what 0008 (erasure) made of sends: contact_id may be NULL, and the
-- erased and company_id columns.  Existing sends are step 1.
CREATE TABLE campaign_steps (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    step          INTEGER NOT NULL CHECK (step >= 2),
    template_path TEXT NOT NULL,
    subject       TEXT,            -- NULL: the template's, else Re: step 1's
    after_days    INTEGER CHECK (after_days IS NULL OR after_days >= 0),
                                   -- NULL: rules.cooldown_days
    created_at    TEXT NOT NULL,
    PRIMARY KEY (campaign_id, step)
) WITHOUT ROWID;

DROP VIEW IF EXISTS send_people;
DROP VIEW IF EXISTS send_log;
DROP VIEW IF EXISTS mailbox_days;
DROP VIEW IF EXISTS mailbox_today;
DROP VIEW IF EXISTS inbound_log;

CREATE TABLE sends_new (
    id              TEXT PRIMARY KEY,  -- uuid
    run_id          TEXT REFERENCES runs(id),
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    contact_id      INTEGER REFERENCES contacts(id),  -- NULL: erased (0008)
    step            INTEGER NOT NULL DEFAULT 1 CHECK (step >= 1),
    mailbox_id      INTEGER REFERENCES mailboxes(id),
    transport       TEXT NOT NULL DEFAULT 'smtp'
                    CHECK (transport IN ('smtp', 'graph')),
    status          TEXT NOT NULL
                    CHECK (status IN ('sending', 'sent', 'deferred',
                                      'bounced', 'failed', 'unknown')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    smtp_code       INTEGER,
    smtp_enhanced   TEXT,
    smtp_text       TEXT,
    message_id      TEXT,
    day             TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_attempt_at TEXT,
    sent_at         TEXT,
    retry_after     TEXT,            -- not tried again before (Retry-After)
    erased          INTEGER,         -- 0008: the erased person's number
    company_id      INTEGER,         -- 0008: the company they counted for
    UNIQUE (campaign_id, contact_id, step)
);
INSERT INTO sends_new (id, run_id, campaign_id, contact_id, step, mailbox_id,
                       transport, status, attempts, smtp_code, smtp_enhanced,
                       smtp_text, message_id, day, created_at,
                       last_attempt_at, sent_at, retry_after, erased,
                       company_id)
SELECT id, run_id, campaign_id, contact_id, 1, mailbox_id, transport, status,
       attempts, smtp_code, smtp_enhanced, smtp_text, message_id, day,
       created_at, last_attempt_at, sent_at, retry_after, erased, company_id
  FROM sends;
DROP TABLE sends;
ALTER TABLE sends_new RENAME TO sends;
CREATE INDEX sends_mailbox_day ON sends(mailbox_id, day);
CREATE INDEX sends_contact ON sends(contact_id);
CREATE INDEX sends_status ON sends(status);
CREATE INDEX sends_message_id ON sends(lower(trim(message_id, '<>')));

-- As 0008 made it: each send as the limits see it (person, company),
-- erased or not.
CREATE VIEW send_people AS
SELECT s.id                                 AS send_id,
       s.campaign_id                        AS campaign_id,
       s.status                             AS status,
       COALESCE(s.contact_id, -s.erased)    AS person,
       COALESCE(c.company_id, s.company_id) AS company_id
  FROM sends s
  LEFT JOIN contacts c ON c.id = s.contact_id;

-- What happened, newest first: select * from send_log limit 20;  As
-- 0008 made it (an erased send: contact 'erased', its kept company), with
-- the step.
CREATE VIEW send_log AS
SELECT COALESCE(s.sent_at, s.last_attempt_at, s.created_at) AS at,
       m.email          AS mailbox,
       CASE WHEN s.contact_id IS NULL THEN 'erased'
            ELSE c.email END AS contact,
       co.name          AS company,
       ca.name          AS campaign,
       s.status         AS status,
       s.attempts       AS attempts,
       s.smtp_code      AS smtp_code,
       s.smtp_enhanced  AS smtp_enhanced,
       s.smtp_text      AS smtp_text,
       s.transport      AS transport,
       s.message_id     AS message_id,
       s.step           AS step
  FROM sends s
  LEFT JOIN contacts c  ON c.id = s.contact_id
  JOIN campaigns ca     ON ca.id = s.campaign_id
  LEFT JOIN mailboxes m ON m.id = s.mailbox_id
  LEFT JOIN companies co ON co.id = COALESCE(c.company_id, s.company_id)
 ORDER BY at DESC, s.rowid DESC;

-- Per mailbox and local day; follow_ups: of them, the sends of a step
-- after the first.
CREATE VIEW mailbox_days AS
SELECT m.email                             AS mailbox,
       s.day                               AS day,
       SUM(s.status = 'sent')              AS sent,
       SUM(s.status = 'bounced')           AS bounced,
       SUM(s.status = 'deferred')          AS deferred,
       SUM(s.status = 'failed')            AS failed,
       SUM(s.status IN ('unknown', 'sending')) AS unknown,
       SUM(s.step > 1)                     AS follow_ups
  FROM sends s
  JOIN mailboxes m ON m.id = s.mailbox_id
 GROUP BY s.mailbox_id, s.day
 ORDER BY s.day DESC, m.id;

-- As 0005 made it.
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

-- What the inbox said, newest first:  select * from inbound_log limit 20;
CREATE VIEW inbound_log AS
SELECT i.received_at  AS received_at,
       m.email        AS mailbox,
       i.kind         AS kind,
       c.email        AS contact,
       ca.name        AS campaign,
       i.status_code  AS status_code,
       i.effect       AS effect,
       i.subject      AS subject
  FROM inbound i
  JOIN mailboxes m       ON m.id = i.mailbox_id
  LEFT JOIN contacts c   ON c.id = i.contact_id
  LEFT JOIN sends s      ON s.id = i.send_id
  LEFT JOIN campaigns ca ON ca.id = s.campaign_id
 ORDER BY i.received_at DESC, i.id DESC;
