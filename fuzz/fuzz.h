/*
 * fuzz.h - what the libFuzzer targets share: a check that aborts (so
 * libFuzzer reports the input) and a reader that cuts the input into
 * pieces.
 */
#ifndef MAILROTA_FUZZ_H
#define MAILROTA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code promises: a violation is a bug like a crash. */
#define FUZZ_ASSERT(cond)                                                   \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__,     \
                    __LINE__, #cond);                                       \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* The input, consumed from the front. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

/* The next byte, 0 once the input is used up. */
static inline uint8_t fuzz_byte(struct fuzz_in *in)
{
    uint8_t b = 0;

    if (in->n) {
        b = *in->p++;
        in->n--;
    }
    return b;
}

/*
 * The bytes up to the next NUL (or the end) as a new NUL-terminated
 * string; the NUL is consumed.  *len (may be NULL) gets its length.
 */
static inline char *fuzz_str(struct fuzz_in *in, size_t *len)
{
    const uint8_t *nul = in->n ? memchr(in->p, '\0', in->n) : NULL;
    size_t k = nul ? (size_t)(nul - in->p) : in->n;
    char *s = malloc(k + 1);

    if (!s)
        abort();
    if (k)
        memcpy(s, in->p, k);
    s[k] = '\0';
    in->p += k;
    in->n -= k;
    if (nul) {
        in->p++;
        in->n--;
    }
    if (len)
        *len = k;
    return s;
}

#endif
