/*
 * csv.c - the CSV reader: RFC 4180 with the usual spreadsheet leniencies
 * (see csv.h), fed by a read callback chunk by chunk.  Pure.  The guesses
 * about the delimiter and UTF-16 are in csv_sniff.c.
 */
#include "csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv_int.h"
#include "util.h"

#include "banned.h"

#define CSV_CHUNK (64 * 1024)

/*
 * The parser is a resumable state machine over the current chunk, so a
 * record may be split across any number of reads.  Inside a field it scans
 * runs of ordinary bytes with a class table and copies them with memcpy;
 * the per-byte work is one table load and compare.
 */
enum csv_state {
    ST_RECORD,   /* at the start of a line: maybe blank, maybe a record */
    ST_FIELD,    /* at the start of a field */
    ST_UNQUOTED, /* inside an unquoted field */
    ST_QUOTED,   /* inside a quoted field */
    ST_QUOTE,    /* just after a quote inside a quoted field */
    ST_CRLF,     /* after a CR that ended a line: swallow one LF */
};

struct csv_reader {
    csv_read_fn fn;
    void *ctx;
    size_t max_field;
    size_t max_fields;

    char *buf; /* CSV_CHUNK bytes */
    size_t pos;
    size_t end;
    bool started; /* the BOM check has been done */
    bool utf16;   /* the input is UTF-16: a byte order mark or NUL bytes */
    bool utf16_bom; /* ... with a byte order mark */
    bool detect;  /* the delimiter is to be found in the first line */
    char delim;
    unsigned char stop_unquoted[256]; /* bytes that end an unquoted run */
    bool eof;     /* fn returned 0 */
    bool failed;  /* fn returned -1 */
    enum csv_state state;
    long line; /* current physical line, 1-based */

    /* the record being built */
    long rec_line;
    char *data; /* fields back to back, each NUL-terminated */
    size_t dlen;
    size_t dcap;
    size_t fstart;  /* offset in data of the current field */
    size_t nfields; /* fields started so far */
    size_t fcap;
    size_t *offs;
    size_t *lens;
    char **fields;
    bool bad;
    bool errfinal; /* errbuf may not be replaced */
    char errbuf[160];
    size_t errlen;
};

/* Bytes that end a run inside a quoted field. */
static const unsigned char stop_quoted[256] = {
    ['\0'] = 1, ['\n'] = 1, ['"'] = 1,
};

struct csv_reader *csv_new(csv_read_fn fn, void *ctx, size_t max_field,
                           size_t max_fields)
{
    struct csv_reader *r = xcalloc(1, sizeof(*r));

    r->fn = fn;
    r->ctx = ctx;
    r->max_field = max_field ? max_field : 1;
    r->max_fields = max_fields ? max_fields : 1;
    r->buf = xmalloc(CSV_CHUNK);
    r->stop_unquoted['\0'] = r->stop_unquoted['\n'] = 1;
    r->stop_unquoted['\r'] = 1;
    csv_set_delimiter(r, ',');
    r->state = ST_RECORD;
    r->line = 1;
    r->dcap = 4096;
    r->data = xmalloc(r->dcap);
    r->fcap = 16;
    r->offs = xmalloc(r->fcap * sizeof(*r->offs));
    r->lens = xmalloc(r->fcap * sizeof(*r->lens));
    r->fields = xmalloc(r->fcap * sizeof(*r->fields));
    return r;
}

void csv_free(struct csv_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->data);
    free(r->offs);
    free(r->lens);
    free(r->fields);
    free(r);
}

long csv_line(const struct csv_reader *r)
{
    return r->line;
}

static void use_delimiter(struct csv_reader *r, char delim)
{
    if (r->delim)
        r->stop_unquoted[(unsigned char)r->delim] = 0;
    r->stop_unquoted['\0'] = 1;
    r->delim = delim;
    r->stop_unquoted[(unsigned char)delim] = 1;
}

