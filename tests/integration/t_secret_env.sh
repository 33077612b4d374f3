#!/bin/sh
# SPEC: "--password-cmd and client_secret_cmd children get an environment
# without the other secret variables mailrota knows of, stdin from
# /dev/null, and a timeout."  The variables mailrota knows of are every
# mailbox's password_env, oauth.client_secret_env and its default
# MAILROTA_CLIENT_SECRET.  Each command here writes its environment and
# where its stdin comes from to a file, for `mailbox test`, `run` and the
# client secret; what else the child needs (PATH, HOME, other variables)
# is still there.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

D=sender.example
setup_m365
setup_world 5 3
export MR_KEEP=not-a-secret
# cmd_script NAME SECRET-FILE: $T/NAME.sh records its environment in
# $T/NAME.env and its stdin in $T/NAME.stdin, then prints the secret.
cmd_script() {
    cat > "$T/$1.sh" <<EOF
env > "$T/$1.env"
readlink /proc/self/fd/0 > "$T/$1.stdin"
cat "$2"
echo
EOF
}
printf 'pw-m1' > "$T/m1.pw"
printf '%s' "$MAILROTA_CLIENT_SECRET" > "$T/client.pw"
cmd_script pw "$T/m1.pw"
cmd_script client "$T/client.pw"
"$MR" -q mailbox set "m1@$D" --password-cmd "sh $T/pw.sh" || exit 1
unset MR_PW_M1   # no longer m1's source: an ordinary variable now

# check_scrubbed WHAT FILE VAR...: FILE has none of VAR..., but PATH, HOME
# and MR_KEEP.
check_scrubbed() {
    _what=$1 _f=$2
    shift 2
    check "$_what: the command ran" yes "$([ -s "$_f" ] && echo yes)"
    for _v in "$@"; do
        # a count, so that a failure does not print the secret
        check "$_what: no $_v" 0 "$(grep -c "^$_v=" "$_f" 2>/dev/null)"
    done
    for _v in PATH HOME MR_KEEP; do
        check "$_what: keeps $_v" 1 "$(grep -c "^$_v=" "$_f" 2>/dev/null)"
    done
    rm -f "$_f"
}
ALL="MR_PW_M2 MR_PW_M3 MR_PW_ADMIN MAILROTA_CLIENT_SECRET"

run "$MR" mailbox test "m1@$D"
check "mailbox test with the password command passes" 0 "$rc"
check_scrubbed "password_cmd (mailbox test)" "$T/pw.env" $ALL
check "password_cmd: stdin is /dev/null" /dev/null "$(cat "$T/pw.stdin")"

# A run: only m1 may send.
"$MR" -q mailbox set "m2@$D" --status paused
"$MR" -q mailbox set "m3@$D" --status paused
printf 'email,first_name,company\nok1@one.example,Ann,One\n' > c.csv
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
"$MR" -q import contacts c.csv --campaign C1
run env MAILROTA_NOW=2026-12-02T15:00:00Z "$MR" run
check "the run sends through m1" \
    "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check_scrubbed "password_cmd (run)" "$T/pw.env" $ALL
check "password_cmd (run): stdin is /dev/null" /dev/null \
    "$(cat "$T/pw.stdin")"

# The client secret under another name: that name is scrubbed too, and
# MAILROTA_CLIENT_SECRET still is.
sed -i "s|^  client_secret_env: .*|  client_secret_env: MR_TENANT_SECRET|" \
    config.yaml
export MR_TENANT_SECRET="$MAILROTA_CLIENT_SECRET"
run "$MR" mailbox test "m1@$D"
check_scrubbed "password_cmd, client_secret_env renamed" "$T/pw.env" \
    $ALL MR_TENANT_SECRET

# client_secret_cmd: none of the passwords either.
sed -i "s|^  client_secret_env: .*|  client_secret_cmd: \"sh $T/client.sh\"|" \
    config.yaml
"$MR" -q mailbox set "m3@$D" --auth xoauth2 --status cold-ready
q "delete from oauth_tokens"
run "$MR" mailbox test "m3@$D"
check "mailbox test with client_secret_cmd passes" 0 "$rc"
check_scrubbed "client_secret_cmd" "$T/client.env" \
    MR_PW_M2 MR_PW_ADMIN MAILROTA_CLIENT_SECRET
check "client_secret_cmd: stdin is /dev/null" /dev/null \
    "$(cat "$T/client.stdin")"

done_testing
