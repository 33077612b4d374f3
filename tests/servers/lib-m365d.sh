# Sourced by tests/integration/t_*.sh (after lib.sh): start, stop and query
# tests/servers/m365d.py, the fake Microsoft 365 (Entra ID token endpoint +
# Graph sendMail) over HTTPS on loopback. POSIX sh.
#
#   m365d_start DIR [ARGS...]   start in the background; makes DIR/server.pem
#                               etc. (smtpd_cert) unless ARGS has --cert, and
#                               DIR/token.key and DIR/client.secret (random)
#                               if missing; --graph-users DIR/graph-users if
#                               that exists. Exports M365D_PORT, M365D_PID,
#                               M365D_TENANT, M365D_CLIENT_ID,
#                               M365D_TOKEN_URL, M365D_GRAPH_URL
#   m365d_stop DIR              SIGTERM, 5 s, SIGKILL; idempotent, trap-safe;
#                               sets M365D_EXIT to the server's exit status
#   m365d_token_requests DIR    prints the number of token requests so far
#   m365d_graph_count DIR       prints the number of messages Graph accepted
#   m365d_script DIR JSON       replaces DIR/token-script.json atomically
#                               ('' removes it)
#   m365d_inbox_put DIR USER FILE WHEN
#                               puts FILE in USER's Graph inbox, received at
#                               WHEN (ISO UTC, e.g. 2026-11-20T16:00:00Z)
#   m365d_inbox_script DIR JSON replaces DIR/inbox-script.json atomically
#                               ('' removes it): {"status":429,"times":N,
#                               "retry_after":S} faults the next N inbox GETs
#   m365d_inbox_requests DIR [WHAT [STATUS]]
#                               prints the number of inbox GETs so far (WHAT
#                               list or value; STATUS an HTTP status)
#   m365d_mint DIR AUD [LIFETIME [ROLES]]
#                               prints a token signed with DIR/token.key,
#                               e.g. an expired one (LIFETIME -60); ROLES
#                               default to the AUD's usual role, '' = none
#
# Python's ssl module missing makes m365d_start print a reason and exit 77.
# Uses smtpd_cert, _srv_wait_port and _srv_stop from lib-smtpd.sh
# (sourced if needed).
# Variables of these functions start with _md_.

if ! type smtpd_cert >/dev/null 2>&1; then
    . "${ROOT:-$(pwd)}/tests/servers/lib-smtpd.sh"
fi
M365D_PYTHON=${M365D_PYTHON:-/usr/bin/python3}
M365D_PY=${M365D_PY:-${ROOT:-$(pwd)}/tests/servers/m365d.py}
MSTOKEN_PY=${MSTOKEN_PY:-${ROOT:-$(pwd)}/tests/servers/mstoken.py}
M365D_EXIT=

