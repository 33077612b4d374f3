#!/bin/sh
# bench/import.sh - the contacts import benchmark (`BENCH=import make bench`;
# see README.md).
#
# Generates a contacts CSV of BENCH_ROWS rows (default 1,000,000) in a
# temporary directory, then times, with peak RSS, BENCH_IMPORT_RUNS times
# (default 3) in turn:
#   1. `mailrota import contacts big.csv` into a fresh database,
#   2. the sqlite3 shell's `.import` of the same file into an equally
#      indexed table (the anchor): email UNIQUE COLLATE NOCASE as
#      contacts.email, an index on the company as contacts_company; WAL,
#      synchronous=FULL and the 32 MiB page cache of mailrota's import,
# then once `mailrota import contacts big.csv` again (every row an
# update), and prints a table of the medians (RSS: the largest), then one
# line for bench/RESULTS.md:
#   RESULT import | mailrota N rows/s, RSS N MiB | anchor N rows/s, ... |
#   ratio N.NNx   (mailrota's new-import rows/s over the anchor's).  A benchmark, not a test: it fails only when a step
# fails, never on slowness.  Everything is local; the directory is removed
# on exit.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_IMPORT_RUNS:-3}
bench_posint BENCH_ROWS "$ROWS"
bench_posint BENCH_IMPORT_RUNS "$RUNS"
bench_sqlite3
bench_workdir
# No configuration but the built-in defaults: no MAILROTA_CONFIG, no
# ./config.yaml (we run in $T), no ~/.config/mailrota/config.yaml.
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T"

# The timer: GNU time if it is there (installed when root), else a Python
# wrapper reading the child's rusage (BENCH_TIMER=rusage forces it).
bench_timer

# row LABEL NAME: one line of the table, also kept for the summary.
row() {
    awk -v label="$1" -v rows="$ROWS" '
        { wall = $1; kib = $2 }
        END {
            rps = wall > 0 ? sprintf("%.0f", rows / wall) : "-"
            printf "%-28s %8.2f %10s %14.1f\n", label, wall, commas(rps),
                   kib / 1024
        }
        function commas(s,   out) {
            if (s !~ /^[0-9]+$/) return s
            out = ""
            while (length(s) > 3) {
                out = "," substr(s, length(s) - 2) out
                s = substr(s, 1, length(s) - 3)
            }
            return s out
        }' "$T/$2.time" >>"$T/table"
}

size_mb() { wc -c <"$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
rows_commas() {
    echo "$1" | awk '{ s = $1; out = ""
        while (length(s) > 3) {
            out = "," substr(s, length(s) - 2) out
            s = substr(s, 1, length(s) - 3)
        }
        print s out }'
}
q() { "$SQLITE" "$1" "$2"; }

NROWS=$(rows_commas "$ROWS")
echo "bench: $("$MR" --version 2>/dev/null | head -n 1), $("$SQLITE" --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 shell /'), timer: $TIMER"
echo "bench: work directory $T"

# ---- 1. the CSV
echo "bench: generating $NROWS contacts (fixed seed) ..."
"$PY" "$ROOT/bench/gen-contacts.py" "$ROWS" big.csv
CSV_MB=$(size_mb big.csv)
echo "bench: big.csv: $CSV_MB MB ($(wc -c <big.csv | tr -d ' ') bytes, $(wc -l <big.csv | tr -d ' ') lines incl. header)"

