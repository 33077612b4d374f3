#!/bin/sh
# bench/plan.sh - the plan benchmark (`BENCH=plan make bench`; issue 17,
# see README.md).
#
# Generates two databases with bench/gen-plandb.py in a temporary
# directory (BENCH_PLAN_CONTACTS contacts, default 1,000,000, and
# BENCH_PLAN_SMALL, default 10,000), then, with MAILROTA_NOW fixed, times
# with peak RSS (median of BENCH_PLAN_RUNS runs, default 3, interleaved):
#   mailrota plan                 (10 mailboxes x 30: 300 rows)
#   mailrota plan -v >/dev/null
#   mailrota run --dry-run
#   the anchor: one sqlite3-shell query walking the enrollments in send
#   order, skipping what cannot be sent, LIMIT 300
# on both sizes, and prints a table and RESULT lines.  A benchmark, not a
# test: it fails only when a step fails (or plan does not print 300 rows),
# never on slowness.  The directory is removed on exit.
set -eu

BIG=${BENCH_PLAN_CONTACTS:-1000000}
SMALL=${BENCH_PLAN_SMALL:-10000}
RUNS=${BENCH_PLAN_RUNS:-3}
NOW=${BENCH_PLAN_NOW:-2026-06-01T09:00:00Z}
WANT=300

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_posint BENCH_PLAN_CONTACTS "$BIG"
bench_posint BENCH_PLAN_SMALL "$SMALL"
bench_posint BENCH_PLAN_RUNS "$RUNS"
bench_sqlite3
bench_workdir
unset MAILROTA_CONFIG
MAILROTA_NOW=$NOW
export MAILROTA_NOW
cd "$T"
bench_timer

echo "bench: $("$MR" --version 2>/dev/null | head -n 1), $("$SQLITE" --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 shell /'), timer: $TIMER"
echo "bench: work directory $T, MAILROTA_NOW=$NOW, $RUNS run(s) each"

# ---- the databases (each size in its own directory with its config)
gen() {
    echo "bench: generating $2 contacts (seeded) ..."
    measure "gen_$1" env BENCH_PLAN_CONTACTS="$2" BENCH_PLAN_NOW="$NOW" \
        "$PY" "$ROOT/bench/gen-plandb.py" "$MR" "$T/$1" || fail "gen_$1"
    echo "  $(tail -n 1 "$T/gen_$1.err" | sed 's/^gen-plandb: [^:]*: //')"
    # The anchor's own copy, with the index its walk needs (untimed).
    cp "$T/$1/mailrota.db" "$T/$1/anchor.db"
    "$SQLITE" "$T/$1/anchor.db" "CREATE INDEX bench_enrollments_order
        ON enrollments(enrolled_at, campaign_id, contact_id); ANALYZE;" ||
        { echo "bench: indexing the anchor's copy failed" >&2; exit 1; }
    echo "  database: $(wc -c <"$T/$1/mailrota.db" |
        awk '{ printf "%.0f", $1 / 1048576 }') MiB"
}
gen big "$BIG"
gen small "$SMALL"

# The anchor: enrolled contacts in send order (oldest enrollment first),
# skipping those already written in the campaign, in cooldown (10 days),
# suppressed (address or exact @domain: the generated addresses have no
# subdomains), inactive, or at a company with 4
# contacts already written in the campaign; stops after 300 rows.  It
# does not retry deferred sends nor plan follow-ups, nor count the
# company limit within its own 300: a lower bound, the yardstick.
sed "s/:now/'$NOW'/" >"$T/anchor.sql" <<'EOF'
SELECT e.campaign_id, c.id, c.email, c.company_id
  FROM enrollments e INDEXED BY bench_enrollments_order
 CROSS JOIN contacts c ON c.id = e.contact_id
 CROSS JOIN campaigns ca ON ca.id = e.campaign_id
 WHERE c.status = 'active' AND ca.status = 'active'
   AND NOT EXISTS (SELECT 1 FROM sends s
                    WHERE s.campaign_id = e.campaign_id
                      AND s.contact_id = e.contact_id)
   AND NOT EXISTS (SELECT 1 FROM sends s
                    WHERE s.contact_id = e.contact_id
                      AND s.status IN (SELECT status FROM send_statuses
                                        WHERE counts_cooldown)
                      AND COALESCE(s.sent_at, s.last_attempt_at, s.created_at)
                          > strftime('%Y-%m-%dT%H:%M:%SZ', :now, '-10 days'))
   AND NOT EXISTS (SELECT 1 FROM suppressions p
                    WHERE p.value IN (c.email,
                                      substr(c.email, instr(c.email, '@'))))
   AND (c.company_id IS NULL OR
        (SELECT COUNT(*) FROM contacts c2
           JOIN sends s ON s.campaign_id = e.campaign_id
                       AND s.contact_id = c2.id AND s.step = 1
          WHERE c2.company_id = c.company_id
            AND s.status IN (SELECT status FROM send_statuses
                              WHERE counts_company)) < 4)
 ORDER BY e.enrolled_at, e.campaign_id, e.contact_id
 LIMIT 300;
EOF

