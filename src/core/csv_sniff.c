/*
 * csv_sniff.c - guesses from the first bytes of a CSV input: its delimiter
 * and whether it is UTF-16 without a byte order mark.  Pure.
 */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include "csv_int.h"

#include "banned.h"

bool csv_sniff(const unsigned char *b, size_t n, char *delim)
{
    size_t i = 0, comma = 0, semi = 0, tab = 0;
    bool quoted = false, done = false;

    if (n >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (b[i] == '\n' || b[i] == '\r'))
        i++;
    for (; i < n && !done; i++) {
        if (b[i] == '"')
            quoted = !quoted;
        else if (!quoted && (b[i] == '\n' || b[i] == '\r'))
            done = true;
        else if (!quoted)
            comma += b[i] == ',', semi += b[i] == ';', tab += b[i] == '\t';
    }
    *delim = comma ? ',' : semi ? ';' : tab ? '\t' : ',';
    return done;
}


bool csv_utf16_nul_pattern(const unsigned char *b, size_t n)
{
    size_t zero[2] = { 0, 0 };

    if (n > CSV_SNIFF_MIN)
        n = CSV_SNIFF_MIN;
    n &= ~(size_t)1;
    if (n < 4)
        return false;
    for (size_t i = 0; i < n; i++)
        zero[i & 1] += b[i] == 0;
    return (zero[0] == 0 && zero[1] == n / 2) ||
           (zero[1] == 0 && zero[0] == n / 2);
}
