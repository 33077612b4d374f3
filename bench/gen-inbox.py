#!/usr/bin/python3
"""Writes a sender's inbound mail for the inbox benchmark.

usage: gen-inbox.py N DB MAILDIR MAILBOX NOW

N messages as Maildir files in MAILDIR/cur (LF line ends, as Dovecot
stores them), each file's mtime (Dovecot's INTERNALDATE) in the 3 days
before NOW (epoch seconds).  Before that, the sends they answer are
written straight into the mailrota database DB (the benchmark's setup
only: `mailrota run` against the test SMTP server would take far longer
than the benchmark): one `sent` send of campaign C1 from MAILBOX to each
contact already in DB, sent 4 to 10 days before NOW, with a Message-ID
of mailrota's form <uuid@sender-domain>.

The mix (seeded: the same N gives the same bytes):
  ~60% delivery reports: multipart/report DSNs (Postfix/Exchange/Gmail
       style, message/delivery-status; half return the original as
       message/rfc822 or text/rfc822-headers), Exchange-style NDRs with
       only text (X-MS-Exchange-Message-Is-Ndr, "Undeliverable:"), and a
       few delays; codes 5.1.1, 5.1.10, 5.2.2, 5.7.1, 4.4.7, ...
  ~15% auto-replies (Auto-Submitted, "Automatic reply:", X-Autoreply)
  ~15% replies (In-Reply-To a send's Message-ID, quoted original)
   ~5% unsubscribe replies ("please remove me")
   ~5% other (newsletters, notifications)
About 90% refer to a real send (by In-Reply-To, returned original or
recipient); the rest name addresses mailrota never wrote to.  Sizes are
2 to 30 KB (text and HTML padding, quoted text, returned originals).
Prints "N contacts, S sends, B bytes".  Standard library only.
"""
import os
import random
import sqlite3
import sys
import time
import uuid

SEED = 20261204

WORDS = """the we our you your team product meeting next week thanks for
reaching out about platform pricing integration support quarter schedule
call demo review proposal budget timeline project update customer
analytics report data pipeline security compliance onboarding contract
renewal feedback question follow up please let me know if works best
regards looking forward hearing from soon happy to help details attached
available Tuesday Thursday morning afternoon office travel conference
roadmap feature release migration cloud deployment invoice account""".split()


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def para(rng, nbytes, width=72):
    """Plain text of about nbytes, wrapped at width."""
    out, line, total = [], [], 0
    while total < nbytes:
        w = rng.choice(WORDS)
        if sum(len(x) + 1 for x in line) + len(w) > width:
            out.append(" ".join(line))
            total += len(out[-1]) + 1
            line = []
        line.append(w)
    out.append(" ".join(line))
    return "\n".join(out)


def html(rng, nbytes):
    body, total = [], 0
    while total < nbytes:
        p = "<p style=\"font-family:Calibri,sans-serif;font-size:11pt\">%s</p>" \
            % words(rng, rng.randint(10, 40))
        body.append(p)
        total += len(p) + 1
    return "<html><head><meta charset=\"utf-8\"></head><body>\n%s\n" \
           "</body></html>" % "\n".join(body)


def date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def mid(rng, domain):
    return "<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128)).hex, domain)


