#!/bin/sh
# `contact show` and `contact set` (issue 14): one contact with its company
# (as spelled and as matched), status and when it changed, fields,
# enrollments, every send (a real run against the loopback server: one sent,
# one bounced) and an inbound row; text for people with control characters
# replaced, --json parsed by Python; `set` of status and fields, what plan
# then does, the note on a suppressed address, the error exits, --help, and
# migration 0007 on a database from before it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

# --help needs no config and no database.
mkdir -p "$T/empty"
for h in "contact --help" "contact show --help" "contact set --help" \
         "help contact"; do
    # shellcheck disable=SC2086
    out=$(cd "$T/empty" && "$MR" $h 2>&1)
    rc=$?
    check "'$h' exits 0" 0 "$rc"
    check_contains "'$h' shows the usage" "mailrota contact set EMAIL" "$out"
done
run "$MR" --help
check_contains "--help lists contact show" "contact show" "$out"
check_contains "--help lists contact set" "contact set" "$out"

setup_world 10 1
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
cat > c.csv <<'CSV'
email,first_name,last_name,company,Favourite Colour
ok1@initech.example,Ann,Lee,INITECH GMBH,blue
ok2@initech.example,Ben,Ko,Initech,
hard1@four.example,Di,,Four,
CSV
"$MR" -q import contacts c.csv --campaign C1 || exit 1

export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "the run sends one message each" \
    "planned 3, sent 2, deferred 0, bounced 1, failed 0, unknown 0" "$out"

# json EXPR: EXPR on the parsed `contact show --json` of the last run.
json() {
    printf '%s' "$out" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# ---- show, text -----------------------------------------------------------
run "$MR" contact show OK2@Initech.EXAMPLE
check "show exits 0 (the domain in any case)" 0 "$rc"
check_contains "its own spelling and the company it matched" \
    "company:     Initech (matched INITECH GMBH, initech.example)" "$out"
check_contains "its status" "status:      active" "$out"
check_contains "its enrollment" "C1" "$out"
check_contains "its send: mailbox and status" "m1@sender.example" "$out"
check "one send line, sent with 250" 1 \
    "$(printf '%s\n' "$out" | grep -c 'm1@sender.example .*sent .* 250 ')"
check_contains "no inbound yet" "inbound: 0" "$out"

run "$MR" contact show hard1@four.example
check_contains "a bounce's status and when it changed" \
    "status:      bounced (since 2026-11-20T15:00" "$out"
check_contains "the bounce's reply" "5.1.1" "$out"
check "status_changed_at set by the run's bounce" 1 \
    "$(q "select status_changed_at like '2026-11-20T15:00:%' from contacts where email = 'hard1@four.example'")"
check "an untouched contact has none" "" \
    "$(q "select status_changed_at from contacts where email = 'ok2@initech.example'")"

# An inbound reply, and hostile bytes in values the database hands back.
q "insert into inbound(mailbox_id, source_id, message_id, received_at,
     from_addr, subject, kind, send_id, contact_id, effect, created_at)
   select 1, '1:7', 'r1@initech.example', '2026-11-21T09:00:00Z',
     'ok1@initech.example', 'Re: hello ' || char(27) || '[31m \"q\" \\ x',
     'reply', s.id, c.id, 'contact replied', '2026-11-21T09:00:00Z'
     from sends s join contacts c on c.id = s.contact_id
    where c.email = 'ok1@initech.example'" || exit 1
q "update contacts set title = 'CEO' || char(10) || 'injected' || char(7)
    where email = 'ok1@initech.example'"
run "$MR" contact show ok1@initech.example
check "show with an inbound row exits 0" 0 "$rc"
check_contains "the inbound row: kind and campaign" "reply" "$out"
check_contains "the inbound subject, control characters replaced" \
    'Re: hello ?[31m "q" \ x' "$out"
check "no escape or bell byte reaches the terminal" 0 \
    "$(printf '%s' "$out" | tr -d '\n' | tr -dc '\033\007\r' | wc -c | tr -d ' ')"
check_contains "a field" "favourite_colour  blue" "$out"
check "inbound: 1" 1 "$(printf '%s\n' "$out" | grep -c '^inbound: 1$')"

