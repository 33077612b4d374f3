# Sourced by tests/integration/t_*.sh (after lib.sh): a private Postfix
# 3.7 instance on loopback, everything under one directory.  POSIX sh.
#
#   postfix_user DIR EMAIL PASSWORD  adds a SASL user (Cyrus sasldb
#                                  DIR/sasldb2) for AUTH PLAIN/LOGIN
#   postfix_mailbox DIR EMAIL MAILDIR  Postfix delivers mail for EMAIL into
#                                  MAILDIR (absolute path; made if missing),
#                                  e.g. a lib-imapd.sh user's Maildir, so
#                                  Dovecot serves what Postfix delivered;
#                                  EMAIL's domain becomes a virtual domain
#   postfix_domain DIR DOMAIN      DOMAIN becomes a virtual domain: its
#                                  addresses without a postfix_mailbox
#                                  are bounced by Postfix (see below)
#   postfix_defer DIR DOMAIN       mail to DOMAIN is deferred (4.4.1, the
#                                  retry transport) and Postfix sends the
#                                  sender a delay warning after 1 s
#   postfix_start DIR              writes DIR/etc/{main,master}.cf and starts
#                                  `postfix -c DIR/etc start`: submission
#                                  with STARTTLS required, then AUTH, on
#                                  127.0.0.1:POSTFIX_PORT (chosen free);
#                                  exports POSTFIX_PORT; DIR/ca.pem is the
#                                  CA to trust (lib-smtpd.sh's smtpd_cert)
#   postfix_stop DIR               `postfix stop`, waits for the master
#                                  (5 s, then SIGKILL); idempotent and
#                                  trap-safe
#   postfix_wait DIR MAILDIR N [S] waits up to S seconds (default 30) until
#                                  MAILDIR/new holds at least N messages;
#                                  non-zero (and the log tail) if not
#
# Every recipient in a virtual domain that has no postfix_mailbox is
# accepted at RCPT (smtpd_reject_unlisted_recipient = no) and then
# bounced by Postfix's virtual delivery agent (5.1.1 unknown user): Postfix
# itself writes the RFC 3464 DSN (multipart/report, message/delivery-status)
# and delivers it to the envelope sender's Maildir.  Recipients in other
# domains are refused at RCPT.  Only AUTHenticated clients may send.
#
# Files: DIR/etc (config_directory, with sasl/smtpd.conf: Debian's
# Postfix reads it there), DIR/queue, DIR/data, DIR/maillog (no syslog),
# DIR/sasldb2, DIR/vmailbox, DIR/vdomains and DIR/transport (texthash,
# no postmap).
# Postfix's master must start as root: without root or without Postfix
# postfix_start prints a reason and exits 77 (skip).  The mail is written
# as nobody (as lib-imapd.sh's Dovecot wants it when root).  Variables of
# these functions start with _pf_.

POSTFIX_SBIN=${POSTFIX_SBIN:-/usr/sbin}
POSTFIX_PYTHON=${POSTFIX_PYTHON:-/usr/bin/python3}

command -v smtpd_cert >/dev/null 2>&1 ||
    . "${ROOT:-$(pwd)}/tests/servers/lib-smtpd.sh"

postfix_user() {
    mkdir -p "$1" || return 1
    printf '%s' "$3" |
        "$POSTFIX_SBIN/saslpasswd2" -f "$1/sasldb2" -p -c \
            -u "${2#*@}" "${2%@*}"
}

postfix_domain() {
    mkdir -p "$1" || return 1
    grep -qx "$2 ok" "$1/vdomains" 2>/dev/null ||
        printf '%s ok\n' "$2" >>"$1/vdomains"
}

postfix_defer() {
    mkdir -p "$1" || return 1
    printf '%s retry:4.4.1 test: %s is down for now\n' "$2" "$2" \
        >>"$1/transport"
}

