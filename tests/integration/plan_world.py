#!/usr/bin/python3
"""plan_world.py DB SEED NOW - a random history for t_plan_stream.sh.

The database already holds, made by mailrota itself, the roster,
campaigns with their steps, contacts (with companies and zones) enrolled
in them, and suppressions.  This adds what only time would: sends of every
status and step (as runs, retries and inbound reports leave them), replies,
then the writes that move an enrolment's state after the fact (a send
deferred again, failed, retried; a contact moving company; a late
enrolment).  Every write goes through plain SQL, so migration 0013's
triggers, not mailrota's code, must keep the planner's columns right.
"""
import datetime
import random
import sqlite3
import sys

db, seed, now = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
NOW = datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(max_days):
    return NOW - datetime.timedelta(seconds=rnd.randrange(60, max_days * 86400))


con = sqlite3.connect(db)
cur = con.cursor()
mailboxes = [r[0] for r in cur.execute("select id from mailboxes order by id")]
steps = dict(cur.execute(
    "select c.id, 1 + (select count(*) from campaign_steps s"
    " where s.campaign_id = c.id) from campaigns c"))
enrol = list(cur.execute(
    "select campaign_id, contact_id from enrollments order by 1, 2"))
n = 0
for camp, contact in enrol:
    if rnd.random() < 0.45:
        continue
    last = rnd.randint(1, steps[camp])
    t = ago(25)
    mb = rnd.choice(mailboxes)
    for step in range(1, last + 1):
        final = step == last
        status = "sent"
        if final:
            status = rnd.choice(["sent"] * 6 + ["deferred", "deferred",
                                 "bounced", "failed", "unknown"])
        n += 1
        sent_at = iso(t) if status == "sent" else None
        retry = iso(NOW + datetime.timedelta(minutes=rnd.choice([-30, 30]))) \
            if status == "deferred" else None
        cur.execute(
            "insert into sends (id, campaign_id, contact_id, step, mailbox_id,"
            " status, attempts, message_id, day, created_at, last_attempt_at,"
            " sent_at, retry_after) values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ("s%06d" % n, camp, contact, step, mb, status, 1,
             "<s%06d@sender.example>" % n, iso(t)[:10], iso(t), iso(t),
             sent_at, retry))
        t = t + datetime.timedelta(seconds=rnd.randrange(3600, 6 * 86400))
        if t > NOW:
            t = NOW - datetime.timedelta(seconds=rnd.randrange(1, 3600))

# Replies, as inbox records them: the contact becomes replied.
sent = list(cur.execute(
    "select id, contact_id, mailbox_id from sends where status = 'sent'"))
for i, (sid, contact, mb) in enumerate(rnd.sample(sent, len(sent) // 12)):
    cur.execute(
        "insert into inbound (mailbox_id, source_id, received_at, kind,"
        " send_id, contact_id, created_at) values (?,?,?,?,?,?,?)",
        (mb, "r%d" % i, now, "reply", sid, contact, now))
    cur.execute("update contacts set status = 'replied' where id = ?",
                (contact,))

# After the fact: a deferred send fails, a failed one is retried, a sent
# one turns out bounced, a contact moves company, a send row goes.
ids = [r[0] for r in cur.execute("select id from sends order by id")]
for sid in rnd.sample(ids, len(ids) // 10):
    cur.execute("update sends set status = ? where id = ?",
                (rnd.choice(["failed", "deferred", "bounced", "sent"]), sid))
companies = [r[0] for r in cur.execute("select id from companies")]
contacts = [r[0] for r in cur.execute("select id from contacts")]
for c in rnd.sample(contacts, len(contacts) // 15):
    cur.execute("update contacts set company_id = ? where id = ?",
                (rnd.choice(companies + [None]), c))
for sid in rnd.sample(ids, len(ids) // 40):
    cur.execute("delete from attempts where send_id = ?", (sid,))
    cur.execute("delete from inbound where send_id = ?", (sid,))
    cur.execute("delete from sends where id = ?", (sid,))
con.commit()
