#!/bin/sh
# mailbox test EMAIL | --all [--json]: for each mailbox, password or token,
# connect, STARTTLS, AUTH (NOOP, QUIT) or TLS to Graph, and no mail sent.
# Against smtpd.py (Exchange's AUTH replies scripted per mailbox with
# --fail-user) and m365d.py (Entra ID token endpoint + Graph, failures
# scripted with token-script.json): the steps passed, the reply that
# decided, the diagnosis id and its fix, the MC786329 warning for Basic
# authentication (Microsoft's hosts only: none here, on loopback), the
# fallback to Graph, the exit codes, the --all summary, and no secret in
# the output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

# Exchange Online's wording.
R_SECDEF="535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator."
R_MBOX="535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."
R_TENANT="535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
R_CA="535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator."
R_BASIC="535 5.7.30 Basic authentication is not supported for Client Submission."
D=sender.example

# m1 plain, ok          m2..m6 plain, refused with the replies above
# m7 plain, wrong pw    m8 xoauth2, ok        m9, m10 plain with fallback graph
# g1 graph              out xoauth2 without FullAccess   admin plain, ok
setup_m365
setup_world 5 10
smtpd_stop "$T/srv"
# shellcheck disable=SC2086  # SMTPD_ARGS: paths under $T, no spaces
smtpd_start "$T/srv" $SMTPD_ARGS \
    --fail-user "m2@$D:$R_SECDEF" --fail-user "m3@$D:$R_MBOX" \
    --fail-user "m4@$D:$R_TENANT" --fail-user "m5@$D:$R_CA" \
    --fail-user "m6@$D:$R_BASIC" --fail-user "m9@$D:$R_SECDEF" \
    --fail-user "m10@$D:$R_BASIC" || exit 1
sed -i "s|^  port: .*|  port: $SMTPD_PORT|" config.yaml
"$MR" -q mailbox set "m8@$D" --auth xoauth2 || exit 1
"$MR" -q mailbox set "m9@$D" --fallback graph || exit 1
"$MR" -q mailbox set "m10@$D" --fallback graph || exit 1
"$MR" -q mailbox add "g1@$D" --name G1 --auth graph || exit 1
"$MR" -q mailbox add "out@$D" --name Out --auth xoauth2 || exit 1
WRONG_PW='wr0ng-Horse-7x'
export MR_PW_M7="$WRONG_PW"
cp -p config.yaml config.good

# mt ARGS...: mailrota mailbox test ARGS; everything it printed is also
# kept in $T/seen, for the secrets check at the end.
mt() {
    run "$MR" mailbox test "$@"
    printf '%s\n%s\n' "$out" "$err" >> "$T/seen"
}
# jf PATH [MAILBOX]: a field of the JSON array in $out, of MAILBOX's object
# (else of the only object); PATH dotted (reply.code); lists joined by
# spaces; true, false and null as in JSON.
jf() {
    printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
if len(sys.argv) > 2:
    o = [x for x in a if x["mailbox"] == sys.argv[2]][0]
elif len(a) == 1:
    o = a[0]
else:
    sys.exit("%d objects, want 1" % len(a))
for k in sys.argv[1].split("."):
    o = None if o is None else o[k]
if isinstance(o, list):
    print(" ".join(o))
elif isinstance(o, (bool, type(None))):
    print(json.dumps(o))
else:
    print(o)' "$@" 2>&1
}
# jall EXPR: a Python expression over a (the array in $out).
jall() {
    printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1" 2>&1
}
KEYS="auth diagnosis failed_step fallback fix inbound mailbox mechanisms ok problem reply status steps via_graph warning"
# has_mech MECH: yes when the JSON's mechanisms list it.
has_mech() {
    case " $(jf mechanisms) " in *" $1 "*) echo yes ;; *) echo "no: $(jf mechanisms)" ;; esac
}

