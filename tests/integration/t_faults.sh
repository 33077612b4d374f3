#!/bin/sh
# SPEC "Outcomes and bounce codes", row by row, and the transport faults
# (stalls, dropped connections, a broken TLS handshake, a certificate for
# the wrong name, a server without STARTTLS), driven through smtpd.py's
# fault script (DIR/faults.json, tests/servers/README.md "Faults") against
# the real binary.  Every test name starts with the SPEC row it checks, so
# the output reads as the table.  Each scenario has a campaign, contacts
# and a local day of its own, and its campaign is paused afterwards so its
# deferred messages do not come back in later scenarios.
#
# What t_run_outcomes, t_run_blocks and t_run_crash already cover (550
# 5.1.1 and 451 at RCPT, a wrong password, 5.7.705 through the recipient
# script, quota through the recipient script, an untrusted CA, nothing
# listening, drop@ before the DATA reply) is not repeated the same way here.
#
# Where SPEC is silent, the expectations are an operator's: a connection
# dropped mid-DATA is "lost before the reply to DATA" (unknown: the client
# has handed the whole message to the socket and cannot know how much
# arrived); a stall at MAIL FROM reached MAIL FROM (an attempt is used) and
# rests the mailbox like a 421 there; a stall anywhere ends within a bound
# set by smtp.timeout_seconds.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

TIMEOUT=3                       # smtp.timeout_seconds
BOUND=$((4 * TIMEOUT + 10))     # no run may take longer, stalls included
NMB=5                           # m1..m5@sender.example
setup_world 10 $NMB
sed -i "s/^  timeout_seconds: .*/  timeout_seconds: $TIMEOUT/" config.yaml
# Every section bounces on purpose, on the same mailboxes: bounce-rate
# protection (t_bounce_rate.sh) would pause them; off here.
set_rule bounce_min_sends 100000
TPL=$ROOT/templates/intro.txt

# A mailbox of another domain (tenant), used by the 5.7.708 row only: the
# server is restarted on its port to learn its password.
echo "o1@other.example:pw-o1" >> "$T/srv/users"
PORT=$SMTPD_PORT
smtpd_stop "$T/srv"
smtpd_start "$T/srv" --port "$PORT" ${SMTPD_ARGS:-} ||
    { not_ok "smtpd restarts"; done_testing; exit 1; }
export MR_PW_O1=pw-o1
"$MR" -q mailbox add o1@other.example --name "Other One" --status paused \
    --password-env MR_PW_O1 || exit 1

# ---- helpers ----------------------------------------------------------------

