#!/bin/sh
# The private Dovecot test server (tests/servers/lib-imapd.sh) proven with
# Python's imaplib and curl's IMAP client: IMAPS and STARTTLS with the
# test-made certificate, LOGIN refused without TLS or with a wrong
# password, EXAMINE giving the UIDVALIDITY doveadm reports, a saved
# message fetched byte for byte with BODY.PEEK[] and its flags unchanged
# (while a plain BODY[] after SELECT does set \Seen, so the flag check can
# fail), and a stop that leaves no process behind.  The inbox reader's
# read-only tests rely on all of this.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

PY=${IMAPD_PYTHON:-/usr/bin/python3}
D=$T/imap
trap 'imapd_stop "$D"; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

imapd_user "$D" alice 'alice pw'
imapd_user "$D" bob 'bob-pw'
# XOAUTH2 for the app-only tokens mstoken.py makes (m365d.py's kind): the
# app has FullAccess on alice's mailbox only.
openssl rand -hex 32 >"$T/token.key"
imapd_oauth "$D" "$T/token.key" alice
if imapd_start "$D"; then
    ok "dovecot starts ($IMAPD_HOST: IMAP $IMAPD_PORT, IMAPS $IMAPD_TLS_PORT)"
else
    not_ok "dovecot starts"
    done_testing
    exit 1
fi
check "two different ports" yes \
    "$([ "$IMAPD_PORT" != "$IMAPD_TLS_PORT" ] && echo yes)"

# A message with CRLF line ends, as a server stores and serves it.
printf 'From: Ann <ann@prospect.example>\r\nTo: alice@mine.example\r\nSubject: Re: hello\r\nMessage-ID: <r1@prospect.example>\r\n\r\nYes, call me.\r\n' \
    >"$T/m1.eml"
printf 'From: b@x.example\r\nSubject: second\r\n\r\nx\r\n' >"$T/m2.eml"
imapd_save "$D" alice "$T/m1.eml"
check "doveadm save puts a message in INBOX" "1 " "$(imapd_flags "$D" alice)"
uidv=$(imapd_uidvalidity "$D" alice)
check_contains "doveadm reports a UIDVALIDITY" "1" "$(echo "$uidv" | tr -dc 0-9 | cut -c1)"

# imap.py MODE USER: one imaplib session; the password comes from
# IMAP_PW (not argv).  Prints what the mode asks for, or ERROR ...
cat >"$T/imap.py" <<'EOF'
import imaplib, os, re, ssl, sys
mode, user = sys.argv[1], sys.argv[2]
host = os.environ["IMAPD_HOST"]
port, tls_port = int(os.environ["IMAPD_PORT"]), int(os.environ["IMAPD_TLS_PORT"])
ctx = ssl.create_default_context(cafile=os.environ["CA"])
pw = os.environ["IMAP_PW"]
try:
    if mode == "plain-login":          # LOGIN without TLS
        M = imaplib.IMAP4(host, port)
        M.login(user, pw)
        print("LOGGED IN")
        sys.exit(0)
    if mode.startswith("starttls"):
        M = imaplib.IMAP4(host, port)
        M.starttls(ssl_context=ctx)
    else:
        M = imaplib.IMAP4_SSL(host, tls_port, ssl_context=ctx)
    if mode == "xoauth2":
        s = "user=%s\x01auth=Bearer %s\x01\x01" % (user, pw)
        print(M.authenticate("XOAUTH2", lambda _: s.encode())[0])
    else:
        M.login(user, pw)
    if mode in ("examine", "starttls"):
        typ, data = M.select("INBOX", readonly=True)   # EXAMINE
        print("EXISTS", data[0].decode())
        print("UIDVALIDITY", M.response("UIDVALIDITY")[1][0].decode())
        print("READ-ONLY", "READ-ONLY" in str(M.response("READ-ONLY")))
    elif mode == "peek":
        M.select("INBOX", readonly=True)
        typ, data = M.uid("FETCH", "1", "(BODY.PEEK[])")
        sys.stdout.buffer.write(data[0][1])
    elif mode == "xoauth2":
        pass
    elif mode == "fetch-seen":          # what a careless reader does
        M.select("INBOX")
        M.uid("FETCH", "2", "(BODY[])")
    M.logout()
except Exception as e:
    print("ERROR", type(e).__name__, e)
EOF
imap() { CA=$D/ca.pem IMAP_PW=$2 "$PY" "$T/imap.py" "$1" "$3"; }

out=$(imap examine 'alice pw' alice)
check_contains "IMAPS LOGIN, verified certificate, EXAMINE" "EXISTS 1" "$out"
check_contains "EXAMINE shows the UIDVALIDITY doveadm reports" \
    "UIDVALIDITY $uidv" "$out"
check_contains "EXAMINE is read-only" "READ-ONLY True" "$out"
out=$(imap starttls 'alice pw' alice)
check_contains "IMAP + STARTTLS, LOGIN, EXAMINE" "UIDVALIDITY $uidv" "$out"
if [ "$IMAPD_PLAIN_SECURED" = 0 ]; then
    out=$(imap plain-login 'alice pw' alice)
    check_contains "LOGIN without TLS is refused" "ERROR" "$out"
    check_not_contains "and does not log in" "LOGGED IN" "$out"
