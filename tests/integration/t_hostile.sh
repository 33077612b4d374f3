#!/bin/sh
# Hostile values in every contact field, extra column, mailbox name,
# template and template variable: CR, LF, CRLF + "Bcc:", NUL, 2000-octet
# values, RFC 2047 encoded words, quotes, angle brackets, commas and '@' in
# names, tabs, U+2028/U+2029/U+0085 and bad UTF-8.  None adds a header or a
# recipient: the test asserts on what a real SMTP server received
# (mailcheck.py).  Hostile addresses and names with line breaks or bad
# UTF-8 are refused at import with FILE:LINE and never sent.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 50 3
EVIL_B='=?UTF-8?B?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?='   # "\r\nBcc: victim@evil.example"
EVIL_Q='=?UTF-8?Q?=0D=0ABcc:_victim@evil.example?='
LS=$(printf '\342\200\250')     # U+2028 LINE SEPARATOR
PS=$(printf '\342\200\251')     # U+2029 PARAGRAPH SEPARATOR
NEL=$(printf '\302\205')        # U+0085 NEXT LINE (a C1 control)
# long N TEXT: TEXT repeated to exactly N octets.
long() {
    /usr/bin/python3 -c 'import sys; n = int(sys.argv[1]); s = sys.argv[2]; sys.stdout.write((s * (n // len(s) + 1))[:n])' "$1" "$2"
}

# ---- the mailbox roster ------------------------------------------------

names_before=$(q 'select group_concat(display_name, "|") from mailboxes')
# bad_name LABEL NAME: mailbox set and add refuse NAME as usage (64).
bad_name() {
    run "$MR" mailbox set m1@sender.example --name "$2"
    check "mailbox set --name refuses $1" 64 "$rc"
    check_contains "and says the display name is wrong ($1)" "display name" "$err"
    run "$MR" mailbox add m9@sender.example --name "$2" --password-env X
    check "mailbox add --name refuses $1" 64 "$rc"
}
bad_name "CR LF + Bcc" "$(printf 'Evil\r\nBcc: victim@evil.example')"
bad_name "LF + To" "$(printf 'Evil\nTo: x@evil.example')"
bad_name "a bare CR" "$(printf 'Evil\rX')"
bad_name "a tab" "$(printf 'Tab\there')"
bad_name "U+0085" "Next${NEL}Line"
bad_name "a 0xFF byte" "$(printf 'bad \377 byte')"
bad_name "an overlong sequence" "$(printf 'overlong \300\257')"
bad_name "a surrogate" "$(printf 'surrogate \355\240\200')"
bad_name "a truncated sequence" "$(printf 'cut \342\202')"
bad_name "2000 octets" "$(long 2000 'Name ')"
check "refused names change nothing" "$names_before" "$(q 'select group_concat(display_name, "|") from mailboxes')"
check "refused names add nothing" 4 "$(q 'select count(*) from mailboxes')"

# A roster with one hostile name is refused whole, naming file and line.
for v in '"Evil\r\nBcc: victim@evil.example"' '"Evil\nTo: x@evil.example"' \
         'Bad \377 UTF-8' 'C1 \302\205 control' 'Tab\there' 'NUL\000byte'; do
    # shellcheck disable=SC2059  # $v holds printf escapes on purpose
    printf 'email,display_name\r\nm2@sender.example,Fine Name\r\nm3@sender.example,'"$v"'\r\n' > roster-bad.csv
    run "$MR" mailbox import roster-bad.csv
    check "roster with a hostile name exits 65" 65 "$rc"
    check_contains "and names file and line" "roster-bad.csv:3:" "$err"
done
check "a refused roster changes nothing" "$names_before" "$(q 'select group_concat(display_name, "|") from mailboxes')"

# Hostile but harmless names are kept as written and shown as text.
M1_NAME="\"Doe, John\" <evil@evil.example>, $EVIL_B @x (c) \\"
run "$MR" mailbox set m1@sender.example --name "$M1_NAME"
check "a name with quotes, <>, commas and an encoded word is accepted" 0 "$rc"
check "and stored as written" "$M1_NAME" "$(q "select display_name from mailboxes where email = 'm1@sender.example'")"
printf 'email,display_name\r\nm2@sender.example,"Sales%sTo: x@evil.example%sBcc: victim@evil.example ""Team"" <a@b.example>"\r\n' "$LS" "$PS" > roster.csv
run "$MR" mailbox import roster.csv
check "a roster name with U+2028 and U+2029 is accepted" 0 "$rc"
# m3's name gets CR LF from the database itself, as sqlite3 could write it.
q "update mailboxes set display_name = 'Db' || char(13, 10) || 'Bcc: victim@evil.example' || char(10) || 'To: x@evil.example' where email = 'm3@sender.example'"

