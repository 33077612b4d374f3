#!/bin/sh
# SMTP PIPELINING (RFC 2920): when the server offers it, MAIL FROM, RCPT TO
# and DATA go out together, one round trip instead of three; their replies
# are read in order, the first refusal is the answer, and the connection
# goes on to the next message after RSET.  Without it, one command at a
# time (t_faults_serial runs the whole fault table so).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
command -v strace >/dev/null 2>&1 || {
    echo "skip: no strace (Debian package strace; make deps)"
    exit 77
}
setup_world 10 1
set_rule bounce_min_sends 100000
TPL=$ROOT/templates/intro.txt

# contacts NAME A B ...: campaign NAME with contacts A@A.example, ...
contacts() {
    _c=$1
    shift
    "$MR" -q campaign add "$_c" --template "$TPL" || exit 1
    {
        echo "email,company"
        for _a in "$@"; do echo "$_a@$_a.example,$_a"; done
    } > "$_c.csv"
    "$MR" -q import contacts "$_c.csv" --campaign "$_c" || exit 1
}
# sends_on_wire: the run's send() calls on its socket (strace).
traced_run() {
    run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -qq -o "$T/trace" -e trace=sendto "$MR" run
}
sends_on_wire() { grep -c '^[0-9]* *sendto(' "$T/trace" || true; }
send_of() {
    q "select s.status || '|' || a.stage || '|' || s.smtp_code || '|' ||
              coalesce(s.smtp_enhanced, '')
         from sends s join contacts c on c.id = s.contact_id
         join attempts a on a.send_id = s.id
        where c.email = '$1@$1.example'"
}

# ---- offered: refusals in the middle, one connection for all ---------------
contacts P1 pa pbad pb ptmp pc
smtpd_faults "$T/srv" '{"recipients": {
  "pbad@pbad.example": {"rcpt": "550 5.1.1 User unknown"},
  "ptmp@ptmp.example": {"rcpt": "452 4.5.3 Too many recipients"}}}'
grep -c "connection opened" "$T/srv/smtpd.log" > "$T/conns0" || true
export MAILROTA_NOW=2026-11-20T15:00:00Z
traced_run
check "pipelined: exit 0" 0 "$rc"
check "pipelined: the outcomes" \
    "planned 5, sent 3, deferred 1, bounced 1, failed 0, unknown 0" "$out"
check "pipelined: 550 5.1.1 at RCPT bounces, recorded at rcpt" \
    "bounced|rcpt|550|5.1.1" "$(send_of pbad)"
check "pipelined: 452 at RCPT defers, recorded at rcpt" \
    "deferred|rcpt|452|4.5.3" "$(send_of ptmp)"
check "pipelined: the others sent, recorded at data" \
    "sent|data|250|2.0.0 sent|data|250|2.0.0 sent|data|250|2.0.0" \
    "$(send_of pa) $(send_of pb) $(send_of pc)"
check "pipelined: each accepted message arrived once" "1 1 1 0 0" \
    "$(received_by pa@pa.example) $(received_by pb@pb.example) $(received_by pc@pc.example) $(received_by pbad@pbad.example) $(received_by ptmp@ptmp.example)"
check "pipelined: one connection for all five (RSET after a refusal)" 1 \
    "$(( $(grep -c "connection opened" "$T/srv/smtpd.log") - $(cat "$T/conns0") ))"
# The DATA that went with each refused RCPT got its 503 (no valid
# recipient), read and passed over: the connection stayed in step, or the
# next message would have met that reply.
piped=$(sends_on_wire)

# ---- not offered: one command at a time --------------------------------------
smtpd_stop "$T/srv"
smtpd_start "$T/srv" --port "$SMTPD_PORT" --no-pipelining ||
    { not_ok "smtpd restarts without PIPELINING"; done_testing; exit 1; }
smtpd_faults "$T/srv" '{"recipients": {
  "sbad@sbad.example": {"rcpt": "550 5.1.1 User unknown"},
  "stmp@stmp.example": {"rcpt": "452 4.5.3 Too many recipients"}}}'
contacts S1 sa sbad sb stmp sc
export MAILROTA_NOW=2026-11-21T15:00:00Z
traced_run
check "serial: exit 0" 0 "$rc"
check "serial: the outcomes (and P1's deferred one, sent)" \
    "planned 6, sent 4, deferred 1, bounced 1, failed 0, unknown 0" "$out"
check "serial: 550 5.1.1 at RCPT bounces, recorded at rcpt" \
    "bounced|rcpt|550|5.1.1" "$(send_of sbad)"
check "serial: the others arrived once" "1 1 1 0" \
    "$(received_by sa@sa.example) $(received_by sb@sb.example) $(received_by sc@sc.example) $(received_by sbad@sbad.example)"
serial=$(sends_on_wire)
# Per message: envelope + body + final dot (3 sends) against MAIL, RCPT,
# DATA, body, dot (5); six messages here, five above.
check "pipelining saves two sends per message ($piped for 5 against $serial for 6)" \
    yes "$([ $((piped + 10)) -le "$serial" ] && echo yes || echo no)"
done_testing
