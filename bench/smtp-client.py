#!/usr/bin/python3
"""The Python side of the send benchmark: resends stored messages with smtplib.

usage: smtp-client.py --port N --ca CA.pem --users FILE --mail DIR
                      --connections 1|per-mailbox

DIR is a test server's mail directory (tests/servers/smtpd.py): every
NNNNNN.eml is sent again byte for byte (smtplib only dot-stuffs it on the
wire, and the server unstuffs it), to the recipients in its NNNNNN.json.
The server is 127.0.0.1:N; TLS is STARTTLS verified against CA.pem (the
certificate names IP:127.0.0.1), then AUTH PLAIN.

--connections 1: one connection, logged in as the first user in FILE,
    which is then also the envelope sender of every message.
--connections per-mailbox: one thread and one connection per sending
    mailbox (the "auth_user" in the .json), each logged in as that mailbox
    and sending what it sent, all in parallel, as `mailrota run` does.

Every message is read into memory before the clock starts.  Prints one
line, "sent N over C connection(s) in S s (R msg/s)", the seconds measured
from the first connect to the last QUIT.  Any SMTP error stops it with exit
status 1.  Standard library only (Debian's python3).
"""
import argparse
import json
import os
import re
import smtplib
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"   # loopback only, never anything else
EHLO_NAME = "sender.example"   # skips smtplib's getfqdn() (a DNS lookup)


def load(mail_dir):
    msgs = []
    for name in sorted(os.listdir(mail_dir)):
        m = re.match(r"^([0-9]{6})\.eml$", name)
        if not m:
            continue
        with open(os.path.join(mail_dir, name), "rb") as f:
            body = f.read()
        with open(os.path.join(mail_dir, m.group(1) + ".json")) as f:
            meta = json.load(f)
        msgs.append((meta["auth_user"], meta["rcpt_tos"], body))
    return msgs


def read_users(path):
    users = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line and not line.startswith("#"):
                email, _, pw = line.partition(":")
                users.append((email, pw))
    return users


def session(port, ctx, user, password, batch):
    """One connection: STARTTLS, AUTH PLAIN as user, every message, QUIT."""
    s = smtplib.SMTP(HOST, port, local_hostname=EHLO_NAME, timeout=30)
    try:
        s.ehlo()
        s.starttls(context=ctx)
        s.ehlo()
        s.user, s.password = user, password
        s.auth("PLAIN", s.auth_plain)
        for rcpts, body in batch:
            refused = s.sendmail(user, rcpts, body)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
    finally:
        try:
            s.quit()
        except smtplib.SMTPException:
            s.close()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--users", required=True)
    p.add_argument("--mail", required=True)
    p.add_argument("--connections", choices=("1", "per-mailbox"),
                   required=True)
    o = p.parse_args(argv)

    msgs = load(o.mail)
    users = read_users(o.users)
    pw = dict((e.lower(), pw) for e, pw in users)
    ctx = ssl.create_default_context(cafile=o.ca)

    if o.connections == "1":
        user = users[0][0]
        plan = [(user, pw[user.lower()], [(r, b) for _, r, b in msgs])]
    else:
        by = {}
        for auth_user, rcpts, body in msgs:
            by.setdefault(auth_user, []).append((rcpts, body))
        plan = [(u, pw[u.lower()], batch) for u, batch in sorted(by.items())]

    errors = []

    def worker(user, password, batch):
        try:
            session(o.port, ctx, user, password, batch)
        except Exception as e:   # reported below, exit 1
            errors.append("%s: %s: %s" % (user, type(e).__name__, e))

    t0 = time.monotonic()
    if len(plan) == 1:
        worker(*plan[0])
    else:
        threads = [threading.Thread(target=worker, args=job) for job in plan]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    secs = time.monotonic() - t0
    if errors:
        for e in errors:
            sys.stderr.write("smtp-client.py: %s\n" % e)
        return 1
    n = sum(len(batch) for _, _, batch in plan)
    print("sent %d over %d connection%s in %.2f s (%.0f msg/s)" % (
        n, len(plan), "" if len(plan) == 1 else "s", secs,
        n / secs if secs > 0 else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
