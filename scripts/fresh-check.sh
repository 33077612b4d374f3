#!/bin/sh
# make fresh-check: a fresh Debian 12 machine builds and runs the demo with
# one command, the first time (issue 11).  As root this script
#   1. removes the -dev packages mailrota builds against (and whatever
#      apt-get removes with them),
#   2. clones the HEAD of this checkout into a temporary directory,
#   3. runs `make demo` there, which must install the packages and build,
#   4. reports PASS or FAIL, and
#   5. installs again every package step 1 removed, whatever happened.
# It changes the machine's packages for a minute or two: do not run it while
# anything else compiles against them.  Uncommitted changes are not tested.
#
#   sh scripts/fresh-check.sh       the check (root, apt-get, git)
#   sh scripts/fresh-check.sh -n    what would be removed (apt-get -s), then
#                                   the clone and `make demo` with nothing
#                                   removed
#   FRESH_TARGETS="demo test"       more targets (default: demo)
set -u
DEV_PKGS="libsqlite3-dev libcurl4-openssl-dev libssl-dev libyaml-dev uuid-dev
libgmime-3.0-dev"
TARGETS=${FRESH_TARGETS:-demo}
dry=no
[ "${1:-}" = -n ] && dry=yes

say() { echo "fresh-check: $*" >&2; }
die() { say "$*"; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root: it removes and reinstalls packages"
for c in apt-get apt-mark dpkg-query git make; do
    command -v "$c" >/dev/null 2>&1 || die "needs $c (a Debian machine)"
done
ROOT=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) ||
    die "not in a git checkout"
SHA=$(git -C "$ROOT" rev-parse HEAD) || die "no HEAD in $ROOT"
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
    say "note: uncommitted changes in $ROOT are not part of the check"

# What apt-get would remove: the -dev packages and any that depend on them.
# shellcheck disable=SC2086
removed=$(apt-get -s remove $DEV_PKGS 2>/dev/null |
          sed -n 's/^Remv \([^ ]*\).*/\1/p' | tr '\n' ' ')
# shellcheck disable=SC2086
auto=$(apt-mark showauto $removed 2>/dev/null | tr '\n' ' ')
say "HEAD $SHA of $ROOT"
say "packages removed for the check: ${removed:-none (already absent)}"

# shellcheck disable=SC2317  # (called from the EXIT trap)
restore() {
    [ -n "$removed" ] || return 0
    say "installing again: $removed"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $removed >/dev/null ||
        say "FAILED to reinstall: apt-get install -y $removed"
    # shellcheck disable=SC2086
    [ -z "$auto" ] || apt-mark auto $auto >/dev/null
}

TMP=$(mktemp -d /tmp/mailrota-fresh.XXXXXX) || die "cannot make a directory"
if [ $dry = no ]; then
    trap 'restore' EXIT
    trap 'exit 130' INT TERM
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $removed \
        >"$TMP/remove.log" 2>&1 ||
        { cat "$TMP/remove.log" >&2; die "apt-get remove failed"; }
    if pkg-config --exists libcurl 2>/dev/null; then
        die "pkg-config still finds libcurl: not a fresh machine"
    fi
else
    removed=""
    say "-n: nothing removed"
fi

if ! git clone -q "$ROOT" "$TMP/mailrota" ||
   ! git -C "$TMP/mailrota" checkout -q "$SHA"; then
    die "cannot clone $ROOT into $TMP"
fi
status=0
for t in $TARGETS; do
    say "make $t in $TMP/mailrota (log: $TMP/make-$t.log)"
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u CFLAGS -u LDFLAGS \
        -u MAILROTA_INNER make -C "$TMP/mailrota" "$t" \
        >"$TMP/make-$t.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || grep -q 'undefined reference' "$TMP/make-$t.log"; then
        say "FAIL: make $t exited $rc on a fresh clone; the end of its log:"
        tail -n 25 "$TMP/make-$t.log" >&2
        status=1
    else
        say "PASS: make $t built and ran the first time"
    fi
done
if [ $status -eq 0 ]; then
    rm -rf "$TMP"
else
    say "kept $TMP for a look"
fi
exit $status
