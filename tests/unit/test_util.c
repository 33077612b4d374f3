/*
 * test_util.c - sb_add_json_str(): every input, hostile bytes included,
 * gives one valid JSON string literal; and the checks for line-break
 * lookalikes, UTF-16 files and encoded words.  Table-driven.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

static char *json_str(const char *s)
{
    struct strbuf sb;
    char *out;

    sb_init(&sb, 0);
    T_INT(sb_add_json_str(&sb, s), 0);
    out = sb_detach(&sb, NULL);
    sb_release(&sb);
    return out;
}

static void test_json_escapes(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        { "plain", "\"plain\"" },
        { "", "\"\"" },
        { "\"Doe, John\" <evil@evil.example>",
          "\"\\\"Doe, John\\\" <evil@evil.example>\"" },
        { "back\\slash", "\"back\\\\slash\"" },
        { "Evil\r\nBcc: x@evil.example", "\"Evil\\r\\nBcc: x@evil.example\"" },
        { "tab\there", "\"tab\\there\"" },
        { "\x01\x1b[31m\x7f", "\"\\u0001\\u001b[31m\\u007f\"" },
        /* valid UTF-8 stays as it is, U+2028 and C1 included */
        { "Zo\xC3\xAB \xF0\x9F\x98\x80", "\"Zo\xC3\xAB \xF0\x9F\x98\x80\"" },
        { "a\xE2\x80\xA8" "b\xC2\x85" "c", "\"a\xE2\x80\xA8" "b\xC2\x85" "c\"" },
        /* each byte that is not valid UTF-8 becomes U+FFFD */
        { "Bad\xFF", "\"Bad\xEF\xBF\xBD\"" },
        { "\x80" "abc", "\"\xEF\xBF\xBD" "abc\"" },
        { "\xC0\xAF", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "cut \xE2\x82", "\"cut \xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "cut \xE2\x82 x", "\"cut \xEF\xBF\xBD\xEF\xBF\xBD x\"" },
        { "\xF4\x90\x80\x80",
          "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"" },
        { "\xC3\x28", "\"\xEF\xBF\xBD(\"" },
        { "ok \xC3\xA9\xFE", "\"ok \xC3\xA9\xEF\xBF\xBD\"" },
    };

    for (size_t i = 0; i < LEN(cases); i++) {
        char *got = json_str(cases[i].in);

        printf("# case %zu\n", i);
        T_STR(got, cases[i].want);
        T_OK(utf8_valid(got, strlen(got)));
        free(got);
    }
    {
        struct strbuf sb;

        sb_init(&sb, 0);
        T_INT(sb_add_json_str(&sb, NULL), 0);
        T_STR(sb.buf, "null");
        sb_release(&sb);
    }
}

/* A bounded buffer: a literal that does not fit leaves nothing behind. */
static void test_json_bound(void)
{
    struct strbuf sb;

    sb_init(&sb, 8);
    T_INT(sb_add_json_str(&sb, "ab"), 0);
    T_INT(sb_add_json_str(&sb, "\xFF\xFF"), -1);
    T_STR(sb.buf, "\"ab\"");
    sb_release(&sb);
}

static void test_breaks_and_words(void)
{
    static const struct {
        const char *s;
        bool c1, sep;
    } at[] = {
        { "\xC2\x85", true, false },      /* U+0085 NEXT LINE */
        { "\xC2\x80", true, false },
        { "\xC2\x9F", true, false },
        { "\xC2\xA0", false, false },     /* U+00A0, not a control */
        { "\xC2", false, false },          /* truncated: the NUL stops it */
        { "\xE2\x80\xA8", false, true },  /* U+2028 */
        { "\xE2\x80\xA9", false, true },  /* U+2029 */
        { "\xE2\x80\xAA", false, false }, /* U+202A */
        { "\xE2\x80", false, false },
        { "a", false, false },
        { "", false, false },
    };
    static const struct {
        const char *s;
        bool ew;
    } words[] = {
        { "=?UTF-8?B?eA==?=", true },
        { "a=?b?=c", true },
        { "=?" "?=", true },       /* split: "??=" is a trigraph */
        { "=?=", false },      /* the '?' is shared: no word */
        { "?==?", false },     /* in the wrong order */
        { "=?abc", false },
        { "plain", false },
        { "", false },
    };

    for (size_t i = 0; i < LEN(at); i++) {
        t_current = at[i].s;
        T_INT(utf8_is_c1(at[i].s), at[i].c1);
        T_INT(utf8_is_line_sep(at[i].s), at[i].sep);
    }
    for (size_t i = 0; i < LEN(words); i++) {
        t_current = words[i].s;
        T_INT(has_encoded_word(words[i].s, strlen(words[i].s)), words[i].ew);
    }
    t_current = "has_encoded_word stops at len";
    T_INT(has_encoded_word("=?x?=", 4), false);
    t_current = "utf16_bom";
    T_INT(utf16_bom("\xFF\xFEh\0", 4), true);
    T_INT(utf16_bom("\xFE\xFF\0h", 4), true);
    T_INT(utf16_bom("\xEF\xBB\xBFh", 4), false);   /* UTF-8's BOM */
    T_INT(utf16_bom("\xFF", 1), false);
    T_INT(utf16_bom("\xFF\xFE", 0), false);
}

int main(void)
{
    T_RUN(test_json_escapes);
    T_RUN(test_json_bound);
    T_RUN(test_breaks_and_words);
    return t_done();
}
