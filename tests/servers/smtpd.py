#!/usr/bin/python3
"""Loopback SMTP submission server for mailrota's integration tests.

Built on aiosmtpd 1.4.3 (Debian python3-aiosmtpd); run it with /usr/bin/python3.
It listens on 127.0.0.1 (or ::1) only, requires AUTH (PLAIN/LOGIN, and
XOAUTH2 with --token-key-file) before MAIL, requires STARTTLS before AUTH by
default, and scripts its replies from the recipient's local part and from
DIR/faults.json (replies, stalls and dropped connections per connection,
mailbox or recipient; re-read at each connection) so tests can provoke
every outcome mailrota classifies. XOAUTH2 accepts the tokens that
m365d.py issues (mstoken.py), checked like Exchange Online does.
See tests/servers/README.md for the reply table and the files it writes.

usage: /usr/bin/python3 tests/servers/smtpd.py --dir DIR [--tls MODE]
       [--cert FILE --key FILE] [--users FILE] [--fail-user EMAIL:REPLY]...
       [--token-key-file FILE [--oauth-users FILE]] [--basic-off REPLY]
       [--slow-seconds N] [--port N] [--host 127.0.0.1|::1]
"""

import argparse
import asyncio
import base64
import binascii
import collections
import hmac
import json
import logging
import os
import re
import signal
import ssl
import sys
import time
import warnings

try:
    from aiosmtpd.smtp import (MISSING, SMTP, AuthResult, LoginPassword,
                               TLSSetupException, syntax)
except ImportError as e:  # lib-smtpd.sh checks this first and skips (77)
    sys.stderr.write("smtpd.py: cannot import aiosmtpd: %s\n" % e)
    sys.exit(77)

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mstoken  # noqa: E402  (lives next to this file)
from srvlib import now_iso, run_server, write_atomic  # noqa: E402
from srvlib import printable, read_mailboxes, script_for  # noqa: E402

LOOPBACK = ("127.0.0.1", "::1")

# Replies, worded like the servers mailrota meets (Exchange Online, Postfix).
R_AUTH_BAD = ("535 5.7.139 Authentication unsuccessful, "
              "the user credentials were incorrect")
R_AUTH_OK = "235 2.7.0 Authentication successful"
# Exchange Online's one reply to XOAUTH2 with a bad token and to a service
# principal without FullAccess on the mailbox alike.
R_OAUTH_BAD = "535 5.7.3 Authentication unsuccessful"
R_SENDER = ("550 5.7.60 SMTP; Client does not have permissions "
            "to send as this sender")
R_MAIL_OK = "250 2.1.0 Sender OK"
R_RCPT_OK = "250 2.1.5 Recipient OK"
R_HARD = "550 5.1.1 <{addr}>: Recipient address rejected: User unknown"
R_DEFER = "451 4.7.1 Try again later"
R_POLICY = "550 5.7.1 Message rejected as spam by Content Filtering"
R_TENANT = "550 5.7.705 Access denied, tenant has exceeded threshold"
R_QUOTA = ("554 5.2.0 STOREDRV.Submission.Exception:"
           "SubmissionQuotaExceededException")
R_DATAERR = "451 4.3.0 Error processing message"
R_DATA_OK = "250 2.0.0 Ok: queued as {id}"

ROLE_SMTP = "SMTP.SendAsApp"
# RFC 4954 section 4: an AUTH command line may be 12288 octets; Entra's
# tokens make XOAUTH2 responses 2-4 KB. The stream reader must fit them too.
AUTH_LINE_MAX = 12288
READ_LIMIT = 16384

# Recipient scripts by local-part prefix. Longest first, so "deferonce"
# wins over "defer".
SCRIPTS = sorted(("hard", "defer", "deferonce", "policy", "quota",
                  "tenantblock", "dataerr", "slow", "drop"),
                 key=len, reverse=True)
RCPT_REPLIES = {"hard": R_HARD, "defer": R_DEFER, "policy": R_POLICY,
                "tenantblock": R_TENANT}

MAIL_NAME = re.compile(r"^([0-9]{6})\.(eml|json)$")

log = logging.getLogger("smtpd")


def peer_str(peer):
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = peer[0]
        return ("[%s]:%d" if ":" in host else "%s:%d") % (host, peer[1])
    return str(peer)


