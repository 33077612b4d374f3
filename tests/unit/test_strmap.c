/* strmap: the import's company map (issue 17). */
#include <stdio.h>

#include "harness.h"
#include "strmap.h"

static void test_basic(void)
{
    struct strmap m;
    int64_t v = -1;

    strmap_init(&m);
    T_OK(!strmap_get(&m, "acme", &v));
    strmap_put(&m, "acme", 7);
    T_OK(strmap_get(&m, "acme", &v));
    T_INT(v, 7);
    T_OK(!strmap_get(&m, "ACME", NULL));
    T_OK(!strmap_get(&m, "acm", NULL));
    strmap_put(&m, "acme", 9);
    T_OK(strmap_get(&m, "acme", &v));
    T_INT(v, 9);
    T_INT(m.len, 1);
    strmap_put(&m, "", 3);
    T_OK(strmap_get(&m, "", &v));
    T_INT(v, 3);
    strmap_free(&m);
    T_OK(!strmap_get(&m, "acme", NULL));
}

/* Growth keeps every key, and each its own value. */
static void test_many(void)
{
    struct strmap m;
    char key[32];
    int64_t v;
    int bad = 0;

    strmap_init(&m);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "company-%d.example", i);
        strmap_put(&m, key, (int64_t)i * 2 + 1);
    }
    T_INT(m.len, 20000);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "company-%d.example", i);
        if (!strmap_get(&m, key, &v) || v != (int64_t)i * 2 + 1)
            bad++;
    }
    T_INT(bad, 0);
    T_OK(!strmap_get(&m, "company-20000.example", NULL));
    T_OK(m.len * 2 <= m.cap);
    strmap_free(&m);
}

int main(void)
{
    T_RUN(test_basic);
    T_RUN(test_many);
    return t_done();
}
