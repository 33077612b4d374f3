#!/usr/bin/python3
"""Loopback fake of the Microsoft 365 HTTPS side for mailrota's OAuth tests.

One HTTPS server (standard library only; run it with /usr/bin/python3) that
plays two Microsoft services:

  POST /{tenant}/oauth2/v2.0/token          Entra ID, client-credentials grant
  POST /v1.0/users/{mailbox}/sendMail        Microsoft Graph, MIME (base64) form
  GET  /v1.0/users/{mailbox}/mailFolders/inbox/messages
                                             the inbox, paged (@odata.nextLink)
  GET  /v1.0/users/{mailbox}/messages/{id}/$value
                                             one message's MIME

Tokens are mstoken.py tokens (HMAC-signed, JWT-shaped); smtpd.py verifies the
same tokens for SMTP AUTH XOAUTH2 when given the same --token-key-file.
Errors are shaped and worded like Microsoft's, the token endpoint can be
scripted per request through DIR/token-script.json, and Graph replies are
scripted by the recipient's local part (like smtpd.py). It listens on
127.0.0.1 or ::1 only. See tests/servers/README.md for every reply and file.

usage: /usr/bin/python3 tests/servers/m365d.py --dir DIR --cert F --key F
       --client-secret-file F --token-key-file F [--tenant T] [--client-id C]
       [--expires-in N] [--roles-outlook LIST] [--roles-graph LIST]
       [--graph-users FILE] [--graph-deny EMAIL]... [--port N] [--host H]
       [--inbox-page-size N]

The inbox of a mailbox is DIR/inbox/{mailbox}/NNNNNN.eml, each with
NNNNNN.received (its receivedDateTime, ISO UTC); lib-m365d.sh's
m365d_inbox_put writes them. DIR/inbox-script.json ({"status": 429 or 503,
"times": N, "retry_after": S}) answers the next N inbox GETs with that
status. Reading the inbox needs Mail.Read in the token's roles (else 403).
"""

import argparse
import base64
import binascii
import email.parser
import email.policy
import email.utils
import hmac
import http.server
import json
import logging
import os
import re
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mstoken  # noqa: E402  (lives next to this file)
from srvlib import now_iso, run_server, write_atomic  # noqa: E402
from srvlib import printable as _printable  # noqa: E402
from srvlib import read_mailboxes, script_for  # noqa: E402


def printable(s):
    """Client-supplied text -> one log-safe token."""
    return _printable(s, 200)


LOOPBACK = ("127.0.0.1", "::1")
MAX_BODY = 4 * 1024 * 1024        # request bodies above this get 413
HANDSHAKE_TIMEOUT = 10.0

DEFAULT_TENANT = "11111111-1111-4111-8111-111111111111"
DEFAULT_CLIENT_ID = "22222222-2222-4222-8222-222222222222"
ROLE_SMTP = "SMTP.SendAsApp"
ROLE_GRAPH = "Mail.Send"
ROLE_READ = "Mail.Read"

TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
GRAPH_PATH = re.compile(r"^/v1\.0/users/([^/]+)/sendMail$", re.I)
MAIL_NAME = re.compile(r"^([0-9]{6})\.(eml|json)$")
INBOX_LIST = re.compile(r"^/v1\.0/users/([^/]+)/mailFolders/inbox/messages$",
                        re.I)
INBOX_VALUE = re.compile(r"^/v1\.0/users/([^/]+)/messages/([^/]+)/\$value$",
                         re.I)
INBOX_NAME = re.compile(r"^([0-9]{6})\.eml$")
INBOX_FILTER = re.compile(r"^receivedDateTime ge ([0-9T:.Z-]+)$")
ID_PREFIX = "AAMkAGI2TG93AAA="     # an id is this + NNNNNN: has "=" in it

# token-script.json "fail" values.
TOKEN_FAILS = ("invalid_client", "unauthorized_client", "invalid_scope",
               "tenant", "expired_secret", "server_error", "drop", "slow")

# Graph recipient scripts by local-part prefix, longest first
# ("throttleonce" wins over "throttle").
GRAPH_SCRIPTS = sorted(("throttle", "throttleonce", "unavail", "invalid",
                        "hard", "slow", "drop"), key=len, reverse=True)
# With several recipients, the first of these that any recipient has wins.
GRAPH_PRECEDENCE = ("drop", "unavail", "throttle", "throttleonce", "invalid",
                    "hard", "slow")