# ---- 2 and 3, in turn, RUNS times: mailrota into a fresh database, and
# the anchor: the sqlite3 shell, same file, one transaction, into a table
# indexed as mailrota's contacts are for what the import writes.  WAL,
# synchronous=FULL and cache_size as mailrota's import has them
# (src/io/store_contacts.c store_import_begin).  Interleaved, so that a
# busy spell of the machine falls on both.
i=1
while [ "$i" -le "$RUNS" ]; do
    rm -f mailrota.db mailrota.db-wal mailrota.db-shm raw.db raw.db-wal \
        raw.db-shm
    HOME=$T "$MR" -q --db "$T/mailrota.db" init >"$T/init.out" \
        2>"$T/init.err" || fail init
    echo "bench: run $i of $RUNS: mailrota import contacts (new) ..."
    measure new env HOME="$T" "$MR" --db "$T/mailrota.db" import contacts \
        big.csv || fail new
    cp "$T/new.time" "$T/new.$i.time"
    echo "  $(cut -d' ' -f1 "$T/new.time") s; printed: $(tail -n 1 "$T/new.out")"
    [ -s "$T/new.err" ] &&
        echo "  stderr: $(wc -l <"$T/new.err" | tr -d ' ') line(s), first: $(head -n 1 "$T/new.err")"
    q raw.db "PRAGMA journal_mode = WAL; CREATE TABLE contacts_raw(
        email TEXT NOT NULL UNIQUE COLLATE NOCASE, first_name TEXT,
        last_name TEXT, title TEXT, company TEXT, city TEXT);
        CREATE INDEX contacts_raw_company ON contacts_raw(company);" \
        >/dev/null || { echo "bench: sqlite3 setup failed" >&2; exit 1; }
    echo "bench: run $i of $RUNS: sqlite3 .import (indexed table) ..."
    measure sqlite "$SQLITE" -bail raw.db <<'EOF' || fail sqlite
PRAGMA synchronous = FULL;
PRAGMA cache_size = -32768;
.mode csv
BEGIN;
.import --skip 1 big.csv contacts_raw
COMMIT;
EOF
    cp "$T/sqlite.time" "$T/sqlite.$i.time"
    echo "  $(cut -d' ' -f1 "$T/sqlite.time") s"
    [ -s "$T/sqlite.err" ] &&
        echo "  stderr: $(wc -l <"$T/sqlite.err" | tr -d ' ') line(s), first: $(head -n 1 "$T/sqlite.err")"
    i=$((i + 1))
done
echo "  database: $(q mailrota.db 'SELECT count(*) FROM contacts') contacts, $(q mailrota.db 'SELECT count(*) FROM companies') companies, $(size_mb mailrota.db) MB"
echo "  anchor: $(q raw.db 'SELECT count(*) FROM contacts_raw') rows, $(size_mb raw.db) MB"
# median NAME: NAME.time made of the runs' median wall time and largest RSS.
median() {
    cat "$T/$1".[0-9]*.time | sort -n | awk '
        { wall[NR] = $1; if ($2 > kib) kib = $2 }
        END { print wall[int((NR + 1) / 2)], kib }' >"$T/$1.time"
}
median new
median sqlite
row "mailrota import (new)" new
row "sqlite3 .import (indexed)" sqlite

# ---- 4. mailrota again, same file, same database: all updates
echo "bench: mailrota import contacts (re-import) ..."
measure again env HOME="$T" "$MR" --db "$T/mailrota.db" import contacts big.csv ||
    fail again
echo "  printed: $(tail -n 1 "$T/again.out")"
[ -s "$T/again.err" ] &&
    echo "  stderr: $(wc -l <"$T/again.err" | tr -d ' ') line(s), first: $(head -n 1 "$T/again.err")"
row "mailrota import (re-import)" again

# ---- 5. the table (re-import listed second)
echo
echo "import of $NROWS rows ($CSV_MB MB CSV); medians of $RUNS runs (RSS: the largest)"
printf "%-28s %8s %10s %14s\n" tool "wall s" "rows/s" "peak RSS MiB"
for n in 1 3 2; do sed -n "${n}p" "$T/table"; done

# ---- 6. the summary line
awk -v rows="$ROWS" '
    FILENAME ~ /new.time$/ { mw = $1; mk = $2 }
    FILENAME ~ /sqlite.time$/ { aw = $1; ak = $2 }
    END {
        mr = mw > 0 ? rows / mw : 0
        ar = aw > 0 ? rows / aw : 0
        ratio = ar > 0 ? mr / ar : 0
        fmt = "RESULT import | mailrota %.0f rows/s, RSS %.0f MiB | "
        fmt = fmt "anchor %.0f rows/s, RSS %.0f MiB | ratio %.2fx\n"
        printf fmt, mr, mk / 1024, ar, ak / 1024, ratio
    }' "$T/new.time" "$T/sqlite.time"
