/*
 * test_mime.c - mime_parse() (GMime 3) on hand-made messages: decoded
 * headers, a delivery-status part, returned originals in both forms,
 * charsets, HTML-only bodies, caps, and malformed or hostile input; and
 * mime_html_to_text() on a table.
 */
#include "mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))
#define S(lit) {lit, sizeof(lit) - 1}

static int parse(const char *raw, struct mime_msg *m)
{
    return mime_parse(raw, strlen(raw), m);
}

static void test_headers(void)
{
    struct mime_msg m;
    int rc = parse(
        "Return-Path: <>\r\n"
        "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <Juergen@Example.DE>\r\n"
        "To: \"Sales\" <sales@mine.example>, other@mine.example\r\n"
        "Subject: =?ISO-8859-1?Q?Abwesenheitsnotiz=3A_K=FCndigung?=\r\n"
        "Message-ID: <abc@Host.Example>\r\n"
        "In-Reply-To: <s1@mailrota.example>\r\n"
        "References: <s0@mailrota.example>\r\n <s1@mailrota.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "X-Autoreply: yes\r\n"
        "Precedence: bulk\r\n"
        "X-MS-Exchange-Inbox-Rules-Loop: sales@mine.example\r\n"
        "X-MS-Exchange-Message-Is-Ndr:\r\n"
        "\r\n"
        "Hello\r\n", &m);

    T_INT(rc, 0);
    T_STR(m.reason, "");
    T_STR(m.from_addr, "Juergen@Example.DE");
    T_OK(strstr(m.from, "J\xc3\xbcrgen M\xc3\xbcller") != NULL);
    T_STR(m.to_addr, "sales@mine.example");
    T_STR(m.subject, "Abwesenheitsnotiz: K\xc3\xbcndigung");
    T_STR(m.message_id, "abc@Host.Example");
    T_STR(m.in_reply_to, "<s1@mailrota.example>");
    T_OK(strstr(m.references, "<s0@mailrota.example>") != NULL);
    T_OK(strstr(m.references, "<s1@mailrota.example>") != NULL);
    T_OK(m.has_auto_submitted);
    T_STR(m.auto_submitted, "auto-replied");
    T_OK(m.has_x_autoreply);
    T_OK(!m.has_x_autorespond);
    T_STR(m.precedence, "bulk");
    T_OK(m.has_ms_rules_loop);
    T_OK(m.has_ms_is_ndr);
    T_OK(m.has_return_path);
    T_STR(m.return_path, "<>");
    T_STR(m.content_type, "text/plain");
    T_STR(m.body, "Hello\r\n");
    T_OK(!m.has_dsn && !m.has_original && !m.headers_only);
    mime_release(&m);
}

static const char report[] =
    "From: MAILER-DAEMON@mx.example (Mail Delivery System)\n"
    "To: me@mine.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; Report-Type=Delivery-Status;\n"
    "\tboundary=\"B1\"\n"
    "\n"
    "--B1\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Le message n'a pas pu =EAtre remis.\n"
    "--B1\n"
    "Content-Type: message/delivery-status\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    /* base64 of "Reporting-MTA: dns; mx.example\n\nFinal-Recipient:
     * rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n" */
    "UmVwb3J0aW5nLU1UQTogZG5zOyBteC5leGFtcGxlCgpGaW5hbC1SZWNpcGllbnQ6IHJmYzgy\n"
    "MjsgYUBiLmV4YW1wbGUKQWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjEuMQo=\n"
    "--B1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: me@mine.example\n"
    "To: a@b.example\n"
    "Message-ID: <orig-1@Mine.Example>\n"
    "Subject: hi\n"
    "\n"
    "The original's own text, never the body.\n"
    "--B1--\n";