# Entra ID texts (AADSTS code -> text; {} filled in per request).
AAD = {
    90002: "Tenant '{tenant}' not found. Check to make sure you have the "
           "correct tenant ID and are signing into the correct cloud. Check "
           "with your subscription administrator, this may happen if there "
           "are no active subscriptions for the tenant.",
    70003: "The app requested an unsupported grant type '{grant_type}'.",
    700016: "Application with identifier '{client_id}' was not found in the "
            "directory '{tenant}'. This can happen if the application has "
            "not been installed by the administrator of the tenant or "
            "consented to by any user in the tenant. You may have sent your "
            "authentication request to the wrong tenant.",
    7000215: "Invalid client secret provided. Ensure the secret being sent "
             "in the request is the client secret value, not the client "
             "secret ID, for a secret added to app '{client_id}'.",
    7000218: "The request body must contain the following parameter: "
             "'client_assertion' or 'client_secret'.",
    7000222: "The provided client secret keys for app '{client_id}' are "
             "expired. Visit the Azure portal to create new keys for your "
             "app: https://aka.ms/NewClientSecret, or consider using "
             "certificate credentials for added security: "
             "https://aka.ms/certCreds.",
    900144: "The request body must contain the following parameter: "
            "'{param}'.",
    1002012: "The provided value for scope {scope} is not valid. Client "
             "credential flows must have a scope value with /.default "
             "suffixed to the resource identifier (application ID URI).",
    500011: "The resource principal named {resource} was not found in the "
            "tenant named {tenant}. This can happen if the application has "
            "not been installed by the administrator of the tenant or "
            "consented to by any user in the tenant. You might have sent "
            "your authentication request to the wrong tenant.",
    50000: "There was an error issuing a token or an issue with our "
           "sign-in service.",
    90033: "A transient error has occurred. Please try again.",
}

# Graph texts.
G_EMPTY = "Access token is empty."
G_TOKEN = {
    mstoken.MALFORMED: "CompactToken parsing failed with error code: "
                       "80049217",
    mstoken.BAD_SIGNATURE: "Access token validation failure. "
                           "Invalid signature.",
    mstoken.EXPIRED: "Access token has expired or is not yet valid.",
    mstoken.WRONG_AUDIENCE: "Access token validation failure. "
                            "Invalid audience.",
}
G_DENIED = "Access is denied. Check credentials and try again."
G_POLICY = ("Access to OData is disabled: [RAOP] : Blocked by tenant "
            "configured AppOnly AccessPolicy settings.")
G_USER = "The requested user '{user}' is invalid."
G_SENDAS = ("The user account which was used to submit this request does "
            "not have the right to send mail on behalf of the specified "
            "sending account., Cannot submit message.")
G_THROTTLED = "Application is over its MailboxConcurrency limit."
G_UNAVAIL = "The service is temporarily unavailable. Please try again later."
G_INVALID = ("At least one recipient isn't valid., Recipient '{rcpt}' is not "
             "resolved. All recipients must be resolved before a message "
             "can be submitted.")
G_NORCPT = ("At least one recipient isn't valid., A message can't be sent "
            "because it contains no recipients.")
G_BASE64 = "Invalid base64 string for MIME content."
G_NOTMIME = ("Unable to read JSON request payload. Please ensure "
             "Content-Type header is set and payload is of valid JSON "
             "format.")

log = logging.getLogger("m365d")


def oneline(s):
    """An error message -> one log line (control characters replaced)."""
    return "".join(c if c >= " " and c != "\x7f" else "?" for c in s)[:300]


def read_secret(path):
    """The client secret: the file's bytes without a trailing newline."""
    with open(path, "rb") as f:
        secret = f.read(4096).rstrip(b"\r\n")
    if not secret:
        raise ValueError("%s: empty client secret" % path)
    return secret