# --- usage ---------------------------------------------------------------------
mt
check "no EMAIL and no --all: exit 64" 64 "$rc"
check_contains "says what to give" "give one EMAIL or --all" "$err"
mt "m1@$D" --all
check "EMAIL and --all: exit 64" 64 "$rc"
mt "m1@$D" "m2@$D"
check "two EMAILs: exit 64" 64 "$rc"
check_contains "names the extra argument" "m2@$D" "$err"
mt --json nobody@nowhere.example
check "an email not on the roster: exit 65" 65 "$rc"
check_contains "the message names it" "nobody@nowhere.example" "$err"
check "and prints nothing on stdout" "" "$out"
mt --help
check "--help exits 0" 0 "$rc"
check_contains "--help shows the usage" "mailbox test EMAIL | --all [--json]" "$out"

# --- plain, the right password -----------------------------------------------------
mt "m1@$D"
check "plain ok: exit 0" 0 "$rc"
check "plain ok: the header and the steps" "m1@$D (auth plain): ok
  password   ok
  connect    ok
  tls        ok
  auth       ok" "$(printf '%s\n' "$out" | sed -n 1,5p)"
check "plain ok: then the mechanisms" "yes" \
    "$(printf '%s\n' "$out" | grep -q '^  mechanisms .*PLAIN' && echo yes)"
check_not_contains "plain ok: no diagnosis" "diagnosis" "$out"
check_not_contains "one EMAIL: no summary line" "tested:" "$out"
check_not_contains "plain ok on loopback: no MC786329 warning (not Microsoft)" "MC786329" "$err"
check "plain ok: nothing at all on stderr" "" "$err"
mt --json "m1@$D"
check "json plain ok: exit 0" 0 "$rc"
check "json: one object with exactly the documented keys" "$KEYS" \
    "$(jall '" ".join(sorted(a[0])) if len(a) == 1 else len(a)')"
check "json plain ok: mailbox, auth, status" "m1@$D plain cold-ready" \
    "$(jf mailbox) $(jf auth) $(jf status)"
check "json plain ok: ok true, via_graph false" "true false" "$(jf ok) $(jf via_graph)"
check "json plain ok: steps" "password connect tls auth" "$(jf steps)"
check "json plain ok: mechanisms include PLAIN" yes "$(has_mech PLAIN)"
check "json plain ok: no failed_step, reply, diagnosis, fix" "null null null null" \
    "$(jf failed_step) $(jf reply) $(jf diagnosis) $(jf fix)"
check "json plain ok on loopback: no warning" null "$(jf warning)"
mt "M1@SENDER.EXAMPLE"
check "the EMAIL matches the roster in any case" 0 "$rc"

# --- Exchange's AUTH refusals --------------------------------------------------------
# auth_case MAILBOX ENHANCED ID FIX-PIECE
auth_case() {
    mt --json "$1"
    check "$1: exit 69" 69 "$rc"
    check "$1: diagnosis $3" "$3" "$(jf diagnosis)"
    check "$1: failed at auth after password, connect, tls" \
        "false auth password connect tls" "$(jf ok) $(jf failed_step) $(jf steps)"
    check "$1: the reply" "auth 535 $2" \
        "$(jf reply.stage) $(jf reply.code) $(jf reply.enhanced)"
    check_contains "$1: the fix" "$4" "$(jf fix)"
    check "$1: no MC786329 warning on loopback" null "$(jf warning)"
}
auth_case "m2@$D" 5.7.139 security_defaults "disable Security Defaults"
check_contains "m2: the reply text" "security defaults policy" "$(jf reply.text)"
auth_case "m3@$D" 5.7.139 smtp_auth_disabled_mailbox \
    "Set-CASMailbox -Identity m3@$D -SmtpClientAuthenticationDisabled \$false"
auth_case "m4@$D" 5.7.139 smtp_auth_disabled_tenant \
    "Set-TransportConfig -SmtpClientAuthenticationDisabled \$false"
auth_case "m5@$D" 5.7.139 conditional_access "app password"
auth_case "m6@$D" 5.7.30 basic_auth_retired "--auth xoauth2"
auth_case "m7@$D" 5.7.139 password_wrong "app password"
check_contains "wrong password: the server's words" "credentials were incorrect" "$(jf reply.text)"
# The fix is for where m7 keeps its password: the environment.
check_contains "wrong password from --password-env: set that variable" \
    "environment variable MR_PW_M7" "$(jf fix)"
