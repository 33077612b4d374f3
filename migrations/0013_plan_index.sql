-- 0013_plan_index: what lets the planner read only the enrolments it can
-- plan, in its own order, and stop when the mailboxes are full (issue 17:
-- `plan` at a million contacts in constant memory).
--
-- Each enrolment says where it stands, kept by the triggers below from
-- every write of sends, contacts and enrollments (the program's own and a
-- user's sqlite3 alike):
--   latest_step    the step of its latest send in the campaign; 0: none
--   latest_status  that send's status
--   latest_at      that send's sent_at
--   company_sent   how many distinct people of its contact's company were
--                  written to in the campaign (campaign_companies), so the
--                  planner can pass over the enrolments a company limit
--                  holds back inside the index, without reading them
-- The planner's rules stay in src/core (scheduler.c, sequence.c): these
-- columns only choose which rows are read; every row read is checked by
-- the rules as before.  An enrolment these columns wrongly left out would
-- be planned later than it should, never against a rule.
ALTER TABLE enrollments ADD COLUMN latest_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrollments ADD COLUMN latest_status TEXT;
ALTER TABLE enrollments ADD COLUMN latest_at TEXT;
ALTER TABLE enrollments ADD COLUMN company_sent INTEGER NOT NULL DEFAULT 0;

-- Distinct people of a company written to in a campaign, counted as the
-- company limit counts them (send_statuses.counts_company).
CREATE TABLE campaign_companies (
    campaign_id INTEGER NOT NULL,
    company_id  INTEGER NOT NULL,
    contacts    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, company_id)
) WITHOUT ROWID;

-- A (campaign, company) whose count may have changed.  A row put here is
-- counted again at once and removed by the trigger that follows: the one
-- place the count is made.
CREATE TABLE plan_recount (
    campaign_id INTEGER NOT NULL,
    company_id  INTEGER NOT NULL
);

-- An enrolment whose state may have changed.  A row put here is stated
-- again at once and removed by the trigger that follows, the one place
-- the state is made: its latest send (the one of the highest step; step
-- 0 and NULLs when it has none) and its company's count.
CREATE TABLE plan_restate (
    campaign_id INTEGER NOT NULL,
    contact_id  INTEGER NOT NULL
);

-- The count is send_people's (0008) two halves spelled out, the live one
-- read from the company's contacts (CROSS JOIN keeps that order): through
-- the view, SQLite reads every send of the campaign for each count.
CREATE TRIGGER plan_recount_now AFTER INSERT ON plan_recount
BEGIN
    INSERT OR REPLACE INTO campaign_companies (campaign_id, company_id,
                                               contacts)
    SELECT NEW.campaign_id, NEW.company_id, COUNT(DISTINCT person)
      FROM (SELECT s.contact_id AS person, s.status AS status
              FROM contacts c
             CROSS JOIN sends s ON s.contact_id = c.id
                               AND s.campaign_id = NEW.campaign_id
             WHERE c.company_id = NEW.company_id
            UNION ALL
            SELECT -s.erased, s.status
              FROM sends s
             WHERE s.contact_id IS NULL AND s.company_id = NEW.company_id
               AND s.campaign_id = NEW.campaign_id)
     WHERE status IN (SELECT status FROM send_statuses
                       WHERE counts_company);
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT e.campaign_id, e.contact_id FROM enrollments e
     WHERE e.campaign_id = NEW.campaign_id
       AND e.contact_id IN (SELECT id FROM contacts
                             WHERE company_id = NEW.company_id)
       AND e.company_sent IS NOT (SELECT contacts FROM campaign_companies
                                   WHERE campaign_id = NEW.campaign_id
                                     AND company_id = NEW.company_id);
    DELETE FROM plan_recount;
END;

-- The enrolment's state (see plan_restate above).
CREATE TRIGGER plan_restate_now AFTER INSERT ON plan_restate
BEGIN
    UPDATE enrollments
       SET (latest_step, latest_status, latest_at) =
           (SELECT step, status, sent_at
              FROM (SELECT step, status, sent_at FROM sends
                     WHERE campaign_id = NEW.campaign_id
                       AND contact_id = NEW.contact_id
                    UNION ALL
                    SELECT 0, NULL, NULL)
             ORDER BY step DESC LIMIT 1),
           company_sent = COALESCE((SELECT cc.contacts
                                      FROM contacts c
                                      JOIN campaign_companies cc
                                        ON cc.company_id = c.company_id
                                     WHERE c.id = NEW.contact_id
                                       AND cc.campaign_id = NEW.campaign_id),
                                   0)
     WHERE campaign_id = NEW.campaign_id AND contact_id = NEW.contact_id;
    DELETE FROM plan_restate;
END;

