/*
 * mime.c - an inbound message parsed with GMime 3.  See mime.h.
 *
 * The raw bytes go to GMime's parser once (headers only when the message
 * is over MIME_MAX_BYTES or names more multiparts than
 * MIME_MAX_MULTIPARTS: GMime's parser recurses per level).  Then one walk
 * over the tree, depth-bounded, picks the first delivery-status body, the
 * first returned original and the first text body; the returned
 * original's own parts are never taken for the reply's text.  Every
 * string is copied out of GMime (malloc'd, valid UTF-8) so nothing of
 * GMime outlives mime_parse().
 */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#include "util.h"

#include "banned.h"

#define MAX_DEPTH 32

static bool mime_ready;

void mime_global_init(void)
{
    if (mime_ready)
        return;
    g_mime_init();
    mime_ready = true;
}

void mime_global_shutdown(void)
{
    if (!mime_ready)
        return;
    g_mime_shutdown();
    mime_ready = false;
}

/* s[0..n) as a new string, valid UTF-8 (bad bytes become U+FFFD) without
 * NUL bytes. */
static char *dup_utf8(const char *s, size_t n)
{
    gchar *valid;
    char *out;

    if (!s)
        return xstrdup("");
    if (memchr(s, '\0', n))
        n = strlen(s);
    valid = g_utf8_make_valid(s, (gssize)n);
    out = xstrdup(valid);
    g_free(valid);
    return out;
}

/* Replaces *slot (freeing it) with a copy of s. */
static void set_str(char **slot, const char *s, size_t n)
{
    free(*slot);
    *slot = dup_utf8(s, n);
}

/* The length of s[0..n) cut to at most max bytes at a UTF-8 boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void reason(struct mime_msg *m, const char *why)
{
    if (!m->reason[0])
        snprintf(m->reason, sizeof(m->reason), "%s", why);
}

static void init_strings(struct mime_msg *m)
{
    char **all[] = {
        &m->from, &m->from_addr, &m->to, &m->to_addr, &m->subject,
        &m->message_id, &m->in_reply_to, &m->references, &m->auto_submitted,
        &m->x_autoreply, &m->x_autorespond, &m->precedence, &m->ms_is_ndr,
        &m->ms_rules_loop, &m->ms_generated, &m->return_path,
        &m->content_type, &m->report_type, &m->dsn, &m->orig_message_id,
        &m->orig_to, &m->body,
    };

    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
        *all[i] = xstrdup("");
}

void mime_release(struct mime_msg *m)
{
    char *all[] = {
        m->from, m->from_addr, m->to, m->to_addr, m->subject,
        m->message_id, m->in_reply_to, m->references, m->auto_submitted,
        m->x_autoreply, m->x_autorespond, m->precedence, m->ms_is_ndr,
        m->ms_rules_loop, m->ms_generated, m->return_path,
        m->content_type, m->report_type, m->dsn, m->orig_message_id,
        m->orig_to, m->body,
    };

    for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
        free(all[i]);
    memset(m, 0, sizeof(*m));
}

/* The first mailbox address of a list (groups looked into), or NULL. */
static const char *first_addr(InternetAddressList *list)
{
    int n = list ? internet_address_list_length(list) : 0;

    for (int i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        const char *a = NULL;

        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
        else if (INTERNET_ADDRESS_IS_GROUP(ia))
            a = first_addr(internet_address_group_get_members(
                INTERNET_ADDRESS_GROUP(ia)));
        if (a && *a)
            return a;
    }
    return NULL;
}

/* The list as one decoded line, into *text, and its first address. */
static void take_list(InternetAddressList *list, char **text, char **addr)
{
    char *s;

    if (!list || internet_address_list_length(list) == 0)
        return;
    s = internet_address_list_to_string(list, NULL, FALSE);
    set_str(text, s, s ? strlen(s) : 0);
    g_free(s);
    if (addr) {
        const char *a = first_addr(list);
        set_str(addr, a, a ? strlen(a) : 0);
    }
}

/* A header's unfolded value into *slot; whether the field is there. */
static bool take_header(GMimeObject *obj, const char *name, char **slot)
{
    const char *v = g_mime_object_get_header(obj, name);

    if (!v)
        return false;
    set_str(slot, v, strlen(v));
    return true;
}

