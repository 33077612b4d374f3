# Sourced by tests/integration/t_*.sh (after lib.sh): a private Dovecot 2.3
# IMAP server on loopback, everything under one directory.  POSIX sh.
#
#   imapd_user DIR NAME PASSWORD   adds a passwd-file user (before or after
#                                  imapd_start: Dovecot reads the file anew)
#   imapd_oauth DIR KEY MAILBOX... also accept AUTHENTICATE XOAUTH2 and
#                                  OAUTHBEARER with a token signed by KEY
#                                  (m365d.py's token.key), audience Outlook,
#                                  role $IMAPD_OAUTH_ROLE (IMAP.AccessAsApp),
#                                  for the MAILBOXes listed (the app's
#                                  FullAccess); before imapd_start
#   imapd_start DIR                starts `dovecot -F -c DIR/dovecot.conf`
#                                  in the background: IMAP with STARTTLS on
#                                  IMAPD_PORT, IMAPS on IMAPD_TLS_PORT, both
#                                  on IMAPD_HOST (127.0.0.2, see below) and
#                                  chosen free; a certificate made now for
#                                  127.0.0.1, 127.0.0.2 and localhost
#                                  (DIR/ca.pem is the CA to trust); exports
#                                  IMAPD_HOST, IMAPD_PORT, IMAPD_TLS_PORT,
#                                  IMAPD_PID
#   imapd_stop DIR                 SIGTERM to the master, 5 s, SIGKILL; then
#                                  waits for every process it had started;
#                                  idempotent and trap-safe
#   imapd_save DIR NAME FILE       puts FILE (an .eml) into NAME's INBOX
#                                  (doveadm save); prints nothing
#   imapd_flags DIR NAME           prints "UID FLAGS" per message of NAME's
#                                  INBOX, oldest first (doveadm fetch;
#                                  \Recent left out: it is per session)
#   imapd_uidvalidity DIR NAME     prints INBOX's UIDVALIDITY
#
# LOGIN and AUTHENTICATE PLAIN need TLS (ssl = required).  Dovecot takes
# a connection whose two ends have the same IP for secure, so on
# 127.0.0.1 it would allow LOGIN without TLS: it listens on 127.0.0.2
# instead (a client there connects from 127.0.0.1), and on 127.0.0.1 with
# IMAPD_PLAIN_SECURED=1 only where 127.0.0.2 cannot be bound.  Mail is
# Maildir under DIR/mail/NAME.  As root the mail belongs to nobody and
# the login processes run as dovenull (Dovecot refuses UID 0 for mail),
# so imapd_start makes DIR and its parent traversable (mode 711).  Not
# installed (dovecot-imapd): imapd_start prints a reason and exits 77.
# Variables of these functions start with _id_ so they cannot clobber a
# test's.

IMAPD_PYTHON=${IMAPD_PYTHON:-/usr/bin/python3}
IMAPD_DOVECOT=${IMAPD_DOVECOT:-/usr/sbin/dovecot}
IMAPD_DOVEADM=${IMAPD_DOVEADM:-/usr/bin/doveadm}
IMAPD_OAUTH_ROLE=${IMAPD_OAUTH_ROLE:-IMAP.AccessAsApp}
IMAPD_OAUTH_PY=${IMAPD_OAUTH_PY:-${ROOT:-$(pwd)}/tests/servers/imapd_oauth.py}

# The CA and server certificate come from lib-smtpd.sh (one home).
command -v smtpd_cert >/dev/null 2>&1 ||
    . "${ROOT:-$(pwd)}/tests/servers/lib-smtpd.sh"

imapd_user() {
    mkdir -p "$1" || return 1
    case $2$3 in
        *:* | *'
'*) echo "imapd_user: no ':' or newline in a name or password" >&2
            return 1 ;;
    esac
    (umask 077 && printf '%s:{PLAIN}%s::::::\n' "$2" "$3" >>"$1/users")
}

imapd_oauth() {
    _id_d=$1 _id_key=$2
    shift 2
    mkdir -p "$_id_d" || return 1
    (umask 077 && cp "$_id_key" "$_id_d/oauth.key") || return 1
    : >"$_id_d/oauth-mailboxes"
    for _id_m in "$@"; do
        printf '%s\n' "$_id_m" >>"$_id_d/oauth-mailboxes"
    done
}