void csv_set_delimiter(struct csv_reader *r, char delim)
{
    r->detect = delim == '\0';
    if (delim == '"' || delim == '\r' || delim == '\n')
        delim = ',';
    use_delimiter(r, delim ? delim : ',');
}

char csv_delimiter(const struct csv_reader *r)
{
    return r->delim;
}

bool csv_utf16(const struct csv_reader *r)
{
    return r->utf16;
}

/*
 * Record errors: the first reason found is kept.  Messages are built by
 * hand so this pure module needs no stdio.
 */

/* Marks the record bad; true when its reason is still to be written. */
static bool fail_begin(struct csv_reader *r)
{
    r->bad = true;
    if (r->errfinal)
        return false;
    r->errfinal = true;
    r->errlen = 0;
    r->errbuf[0] = '\0';
    return true;
}

static void fail_adds(struct csv_reader *r, const char *s)
{
    while (*s && r->errlen + 1 < sizeof(r->errbuf))
        r->errbuf[r->errlen++] = *s++;
    r->errbuf[r->errlen] = '\0';
}

static void fail_addn(struct csv_reader *r, size_t n)
{
    char digits[24];
    size_t nd = 0;

    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (nd && r->errlen + 1 < sizeof(r->errbuf))
        r->errbuf[r->errlen++] = digits[--nd];
    r->errbuf[r->errlen] = '\0';
}

static void rec_fail(struct csv_reader *r, const char *msg)
{
    if (fail_begin(r))
        fail_adds(r, msg);
}

/* "<what> in field N" */
static void rec_fail_field(struct csv_reader *r, const char *what)
{
    if (fail_begin(r)) {
        fail_adds(r, what);
        fail_adds(r, " in field ");
        fail_addn(r, r->nfields);
    }
}

static void begin_record(struct csv_reader *r)
{
    r->rec_line = r->line;
    r->dlen = 0;
    r->nfields = 0;
    r->bad = false;
    r->errfinal = false;
    r->errbuf[0] = '\0';
    /* Its NUL bytes would otherwise be all the user hears of it. */
    if (r->utf16_bom)
        rec_fail(r, "UTF-16 text (a UTF-16 byte order mark): save the file "
                 "as UTF-8");
    else if (r->utf16)
        rec_fail(r, "UTF-16 text (a NUL every other byte): save the file as "
                 "UTF-8");
}

static void ensure_data(struct csv_reader *r, size_t extra)
{
    size_t need = r->dlen + extra;

    if (need <= r->dcap)
        return;
    while (r->dcap < need)
        r->dcap *= 2;
    r->data = xrealloc(r->data, r->dcap);
}

static void begin_field(struct csv_reader *r)
{
    if (r->bad)
        return;
    if (r->nfields == r->max_fields) {
        if (fail_begin(r)) {
            fail_adds(r, "more than ");
            fail_addn(r, r->max_fields);
            fail_adds(r, " fields");
        }
        return;
    }
    if (r->nfields == r->fcap) {
        size_t n = r->fcap * 2;

        if (n > r->max_fields)
            n = r->max_fields;
        r->offs = xrealloc(r->offs, n * sizeof(*r->offs));
        r->lens = xrealloc(r->lens, n * sizeof(*r->lens));
        r->fields = xrealloc(r->fields, n * sizeof(*r->fields));
        r->fcap = n;
    }
    r->nfields++;
    r->fstart = r->dlen;
}

static void append(struct csv_reader *r, const unsigned char *p, size_t n)
{
    if (r->bad || n == 0)
        return;
    if (r->dlen - r->fstart + n > r->max_field) {
        if (fail_begin(r)) {
            fail_adds(r, "field ");
            fail_addn(r, r->nfields);
            fail_adds(r, " longer than ");
            fail_addn(r, r->max_field);
            fail_adds(r, " bytes");
        }
        return;
    }
    ensure_data(r, n + 1); /* room for the NUL too */
    memcpy(r->data + r->dlen, p, n);
    r->dlen += n;
}

