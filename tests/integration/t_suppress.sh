#!/bin/sh
# `suppress add|remove|list` and the spellings SPEC lets a user type: an
# address, "@domain", and a bare "domain.com" or "*@domain.com", both read as
# "@domain.com" (and said so).  Anything else exits 65.  A "*@domain.com" row
# stored by an older mailrota (which took it for an address) suppresses its
# domain too.  Only `plan` is run: no server is needed.
. "$(dirname "$0")/lib.sh"

cat > config.yaml <<'YAML'
database: ./mailrota.db
timezone: America/Chicago
rules:
  daily_cap: 50
YAML
"$MR" -q init || exit 1
export MR_PW=unused
"$MR" -q mailbox add m1@sender.example --name "M One" --password-env MR_PW ||
    exit 1
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
cat > c.csv <<'CSV'
email,first_name,company
a@star.example,Ann,Star
b@sub.bare.example,Ben,Bare
c@legacy.example,Cy,Legacy
d@fine.example,Di,Fine
e@who.example,Ed,Who
CSV
"$MR" -q import contacts c.csv --campaign C1 || exit 1
export MAILROTA_NOW=2026-12-04T16:00:00Z

# suppressed_in_plan EMAIL: "yes" when `plan -v` gives EMAIL reason suppressed.
suppressed_in_plan() {
    "$MR" plan -v 2>&1 | grep -F "$1" | grep -qw suppressed && echo yes ||
        echo no
}

check "nothing suppressed at first" no "$(suppressed_in_plan a@star.example)"

run "$MR" suppress add '*@Star.example' --reason "asked"
check "'*@domain' is accepted" 0 "$rc"
check "and stored as @domain" "@star.example|asked" \
    "$(q "select value, reason from suppressions")"
check_contains "said so" "'@star.example'" "$err"
check "plan shows suppressed after suppress add '*@domain'" yes \
    "$(suppressed_in_plan a@star.example)"

run "$MR" suppress add bare.example
check "a bare domain is accepted" 0 "$rc"
check_contains "said so" "'@bare.example'" "$err"
check "stored as @domain" 1 \
    "$(q "select count(*) from suppressions where value = '@bare.example'")"
check "plan shows suppressed after suppress add domain.com (subdomain)" yes \
    "$(suppressed_in_plan b@sub.bare.example)"
run "$MR" -q suppress add bare.example
check "-q: nothing said" "" "$out$err"

for bad in 'foo' '*' '*@*.x.example' '*.x.example' '@' 'a@b@c.example' \
           'x@y' '@-x.example'; do
    run "$MR" suppress add "$bad"
    check "'$bad' exits 65" 65 "$rc"
done
run "$MR" suppress add '*.x.example'
check_contains "a wildcard is explained" "covers its subdomains" "$err"
check "nothing stored for them" 2 "$(q "select count(*) from suppressions")"

run "$MR" suppress remove '*@star.example'
check "remove takes '*@domain'" 0 "$rc"
check_contains "remove names the value" "@star.example" "$out"
check "a@star is plannable again" no "$(suppressed_in_plan a@star.example)"
run "$MR" suppress remove BARE.example
check "remove takes a bare domain" 0 "$rc"
run "$MR" suppress remove bare.example
check "removing what is not there exits 65" 65 "$rc"
run "$MR" suppress remove foo
check "remove: not an address or domain exits 65" 65 "$rc"

# A row an older mailrota stored as the address "*@legacy.example".
q "insert into suppressions(value, reason, created_at)
   values ('*@legacy.example', 'old', '2026-01-01T00:00:00Z')"
check "a stored '*@domain' row suppresses its domain" yes \
    "$(suppressed_in_plan c@legacy.example)"
check "others are not suppressed" no "$(suppressed_in_plan d@fine.example)"
run "$MR" suppress list
check_contains "list shows it as @domain" "@legacy.example" "$out"
check_not_contains "not as *@domain" "*@legacy" "$out"
run "$MR" suppress add @legacy.example
check "adding @domain over an old '*@domain' row" 0 "$rc"
check "leaves one row, keeping its reason" "@legacy.example|old" \
    "$(q "select value, reason from suppressions where value like '%legacy%'")"
q "insert into suppressions(value, reason, created_at)
   values ('*@who.example', NULL, '2026-01-01T00:00:00Z')"
check "suppressed through the old row" yes "$(suppressed_in_plan e@who.example)"
run "$MR" suppress remove @who.example
check "remove @domain removes an old '*@domain' row" "0|0" \
    "$rc|$(q "select count(*) from suppressions where value like '%who%'")"
check "and the contact is plannable again" no \
    "$(suppressed_in_plan e@who.example)"

# An address stays an address; stored values the command does not write
# (contact forget's sha256:HEX) are left alone by list.
run "$MR" suppress add Dee@FINE.example
check "an address is stored with its domain lower-cased" 1 \
    "$(q "select count(*) from suppressions where value = 'Dee@fine.example'")"
check "another address at that domain is not suppressed" no \
    "$(suppressed_in_plan d@fine.example)"
q "insert into suppressions(value, reason, created_at)
   values ('sha256:00ff', 'erased', '2026-01-01T00:00:00Z')"
run "$MR" suppress list
check "list exits 0" 0 "$rc"
check_contains "list shows other values as stored" "sha256:00ff" "$out"

done_testing
