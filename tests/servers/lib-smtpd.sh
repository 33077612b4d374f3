# Sourced by tests/integration/t_*.sh (after lib.sh): start, stop and query
# the loopback test SMTP server tests/servers/smtpd.py. POSIX sh.
#
#   smtpd_cert DIR                 CA + server cert: DIR/ca.pem, DIR/server.pem,
#                                  DIR/server.key (SAN 127.0.0.1, localhost, ::1)
#   smtpd_cert_named DIR NAME      a cert for DNS:NAME only, from DIR's CA:
#                                  DIR/NAME.pem, DIR/NAME.key (a wrong name)
#   smtpd_faults DIR JSON          replaces DIR/faults.json atomically ('' removes
#                                  it); read at each new connection
#   smtpd_start DIR [ARGS...]      start in the background (cert made if
#                                  missing, --users DIR/users if present);
#                                  exports SMTPD_PORT and SMTPD_PID
#   smtpd_stop DIR                 SIGTERM, 5 s, SIGKILL; idempotent, trap-safe;
#                                  sets SMTPD_EXIT to the server's exit status
#   smtpd_count DIR                prints the number of stored messages
#   smtpd_last DIR                 prints DIR/mail/NNNNNN of the newest message
#
# Missing aiosmtpd makes smtpd_start print a reason and exit 77 (skip).
# Variables of these functions start with _sd_ or _sv_ so they cannot clobber
# a test's.

SMTPD_PYTHON=${SMTPD_PYTHON:-/usr/bin/python3}
SMTPD_PY=${SMTPD_PY:-${ROOT:-$(pwd)}/tests/servers/smtpd.py}
SMTPD_EXIT=

smtpd_cert() {
    _sd_d=$1
    mkdir -p "$_sd_d" || return 1
    cat >"$_sd_d/cert.cnf" <<'EOF'
[ req ]
distinguished_name = dn
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    (
        umask 077
        cd "$_sd_d" || exit 1
        openssl req -x509 -config cert.cnf -extensions ca_ext \
            -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout ca.key -out ca.pem -days 1 \
            -subj "/CN=mailrota test CA" &&
        chmod 644 ca.pem
    ) >"$_sd_d/openssl.log" 2>&1 || {
        echo "smtpd_cert: openssl failed:" >&2
        cat "$_sd_d/openssl.log" >&2
        return 1
    }
    _sd_issue "$_sd_d" server 127.0.0.1 cert.cnf
}

# _sd_issue DIR BASE CN CNF: DIR/BASE.key and DIR/BASE.pem, a server
# certificate with CNF's server_ext (its subjectAltName), signed by DIR's CA.
_sd_issue() {
    (
        umask 077
        cd "$1" || exit 1
        openssl req -new -config "$4" \
            -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$2.key" -out "$2.csr" -subj "/CN=$3" &&
        openssl x509 -req -in "$2.csr" -CA ca.pem -CAkey ca.key \
            -CAcreateserial -CAserial ca.srl -days 1 \
            -extfile "$4" -extensions server_ext -out "$2.pem" &&
        chmod 644 "$2.pem"
    ) >"$1/openssl-$2.log" 2>&1 || {
        echo "smtpd_cert: openssl failed for $2:" >&2
        cat "$1/openssl-$2.log" >&2
        return 1
    }
}

# smtpd_cert_named DIR NAME: a server certificate and key for DNS:NAME
# only (no IP), signed by DIR's CA (made with smtpd_cert if missing), in
# DIR/NAME.pem and DIR/NAME.key.  Served to a client that connects to
# 127.0.0.1 or localhost, it fails host name verification.
smtpd_cert_named() {
    case $2 in
        '' | *[!A-Za-z0-9.-]*)
            echo "smtpd_cert_named: want a DNS name, got '$2'" >&2
            return 1 ;;
    esac
    if [ ! -f "$1/ca.key" ] || [ ! -f "$1/ca.pem" ]; then
        smtpd_cert "$1" || return 1
    fi
    sed "s/^subjectAltName = .*/subjectAltName = DNS:$2/" "$1/cert.cnf" \
        >"$1/$2.cnf" || return 1
    _sd_issue "$1" "$2" "$2" "$2.cnf"
}

# smtpd_faults DIR JSON: the fault script (tests/servers/README.md,
# "Faults"), written to a tmp file and renamed; '' removes it.
smtpd_faults() {
    if [ -z "$2" ]; then
        rm -f "$1/faults.json"
        return 0
    fi
    printf '%s\n' "$2" >"$1/.faults.json.new" &&
        mv -f "$1/.faults.json.new" "$1/faults.json"
}

