/*
 * test_reply.c - reply_feed() on what servers send: one and several
 * lines, a code alone, bare LF, a reply cut across reads at every byte,
 * texts too long to keep (marked, code kept), a megabyte-long line,
 * replies that are not SMTP, and bytes sent after the reply.
 */
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

struct rcase {
    const char *in;
    enum reply_state state;
    int code;
    const char *text;      /* NULL: not checked */
    int cut, overlong;
    size_t used;           /* 0: all of in */
};

static const struct rcase cases[] = {
    {"250 2.0.0 Ok: queued as 12345\r\n", REPLY_DONE, 250,
     "2.0.0 Ok: queued as 12345", 0, 0, 0},
    {"354 End data with <CR><LF>.<CR><LF>\r\n", REPLY_DONE, 354,
     "End data with <CR><LF>.<CR><LF>", 0, 0, 0},
    /* several lines: texts joined by a space */
    {"550-5.1.1 The email account that you tried to reach does not\r\n"
     "550-5.1.1 exist. Please try double-checking the recipient's\r\n"
     "550 5.1.1 email address.\r\n", REPLY_DONE, 550,
     "5.1.1 The email account that you tried to reach does not "
     "5.1.1 exist. Please try double-checking the recipient's "
     "5.1.1 email address.", 0, 0, 0},
    /* a code alone, a code and a space, bare LF */
    {"250\r\n", REPLY_DONE, 250, "", 0, 0, 0},
    {"221 \r\n", REPLY_DONE, 221, "", 0, 0, 0},
    {"451 4.7.1 Try again later\n", REPLY_DONE, 451,
     "4.7.1 Try again later", 0, 0, 0},
    {"250-\r\n250 ok\r\n", REPLY_DONE, 250, "ok", 0, 0, 0},
    /* bytes after the last line are not this reply's */
    {"250 ok\r\n250 again\r\n", REPLY_DONE, 250, "ok", 0, 0, 8},
    /* not SMTP */
    {"HTTP/1.1 400 Bad Request\r\n", REPLY_BAD, 0, NULL, 0, 0, 2},
    {"\r\n", REPLY_BAD, 0, NULL, 0, 0, 1},
    {"25\r\n", REPLY_BAD, 0, NULL, 0, 0, 3},
    {"250x2.0.0 ok\r\n", REPLY_BAD, 250, NULL, 0, 0, 3},
    {"650 out of range\r\n", REPLY_BAD, 0, NULL, 0, 0, 2},
    {"250-first\r\n550 second\r\n", REPLY_BAD, 250, NULL, 0, 0, 13},
    /* not finished yet */
    {"250-first\r\n250 sec", REPLY_MORE, 250, NULL, 0, 0, 0},
    {"", REPLY_MORE, 0, NULL, 0, 0, 0},
};

static void check_case(const struct rcase *c, const struct reply *r,
                       size_t used)
{
    T_INT(r->state, c->state);
    T_INT(r->code, c->code);
    T_INT(used, c->used ? c->used : strlen(c->in));
    if (c->text)
        T_STR(r->text, c->text);
    T_INT(r->cut, c->cut);
    T_INT(r->overlong, c->overlong);
    T_INT(reply_clean(r), c->state == REPLY_DONE && !c->overlong);
    T_OK(r->state != REPLY_BAD || (r->why && r->why[0]));
}

static void test_table(void)
{
    for (size_t i = 0; i < LEN(cases); i++) {
        const struct rcase *c = &cases[i];
        struct reply r;
        size_t used;

        printf("# case %zu: %.40s\n", i, c->in);
        reply_init(&r);
        used = reply_feed(&r, c->in, strlen(c->in));
        check_case(c, &r, used);
    }
}

/* A reply arrives in pieces of any size: the same answer. */
static void test_pieces(void)
{
    for (size_t i = 0; i < LEN(cases); i++) {
        const struct rcase *c = &cases[i];
        size_t n = strlen(c->in);

        for (size_t step = 1; step <= 3; step++) {
            struct reply r;
            size_t used = 0;

            reply_init(&r);
            while (used < n && r.state == REPLY_MORE) {
                size_t k = n - used < step ? n - used : step;
                size_t got = reply_feed(&r, c->in + used, k);
                used += got;
                if (got < k)
                    break;
            }
            check_case(c, &r, used);
        }
    }
}

