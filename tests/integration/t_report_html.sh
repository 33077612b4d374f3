#!/bin/sh
# report --html FILE (SPEC "Report"): one self-contained HTML file with the
# same figures as --json: an SVG per chart kind, table fallbacks, escaping
# of database values, atomic write / exit 73, then a render in headless
# Chromium (screenshot, no horizontal overflow at 1280x800).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
PY=/usr/bin/python3
EVIL='<script>alert(1)</script> & "x"'
"$MR" -q campaign add "$EVIL" --template "$ROOT/templates/intro.txt"
cat > c.csv <<'CSV'
email,first_name,company
ann@acme.example,Ann,Acme
ben@four.example,Ben,Four
cy@five.example,Cy,Five
CSV
"$MR" -q import contacts c.csv --campaign "$EVIL"
export MAILROTA_NOW=2026-11-02T15:00:00Z
"$MR" -q run >/dev/null 2>&1

run "$MR" report --help
check_contains "--help names --html" "--html FILE" "$out"
run "$MR" report --html r.html --json
check "--html with --json exits 64" 64 "$rc"
run "$MR" report --html /nonexistent/dir/r.html
check "an unwritable path exits 73" 73 "$rc"
check_contains "the error names the path" "/nonexistent/dir/r.html" "$err"

run "$MR" report --html r.html
check "report --html exits 0" 0 "$rc"
check "no temp file is left" "" "$(ls | grep 'r.html.tmp' || true)"
html=$(cat r.html)
check_not_contains "no raw <script" "<script" "$html"
check_contains "the campaign name is escaped" \
    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" "$html"
check "no http(s) URL but the SVG namespace" "" \
    "$(grep -o 'https\?://[^"]*' r.html | grep -v '^http://www.w3.org/2000/svg$' || true)"
check_contains "lang=en" '<html lang="en">' "$html"
for t in "Bounce rate per mailbox" "Funnel" "Forecast" "m1@"; do
    check_contains "a chart: $t" "$t" "$html"
done
"$MR" report --json > r.json
nsvg=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["mailboxes"]) + 1 + 2 * len(d["campaigns"]))' r.json)
check "one svg per mailbox + bounce + funnel + forecast" "$nsvg" \
    "$(grep -c '<svg' r.html)"
check "every svg has a title and desc" "$nsvg" \
    "$(grep -c '<title>.*</title><desc>' r.html)"
check "some mail went out (non-empty figures)" yes \
    "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print("yes" if sum(x["sent"] for m in d["mailboxes"] for x in m["days"]) else "no")' r.json)"
# The table fallbacks hold the JSON's numbers.
check "tables match --json" ok "$($PY - r.json r.html <<'PY'
import json, sys, re
d = json.load(open(sys.argv[1])); h = open(sys.argv[2]).read()
rows = [re.findall(r'<td[^>]*>([^<]*)</td>', r) for r in re.findall(r'<tr>(.*?)</tr>', h)]
rows = [tuple(r) for r in rows if r]
for m in d['mailboxes']:
    for x in m['days']:
        t = (x['day'], str(x['sent']), str(x['bounced']), str(x['deferred']), str(x['replies']), str(x['cap']))
        assert t in rows, t
    b = m['bounce_rate']
    assert (str(b['messages']), str(b['bounced']), '%.4f' % b['rate']) in [r[1:4] for r in rows], b
for c in d['campaigns']:
    for s in c['steps']:
        assert str(s['sent']) in [r[2] for r in rows if len(r) == 7], s
print('ok')
PY
)"