# _id_passdbs DIR: the passdb blocks (XOAUTH2 first when imapd_oauth ran).
_id_passdbs() {
    if [ -f "$1/oauth.key" ]; then
        cat <<EOF
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = checkpassword
  mechanisms = xoauth2 oauthbearer
  args = $IMAPD_PYTHON $IMAPD_OAUTH_PY $1/oauth.key $1/oauth-mailboxes $IMAPD_OAUTH_ROLE
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $1/users
}
EOF
    else
        cat <<EOF
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $1/users
}
EOF
    fi
}

# _id_free_ports HOST: two free TCP ports on HOST, space-separated.
_id_free_ports() {
    "$IMAPD_PYTHON" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind((sys.argv[1], 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# _id_host: 127.0.0.2 when it can be bound, else 127.0.0.1.
_id_host() {
    if "$IMAPD_PYTHON" -c \
            'import socket; socket.socket().bind(("127.0.0.2", 0))' \
            2>/dev/null; then
        echo 127.0.0.2
    else
        echo 127.0.0.1
    fi
}

# _id_cert DIR: the CA (lib-smtpd.sh's) and a server certificate that
# names 127.0.0.2 as well.
_id_cert() {
    smtpd_cert "$1" || return 1
    sed 's/^subjectAltName = .*/subjectAltName = IP:127.0.0.1, IP:127.0.0.2, DNS:localhost/' \
        "$1/cert.cnf" >"$1/imapd.cnf" || return 1
    _sd_issue "$1" server 127.0.0.2 imapd.cnf
}

# _id_conf DIR PORT TLS_PORT HOST: writes DIR/dovecot.conf.
_id_conf() {
    if [ "$(id -u)" = 0 ]; then
        _id_uid=$(id -u nobody) _id_gid=$(id -g nobody)
        _id_login=dovenull _id_internal=dovecot
    else
        _id_uid=$(id -u) _id_gid=$(id -g)
        _id_login=$(id -un) _id_internal=$(id -un)
    fi
    cat >"$1/dovecot.conf" <<EOF
# private test instance (tests/servers/lib-imapd.sh)
base_dir = $1/run
state_dir = $1/state
instance_name = mailrota-imapd-$2
log_path = $1/dovecot.log
info_log_path = $1/dovecot.log
protocols = imap
listen = $4
ssl = required
ssl_cert = <$1/server.pem
ssl_key = <$1/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_failure_delay = 0
default_login_user = $_id_login
default_internal_user = $_id_internal
first_valid_uid = $_id_uid
last_valid_uid = $_id_uid
mail_location = maildir:$1/mail/%u
$(_id_passdbs "$1")
userdb {
  driver = static
  args = uid=$_id_uid gid=$_id_gid home=$1/mail/%u allow_all_users=yes
}
service imap-login {
  chroot =
  inet_listener imap {
    address = $4
    port = $2
  }
  inet_listener imaps {
    address = $4
    port = $3
    ssl = yes
  }
}
service anvil {
  chroot =
}
EOF
    mkdir -p "$1/run" "$1/state" "$1/mail" || return 1
    [ -f "$1/users" ] || : >"$1/users"
    if [ "$(id -u)" = 0 ]; then
        chmod 711 "$1" "$(dirname "$1")"
        chown "$_id_uid:$_id_gid" "$1/mail"
        chown "root:$_id_internal" "$1/users"
        chmod 640 "$1/users"
        for _id_f in "$1/oauth.key" "$1/oauth-mailboxes"; do
            [ -f "$_id_f" ] || continue
            chown "root:$_id_internal" "$_id_f" && chmod 640 "$_id_f"
        done
    fi
}

# _id_listening HOST PORT: a TCP connect to HOST:PORT succeeds.
_id_listening() {
    "$IMAPD_PYTHON" -c 'import socket,sys
s = socket.socket(); s.settimeout(0.5)
sys.exit(s.connect_ex((sys.argv[1], int(sys.argv[2]))))' "$1" "$2" 2>/dev/null
}

imapd_start() {
    _id_d=$1
    if [ ! -x "$IMAPD_DOVECOT" ] || [ ! -x "$IMAPD_DOVEADM" ]; then
        echo "skip: no Dovecot ($IMAPD_DOVECOT; apt-get install" \
             "dovecot-imapd, or make deps)"
        exit 77
    fi
    mkdir -p "$_id_d" || return 1
    if [ ! -f "$_id_d/server.pem" ] || [ ! -f "$_id_d/imapd.cnf" ]; then
        _id_cert "$_id_d" || return 1
    fi
    _id_h=$(_id_host)
    IMAPD_PLAIN_SECURED=0
    [ "$_id_h" = 127.0.0.1 ] && IMAPD_PLAIN_SECURED=1
    export IMAPD_PLAIN_SECURED
    for _id_try in 1 2 3; do
        # shellcheck disable=SC2046
        set -- $(_id_free_ports "$_id_h")
        _id_conf "$_id_d" "$1" "$2" "$_id_h" || return 1
        "$IMAPD_DOVECOT" -F -c "$_id_d/dovecot.conf" </dev/null \
            >>"$_id_d/dovecot.out" 2>&1 &
        _id_pid=$!
        echo "$_id_pid" >"$_id_d/pid"
        _id_i=0
        while [ $_id_i -lt 100 ] && _smtpd_alive "$_id_pid"; do
            if _id_listening "$_id_h" "$1" &&
               _id_listening "$_id_h" "$2"; then
                IMAPD_HOST=$_id_h IMAPD_PORT=$1 IMAPD_TLS_PORT=$2
                IMAPD_PID=$_id_pid
                export IMAPD_HOST IMAPD_PORT IMAPD_TLS_PORT IMAPD_PID
                echo "$1" >"$_id_d/port"
                return 0
            fi
            sleep 0.05
            _id_i=$((_id_i + 1))
        done
        imapd_stop "$_id_d"
        # a port taken between the choice and the bind: try others
        grep -q 'Address already in use' "$_id_d/dovecot.out" \
            "$_id_d/dovecot.log" 2>/dev/null || break
    done
    echo "imapd_start: Dovecot in $_id_d did not come up:" >&2
    cat "$_id_d/dovecot.out" "$_id_d/dovecot.log" 2>/dev/null |
        sed 's/^/    /' >&2
    return 1
}

# _id_children PID: the processes whose parent is PID.
_id_children() {
    for _id_s in /proc/[0-9]*/stat; do
        _id_pp=$(sed 's/^.*) . \([0-9]*\) .*$/\1/' "$_id_s" 2>/dev/null)
        [ "$_id_pp" = "$1" ] || continue
        _id_c=${_id_s#/proc/}
        echo "${_id_c%/stat}"
    done
}

imapd_stop() {
    _id_kids=
    if [ -f "$1/pid" ]; then
        _id_master=$(cat "$1/pid" 2>/dev/null)
        case $_id_master in
            '' | *[!0-9]*) ;;
            *) _id_kids=$(_id_children "$_id_master") ;;
        esac
    fi
    _srv_stop imapd "$1"
    # The master stops its children; wait for them (they are ours).
    for _id_k in $_id_kids; do
        _id_i=0
        while _smtpd_alive "$_id_k" && [ $_id_i -lt 50 ]; do
            sleep 0.1
            _id_i=$((_id_i + 1))
        done
        _smtpd_alive "$_id_k" && kill -KILL "$_id_k" 2>/dev/null
    done
    return 0
}

imapd_save() {
    "$IMAPD_DOVEADM" -c "$1/dovecot.conf" save -u "$2" -m INBOX <"$3"
}

imapd_flags() {
    "$IMAPD_DOVEADM" -c "$1/dovecot.conf" fetch -u "$2" 'uid flags' \
        mailbox INBOX all |
        awk '/^uid: / { uid = $2 }
             /^flags:/ { f = ""
                         for (i = 2; i <= NF; i++)
                             if ($i != "\\Recent") f = f (f ? " " : "") $i
                         print uid, f }'
}

imapd_uidvalidity() {
    "$IMAPD_DOVEADM" -c "$1/dovecot.conf" mailbox status -u "$2" \
        uidvalidity INBOX | sed -n 's/.*uidvalidity=\([0-9]*\).*/\1/p'
}