check_not_contains "  and not --password-stdin" "--password-stdin" "$(jf fix)"
"$MR" -q mailbox set "m7@$D" --password-cmd "echo $WRONG_PW" || exit 1
mt --json "m7@$D"
check "wrong password from --password-cmd: password_wrong" password_wrong "$(jf diagnosis)"
check_contains "  the fix is the command's output" "password command" "$(jf fix)"
check_not_contains "  and not --password-stdin" "--password-stdin" "$(jf fix)"
printf '%s\n' "$WRONG_PW" | "$MR" -q mailbox set "m7@$D" --password-stdin || exit 1
mt --json "m7@$D"
check "wrong stored password: password_wrong" password_wrong "$(jf diagnosis)"
check_contains "  the fix stores a new one" "mailbox set m7@$D --password-stdin" "$(jf fix)"
check_not_contains "  and not an environment variable" "environment variable" "$(jf fix)"
"$MR" -q mailbox set "m7@$D" --password-env MR_PW_M7 || exit 1

mt "m2@$D"
check "human security defaults: exit 69" 69 "$rc"
check "human: header FAILED" "m2@$D (auth plain): FAILED" "$(printf '%s\n' "$out" | sed -n 1p)"
check_contains "human: the steps passed" "  password   ok
  connect    ok
  tls        ok" "$out"
check_contains "human: the reply, once" "
  auth       FAILED: $R_SECDEF
  diagnosis  Security Defaults block SMTP AUTH for this tenant
  fix        disable Security Defaults" "$out"
check_contains "human: stderr counts the failure" "1 of 1 mailbox failed" "$err"
mt "m3@$D"
check_contains "human mailbox disabled: the fix with the address" \
    "  fix        in Exchange Online PowerShell: Set-CASMailbox -Identity m3@$D -SmtpClientAuthenticationDisabled \$false" "$out"
mt "m7@$D"
check_contains "human wrong password: diagnosis" "  diagnosis  the server refused the password" "$out"

# A password variable that is empty: nothing asked of the server.
MR_PW_M7=
mt --json "m7@$D"
MR_PW_M7=$WRONG_PW
check "no password: exit 69" 69 "$rc"
check "no password: diagnosed, with the fix" "password_missing" "$(jf diagnosis)"
check_contains "no password: the fix names the options" "--password-env" "$(jf fix)"
check "no password: failed at step password, none passed" "password|" \
    "$(jf failed_step)|$(jf steps)"
check_contains "no password: names the variable" "MR_PW_M7" "$(jf reply.text)"

# --- xoauth2 ---------------------------------------------------------------------
before=$(token_requests)
mt "m8@$D"
check "xoauth2 ok: exit 0" 0 "$rc"
check "xoauth2 ok: header and steps" "m8@$D (auth xoauth2): ok
  token      ok
  connect    ok
  tls        ok
  auth       ok" "$(printf '%s\n' "$out" | sed -n 1,5p)"
check_not_contains "xoauth2: no Basic-authentication warning" "MC786329" "$err"
check "the test asked for a token" 1 $(( $(token_requests) - before ))
mt --json "m8@$D"
check "json xoauth2 ok" "true token connect tls auth null" \
    "$(jf ok) $(jf steps) $(jf warning)"
check "json xoauth2: mechanisms include XOAUTH2" yes "$(has_mech XOAUTH2)"
check "each invocation asks the endpoint again (not the stored token)" 2 \
    $(( $(token_requests) - before ))
check "the server saw XOAUTH2 as m8" 2 "$(grep -c "m8@$D ok xoauth2" "$T/srv/auth.log")"

mt --json "out@$D"
check "xoauth2 without FullAccess: exit 69" 69 "$rc"
check "  diagnosis app_smtp_permission" app_smtp_permission "$(jf diagnosis)"
check "  reply 535 5.7.3 at auth" "auth auth 535 5.7.3" \
    "$(jf failed_step) $(jf reply.stage) $(jf reply.code) $(jf reply.enhanced)"
check "  steps token connect tls" "token connect tls" "$(jf steps)"
check_contains "  fix: New-ServicePrincipal" "New-ServicePrincipal" "$(jf fix)"
check_contains "  fix: Add-MailboxPermission on it" \
    "Add-MailboxPermission -Identity out@$D" "$(jf fix)"
