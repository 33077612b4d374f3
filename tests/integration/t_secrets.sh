#!/bin/sh
# Passwords, client secrets and tokens never appear in clear: not in any
# command's stdout or stderr at any verbosity (-q, default, -v, -v -v), not
# in the database file or its -wal and -shm (during runs too), not in a
# sqlite3 dump, not in any child's argv, not in error messages.  Every
# credential source: --password-env (AUTH LOGIN), --password-cmd (AUTH
# PLAIN, set by `mailbox import`), --password-stdin (stored as v1:
# ciphertext), the client secret from client_secret_env and
# client_secret_cmd, and the access tokens m365d issues (xoauth2 and graph
# mailboxes).  Error paths: a wrong password, a password command that
# fails (after printing a line, or with a message on its stderr), a
# password column in a roster CSV, a wrong client secret, a failing
# client secret command.
#
# Each secret is searched for raw and in the encodings it travels in:
# base64 at every alignment (AUTH PLAIN and LOGIN send base64, XOAUTH2 a
# base64 blob holding the token), base64url, percent-encoding (the token
# request's form body) and hex; and the AUTH PLAIN blobs "\0user\0password"
# themselves.  The secrets carry a random suffix and are never put on an
# argv by this test (they reach the scanner through a file), so a
# concurrent run or the test's own commands cannot be mistaken for a leak.
#
# A password command's stderr is mailrota's stderr (secret.h, as msmtp's
# passwordeval): "gpg: decryption failed" must reach the user.  A command
# that prints its own secret there leaks it itself; mailrota must not
# repeat it in its own messages or keep it in the database.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

D=sender.example
RND=$(openssl rand -hex 6)
mkdir -p "$T/pw" "$T/seen" "$T/snap" "$T/m365" || exit 1
chmod 700 "$T/pw"
# secret NAME VALUE: $T/pw/NAME holds VALUE (no newline), mode 600.
secret() { (umask 077 && printf '%s' "$2" > "$T/pw/$1"); }
secret m1 "pw-Zq8!secret-m1-$RND"         # m1: --password-env, AUTH LOGIN
secret m2 "pw-Zq8!secret-m2-$RND"         # m2: --password-cmd, AUTH PLAIN
secret m3 "pw-Zq8!secret-m3-$RND"         # m3: --password-stdin, stored
secret wrong "pw-Zq8!wrong-m1-$RND"       # a wrong password for m1
secret cmdout "pw-Zq8!cmdfail-m2-$RND"    # printed by a failing command
secret cmderr "pw-Zq8!stderr-m2-$RND"     # printed on a command's stderr
secret csv "pw-Zq8!csvcolumn-$RND"        # in a refused password column
secret client "cs-Zq8~secret.app-$RND"    # the app's client secret
secret wrongclient "cs-Zq8~wrong.app-$RND"   # a wrong client secret
# m365d reads the client secret from here (m365d_start keeps a given one).
cp -p "$T/pw/client" "$T/m365/client.secret"

# keep.sh FILE COPY LAST: copies FILE to COPY unless the copy named in
# the file LAST holds the same bytes; when FILE only grew from that copy
# (a WAL being appended to), the older copy goes.  So the copies of the
# database files stay few while every byte ever seen is kept.
cat > "$T/keep.sh" <<'EOF'
[ -f "$1" ] || exit 0
last=$(cat "$3" 2>/dev/null)
if [ -n "$last" ] && [ -f "$last" ]; then
    n=$(wc -c < "$last")
    if cmp -s -n "$n" "$last" "$1"; then
        [ "$n" -eq "$(wc -c < "$1")" ] && exit 0
        rm -f "$last"
    fi
fi
cp "$1" "$2" && echo "$2" > "$3"
EOF

