-- 0001_init: the whole schema of SPEC "Data".  Append-only: never edit a
-- migration that has landed; add 0002_... instead.  Times are ISO-8601 UTC
-- text ("2026-11-22T02:00:05Z"); `day` is the local day of the configured
-- time zone ("2026-11-21").

-- Sender mailboxes.  Only 'cold-ready' ones send.  `secret` holds
-- AES-256-GCM ciphertext ("v1:..."), never a password; password_env and
-- password_cmd name where a password comes from, never the password itself.
-- daily_cap NULL means rules.daily_cap of the configuration.
CREATE TABLE mailboxes (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'cold-ready'
                  CHECK (status IN ('cold-ready', 'admin', 'paused',
                                    'auth-failed', 'blocked')),
    daily_cap     INTEGER CHECK (daily_cap IS NULL OR daily_cap >= 0),
    auth          TEXT NOT NULL DEFAULT 'plain'
                  CHECK (auth IN ('plain', 'login', 'xoauth2', 'graph')),
    fallback      TEXT NOT NULL DEFAULT 'none'
                  CHECK (fallback IN ('none', 'graph')),
    secret        TEXT,
    password_env  TEXT,
    password_cmd  TEXT,
    last_error    TEXT,
    last_error_at TEXT,
    full_day      TEXT,            -- local day the server said quota full
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Companies, matched by a normalised name key ("Acme Inc." and "ACME" are
-- one) or, for contacts without a company name, by their email domain.
CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    domain     TEXT COLLATE NOCASE,
    name_key   TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX companies_domain ON companies(domain);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_name  TEXT,
    last_name   TEXT,
    title       TEXT,
    company_id  INTEGER REFERENCES companies(id),
    fields_json TEXT CHECK (fields_json IS NULL OR json_valid(fields_json)),
    -- Spelled with OR, not IN (...): SQLite 3.40 builds a temporary
    -- table for an IN list on every insert, a third of an import's time.
    status      TEXT NOT NULL DEFAULT 'active'
                CHECK (status = 'active' OR status = 'bounced' OR
                       status = 'unsubscribed' OR status = 'suppressed'),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX contacts_company ON contacts(company_id);

CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    template_path TEXT NOT NULL,
    subject       TEXT,            -- NULL: the template's Subject: line
    status        TEXT NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'paused')),
    created_at    TEXT NOT NULL
);

CREATE TABLE enrollments (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    enrolled_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX enrollments_contact ON enrollments(contact_id);

CREATE TABLE runs (
    id          TEXT PRIMARY KEY,  -- uuid
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    day         TEXT NOT NULL,
    planned     INTEGER NOT NULL DEFAULT 0,
    sent        INTEGER NOT NULL DEFAULT 0,
    deferred    INTEGER NOT NULL DEFAULT 0,
    bounced     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    unknown     INTEGER NOT NULL DEFAULT 0,
    seed        INTEGER,
    exit_code   INTEGER
);

-- One row per message (campaign, contact): the UNIQUE constraint is the
-- last line of defence against writing to someone twice.
CREATE TABLE sends (
    id              TEXT PRIMARY KEY,  -- uuid
    run_id          TEXT REFERENCES runs(id),
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    contact_id      INTEGER NOT NULL REFERENCES contacts(id),
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
    UNIQUE (campaign_id, contact_id)
);
CREATE INDEX sends_mailbox_day ON sends(mailbox_id, day);
CREATE INDEX sends_contact ON sends(contact_id);
CREATE INDEX sends_status ON sends(status);

-- One row per try; every reply that decided anything.
CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY,
    send_id       TEXT NOT NULL REFERENCES sends(id),
    mailbox_id    INTEGER REFERENCES mailboxes(id),
    transport     TEXT NOT NULL DEFAULT 'smtp'
                  CHECK (transport IN ('smtp', 'graph')),
    at            TEXT NOT NULL,
    stage         TEXT NOT NULL
                  CHECK (stage IN ('connect', 'tls', 'auth', 'mail', 'rcpt',
                                   'data', 'http', 'token')),
    smtp_code     INTEGER,
    smtp_enhanced TEXT,
    smtp_text     TEXT
);
CREATE INDEX attempts_send ON attempts(send_id);

-- Addresses ("a@b.com") or domains ("@b.com", covering subdomains).
CREATE TABLE suppressions (
    value      TEXT PRIMARY KEY COLLATE NOCASE,
    reason     TEXT,
    created_at TEXT NOT NULL
);

-- Values from the configuration that views need (a view cannot read the
-- config file): daily_cap is rules.daily_cap, kept current by every
-- command that writes to the database.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT
);

-- What happened, newest first:  select * from send_log limit 20;
CREATE VIEW send_log AS
SELECT COALESCE(s.sent_at, s.last_attempt_at, s.created_at) AS at,
       m.email          AS mailbox,
       c.email          AS contact,
       co.name          AS company,
       ca.name          AS campaign,
       s.status         AS status,
       s.attempts       AS attempts,
       s.smtp_code      AS smtp_code,
       s.smtp_enhanced  AS smtp_enhanced,
       s.smtp_text      AS smtp_text,
       s.transport      AS transport,
       s.message_id     AS message_id
  FROM sends s
  JOIN contacts c       ON c.id = s.contact_id
  JOIN campaigns ca     ON ca.id = s.campaign_id
  LEFT JOIN mailboxes m ON m.id = s.mailbox_id
  LEFT JOIN companies co ON co.id = c.company_id
 ORDER BY at DESC, s.rowid DESC;

-- Per mailbox and local day.
CREATE VIEW mailbox_days AS
SELECT m.email                             AS mailbox,
       s.day                               AS day,
       SUM(s.status = 'sent')              AS sent,
       SUM(s.status = 'bounced')           AS bounced,
       SUM(s.status = 'deferred')          AS deferred,
       SUM(s.status = 'failed')            AS failed,
       SUM(s.status IN ('unknown', 'sending')) AS unknown
  FROM sends s
  JOIN mailboxes m ON m.id = s.mailbox_id
 GROUP BY s.mailbox_id, s.day
 ORDER BY s.day DESC, m.id;

-- The roster on the day of the latest run (the UTC date before any run).
-- sent_today counts what counts against the cap: sent, bounced, sending
-- and unknown sends of that day.
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
           COALESCE(m.daily_cap,
                    (SELECT CAST(value AS INTEGER) FROM settings
                      WHERE key = 'daily_cap'), 30) AS cap
      FROM mailboxes m, d
)
SELECT m.email   AS mailbox,
       m.status  AS status,
       d.day     AS day,
       k.n       AS sent_today,
       k.cap     AS daily_cap,
       MAX(k.cap - k.n, 0) AS remaining
  FROM mailboxes m
  JOIN counts k ON k.mailbox_id = m.id, d
 ORDER BY m.id;
