#!/usr/bin/python3
"""Checks the messages tests/servers/smtpd.py stored: what a hostile value
could break (t_hostile.sh).  Run with /usr/bin/python3.

usage: mailcheck.py MAILDIR DATABASE [--rcpt ADDR]... [--subject-has TEXT]...
                    [--body-line LINE]...

--rcpt: a contact that must get exactly one message (and nobody else may);
--subject-has: text every decoded Subject must hold as it is;
--body-line: a line every decoded body must hold.  The display names to
expect come from DATABASE: a mailbox's display_name, a contact's
"first_name last_name", each with what mailrota turns into a space in a
header (C0, DEL and C1 controls, U+2028, U+2029) made a space.

Prints one line per property, "PROPERTY|ok" or "PROPERTY|what broke it",
always the same properties in the same order, so that the calling test
counts a check for each.  Display names are compared with ASCII spaces and
tabs removed: an encoded word may end inside a word, and Python's address
parser keeps the space between two encoded words.
"""

import argparse
import email
import email.policy
import json
import os
import re
import sqlite3

FIELDS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
          "Content-Type", "Content-Transfer-Encoding", "List-Unsubscribe",
          "List-Unsubscribe-Post"]
# What mailrota turns into a space in a header (message.h): C0, DEL, C1
# controls and the Unicode line and paragraph separators.
BREAKS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

PROPS = [
    "at least one message",
    "exactly one envelope recipient per message",
    "the envelope recipient is an expected contact",
    "each expected contact got exactly one message",
    "no NUL byte anywhere",
    "every line ends with CRLF (no bare CR or LF)",
    "every line is at most 998 octets",
    "the message is 7-bit ASCII on the wire",
    "the header block holds only header fields",
    "exactly the expected header fields, once each",
    "no Bcc, Cc or Resent field",
    "the parser finds no defect",
    "decoded header values hold no line break or control character",
    "To holds exactly the envelope recipient",
    "To's display name is the contact's name",
    "From holds exactly the sending mailbox",
    "From's display name is the mailbox's name",
    "Subject keeps encoded-word lookalikes as text",
    "the body is valid UTF-8",
    "the body holds the expected lines (dot-stuffing undone)",
]


def squeeze(s):
    return re.sub("[ \t]+", "", BREAKS.sub(" ", s))


def names_from(db):
    con = sqlite3.connect(db)
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    from_names = {e.lower(): n or "" for e, n in con.execute(
        "SELECT email, display_name FROM mailboxes")}
    to_names = {}
    for e, f, l in con.execute(
            "SELECT email, first_name, last_name FROM contacts"):
        to_names[e.lower()] = " ".join(x for x in (f, l) if x)
    con.close()
    return from_names, to_names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("maildir")
    ap.add_argument("db")
    ap.add_argument("--rcpt", action="append", default=[])
    ap.add_argument("--subject-has", action="append", default=[])
    ap.add_argument("--body-line", action="append", default=[])
    args = ap.parse_args()
    maildir = args.maildir
    rcpts = [a.lower() for a in args.rcpt]
    from_names, to_names = names_from(args.db)
    bad = {p: [] for p in PROPS}
    seen = []
    files = sorted(n for n in os.listdir(maildir) if n.endswith(".eml"))
    if not files:
        bad["at least one message"].append("none stored")

    for name in files:
        with open(os.path.join(maildir, name), "rb") as f:
            raw = f.read()
        with open(os.path.join(maildir, name[:-4] + ".json"),
                  encoding="utf-8") as f:
            meta = json.load(f)

        def no(prop, what=""):
            bad[prop].append(("%s %s" % (name, what)).strip())

        tos = [a.lower() for a in meta["rcpt_tos"]]
        if len(tos) != 1:
            no("exactly one envelope recipient per message", repr(tos))
        rcpt = tos[0] if tos else ""
        seen.extend(tos)
        for a in tos:
            if a not in rcpts:
                no("the envelope recipient is an expected contact", a)

        if b"\0" in raw:
            no("no NUL byte anywhere")
        lines = raw.split(b"\r\n")
        if lines[-1] != b"" or any(b"\r" in ln or b"\n" in ln
                                   for ln in lines):
            no("every line ends with CRLF (no bare CR or LF)")
        longest = max(len(ln) for ln in lines)
        if longest > 998:
            no("every line is at most 998 octets", str(longest))
        if any(b >= 0x80 for b in raw):
            no("the message is 7-bit ASCII on the wire")

        head = raw.partition(b"\r\n\r\n")[0]
        names = []
        for ln in head.split(b"\r\n"):
            if ln[:1] in (b" ", b"\t"):
                continue
            m = re.match(rb"([!-9;-~]+):", ln)
            if not m:
                no("the header block holds only header fields",
                   repr(ln[:60]))
                continue
            names.append(m.group(1).decode("ascii"))
        if sorted(n.lower() for n in names) != sorted(n.lower()
                                                      for n in FIELDS):
            no("exactly the expected header fields, once each",
               ",".join(names))
        if any(re.match(r"(resent-)?(bcc|cc|to)$|resent-", n, re.I) and
               n.lower() != "to" for n in names):
            no("no Bcc, Cc or Resent field", ",".join(names))

        msg = email.message_from_bytes(raw, policy=email.policy.default)
        defects = [repr(d) for d in msg.defects]
        for h in FIELDS:
            if msg[h] is None:
                continue
            v = str(msg[h])
            defects += ["%s: %r" % (h, d) for d in msg[h].defects]
            if BREAKS.search(v):
                no("decoded header values hold no line break or control "
                   "character", "%s %r" % (h, v[:80]))
        if defects:
            no("the parser finds no defect", "; ".join(defects)[:200])

        to = msg["To"].addresses if msg["To"] is not None else ()
        if len(to) != 1 or to[0].addr_spec.lower() != rcpt:
            no("To holds exactly the envelope recipient",
               repr([a.addr_spec for a in to]))
        elif squeeze(to[0].display_name) != squeeze(to_names.get(rcpt, "")):
            no("To's display name is the contact's name",
               repr(to[0].display_name[:80]))
        fr = msg["From"].addresses if msg["From"] is not None else ()
        sender = meta["mail_from"].lower()
        if len(fr) != 1 or fr[0].addr_spec.lower() != sender:
            no("From holds exactly the sending mailbox",
               repr([a.addr_spec for a in fr]))
        elif squeeze(fr[0].display_name) != squeeze(from_names.get(sender,
                                                                   "")):
            no("From's display name is the mailbox's name",
               repr(fr[0].display_name[:80]))
        subject = str(msg["Subject"])
        for s in args.subject_has:
            if s not in subject:
                no("Subject keeps encoded-word lookalikes as text", repr(s))

        payload = msg.get_payload(decode=True) or b""
        try:
            body = payload.decode("utf-8")
        except UnicodeDecodeError as e:
            no("the body is valid UTF-8", str(e))
            body = ""
        blines = body.replace("\r\n", "\n").split("\n")
        for s in args.body_line:
            if s not in blines:
                no("the body holds the expected lines (dot-stuffing "
                   "undone)", repr(s))

    if sorted(seen) != sorted(rcpts):
        bad["each expected contact got exactly one message"].append(
            "got %s" % sorted(seen))
    for p in PROPS:
        print("%s|%s" % (p, "ok" if not bad[p] else
                         "; ".join(bad[p])[:400].replace("\n", " ")))


if __name__ == "__main__":
    main()