check_contains "  fix: FullAccess" "-AccessRights FullAccess" "$(jf fix)"
mt "out@$D"
check_contains "human xoauth2 refusal" "
  auth       FAILED: 535 5.7.3 Authentication unsuccessful
  diagnosis  Exchange Online refused the app's token for this mailbox" "$out"

# --- graph ------------------------------------------------------------------------
mt "g1@$D"
check "graph ok: exit 0" 0 "$rc"
check "graph ok: human" "g1@$D (auth graph): ok
  token      ok
  connect    ok
  tls        ok" "$out"
mt --json "g1@$D"
check "json graph ok" "true token connect tls null null" \
    "$(jf ok) $(jf steps) $(jf reply) $(jf warning)"
check "json graph: no SMTP mechanisms" "" "$(jf mechanisms)"

# token_case SCRIPT-JSON ID STATUS TEXT FIX-PIECE
token_case() {
    m365d_script "$M365_DIR" "$1"
    mt --json "g1@$D"
    check "token $1: exit 69" 69 "$rc"
    check "token $1: diagnosis $2" "$2" "$(jf diagnosis)"
    check "token $1: failed at token, no step passed" "false token|" \
        "$(jf ok) $(jf failed_step)|$(jf steps)"
    check "token $1: reply stage and HTTP status" "token $3" \
        "$(jf reply.stage) $(jf reply.code)"
    check_contains "token $1: Entra's code in the reply" "$4" "$(jf reply.text)"
    check_contains "token $1: the fix" "$5" "$(jf fix)"
}
token_case '{"fail": "invalid_client"}' client_secret_wrong 401 AADSTS7000215 \
    "Certificates & secrets"
mt "g1@$D"
check_contains "human: the token step failed with Entra's words" \
    "  token      FAILED: 401 invalid_client: AADSTS7000215: Invalid client secret provided." "$out"
check_contains "human: diagnosis" "  diagnosis  Entra ID refused the client secret (AADSTS7000215)" "$out"
token_case '{"fail": "expired_secret"}' client_secret_expired 401 AADSTS7000222 \
    "create a new client secret"
token_case '{"fail": "unauthorized_client"}' client_id_unknown 400 AADSTS700016 \
    "oauth.client_id"
# The same failure for xoauth2, which stops before connecting.
m365d_script "$M365_DIR" '{"fail": "invalid_client"}'
mt --json "m8@$D"
check "xoauth2 with a wrong secret" "69 client_secret_wrong token" \
    "$rc $(jf diagnosis) $(jf failed_step)"
m365d_script "$M365_DIR" ''

# A tenant that does not exist: the token URL takes {tenant} from the config.
sed -i "s|^  token_url: .*|  token_url: https://127.0.0.1:$M365D_PORT/{tenant}/oauth2/v2.0/token|" config.yaml
mt --json "g1@$D"
check "token_url with {tenant}, the right tenant: ok" "0 true" "$rc $(jf ok)"
sed -i "s|^  tenant_id: .*|  tenant_id: 99999999-9999-4999-8999-999999999999|" config.yaml
mt --json "g1@$D"
check "wrong tenant: exit 69" 69 "$rc"
check "wrong tenant: tenant_unknown" "tenant_unknown token 400" \
    "$(jf diagnosis) $(jf failed_step) $(jf reply.code)"
check_contains "wrong tenant: AADSTS90002" "AADSTS90002" "$(jf reply.text)"
check_contains "wrong tenant: the fix" "oauth.tenant_id" "$(jf fix)"
cp -p config.good config.yaml

# --- fallback: graph ------------------------------------------------------------------
mt --json "m9@$D"
check "fallback, 5.7.139: exit 0" 0 "$rc"
check "fallback: ok true, via_graph true" "true true" "$(jf ok) $(jf via_graph)"
check "fallback: the SMTP refusal is kept" "auth 535 5.7.139 security_defaults" \
    "$(jf failed_step) $(jf reply.code) $(jf reply.enhanced) $(jf diagnosis)"
check "fallback: no MC786329 warning on loopback" null "$(jf warning)"
mt "m9@$D"
check "human fallback: exit 0" 0 "$rc"
check "human fallback: header" "m9@$D (auth plain, fallback graph): ok through Graph" \
    "$(printf '%s\n' "$out" | sed -n 1p)"
