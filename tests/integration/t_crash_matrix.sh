#!/bin/sh
# The crash matrix: a mailrota process killed with SIGKILL at each named
# point (MAILROTA_TEST_CRASH, src/io/crashpoint.c) and then run again loses
# nothing and sends nothing twice.  After the recovery, for each point:
# no recipient received two messages, every message the servers hold is a
# `sent` or `unknown` row with its Message-ID, every `sent` row arrived,
# every contact has its row, none is left `sending`, and PRAGMA
# integrity_check is ok.
#
# One line per point: POINT[:PASS] VARIANT [TOKENS], TOKENS being the token
# requests the recovery run must make (a stored token is reused).  A new
# point is one more line.
# The variants (prepare_point below): smtp = two password mailboxes;
# moved = m1's password is wrong, so its messages move to m2; pace = one
# mailbox with min_gap_seconds; big = one mailbox and a 150 KB body, so the
# second read of the body is the middle of the DATA; oauth = two xoauth2 mailboxes; graph = two
# graph mailboxes, Graph slow enough that requests overlap; init = killed
# inside `init`; upgrade = killed inside `migrate` on a schema-1 database
# that holds contacts; import = killed inside `import contacts`.
POINTS='
migrate.applied         init
migrate.committed       init
migrate.applied         upgrade
import.row:3            import
run.locked              smtp
run.recovered           smtp
run.started             smtp
claim.before:2          smtp
claim.uncommitted:2     smtp
claim.after:2           smtp
smtp.auth               smtp
smtp.mail:2             smtp
smtp.rcpt:3             smtp
smtp.data:2             smtp
smtp.body:2             smtp
smtp.body:2             big
reply.sent:2            smtp
record.uncommitted:3    smtp
record.after:2          smtp
run.finishing           smtp
run.finished            smtp
reply.other             moved
job.moved               moved
pace.wait:2             pace
token.request           oauth  1
token.received          oauth  1
token.stored            oauth  0
reply.sent:2            oauth  0
graph.inflight:2        graph  0
reply.sent:3            graph  0
record.uncommitted:2    graph  0
'
CONTACTS=6

. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_m365 --min-request-seconds 0.5
setup_world 50 2
CA=$T/srv/ca.pem
{
    printf 'Subject: A long letter for {{company}}\n\nHi {{first_name}},\n\n'
    seq 1 2500 | sed 's/$/: a line of the long letter, long enough to be a real line./'
} > "$T/big.txt"

# Every message either server holds: "recipient<TAB>message-id", lower case.
cat > "$T/delivered.py" <<'PY'
import email, email.policy, glob, json, os, sys
top = sys.argv[1]
for eml in sorted(glob.glob(os.path.join(top, "srv/mail/*.eml")) +
                  glob.glob(os.path.join(top, "m365/graph/*.eml"))):
    with open(eml, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    side = eml[:-4] + ".json"
    rcpts = []
    if "/srv/mail/" in eml and os.path.exists(side):
        rcpts = json.load(open(side))["rcpt_tos"]
    else:
        rcpts = [a.addr_spec for a in msg["to"].addresses]
    mid = str(msg["message-id"] or "").strip().strip("<>")
    for r in rcpts:
        print("%s\t%s" % (r.lower(), mid.lower()))
PY
delivered() {   # delivered TAG
    /usr/bin/python3 "$T/delivered.py" "$T" | grep "@$1\.example	" || true
}

# prepare_point DIR TAG VARIANT: a database of its own, the roster, a
# campaign and $CONTACTS contacts at TAG.example (up to the crash step).
prepare_point() {
    _d=$1 _tag=$2 _v=$3
    mkdir -p "$_d" && cd "$_d" || exit 1
    sed "s|^  ca_file: .*|  ca_file: $CA|" "$T/config.yaml" > config.yaml
    chmod 600 config.yaml
    case $_v in
        pace) sed -i 's/^rules:$/rules:\n  min_gap_seconds: 1/' config.yaml ;;
        init) return 0 ;;   # the crash step is init itself
    esac
    "$MR" -q init || exit 1
    setup_roster_and_contacts "$_tag" "$_v"
}

setup_roster_and_contacts() {
    "$MR" -q mailbox import "$T/roster.csv" || exit 1
    case $2 in
        oauth|graph)
            _auth=xoauth2; [ "$2" = graph ] && _auth=graph
            "$MR" -q mailbox set m1@sender.example --auth $_auth || exit 1
            "$MR" -q mailbox set m2@sender.example --auth $_auth || exit 1 ;;
        moved)
            "$MR" -q mailbox set m1@sender.example --password-env MR_PW_WRONG || exit 1 ;;
        pace|big)
            "$MR" -q mailbox set m2@sender.example --status paused || exit 1 ;;
    esac
    _tpl=$ROOT/templates/intro.txt
    [ "$2" = big ] && _tpl=$T/big.txt
    "$MR" -q campaign add C --template "$_tpl" || exit 1
    {
        echo "email,first_name,company"
        _i=1
        while [ $_i -le $CONTACTS ]; do
            echo "ok$_i@$1.example,P$_i,Co$_i"
            _i=$((_i + 1))
        done
    } > c.csv
    [ "$2" = import ] && return 0   # the crash step imports them
    "$MR" -q import contacts c.csv --campaign C || exit 1
}

