/*
 * test_template.c - table-driven tests for template.c.  Run from the
 * repository root: the last tests read the committed templates.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "template.h"
#include "util.h"

struct kv {
    const char *k;
    const char *v; /* NULL: present but NULL, as a database NULL */
};

struct lookup_ctx {
    const struct kv *vars;
    bool saw_upper; /* a name with an upper-case letter was looked up */
};

static const char *lookup(void *vctx, const char *name)
{
    struct lookup_ctx *ctx = vctx;

    for (const char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            ctx->saw_upper = true;
    for (const struct kv *e = ctx->vars; e->k; e++)
        if (strcmp(e->k, name) == 0)
            return e->v;
    return NULL;
}

static const struct kv sample_vars[] = {
    {"first_name", "Ann"},
    {"company", "Acme Ltd"},
    {"title", "Head of Sales"},
    {"empty", ""},
    {"blank", " \t \r\n "},
    {"nullv", NULL},
    {"crlf", "Line one\r\nLine two"},
    {"ml", "a\nb"},
    {"ctl", "a\tb\x01" "c\x7f\xC2\x85" "d"},
    {"onlyctl", "\x01\x02"},
    {"pad", "  Ann  "},
    {"spaces", "Ann   Lee"},
    {"utf", "Zo\xC3\xAB \xC5\x81\xC3\xB3" "d\xC5\xBA"},
    {"braces", "x {{y}}"},
    {"split", "x {\x01{y"},
    {"lbrace", "{"},
    {"rbrace", "a}}b"},
    {"bad", "\xC3\x28"},
    {"bad2", "\xED\xA0\x80"}, /* a UTF-16 surrogate */
    {NULL, NULL},
};

struct render_case {
    const char *tmpl;
    bool oneline;
    const char *want; /* NULL: must fail */
    const char *err;  /* the failure message, exactly */
};

static const struct render_case render_cases[] = {
    /* variables, case-insensitive names, whitespace inside braces */
    {"Hello {{first_name}}!", false, "Hello Ann!", NULL},
    {"{{FIRST_NAME}} at {{Company}}", false, "Ann at Acme Ltd", NULL},
    {"{{ first_name }}", true, "Ann", NULL},
    {"{{\tfirst_name\t|\tthere\t}}", false, "Ann", NULL},
    {"{{first_name|there}}", false, "Ann", NULL},
    {"no variables", false, "no variables", NULL},
    {"", false, "", NULL},
    {"multi\nline {{title}}\n", false, "multi\nline Head of Sales\n", NULL},
    /* defaults: missing, NULL, empty, whitespace-only, control-only */
    {"Hi {{missing|there}},", false, "Hi there,", NULL},
    {"Hi {{nullv|there}},", false, "Hi there,", NULL},
    {"Hi {{empty|there}},", false, "Hi there,", NULL},
    {"Hi {{blank|there}},", false, "Hi there,", NULL},
    {"Hi {{blank|there}},", true, "Hi there,", NULL},
    {"Hi {{onlyctl|there}},", true, "Hi there,", NULL},
    {"Hi {{ missing | dear reader }},", false, "Hi dear reader,", NULL},
    {"[{{missing|}}]", false, "[]", NULL},
    {"{{missing| a | b }}", false, NULL,
     "line 1: '{{missing|a | b}}' looks like a filter: there are no "
     "filters, only a default text after one '|', as in {{missing|there}}"},
    {"{{missing| Manager (acting) }}", false, "Manager (acting)", NULL},
    {"{{missing|Re: hello}}", false, "Re: hello", NULL},
    {"{{missing|f(x}}", false, "f(x", NULL},
    {"{{missing|a\tb}}", true, "a b", NULL},
    {"{{missing|a\tb}}", false, "a\tb", NULL},
    {"{{missing|{x} }}", false, "{x}", NULL},
    /* no value and no default */
    {"Hi {{missing}}", false, NULL, "no value for {{missing}}"},
    {"Hi {{Missing_One}}", true, NULL, "no value for {{missing_one}}"},
    {"{{empty}}", false, NULL, "no value for {{empty}}"},
    {"{{blank}}", false, NULL, "no value for {{blank}}"},
    {"{{nullv}}", false, NULL, "no value for {{nullv}}"},
    {"{{first_name}} {{nullv}}", true, NULL, "no value for {{nullv}}"},
    /* single braces are text */
    {"a { b } {x} }", false, "a { b } {x} }", NULL},
    {"{{first_name}}}", false, "Ann}", NULL},
    {"{ {{first_name}} }", true, "{ Ann }", NULL},
    /* subject vs body cleaning of values */
    {"Re: {{crlf}}", true, "Re: Line one Line two", NULL},
    {"{{crlf}}", false, "Line one\nLine two", NULL},
    {"{{ml}}", true, "a b", NULL},
    {"{{ml}}", false, "a\nb", NULL},
    {"[{{ctl}}]", true, "[a b c d]", NULL},
    {"[{{ctl}}]", false, "[a\tbcd]", NULL},
    {"[{{pad}}]", true, "[Ann]", NULL},
    {"[{{pad}}]", false, "[Ann]", NULL},
    {"[{{spaces}}]", true, "[Ann Lee]", NULL},
    {"[{{spaces}}]", false, "[Ann   Lee]", NULL},
    {"{{utf}}", true, "Zo\xC3\xAB \xC5\x81\xC3\xB3" "d\xC5\xBA", NULL},
    /* one-line templates */
    {"a\tb {{first_name}}", true, "a b Ann", NULL},
    {"a\tb", false, "a\tb", NULL},
    {"a\xE2\x80\xA8" "b\xE2\x80\xA9" "c", true, "a b c", NULL},
    {"a\xE2\x80\xA8" "b", false, "a\xE2\x80\xA8" "b", NULL},
    {"a\nb", true, NULL, "line 1: line break in a one-line template"},
    /* "{{" never reaches the output */
    {"{{braces}}", false, NULL, "value of {{braces}} contains '{{'"},
    {"{{braces|x}}", true, NULL, "value of {{braces}} contains '{{'"},
    {"{{split}}", false, NULL, "value of {{split}} contains '{{'"},
    {"{{lbrace}}{", false, NULL,
     "value of {{lbrace}} forms '{{' with the text next to it"},
    {"{{lbrace}}{{lbrace}}", false, NULL,
     "value of {{lbrace}} forms '{{' with the text next to it"},
    {"{{missing|x{}}{", false, NULL,
     "value of {{missing}} forms '{{' with the text next to it"},
    {"{{lbrace}} {", false, "{ {", NULL},
    {"a{{lbrace}}", false, "a{", NULL},
    {"{{rbrace}}", false, "a}}b", NULL},
    /* bad UTF-8 in values and templates */
    {"{{bad}}", false, NULL, "value of {{bad}} is not valid UTF-8"},
    {"{{bad|x}}", true, NULL, "value of {{bad}} is not valid UTF-8"},
    {"{{bad2}}", false, NULL, "value of {{bad2}} is not valid UTF-8"},
    {"ok\n\xC3\x28", false, NULL, "line 2: not valid UTF-8"},
    /* malformed templates */
    {"Hi {{first_name", false, NULL,
     "line 1: unclosed '{{' (no '}}' on the same line)"},
    {"x\n{{}}", false, NULL, "line 2: empty variable name"},
    {"x\n\n{{a}}}}", false, NULL, "line 3: '}}' without an opening '{{'"},
};

static void test_render(void)
{
    for (size_t i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]);
         i++) {
        const struct render_case *c = &render_cases[i];
        struct lookup_ctx ctx = {sample_vars, false};
        struct errinfo ei = {ERR_OK, ""};
        char sentinel[] = "untouched";
        char *out = sentinel;
        int rc = template_render(c->tmpl, c->oneline, lookup, &ctx, &out,
                                 &ei);

        printf("# case %zu: %s\n", i, c->tmpl);
        T_OK(!ctx.saw_upper);
        if (c->want) {
            T_INT(rc, 0);
            T_STR(rc == 0 ? out : NULL, c->want);
            if (rc == 0)
                free(out);
            else
                printf("#   error: %s\n", ei.msg);
        } else {
            T_INT(rc, -1);
            T_INT(ei.code, ERR_DATA);
            T_STR(ei.msg, c->err);
            T_OK(out == sentinel);
            if (rc == 0 && out != sentinel)
                free(out);
        }
    }
}