class Store:
    """DIR/mail/NNNNNN.{json,eml}, DIR/auth.log, DIR/state.json."""

    def __init__(self, top):
        self.top = top
        self.mail = os.path.join(top, "mail")
        os.makedirs(self.mail, exist_ok=True)
        self.seq = 0
        for name in os.listdir(self.mail):
            m = MAIL_NAME.match(name)
            if m:
                self.seq = max(self.seq, int(m.group(1)))
        self.state_path = os.path.join(top, "state.json")
        self.deferonce_seen = set()
        try:
            with open(self.state_path, "rb") as f:
                st = json.load(f)
            self.deferonce_seen = set(st.get("deferonce_seen", []))
        except FileNotFoundError:
            pass
        # Line-buffered: a reader sees whole lines only.
        self.authlog = open(os.path.join(top, "auth.log"), "a", buffering=1)

    def record_auth(self, user, ok, extra=""):
        """One auth.log line: "TIME user ok|fail", and for XOAUTH2
        " xoauth2 jti=ID [reason=WHY]" after it (never a secret)."""
        self.authlog.write("%s %s %s%s\n" % (now_iso(), user,
                                             "ok" if ok else "fail",
                                             " " + extra if extra else ""))

    def save_state(self):
        st = {"deferonce_seen": sorted(self.deferonce_seen)}
        write_atomic(self.state_path, (json.dumps(st, indent=1) + "\n")
                     .encode())

    def store(self, content, meta):
        """Store one accepted message; returns its id. The .json is renamed
        into place before the .eml, so an .eml always has its sidecar."""
        self.seq += 1
        mid = "%06d" % self.seq
        write_atomic(os.path.join(self.mail, mid + ".json"),
                     (json.dumps(meta, sort_keys=True) + "\n").encode())
        write_atomic(os.path.join(self.mail, mid + ".eml"), content)
        return mid


# ---- DIR/faults.json: faults scripted per connection, mailbox, recipient --

FAULTS_FILE = "faults.json"
FAULTS_MAX = 65536
REPLY_RE = re.compile(r"^[2-5][0-9][0-9]( [^\r\n]*)?$")

# Where a fault can act, in the order a session meets them.  "data" is the
# DATA command (instead of its 354), "mid-data" after the 354 and the
# message's header block, "data-reply" after the final dot (instead of the
# reply to the message).
CONN_POINTS = ("greeting", "ehlo", "starttls")
MBOX_POINTS = ("mail", "rcpt", "data", "mid-data", "data-reply")
RCPT_POINTS = ("rcpt", "data", "mid-data", "data-reply")
TLS_FAULTS = ("garbage", "close", "stall")
# "auth": "none" on the connection: EHLO offers no AUTH and the session
# needs none (an open relay, or a submission port that lost its SASL).
AUTH_MODES = ("none",)
# "pad": N pads an entry's scripted reply to N bytes (a huge reply text).
PAD_MAX = 16 * 1024 * 1024
# Reply keys, and the point each one answers at.
REPLY_POINTS = {"greeting": "greeting", "auth": "auth", "mail": "mail",
                "rcpt": "rcpt", "data": "data-reply"}
SECTIONS = {
    # section: (reply keys, stall/drop points, other keys)
    "connection": (("greeting",), CONN_POINTS, ("tls", "auth")),
    "mailboxes": (("auth", "mail", "rcpt", "data"), MBOX_POINTS, ("pad",)),
    "recipients": (("rcpt", "data"), RCPT_POINTS, ("pad",)),
}


WHO = {"mailboxes": "mailbox", "recipients": "recipient"}


class FaultError(ValueError):
    pass