static void take_headers(GMimeMessage *msg, struct mime_msg *m)
{
    GMimeObject *o = GMIME_OBJECT(msg);
    const char *s;

    take_list(g_mime_message_get_from(msg), &m->from, &m->from_addr);
    take_list(g_mime_message_get_to(msg), &m->to, &m->to_addr);
    s = g_mime_message_get_subject(msg);
    set_str(&m->subject, s, s ? strlen(s) : 0);
    s = g_mime_message_get_message_id(msg);
    set_str(&m->message_id, s, s ? strlen(s) : 0);
    take_header(o, "In-Reply-To", &m->in_reply_to);
    take_header(o, "References", &m->references);
    m->has_auto_submitted = take_header(o, "Auto-Submitted",
                                        &m->auto_submitted);
    m->has_x_autoreply = take_header(o, "X-Autoreply", &m->x_autoreply);
    m->has_x_autorespond = take_header(o, "X-Autorespond",
                                       &m->x_autorespond);
    take_header(o, "Precedence", &m->precedence);
    m->has_ms_is_ndr = take_header(o, "X-MS-Exchange-Message-Is-Ndr",
                                   &m->ms_is_ndr);
    m->has_ms_rules_loop = take_header(o, "X-MS-Exchange-Inbox-Rules-Loop",
                                       &m->ms_rules_loop);
    m->has_ms_generated = take_header(
        o, "X-MS-Exchange-Generated-Message-Source", &m->ms_generated);
    m->has_return_path = take_header(o, "Return-Path", &m->return_path);
}

static void take_content_type(GMimeObject *top, struct mime_msg *m)
{
    GMimeContentType *ct = top ? g_mime_object_get_content_type(top) : NULL;
    const char *rt;
    char *type;

    if (!ct)
        return;
    type = g_mime_content_type_get_mime_type(ct);
    set_str(&m->content_type, type, type ? strlen(type) : 0);
    str_lower(m->content_type);
    g_free(type);
    rt = g_mime_content_type_get_parameter(ct, "report-type");
    set_str(&m->report_type, rt, rt ? strlen(rt) : 0);
    str_lower(m->report_type);
}

/* A part's content, transfer encoding undone, at most max bytes; NULL
 * when it cannot be had. */
static GByteArray *part_bytes(GMimePart *part, size_t max, bool *cut)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *mem;
    GByteArray *out;

    *cut = false;
    if (!dw)
        return NULL;
    mem = g_mime_stream_mem_new();
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
    if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
        g_object_unref(mem);
        return NULL;
    }
    out = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    g_object_unref(mem);
    if (out->len > max) {
        g_byte_array_set_size(out, (guint)max);
        *cut = true;
    }
    return out;
}

static void take_dsn(GMimePart *part, struct mime_msg *m)
{
    bool cut;
    GByteArray *b = part_bytes(part, MIME_DSN_MAX, &cut);

    if (!b) {
        reason(m, "delivery-status part could not be decoded");
        return;
    }
    free(m->dsn);
    m->dsn = xmalloc(b->len + 1);
    if (b->len) /* an empty part's data is NULL */
        memcpy(m->dsn, b->data, b->len);
    m->dsn[b->len] = '\0';
    m->dsn_len = b->len;
    m->has_dsn = true;
    if (cut)
        reason(m, "delivery-status part cut at 64 KiB");
    g_byte_array_free(b, TRUE);
}

/* The returned original: a message (message/rfc822) or its header block
 * (text/rfc822-headers, parsed as a message without a body). */
static void take_original_msg(GMimeMessage *orig, struct mime_msg *m)
{
    const char *id = g_mime_message_get_message_id(orig);
    const char *to;

    set_str(&m->orig_message_id, id, id ? strlen(id) : 0);
    to = g_mime_object_get_header(GMIME_OBJECT(orig), "To");
    set_str(&m->orig_to, to, to ? strlen(to) : 0);
    m->has_original = true;
}

static void take_original_headers(GMimePart *part, struct mime_msg *m)
{
    bool cut;
    GByteArray *b = part_bytes(part, MIME_HEADER_MAX, &cut);
    GMimeStream *s;
    GMimeParser *p;
    GMimeMessage *orig;

    if (!b)
        return;
    g_byte_array_append(b, (const guint8 *)"\n\n", 2);
    s = g_mime_stream_mem_new_with_byte_array(b); /* takes b */
    p = g_mime_parser_new_with_stream(s);
    orig = g_mime_parser_construct_message(p, NULL);
    if (orig) {
        take_original_msg(orig, m);
        g_object_unref(orig);
    }
    g_object_unref(p);
    g_object_unref(s);
}

