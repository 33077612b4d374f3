# Sourced by tests/integration/t_*.sh: a scratch directory, the binary, and
# TAP-style checks closing with "N passed, N failed".
set -u
MR=${MAILROTA_BIN:?run through make test}
ROOT=$(pwd)
T=$(mktemp -d /tmp/mailrota-test.XXXXXX)
_passed=0
_failed=0
_n=0
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T" || exit 1

# MAILROTA_TEST_SLOW: how many times slower than usual mailrota is (`make
# valgrind` sets 5).  A test that holds a server's reply so that mailrota's
# requests overlap scales the hold by it.
SLOW=${MAILROTA_TEST_SLOW:-1}

# MAILROTA_WRAP: a command put before the binary in every "$MR" call, e.g.
# "valgrind -q --log-file=DIR/%p.log ..." (split on spaces, so no quoting
# inside it); `make valgrind` sets it.  $MR becomes a script that execs it,
# so the tests' quoted "$MR" keeps working.  With MAILROTA_WRAP_CMDS=DIR,
# each call also writes "TEST ARGS" to DIR/PID.cmd (PID as valgrind's %p).
if [ -n "${MAILROTA_WRAP:-}" ]; then
    mkdir -p "$T/.wrap" || exit 1
    {
        echo '#!/bin/sh'
        printf '[ -z "${MAILROTA_WRAP_CMDS:-}" ] ||\n'
        printf '    echo "%s $*" > "$MAILROTA_WRAP_CMDS/$$.cmd"\n' \
            "$(basename "$0" .sh)"
        printf 'exec %s %s "$@"\n' "$MAILROTA_WRAP" "$MR"
    } > "$T/.wrap/mailrota"
    chmod 755 "$T/.wrap/mailrota"
    MR=$T/.wrap/mailrota
fi

ok() {
    _n=$((_n + 1)); _passed=$((_passed + 1)); echo "ok $_n - $1"
}
not_ok() {
    _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"
    [ $# -gt 1 ] && printf '#   %s\n' "$2"
}
# check DESC EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want [$2], got [$3]"; fi
}
# check_contains DESC NEEDLE HAYSTACK
check_contains() {
    case "$3" in
        *"$2"*) ok "$1" ;;
        *) not_ok "$1" "[$2] not in [$3]" ;;
    esac
}
check_not_contains() {
    case "$3" in
        *"$2"*) not_ok "$1" "[$2] found in [$3]" ;;
        *) ok "$1" ;;
    esac
}
# run CMD...: sets $out, $err and $rc
run() {
    "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}
q() { sqlite3 "${DB:-mailrota.db}" "$1"; }
done_testing() {
    echo "1..$_n"
    echo "$_passed passed, $_failed failed"
    [ $_failed -eq 0 ]
}

# SQL that undoes migration 0013 (enrolment state, campaign_companies,
# their triggers and indexes), for tests that rebuild an older schema.
undo_0013_sql() {
    for t in plan_recount_now plan_restate_now sends_plan_insert sends_plan_update \
        sends_plan_delete contacts_plan_company enrollments_plan_insert; do
        echo "drop trigger $t;"
    done
    echo "drop index enrollments_new; drop index enrollments_thread;"
    echo "drop index sends_mailbox_last; drop index sends_mailbox_day_status;"
    echo "create index sends_mailbox_day on sends(mailbox_id, day);"
    echo "drop index sends_erased_company;"
    for c in latest_step latest_status latest_at company_sent; do
        echo "alter table enrollments drop column $c;"
    done
    echo "drop table campaign_companies; drop table plan_recount;"
    echo "drop table plan_restate;"
}

# check_plan_state WHAT: migration 0013's enrolment state (latest step,
# status, time; company_sent) and campaign_companies equal what the sends
# say, recounted from scratch.
check_plan_state() {
    check "$1: enrolments' latest send as the sends say" "" "$(q "
        select e.campaign_id || ':' || e.contact_id from enrollments e
          left join sends s on s.campaign_id = e.campaign_id
           and s.contact_id = e.contact_id
           and s.step = (select max(x.step) from sends x
                          where x.campaign_id = e.campaign_id
                            and x.contact_id = e.contact_id)
         where e.latest_step is not coalesce(s.step, 0)
            or e.latest_status is not s.status
            or e.latest_at is not s.sent_at")"
    check "$1: company counts as the sends say" "" "$(q "
        with truth as (
            select campaign_id, company_id, count(distinct person) n
              from send_people
             where company_id is not null
               and status in (select status from send_statuses
                               where counts_company)
             group by 1, 2)
        select 'e' || e.campaign_id || ':' || e.contact_id
          from enrollments e join contacts c on c.id = e.contact_id
          left join truth t on t.campaign_id = e.campaign_id
                           and t.company_id = c.company_id
         where e.company_sent is not coalesce(t.n, 0)
        union all
        select 'cc' || t.campaign_id || ':' || t.company_id from truth t
          left join campaign_companies cc using (campaign_id, company_id)
         where cc.contacts is not t.n")"
}
