#include "crashpoint.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

#define CRASH_NAME_MAX 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char want[CRASH_NAME_MAX];
static long want_pass;          /* 0: crashing is off */
static long passes;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void load(void)
{
    const char *v = getenv("MAILROTA_TEST_CRASH");
    const char *colon;
    size_t n;

    if (!v || !*v)
        return;
    colon = strchr(v, ':');
    n = colon ? (size_t)(colon - v) : strlen(v);
    if (n == 0 || n >= sizeof(want))
        return;
    memcpy(want, v, n);
    want[n] = '\0';
    want_pass = 1;
    if (colon) {
        char *end;
        long k = strtol(colon + 1, &end, 10);
        want_pass = (*end == '\0' && k > 0) ? k : 0;
    }
}

void crash_point(const char *name)
{
    bool hit;

    pthread_once(&once, load);
    if (!want_pass || strcmp(name, want) != 0)
        return;
    pthread_mutex_lock(&mu);
    hit = ++passes == want_pass;
    pthread_mutex_unlock(&mu);
    if (hit) {
        kill(getpid(), SIGKILL);
        _exit(137);   /* not reached */
    }
}