n=0
DAY=
# scenario NAME FAULTS COUNT: campaign NAME with COUNT new contacts
# NAME-1@NAME-1.example ... (one company each), the fault script FAULTS
# (JSON; '' for none), then `mailrota run` on a day of its own.  Sets rc,
# out, err, secs (wall time of the run) and DAY.  NAME must not start with
# one of smtpd.py's recipient scripts (drop, quota, slow, hard, ...).
scenario() {
    _name=$1
    n=$((n + 1))
    DAY=$(date -u -d "2026-12-01 +$n days" +%F)
    "$MR" -q campaign add "$_name" --template "$TPL" || exit 1
    {
        echo "email,company"
        _i=1
        while [ $_i -le "$3" ]; do
            echo "$_name-$_i@$_name-$_i.example,$_name $_i"
            _i=$((_i + 1))
        done
    } > "$_name.csv"
    "$MR" -q import contacts "$_name.csv" --campaign "$_name" || exit 1
    smtpd_faults "$T/srv" "$2"
    run_day
}
# run_day: `mailrota run` at 15:00Z of $DAY (a morning in Chicago).
run_day() {
    _t0=$(date +%s)
    MAILROTA_NOW=${DAY}T15:00:00Z run "$MR" run
    secs=$(($(date +%s) - _t0))
}
# next_day: the next scenario day, for a scenario's later runs.
next_day() {
    n=$((n + 1))
    DAY=$(date -u -d "2026-12-01 +$n days" +%F)
}
# done_scenario NAME: pause its campaign, clear the faults, and put every
# mailbox back to cold-ready (o1 to paused).
done_scenario() {
    "$MR" -q campaign pause "$1"
    smtpd_faults "$T/srv" ''
    _i=1
    while [ $_i -le $NMB ]; do
        "$MR" -q mailbox set "m$_i@sender.example" --status cold-ready
        _i=$((_i + 1))
    done
    "$MR" -q mailbox set o1@other.example --status paused
}
# send_of CONTACT: status|attempts|smtp_code|smtp_enhanced of its send.
send_of() {
    q "select s.status || '|' || s.attempts || '|' || ifnull(s.smtp_code, '')
       || '|' || ifnull(s.smtp_enhanced, '')
       from sends s join contacts c on c.id = s.contact_id
       where c.email = '$1'"
}
# tries_of CONTACT: its tries, oldest first: "mailbox:stage:code:enhanced"
# (mailbox without its domain; '-' for no code), space-separated.
tries_of() {
    q "select group_concat(x, ' ') from (select
       substr(m.email, 1, instr(m.email, '@') - 1) || ':' || a.stage || ':' ||
       ifnull(a.smtp_code, '-') || ':' || ifnull(a.smtp_enhanced, '-') x
       from attempts a join sends s on s.id = a.send_id
       join contacts c on c.id = s.contact_id
       join mailboxes m on m.id = a.mailbox_id
       where c.email = '$1' order by a.id)"
}
contact_status() { q "select status from contacts where email = '$1'"; }
mb_status() { q "select status from mailboxes where email like '$1@%'"; }
# tries_by MB: this day's tries by mailbox MB (local part).
tries_by() {
    q "select count(*) from attempts a join mailboxes m on m.id = a.mailbox_id
       where m.email like '$1@%' and a.at like '$DAY%'"
}
# failed_at STAGE: "contact mailbox" of this day's tries that ended at
# STAGE without a 2xx, one per line.
failed_at() {
    q "select c.email || ' ' || substr(m.email, 1, instr(m.email, '@') - 1)
       from attempts a join sends s on s.id = a.send_id
       join contacts c on c.id = s.contact_id
       join mailboxes m on m.id = a.mailbox_id
       where a.stage = '$1' and a.at like '$DAY%'
       and ifnull(a.smtp_code, 0) / 100 <> 2 order by a.id"
}
# sent_today NAME: messages of campaign NAME sent.
sent_of() {
    q "select count(*) from sends s join campaigns c on c.id = s.campaign_id
       where c.name = '$1' and s.status = 'sent'"
}
# within_bound DESC: the run ended within BOUND s (and, for a stall, took
# at least TIMEOUT - 1 s: the server really stalled).
stall_took() {
    check "$1: ended in ${TIMEOUT}-1..$BOUND s (smtp.timeout_seconds $TIMEOUT)" yes \
        "$([ "$secs" -ge $((TIMEOUT - 1)) ] && [ "$secs" -le $BOUND ] && echo yes || echo "no: $secs s")"
}
auth_lines() { wc -l < "$1/auth.log" 2>/dev/null | tr -d ' ' || echo 0; }
# moved DESC CONTACT FAILMB STAGE CODE ENH: CONTACT's first try failed on
# FAILMB at STAGE and another mailbox sent it in the same run.
check_moved() {
    _t=$(tries_of "$2")
    _first=${_t%% *}
    _last=${_t##* }
    check "$1: first try $3 at $4 $5 $6" "$3:$4:$5:$6" "$_first"
    check "$1: moved, sent by another mailbox in the same run" yes \
        "$(case $_last in "$3":*) echo "no: $_t" ;; *:data:250:*) echo yes ;; *) echo "no: $_t" ;; esac)"
}

# ---- row: 250 after DATA -> sent ---------------------------------------------
R="[250 after DATA]"
scenario ok '' $NMB
check "$R exit 0, all sent" "0 planned 5, sent 5, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
check "$R send: sent, 1 attempt, 250 2.0.0" "sent|1|250|2.0.0" "$(send_of ok-1@ok-1.example)"
check "$R one try, at data" "data:250:2.0.0" "$(tries_of ok-1@ok-1.example | cut -d: -f2-)"
check "$R contact stays active" active "$(contact_status ok-1@ok-1.example)"
check "$R received once" 1 "$(received_by ok-1@ok-1.example)"
done_scenario ok

# ---- row: 4xx at RCPT or DATA -> deferred, retried, failed after max ---------
R="[4xx at RCPT/DATA]"
F='{"recipients": {
  "t4-1@t4-1.example": {"rcpt": "452 4.5.3 Too many recipients"},
  "t4-2@t4-2.example": {"data": "451 4.7.500 Server busy. Please try again later"}}}'
