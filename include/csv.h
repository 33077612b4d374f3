/*
 * csv.h - a streaming RFC 4180 reader.
 *
 * Bytes come in through a read callback, so the module does no I/O of its
 * own and reads a file of any length in bounded memory: one 64 KiB chunk
 * plus the current record, which is at most max_fields fields of at most
 * max_field bytes each.  Pure.
 *
 * Accepted input:
 *   - an optional UTF-8 byte order mark at the very start (stripped);
 *   - records ended by LF, CRLF, or a lone CR (old Mac exports), and a last
 *     record with no line ending at all;
 *   - quoted fields with embedded commas, CR, LF and "" (one quote); a CR or
 *     CRLF inside quotes is data and is kept as written;
 *   - a quote inside an unquoted field (ab"c) is kept literally, as most
 *     spreadsheet exports expect;
 *   - fields separated by ',' or another delimiter (csv_set_delimiter()).
 * Before the first record the reader gathers the first line (at most one
 * chunk) so a BOM, UTF-16 and the delimiter are judged on whole bytes.
 * Completely empty lines are skipped and never reported.  A line holding
 * only spaces or commas is a record like any other.
 *
 * Line numbers are physical lines, 1-based (the header is line 1).  A line
 * ends at LF, at CRLF, or at a lone CR outside quotes; inside quotes only LF
 * counts, so a CRLF in a quoted field is one line break, as an editor shows.
 *
 * Record errors (rec->error != NULL): the reader has already skipped to the
 * end of the bad record, respecting quotes, and the next csv_next() returns
 * the record after it.  The first problem found names the record, except
 * that an unterminated quote always wins, since it explains the rest:
 *   "NUL byte in field N"
 *   "invalid UTF-8 in field N"
 *   "field N longer than MAX bytes"
 *   "more than MAX fields"
 *   "text after closing quote in field N"   ("ab"c)
 *   "unterminated quoted field"             (EOF inside quotes)
 *   "UTF-16 text (a UTF-16 byte order mark): save the file as UTF-8"
 *                                           (every record of a file that
 *                                           starts with FF FE or FE FF)
 *   "UTF-16 text (a NUL every other byte): save the file as UTF-8"
 *                                           (every record of a file whose
 *                                           first bytes, at least 4,
 *                                           alternate NUL and non-NUL;
 *                                           csv_utf16() tells)
 * Field numbers are 1-based.
 */
#ifndef MAILROTA_CSV_H
#define MAILROTA_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/*
 * Reads up to n bytes into buf.  Returns the number of bytes read (> 0), 0
 * at end of input, or -1 on a read error (errno is the callback's to set
 * and the caller's to report).  Once it has returned 0 or -1 it is not
 * called again.
 */
typedef long (*csv_read_fn)(void *ctx, char *buf, size_t n);

struct csv_record {
    size_t nfields;
    /*
     * NUL-terminated, valid UTF-8 without NUL bytes.  Owned by the reader;
     * valid until the next csv_next() or csv_free().  Empty (nfields 0)
     * when error is set.
     */
    char **fields;
    size_t *lens;      /* byte length of each field */
    long line;         /* physical line on which the record starts */
    /*
     * NULL for a good record; else why the record is bad (see above), a
     * lower-case phrase owned by the reader with the lifetime of fields.
     */
    const char *error;
};

struct csv_reader;

/*
 * Creates a reader pulling bytes from fn(ctx, ...) in 64 KiB chunks.
 * max_field bounds each field in bytes (e.g. 65536) and max_fields the
 * number of fields in a record (e.g. 1024); both must be at least 1.
 * Returns a reader to release with csv_free(); aborts on out-of-memory only.
 * Pure.
 */
struct csv_reader *csv_new(csv_read_fn fn, void *ctx, size_t max_field,
                           size_t max_fields);

/*
 * Reads the next record into *rec.  Returns 1 when a record was read (check
 * rec->error), 0 at end of input (and on every later call), or -1 when the
 * read callback failed; the reader then keeps returning -1.
 * Errors: ERR_IO (read error).  Pure.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec,
             struct errinfo *ei);

/*
 * Sets the field delimiter before the first csv_next(): any byte but '"',
 * CR, LF and NUL; ',' by default.  '\0' detects it from the first line
 * (the header): ',' when it holds one outside quotes, else ';' when it holds
 * one, else a tab when it holds one, else ','.  Pure.
 */
void csv_set_delimiter(struct csv_reader *r, char delim);

/* The delimiter in use; after detection, the one detected.  Pure. */
char csv_delimiter(const struct csv_reader *r);

/*
 * True when the input is UTF-16 (a byte order mark, or a NUL every other
 * byte in the first bytes); every record is then an error.  Pure.
 */
bool csv_utf16(const struct csv_reader *r);

/* Physical lines consumed so far (1-based number of the current line). */
long csv_line(const struct csv_reader *r);

/* Frees the reader and the current record; csv_free(NULL) is a no-op. */
void csv_free(struct csv_reader *r);

#endif