# ---- the campaign ------------------------------------------------------

printf 'Subject: Re: {{first_name|there}} {{last_name|}} at {{company|your team}} {{job_title|}} {{nick|}} {{notes|}} %s %s Bcc: victim@evil.example\n\nHi {{first_name|there}} {{last_name|}},\n\n{{notes|}}\n.\n{{company|}} / {{title|}} / {{job_title|}} / {{nick|}}\n..\nSent by {{sender_name}} <{{sender_email}}>\n' \
    "$EVIL_B" "$LS" > hostile.txt
run "$MR" campaign add H --template hostile.txt
check "the hostile template is accepted" 0 "$rc"
run "$MR" campaign add H2 --template hostile.txt --subject "$(printf 'Hi\r\nBcc: victim@evil.example')"
check "--subject with CR LF exits 64" 64 "$rc"
run "$MR" campaign add H2 --template hostile.txt --subject "$(printf 'Hi\nBcc: victim@evil.example')"
check "--subject with LF exits 64" 64 "$rc"
run "$MR" campaign add H2 --template hostile.txt --subject "$(printf 'Hi \377')"
check "--subject with bad UTF-8 exits 64" 64 "$rc"
check "refused --subject adds nothing" 1 "$(q 'select count(*) from campaigns')"

# ---- the contacts --------------------------------------------------------

CSV=contacts.csv
printf 'Email,First Name,Last Name,Company,Job Title,Notes,Nick\r\n' > $CSV
: > rows.lines
line=1
# row LABEL FORMAT [ARGS]: appends printf FORMAT ARGS and CRLF to the CSV
# and remembers the physical line the record starts on.
row() {
    _l=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" > row.tmp
    printf '\r\n' >> row.tmp
    line=$((line + 1))
    echo "$_l $line" >> rows.lines
    cat row.tmp >> $CSV
    line=$((line + $(tr -cd '\n' < row.tmp | wc -c) - 1))
}
line_of() { awk -v l="$1" '$1 == l { print $2 }' rows.lines; }

row g1 'ok.one@h1.example,"""Doe, John"" <evil@evil.example>",O'"'"'Brien\\,"Acme <ceo@evil.example>, Inc",%s,"line one\r\nBcc: victim@evil.example\r\n\r\nfake body\n.\nQUIT\r\nRCPT TO:<victim@evil.example>","tab\there"' "$EVIL_B"
row g2 'ok.two@h2.example,%s,"%sTo: x@evil.example","%sCc: x@evil.example","a\tb",%s,"%sBcc: victim@evil.example"' "$EVIL_Q" "$LS" "$NEL" "$(long 3000 A)" "$PS"
row g3 'ok.three@h3.example,%s,%s,%s Ltd,@evil.example,%s,"victim@evil.example, x@evil.example"' "$(long 2000 'Name ')" "$(long 2100 L)" "$(long 2000 C)" "$(long 3000 'word ')"
row g4 'ok.four@h4.example,x@evil.example,<victim@evil.example>,"""Quoted"" \\ Co",=?ISO-8859-1?Q?=0D=0A?=,=?UTF-8?B?eA0KVG86IHhAZXZpbC5leGFtcGxlDQoNCmZha2UgYm9keQ==?=,Zo\303\253 \360\237\230\200'
row g5 'ok.five@h5.example,{{first_name}},,,,,'
row g6 'ok.six@h6.example,Db,Edit,Dbco,,,'
row g7 'ok.seven@h7.example,Bad,Utf,Badco,,,'
row g8 'ok.eight@h8.example,Bad,Addr,,,,'
# Hostile addresses: refused whatever else the row holds.
row e_crlf '"victim@evil.example\r\nBcc: x@evil.example",A,B,,,,'
row e_rcpt '"ok.e1@e1.example>\r\nRCPT TO:<victim@evil.example",A,,,,,'
row e_name '"""Doe, John"" <evil@e2.example>",A,,,,,'
row e_angle '<ok.e3@e3.example>,A,,,,,'
row e_comma '"ok.e4@e4.example,victim@evil.example",,,,,,'
row e_ew '=?UTF-8?B?dmljdGltQGV2aWwuZXhhbXBsZQ==?=@e5.example,,,,,,'
row e_nul 'ok.e6@e6.example\000,,,,,,'
row e_utf8 'ok.\377e7@e7.example,,,,,,'
row e_tab '"ok.e8@e8.example\tBcc: x@evil.example",,,,,,'
row e_ls 'ok.e9@e9.example%sBcc: x@evil.example,,,,,,' "$LS"
row e_long '%s@e10.example,,,,,,' "$(long 2000 a)"
# Names with line breaks, NUL or bad UTF-8: refused.
row n_crlf 'ok.n1@n1.example,"Evil\r\nBcc: victim@evil.example",,,,,'
row n_cr 'ok.n2@n2.example,A,"Evil\rBcc: victim@evil.example",,,,'
row n_lf 'ok.n3@n3.example,,,"Evil\nTo: x@evil.example",,,'
row n_title 'ok.n4@n4.example,,,,"Boss\r\n\r\nfake body",,'
row n_nul 'ok.n5@n5.example,A\000B,,,,,'
row n_nul2 'ok.n6@n6.example,,,,,"x\000y",'
row u_cont 'ok.u1@u1.example,\200abc,,,,,'
row u_over 'ok.u2@u2.example,,\300\257,,,,'
row u_over3 'ok.u3@u3.example,,,\340\200\257,,,'
row u_surr 'ok.u4@u4.example,,,,\355\240\200,,'
row u_trunc 'ok.u5@u5.example,,,,,\342\202,'
row u_big 'ok.u6@u6.example,,,,,,\364\220\200\200'
row u_fe 'ok.u7@u7.example,\376,,,,,'
row c_many 'ok.c1@c1.example,A,B,C,D,E,F,extra'
row c_huge 'ok.c2@c2.example,,,,,%s,' "$(long 70000 x)"
row c_quote 'ok.c3@c3.example,"unbalanced,,,,,'

