#!/usr/bin/python3
"""bench/gen-plandb.py - the plan benchmark's database (issue 17).

usage: gen-plandb.py MAILROTA DIR

Makes DIR/config.yaml, DIR/mailrota.key and DIR/mailrota.db (schema by
`MAILROTA init`), then fills it in one transaction, seeded, as mailrota
would have left it after ~60 days of sending:

  contacts    BENCH_PLAN_CONTACTS (default 1000000); companies a tenth of
              that, sizes skewed (many small, a few large); ~3% without one
  mailboxes   10, cold-ready, daily_cap 30, auth plain, password_env
              MAILROTA_BENCH_PW (no secret is stored)
  campaigns   3; the first has follow-up steps 2 and 3
  enrollments every contact in one or two campaigns, enrolled over the
              ~90 days before NOW in contact order
  sends       half the contact count, over the 60 days before NOW's day,
              in enrollment order, at most 4 contacts per company per
              campaign, 10-day cooldown, follow-ups after the cooldown;
              mostly sent, some bounced / failed / unknown, deferred
              only in the last two days (older ones were retried)
  suppressions ~0.5% of addresses and 20 @domains; some contacts
              unsubscribed, bounced (their send bounced) or replied

NOW is BENCH_PLAN_NOW (default 2026-06-01T09:00:00Z): give mailrota the
same MAILROTA_NOW.  BENCH_PLAN_SEED (default 17) seeds everything.
BENCH_PLAN_ANALYZE (default 1) runs ANALYZE at the end: without
sqlite_stat1, today's planner's inbound EXISTS subquery walks every send
of the campaign per enrollment and never finishes at 1 M; mailrota
itself never runs ANALYZE, so BENCH_PLAN_ANALYZE=0 is what users have.
Only the standard library (sqlite3).
"""

import datetime
import os
import random
import sqlite3
import subprocess
import sys
import time

COOLDOWN = 10
COMPANY_LIMIT = 4
MAILBOXES = 10
HISTORY_DAYS = 60
ENROLL_DAYS = 90
PW_ENV = "MAILROTA_BENCH_PW"

FIRST = ["Ada", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ines",
         "Jon", "Kai", "Lea", "Max", "Nora", "Omar", "Pia", "Rui", "Sara"]
LAST = ["Smith", "Meyer", "Rossi", "Novak", "Silva", "Kim", "Berg",
        "Dubois", "Jansen", "Kowalski", "Lopez", "Tanaka", "Walsh"]
TITLES = ["CTO", "Head of Engineering", "Engineering Manager", "VP Sales",
          "Founder", "Recruiter", "Developer", None]


