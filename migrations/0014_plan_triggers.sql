-- 0014_plan_triggers: 0013's state, kept at a third of the cost (issue
-- 17: the send path).  Every claim and record of a run wrote through
-- these triggers, and they were half of SQLite's work there: each built
-- temporary b-trees (an IN list, COUNT(DISTINCT), an ORDER BY over a
-- UNION), and each queued row was written to plan_recount or plan_restate
-- and deleted again, two more pages in every transaction.
--
-- What the triggers compute is unchanged (0013 says what and why):
--   * the queue triggers run BEFORE the insert and end with RAISE(IGNORE),
--     which skips that one row: the queue tables stay empty, and no page
--     of theirs is written;
--   * the count is the company's contacts with a counting send in the
--     campaign, plus the distinct erased people (0008) when there are any;
--   * an enrolment's latest send is its highest step, through the
--     (campaign_id, contact_id, step) index: the one max() of an
--     aggregate gives its row's other columns (SQLite's documented bare
--     columns), and 0 and NULLs when there is none;
--   * the status test is a lookup in send_statuses, not an IN list, and
--     a send that changes queues its enrolment once (UNION ALL of the new
--     and, when it differs, the old), not through a UNION's b-tree.
DROP TRIGGER plan_recount_now;
DROP TRIGGER plan_restate_now;
DROP TRIGGER sends_plan_insert;
DROP TRIGGER sends_plan_update;

CREATE TRIGGER plan_recount_now BEFORE INSERT ON plan_recount
BEGIN
    INSERT OR REPLACE INTO campaign_companies (campaign_id, company_id,
                                               contacts)
    SELECT NEW.campaign_id, NEW.company_id,
           (SELECT COUNT(*) FROM contacts c
             WHERE c.company_id = NEW.company_id
               AND EXISTS (SELECT 1 FROM sends s
                            WHERE s.campaign_id = NEW.campaign_id
                              AND s.contact_id = c.id
                              AND EXISTS (SELECT 1 FROM send_statuses t
                                           WHERE t.status = s.status
                                             AND t.counts_company)))
         + CASE WHEN EXISTS (SELECT 1 FROM sends s
                              WHERE s.contact_id IS NULL
                                AND s.company_id = NEW.company_id
                                AND s.campaign_id = NEW.campaign_id)
           THEN (SELECT COUNT(DISTINCT s.erased) FROM sends s
                  WHERE s.contact_id IS NULL
                    AND s.company_id = NEW.company_id
                    AND s.campaign_id = NEW.campaign_id
                    AND EXISTS (SELECT 1 FROM send_statuses t
                                 WHERE t.status = s.status
                                   AND t.counts_company))
           ELSE 0 END;
    INSERT INTO plan_restate (campaign_id, contact_id)
    SELECT e.campaign_id, e.contact_id
      FROM contacts c
     CROSS JOIN enrollments e ON e.campaign_id = NEW.campaign_id
                             AND e.contact_id = c.id
     WHERE c.company_id = NEW.company_id
       AND e.company_sent IS NOT (SELECT contacts FROM campaign_companies
                                   WHERE campaign_id = NEW.campaign_id
                                     AND company_id = NEW.company_id);
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER plan_restate_now BEFORE INSERT ON plan_restate
BEGIN
    UPDATE enrollments
       SET (latest_step, latest_status, latest_at) =
           (SELECT COALESCE(MAX(step), 0), status, sent_at FROM sends
             WHERE campaign_id = NEW.campaign_id
               AND contact_id = NEW.contact_id),
           company_sent = COALESCE((SELECT cc.contacts
                                      FROM contacts c
                                      JOIN campaign_companies cc
                                        ON cc.company_id = c.company_id
                                     WHERE c.id = NEW.contact_id
                                       AND cc.campaign_id = NEW.campaign_id),
                                   0)
     WHERE campaign_id = NEW.campaign_id AND contact_id = NEW.contact_id;
    SELECT RAISE(IGNORE);
END;

CREATE TRIGGER sends_plan_insert AFTER INSERT ON sends
BEGIN
    INSERT INTO plan_recount (campaign_id, company_id)
    SELECT NEW.campaign_id, p.company_id FROM send_people p
     WHERE p.send_id = NEW.id AND p.company_id IS NOT NULL
       AND EXISTS (SELECT 1 FROM send_statuses
                    WHERE status = NEW.status AND counts_company);
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
    UNION ALL
    SELECT OLD.campaign_id, OLD.contact_id WHERE OLD.contact_id IS NOT NULL
       AND (OLD.campaign_id IS NOT NEW.campaign_id
            OR OLD.contact_id IS NOT NEW.contact_id);
END;
