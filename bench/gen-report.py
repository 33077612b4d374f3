#!/usr/bin/python3
"""bench/gen-report.py DB DAYS NOW_DAY - a seeded send history for the report
benchmark (standard library only).

Into a database made by `mailrota init` and filled by `mailrota import
contacts --campaign` (every contact enrolled in campaign 1): DAYS days
before NOW_DAY (YYYY-MM-DD) of step-1 sends, each mailbox its daily cap a
day, about 3% bounced and 2% deferred, in the order the planner takes
contacts (enrolment).  Only sends rows, as `run` writes them; the same
arguments always give the same rows.
"""
import datetime
import random
import sqlite3
import sys
import uuid


def main():
    db, days, now_day = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(18)
    con = sqlite3.connect(db)
    boxes = con.execute(
        "SELECT id, COALESCE(daily_cap, 50) FROM mailboxes"
        " WHERE status NOT IN ('admin') ORDER BY id").fetchall()
    people = [r[0] for r in con.execute(
        "SELECT contact_id FROM enrollments WHERE campaign_id = 1"
        " ORDER BY rowid")]
    today = datetime.date.fromisoformat(now_day)
    k = 0
    rows = []
    for d in range(days, 0, -1):
        day = (today - datetime.timedelta(days=d)).isoformat()
        for mb, cap in boxes:
            for n in range(cap):
                if k >= len(people):
                    break
                at = "%sT%02d:%02d:%02dZ" % (day, 14 + n // 60, n % 60,
                                             rnd.randrange(60))
                x = rnd.random()
                status = ("bounced" if x < 0.03 else
                          "deferred" if x < 0.05 else "sent")
                rows.append((str(uuid.UUID(int=rnd.getrandbits(128))),
                             people[k], mb, status, day, at,
                             at if status != "deferred" else None,
                             "<%d.bench@sender.example>" % k))
                k += 1
    con.executemany(
        "INSERT INTO sends(id, campaign_id, contact_id, step, mailbox_id,"
        " transport, status, attempts, day, created_at, last_attempt_at,"
        " sent_at, message_id) VALUES (?1, 1, ?2, 1, ?3, 'smtp', ?4, 1,"
        " ?5, ?6, ?6, ?7, ?8)", rows)
    con.commit()
    print("%d sends over %d days" % (len(rows), days))


if __name__ == "__main__":
    main()
