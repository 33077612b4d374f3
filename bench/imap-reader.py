#!/usr/bin/python3
"""The inbox benchmark's anchor: a minimal reader of one IMAP mailbox.

usage: imap-reader.py HOST PORT CA USER PASSWORD-ENV [BATCH]

Over one implicit-TLS connection (verifying the server against CA):
LOGIN, EXAMINE INBOX (read-only), UID SEARCH ALL, then UID FETCH
BODY.PEEK[] of BATCH UIDs at a time (default 100), and parses each
message with email.message_from_bytes, walking its parts (what a reader
must do at least to find a delivery-status part).  Stores nothing.  The
password comes from the environment variable PASSWORD-ENV.  Prints
"read N messages, B bytes, P parts".  Standard library only.
"""
import email
import imaplib
import os
import ssl
import sys


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__.split("\n\n")[1])
    host, port, ca, user, pwenv = sys.argv[1:6]
    batch = int(sys.argv[6]) if len(sys.argv) == 7 else 100
    ctx = ssl.create_default_context(cafile=ca)
    imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
    imap.login(user, os.environ[pwenv])
    typ, _ = imap.select("INBOX", readonly=True)
    if typ != "OK":
        sys.exit("EXAMINE INBOX failed")
    typ, data = imap.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    n = nbytes = parts = 0
    for i in range(0, len(uids), batch):
        uset = b",".join(uids[i:i + batch]).decode()
        typ, data = imap.uid("FETCH", uset, "(BODY.PEEK[])")
        if typ != "OK":
            sys.exit("UID FETCH failed")
        for item in data:
            if not isinstance(item, tuple):
                continue
            raw = item[1]
            msg = email.message_from_bytes(raw)
            for _ in msg.walk():
                parts += 1
            n += 1
            nbytes += len(raw)
    imap.logout()
    print("read %d messages, %d bytes, %d parts" % (n, nbytes, parts))


if __name__ == "__main__":
    main()