class App:
    """Configuration and state shared by all request threads."""

    def __init__(self, o):
        self.o = o
        self.top = o.dir
        self.key = mstoken.load_key(o.token_key_file)
        self.secret = read_secret(o.client_secret_file)
        self.roles = {mstoken.OUTLOOK: [r for r in o.roles_outlook.split(",")
                                        if r],
                      mstoken.GRAPH: [r for r in o.roles_graph.split(",")
                                      if r]}
        self.graph_users = (read_mailboxes(o.graph_users)
                            if o.graph_users else None)
        self.graph_deny = {e.strip().lower() for e in o.graph_deny}
        self.lock = threading.Lock()
        self.graph_dir = os.path.join(self.top, "graph")
        os.makedirs(self.graph_dir, exist_ok=True)
        self.seq = 0
        for name in os.listdir(self.graph_dir):
            m = MAIL_NAME.match(name)
            if m:
                self.seq = max(self.seq, int(m.group(1)))
        self.state_path = os.path.join(self.top, "state.json")
        self.throttled_once = set()
        try:
            with open(self.state_path, "rb") as f:
                self.throttled_once = set(
                    json.load(f).get("throttleonce_seen", []))
        except FileNotFoundError:
            pass
        self.stats_path = os.path.join(self.top, "graph-stats.json")
        self.requests = 0
        self.inflight = {}
        self.max_inflight = {}
        self.script_path = os.path.join(self.top, "token-script.json")
        self.script_raw = None
        self.script_used = 0
        self.inbox_script_raw = None
        self.inbox_script_used = 0
        self.token_log = open(os.path.join(self.top, "token-requests.log"),
                              "a", buffering=1)
        self.graph_log = open(os.path.join(self.top, "graph-requests.log"),
                              "a", buffering=1)
        self.inbox_log = open(os.path.join(self.top, "inbox-requests.log"),
                              "a", buffering=1)
        with self.lock:
            self.write_stats()

    # --- logs and stats (each line written whole, under the lock) -------
    def log_token(self, rec):
        with self.lock:
            self.token_log.write(json.dumps(rec, sort_keys=True) + "\n")

    def log_graph(self, rec):
        with self.lock:
            self.graph_log.write(json.dumps(rec, sort_keys=True) + "\n")

    def log_inbox(self, rec):
        with self.lock:
            self.inbox_log.write(json.dumps(rec, sort_keys=True) + "\n")

    def inbox_fault(self):
        """DIR/inbox-script.json for this GET: (status, retry_after) or
        None.  "times" counts from the file's last change."""
        try:
            with open(os.path.join(self.top, "inbox-script.json"), "rb") as f:
                raw = f.read(4096)
            script = json.loads(raw) if raw.strip() else {}
        except (OSError, ValueError):
            return None
        if not isinstance(script, dict) or \
                script.get("status") not in (429, 503):
            return None
        with self.lock:
            if raw != self.inbox_script_raw:
                self.inbox_script_raw = raw
                self.inbox_script_used = 0
            if self.inbox_script_used >= int(script.get("times", 1)):
                return None
            self.inbox_script_used += 1
        return script["status"], int(script.get("retry_after", 1))

    def inbox(self, user):
        """[(id, receivedDateTime, path)] of user's inbox, oldest first."""
        d = os.path.join(self.top, "inbox", user.lower())
        out = []
        try:
            names = sorted(os.listdir(d))
        except FileNotFoundError:
            return out
        for name in names:
            m = INBOX_NAME.match(name)
            if not m:
                continue
            try:
                with open(os.path.join(d, m.group(1) + ".received")) as f:
                    when = f.read().strip()
            except FileNotFoundError:
                continue
            out.append((ID_PREFIX + m.group(1), when, os.path.join(d, name)))
        out.sort(key=lambda t: (t[1], t[0]))
        return out

    def write_stats(self):
        st = {"requests": self.requests,
              "inflight": dict(sorted(self.inflight.items())),
              "max_inflight": dict(sorted(self.max_inflight.items()))}
        write_atomic(self.stats_path, (json.dumps(st) + "\n").encode())

    def graph_begin(self, user):
        """Count a sendMail request in flight; returns how many are."""
        with self.lock:
            self.requests += 1
            n = self.inflight.get(user, 0) + 1
            self.inflight[user] = n
            self.max_inflight[user] = max(n, self.max_inflight.get(user, 0))
            self.write_stats()
            return n

    def graph_end(self, user):
        with self.lock:
            self.inflight[user] -= 1
            self.write_stats()

    def throttle_first(self, address):
        """True the first time ever for this address (throttleonce)."""
        key = address.lower()
        with self.lock:
            if key in self.throttled_once:
                return False
            self.throttled_once.add(key)
            st = {"throttleonce_seen": sorted(self.throttled_once)}
            write_atomic(self.state_path,
                         (json.dumps(st, indent=1) + "\n").encode())
            return True

    def store(self, mime, meta):
        """DIR/graph/NNNNNN.{json,eml}; the .json is renamed into place
        first, so an .eml always has its sidecar. Returns the id."""
        with self.lock:
            self.seq += 1
            mid = "%06d" % self.seq
            write_atomic(os.path.join(self.graph_dir, mid + ".json"),
                         (json.dumps(meta, sort_keys=True) + "\n").encode())
            write_atomic(os.path.join(self.graph_dir, mid + ".eml"), mime)
            return mid

    def token_script(self):
        """DIR/token-script.json, read on every request: returns (script,
        None), ({}, None) when absent or used up, or (None, problem)."""
        try:
            with open(self.script_path, "rb") as f:
                raw = f.read(65536)
        except FileNotFoundError:
            return {}, None
        except OSError as e:
            return None, str(e)
        try:
            script = json.loads(raw) if raw.strip() else {}
        except ValueError as e:
            return None, "not JSON: %s" % e
        if not isinstance(script, dict):
            return None, "not a JSON object"
        fail = script.get("fail")
        if fail is not None and fail not in TOKEN_FAILS:
            return None, "unknown fail %r" % (fail,)
        for k in ("expires_in", "delay", "times", "status", "retry_after"):
            v = script.get(k)
            if v is not None and (isinstance(v, bool) or
                                  not isinstance(v, (int, float)) or v < 0):
                return None, "%s must be a number >= 0" % k
        with self.lock:
            # "times": N applies the script to the next N requests after
            # the file's content last changed; then it is ignored.
            if raw != self.script_raw:
                self.script_raw = raw
                self.script_used = 0
            if script.get("times") is not None and \
                    self.script_used >= script["times"]:
                return {}, None
            self.script_used += 1
        return script, None


