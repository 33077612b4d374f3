#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#include "banned.h"

static int64_t start_real_ms; /* real time at start */
static int64_t start_ms;      /* MAILROTA_NOW, else the real time */
static int64_t scale = 1;     /* MAILROTA_CLOCK_SCALE (tests only) */
static int clock_ready;

static int64_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_init(struct errinfo *ei)
{
    const char *s = getenv("MAILROTA_NOW");
    int64_t t;

    const char *sc = getenv("MAILROTA_CLOCK_SCALE");
    char *end;
    long v;

    clock_ready = 1;
    start_real_ms = start_ms = real_ms();
    scale = 1;
    if (!s || !*s)
        return 0;
    if (time_parse_iso(s, &t) < 0)
        return err_set(ei, ERR_USAGE,
                       "MAILROTA_NOW='%s' is not a UTC time like "
                       "2026-11-22T02:00:00Z",
                       s);
    start_ms = t * 1000;
    /* Only with MAILROTA_NOW: a test runs a simulated day fast. */
    if (sc && *sc) {
        v = strtol(sc, &end, 10);
        if (*end || v < 1 || v > 100000)
            return err_set(ei, ERR_USAGE, "MAILROTA_CLOCK_SCALE='%s' is "
                           "not a whole number from 1 to 100000", sc);
        scale = v;
    }
    return 0;
}

int64_t clock_now_ms(void)
{
    if (!clock_ready)
        clock_init(NULL);
    return start_ms + (real_ms() - start_real_ms) * scale;
}

int64_t clock_real_ms(int64_t ms)
{
    if (!clock_ready)
        clock_init(NULL);
    return ms / scale;
}

int64_t clock_now(void)
{
    int64_t ms = clock_now_ms();
    return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

void clock_now_iso(char out[21])
{
    time_iso(clock_now(), out);
}

/* ---- time zones ---------------------------------------------------------- */

#define ZONE_FILE_MAX (1024 * 1024)
#define SYSTEM_ZONEINFO "/usr/share/zoneinfo"

struct zone {
    char *name;
    struct tz *tz;
};

static pthread_mutex_t zones_mu = PTHREAD_MUTEX_INITIALIZER;
static struct zone *zones;   /* kept until exit: clock_zone() lends them */
static size_t n_zones;

/* The bytes of dir/name: 1 read, 0 no such file, -1 error (errno), -2 not
 * a regular file of at most ZONE_FILE_MAX bytes. */
static int read_zone_file(const char *dir, const char *name,
                          unsigned char **buf, size_t *len)
{
    char *path = xasprintf("%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    ssize_t n;

    free(path);
    *buf = NULL;
    *len = 0;
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > ZONE_FILE_MAX) {
        close(fd);
        return -2;
    }
    *buf = xmalloc((size_t)st.st_size + 1);
    while (*len < (size_t)st.st_size) {
        n = read(fd, *buf + *len, (size_t)st.st_size - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        *len += (size_t)n;
    }
    close(fd);
    return 1;
}

static int load_zone(const char *name, struct tz **out, struct errinfo *ei)
{
    const char *tzdir = getenv("TZDIR"), *dir = SYSTEM_ZONEINFO;
    struct errinfo pei = { ERR_OK, "" };
    unsigned char *buf = NULL;
    size_t len = 0;
    int r = 0;

    if (!tz_name_ok(name))
        return err_set(ei, ERR_CONFIG, "invalid time zone name '%s': use an "
                       "IANA name such as America/Chicago", name);
    if (tzdir && *tzdir) {
        dir = tzdir;
        r = read_zone_file(dir, name, &buf, &len);
    }
    if (r == 0) {
        dir = SYSTEM_ZONEINFO;
        r = read_zone_file(dir, name, &buf, &len);
    }
    if (r <= 0)
        return err_set(ei, ERR_CONFIG, "time zone '%s': cannot read %s/%s: "
                       "%s (is tzdata installed?)", name, dir, name,
                       r == 0 ? "no such file"
                       : r == -2 ? "not a time zone file" : strerror(errno));
    r = tz_parse(buf, len, out, &pei);
    free(buf);
    if (r < 0)
        return err_set(ei, ERR_CONFIG, "time zone '%s': %s/%s: %s "
                       "(reinstall tzdata)", name, dir, name, pei.msg);
    return 0;
}

int clock_zone(const char *name, const struct tz **out, struct errinfo *ei)
{
    struct tz *z = NULL;
    int ret = 0;

    if (!name || !*name)
        name = "UTC";
    pthread_mutex_lock(&zones_mu);
    for (size_t i = 0; i < n_zones; i++) {
        if (strcmp(zones[i].name, name) == 0) {
            *out = zones[i].tz;
            goto out;
        }
    }
    if (strcmp(name, "UTC") == 0)
        z = tz_utc();
    else if (load_zone(name, &z, ei) < 0) {
        ret = -1;
        goto out;
    }
    zones = xrealloc(zones, (n_zones + 1) * sizeof(*zones));
    zones[n_zones].name = xstrdup(name);
    zones[n_zones].tz = z;
    n_zones++;
    *out = z;
out:
    pthread_mutex_unlock(&zones_mu);
    return ret;
}

int clock_utc_offset(int64_t t, const char *tz, int32_t *off,
                     struct errinfo *ei)
{
    const struct tz *z;

    if (clock_zone(tz, &z, ei) < 0)
        return -1;
    *off = tz_offset(z, t);
    return 0;
}

int clock_local_day(int64_t t, const char *tz, char out[11],
                    struct errinfo *ei)
{
    char iso[ISO_TIME_LEN];
    int32_t off;

    if (clock_utc_offset(t, tz, &off, ei) < 0)
        return -1;
    time_iso(t + off, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
    return 0;
}