def iso(t):
    """Seconds since the epoch -> mailrota's UTC ISO time."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def day_of(t):
    return time.strftime("%Y-%m-%d", time.gmtime(int(t)))


def parse_now(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp())


def uuid(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:])


def setup(mr, out, root):
    os.makedirs(out, exist_ok=True)
    db = os.path.join(out, "mailrota.db")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    cfg = os.path.join(out, "config.yaml")
    with open(cfg, "w") as f:
        f.write("database: ./mailrota.db\nkey_file: ./mailrota.key\n"
                "timezone: UTC\n"
                "smtp:\n  host: 127.0.0.1\n  port: 2525\n"
                "rules:\n  daily_cap: 30\n  cooldown_days: %d\n"
                "  max_contacts_per_company: %d\n" % (COOLDOWN, COMPANY_LIMIT))
    subprocess.run([mr, "-c", cfg, "init"], check=True,
                   stdout=subprocess.DEVNULL)
    return db


def companies(n, now):
    rows = []
    for i in range(1, n + 1):
        rows.append((i, "Company %d" % i, "co%d.example" % i,
                     "company %d" % i, iso(now - 100 * 86400)))
    return rows


def company_for(rng, ncomp):
    """Skewed: low ids are big (id 1 ~1% of contacts), most have a few."""
    if ncomp == 0 or rng.random() < 0.03:
        return None
    return min(ncomp, int(ncomp * rng.random() ** 2.2) + 1)


def contacts(rng, n, ncomp, now):
    """Rows plus, per contact, its company id (None: none)."""
    rows, comp = [], [None] * (n + 1)
    t0 = now - 100 * 86400
    for i in range(1, n + 1):
        c = company_for(rng, ncomp)
        comp[i] = c
        dom = "co%d.example" % c if c else "mail%d.example" % (i % 997)
        t = iso(t0 + i * 86400 * 5 // max(n, 1))
        rows.append((i, "p%d@%s" % (i, dom), rng.choice(FIRST),
                     rng.choice(LAST), rng.choice(TITLES), c,
                     "Company %d" % c if c else None, "active", t, t))
    return rows, comp


def enrollments(rng, n, now):
    """(enrolled_at seconds, campaign, contact), in enrollment order."""
    out = []
    t0 = now - ENROLL_DAYS * 86400
    span = (ENROLL_DAYS - 1) * 86400
    for i in range(1, n + 1):
        t = t0 + (i - 1) * span // max(n, 1)
        first = rng.randrange(1, 4)
        out.append((t, first, i))
        if rng.random() < 0.4:
            out.append((t + 1, 1 + first % 3, i))
    return out


STATUSES = [("sent", 0.90), ("bounced", 0.03), ("deferred", 0.03),
            ("failed", 0.025), ("unknown", 0.015)]


def pick_status(rng):
    r = rng.random()
    for s, p in STATUSES:
        if r < p:
            return s
        r -= p
    return "sent"


def send_row(rng, st, camp, contact, step, mb, t, run_id, comp, tries):
    code = {"sent": 250, "bounced": 550, "deferred": 451,
            "failed": None, "unknown": None}[st]
    text = {"sent": "2.0.0 Ok: queued", "bounced": "5.1.1 user unknown",
            "deferred": "4.7.0 try again later", "failed": None,
            "unknown": None}[st]
    msgid = "<%s@sender.example>" % uuid(rng) if st in (
        "sent", "bounced", "unknown") else None
    at = iso(t)
    return (uuid(rng), run_id, camp, contact, step, mb, st, tries, code, text,
            msgid, day_of(t), at, at, at if st == "sent" else None, comp)


class History:
    """Replays ~60 days of mailrota runs over the enrollments."""

    def __init__(self, rng, enr, comp, now, target):
        self.rng, self.enr, self.comp = rng, enr, comp
        self.target = target
        self.day0 = (now // 86400 - HISTORY_DAYS) * 86400
        self.per_day = max(1, target // HISTORY_DAYS)
        self.last = {}          # contact -> last send time
        self.co_count = {}      # (campaign, company) -> contacts written
        self.done = set()       # (campaign, contact) written at step 1
        self.dead = set()       # contacts bounced/replied/unsubscribed
        self.status = {}        # contact -> new status
        self.followups = []     # (due time, campaign, contact, step)
        self.sends, self.runs = [], []

    def try_first(self, t, camp, c):
        co = self.comp[c]
        if c in self.dead or (camp, c) in self.done:
            return True
        if co is not None and self.co_count.get((camp, co), 0) >= \
                COMPANY_LIMIT:
            return True          # skipped for good
        if t - self.last.get(c, -10 ** 12) < COOLDOWN * 86400:
            return False         # later
        if co is not None:
            self.co_count[(camp, co)] = self.co_count.get((camp, co), 0) + 1
        self.done.add((camp, c))
        return None

    def emit(self, t, camp, c, step, mb, run_id):
        st, tries = pick_status(self.rng), 1
        if st == "deferred" and t < self.day0 + (HISTORY_DAYS - 2) * 86400:
            st, tries = "sent", 2    # retried by a later run long ago
        self.sends.append(send_row(self.rng, st, camp, c, step, mb, t,
                                   run_id, self.comp[c], tries))
        self.last[c] = t
        if st == "bounced" and self.rng.random() < 0.7:
            self.dead.add(c)
            self.status[c] = ("bounced", t)
        elif st == "sent" and self.rng.random() < 0.01:
            self.dead.add(c)
            self.status[c] = ("replied", t + 3600)
        elif st == "sent" and camp == 1 and step < 3:
            self.followups.append((t + COOLDOWN * 86400, camp, c, step + 1))

    def run_day(self, d, pos, waiting):
        start = self.day0 + d * 86400 + 8 * 3600
        run_id = uuid(self.rng)
        n, mb, k = 0, 0, 0
        due = [f for f in self.followups if f[0] <= start]
        self.followups = [f for f in self.followups if f[0] > start]
        todo = []
        for f in due:
            if f[2] in self.dead or start - self.last.get(f[2], 0) < \
                    COOLDOWN * 86400:
                self.followups.append(f)
            else:
                todo.append(f)
        budget = min(self.per_day, self.target - len(self.sends))
        for f in todo[:budget]:
            self.emit(start + k * 3, f[1], f[2], f[3], mb % MAILBOXES + 1,
                      run_id)
            n, mb, k = n + 1, mb + 1, k + 1
        self.followups.extend(todo[budget:])
        still = []
        for cand in waiting + []:
            if n >= budget:
                still.append(cand)
                continue
            r = self.try_first(start, cand[1], cand[2])
            if r is False:
                still.append(cand)
            elif r is None:
                self.emit(start + k * 3, cand[1], cand[2], 1,
                          mb % MAILBOXES + 1, run_id)
                n, mb, k = n + 1, mb + 1, k + 1
        while n < budget and pos < len(self.enr) and \
                self.enr[pos][0] <= start:
            cand = self.enr[pos]
            pos += 1
            r = self.try_first(start, cand[1], cand[2])
            if r is False:
                still.append(cand)
            elif r is None:
                self.emit(start + k * 3, cand[1], cand[2], 1,
                          mb % MAILBOXES + 1, run_id)
                n, mb, k = n + 1, mb + 1, k + 1
        self.runs.append((run_id, iso(start), iso(start + k * 3 + 60),
                          day_of(start), n, n, 0))
        return pos, still

    def replay(self):
        pos, waiting = 0, []
        for d in range(HISTORY_DAYS):
            pos, waiting = self.run_day(d, pos, waiting)
        return self.sends


def fill(db, n, now, seed, root, analyze):
    rng = random.Random(seed)
    ncomp = n // 10
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    t = iso(now - 100 * 86400)
    tpl = os.path.join(root, "templates")
    con.executemany(
        "INSERT INTO mailboxes (id, email, display_name, status, daily_cap,"
        " auth, password_env, created_at, updated_at)"
        " VALUES (?, ?, ?, 'cold-ready', 30, 'plain', ?, ?, ?)",
        [(i, "mb%d@sender.example" % i, "Sender %d" % i, PW_ENV, t, t)
         for i in range(1, MAILBOXES + 1)])
    con.executemany(
        "INSERT INTO campaigns (id, name, template_path, status, created_at)"
        " VALUES (?, ?, ?, 'active', ?)",
        [(1, "intro", os.path.join(tpl, "intro.txt"), t),
         (2, "jobs", os.path.join(tpl, "job-opening.txt"), t),
         (3, "note", os.path.join(tpl, "last-note.txt"), t)])
    con.executemany(
        "INSERT INTO campaign_steps (campaign_id, step, template_path,"
        " after_days, created_at) VALUES (1, ?, ?, NULL, ?)",
        [(2, os.path.join(tpl, "follow-up.txt"), t),
         (3, os.path.join(tpl, "last-note.txt"), t)])
    con.executemany(
        "INSERT INTO companies (id, name, domain, name_key, created_at)"
        " VALUES (?, ?, ?, ?, ?)", companies(ncomp, now))
    rows, comp = contacts(rng, n, ncomp, now)
    con.executemany(
        "INSERT INTO contacts (id, email, first_name, last_name, title,"
        " company_id, company_name, status, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    del rows
    enr = enrollments(rng, n, now)
    con.executemany(
        "INSERT INTO enrollments (campaign_id, contact_id, enrolled_at)"
        " VALUES (?, ?, ?)", ((e[1], e[2], iso(e[0])) for e in enr))
    h = History(rng, enr, comp, now, n // 2)
    sends = h.replay()
    con.executemany(
        "INSERT INTO runs (id, started_at, finished_at, day, planned, sent,"
        " exit_code) VALUES (?, ?, ?, ?, ?, ?, ?)", h.runs)
    con.executemany(
        "INSERT INTO sends (id, run_id, campaign_id, contact_id, step,"
        " mailbox_id, status, attempts, smtp_code, smtp_text, message_id,"
        " day, created_at, last_attempt_at, sent_at, company_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sends)
    for c in rng.sample(range(1, n + 1), n // 200):
        if c not in h.status:
            h.status[c] = ("unsubscribed", now - rng.randrange(1, 50) * 86400)
    con.executemany(
        "UPDATE contacts SET status = ?, updated_at = ? WHERE id = ?",
        ((s, iso(at), c) for c, (s, at) in sorted(h.status.items())))
    sup = [("p%d@%s" % (c, "co%d.example" % comp[c] if comp[c] else
                        "mail%d.example" % (c % 997)), "bench", t)
           for c in sorted(rng.sample(range(1, n + 1), n // 200))]
    sup += [("@co%d.example" % c, "bench", t) for c in
            sorted(rng.sample(range(1, ncomp + 1), min(20, ncomp)))]
    con.executemany("INSERT OR IGNORE INTO suppressions (value, reason,"
                    " created_at) VALUES (?, ?, ?)", sup)
    con.execute("COMMIT")
    if analyze:
        con.execute("ANALYZE")
    con.close()
    return len(sends), len(enr), len(h.status)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: gen-plandb.py MAILROTA DIR\n")
        return 64
    n = int(os.environ.get("BENCH_PLAN_CONTACTS", "1000000"))
    now = parse_now(os.environ.get("BENCH_PLAN_NOW", "2026-06-01T09:00:00Z"))
    seed = int(os.environ.get("BENCH_PLAN_SEED", "17"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t0 = time.time()
    db = setup(sys.argv[1], sys.argv[2], root)
    analyze = os.environ.get("BENCH_PLAN_ANALYZE", "1") != "0"
    ns, ne, nst = fill(db, n, now, seed, root, analyze)
    sys.stderr.write("gen-plandb: %s: %d contacts, %d companies, %d "
                     "enrollments, %d sends, %d status changes in %.1f s\n"
                     % (db, n, n // 10, ne, ns, nst, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
