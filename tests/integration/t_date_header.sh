#!/bin/sh
# The Date header of a delivered message is the local time in the
# configured `timezone` with that zone's offset at the instant of sending
# (RFC 5322: "Fri, 04 Dec 2026 02:00:05 -0600"): -0600 in a Chicago winter,
# -0500 in its summer, +0530 in Kolkata, +0000 for UTC.  MAILROTA_NOW sets
# the instant; the clock then advances, so seconds are not compared.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 10 1
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
n=0
# send_at UTC: imports one new contact (number $n), runs at UTC, and prints
# the Date header of the message it received.
send_at() {
    printf 'email,first_name,company\nc%s@co%s.example,C%s,Co%s\n' \
        "$n" "$n" "$n" "$n" > c.csv
    "$MR" -q import contacts c.csv --campaign C1 || return 1
    MAILROTA_NOW=$1 "$MR" -q run || return 1
    _f=$(grep -l "\"c$n@co$n.example\"" "$T"/srv/mail/*.json | head -n 1)
    sed -n 's/^Date: \(.*\)\r$/\1/p' "${_f%.json}.eml" | head -n 1
}
# check_date DESC WANT-PREFIX WANT-ZONE DATE
check_date() {
    case "$4" in
        "$2":[0-5][0-9]" $3") ok "$1" ;;
        *) not_ok "$1" "want [$2:SS $3], got [$4]" ;;
    esac
}

n=$((n + 1)); d=$(send_at 2026-12-04T08:00:05Z)
check_date "Chicago in winter: CST, -0600" "Fri, 04 Dec 2026 02:00" -0600 "$d"
n=$((n + 1)); d=$(send_at 2026-07-10T14:00:05Z)
check_date "Chicago in summer: CDT, -0500" "Fri, 10 Jul 2026 09:00" -0500 "$d"
n=$((n + 1)); d=$(send_at 2026-12-04T03:00:05Z)
check_date "the local date and weekday, not UTC's" "Thu, 03 Dec 2026 21:00" \
    -0600 "$d"
# Either side of the spring change (2026-03-08 08:00Z = 03:00 CDT).
n=$((n + 1)); d=$(send_at 2026-03-08T07:59:05Z)
check_date "just before the spring change" "Sun, 08 Mar 2026 01:59" -0600 "$d"
n=$((n + 1)); d=$(send_at 2026-03-08T08:00:05Z)
check_date "just after the spring change" "Sun, 08 Mar 2026 03:00" -0500 "$d"

sed -i 's|^timezone: .*|timezone: Asia/Kolkata|' config.yaml
n=$((n + 1)); d=$(send_at 2026-12-04T08:00:05Z)
check_date "Kolkata: +0530" "Fri, 04 Dec 2026 13:30" +0530 "$d"
sed -i 's|^timezone: .*|timezone: UTC|' config.yaml
n=$((n + 1)); d=$(send_at 2026-12-04T08:00:05Z)
check_date "UTC: +0000" "Fri, 04 Dec 2026 08:00" +0000 "$d"

check "every message went out" "$n" "$(q "select count(*) from sends where status = 'sent'")"
done_testing