# A schema-1 database, as an older mailrota left it: every later migration
# undone (0003 only redefines a view, which 0003 itself drops again;
# 0004 adds contacts.company_name, dropped here; 0006's tables, view, index and
# (0007's trigger and contacts.status_changed_at are dropped;)
# mailboxes.inbound are dropped, its widened CHECKs stay: 0006 widens
# them only where they are not wide yet; 0009's send_retries and 0010's
# campaign_steps are dropped and sends rebuilt as 0001 made it, with
# 0001's views; 0011's ramp and 0012's timezone columns are dropped;
# 0013's enrolment columns, tables, triggers and indexes too).
downgrade() {
    {
        undo_0013_sql
        echo "drop view send_people; drop view send_log; drop view mailbox_days; drop view mailbox_today; drop view inbound_log; drop table campaign_steps; drop table send_retries;"
        sed -n '/^CREATE TABLE sends (/,/^);/p' "$ROOT/migrations/0001_init.sql" |
            sed 's/^CREATE TABLE sends (/CREATE TABLE sends_old (/'
        echo "insert into sends_old select id, run_id, campaign_id, contact_id, mailbox_id, transport, status, attempts, smtp_code, smtp_enhanced, smtp_text, message_id, day, created_at, last_attempt_at, sent_at, retry_after from sends; drop table sends; alter table sends_old rename to sends;"
        grep '^CREATE INDEX sends_' "$ROOT/migrations/0001_init.sql"
        sed -n '/^CREATE VIEW send_log AS/,/;$/p; /^CREATE VIEW mailbox_days AS/,/;$/p; /^CREATE VIEW mailbox_today AS/,/;$/p' \
            "$ROOT/migrations/0001_init.sql"
        echo "drop trigger contacts_status_time; alter table contacts drop column status_changed_at; drop table inbound; drop table inbound_cursors; alter table mailboxes drop column inbound; alter table mailboxes drop column ramp_start; alter table mailboxes drop column ramp_step; alter table contacts drop column timezone; drop table oauth_tokens; drop view mailbox_today; drop table send_statuses; alter table contacts drop column company_name; delete from schema_migrations where version >= 2; pragma user_version = 1;"
    } | sqlite3 mailrota.db || exit 1
}
# The newest schema version this mailrota knows.
LATEST=$(ls "$ROOT"/migrations/*.sql | sed -n 's|.*/0*\([0-9]*\)_[^/]*$|\1|p' | sort -n | tail -n 1)

export MR_PW_WRONG=not-the-password
export MAILROTA_NOW=2026-11-20T15:00:00Z
n=0
# fd 3, so that the commands in the loop cannot read the list.
while read -r point variant tokens <&3; do
    [ -n "$point" ] || continue
    n=$((n + 1))
    tag=p$n
    d=$T/$tag
    prepare_point "$d" "$tag" "$variant"
    what="$point ($variant)"

    # The crash step: the command the point interrupts.
    [ "$variant" = upgrade ] && downgrade
    case $variant in
        init) MAILROTA_TEST_CRASH=$point "$MR" -q init ;;
        upgrade) MAILROTA_TEST_CRASH=$point "$MR" -q migrate ;;
        import) MAILROTA_TEST_CRASH=$point "$MR" -q import contacts c.csv --campaign C ;;
        *) MAILROTA_TEST_CRASH=$point "$MR" -q run ;;
    esac >crash.out 2>crash.err
    check "$what: killed by SIGKILL at the point" 137 "$?"

    # Recovery: what the user would do next.
    case $variant in
        init)
            run "$MR" -q init
            check "$what: init again completes the schema" "0 $LATEST" "$rc $(q 'select max(version) from schema_migrations')"
            setup_roster_and_contacts "$tag" "$variant" ;;
        upgrade)
            check "$what: the schema-1 database still holds its contacts" $CONTACTS "$(q 'select count(*) from contacts')"
            run "$MR" -q migrate
            check "$what: migrate again applies it" "0 $LATEST $LATEST" "$rc $(q 'select max(version) from schema_migrations') $(q 'pragma user_version')" ;;
        import)
            check "$what: a killed import leaves nothing half-written" 0 "$(q 'select count(*) from contacts')"
            "$MR" -q import contacts c.csv --campaign C || exit 1 ;;
    esac
    sleep 0.3   # let a server finish a message the victim left in flight
    tok0=$(token_requests)
    run "$MR" run
    case $rc in
        0|75) ok "$what: the next run exits $rc" ;;
        *) not_ok "$what: the next run exits 0 or 75" "rc $rc: $err" ;;
    esac
    [ -z "$tokens" ] ||
        check "$what: the next run asked for $tokens token(s)" "$tokens" "$(($(token_requests) - tok0))"

    got=$(delivered "$tag")
    check "$what: no recipient received twice" "" \
        "$(printf '%s\n' "$got" | cut -f1 | grep . | sort | uniq -d)"
    rows=$(q "select lower(trim(message_id, '<>')) || ' ' || status from sends")
    lost=$(printf '%s\n' "$got" | grep . | while IFS='	' read -r rcpt mid; do
        printf '%s\n' "$rows" | grep -q -x -F "$mid sent" ||
            printf '%s\n' "$rows" | grep -q -x -F "$mid unknown" ||
            echo "$rcpt"
    done)
    check "$what: every delivered message is a sent or unknown row" "" "$lost"
    unsent=$(q "select lower(trim(message_id, '<>')) from sends where status = 'sent'" |
        while read -r mid; do
            printf '%s\n' "$got" | grep -q -F "	$mid" || echo "$mid"
        done)
    check "$what: every sent row was delivered" "" "$unsent"
    check "$what: every contact has its row, none left sending" "$CONTACTS 0" \
        "$(q "select count(distinct contact_id) from sends") $(q "select count(*) from sends where status = 'sending'")"
    check "$what: integrity_check" ok "$(q 'pragma integrity_check')"
    cd "$T" || exit 1
done 3<<EOF
$POINTS
EOF
check "the matrix ran every point (at least 20)" yes "$([ "$n" -ge 20 ] && echo yes)"

done_testing