/* Most fields are ASCII: check that word by word before full UTF-8. */
static bool is_ascii(const char *p, size_t len)
{
    uint64_t acc = 0, w;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < len; i++)
        acc |= (unsigned char)p[i];
    return (acc & UINT64_C(0x8080808080808080)) == 0;
}

static void end_field(struct csv_reader *r)
{
    size_t len;

    if (r->bad)
        return;
    len = r->dlen - r->fstart;
    if (!is_ascii(r->data + r->fstart, len) &&
        !utf8_valid(r->data + r->fstart, len)) {
        rec_fail_field(r, "invalid UTF-8");
        return;
    }
    ensure_data(r, 1);
    r->data[r->dlen++] = '\0';
    r->offs[r->nfields - 1] = r->fstart;
    r->lens[r->nfields - 1] = len;
}

static void nul_byte(struct csv_reader *r)
{
    rec_fail_field(r, "NUL byte");
}

static int finish_record(struct csv_reader *r, struct csv_record *rec)
{
    rec->line = r->rec_line;
    rec->fields = r->fields;
    rec->lens = r->lens;
    if (r->bad) {
        rec->nfields = 0;
        rec->error = r->errbuf;
        return 1;
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->data + r->offs[i];
    rec->nfields = r->nfields;
    rec->error = NULL;
    return 1;
}

/* The first bytes are in: BOM, UTF-16, delimiter. */
static void start(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    char delim;

    r->started = true;
    if (r->end >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    else if (utf16_bom(r->buf, r->end))
        r->utf16 = r->utf16_bom = true;
    else if (csv_utf16_nul_pattern(b, r->end))
        r->utf16 = true;
    if (r->detect && !r->utf16) {
        csv_sniff(b, r->end, &delim);
        use_delimiter(r, delim);
    }
}

/* Refills the chunk: 1 when bytes are available, 0 at EOF, -1 on error. */
static int fill(struct csv_reader *r, struct errinfo *ei)
{
    long got;
    char delim;

    for (;;) {
        if (r->failed)
            return err_set(ei, ERR_IO, "read error");
        if (r->eof)
            return 0;
        r->pos = r->end = 0;
        /* The first time, gather the first line (or a chunk) so that a
         * split BOM, UTF-16 and the delimiter are seen whole. */
        do {
            got = r->fn(r->ctx, r->buf + r->end, CSV_CHUNK - r->end);
            if (got < 0 || (size_t)got > CSV_CHUNK - r->end) {
                /* drop bytes gathered for the BOM check: -1 is final */
                r->failed = true;
                r->pos = r->end = 0;
                return err_set(ei, ERR_IO, "read error");
            }
            if (got == 0)
                r->eof = true;
            r->end += (size_t)got;
        } while (!r->started && !r->eof && r->end < CSV_CHUNK &&
                 (r->end < CSV_SNIFF_MIN ||
                  !csv_sniff((const unsigned char *)r->buf, r->end,
                             &delim)));
        if (!r->started)
            start(r);
        if (r->pos < r->end)
            return 1;
    }
}

/* End of input: completes the record in progress, if any. */
static int at_eof(struct csv_reader *r, struct csv_record *rec)
{
    enum csv_state st = r->state;

    r->state = ST_RECORD;
    switch (st) {
    case ST_RECORD:
    case ST_CRLF:
        return 0;
    case ST_FIELD: /* "a,b," : an empty last field */
        begin_field(r);
        end_field(r);
        break;
    case ST_UNQUOTED:
    case ST_QUOTE:
        end_field(r);
        break;
    case ST_QUOTED:
        r->errfinal = false;
        rec_fail(r, "unterminated quoted field");
        break;
    }
    return finish_record(r, rec);
}

/* ST_CRLF: a CR ended the last line; the LF of a CRLF goes with it. */
static void step_crlf(struct csv_reader *r)
{
    if (r->buf[r->pos] == '\n')
        r->pos++;
    r->state = ST_RECORD;
}

/* ST_RECORD: skips blank lines without starting a record, then starts
 * one. */
static void step_record(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, n = r->end;

    while (i < n && (b[i] == '\n' || b[i] == '\r')) {
        r->line++;
        if (b[i++] == '\r') {
            r->state = ST_CRLF;
            break;
        }
    }
    r->pos = i;
    if (r->state == ST_CRLF || i == n)
        return;
    begin_record(r);
    r->state = ST_FIELD;
}

/* ST_FIELD: starts a field, quoted or not. */
static void step_field(struct csv_reader *r)
{
    begin_field(r);
    if (r->buf[r->pos] == '"') {
        r->pos++;
        r->state = ST_QUOTED;
    } else {
        r->state = ST_UNQUOTED;
    }
}

/* ST_UNQUOTED: up to the delimiter or the line end; true when a line end
 * finished the record. */
static bool step_unquoted(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, n = r->end, s = i;
    unsigned char c;

    while (i < n && !r->stop_unquoted[b[i]])
        i++;
    append(r, b + s, i - s);
    if (i == n) {
        r->pos = i;
        return false;
    }
    c = b[i++];
    r->pos = i;
    if (c == (unsigned char)r->delim) {
        end_field(r);
        r->state = ST_FIELD;
    } else if (c == '\n' || c == '\r') {
        r->line++;
        end_field(r);
        r->state = c == '\r' ? ST_CRLF : ST_RECORD;
        return true;
    } else {
        nul_byte(r);
    }
    return false;
}

/* ST_QUOTED: up to the next quote, line ends included in the field. */
static void step_quoted(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, n = r->end, s;
    unsigned char c;

    for (;;) {
        s = i;
        while (i < n && !stop_quoted[b[i]])
            i++;
        if (i == n) {
            append(r, b + s, i - s);
            break;
        }
        c = b[i];
        if (c == '\n') {
            r->line++;
            i++;
            append(r, b + s, i - s);
            continue;
        }
        append(r, b + s, i - s);
        i++;
        if (c == '"') {
            r->state = ST_QUOTE;
            break;
        }
        nul_byte(r);
    }
    r->pos = i;
}

/* ST_QUOTE: after a quote inside a quoted field, an escaped quote or the
 * end of the field; true when a line end finished the record. */
static bool step_quote(struct csv_reader *r)
{
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos;
    unsigned char c = b[i];

    if (c == '"') {
        append(r, b + i, 1);
        r->pos = i + 1;
        r->state = ST_QUOTED;
    } else if (c == (unsigned char)r->delim) {
        r->pos = i + 1;
        end_field(r);
        r->state = ST_FIELD;
    } else if (c == '\n' || c == '\r') {
        r->pos = i + 1;
        r->line++;
        end_field(r);
        r->state = c == '\r' ? ST_CRLF : ST_RECORD;
        return true;
    } else {
        /* "ab"c: the rest up to the delimiter is skipped */
        rec_fail_field(r, "text after closing quote");
        r->state = ST_UNQUOTED;
    }
    return false;
}

int csv_next(struct csv_reader *r, struct csv_record *rec,
             struct errinfo *ei)
{
    for (;;) {
        bool ended = false;

        if (r->pos >= r->end) {
            int rc = fill(r, ei);

            if (rc < 0)
                return -1;
            if (rc == 0)
                return at_eof(r, rec);
        }
        switch (r->state) {
        case ST_CRLF:
            step_crlf(r);
            break;
        case ST_RECORD:
            step_record(r);
            break;
        case ST_FIELD:
            step_field(r);
            break;
        case ST_UNQUOTED:
            ended = step_unquoted(r);
            break;
        case ST_QUOTED:
            step_quoted(r);
            break;
        case ST_QUOTE:
            ended = step_quote(r);
            break;
        }
        if (ended)
            return finish_record(r, rec);
    }
}
