/*
 * test_dsn.c - dsn_parse() on delivery-status bodies: Postfix, Exchange,
 * folded lines, odd case, missing blank lines, junk, truncation.
 */
#include "dsn.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

struct rcpt_want {
    const char *final, *original, *action, *status, *diag_type, *diag;
    int smtp_code;
    const char *remote_mta;
};

struct dsn_case {
    const char *name;
    const char *body;
    const char *reporting_mta, *arrival_date;
    size_t n_rcpts;
    struct rcpt_want r[2];
};

static const struct dsn_case cases[] = {
    {"postfix, two recipients",
     "Reporting-MTA: dns; smtp.example.com\n"
     "X-Postfix-Queue-ID: 7874F1FB8E\n"
     "Arrival-Date: Sat, 21 Jun 2014 18:34:34 +0000 (UTC)\n"
     "\n"
     "Final-Recipient: rfc822; filtered@example.co.jp\n"
     "Original-Recipient: rfc822;filtered@example.co.jp\n"
     "Action: failed\n"
     "Status: 5.2.1\n"
     "Remote-MTA: dns; mx.example.co.jp\n"
     "Diagnostic-Code: smtp; 550 5.2.1 <filtered@example.co.jp>... User Unknown\n"
     "\n"
     "Final-Recipient: rfc822; userunknown@example.co.jp\n"
     "Action: failed\n"
     "Status: 5.1.1\n"
     "Diagnostic-Code: smtp; 550 5.1.1 <userunknown@example.co.jp>... User\n"
     "    Unknown\n",
     "smtp.example.com", "Sat, 21 Jun 2014 18:34:34 +0000 (UTC)", 2,
     {{"filtered@example.co.jp", "filtered@example.co.jp", "failed", "5.2.1",
       "smtp", "550 5.2.1 <filtered@example.co.jp>... User Unknown", 550,
       "mx.example.co.jp"},
      {"userunknown@example.co.jp", "", "failed", "5.1.1", "smtp",
       "550 5.1.1 <userunknown@example.co.jp>... User Unknown", 550, ""}}},
    {"exchange online, CRLF, upper-case type, angle brackets",
     "Reporting-MTA: dns;TY2PR01MB1234.jpnprd01.prod.outlook.com\r\n"
     "Received-From-MTA: dns;TY2PR01MB1234.jpnprd01.prod.outlook.com\r\n"
     "Arrival-Date: Fri, 5 Jan 2018 06:19:41 +0000\r\n"
     "\r\n"
     "Final-Recipient: RFC822;<Kijitora@Example.JP>\r\n"
     "Action: Failed\r\n"
     "Status: 5.1.10\r\n"
     "Diagnostic-Code: SMTP;550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
     "Recipient not found by SMTP address lookup\r\n"
     "X-Display-Name: Kijitora\r\n",
     "TY2PR01MB1234.jpnprd01.prod.outlook.com",
     "Fri, 5 Jan 2018 06:19:41 +0000", 1,
     {{"Kijitora@Example.JP", "", "failed", "5.1.10", "smtp",
       "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by "
       "SMTP address lookup", 550, ""}}},
    {"lower-case names, status with a comment, delayed",
     "reporting-mta: dns; mx.example.org\n\n"
     "final-recipient: rfc822; a@example.org\n"
     "action: delayed\n"
     "status: 4.4.7 (delivery time expired)\n"
     "diagnostic-code: X-Postfix; connect to mx.example.org: timed out\n"
     "last-attempt-date: Mon, 1 Jan 2024 10:00:00 +0000\n",
     "mx.example.org", "", 1,
     {{"a@example.org", "", "delayed", "4.4.7", "x-postfix",
       "connect to mx.example.org: timed out", 0, ""}}},
    {"no blank line between recipients (a second Final-Recipient)",
     "Reporting-MTA: dns; a.example\n"
     "Final-Recipient: rfc822; one@example.com\n"
     "Action: failed\nStatus: 5.1.1\n"
     "Final-Recipient: rfc822; two@example.com\n"
     "Action: failed\nStatus: 5.2.2\n",
     "a.example", "", 2,
     {{"one@example.com", "", "failed", "5.1.1", "", "", 0, ""},
      {"two@example.com", "", "failed", "5.2.2", "", "", 0, ""}}},
    {"junk lines, no colon, spaces in the name, no type",
     "this is not a header\n"
     "Bad Name: x\n"
     ": empty name\n"
     "\n"
     "Final-Recipient: plain@example.com\n"
     "Action: failed\n"
     "Status: none at all\n"
     "Diagnostic-Code: 550 user unknown; try later\n",
     "", "", 1,
     {{"plain@example.com", "", "failed", "", "",
       "550 user unknown; try later", 550, ""}}},
    {"a diagnostic folded with tabs, code 554 right before the dash",
     "\nFinal-Recipient: rfc822;x@y.example\nAction: failed\n"
     "Status: 5.7.1\nDiagnostic-Code: smtp;554-5.7.1 refused\n\t by policy\n",
     "", "", 1,
     {{"x@y.example", "", "failed", "5.7.1", "smtp",
       "554-5.7.1 refused by policy", 554, ""}}},
    {"empty body", "", "", "", 0, {{0}}},
    {"per-message block only", "Reporting-MTA: dns; only.example\n",
     "only.example", "", 0, {{0}}},
};

