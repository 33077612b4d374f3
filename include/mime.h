/*
 * mime.h - an inbound message, parsed with GMime 3 into plain C strings
 * for the pure classifier (inbound_class.h): the header fields SPEC
 * "Inbound" looks at, the raw delivery-status body, the returned
 * original's Message-ID and To, and the first text body as UTF-8.  No
 * GMime type appears here.
 *
 * GMime keeps global state: mime_global_init() must run once, before any
 * mime_parse() and before a second thread exists (g_mime_init is not
 * thread-safe).  The `inbox` command (or `run`, before it reads) calls
 * it; mime_parse() also calls it when nobody has, which is safe only in a
 * single-threaded process (the unit tests and fuzz targets).
 * mime_global_shutdown() frees it at exit (optional; for leak checkers).
 */
#ifndef MAILROTA_MIME_H
#define MAILROTA_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "inbound_msg.h"

/* Once per process, before threads (see above).  Idempotent. */
void mime_global_init(void);
void mime_global_shutdown(void);

/*
 * Parses raw[0..len) into m (which it initialises).  Never fails: a
 * malformed, truncated or hostile message yields what could be read and
 * a reason; returns 0 when the message parsed cleanly, -1 when m->reason
 * says what went wrong.  mime_release() frees m either way.
 */
int mime_parse(const char *raw, size_t len, struct mime_msg *m);
void mime_release(struct mime_msg *m);

/*
 * HTML as text (pure): tags dropped, script/style bodies dropped, <br>,
 * <p>, <div>, <tr>, <li> and headings as line breaks, the common entities
 * and numeric references decoded.  Returns a new string (xmalloc) of at
 * most max bytes (cut at a UTF-8 boundary).
 */
char *mime_html_to_text(const char *html, size_t len, size_t max);

#endif