def check_entry(section, name, entry):
    """Validates one entry of faults.json; raises FaultError naming it."""
    where = "%s[%s]" % (section, json.dumps(name)) if name else section
    if not isinstance(entry, dict):
        raise FaultError("%s: want an object" % where)
    replies, points, other = SECTIONS[section]
    for k, v in entry.items():
        if k == "auth" and k in other:
            if v not in AUTH_MODES:
                raise FaultError("%s.auth: want one of %s, got %s"
                                 % (where, "|".join(AUTH_MODES),
                                    json.dumps(v)))
        elif k == "pad" and k in other:
            if isinstance(v, bool) or not isinstance(v, int) or \
                    not 0 <= v <= PAD_MAX:
                raise FaultError("%s.pad: want a reply length in bytes, 0 "
                                 "to %d" % (where, PAD_MAX))
        elif k in replies:
            if not isinstance(v, str) or not REPLY_RE.match(v):
                raise FaultError("%s.%s: want a reply such as "
                                 "\"451 4.3.2 Try later\", got %s"
                                 % (where, k, json.dumps(v)))
            if k in ("greeting", "auth") and v[0] == "2":
                raise FaultError("%s.%s: only a 4xx or 5xx reply makes "
                                 "sense here" % (where, k))
        elif k in ("stall", "drop"):
            if v not in points:
                raise FaultError("%s.%s: want one of %s, got %s"
                                 % (where, k, "|".join(points),
                                    json.dumps(v)))
        elif k == "tls" and k in other:
            if v not in TLS_FAULTS:
                raise FaultError("%s.tls: want one of %s, got %s"
                                 % (where, "|".join(TLS_FAULTS),
                                    json.dumps(v)))
        elif k == "times":
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise FaultError("%s.times: want an integer >= 0" % where)
        elif k == "delay":
            if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                    not 0 <= v <= 3600:
                raise FaultError("%s.delay: want seconds, 0 to 3600" % where)
        elif k != "note":
            raise FaultError("%s: unknown key %s (known: %s)"
                             % (where, json.dumps(k), ", ".join(
                                 replies + ("stall", "drop") + other +
                                 ("delay", "times", "note"))))


def parse_faults(raw):
    """faults.json's bytes -> {"connection": entry, "mailboxes": {addr:
    entry}, "recipients": {addr: entry}}, addresses lower-cased."""
    try:
        doc = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError) as e:
        raise FaultError("not JSON: %s" % e)
    if not isinstance(doc, dict):
        raise FaultError("want a JSON object")
    out = {"connection": {}, "mailboxes": {}, "recipients": {}}
    for k, v in doc.items():
        if k == "connection":
            check_entry(k, None, v)
            out[k] = v
        elif k in ("mailboxes", "recipients"):
            if not isinstance(v, dict):
                raise FaultError("%s: want an object of address: entry" % k)
            for addr, entry in v.items():
                check_entry(k, addr, entry)
                out[k][addr.lower()] = entry
        elif k != "note":
            raise FaultError("unknown key %s (known: connection, mailboxes, "
                             "recipients, note)" % json.dumps(k))
    return out