scenario t4 "$F" 10
check "$R exit 0 (others sent)" "0 planned 10, sent 8, deferred 2, bounced 0, failed 0, unknown 0" "$rc $out"
check "$R RCPT 452 4.5.3: deferred, attempt used" "deferred|1|452|4.5.3" "$(send_of t4-1@t4-1.example)"
check "$R RCPT 452: recorded at rcpt" rcpt "$(tries_of t4-1@t4-1.example | cut -d: -f2)"
check "$R DATA 451 4.7.500: deferred, attempt used" "deferred|1|451|4.7.500" "$(send_of t4-2@t4-2.example)"
check "$R DATA 451: recorded at data" data "$(tries_of t4-2@t4-2.example | cut -d: -f2)"
check "$R not moved: one try each" "1 1" "$(q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 't4-1@t4-1.example'") $(q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 't4-2@t4-2.example'")"
mb=$(tries_of t4-1@t4-1.example | cut -d: -f1)
check "$R the mailbox is not rested: $mb made both its tries" 2 "$(tries_by "$mb")"
check "$R contacts stay active" "active active" "$(contact_status t4-1@t4-1.example) $(contact_status t4-2@t4-2.example)"
check "$R mailboxes stay cold-ready" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
next_day
run_day
check "$R a later run retries both; nothing sent and some deferred: exit 75" \
    "75 planned 2, sent 0, deferred 2, bounced 0, failed 0, unknown 0" "$rc $out"
check "$R second tries" "deferred|2|452|4.5.3 deferred|2|451|4.7.500" \
    "$(send_of t4-1@t4-1.example) $(send_of t4-2@t4-2.example)"
smtpd_faults "$T/srv" '{"recipients": {"t4-2@t4-2.example": {"data": "451 4.7.500 Server busy. Please try again later"}}}'
next_day
run_day
check "$R third run: the cleared one is sent, the other fails" \
    "0 planned 2, sent 1, deferred 0, bounced 0, failed 1, unknown 0" "$rc $out"
check "$R retried on a later run, then sent" "sent|3|250|2.0.0" "$(send_of t4-1@t4-1.example)"
check "$R after max_attempts (3) tries: failed" "failed|3|451|4.7.500" "$(send_of t4-2@t4-2.example)"
next_day
MAILROTA_NOW=${DAY}T15:00:00Z run "$MR" run
check "$R the failed one is not tried again" "planned 0" "$(echo "$out" | cut -d, -f1)"
done_scenario t4

# ---- row: 5.1.x at RCPT or DATA -> bounced, contact bounced ------------------
R="[5.1.x at RCPT/DATA]"
F='{"recipients": {
  "b51-1@b51-1.example": {"rcpt": "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
  "b51-2@b51-2.example": {"data": "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"}}}'
scenario b51 "$F" 2
check "$R only bounces: exit 0 (bounces are outcomes)" "0 planned 2, sent 0, deferred 0, bounced 2, failed 0, unknown 0" "$rc $out"
check "$R RCPT 550 5.1.10: bounced" "bounced|1|550|5.1.10" "$(send_of b51-1@b51-1.example)"
check "$R RCPT 5.1.10 recorded at rcpt" rcpt "$(tries_of b51-1@b51-1.example | cut -d: -f2)"
check "$R DATA 550 5.1.1: bounced" "bounced|1|550|5.1.1" "$(send_of b51-2@b51-2.example)"
check "$R DATA 5.1.1 recorded at data" data "$(tries_of b51-2@b51-2.example | cut -d: -f2)"
check "$R both contacts bounced" "bounced bounced" "$(contact_status b51-1@b51-1.example) $(contact_status b51-2@b51-2.example)"
check "$R mailboxes untouched" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
"$MR" -q campaign add b51again --template "$TPL"
"$MR" -q import contacts b51.csv --campaign b51again
MAILROTA_NOW=${DAY}T16:00:00Z run "$MR" plan -v
check "$R never written again (another campaign: contact_status)" 2 \
    "$(printf '%s\n' "$out" | grep b51again | grep -c contact_status)"
"$MR" -q campaign pause b51again
done_scenario b51

# ---- row: other 5xx at RCPT/DATA -> bounced, contact unchanged ---------------
R="[other 5xx at RCPT/DATA]"
F='{"recipients": {
  "b5-1@b5-1.example": {"rcpt": "550 5.7.1 Delivery not authorized, message refused"},
  "b5-2@b5-2.example": {"data": "554 5.6.0 Corrupt message content"},
  "b5-3@b5-3.example": {"data": "552 5.3.4 Message size exceeds fixed maximum message size"}}}'
scenario b5 "$F" 3
check "$R exit 0" "0 planned 3, sent 0, deferred 0, bounced 3, failed 0, unknown 0" "$rc $out"
check "$R RCPT 550 5.7.1: bounced" "bounced|1|550|5.7.1" "$(send_of b5-1@b5-1.example)"
check "$R DATA 554 5.6.0: bounced" "bounced|1|554|5.6.0" "$(send_of b5-2@b5-2.example)"
check "$R DATA 552 5.3.4: bounced" "bounced|1|552|5.3.4" "$(send_of b5-3@b5-3.example)"
check "$R stages" "rcpt data data" "$(tries_of b5-1@b5-1.example | cut -d: -f2) $(tries_of b5-2@b5-2.example | cut -d: -f2) $(tries_of b5-3@b5-3.example | cut -d: -f2)"
check "$R contacts unchanged (active)" "active active active" \
    "$(contact_status b5-1@b5-1.example) $(contact_status b5-2@b5-2.example) $(contact_status b5-3@b5-3.example)"
check "$R mailboxes untouched" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
done_scenario b5

