#!/bin/sh
# The fake Microsoft 365 (tests/servers/m365d.py: Entra ID token endpoint +
# Graph sendMail) and smtpd.py's XOAUTH2, proven with curl's command line and
# /usr/bin/python3 (smtplib). No mailrota here; OAuth tests rely on all this.
# Secrets and tokens go through files (curl -K / @FILE), never argv.
# shellcheck disable=SC2154  # out, err, rc: set by lib.sh's run
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/servers/lib-smtpd.sh"
. "$ROOT/tests/servers/lib-m365d.sh"

if ! command -v curl >/dev/null 2>&1; then
    echo "skip: no curl binary (apt-get install curl)"
    exit 77
fi
PY=/usr/bin/python3

m365=$T/m365
srv=$T/srv
basic=$T/basic
nokey=$T/nokey
mkdir -p "$m365" "$srv" "$basic" "$nokey"
trap 'm365d_stop "$m365"; smtpd_stop "$srv"; smtpd_stop "$basic";
      smtpd_stop "$nokey"; cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One CA for both servers, as a mailrota config would have.
smtpd_cert "$srv" || { not_ok "certificates"; done_testing; exit 1; }
CA=$srv/ca.pem
printf 'sender@example.test\nother@example.test\ndenied@example.test\n' \
    >"$m365/graph-users"
if m365d_start "$m365" --cert "$srv/server.pem" --key "$srv/server.key" \
        --expires-in 1800 --graph-deny Denied@example.test --retry-after 7 \
        --slow-seconds 0.3; then
    ok "m365d starts and writes DIR/port"
else
    not_ok "m365d starts and writes DIR/port"
    done_testing
    exit 1
fi
check "DIR/pid is the server's pid" "$M365D_PID" "$(cat "$m365/pid")"
check "token.key made (hex)" 64 "$(tr -d '\n' <"$m365/token.key" | wc -c)"
check "client.secret made, owner-only" 600 "$(stat -c %a "$m365/client.secret")"
check "M365D_TOKEN_URL" \
    "https://127.0.0.1:$M365D_PORT/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token" \
    "$M365D_TOKEN_URL"
check "M365D_GRAPH_URL" "https://127.0.0.1:$M365D_PORT/v1.0" "$M365D_GRAPH_URL"
SECRET=$m365/client.secret
CID=$M365D_CLIENT_ID
TURL=$M365D_TOKEN_URL
GRAPH=$M365D_GRAPH_URL
OUTLOOK=https://outlook.office365.com
GRAPHRES=https://graph.microsoft.com
printf 'wrong-secret' >"$T/wrong.secret"

