/*
 * test_csv.c - the streaming CSV reader, table-driven.  Every input is
 * parsed whole, one byte per read, and seven bytes per read, and each
 * must give the same records.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util.h"

#include "banned.h"

struct mem_src {
    const char *data;
    size_t len;
    size_t pos;
    size_t step; /* bytes per read, 0: as many as asked */
    int fail_after; /* reads before failing, -1: never */
};

static long mem_read(void *ctx, char *buf, size_t n)
{
    struct mem_src *m = ctx;
    size_t k = m->len - m->pos;

    if (m->fail_after == 0)
        return -1;
    if (m->fail_after > 0)
        m->fail_after--;
    if (m->step && k > m->step)
        k = m->step;
    if (k > n)
        k = n;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (long)k;
}

/*
 * Renders every record as "LINE:[f1][f2]\n" or "LINE:!error\n"; a read
 * error appends "IOERR\n".
 */
static char *dump_d(const char *data, size_t len, size_t step,
                    size_t max_field, size_t max_fields, int delim)
{
    struct mem_src m = { data, len, 0, step, -1 };
    struct csv_reader *r;
    struct csv_record rec;
    struct errinfo ei = { 0 };
    struct strbuf sb;
    char *out;
    int rc;

    sb_init(&sb, 0);
    r = csv_new(mem_read, &m, max_field ? max_field : 65536,
                max_fields ? max_fields : 1024);
    if (delim)
        csv_set_delimiter(r, delim < 0 ? '\0' : (char)delim);
    while ((rc = csv_next(r, &rec, &ei)) == 1) {
        sb_addf(&sb, "%ld:", rec.line);
        if (rec.error) {
            sb_addf(&sb, "!%s", rec.error);
        } else {
            for (size_t i = 0; i < rec.nfields; i++) {
                sb_addch(&sb, '[');
                sb_add(&sb, rec.fields[i], rec.lens[i]);
                sb_addch(&sb, ']');
                if (strlen(rec.fields[i]) != rec.lens[i])
                    sb_adds(&sb, "(BADLEN)");
            }
        }
        sb_addch(&sb, '\n');
    }
    if (rc < 0)
        sb_adds(&sb, "IOERR\n");
    if (delim && csv_delimiter(r) != ',')
        sb_addf(&sb, "delimiter %s\n",
                csv_delimiter(r) == '\t' ? "TAB" : (char[]){ csv_delimiter(r), 0 });
    if (csv_utf16(r))
        sb_adds(&sb, "utf16\n");
    /* EOF is sticky */
    if (rc == 0 && csv_next(r, &rec, &ei) != 0)
        sb_adds(&sb, "NOT-STICKY\n");
    csv_free(r);
    out = sb_detach(&sb, NULL);
    sb_release(&sb);
    return out;
}

static char *dump(const char *data, size_t len, size_t step,
                  size_t max_field, size_t max_fields)
{
    return dump_d(data, len, step, max_field, max_fields, 0);
}

#define S(lit) lit, sizeof(lit) - 1

#define NOBOM "UTF-16 text (a NUL every other byte): save the file as UTF-8"

