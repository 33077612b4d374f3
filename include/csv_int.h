/*
 * csv_int.h - private to csv.c and csv_sniff.c: what the reader guesses
 * from the first bytes of its input.  Pure.
 */
#ifndef MAILROTA_CSV_INT_H
#define MAILROTA_CSV_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes gathered before the UTF-16 check, however the input is chunked,
 * so that the verdict never depends on how the reads were cut. */
#define CSV_SNIFF_MIN 16

/*
 * The delimiter of the first non-blank line of b[0..n): ',' when it holds
 * one outside quotes, else ';', else a tab, else ','.  Returns whether that
 * line is complete in b (a line break outside quotes ends it).
 */
bool csv_sniff(const unsigned char *b, size_t n, char *delim);

/*
 * UTF-16 without a byte order mark: in its first bytes (at least 4), every
 * other byte is NUL and the others are not, as ASCII text in UTF-16 is.
 */
bool csv_utf16_nul_pattern(const unsigned char *b, size_t n);

#endif
