/*
 * fuzz_csv.c - the streaming CSV reader (csv.h) on arbitrary bytes.
 *
 * Input: one byte of options (bounds, how reads are cut, a read error at
 * the end), then the CSV text.  The text is read twice: once through reads
 * cut as the options say, once in one piece.  Checked: every promise of
 * csv.h about a record (fields NUL-terminated, valid UTF-8 without NUL,
 * lens, the bounds, error records empty, known error phrases, lines that
 * never go back), that 0 and -1 are sticky, and that the records do not
 * depend on how the reads were cut (a read error only cuts them short).
 */
#include "csv.h"

#include <stdbool.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

struct feed {
    const uint8_t *p;
    size_t n;
    size_t step;     /* bytes per read; 0: as many as asked */
    size_t reads;
    bool fail_at_end;
    bool done;       /* returned 0 or -1 already */
};

static long feed_read(void *ctx, char *buf, size_t n)
{
    struct feed *f = ctx;
    size_t k;

    FUZZ_ASSERT(!f->done); /* csv.h: not called again after 0 or -1 */
    FUZZ_ASSERT(n > 0);
    if (f->n == 0) {
        f->done = true;
        return f->fail_at_end ? -1 : 0;
    }
    k = f->step ? f->step + (f->reads++ % 3) : n;
    if (k > n)
        k = n;
    if (k > f->n)
        k = f->n;
    memcpy(buf, f->p, k);
    f->p += k;
    f->n -= k;
    return (long)k;
}

static bool known_error(const char *e)
{
    static const char *const prefixes[] = {
        "NUL byte in field ",
        "invalid UTF-8 in field ",
        "field ",
        "more than ",
        "text after closing quote in field ",
        "unterminated quoted field",
        "UTF-16 text",
    };

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(e, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/*
 * Reads every record, checking each, and writes a transcript of them to
 * *out.  Returns the last csv_next() result (0 or -1).
 */
static int read_all(struct feed *f, size_t max_field, size_t max_fields,
                    struct strbuf *out, size_t input_len)
{
    struct csv_reader *r = csv_new(feed_read, f, max_field, max_fields);
    struct csv_record rec;
    struct errinfo ei;
    long last_line = 0;
    size_t records = 0;
    int rc;

    while ((rc = csv_next(r, &rec, &ei)) == 1) {
        records++;
        FUZZ_ASSERT(records <= input_len + 1);
        FUZZ_ASSERT(rec.line >= 1 && rec.line >= last_line);
        FUZZ_ASSERT(rec.line <= csv_line(r));
        last_line = rec.line;
        sb_addf(out, "@%ld", rec.line);
        if (rec.error) {
            FUZZ_ASSERT(rec.nfields == 0);
            FUZZ_ASSERT(known_error(rec.error));
            sb_addf(out, "!%s\n", rec.error);
            continue;
        }
        FUZZ_ASSERT(rec.nfields >= 1 && rec.nfields <= max_fields);
        for (size_t i = 0; i < rec.nfields; i++) {
            const char *s = rec.fields[i];

            FUZZ_ASSERT(s != NULL);
            FUZZ_ASSERT(strlen(s) == rec.lens[i]);
            FUZZ_ASSERT(rec.lens[i] <= max_field);
            FUZZ_ASSERT(utf8_valid(s, rec.lens[i]));
            sb_addf(out, "|%zu:", rec.lens[i]);
            sb_add(out, s, rec.lens[i]);
        }
        sb_addch(out, '\n');
    }
    FUZZ_ASSERT(rc == 0 || rc == -1);
    if (rc < 0)
        FUZZ_ASSERT(ei.code == ERR_IO);
    /* sticky: 0 stays 0 and -1 stays -1, without calling the reader */
    FUZZ_ASSERT(csv_next(r, &rec, &ei) == rc);
    FUZZ_ASSERT(csv_next(r, &rec, &ei) == rc);
    csv_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t field_max[] = {1, 3, 64, 65536};
    static const size_t fields_max[] = {1, 2, 5, 1024};
    struct fuzz_in in = {data, size};
    uint8_t opt = fuzz_byte(&in);
    size_t max_field = field_max[opt & 3];
    size_t max_fields = fields_max[(opt >> 2) & 3];
    struct feed cut = {in.p, in.n, (size_t)(opt >> 4) & 7, 0,
                       (opt & 0x80) != 0, false};
    struct feed whole = {in.p, in.n, 0, 0, false, false};
    struct strbuf a, b;
    int rc_cut, rc_whole;

    sb_init(&a, 0);
    sb_init(&b, 0);
    rc_cut = read_all(&cut, max_field, max_fields, &a, in.n);
    rc_whole = read_all(&whole, max_field, max_fields, &b, in.n);
    FUZZ_ASSERT(rc_whole == 0);
    if (cut.fail_at_end) {
        FUZZ_ASSERT(rc_cut == -1);
        /* what came before the error is what a clean read gives */
        FUZZ_ASSERT(a.len <= b.len && memcmp(a.buf, b.buf, a.len) == 0);
    } else {
        FUZZ_ASSERT(rc_cut == 0);
        FUZZ_ASSERT(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    }
    sb_release(&a);
    sb_release(&b);
    return 0;
}
