#!/bin/sh
# bench/run.sh - `make bench`: the benchmarks (see README.md).
#
#   BENCH=all     (default) bench/import.sh, send.sh, inbox.sh, plan.sh,
#                 report.sh
#   BENCH=import  the contacts import benchmark only
#   BENCH=send    the SMTP send benchmark only
#   BENCH=inbox   the IMAP inbox benchmark only
#   BENCH=plan    the planner benchmark only (1 M and 10 k contacts)
#   BENCH=report  the report benchmark only (100 k enrolled contacts)
#
# Benchmarks, not tests: a run fails only when a step fails (a command
# exits non-zero), never because something was slow.  With BENCH=all all
# run even if one fails; the exit status is then non-zero.
#
# Every script's "RESULT name | mailrota ... | anchor ... | ratio ..."
# lines go into bench/RESULTS.md (BENCH_RESULTS overrides the path): a
# table with the issue's goals and the machine.  A benchmark that did not
# run keeps its rows from the previous RESULTS.md; one that printed no
# RESULT line gets a row saying so.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_RESULTS:-$DIR/RESULTS.md}

case "${BENCH:-all}" in
    import | send | inbox | plan | report) LIST=$BENCH ;;
    all) LIST="import send inbox plan report" ;;
    *)
        echo "bench: BENCH must be import, send, inbox, plan, report or all, not" \
            "'$BENCH'" >&2
        exit 64 ;;
esac

W=$(mktemp -d "${TMPDIR:-/tmp}/mailrota-results.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- run them; stdout is shown and kept for its RESULT lines
rc=0
first=1
for b in $LIST; do
    [ "$first" = 1 ] || echo
    first=0
    { sh "$DIR/$b.sh"; echo $? >"$W/$b.rc"; } | tee "$W/$b.log"
    r=$(cat "$W/$b.rc" 2>/dev/null || echo 1)
    [ "$r" -eq 0 ] || [ "$rc" -ne 0 ] || rc=$r
done

# ---- the raw lines: this run's, then the previous file's for the others
DAY=$(date -u +%Y-%m-%d)
for b in $LIST; do
    st=ok
    [ "$(cat "$W/$b.rc" 2>/dev/null || echo 1)" = 0 ] || st=failed
    if grep -q '^RESULT ' "$W/$b.log"; then
        grep '^RESULT ' "$W/$b.log" | sed "s/^/$b $DAY $st /"
    else
        echo "$b $DAY $st NONE"
    fi
done >"$W/raw"
if [ -f "$OUT" ]; then
    sed -n 's/^<!-- raw \(.*\) -->$/\1/p' "$OUT" | while read -r b rest; do
        case " $LIST " in
            *" $b "*) ;;
            *) echo "$b $rest" ;;
        esac
    done >>"$W/raw"
fi
for b in import send inbox plan report; do   # a fixed order, whatever ran
    grep "^$b " "$W/raw" || true
done >"$W/raw.sorted"
mv "$W/raw.sorted" "$W/raw"

# ---- the goals (issue 17 and the inbox issue), by RESULT name
goal() {
    case "$1" in
        "plan") echo "< 0.3 s, RSS < 32 MB" ;;
        "plan "*/*" time") echo "<= 2x" ;;
        "plan -v") echo "streams: RSS < 64 MB" ;;
        "run --dry-run") echo "RSS < 32 MB (run at 1 M)" ;;
        import*) echo ">= 0.85x sqlite3 .import, RSS < 64 MB" ;;
        send*) echo ">= 0.9x raw libcurl, CPU/msg <= 1.5x" ;;
        "inbox pass 2") echo "< 1 s" ;;
        report*) echo "< 2 s at 100,000 contacts" ;;
        inbox*) echo ">= 500 msg/s, RSS < 32 MiB" ;;
        *) echo "-" ;;
    esac
}

# ---- RESULTS.md
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo |
    head -n 1)
ram=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git -C "$DIR/.." describe --always --dirty --tags 2>/dev/null ||
    echo unknown)
{
    echo "# Benchmark results"
    echo
    echo "Written by \`make bench\` (bench/run.sh); see bench/README.md."
    echo "Figures are medians where the script repeats runs; ratios are"
    echo "mailrota/anchor (time: lower is better; rates: higher is better)."
    echo
    echo "| benchmark | mailrota | anchor | ratio | goal | measured |"
    echo "| --- | --- | --- | --- | --- | --- |"
    while read -r b day st rest; do
        note=$day
        [ "$st" = ok ] || note="$day ($st)"
        if [ "$rest" = NONE ]; then
            echo "| $b | no RESULT line yet | - | - | $(goal "$b") | $note |"
            continue
        fi
        line=${rest#RESULT }
        name=${line%% |*}
        m=$(echo "$line" | sed -n 's/.*| mailrota \([^|]*[^ |]\).*/\1/p')
        a=$(echo "$line" | sed -n 's/.*| anchor \([^|]*[^ |]\).*/\1/p')
        x=$(echo "$line" | sed -n 's/.*| ratio \([^|]*[^ |]\).*/\1/p')
        echo "| $name | ${m:--} | ${a:--} | ${x:--} | $(goal "$name") |" \
            "$note |"
    done <"$W/raw"
    echo
    echo "Machine (last run): $(nproc) CPU(s), ${cpu:-unknown CPU}, $ram"
    echo "RAM; $(date -u '+%Y-%m-%d %H:%M UTC'); \`git describe\`: $rev."
    echo
    sed 's/^\(.*\)$/<!-- raw \1 -->/' "$W/raw"
} >"$W/RESULTS.md"
cp "$W/RESULTS.md" "$OUT.tmp" && mv "$OUT.tmp" "$OUT" &&
    echo "bench: wrote $OUT"
exit "$rc"