static const struct csv_case {
    const char *name;
    const char *in;
    size_t len;
    size_t max_field;  /* 0: 65536 */
    size_t max_fields; /* 0: 1024 */
    const char *want;
} cases[] = {
    { "simple LF", S("a,b,c\n1,2,3\n"), 0, 0, "1:[a][b][c]\n2:[1][2][3]\n" },
    { "CRLF", S("a,b\r\n1,2\r\n"), 0, 0, "1:[a][b]\n2:[1][2]\n" },
    { "no trailing newline", S("a,b\n1,2"), 0, 0, "1:[a][b]\n2:[1][2]\n" },
    { "no trailing newline, quoted", S("a\n\"x,y\""), 0, 0,
      "1:[a]\n2:[x,y]\n" },
    { "empty input", S(""), 0, 0, "" },
    { "only blank lines", S("\n\r\n\n"), 0, 0, "" },
    { "BOM", S("\xEF\xBB\xBF" "email\nx@y.com\n"), 0, 0,
      "1:[email]\n2:[x@y.com]\n" },
    { "BOM only", S("\xEF\xBB\xBF"), 0, 0, "" },
    { "BOM then quoted header", S("\xEF\xBB\xBF\"Email\",Name\r\n"), 0, 0,
      "1:[Email][Name]\n" },
    { "BOM-like bytes later are data", S("a\n\xEF\xBB\xBF" "b\n"), 0, 0,
      "1:[a]\n2:[\xEF\xBB\xBF" "b]\n" },
    { "quoted fields", S("\"a\",\"b\",c\n"), 0, 0, "1:[a][b][c]\n" },
    { "embedded comma", S("\"Acme, Inc.\",x\n"), 0, 0,
      "1:[Acme, Inc.][x]\n" },
    { "escaped quotes", S("\"he said \"\"hi\"\"\",x\n"), 0, 0,
      "1:[he said \"hi\"][x]\n" },
    { "only an escaped quote", S("\"\"\"\"\n"), 0, 0, "1:[\"]\n" },
    { "empty quoted field", S("\"\",x,\"\"\n"), 0, 0, "1:[][x][]\n" },
    { "empty fields", S(",,\na,\nb,"), 0, 0, "1:[][][]\n2:[a][]\n3:[b][]\n" },
    { "embedded newlines keep line numbers",
      S("h1,h2\n\"multi\nline\",x\nnext,y\n\"a\r\nb\",z\r\nlast,w"), 0, 0,
      "1:[h1][h2]\n2:[multi\nline][x]\n4:[next][y]\n5:[a\r\nb][z]\n"
      "7:[last][w]\n" },
    { "many newlines in one field", S("\"\n\n\n\",a\nb\n"), 0, 0,
      "1:[\n\n\n][a]\n5:[b]\n" },
    { "blank lines skipped, lines counted", S("a\n\n\nb\r\n\r\nc\n\n"), 0, 0,
      "1:[a]\n4:[b]\n6:[c]\n" },
    { "blank first line", S("\nh\nx\n"), 0, 0, "2:[h]\n3:[x]\n" },
    { "spaces are not blank", S("a\n \nb\n"), 0, 0, "1:[a]\n2:[ ]\n3:[b]\n" },
    { "stray quote in unquoted field kept", S("ab\"c,d\"\n"), 0, 0,
      "1:[ab\"c][d\"]\n" },
    { "space before quote is unquoted", S(" \"a\",b\n"), 0, 0,
      "1:[ \"a\"][b]\n" },
    { "text after closing quote", S("\"ab\"c,d\nx,y\n"), 0, 0,
      "1:!text after closing quote in field 1\n2:[x][y]\n" },
    { "text after closing quote, quoted rest", S("a,\"b\"c\"d,e\nf\n"), 0,
      0, "1:!text after closing quote in field 2\n2:[f]\n" },
    { "lone CR inside quotes is data", S("\"a\rb\",c\nd\n"), 0, 0,
      "1:[a\rb][c]\n2:[d]\n" },
    { "lone CR outside quotes ends a line", S("a\rb,c\r\"d\"\re"), 0, 0,
      "1:[a]\n2:[b][c]\n3:[d]\n4:[e]\n" },
    { "UTF-8 kept", S("n\nJos\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80\n"), 0,
      0, "1:[n]\n2:[Jos\xC3\xA9][\xE2\x82\xAC][\xF0\x9F\x98\x80]\n" },
    { "bad UTF-8: overlong 2-byte", S("h\nok,1\nbad,\xC0\xAF\nok2,2\n"), 0,
      0, "1:[h]\n2:[ok][1]\n3:!invalid UTF-8 in field 2\n4:[ok2][2]\n" },
    { "bad UTF-8: overlong 3-byte", S("h\n\xE0\x80\xAF\nok\n"), 0, 0,
      "1:[h]\n2:!invalid UTF-8 in field 1\n3:[ok]\n" },
    { "bad UTF-8: lone continuation", S("h\na,b,c\x80\nok\n"), 0, 0,
      "1:[h]\n2:!invalid UTF-8 in field 3\n3:[ok]\n" },
    { "bad UTF-8: surrogate", S("h\n\"x\xED\xA0\x80\",b\nok\n"), 0, 0,
      "1:[h]\n2:!invalid UTF-8 in field 1\n3:[ok]\n" },
    { "bad UTF-8: truncated sequence", S("h\nx\xE2\x82,b\nok\n"), 0, 0,
      "1:[h]\n2:!invalid UTF-8 in field 1\n3:[ok]\n" },
    { "bad UTF-8: above U+10FFFF", S("a,\xF4\x90\x80\x80\nok\n"), 0, 0,
      "1:!invalid UTF-8 in field 2\n2:[ok]\n" },
    { "bad UTF-8: Latin-1 byte", S("caf\xE9\nok\n"), 0, 0,
      "1:!invalid UTF-8 in field 1\n2:[ok]\n" },
    { "bad UTF-8 in a multi-line quoted field",
      S("h\n\"a\n\xFF\nb\",c\nok\n"), 0, 0,
      "1:[h]\n2:!invalid UTF-8 in field 1\n5:[ok]\n" },
    { "NUL in unquoted field", S("a,b\0c\nd\n"), 0, 0,
      "1:!NUL byte in field 2\n2:[d]\n" },
    { "NUL in quoted field", S("\"a\0\"\nd\n"), 0, 0,
      "1:!NUL byte in field 1\n2:[d]\n" },
    { "NUL after a closing quote", S("\"a\"\0,b\nd\n"), 0, 0,
      "1:!text after closing quote in field 1\n2:[d]\n" },
    { "unterminated quoted field", S("h\nx,\"abc\ndef\n"), 0, 0,
      "1:[h]\n2:!unterminated quoted field\n" },
    { "unterminated at the very end", S("a\n\""), 0, 0,
      "1:[a]\n2:!unterminated quoted field\n" },
    { "unterminated beats an earlier error",
      S("a\n\xFF,\"abcdefghijk\n"), 4, 0,
      "1:[a]\n2:!unterminated quoted field\n" },
    { "overlong field skipped",
      S("short,12345678\ntoolong,123456789\nok,1\n"), 8, 0,
      "1:[short][12345678]\n2:!field 2 longer than 8 bytes\n3:[ok][1]\n" },
    { "overlong quoted field with newlines",
      S("\"123456789\n\n,\",x\nok\n"), 8, 0,
      "1:!field 1 longer than 8 bytes\n4:[ok]\n" },
    { "escaped quote counts toward the bound", S("\"1234567\"\"\"\n"
                                                 "\"123456\"\"89\"\n"), 8, 0,
      "1:[1234567\"]\n2:!field 1 longer than 8 bytes\n" },
    { "too many fields", S("a,b,c\na,b,c,d\nx\n"), 0, 3,
      "1:[a][b][c]\n2:!more than 3 fields\n3:[x]\n" },
    { "too many fields, trailing comma", S("a,b,c,\nx\n"), 0, 3,
      "1:!more than 3 fields\n2:[x]\n" },
    { "first error wins", S("\xFF,\"a\"b\nx\n"), 0, 0,
      "1:!invalid UTF-8 in field 1\n2:[x]\n" },
    /* UTF-16 is named, not reported as NUL bytes */
    { "UTF-16LE with BOM", S("\xFF\xFE" "e\0m\0\n\0x\0@\0\n\0"), 0, 0,
      "1:!UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8\n"
      "2:!UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8\n"
      "3:!UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8\n"
      "utf16\n" },
    { "UTF-16BE with BOM", S("\xFE\xFF\0e\0m"), 0, 0,
      "1:!UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8\nutf16\n" },
    { "UTF-16 BOM only", S("\xFF\xFE"), 0, 0,
      "1:!UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8\nutf16\n" },
    { "UTF-16LE without BOM", S("e\0m\0\n\0x\0"), 0, 0,
      "1:!" NOBOM "\n2:!" NOBOM "\nutf16\n" },
    { "UTF-16BE without BOM", S("\0e\0m"), 0, 0, "1:!" NOBOM "\nutf16\n" },
    { "a NUL later is only a NUL", S("email\ne\0m\0\nok\n"), 0, 0,
      "1:[email]\n2:!NUL byte in field 1\n3:[ok]\n" },
    { "one NUL is not UTF-16", S("e\0\nok\n"), 0, 0,
      "1:!NUL byte in field 1\n2:[ok]\n" },
    { "FF FE later is bad UTF-8", S("a\n\xFF\xFE\nok\n"), 0, 0,
      "1:[a]\n2:!invalid UTF-8 in field 1\n3:[ok]\n" },
    /* hostile values are data, kept as written, never split a record */
    { "CRLF + header in quotes is data",
      S("e,n\nx@y.example,\"Evil\r\nBcc: v@evil.example\r\n\r\nbody\"\n"
        "ok,1\n"), 0, 0,
      "1:[e][n]\n2:[x@y.example][Evil\r\nBcc: v@evil.example\r\n\r\nbody]\n"
      "6:[ok][1]\n" },
    { "encoded words, tabs, U+2028 and U+0085 are data",
      S("=?UTF-8?B?DQpCY2M6IHY=?=,a\tb,c\xE2\x80\xA8" "d,e\xC2\x85" "f\n"), 0,
      0, "1:[=?UTF-8?B?DQpCY2M6IHY=?=][a\tb][c\xE2\x80\xA8" "d][e\xC2\x85" "f]\n" },
    { "quotes, angle brackets and commas in a name",
      S("\"\"\"Doe, John\"\" <evil@evil.example>\",x\n"), 0, 0,
      "1:[\"Doe, John\" <evil@evil.example>][x]\n" },
    { "a lone dot line inside quotes is data", S("\"a\n.\nQUIT\",b\nc\n"),
      0, 0, "1:[a\n.\nQUIT][b]\n4:[c]\n" },
};