class Gen:
    def __init__(self, rng, sends, mailbox, now):
        self.rng = rng
        self.sends = sends  # [(contact email, first name, message-id, sent)]
        self.mailbox = mailbox
        self.domain = mailbox.split("@")[1]
        self.now = now

    def target(self):
        """A send (90%), or an address never written to."""
        r = self.rng
        if self.sends and r.random() < 0.9:
            return r.choice(self.sends)
        n = r.randint(1, 99999)
        return ("nobody%05d@unknown%03d.example" % (n, n % 997), "Pat",
                None, self.now - 5 * 86400)

    def original(self, s, pad):
        """The message mailrota sent (as returned in a report)."""
        email, first, msgid, sent = s
        msgid = msgid or mid(self.rng, self.domain)
        return ("From: Sender <%s>\nTo: %s\nSubject: Quick question, %s\n"
                "Date: %s\nMessage-ID: %s\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\n\nHi %s,\n\n%s\n"
                % (self.mailbox, email, first, date(sent), msgid, first,
                   para(self.rng, pad)))

    def headers_of(self, s):
        email, first, msgid, sent = s
        return ("From: Sender <%s>\nTo: %s\nSubject: Quick question, %s\n"
                "Date: %s\nMessage-ID: %s\n"
                % (self.mailbox, email, first, date(sent),
                   msgid or mid(self.rng, self.domain)))

    def size(self):
        """Padding bytes, so messages land between 2 and 30 KB."""
        r = self.rng
        return int(min(28000, max(800, r.lognormvariate(8.6, 0.7))))

    # ---- delivery reports
    CODES = [("5.1.1", 550, "failed", "User unknown", 40),
             ("5.1.10", 550, "failed", "RecipientNotFound; Recipient not "
              "found by SMTP address lookup", 15),
             ("5.1.0", 550, "failed", "Address rejected", 5),
             ("5.2.2", 552, "failed", "Mailbox full", 8),
             ("5.7.1", 550, "failed", "Delivery not authorized, message "
              "refused", 8),
             ("5.4.1", 550, "failed", "Recipient address rejected: Access "
              "denied", 6),
             ("4.4.7", 421, "failed", "Message expired", 5),
             ("4.2.2", 452, "delayed", "Mailbox temporarily over quota", 8),
             ("4.4.1", 451, "delayed", "Connection timed out", 5)]

    def code(self):
        return self.rng.choices(self.CODES,
                                weights=[c[4] for c in self.CODES])[0]

    def dsn(self, t):
        r = self.rng
        s = self.target()
        status, smtp, action, text, _ = self.code()
        b = "=_%x" % r.getrandbits(64)
        mta = r.choice(["mx%d.%s" % (r.randint(1, 9), s[0].split("@")[1]),
                        "NAM%02dPR%02dMB%04d.prod.outlook.com" %
                        (r.randint(1, 12), r.randint(1, 20),
                         r.randint(1, 9999))])
        human = ("This is the mail system at host %s.\n\nI'm sorry to have "
                 "to inform you that your message could not\nbe delivered "
                 "to one or more recipients.\n\n<%s>: host %s said: %d %s "
                 "%s\n" % (mta, s[0], mta, smtp, status, text))
        if action == "delayed":
            human = ("Delivery to the following recipient has been delayed:"
                     "\n\n     %s\n\nMessage will be retried for 2 more "
                     "day(s)\n" % s[0])
        ret = r.random()
        parts = [("text/plain; charset=us-ascii", human +
                  "\n" + para(r, self.size() // 3)),
                 ("message/delivery-status",
                  "Reporting-MTA: dns; %s\nArrival-Date: %s\n\n"
                  "Final-Recipient: rfc822; %s\nOriginal-Recipient: "
                  "rfc822;%s\nAction: %s\nStatus: %s\nRemote-MTA: dns; %s\n"
                  "Diagnostic-Code: smtp; %d %s %s\n"
                  % (mta, date(t - 60), s[0], s[0], action, status, mta,
                     smtp, status, text))]
        if ret < 0.3:
            parts.append(("message/rfc822", self.original(s, self.size())))
        elif ret < 0.5:
            parts.append(("text/rfc822-headers", self.headers_of(s)))
        subj = ("Undelivered Mail Returned to Sender" if action == "failed"
                else "Delayed Mail (still being retried)")
        body = "This is a MIME-encapsulated message.\n\n"
        for ct, content in parts:
            body += "--%s\nContent-Type: %s\n\n%s\n" % (b, ct, content)
        body += "--%s--\n" % b
        return ("Return-Path: <>\nFrom: MAILER-DAEMON@%s (Mail Delivery "
                "System)\nTo: %s\nSubject: %s\nDate: %s\nMessage-ID: %s\n"
                "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
                "Content-Type: multipart/report; report-type=delivery-status;"
                "\n\tboundary=\"%s\"\n\n%s"
                % (mta, self.mailbox, subj, date(t), mid(r, mta), b, body))

    def ndr_text(self, t):
        """Exchange-style: text and HTML only, the code in the text."""
        r = self.rng
        s = self.target()
        status, smtp, action, text, _ = self.code()
        if action == "delayed":
            status, smtp, text = "5.1.10", 550, self.CODES[1][3]
        b = "_000_%x" % r.getrandbits(64)
        srv = "NAM%02dPR%02dMB%04d.prod.outlook.com" % (
            r.randint(1, 12), r.randint(1, 20), r.randint(1, 9999))
        plain = ("Your message to %s couldn't be delivered.\n\n%s wasn't "
                 "found at %s.\n\n%s\nOffice 365\n\nAction Required\n\n"
                 "Diagnostic information for administrators:\n\nGenerating "
                 "server: %s\n\n%s\nRemote Server returned '%d %s %s'\n\n"
                 % (s[0], s[0].split("@")[0], s[0].split("@")[1],
                    para(r, 400), srv, s[0], smtp, status, text))
        pad = self.size()
        body = ("--%s\nContent-Type: text/plain; charset=\"us-ascii\"\n\n%s"
                "\n%s\n--%s\nContent-Type: text/html; charset=\"us-ascii\"\n"
                "\n%s\n--%s--\n" % (b, plain, para(r, pad // 3), b,
                                    html(r, pad * 2 // 3), b))
        return ("From: Microsoft Outlook <postmaster@%s>\nTo: %s\n"
                "Subject: Undeliverable: Quick question, %s\nDate: %s\n"
                "Message-ID: %s\nX-MS-Exchange-Message-Is-Ndr:\n"
                "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
                "Content-Type: multipart/alternative; boundary=\"%s\"\n\n%s"
                % (self.domain, self.mailbox, s[1], date(t),
                   mid(r, srv), b, body))

    # ---- people
    def reply_like(self, t, subject, text, extra=""):
        r = self.rng
        s = self.target()
        email, first, msgid, sent = s
        refs = ("In-Reply-To: %s\nReferences: %s\n" % (msgid, msgid)
                if msgid else "")
        quoted = "\n".join("> " + line for line in
                           self.original(s, self.size()).splitlines())
        b = "=_%x" % r.getrandbits(64)
        if r.random() < 0.5:
            ctype = "text/plain; charset=utf-8"
            body = "%s\n\n%s\n\nOn %s, Sender wrote:\n%s\n" % (
                text, first, date(sent), quoted)
        else:
            ctype = "multipart/alternative; boundary=\"%s\"" % b
            body = ("--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n\n"
                    "%s\n\nOn %s, Sender wrote:\n%s\n--%s\nContent-Type: "
                    "text/html; charset=utf-8\n\n%s\n--%s--\n"
                    % (b, text, first, date(sent), quoted, b,
                       html(r, self.size()), b))
        return ("From: %s <%s>\nTo: Sender <%s>\nSubject: %s\nDate: %s\n"
                "Message-ID: %s\n%s%sMIME-Version: 1.0\nContent-Type: %s\n\n%s"
                % (first, email, self.mailbox, subject % first, date(t),
                   mid(r, email.split("@")[1]), refs, extra, ctype, body))

    def reply(self, t):
        text = self.rng.choice([
            "Thanks for reaching out. Could we talk next Tuesday?",
            "Interesting. Can you send me the pricing details?",
            "Not right now, maybe next quarter.",
            "Please talk to my colleague in procurement."])
        return self.reply_like(t, "Re: Quick question, %s", text + "\n\n" +
                               para(self.rng, 300))

    def unsubscribe(self, t):
        text = self.rng.choice([
            "Please remove me from your list.", "unsubscribe",
            "Stop emailing me.", "Take me off your mailing list, thanks.",
            "Bitte abmelden."])
        return self.reply_like(t, "Re: Quick question, %s", text)

    def auto_reply(self, t):
        r = self.rng
        subject, extra = r.choice([
            ("Automatic reply: Quick question, %s",
             "Auto-Submitted: auto-replied\nX-MS-Exchange-Inbox-Rules-Loop: "
             "x\n"),
            ("Out of Office: Quick question, %s",
             "Auto-Submitted: auto-generated\n"),
            ("Abwesenheitsnotiz: Quick question, %s", "X-Autoreply: yes\n"),
            ("Re: Quick question, %s", "Precedence: auto_reply\n")])
        return self.reply_like(t, subject, "I am out of the office until "
                               "Monday with limited access to email.", extra)

    def other(self, t):
        r = self.rng
        b = "=_%x" % r.getrandbits(64)
        dom = "list%d.example" % r.randint(1, 40)
        pad = self.size()
        return ("From: News <news@%s>\nTo: %s\nSubject: This week: %s\n"
                "Date: %s\nMessage-ID: %s\nPrecedence: bulk\n"
                "List-Unsubscribe: <mailto:leave@%s>\nMIME-Version: 1.0\n"
                "Content-Type: multipart/alternative; boundary=\"%s\"\n\n"
                "--%s\nContent-Type: text/plain; charset=utf-8\n\n%s\n--%s\n"
                "Content-Type: text/html; charset=utf-8\n\n%s\n--%s--\n"
                % (dom, self.mailbox, words(r, 5), date(t), mid(r, dom), dom,
                   b, b, para(r, pad // 3), b, html(r, pad * 2 // 3), b))

    def message(self, t):
        x = self.rng.random()
        if x < 0.38:
            return self.dsn(t)
        if x < 0.60:
            return self.ndr_text(t)
        if x < 0.75:
            return self.auto_reply(t)
        if x < 0.90:
            return self.reply(t)
        if x < 0.95:
            return self.unsubscribe(t)
        return self.other(t)


def make_sends(rng, db, mailbox, now):
    """One sent send of C1 from mailbox to every contact in db."""
    dom = mailbox.split("@")[1]
    con = sqlite3.connect(db)
    con.execute("PRAGMA busy_timeout = 10000")
    (mb,) = con.execute("SELECT id FROM mailboxes WHERE email = ?",
                        (mailbox,)).fetchone()
    (camp,) = con.execute("SELECT id FROM campaigns WHERE name = 'C1'"
                          ).fetchone()
    rows, sends = [], []
    for cid, email, first in con.execute(
            "SELECT id, email, coalesce(first_name, '') FROM contacts"
            " ORDER BY id"):
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        msgid = "<%s@%s>" % (u, dom)
        sent = now - rng.randint(4 * 86400, 10 * 86400)
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sent))
        rows.append((u, camp, cid, mb, msgid, iso[:10], iso, iso, iso))
        sends.append((email, first, msgid, sent))
    with con:
        con.executemany(
            "INSERT INTO sends(id, campaign_id, contact_id, mailbox_id,"
            " transport, status, attempts, smtp_code, smtp_enhanced,"
            " message_id, day, created_at, last_attempt_at, sent_at)"
            " VALUES (?, ?, ?, ?, 'smtp', 'sent', 1, 250, '2.0.0', ?, ?, ?,"
            " ?, ?)", rows)
    con.close()
    return sends


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    n, db, maildir, mailbox, now = (int(sys.argv[1]), sys.argv[2],
                                    sys.argv[3], sys.argv[4],
                                    int(sys.argv[5]))
    rng = random.Random(SEED)
    sends = make_sends(rng, db, mailbox, now)
    gen = Gen(rng, sends, mailbox, now)
    cur = os.path.join(maildir, "cur")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    total = 0
    times = sorted(now - rng.randint(600, 3 * 86400) for _ in range(n))
    for i, t in enumerate(times):
        data = gen.message(t).encode("utf-8")
        name = os.path.join(cur, "%d.M%06dP1.bench,S=%d:2," %
                            (t, i, len(data)))
        with open(name, "wb") as f:
            f.write(data)
        os.utime(name, (t, t))
        total += len(data)
    print("%d contacts, %d sends, %d bytes" % (len(sends), len(sends),
                                                total))


if __name__ == "__main__":
    main()
