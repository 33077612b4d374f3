"""Helpers shared by the loopback test servers (smtpd.py, m365d.py)."""

import os
import time


def now_iso():
    """The current UTC time as ISO-8601 with milliseconds."""
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % (int(t * 1000) % 1000)


def printable(s, limit=None):
    """Bytes or str from a client -> one log-safe token (at most limit)."""
    if isinstance(s, bytes):
        s = s.decode("utf-8", "replace")
    s = "".join(c if " " < c < "\x7f" or c > "\xa0" else "?" for c in s)
    if limit is not None:
        s = s[:limit]
    return s or "-"


def script_for(address, scripts):
    """The first of scripts (longest first, so "deferonce" wins over
    "defer") that the address's local part starts with, case-insensitive;
    None when none does."""
    local = (address.rpartition("@")[0] or address).lower()
    for name in scripts:
        if local.startswith(name):
            return name
    return None


def read_mailboxes(path):
    """One address per line ("email" or "email:anything", so a smtpd.py
    --users file works too); '#' comments; lower-cased set."""
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                out.add(line.partition(":")[0].strip().lower())
    return out


def write_atomic(path, data, tmp=None):
    """Readers never see a half-written file: write a tmp file, rename.
    Callers serialise writes to one path."""
    if tmp is None:
        d, base = os.path.split(path)
        tmp = os.path.join(d, "." + base + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def run_server(top, log, name, serve):
    """Runs serve() with DIR/pid written, and DIR/port and DIR/pid removed
    afterwards (pid only if still ours).  Returns the exit status: 1 when
    serve() fails to listen, else 0."""
    write_atomic(os.path.join(top, "pid"), b"%d\n" % os.getpid())
    try:
        serve()
    except (OSError, ValueError) as e:
        log.error("%s: %s", name, e)
        return 1
    finally:
        for base in ("port", "pid"):
            path = os.path.join(top, base)
            try:
                if base == "pid":
                    with open(path) as f:
                        if f.read().strip() != str(os.getpid()):
                            continue
                os.unlink(path)
            except OSError:
                pass
    log.info("%s stopped", name)
    return 0