check_contains "human fallback: the refusal, then Graph's steps" "
  auth       FAILED: $R_SECDEF" "$out"
check_contains "human fallback: Graph's steps passed" "fallback to Graph (fallback: graph):
  token      ok
  connect    ok
  tls        ok
  graph      ok: runs send through Graph" "$out"
check_not_contains "human fallback: nothing on stderr but the warning" "error" "$err"
mt --json "m10@$D"
check "fallback, 5.7.30: ok through Graph" "0 true true basic_auth_retired" \
    "$rc $(jf ok) $(jf via_graph) $(jf diagnosis)"
# Graph itself failing: the fallback cannot save it.
m365d_script "$M365_DIR" '{"fail": "invalid_client"}'
mt --json "m9@$D"
check "fallback with Graph failing: exit 69, ok false, via_graph false" \
    "69 false false" "$rc $(jf ok) $(jf via_graph)"
check "and Graph's own failure is reported, with its fix" \
    "false token client_secret_wrong 401" \
    "$(jf fallback.ok) $(jf fallback.failed_step) $(jf fallback.diagnosis) $(jf fallback.reply.code)"
mt "m9@$D"
check_contains "human: Graph's failure after the SMTP refusal" "fallback to Graph (fallback: graph):
  token      FAILED: 401 invalid_client: AADSTS7000215" "$out"
m365d_script "$M365_DIR" ''

# --- connect and TLS --------------------------------------------------------------------
sed -i "s|^  port: .*|  port: 9|" config.yaml
mt --json "m1@$D"
check "connect refused: exit 69" 69 "$rc"
check "connect refused: connect_failed after password" "connect_failed connect connect password" \
    "$(jf diagnosis) $(jf failed_step) $(jf reply.stage) $(jf steps)"
check_contains "connect refused: the problem names the server and port" \
    "cannot connect to 127.0.0.1:9" "$(jf problem)"
check_contains "connect refused: the fix names the port" "port 9 is blocked" "$(jf fix)"
check_contains "connect refused: the fix says what to try" "nc -vz 127.0.0.1 9" "$(jf fix)"
check_contains "connect refused: and to test every mailbox" "mailrota mailbox test --all" "$(jf fix)"
check_not_contains "connect refused: not another port" "587" "$(jf fix)"
mt "m1@$D"
check_contains "human connect refused" "  connect    FAILED: " "$out"
check_contains "human connect refused: diagnosis" "  diagnosis  cannot connect to 127.0.0.1:9" "$out"
check_contains "human connect refused: fix" "  fix        port 9 is blocked" "$out"
mt --json "m8@$D"
check "xoauth2, connect refused after the token" "connect_failed connect token" \
    "$(jf diagnosis) $(jf failed_step) $(jf steps)"
cp -p config.good config.yaml

mkdir -p "$T/otherca"
(
    cd "$T/otherca" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout ca.key -out ca.pem -days 1 -subj "/CN=unrelated CA"
) >"$T/otherca/openssl.log" 2>&1 || { cat "$T/otherca/openssl.log"; exit 1; }
sed -i "s|^  ca_file: .*|  ca_file: $T/otherca/ca.pem|" config.yaml
mt --json "m1@$D"
check "wrong CA: exit 69" 69 "$rc"
check "wrong CA: tls_problem after password, connect" "tls_problem tls tls password connect" \
    "$(jf diagnosis) $(jf failed_step) $(jf reply.stage) $(jf steps)"
check_contains "wrong CA: the fix names tls.ca_file" "tls.ca_file" "$(jf fix)"
check_contains "wrong CA: the reply says certificate" "certificate" "$(jf reply.text)"
mt "m1@$D"
check_contains "human wrong CA" "  tls        FAILED: SSL certificate problem" "$out"
mt --json "g1@$D"
check "wrong CA for the token endpoint: tls_problem at token" "69 tls_problem token" \
    "$rc $(jf diagnosis) $(jf failed_step)"
cp -p config.good config.yaml

