/* test_imapresp.c - IMAP responses as the inbox reader receives them. */
#include "harness.h"

#include <string.h>

#include "imapresp.h"

static void test_examine(void)
{
    static const char r[] =
        "* OK [CAPABILITY IMAP4rev1] ready\r\n"
        "A001 OK Logged in\r\n"
        "* FLAGS (\\Answered \\Seen)\r\n"
        "* 3 EXISTS\r\n"
        "* OK [UIDVALIDITY 1796367929] UIDs valid\r\n"
        "* OK [UIDNEXT 12] Predicted next UID\r\n"
        "A002 OK [READ-ONLY] Examine completed\r\n";

    T_INT(imapresp_uidvalidity(r, strlen(r)), 1796367929LL);
    T_INT(imapresp_uidnext(r, strlen(r)), 12);
    T_INT(imapresp_uidvalidity("* OK hi\r\n", 9), 0);
}

static void test_search(void)
{
    static const char r[] = "* SEARCH 9 3 7 11 7\r\nA003 OK Search done\r\n";
    long long u[8];
    bool more;
    size_t n = imapresp_search(r, strlen(r), 3, u, 8, &more);

    T_INT(n, 3);   /* above 3, sorted, each once */
    T_INT(u[0], 7);
    T_INT(u[1], 9);
    T_INT(u[2], 11);
    T_INT(more, 0);
    n = imapresp_search(r, strlen(r), 0, u, 2, &more);
    T_INT(n, 2);   /* the lowest kept: the rest is the next pass's */
    T_INT(u[0], 3);
    T_INT(u[1], 7);
    T_INT(more, 1);
    T_INT(imapresp_search("* SEARCH\r\n", 10, 0, u, 8, &more), 0);
}

static void test_meta(void)
{
    static const char r[] =
        "* 1 FETCH (UID 5 RFC822.SIZE 1234 INTERNALDATE "
        "\"04-Dec-2026 06:01:02 +0100\")\r\n"
        "* 2 FETCH (INTERNALDATE \"bogus\" UID 6 RFC822.SIZE 99)\r\n"
        "A004 OK Fetch completed\r\n";
    struct imapresp_meta m[4];
    size_t n = imapresp_meta(r, strlen(r), m, 4);

    T_INT(n, 2);
    T_INT(m[0].uid, 5);
    T_INT(m[0].size, 1234);
    T_INT(m[0].internaldate, 1796360462LL); /* 2026-12-04T05:01:02Z */
    T_INT(m[1].uid, 6);
    T_INT(m[1].size, 99);
    T_INT(m[1].internaldate, 0);
}

static void test_body(void)
{
    static const char r[] =
        "* 1 FETCH (UID 5 BODY[] {14}\r\n"
        "Subject: x\r\n\r\n"
        ")\r\nA005 OK done\r\n";
    static const char cut[] = "* 1 FETCH (UID 5 BODY[] {100}\r\nabc";
    /* UID after the literal, and an unsolicited FETCH before it. */
    static const char after[] =
        "* 2 FETCH (FLAGS (\\Seen))\r\n"
        "* 1 FETCH (UID 4 BODY[] {3}\r\nabc)\r\n"
        "* 3 FETCH (BODY[] {3}\r\nxyz UID 9)\r\nA7 OK\r\n";
    /* A fake FETCH of another UID inside nothing: passed over. */
    static const char other[] = "* 1 FETCH (UID 6 BODY[] {3}\r\nabc)\r\n";
    static const char unclosed[] = "* 1 FETCH (UID 5 BODY[] {3}\r\nabc";
    struct imapresp_lit l;

    T_OK(imapresp_body(r, strlen(r), 5, &l));
    T_INT(l.len, 14);
    T_INT(l.cut, 0);
    T_INT(l.unclosed, 0);
    T_OK(memcmp(l.p, "Subject: x\r\n\r\n", 14) == 0);
    T_OK(imapresp_body(cut, strlen(cut), 5, &l));
    T_INT(l.len, 3);
    T_INT(l.cut, 1);
    T_INT(l.unclosed, 1);
    T_OK(!imapresp_body("A005 OK\r\n", 9, 5, &l));
    T_OK(imapresp_body(after, strlen(after), 9, &l));
    T_OK(memcmp(l.p, "xyz", 3) == 0 && l.len == 3 && !l.cut);
    T_OK(imapresp_body(after, strlen(after), 4, &l));
    T_OK(memcmp(l.p, "abc", 3) == 0);
    T_OK(!imapresp_body(other, strlen(other), 5, &l));
    T_OK(imapresp_body(unclosed, strlen(unclosed), 5, &l));
    T_INT(l.cut, 0);
    T_INT(l.unclosed, 1);
}

static void test_last(void)
{
    static const char r[] =
        "* OK [CAPABILITY IMAP4rev1] ready\r\n"
        "A001 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n";
    static const char ctl[] = "A1 NO a\x01" "b\x7f" "\x1b" "[2Jc\r\n";
    char out[128];

    imapresp_last(r, strlen(r), out, sizeof(out));
    T_STR(out, "NO [AUTHENTICATIONFAILED] Authentication failed.");
    /* Control characters, DEL included (fuzz_imapresp), become spaces. */
    imapresp_last(ctl, strlen(ctl), out, sizeof(out));
    T_STR(out, "NO a b  [2Jc");
    T_INT(imapresp_date("01-Jan-1970 00:00:00 +0000", 26), 0);
    T_INT(imapresp_date("31-Foo-2026 00:00:00 +0000", 26), -1);
}

int main(void)
{
    T_RUN(test_examine);
    T_RUN(test_search);
    T_RUN(test_meta);
    T_RUN(test_body);
    T_RUN(test_last);
    return t_done();
}
