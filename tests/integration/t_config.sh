#!/bin/sh
# Configuration errors through the CLI: exit 78 naming file, line and key,
# and nothing touched; the permission warning.
. "$(dirname "$0")/lib.sh"

cp "$ROOT/config.example.yaml" config.yaml
chmod 600 config.yaml
run "$MR" init
check "the example config works" 0 "$rc"
check "it creates the configured database" yes "$([ -f mailrota.db ] && echo yes)"

printf 'database: other.db\nrules:\n  daly_cap: 30\n' > bad1.yaml
run "$MR" -c bad1.yaml init
check "unknown key exits 78" 78 "$rc"
check_contains "names file and line" "bad1.yaml:3:" "$err"
check_contains "names the key" "daly_cap" "$err"
check "nothing touched" no "$([ -f other.db ] && echo yes || echo no)"

printf 'database: other.db\nrules:\n  daily_cap: thirty\n' > bad2.yaml
run "$MR" -c bad2.yaml init
check "wrong type exits 78" 78 "$rc"
check_contains "names the key and line" "bad2.yaml:3: key 'rules.daily_cap'" "$err"

printf 'smtp:\n  port: 70000\n' > bad3.yaml
run "$MR" -c bad3.yaml mailbox list
check "impossible value exits 78" 78 "$rc"
check_contains "port named" "smtp.port" "$err"

printf 'timezone: Mars/Olympus\n' > bad4.yaml
run "$MR" -c bad4.yaml mailbox list
check "unknown time zone exits 78" 78 "$rc"

run "$MR" -c nothere.yaml mailbox list
check "missing -c file exits 78" 78 "$rc"
check_contains "missing file named" "nothere.yaml" "$err"

printf 'oauth:\n  client_secret_cmd: "pass show m365"\n' > open.yaml
chmod 644 open.yaml
run "$MR" -c open.yaml --db x.db init
check "a readable config naming a secret source still runs" 0 "$rc"
check_contains "but warns" "chmod 600" "$err"
chmod 600 open.yaml
run "$MR" -c open.yaml --db x.db init
check_not_contains "no warning at 0600" "warning" "$err"

# --db overrides database: from the config.
run "$MR" --db viaflag.db init
check "--db overrides the config" yes "$([ -f viaflag.db ] && echo yes)"

# inbound: (SPEC "Inbound"): the keys, their errors naming file and line.
printf 'inbound:\n  enabled: true\n  imap: { host: 127.0.0.1, port: 1993, security: starttls }\n  folder: INBOX\n  lookback_days: 30\n  unsubscribe_words: [stop, "bitte nicht"]\nrules:\n  stop_company_on_reply: false\n' > in.yaml
chmod 600 in.yaml
run "$MR" -c in.yaml --db in.db init
check "the inbound keys load" 0 "$rc"
printf 'inbound:\n  imap:\n    security: none\n' > in1.yaml
run "$MR" -c in1.yaml --db in.db plan
check "inbound.imap.security none exits 78" 78 "$rc"
check_contains "naming file, line and key" "in1.yaml:3: key 'inbound.imap.security'" "$err"
printf 'inbound:\n  lookback_days: 0\n' > in2.yaml
run "$MR" -c in2.yaml --db in.db plan
check_contains "lookback_days 0 is refused with its line" "in2.yaml:2: key 'inbound.lookback_days'" "$rc $err"
printf 'inbound:\n  unsubscribe_words: stop\n' > in3.yaml
run "$MR" -c in3.yaml --db in.db plan
check_contains "unsubscribe_words must be a list" "in3.yaml:2: key 'inbound.unsubscribe_words': expected a list" "$rc $err"
printf 'rules:\n  bounce_window: 40\n  max_bounce_rate: 1.5\n' > in5.yaml
run "$MR" -c in5.yaml --db in.db plan
check_contains "max_bounce_rate over 1 is refused with its line" "78 mailrota: error: in5.yaml:3: key 'rules.max_bounce_rate': expected a fraction from 0 to 1" "$rc $err"
printf 'inbound:\n  imap:\n    hots: x\n' > in4.yaml
run "$MR" -c in4.yaml --db in.db plan
check_contains "an unknown inbound key, with a suggestion" "did you mean 'inbound.imap.host'" "$rc $err"

done_testing
