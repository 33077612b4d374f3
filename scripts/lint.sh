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
    if grep -nE '#include <(sqlite3|curl/curl|yaml)\.h>|\b(time|getenv|rand|random|printf|fprintf|fopen|open|read|write)\(' "$f" |
       grep -vE '^\s*[0-9]+:\s*(/\*|\*)' | grep -v 'out of memory'; then
        echo "lint: $f is a pure module: the lines above do I/O" >&2
        status=1
    fi
done
# Functions fit one screen (STYLE.md): at most 80 lines each in src/core.
long=$(awk -v MAX=80 -f scripts/funclen.awk src/core/*.c)
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