def entra_error(error, code, **fields):
    """An Entra ID error body; the description ends like Entra's, with
    CRLF-separated trace and correlation ids and a timestamp."""
    ts = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    text = AAD[code].format(**fields)
    return {"error": error,
            "error_description": "AADSTS%d: %s\r\nTrace ID: %s\r\n"
                                 "Correlation ID: %s\r\nTimestamp: %s"
                                 % (code, text, trace, corr, ts),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": "https://login.microsoftonline.com/error?code=%d"
                         % code}


class Handler(http.server.BaseHTTPRequestHandler):
    """One connection (keep-alive: many requests)."""

    protocol_version = "HTTP/1.1"
    server_version = "mailrota-m365d/1"
    sys_version = ""

    def version_string(self):
        return self.server_version

    def setup(self):
        self.timeout = self.server.app.o.timeout
        super().setup()

    # http.server logs every request to stderr; we log our own lines.
    def log_request(self, code="-", size="-"):
        pass

    def log_message(self, fmt, *args):
        log.info("%s %s", self.peer(), printable(fmt % args))

    def peer(self):
        host, port = self.client_address[:2]
        return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)

    # --- plumbing ---------------------------------------------------------
    def send_body(self, status, body=b"", ctype=None, headers=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, obj, headers=()):
        self.send_body(status, json.dumps(obj).encode(),
                       "application/json; charset=utf-8", headers)

    def drop(self):
        """Close the connection without a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self):
        """The request body (Content-Length only, at most MAX_BODY), or None
        after answering the problem."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self.send_json(411, {"error": "length_required",
                                 "error_description":
                                 "m365d: send Content-Length, not chunked"})
            return None
        try:
            n = int(self.headers.get("Content-Length", "0"))
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self.send_json(400, {"error": "invalid_request",
                                 "error_description": "bad Content-Length"})
            return None
        if n > MAX_BODY:
            self.close_connection = True
            self.send_json(413, {"error": {"code": "RequestEntityTooLarge",
                                           "message": "The request body is "
                                           "larger than %d bytes." % MAX_BODY}})
            return None
        body = self.rfile.read(n)
        if len(body) != n:
            self.close_connection = True
            return None
        return body

    def path_only(self):
        return urllib.parse.urlsplit(self.path).path

    # --- routing ------------------------------------------------------------
    def route(self):
        path = self.path_only()
        known = TOKEN_PATH.match(path) or GRAPH_PATH.match(path)
        if self.command == "GET":
            upath = urllib.parse.unquote(path)
            m = INBOX_LIST.match(upath)
            if m:
                return self.inbox_request(m.group(1), None)
            m = INBOX_VALUE.match(upath)
            if m:
                return self.inbox_request(m.group(1), m.group(2))
        if self.command == "POST":
            m = TOKEN_PATH.match(path)
            if m:
                return self.token_request(urllib.parse.unquote(m.group(1)))
            m = GRAPH_PATH.match(path)
            if m:
                return self.graph_send(urllib.parse.unquote(m.group(1)))
        # Drain a body so keep-alive stays in step.
        if self.read_body() is None:
            return
        status = 405 if known else 404
        log.info("%s %s %s -> %d", self.peer(), self.command,
                 printable(path), status)
        self.send_json(status, {"error": {
            "code": "MethodNotAllowed" if known else "NotFound",
            "message": "m365d: no such endpoint: %s %s"
                       % (self.command, printable(path))}},
            headers=[("Allow", "POST")] if known else ())

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = route

    # --- Entra ID token endpoint ---------------------------------------------
    def token_request(self, tenant):
        app = self.server.app
        body = self.read_body()
        if body is None:
            return
        form = {}
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() == \
                "application/x-www-form-urlencoded":
            for k, v in urllib.parse.parse_qsl(
                    body.decode("utf-8", "replace"), keep_blank_values=True):
                form.setdefault(k, v)
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        # client_secret_basic (RFC 6749 2.3.1) is accepted as well.
        authz = self.headers.get("Authorization", "")
        if authz[:6].lower() == "basic " and secret is None:
            try:
                cid, _, sec = base64.b64decode(authz[6:].strip(),
                                               validate=True) \
                    .decode("utf-8").partition(":")
                client_id = client_id or urllib.parse.unquote_plus(cid)
                secret = urllib.parse.unquote_plus(sec)
            except (binascii.Error, UnicodeDecodeError):
                pass
        grant_type = form.get("grant_type")
        scope = form.get("scope")
        secret_ok = (client_id == app.o.client_id and secret is not None and
                     hmac.compare_digest(secret.encode("utf-8"), app.secret))
        rec = {"at": now_iso(), "tenant": tenant, "client_id": client_id,
               "scope": scope, "grant_type": grant_type,
               "secret_ok": secret_ok, "status": None, "error": None,
               "jti": None}
        fields = {"tenant": tenant, "client_id": client_id,
                  "grant_type": grant_type, "scope": scope}

        script, problem = app.token_script()
        headers = []
        if problem:
            status, reply = 500, {"error": "server_error",
                                  "error_description":
                                  "m365d: bad token-script.json: " + problem}
        else:
            fail = script.get("fail")
            delay = script.get("delay")
            if fail == "slow" and delay is None:
                delay = app.o.slow_seconds
            if delay:
                time.sleep(delay)
            if fail == "drop":
                rec["error"] = "dropped"
                app.log_token(rec)
                log.info("%s POST token tenant=%s client_id=%s -> (dropped)",
                         self.peer(), printable(tenant), printable(client_id))
                return self.drop()
            if fail and fail != "slow":
                status, reply, headers = self.token_scripted(fail, script,
                                                             fields)
            else:
                status, reply = self.token_check(tenant, client_id, secret,
                                                 secret_ok, grant_type, scope,
                                                 fields, script, rec)
        rec["status"] = status
        rec["error"] = reply.get("error") if status != 200 else None
        app.log_token(rec)
        log.info("%s POST token tenant=%s client_id=%s scope=%s -> %d %s%s",
                 self.peer(), printable(tenant), printable(client_id),
                 printable(scope or ""), status, rec["error"] or "ok",
                 " jti=" + rec["jti"] if rec["jti"] else "")
        headers.append(("Cache-Control", "no-store, no-cache"))
        self.send_json(status, reply, headers)

    def token_scripted(self, fail, script, fields):
        """token-script.json's "fail" -> (status, body, headers)."""
        if fail == "invalid_client":
            return 401, entra_error("invalid_client", 7000215, **fields), []
        if fail == "expired_secret":
            return 401, entra_error("invalid_client", 7000222, **fields), []
        if fail == "unauthorized_client":
            return 400, entra_error("unauthorized_client", 700016,
                                    **fields), []
        if fail == "invalid_scope":
            return 400, entra_error("invalid_scope", 1002012, **fields), []
        if fail == "tenant":
            return 400, entra_error("invalid_request", 90002, **fields), []
        # server_error: 500 by default, or "status": 503 (+ Retry-After).
        status = int(script.get("status") or 500)
        if status == 503:
            ra = script.get("retry_after", self.server.app.o.retry_after)
            return 503, entra_error("temporarily_unavailable", 90033), \
                [("Retry-After", "%d" % ra)]
        return status, entra_error("server_error", 50000), []

    def token_check(self, tenant, client_id, secret, secret_ok, grant_type,
                    scope, fields, script, rec):
        """The real checks, in Entra's order -> (status, body)."""
        app = self.server.app
        if tenant.lower() != app.o.tenant.lower():
            return 400, entra_error("invalid_request", 90002, **fields)
        if not grant_type:
            return 400, entra_error("invalid_request", 900144,
                                    param="grant_type")
        if grant_type != "client_credentials":
            return 400, entra_error("unsupported_grant_type", 70003, **fields)
        if not client_id:
            return 400, entra_error("invalid_request", 900144,
                                    param="client_id")
        if client_id != app.o.client_id:
            return 400, entra_error("unauthorized_client", 700016, **fields)
        if secret is None:
            return 401, entra_error("invalid_client", 7000218)
        if not secret_ok:
            return 401, entra_error("invalid_client", 7000215, **fields)
        if not scope:
            return 400, entra_error("invalid_request", 900144, param="scope")
        if not scope.endswith("/.default") or " " in scope.strip():
            return 400, entra_error("invalid_scope", 1002012, **fields)
        resource = scope[:-len("/.default")]
        if resource not in app.roles:
            return 400, entra_error("invalid_resource", 500011,
                                    resource=resource, tenant=tenant)
        expires_in = int(script.get("expires_in", app.o.expires_in))
        token, payload = mstoken.make(app.key, resource, app.o.tenant,
                                      client_id, app.roles[resource],
                                      lifetime=expires_in,
                                      size=app.o.token_size)
        rec["jti"] = payload["jti"]
        return 200, {"token_type": "Bearer", "expires_in": expires_in,
                     "ext_expires_in": expires_in, "access_token": token}

    # --- Graph sendMail --------------------------------------------------------
    def graph_error(self, status, code, message, headers=()):
        return status, {"error": {"code": code, "message": message,
                                  "innerError": {
                                      "date": time.strftime(
                                          "%Y-%m-%dT%H:%M:%S",
                                          time.gmtime()),
                                      "request-id": str(uuid.uuid4()),
                                      "client-request-id": str(uuid.uuid4())}}
                        }, list(headers)

    def graph_send(self, user):
        app = self.server.app
        t0 = time.monotonic()
        body = self.read_body()
        if body is None:
            return
        key = user.lower()
        n = app.graph_begin(key)
        rec = {"at": now_iso(), "user": user, "rcpt": None, "status": None,
               "error": None, "jti": None}
        try:
            status, reply, headers = self.graph_check(user, key, n, body, rec)
            hold = app.o.min_request_seconds - (time.monotonic() - t0)
            if hold > 0:
                time.sleep(hold)
            if status is None:          # drop
                rec["error"] = "dropped"
                app.log_graph(rec)
                log.info("%s POST sendMail user=%s rcpt=%s -> (dropped)",
                         self.peer(), printable(user),
                         printable(rec["rcpt"] or ""))
                return self.drop()
            rec["status"] = status
            rec["error"] = reply["error"]["code"] if reply else None
            app.log_graph(rec)
            log.info("%s POST sendMail user=%s rcpt=%s jti=%s -> %d %s",
                     self.peer(), printable(user),
                     printable(rec["rcpt"] or ""), rec["jti"] or "-", status,
                     rec["error"] or "accepted")
            if reply is None:
                self.send_body(status, headers=headers)
            else:
                self.send_json(status, reply, headers)
        finally:
            app.graph_end(key)

    def graph_check(self, user, key, inflight, body, rec):
        """-> (status, error body or None, headers); status None = drop."""
        app = self.server.app
        o = app.o
        authz = self.headers.get("Authorization", "")
        if authz[:7].lower() != "bearer " or not authz[7:].strip():
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    G_EMPTY, self.www_authenticate())
        token = authz[7:].strip()
        rec["jti"] = (mstoken.peek(token) or {}).get("jti")
        payload, reason = mstoken.verify(token, app.key, mstoken.GRAPH)
        if reason:
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    G_TOKEN[reason], self.www_authenticate())
        if not mstoken.has_role(payload, ROLE_GRAPH):
            return self.graph_error(403, "ErrorAccessDenied", G_DENIED)
        if app.graph_users is not None and key not in app.graph_users:
            return self.graph_error(404, "ErrorInvalidUser",
                                    G_USER.format(user=user))
        if key in app.graph_deny:
            return self.graph_error(403, "ErrorAccessDenied", G_POLICY)
        retry = [("Retry-After", "%d" % o.retry_after)]
        if o.mailbox_concurrency and inflight > o.mailbox_concurrency:
            return self.graph_error(429, "ApplicationThrottled", G_THROTTLED,
                                    retry)
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip().lower() != "text/plain":
            return self.graph_error(400, "BadRequest", G_NOTMIME)
        try:
            mime = base64.b64decode(re.sub(rb"[\r\n\t ]", b"", body),
                                    validate=True)
            if not mime:
                raise ValueError("empty")
        except (binascii.Error, ValueError):
            return self.graph_error(400, "ErrorMimeContentInvalidBase64String",
                                    G_BASE64)
        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32) \
            .parsebytes(mime)
        to = [a for _, a in email.utils.getaddresses(msg.get_all("To", []))
              if a]
        rcpts = to + [a for _, a in email.utils.getaddresses(
            msg.get_all("Cc", []) + msg.get_all("Bcc", [])) if a]
        rec["rcpt"] = rcpts[0] if rcpts else None
        if not rcpts:
            return self.graph_error(400, "ErrorInvalidRecipients", G_NORCPT)
        froms = [a for _, a in email.utils.getaddresses(
            msg.get_all("From", [])) if a]
        if froms and froms[0].lower() != key:
            return self.graph_error(403, "ErrorSendAsDenied", G_SENDAS)
        scripted = {}
        for r in rcpts:
            scripted.setdefault(script_for(r, GRAPH_SCRIPTS), r)
        script = next((s for s in GRAPH_PRECEDENCE if s in scripted), None)
        rcpt = scripted.get(script)
        if script == "drop":
            return None, None, []
        if script == "unavail":
            return self.graph_error(503, "ServiceUnavailable", G_UNAVAIL,
                                    retry)
        if script == "throttle" or (script == "throttleonce" and
                                    app.throttle_first(rcpt)):
            return self.graph_error(429, "ApplicationThrottled", G_THROTTLED,
                                    retry)
        if script in ("invalid", "hard"):
            return self.graph_error(400, "ErrorInvalidRecipients",
                                    G_INVALID.format(rcpt=rcpt))
        if script == "slow":
            time.sleep(o.slow_seconds)
        meta = {"user": user, "rcpt": rcpts[0], "rcpts": rcpts,
                "from": froms[0] if froms else None,
                "appid": payload.get("appid"), "jti": payload.get("jti"),
                "received_at": now_iso()}
        rec["id"] = app.store(mime, meta)
        return 202, None, []

    # --- Graph inbox (read-only) ----------------------------------------------
    def inbox_request(self, user, mid):
        app = self.server.app
        key = user.lower()
        rec = {"at": now_iso(), "user": user, "what": "value" if mid
               else "list", "id": mid, "status": None, "error": None}
        status, body, headers = self.inbox_check(key, user)
        if status is None:
            status, body, headers = (self.inbox_value(key, mid) if mid
                                     else self.inbox_list(key))
        rec["status"] = status
        if isinstance(body, dict) and "error" in body:
            rec["error"] = body["error"]["code"]
        app.log_inbox(rec)
        log.info("%s GET inbox %s user=%s id=%s -> %d %s", self.peer(),
                 rec["what"], printable(user), printable(mid or "-"), status,
                 rec["error"] or "ok")
        if isinstance(body, bytes):
            self.send_body(status, body, "text/plain", headers)
        else:
            self.send_json(status, body, headers)

    def inbox_check(self, key, user):
        """Token, Mail.Read, the user, the policy, the fault script ->
        (None, None, None) when the read may go on."""
        app = self.server.app
        authz = self.headers.get("Authorization", "")
        if authz[:7].lower() != "bearer " or not authz[7:].strip():
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    G_EMPTY, self.www_authenticate())
        payload, reason = mstoken.verify(authz[7:].strip(), app.key,
                                         mstoken.GRAPH)
        if reason:
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    G_TOKEN[reason], self.www_authenticate())
        if not mstoken.has_role(payload, ROLE_READ):
            return self.graph_error(403, "ErrorAccessDenied", G_DENIED)
        if app.graph_users is not None and key not in app.graph_users:
            return self.graph_error(404, "ErrorInvalidUser",
                                    G_USER.format(user=user))
        if key in app.graph_deny:
            return self.graph_error(403, "ErrorAccessDenied", G_POLICY)
        fault = app.inbox_fault()
        if fault:
            status, ra = fault
            return self.graph_error(
                status, "ApplicationThrottled" if status == 429
                else "ServiceUnavailable",
                G_THROTTLED if status == 429 else G_UNAVAIL,
                [("Retry-After", "%d" % ra)])
        return None, None, None

    def inbox_list(self, key):
        app = self.server.app
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path)
                                        .query, keep_blank_values=True))
        since = None
        if q.get("$filter"):
            m = INBOX_FILTER.match(q["$filter"])
            if not m:
                return self.graph_error(400, "BadRequest", "Invalid filter "
                                        "clause: %s" % q["$filter"][:80])
            since = m.group(1)
        if q.get("$orderby", "receivedDateTime asc") != \
                "receivedDateTime asc":
            return self.graph_error(400, "BadRequest", "m365d: only "
                                    "$orderby=receivedDateTime asc")
        try:
            top = int(q.get("$top", "10"))
            skip = int(q.get("$skip", "0"))
        except ValueError:
            return self.graph_error(400, "BadRequest", "bad $top or $skip")
        size = max(1, min(top, app.o.inbox_page_size))
        msgs = [t for t in app.inbox(key) if since is None or t[1] >= since]
        page = msgs[skip:skip + size]
        body = {"@odata.context": "https://graph.microsoft.com/v1.0/"
                "$metadata#users('%s')/mailFolders('inbox')/messages" % key,
                "value": [{"@odata.etag": 'W/"CQAAABYAAAA"', "id": i,
                           "receivedDateTime": when,
                           "internetMessageId": "<%s@m365d>" % i[-6:]}
                          for i, when, _ in page]}
        if skip + size < len(msgs):
            q["$skip"] = str(skip + size)
            # Graph spells the user as it likes (here: '@' unescaped).
            body["@odata.nextLink"] = "https://%s%s?%s" % (
                self.headers.get("Host", ""),
                urllib.parse.unquote(self.path_only()),
                urllib.parse.urlencode(q, quote_via=urllib.parse.quote))
        return 200, body, []

    def inbox_value(self, key, mid):
        for i, _, path in self.server.app.inbox(key):
            if i == mid:
                with open(path, "rb") as f:
                    return 200, f.read(), []
        return self.graph_error(404, "ErrorItemNotFound", "The specified "
                                "object was not found in the store.")

    @staticmethod
    def www_authenticate():
        return [("WWW-Authenticate",
                 'Bearer realm="", authorization_uri="https://login.'
                 'microsoftonline.com/common/oauth2/authorize", '
                 'client_id="00000003-0000-0000-c000-000000000000"')]


