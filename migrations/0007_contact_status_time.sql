-- 0007_contact_status_time: when a contact's status last changed (issue
-- 14, `contact show` and `contact set`).  NULL: not since this migration
-- (the rows before it never recorded one).
--
-- One home for every change, the program's own (a bounce in a run, a
-- reply or an unsubscribe read by inbox, `contact set`) and a user's in
-- the sqlite3 shell: a trigger.  Every statement of the program that
-- changes a status also sets updated_at to its clock (MAILROTA_NOW
-- included), and the trigger takes that time, even when it equals the
-- previous updated_at (two changes within one second, or one replayed
-- clock).  So an UPDATE by hand should set updated_at too:
--   UPDATE contacts SET status = 'active',
--          updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE ...;
-- The trigger only writes status_changed_at, so it does not fire itself.
ALTER TABLE contacts ADD COLUMN status_changed_at TEXT;

CREATE TRIGGER contacts_status_time
AFTER UPDATE OF status ON contacts
WHEN old.status IS NOT new.status
BEGIN
    UPDATE contacts
       SET status_changed_at = new.updated_at
     WHERE id = new.id;
END;
