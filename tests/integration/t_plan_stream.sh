#!/bin/sh
# The streaming planner (issue 17) against the exhaustive one, its oracle:
# on random worlds (roster, campaigns with steps, companies, zones,
# suppressions, and a random history of sends, replies and after-the-fact
# changes written by plain SQL), `plan` and `plan -v`, text and JSON, with
# and without --max, at several times, must print exactly what
# MAILROTA_PLAN_EXHAUSTIVE=1 prints (every enrolment loaded, sorted and
# planned).  Also: the enrolment state of migration 0013 equals what the
# sends say after every kind of write.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
ZONES="America/Chicago Europe/Berlin Asia/Kolkata Australia/Sydney"
# two under a wrapper such as valgrind (make valgrind), ten else
if [ -n "${MAILROTA_WRAP:-}" ]; then WORLDS=${PLAN_STREAM_WORLDS:-2}
else WORLDS=${PLAN_STREAM_WORLDS:-10}; fi

# world SEED: a fresh database in $T/wSEED, rules and roster from SEED.
world() {
    w=$T/w$1
    mkdir -p "$w"
    cd "$w" || exit 1
    r() { $PY -c "import random; r = random.Random($1 * 7919 + $2); print(r.choice([$3]))"; }
    cat > config.yaml <<YAML
database: ./mailrota.db
timezone: America/Chicago
key_file: ./mailrota.key
smtp:
  host: 127.0.0.1
  port: 2525
rules:
  daily_cap: $(r "$1" 1 "2, 5, 9, 40")
  cooldown_days: $(r "$1" 2 "0, 1, 3, 10")
  max_contacts_per_company: $(r "$1" 3 "1, 2, 4")
  stop_company_on_reply: $(r "$1" 4 "'true', 'false'")
unsubscribe:
  mailto: unsubscribe@sender.example
YAML
    case $(r "$1" 5 "0, 1, 2") in
        1) printf 'schedule:\n  start: "08:00"\n  end: "18:00"\n  zone: sender\n' >> config.yaml ;;
        2) printf 'schedule:\n  start: "09:00"\n  end: "17:00"\n  zone: recipient\n' >> config.yaml ;;
    esac
    chmod 600 config.yaml
    "$MR" -q init || exit 1
    {
        echo "email,display_name,status,daily_cap,auth,password_env"
        for i in 1 2 3 4; do
            echo "m$i@sender.example,S$i,$(r "$1" "1$i" "'cold-ready', 'cold-ready', 'paused'"),$(r "$1" "2$i" "'', 3, 7"),plain,MR_PW"
        done
    } > roster.csv
    "$MR" -q mailbox import roster.csv || exit 1
    printf 'Subject: Hello\n\nHi {{first_name|there}}.\n' > t1.txt
    printf 'Hi again.\n' > t2.txt
    "$MR" -q campaign add A --template t1.txt || exit 1
    "$MR" -q campaign add B --template t1.txt || exit 1
    "$MR" -q campaign step add B --template t2.txt --after-days 2 || exit 1
    "$MR" -q campaign step add B --template t2.txt || exit 1
    "$MR" -q campaign add P --template t1.txt || exit 1
    $PY - "$1" "$ZONES" <<'PYEOF' || exit 1
import random, sys
r = random.Random(int(sys.argv[1]))
zones = sys.argv[2].split()
sizes = [1, 1, 1, 2, 2, 3, 5, 8, 13]
rows, k = [], 0
for co in range(30):
    for _ in range(r.choice(sizes)):
        k += 1
        company = "" if r.random() < 0.1 else "Co%d" % co
        dom = "co%d.example" % co if company else "free%d.example" % k
        tz = r.choice(zones + ["", ""])
        rows.append("c%d@%s,F%d,%s,%s" % (k, dom, k, company, tz))
r.shuffle(rows)
for name, part in (("a.csv", rows[:len(rows) * 2 // 3]),
                   ("b.csv", rows[len(rows) // 3:]),
                   ("p.csv", rows[::5])):
    with open(name, "w") as f:
        f.write("email,first_name,company,timezone\n" + "\n".join(part) + "\n")
PYEOF
    MAILROTA_NOW=2026-11-01T10:00:00Z "$MR" -q import contacts a.csv --campaign A || exit 1
    MAILROTA_NOW=2026-11-02T10:00:00Z "$MR" -q import contacts b.csv --campaign B || exit 1
    MAILROTA_NOW=2026-11-02T10:00:00Z "$MR" -q import contacts p.csv --campaign P || exit 1
    "$MR" -q campaign pause P || exit 1
    for v in c3@co0.example c7@co1.example @co5.example; do
        "$MR" -q suppress add "$v" || exit 1
    done
    $PY "$ROOT/tests/integration/plan_world.py" mailrota.db "$1" 2026-11-20T15:00:00Z || exit 1
    # an erased person still counts (send_people's erased half)
    for c in $(q "select email from contacts where id in (select contact_id from sends) order by id limit 2"); do
        "$MR" -q contact forget "$c" || exit 1
    done
}

export MR_PW=unused
s=1
while [ "$s" -le "$WORLDS" ]; do
    world "$s"
    check_plan_state "world $s"
    for now in 2026-11-20T15:00:00Z 2026-11-20T23:30:00Z 2026-11-23T14:10:00Z; do
        for args in "" "-v" "--json" "-v --json" "--max 3 -v --json"; do
            # shellcheck disable=SC2086
            want=$(MAILROTA_PLAN_EXHAUSTIVE=1 MAILROTA_NOW=$now "$MR" plan $args 2>&1)
            # shellcheck disable=SC2086
            got=$(MAILROTA_NOW=$now "$MR" plan $args 2>&1)
            if [ "$want" = "$got" ]; then
                ok "world $s at $now: plan $args as the exhaustive planner"
            else
                not_ok "world $s at $now: plan $args as the exhaustive planner"
                printf '%s\n' "$want" > want.txt
                printf '%s\n' "$got" > got.txt
                diff want.txt got.txt | head -20 | sed "s/^/    # /"
                [ -z "${PLAN_STREAM_KEEP:-}" ] || cp -r "$w" "$PLAN_STREAM_KEEP"
            fi
        done
    done
    planned=$(MAILROTA_NOW=2026-11-20T15:00:00Z "$MR" plan --json | grep -c '"mailbox": "')
    skipped=$(MAILROTA_NOW=2026-11-20T15:00:00Z "$MR" plan -v --json | grep -c '"reason"')
    echo "    # world $s: $planned planned, $skipped not planned"
    [ "$planned" -gt 0 ] && worlds_planning=$((${worlds_planning:-0} + 1))
    s=$((s + 1))
done
# The worlds are worth comparing: most plan something and skip much.
check "most worlds plan messages" 1 "$([ "${worlds_planning:-0}" -ge $((WORLDS / 2)) ] && echo 1)"

done_testing