static const char *one_var(void *ctx, const char *name)
{
    return strcmp(name, "v") == 0 ? (const char *)ctx : NULL;
}

/* Bytes that may not survive into a rendered subject (one-line) or body. */
static bool bad_in_output(const char *s, bool oneline)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if (*p == '\r' || *p == 0x7f)
            return true;
        if (*p < 0x20 && (oneline || (*p != '\n' && *p != '\t')))
            return true;
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            return true;
        if (oneline && p[0] == 0xE2 && p[1] == 0x80 &&
            (p[2] == 0xA8 || p[2] == 0xA9))
            return true;
    }
    return false;
}

/*
 * The hostile values of t_hostile.sh as a variable: in the subject they end
 * on one line with no control character, in the body with no CR or control
 * other than LF and TAB; text that looks like an encoded word, an address
 * or a header stays text; bad UTF-8 is refused.
 */
static void test_hostile_values(void)
{
    static char long_a[2101], long_words[2101];
    static const struct {
        const char *v;
        const char *subject; /* rendered "[{{v}}]" one-line; NULL: fails */
        const char *body;    /* rendered "[{{v}}]" as body */
    } cases[] = {
        {"Evil\r\nBcc: victim@evil.example", "[Evil Bcc: victim@evil.example]",
         "[Evil\nBcc: victim@evil.example]"},
        {"Evil\rTo: x@evil.example", "[Evil To: x@evil.example]",
         "[EvilTo: x@evil.example]"},
        {"a\r\n\r\nfake body\r\n.\r\nQUIT", "[a fake body . QUIT]",
         "[a\n\nfake body\n.\nQUIT]"},
        {"tab\there", "[tab here]", "[tab\there]"},
        {"\"Doe, John\" <evil@evil.example>",
         "[\"Doe, John\" <evil@evil.example>]",
         "[\"Doe, John\" <evil@evil.example>]"},
        {"=?UTF-8?B?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
         "[=?UTF-8?B?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=]",
         "[=?UTF-8?B?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=]"},
        {"Next\xC2\x85" "Bcc: x", "[Next Bcc: x]", "[NextBcc: x]"},
        {"Line\xE2\x80\xA8" "To: x", "[Line To: x]",
         "[Line\xE2\x80\xA8" "To: x]"},
        {"Para\xE2\x80\xA9" "Cc: x", "[Para Cc: x]",
         "[Para\xE2\x80\xA9" "Cc: x]"},
        {"\x01\x1b[31m red\x7f", "[[31m red]", "[[31m red]"},
        {"x {{first_name}}", NULL, NULL},
        {"\xC0\xAF", NULL, NULL},
        {"\xED\xA0\x80", NULL, NULL},
        {"cut \xE2\x82", NULL, NULL},
        {"\x80" "abc", NULL, NULL},
        {"\xF4\x90\x80\x80", NULL, NULL},
        {long_a, long_a, long_a},
        {long_words, long_words, long_words},
    };

    memset(long_a, 'A', 2100);
    for (size_t i = 0; i < 2100; i++)
        long_words[i] = i % 5 == 4 ? ' ' : 'w';
    long_words[2099] = 'w';
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int oneline = 1; oneline >= 0; oneline--) {
            const char *want = oneline ? cases[i].subject : cases[i].body;
            bool bare = cases[i].v == long_a || cases[i].v == long_words;
            struct errinfo ei = {ERR_OK, ""};
            char *out = NULL;
            int rc = template_render(bare ? "{{v}}" : "[{{v}}]",
                                     oneline != 0, one_var,
                                     (void *)(uintptr_t)cases[i].v, &out,
                                     &ei);

            printf("# hostile value %zu, %s\n", i,
                   oneline ? "subject" : "body");
            if (!want) {
                T_INT(rc, -1);
                T_INT(ei.code, ERR_DATA);
                continue;
            }
            T_INT(rc, 0);
            if (rc < 0) {
                printf("#   error: %s\n", ei.msg);
                continue;
            }
            T_STR(out, want);
            T_OK(!bad_in_output(out, oneline != 0));
            T_OK(strstr(out, "{{") == NULL);
            free(out);
        }
    }
}

