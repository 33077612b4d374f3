#!/usr/bin/python3
"""JWT-shaped access tokens for mailrota's fake Microsoft 365 test servers.

m365d.py issues them (the Entra ID token endpoint), m365d.py's Graph side and
smtpd.py's XOAUTH2 verify them. They look like Entra's access tokens
(three base64url parts) but are signed with HMAC-SHA256 and a shared test key
instead of Microsoft's RSA keys:

    base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256(key,
        base64url(header) "." base64url(payload)))

header  {"alg": "HS256", "typ": "JWT"}
payload {"aud": resource, "tid": tenant, "appid": client id,
         "roles": [...], "iat": epoch s, "exp": epoch s, "jti": "t000001-..."}

base64url is without "=" padding (RFC 7515). The key lives in a file holding
hex digits (at least 32 = 16 bytes; whitespace and a trailing newline are
ignored), e.g. made with `openssl rand -hex 32 >token.key`. It is read from
a file and never taken from argv, so it does not show up in `ps`.

Command line (for tests that need a hand-made token, e.g. an expired one):

    mstoken.py make --key-file K --aud URL [--tid T] [--appid C]
                    [--roles R1,R2] [--lifetime S] [--size N]
        prints the token; --lifetime may be negative (already expired)
    mstoken.py verify --key-file K --aud URL <TOKEN_ON_STDIN
        prints the payload as JSON and exits 0, or the reason and exits 1
"""

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import sys
import threading
import time

OUTLOOK = "https://outlook.office365.com"
GRAPH = "https://graph.microsoft.com"
HEADER = {"alg": "HS256", "typ": "JWT"}

# verify()'s reasons, as stable short words (they end up in logs).
MALFORMED = "malformed"
BAD_SIGNATURE = "bad-signature"
EXPIRED = "expired"
WRONG_AUDIENCE = "wrong-audience"

MAX_TOKEN = 16384          # longer is malformed (Entra's are 1-3 KB)
MIN_KEY_BYTES = 16

_counter = itertools.count(1)
_counter_lock = threading.Lock()


def b64url_encode(data):
    """bytes -> str, base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """str -> bytes; raises ValueError on anything but strict base64url."""
    if not isinstance(text, str) or not text or \
            any(c not in _B64URL for c in text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789-_")


def load_key(path):
    """Read the signing key: a file of hex digits (>= 16 bytes)."""
    with open(path, "rb") as f:
        text = f.read(4096)
    try:
        key = bytes.fromhex(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise ValueError("%s: want hex digits (openssl rand -hex 32)" % path)
    if len(key) < MIN_KEY_BYTES:
        raise ValueError("%s: key shorter than %d bytes" % (path, MIN_KEY_BYTES))
    return key


def new_jti():
    """A unique token id: a per-process counter plus randomness, so ids
    stay unique across server restarts (t000001-9f3a0c2e)."""
    with _counter_lock:
        n = next(_counter)
    return "t%06d-%s" % (n, secrets.token_hex(4))


def _sign(key, signing_input):
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def make(key, aud, tid, appid, roles, lifetime=3599, now=None, jti=None,
         size=0):
    """Mint a token; returns (token, payload).

    lifetime: seconds from now to "exp" (negative: already expired).
    size: pad the payload with an "xms_pad" claim until the token is at
    least this many characters long (Entra's tokens are 1-3 KB; 0 = none).
    """
    iat = int(time.time() if now is None else now)
    payload = {"aud": aud, "tid": tid, "appid": appid, "roles": list(roles),
               "iat": iat, "exp": iat + int(lifetime),
               "jti": jti or new_jti()}
    head = b64url_encode(json.dumps(HEADER, separators=(",", ":")).encode())

    def build(p):
        body = b64url_encode(json.dumps(p, separators=(",", ":")).encode())
        signing_input = head + "." + body
        return signing_input + "." + b64url_encode(_sign(key, signing_input))

    token = build(payload)
    if size and len(token) < size:
        # 3 payload bytes -> 4 token characters; the claim's own
        # overhead ("xms_pad":"",) is 12 bytes.
        missing = (size - len(token)) * 3 // 4 + 3
        payload["xms_pad"] = "x" * max(0, missing - 12)
        token = build(payload)
    return token, payload


def peek(token):
    """The payload without any check (for logging a jti); None if it does
    not parse."""
    try:
        parts = token.split(".")
        if len(parts) != 3:
            return None
        p = json.loads(b64url_decode(parts[1]))
        return p if isinstance(p, dict) else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def verify(token, key, aud, now=None):
    """Check a token: returns (payload, None) or (None, reason), reason
    being MALFORMED, BAD_SIGNATURE, EXPIRED or WRONG_AUDIENCE (checked in
    that order). Roles are the caller's business (has_role)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        return None, MALFORMED
    parts = token.split(".")
    if len(parts) != 3:
        return None, MALFORMED
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None, MALFORMED
    # alg is pinned: never accept "none" or anything we did not issue.
    if not isinstance(header, dict) or header.get("alg") != "HS256" or \
            not isinstance(payload, dict):
        return None, MALFORMED
    if not hmac.compare_digest(sig, _sign(key, parts[0] + "." + parts[1])):
        return None, BAD_SIGNATURE
    exp = payload.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or \
            not isinstance(payload.get("roles", []), list):
        return None, MALFORMED
    if exp <= (time.time() if now is None else now):
        return None, EXPIRED
    if payload.get("aud") != aud:
        return None, WRONG_AUDIENCE
    return payload, None


def has_role(payload, role):
    roles = payload.get("roles")
    return isinstance(roles, list) and role in roles


def _main(argv):
    p = argparse.ArgumentParser(description="make or verify test tokens")
    sub = p.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make", help="print a new token")
    mk.add_argument("--key-file", required=True)
    mk.add_argument("--aud", required=True)
    mk.add_argument("--tid", default="11111111-1111-4111-8111-111111111111")
    mk.add_argument("--appid", default="22222222-2222-4222-8222-222222222222")
    mk.add_argument("--roles", default="",
                    help="comma list, e.g. SMTP.SendAsApp (default: none)")
    mk.add_argument("--lifetime", type=int, default=3599,
                    help="seconds until exp; negative = already expired")
    mk.add_argument("--size", type=int, default=0,
                    help="pad the token to at least this many characters")
    vf = sub.add_parser("verify", help="check a token read from stdin")
    vf.add_argument("--key-file", required=True)
    vf.add_argument("--aud", required=True)
    o = p.parse_args(argv)
    try:
        key = load_key(o.key_file)
    except (OSError, ValueError) as e:
        sys.stderr.write("mstoken.py: %s\n" % e)
        return 2
    if o.cmd == "make":
        roles = [r for r in o.roles.split(",") if r]
        token, _ = make(key, o.aud, o.tid, o.appid, roles,
                        lifetime=o.lifetime, size=o.size)
        print(token)
        return 0
    payload, reason = verify(sys.stdin.read(MAX_TOKEN + 2).strip(), key, o.aud)
    if reason:
        print(reason)
        return 1
    print(json.dumps(payload, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
