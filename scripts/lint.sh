#!/bin/sh
# make lint: the purity rule of STYLE.md (pure modules touch no file,
# network, database, clock, environment or randomness), banned.h in every
# source file, and cppcheck when installed.
set -u
PURE="src/caps.c src/csv.c src/health.c src/contact.c src/suppress.c src/tz.c src/template.c src/scheduler.c src/bounce.c src/message.c src/diagnose.c src/reply.c src/util.c
src/core/dsn.c src/core/inbound_class.c src/core/inbound_text.c"
status=0
for f in $PURE; do
    # (xmalloc's out-of-memory message before abort() is the one exception)
    if grep -nE '#include <(sqlite3|curl/curl|yaml)\.h>|\b(time|getenv|rand|random|printf|fprintf|fopen|open|read|write)\(' "$f" |
       grep -vE '^\s*[0-9]+:\s*(/\*|\*)' | grep -v 'out of memory'; then
        echo "lint: $f is a pure module: the lines above do I/O" >&2
        status=1
    fi
done
for f in src/*.c src/*/*.c; do
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
