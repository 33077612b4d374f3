#!/bin/sh
# The database let down by its file: damaged, read-only, in a read-only
# folder.  Each exits 74 naming the database and what to do, and leaves the
# database as it was.  (A full disk and a read-only mount: t_diskfull.sh.)
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1
printf 'email,company\na@x.example,X\n' > one.csv
printf 'email,company\nb@y.example,Y\n' > two.csv
"$MR" -q import contacts one.csv || exit 1

# A damaged file: garbage where the header should be, and a database cut
# short (its header promises pages that are not there).
head -c 8192 /dev/urandom > garbage.db
run "$MR" --db garbage.db status
check "a file that is not a database exits 74" 74 "$rc"
check_contains "it names the file" "garbage.db'" "$err"
check_contains "and says how to save what can be read" \
    "garbage.db' .recover" "$err"
cp mailrota.db cut.db
truncate -s 8192 cut.db
run "$MR" --db cut.db import contacts two.csv
check "a database cut short exits 74" 74 "$rc"
check_contains "with the same advice" "restore it from a backup" "$err"

# Read-only file and folder.  Root writes to a 0444 file anyway, so these
# run as nobody, in folders nobody owns.
chmod 711 "$T"
as_nobody() {
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
if ! as_nobody true 2>/dev/null; then
    echo "# cannot run as nobody (setpriv): read-only cases skipped"
else
    mkdir rofile rodir
    cp mailrota.db two.csv rofile/
    cp mailrota.db two.csv rodir/
    chown -R 65534:65534 rofile rodir
    chmod 444 rofile/mailrota.db
    chmod 555 rodir
    cd rofile || exit 1
    run as_nobody "$MR" import contacts two.csv
    check "a read-only database file exits 74" 74 "$rc"
    check_contains "it names the file" "'./mailrota.db'" "$err"
    check_contains "and says to make it writable" "writable" "$err"
    check "nothing was imported" 1 "$(q 'select count(*) from contacts')"
    cd ../rodir || exit 1
    run as_nobody "$MR" import contacts two.csv
    check "a database in a read-only folder exits 74" 74 "$rc"
    check_contains "and says to make the folder writable" "folder writable" "$err"
    cd "$T" || exit 1
    chmod 755 rodir
    check "nothing was imported there" 1 "$(DB=rodir/mailrota.db q 'select count(*) from contacts')"
fi

done_testing
