#!/bin/sh
# Oversized and malformed input - contact and roster CSV, YAML config,
# templates - fails with FILE:LINE and SPEC's exit code (65 data, 66
# missing, 78 config) and writes nothing.  t_import.sh, t_config.sh and
# t_campaign.sh cover the everyday mistakes; this is what a broken,
# binary, huge or hostile file does.
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1
printf 'Subject: Hi {{first_name|there}}\n\nHello {{first_name|there}}\n' > ok.txt
"$MR" -q campaign add C --template ok.txt || exit 1
printf 'email,first_name\nkeep@one.example,Keep\n' > seed.csv
"$MR" -q import contacts seed.csv --campaign C || exit 1
"$MR" -q mailbox add m@sender.example --name "M Sender" --password-env MR_NOPE 2>/dev/null || exit 1
printf 'email,first_name\nnew@two.example,New\n' > new.csv

# Everything a failed command could have half-written.
state() {
    q "select (select count(*) from contacts) || ' ' ||
              (select count(*) from companies) || ' ' ||
              (select count(*) from enrollments) || ' ' ||
              (select count(*) from campaigns) || ' ' ||
              (select group_concat(email || '=' || display_name) from mailboxes) || ' ' ||
              (select count(*) from sends) || ' ' || (select count(*) from runs)"
}
before=$(state)
# junk FILE N SEED: N deterministic pseudo-random bytes (binary junk).
junk() {
    /usr/bin/python3 -c 'import random, sys; r = random.Random(int(sys.argv[2])); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(int(sys.argv[1]))))' "$2" "$3" > "$1"
}
# long N TEXT: TEXT repeated to N octets.
long() {
    /usr/bin/python3 -c 'import sys; n = int(sys.argv[1]); s = sys.argv[2]; sys.stdout.write((s * (n // len(s) + 1))[:n])' "$1" "$2"
}

# ---- contact CSV: exit 65, FILE:LINE, nothing written --------------------

# import_fails LABEL FILE WANT [OPTIONS...]
import_fails() {
    _l=$1 _f=$2 _w=$3
    shift 3
    run "$MR" import contacts "$@" --campaign C "$_f"
    check "$_l: exits 65" 65 "$rc"
    check_contains "$_l: names file, line and cause" "$_w" "$err"
    check "$_l: writes nothing" "$before" "$(state)"
}
printf 'email,"first_name\nx@three.example,A\n' > q1.csv
import_fails "unbalanced quote in the header" q1.csv "q1.csv:1: header row: unterminated quoted field"
printf 'email,first_name\nok@four.example,"Ann\nok2@four.example,B\n' > q2.csv
import_fails "unbalanced quote in a row, --strict" q2.csv "q2.csv:2: unterminated quoted field" --strict
check_contains "--strict says nothing was imported" "q2.csv: 1 bad row: nothing imported (--strict)" "$err"
long 5000000 a > huge1.csv
import_fails "a 5 MB header field" huge1.csv "huge1.csv:1: header row: field 1 longer than 65536 bytes"
{ printf 'email,notes\nok@five.example,x\nbig@five.example,'; long 3000000 'word '; printf '\nok3@five.example,y\n'; } > huge2.csv
import_fails "a 3 MB field in a row, --strict" huge2.csv "huge2.csv:3: field 2 longer than 65536 bytes" --strict
{ printf email; i=0; while [ $i -lt 1100 ]; do printf ',c%d' $i; i=$((i + 1)); done; printf '\nx@six.example\n'; } > cols1.csv
import_fails "1101 columns in the header" cols1.csv "cols1.csv:1: header row: more than 1024 fields"
{ printf 'email,a\nok@seven.example,1\nx@seven.example'; long 3000 ','; printf '\n'; } > cols2.csv
import_fails "3000 commas in a row, --strict" cols2.csv "cols2.csv:3: more than 1024 fields" --strict
printf 'ann@eight.example,Ann\nbob@eight.example,Bob\n' > nohdr.csv
import_fails "no header row" nohdr.csv "nohdr.csv:1: no email column"
: > empty.csv
import_fails "an empty file" empty.csv "empty.csv: empty file: expected a header row"
printf '\n\r\n\n' > blank.csv
import_fails "only blank lines" blank.csv "blank.csv: empty file"
printf '\357\273\277' > bomonly.csv
import_fails "only a UTF-8 BOM" bomonly.csv "bomonly.csv: empty file"
printf '\377\376e\000m\000a\000i\000l\000\n\000x\000@\000y\000.\000i\000o\000\n\000' > u16.csv
import_fails "UTF-16 (FF FE)" u16.csv "u16.csv:1: header row: UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8"
printf '\376\377\000e\000m\000a\000i\000l\000\n' > u16be.csv
import_fails "UTF-16 (FE FF)" u16be.csv "u16be.csv:1: header row: UTF-16 text"
junk junk.csv 200000 1
import_fails "200 kB of binary junk" junk.csv "junk.csv:1: header row: "
printf '\177ELF\002\001\001\000\000\000\000\000\n' > elf.csv
import_fails "an ELF header" elf.csv "elf.csv:1: header row: NUL byte in field 1"
run "$MR" import contacts - < u16.csv
check "UTF-16 on stdin exits 65 too" 65 "$rc"
check_contains "and names stdin" "stdin:1: header row: UTF-16 text" "$err"