def padded(reply, size):
    """reply with its text lengthened to size bytes (no CR or LF)."""
    if len(reply) >= size:
        return reply
    filler = " and the server goes on" * ((size - len(reply)) // 23 + 1)
    return (reply + filler)[:size]


def short(reply, limit=300):
    """A reply for the log: a padded one is cut, saying how long it was."""
    if len(reply) <= limit:
        return reply
    return "%s... (%d bytes)" % (reply[:limit], len(reply))


class Faults:
    """DIR/faults.json, read at each new connection.  An entry with
    "times": N acts N times, counted from when the file's content last
    changed (as m365d's token-script.json)."""

    def __init__(self, top):
        self.path = os.path.join(top, FAULTS_FILE)
        self.raw = None
        self.used = collections.Counter()

    def snapshot(self):
        """The script for a new connection: a FaultScript (empty when there
        is no file).  Raises FaultError for a file that is not valid."""
        try:
            with open(self.path, "rb") as f:
                raw = f.read(FAULTS_MAX + 1)
        except FileNotFoundError:
            raw = b""
        except OSError as e:
            raise FaultError(str(e))
        if len(raw) > FAULTS_MAX:
            raise FaultError("larger than %d bytes" % FAULTS_MAX)
        if raw != self.raw:
            self.raw = raw
            self.used = collections.Counter()
        return FaultScript(self, parse_faults(raw))

    def take(self, key, entry):
        """True if entry (identified by key) may act once more; counts it."""
        times = entry.get("times")
        if times is not None and self.used[key] >= times:
            return False
        self.used[key] += 1
        return True


class FaultScript:
    """The faults of one connection."""

    def __init__(self, faults, doc):
        self.faults = faults
        self.doc = doc
        self.conn = {}

    def start_connection(self):
        """Takes the connection entry for this connection (one use of its
        "times"); returns it, or {} when there is none or it is used up."""
        entry = self.doc["connection"]
        if entry and self.faults.take(("connection",), entry):
            self.conn = entry
        return self.conn

    def act(self, point, mailbox=None, recipients=()):
        """The fault for this point of the session: (who, action, value,
        delay), action being "drop", "stall" or "reply"; or None.  The
        mailbox's entry is looked at first, then each recipient's in RCPT
        order."""
        cands = []
        if mailbox:
            cands.append(("mailboxes", mailbox))
        cands.extend(("recipients", r) for r in recipients)
        for section, addr in cands:
            entry = self.doc[section].get(addr.lower())
            if not entry:
                continue
            found = None
            if entry.get("drop") == point:
                found = ("drop", point)
            elif entry.get("stall") == point:
                found = ("stall", point)
            else:
                for key, p in REPLY_POINTS.items():
                    if p == point and key in entry:
                        found = ("reply", padded(entry[key],
                                                 entry.get("pad", 0)))
            if found and self.faults.take((section, addr.lower()), entry):
                who = "%s %s" % (WHO[section], addr)
                return (who,) + found + (entry.get("delay") or 0,)
        return None


class Handler:
    # NB: aiosmtpd treats every handler member named auth_* as a SASL
    # mechanism and every handle_* as a hook, so helpers avoid those prefixes.

    def __init__(self, opts, store, users, fail_users, token_key=None,
                 oauth_users=frozenset()):
        self.opts = opts
        self.store = store
        self.users = users
        self.fail_users = fail_users
        self.token_key = token_key
        self.oauth_users = oauth_users
        self.faults = Faults(store.top)

    def tls_of(self, session):
        if session.ssl is not None:
            return "starttls"
        return "implicit" if self.opts.tls == "implicit" else "none"

    # aiosmtpd "authenticator": sync, returns AuthResult. handled=False plus a
    # message makes aiosmtpd push our reply (handled defaults to True, which
    # means "already replied" and would leave the client hanging).
    def check_login(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False, message=R_AUTH_BAD)
        user = printable(auth_data.login)
        key = user.lower()
        reply = self.fail_users.get(key)
        ok = False
        fault = server.mr_take("auth", user)
        if fault:
            reply = fault[2]
        elif self.opts.basic_off:
            reply = self.opts.basic_off
        elif reply is None:
            pw = self.users.get(key)
            ok = pw is not None and hmac.compare_digest(pw, auth_data.password)
            reply = R_AUTH_OK if ok else R_AUTH_BAD
        self.store.record_auth(user, ok)
        log.info("%s AUTH %s user=%s -> %s", peer_str(session.peer),
                 mechanism, user, reply)
        if ok:
            session.mr_auth_mech = mechanism.lower()
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False, message=reply)

    # SASL XOAUTH2 (the name makes aiosmtpd offer it; serve() excludes it
    # without --token-key-file). Client response, base64:
    #   "user=EMAIL\x01auth=Bearer TOKEN\x01\x01"
    # either after "AUTH XOAUTH2" (initial response) or after our "334 ".
    async def auth_XOAUTH2(self, server, args):
        session = server.session
        if len(args) == 1:
            blob = await server.challenge_auth("", encode_to_b64=False)
            if blob is MISSING:     # "*" or bad base64: already answered
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = b"" if args[1] == "=" else \
                    base64.b64decode(args[1], validate=True)
            except (binascii.Error, ValueError):
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        user, token = xoauth2_fields(blob)
        user = printable(user or "")
        jti = (mstoken.peek(token) or {}).get("jti") if token else None
        reason = None
        reply = self.fail_users.get(user.lower())
        fault = server.mr_take("auth", user)
        if fault:
            reply, reason = fault[2], "fault"
        elif reply is None:
            reply = R_OAUTH_BAD
            if token is None:
                reason = "malformed-sasl"
            else:
                payload, reason = mstoken.verify(token, self.token_key,
                                                 mstoken.OUTLOOK)
                if reason is None and not mstoken.has_role(payload,
                                                           ROLE_SMTP):
                    reason = "no-role"
                elif reason is None and user.lower() not in self.oauth_users:
                    reason = "no-fullaccess"
                elif reason is None:
                    reply = R_AUTH_OK
        else:
            reason = "fail-user"
        ok = reply == R_AUTH_OK
        detail = "jti=%s" % printable(str(jti or "-"))
        if reason:
            detail += " reason=" + reason
        self.store.record_auth(user, ok, "xoauth2 " + detail)
        log.info("%s AUTH XOAUTH2 user=%s %s -> %s", peer_str(session.peer),
                 user, detail, reply)
        if ok:
            session.mr_auth_mech = "xoauth2"
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False, message=reply)

    async def handle_MAIL(self, server, session, envelope, address, options):
        user = session.auth_data if session.authenticated else None
        fault = await server.mr_fault("mail", user)
        if fault:
            reply = fault
            if fault[0] == "2":
                envelope.mail_from = address
        elif server.mr_no_auth and not user:
            # "auth": "none": no AUTH was possible, and the server takes
            # the message anyway (what a client must never rely on).
            envelope.mail_from = address
            reply = R_MAIL_OK
        elif not isinstance(user, str) or user.lower() != address.lower():
            reply = R_SENDER
        else:
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            reply = R_MAIL_OK
        log.info("%s MAIL FROM:<%s> auth=%s tls=%s -> %s",
                 peer_str(session.peer), printable(address), user,
                 self.tls_of(session), short(reply))
        return reply

    async def handle_RCPT(self, server, session, envelope, address, options):
        script = script_for(address, SCRIPTS)
        reply = RCPT_REPLIES.get(script, R_RCPT_OK).format(addr=address)
        fault = await server.mr_fault("rcpt", session.auth_data, [address])
        if fault:
            reply = fault
        elif script == "deferonce":
            key = address.lower()
            if key not in self.store.deferonce_seen:
                self.store.deferonce_seen.add(key)
                self.store.save_state()
                reply = R_DEFER
        if reply[0] == "2":
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
        log.info("%s RCPT TO:<%s> -> %s", peer_str(session.peer),
                 printable(address), short(reply))
        return reply

    async def handle_DATA(self, server, session, envelope):
        peer = peer_str(session.peer)
        content = envelope.original_content
        scripts = {script_for(r, SCRIPTS) for r in envelope.rcpt_tos}
        what = "%s DATA %d bytes from=%s rcpt=%s" % (
            peer, len(content), printable(envelope.mail_from),
            ",".join(printable(r) for r in envelope.rcpt_tos))
        fault = await server.mr_fault("data-reply", session.auth_data,
                                      envelope.rcpt_tos)
        if fault and fault[0] != "2":
            log.info("%s -> %s", what, short(fault))
            return fault
        if "drop" in scripts:
            log.info("%s -> (connection dropped, no reply)", what)
            # Close the TCP connection itself (under TLS too), then end the
            # session task: returning would make aiosmtpd write the reply.
            raw = getattr(server, "_original_transport", None) or \
                server.transport
            raw.abort()
            raise asyncio.CancelledError()
        if "quota" in scripts:
            reply = R_QUOTA
        elif "dataerr" in scripts:
            reply = R_DATAERR
        else:
            if "slow" in scripts:
                await asyncio.sleep(self.opts.slow_seconds)
            meta = {"mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "auth_user": session.auth_data,
                    "auth_mech": getattr(session, "mr_auth_mech", None),
                    "peer": peer,
                    "tls": self.tls_of(session),
                    "received_at": now_iso()}
            reply = R_DATA_OK.format(id=self.store.store(content, meta))
            if fault:
                reply = fault
        log.info("%s -> %s", what, short(reply))
        return reply

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):
            cause = error.__cause__ or error.__context__
            log.info("TLS handshake failed: %s", printable(str(cause)))
            return "454 4.7.0 TLS not available due to temporary reason"
        log.exception("session exception")
        return "451 4.3.0 Internal error in test server: %s" % \
            printable(error.__class__.__name__)