# ---- row: failure before MAIL FROM -> deferred, no attempt, moved, rests -----
# Ten messages, two per mailbox: the failing mailbox's second message moves
# too, so "rests for the rest of the run" shows as exactly one try by it.
# before_mail R NAME STAGE CODE ENH FAULTS: one scenario of this row.
before_mail() {
    scenario "$2" "$6" 10
    check "$1 exit 0, all ten sent by the others" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
    _f=$(failed_at "$3")
    check "$1 exactly one try failed, at $3" 1 "$(printf '%s\n' "$_f" | grep -c .)"
    _c=${_f% *}
    _mb=${_f#* }
    check_moved "$1" "$_c" "$_mb" "$3" "$4" "$5"
    check "$1 no attempt used (attempts counts the sending try only)" "sent|1|250|2.0.0" "$(send_of "$_c")"
    check "$1 $_mb rests for the run: its only try" 1 "$(tries_by "$_mb")"
    check "$1 $_mb stays cold-ready" cold-ready "$(mb_status "$_mb")"
    done_scenario "$2"
}
R="[before MAIL FROM: 421 greeting]"
before_mail "$R" g421 connect 421 4.3.2 \
    '{"connection": {"greeting": "421 4.3.2 Service not available", "times": 1}}'
R="[before MAIL FROM: connect]"
before_mail "$R" gdrop connect - - '{"connection": {"drop": "greeting", "times": 1}}'
R="[before MAIL FROM: TLS handshake]"
before_mail "$R" tlsbad tls - - '{"connection": {"tls": "garbage", "times": 1}}'
R="[before MAIL FROM: AUTH 454]"
before_mail "$R" a454 auth 454 4.7.0 \
    '{"mailboxes": {"m3@sender.example": {"auth": "454 4.7.0 Temporary authentication failure"}}}'
R="[before MAIL FROM: AUTH 432 4.3.2]"
before_mail "$R" a432 auth 432 4.3.2 \
    '{"mailboxes": {"m4@sender.example": {"auth": "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"}}}'
R="[before MAIL FROM: stall at greeting]"
before_mail "$R" gstall connect - - '{"connection": {"stall": "greeting", "times": 1}}'
stall_took "$R"

# ---- row: AUTH 535, 5.7.139, 5.7.3, 5.7.30 -> moved, auth-failed -------------
R="[AUTH 535 / 5.7.139 / 5.7.3 / 5.7.30]"
F='{"mailboxes": {
  "m1@sender.example": {"auth": "535 5.7.8 Authentication credentials invalid"},
  "m2@sender.example": {"auth": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."},
  "m3@sender.example": {"auth": "535 5.7.3 Authentication unsuccessful"},
  "m4@sender.example": {"auth": "535 5.7.30 Basic authentication is not supported for Client Submission."}}}'
scenario a535 "$F" 10
check "$R exit 0: m5 sends all ten" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
check "$R every message sent by m5" 10 "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id join campaigns c on c.id = s.campaign_id where c.name = 'a535' and m.email = 'm5@sender.example' and s.status = 'sent'")"
for e in 1:5.7.8 2:5.7.139 3:5.7.3 4:5.7.30; do
    i=${e%%:*} esc=${e#*:}
    check "$R 535 $esc: m$i auth-failed" auth-failed "$(mb_status "m$i")"
    check_contains "$R 535 $esc: m$i last_error has the reply" "535" \
        "$(q "select last_error from mailboxes where email = 'm$i@sender.example'")"
    check_contains "$R 535 $esc: m$i last_error has the code" "$esc" \
        "$(q "select last_error from mailboxes where email = 'm$i@sender.example'")"
    c=$(q "select c.email from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id join mailboxes m on m.id = a.mailbox_id where m.email = 'm$i@sender.example' and a.at like '$DAY%'")
    check "$R 535 $esc: m$i made one try" 1 "$(printf '%s\n' "$c" | grep -c .)"
    check_moved "$R 535 $esc" "$c" "m$i" auth 535 "$esc"
    check "$R 535 $esc: no attempt used" "sent|1|250|2.0.0" "$(send_of "$c")"
done
# m1's password comes from MR_PW_M1: the fix says to change that, not to
# store one with --password-stdin.
le=$(q "select last_error from mailboxes where email = 'm1@sender.example'")
check_contains "$R wrong password: the fix names m1's variable" \
    "environment variable MR_PW_M1" "$le"
check_not_contains "$R wrong password: not another password source" \
    "--password-stdin" "$le"
done_scenario a535

# ---- row: 432 / 4.3.2 or 421 at MAIL/RCPT/DATA -> attempt used, moved, rests -
R="[432/421 at MAIL/RCPT/DATA]"
F='{"mailboxes": {
  "m1@sender.example": {"mail": "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"},
  "m2@sender.example": {"rcpt": "421 4.3.2 Service not available, closing transmission channel"},
  "m3@sender.example": {"data": "421 4.7.0 Temporary server error, closing connection"}}}'
