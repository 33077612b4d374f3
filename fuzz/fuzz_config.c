/*
 * fuzz_config.c - the YAML config loader (config.h) on arbitrary files.
 *
 * config_load() reads a path (it needs the file's permission bits), so
 * each input is written to one private temporary file (mode 0640, so the
 * group-readable secret-source check runs too) and loaded on top of the
 * defaults.
 *
 * Checked, as config.h and config.c promise: a failed load is an
 * ERR_CONFIG naming the file, its message holds no control character
 * (values are quoted through show()), and it leaves the config exactly as
 * it was; a successful load holds every number in its key's range, no CR
 * or LF in any string, lower-cased unique domains, no plaintext security
 * without allow_plaintext_auth; and loading the same file again on top of
 * the result changes nothing.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#include "fuzz.h"

#include "banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char tmp_path[256];

static void remove_tmp(void)
{
    if (tmp_path[0])
        unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dir = getenv("TMPDIR");
    int fd;

    (void)argc;
    (void)argv;
    if (access("/dev/shm", W_OK) == 0)
        dir = "/dev/shm";
    else if (!dir || !*dir)
        dir = "/tmp";
    snprintf(tmp_path, sizeof(tmp_path), "%s/mailrota-fuzz-config-XXXXXX",
             dir);
    fd = mkstemp(tmp_path);
    if (fd < 0) {
        perror(tmp_path);
        abort();
    }
    close(fd);
    atexit(remove_tmp);
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    int fd = open(tmp_path, O_WRONLY | O_TRUNC | O_CLOEXEC);

    if (fd < 0 || fchmod(fd, 0640) < 0) {
        perror(tmp_path);
        abort();
    }
    while (size) {
        ssize_t w = write(fd, data, size);

        if (w <= 0) {
            perror(tmp_path);
            abort();
        }
        data += w;
        size -= (size_t)w;
    }
    close(fd);
}

static bool str_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool config_same(const struct config *a, const struct config *b)
{
    const char *const sa[] = {
        a->path, a->dir, a->database, a->timezone, a->key_file,
        a->tls.ca_file, a->smtp.host, a->smtp.helo_name, a->oauth.tenant_id,
        a->oauth.client_id, a->oauth.client_secret_env,
        a->oauth.client_secret_cmd, a->oauth.token_url, a->oauth.scope,
        a->graph.base_url, a->graph.scope, a->unsubscribe.mailto,
        a->unsubscribe.url,
    };
    const char *const sb[] = {
        b->path, b->dir, b->database, b->timezone, b->key_file,
        b->tls.ca_file, b->smtp.host, b->smtp.helo_name, b->oauth.tenant_id,
        b->oauth.client_id, b->oauth.client_secret_env,
        b->oauth.client_secret_cmd, b->oauth.token_url, b->oauth.scope,
        b->graph.base_url, b->graph.scope, b->unsubscribe.mailto,
        b->unsubscribe.url,
    };

    for (size_t i = 0; i < sizeof(sa) / sizeof(sa[0]); i++)
        if (!str_same(sa[i], sb[i]))
            return false;
    if (a->n_free_mail_domains != b->n_free_mail_domains)
        return false;
    for (size_t i = 0; i < a->n_free_mail_domains; i++)
        if (!str_same(a->free_mail_domains[i], b->free_mail_domains[i]))
            return false;
    return a->tls.verify_peer == b->tls.verify_peer &&
           a->smtp.port == b->smtp.port &&
           a->smtp.security == b->smtp.security &&
           a->smtp.allow_plaintext_auth == b->smtp.allow_plaintext_auth &&
           a->smtp.timeout_seconds == b->smtp.timeout_seconds &&
           memcmp(&a->rules, &b->rules, sizeof(a->rules)) == 0 &&
           a->insecure_secret_source == b->insecure_secret_source;
}

static void check_string(const char *s, bool may_be_null)
{
    if (!s) {
        FUZZ_ASSERT(may_be_null);
        return;
    }
    FUZZ_ASSERT(strpbrk(s, "\r\n") == NULL);
}

#define IN_RANGE(v, lo, hi) FUZZ_ASSERT((v) >= (lo) && (v) <= (hi))

static void check_loaded(const struct config *c)
{
    FUZZ_ASSERT(str_same(c->path, tmp_path));
    check_string(c->dir, false);
    check_string(c->database, false);
    check_string(c->timezone, false);
    check_string(c->key_file, false);
    check_string(c->tls.ca_file, true);
    check_string(c->smtp.host, false);
    check_string(c->smtp.helo_name, true);
    check_string(c->oauth.tenant_id, false);
    check_string(c->oauth.client_id, false);
    check_string(c->oauth.client_secret_env, true);
    check_string(c->oauth.client_secret_cmd, true);
    check_string(c->oauth.token_url, false);
    check_string(c->oauth.scope, false);
    check_string(c->graph.base_url, false);
    check_string(c->graph.scope, false);
    check_string(c->unsubscribe.mailto, true);
    check_string(c->unsubscribe.url, true);
    FUZZ_ASSERT(c->smtp.host[0] && c->timezone[0]);
    IN_RANGE(c->smtp.port, 1, 65535);
    IN_RANGE(c->smtp.timeout_seconds, 1, 3600);
    IN_RANGE(c->rules.daily_cap, 0, 10000);
    IN_RANGE(c->rules.cooldown_days, 0, 3650);
    IN_RANGE(c->rules.max_contacts_per_company, 1, 1000);
    IN_RANGE(c->rules.max_attempts, 1, 100);
    IN_RANGE(c->rules.min_gap_seconds, 0, 86400);
    IN_RANGE(c->rules.gap_jitter_seconds, 0, 86400);
    IN_RANGE(c->rules.max_per_minute, 1, 10000);
    IN_RANGE(c->rules.max_run_minutes, 0, 1440);
    IN_RANGE((int)c->smtp.security, SMTP_SECURITY_STARTTLS,
             SMTP_SECURITY_NONE);
    FUZZ_ASSERT(c->smtp.security != SMTP_SECURITY_NONE ||
                c->smtp.allow_plaintext_auth);
    for (size_t i = 0; i < c->n_free_mail_domains; i++) {
        const char *d = c->free_mail_domains[i];

        FUZZ_ASSERT(d && strchr(d, '.'));
        for (const char *p = d; *p; p++)
            FUZZ_ASSERT(!(*p >= 'A' && *p <= 'Z'));
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(d, c->free_mail_domains[j]) != 0);
    }
}

static void check_error(const struct errinfo *ei)
{
    FUZZ_ASSERT(ei->code == ERR_CONFIG);
    FUZZ_ASSERT(memchr(ei->msg, '\0', sizeof(ei->msg)) != NULL);
    FUZZ_ASSERT(strstr(ei->msg, tmp_path) != NULL);
    for (const unsigned char *p = (const unsigned char *)ei->msg; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config c, defaults, again;
    struct errinfo ei;

    write_input(data, size);
    config_set_defaults(&defaults);
    config_set_defaults(&c);
    if (config_load(&c, tmp_path, &ei) < 0) {
        check_error(&ei);
        FUZZ_ASSERT(config_same(&c, &defaults));
    } else {
        check_loaded(&c);
        /* the same file again on top of its own result: nothing moves */
        again = c;
        config_set_defaults(&c);
        FUZZ_ASSERT(config_load(&c, tmp_path, &ei) == 0);
        FUZZ_ASSERT(config_load(&again, tmp_path, &ei) == 0);
        FUZZ_ASSERT(config_same(&again, &c));
        config_release(&again);
    }
    config_release(&c);
    config_release(&defaults);
    return 0;
}
