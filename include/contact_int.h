/*
 * contact_int.h - private to contact.c, contact_company.c and
 * contact_fields.c: the ASCII character classes they share (locale-free,
 * unlike <ctype.h>).  Pure.
 */
#ifndef MAILROTA_CONTACT_INT_H
#define MAILROTA_CONTACT_INT_H

#include <stdbool.h>

static inline bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

#endif