static void test_table(void)
{
    static const size_t steps[] = { 0, 1, 7, 2, 3 };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        const struct csv_case *c = &cases[i];

        t_current = c->name;
        for (size_t s = 0; s < sizeof(steps) / sizeof(*steps); s++) {
            char *got = dump(c->in, c->len, steps[s], c->max_field,
                             c->max_fields);

            T_STR(got, c->want);
            free(got);
        }
    }
}

/* Delimiters: -1 detects from the header line, else the one forced. */
static const struct delim_case {
    const char *name;
    const char *in;
    size_t len;
    int delim;
    const char *want;
} delim_cases[] = {
    { "comma header", S("a,b\n1;2,3\n"), -1, "1:[a][b]\n2:[1;2][3]\n" },
    { "semicolon header", S("email;name\nx@y.example;\"A;B\"\n"), -1,
      "1:[email][name]\n2:[x@y.example][A;B]\ndelimiter ;\n" },
    { "semicolon, BOM, CRLF", S("\xEF\xBB\xBF" "a;b\r\n1;2,5\r\n"), -1,
      "1:[a][b]\n2:[1][2,5]\ndelimiter ;\n" },
    { "tab header", S("a\tb\n1\t2\n"), -1, "1:[a][b]\n2:[1][2]\ndelimiter TAB\n" },
    { "comma wins over semicolon", S("a;x,b\n1,2\n"), -1,
      "1:[a;x][b]\n2:[1][2]\n" },
    { "quoted comma does not count", S("\"a,b\";c\n1;2\n"), -1,
      "1:[a,b][c]\n2:[1][2]\ndelimiter ;\n" },
    { "one column stays comma", S("email\nx,y\n"), -1,
      "1:[email]\n2:[x][y]\n" },
    { "blank lines before the header", S("\n\na;b\n1;2\n"), -1,
      "3:[a][b]\n4:[1][2]\ndelimiter ;\n" },
    { "forced semicolon", S("a,b;c\n"), ';', "1:[a,b][c]\ndelimiter ;\n" },
    { "forced comma", S("a;b\n"), ',', "1:[a;b]\n" },
    { "forced pipe, quoted", S("a|\"b|c\"\n"), '|',
      "1:[a][b|c]\ndelimiter |\n" },
};