struct check_case {
    const char *tmpl;
    const char *origin;
    int first_line;
    const char *err; /* NULL: valid */
};

static const char name64[] =
    "{{a123456789012345678901234567890123456789012345678901234567890123}}";
static const char name65[] =
    "{{a1234567890123456789012345678901234567890123456789012345678901234}}";

static const struct check_case check_cases[] = {
    {"ok {{a}} {{b|c}} {{ C_1 | d e }}", "t.txt", 1, NULL},
    {"{ } {x} } {{a}}}", "t.txt", 1, NULL},
    {"{{a|b|c}}", "t.txt", 1,
     "t.txt:1: '{{a|b|c}}' looks like a filter: there are no filters, only "
     "a default text after one '|', as in {{a|there}}"},
    /* filters of other template languages are errors, not text to send */
    {"x\n{{ First_Name | default(\"there\") }}", "t.txt", 1,
     "t.txt:2: '{{first_name|default(\"there\")}}' looks like a filter: "
     "there are no filters, only a default text after one '|', as in "
     "{{first_name|there}}"},
    {"{{name|default: 'x'}}", "t.txt", 1,
     "t.txt:1: '{{name|default: 'x'}}' looks like a filter: there are no "
     "filters, only a default text after one '|', as in {{name|there}}"},
    {"{{name|upper|there}}", "t.txt", 1,
     "t.txt:1: '{{name|upper|there}}' looks like a filter: there are no "
     "filters, only a default text after one '|', as in {{name|there}}"},
    {"{{name|title()}}", "t.txt", 1,
     "t.txt:1: '{{name|title()}}' looks like a filter: there are no "
     "filters, only a default text after one '|', as in {{name|there}}"},
    {"{{name|upper}} {{t|Head (acting)}} {{t|x: y}} {{t|(x)}}", "t.txt", 1,
     NULL},
    /* C1 controls are control characters too */
    {"a\n\xC2\x85" "b", "t.txt", 1, "t.txt:2: control character U+0085"},
    {"{{a|x\xC2\x9B" "y}}", "t.txt", 1, "t.txt:1: control character U+009B"},
    {"\xC2\x80", "t.txt", 1, "t.txt:1: control character U+0080"},
    {"\xC2\xA0 \xE2\x80\xA8 ok", "t.txt", 1, NULL}, /* NBSP, U+2028 */
    {"{{a|}}", "t.txt", 1, NULL},
    {"tab\there", "t.txt", 1, NULL},
    {name64, "t.txt", 1, NULL},
    {"", "t.txt", 1, NULL},
    {"{{a", "t.txt", 1, "t.txt:1: unclosed '{{' (no '}}' on the same line)"},
    {"{{a|there", "t.txt", 1,
     "t.txt:1: unclosed '{{' (no '}}' on the same line)"},
    {"one\ntwo {{a\n}}", "t.txt", 1,
     "t.txt:2: unclosed '{{' (no '}}' on the same line)"},
    {"x\ny\n{{}}", "t.txt", 3, "t.txt:5: empty variable name"},
    {"{{   }}", "t.txt", 1, "t.txt:1: empty variable name"},
    {"{{ | x}}", "t.txt", 1, "t.txt:1: empty variable name"},
    {"{{first name}}", "t.txt", 1,
     "t.txt:1: bad character ' ' in variable name 'first name'"},
    {"{{a-b|x}}", "t.txt", 1,
     "t.txt:1: bad character '-' in variable name 'a-b'"},
    {"{{\xC3\xA9}}", "t.txt", 1,
     "t.txt:1: bad character 0xc3 in variable name '\xC3\xA9'"},
    {"{{{a}}", "t.txt", 1,
     "t.txt:1: bad character '{' in variable name '{a'"},
    {name65, "t.txt", 1, "t.txt:1: variable name longer than 64 characters"},
    {"{{a{{b}}}}", "t.txt", 1, "t.txt:1: '{{' inside a variable"},
    {"\n{{a|x{{b}}", "t.txt", 1, "t.txt:2: '{{' inside a variable"},
    {"a }} b", "t.txt", 1, "t.txt:1: '}}' without an opening '{{'"},
    {"Hi {first_name}},", "t.txt", 7, "t.txt:7: '}}' without an opening '{{'"},
    {"a\x01" "b", "t.txt", 1, "t.txt:1: control character 0x01"},
    {"a\n\x7f", "t.txt", 1, "t.txt:2: control character 0x7f"},
    {"{{a\x0c}}", "t.txt", 1, "t.txt:1: control character 0x0c"},
    {"a\rb", "t.txt", 1, "t.txt:1: bare carriage return"},
    {"ok\n\xff", "t.txt", 1, "t.txt:2: not valid UTF-8"},
    {"\xC0\xAF", "t.txt", 1, "t.txt:1: not valid UTF-8"}, /* overlong */
    {"{{a", NULL, 4, "line 4: unclosed '{{' (no '}}' on the same line)"},
};

