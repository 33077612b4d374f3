-- 0006_inbound: what the inbox said (SPEC "Inbound: bounces, replies and
-- unsubscribes").  One row per inbound message read, a cursor per
-- mailbox, the mailbox's inbound reader, the contact status `replied` and
-- the attempts stage `dsn` (a delivery report read from the inbox).
--
-- contacts.status and attempts.stage are CHECKed lists.  SQLite cannot
-- alter a CHECK, and rebuilding contacts or attempts would need
-- foreign_keys off, which cannot change inside the migration's
-- transaction.  Widening a CHECK changes no stored byte, so the table's
-- text in sqlite_schema is edited in place (sqlite.org/lang_altertable.html,
-- "making other kinds of table schema changes"); RESET reloads this
-- connection's schema, and the CREATE TABLE below bumps the schema cookie
-- so that every other connection reloads it too.  Both replace()s are
-- no-ops on a schema that already lists the new value.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'status = ''suppressed'')',
                     'status = ''suppressed'' OR status = ''replied'')')
 WHERE type = 'table' AND name = 'contacts'
   AND instr(sql, '''replied''') = 0;
UPDATE sqlite_schema
   SET sql = replace(sql, '''http'', ''token''))',
                     '''http'', ''token'', ''dsn''))')
 WHERE type = 'table' AND name = 'attempts'
   AND instr(sql, '''dsn''') = 0;
PRAGMA writable_schema = RESET;

-- Which reader a mailbox's inbound mail is read with; NULL: follow its
-- auth (plain/login -> imap, xoauth2 -> imap with XOAUTH2, graph -> graph).
ALTER TABLE mailboxes ADD COLUMN inbound TEXT
    CHECK (inbound IS NULL OR inbound IN ('imap', 'graph', 'none'));

-- One row per inbound message, its effect applied in the same
-- transaction.  source_id is the reader's key: "UIDVALIDITY:UID" for
-- IMAP, the message's id for Graph.  message_id is normalised (no angle
-- brackets, domain part lower case).  No bodies are stored.
CREATE TABLE inbound (
    id          INTEGER PRIMARY KEY,
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    source_id   TEXT NOT NULL,
    message_id  TEXT,
    received_at TEXT NOT NULL,     -- the server's received date (UTC)
    from_addr   TEXT,
    subject     TEXT,
    kind        TEXT NOT NULL
                CHECK (kind IN ('bounce', 'delay', 'auto_reply',
                                'unsubscribe', 'reply', 'other')),
    status_code TEXT,              -- the delivery report's Status (5.1.1)
    diagnostic  TEXT,              -- its Diagnostic-Code, or why `other`
    send_id     TEXT REFERENCES sends(id),
    contact_id  INTEGER REFERENCES contacts(id),
    effect      TEXT,              -- what changed, in words
    created_at  TEXT NOT NULL,
    UNIQUE (mailbox_id, source_id)
);
CREATE INDEX inbound_message_id ON inbound(mailbox_id, message_id);
CREATE INDEX inbound_contact ON inbound(contact_id);
CREATE INDEX inbound_send ON inbound(send_id);
-- Matching a reply or a returned original to its send: Message-IDs are
-- compared without angle brackets and ignoring case (store_inbound.c).
CREATE INDEX sends_message_id ON sends(lower(trim(message_id, '<>')));

-- How far each mailbox's inbox has been read.  IMAP: the folder's
-- UIDVALIDITY and the last UID processed; Graph: the last
-- receivedDateTime and message id processed.
CREATE TABLE inbound_cursors (
    mailbox_id        INTEGER PRIMARY KEY REFERENCES mailboxes(id),
    uidvalidity       INTEGER,
    last_uid          INTEGER,
    graph_received_at TEXT,
    graph_id          TEXT,
    updated_at        TEXT NOT NULL
);

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
