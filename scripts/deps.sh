#!/bin/sh
# Installs the Debian packages mailrota needs to build and test, when missing.
# As root it runs apt-get; otherwise it names the packages and stops.
# MAILROTA_DEPS=build: only what building needs (`make`, `make install`).
set -u
BUILD_PKGS="build-essential pkg-config libsqlite3-dev libcurl4-openssl-dev
libssl-dev libyaml-dev uuid-dev libgmime-3.0-dev"
TEST_PKGS="sqlite3 openssl tzdata python3 python3-aiosmtpd ca-certificates curl
python3-cryptography dovecot-core dovecot-imapd postfix sasl2-bin
libsasl2-modules chromium strace"
# The libraries, as pkg-config names them: the Makefile's PKGS.
PC_MODULES=${MAILROTA_PC_MODULES:-$(sed -n 's/^PKGS *:= *//p' \
    "$(dirname "$0")/../Makefile")}
PKGS=$BUILD_PKGS
[ "${MAILROTA_DEPS:-}" = build ] || PKGS="$PKGS $TEST_PKGS"
# Targets that need more name it: `make fuzz` adds clang, libclang-rt-14-dev
# and llvm-14 (fuzz/fuzz.mk's FUZZ_PKGS), so `make test` never installs clang.
[ -n "${MAILROTA_EXTRA_PKGS:-}" ] && PKGS="$PKGS $MAILROTA_EXTRA_PKGS"

# The libraries pkg-config does not find (all of them without pkg-config).
missing_modules() {
    for m in $PC_MODULES; do
        pkg-config --exists "$m" 2>/dev/null || printf ' %s' "$m"
    done
}

# Not Debian: nothing to install with; the libraries may be there anyway.
if ! command -v dpkg-query >/dev/null 2>&1; then
    missing=$(missing_modules)
    [ -z "$missing" ] && exit 0
    echo "mailrota: pkg-config finds no:$missing (install their development" \
         "packages with your package manager, or make DEPS_CMD=: to skip" \
         "this check)" >&2
    exit 1
fi

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "mailrota: missing packages:$missing (install them with your package manager)" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "mailrota: missing packages:$missing" >&2
    echo "mailrota: run as root: apt-get install -y$missing" >&2
    # Building needs only a compiler and the libraries: when they are there
    # anyway (installed some other way), `make` goes on.
    if [ "${MAILROTA_DEPS:-}" = build ] && command -v cc >/dev/null 2>&1 &&
       [ -z "$(missing_modules)" ]; then
        echo "mailrota: going on: cc and every library are there" >&2
        exit 0
    fi
    exit 1
fi
echo "mailrota: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix is only for the tests' private instances (tests/servers/
# lib-postfix.sh, own config and queue): no system mail server on port 25.
case " $missing " in
    *" postfix "*)
        echo "postfix postfix/main_mailer_type select No configuration" |
            debconf-set-selections 2>/dev/null ;;
esac
apt-get update -qq >/dev/null || { echo "mailrota: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { echo "mailrota: apt-get install$missing failed" >&2; exit 1; }
case " $missing " in
    *" postfix "*)
        if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
            systemctl disable --now postfix.service >/dev/null 2>&1 || :
        fi ;;
esac
exit 0