# secretcmd.sh NAME: the password command.  While it runs (mailrota is
# waiting for it) it snapshots every process's argv and the database
# files, then prints $T/pw/NAME, or fails as $T/pw/NAME.mode says.
cat > "$T/secretcmd.sh" <<EOF
#!/bin/sh
n=\$(ls "$T/snap" | wc -l)
s="$T/snap/\$n.\$\$"
mkdir "\$s" || exit 3
/usr/bin/python3 -c '
import glob, sys
with open(sys.argv[1], "wb") as out:
    for p in sorted(glob.glob("/proc/[0-9]*/cmdline")):
        try:
            with open(p, "rb") as f:
                a = f.read()
        except OSError:
            continue
        out.write(p.encode() + b": " + a.replace(b"\0", b" ") + b"\n")
' "\$s/argv" || exit 3
for f in mailrota.db mailrota.db-wal mailrota.db-shm; do
    sh "$T/keep.sh" "$T/\$f" "\$s/\$f" "$T/snap.last.\$f"
done
case \$(cat "$T/pw/\$1.mode" 2>/dev/null) in
    fail) cat "$T/pw/cmdout"; echo; exit 1 ;;
    stderr) cat "$T/pw/cmderr" >&2; echo >&2; exit 1 ;;
esac
cat "$T/pw/\$1"
echo
EOF

setup_m365
check "m365d uses the test's client secret" yes \
    "$(cmp -s "$T/pw/client" "$M365_DIR/client.secret" && echo yes)"
MAILROTA_CLIENT_SECRET=$(cat "$T/pw/client")
export MAILROTA_CLIENT_SECRET
setup_world 2 2
# The server again, with these passwords (x1 and g1 are OAuth-only).
smtpd_stop "$T/srv"
{
    printf 'm1@%s:%s\n' "$D" "$(cat "$T/pw/m1")"
    printf 'm2@%s:%s\n' "$D" "$(cat "$T/pw/m2")"
    printf 'm3@%s:%s\n' "$D" "$(cat "$T/pw/m3")"
    printf 'x1@%s:unused-%s\nadmin@%s:pw-admin\n' "$D" "$RND" "$D"
} > "$T/srv/users"
# shellcheck disable=SC2086  # SMTPD_ARGS: paths under $T, no spaces
smtpd_start "$T/srv" $SMTPD_ARGS || exit 1
sed -i "s|^  port: .*|  port: $SMTPD_PORT|" config.yaml

# mr ARGS...: run mailrota, keeping its stdout, stderr and the database
# files afterwards (when they changed) for the scan at the end.
n_cmd=0
mr() {
    run "$MR" "$@"
    n_cmd=$((n_cmd + 1))
    printf '%s\n' "$*" > "$T/seen/$n_cmd.cmd"
    printf '%s\n' "$out" > "$T/seen/$n_cmd.out"
    printf '%s\n' "$err" > "$T/seen/$n_cmd.err"
    for _f in mailrota.db mailrota.db-wal mailrota.db-shm; do
        sh "$T/keep.sh" "$_f" "$T/seen/$n_cmd.$_f" "$T/seen.last.$_f"
    done
    return 0
}
# A sqlite3 session stays connected throughout, so the -wal and -shm files
# outlive each command and the copies above see what was written to them.
mkfifo "$T/hold.fifo"
sqlite3 mailrota.db < "$T/hold.fifo" > /dev/null 2>&1 &
holder=$!
exec 3> "$T/hold.fifo"
echo 'select count(*) from mailboxes;' >&3

# --- the roster: every credential source -----------------------------------
MR_SECRET_M1=$(cat "$T/pw/m1")
export MR_SECRET_M1
mr mailbox set "m1@$D" --auth login --password-env MR_SECRET_M1
check "m1: --password-env, AUTH LOGIN" 0 "$rc"
{
    echo "email,display_name,status,daily_cap,auth,password_cmd"
    echo "m2@$D,Sender2 from Sender Co,cold-ready,,plain,sh $T/secretcmd.sh m2"
} > roster2.csv
mr mailbox import roster2.csv
check "m2: --password-cmd through mailbox import" "added 0, updated 1" "$out"
mr -v -v mailbox add "m3@$D" --name "Sender3 from Sender Co" --password-stdin < "$T/pw/m3"
check "m3: mailbox add --password-stdin" 0 "$rc"
check "m3's password is stored as v1: ciphertext" "v1:" \
    "$(q "select substr(secret, 1, 3) from mailboxes where email = 'm3@$D'")"