# A UTF-8 BOM before a quoted header, CRLF, and a last line without a line
# end are all fine.
printf '\357\273\277"E-mail","First Name"\r\nbom@nine.example,Bo\r\nend@nine.example,En' > bom.csv
run "$MR" import contacts bom.csv --dry-run
check "a UTF-8 BOM and a quoted header import" "imported 2, updated 0, skipped 0" "$out"

# ---- roster CSV: exit 65, nothing written ---------------------------------

roster_fails() {
    run "$MR" mailbox import "$2"
    check "roster, $1: exits 65" 65 "$rc"
    check_contains "roster, $1: names file, line and cause" "$3" "$err"
    check "roster, $1: writes nothing" "$before" "$(state)"
}
printf '\377\376e\000m\000a\000i\000l\000\n\000' > r16.csv
roster_fails "UTF-16" r16.csv "r16.csv:1: header row: UTF-16 text"
roster_fails "binary junk" junk.csv "junk.csv:1: header row: "
roster_fails "an empty file" empty.csv "empty.csv: empty file"
printf 'email,"display_name\nm@sender.example,X\n' > rq.csv
roster_fails "an unbalanced quote" rq.csv "rq.csv:1: header row: unterminated quoted field"
printf 'email,display_name\nm@sender.example,"Evil\nm2@sender.example,Y\n' > rq2.csv
roster_fails "an unbalanced quote in a row" rq2.csv "rq2.csv:2: unterminated quoted field"
{ printf 'email,display_name\nm@sender.example,'; long 100000 N; printf '\n'; } > rlong.csv
roster_fails "a 100 kB name" rlong.csv "rlong.csv:2: field 2 longer than 65536 bytes"

# ---- YAML config: exit 78, FILE:LINE, nothing touched ---------------------