static void test_delimiters(void)
{
    static const size_t steps[] = { 0, 1, 7, 2, 3 };

    for (size_t i = 0; i < sizeof(delim_cases) / sizeof(*delim_cases); i++) {
        const struct delim_case *c = &delim_cases[i];

        t_current = c->name;
        for (size_t s = 0; s < sizeof(steps) / sizeof(*steps); s++) {
            char *got = dump_d(c->in, c->len, steps[s], 0, 0, c->delim);

            T_STR(got, c->want);
            free(got);
        }
    }
}

static void test_many_fields(void)
{
    struct strbuf sb;
    char *got, *want;
    struct strbuf wb;

    /* 1024 fields is the limit and fine; 1025 is one too many */
    sb_init(&sb, 0);
    sb_init(&wb, 0);
    sb_adds(&wb, "1:");
    for (int i = 0; i < 1024; i++) {
        sb_addf(&sb, "%s%d", i ? "," : "", i);
        sb_addf(&wb, "[%d]", i);
    }
    sb_adds(&sb, "\n");
    sb_adds(&wb, "\n2:!more than 1024 fields\n3:[end]\n");
    for (int i = 0; i < 1025; i++)
        sb_addf(&sb, "%s\"%d\"", i ? "," : "", i);
    sb_adds(&sb, "\nend\n");
    want = sb_detach(&wb, NULL);
    sb_release(&wb);
    got = dump(sb.buf, sb.len, 0, 0, 0);
    T_STR(got, want);
    free(got);
    got = dump(sb.buf, sb.len, 7, 0, 0);
    T_STR(got, want);
    free(got);
    free(want);
    sb_release(&sb);
}