mr mailbox add "x1@$D" --name X1 --auth xoauth2
mr mailbox add "g1@$D" --name G1 --auth graph
check "x1 (xoauth2) and g1 (graph) added" "g1@$D|graph x1@$D|xoauth2" \
    "$(q "select email, auth from mailboxes where email in ('x1@$D', 'g1@$D') order by email" | tr '\n' ' ' | sed 's/ $//')"
check "m2's password source is the command" "sh $T/secretcmd.sh m2" \
    "$(q "select password_cmd from mailboxes where email = 'm2@$D'")"
# A password column is refused, and its cells are not echoed.
{
    echo "email,display_name,status,daily_cap,auth,password"
    printf 'm1@%s,Sender1,cold-ready,,plain,%s\n' "$D" "$(cat "$T/pw/csv")"
} > roster-pw.csv
mr mailbox import roster-pw.csv
check "a password column in a roster CSV is refused" 65 "$rc"
rm -f roster-pw.csv
for v in "" -q -v "-v -v"; do
    # shellcheck disable=SC2086  # $v: zero, one or two options
    mr $v mailbox list
    # shellcheck disable=SC2086
    mr $v mailbox list --json
done
check_contains "mailbox list shows where m2's password comes from" "command" "$out"

# --- contacts, plan, run, status at each verbosity ---------------------------
mr -q campaign add C1 --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    i=1
    while [ $i -le 80 ]; do echo "ok$i@co$i.example,P$i,Co$i"; i=$((i + 1)); done
} > contacts.csv
mr -q import contacts contacts.csv --campaign C1
day=10
# next_day: MAILROTA_NOW moves to the next day, so caps start again.
next_day() {
    day=$((day + 1))
    MAILROTA_NOW=2026-11-${day}T15:00:00Z
    export MAILROTA_NOW
}
for v in "" -q -v "-v -v"; do
    next_day
    # shellcheck disable=SC2086
    mr $v plan
    # shellcheck disable=SC2086
    mr $v plan --json
    # shellcheck disable=SC2086
    mr $v run
    check "run ${v:-(default)} sends through every mailbox" "0 10" "$rc $(q "select count(*) from sends where day = '2026-11-$day' and status = 'sent'")"
    [ "$v" = "-v -v" ] && vv_err=$err
    # shellcheck disable=SC2086
    mr $v status
    # shellcheck disable=SC2086
    mr $v status --json
    # shellcheck disable=SC2086
    mr $v mailbox test --all
    check "mailbox test --all ${v:-(default)} passes" 0 "$rc"
    # shellcheck disable=SC2086
    mr $v mailbox test --all --json
done
check_contains "the -v -v run logged each try" "outcome=sent" "$vv_err"
check_contains "and its debug lines" "debug: " "$vv_err"
check "each password mailbox sent with its own mechanism" "login|m1 plain|m2 plain|m3" \
    "$(for f in "$T"/srv/mail/*.json; do /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["auth_mech"] + "|" + d["auth_user"].split("@")[0])' "$f"; done | grep -v xoauth2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "x1 sent over XOAUTH2, g1 through Graph" "yes yes" \
    "$([ "$(grep -l '"auth_mech": "xoauth2"' "$T"/srv/mail/*.json | wc -l)" -ge 4 ] && echo yes) $([ "$(m365d_graph_count "$M365_DIR")" -ge 4 ] && echo yes)"