/* A text part as UTF-8, cut to the body cap (HTML made text first). */
static void take_text(GMimeTextPart *tp, bool html, struct mime_msg *m)
{
    char *text = g_mime_text_part_get_text(tp);
    size_t n;

    if (!text) {
        reason(m, "text part could not be decoded");
        return;
    }
    free(m->body);
    if (html) {
        m->body = mime_html_to_text(text, strlen(text), MIME_BODY_MAX);
    } else {
        n = utf8_cut(text, strlen(text), MIME_BODY_MAX);
        m->body = dup_utf8(text, n);
    }
    m->body_len = strlen(m->body);
    m->body_from_html = html;
    g_free(text);
}

struct walk {
    struct mime_msg *m;
    GMimeTextPart *plain, *html; /* first of each, outside originals */
};

static void walk(GMimeObject *obj, int depth, struct walk *w)
{
    GMimeContentType *ct;

    if (!obj)
        return;
    if (depth > MAX_DEPTH) {
        reason(w->m, "MIME parts nested too deeply");
        return;
    }
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);

        for (int i = 0; i < n; i++)
            walk(g_mime_multipart_get_part(mp, i), depth + 1, w);
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *orig =
            g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (orig && !w->m->has_original)
            take_original_msg(orig, w->m);
        return; /* the original's text is not the reply's */
    }
    if (!GMIME_IS_PART(obj))
        return;
    ct = g_mime_object_get_content_type(obj);
    if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
        g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
        if (!w->m->has_dsn)
            take_dsn(GMIME_PART(obj), w->m);
    } else if (g_mime_content_type_is_type(ct, "text", "rfc822-headers")) {
        if (!w->m->has_original)
            take_original_headers(GMIME_PART(obj), w->m);
    } else if (GMIME_IS_TEXT_PART(obj) &&
               !g_mime_part_is_attachment(GMIME_PART(obj))) {
        if (!w->plain && g_mime_content_type_is_type(ct, "text", "plain"))
            w->plain = GMIME_TEXT_PART(obj);
        else if (!w->html && g_mime_content_type_is_type(ct, "text", "html"))
            w->html = GMIME_TEXT_PART(obj);
    }
}

/* Counts "multipart/" and "message/" (any case) in raw: a bound on the
 * nesting GMime's recursive parser would go through. */
static size_t count_containers(const char *raw, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i + 8 <= len; i++) {
        char c = raw[i] | 0x20;

        if (c != 'm')
            continue;
        if ((i + 10 <= len &&
             g_ascii_strncasecmp(raw + i, "multipart/", 10) == 0) ||
            g_ascii_strncasecmp(raw + i, "message/", 8) == 0)
            n++;
    }
    return n;
}

/* The length of the header block of raw[0..len) (up to the blank line). */
static size_t header_len(const char *raw, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] != '\n')
            continue;
        if (raw[i + 1] == '\n')
            return i + 1;
        if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
            return i + 1;
    }
    return len;
}

static GMimeMessage *parse_bytes(const char *raw, size_t len, bool hdr_only)
{
    GByteArray *b = g_byte_array_sized_new((guint)len + 2);
    GMimeStream *s;
    GMimeParser *p;
    GMimeMessage *msg;

    g_byte_array_append(b, (const guint8 *)raw, (guint)len);
    if (hdr_only)
        g_byte_array_append(b, (const guint8 *)"\n\n", 2);
    s = g_mime_stream_mem_new_with_byte_array(b); /* takes b */
    p = g_mime_parser_new_with_stream(s);
    msg = g_mime_parser_construct_message(p, NULL);
    g_object_unref(p);
    g_object_unref(s);
    return msg;
}

int mime_parse(const char *raw, size_t len, struct mime_msg *m)
{
    GMimeMessage *msg;
    struct walk w;
    bool hdr_only = false;

    memset(m, 0, sizeof(*m));
    init_strings(m);
    mime_global_init();
    if (!raw)
        len = 0;
    if (len > MIME_MAX_BYTES) {
        hdr_only = true;
        reason(m, "message over 10 MiB: headers only");
    } else if (count_containers(raw, len) > MIME_MAX_MULTIPARTS) {
        hdr_only = true;
        reason(m, "too many nested MIME parts: headers only");
    }
    if (hdr_only) {
        len = header_len(raw, len);
        if (len > MIME_HEADER_MAX) {
            len = MIME_HEADER_MAX;
            reason(m, "header block over 1 MiB: cut");
        }
        m->headers_only = true;
    }
    msg = len ? parse_bytes(raw, len, hdr_only) : NULL;
    if (!msg) {
        reason(m, "not a message: no header could be read");
        return -1;
    }
    take_headers(msg, m);
    take_content_type(g_mime_message_get_mime_part(msg), m);
    if (!hdr_only) {
        memset(&w, 0, sizeof(w));
        w.m = m;
        walk(g_mime_message_get_mime_part(msg), 0, &w);
        if (w.plain)
            take_text(w.plain, false, m);
        else if (w.html)
            take_text(w.html, true, m);
    }
    g_object_unref(msg);
    return m->reason[0] ? -1 : 0;
}