# config_fails LABEL FILE WANT: a writing command under the config FILE.
config_fails() {
    run "$MR" -c "$2" import contacts new.csv
    check "config, $1: exits 78" 78 "$rc"
    check_contains "config, $1: names file, line and cause" "$3" "$err"
    check "config, $1: touches nothing" "$before" "$(state)"
    check "config, $1: creates no database" no "$([ -e other.db ] && echo yes || echo no)"
}
printf 'database: ./other.db\nrules:\n\tdaily_cap: 5\n' > tab.yaml
config_fails "a tab" tab.yaml "tab.yaml:3: YAML syntax error"
check_contains "config, a tab: says to use spaces" "indent with spaces" "$err"
printf 'database: ./other.db\nrules:\n  daily_cap: 5\n   cooldown_days: 3\n' > indent.yaml
config_fails "bad indentation" indent.yaml "indent.yaml:4: YAML syntax error"
printf 'database: ./other.db\nrules:\n  daily_cap: 5\n  cooldown_days: 3\n  daily_cap: 6\n' > dup.yaml
config_fails "a duplicate key" dup.yaml "dup.yaml:5: duplicate key 'rules.daily_cap' (first set on line 3)"
printf 'database: ./other.db\nsmtp:\n  port:\n    number: 25\n' > type.yaml
config_fails "a mapping for a number" type.yaml "type.yaml:3: key 'smtp.port'"
printf 'database: ./other.db\nfree_mail_domains: gmail.com\n' > type2.yaml
config_fails "a string for a list" type2.yaml "type2.yaml:2: key 'free_mail_domains'"
{ printf 'database: ./other.db\n'; long 1100000 '# padding padding padding padding\n' | sed 's/\\n/\n/g'; } > huge.yaml
config_fails "a 1.1 MB file" huge.yaml "huge.yaml: file too large (more than 1048576 bytes)"
cat > laughs.yaml <<'YAML'
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
database: ./other.db
YAML
config_fails "billion laughs" laughs.yaml "laughs.yaml:1: unknown key 'a'"
cat > laughs2.yaml <<'YAML'
database: ./other.db
free_mail_domains:
  - &a [lol.example, lol.example, lol.example, lol.example, lol.example]
  - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  - &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  - &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  - &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  - *g
YAML
config_fails "billion laughs under a known key" laughs2.yaml "laughs2.yaml:3: key 'free_mail_domains': expected a domain name, got a list"
{ printf 'database: ./other.db\nfree_mail_domains: '; long 100000 '['; long 100000 ']'; printf '\n'; } > deep.yaml
config_fails "100000 nested lists" deep.yaml "deep.yaml:2: '[' and '{' nested more than 32 deep"
printf -- '- database\n- timezone\n' > list.yaml
config_fails "a list document" list.yaml "list.yaml:1: expected a mapping of 'key: value' lines at the top level, got a list"
printf '"just a string"\n' > scalar.yaml
config_fails "a string document" scalar.yaml "scalar.yaml:1: expected a mapping"
printf 'database: ./other.db\n---\nrules: {}\n' > two.yaml
config_fails "two documents" two.yaml "two.yaml:3: a second YAML document"
junk junk.yaml 5000 2
config_fails "binary junk" junk.yaml "junk.yaml:1: cannot read the file as YAML"
printf 'database: ./other.db\ntimezone: \377\376\n' > utf.yaml
config_fails "bad UTF-8" utf.yaml "utf.yaml:2:"
printf 'database: ./other.db\nsmtp:\n  host: "smtp.example.com\\r\\nRCPT TO:<victim@evil.example>"\n' > crlf.yaml
config_fails "CR LF in a host" crlf.yaml "crlf.yaml:3: key 'smtp.host'"
# The nightly run stops the same way, before it locks or sends.
run "$MR" -c laughs2.yaml run
check "run under a bad config exits 78" 78 "$rc"
check "and records no run" "$before" "$(state)"

# ---- templates: exit 65 (66 when missing), FILE:LINE, nothing added --------

