#!/usr/bin/python3
"""imapd_oauth.py - Dovecot checkpassword program for the test IMAP server
(lib-imapd.sh): accepts AUTHENTICATE XOAUTH2 with a token made by m365d.py
(mstoken.py), as Exchange Online accepts an app-only token.

Dovecot 2.3's XOAUTH2 and OAUTHBEARER mechanisms hand the bearer token to
the passdb as the password; the checkpassword protocol gives it here on
fd 3 as "user\\0token\\0...".  The token must verify with the key file
(HS256, audience https://outlook.office365.com, not expired), carry the
role (default IMAP.AccessAsApp, as Microsoft requires), and the user must
be listed in the mailbox file (one address a line: the mailboxes the app
was given FullAccess on).  Then it execs the reply program (argv), as
checkpassword requires; otherwise exits 1 (refused) after one log line
on stderr (Dovecot's log) with the reason, never the token.

usage (from dovecot.conf):
  args = /usr/bin/python3 .../imapd_oauth.py KEY_FILE MAILBOX_FILE [ROLE]
Dovecot appends the reply program to argv.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mstoken  # noqa: E402

ROLE = "IMAP.AccessAsApp"


def refuse(user, why):
    sys.stderr.write("imapd_oauth: %r refused: %s\n" % (user, why))
    sys.exit(1)


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: imapd_oauth.py KEY MAILBOXES [ROLE] REPLY\n")
        return 111
    key_file, mailbox_file = argv[1], argv[2]
    role, reply = (argv[3], argv[4:]) if len(argv) > 4 else (ROLE, argv[3:])
    with os.fdopen(3, "rb") as f:
        data = f.read(65536)
    parts = data.split(b"\0")
    if len(parts) < 2:
        refuse("?", "no user and token on fd 3")
    user = parts[0].decode("utf-8", "replace")
    token = parts[1].decode("ascii", "replace")
    payload, reason = mstoken.verify(token, mstoken.load_key(key_file),
                                     mstoken.OUTLOOK)
    if payload is None:
        refuse(user, reason)
    if not mstoken.has_role(payload, role):
        refuse(user, "no role " + role)
    with open(mailbox_file, encoding="utf-8") as f:
        allowed = {line.strip().lower() for line in f if line.strip()}
    if user.lower() not in allowed:
        refuse(user, "the app has no access to this mailbox")
    os.environ["USER"] = user
    os.execv(reply[0], reply)
    return 111


if __name__ == "__main__":
    sys.exit(main(sys.argv))