/* The entity at s (after '&') as UTF-8 into out; its length in s (up to
 * and with ';'), or 0 when it is not one. */
static size_t entity(const char *s, size_t n, struct strbuf *out)
{
    static const struct { const char *name; const char *text; } named[] = {
        {"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""},
        {"apos;", "'"}, {"nbsp;", " "},
    };
    char utf8[8];
    gunichar c = 0;
    size_t i = 1;

    for (size_t k = 0; k < sizeof(named) / sizeof(*named); k++) {
        size_t l = strlen(named[k].name);
        if (n >= l && g_ascii_strncasecmp(s, named[k].name, l) == 0) {
            sb_adds(out, named[k].text);
            return l;
        }
    }
    if (n < 3 || s[0] != '#')
        return 0;
    if (s[1] == 'x' || s[1] == 'X') {
        for (i = 2; i < n && i < 10 && g_ascii_isxdigit(s[i]); i++)
            c = c * 16 + (gunichar)g_ascii_xdigit_value(s[i]);
    } else {
        for (; i < n && i < 9 && g_ascii_isdigit(s[i]); i++)
            c = c * 10 + (gunichar)(s[i] - '0');
    }
    if (i >= n || s[i] != ';' || !g_unichar_validate(c) || c == 0)
        return 0;
    sb_add(out, utf8, (size_t)g_unichar_to_utf8(c, utf8));
    return i + 1;
}

/* Which of names ("br", ...) the tag at s ('<' passed) is, or NULL. */
static const char *tag_in(const char *s, size_t n, const char *const *names)
{
    if (n && *s == '/') {
        s++;
        n--;
    }
    for (; *names; names++) {
        size_t l = strlen(*names);
        if (n >= l && g_ascii_strncasecmp(s, *names, l) == 0 &&
            (n == l || !g_ascii_isalnum(s[l])))
            return *names;
    }
    return NULL;
}

/* Where the element whose name is at s ends: past "</name ...>". */
static size_t skip_element(const char *h, size_t len, size_t i,
                           const char *name)
{
    size_t l = strlen(name);

    for (; i + l + 2 < len; i++)
        if (h[i] == '<' && h[i + 1] == '/' &&
            g_ascii_strncasecmp(h + i + 2, name, l) == 0)
            break;
    while (i < len && h[i] != '>')
        i++;
    return i < len ? i + 1 : len;
}

char *mime_html_to_text(const char *h, size_t len, size_t max)
{
    static const char *const breaks[] = {"br", "p", "div", "tr", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", NULL};
    static const char *const hidden[] = {"script", "style", "head", NULL};
    struct strbuf out;
    size_t i = 0;
    char *s;

    sb_init(&out, 0);
    /* one byte past max, so that utf8_cut sees where a character ends */
    while (i < len && out.len <= max) {
        char c = h[i];

        if (c == '<' && i + 3 < len && memcmp(h + i, "<!--", 4) == 0) {
            const char *e = g_strstr_len(h + i + 4, (gssize)(len - i - 4),
                                         "-->");
            i = e ? (size_t)(e - h) + 3 : len;
        } else if (c == '<') {
            const char *gt = memchr(h + i, '>', len - i);
            size_t tl = gt ? (size_t)(gt - h) - i - 1 : len - i - 1;
            const char *hide = i + 1 < len && h[i + 1] == '/'
                                   ? NULL : tag_in(h + i + 1, tl, hidden);

            if (hide) {
                i = skip_element(h, len, i + 1, hide);
                continue;
            }
            if (tag_in(h + i + 1, tl, breaks))
                sb_addch(&out, '\n');
            i = gt ? (size_t)(gt - h) + 1 : len;
        } else if (c == '&') {
            size_t used = entity(h + i + 1, len - i - 1, &out);
            if (!used)
                sb_addch(&out, '&');
            i += 1 + used;
        } else if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
            if (out.len && out.buf[out.len - 1] != ' ' &&
                out.buf[out.len - 1] != '\n')
                sb_addch(&out, ' ');
            i++;
        } else {
            sb_addch(&out, c);
            i++;
        }
    }
    out.len = utf8_cut(out.buf, out.len, max);
    out.buf[out.len] = '\0';
    s = dup_utf8(out.buf, out.len);
    sb_release(&out);
    return s;
}