def xoauth2_fields(blob):
    """Decoded XOAUTH2 response -> (user, token); None where missing."""
    user = token = None
    for part in blob.split(b"\x01"):
        k, sep, v = part.partition(b"=")
        if not sep:
            continue
        if k == b"user":
            user = v.decode("utf-8", "replace")
        elif k == b"auth" and v[:7].lower() == b"bearer ":
            token = v[7:].strip().decode("ascii", "replace") or None
    return user, token


class RoomySMTP(SMTP):
    """aiosmtpd's SMTP with room for OAuth: its StreamReader's limit comes
    from line_length_limit (1001), so a 334 response holding a real-sized
    token would raise, and an AUTH command above command_size_limit (512)
    gets "500 Command line too long". Raise both for AUTH only; DATA lines
    keep the 998-octet rule, other commands the 512 limit."""

    def __init__(self, *args, **kwargs):
        self.line_length_limit = READ_LIMIT     # read by SMTP.__init__
        super().__init__(*args, **kwargs)
        del self.line_length_limit              # back to the class's 1001
        # Per instance: aiosmtpd's class-level dict is shared and mutated.
        self.command_size_limits = collections.defaultdict(
            lambda: SMTP.command_size_limit, {"AUTH": AUTH_LINE_MAX})


def reply_text(s, limit=300):
    """Text for a reply line: printable ASCII only, bounded."""
    return re.sub(r"[^\x20-\x7e]", "?", s)[:limit]


