-- 0007_contact_status_time: when a contact's status last changed (issue
-- 14, `contact show` and `contact set`).  NULL: not since this migration
-- (the rows before it never recorded one).
--
-- One home for every change, the program's own (a bounce in a run, a
-- reply or an unsubscribe read by inbox, `contact set`) and a user's in
-- the sqlite3 shell: a trigger.  Every statement of the program that
-- changes a status also sets updated_at to its clock (MAILROTA_NOW
-- included), so the trigger takes that time; an UPDATE that leaves
-- updated_at alone (by hand) gets SQLite's clock.  The trigger only
-- writes status_changed_at, so it does not fire itself.
ALTER TABLE contacts ADD COLUMN status_changed_at TEXT;

CREATE TRIGGER contacts_status_time
AFTER UPDATE OF status ON contacts
WHEN old.status IS NOT new.status
BEGIN
    UPDATE contacts
       SET status_changed_at =
           CASE WHEN new.updated_at IS NOT old.updated_at
                THEN new.updated_at
                ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END
     WHERE id = new.id;
END;
