#!/bin/sh
# unsubscribe.url is rendered per recipient: {{email}} is the address
# percent-encoded, {{token}} the hex HMAC-SHA256 of the lower-cased address
# under HMAC-SHA256(key file's key, "mailrota-unsubscribe"), so that the
# endpoint can check the link was ours.  Any other {{...}} is a config
# error (exit 78 naming the key and line); {{token}} needs the key file.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 10 1
url='https://sender.example/u?e={{email}}&t={{token}}'
python3 -c '
import re, sys
p = sys.argv[1]
s = re.sub(r"(?m)^  url: .*$", lambda m: "  url: \"%s\"" % sys.argv[2], open(p).read())
open(p, "w").write(s)' "$T/config.yaml" "$url"
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt" || exit 1
printf 'email,first_name\nAnn.O+x@One.example,Ann\nbob@two.example,Bob\n' > c.csv
"$MR" -q import contacts c.csv --campaign C || exit 1
MAILROTA_NOW=2026-11-20T15:00:00Z run "$MR" -q run
check "run exits 0" 0 "$rc"

# list_unsub EMAIL: the List-Unsubscribe header delivered to EMAIL.
list_unsub() {
    _f=$(grep -il "\"$1\"" "$T"/srv/mail/*.json | head -n 1)
    [ -n "$_f" ] || return 0
    python3 -c '
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(" ".join(str(m["List-Unsubscribe"]).split()))' "${_f%.json}.eml"
}
# want EMAIL: the header computed here from the key file.
want() {
    python3 -c '
import hashlib, hmac, sys, urllib.parse
key = open(sys.argv[1], "rb").read()
k = hmac.new(key, b"mailrota-unsubscribe", hashlib.sha256).digest()
tok = hmac.new(k, sys.argv[2].lower().encode(), hashlib.sha256).hexdigest()
print("<https://sender.example/u?e=%s&t=%s>, <mailto:unsubscribe@sender.example>"
      % (urllib.parse.quote(sys.argv[2], safe=""), tok))' "$T/mailrota.key" "$1"
}
# import lower-cases the domain; {{email}} is the address as stored
ann=$(q "select email from contacts where email = 'ann.o+x@one.example'")
check "stored as" "Ann.O+x@one.example" "$ann"
check "encoded address and token" "$(want "$ann")" "$(list_unsub "$ann")"
check_contains "the address percent-encoded" "e=Ann.O%2Bx%40one.example&t=" "$(list_unsub "$ann")"
check "another recipient, its own" "$(want bob@two.example)" "$(list_unsub bob@two.example)"
check_not_contains "no raw variable" "{{" "$(cat "$T"/srv/mail/*.eml)"

# Another variable is a config error naming the key and its line.
cp "$T/config.yaml" good.yaml
sed -i 's|^  url: .*|  url: "https://sender.example/u?id={{contact_id}}"|' "$T/config.yaml"
line=$(grep -n '^  url:' "$T/config.yaml" | cut -d: -f1)
run "$MR" status
check "unknown variable in unsubscribe.url exits 78" 78 "$rc"
check_contains "names the file line and key" "config.yaml:$line: key 'unsubscribe.url'" "$err"
check_contains "names the variable" "{{contact_id}}" "$err"
cp good.yaml "$T/config.yaml"

# {{token}} without the key file: the run stops before sending.
mv "$T/mailrota.key" "$T/key.away"
printf 'email\ncy@three.example\n' > c2.csv
"$MR" -q import contacts c2.csv --campaign C || exit 1
MAILROTA_NOW=2026-11-21T15:00:00Z run "$MR" -q run
check "{{token}} without the key file exits 78" 78 "$rc"
check_contains "names the key and the file" "unsubscribe.url" "$err"
check_contains "says what to do" "mailrota init" "$err"
check "nothing sent to cy" 0 "$(received_by cy@three.example)"

done_testing