class FaultySMTP(RoomySMTP):
    """RoomySMTP that acts on DIR/faults.json (see Faults): replies, stalls
    and drops at the greeting, EHLO, STARTTLS and the TLS handshake for the
    connection, and at AUTH, MAIL, RCPT and DATA for a mailbox (the AUTH
    user) or a recipient.  The handler's hooks call mr_fault/mr_take."""

    mr_script = None
    mr_ehlo_seen = False
    mr_no_auth = False        # "auth": "none" acts on this connection
    mr_in_ehlo = False

    def mr_peer(self):
        return peer_str(self.session.peer)

    def mr_hangup(self):
        if self.transport is not None:
            self.transport.close()

    def mr_drop(self, what):
        """Closes the TCP connection at once (under TLS too) without a
        reply, and ends the session task."""
        log.info("%s FAULT %s: connection dropped, no reply", self.mr_peer(),
                 what)
        raw = self._original_transport or self.transport
        raw.abort()
        raise asyncio.CancelledError()

    async def mr_stall(self, what):
        """Never answers: waits until the client goes away (aiosmtpd then
        cancels the session task).  The idle timeout is switched off, so
        only the client ends it."""
        log.info("%s FAULT %s: stalling until the client goes away",
                 self.mr_peer(), what)
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
        t0 = time.monotonic()
        try:
            await asyncio.Event().wait()
        finally:
            log.info("%s FAULT %s: the client went away after %.1f s",
                     self.mr_peer(), what, time.monotonic() - t0)

    def mr_take(self, point, mailbox=None, recipients=()):
        """The scripted fault at point for this mailbox/recipients, or None;
        for a reply it is logged here, and a 421 hangs up after it."""
        f = self.mr_script.act(point, mailbox, recipients) \
            if self.mr_script else None
        if f and f[1] == "reply":
            log.info("%s FAULT %s: reply at %s: %s", self.mr_peer(), f[0],
                     point, short(f[2]))
            if f[2].startswith("421"):
                # RFC 5321 3.8: 421 closes the channel.  Runs after the
                # reply is written (aiosmtpd writes it before yielding).
                self.loop.call_soon(self.mr_hangup)
        return f

    async def mr_fault(self, point, mailbox=None, recipients=()):
        """Drops or stalls as scripted (then never returns), or returns the
        scripted reply; None when there is no fault here."""
        f = self.mr_take(point, mailbox, recipients)
        if f is None:
            return None
        who, action, value, delay = f
        if delay:
            await self.mr_delay("%s at %s" % (who, point), delay)
        if action == "drop":
            self.mr_drop("%s: drop at %s" % (who, point))
        elif action == "stall":
            await self.mr_stall("%s: stall at %s" % (who, point))
        return value

    async def mr_delay(self, what, seconds):
        log.info("%s FAULT %s: waiting %g s first", self.mr_peer(), what,
                 seconds)
        self._reset_timeout(self._timeout_duration + seconds)
        await asyncio.sleep(seconds)

    async def mr_conn_fault(self, point):
        conn = self.mr_script.conn if self.mr_script else {}
        if conn.get("drop") == point:
            self.mr_drop("connection: drop at " + point)
        if conn.get("stall") == point:
            await self.mr_stall("connection: stall at " + point)

    async def _handle_client(self):
        try:
            self.mr_script = self.event_handler.faults.snapshot()
        except FaultError as e:
            log.error("%s FAULT bad %s: %s (every connection gets 421)",
                      self.mr_peer(), FAULTS_FILE, e)
            await self.push("421 4.3.0 mailrota test smtpd: bad %s: %s"
                            % (FAULTS_FILE, reply_text(str(e))))
            self.transport.close()
            return
        conn = self.mr_script.start_connection()
        log.info("%s connection opened", self.mr_peer())
        if conn.get("auth") == "none":
            log.info("%s FAULT connection: no AUTH offered, none needed",
                     self.mr_peer())
            self.mr_no_auth = True
            self._auth_required = False
        if conn.get("delay"):
            await self.mr_delay("connection: greeting", conn["delay"])
        await self.mr_conn_fault("greeting")
        if "greeting" in conn:
            log.info("%s FAULT connection: greeting %s, then hang up",
                     self.mr_peer(), conn["greeting"])
            await self.push(conn["greeting"])
            self.transport.close()
            return
        await super()._handle_client()

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname):
        if not self.mr_ehlo_seen:     # the first EHLO of the connection
            self.mr_ehlo_seen = True
            await self.mr_conn_fault("ehlo")
        self.mr_in_ehlo = True
        try:
            await super().smtp_EHLO(hostname)
        finally:
            self.mr_in_ehlo = False

    async def push(self, status):
        # "auth": "none": the EHLO reply leaves out its AUTH line.
        if self.mr_in_ehlo and self.mr_no_auth and \
                status.startswith("250-AUTH"):
            return
        # PIPELINING (RFC 2920), as Postfix and Exchange offer it, unless
        # --no-pipelining: aiosmtpd reads one command line at a time, so
        # commands sent together are answered in order.
        if self.mr_in_ehlo and status == "250 HELP" and \
                not self.event_handler.opts.no_pipelining:
            await super().push("250-PIPELINING")
        await super().push(status)

    @syntax("AUTH <mechanism>")
    async def smtp_AUTH(self, arg):
        if self.mr_no_auth:
            log.info("%s AUTH refused: not offered on this connection",
                     self.mr_peer())
            return await self.push("503 5.5.1 Error: authentication not "
                                   "enabled")
        return await super().smtp_AUTH(arg)

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg):
        conn = self.mr_script.conn if self.mr_script else {}
        tls = conn.get("tls")
        if arg or not self.tls_context or self._tls_protocol:
            tls = None
        else:
            await self.mr_conn_fault("starttls")
        if tls is None:
            return await super().smtp_STARTTLS(arg)
        await self.push("220 Ready to start TLS")
        if tls == "stall":
            await self.mr_stall("connection: stall in the TLS handshake")
        if tls == "garbage":
            log.info("%s FAULT connection: TLS handshake answered with "
                     "plain text", self.mr_peer())
            self.transport.write(b"421 4.7.0 this is not a TLS "
                                 b"ServerHello\r\n" * 4)
            self.transport.close()
            raise asyncio.CancelledError()
        self.mr_drop("connection: drop at the TLS handshake")

    @syntax("DATA")
    async def smtp_DATA(self, arg):
        user = self.session.auth_data if self.session.authenticated else None
        rcpts = list(self.envelope.rcpt_tos)
        if not (user and rcpts and not arg and self.session.host_name):
            return await super().smtp_DATA(arg)
        fault = await self.mr_fault("data", user, rcpts)
        if fault:
            return await self.push(fault)
        f = self.mr_script.act("mid-data", user, rcpts) \
            if self.mr_script else None
        if f is None:
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        # Read the header block (or what comes before the final dot), so
        # the client is mid-way through the body.
        n = 0
        try:
            for _ in range(200):
                line = await self._reader.readuntil(b"\r\n")
                n += len(line)
                if line in (b"\r\n", b".\r\n"):
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        if f[3]:
            await self.mr_delay("%s at mid-data" % f[0], f[3])
        what = "%s: %s mid-data (after %d bytes of the message)" % (
            f[0], f[1], n)
        if f[1] == "drop":
            self.mr_drop(what)
        await self.mr_stall(what)


