# Prints "FILE:LINE: NAME is N lines" for each function body longer than
# MAX lines (a function: a line starting with "{" after a line holding its
# name, up to the next line starting with "}").
/^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
/^\{/ { start = FNR; name = sig; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name) }
/^\}/ && start {
    n = FNR - start + 1
    if (n > MAX) printf "%s:%d: %s is %d lines (at most %d)\n", FILENAME, sigline, name, n, MAX
    start = 0
}
