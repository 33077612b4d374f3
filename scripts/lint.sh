#!/bin/sh
# make lint: the purity rule of STYLE.md (pure modules touch no file,
# network, database, clock, environment or randomness), functions of at
# most 80 lines in src/core, banned.h in every source file, and cppcheck
# when installed.
set -u
# Everything under src/core is pure policy (docs/ARCHITECTURE.md), and so is
# util.c.
PURE="src/core/*.c src/util/util.c"
status=0
for f in $PURE; do
    # (xmalloc's out-of-memory message before abort() is the one exception)
    if grep -nE '#include <(sqlite3|curl/curl|yaml)\.h>|\b(time|getenv|secure_getenv|setenv|rand|random|printf|fprintf|vfprintf|puts|fputs|fwrite|fread|fgets|fopen|fclose|popen|system|open|read|write|clock_gettime|gettimeofday|localtime|localtime_r|mktime|tzset)\(' "$f" |
       grep -vE '^\s*[0-9]+:\s*(/\*|\*)' | grep -v 'out of memory'; then
        echo "lint: $f is a pure module: the lines above do I/O" >&2
        status=1
    fi
done
# The rooms (docs/ARCHITECTURE.md): core and util include only core and
# util headers, io nothing of cmd.  A header belongs to the folder of its
# .c file; one without a .c file (store_impl.h) to the lowest room of the
# sources that include it; banned.h to everybody.
room_of() {
    for d in core util io cmd; do
        [ -f "src/$d/$1.c" ] && { echo "$d"; return; }
    done
    echo any
}
header_room() {
    r=$(room_of "$1")
    [ "$r" != any ] && { echo "$r"; return; }
    users=$(grep -l "^#include \"$1\.h\"" src/*/*.c 2>/dev/null)
    for d in core util io cmd; do
        case " $(echo $users) " in *" src/$d/"*) echo "$d"; return ;; esac
    done
    echo any
}
for f in src/*/*.c include/*.h; do
    case $f in
        include/*) b=${f#include/}; room=$(header_room "${b%.h}") ;;
        *) room=${f#src/}; room=${room%%/*} ;;
    esac
    for h in $(sed -n 's/^#include "\([a-z0-9_]*\)\.h".*/\1/p' "$f"); do
        hr=$(room_of "$h")
        case "$room:$hr" in
            *:any|core:core|core:util|util:util|io:core|io:util|io:io|cmd:*) ;;
            *) echo "lint: $f ($room) includes $h.h ($hr): $room may not" \
                    "depend on $hr (docs/ARCHITECTURE.md)" >&2
               status=1 ;;
        esac
    done
done
# Functions fit one screen (STYLE.md): at most 80 lines each, core or not.
long=$(awk -v MAX=80 -f scripts/funclen.awk src/*/*.c)
if [ -n "$long" ]; then
    printf '%s\n' "$long" | sed 's/^/lint: /' >&2
    echo "lint: split the functions above into named steps" >&2
    status=1
fi
for f in src/*/*.c; do
    grep -q '#include "banned.h"' "$f" || {
        echo "lint: $f does not include banned.h" >&2
        status=1
    }
done
if command -v cppcheck >/dev/null 2>&1; then
    cppcheck -q --error-exitcode=1 --enable=warning,portability \
        --suppress=missingIncludeSystem -Iinclude src || status=1
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
