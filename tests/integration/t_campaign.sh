#!/bin/sh
# Campaigns: add, duplicates, missing and bad templates, list, pause/resume.
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1
cp "$ROOT/templates/intro.txt" intro.txt

run "$MR" campaign add "Q4 Intro" --template intro.txt
check "campaign add exits 0" 0 "$rc"
check "stored active with an absolute template path" "active|$T/intro.txt|" \
    "$(q "select status, template_path, coalesce(subject, '') from campaigns where name = 'Q4 Intro'")"
run "$MR" campaign add "q4 intro" --template intro.txt
check "duplicate name (any case) exits 65" 65 "$rc"
run "$MR" campaign add Other --template missing.txt
check "missing template exits 66" 66 "$rc"
check_contains "missing template named" "missing.txt" "$err"
printf 'No subject line here\n\nBody\n' > nosubj.txt
run "$MR" campaign add Other --template nosubj.txt
check "template without Subject: exits 65" 65 "$rc"
check_contains "template error names file and line" "nosubj.txt:1:" "$err"
printf 'Subject: Hi {{first_name\n\nBody\n' > broken.txt
run "$MR" campaign add Other --template broken.txt
check "malformed variable exits 65" 65 "$rc"
run "$MR" campaign add Other --template intro.txt --subject "Quick question, {{first_name|there}}"
check "--subject override exits 0" 0 "$rc"
check "--subject stored" "Quick question, {{first_name|there}}" "$(q "select subject from campaigns where name = 'Other'")"
run "$MR" campaign add Third --template intro.txt --subject "Bad {{x"
check "malformed --subject exits 65" 65 "$rc"
run "$MR" campaign add Third
check "missing --template exits 64" 64 "$rc"
check "failed adds write nothing" 2 "$(q 'select count(*) from campaigns')"

run "$MR" campaign list
check "list exits 0" 0 "$rc"
check_contains "list shows the template's subject" "Hiring support for {{company|your team}}" "$out"
check_contains "list shows the override" "Quick question" "$out"

run "$MR" campaign pause "Q4 Intro"
check "pause exits 0" 0 "$rc"
check "paused" paused "$(q "select status from campaigns where name = 'Q4 Intro'")"
run "$MR" campaign resume "Q4 Intro"
check "resumed" active "$(q "select status from campaigns where name = 'Q4 Intro'")"
run "$MR" campaign pause Nope
check "pausing an unknown campaign exits 65" 65 "$rc"

printf 'email\na@one.example\nb@two.example\n' > c.csv
"$MR" -q import contacts c.csv --campaign "Q4 Intro"
run "$MR" campaign list
check_contains "list counts enrolments" "Q4 Intro  active  2" "$out"

# A variable no contact can have is a typo caught here, not at every send.
printf 'Subject: Hello {{first_name|there}}\n\nHi {{first_name|there}},\nabout {{frist_name}}\n' > typo.txt
run "$MR" campaign add Typo --template typo.txt
check "unknown variable exits 65" 65 "$rc"
check_contains "names template, line and variable" "typo.txt:4: unknown variable {{frist_name}}" "$err"
check_contains "lists the variables available" "available: company, email, first_name, last_name, sender_email, sender_name, title" "$err"
run "$MR" campaign add Typo --template intro.txt --subject "About {{projekt}}"
check "unknown variable in --subject exits 65" 65 "$rc"
check_contains "names --subject and the variable" "--subject:1: unknown variable {{projekt}}" "$err"
printf 'Subject: {{project}} at {{company|your team}}\n\nHi {{first_name|there}}, {{project}} {{anything|x}}\n' > proj.txt
run "$MR" campaign add Proj --template proj.txt
check "a custom column no contact has yet exits 65" 65 "$rc"
check_contains "names the first use" "proj.txt:1: unknown variable {{project}}" "$err"
printf 'email,project\nc@three.example,Apollo\n' > p.csv
"$MR" -q import contacts p.csv
run "$MR" campaign add Proj --template proj.txt
check "a fields_json key of some contact is accepted" 0 "$rc"
run "$MR" campaign add Proj2 --template intro.txt --subject "{{project}} for {{first_name}}"
check "known variables in --subject are accepted" 0 "$rc"
printf 'Subject: Hello\n\nI saw {{domain}}\n' > dom.txt
run "$MR" campaign add Dom --template dom.txt
check "{{domain}} before any contact has a domain column exits 65" 65 "$rc"
printf 'email,domain\nd@four.example,four.example\n' > d.csv
"$MR" -q import contacts d.csv
run "$MR" campaign add Dom --template dom.txt
check "a domain column makes {{domain}} available" 0 "$rc"
check "rejected adds write nothing" 5 "$(q 'select count(*) from campaigns')"