# --- tokens without the application permission ------------------------------------------
mkdir -p "$T/m365b"
cp "$M365_DIR/client.secret" "$M365_DIR/token.key" "$T/m365b/"
m365d_start "$T/m365b" --cert "$T/srv/server.pem" --key "$T/srv/server.key" \
    --roles-graph '' --roles-outlook '' || exit 1
trap 'm365d_stop "$T/m365b"; smtpd_stop "$T/srv"; m365d_stop "$M365_DIR"; cleanup' EXIT
sed -i "s|^  token_url: .*|  token_url: $M365D_TOKEN_URL|; s|^  base_url: .*|  base_url: $M365D_GRAPH_URL|" config.yaml
mt --json "g1@$D"
check "graph token without Mail.Send: exit 69" 69 "$rc"
check "  permission_missing at token" "permission_missing token" \
    "$(jf diagnosis) $(jf failed_step)"
check_contains "  the reply says which role" "has no role Mail.Send" "$(jf reply.text)"
check_contains "  the fix names Mail.Send" "Mail.Send" "$(jf fix)"
mt --json "m8@$D"
check "xoauth2 token without SMTP.SendAsApp" "69 permission_missing token" \
    "$rc $(jf diagnosis) $(jf failed_step)"
check_contains "  the reply says which role" "has no role SMTP.SendAsApp" "$(jf reply.text)"
m365d_stop "$T/m365b"
cp -p config.good config.yaml

# --- --all over the mix ---------------------------------------------------------------------
before=$(token_requests)
mt --all
check "--all with failures: exit 69" 69 "$rc"
check "--all: the summary line" "13 mailboxes tested: 6 ok, 7 failed" \
    "$(printf '%s\n' "$out" | tail -n 1)"
check "--all: one header per mailbox" 13 "$(printf '%s\n' "$out" | grep -c "^[^ ].*@$D (auth ")"
check_contains "--all: stderr counts" "7 of 13 mailboxes failed" "$err"
check "--all on loopback: no MC786329 warning" 0 "$(printf '%s\n' "$err" | grep -c MC786329)"
check "--all: one token request per scope" 2 $(( $(token_requests) - before ))
check "  one for SMTP, one for Graph" \
    "https://graph.microsoft.com/.default https://outlook.office365.com/.default" \
    "$(tail -n 2 "$M365_DIR/token-requests.log" |
        sed -n 's/.*"scope": *"\([^"]*\)".*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')"
mt --all --json
check "--all --json: exit 69" 69 "$rc"
check "--all --json: 13 objects, each with the documented keys" "13 True" \
    "$(jall '"%d %s" % (len(a), all(" ".join(sorted(o)) == "'"$KEYS"'" for o in a))')"
check "--all --json: the mailboxes that passed" \
    "admin@$D g1@$D m10@$D m1@$D m8@$D m9@$D" \
    "$(jall '" ".join(sorted(o["mailbox"] for o in a if o["ok"]))')"
check "--all --json: through Graph" "m10@$D m9@$D" \
    "$(jall '" ".join(sorted(o["mailbox"] for o in a if o["via_graph"]))')"
check "--all --json: a diagnosis for each failure" \
    "m2@$D:security_defaults m3@$D:smtp_auth_disabled_mailbox m4@$D:smtp_auth_disabled_tenant m5@$D:conditional_access m6@$D:basic_auth_retired m7@$D:password_wrong out@$D:app_smtp_permission" \
    "$(jall '" ".join(sorted(o["mailbox"] + ":" + str(o["diagnosis"]) for o in a if not o["ok"]))')"
check "--all --json: no warning on loopback" "plain:0 other:0" \
    "$(jall '"plain:%d other:%d" % (sum(1 for o in a if o["auth"] == "plain" and "MC786329" in (o["warning"] or "")), sum(1 for o in a if o["auth"] != "plain" and o["warning"] is not None))')"
check_not_contains "--all --json: no summary line on stdout" "tested:" "$out"

# --- a server that offers no AUTH --------------------------------------------------------------
# It would take mail unauthenticated; the test must fail, not say "ok".
smtpd_faults "$T/srv" '{"connection": {"auth": "none"}}'
mt --json "m1@$D"
check "no AUTH offered: exit 69" 69 "$rc"
check "no AUTH offered: failed at auth after password, connect, tls" \
    "false auth password connect tls" "$(jf ok) $(jf failed_step) $(jf steps)"
