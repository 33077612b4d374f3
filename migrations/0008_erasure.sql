-- 0008_erasure: `contact forget` (SPEC "Contacts and erasure").  The
-- contact row, its fields and enrollments go; its sends stay, so that the
-- caps, the cooldown and the company limit still count them, but they no
-- longer name the person.
--
-- Why these columns and not a tombstone contact or table: SPEC deletes the
-- contact row, and a send must still say two things the contact used to
-- say for it: WHO it went to, as far as "distinct people" counts go (the
-- company limit counts distinct contacts per company and campaign), and
-- WHICH COMPANY.  So an erased send keeps
--   contact_id NULL   (nothing left to point at),
--   erased            a number given to one erased person, shared by all
--                     of their sends and by nobody else's (a contact id is
--                     reused by SQLite once its row is gone, so the old id
--                     would not do),
--   company_id        the company the person was counted against.
-- The view send_people below is the one place that turns a send into
-- (person, company) for live and erased sends alike; the planner reads it.
-- company_id is a plain INTEGER (no REFERENCES) so that it can be dropped
-- again (ALTER TABLE DROP COLUMN refuses foreign-key columns); `forget`
-- keeps a company while sends still count against it.
--
-- sends.contact_id loses its NOT NULL.  SQLite cannot alter a column, and
-- rebuilding sends would need foreign_keys off, which cannot change inside
-- the migration's transaction.  Removing a NOT NULL changes no stored byte,
-- which sqlite.org/lang_altertable.html ("making other kinds of table
-- schema changes") lists as safe to do by editing sqlite_schema; 0006 did
-- the same for two CHECKs.  The replace() is a no-op when already done.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'contact_id      INTEGER NOT NULL REFERENCES',
                          'contact_id      INTEGER REFERENCES')
 WHERE type = 'table' AND name = 'sends'
   AND instr(sql, 'contact_id      INTEGER NOT NULL REFERENCES') > 0;
PRAGMA writable_schema = RESET;

ALTER TABLE sends ADD COLUMN erased INTEGER;
ALTER TABLE sends ADD COLUMN company_id INTEGER;

-- Each send as the limits see it: `person` is the contact's id, or the
-- negated erasure number of an erased send (ids are positive, so the two
-- never meet); `company_id` the contact's company, or the one an erased
-- send keeps.
CREATE VIEW send_people AS
SELECT s.id                                 AS send_id,
       s.campaign_id                        AS campaign_id,
       s.status                             AS status,
       COALESCE(s.contact_id, -s.erased)    AS person,
       COALESCE(c.company_id, s.company_id) AS company_id
  FROM sends s
  LEFT JOIN contacts c ON c.id = s.contact_id;

-- send_log keeps erased sends: contact 'erased', company the kept one.
DROP VIEW IF EXISTS send_log;
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
       s.message_id     AS message_id
  FROM sends s
  LEFT JOIN contacts c  ON c.id = s.contact_id
  JOIN campaigns ca     ON ca.id = s.campaign_id
  LEFT JOIN mailboxes m ON m.id = s.mailbox_id
  LEFT JOIN companies co ON co.id = COALESCE(c.company_id, s.company_id)
 ORDER BY at DESC, s.rowid DESC;
