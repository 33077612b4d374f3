-- 0012_contact_timezone: a contact's own time zone (SPEC "CSV import":
-- the `timezone` column, an IANA name validated at import), for send
-- windows in the recipient's zone (schedule.zone: recipient).  NULL: the
-- sender's zone.
ALTER TABLE contacts ADD COLUMN timezone TEXT;