# ---- show --json ----------------------------------------------------------
run "$MR" contact show ok1@initech.example --json
check "show --json exits 0" 0 "$rc"
check "one line of JSON" 1 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
check "json: the columns" "ok1@initech.example Ann Lee active" \
    "$(json "d['email'], d['first_name'], d['last_name'], d['status']")"
check "json: company as spelled and as matched" \
    "INITECH GMBH INITECH GMBH initech.example" \
    "$(json "d['company'], d['matched_company'], d['matched_domain']")"
check "json: the title's control characters escaped, kept" \
    "'CEO\\ninjected\\x07'" "$(json "repr(d['title'])")"
check "json: fields" "{'favourite_colour': 'blue'}" "$(json "d['fields']")"
check "json: enrollments" "C1 active" \
    "$(json "d['enrollments'][0]['campaign'], d['enrollments'][0]['campaign_status']")"
check "json: the send, attempts and code as numbers" \
    "sent 1 250 m1@sender.example True" \
    "$(json "d['sends'][0]['status'], d['sends'][0]['attempts'], d['sends'][0]['smtp_code'], d['sends'][0]['mailbox'], bool(d['sends'][0]['message_id'])")"
check "json: the inbound row, its subject intact" \
    "reply C1 'Re: hello \\x1b[31m \"q\" \\\\ x'" \
    "$(json "d['inbound'][0]['kind'], d['inbound'][0]['campaign'], repr(d['inbound'][0]['subject'])")"
run "$MR" contact show hard1@four.example --json
check "json: a bounced send" "bounced 550 5.1.1 bounced 2026-11-20T15:00" \
    "$(json "d['sends'][0]['status'], d['sends'][0]['smtp_code'], d['sends'][0]['smtp_enhanced'], d['status'], d['status_changed_at'][:16]")"
check "json: no fields is an empty object, no inbound an empty array" \
    "{} []" "$(json "d['fields'], d['inbound']")"

# ---- set --------------------------------------------------------------------
printf 'email,first_name,company\nnew@three.example,Cy,Three\n' > n.csv
"$MR" -q import contacts n.csv --campaign C1 || exit 1
export MAILROTA_NOW=2026-12-04T16:00:00Z
reason() { "$MR" plan -v 2>&1 | grep -F "$1" | awk '{print $NF == "-" ? $(NF-1) : $NF}'; }
check "the new contact is planned" 1 \
    "$("$MR" plan | grep -c new@three.example)"

run "$MR" contact set new@three.example --status unsubscribed
check "set --status exits 0" 0 "$rc"
check "prints what changed" "new@three.example:
  status: active -> unsubscribed" "$out"
check "status and its time, updated_at" \
    "unsubscribed|2026-12-04T16:00:00Z|2026-12-04T16:00:00Z" \
    "$(q "select status, status_changed_at, updated_at from contacts where email = 'new@three.example'")"
check "plan -v: contact_status" contact_status "$(reason new@three.example)"
run "$MR" contact set new@three.example --status unsubscribed
check "the same status again: nothing changed" \
    "0 new@three.example: nothing changed" "$rc $out"
run "$MR" contact set new@three.example --status suppressed
check "suppressed: plan -v says contact_status" contact_status \
    "$(reason new@three.example)"
run "$MR" contact set new@three.example --status active
check "active again: planned" 1 "$("$MR" plan | grep -c new@three.example)"
check_not_contains "no note without a suppression" "note:" "$out"

"$MR" -q suppress add @three.example || exit 1
run "$MR" contact set new@three.example --status active
check "active on a suppressed domain exits 0" 0 "$rc"
check_contains "and says plan still skips it" \
    "note: new@three.example is active but suppressed by '@three.example'" \
    "$out"
check "plan -v: suppressed" suppressed "$(reason new@three.example)"
"$MR" -q suppress remove @three.example || exit 1

run "$MR" contact set ok1@initech.example --field "Favourite Colour=green" \
    --field "First Name=Annie" --field Role=CTO --field city=Lyon
check "set --field exits 0" 0 "$rc"
check "prints each change" "ok1@initech.example:
  favourite_colour: blue -> green
  first_name: Ann -> Annie
  title: CEO?injected? -> CTO
  city: (none) -> Lyon" "$out"