static void test_check(void)
{
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]);
         i++) {
        const struct check_case *c = &check_cases[i];
        struct errinfo ei = {ERR_OK, ""};
        int rc = template_check(c->tmpl, c->origin, c->first_line, &ei);

        printf("# case %zu: %s\n", i, c->tmpl);
        if (!c->err) {
            T_INT(rc, 0);
            if (rc)
                printf("#   error: %s\n", ei.msg);
        } else {
            T_INT(rc, -1);
            T_INT(ei.code, ERR_DATA);
            T_STR(ei.msg, c->err);
        }
    }
}

struct parse_case {
    const char *text;
    size_t len;          /* 0: strlen(text) */
    const char *subject; /* NULL: must fail */
    const char *body;
    const char *err;
};

static const struct parse_case parse_cases[] = {
    {"Subject: Hi {{first_name}}\n\nBody\n", 0, "Hi {{first_name}}", "Body\n",
     NULL},
    {"Subject: Hi\r\n\r\nLine 1\r\nLine 2\r\n", 0, "Hi", "Line 1\nLine 2\n",
     NULL},
    {"subject:Hi\n\nB", 0, "Hi", "B\n", NULL},
    {"  SUBJECT :  Hi there  \n \t\nB  \n\n\n", 0, "Hi there", "B\n", NULL},
    {"SuBjEcT:\tx\r\n\r\nb", 0, "x", "b\n", NULL},
    {"\xEF\xBB\xBFSubject: x\n\nb\n", 0, "x", "b\n", NULL},
    {"Subject: x\n\n\nb\n", 0, "x", "\nb\n", NULL},
    {"Subject: a\tb\n\nc", 0, "a\tb", "c\n", NULL},
    {"Subject: x\n\n  indented\n\ttab\n", 0, "x", "  indented\n\ttab\n",
     NULL},
    {"Subject: x\n\nbodyXXXX", 16, "x", "body\n", NULL}, /* not NUL-ended */
    {"Subject: Caf\xC3\xA9\n\nb", 0, "Caf\xC3\xA9", "b\n", NULL},
    {"Hello\n\nBody", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"\nSubject: x\n\nb", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"Subjects: x\n\nb", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"Subject x\n\nb", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"Subj: x\n\nb", 0, NULL, NULL, "t.txt:1: missing 'Subject:' line"},
    {"Subject:\n\nb", 0, NULL, NULL, "t.txt:1: empty subject"},
    {"Subject:  \t\r\n\r\nb", 0, NULL, NULL, "t.txt:1: empty subject"},
    {"Subject: x", 0, NULL, NULL,
     "t.txt:2: missing blank line after 'Subject:'"},
    {"Subject: x\nBody\n", 0, NULL, NULL,
     "t.txt:2: missing blank line after 'Subject:'"},
    {"Subject: x\r\nBody\r\n\r\n", 0, NULL, NULL,
     "t.txt:2: missing blank line after 'Subject:'"},
    {"Subject: x\n", 0, NULL, NULL, "t.txt:3: empty body"},
    {"Subject: x\n\n", 0, NULL, NULL, "t.txt:3: empty body"},
    {"Subject: x\r\n\r\n  \r\n\r\n", 0, NULL, NULL, "t.txt:3: empty body"},
    {"Subject: {{a\n\nb", 0, NULL, NULL,
     "t.txt:1: unclosed '{{' (no '}}' on the same line)"},
    {"Subject: x\n\nline3\nline4 {{}}\n", 0, NULL, NULL,
     "t.txt:4: empty variable name"},
    {"Subject: x\r\n\r\na\r\nb {{\r\n", 0, NULL, NULL,
     "t.txt:4: unclosed '{{' (no '}}' on the same line)"},
    {"Subject: x\n\nok\n\xC3\x28\n", 0, NULL, NULL,
     "t.txt:4: not valid UTF-8"},
    {"Subject: \xff\n\nb", 0, NULL, NULL, "t.txt:1: not valid UTF-8"},
    {"Subject: x\n\na\0b", 15, NULL, NULL, "t.txt:3: NUL byte"},
    {"Subject: x\n\na\rb\n", 0, NULL, NULL, "t.txt:3: bare carriage return"},
    {"Subject: x\r\r\n\r\nb", 0, NULL, NULL,
     "t.txt:1: bare carriage return"},
    {"Subject: x\n\na\x1b[0mb\n", 0, NULL, NULL,
     "t.txt:3: control character 0x1b"},
    {"\xFF\xFES\0u\0b\0j\0", 10, NULL, NULL,
     "t.txt:1: UTF-16 text (a UTF-16 byte order mark): save the file as "
     "UTF-8"},
    {"\xFE\xFF\0S\0u", 6, NULL, NULL,
     "t.txt:1: UTF-16 text (a UTF-16 byte order mark): save the file as "
     "UTF-8"},
    {"Subject: Hi\xC2\x85" "Bcc: x@evil.example\n\nb\n", 0, NULL, NULL,
     "t.txt:1: control character U+0085"},
    {"Subject: x\n\nok\nnext\xC2\x85line\n", 0, NULL, NULL,
     "t.txt:4: control character U+0085"},
    {"Subject: {{first_name|default(\"there\")}}\n\nb\n", 0, NULL, NULL,
     "t.txt:1: '{{first_name|default(\"there\")}}' looks like a filter: "
     "there are no filters, only a default text after one '|', as in "
     "{{first_name|there}}"},
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
         i++) {
        const struct parse_case *c = &parse_cases[i];
        struct errinfo ei = {ERR_OK, ""};
        char s1[] = "s", s2[] = "b";
        struct template t = {s1, s2};
        size_t len = c->len ? c->len : strlen(c->text);
        int rc = template_parse(c->text, len, "t.txt", &t, &ei);

        printf("# case %zu\n", i);
        if (c->subject) {
            T_INT(rc, 0);
            if (rc) {
                printf("#   error: %s\n", ei.msg);
                continue;
            }
            T_STR(t.subject, c->subject);
            T_STR(t.body, c->body);
            template_release(&t);
            T_OK(t.subject == NULL && t.body == NULL);
        } else {
            T_INT(rc, -1);
            T_INT(ei.code, ERR_DATA);
            T_STR(ei.msg, c->err);
            T_OK(t.subject == s1 && t.body == s2);
            if (rc == 0)
                template_release(&t);
        }
    }
}