static void test_report(void)
{
    struct mime_msg m;

    T_INT(parse(report, &m), 0);
    T_STR(m.content_type, "multipart/report");
    T_STR(m.report_type, "delivery-status");
    T_OK(m.has_dsn);
    T_STR(m.dsn, "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; "
                 "a@b.example\nAction: failed\nStatus: 5.1.1\n");
    T_INT(m.dsn_len, strlen(m.dsn));
    T_OK(m.has_original);
    T_STR(m.orig_message_id, "orig-1@Mine.Example");
    T_STR(m.orig_to, "a@b.example");
    T_STR(m.body, "Le message n'a pas pu \xc3\xaatre remis.");
    T_STR(m.from_addr, "MAILER-DAEMON@mx.example");
    mime_release(&m);
}

static void test_rfc822_headers(void)
{
    struct mime_msg m;

    T_INT(parse("From: postmaster@x.example\n"
                "Content-Type: multipart/report; report-type=delivery-status;"
                " boundary=zz\n\n"
                "--zz\nContent-Type: text/plain\n\nfailed\n"
                "--zz\nContent-Type: text/rfc822-headers\n\n"
                "Message-Id: <hdr-only@x.example>\nTo: c@d.example\n"
                "Subject: s\n"
                "--zz--\n", &m), 0);
    T_OK(m.has_original);
    T_STR(m.orig_message_id, "hdr-only@x.example");
    T_STR(m.orig_to, "c@d.example");
    T_OK(!m.has_dsn);
    T_STR(m.body, "failed"); /* the line break is the boundary's */
    mime_release(&m);
}

static void test_html_only(void)
{
    struct mime_msg m;

    T_INT(parse("From: a@b.example\nContent-Type: multipart/alternative; "
                "boundary=q\n\n--q\nContent-Type: text/html; charset=utf-8\n\n"
                "<html><head><style>p{}</style></head><body><p>Please "
                "<b>remove&nbsp;me</b></p><div>Thanks &amp; bye</div>"
                "</body></html>\n--q--\n", &m), 0);
    T_OK(m.body_from_html);
    T_OK(strstr(m.body, "Please remove me") != NULL);
    T_OK(strstr(m.body, "Thanks & bye") != NULL);
    T_OK(strstr(m.body, "p{}") == NULL);
    mime_release(&m);
}

static void test_bad_charset(void)
{
    struct mime_msg m;

    static const char raw[] =
        "Subject: =?x-unknown?Q?caf=E9?=\n"
        "Content-Type: text/plain; charset=x-no-such-charset\n\n"
        "caf\xe9 \xff\xfe ok\n";

    mime_parse(raw, sizeof(raw) - 1, &m);
    T_OK(utf8_valid(m.subject, strlen(m.subject)));
    T_OK(utf8_valid(m.body, strlen(m.body)));
    T_OK(strstr(m.body, "ok") != NULL);
    mime_release(&m);
}

/* Nothing readable, or junk: no crash, a reason, strings not NULL. */
static void test_malformed(void)
{
    static const struct { const char *raw; size_t len; } cases[] = {
        S(""),
        S("\n\n\n"),
        S("no colon here at all"),
        S("\0\0\0\xff\xfe"),
        S("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: "
          "text/plain\n\nnever ends"),
        S("Content-Type: multipart/mixed\n\nno boundary parameter\n"),
        S("Content-Type: message/rfc822\n\n"),
        S("Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n"
          "Content-Type: multipart/report; boundary=\"\n\n--\n"),
    };
    struct mime_msg m;

    for (size_t i = 0; i < LEN(cases); i++) {
        mime_parse(cases[i].raw, cases[i].len, &m);
        T_OK(m.subject && m.body && m.dsn && m.from_addr);
        T_OK(utf8_valid(m.body, strlen(m.body)));
        mime_release(&m);
    }
    T_INT(mime_parse("", 0, &m), -1);
    T_OK(m.reason[0] != '\0');
    mime_release(&m);
    T_INT(mime_parse(NULL, 5, &m), -1);
    mime_release(&m);
    /* a boundary that never ends: the text so far is read */
    T_INT(parse("Content-Type: multipart/mixed; boundary=x\n\n--x\n"
                "Content-Type: text/plain\n\nnever ends", &m), 0);
    T_STR(m.body, "never ends");
    mime_release(&m);
}

