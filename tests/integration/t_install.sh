#!/bin/sh
# make install honours PREFIX and DESTDIR and installs the man pages, the
# example config, templates and CSV files under share/mailrota; the
# installed binary needs no data files (migrations are built in); make
# uninstall removes all of it.
. "$(dirname "$0")/lib.sh"

make -s -C "$ROOT" install DESTDIR="$T/inst" PREFIX=/opt/mr >/dev/null 2>&1
check "make install exits 0" 0 $?
check "binary installed" yes "$([ -x "$T/inst/opt/mr/bin/mailrota" ] && echo yes)"
check "mailrota(1) installed" yes "$([ -f "$T/inst/opt/mr/share/man/man1/mailrota.1" ] && echo yes)"
check "mailrota.yaml(5) installed" yes "$([ -f "$T/inst/opt/mr/share/man/man5/mailrota.yaml.5" ] && echo yes)"
share="$T/inst/opt/mr/share/mailrota"
check "config.example.yaml installed under share/mailrota" yes \
    "$(cmp -s "$ROOT/config.example.yaml" "$share/config.example.yaml" && echo yes)"
for f in "$ROOT"/templates/* "$ROOT"/examples/*; do
    rel=${f#"$ROOT"/}
    check "$rel installed under share/mailrota" yes \
        "$(cmp -s "$f" "$share/$rel" && echo yes)"
done
check "data files are not executable" "" \
    "$(find "$share" -type f -perm /111)"
check_contains "mailrota(1) names the installed examples" \
    "share/mailrota" "$(sed -n '/^\.SH FILES/,/^\.SH /p' "$ROOT/man/mailrota.1")"
mkdir elsewhere && cd elsewhere
run "$T/inst/opt/mr/bin/mailrota" init
check "the installed binary initialises a database anywhere" 0 "$rc"
check "with every migration" "$(ls "$ROOT"/migrations/*.sql | wc -l)" "$(q 'select count(*) from schema_migrations')"
cd "$T"
make -s -C "$ROOT" uninstall DESTDIR="$T/inst" PREFIX=/opt/mr >/dev/null 2>&1
check "make uninstall exits 0" 0 $?
check "make uninstall removes every installed file" "" \
    "$(find "$T/inst" -type f)"
check "and the share/mailrota directory" no \
    "$([ -e "$share" ] && echo yes || echo no)"
if command -v groff >/dev/null 2>&1; then
    check "man pages have no groff warnings" "" \
        "$(groff -man -Tutf8 -ww -z "$ROOT/man/mailrota.1" "$ROOT/man/mailrota.yaml.5" 2>&1)"
fi
done_testing
