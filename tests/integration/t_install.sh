#!/bin/sh
# make install honours PREFIX and DESTDIR and installs the man pages; the
# installed binary needs no data files (migrations are built in).
. "$(dirname "$0")/lib.sh"

make -s -C "$ROOT" install DESTDIR="$T/inst" PREFIX=/opt/mr >/dev/null 2>&1
check "make install exits 0" 0 $?
check "binary installed" yes "$([ -x "$T/inst/opt/mr/bin/mailrota" ] && echo yes)"
check "mailrota(1) installed" yes "$([ -f "$T/inst/opt/mr/share/man/man1/mailrota.1" ] && echo yes)"
check "mailrota.yaml(5) installed" yes "$([ -f "$T/inst/opt/mr/share/man/man5/mailrota.yaml.5" ] && echo yes)"
mkdir elsewhere && cd elsewhere
run "$T/inst/opt/mr/bin/mailrota" init
check "the installed binary initialises a database anywhere" 0 "$rc"
check "with every migration" "$(ls "$ROOT"/migrations/*.sql | wc -l)" "$(q 'select count(*) from schema_migrations')"
if command -v groff >/dev/null 2>&1; then
    check "man pages have no groff warnings" "" \
        "$(groff -man -Tutf8 -ww -z "$ROOT/man/mailrota.1" "$ROOT/man/mailrota.yaml.5" 2>&1)"
fi
done_testing