# tokens: the access tokens in the cache, decrypted with the key file, are
# added to the secrets (with the tenant and the scope as in oauth.c).
cat > "$T/tokens.py" <<'EOF'
import base64, sqlite3, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
key = open(sys.argv[1], "rb").read()
db = sqlite3.connect(sys.argv[2])
n = 0
for tenant, client, scope, text in db.execute(
        "select tenant_id, client_id, scope, token from oauth_tokens"):
    raw = base64.b64decode(text[3:])
    aad = ("oauth\n%s\n%s\n%s" % (tenant, client, scope)).encode()
    tok = AESGCM(key).decrypt(raw[:12], raw[12:], aad)
    aud = scope[:-len("/.default")]
    with open("%s/token.%s" % (sys.argv[3], aud.split("//")[1]), "wb") as f:
        f.write(tok)
    with open("%s/tokens" % sys.argv[3], "ab") as f:
        f.write(tok + b"\n")
    n += 1
print(n)
EOF
# grab_tokens: the tokens cached now go to $T/pw/tokens (and
# $T/pw/token.<audience host>, the latest per audience).
grab_tokens() {
    /usr/bin/python3 "$T/tokens.py" mailrota.key mailrota.db "$T/pw"
}
check "both tokens (SMTP and Graph) are cached and decrypt" 2 "$(grab_tokens)"
for aud in https://outlook.office365.com https://graph.microsoft.com; do
    check "the cached $aud token is one the servers accept" yes \
        "$(/usr/bin/python3 "$ROOT/tests/servers/mstoken.py" verify --key-file "$M365_DIR/token.key" --aud "$aud" < "$T/pw/token.${aud#https://}" > /dev/null 2>&1 && echo yes)"
done
check "m3's ciphertext decrypts to its password (key file, address as AAD)" yes \
    "$(/usr/bin/python3 -c '
import base64, sqlite3, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
t = sqlite3.connect("mailrota.db").execute(
    "select secret from mailboxes where email = ?", (sys.argv[1],)).fetchone()[0]
raw = base64.b64decode(t[3:])
pw = AESGCM(open("mailrota.key", "rb").read()).decrypt(raw[:12], raw[12:], sys.argv[1].encode())
print("yes" if pw == open(sys.argv[2], "rb").read() else "no")' "m3@$D" "$T/pw/m3" 2>&1)"

# --- error paths ---------------------------------------------------------------
# A wrong password (535), at every verbosity.
MR_SECRET_M1=$(cat "$T/pw/wrong")
for v in "" -q -v "-v -v"; do
    # shellcheck disable=SC2086
    mr $v mailbox test "m1@$D"
done
check "mailbox test with a wrong password exits 69" 69 "$rc"
check_contains "and says the password was refused" "refused the password" "$out"
next_day
mr -v -v run
check "a run with m1's password wrong still sends through the others" 0 "$rc"
check "m1 is auth-failed" auth-failed "$(q "select status from mailboxes where email = 'm1@$D'")"
MR_SECRET_M1=$(cat "$T/pw/m1")
mr -q mailbox set "m1@$D" --status cold-ready

# A password command that prints a line and exits 1.
echo fail > "$T/pw/m2.mode"
for v in "" -q -v "-v -v"; do
    # shellcheck disable=SC2086
    mr $v mailbox test "m2@$D"
done
check "mailbox test with a failing password command exits 69" 69 "$rc"
check_contains "the error gives the command's exit status" "exit" "$out$err"
next_day
mr -v -v run
check "a run with m2's command failing still sends through the others" 0 "$rc"
mr -v -v mailbox list
check_contains "m2's last_error says the command failed" "command" \
    "$(q "select last_error from mailboxes where email = 'm2@$D'")"
# ... and one that says something on its stderr.
echo stderr > "$T/pw/m2.mode"
mr -v -v mailbox test "m2@$D"
check "a command that fails with a message on stderr: exit 69" 69 "$rc"
stderr_cmd=$n_cmd
next_day
mr run
stderr_run=$n_cmd
rm -f "$T/pw/m2.mode"
mr -q mailbox set "m2@$D" --status cold-ready

# The client secret: wrong (AADSTS7000215), then from a command.
grab_tokens > /dev/null
q "delete from oauth_tokens"
MAILROTA_CLIENT_SECRET=$(cat "$T/pw/wrongclient")
for v in "" -q -v "-v -v"; do
    # shellcheck disable=SC2086
    mr $v mailbox test "x1@$D"
done
check "mailbox test with a wrong client secret exits 69" 69 "$rc"
check_contains "and gives Entra's code" "AADSTS7000215" "$out"
next_day
mr -v -v run
check_contains "a run with a wrong client secret records Entra's code" "AADSTS7000215" \
    "$(q "select last_error from mailboxes where email = 'x1@$D'")"
MAILROTA_CLIENT_SECRET=
mr -q mailbox set "x1@$D" --status cold-ready
mr -q mailbox set "g1@$D" --status cold-ready
sed -i "s|^  client_secret_env: .*|  client_secret_cmd: \"sh $T/secretcmd.sh client\"|" config.yaml
for v in "" -q -v "-v -v"; do
    q "delete from oauth_tokens"
    # shellcheck disable=SC2086
    mr $v mailbox test "x1@$D"
    check "client_secret_cmd: mailbox test ${v:-(default)} passes" 0 "$rc"
done
mr mailbox test "g1@$D"
check "client_secret_cmd: for graph too" 0 "$rc"
next_day
q "delete from oauth_tokens"
before=$(token_requests)
mr -v -v run
check "client_secret_cmd: a run sends through x1 and g1 too" "0 10" "$rc $(q "select count(*) from sends where day = '2026-11-$day' and status = 'sent'")"
check "with new tokens" yes "$([ "$(token_requests)" -gt "$before" ] && echo yes)"
grab_tokens > /dev/null
echo fail > "$T/pw/client.mode"
q "delete from oauth_tokens"
mr -v -v mailbox test "x1@$D"
check "a failing client_secret_cmd: exit 69" 69 "$rc"
check_contains "it names client_secret_cmd" "client_secret_cmd" "$out$err"
rm -f "$T/pw/client.mode"
mr -v -v init
mr -v -v migrate

exec 3>&-
wait "$holder"
check "password commands ran and were snapshotted" yes \
    "$([ "$(ls "$T/snap" | wc -l)" -ge 10 ] && echo yes)"
check "the argv snapshots caught mailrota and its child" yes \
    "$(grep -q -E '/mailrota( -v)* run ?$' "$T"/snap/*/argv && grep -q 'secretcmd.sh m2' "$T"/snap/*/argv && echo yes)"
check "the snapshots caught the database mid-run, with its WAL" yes \
    "$(ls "$T"/snap/*/mailrota.db-wal > /dev/null 2>&1 && echo yes)"

# --- the scan -------------------------------------------------------------------
sqlite3 mailrota.db .dump > "$T/seen/dump.sql"
check "the dump has every table" yes \
    "$(for t in $(q "select name from sqlite_master where type = 'table'"); do grep -q "CREATE TABLE.*$t" "$T/seen/dump.sql" || echo "no $t"; done | grep -q . || echo yes)"
for t in $(q "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'"); do
    sqlite3 -header mailrota.db "select * from \"$t\"" > "$T/seen/table.$t"
done

# Needles: each secret and each AUTH PLAIN blob ("\0user\0password"), and
# the header every token m365d issues starts with.  Tab-separated
# label and hex.
: > "$T/needles"
for f in "$T"/pw/*; do
    case $f in *.mode|*/token.*) continue ;; esac
    /usr/bin/python3 - "$f" >> "$T/needles" <<'EOF'