class Server(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer whose connections are TLS, handshaken in the
    connection's own thread (a stalled client cannot block accept())."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, app, ctx):
        self.address_family = socket.AF_INET6 if ":" in addr[0] \
            else socket.AF_INET
        self.app = app
        self.ctx = ctx
        super().__init__(addr, Handler)

    def server_bind(self):
        # HTTPServer.server_bind would call getfqdn(); not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log.info("%s TLS handshake failed: %s",
                     client_address[0], oneline(str(e)))
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        """A client that hangs up (e.g. its timeout fired while we slept)
        is one line; anything else is a bug here and gets a traceback."""
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, TimeoutError, ssl.SSLError)):
            log.info("%s connection lost: %s", client_address[0],
                     oneline("%s: %s" % (type(err).__name__, err)))
        else:
            log.exception("request from %s failed", client_address[0])


def parse_args(argv):
    p = argparse.ArgumentParser(description="mailrota fake Microsoft 365")
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1", choices=LOOPBACK)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tenant", default=DEFAULT_TENANT)
    p.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    p.add_argument("--client-secret-file", required=True)
    p.add_argument("--token-key-file", required=True)
    p.add_argument("--expires-in", type=int, default=3599)
    p.add_argument("--token-size", type=int, default=1500,
                   help="pad tokens to this many characters (0: ~360)")
    p.add_argument("--roles-outlook", default=ROLE_SMTP, metavar="LIST")
    p.add_argument("--roles-graph", default=ROLE_GRAPH, metavar="LIST")
    p.add_argument("--graph-users", metavar="FILE")
    p.add_argument("--graph-deny", action="append", default=[],
                   metavar="EMAIL")
    p.add_argument("--retry-after", type=int, default=2)
    p.add_argument("--slow-seconds", type=float, default=1.0)
    p.add_argument("--min-request-seconds", type=float, default=0.0)
    p.add_argument("--mailbox-concurrency", type=int, default=0,
                   help="429 above this many sendMail in flight per "
                   "mailbox (0: no limit)")
    p.add_argument("--inbox-page-size", type=int, default=10,
                   help="most messages per inbox page (Graph: 10)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="idle seconds before a connection is closed")
    return p.parse_args(argv)


def setup_logging(top):
    h = logging.FileHandler(os.path.join(top, "m365d.log"))
    fmt = logging.Formatter("%(asctime)s.%(msecs)03dZ %(message)s",
                            "%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    h.setFormatter(fmt)
    root = logging.getLogger()
    root.addHandler(h)
    root.setLevel(logging.WARNING)
    log.setLevel(logging.INFO)


def serve(o):
    app = App(o)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(o.cert, o.key)
    ctx.set_alpn_protocols(["http/1.1"])
    server = Server((o.host, o.port), app, ctx)
    port = server.server_address[1]

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.2}, daemon=True)
    worker.start()
    write_atomic(os.path.join(o.dir, "port"), b"%d\n" % port)
    log.info("m365d listening on %s port %d pid=%d tenant=%s client_id=%s",
             o.host, port, os.getpid(), o.tenant, o.client_id)
    while not stop.wait(1.0):
        pass
    log.info("m365d stopping on signal")
    server.shutdown()
    server.server_close()


def main(argv):
    o = parse_args(argv)
    os.makedirs(o.dir, exist_ok=True)
    setup_logging(o.dir)
    return run_server(o.dir, log, "m365d", lambda: serve(o))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