scenario t421 "$F" 10
check "$R exit 0: m4 and m5 send all ten" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
for e in 1:mail:432:4.3.2 2:rcpt:421:4.3.2 3:data:421:4.7.0; do
    i=${e%%:*} rest=${e#*:}
    stage=${rest%%:*} rest=${rest#*:}
    code=${rest%%:*} esc=${rest#*:}
    c=$(q "select c.email from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id join mailboxes m on m.id = a.mailbox_id where m.email = 'm$i@sender.example' and a.at like '$DAY%'")
    check "$R $code at $stage: m$i rests for the run: one try" 1 "$(printf '%s\n' "$c" | grep -c .)"
    check_moved "$R $code at $stage" "$c" "m$i" "$stage" "$code" "$esc"
    check "$R $code at $stage: an attempt was used (2 in all)" "sent|2|250|2.0.0" "$(send_of "$c")"
    check "$R $code at $stage: m$i stays cold-ready" cold-ready "$(mb_status "m$i")"
done
done_scenario t421

# ---- row: 5.7.501 / 5.7.708 -> failed, blocked; 708 stops the tenant --------
R="[5.7.501 sender blocked]"
F='{"mailboxes": {"m2@sender.example": {"mail": "550 5.7.501 Service unavailable. Spam abuse detected from IP range."}}}'
scenario b501 "$F" 10
c=$(failed_at mail)
check "$R exit 0" 0 "$rc"
check_contains "$R summary: one failed, the rest sent" "sent 9, deferred 0, bounced 0, failed 1" "$out"
check "$R m2's first message failed" "failed|1|550|5.7.501" "$(send_of "${c% *}")"
check "$R m2 blocked" blocked "$(mb_status m2)"
check_contains "$R m2 last_error" "5.7.501" "$(q "select last_error from mailboxes where email = 'm2@sender.example'")"
check "$R m2 stops (its second message moved): one try" 1 "$(tries_by m2)"
check "$R the same domain's other mailboxes go on (not a tenant block)" "4 0" \
    "$(q "select count(*) from mailboxes where status = 'cold-ready' and email like '%@sender.example' and email like 'm%'") $(q "select count(*) from sends where status = 'sending'")"
done_scenario b501

# 5.7.708 stops every mailbox of the tenant for the run.  Each mailbox has
# two messages and min_gap_seconds 4; m2's refusal comes 1 s after its
# RCPT, when the other sender.example mailboxes have sent their first
# message and hold their second, waiting for the gap: they must not send
# it.  o1@other.example sends its own two; its cap (2) leaves no room for
# the stopped mailboxes' messages, which wait for a later run.
R="[5.7.708 tenant blocked]"
set_rule min_gap_seconds 4
"$MR" -q mailbox set o1@other.example --status cold-ready --daily-cap 2
F='{"mailboxes": {"m2@sender.example": {"rcpt": "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", "delay": 1}}}'
scenario b708 "$F" 12
check "$R exit 0" 0 "$rc"
c=$(failed_at rcpt)
check "$R m2's message failed" "failed|1|550|5.7.708" "$(send_of "${c% *}")"
check "$R m2 blocked" blocked "$(mb_status m2)"
for i in 1 3 4 5; do
    check "$R m$i (same tenant) stops: at most its first try" yes \
        "$([ "$(tries_by "m$i")" -le 1 ] && echo yes || echo "no: $(tries_by "m$i")")"
    check "$R m$i stays cold-ready (stopped for the run only)" cold-ready "$(mb_status "m$i")"
done
check_contains "$R the stop is reported for m1" "mailbox m1@sender.example stops for this run" "$err"
check_not_contains "$R and not for admin, which never sends" "admin@sender.example" "$err"
check "$R o1 (another tenant) sends its two" 2 \
    "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id where m.email = 'o1@other.example' and s.status = 'sent' and s.day = '$DAY'")"
check "$R nothing left 'sending'; the waiting ones have no try" "0 0" \
    "$(q "select count(*) from sends where status = 'sending'") $(q "select count(*) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'b708' and s.status = 'deferred'")"
set_rule min_gap_seconds 0
"$MR" -q mailbox set o1@other.example --daily-cap 10
done_scenario b708

# ---- row: 554 5.2.0 SubmissionQuotaExceeded -> deferred, full for the day ----
R="[554 5.2.0 quota]"
F='{"mailboxes": {"m3@sender.example": {"data": "554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception"}}}'
scenario full520 "$F" 10
check "$R exit 0" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
c=$(failed_at data)
check "$R m3 refused one message, at data" "m3" "${c#* }"
check_moved "$R" "${c% *}" m3 data 554 5.2.0
check "$R an attempt was used" "sent|2|250|2.0.0" "$(send_of "${c% *}")"
check "$R m3 full for the local day, still cold-ready" "$DAY cold-ready" \
    "$(q "select full_day || ' ' || status from mailboxes where email = 'm3@sender.example'")"
check "$R m3 made one try" 1 "$(tries_by m3)"
MAILROTA_NOW=${DAY}T22:00:00Z run "$MR" plan --max 50 --json
check "$R a later run the same day plans nothing for m3" 0 "$(printf '%s' "$out" | grep -c m3@sender.example)"
done_scenario full520

# ---- the other sender-side limits: 5.1.90 and 5.4.5, like 554 5.2.0 --------
# Exchange's daily recipient limit (550 5.1.90, at RCPT) and daily sending
# limit (550 5.4.5, at DATA) are the sender's quota, not the recipient's
# fault: not bounces (5.1.90 is not a 5.1.x bounce).
R="[550 5.1.90 / 5.4.5 sender-side limits]"
F='{"mailboxes": {
  "m3@sender.example": {"rcpt": "550 5.1.90 Your message can'"'"'t be sent because you'"'"'ve reached your daily limit for message recipients."},
  "m4@sender.example": {"data": "550 5.4.5 Daily user sending quota exceeded."}}}'