CREATE TRIGGER sends_plan_insert AFTER INSERT ON sends
BEGIN
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT NEW.campaign_id, p.company_id FROM send_people p
     WHERE p.send_id = NEW.id AND p.company_id IS NOT NULL
       AND NEW.status IN (SELECT status FROM send_statuses
                           WHERE counts_company);
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT NEW.campaign_id, NEW.contact_id WHERE NEW.contact_id IS NOT NULL;
END;

CREATE TRIGGER sends_plan_update
AFTER UPDATE OF status, sent_at, step, contact_id, erased, company_id
ON sends
BEGIN
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT NEW.campaign_id, p.company_id FROM send_people p
     WHERE p.send_id = NEW.id AND p.company_id IS NOT NULL
       AND ((SELECT counts_company FROM send_statuses
              WHERE status = OLD.status) IS NOT
            (SELECT counts_company FROM send_statuses
              WHERE status = NEW.status)
            OR OLD.contact_id IS NOT NEW.contact_id
            OR OLD.erased IS NOT NEW.erased
            OR OLD.company_id IS NOT NEW.company_id);
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT NEW.campaign_id, NEW.contact_id WHERE NEW.contact_id IS NOT NULL
    UNION
    SELECT OLD.campaign_id, OLD.contact_id WHERE OLD.contact_id IS NOT NULL;
END;

CREATE TRIGGER sends_plan_delete AFTER DELETE ON sends
BEGIN
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT OLD.campaign_id, COALESCE((SELECT company_id FROM contacts
                                       WHERE id = OLD.contact_id),
                                      OLD.company_id)
     WHERE COALESCE((SELECT company_id FROM contacts
                      WHERE id = OLD.contact_id), OLD.company_id) IS NOT NULL;
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT OLD.campaign_id, OLD.contact_id WHERE OLD.contact_id IS NOT NULL;
END;

-- A contact that moves to another company takes its sends along: both
-- companies are counted again, and its enrolments take the new count.
CREATE TRIGGER contacts_plan_company AFTER UPDATE OF company_id ON contacts
WHEN OLD.company_id IS NOT NEW.company_id
BEGIN
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT DISTINCT campaign_id, OLD.company_id FROM sends
     WHERE contact_id = NEW.id AND OLD.company_id IS NOT NULL;
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT DISTINCT campaign_id, NEW.company_id FROM sends
     WHERE contact_id = NEW.id AND NEW.company_id IS NOT NULL;
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT campaign_id, contact_id FROM enrollments WHERE contact_id = NEW.id;
END;

-- A new enrolment starts from its company's count (and from its sends,
-- should the campaign already have written to the contact).  The WHEN
-- keeps an import into a campaign that has written to nobody cheap.
CREATE TRIGGER enrollments_plan_insert AFTER INSERT ON enrollments
WHEN EXISTS (SELECT 1 FROM campaign_companies
              WHERE campaign_id = NEW.campaign_id)
  OR EXISTS (SELECT 1 FROM sends WHERE campaign_id = NEW.campaign_id
                                   AND contact_id = NEW.contact_id)
BEGIN
    INSERT INTO plan_restate (campaign_id, contact_id)
    VALUES (NEW.campaign_id, NEW.contact_id);
END;

-- The state of the data already there, made by the same triggers.
CREATE INDEX sends_erased_company ON sends(company_id, campaign_id)
    WHERE contact_id IS NULL;
INSERT INTO plan_recount (campaign_id, company_id)
SELECT DISTINCT p.campaign_id, p.company_id
  FROM send_people p
 WHERE p.company_id IS NOT NULL;
INSERT INTO plan_restate (campaign_id, contact_id)
SELECT e.campaign_id, e.contact_id FROM enrollments e
 WHERE EXISTS (SELECT 1 FROM sends s
                WHERE s.campaign_id = e.campaign_id
                  AND s.contact_id = e.contact_id);

-- The planner's walks: new contacts in the planner's order (enrolment,
-- contact, campaign; campaign and company_sent are read from the index
-- itself); threads by where they stand and when their last step went; a
-- mailbox's latest send.  plan -v, which reads every enrolment, sorts
-- them (an index for it would cost every import more than it saves).
CREATE INDEX enrollments_new
    ON enrollments(enrolled_at, contact_id, campaign_id, company_sent)
    WHERE latest_step = 0;
CREATE INDEX enrollments_thread
    ON enrollments(campaign_id, latest_status, latest_step, latest_at)
    WHERE latest_step > 0;
CREATE INDEX sends_mailbox_last
    ON sends(mailbox_id, COALESCE(sent_at, last_attempt_at));
-- A mailbox's sends of a day with their status, read from the index
-- alone: every claim counts them against the cap (OUTBOX_CAP_COLUMNS).
DROP INDEX IF EXISTS sends_mailbox_day;
CREATE INDEX sends_mailbox_day_status ON sends(mailbox_id, day, status);