postfix_mailbox() {
    mkdir -p "$1" "$3/new" "$3/cur" "$3/tmp" || return 1
    [ "$(id -u)" = 0 ] && chown -R nobody: "$3"
    # virtual_mailbox_base is /: the map holds the path without it.
    _pf_rel=${3#/}
    printf '%s %s/\n' "$2" "${_pf_rel%/}" >>"$1/vmailbox"
    postfix_domain "$1" "${2#*@}"
}

# _pf_master_cf DIR PORT: the services this instance needs, none chrooted.
_pf_master_cf() {
    cat >"$1/etc/master.cf" <<EOF
# private test instance (tests/servers/lib-postfix.sh)
127.0.0.1:$2 inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# _pf_main_cf DIR: main.cf.  A '#' is a comment only at a line's start.
_pf_main_cf() {
    cat >"$1/etc/main.cf" <<EOF
# private test instance (tests/servers/lib-postfix.sh)
compatibility_level = 3.6
config_directory = $1/etc
queue_directory = $1/queue
data_directory = $1/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $1/maillog
maillog_file_prefixes = $1
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
mydestination =
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
disable_dns_lookups = yes
smtp_dns_support_level = disabled
relayhost =
biff = no
alias_maps =
alias_database =
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
message_size_limit = 10240000
virtual_mailbox_limit = 0
transport_maps = texthash:$1/transport
relay_domains = texthash:$1/transport
delay_warning_time = 1s
virtual_mailbox_domains = texthash:$1/vdomains
virtual_mailbox_maps = texthash:$1/vmailbox
virtual_mailbox_base = /
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
virtual_minimum_uid = 1
smtpd_reject_unlisted_recipient = no
smtpd_banner = \$myhostname ESMTP
smtpd_tls_security_level = encrypt
smtpd_tls_cert_file = $1/server.pem
smtpd_tls_key_file = $1/server.key
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = reject_unauth_destination
EOF
    mkdir -p "$1/etc/sasl" || return 1
    # Debian's Postfix reads this file (cyrus_sasl_config_path is ignored).
    cat >"$1/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $1/sasldb2
EOF
}

# _pf_free_port: a free TCP port on 127.0.0.1.
_pf_free_port() {
    "$POSTFIX_PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _pf_listening PORT: a TCP connect to 127.0.0.1:PORT succeeds.
_pf_listening() {
    "$POSTFIX_PYTHON" -c 'import socket,sys
s = socket.socket(); s.settimeout(0.5)
sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$1" 2>/dev/null
}

# _pf_can_run: exits 77 with a reason when Postfix cannot run here.
_pf_can_run() {
    if [ ! -x "$POSTFIX_SBIN/postfix" ] || [ ! -x "$POSTFIX_SBIN/saslpasswd2" ]; then
        echo "skip: no Postfix or saslpasswd2 in $POSTFIX_SBIN (apt-get" \
             "install postfix sasl2-bin libsasl2-modules, or make deps)"
        exit 77
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "skip: Postfix's master must be started as root"
        exit 77
    fi
}

# _pf_files DIR: the certificate, maps and permissions Postfix checks.
_pf_files() {
    [ -f "$1/server.pem" ] || smtpd_cert "$1" || return 1
    for _pf_f in vmailbox vdomains transport; do
        [ -f "$1/$_pf_f" ] || : >"$1/$_pf_f"
    done
    [ -f "$1/sasldb2" ] || : >"$1/sasldb2"
    # smtpd runs as postfix: it reads the sasldb and reaches the queue.
    chown root:postfix "$1/sasldb2" && chmod 640 "$1/sasldb2"
    chown postfix "$1/data" && chmod 711 "$1" "$(dirname "$1")"
}

postfix_start() {
    _pf_d=$1
    _pf_can_run
    mkdir -p "$_pf_d/etc" "$_pf_d/queue" "$_pf_d/data" || return 1
    _pf_files "$_pf_d" || return 1
    for _pf_try in 1 2 3; do
        _pf_try_start "$_pf_d" && return 0
        # a port taken between the choice and the bind: try another
        grep -q 'Address already in use' "$_pf_d/maillog" 2>/dev/null ||
            break
        : >"$_pf_d/maillog"
    done
    echo "postfix_start: Postfix in $_pf_d did not come up:" >&2
    sed 's/^/    /' "$_pf_d/postfix.out" "$_pf_d/maillog" 2>/dev/null >&2
    return 1
}

# _pf_try_start DIR: config on a free port, start, wait up to 5 s for it.
_pf_try_start() {
    _pf_port=$(_pf_free_port) || return 1
    _pf_main_cf "$1" && _pf_master_cf "$1" "$_pf_port" || return 1
    "$POSTFIX_SBIN/postfix" -c "$1/etc" start >>"$1/postfix.out" 2>&1 ||
        return 1
    _pf_i=0
    while [ $_pf_i -lt 100 ]; do
        if _pf_listening "$_pf_port"; then
            POSTFIX_PORT=$_pf_port
            export POSTFIX_PORT
            echo "$_pf_port" >"$1/port"
            return 0
        fi
        sleep 0.05
        _pf_i=$((_pf_i + 1))
    done
    postfix_stop "$1"
    return 1
}

# _pf_master_pid DIR: the running master's PID, or nothing.
_pf_master_pid() {
    _pf_p=$(sed -n 's/^ *\([0-9][0-9]*\).*/\1/p' \
        "$1/queue/pid/master.pid" 2>/dev/null)
    [ -n "$_pf_p" ] && _smtpd_alive "$_pf_p" && echo "$_pf_p"
}

postfix_stop() {
    _pf_m=$(_pf_master_pid "$1")
    [ -n "$_pf_m" ] || return 0
    "$POSTFIX_SBIN/postfix" -c "$1/etc" stop >>"$1/postfix.out" 2>&1
    _pf_i=0
    while _smtpd_alive "$_pf_m" && [ $_pf_i -lt 50 ]; do
        sleep 0.1
        _pf_i=$((_pf_i + 1))
    done
    if _smtpd_alive "$_pf_m"; then
        echo "postfix_stop: master $_pf_m still running, killing" >&2
        kill -KILL "$_pf_m" 2>/dev/null
    fi
    return 0
}

postfix_wait() {
    _pf_s=${4:-30}
    _pf_i=0
    while [ $_pf_i -lt $((_pf_s * 10)) ]; do
        _pf_n=$(find "$2/new" -type f 2>/dev/null | wc -l)
        [ "$_pf_n" -ge "$3" ] && return 0
        sleep 0.1
        _pf_i=$((_pf_i + 1))
    done
    echo "postfix_wait: $_pf_n of $3 messages in $2/new after ${_pf_s} s;" \
         "$1/maillog ends:" >&2
    tail -n 20 "$1/maillog" 2>/dev/null | sed 's/^/    /' >&2
    return 1
}