static void check_rcpt(const struct dsn_recipient *got,
                       const struct rcpt_want *w)
{
    T_STR(got->final_recipient, w->final);
    T_STR(got->original_recipient, w->original ? w->original : "");
    T_STR(got->action, w->action);
    T_STR(got->status, w->status);
    T_STR(got->diag_type, w->diag_type);
    T_STR(got->diagnostic, w->diag);
    T_INT(got->smtp_code, w->smtp_code);
    T_STR(got->remote_mta, w->remote_mta ? w->remote_mta : "");
}

static void test_table(void)
{
    static struct dsn d;

    for (size_t i = 0; i < LEN(cases); i++) {
        const struct dsn_case *c = &cases[i];

        printf("# %s\n", c->name);
        dsn_parse(c->body, strlen(c->body), &d);
        T_STR(d.reporting_mta, c->reporting_mta);
        T_STR(d.arrival_date, c->arrival_date);
        T_INT(d.n_rcpts, c->n_rcpts);
        for (size_t k = 0; k < c->n_rcpts && k < d.n_rcpts; k++)
            check_rcpt(&d.rcpt[k], &c->r[k]);
    }
}

/* More recipients than fit: the first DSN_MAX_RCPTS, and a flag. */
static void test_many_recipients(void)
{
    static struct dsn d;
    char body[8192];
    size_t n = 0;

    for (int i = 0; i < DSN_MAX_RCPTS + 3; i++)
        n += (size_t)snprintf(body + n, sizeof(body) - n,
                              "\nFinal-Recipient: rfc822; u%d@x.example\n"
                              "Action: failed\nStatus: 5.1.1\n", i);
    dsn_parse(body, n, &d);
    T_INT(d.n_rcpts, DSN_MAX_RCPTS);
    T_OK(d.more_rcpts);
    T_STR(d.rcpt[DSN_MAX_RCPTS - 1].final_recipient, "u15@x.example");
}

/* Over-long values are cut; a NUL byte ends a value; no terminator. */
static void test_bounds(void)
{
    static struct dsn d;
    static char body[20000];
    size_t n;

    memcpy(body, "Final-Recipient: rfc822; ", 25);
    memset(body + 25, 'a', 10000);
    n = 25 + 10000;
    memcpy(body + n, "\nDiagnostic-Code: smtp; 550 x\0hidden\nStatus: 5.1.1", 50);
    n += 50;
    dsn_parse(body, n, &d);
    T_INT(d.n_rcpts, 1);
    T_INT(strlen(d.rcpt[0].final_recipient), DSN_FIELD_MAX - 1);
    T_STR(d.rcpt[0].diagnostic, "550 x");
    T_STR(d.rcpt[0].status, "5.1.1");
    dsn_parse(NULL, 0, &d);
    T_INT(d.n_rcpts, 0);
}

int main(void)
{
    T_RUN(test_table);
    T_RUN(test_many_recipients);
    T_RUN(test_bounds);
    return t_done();
}