import os, sys
name = os.path.basename(sys.argv[1])
for i, line in enumerate(open(sys.argv[1], "rb").read().split(b"\n")):
    if line:
        print("%s%s\t%s" % (name, "" if name != "tokens" else "#%d" % i, line.hex()))
EOF
done
for m in m2 m3; do
    /usr/bin/python3 -c 'import sys; print("plain-blob-%s\t%s" % (sys.argv[1], (b"\0" + sys.argv[2].encode() + b"\0" + open(sys.argv[3], "rb").read()).hex()))' \
        "$m" "$m@$D" "$T/pw/$m" >> "$T/needles"
done
printf 'jwt-header\t%s\n' "$(printf '%s' 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' | od -An -tx1 | tr -d ' \n')" >> "$T/needles"

cat > "$T/scan.py" <<'EOF'
# scan.py NEEDLES [-x LABEL]... PATH...: every needle, raw and encoded,
# in every regular file under PATH; prints "label (encoding) in file" per
# hit.  The search itself is grep -F (many fixed strings at once).
import base64, os, stat, subprocess, sys, tempfile, urllib.parse
args = sys.argv[1:]
needles, skip, paths = [], set(), []
with open(args.pop(0)) as f:
    for line in f:
        label, hx = line.rstrip("\n").split("\t")
        needles.append((label, bytes.fromhex(hx)))