m365d_start() {
    _md_d=$1
    shift
    if ! "$M365D_PYTHON" -c 'import ssl, http.server' >/dev/null 2>&1; then
        echo "skip: $M365D_PYTHON has no ssl module"
        exit 77
    fi
    mkdir -p "$_md_d" || return 1
    # What the caller's ARGS choose (they come last and win).
    _md_cert='' _md_tenant=11111111-1111-4111-8111-111111111111
    _md_client=22222222-2222-4222-8222-222222222222 _md_host=127.0.0.1
    _md_prev=
    for _md_a in "$@"; do
        case $_md_prev in
            --cert) _md_cert=$_md_a ;;
            --tenant) _md_tenant=$_md_a ;;
            --client-id) _md_client=$_md_a ;;
            --host) _md_host=$_md_a ;;
        esac
        case $_md_a in
            --cert=*) _md_cert=${_md_a#*=} ;;
            --tenant=*) _md_tenant=${_md_a#*=} ;;
            --client-id=*) _md_client=${_md_a#*=} ;;
            --host=*) _md_host=${_md_a#*=} ;;
        esac
        _md_prev=$_md_a
    done
    if [ -z "$_md_cert" ] &&
        { [ ! -f "$_md_d/server.pem" ] || [ ! -f "$_md_d/server.key" ]; }; then
        smtpd_cert "$_md_d" || return 1
    fi
    (
        umask 077
        if [ ! -s "$_md_d/token.key" ]; then
            openssl rand -hex 32 >"$_md_d/token.key" || exit 1
        fi
        # Shaped like an Entra secret value (has "~" and "."), no newline.
        if [ ! -s "$_md_d/client.secret" ]; then
            printf 'Mr8Q~%s' "$(openssl rand -base64 30 | tr '/+' '._' |
                tr -d '=\n')" >"$_md_d/client.secret" || exit 1
        fi
    ) || { echo "m365d_start: cannot write the key files" >&2; return 1; }
    rm -f "$_md_d/port" "$_md_d/.port.tmp"
    if [ -f "$_md_d/graph-users" ]; then
        set -- --graph-users "$_md_d/graph-users" "$@"
    fi
    set -- --dir "$_md_d" --cert "$_md_d/server.pem" --key "$_md_d/server.key" \
        --token-key-file "$_md_d/token.key" \
        --client-secret-file "$_md_d/client.secret" "$@"
    "$M365D_PYTHON" "$M365D_PY" "$@" </dev/null >>"$_md_d/m365d.log" 2>&1 &
    _md_pid=$!
    # Written here too, so a trap firing during start-up can stop it.
    echo "$_md_pid" >"$_md_d/pid"
    _srv_wait_port m365d "$_md_d" "$_md_pid" || return 1
    M365D_PORT=$(cat "$_md_d/port")
    M365D_PID=$_md_pid
    M365D_TENANT=$_md_tenant
    M365D_CLIENT_ID=$_md_client
    case $_md_host in
        *:*) _md_host="[$_md_host]" ;;
    esac
    M365D_TOKEN_URL="https://$_md_host:$M365D_PORT/$_md_tenant/oauth2/v2.0/token"
    M365D_GRAPH_URL="https://$_md_host:$M365D_PORT/v1.0"
    export M365D_PORT M365D_PID M365D_TENANT M365D_CLIENT_ID \
        M365D_TOKEN_URL M365D_GRAPH_URL
    return 0
}

m365d_stop() {
    _srv_stop m365d "$1"
    # shellcheck disable=SC2034  # read by the calling test
    [ -z "$_srv_exit" ] || M365D_EXIT=$_srv_exit
    return 0
}

m365d_token_requests() {
    if [ -f "$1/token-requests.log" ]; then
        wc -l <"$1/token-requests.log" | tr -d ' '
    else
        echo 0
    fi
}

m365d_graph_count() {
    set -- "$1"/graph/[0-9][0-9][0-9][0-9][0-9][0-9].eml
    if [ -e "$1" ]; then echo $#; else echo 0; fi
}

m365d_script() {
    if [ -z "$2" ]; then
        rm -f "$1/token-script.json"
        return 0
    fi
    printf '%s\n' "$2" >"$1/.token-script.json.new" &&
        mv -f "$1/.token-script.json.new" "$1/token-script.json"
}

m365d_inbox_put() {
    _md_box=$1/inbox/$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$_md_box" || return 1
    _md_n=$(find "$_md_box" -name '*.eml' | wc -l)
    _md_n=$(printf '%06d' $((_md_n + 1)))
    printf '%s\n' "$4" >"$_md_box/$_md_n.received" &&
        cp "$3" "$_md_box/.$_md_n.eml" &&
        mv -f "$_md_box/.$_md_n.eml" "$_md_box/$_md_n.eml"
}

m365d_inbox_script() {
    if [ -z "$2" ]; then
        rm -f "$1/inbox-script.json"
        return 0
    fi
    printf '%s\n' "$2" >"$1/.inbox-script.json.new" &&
        mv -f "$1/.inbox-script.json.new" "$1/inbox-script.json"
}

m365d_inbox_requests() {
    if [ ! -f "$1/inbox-requests.log" ]; then
        echo 0
        return 0
    fi
    _md_pat=${2:+"\"what\": \"$2\""}
    grep -F -e "${_md_pat:-\"at\"}" "$1/inbox-requests.log" |
        grep -c -F -e "\"status\": ${3:-}" | tr -d ' '
}

m365d_mint() {
    case $2 in
        *outlook*) _md_roles=SMTP.SendAsApp ;;
        *graph*) _md_roles=Mail.Send ;;
        *) _md_roles= ;;
    esac
    [ $# -ge 4 ] && _md_roles=$4
    "$M365D_PYTHON" "$MSTOKEN_PY" make --key-file "$1/token.key" --aud "$2" \
        --tid "${M365D_TENANT:-11111111-1111-4111-8111-111111111111}" \
        --appid "${M365D_CLIENT_ID:-22222222-2222-4222-8222-222222222222}" \
        --lifetime "${3:-3599}" --roles "$_md_roles" --size 1500
}