check "no AUTH offered: diagnosis auth_not_offered" auth_not_offered "$(jf diagnosis)"
check_contains "no AUTH offered: the reply says so" "offered no AUTH after STARTTLS" "$(jf reply.text)"
check_contains "no AUTH offered: the fix names the server" "smtp.port" "$(jf fix)"
mt --json "m8@$D"
check "no AUTH offered to xoauth2: exit 69, auth_not_offered" "69 false auth_not_offered" \
    "$rc $(jf ok) $(jf diagnosis)"
mt "m1@$D"
check_contains "human no AUTH" "  auth       FAILED: the server offered no AUTH after STARTTLS" "$out"
smtpd_faults "$T/srv" ''

# --- MC786329 is for Microsoft's servers -------------------------------------------------------
# smtp.host smtp.office365.com, with m7's password missing so that nothing
# is contacted: the warning is there before any step.
sed -i "s|^  host: .*|  host: smtp.office365.com|" config.yaml
MR_PW_M7=
mt --json "m7@$D"
MR_PW_M7=$WRONG_PW
check "Microsoft's host: the test stops at the password" "69 password" "$rc $(jf failed_step)"
check_contains "Microsoft's host: the MC786329 warning" "MC786329" "$(jf warning)"
check_contains "  and on stderr" "MC786329" "$err"
check_contains "  naming the mailbox" "m7@$D" "$err"
cp -p config.good config.yaml

# --- nothing sent, nothing secret --------------------------------------------------------------
check "smtpd stored no message" 0 "$(smtpd_count "$T/srv")"
check "Graph stored no message" 0 "$(m365d_graph_count "$M365_DIR")"
check "no sendMail request reached Graph" 0 \
    "$(cat "$M365_DIR/graph-requests.log" 2>/dev/null | wc -l | tr -d ' ')"
check "no attempt or send recorded" "0|0" \
    "$(q "select (select count(*) from attempts), (select count(*) from sends)")"
check "no mailbox marked, no last_error" "cold-ready|0" \
    "$(q "select group_concat(distinct status), sum(coalesce(last_error, '') != '') from mailboxes where status != 'admin'")"
check "but the probes did authenticate" yes \
    "$([ "$(grep -c " ok" "$T/srv/auth.log")" -gt 5 ] && echo yes)"
check "the output was collected" yes "$([ -s "$T/seen" ] && echo yes)"
check "the client secret is never printed" 0 "$(grep -c -F "$MAILROTA_CLIENT_SECRET" "$T/seen")"
check "no password is printed" 0 "$(grep -c -e 'pw-m' -e 'pw-admin' -e "$WRONG_PW" "$T/seen")"
check "no access token is printed" 0 "$(grep -c 'eyJ' "$T/seen")"

# --- Graph out of reach: the fix is about HTTPS to Graph, not port 587 --------
sed -i "s|^  base_url: .*|  base_url: https://127.0.0.1:9/v1.0|" config.yaml
mt --json "g1@$D"
check "Graph unreachable: exit 69, graph_unreachable at connect" "69 graph_unreachable connect" \
    "$rc $(jf diagnosis) $(jf failed_step)"
check_contains "Graph unreachable: the fix names graph.base_url" "graph.base_url" "$(jf fix)"

# --- a password command that never finishes is stopped ----------------------
printf 'secret_cmd_timeout_seconds: 1\n' >> config.yaml
"$MR" -q mailbox set "m1@$D" --password-cmd 'echo $$ > hung.pid; exec sleep 60' || exit 1
t0=$(date +%s)
mt --json "m1@$D"
t1=$(date +%s)
check "hung password command: exit 69 at the password step" "69 password" "$rc $(jf failed_step)"
check_contains "it says the command did not finish" "did not finish within 1 s" "$(jf reply.text) $err"
check "and returns long before the command would end" yes "$([ $((t1 - t0)) -lt 30 ] && echo yes)"
check "the command was stopped" yes "$(kill -0 "$(cat hung.pid)" 2>/dev/null || echo yes)"

done_testing
