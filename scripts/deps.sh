#!/bin/sh
# Installs the Debian packages mailrota needs to build and test, when missing.
# As root it runs apt-get; otherwise it names the packages and stops.
set -u
PKGS="build-essential pkg-config libsqlite3-dev libcurl4-openssl-dev libssl-dev
libyaml-dev uuid-dev sqlite3 openssl tzdata python3 python3-aiosmtpd ca-certificates
curl python3-cryptography"
# Targets that need more name it: `make fuzz` adds clang, libclang-rt-14-dev
# and llvm-14 (fuzz/fuzz.mk's FUZZ_PKGS), so `make test` never installs clang.
[ -n "${MAILROTA_EXTRA_PKGS:-}" ] && PKGS="$PKGS $MAILROTA_EXTRA_PKGS"

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
    exit 1
fi
echo "mailrota: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "mailrota: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
    { echo "mailrota: apt-get install$missing failed" >&2; exit 1; }
