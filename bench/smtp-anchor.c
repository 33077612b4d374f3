/*
 * smtp-anchor.c - the send benchmark's anchor: raw libcurl sending N
 * prepared messages over K reused connections (one thread and one easy
 * handle per connection), STARTTLS required, AUTH PLAIN, trusting one CA
 * file as mailrota's test config does.  Not part of the product; built by
 * `make bench` into build/smtp-anchor and run by bench/send.sh.
 *
 *   smtp-anchor PORT CA_FILE USERS_FILE K N MESSAGE_FILE
 *
 * USERS_FILE holds "email:password" lines; connection i (0-based) logs in
 * as line i + 1 and sends messages i, i + K, i + 2K, ... from that
 * address to c%04d@co%04d.example (message number + 1), the recipients
 * mailrota's benchmark contacts have.  Prints one line:
 *   anchor: sent N in W s, CPU U s user, S s sys
 * and exits 0 only when every message got a 250.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct conn {
    pthread_t th;
    int index, k, n, port, sent;
    const char *ca, *msg;
    size_t msg_len;
    char user[256], pass[256];
};

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
    struct reader *r = ud;
    size_t n = size * nmemb;

    if (n > r->left)
        n = r->left;
    memcpy(buf, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

static void setup(CURL *h, const struct conn *c, char *url, size_t cap)
{
    snprintf(url, cap, "smtp://127.0.0.1:%d/anchor.example", c->port);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca);
    curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, c->pass);
    curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
}

static int send_one(CURL *h, const struct conn *c, int i)
{
    char from[300], rcpt[80];
    struct curl_slist *to;
    struct reader r = { c->msg, c->msg_len };
    CURLcode rc;

    snprintf(from, sizeof(from), "<%s>", c->user);
    snprintf(rcpt, sizeof(rcpt), "<c%04d@co%04d.example>", i + 1, i + 1);
    to = curl_slist_append(NULL, rcpt);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    rc = curl_easy_perform(h);
    curl_slist_free_all(to);
    if (rc != CURLE_OK) {
        fprintf(stderr, "anchor: message %d as %s: %s\n", i + 1, c->user,
                curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    char url[128];
    CURL *h = curl_easy_init();

    if (!h)
        return NULL;
    setup(h, c, url, sizeof(url));
    for (int i = c->index; i < c->n; i += c->k) {
        if (send_one(h, c, i) < 0)
            break;
        c->sent++;
    }
    curl_easy_cleanup(h);
    return NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static int read_users(const char *path, struct conn *cs, int k)
{
    FILE *f = fopen(path, "r");
    char line[600];
    int i = 0;

    if (!f)
        return -1;
    while (i < k && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        line[strcspn(line, "\r\n")] = '\0';
        if (!colon || colon - line >= (long)sizeof(cs[i].user) ||
            strlen(colon + 1) >= sizeof(cs[i].pass))
            break;
        *colon = '\0';
        strcpy(cs[i].user, line);
        strcpy(cs[i].pass, colon + 1);
        i++;
    }
    fclose(f);
    return i == k ? 0 : -1;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(struct conn *cs, int k, int n)
{
    struct rusage ru;
    double t0 = now_s(), wall;
    int sent = 0;

    for (int i = 0; i < k; i++)
        if (pthread_create(&cs[i].th, NULL, conn_main, &cs[i]) != 0)
            return -1;
    for (int i = 0; i < k; i++) {
        pthread_join(cs[i].th, NULL);
        sent += cs[i].sent;
    }
    wall = now_s() - t0;
    getrusage(RUSAGE_SELF, &ru);
    printf("anchor: sent %d in %.3f s, CPU %.3f s user, %.3f s sys\n", sent,
           wall, (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    return sent == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct conn *cs;
    size_t len = 0;
    char *msg;
    int k, n, port, rc;

    if (argc != 7) {
        fprintf(stderr, "usage: smtp-anchor PORT CA_FILE USERS_FILE K N"
                        " MESSAGE_FILE\n");
        return 64;
    }
    port = atoi(argv[1]);
    k = atoi(argv[4]);
    n = atoi(argv[5]);
    msg = slurp(argv[6], &len);
    if (port <= 0 || k <= 0 || n <= 0 || !msg) {
        fprintf(stderr, "anchor: bad arguments or unreadable %s\n", argv[6]);
        return 64;
    }
    cs = calloc((size_t)k, sizeof(*cs));
    if (!cs || read_users(argv[3], cs, k) < 0) {
        fprintf(stderr, "anchor: %s has fewer than %d users\n", argv[3], k);
        return 64;
    }
    for (int i = 0; i < k; i++) {
        cs[i].index = i;
        cs[i].k = k;
        cs[i].n = n;
        cs[i].port = port;
        cs[i].ca = argv[2];
        cs[i].msg = msg;
        cs[i].msg_len = len;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = run(cs, k, n);
    curl_global_cleanup();
    free(cs);
    free(msg);
    return rc == 0 ? 0 : 1;
}
