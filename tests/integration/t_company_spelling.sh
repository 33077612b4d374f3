#!/bin/sh
# {{company}} is the contact's own spelling from its own row ("Initech
# GmbH" for one contact, "INITECH" for another at the same company), not
# the spelling of the first row that named the company; the normalised
# name only matches.  A later row for the contact with a company value
# changes it; a row without one keeps it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 10 1
printf 'Subject: Hello\n\nHi {{first_name}}, about {{company|your team}}.\n' > co.txt
"$MR" -q campaign add C --template co.txt || exit 1
cat > c.csv <<'CSV'
email,first_name,company
a@initech.example,Ann,INITECH GMBH
b@initech.example,Ben,Initech GmbH
c@initech.example,Cy,INITECH
d@initech.example,Di,Initech Gmbh
e@other.example,Ed,
CSV
"$MR" -q import contacts c.csv --campaign C || exit 1
printf 'email,company\nd@initech.example,initech gmbh\nc@initech.example,\n' > later.csv
"$MR" -q import contacts later.csv || exit 1
check "one company for the four" 1 \
    "$(q "select count(distinct company_id) from contacts where email like '%@initech.example'")"

MAILROTA_NOW=2026-11-20T15:00:00Z run "$MR" -q run
check "run exits 0" 0 "$rc"
# body_of EMAIL: the body line of the message delivered to EMAIL.
body_of() {
    _f=$(grep -l "\"$1\"" "$T"/srv/mail/*.json | head -n 1)
    [ -n "$_f" ] || return 0
    sed -n 's/^\(Hi .*\)\r$/\1/p' "${_f%.json}.eml"
}
check "the first row's spelling" "Hi Ann, about INITECH GMBH." "$(body_of a@initech.example)"
check "a second contact's own spelling" "Hi Ben, about Initech GmbH." "$(body_of b@initech.example)"
check "a third contact's own spelling, kept by a row without one" \
    "Hi Cy, about INITECH." "$(body_of c@initech.example)"
check "a later row's spelling replaces the contact's" \
    "Hi Di, about initech gmbh." "$(body_of d@initech.example)"
check "no company column: the company's name (the domain)" \
    "Hi Ed, about other.example." "$(body_of e@other.example)"

# Migration 0004 on a database from before it: each contact gets its
# company's name, what {{company}} rendered until then.
sqlite3 mailrota.db "alter table contacts drop column company_name; delete from schema_migrations where version = 4; pragma user_version = 3" || exit 1
run "$MR" -q migrate
check "migrate exits 0" 0 "$rc"
check "existing rows get their company's name" \
    "a@initech.example|INITECH GMBH b@initech.example|INITECH GMBH e@other.example|other.example" \
    "$(q "select email || '|' || coalesce(company_name, 'NULL') from contacts where email in ('a@initech.example', 'b@initech.example', 'e@other.example') order by email" | tr '\n' ' ' | sed 's/ $//')"

done_testing
