#!/bin/sh
# A fresh machine (issue 11): the -dev packages only appear once the deps
# step has installed them, so every target that builds must ask pkg-config
# for its flags after that step, not when make first reads the Makefile.
#
# Simulated without touching the system's packages: a copy of the source
# tree is built with two stand-ins first on PATH.  dpkg-query, which
# scripts/deps.sh asks about each package, "installs" them (creates a
# marker) and says installed; pkg-config knows no package until the marker
# exists, as on a machine without the .pc files.  A Makefile that reads
# pkg-config before deps links without -lcurl and fails.
. "$(dirname "$0")/lib.sh"

real_pc=$(command -v pkg-config)
mkdir -p bin src
cat > bin/pkg-config <<EOF
#!/bin/sh
[ -f "$T/installed" ] || { echo "pkg-config \$*: nothing" >> "$T/pc.log"; exit 1; }
echo "pkg-config \$*: found" >> "$T/pc.log"
exec "$real_pc" "\$@"
EOF
cat > bin/dpkg-query <<EOF
#!/bin/sh
touch "$T/installed"
printf 'install ok installed'
EOF
chmod 755 bin/pkg-config bin/dpkg-query
(cd "$ROOT" && tar cf - --exclude=./build --exclude=./.git .) |
    (cd src && tar xf -)

# Nothing from a calling make (`make test` exports its command line,
# MAILROTA_INNER=1 included, to the tests).
unset MAKEFLAGS MFLAGS MAKELEVEL MAILROTA_INNER BUILD CFLAGS LDFLAGS \
    EXTRA_CFLAGS EXTRA_LDFLAGS DEVELOPER DEPS_CMD PKG_CONFIG

# fresh: a make of this tree on the "fresh machine".
fresh() {
    rm -f "$T/installed" "$T/pc.log"
    PATH="$T/bin:$PATH" make -C "$T/src" CFLAGS="-O0 -g" "$@" \
        >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}

fresh demo
check "make demo builds and runs on a fresh machine the first time" 0 "$rc"
check_not_contains "no undefined references" "undefined reference" "$err"
check_contains "the demo ran" "planned 50, sent 50" "$out"
check "deps ran (the stand-in dpkg-query was asked)" yes \
    "$([ -f "$T/installed" ] && echo yes)"
check_contains "pkg-config was asked after deps" "found" "$(cat "$T/pc.log")"

rm -f src/build/mailrota
fresh
check "plain make runs deps too and links" 0 "$rc"
check "and builds build/mailrota" yes \
    "$([ -x src/build/mailrota ] && echo yes)"
check "deps ran for plain make" yes "$([ -f "$T/installed" ] && echo yes)"

rm -f src/build/mailrota
fresh install DESTDIR="$T/inst" PREFIX=/usr
check "make install links on a fresh machine" 0 "$rc"
check "and installs the binary" yes \
    "$([ -x "$T/inst/usr/bin/mailrota" ] && echo yes)"

# DEPS_CMD replaces the deps step (another distribution, or none at all).
rm -f src/build/mailrota
make -s -C src DEPS_CMD="touch $T/deps-cmd" >/dev/null 2>&1
check "DEPS_CMD replaces scripts/deps.sh" yes \
    "$([ -f "$T/deps-cmd" ] && echo yes)"

# Without the packages and without root, make says what to install.
cat > bin/dpkg-query <<'EOF'
#!/bin/sh
exit 1
EOF
rm -f src/build/mailrota
setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
    nobody=yes
if [ "${nobody:-}" = yes ]; then
    chmod -R a+rwX "$T"
    rm -f "$T/installed"
    run env PATH="$T/bin:$PATH" \
        setpriv --reuid=65534 --regid=65534 --clear-groups make -C "$T/src"
    check "make without the packages, not root, fails" 2 "$rc"
    check_contains "naming the missing packages" "libcurl4-openssl-dev" "$err"
    check_contains "and the command to run as root" "apt-get install" "$err"
    check_not_contains "before any compiler error" "undefined reference" "$err"
    # dpkg knows none of the packages, but the libraries are there (installed
    # some other way): plain make says so and builds.
    touch "$T/installed"
    run env PATH="$T/bin:$PATH" \
        setpriv --reuid=65534 --regid=65534 --clear-groups make -C "$T/src"
    check "make, not root, packages unknown but libraries there, builds" 0 "$rc"
    check_contains "after naming the packages" "apt-get install" "$err"
fi

done_testing