# jf FILE PATH: a JSON value (PATH like error/code or error_codes/0).
jf() {
    "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("/"):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
print(json.dumps(d) if isinstance(d, (list, dict)) else d)' "$1" "$2" \
        2>/dev/null
}
# claims TOKEN_FILE AUD: the verified payload, or the reason it fails
claims() {
    "$PY" "$ROOT/tests/servers/mstoken.py" verify --key-file "$m365/token.key" \
        --aud "$2" <"$1"
}
# tokreq URL CLIENT_ID SECRET_FILE SCOPE [GRANT] [curl args]: sets code
# (and rc, err); the body is in $T/resp.json, headers in $T/resp.hdr.
tokreq() {
    _url=$1 _cid=$2 _sf=$3 _scope=$4 _grant=${5:-client_credentials}
    shift 4
    [ $# -gt 0 ] && shift
    rm -f "$T/resp.json" "$T/resp.hdr"
    run curl -sS --max-time 5 --cacert "$CA" -o "$T/resp.json" \
        -D "$T/resp.hdr" -w '%{http_code} %{time_total}' \
        --data-urlencode "grant_type=$_grant" --data-urlencode "client_id=$_cid" \
        --data-urlencode "client_secret@$_sf" --data-urlencode "scope=$_scope" \
        "$@" "$_url"
    code=${out% *}
    secs=${out#* }
}
# get_token SCOPE FILE: a token from the endpoint into FILE
get_token() {
    tokreq "$TURL" "$CID" "$SECRET" "$1"
    jf "$T/resp.json" access_token >"$2"
}
# token_error DESC STATUS ERROR AADSTS: checks the last tokreq's error
token_error() {
    check "$1: HTTP $2" "$2" "$code"
    check "$1: error $3" "$3" "$(jf "$T/resp.json" error)"
    check "$1: error_codes [$4]" "[$4]" "$(jf "$T/resp.json" error_codes)"
    check_contains "$1: description starts AADSTS$4" "AADSTS$4: " \
        "$(jf "$T/resp.json" error_description | head -n 1)"
    check_contains "$1: JSON content type" "application/json" \
        "$(cat "$T/resp.hdr")"
}

# --- token endpoint: success ------------------------------------------------
get_token "$GRAPHRES/.default" "$T/graph.tok"
check "token: 200" 200 "$code"
check "token: token_type Bearer" Bearer "$(jf "$T/resp.json" token_type)"
check "token: --expires-in honoured" 1800 "$(jf "$T/resp.json" expires_in)"
check "token: ext_expires_in" 1800 "$(jf "$T/resp.json" ext_expires_in)"
claims "$T/graph.tok" "$GRAPHRES" >"$T/claims.json"
check "graph token verifies, aud = scope minus /.default" "$GRAPHRES" \
    "$(jf "$T/claims.json" aud)"
check "graph token role Mail.Send" '["Mail.Send"]' "$(jf "$T/claims.json" roles)"
check "token tid" "$M365D_TENANT" "$(jf "$T/claims.json" tid)"
check "token appid" "$CID" "$(jf "$T/claims.json" appid)"
check "token exp - iat = expires_in" 1800 \
    "$(( $(jf "$T/claims.json" exp) - $(jf "$T/claims.json" iat) ))"
gjti=$(jf "$T/claims.json" jti)
check_contains "token jti t000001-..." "t000001-" "$gjti"
check "token is Entra-sized (>= 1500 chars)" yes \
    "$([ "$(tr -d '\n' <"$T/graph.tok" | wc -c)" -ge 1500 ] && echo yes)"
get_token "$OUTLOOK/.default" "$T/outlook.tok"
check "outlook token: 200" 200 "$code"
claims "$T/outlook.tok" "$OUTLOOK" >"$T/claims.json"
check "outlook token role SMTP.SendAsApp" '["SMTP.SendAsApp"]' \
    "$(jf "$T/claims.json" roles)"
check "outlook token fails for Graph's audience" wrong-audience \
    "$(claims "$T/outlook.tok" "$GRAPHRES")"
line=$(tail -n 1 "$m365/token-requests.log")
check_contains "request log: secret_ok true" '"secret_ok": true' "$line"
check_contains "request log: status 200" '"status": 200' "$line"
check_contains "request log: jti" '"jti": "t000002-' "$line"
check_contains "request log: scope" "\"scope\": \"$OUTLOOK/.default\"" "$line"

# client_secret_basic works too
"$PY" -c 'import base64, sys
print("header = \"Authorization: Basic %s\"" % base64.b64encode(
    ("%s:%s" % (sys.argv[1], open(sys.argv[2]).read())).encode()).decode())' \
    "$CID" "$SECRET" >"$T/basic.cfg"
rm -f "$T/resp.json"
run curl -sS --max-time 5 --cacert "$CA" -o "$T/resp.json" -w '%{http_code}' \
    -K "$T/basic.cfg" -d grant_type=client_credentials \
    --data-urlencode "scope=$OUTLOOK/.default" "$TURL"
check "client_secret_basic: 200" 200 "$out"

# --- token endpoint: errors -------------------------------------------------
tokreq "https://127.0.0.1:$M365D_PORT/nope.example/oauth2/v2.0/token" \
    "$CID" "$SECRET" "$OUTLOOK/.default"
token_error "unknown tenant" 400 invalid_request 90002
check_contains "unknown tenant: Entra's text" \
    "AADSTS90002: Tenant 'nope.example' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud." \
    "$(jf "$T/resp.json" error_description)"
check_contains "error body has trace_id, correlation_id, timestamp" \
    "correlation_id" "$(cat "$T/resp.json")"
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default" password
token_error "grant_type password" 400 unsupported_grant_type 70003
tokreq "$TURL" 99999999-0000-0000-0000-000000000000 "$SECRET" "$OUTLOOK/.default"
token_error "unknown client_id" 400 unauthorized_client 700016
check_contains "unknown client_id: Entra's text" \
    "Application with identifier '99999999-0000-0000-0000-000000000000' was not found in the directory '$M365D_TENANT'." \
    "$(jf "$T/resp.json" error_description)"
tokreq "$TURL" "$CID" "$T/wrong.secret" "$OUTLOOK/.default"
token_error "wrong secret" 401 invalid_client 7000215
check_contains "wrong secret: Entra's text" \
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID," \
    "$(jf "$T/resp.json" error_description)"
check_contains "request log: secret_ok false" '"secret_ok": false' \
    "$(tail -n 1 "$m365/token-requests.log")"
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/SMTP.Send"
token_error "scope without /.default" 400 invalid_scope 1002012
check_contains "invalid scope: Entra's text" \
    "The provided value for scope $OUTLOOK/SMTP.Send is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier" \
    "$(jf "$T/resp.json" error_description)"
tokreq "$TURL" "$CID" "$SECRET" "https://mail.example.test/.default"
token_error "unknown resource" 400 invalid_resource 500011
check_contains "unknown resource: Entra's text" \
    "The resource principal named https://mail.example.test was not found in the tenant named $M365D_TENANT." \
    "$(jf "$T/resp.json" error_description)"

# --- token-script.json, re-read on every request ------------------------------
while read -r fail status error aadsts; do
    m365d_script "$m365" "{\"fail\": \"$fail\"}"
    tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
    token_error "script $fail" "$status" "$error" "$aadsts"
done <<'EOF'
invalid_client 401 invalid_client 7000215
expired_secret 401 invalid_client 7000222
unauthorized_client 400 unauthorized_client 700016
invalid_scope 400 invalid_scope 1002012
tenant 400 invalid_request 90002
server_error 500 server_error 50000
EOF
m365d_script "$m365" '{"fail": "expired_secret"}'
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check_contains "script expired_secret: Entra's text" \
    "AADSTS7000222: The provided client secret keys for app '$CID' are expired." \
    "$(jf "$T/resp.json" error_description)"
m365d_script "$m365" '{"fail": "server_error", "status": 503}'
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
token_error "script server_error 503" 503 temporarily_unavailable 90033
check_contains "503 has Retry-After" "Retry-After: 7" "$(cat "$T/resp.hdr")"
m365d_script "$m365" '{"fail": "drop"}'
n=$(m365d_token_requests "$m365")
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script drop: curl sees an empty reply (52)" 52 "$rc"
check "script drop: still logged" $((n + 1)) "$(m365d_token_requests "$m365")"
check_contains "script drop: logged as dropped" '"error": "dropped"' \
    "$(tail -n 1 "$m365/token-requests.log")"
m365d_script "$m365" '{"fail": "slow", "delay": 0.5}'
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script slow: then 200" 200 "$code"
check "script slow: took >= 0.5 s" 1 \
    "$(awk -v s="$secs" 'BEGIN { print (s >= 0.5) ? 1 : 0 }')"
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default" "" --max-time 0.2
check "script slow: a short client timeout fires (28)" 28 "$rc"
m365d_script "$m365" '{"expires_in": 60}'
get_token "$OUTLOOK/.default" "$T/short.tok"
check "script expires_in: 60" 60 "$(jf "$T/resp.json" expires_in)"
claims "$T/short.tok" "$OUTLOOK" >"$T/claims.json"
check "script expires_in: exp - iat = 60" 60 \
    "$(( $(jf "$T/claims.json" exp) - $(jf "$T/claims.json" iat) ))"
m365d_script "$m365" '{"fail": "server_error", "times": 1}'
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script times 1: first request fails" 500 "$code"
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script times 1: second request succeeds" 200 "$code"
m365d_script "$m365" '{"fail": "typo"}'
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script with an unknown fail: loud 500" 500 "$code"
check_contains "script with an unknown fail: says why" "token-script.json" \
    "$(jf "$T/resp.json" error_description)"
m365d_script "$m365" ''
tokreq "$TURL" "$CID" "$SECRET" "$OUTLOOK/.default"
check "script removed: 200 again" 200 "$code"
check "script removed: default expires_in" 1800 "$(jf "$T/resp.json" expires_in)"

# --- Graph sendMail ------------------------------------------------------------
# mkmime NAME FROM TO: $T/NAME.eml
mkmime() {
    printf 'From: %s\r\nTo: %s\r\nSubject: Hello %s\r\nMessage-ID: <%s@client.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi there.\r\n' \
        "$2" "$3" "$1" "$1" >"$T/$1.eml"
}
# gsend USER TOKEN_FILE MIME_FILE [CONTENT_TYPE [curl args]]: sets code, rc
gsend() {
    _u=$1 _tf=$2 _mf=$3 _ct=${4:-text/plain}
    shift 3
    [ $# -gt 0 ] && shift
    if [ -s "$_tf" ]; then
        printf 'header = "Authorization: Bearer %s"\n' "$(cat "$_tf")" \
            >"$T/auth.cfg"
    else
        : >"$T/auth.cfg"
    fi
    base64 -w 76 "$_mf" >"$T/body.b64"
    rm -f "$T/resp.json" "$T/resp.hdr"
    run curl -sS --max-time 5 --cacert "$CA" -K "$T/auth.cfg" \
        -o "$T/resp.json" -D "$T/resp.hdr" -w '%{http_code} %{time_total}' \
        -H "Content-Type: $_ct" --data-binary "@$T/body.b64" "$@" \
        "$GRAPH/users/$_u/sendMail"
    code=${out% *}
    secs=${out#* }
}
# graph_error DESC STATUS CODE [MESSAGE]: checks the last gsend
graph_error() {
    check "$1: HTTP $2" "$2" "$code"
    check "$1: error/code $3" "$3" "$(jf "$T/resp.json" error/code)"
    if [ $# -gt 3 ]; then
        check "$1: message" "$4" "$(jf "$T/resp.json" error/message)"
    fi
    check_contains "$1: JSON content type" "application/json" \
        "$(cat "$T/resp.hdr")"
}

mkmime ok sender@example.test 'Bob <ok@example.test>'
gsend sender@example.test "$T/graph.tok" "$T/ok.eml"
check "Graph: 202 Accepted" 202 "$code"
check "Graph: empty body" 0 "$(wc -c <"$T/resp.json")"
check "Graph: one message stored" 1 "$(m365d_graph_count "$m365")"
check "Graph: stored .eml is the decoded MIME" 0 \
    "$(cmp -s "$T/ok.eml" "$m365/graph/000001.eml"; echo $?)"
j=$m365/graph/000001.json
check ".json user" sender@example.test "$(jf "$j" user)"
check ".json rcpt" ok@example.test "$(jf "$j" rcpt)"
check ".json jti is the token's" "$gjti" "$(jf "$j" jti)"
check_contains ".json received_at" "Z" "$(jf "$j" received_at)"
gsend 'Sender%40Example.test' "$T/graph.tok" "$T/ok.eml"
check "Graph: percent-encoded, other-case mailbox: 202" 202 "$code"

: >"$T/none.tok"
gsend sender@example.test "$T/none.tok" "$T/ok.eml"
graph_error "no token" 401 InvalidAuthenticationToken "Access token is empty."
check_contains "401 has WWW-Authenticate" "WWW-Authenticate: Bearer" \
    "$(cat "$T/resp.hdr")"
m365d_mint "$m365" "$GRAPHRES" -60 >"$T/expired.tok"
gsend sender@example.test "$T/expired.tok" "$T/ok.eml"
graph_error "expired token" 401 InvalidAuthenticationToken \
    "Access token has expired or is not yet valid."
gsend sender@example.test "$T/outlook.tok" "$T/ok.eml"
graph_error "outlook token on Graph" 401 InvalidAuthenticationToken \
    "Access token validation failure. Invalid audience."
openssl rand -hex 32 >"$T/other.key"
"$PY" "$ROOT/tests/servers/mstoken.py" make --key-file "$T/other.key" \
    --aud "$GRAPHRES" --roles Mail.Send >"$T/forged.tok"
gsend sender@example.test "$T/forged.tok" "$T/ok.eml"
graph_error "token signed with another key" 401 InvalidAuthenticationToken
printf 'not-a-jwt' >"$T/junk.tok"
gsend sender@example.test "$T/junk.tok" "$T/ok.eml"
graph_error "malformed token" 401 InvalidAuthenticationToken
m365d_mint "$m365" "$GRAPHRES" 3599 '' >"$T/norole.tok"
gsend sender@example.test "$T/norole.tok" "$T/ok.eml"
graph_error "token without Mail.Send" 403 ErrorAccessDenied \
    "Access is denied. Check credentials and try again."
mkmime denied denied@example.test ok@example.test
gsend denied@example.test "$T/graph.tok" "$T/denied.eml"
graph_error "--graph-deny (ApplicationAccessPolicy)" 403 ErrorAccessDenied
check_contains "--graph-deny: RAOP text" "[RAOP]" \
    "$(jf "$T/resp.json" error/message)"
mkmime nobody nobody@example.test ok@example.test
gsend nobody@example.test "$T/graph.tok" "$T/nobody.eml"
graph_error "mailbox not in --graph-users" 404 ErrorInvalidUser \
    "The requested user 'nobody@example.test' is invalid."
mkmime sendas other@example.test ok@example.test
gsend sender@example.test "$T/graph.tok" "$T/sendas.eml"
graph_error "From: another mailbox" 403 ErrorSendAsDenied
printf 'this is not base64!!\n' >"$T/bad.b64"
run curl -sS --max-time 5 --cacert "$CA" -K "$T/auth.cfg" -o "$T/resp.json" \
    -D "$T/resp.hdr" -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary "@$T/bad.b64" "$GRAPH/users/sender@example.test/sendMail"
code=$out
graph_error "bad base64" 400 ErrorMimeContentInvalidBase64String
gsend sender@example.test "$T/graph.tok" "$T/ok.eml" application/json
graph_error "JSON content type (not the MIME form)" 400 BadRequest

n=$(m365d_graph_count "$m365")
mkmime throttle sender@example.test throttle@example.test
gsend sender@example.test "$T/graph.tok" "$T/throttle.eml"
graph_error "throttle@" 429 ApplicationThrottled \
    "Application is over its MailboxConcurrency limit."
check_contains "throttle@: Retry-After (--retry-after)" "Retry-After: 7" \
    "$(cat "$T/resp.hdr")"
mkmime unavail sender@example.test unavail@example.test
gsend sender@example.test "$T/graph.tok" "$T/unavail.eml"
graph_error "unavail@" 503 ServiceUnavailable
check_contains "unavail@: Retry-After" "Retry-After: 7" "$(cat "$T/resp.hdr")"
for who in invalid hard2; do
    mkmime "$who" sender@example.test "$who@example.test"
    gsend sender@example.test "$T/graph.tok" "$T/$who.eml"
    graph_error "$who@" 400 ErrorInvalidRecipients \
        "At least one recipient isn't valid., Recipient '$who@example.test' is not resolved. All recipients must be resolved before a message can be submitted."
done
mkmime drop sender@example.test drop@example.test
gsend sender@example.test "$T/graph.tok" "$T/drop.eml"
check "drop@: connection closed, curl empty reply (52)" 52 "$rc"
check "rejections stored nothing" "$n" "$(m365d_graph_count "$m365")"
mkmime throttleonce sender@example.test throttleonce@example.test
gsend sender@example.test "$T/graph.tok" "$T/throttleonce.eml"
graph_error "throttleonce@: first" 429 ApplicationThrottled
gsend sender@example.test "$T/graph.tok" "$T/throttleonce.eml"
check "throttleonce@: second accepted" 202 "$code"
check_contains "state.json remembers it" '"throttleonce@example.test"' \
    "$(cat "$m365/state.json")"
mkmime slow sender@example.test slow@example.test
gsend sender@example.test "$T/graph.tok" "$T/slow.eml"
check "slow@: accepted" 202 "$code"
check "slow@: took >= --slow-seconds 0.3" 1 \
    "$(awk -v s="$secs" 'BEGIN { print (s >= 0.3) ? 1 : 0 }')"
n=$((n + 2))
check "throttleonce@ and slow@ stored" "$n" "$(m365d_graph_count "$m365")"
check "graph-requests.log has a line per request" 21 \
    "$(wc -l <"$m365/graph-requests.log" | tr -d ' ')"

run curl -sS --max-time 5 --cacert "$CA" -o "$T/resp.json" -w '%{http_code}' \
    "$GRAPH/users/sender@example.test/messages"
check "unknown path: 404" 404 "$out"
run curl -sS --max-time 5 --cacert "$CA" -o "$T/resp.json" -w '%{http_code}' \
    "$GRAPH/users/sender@example.test/sendMail"
check "GET sendMail: 405" 405 "$out"
run curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$TURL"
check "no --cacert: curl refuses the cert (60)" 60 "$rc"

# --- smtpd XOAUTH2 ------------------------------------------------------------------
printf 'sender@example.test:pw1\nother@example.test:pw2\nblocked@example.test:pw3\n' \
    >"$srv/users"
printf 'sender@example.test\nblocked@example.test\n' >"$srv/oauth-users"
BLOCKED='535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant'
if smtpd_start "$srv" --token-key-file "$m365/token.key" \
        --oauth-users "$srv/oauth-users" \
        --fail-user "blocked@example.test:$BLOCKED"; then
    ok "smtpd starts with --token-key-file"
else
    not_ok "smtpd starts with --token-key-file"
    done_testing
    exit 1
fi
SPORT=$SMTPD_PORT

# xo.py PORT USER TOKEN_FILE MODE [RCPT]: STARTTLS, AUTH XOAUTH2 and, after
# a 235, one message to RCPT. MODE: ir (initial response), challenge
# (after 334), smtplib (smtp.auth()). Prints the EHLO AUTH line, the AUTH
# reply, and the MAIL..DATA outcome.
cat >"$T/xo.py" <<'EOF'
import base64, smtplib, ssl, sys
port, ca, user, tokfile, mode = sys.argv[1:6]
rcpt = sys.argv[6] if len(sys.argv) > 6 else None
tok = open(tokfile).read().strip()
raw = "user=%s\x01auth=Bearer %s\x01\x01" % (user, tok)
b64 = base64.b64encode(raw.encode()).decode()
s = smtplib.SMTP("127.0.0.1", int(port), local_hostname="client.test",
                 timeout=5)
s.starttls(context=ssl.create_default_context(cafile=ca))
s.ehlo()
print("auth:", s.esmtp_features.get("auth", "-").strip())
if mode == "ir":
    code, resp = s.docmd("AUTH", "XOAUTH2 " + b64)
elif mode == "challenge":
    code, resp = s.docmd("AUTH", "XOAUTH2")
    if code == 334:
        code, resp = s.docmd(b64)
else:
    try:
        code, resp = s.auth("XOAUTH2", lambda challenge=None: raw)
    except smtplib.SMTPAuthenticationError as e:
        code, resp = e.smtp_code, e.smtp_error
print(code, resp.decode())
if code == 235 and rcpt:
    msg = ("From: %s\r\nTo: %s\r\nSubject: oauth\r\n\r\nHi.\r\n"
           % (user, rcpt)).encode()
    try:
        s.sendmail(user, [rcpt], msg)
        print("sent")
    except smtplib.SMTPException as e:
        print("send failed:", e)
s.quit()
EOF
# xo PORT USER TOKEN_FILE MODE [RCPT]: sets out/err/rc and $reply
xo() {
    _p=$1
    shift
    run "$PY" "$T/xo.py" "$_p" "$CA" "$@"
    reply=$(printf '%s\n' "$out" | sed -n 2p)
}
OAUTH_BAD='535 5.7.3 Authentication unsuccessful'

xo "$SPORT" sender@example.test "$T/outlook.tok" challenge ok@example.test
check_contains "XOAUTH2 advertised after STARTTLS" "XOAUTH2" \
    "$(printf '%s\n' "$out" | sed -n 1p)"
check "XOAUTH2 after 334, Entra-sized token: 235" \
    "235 2.7.0 Authentication successful" "$reply"
check_contains "XOAUTH2: message sent" "sent" "$out"
ojti=$(claims "$T/outlook.tok" "$OUTLOOK" >"$T/claims.json" &&
    jf "$T/claims.json" jti)
check "auth.log: user ok xoauth2 jti=" "sender@example.test ok xoauth2 jti=$ojti" \
    "$(tail -n 1 "$srv/auth.log" | cut -d' ' -f2-)"
j=$(smtpd_last "$srv").json
check ".json auth_mech xoauth2" xoauth2 "$(jf "$j" auth_mech)"
check ".json auth_user" sender@example.test "$(jf "$j" auth_user)"
xo "$SPORT" sender@example.test "$T/outlook.tok" ir
check "XOAUTH2 as initial response (2 KB AUTH line): 235" \
    "235 2.7.0 Authentication successful" "$reply"
xo "$SPORT" sender@example.test "$T/outlook.tok" smtplib
check "XOAUTH2 through smtplib's smtp.auth(): 235" 235 "${reply%% *}"
"$PY" "$ROOT/tests/servers/mstoken.py" make --key-file "$m365/token.key" \
    --aud "$OUTLOOK" --roles SMTP.SendAsApp --size 6000 >"$T/big.tok"
xo "$SPORT" sender@example.test "$T/big.tok" challenge
check "XOAUTH2 with a 6000-character token: 235" \
    "235 2.7.0 Authentication successful" "$reply"

m365d_mint "$m365" "$OUTLOOK" -60 >"$T/oexpired.tok"
xo "$SPORT" sender@example.test "$T/oexpired.tok" challenge
check "XOAUTH2 expired token: 535 5.7.3" "$OAUTH_BAD" "$reply"
check_contains "auth.log: reason=expired" "fail xoauth2 jti=t" \
    "$(tail -n 1 "$srv/auth.log")"
check_contains "auth.log: reason=expired" "reason=expired" \
    "$(tail -n 1 "$srv/auth.log")"
xo "$SPORT" sender@example.test "$T/graph.tok" ir
check "XOAUTH2 Graph token (wrong aud): 535 5.7.3" "$OAUTH_BAD" "$reply"
check_contains "auth.log: reason=wrong-audience" "reason=wrong-audience" \
    "$(tail -n 1 "$srv/auth.log")"
xo "$SPORT" other@example.test "$T/outlook.tok" challenge
check "XOAUTH2 user not in --oauth-users: 535 5.7.3" "$OAUTH_BAD" "$reply"
check_contains "auth.log: reason=no-fullaccess" "reason=no-fullaccess" \
    "$(tail -n 1 "$srv/auth.log")"
m365d_mint "$m365" "$OUTLOOK" 3599 '' >"$T/onorole.tok"
xo "$SPORT" sender@example.test "$T/onorole.tok" challenge
check "XOAUTH2 token without SMTP.SendAsApp: 535 5.7.3" "$OAUTH_BAD" "$reply"
"$PY" "$ROOT/tests/servers/mstoken.py" make --key-file "$T/other.key" \
    --aud "$OUTLOOK" --roles SMTP.SendAsApp >"$T/oforged.tok"
xo "$SPORT" sender@example.test "$T/oforged.tok" challenge
check "XOAUTH2 token signed with another key: 535 5.7.3" "$OAUTH_BAD" "$reply"
xo "$SPORT" blocked@example.test "$T/outlook.tok" challenge
check "XOAUTH2 --fail-user: its reply" "$BLOCKED" "$reply"
xo "$SPORT" sender@example.test "$T/junk.tok" challenge
check "XOAUTH2 junk token: 535 5.7.3" "$OAUTH_BAD" "$reply"

# curl (libcurl) with --oauth2-bearer, from a config file
printf 'oauth2-bearer = "%s"\n' "$(cat "$T/outlook.tok")" >"$T/bearer.cfg"
printf 'From: sender@example.test\r\nTo: ok@example.test\r\nSubject: hi\r\n\r\nHello.\r\n' \
    >"$T/msg.eml"
run curl -sS -v --max-time 5 -K "$T/bearer.cfg" --sasl-ir \
    --url "smtp://127.0.0.1:$SPORT/client.test" --ssl-reqd --cacert "$CA" \
    --user 'sender@example.test:' --login-options AUTH=XOAUTH2 \
    --mail-from sender@example.test --mail-rcpt ok@example.test \
    --upload-file "$T/msg.eml"
check "curl --oauth2-bearer AUTH=XOAUTH2: sent" 0 "$rc"
check_contains "curl: 334 challenge even with --sasl-ir (token too long)" \
    "< 334" "$err"
printf 'oauth2-bearer = "%s"\n' "$(cat "$T/oexpired.tok")" >"$T/bearer.cfg"
run curl -sS -v --max-time 5 -K "$T/bearer.cfg" \
    --url "smtp://127.0.0.1:$SPORT/client.test" --ssl-reqd --cacert "$CA" \
    --user 'sender@example.test:' --login-options AUTH=XOAUTH2 \
    --mail-from sender@example.test --mail-rcpt ok@example.test \
    --upload-file "$T/msg.eml"
check "curl XOAUTH2 expired token: login denied (67)" 67 "$rc"
check_contains "curl XOAUTH2 expired token: 535 5.7.3" "< $OAUTH_BAD" "$err"
run curl -sS -v --max-time 5 --url "smtp://127.0.0.1:$SPORT/client.test" \
    --ssl-reqd --cacert "$CA" --user 'sender@example.test:pw1' \
    --login-options AUTH=PLAIN --mail-from sender@example.test \
    --mail-rcpt ok@example.test --upload-file "$T/msg.eml"
check "PLAIN still works beside XOAUTH2" 0 "$rc"
check "auth.log PLAIN line unchanged" "sender@example.test ok" \
    "$(tail -n 1 "$srv/auth.log" | cut -d' ' -f2-)"
check ".json auth_mech plain" plain "$(jf "$(smtpd_last "$srv").json" auth_mech)"
# XOAUTH2 logged in as sender, MAIL FROM someone else
"$PY" - "$SPORT" "$CA" "$T/outlook.tok" >"$T/mf.out" 2>&1 <<'EOF'
import base64, smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="c.test",
                 timeout=5)
s.starttls(context=ssl.create_default_context(cafile=sys.argv[2]))
s.ehlo()
raw = "user=sender@example.test\x01auth=Bearer %s\x01\x01" % \
    open(sys.argv[3]).read().strip()
s.docmd("AUTH", "XOAUTH2 " + base64.b64encode(raw.encode()).decode())
print(*s.docmd("MAIL", "FROM:<other@example.test>"))
EOF
check_contains "XOAUTH2 then MAIL FROM another: 550 5.7.60" "550 b'5.7.60" \
    "$(cat "$T/mf.out")"

# --- --basic-off, and no XOAUTH2 without --token-key-file ---------------------------
BASICOFF='535 5.7.30 Basic authentication is not supported for Client Submission.'
cp "$srv/users" "$srv/oauth-users" "$basic/"
cp "$srv/server.pem" "$srv/server.key" "$basic/"
smtpd_start "$basic" --token-key-file "$m365/token.key" \
    --oauth-users "$basic/oauth-users" --basic-off "$BASICOFF"
check "--basic-off server starts" 0 "$?"
for mech in PLAIN LOGIN; do
    run curl -sS -v --max-time 5 \
        --url "smtp://127.0.0.1:$SMTPD_PORT/client.test" --ssl-reqd \
        --cacert "$CA" --user 'sender@example.test:pw1' \
        --login-options "AUTH=$mech" --mail-from sender@example.test \
        --mail-rcpt ok@example.test --upload-file "$T/msg.eml"
    check "--basic-off: AUTH $mech refused (67)" 67 "$rc"
    check_contains "--basic-off: AUTH $mech gets the reply" "< $BASICOFF" "$err"
done
xo "$SMTPD_PORT" sender@example.test "$T/outlook.tok" challenge ok@example.test
check "--basic-off: XOAUTH2 unaffected" "235 2.7.0 Authentication successful" \
    "$reply"
check "--basic-off: only the XOAUTH2 message stored" 1 "$(smtpd_count "$basic")"
smtpd_stop "$basic"

cp "$srv/users" "$srv/server.pem" "$srv/server.key" "$nokey/"
smtpd_start "$nokey"
check "server without --token-key-file starts" 0 "$?"
xo "$SMTPD_PORT" sender@example.test "$T/outlook.tok" challenge
check "no --token-key-file: XOAUTH2 not advertised" "auth: LOGIN PLAIN" \
    "$(printf '%s\n' "$out" | sed -n 1p)"
check_contains "no --token-key-file: AUTH XOAUTH2 refused" "504 5.5.4" "$reply"
smtpd_stop "$nokey"

# --- logs keep no secrets -----------------------------------------------------------
logs=$(cat "$m365/m365d.log" "$m365/token-requests.log" \
    "$m365/graph-requests.log" "$srv/smtpd.log" "$srv/auth.log")
check_not_contains "logs hold no client secret" "$(cat "$SECRET")" "$logs"
check_not_contains "logs hold no wrong secret" "wrong-secret" "$logs"
check_not_contains "logs hold no Graph token" "$(cut -d. -f3 "$T/graph.tok")" \
    "$logs"
check_not_contains "logs hold no Outlook token" \
    "$(cut -d. -f3 "$T/outlook.tok")" "$logs"
check_not_contains "logs hold no token header" "eyJhbGciOi" "$logs"

# --- restart: concurrency, --mailbox-concurrency, --roles-outlook '' ----------------
mpid=$M365D_PID
m365d_stop "$m365"
check "SIGTERM: m365d exits 0" 0 "$M365D_EXIT"
if kill -0 "$mpid" 2>/dev/null; then alive=yes; else alive=no; fi
check "m365d process is gone" no "$alive"
check "pid and port files removed" "no no" \
    "$([ -e "$m365/pid" ] && echo yes || echo no) $([ -e "$m365/port" ] && echo yes || echo no)"
check_contains "m365d.log says stopped" "m365d stopped" \
    "$(tail -n 1 "$m365/m365d.log")"
m365d_stop "$m365"
check "m365d_stop is idempotent" 0 "$?"

m365d_start "$m365" --cert "$srv/server.pem" --key "$srv/server.key" \
    --min-request-seconds 1 --roles-outlook ''
check "restart in the same DIR (keys kept)" 0 "$?"
GRAPH=$M365D_GRAPH_URL
TURL=$M365D_TOKEN_URL
gsend sender@example.test "$T/graph.tok" "$T/throttleonce.eml"
check "restarted: old token still valid, throttleonce remembered" 202 "$code"
n=$((n + 1))
check "restarted: numbering continues" "$n yes" \
    "$(m365d_graph_count "$m365") $([ -e "$m365/graph/$(printf '%06d' "$n").eml" ] && echo yes)"
get_token "$OUTLOOK/.default" "$T/empty-roles.tok"
claims "$T/empty-roles.tok" "$OUTLOOK" >"$T/claims.json"
check "--roles-outlook '': token without roles" "[]" "$(jf "$T/claims.json" roles)"
xo "$SPORT" sender@example.test "$T/empty-roles.tok" challenge
check "--roles-outlook '': smtpd says 535 5.7.3" "$OAUTH_BAD" "$reply"
check_contains "auth.log: reason=no-role" "reason=no-role" \
    "$(tail -n 1 "$srv/auth.log")"

printf 'header = "Authorization: Bearer %s"\n' "$(cat "$T/graph.tok")" \
    >"$T/auth.cfg"
pids=
for i in 0 1 2 3; do
    mkmime "par$i" sender@example.test "par$i@example.test"
    base64 -w 0 "$T/par$i.eml" >"$T/par$i.b64"
    curl -sS --max-time 10 --cacert "$CA" -K "$T/auth.cfg" -o /dev/null \
        -w '%{http_code}' -H 'Content-Type: text/plain' \
        --data-binary "@$T/par$i.b64" \
        "$GRAPH/users/sender@example.test/sendMail" >"$T/par$i.code" 2>&1 &
    pids="$pids $!"
done
for p in $pids; do wait "$p"; done
check "4 concurrent sendMail: all 202" "202202202202" \
    "$(cat "$T/par0.code" "$T/par1.code" "$T/par2.code" "$T/par3.code")"
stats=$m365/graph-stats.json
check "graph-stats.json: max_inflight >= 2" yes \
    "$([ "$(jf "$stats" max_inflight/sender@example.test)" -ge 2 ] && echo yes)"
check "graph-stats.json: nothing in flight now" 0 \
    "$(jf "$stats" inflight/sender@example.test)"
check "graph-stats.json: requests counted since restart" 5 \
    "$(jf "$stats" requests)"
m365d_stop "$m365"

m365d_start "$m365" --cert "$srv/server.pem" --key "$srv/server.key" \
    --mailbox-concurrency 1 --min-request-seconds 2
check "restart with --mailbox-concurrency 1" 0 "$?"
GRAPH=$M365D_GRAPH_URL
curl -sS --max-time 10 --cacert "$CA" -K "$T/auth.cfg" -o /dev/null \
    -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary "@$T/par0.b64" \
    "$GRAPH/users/sender@example.test/sendMail" >"$T/first.code" 2>&1 &
first=$!
i=0
while [ "$(jf "$stats" inflight/sender@example.test)" != 1 ] && [ $i -lt 100 ]
do
    sleep 0.05
    i=$((i + 1))
done
gsend sender@example.test "$T/graph.tok" "$T/ok.eml"
graph_error "second request while one is in flight" 429 ApplicationThrottled
wait "$first"
check "the request in flight: 202" 202 "$(cat "$T/first.code")"
m365d_stop "$m365"
check "m365d exits 0 again" 0 "$M365D_EXIT"

done_testing