static void test_big_field(void)
{
    /* 64 KiB is fine, one byte more is not; then the file goes on */
    size_t big = 65536;
    char *in = xmalloc(2 * big + 64), *got;
    char *want;
    struct strbuf wb;
    size_t n = 0;

    memcpy(in + n, "h\n\"", 3);
    n += 3;
    memset(in + n, 'x', big);
    n += big;
    memcpy(in + n, "\"\n", 2);
    n += 2;
    memset(in + n, 'y', big + 1);
    n += big + 1;
    memcpy(in + n, ",z\nok\n", 6);
    n += 6;
    sb_init(&wb, 0);
    sb_adds(&wb, "1:[h]\n2:[");
    for (size_t i = 0; i < big; i++)
        sb_addch(&wb, 'x');
    sb_adds(&wb, "]\n3:!field 1 longer than 65536 bytes\n4:[ok]\n");
    want = sb_detach(&wb, NULL);
    sb_release(&wb);
    for (size_t step = 0; step < 20000; step += 4999) {
        got = dump(in, n, step, 0, 0);
        T_STR(got, want);
        free(got);
    }
    free(want);
    free(in);
}

/* A deterministic mix of every construct, across 64 KiB chunk edges. */
static void test_chunk_edges(void)
{
    static const char *const pieces[] = {
        "plain", "\"quoted\"", "\"with,comma\"", "\"with \"\"q\"\"\"",
        "\"multi\nline\"", "\"crlf\r\nin\"", "", "\xC3\xA9t\xC3\xA9",
        "a\"b", "\"\"",
    };
    static const char *const ends[] = { "\n", "\r\n", "\n\n", "\r\n\r\n" };
    static const size_t steps[] = { 1, 7, 4096, 65535, 65537, 100000 };
    unsigned long seed = 12345;
    struct strbuf sb;
    char *whole;

    sb_init(&sb, 0);
    sb_adds(&sb, "\xEF\xBB\xBF" "a,b,c\n");
    while (sb.len < 300000) {
        int nf = 1 + (int)(seed % 5);

        for (int f = 0; f < nf; f++) {
            seed = seed * 1103515245 + 12345;
            sb_addf(&sb, "%s%s", f ? "," : "",
                    pieces[(seed >> 16) % (sizeof(pieces) / sizeof(*pieces))]);
        }
        seed = seed * 1103515245 + 12345;
        sb_adds(&sb, ends[(seed >> 16) % 4]);
    }
    whole = dump(sb.buf, sb.len, 0, 0, 0);
    T_OK(strstr(whole, "!") == NULL);
    T_OK(strlen(whole) > 100000);
    for (size_t s = 0; s < sizeof(steps) / sizeof(*steps); s++) {
        char *got = dump(sb.buf, sb.len, steps[s], 0, 0);

        T_OK(strcmp(got, whole) == 0);
        free(got);
    }
    free(whole);
    sb_release(&sb);
}

