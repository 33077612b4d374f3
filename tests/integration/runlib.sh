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
    trap 'smtpd_stop "$T/srv"; cleanup' EXIT
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
