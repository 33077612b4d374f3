#!/bin/sh
# run's fsyncs, counted with strace: at most one durable commit per message
# (the claim; the record rides on the next claim's fsync, and claims that
# meet share one), each claim durable before its message goes out, and the
# run ends durable:
# after its last write to the -wal file comes an fdatasync of it, so what
# the summary reports survives a power cut (docs/RELIABILITY.md, "One
# fsync per message").
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

command -v strace >/dev/null 2>&1 || {
    echo "skip: no strace (Debian package strace; make deps)"
    exit 77
}
setup_world 3 4
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,last_name,company"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        echo "c$i@co$i.example,F$i,L$i,Co $i"
    done
} > contacts.csv
"$MR" -q import contacts contacts.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z

# LeakSanitizer (make sanitize) cannot stop the world under ptrace: the
# leak check is left to the other tests' runs.
run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -y -s 65536 -o "$T/trace" \
    -e trace=pwrite64,fdatasync,fsync \
    "$MR" run
check "run under strace exits 0" 0 "$rc"
check "it sends 12" "planned 12, sent 12, deferred 0, bounced 0, failed 0, unknown 0" "$out"
syncs=$(grep -c 'fdatasync(.*-wal>' "$T/trace" || true)
check "at most one -wal fdatasync per message, plus one per mailbox's last record and the run's ends (<= 12 + 4 + 6)" \
    yes "$([ "$syncs" -le 22 ] && echo yes || echo "no: $syncs")"
# The lock file names the newest claim once it is committed, before any
# traffic for it (runlock.h).  For each of its writes, naming send X: the
# first -wal write holding X (the claim's frames) must be followed by an
# fdatasync of the -wal file before the lock file's write.
grep -n 'pwrite64(.*\.lock>' "$T/trace" | cut -d: -f1 > "$T/locks"
claims=$(wc -l < "$T/locks")
check "the lock file names claims (a write per commit of claims)" yes \
    "$([ "$claims" -ge 1 ] && [ "$claims" -le 12 ] && echo yes || echo "no: $claims")"
unsynced=0
while read -r at; do
    id=$(sed -n "${at}p" "$T/trace" | grep -o 'mailrota-run v1 [0-9a-f-]*' |
         cut -d' ' -f3)
    w=$(grep -n -F "$id" "$T/trace" | grep 'pwrite64(.*-wal>' | head -n 1 |
        cut -d: -f1)
    s=$(awk -v from="${w:-0}" -v to="$at" 'NR > from && NR < to &&
            /fdatasync\(.*-wal>/ { n++ } END { print n + 0 }' "$T/trace")
    if [ -z "$id" ] || [ -z "$w" ] || [ "$s" -eq 0 ]; then
        unsynced=$((unsynced + 1))
        echo "# lock write at line $at: send '$id', -wal write at '$w', $s fdatasync between"
    fi
done < "$T/locks"
check "every claim's frames are fsynced before the lock file names it" 0 "$unsynced"
last_write=$(grep -n 'pwrite64(.*-wal>' "$T/trace" | tail -n 1 | cut -d: -f1)
last_sync=$(grep -n 'fdatasync(.*-wal>' "$T/trace" | tail -n 1 | cut -d: -f1)
check "the run's last -wal write is fsynced before it ends" yes \
    "$([ "${last_sync:-0}" -gt "${last_write:-0}" ] && echo yes || echo "no: write at line $last_write, sync at $last_sync")"
check "the rows say sent" 12 "$(q "select count(*) from sends where status = 'sent'")"

done_testing
