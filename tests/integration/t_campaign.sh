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

done_testing