class QuietAiosmtpd(logging.Filter):
    """Drop aiosmtpd warnings that fire on every connection or login."""
    NOISE = ("login_data is deprecated",
             "auth_required == True but auth_require_tls == False")

    def filter(self, record):
        msg = record.getMessage()
        return not any(n in msg for n in self.NOISE)


def read_users(path):
    users = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            email, sep, pw = line.partition(":")
            if not sep or not email.strip():
                sys.exit("smtpd.py: %s:%d: want email:password" % (path, n))
            users[email.strip().lower()] = pw.encode("utf-8")
    return users


def parse_args(argv):
    p = argparse.ArgumentParser(description="mailrota loopback SMTP server")
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls", default="starttls",
                   choices=("starttls", "implicit", "none"))
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--users")
    p.add_argument("--fail-user", action="append", default=[],
                   metavar="EMAIL:REPLY")
    p.add_argument("--token-key-file", metavar="FILE",
                   help="enable AUTH XOAUTH2 with this mstoken.py key")
    p.add_argument("--oauth-users", metavar="FILE",
                   help="mailboxes XOAUTH2 may log in as (FullAccess)")
    p.add_argument("--basic-off", metavar="REPLY",
                   help="answer every AUTH PLAIN/LOGIN with REPLY")
    p.add_argument("--slow-seconds", type=float, default=5.0)
    p.add_argument("--hostname", default="localhost",
                   help="name in the banner and EHLO reply")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="idle seconds before the server hangs up")
    p.add_argument("--no-pipelining", action="store_true",
                   help="leave PIPELINING out of the EHLO reply")
    p.add_argument("--verbose", action="store_true",
                   help="also log aiosmtpd's per-command trace")
    o = p.parse_args(argv)
    if o.tls != "none" and not (o.cert and o.key):
        p.error("--tls %s needs --cert and --key" % o.tls)
    for fu in o.fail_user:
        email, sep, reply = fu.partition(":")
        if not sep or not re.match(r"^[2-5][0-9][0-9][ -]", reply):
            p.error("--fail-user wants EMAIL:REPLY, e.g. "
                    "'a@b.test:535 5.7.139 ...', got %r" % fu)
    if o.basic_off is not None and \
            not re.match(r"^[2-5][0-9][0-9][ -]", o.basic_off):
        p.error("--basic-off wants a reply, e.g. '535 5.7.139 ...'")
    if o.oauth_users and not o.token_key_file:
        p.error("--oauth-users needs --token-key-file")
    return o


