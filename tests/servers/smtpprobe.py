#!/usr/bin/python3
"""A small SMTP submission client that says where a session ended, for the
self-test of smtpd.py's fault script (tests/integration/t_smtpd_selftest.sh).

usage: /usr/bin/python3 tests/servers/smtpprobe.py --port N [--ca FILE]
       [--tls starttls|none] [--user EMAIL] [--rcpt ADDR] [--timeout S]
       [--host-name NAME] [--pause S]

The password comes from $SMTPPROBE_PASSWORD (never argv).  It prints one
line, "STAGE RESULT SECONDS":

  STAGE    where the session stopped: greeting, ehlo, starttls, tls, auth,
           mail, rcpt, data (the DATA command), body (sending the message),
           data-reply (after the final dot), or done (the message was
           accepted; RESULT is then the reply code, 250);
  RESULT   the server's reply code there, followed by ",closed" when the
           server then hung up (a NOOP got no answer): "550", "421,closed";
           or: timeout (no reply
           within --timeout), closed (the server hung up or reset), cert
           (certificate verification failed), tls (another TLS failure),
           no-starttls (not offered), no-auth (AUTH not offered);
  SECONDS  from the start to the end, one decimal.

Exit status 0 when the message was accepted, else 1.  With --pause S the
message goes out in two parts (the header block, a pause of S seconds, the
body), and a server that hung up meanwhile ends the session at "body".
"""

import argparse
import os
import select
import smtplib
import socket
import ssl
import sys
import time

MSG_HEAD = (b"From: {frm}\r\nTo: {rcpt}\r\nSubject: probe\r\n"
            b"Message-ID: <probe@example.test>\r\n\r\n")
MSG_BODY = b"".join(b"line %03d of the probe's body\r\n" % i
                    for i in range(200))


class Stop(Exception):
    def __init__(self, stage, result):
        super().__init__(stage, result)
        self.stage = stage
        self.result = result


def expect(stage, reply, want):
    code, _ = reply
    if code != want:
        raise Stop(stage, str(code))


def session(o, state):
    s = smtplib.SMTP(timeout=o.timeout)
    state["smtp"] = s
    state["stage"] = "greeting"
    code, _ = s.connect("127.0.0.1", o.port)
    if code != 220:
        raise Stop("greeting", str(code))
    state["stage"] = "ehlo"
    expect("ehlo", s.ehlo("probe.example"), 250)
    if o.tls == "starttls":
        if not s.has_extn("starttls"):
            raise Stop("starttls", "no-starttls")
        state["stage"] = "starttls"
        expect("starttls", s.docmd("STARTTLS"), 220)
        state["stage"] = "tls"
        ctx = ssl.create_default_context(cafile=o.ca)
        s.sock = ctx.wrap_socket(s.sock, server_hostname=o.host_name)
        s.file = None
        state["stage"] = "ehlo"
        s.ehlo_resp = None
        s.esmtp_features = {}
        expect("ehlo", s.ehlo("probe.example"), 250)
    if o.user:
        state["stage"] = "auth"
        if not s.has_extn("auth"):
            raise Stop("auth", "no-auth")
        s.user, s.password = o.user, os.environ.get("SMTPPROBE_PASSWORD", "")
        code, _ = s.auth("PLAIN", s.auth_plain)
        if code != 235:
            raise Stop("auth", str(code))
    frm = o.user or "probe@example.test"
    state["stage"] = "mail"
    expect("mail", s.mail(frm), 250)
    state["stage"] = "rcpt"
    code, _ = s.rcpt(o.rcpt)
    if code not in (250, 251):
        raise Stop("rcpt", str(code))
    state["stage"] = "data"
    expect("data", s.docmd("DATA"), 354)
    state["stage"] = "body"
    s.send(MSG_HEAD.replace(b"{frm}", frm.encode())
           .replace(b"{rcpt}", o.rcpt.encode()))
    if o.pause:
        time.sleep(o.pause)
        # Readable now means the server hung up (it never talks
        # mid-message).
        if select.select([s.sock], [], [], 0)[0]:
            raise Stop("body", "closed")
    s.send(MSG_BODY + b".\r\n")
    state["stage"] = "data-reply"
    code, _ = s.getreply()
    if code != 250:
        raise Stop("data-reply", str(code))
    return "done", "250"


def still_there(s):
    """"" when the server still answers a NOOP after its refusal, else
    ",closed" (it hung up, as RFC 5321 wants after a 421)."""
    try:
        s.sock.settimeout(1.0)
        s.noop()
        return ""
    except (smtplib.SMTPException, OSError, AttributeError):
        return ",closed"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca")
    p.add_argument("--host-name", default="127.0.0.1",
                   help="the name the certificate must match")
    p.add_argument("--tls", default="starttls", choices=("starttls", "none"))
    p.add_argument("--user")
    p.add_argument("--rcpt", default="ok@example.test")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--pause", type=float, default=0.0,
                   help="seconds between the header block and the body")
    o = p.parse_args(argv)
    state = {"stage": "greeting", "smtp": None}
    t0 = time.monotonic()
    try:
        stage, result = session(o, state)
    except Stop as e:
        stage, result = e.stage, e.result
    except smtplib.SMTPConnectError as e:
        stage, result = "greeting", str(e.smtp_code)
    except smtplib.SMTPResponseException as e:
        stage, result = state["stage"], str(e.smtp_code)
    except smtplib.SMTPServerDisconnected as e:
        # smtplib reports a read timeout as a disconnection too.
        stage = state["stage"]
        result = "timeout" if "timed out" in str(e) else "closed"
    except ssl.SSLCertVerificationError:
        stage, result = state["stage"], "cert"
    except (socket.timeout, TimeoutError):
        stage, result = state["stage"], "timeout"
    except ssl.SSLError:
        stage, result = state["stage"], "tls"
    except (ConnectionError, EOFError):
        stage, result = state["stage"], "closed"
    elapsed = time.monotonic() - t0
    if result.isdigit() and stage != "done":
        result += still_there(state["smtp"])
    if state["smtp"] is not None:
        try:
            state["smtp"].close()
        except OSError:
            pass
    print("%s %s %.1f" % (stage, result, elapsed))
    return 0 if stage == "done" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