static void test_read_error(void)
{
    /* The reader gathers 16 bytes (CSV_SNIFF_MIN) before its first record,
     * so the first line is read whole before the 17th read fails. */
    struct mem_src m = { S("aaaaaaaaaaaa,b\nc,d\n"), 0, 1, 17 };
    struct csv_reader *r = csv_new(mem_read, &m, 100, 10);
    struct csv_record rec;
    struct errinfo ei = { 0 };

    T_INT(csv_next(r, &rec, &ei), 1);
    T_INT(rec.nfields, 2);
    T_STR(rec.fields[1], "b");
    T_INT(csv_next(r, &rec, &ei), -1);
    T_INT(ei.code, ERR_IO);
    T_INT(csv_next(r, &rec, &ei), -1);
    csv_free(r);
    csv_free(NULL);
}

/*
 * A read error while the first bytes are gathered for the BOM check (the
 * first read gave fewer than 3 bytes): -1 from then on, not -1 and then
 * the record made of those bytes (found by fuzz/fuzz_csv.c).
 */
static void test_read_error_in_bom_check(void)
{
    struct mem_src m = { S("e\n"), 0, 2, 1 };
    struct csv_reader *r = csv_new(mem_read, &m, 100, 10);
    struct csv_record rec;
    struct errinfo ei = { 0 };

    T_INT(csv_next(r, &rec, &ei), -1);
    T_INT(ei.code, ERR_IO);
    T_INT(csv_next(r, &rec, &ei), -1);
    T_INT(csv_next(r, &rec, &ei), -1);
    csv_free(r);
}

static void test_record_api(void)
{
    struct mem_src m = { S("\"x\ny\",\"\"\n"), 0, 0, -1 };
    struct csv_reader *r = csv_new(mem_read, &m, 100, 10);
    struct csv_record rec;
    struct errinfo ei = { 0 };

    T_INT(csv_next(r, &rec, &ei), 1);
    T_OK(rec.error == NULL);
    T_INT(rec.line, 1);
    T_INT(rec.nfields, 2);
    T_STR(rec.fields[0], "x\ny");
    T_INT(rec.lens[0], 3);
    T_STR(rec.fields[1], "");
    T_INT(rec.lens[1], 0);
    T_INT(csv_line(r), 3);
    T_INT(csv_next(r, &rec, &ei), 0);
    csv_free(r);
}

int main(void)
{
    T_RUN(test_table);
    T_RUN(test_delimiters);
    T_RUN(test_many_fields);
    T_RUN(test_big_field);
    T_RUN(test_chunk_edges);
    T_RUN(test_read_error);
    T_RUN(test_read_error_in_bom_check);
    T_RUN(test_record_api);
    return t_done();
}