scenario lim "$F" 10
check "$R exit 0, the others send all ten" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
for e in 3:rcpt:5.1.90 4:data:5.4.5; do
    i=${e%%:*} rest=${e#*:}
    stage=${rest%%:*} esc=${rest#*:}
    c=$(q "select c.email from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id join mailboxes m on m.id = a.mailbox_id where m.email = 'm$i@sender.example' and a.at like '$DAY%'")
    check "$R $esc: m$i made one try" 1 "$(printf '%s\n' "$c" | grep -c .)"
    check_moved "$R $esc" "$c" "m$i" "$stage" 550 "$esc"
    check "$R $esc: deferred then sent (an attempt used), not bounced" "sent|2|250|2.0.0" "$(send_of "$c")"
    check "$R $esc: the contact stays active" active "$(contact_status "$c")"
    check "$R $esc: m$i full for the local day, still cold-ready" "$DAY cold-ready" \
        "$(q "select full_day || ' ' || status from mailboxes where email = 'm$i@sender.example'")"
    check_contains "$R $esc: last_error says it is the daily limit" "daily sending limit" \
        "$(q "select last_error from mailboxes where email = 'm$i@sender.example'")"
done
MAILROTA_NOW=${DAY}T22:00:00Z run "$MR" plan --max 50 --json
check "$R a later run the same day plans nothing for m3 or m4" 0 \
    "$(printf '%s' "$out" | grep -c -e m3@sender.example -e m4@sender.example)"
done_scenario lim

# ---- row: connection lost before the reply to DATA -> unknown ---------------
R="[lost before the DATA reply]"
F='{"recipients": {
  "u-1@u-1.example": {"drop": "data-reply"},
  "u-2@u-2.example": {"drop": "mid-data"},
  "u-3@u-3.example": {"stall": "data-reply"}}}'
