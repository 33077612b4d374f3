/* SHA-256 hex against FIPS 180-2's test vectors. */
#include <string.h>

#include "digest.h"
#include "harness.h"

static void test_vectors(void)
{
    static const struct {
        const char *in, *hex;
    } cases[] = {
        { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    };
    char out[DIGEST_HEX_LEN + 1];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].in;
        T_INT(digest_sha256_hex(cases[i].in, strlen(cases[i].in), out), 0);
        T_STR(out, cases[i].hex);
    }
}

static void test_hex(void)
{
    const unsigned char b[] = { 0x00, 0x0f, 0xa5, 0xff };
    char out[9];

    digest_hex(b, sizeof(b), out);
    T_STR(out, "000fa5ff");
    digest_hex(b, 0, out);
    T_STR(out, "");
}

int main(void)
{
    T_RUN(test_vectors);
    T_RUN(test_hex);
    return t_done();
}