static void test_parse_misc(void)
{
    struct errinfo ei = {ERR_OK, ""};
    struct template t = {NULL, NULL};
    size_t n = TEMPLATE_MAX_FILE + 1;
    char *big = xmalloc(n + 1);
    static const char head[] = "Subject: x\n\n";

    /* NULL origin */
    T_INT(template_parse("Hello", 5, NULL, &t, &ei), -1);
    T_STR(ei.msg, "template:1: missing 'Subject:' line");

    /* size bound: exactly the maximum is fine, one byte more is not */
    memset(big, 'a', n);
    memcpy(big, head, sizeof(head) - 1);
    big[n] = '\0';
    T_INT(template_parse(big, n, "big.txt", &t, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_STR(ei.msg, "big.txt: larger than 262144 bytes");
    T_INT(template_parse(big, n - 1, "big.txt", &t, &ei), 0);
    T_INT(strlen(t.body), n - 1 - (sizeof(head) - 1) + 1);
    template_release(&t);

    template_release(NULL); /* a no-op */
    free(big);
}

struct var_seen {
    char buf[256];
};

static void collect(void *vctx, const char *name, bool has_default,
                    int line)
{
    struct var_seen *seen = vctx;
    size_t len = strlen(seen->buf);

    snprintf(seen->buf + len, sizeof(seen->buf) - len, "%s%s:%d@%d",
             len ? "," : "", name, has_default ? 1 : 0, line);
}

/* A follow-up step's template: the Subject line is optional. */
static void test_parse_step(void)
{
    static const char with[] = "Subject: Quick one\n\nHi {{first_name}}\n";
    static const char without[] = "Hi {{first_name}},\nany news?\n\n";
    static const char bad[] = "Hi {{first_name\n";
    struct template t;
    struct errinfo ei = { ERR_OK, "" };

    T_INT(template_parse_step(with, strlen(with), "s2.txt", &t, &ei), 0);
    T_STR(t.subject, "Quick one");
    T_STR(t.body, "Hi {{first_name}}\n");
    template_release(&t);
    T_INT(template_parse_step(without, strlen(without), "s2.txt", &t, &ei), 0);
    T_OK(t.subject == NULL);
    T_STR(t.body, "Hi {{first_name}},\nany news?\n");
    template_release(&t);
    /* the body starts on line 1: errors say so */
    T_INT(template_parse_step(bad, strlen(bad), "s2.txt", &t, &ei), -1);
    T_OK(strncmp(ei.msg, "s2.txt:1:", 9) == 0);
    /* step 1 still needs it */
    T_INT(template_parse(without, strlen(without), "s1.txt", &t, &ei), -1);
    T_OK(strstr(ei.msg, "missing 'Subject:' line") != NULL);
    T_INT(template_parse_step("", 0, "e.txt", &t, &ei), -1);
    T_OK(strstr(ei.msg, "empty body") != NULL);
}

static void test_each_var(void)
{
    struct errinfo ei = {ERR_OK, ""};
    struct var_seen seen = {""};

    T_INT(template_each_var("Hi {{First_Name|there}} of {{company}}\n"
                            "{{ TITLE | }} {{company}} { } {x}",
                            3, collect, &seen, &ei),
          0);
    T_STR(seen.buf, "first_name:1@3,company:0@3,title:1@4,company:0@4");

    seen.buf[0] = '\0';
    T_INT(template_each_var("no variables", 1, collect, &seen, &ei), 0);
    T_STR(seen.buf, "");

    /* a syntax error: fn is never called, even for earlier variables */
    seen.buf[0] = '\0';
    T_INT(template_each_var("{{a}}\n{{b", 1, collect, &seen, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_STR(ei.msg, "line 2: unclosed '{{' (no '}}' on the same line)");
    T_STR(seen.buf, "");
}

static void test_output_bound(void)
{
    size_t n = 600 * 1024;
    char *bigv = xmalloc(n + 1);
    struct kv vars[] = {{"big", bigv}, {NULL, NULL}};
    struct lookup_ctx ctx = {vars, false};
    struct errinfo ei = {ERR_OK, ""};
    char *out = NULL;

    memset(bigv, 'x', n);
    bigv[n] = '\0';
    T_INT(template_render("{{big}}", false, lookup, &ctx, &out, &ei), 0);
    T_INT(out ? strlen(out) : 0, n);
    free(out);
    out = NULL;
    T_INT(template_render("{{big}}{{big}}", false, lookup, &ctx, &out, &ei),
          -1);
    T_INT(ei.code, ERR_DATA);
    T_STR(ei.msg, "rendered text longer than 1048576 bytes");
    T_OK(out == NULL);
    free(bigv);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = xmalloc(TEMPLATE_MAX_FILE + 2);
    size_t n;

    if (!f) {
        free(buf);
        return NULL;
    }
    n = fread(buf, 1, TEMPLATE_MAX_FILE + 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void known_var(void *vctx, const char *name, bool has_default,
                      int line)
{
    int *unknown = vctx;
    static const char *const known[] = {"first_name", "company", "title",
                                        "sender_name"};

    (void)has_default;
    (void)line;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(name, known[i]) == 0)
            return;
    (*unknown)++;
}

struct file_case {
    const char *path;
    const char *subject;
};

static const struct file_case file_cases[] = {
    {"templates/intro.txt", "Hiring support for Acme Ltd"},
    {"templates/job-opening.txt", "Candidates for your open roles at Acme Ltd"},
};

static void test_committed_templates(void)
{
    static const struct kv contact[] = {
        {"first_name", "Ann"},        {"last_name", "Smith"},
        {"company", "Acme Ltd"},      {"title", "Head of Engineering"},
        {"email", "ann@acme.example"}, {"sender_name", "Sam Carter"},
        {NULL, NULL},
    };
    static const struct kv no_first[] = {
        {"first_name", "  "},       {"company", "Acme Ltd"},
        {"title", "CTO"},           {"sender_name", "Sam Carter"},
        {NULL, NULL},
    };
    static const struct kv no_title[] = {
        {"first_name", "Ann"},      {"company", "Acme Ltd"},
        {"sender_name", "Sam Carter"},
        {NULL, NULL},
    };

    for (size_t i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
        const struct file_case *c = &file_cases[i];
        struct errinfo ei = {ERR_OK, ""};
        struct template t = {NULL, NULL};
        struct lookup_ctx ctx = {contact, false};
        char *subject = NULL, *body = NULL;
        size_t len = 0;
        char *text = read_file(c->path, &len);
        int unknown = 0;

        printf("# %s\n", c->path);
        T_OK(text != NULL);
        if (!text)
            continue;
        T_INT(template_parse(text, len, c->path, &t, &ei), 0);
        free(text);
        if (!t.body) {
            printf("#   error: %s\n", ei.msg);
            continue;
        }
        T_INT(template_each_var(t.subject, 1, known_var, &unknown, &ei), 0);
        T_INT(template_each_var(t.body, TEMPLATE_BODY_LINE, known_var, &unknown, &ei), 0);
        T_INT(unknown, 0);

        T_INT(template_render(t.subject, true, lookup, &ctx, &subject, &ei),
              0);
        T_STR(subject, c->subject);
        T_INT(template_render(t.body, false, lookup, &ctx, &body, &ei), 0);
        T_OK(body && str_starts_with(body, "Hi Ann,\n\n"));
        T_OK(body && strstr(body, "Acme Ltd"));
        T_OK(body && strstr(body, "\nSam Carter\n"));
        T_OK(body && !strstr(body, "{{") && !strstr(body, "}}"));
        T_OK(body && body[strlen(body) - 1] == '\n');
        T_OK(body && utf8_valid(body, strlen(body)));
        for (const char *l = body; l && *l;) { /* as TAP comments */
            const char *nl = strchr(l, '\n');
            int n = nl ? (int)(nl - l) : (int)strlen(l);

            printf("#   | %.*s\n", n, l);
            l += n + (nl ? 1 : 0);
        }
        free(subject);
        free(body);
        body = NULL;

        ctx.vars = no_first;
        T_INT(template_render(t.body, false, lookup, &ctx, &body, &ei), 0);
        T_OK(body && str_starts_with(body, "Hi there,\n"));
        free(body);
        body = NULL;

        /* The committed templates give every optional variable a default,
         * so a contact without a title still gets a complete message. */
        ctx.vars = no_title;
        T_INT(template_render(t.body, false, lookup, &ctx, &body, &ei), 0);
        T_OK(body && !strstr(body, "{{"));
        free(body);
        body = NULL;
        template_release(&t);
    }
}

int main(void)
{
    T_RUN(test_render);
    T_RUN(test_hostile_values);
    T_RUN(test_check);
    T_RUN(test_parse);
    T_RUN(test_parse_misc);
    T_RUN(test_parse_step);
    T_RUN(test_each_var);
    T_RUN(test_output_bound);
    T_RUN(test_committed_templates);
    return t_done();
}