/* A text longer than what is kept: cut, marked, the code and the
 * enhanced code (at its start) kept; UTF-8 is not split. */
static void test_cut(void)
{
    char in[2000], want[REPLY_TEXT_MAX];
    struct reply r;
    size_t keep = REPLY_TEXT_MAX - sizeof(REPLY_CUT_MARK);

    snprintf(in, sizeof(in), "550 5.1.1 ");
    for (size_t i = strlen(in); i < 1500; i++)
        in[i] = 'a' + (char)(i % 26);
    snprintf(in + 1500, sizeof(in) - 1500, "\r\n");
    reply_init(&r);
    T_INT(reply_feed(&r, in, strlen(in)), strlen(in));
    T_INT(r.state, REPLY_DONE);
    T_INT(r.code, 550);
    T_OK(r.cut);
    T_OK(!r.overlong);
    T_INT(strlen(r.text), keep + strlen(REPLY_CUT_MARK));
    memcpy(want, in + 4, keep);
    snprintf(want + keep, sizeof(want) - keep, "%s", REPLY_CUT_MARK);
    T_STR(r.text, want);

    /* a two-byte character across the cut is dropped whole */
    memset(in, 0, sizeof(in));
    snprintf(in, sizeof(in), "550 x");
    for (size_t i = 5; i < 1001; i += 2)
        memcpy(in + i, "\xc3\xa9", 2);     /* é, from an odd offset */
    snprintf(in + 1001, sizeof(in) - 1001, "\r\n");
    reply_init(&r);
    reply_feed(&r, in, strlen(in));
    T_INT(r.state, REPLY_DONE);
    T_OK(r.cut);
    /* "x" and whole characters: an odd number of bytes before the mark */
    T_INT((strlen(r.text) - strlen(REPLY_CUT_MARK)) % 2, 1);
    T_OK(strlen(r.text) < sizeof(r.text));
}

/* A megabyte-long 550 5.1.1, read 4 KiB at a time: code and start kept,
 * the line marked over-long. */
static void test_huge(void)
{
    size_t n = 1100000;
    char *in = malloc(n + 3);
    struct reply r;
    size_t used = 0;

    T_OK(in != NULL);
    if (!in)
        return;
    memset(in, 'x', n);
    memcpy(in, "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ", 48);
    memcpy(in + n, "\r\n", 3);
    reply_init(&r);
    while (used < n + 2 && r.state == REPLY_MORE) {
        size_t k = n + 2 - used < 4096 ? n + 2 - used : 4096;
        used += reply_feed(&r, in + used, k);
    }
    T_INT(used, n + 2);
    T_INT(r.state, REPLY_DONE);
    T_INT(r.code, 550);
    T_OK(strncmp(r.text, "5.1.1 RESOLVER.ADR.RecipNotFound", 32) == 0);
    T_OK(r.cut);
    T_OK(r.overlong);
    T_OK(!reply_clean(&r));
    T_OK(strlen(r.text) < sizeof(r.text));
    free(in);
}

/* Without an end, past REPLY_TOTAL_MAX: given up, not read forever. */
static void test_endless(void)
{
    static char chunk[65536];
    struct reply r;
    size_t total = 0, got;

    memset(chunk, 'y', sizeof(chunk));
    memcpy(chunk, "250-", 4);
    reply_init(&r);
    do {
        got = reply_feed(&r, chunk, sizeof(chunk));
        total += got;
        memset(chunk, 'y', 4);
    } while (got == sizeof(chunk) && total < 2 * REPLY_TOTAL_MAX);
    T_INT(r.state, REPLY_BAD);
    T_INT(total, REPLY_TOTAL_MAX);
}

int main(void)
{
    T_RUN(test_table);
    T_RUN(test_pieces);
    T_RUN(test_cut);
    T_RUN(test_huge);
    T_RUN(test_endless);
    return t_done();
}