while args:
    a = args.pop(0)
    if a == "-x":
        skip.add(args.pop(0))
    else:
        paths.append(a)

def b64_forms(v, enc):
    # The characters that encode v alone, whatever precedes it.
    for k in range(3):
        e = enc(b"\0" * k + v)
        yield e[(8 * k + 5) // 6:(8 * (k + len(v))) // 6]

forms = {}
for label, v in needles:
    if label in skip:
        continue
    fs = {"raw": v, "hex": v.hex().encode(), "HEX": v.hex().upper().encode()}
    for i, e in enumerate(b64_forms(v, base64.b64encode)):
        fs["base64/%d" % i] = e
    for i, e in enumerate(b64_forms(v, base64.urlsafe_b64encode)):
        fs["base64url/%d" % i] = e
    fs["percent"] = urllib.parse.quote(v, safe="").encode()
    fs["form"] = urllib.parse.quote_plus(v).encode()
    for name, e in fs.items():
        # grep -F takes text lines: a raw blob with NUL bytes is covered
        # by its password's own needle.
        if b"\0" not in e and b"\n" not in e and len(e) >= 8:
            forms.setdefault(e, []).append("%s (%s)" % (label, name))
files = []
for p in paths:
    for d, _, names in (os.walk(p) if os.path.isdir(p) else
                        [(os.path.dirname(p), None, [os.path.basename(p)])]):
        for n in names:
            fn = os.path.join(d, n)
            try:
                if stat.S_ISREG(os.lstat(fn).st_mode):
                    files.append(fn)
            except OSError:
                pass
hits = set()
with tempfile.NamedTemporaryFile(dir=os.path.dirname(
        os.path.abspath(sys.argv[1]))) as pat:
    pat.write(b"\n".join(forms) + b"\n")
    pat.flush()
    for i in range(0, len(files), 200):
        r = subprocess.run(["grep", "-a", "-o", "-H", "-F", "-f", pat.name,
                            "--"] + files[i:i + 200], stdout=subprocess.PIPE)
        for line in r.stdout.split(b"\n"):
            fn, _, m = line.rpartition(b":")
            for what in forms.get(m, []):
                hits.add("%s in %s" % (what, fn.decode()))
for h in sorted(hits):
    print(h)
print("scanned %d files for %d forms of %d secrets, %d hits" %
      (len(files), len(forms), len(needles) - len(skip), len(hits)),
      file=sys.stderr)
EOF
# scan [-x LABEL]... PATH...: the hits, one per line.
scan() { /usr/bin/python3 "$T/scan.py" "$T/needles" "$@" 2> "$T/scan.err"; }

# The scanner itself finds each encoding: a control file holds some.
mkdir "$T/control"
/usr/bin/python3 - "$T/needles" "$T/control/c" <<'EOF'
import base64, sys, urllib.parse
n = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1]))
v = lambda k: bytes.fromhex(n[k])
with open(sys.argv[2], "wb") as f:
    f.write(b"AUTH PLAIN " + base64.b64encode(v("plain-blob-m2")) + b"\r\n")
    f.write(base64.b64encode(b"xy" + v("m1")) + b"\n")                # LOGIN-ish, shifted
    f.write(b"client_secret=" + urllib.parse.quote(v("client"), safe="").encode() + b"&\n")
    f.write(base64.b64encode(b"user=x1\x01auth=Bearer " + v("tokens#0") + b"\x01\x01") + b"\n")
    f.write(b"v1:" + v("m3").hex().encode() + b"\n")
    f.write(b"Authorization: Bearer " + v("jwt-header") + b"eyJmYWtlIjp0cnVlfQ.c2ln\n")