else
    echo "# 127.0.0.2 cannot be bound: LOGIN without TLS is not refused here"
fi
out=$(imap examine 'wrong' alice)
check_contains "a wrong password is refused" "ERROR" "$out"
out=$(imap examine 'bob-pw' bob)
check_contains "another user has an INBOX of his own" "EXISTS 0" "$out"

before=$(imapd_flags "$D" alice)
imap peek 'alice pw' alice >"$T/fetched.eml"
if cmp -s "$T/m1.eml" "$T/fetched.eml"; then
    ok "UID FETCH BODY.PEEK[] returns the saved message byte for byte"
else
    not_ok "UID FETCH BODY.PEEK[] returns the saved message byte for byte" \
        "$(od -c "$T/fetched.eml" | head -5)"
fi
check "flags unchanged after EXAMINE + BODY.PEEK[]" "$before" \
    "$(imapd_flags "$D" alice)"
check_not_contains "no \\Seen" 'Seen' "$(imapd_flags "$D" alice)"

# The check can fail: SELECT + BODY[] marks a message read.
imapd_save "$D" alice "$T/m2.eml"
check "a second message gets UID 2" "2 " "$(imapd_flags "$D" alice | sed -n 2p)"
imap fetch-seen 'alice pw' alice >/dev/null
check "SELECT + BODY[] sets \\Seen (imapd_flags sees it)" '2 \Seen' \
    "$(imapd_flags "$D" alice | sed -n 2p)"
check "and leaves the first message alone" "1 " \
    "$(imapd_flags "$D" alice | sed -n 1p)"

# curl's IMAP client, with the password in a config file (not argv).
if command -v curl >/dev/null 2>&1; then
    (umask 077 && printf 'user = "alice:alice pw"\n' >"$T/curl.cfg")
    out=$(curl -sS --max-time 10 --cacert "$D/ca.pem" -K "$T/curl.cfg" \
        "imaps://$IMAPD_HOST:$IMAPD_TLS_PORT/INBOX" -X 'EXAMINE INBOX' 2>&1)
    check_contains "curl imaps:// EXAMINE shows the UIDVALIDITY" \
        "UIDVALIDITY $uidv" "$out"
    out=$(curl -sS --max-time 10 --cacert "$D/ca.pem" -K "$T/curl.cfg" \
        --ssl-reqd "imap://$IMAPD_HOST:$IMAPD_PORT/INBOX" \
        -X 'EXAMINE INBOX' 2>&1)
    check_contains "curl imap:// with STARTTLS too" "UIDVALIDITY $uidv" "$out"
fi

# AUTHENTICATE XOAUTH2 (imapd_oauth): the token is the app's, the user
# the mailbox; audience, role, expiry and the mailbox are all checked.
mint() {
    "$PY" "$ROOT/tests/servers/mstoken.py" make --key-file "$1" \
        --aud "${3:-https://outlook.office365.com}" --roles "$2" ${4:-}
}
tok=$(mint "$T/token.key" IMAP.AccessAsApp)
out=$(imap xoauth2 "$tok" alice)
check "XOAUTH2 with an IMAP.AccessAsApp token logs in" "OK" "$out"
out=$(imap xoauth2 "$tok" bob)
check_contains "a mailbox the app has no access to is refused" "ERROR" "$out"
check_contains "Dovecot's log says why" "no access to this mailbox" \
    "$(cat "$D/dovecot.log")"
out=$(imap xoauth2 "$(mint "$T/token.key" SMTP.SendAsApp)" alice)
check_contains "a token without IMAP.AccessAsApp is refused" "ERROR" "$out"
out=$(imap xoauth2 "$(mint "$T/token.key" IMAP.AccessAsApp \
    https://graph.microsoft.com)" alice)
check_contains "a Graph token is refused" "ERROR" "$out"
out=$(imap xoauth2 "$(mint "$T/token.key" IMAP.AccessAsApp '' \
    '--lifetime -60')" alice)
check_contains "an expired token is refused" "ERROR" "$out"
openssl rand -hex 32 >"$T/other.key"
out=$(imap xoauth2 "$(mint "$T/other.key" IMAP.AccessAsApp)" alice)
check_contains "a token signed with another key is refused" "ERROR" "$out"
out=$(imap examine "$tok" alice)
check_contains "the token is no LOGIN password" "ERROR" "$out"
check_not_contains "and no token reaches the log" "$tok" \
    "$(cat "$D/dovecot.log")"

# Stop: the master and every process it started are gone.
master=$IMAPD_PID
kids=$(_id_children "$master")
check "the master has children (log, config, auth, ...)" yes \
    "$([ -n "$kids" ] && echo yes)"
imapd_stop "$D"
left=
for p in $master $kids; do
    _smtpd_alive "$p" && left="$left $p"
done
check "imapd_stop leaves no process behind" "" "$left"
imapd_stop "$D"
ok "imapd_stop twice is harmless"
check "the ports are closed" no \
    "$(_id_listening "$IMAPD_HOST" "$IMAPD_TLS_PORT" && echo yes || echo no)"

done_testing