# ---- the runs, interleaved: run r of every step before run r+1
lines() { wc -l <"$1" | tr -d ' '; }
check_plan() {   # the table: a header line and one line per send
    n=$(($(lines "$T/$1.out") - 1))
    [ "$n" = "$WANT" ] || {
        echo "bench: $1: plan printed $n rows, not $WANT" >&2
        fail "$1"
    }
}
r=1
while [ "$r" -le "$RUNS" ]; do
    echo "bench: run $r of $RUNS ..."
    for s in big small; do
        c="$T/$s/config.yaml"
        measure "plan_${s}_$r" "$MR" -c "$c" plan || fail "plan_${s}_$r"
        check_plan "plan_${s}_$r"
        # plan -v >/dev/null: the exec keeps the timed process mailrota
        # shellcheck disable=SC2016
        measure "planv_${s}_$r" sh -c 'exec "$0" "$@" >/dev/null' \
            "$MR" -c "$c" plan -v || fail "planv_${s}_$r"
        measure "dry_${s}_$r" "$MR" -c "$c" run --dry-run ||
            fail "dry_${s}_$r"
        grep -q "^planned $WANT," "$T/dry_${s}_$r.out" \
            "$T/dry_${s}_$r.err" 2>/dev/null || {
            echo "bench: dry_${s}_$r: run --dry-run did not say" \
                "'planned $WANT'" >&2
            fail "dry_${s}_$r"
        }
        measure "anchor_${s}_$r" "$SQLITE" -readonly "$T/$s/anchor.db" \
            <"$T/anchor.sql" || fail "anchor_${s}_$r"
        n=$(lines "$T/anchor_${s}_$r.out")
        [ "$n" = "$WANT" ] || {
            echo "bench: the anchor printed $n rows, not $WANT" >&2
            fail "anchor_${s}_$r"
        }
    done
    r=$((r + 1))
done

# plan takes a few milliseconds, below GNU time's 10 ms steps: its 1 M /
# 10 k ratio comes from the mean of BENCH_PLAN_REPS back-to-back runs
# (default 20), timed with date's nanoseconds.
REPS=${BENCH_PLAN_REPS:-20}
reps_us() {   # reps_us CONFIG: the mean microseconds of one `plan`
    t0=$(date +%s%N)
    i=0
    while [ "$i" -lt "$REPS" ]; do
        "$MR" -c "$1" plan >/dev/null || return 1
        i=$((i + 1))
    done
    t1=$(date +%s%N)
    echo $(((t1 - t0) / REPS / 1000))
}
echo "bench: plan, $REPS runs back to back on each size ..."
US_BIG=$(reps_us "$T/big/config.yaml") || fail plan_reps_big
US_SMALL=$(reps_us "$T/small/config.yaml") || fail plan_reps_small

# med NAME FIELD: the median of field FIELD (1 wall s, 2 RSS KiB) over runs
med() {
    i=1
    while [ "$i" -le "$RUNS" ]; do
        awk -v f="$2" '{ print $f }' "$T/$1_$i.time"
        i=$((i + 1))
    done | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]
              else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for k in plan planv dry anchor; do
    for s in big small; do
        echo "$k $s $(med "${k}_$s" 1) $(med "${k}_$s" 2)"
    done
done >"$T/medians"

awk -v big="$BIG" -v small="$SMALL" -v runs="$RUNS" -v reps="$REPS" \
    -v usbig="$US_BIG" -v ussmall="$US_SMALL" '
    { wall[$1 " " $2] = $3; rss[$1 " " $2] = $4 / 1024 }
    function ratio(a, b) { return b > 0 ? a / b : 0 }
    END {
        printf "\n%-26s %12s %12s %12s %12s\n", "median of " runs,
               big " s", "MiB", small " s", "MiB"
        n = split("plan planv dry anchor", k, " ")
        split("mailrota plan|mailrota plan -v|mailrota run --dry-run|" \
              "anchor (sqlite3, LIMIT 300)", label, "|")
        for (i = 1; i <= n; i++)
            printf "%-26s %12.2f %12.1f %12.2f %12.1f\n", label[i],
                   wall[k[i] " big"], rss[k[i] " big"],
                   wall[k[i] " small"], rss[k[i] " small"]
        p = wall["plan big"]; a = wall["anchor big"]
        printf "\nplan: mailrota/anchor %.2fx at %d, %.2fx at %d;" \
               " %d/%d time ratio: mailrota %.2fx, anchor %.2fx\n",
               ratio(p, a), big, ratio(wall["plan small"],
               wall["anchor small"]), small, big, small,
               ratio(usbig, ussmall),
               ratio(a, wall["anchor small"])
        printf "\nRESULT plan | mailrota %.2f s, RSS %.1f MiB | anchor" \
               " %.2f s | ratio %.2fx\n", p, rss["plan big"], a,
               ratio(p, a)
        printf "plan, mean of %d runs: %.1f ms at %d, %.1f ms at %d\n",
               reps, usbig / 1000, big, ussmall / 1000, small
        printf "RESULT plan %d/%d time | mailrota %.2fx (%.1f ms / %.1f ms," \
               " %d runs each) | anchor %.2fx\n", big, small,
               ratio(usbig, ussmall), usbig / 1000, ussmall / 1000, reps,
               ratio(a, wall["anchor small"])
        printf "RESULT plan -v | mailrota %.2f s, RSS %.1f MiB\n",
               wall["planv big"], rss["planv big"]
        printf "RESULT run --dry-run | mailrota %.2f s, RSS %.1f MiB\n",
               wall["dry big"], rss["dry big"]
    }' "$T/medians"