EOF
check "control: the scanner finds a base64 AUTH PLAIN blob, a shifted base64 password, a percent-encoded client secret, an XOAUTH2 blob, hex, a token's header" \
    "client (percent) jwt-header (raw) m1 (base64/2) m3 (hex) plain-blob-m2 (base64/0) tokens#0 (base64/2)" \
    "$(scan "$T/control" | sed 's/ in .*//' | grep -E '^(client \(percent|jwt-header \(raw|m1 \(base64/2|m3 \(hex|plain-blob-m2 \(base64/0|tokens#0 \(base64/2)' | sort -u | tr '\n' ' ' | sed 's/ $//')"

check "no secret in any command's stdout or stderr ($n_cmd commands)" "" \
    "$(scan -x cmderr "$T"/seen/*.out "$T"/seen/*.err | head -n 20)"
check "no secret in the database, -wal or -shm, after any command" "" \
    "$(scan "$T"/seen/*.mailrota.db* mailrota.db mailrota.db-wal mailrota.db-shm | head -n 20)"
check "no secret in the database files while a run waited for a password command" "" \
    "$(scan "$T"/snap/*/mailrota.db* | head -n 20)"
check "no secret in the sqlite3 dump or any table or view" "" \
    "$(scan "$T/seen/dump.sql" "$T"/seen/table.* | head -n 20)"
check "no secret in any process's argv while mailrota ran" "" \
    "$(scan "$T"/snap/*/argv | head -n 20)"
check "no secret in any other file mailrota or the servers wrote" "" \
    "$(scan "$T" -x cmderr 2>/dev/null | grep -v -e " in $T/pw/" -e " in $T/control/" \
        -e " in $T/seen/" -e " in $T/snap/" -e " in $T/needles\$" \
        -e " in $T/m365/client.secret\$" -e " in $T/srv/users\$" \
        -e " in $T/roster-pw.csv\$" | head -n 20)"

# The command's stderr: passed through as it was, never repeated by
# mailrota or kept.
check_contains "a password command's stderr reaches the user (mailbox test)" \
    "$(cat "$T/pw/cmderr")" "$(cat "$T/seen/$stderr_cmd.err")"
check_contains "... and at a run" "$(cat "$T/pw/cmderr")" "$(cat "$T/seen/$stderr_run.err")"
check "mailrota's own messages never repeat it" "" \
    "$(grep -h '^mailrota' "$T"/seen/*.err "$T"/seen/*.out | grep -F -f "$T/pw/cmderr")"
check "nor does any stdout" "" "$(grep -l -F -f "$T/pw/cmderr" "$T"/seen/*.out)"
check "it is not in the database" "" \
    "$(scan "$T"/seen/*.mailrota.db* "$T/seen/dump.sql" "$T"/snap/*/mailrota.db* | grep '^cmderr ')"

done_testing