before=$(q 'select count(*) from contacts')
run "$MR" import contacts --strict $CSV --campaign H
check "--strict import of the hostile file exits 65" 65 "$rc"
check "and writes nothing" "$before|0" "$(q 'select count(*), (select count(*) from enrollments) from contacts')"

run "$MR" import contacts $CSV --campaign H
check "the hostile file imports the good rows" "imported 8, updated 0, skipped 27" "$out"
for l in e_crlf e_rcpt e_name e_angle e_comma e_ew e_nul e_utf8 e_tab e_ls e_long; do
    check_contains "hostile address refused at its line ($l)" "$CSV:$(line_of $l): " "$err"
done
check_contains "an address with CR LF is named invalid" "$CSV:$(line_of e_crlf): invalid email" "$err"
check_contains "an encoded word as local part is refused" "$CSV:$(line_of e_ew): invalid email" "$err"
check_contains "NUL reported" "$CSV:$(line_of e_nul): NUL byte in field 1" "$err"
check_contains "bad UTF-8 in the address reported" "$CSV:$(line_of e_utf8): invalid UTF-8 in field 1" "$err"
check_contains "CR LF in a first name refused" "$CSV:$(line_of n_crlf): first_name contains a line break" "$err"
check_contains "bare CR in a last name refused" "$CSV:$(line_of n_cr): last_name contains a line break" "$err"
check_contains "LF in a company refused" "$CSV:$(line_of n_lf): company contains a line break" "$err"
check_contains "CR LF in a Job Title refused" "$CSV:$(line_of n_title): title contains a line break" "$err"
check_contains "NUL in a name refused" "$CSV:$(line_of n_nul): NUL byte in field 2" "$err"
check_contains "NUL in an extra column refused" "$CSV:$(line_of n_nul2): NUL byte in field 6" "$err"
for l in u_cont:2 u_over:3 u_over3:4 u_surr:5 u_trunc:6 u_big:7 u_fe:2; do
    check_contains "bad UTF-8 refused (${l%:*})" "$CSV:$(line_of ${l%:*}): invalid UTF-8 in field ${l#*:}" "$err"
done
check_contains "too many fields refused" "$CSV:$(line_of c_many): 8 fields, but the header has 7" "$err"
check_contains "a huge field refused" "$CSV:$(line_of c_huge): field 6 longer than 65536 bytes" "$err"
check_contains "an unbalanced quote refused" "$CSV:$(line_of c_quote): unterminated quoted field" "$err"
check_not_contains "import messages are one line each (no raw CR)" "$(printf '\r')" "$err"
check "no refused row reached the database" 0 "$(q "select count(*) from contacts where email not like 'ok.%@h_.example'")"
check "no contact at evil.example" 0 "$(q "select count(*) from contacts where email like '%evil%'")"
check "hostile extra columns are kept as written" "$(printf 'line one\r\nBcc: victim@evil.example\r\n\r\nfake body\n.\nQUIT\r\nRCPT TO:<victim@evil.example>')" \
    "$(q "select json_extract(fields_json, '\$.notes') from contacts where email = 'ok.one@h1.example'")"