# tmpl_fails LABEL FILE WANT [CODE]
tmpl_fails() {
    run "$MR" campaign add "T $1" --template "$2"
    check "template, $1: exits ${4:-65}" "${4:-65}" "$rc"
    check_contains "template, $1: names file, line and cause" "$3" "$err"
    check "template, $1: adds nothing" "$before" "$(state)"
}
printf 'Subject: x\nBody\n' > noblank.txt
tmpl_fails "no blank line" noblank.txt "noblank.txt:2: missing blank line after 'Subject:'"
printf 'Subject: x\n\n  \n\n' > nobody.txt
tmpl_fails "no body" nobody.txt "nobody.txt:3: empty body"
printf 'Subject: x\n\nHi,\n\nThanks {{first_name\n' > unclosed.txt
tmpl_fails "unclosed {{ in the body" unclosed.txt "unclosed.txt:5: unclosed '{{'"
printf 'Subject: x\n\nHi {{first_name|default("there")}},\n' > filter1.txt
tmpl_fails "a Jinja filter" filter1.txt "filter1.txt:3: '{{first_name|default(\"there\")}}' looks like a filter"
printf 'Subject: Hi {{ first_name | upper | trim }}\n\nb\n' > filter2.txt
tmpl_fails "chained filters" filter2.txt "filter2.txt:1: '{{first_name|upper | trim}}' looks like a filter"
printf 'Subject: x\n\nHi {{ first_name | default: "there" }}\n' > filter3.txt
tmpl_fails "a Liquid filter" filter3.txt "filter3.txt:3: '{{first_name|default: \"there\"}}' looks like a filter"
printf 'Subject: x\n\nHi {{#if first_name}}\n' > hbs.txt
tmpl_fails "Handlebars" hbs.txt "hbs.txt:3: bad character '#' in variable name"
{ printf 'Subject: x\n\n'; long 300000 'Lorem ipsum dolor sit amet\n' | sed 's/\\n/\n/g'; } > huge.txt
tmpl_fails "a 300 kB template" huge.txt "'huge.txt' is larger than 262144 bytes"
printf 'Subject: x\n\nHi \000 there\n' > nul.txt
tmpl_fails "a NUL byte" nul.txt "nul.txt:3: NUL byte"
for b in '\377' '\200abc' '\300\257' '\355\240\200' '\342\202' '\364\220\200\200'; do
    # shellcheck disable=SC2059  # $b holds printf escapes on purpose
    printf "Subject: x\n\nok\nbad $b here\n" > utf8.txt
    tmpl_fails "bad UTF-8 ($b)" utf8.txt "utf8.txt:4: not valid UTF-8"
done
printf 'Subject: x\n\nnext\302\205line\n' > c1.txt
tmpl_fails "a C1 control" c1.txt "c1.txt:3: control character U+0085"
printf 'Subject: x\rBcc: victim@evil.example\n\nb\n' > cr.txt
tmpl_fails "a bare CR in the subject" cr.txt "cr.txt:1: bare carriage return"
printf '\377\376S\000u\000b\000j\000e\000c\000t\000:\000 \000x\000\n\000' > u16.txt
tmpl_fails "UTF-16" u16.txt "u16.txt:1: UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8"
junk junk.txt 4000 3
tmpl_fails "binary junk" junk.txt "junk.txt:1: "
mkdir tdir
tmpl_fails "a directory" tdir "'tdir' is not a regular file" 66
run "$MR" campaign add "T s" --template ok.txt --subject 'Hi {{first_name|default("there")}}'
check "--subject with a filter exits 65" 65 "$rc"
check_contains "and names --subject" "--subject:1: '{{first_name|default(\"there\")}}' looks like a filter" "$err"
check "and adds nothing" "$before" "$(state)"

# A template broken after `campaign add` stops its messages at run time:
# nothing is sent or recorded as failed, and the error names file and line.
printf 'Subject: Hi\n\nHello\n{{first_name|default("there")}}\n' > ok.txt
run "$MR" run
check "run with a template broken since exits 65" 65 "$rc"
check_contains "and names the template's file and line" "ok.txt:4: '{{first_name|default(\"there\")}}' looks like a filter" "$err"
check_contains "and says its messages are not sent" "its messages are not sent" "$err"
check "no send is recorded" 0 "$(q 'select count(*) from sends')"

check "integrity" ok "$(q 'pragma integrity_check')"
done_testing
