# Sourced by the run tests after lib.sh: a loopback SMTP server with
# STARTTLS and per-mailbox passwords, a config pointing at it, a roster.
. "$ROOT/tests/servers/lib-smtpd.sh"

# setup_world CAP [MAILBOXES]: server, config, db, roster m1..mN + admin.
setup_world() {
    _sw_cap=$1
    _sw_n=${2:-4}
    mkdir -p "$T/srv"
    : > "$T/srv/users"
    _sw_i=1
    while [ "$_sw_i" -le "$_sw_n" ]; do
        echo "m$_sw_i@sender.example:pw-m$_sw_i" >> "$T/srv/users"
        eval "export MR_PW_M$_sw_i=pw-m$_sw_i"
        _sw_i=$((_sw_i + 1))
    done
    echo "admin@sender.example:pw-admin" >> "$T/srv/users"
    export MR_PW_ADMIN=pw-admin
    smtpd_start "$T/srv" ${SMTPD_ARGS:-} || exit 1
    trap 'smtpd_stop "$T/srv"; [ -z "${M365_DIR:-}" ] || m365d_stop "$M365_DIR"; cleanup' EXIT
    cat > "$T/config.yaml" <<YAML
database: ./mailrota.db
timezone: America/Chicago
key_file: ./mailrota.key
tls:
  ca_file: ./srv/ca.pem
smtp:
  host: 127.0.0.1
  port: $SMTPD_PORT
  timeout_seconds: 10
rules:
  daily_cap: $_sw_cap
  cooldown_days: 10
  max_contacts_per_company: 4
  max_attempts: 3
unsubscribe:
  mailto: unsubscribe@sender.example
  url: https://sender.example/u
YAML
    if [ -n "${M365_DIR:-}" ]; then
        cat >> "$T/config.yaml" <<YAML
oauth:
  tenant_id: $M365D_TENANT
  client_id: $M365D_CLIENT_ID
  client_secret_env: MAILROTA_CLIENT_SECRET
  token_url: $M365D_TOKEN_URL
graph:
  base_url: $M365D_GRAPH_URL
YAML
    fi
    chmod 600 "$T/config.yaml"
    "$MR" -q init || exit 1
    {
        echo "email,display_name,status,daily_cap,auth,password_env"
        _sw_i=1
        while [ "$_sw_i" -le "$_sw_n" ]; do
            echo "m$_sw_i@sender.example,Sender$_sw_i from Sender Co,cold-ready,,plain,MR_PW_M$_sw_i"
            _sw_i=$((_sw_i + 1))
        done
        echo "admin@sender.example,Admin,admin,,plain,MR_PW_ADMIN"
    } > "$T/roster.csv"
    "$MR" -q mailbox import "$T/roster.csv" || exit 1
}

# The number of stored messages whose envelope recipient is $1.
received_by() {
    grep -l "\"$1\"" "$T"/srv/mail/*.json 2>/dev/null | wc -l | tr -d ' '
}

# setup_m365 [M365D ARGS...]: before setup_world, the fake Entra ID + Graph
# (tests/servers/m365d.py) on the SMTP server's certificate, and an SMTP
# server that takes XOAUTH2 for the users in srv/users.  The client secret
# reaches mailrota through the environment, never argv.
setup_m365() {
    . "$ROOT/tests/servers/lib-m365d.sh"
    M365_DIR=$T/m365
    mkdir -p "$T/srv" "$M365_DIR"
    smtpd_cert "$T/srv" || exit 1
    m365d_start "$M365_DIR" --cert "$T/srv/server.pem" \
        --key "$T/srv/server.key" "$@" || exit 1
    trap 'm365d_stop "$M365_DIR"; cleanup' EXIT
    SMTPD_ARGS="${SMTPD_ARGS:-} --token-key-file $M365_DIR/token.key --oauth-users $T/srv/users"
    MAILROTA_CLIENT_SECRET=$(cat "$M365_DIR/client.secret")
    export MAILROTA_CLIENT_SECRET
}

# The token requests m365d has answered so far.
token_requests() {
    m365d_token_requests "$M365_DIR"
}

# set_rule KEY VALUE: adds or changes rules.KEY in config.yaml.
set_rule() {
    sed -i "/^  $1:/d" "$T/config.yaml"
    sed -i "s/^rules:\$/rules:\n  $1: $2/" "$T/config.yaml"
}
