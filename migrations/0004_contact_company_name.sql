-- 0004_contact_company_name: the contact's own spelling of its company,
-- from its own CSV row ("Initech GmbH" for one contact, "INITECH" for
-- another at the same company), which {{company}} renders (SPEC "CSV
-- import").  companies.name stays the first row's spelling and the
-- company's key only matches.  NULL: no row named a company (one derived
-- from the email's domain); compose then uses companies.name.  Existing
-- contacts get their company's name, what {{company}} rendered before.
ALTER TABLE contacts ADD COLUMN company_name TEXT;
UPDATE contacts
   SET company_name = (SELECT name FROM companies co
                        WHERE co.id = contacts.company_id)
 WHERE company_id IS NOT NULL;
