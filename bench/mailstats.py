#!/usr/bin/python3
"""Facts about a test server's mail directory, for the send benchmark.

usage: mailstats.py digest DIR
       mailstats.py gaps DIR

digest: "N SHA256": the number of stored messages (NNNNNN.eml) and one
    hash over the sorted hashes of their bytes, so two directories holding
    the same messages in any order print the same line.
gaps: when the server stored them (the "received_at" of each NNNNNN.json,
    millisecond resolution): "span S s, longest gap G s after message K of
    N", where S is first to last and G the longest pause between two
    consecutive ones.  A long gap in a run without pacing is a stall.
Standard library only.
"""
import datetime
import hashlib
import json
import os
import re
import sys


def files(d, ext):
    pat = re.compile(r"^[0-9]{6}\.%s$" % ext)
    return sorted(os.path.join(d, n) for n in os.listdir(d) if pat.match(n))


def digest(d):
    hs = []
    for path in files(d, "eml"):
        with open(path, "rb") as f:
            hs.append(hashlib.sha256(f.read()).hexdigest())
    total = hashlib.sha256("\n".join(sorted(hs)).encode()).hexdigest()
    print(len(hs), total)


def gaps(d):
    ts = []
    for path in files(d, "json"):
        with open(path) as f:
            at = json.load(f)["received_at"]
        ts.append(datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ")
                  .replace(tzinfo=datetime.timezone.utc).timestamp())
    ts.sort()
    if len(ts) < 2:
        print("span 0.00 s, longest gap 0.00 s after message %d of %d"
              % (len(ts), len(ts)))
        return
    g, k = max((ts[i + 1] - ts[i], i + 1) for i in range(len(ts) - 1))
    print("span %.2f s, longest gap %.2f s after message %d of %d"
          % (ts[-1] - ts[0], g, k, len(ts)))


def main(argv):
    if len(argv) != 2 or argv[0] not in ("digest", "gaps"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 64
    (digest if argv[0] == "digest" else gaps)(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