# campaign set: checked as at add; later sends use the new text.
printf 'Subject: New intro for {{company|you}}\n\nHi {{first_name|there}}\n' > new.txt
run "$MR" campaign set "Q4 Intro" --template new.txt
check "set --template exits 0" 0 "$rc"
check "set stores the absolute path" "$T/new.txt" "$(q "select template_path from campaigns where name = 'Q4 Intro'")"
check_contains "set says what changed" "campaign Q4 Intro changed: template $T/new.txt" "$out"
run "$MR" campaign set "Q4 Intro" --subject "Hello {{first_name|there}}"
check "set --subject exits 0" 0 "$rc"
check "set --subject keeps the template" "$T/new.txt|Hello {{first_name|there}}" \
    "$(q "select template_path, subject from campaigns where name = 'Q4 Intro'")"
run "$MR" campaign set "Q4 Intro" --template typo.txt
check "set: unknown variable exits 65" 65 "$rc"
check_contains "set names template, line and variable" "typo.txt:4: unknown variable {{frist_name}}" "$err"
check_contains "set lists the variables available" "available: company" "$err"
run "$MR" campaign set "Q4 Intro" --subject "About {{projekt}}"
check "set: unknown variable in --subject exits 65" 65 "$rc"
check_contains "set names --subject" "--subject:1: unknown variable {{projekt}}" "$err"
run "$MR" campaign set "Q4 Intro" --template missing.txt
check "set: missing template exits 66" 66 "$rc"
check_contains "set: missing template named" "missing.txt" "$err"
run "$MR" campaign set Nope --subject "Hi"
check "set: unknown campaign exits 65" 65 "$rc"
check_contains "set: unknown campaign named" "unknown campaign 'Nope'" "$err"
run "$MR" campaign set "Q4 Intro"
check "set with nothing to change exits 64" 64 "$rc"
run "$MR" campaign set "Q4 Intro" --subject "Bad {{x"
check "set: malformed --subject exits 65" 65 "$rc"
check "rejected sets change nothing" "$T/new.txt|Hello {{first_name|there}}" \
    "$(q "select template_path, subject from campaigns where name = 'Q4 Intro'")"
run "$MR" campaign set --help
check "set --help exits 0" 0 "$rc"
check_contains "set --help shows the usage" "campaign set NAME" "$out"