check "columns and fields_json" \
    'Annie|CTO|{"favourite_colour":"green","city":"Lyon"}' \
    "$(q "select first_name, title, fields_json from contacts where email = 'ok1@initech.example'")"
check "a field change keeps the status time" "active|" \
    "$(q "select status, coalesce(status_changed_at, '') from contacts where email = 'ok1@initech.example'")"
run "$MR" contact set ok1@initech.example --field favourite_colour= \
    --field city= --field last_name= --field city=
check "empty values remove" "0 Annie||" \
    "$rc $(q "select first_name, last_name, fields_json from contacts where email = 'ok1@initech.example'")"
check_contains "removal printed" "city: Lyon -> (none)" "$out"
run "$MR" -q contact set ok1@initech.example --field city=Paris
check "-q prints nothing" "0 " "$rc $out"
check "a template sees the field" Paris \
    "$(q "select json_extract(fields_json, '$.city') from contacts where email = 'ok1@initech.example'")"

# ---- errors ---------------------------------------------------------------
run "$MR" contact show nobody@initech.example
check "an unknown address exits 65" 65 "$rc"
check_contains "naming it and the fix" \
    "contact 'nobody@initech.example' is not in the database (import it with mailrota import contacts FILE.csv)" \
    "$err"
run "$MR" contact set nobody@initech.example --status active
check "set: an unknown address exits 65" 65 "$rc"
run "$MR" contact show not-an-address
check "not an address exits 65" 65 "$rc"
run "$MR" contact set ok2@initech.example --status bounced
check "--status bounced exits 64" 64 "$rc"
check_contains "set by the program only" "set by mailrota only" "$err"
run "$MR" contact set ok2@initech.example --status gone
check "an unknown status exits 64" 64 "$rc"
check_contains "with the allowed list" "active, unsubscribed, suppressed" "$err"
run "$MR" contact set ok2@initech.example
check "nothing to change exits 64" 64 "$rc"
run "$MR" contact set ok2@initech.example --field city
check "--field without = exits 64" 64 "$rc"
run "$MR" contact set ok2@initech.example --field email=x@y.example
check "--field email exits 64" 64 "$rc"
run "$MR" contact set ok2@initech.example --field "Company=Other"
check "--field company exits 64" 64 "$rc"
run "$MR" contact set ok2@initech.example --field "note=$(printf 'a\rb')"
check "a control character in a value exits 65" 65 "$rc"
run "$MR" contact show ok2@initech.example --bogus
check "an unknown option exits 64" 64 "$rc"
run "$MR" contact show a@initech.example b@initech.example
check "two addresses exit 64" 64 "$rc"
run "$MR" contact
check "no subcommand exits 64" 64 "$rc"
run "$MR" contact frob
check "an unknown subcommand exits 64" 64 "$rc"
check "the failed sets changed nothing" "active|" \
    "$(q "select status, coalesce(fields_json, '') from contacts where email = 'ok2@initech.example'")"

# ---- migration 0007 on a database from before it ----------------------------
q "drop trigger contacts_status_time; alter table contacts drop column status_changed_at; delete from schema_migrations where version = 7; pragma user_version = 6" || exit 1
run "$MR" -q migrate
check "migrate applies 0007" "0 1" "$rc $(q 'select count(*) from schema_migrations where version = 7')"
check "old rows have no status time" 0 \
    "$(q 'select count(*) from contacts where status_changed_at is not null')"
q "update contacts set status = 'replied', updated_at = '2026-12-05T08:00:00Z' where email = 'ok2@initech.example'"
check "the trigger records a change made by an UPDATE" 2026-12-05T08:00:00Z \
    "$(q "select status_changed_at from contacts where email = 'ok2@initech.example'")"
q "update contacts set title = 'x', updated_at = '2026-12-06T08:00:00Z' where email = 'ok2@initech.example'"
check "and only a change of status" 2026-12-05T08:00:00Z \
    "$(q "select status_changed_at from contacts where email = 'ok2@initech.example'")"

check_plan_state "at the end"
done_testing
