/*
 * import_cols.c - the shape of a contacts CSV for `import contacts`: which
 * column fills which field and under which fields_json key each is kept,
 * the --delimiter argument, and which lines are blank.
 */
#include "import_cols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#include "banned.h"

/* The canonical name of each known field, as in the contacts table. */
static const char *const field_names[] = {
    [CONTACT_FIELD_EMAIL] = "email",
    [CONTACT_FIELD_FIRST_NAME] = "first_name",
    [CONTACT_FIELD_LAST_NAME] = "last_name",
    [CONTACT_FIELD_TITLE] = "title",
    [CONTACT_FIELD_COMPANY] = "company",
    [CONTACT_FIELD_DOMAIN] = "domain",
    [CONTACT_FIELD_TIMEZONE] = "timezone",
};

/*
 * Gives column i its fields_json key: the header folded, made unique with
 * "_2", "_3" ... when an earlier column has it, so no column is dropped.
 */
static void set_key(struct import_cols *im, size_t i, char *key)
{
    size_t n = 1, len;
    char *k;
    bool taken;

    if (!key)
        return;
    len = strlen(key) + 24;
    k = xstrdup(key);
    do {
        taken = false;
        for (size_t j = 0; j < im->ncols && !taken; j++)
            taken = j != i && im->cols[j].key && strcmp(im->cols[j].key, k) == 0;
        for (size_t f = 0; f <= CONTACT_FIELD_LAST && !taken; f++)
            taken = im->col_of[f] >= 0 && (size_t)im->col_of[f] != i &&
                    field_names[f] && strcmp(field_names[f], k) == 0;
        if (taken) {
            free(k);
            k = xmalloc(len);
            snprintf(k, len, "%s_%zu", key, ++n);
        }
    } while (taken);
    free(key);
    im->cols[i].key = k;
}

/*
 * A known column fills its field; under another name ("Company Name") it
 * is also kept under that name, so {{company_name}} works as SPEC says,
 * and a domain column is kept under any name.  A
 * second column for a field already taken ("Role" beside "Title") is kept
 * under its own name only, and the import says so once.
 */
static void setup_column(struct import_cols *im, const char *name,
                         size_t i, char *h)
{
    enum contact_field f = contact_header_field(h);
    char *key = contact_field_key(h);

    if (f != CONTACT_FIELD_EXTRA && im->col_of[f] >= 0) {
        long first = im->col_of[f] + 1;

        im->cols[i].field = CONTACT_FIELD_EXTRA;
        set_key(im, i, key);
        log_warnx("%s:1: column '%s' is another name for %s, already "
                  "column %ld; kept as {{%s}} only", name, sanitize(h),
                  field_names[f], first, im->cols[i].key);
        return;
    }
    im->cols[i].field = f;
    if (f != CONTACT_FIELD_EXTRA) {
        im->col_of[f] = (long)i;
        /* domain has no contacts column (it only finds the company, whose
         * domain may differ): it is kept, as {{domain}} too; so is
         * timezone, as {{timezone}} was before it had a column */
        if (key && strcmp(key, field_names[f]) == 0 &&
            f != CONTACT_FIELD_DOMAIN && f != CONTACT_FIELD_TIMEZONE) {
            free(key);
            return;
        }
    }
    set_key(im, i, key);
}

int import_cols_setup(struct import_cols *im, const char *name,
                      const struct csv_record *hdr, struct errinfo *ei)
{
    for (size_t f = 0; f <= CONTACT_FIELD_LAST; f++)
        im->col_of[f] = -1;
    im->ncols = hdr->nfields;
    im->cols = xcalloc(hdr->nfields, sizeof(*im->cols));
    /* Known columns first, so an extra column never takes their key. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < hdr->nfields; i++) {
            char *h = str_trim(xstrdup(hdr->fields[i]));
            bool known = contact_header_field(h) != CONTACT_FIELD_EXTRA;

            if (*h && known == (pass == 0))
                setup_column(im, name, i, h);
            free(h);
        }
    }
    if (im->col_of[CONTACT_FIELD_EMAIL] < 0)
        return err_set(ei, ERR_DATA,
                       "%s:1: no email column: the header row must name one "
                       "('email', 'E-mail' or 'Email Address')",
                       name);
    return 0;
}

/*
 * A line of only whitespace is a blank line, ignored like an empty one:
 * one blank field, or with a whitespace delimiter only blank fields.  A
 * line of commas is a row (with no email).
 */
bool import_blank_line(char delim, const struct csv_record *rec)
{
    if (rec->error || (rec->nfields != 1 && delim != '\t' && delim != ' '))
        return false;
    for (size_t i = 0; i < rec->nfields; i++)
        if (!str_blank(rec->fields[i]))
            return false;
    return true;
}

/* --delimiter C: one character but '"', CR and LF, or "tab" / "\\t". */
int import_parse_delimiter(const char *arg, char *delim, struct errinfo *ei)
{
    if (str_ieq(arg, "tab") || strcmp(arg, "\\t") == 0) {
        *delim = '\t';
        return 0;
    }
    if (strlen(arg) != 1 || strchr("\"\r\n", arg[0]))
        return err_set(ei, ERR_USAGE, "import contacts: --delimiter takes "
                       "one character other than '\"' (or 'tab'), not '%s'",
                       arg);
    *delim = arg[0];
    return 0;
}

const char *import_field_name(enum contact_field f)
{
    return field_names[f];
}

void import_cols_free(struct import_cols *c)
{
    for (size_t i = 0; i < c->ncols; i++)
        free(c->cols[i].key);
    free(c->cols);
    c->cols = NULL;
    c->ncols = 0;
}
