/* test_unsub.c - the per-recipient unsubscribe.url (unsub.c). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "unsub.h"

static const struct {
    const char *url;
    int want;
    int needs_key;
    const char *msg; /* part of the message, or NULL */
} checks[] = {
    {"https://x.example/u", 0, 0, NULL},
    {"https://x.example/u?e={{email}}", 0, 0, NULL},
    {"https://x.example/u?e={{EMAIL}}&t={{token}}", 0, 1, NULL},
    {"https://x.example/u?id={{contact_id}}", -1, 0, "{{contact_id}}"},
    {"https://x.example/u?e={{email|x}}", -1, 0, "{{email|...}}"},
    {"https://x.example/u?e={{email", -1, 0, "unclosed"},
};

static void test_check(void)
{
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        struct errinfo ei = {ERR_OK, ""};
        bool needs = false;

        T_INT(unsub_url_check(checks[i].url, &needs, &ei), checks[i].want);
        if (checks[i].want == 0)
            T_INT(needs, checks[i].needs_key);
        else
            T_OK(strstr(ei.msg, checks[i].msg) != NULL);
    }
}

static void test_render(void)
{
    unsigned char key[SECRET_KEY_LEN];
    struct errinfo ei = {ERR_OK, ""};
    char *out = NULL;

    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)(i + 1);
    /* the token: python3 hmac, K = HMAC(key, "mailrota-unsubscribe") */
    T_INT(unsub_url_render("https://x.example/u?e={{email}}&t={{token}}",
                           "Ann.O+x@ONE.example", key, &out, &ei),
          0);
    T_STR(out, "https://x.example/u?e=Ann.O%2Bx%40ONE.example&t="
               "ccafbecde3e788acb0e5a86df25bf3c2f9db6c12e52267f4ed3d3b1a842f1e39");
    free(out);
    out = NULL;
    T_INT(unsub_url_render("https://x.example/u/{{email}}", "a~b_c-d.e f@x",
                           NULL, &out, &ei),
          0);
    T_STR(out, "https://x.example/u/a~b_c-d.e%20f%40x");
    free(out);
    out = NULL;
    T_INT(unsub_url_render("https://x.example/u?t={{token}}", "a@x", NULL,
                           &out, &ei),
          -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(out == NULL);
}

int main(void)
{
    T_RUN(test_check);
    T_RUN(test_render);
    return t_done();
}