/* Over 10 MiB: headers only, flagged; the body is not parsed. */
static void test_huge(void)
{
    size_t n = MIME_MAX_BYTES + 100;
    char *raw = xmalloc(n);
    const char *hdr = "Subject: big\nFrom: x@y.example\n\n";
    struct mime_msg m;

    memset(raw, 'a', n);
    memcpy(raw, hdr, strlen(hdr));
    T_INT(mime_parse(raw, n, &m), -1);
    T_OK(m.headers_only);
    T_STR(m.subject, "big");
    T_STR(m.body, "");
    T_OK(strstr(m.reason, "10 MiB") != NULL);
    mime_release(&m);
    /* a 2 MiB header block (no blank line) in an 11 MiB message */
    memcpy(raw, "Subject: ", 9);
    T_INT(mime_parse(raw, n, &m), -1);
    T_OK(m.headers_only);
    T_OK(strlen(m.subject) <= MIME_HEADER_MAX);
    mime_release(&m);
    free(raw);
}

/* 200 nested multiparts: headers only, no deep recursion. */
static void test_deep_nesting(void)
{
    struct strbuf sb;
    struct mime_msg m;

    sb_init(&sb, 0);
    sb_adds(&sb, "Subject: deep\n");
    for (int i = 0; i < 200; i++)
        sb_addf(&sb, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n",
                i, i);
    sb_adds(&sb, "Content-Type: text/plain\n\nx\n");
    T_INT(mime_parse(sb.buf, sb.len, &m), -1);
    T_OK(m.headers_only);
    T_STR(m.subject, "deep");
    mime_release(&m);
    sb_release(&sb);
}

/* The body is cut at MIME_BODY_MAX, on a UTF-8 boundary. */
static void test_body_cap(void)
{
    struct strbuf sb;
    struct mime_msg m;

    sb_init(&sb, 0);
    sb_adds(&sb, "Content-Type: text/plain; charset=utf-8\n\nx");
    for (size_t i = 0; i < MIME_BODY_MAX; i++)
        sb_adds(&sb, "\xc3\xa9");
    T_INT(mime_parse(sb.buf, sb.len, &m), 0);
    T_OK(m.body_len <= MIME_BODY_MAX);
    T_OK(m.body_len >= MIME_BODY_MAX - 1);
    T_OK(utf8_valid(m.body, m.body_len));
    mime_release(&m);
    sb_release(&sb);
}

static void test_html_to_text(void)
{
    static const struct { const char *in, *want; } cases[] = {
        {"a<br>b", "a\nb"},
        {"<p>one</p><p>two</p>", "\none\n\ntwo\n"},
        {"x &lt;y&gt; &quot;z&quot; &#233; &#xE9;", "x <y> \"z\" \xc3\xa9 \xc3\xa9"},
        {"<script>alert(1)</script>ok", "ok"},
        {"<!-- hidden -->shown", "shown"},
        {"a\n\n   b", "a b"},
        {"&bogus; & &#0; &#99999999;", "&bogus; & &#0; &#99999999;"},
        {"<b unclosed", ""},
        {"<style>never closed", ""},
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        char *got = mime_html_to_text(cases[i].in, strlen(cases[i].in), 1000);
        T_STR(got, cases[i].want);
        free(got);
    }
    {
        char *got = mime_html_to_text("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 3);
        T_STR(got, "\xc3\xa9");
        free(got);
    }
}

int main(void)
{
    mime_global_init();
    T_RUN(test_headers);
    T_RUN(test_report);
    T_RUN(test_rfc822_headers);
    T_RUN(test_html_only);
    T_RUN(test_bad_charset);
    T_RUN(test_malformed);
    T_RUN(test_huge);
    T_RUN(test_deep_nesting);
    T_RUN(test_body_cap);
    T_RUN(test_html_to_text);
    mime_global_shutdown();
    return t_done();
}