# _smtpd_alive PID: running and not a zombie (sh does not reap background
# children until "wait", and kill -0 succeeds on a zombie).
_smtpd_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/stat" ]; then
        _sd_st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
    else
        _sd_st=$(ps -o stat= -p "$1" 2>/dev/null)
    fi
    case $_sd_st in
        Z*) return 1 ;;
    esac
    return 0
}

smtpd_start() {
    _sd_d=$1
    shift
    if ! "$SMTPD_PYTHON" -c 'import aiosmtpd.smtp' >/dev/null 2>&1; then
        echo "skip: aiosmtpd not importable by $SMTPD_PYTHON" \
             "(apt-get install python3-aiosmtpd)"
        exit 77
    fi
    mkdir -p "$_sd_d" || return 1
    if [ ! -f "$_sd_d/server.pem" ] || [ ! -f "$_sd_d/server.key" ]; then
        smtpd_cert "$_sd_d" || return 1
    fi
    rm -f "$_sd_d/port" "$_sd_d/port.tmp"
    # The caller's arguments come last, so they override ours.
    if [ -f "$_sd_d/users" ]; then
        set -- --users "$_sd_d/users" "$@"
    fi
    set -- --dir "$_sd_d" --cert "$_sd_d/server.pem" \
        --key "$_sd_d/server.key" "$@"
    "$SMTPD_PYTHON" "$SMTPD_PY" "$@" </dev/null >>"$_sd_d/smtpd.log" 2>&1 &
    _sd_pid=$!
    # Written here too (smtpd.py writes the same number), so a trap that
    # fires while the server is still starting can stop it.
    echo "$_sd_pid" >"$_sd_d/pid"
    _srv_wait_port smtpd "$_sd_d" "$_sd_pid" || return 1
    SMTPD_PORT=$(cat "$_sd_d/port")
    SMTPD_PID=$_sd_pid
    export SMTPD_PORT SMTPD_PID
    return 0
}

smtpd_stop() {
    _srv_stop smtpd "$1"
    # shellcheck disable=SC2034  # read by the calling test
    [ -z "$_srv_exit" ] || SMTPD_EXIT=$_srv_exit
    return 0
}

# _srv_wait_port NAME DIR PID: waits up to 10 s for the server NAME
# started as PID to write DIR/port; if it does not, kills it, shows
# DIR/NAME.log and returns 1.  Shared with lib-m365d.sh.
_srv_wait_port() {
    _sv_i=0
    while [ ! -s "$2/port" ] && [ $_sv_i -lt 200 ]; do
        _smtpd_alive "$3" || break
        sleep 0.05
        _sv_i=$((_sv_i + 1))
    done
    [ -s "$2/port" ] && return 0
    echo "${1}_start: server in $2 did not come up; $1.log:" >&2
    kill -KILL "$3" 2>/dev/null
    wait "$3" 2>/dev/null
    rm -f "$2/pid"
    sed 's/^/    /' "$2/$1.log" >&2
    return 1
}

# _srv_stop NAME DIR: stops the server whose pid is in DIR/pid (SIGTERM,
# 5 s, SIGKILL); idempotent and trap-safe.  Sets _srv_exit to its exit
# status, or to "" when there was nothing to stop.
_srv_stop() {
    _srv_exit=
    [ -f "$2/pid" ] || return 0
    _sv_pid=$(cat "$2/pid" 2>/dev/null)
    case $_sv_pid in
        '' | *[!0-9]*) rm -f "$2/pid"; return 0 ;;
    esac
    if _smtpd_alive "$_sv_pid"; then
        kill -TERM "$_sv_pid" 2>/dev/null
        _sv_i=0
        while _smtpd_alive "$_sv_pid" && [ $_sv_i -lt 50 ]; do
            sleep 0.1
            _sv_i=$((_sv_i + 1))
        done
        if _smtpd_alive "$_sv_pid"; then
            echo "${1}_stop: $_sv_pid ignored SIGTERM, killing" >&2
            kill -KILL "$_sv_pid" 2>/dev/null
        fi
    fi
    # Reap it if it is our child (127 if it is not).
    wait "$_sv_pid" 2>/dev/null
    _srv_exit=$?
    rm -f "$2/pid" "$2/port"
    return 0
}

smtpd_count() {
    set -- "$1"/mail/[0-9][0-9][0-9][0-9][0-9][0-9].eml
    if [ -e "$1" ]; then echo $#; else echo 0; fi
}

smtpd_last() {
    _sd_last=
    for _sd_f in "$1"/mail/[0-9][0-9][0-9][0-9][0-9][0-9].eml; do
        [ -e "$_sd_f" ] && _sd_last=${_sd_f%.eml}
    done
    echo "$_sd_last"
}