# Y-axis ticks: every day chart and the forecast have round tick labels
# from 0 with a grid line each (a few, at most 6).
check "ticks: every day chart and forecast has 2..6 ticks from 0" ok "$($PY - r.html <<'PY'
import re, sys
h = open(sys.argv[1]).read()
svgs = re.findall(r'<svg.*?</svg>', h, re.S)
ticked = [s for s in svgs if 'Stacked bars' in s or 'remaining by date' in s]
assert len(ticked) >= 3, len(ticked)
for s in ticked:
    v = [int(x) for x in re.findall(r'class="tick"[^>]*>(\d+)</text>', s)]
    assert 2 <= len(v) <= 6 and v[0] == 0, v
    st = v[1] - v[0]
    assert all(b - a == st for a, b in zip(v, v[1:])), v
    assert re.match(r'^[125]0*$', str(st)), v
    assert s.count('class="grid"') == len(v), s
print('ok')
PY
)"

# 30 mailboxes: compact charts in a grid (small multiples), still one svg
# per mailbox with its table.
{
    echo "email,display_name,status,daily_cap,auth,password_env"
    i=3
    while [ $i -le 30 ]; do
        echo "m$i@sender.example,Sender $i,cold-ready,,plain,MR_PW_M1"
        i=$((i + 1))
    done
} > many.csv
"$MR" -q mailbox import many.csv
run "$MR" report --html r30.html
check "report --html, 30 mailboxes, exits 0" 0 "$rc"
check "30 mailboxes: in a grid" 1 "$(grep -c 'class="mbgrid"' r30.html)"
check "30 mailboxes (and admin): 31 compact charts" 31 \
    "$(grep -c '<svg viewBox="0 0 400 ' r30.html)"

if ! command -v chromium >/dev/null 2>&1; then
    done_testing || exit 1
    echo "skip: chromium is not installed (scripts/deps.sh TEST_PKGS)"
    exit 77
fi
CH="chromium --headless --no-sandbox --disable-gpu --window-size=1280,800"
$CH --screenshot="$T/report.png" "file://$T/r.html" >/dev/null 2>&1
if [ ! -s "$T/report.png" ]; then
    done_testing || exit 1
    echo "skip: chromium cannot start here (no screenshot written)"
    exit 77
fi
check "the screenshot is non-trivial" yes \
    "$([ "$(wc -c < "$T/report.png")" -gt 5000 ] && echo yes || echo no)"
dom=$($CH --dump-dom "file://$T/r.html" 2>/dev/null)
check_contains "the DOM holds the svgs" "<svg" "$dom"
{ cat r.html; printf '%s\n' '<script>document.title = String(document.documentElement.scrollWidth <= innerWidth);</script>'; } > probe.html
dom=$($CH --run-all-compositor-stages-before-draw --virtual-time-budget=2000 \
    --dump-dom "file://$T/probe.html" 2>/dev/null)
check_contains "no horizontal overflow at 1280x800" "<title>true</title>" "$dom"
# 30 mailboxes: no overflow, and each compact chart at least 300 px wide
# (its 10-unit text at 7.5 px or more).
{ cat r30.html; printf '%s\n' '<script>var w = Math.min.apply(null, Array.from(document.querySelectorAll(".cell svg")).map(function (s) { return s.getBoundingClientRect().width; })); document.title = String(document.documentElement.scrollWidth <= innerWidth) + " " + String(w >= 300);</script>'; } > probe30.html
dom=$($CH --run-all-compositor-stages-before-draw --virtual-time-budget=2000 \
    --dump-dom "file://$T/probe30.html" 2>/dev/null)
check_contains "30 mailboxes: no overflow, charts >= 300 px wide" \
    "<title>true true</title>" "$dom"
$CH --screenshot="$T/report30.png" "file://$T/r30.html" >/dev/null 2>&1 || true
# $T is removed at exit: keep the screenshot where it outlives the test.
art=${MAILROTA_TEST_ARTIFACTS:-$ROOT/${BUILD:-build}/test-artifacts}
mkdir -p "$art" && cp "$T/report.png" "$art/report_html.png" &&
    { [ ! -s "$T/report30.png" ] || cp "$T/report30.png" "$art/report_html_30.png"; } &&
    echo "# screenshot: $art/report_html.png"
done_testing
