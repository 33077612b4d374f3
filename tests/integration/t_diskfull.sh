#!/bin/sh
# A full disk and a read-only file system under the database: exit 74 with
# what to do, nothing half-written, nothing sent, and all well once the
# disk has room again.  The database lives on a small tmpfs mounted in a
# mount namespace of the test's own (it vanishes with the test); where that
# is not allowed the test is skipped (77).
if [ -z "${MR_MOUNT_NS:-}" ]; then
    unshare -m --propagation private true 2>/dev/null || {
        echo "cannot make a mount namespace (unshare -m): skipped"
        exit 77
    }
    MR_MOUNT_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
mkdir small
mount -t tmpfs -o size=1m,mode=0700 tmpfs small 2>/dev/null || {
    echo "cannot mount a tmpfs: skipped"
    exit 77
}
cleanup() { cd / && umount "$T/small" 2>/dev/null; rm -rf "$T"; }
SMTPD_ARGS="--slow-seconds 2"
. "$ROOT/tests/integration/runlib.sh"

setup_world 50 1
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt" || exit 1
{
    echo "email,company"
    for i in 1 2 3 4 5; do echo "ok$i@co$i.example,Co$i"; done
} > five.csv
"$MR" -q import contacts five.csv --campaign C || exit 1
mv mailrota.db small/ || exit 1
sed -i 's|^database: .*|database: ./small/mailrota.db|' config.yaml
DB=small/mailrota.db
export MAILROTA_NOW=2026-11-20T15:00:00Z

# An import that fills the disk: one transaction, rolled back.
{
    echo "email,first_name,last_name,company,title"
    seq 1 20000 | sed 's/.*/p&@big&.example,First&,Last&,Big Company &,Head of Everything &/'
} > big.csv
run "$MR" import contacts big.csv
check "an import that fills the disk exits 74" 74 "$rc"
check_contains "it says the disk is full" "disk is full" "$err"
check_contains "and names the database" "small/mailrota.db'" "$err"
check "nothing of it was written" 5 "$(q 'select count(*) from contacts')"
check "the database is intact" ok "$(q 'pragma integrity_check')"

# A run on a full disk: nothing is claimed, so nothing is sent.
dd if=/dev/zero of=small/filler bs=4k 2>/dev/null
run "$MR" run
check "a run on a full disk exits 74" 74 "$rc"
check_contains "it says the disk is full" "disk is full" "$err"
check "nothing was sent" 0 "$(smtpd_count "$T/srv")"
run "$MR" --db small/new.db init
check "init on a full disk cannot create the database (73)" 73 "$rc"
check "and leaves no empty database behind" no "$([ -e small/new.db ] && echo yes || echo no)"
rm small/filler
run "$MR" run
check "with room again, the run sends all" "0 planned 5, sent 5, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"

# The disk fills while a message is in flight: its reply cannot be
# recorded, so nothing more is claimed or sent; the run says so (74).
printf 'email,company\nslow1@sa.example,Sa\nslow2@sb.example,Sb\nslow3@sc.example,Sc\n' > slow.csv
"$MR" -q import contacts slow.csv --campaign C || exit 1
"$MR" run > fill.out 2> fill.err &
pid=$!
while [ "$(q "select count(*) from sends where status = 'sending'")" = 0 ]; do
    sleep 0.1
done
dd if=/dev/zero of=small/filler bs=4k 2>/dev/null
wait $pid
check "a run whose disk fills mid-way exits 74" 74 "$?"
check_contains "it says the disk is full, and what did not start" \
    "2 messages not started: " "$(cat fill.err)"
check "nothing after the message in flight was sent" 6 "$(smtpd_count "$T/srv")"
rm small/filler
run "$MR" run
check_contains "the message in flight is unknown at the next run" \
    "1 message left 'sending' by an interrupted run marked 'unknown'" "$err"
check "which sends the other two, and nothing twice" "0 planned 2, sent 2 8" \
    "$rc $(printf '%s' "$out" | cut -d, -f1-2) $(smtpd_count "$T/srv")"

# A read-only file system.
printf 'email,company\nok6@co6.example,Co6\n' > six.csv
"$MR" -q import contacts six.csv --campaign C || exit 1
mount -o remount,ro "$T/small" || exit 1
run "$MR" run
check "a run on a read-only file system exits 74" 74 "$rc"
check_contains "it says to make it writable" "read-write" "$err"
check "nothing more was sent" 8 "$(smtpd_count "$T/srv")"
mount -o remount,rw "$T/small" || exit 1
run "$MR" run
check "writable again, the run sends the rest" "0 planned 1, sent 1" "$rc $(printf '%s' "$out" | cut -d, -f1-2)"

done_testing