# campaign enroll: contacts already in the database; idempotent.
run "$MR" campaign enroll Other a@one.example B@Two.Example
check "enroll EMAIL... exits 0" 0 "$rc"
check "enroll prints the counts" "campaign Other: enrolled 2, already enrolled 0, unknown 0" "$out"
check "enrolled (any case)" 2 "$(q "select count(*) from enrollments e join campaigns c on c.id = e.campaign_id where c.name = 'Other'")"
run "$MR" campaign enroll Other a@one.example b@two.example
check "enroll again exits 0" 0 "$rc"
check "enroll again counts already enrolled" "campaign Other: enrolled 0, already enrolled 2, unknown 0" "$out"
check "enroll again adds no row" 2 "$(q "select count(*) from enrollments e join campaigns c on c.id = e.campaign_id where c.name = 'Other'")"
run "$MR" campaign enroll Other c@three.example nobody@nowhere.example
check "enroll with one unknown exits 0" 0 "$rc"
check "enroll counts the unknown" "campaign Other: enrolled 1, already enrolled 0, unknown 1" "$out"
check_contains "enroll names the unknown address and the fix" "nobody@nowhere.example is not a contact: import it first" "$err"
run "$MR" campaign enroll Other nobody@nowhere.example not-an-address
check "enroll with none known exits 65" 65 "$rc"
check_contains "enroll names the invalid address" "invalid email 'not-an-address'" "$err"
check_contains "enroll says none was known" "none of the 2 addresses is a contact" "$err"
run "$MR" campaign enroll Nope a@one.example
check "enroll: unknown campaign exits 65" 65 "$rc"
check_contains "enroll: unknown campaign named" "unknown campaign 'Nope'" "$err"
run "$MR" campaign enroll Other
check "enroll without whom exits 64" 64 "$rc"
run "$MR" campaign enroll Other a@one.example --all-active
check "enroll with two ways exits 64" 64 "$rc"

printf 'Name;E-mail;Note\nA;a@one.example;x\n\nD;D@four.example;y\nN;nobody@nowhere.example;z\nB;bad@;w\nE;;v\n' > e.csv
run "$MR" campaign enroll Proj2 --file e.csv
check "enroll --file exits 0" 0 "$rc"
check "enroll --file counts" "campaign Proj2: enrolled 2, already enrolled 0, unknown 3" "$out"
check_contains "enroll --file: FILE:LINE for the unknown" "e.csv:5: nobody@nowhere.example is not a contact" "$err"
check_contains "enroll --file: FILE:LINE for the invalid" "e.csv:6: invalid email 'bad@'" "$err"
check_contains "enroll --file: FILE:LINE for the missing" "e.csv:7: missing email" "$err"
run "$MR" campaign enroll Proj2 --file - < e.csv
check "enroll --file - reads stdin" "campaign Proj2: enrolled 0, already enrolled 2, unknown 3" "$out"
printf 'name,company\nA,B\n' > noemail.csv
run "$MR" campaign enroll Proj2 --file noemail.csv
check "enroll --file without an email column exits 65" 65 "$rc"
check_contains "enroll names the file and the header" "noemail.csv:1: no email column" "$err"
run "$MR" campaign enroll Proj2 --file missing.csv
check "enroll --file missing exits 66" 66 "$rc"
printf 'email\nnobody@nowhere.example\n' > none.csv
run "$MR" campaign enroll Proj2 --file none.csv
check "enroll --file with none known exits 65" 65 "$rc"

sqlite3 mailrota.db "update contacts set status = 'bounced' where email = 'b@two.example'"
run "$MR" campaign enroll Dom --all-active
check "enroll --all-active exits 0" 0 "$rc"
check "enroll --all-active counts (d@ was enrolled by no one yet)" "campaign Dom: enrolled 3, already enrolled 0, unknown 0" "$out"
check "enroll --all-active leaves the bounced contact out" 0 \
    "$(q "select count(*) from enrollments e join campaigns c on c.id = e.campaign_id join contacts k on k.id = e.contact_id where c.name = 'Dom' and k.email = 'b@two.example'")"
run "$MR" campaign enroll Dom --all-active
check "enroll --all-active again" "campaign Dom: enrolled 0, already enrolled 3, unknown 0" "$out"
run "$MR" campaign enroll Dom b@two.example
check "enroll of a bounced contact exits 0" 0 "$rc"
check "a bounced contact is enrolled" "campaign Dom: enrolled 1, already enrolled 0, unknown 0" "$out"
check_contains "and said not active" "1 of them is not active" "$err"
run "$MR" -q campaign enroll Dom a@one.example
check "enroll -q prints nothing" "0|" "$rc|$out"
run "$MR" campaign enroll --help
check "enroll --help exits 0" 0 "$rc"
check_contains "enroll --help shows the usage" "campaign enroll NAME" "$out"

done_testing