scenario u "$F" 5
check "$R exit 0 (two sent)" "0 planned 5, sent 2, deferred 0, bounced 0, failed 0, unknown 3" "$rc $out"
for e in "1:dropped before the reply" "2:dropped mid-DATA" "3:stall at the DATA reply"; do
    i=${e%%:*} what=${e#*:}
    check "$R $what: unknown, the attempt used" "unknown|1||" "$(send_of "u-$i@u-$i.example")"
    check "$R $what: recorded at data, one try" data "$(tries_of "u-$i@u-$i.example" | cut -d: -f2)"
    check "$R $what: nothing delivered" 0 "$(received_by "u-$i@u-$i.example")"
done
stall_took "$R stall at the DATA reply"
mb=$(tries_of u-3@u-3.example | cut -d: -f1)
MAILROTA_NOW=${DAY}T20:00:00Z run "$MR" status --date "$DAY" --json
counted=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print([m["counted"] for m in d["mailboxes"] if m["mailbox"].startswith(sys.argv[1] + "@")][0])' "$mb")
check "$R counted against $mb's cap" 1 "$counted"
"$MR" -q campaign add uagain --template "$TPL"
"$MR" -q import contacts u.csv --campaign uagain
next_day
MAILROTA_NOW=${DAY}T15:00:00Z run "$MR" plan -v
check "$R counted against the cooldown (another campaign)" 3 \
    "$(printf '%s\n' "$out" | grep -E 'u-[123]@' | grep uagain | grep -c cooldown)"
check "$R never resent (already_sent)" 3 \
    "$(printf '%s\n' "$out" | grep -E 'u-[123]@' | grep ' u ' | grep -c already_sent)"
"$MR" -q campaign pause uagain
done_scenario u

# ---- a reply text of over a megabyte ---------------------------------------------
# A 550 5.1.1 whose text is 1.1 MB, at DATA and at RCPT, to one mailbox:
# bounced with its code (the text kept short and marked), and a line that
# long breaks RFC 5321's limit, so each such connection is closed and the
# next message goes through a new one.
R="[550 5.1.1 with a 1 MB text]"
for i in 2 3 4 5; do "$MR" -q mailbox set "m$i@sender.example" --status paused; done
F='{"recipients": {
  "big-1@big-1.example": {"data": "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "pad": 1100000},
  "big-2@big-2.example": {"rcpt": "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "pad": 1100000}}}'
scenario big "$F" 3
check "$R exit 0: two bounces and one sent" "0 planned 3, sent 1, deferred 0, bounced 2, failed 0, unknown 0" "$rc $out"
check "$R at DATA: bounced with its code" "bounced|1|550|5.1.1" "$(send_of big-1@big-1.example)"
check "$R at RCPT: bounced with its code" "bounced|1|550|5.1.1" "$(send_of big-2@big-2.example)"
check "$R both contacts bounced" "bounced bounced" \
    "$(contact_status big-1@big-1.example) $(contact_status big-2@big-2.example)"
check "$R the text is kept short, its start and a mark" "yes yes" \
    "$(q "select length(smtp_text) <= 512, smtp_text like '5.1.1 RESOLVER.ADR.RecipNotFound; not found%[truncated]' from sends s join contacts c on c.id = s.contact_id where c.email = 'big-1@big-1.example'" | sed 's/1/yes/g; s/0/no/g; s/|/ /')"
check "$R the third message is sent" "sent|1|250|2.0.0" "$(send_of big-3@big-3.example)"
peers=$(grep -e 'rcpt=big-1@' -e 'RCPT TO:<big-2@' -e 'rcpt=big-3@' "$T/srv/smtpd.log" |
    awk '{print $2}' | sort -u | wc -l | tr -d ' ')
check "$R after each over-long reply, a new connection: three for three" 3 "$peers"
done_scenario big

# ---- faults: stalls never hang a run ------------------------------------------
R="[stall at MAIL]"
scenario smail '{"mailboxes": {"m4@sender.example": {"stall": "mail"}}}' 10
check "$R exit 0, all sent" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
c=$(failed_at mail)
check_moved "$R" "${c% *}" m4 mail - -
check "$R the stalled try used an attempt (it reached MAIL FROM)" "sent|2|250|2.0.0" "$(send_of "${c% *}")"
check "$R m4 rests for the run" 1 "$(tries_by m4)"
stall_took "$R"
done_scenario smail

# ---- faults: the connection dropped before the message went out ---------------
# Nothing can have been accepted: deferred (the try reached MAIL FROM, so
# an attempt is used), moved, the mailbox rests; the try records no reply
# code (the last reply seen, e.g. RCPT's 250, decided nothing).  A drop at
# the DATA command is recorded at rcpt, the last stage the message passed.
R="[dropped before the body]"
F='{"mailboxes": {"m2@sender.example": {"drop": "mail"},
  "m3@sender.example": {"drop": "rcpt"}, "m4@sender.example": {"drop": "data"}}}'
scenario lostb "$F" 10
check "$R exit 0, all sent by the others" "0 planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
for e in 2:mail:MAIL 3:rcpt:RCPT 4:rcpt:DATA; do
    i=${e%%:*} rest=${e#*:}
    stage=${rest%%:*} at=${rest#*:}
    c=$(q "select c.email from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id join mailboxes m on m.id = a.mailbox_id where m.email = 'm$i@sender.example' and a.at like '$DAY%'")
    check "$R at $at: m$i rests for the run: one try" 1 "$(printf '%s\n' "$c" | grep -c .)"
    check_moved "$R at $at" "$c" "m$i" "$stage" - -
    check "$R at $at: an attempt was used (2 in all)" "sent|2|250|2.0.0" "$(send_of "$c")"
    check "$R at $at: received once" 1 "$(received_by "$c")"
done
done_scenario lostb

R="[stall after EHLO, every connection]"
auth0=$(auth_lines "$T/srv")
scenario sehlo '{"connection": {"stall": "starttls"}}' 5
check "$R nothing could start TLS: exit 69" 69 "$rc"
check "$R summary" "planned 5, sent 0, deferred 5, bounced 0, failed 0, unknown 0" "$out"
check "$R every try ended at tls, no attempt used" "tls 0" \
    "$(q "select group_concat(distinct a.stage) from attempts a where a.at like '$DAY%'") $(q "select sum(s.attempts) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'sehlo'")"
check "$R no AUTH was sent" "$auth0" "$(auth_lines "$T/srv")"
check "$R mailboxes stay cold-ready" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
stall_took "$R"
done_scenario sehlo

# ---- faults: a certificate for the wrong name, a server without STARTTLS ------
# A second server takes the run; config.yaml points at it meanwhile.
# other_server R NAME DIR ARGS...: scenario NAME against it, then checks.
other_server() {
    _r=$1 _name=$2 _dir=$3
    shift 3
    mkdir -p "$_dir"
    cp "$T/srv/users" "$_dir/users"
    smtpd_start "$_dir" "$@" || { not_ok "$_r server starts"; return; }
    sed -i "s/^  port: .*/  port: $SMTPD_PORT/" config.yaml
    scenario "$_name" '' 5
    check "$_r refused by mailrota: exit 69" 69 "$rc"
    check "$_r every try ended at tls, no attempt used" "tls 0" \
        "$(q "select group_concat(distinct a.stage) from attempts a where a.at like '$DAY%'") $(q "select sum(s.attempts) from sends s join campaigns c on c.id = s.campaign_id where c.name = '$_name'")"
    check "$_r the messages wait, deferred" 5 \
        "$(q "select count(*) from sends s join campaigns c on c.id = s.campaign_id where c.name = '$_name' and s.status = 'deferred'")"
    check "$_r no AUTH was sent (auth.log empty)" 0 "$(auth_lines "$_dir")"
    check "$_r nothing delivered" 0 "$(smtpd_count "$_dir")"
    check "$_r mailboxes stay cold-ready" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
    smtpd_stop "$_dir"
    sed -i "s/^  port: .*/  port: $PORT/" config.yaml
    done_scenario "$_name"
}
smtpd_cert_named "$T/srv" wrong.example || exit 1
trap 'smtpd_stop "$T/srv"; smtpd_stop "$T/wrong"; smtpd_stop "$T/plain"; cleanup' EXIT
other_server "[wrong certificate name]" wrongname "$T/wrong" \
    --cert "$T/srv/wrong.example.pem" --key "$T/srv/wrong.example.key"
check_contains "[wrong certificate name] the reason names the certificate" "certificate" \
    "$(q "select smtp_text from attempts where at like '$DAY%' limit 1")"
other_server "[no STARTTLS offered]" nostarttls "$T/plain" --tls none

# ---- a server that offers no AUTH: never sent unauthenticated ------------------
# After STARTTLS the server lists no AUTH and would take the mail anyway
# (an open relay, or a port without SASL).  SPEC: an authentication
# failure; nothing is sent.
R="[no AUTH after STARTTLS]"
stored0=$(smtpd_count "$T/srv")
scenario noauth '{"connection": {"auth": "none"}}' 5
check "$R nothing could authenticate: exit 69" 69 "$rc"
check "$R summary: all deferred" "planned 5, sent 0, deferred 5, bounced 0, failed 0, unknown 0" "$out"
check "$R nothing was delivered" "$stored0" "$(smtpd_count "$T/srv")"
check "$R no MAIL FROM reached the server" 0 \
    "$(grep -c 'MAIL FROM:<[^>]*> auth=None' "$T/srv/smtpd.log")"
check "$R every try ended at auth, no attempt used" "auth 0" \
    "$(q "select group_concat(distinct a.stage) from attempts a where a.at like '$DAY%'") $(q "select sum(s.attempts) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'noauth'")"
check "$R every mailbox that tried is auth-failed" "$(q "select count(distinct a.mailbox_id) from attempts a where a.at like '$DAY%'")" \
    "$(q "select count(*) from mailboxes where status = 'auth-failed'")"
check_contains "$R last_error says the server offered no AUTH" "offered no AUTH" \
    "$(q "select last_error from mailboxes where status = 'auth-failed' limit 1")"
check_contains "$R stderr says so" "offered no AUTH" "$err"
done_scenario noauth

# ---- nothing listening: the server and the port are named ----------------------
R="[connection refused]"
mkdir -p "$T/gone"
trap 'smtpd_stop "$T/srv"; smtpd_stop "$T/wrong"; smtpd_stop "$T/plain"; smtpd_stop "$T/gone"; cleanup' EXIT
smtpd_start "$T/gone" || { not_ok "$R a server starts"; }
GONE=$SMTPD_PORT
smtpd_stop "$T/gone"
sed -i "s/^  port: .*/  port: $GONE/" config.yaml
scenario refused '' 3
check "$R nothing could connect: exit 69" 69 "$rc"
check "$R tries ended at connect, no attempt used" "connect 0" \
    "$(q "select group_concat(distinct a.stage) from attempts a where a.at like '$DAY%'") $(q "select sum(s.attempts) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'refused'")"
check "$R mailboxes stay cold-ready" 5 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
le=$(q "select last_error from mailboxes where email = (select m.email from attempts a join mailboxes m on m.id = a.mailbox_id where a.at like '$DAY%' limit 1)")
check_contains "$R last_error names the server and port" "127.0.0.1:$GONE" "$le"
check_contains "$R last_error says what to run" "mailrota mailbox test --all" "$le"
check_not_contains "$R last_error does not guess another port" "port 587" "$le"
check_contains "$R stderr names the server and port" "127.0.0.1:$GONE" "$err"
check_contains "$R stderr says what to run" "mailrota mailbox test --all" "$err"
sed -i "s/^  port: .*/  port: $PORT/" config.yaml
done_scenario refused

# ---- never twice ----------------------------------------------------------------
R="[never twice]"
dups=$(for j in "$T"/srv/mail/*.json; do /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"][0].lower())' "$j"; done | sort | uniq -d)
check "$R no recipient received a message twice" "" "$dups"
check "$R received = sent, exactly" "$(q "select count(*) from sends where status = 'sent'")" "$(smtpd_count "$T/srv")"
missing=0
for c in $(q "select c.email from sends s join contacts c on c.id = s.contact_id where s.status = 'sent'"); do
    [ "$(received_by "$c")" = 1 ] || missing=$((missing + 1))
done
check "$R every sent message received exactly once" 0 "$missing"
check "$R nothing left 'sending'" 0 "$(q "select count(*) from sends where status = 'sending'")"
check "$R integrity" ok "$(q 'pragma integrity_check')"
done_testing