# The database as sqlite3 could leave it: CR LF in a name, a company and a
# variable (g6); bad UTF-8 in a name (g7); CR LF in an address (g8).
q "update contacts set first_name = 'Db' || char(13, 10) || 'Bcc: victim@evil.example', fields_json = json_object('nick', 'n' || char(13, 10) || 'To: x@evil.example' || char(13, 10, 13, 10) || 'body') where email = 'ok.six@h6.example'"
q "update companies set name = 'Dbco' || char(13, 10) || 'Cc: x@evil.example' where name = 'Dbco'"
q "update contacts set last_name = cast(x'55ff74c0af' as text) where email = 'ok.seven@h7.example'"
q "update companies set name = cast(x'4261640aff' as text) where name = 'Badco'"
q "update contacts set email = 'ok.eight@h8.example' || char(13, 10) || 'RCPT TO:<victim@evil.example>' where email = 'ok.eight@h8.example'"

# ---- plan --json stays JSON ----------------------------------------------

run "$MR" plan --json
check "plan --json exits 0" 0 "$rc"
check "plan --json is valid UTF-8 JSON with every enrolled contact" 8 \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.loads(sys.stdin.buffer.read().decode("utf-8"))))' 2>&1)"
check "values come back as written" 'Acme <ceo@evil.example>, Inc|"Quoted" \ Co' \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d={x["contact"]: x["company"] for x in json.load(sys.stdin)}; print(d["ok.one@h1.example"] + "|" + d["ok.four@h4.example"])')"
check "a control character comes back as written" "$(printf 'Dbco\r\nCc: x@evil.example')" \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d={x["contact"]: x["company"] for x in json.load(sys.stdin)}; sys.stdout.write(d["ok.six@h6.example"])')"
check "bad UTF-8 in the database is replaced by U+FFFD" "$(printf 'Bad\n\357\277\275')" \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d={x["contact"]: x["company"] for x in json.load(sys.stdin)}; sys.stdout.write(d["ok.seven@h7.example"])')"
run "$MR" plan
check_not_contains "plan's table has no raw control character" "$(printf '\r')" "$out"

# ---- run, and what the server received -----------------------------------

run "$MR" run
check "run sends the clean and cleanable contacts, fails the rest" \
    "planned 8, sent 5, deferred 0, bounced 0, failed 3, unknown 0" "$out"
check "a value with '{{' fails its send" "failed|value of {{first_name}} contains '{{'" \
    "$(q "select s.status, s.smtp_text from sends s join contacts c on c.id = s.contact_id where c.email = 'ok.five@h5.example'")"
check_contains "bad UTF-8 from the database fails its send" "not valid UTF-8" \
    "$(q "select s.status || ' ' || s.smtp_text from sends s join contacts c on c.id = s.contact_id where c.email = 'ok.seven@h7.example'")"
check_contains "an address with CR LF from the database fails its send" "failed|bad recipient address" \
    "$(q "select s.status || '|' || s.smtp_text from sends s join contacts c on c.id = s.contact_id where c.email like 'ok.eight@h8.example%'")"
check "the server got 5 messages" 5 "$(smtpd_count "$T/srv")"
check "nobody at evil.example got anything" 0 "$(cat "$T"/srv/mail/*.json | grep -c -i 'evil')"

/usr/bin/python3 "$ROOT/tests/integration/mailcheck.py" "$T/srv/mail" mailrota.db \
    --rcpt ok.one@h1.example --rcpt ok.two@h2.example \
    --rcpt ok.three@h3.example --rcpt ok.four@h4.example \
    --rcpt ok.six@h6.example \
    --subject-has "$EVIL_B" --subject-has "Bcc: victim@evil.example" \
    --body-line "." --body-line ".." > mailcheck.out 2>&1
[ -s mailcheck.out ] || echo "mailcheck.py|printed nothing" > mailcheck.out
while IFS='|' read -r prop res; do
    check "$prop" ok "$res"
done < mailcheck.out
f=$(grep -l 'ok.one@h1.example' "$T"/srv/mail/*.json | head -n 1)
check_contains "CR LF in a variable stays inside the body" "fake body" "$(cat "${f%.json}.eml")"

check "integrity" ok "$(q 'pragma integrity_check')"
done_testing