def setup_logging(top, verbose):
    h = logging.FileHandler(os.path.join(top, "smtpd.log"))
    fmt = logging.Formatter("%(asctime)s.%(msecs)03dZ %(message)s",
                            "%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    h.setFormatter(fmt)
    h.addFilter(QuietAiosmtpd())
    root = logging.getLogger()
    root.addHandler(h)
    root.setLevel(logging.WARNING)
    log.setLevel(logging.INFO)
    logging.getLogger("mail.log").setLevel(
        logging.DEBUG if verbose else logging.WARNING)
    # aiosmtpd also warn()s this per connection when --tls is not starttls.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not")


async def serve(o):
    top = o.dir
    store = Store(top)
    users = read_users(o.users) if o.users else {}
    fail_users = {}
    for fu in o.fail_user:
        email, _, reply = fu.partition(":")
        fail_users[email.strip().lower()] = reply
    token_key = mstoken.load_key(o.token_key_file) \
        if o.token_key_file else None
    oauth_users = read_mailboxes(o.oauth_users) if o.oauth_users \
        else frozenset()
    handler = Handler(o, store, users, fail_users, token_key, oauth_users)

    ctx = None
    if o.tls != "none":
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(o.cert, o.key)

    loop = asyncio.get_running_loop()

    def factory():
        # hostname= avoids a getfqdn() per connection. aiosmtpd's "AUTH
        # needs TLS" check only knows STARTTLS, so implicit TLS (and the
        # deliberate plaintext mode) turn it off; the listener's ssl= then
        # does the TLS. tls_context is only for STARTTLS, or EHLO would offer
        # STARTTLS inside implicit TLS.
        starttls = o.tls == "starttls"
        return FaultySMTP(handler,
                         hostname=o.hostname,
                         ident="mailrota test smtpd",
                         tls_context=ctx if starttls else None,
                         require_starttls=starttls,
                         auth_required=True,
                         auth_require_tls=starttls,
                         authenticator=handler.check_login,
                         auth_exclude_mechanism=(
                             [] if token_key else ["XOAUTH2"]),
                         timeout=o.timeout,
                         loop=loop)

    server = await loop.create_server(
        factory, host=o.host, port=o.port,
        ssl=ctx if o.tls == "implicit" else None, reuse_address=True)
    port = server.sockets[0].getsockname()[1]

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    write_atomic(os.path.join(top, "port"), b"%d\n" % port,
                 tmp=os.path.join(top, "port.tmp"))
    log.info("smtpd listening on %s port %d tls=%s pid=%d users=%d "
             "xoauth2=%s", o.host, port, o.tls, os.getpid(), len(users),
             "on (%d mailboxes)" % len(oauth_users) if token_key else "off")
    await stop.wait()
    server.close()
    await server.wait_closed()
    log.info("smtpd stopping on signal")


def main(argv):
    o = parse_args(argv)
    os.makedirs(o.dir, exist_ok=True)
    setup_logging(o.dir, o.verbose)
    return run_server(o.dir, log, "smtpd", lambda: asyncio.run(serve(o)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
