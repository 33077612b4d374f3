/* erase_value(), erase_is_value(), erase_text(): what an erasure keeps. */
#include <stdlib.h>
#include <string.h>

#include "erase.h"
#include "harness.h"

static void test_value(void)
{
    char a[ERASE_VALUE_LEN], b[ERASE_VALUE_LEN];

    /* printf %s bob@x.example | sha256sum */
    T_OK(erase_value("bob@x.example", a));
    T_STR(a, "sha256:7832d9309020e043e851f1b7936f0934e57fccc68f62a661a414880191f9311e");
    /* every spelling of the address is one value */
    T_OK(erase_value("BoB@X.Example", b));
    T_STR(b, a);
    T_INT((int)strlen(a), ERASE_VALUE_LEN - 1);
    T_OK(erase_is_value(a));
    T_OK(!erase_is_value("bob@x.example"));
    T_OK(!erase_is_value("@x.example"));
    T_OK(!erase_is_value(NULL));
}

static const struct {
    const char *text, *addr;
    const char *want;    /* NULL: nothing to change */
} texts[] = {
    { "550 5.1.1 <bob@x.example>: unknown", "bob@x.example",
      "550 5.1.1 <[erased]>: unknown" },
    { "550 5.1.1 <BOB@X.EXAMPLE>: unknown", "bob@x.example",
      "550 5.1.1 <[erased]>: unknown" },
    { "bob@x.example, Bob@x.example", "bob@X.example",
      "[erased], [erased]" },
    { "bob@x.example", "bob@x.example", "[erased]" },
    { "550 5.1.1 user unknown", "bob@x.example", NULL },
    /* a prefix of the address is not the address */
    { "bob@x.exampl", "bob@x.example", NULL },
    /* another, longer address is another person */
    { "550 <jimbob@x.example>", "bob@x.example", NULL },
    { "550 <j.bob@x.example>", "bob@x.example", NULL },
    { "550 <bob@x.example.org>", "bob@x.example", NULL },
    { "550 <bob@x.example-2.org>", "bob@x.example", NULL },
    { "jimbob@x.example and bob@x.example.", "bob@x.example",
      "jimbob@x.example and [erased]." },
    { "mailto:bob@x.example;", "bob@x.example", "mailto:[erased];" },
    { "orcpt=rfc822;bob@x.example", "bob@x.example", "orcpt=rfc822;[erased]" },
    { "rcpt=bob@x.example", "bob@x.example", "rcpt=[erased]" },
    { "\"bob@x.example\"", "bob@x.example", "\"[erased]\"" },
    { "", "bob@x.example", NULL },
    { NULL, "bob@x.example", NULL },
    { "anything", "", NULL },
};

static void test_text(void)
{
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *got = erase_text(texts[i].text, texts[i].addr);

        printf("# case %zu\n", i);
        T_STR(got, texts[i].want);
        free(got);
    }
}

int main(void)
{
    T_RUN(test_value);
    T_RUN(test_text);
    return t_done();
}
