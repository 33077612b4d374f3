/*
 * test_config.c - config loader: defaults, the example file, path
 * resolution, one case per error class (line and key in the message),
 * insecure_secret_source and config_find.  Runs from the repository root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#include "banned.h"

#define DATA "tests/data/config/"

static char tmpdir[PATH_MAX];

/* Writes `text` to tmpdir/name with `mode`; returns a new path. */
static char *write_file(const char *name, const char *text, mode_t mode)
{
    char *path = xasprintf("%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");

    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

static bool contains(const char *hay, const char *needle)
{
    return needle && strstr(hay, needle) != NULL;
}

/* Loads `text` as tmpdir/config.yaml on top of the defaults. */
static int load_text(const char *text, struct config *c, struct errinfo *ei)
{
    char *path = write_file("config.yaml", text, 0600);
    int r;

    config_set_defaults(c);
    err_clear(ei);
    r = config_load(c, path, ei);
    unlink(path);
    free(path);
    return r;
}

static void test_defaults(void)
{
    struct config c;

    config_set_defaults(&c);
    T_OK(c.path == NULL);
    T_STR(c.dir, ".");
    T_STR(c.database, "./mailrota.db");
    T_STR(c.timezone, "UTC");
    T_STR(c.key_file, "./mailrota.key");
    T_OK(c.tls.verify_peer);
    T_OK(c.tls.ca_file == NULL);
    T_STR(c.smtp.host, "smtp.office365.com");
    T_INT(c.smtp.port, 587);
    T_INT(c.smtp.security, SMTP_SECURITY_STARTTLS);
    T_OK(!c.smtp.allow_plaintext_auth);
    T_OK(c.smtp.helo_name == NULL);
    T_INT(c.smtp.timeout_seconds, 30);
    T_INT(c.secret_cmd_timeout_seconds, 30);
    T_STR(c.oauth.tenant_id, "");
    T_STR(c.oauth.client_id, "");
    T_STR(c.oauth.client_secret_env, "MAILROTA_CLIENT_SECRET");
    T_OK(c.oauth.client_secret_cmd == NULL);
    T_STR(c.oauth.token_url,
          "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token");
    T_STR(c.oauth.scope, "https://outlook.office365.com/.default");
    T_STR(c.graph.base_url, "https://graph.microsoft.com/v1.0");
    T_STR(c.graph.scope, "https://graph.microsoft.com/.default");
    T_INT(c.rules.daily_cap, 30);
    T_INT(c.rules.cooldown_days, 10);
    T_INT(c.rules.max_contacts_per_company, 4);
    T_INT(c.rules.max_attempts, 3);
    T_INT(c.rules.min_gap_seconds, 0);
    T_INT(c.rules.gap_jitter_seconds, 0);
    T_INT(c.rules.max_per_minute, 30);
    T_INT(c.rules.max_run_minutes, 0);
    T_INT(c.n_free_mail_domains, 0);
    T_OK(c.unsubscribe.mailto == NULL);
    T_OK(c.unsubscribe.url == NULL);
    T_OK(!c.insecure_secret_source);
    config_release(&c);
    config_release(&c); /* a second release is harmless */
    T_OK(c.database == NULL);
}

static void test_example(void)
{
    struct config c;
    struct errinfo ei = {0};
    int r;

    config_set_defaults(&c);
    r = config_load(&c, "config.example.yaml", &ei);
    T_INT(r, 0);
    if (r)
        printf("#   %s\n", ei.msg);
    T_STR(c.path, "config.example.yaml");
    T_STR(c.dir, ".");
    T_STR(c.database, "./mailrota.db");
    T_STR(c.timezone, "America/Chicago");
    T_STR(c.key_file, "./mailrota.key");
    T_OK(c.tls.verify_peer);
    T_OK(c.tls.ca_file == NULL);
    T_STR(c.smtp.host, "smtp.office365.com");
    T_INT(c.smtp.port, 587);
    T_INT(c.smtp.security, SMTP_SECURITY_STARTTLS);
    T_OK(!c.smtp.allow_plaintext_auth);
    T_OK(c.smtp.helo_name == NULL);
    T_INT(c.smtp.timeout_seconds, 30);
    T_INT(c.secret_cmd_timeout_seconds, 30);
    T_STR(c.oauth.tenant_id, "");
    T_STR(c.oauth.client_secret_env, "MAILROTA_CLIENT_SECRET");
    T_OK(c.oauth.client_secret_cmd == NULL);
    T_STR(c.oauth.token_url,
          "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token");
    T_STR(c.graph.base_url, "https://graph.microsoft.com/v1.0");
    T_INT(c.rules.daily_cap, 30);
    T_INT(c.rules.cooldown_days, 10);
    T_INT(c.rules.max_contacts_per_company, 4);
    T_INT(c.rules.max_attempts, 3);
    T_INT(c.rules.max_per_minute, 30);
    T_INT(c.rules.max_run_minutes, 0);
    T_INT(c.n_free_mail_domains, 0);
    T_STR(c.unsubscribe.mailto, "unsubscribe@exzelon.com");
    T_OK(c.unsubscribe.url == NULL);
    config_release(&c);
}

/* Fixture files that load, and what they set. */
static void test_fixtures(void)
{
    struct config c;
    struct errinfo ei = {0};

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "empty.yaml", &ei), 0);
    T_INT(c.rules.daily_cap, 30);
    T_STR(c.path, DATA "empty.yaml");
    T_STR(c.dir, "tests/data/config");
    config_release(&c);

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "comments-only.yaml", &ei), 0);
    T_INT(c.rules.daily_cap, 30);
    T_STR(c.database, "tests/data/config/mailrota.db");
    config_release(&c);

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "plaintext.yaml", &ei), 0);
    T_STR(c.smtp.host, "127.0.0.1");
    T_INT(c.smtp.port, 2525);
    T_INT(c.smtp.security, SMTP_SECURITY_NONE);
    T_OK(c.smtp.allow_plaintext_auth);
    T_STR(c.smtp.helo_name, "test.example.com");
    T_INT(c.smtp.timeout_seconds, 5);
    T_OK(!c.tls.verify_peer);
    config_release(&c);

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "nulls.yaml", &ei), 0);
    T_OK(c.tls.ca_file == NULL);
    T_OK(c.smtp.helo_name == NULL);
    T_STR(c.oauth.tenant_id, "");
    T_STR(c.oauth.client_id, "");
    T_OK(c.oauth.client_secret_env == NULL);
    T_OK(c.oauth.client_secret_cmd == NULL);
    T_OK(c.unsubscribe.mailto == NULL);
    T_OK(c.unsubscribe.url == NULL);
    T_INT(c.n_free_mail_domains, 0);
    config_release(&c);
}

static void test_paths(void)
{
    struct config c;
    struct errinfo ei = {0};
    char *path;
    char *want;

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "paths.yaml", &ei), 0);
    T_STR(c.dir, "tests/data/config");
    T_STR(c.database, "tests/data/config/data/outreach.db");
    T_STR(c.key_file, "tests/data/config/secrets/./mailrota.key");
    T_STR(c.tls.ca_file, "/etc/ssl/certs/test-ca.pem");
    config_release(&c);

    /* Defaults the file leaves alone follow the file too. */
    config_set_defaults(&c);
    T_INT(config_load(&c, "./" DATA "ca-relative.yaml", &ei), 0);
    T_STR(c.dir, "./tests/data/config");
    T_STR(c.tls.ca_file, "./tests/data/config/certs/ca.pem");
    T_STR(c.database, "./tests/data/config/mailrota.db");
    T_STR(c.key_file, "./tests/data/config/mailrota.key");
    config_release(&c);

    /* An absolute directory, "./" folded away. */
    path = write_file("abs.yaml", "database: ./x.db\nkey_file: k/../y.key\n"
                      "tls:\n  ca_file: ca.pem\n", 0600);
    config_set_defaults(&c);
    T_INT(config_load(&c, path, &ei), 0);
    T_STR(c.dir, tmpdir);
    want = xasprintf("%s/x.db", tmpdir);
    T_STR(c.database, want);
    free(want);
    want = xasprintf("%s/k/../y.key", tmpdir);
    T_STR(c.key_file, want);
    free(want);
    want = xasprintf("%s/ca.pem", tmpdir);
    T_STR(c.tls.ca_file, want);
    free(want);

    /* --db is relative to the current directory, not the file. */
    config_set_database(&c, "other.db");
    T_STR(c.database, "./other.db");
    config_set_database(&c, "./other.db");
    T_STR(c.database, "./other.db");
    config_set_database(&c, "/var/lib/mailrota/m.db");
    T_STR(c.database, "/var/lib/mailrota/m.db");
    config_release(&c);
    unlink(path);
    free(path);

    /* A file in the current directory gives "./" paths. */
    {
        char cwd[PATH_MAX];
        char *local;

        T_OK(getcwd(cwd, sizeof(cwd)) != NULL);
        T_INT(chdir(tmpdir), 0);
        local = write_file("config.yaml", "database: out.db\n", 0600);
        config_set_defaults(&c);
        T_INT(config_load(&c, "config.yaml", &ei), 0);
        T_STR(c.dir, ".");
        T_STR(c.database, "./out.db");
        T_STR(c.key_file, "./mailrota.key");
        config_release(&c);
        unlink(local);
        free(local);
        T_INT(chdir(cwd), 0);
    }
}

/* ---------------------------------------------------------------- */

struct err_case {
    const char *name;
    const char *yaml;
    const char *want1;  /* substrings of the message */
    const char *want2;
    const char *not;    /* must not appear */
};

static const struct err_case err_cases[] = {
    {"unknown key at its line",
     "database: ./x.db\nsmtp:\n  host: a.example.com\n  colour: red\n",
     "config.yaml:4: unknown key 'smtp.colour'", NULL, "did you mean"},
    {"typo suggestion", "# caps\nrules:\n  daly_cap: 5\n",
     "config.yaml:3: unknown key 'rules.daly_cap'",
     "did you mean 'rules.daily_cap'?", NULL},
    {"section typo", "smpt:\n  port: 25\n",
     "config.yaml:1: unknown key 'smpt'", "did you mean 'smtp'?", NULL},
    {"key in the wrong section", "daily_cap: 5\n",
     "unknown key 'daily_cap'", "did you mean 'rules.daily_cap'?", NULL},
    {"capitalised key", "rules:\n  Daily_Cap: 5\n",
     "config.yaml:2: unknown key 'rules.Daily_Cap'",
     "did you mean 'rules.daily_cap'?", NULL},
    {"no suggestion when far", "frobnicate: 1\n",
     "config.yaml:1: unknown key 'frobnicate'", NULL, "did you mean"},
    {"dotted key", "\"smtp.port\": 25\n",
     "config.yaml:1: unknown key 'smtp.port'", "'smtp:' then '  port:'",
     NULL},
    {"integer: word", "smtp:\n  port: 25\nrules:\n  daily_cap: thirty\n",
     "config.yaml:4: key 'rules.daily_cap': expected a non-negative integer, "
     "got 'thirty'", NULL, NULL},
    {"integer: quoted", "smtp:\n  port: \"25\"\n",
     "config.yaml:2: key 'smtp.port'", "quoted", NULL},
    {"integer: float", "rules:\n  cooldown_days: 1.5\n",
     "config.yaml:2: key 'rules.cooldown_days'", "got '1.5'", NULL},
    {"integer: hex", "smtp:\n  port: 0x1d\n", "key 'smtp.port'",
     "got '0x1d'", NULL},
    {"integer: leading zero", "rules:\n  daily_cap: 030\n",
     "key 'rules.daily_cap'", "leading zeros", NULL},
    {"integer: empty", "rules:\n  daily_cap:\n",
     "config.yaml:2: key 'rules.daily_cap'", "got an empty value", NULL},
    {"range: port high", "smtp:\n  port: 70000\n",
     "config.yaml:2: key 'smtp.port'",
     "expected an integer from 1 to 65535, got '70000'", NULL},
    {"range: port zero", "smtp:\n  port: 0\n", "key 'smtp.port'",
     "from 1 to 65535", NULL},
    {"range: negative cap", "rules:\n  daily_cap: -1\n",
     "key 'rules.daily_cap'", "from 0 to 10000", NULL},
    {"range: cap", "rules:\n  daily_cap: 10001\n", "key 'rules.daily_cap'",
     "from 0 to 10000", NULL},
    {"range: timeout", "smtp:\n  timeout_seconds: 3601\n",
     "key 'smtp.timeout_seconds'", "from 1 to 3600", NULL},
    {"range: secret command timeout", "secret_cmd_timeout_seconds: 0\n",
     "key 'secret_cmd_timeout_seconds'", "from 1 to 3600", NULL},
    {"range: cooldown", "rules:\n  cooldown_days: 3651\n",
     "key 'rules.cooldown_days'", "from 0 to 3650", NULL},
    {"range: company", "rules:\n  max_contacts_per_company: 0\n",
     "key 'rules.max_contacts_per_company'", "from 1 to 1000", NULL},
    {"range: attempts", "rules:\n  max_attempts: 101\n",
     "key 'rules.max_attempts'", "from 1 to 100", NULL},
    {"range: gap", "rules:\n  min_gap_seconds: 86401\n",
     "key 'rules.min_gap_seconds'", "from 0 to 86400", NULL},
    {"range: jitter", "rules:\n  gap_jitter_seconds: -5\n",
     "key 'rules.gap_jitter_seconds'", "from 0 to 86400", NULL},
    {"range: per minute", "rules:\n  max_per_minute: 0\n",
     "key 'rules.max_per_minute'", "from 1 to 10000", NULL},
    {"range: run minutes", "rules:\n  max_run_minutes: 1441\n",
     "key 'rules.max_run_minutes'", "from 0 to 1440", NULL},
    {"range: huge", "rules:\n  daily_cap: 99999999999999999999999\n",
     "key 'rules.daily_cap'", "expected", NULL},
    {"boolean", "tls:\n  verify_peer: maybe\n",
     "config.yaml:2: key 'tls.verify_peer': expected true or false, got "
     "'maybe'", NULL, NULL},
    {"boolean quoted", "smtp:\n  allow_plaintext_auth: \"true\"\n",
     "key 'smtp.allow_plaintext_auth'", "quoted", NULL},
    {"boolean on", "tls:\n  verify_peer: on\n", "key 'tls.verify_peer'",
     "got 'on'", NULL},
    {"bad enum", "smtp:\n  security: tls\n",
     "config.yaml:2: key 'smtp.security': expected starttls, implicit or "
     "none, got 'tls'", NULL, NULL},
    {"none without plaintext", "smtp:\n  port: 25\n  security: none\n",
     "config.yaml:3: key 'smtp.security'", "allow_plaintext_auth", NULL},
    {"none with plaintext false",
     "smtp:\n  security: none\n  allow_plaintext_auth: false\n",
     "config.yaml:2: key 'smtp.security'", "allow_plaintext_auth", NULL},
    {"unknown time zone", "# comment\n\ndatabase: ./x.db\ntimezone: "
     "Mars/Base\n", "config.yaml:4: key 'timezone': unknown time zone "
     "'Mars/Base'", NULL, NULL},
    {"time zone directory", "timezone: America\n", "key 'timezone'",
     "unknown time zone 'America'", NULL},
    {"time zone traversal", "timezone: ../../../etc/passwd\n",
     "key 'timezone'", "invalid time zone name", NULL},
    {"time zone absolute", "timezone: /etc/localtime\n", "key 'timezone'",
     "invalid time zone name", NULL},
    {"time zone space", "timezone: America/New York\n", "key 'timezone'",
     "invalid time zone name", NULL},
    {"time zone null", "timezone: null\n", "config.yaml:1: key 'timezone'",
     "got null", NULL},
    {"http token_url", "oauth:\n  token_url: http://login.example.com/t\n",
     "config.yaml:2: key 'oauth.token_url'", "https://", NULL},
    {"ftp base_url", "graph:\n  base_url: ftp://graph.example.com\n",
     "config.yaml:2: key 'graph.base_url'", "expected an https:// URL",
     NULL},
    {"url without host", "graph:\n  base_url: https:///v1.0\n",
     "key 'graph.base_url'", "https://", NULL},
    {"http unsubscribe url", "unsubscribe:\n  url: http://x.example.com/u\n",
     "config.yaml:2: key 'unsubscribe.url'", "https://", NULL},
    {"CR LF in value",
     "smtp:\n  host: \"a.example.com\\r\\nRCPT TO:<x@y.z>\"\n",
     "config.yaml:2: key 'smtp.host'", "CR, LF or NUL", NULL},
    {"CR in a URL", "unsubscribe:\n  url: \"https://x.example.com/\\r\"\n",
     "config.yaml:2: key 'unsubscribe.url'", "CR, LF or NUL", NULL},
    {"NUL in value", "oauth:\n  client_secret_cmd: \"pass\\0 show\"\n",
     "config.yaml:2: key 'oauth.client_secret_cmd'", "CR, LF or NUL", NULL},
    {"LF from a block scalar", "smtp:\n  helo_name: |\n    a.example.com\n",
     "config.yaml:2: key 'smtp.helo_name'", "CR, LF or NUL", NULL},
    {"duplicate key", "rules:\n  daily_cap: 5\n  daily_cap: 6\n",
     "config.yaml:3: duplicate key 'rules.daily_cap' (first set on line 2)",
     NULL, NULL},
    {"duplicate section",
     "smtp:\n  port: 25\nrules: {}\nsmtp:\n  host: x.example.com\n",
     "config.yaml:4: duplicate key 'smtp' (first set on line 1)", NULL,
     NULL},
    {"syntax: bad indent", "smtp:\n  port: 25\n   host: x\n",
     "config.yaml:3: YAML syntax error", NULL, NULL},
    {"syntax: unclosed flow", "rules: {daily_cap: 5\n\n",
     "YAML syntax error", "from line 1", NULL},
    {"syntax: tab", "smtp:\n\tport: 25\n", "config.yaml:2: YAML syntax error",
     "tabs", NULL},
    {"syntax: undefined alias", "database: ./a.db\nkey_file: *k\n",
     "config.yaml:2: YAML syntax error", "alias", NULL},
    {"invalid UTF-8", "database: ./a.db\ntimezone: \xff\n",
     "config.yaml:2:", "UTF-8", NULL},
    {"second document", "rules: {}\n---\nsmtp: {}\n",
     "config.yaml:3:", "second YAML document", NULL},
    {"top level list", "- database\n- timezone\n",
     "config.yaml:1: expected a mapping", "got a list", NULL},
    {"top level scalar", "\n\nhello\n", "config.yaml:3: expected a mapping",
     NULL, NULL},
    {"complex key", "? [a, b]\n: 1\n", "config.yaml:1: expected a key name",
     NULL, NULL},
    {"mapping for a scalar", "smtp:\n  port:\n    number: 25\n",
     "config.yaml:2: key 'smtp.port'", "got a mapping", NULL},
    {"list for a scalar", "database: [a.db, b.db]\n",
     "config.yaml:1: key 'database'", "got a list", NULL},
    {"scalar for a mapping", "smtp: smtp.example.com\n",
     "config.yaml:1: key 'smtp': expected a mapping", NULL, NULL},
    {"list for a mapping", "rules: [30, 10]\n", "key 'rules'",
     "got a list", NULL},
    {"domains as a scalar", "free_mail_domains: gmail.com\n",
     "config.yaml:1: key 'free_mail_domains'", "list", NULL},
    {"domains as a mapping", "free_mail_domains:\n  gmail: com\n",
     "key 'free_mail_domains'", "got a mapping", NULL},
    {"bad domain at its line",
     "free_mail_domains:\n  - web.de\n  - not a domain\n",
     "config.yaml:3: key 'free_mail_domains'", "'not a domain'", NULL},
    {"domain without a dot", "free_mail_domains: [localhost]\n",
     "key 'free_mail_domains'", "'localhost'", NULL},
    {"nested list in domains", "free_mail_domains:\n  - [a.com]\n",
     "config.yaml:2: key 'free_mail_domains'", "got a list", NULL},
    {"mailto without @", "unsubscribe:\n  mailto: unsubscribe.example.com\n",
     "config.yaml:2: key 'unsubscribe.mailto'", "email address", NULL},
    {"mailto two @", "unsubscribe:\n  mailto: a@b@example.com\n",
     "key 'unsubscribe.mailto'", "email address", NULL},
    {"mailto space", "unsubscribe:\n  mailto: \"un sub@example.com\"\n",
     "key 'unsubscribe.mailto'", "email address", NULL},
    {"mailto no dot", "unsubscribe:\n  mailto: unsub@localhost\n",
     "key 'unsubscribe.mailto'", "email address", NULL},
    {"mailto header break", "unsubscribe:\n  mailto: \"a>@example.com\"\n",
     "key 'unsubscribe.mailto'", "email address", NULL},
    /* only unsubscribe.url is rendered per recipient: a raw {{...}}
     * would be sent as it is */
    {"mailto with a variable",
     "unsubscribe:\n  mailto: \"{{email}}@example.com\"\n",
     "config.yaml:2: key 'unsubscribe.mailto'", "unsubscribe.url", NULL},
    {"mailto with a variable in the domain",
     "unsubscribe:\n  mailto: \"u@{{domain}}.example.com\"\n",
     "config.yaml:2: key 'unsubscribe.mailto'", "email address", NULL},
    {"mailto with a stray brace pair",
     "unsubscribe:\n  mailto: \"u}}@example.com\"\n",
     "config.yaml:2: key 'unsubscribe.mailto'", "'{{'", NULL},
    {"helo not a host", "smtp:\n  helo_name: bad_name!\n",
     "config.yaml:2: key 'smtp.helo_name'", "host name", NULL},
    {"host empty", "smtp:\n  host: \"\"\n", "config.yaml:2: key 'smtp.host'",
     "empty", NULL},
    {"host with a port", "smtp:\n  host: smtp.example.com:587\n",
     "key 'smtp.host'", "host name", NULL},
    {"database null", "database: null\n", "config.yaml:1: key 'database'",
     "got null", NULL},
    {"secret env name", "oauth:\n  client_secret_env: 1BAD-NAME\n",
     "config.yaml:2: key 'oauth.client_secret_env'", "environment variable",
     NULL},
    {"tenant with a slash", "oauth:\n  tenant_id: a/b\n",
     "key 'oauth.tenant_id'", "tenant id", NULL},
    {"client id with a space", "oauth:\n  client_id: \"a b\"\n",
     "key 'oauth.client_id'", "spaces", NULL},
    {"scope empty", "graph:\n  scope: \"\"\n", "key 'graph.scope'", "empty",
     NULL},
};

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        const struct err_case *tc = &err_cases[i];
        struct config c;
        struct errinfo ei = {0};
        int r = load_text(tc->yaml, &c, &ei);
        bool ok = r == -1 && ei.code == ERR_CONFIG &&
                  contains(ei.msg, tc->want1) &&
                  (!tc->want2 || contains(ei.msg, tc->want2)) &&
                  (!tc->not || !contains(ei.msg, tc->not));

        t_report(ok, __FILE__, __LINE__, tc->name);
        if (!ok)
            printf("#   r=%d msg: %s\n", r, ei.msg);
        config_release(&c);
    }
}

/*
 * Flow collections nested past 32 are refused before libyaml, whose
 * scanner is quadratic in the depth; brackets in comments and quoted
 * scalars do not count.
 */
static void test_nesting(void)
{
    static const struct {
        const char *name;
        int depth;       /* '[' then ']' around a domain */
        const char *pre; /* before free_mail_domains */
        bool nest_err;   /* the nesting error is expected */
    } cases[] = {
        {"33 levels", 33, "", true},
        {"20000 levels", 20000, "", true},
        {"32 levels", 32, "", false},
        {"one level", 1, "", false},
        {"brackets in a comment", 1,
         "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n", false},
        {"brackets in quotes", 1,
         "database: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[.db\"\n"
         "key_file: '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{''{{{{{.key'\n",
         false},
        {"a comment does not hide a line", 33, "# x ' y\n", true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct strbuf sb;
        struct config c;
        struct errinfo ei = {0};
        int r;
        bool nest;

        sb_init(&sb, 0);
        sb_addf(&sb, "%s\nfree_mail_domains: ", cases[i].pre);
        for (int d = 0; d < cases[i].depth; d++)
            sb_addch(&sb, '[');
        sb_adds(&sb, "a.example");
        for (int d = 0; d < cases[i].depth; d++)
            sb_addch(&sb, ']');
        sb_addch(&sb, '\n');
        r = load_text(sb.buf, &c, &ei);
        nest = contains(ei.msg, "nested more than 32 deep");
        t_current = cases[i].name;
        T_OK(nest == cases[i].nest_err);
        if (cases[i].nest_err) {
            T_INT(r, -1);
            T_INT(ei.code, ERR_CONFIG);
            T_OK(contains(ei.msg, "config.yaml:"));
        } else if (cases[i].depth == 1) {
            T_INT(r, 0);
            if (r)
                printf("#   %s\n", ei.msg);
        }
        config_release(&c);
        sb_release(&sb);
    }
}

/* A failed load leaves the config as it was: no half-applied file. */
static void test_error_keeps_config(void)
{
    struct config c;
    struct errinfo ei = {0};
    char *good = write_file("good.yaml", "rules:\n  daily_cap: 7\n"
                            "free_mail_domains: [web.de]\n", 0600);
    char *bad = write_file("bad.yaml", "database: /elsewhere.db\n"
                           "rules:\n  daily_cap: 9\n  max_attempts: 0\n",
                           0600);

    config_set_defaults(&c);
    T_INT(config_load(&c, good, &ei), 0);
    T_INT(config_load(&c, bad, &ei), -1);
    T_OK(contains(ei.msg, "bad.yaml:4: key 'rules.max_attempts'"));
    T_INT(c.rules.daily_cap, 7);
    T_STR(c.path, good);
    T_OK(!contains(c.database, "elsewhere"));
    T_INT(c.n_free_mail_domains, 1);
    T_STR(c.free_mail_domains[0], "web.de");
    config_release(&c);

    /* A missing file is an error that names it. */
    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "no-such.yaml", &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(contains(ei.msg, "no-such.yaml"));
    T_INT(config_load(&c, DATA, &ei), -1);
    T_OK(contains(ei.msg, "not a regular file"));
    config_release(&c);

    /* A bounded read: a huge file is refused, not parsed. */
    {
        char *big = xasprintf("%s/big.yaml", tmpdir);
        FILE *f = fopen(big, "w");

        for (int i = 0; i < 90000; i++)
            fputs("# padding...\n", f);
        fclose(f);
        T_INT(config_load(&c, big, &ei), -1);
        T_OK(contains(ei.msg, "too large"));
        unlink(big);
        free(big);
    }

    /* Fixture files: the line of the mistake. */
    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "typo.yaml", &ei), -1);
    T_OK(contains(ei.msg, "typo.yaml:7: unknown key 'rules.daly_cap'; did "
                  "you mean 'rules.daily_cap'?"));
    T_INT(config_load(&c, DATA "syntax.yaml", &ei), -1);
    T_OK(contains(ei.msg, "syntax.yaml:4: YAML syntax error"));
    T_INT(c.rules.daily_cap, 30);
    config_release(&c);

    unlink(good);
    unlink(bad);
    free(good);
    free(bad);
}

static void test_values(void)
{
    struct config c;
    struct errinfo ei = {0};

    T_INT(load_text("tls:\n  verify_peer: NO\nsmtp:\n  allow_plaintext_auth: "
                    "Yes\n  security: IMPLICIT\n  port: 465\n", &c, &ei), 0);
    T_OK(!c.tls.verify_peer);
    T_OK(c.smtp.allow_plaintext_auth);
    T_INT(c.smtp.security, SMTP_SECURITY_IMPLICIT);
    T_INT(c.smtp.port, 465);
    config_release(&c);

    T_INT(load_text("smtp:\n  host: \"[::1]\"\n", &c, &ei), 0);
    T_STR(c.smtp.host, "::1");
    config_release(&c);

    T_INT(load_text("graph:\n  base_url: https://graph.example.com/v1.0//\n"
                    "oauth:\n  token_url: HTTPS://login.example.com/{tenant}"
                    "/token\n  tenant_id: contoso.onmicrosoft.com\n"
                    "  client_id: 00000000-0000-0000-0000-000000000000\n"
                    "  client_secret_cmd: \"pass show m365/app\"\n"
                    "unsubscribe:\n  mailto: unsub@example.com\n"
                    "  url: https://example.com/u?id=1\n", &c, &ei), 0);
    T_STR(c.graph.base_url, "https://graph.example.com/v1.0");
    T_STR(c.oauth.token_url, "HTTPS://login.example.com/{tenant}/token");
    T_STR(c.oauth.tenant_id, "contoso.onmicrosoft.com");
    T_STR(c.oauth.client_secret_cmd, "pass show m365/app");
    T_STR(c.unsubscribe.mailto, "unsub@example.com");
    T_STR(c.unsubscribe.url, "https://example.com/u?id=1");
    config_release(&c);

    /* Limits at both ends of their ranges. */
    T_INT(load_text("rules:\n  daily_cap: 0\n  cooldown_days: 3650\n"
                    "  max_contacts_per_company: 1000\n  max_attempts: 1\n"
                    "  min_gap_seconds: 86400\n  gap_jitter_seconds: 0\n"
                    "  max_per_minute: 10000\n  max_run_minutes: 1440\n"
                    "smtp: {port: 65535, timeout_seconds: 1}\n"
                    "secret_cmd_timeout_seconds: 3600\n", &c, &ei),
          0);
    T_INT(c.rules.daily_cap, 0);
    T_INT(c.rules.cooldown_days, 3650);
    T_INT(c.rules.max_contacts_per_company, 1000);
    T_INT(c.rules.max_attempts, 1);
    T_INT(c.rules.min_gap_seconds, 86400);
    T_INT(c.rules.max_per_minute, 10000);
    T_INT(c.rules.max_run_minutes, 1440);
    T_INT(c.smtp.port, 65535);
    T_INT(c.smtp.timeout_seconds, 1);
    T_INT(c.secret_cmd_timeout_seconds, 3600);
    config_release(&c);

    /* CRLF line ends and a UTF-8 byte-order mark. */
    T_INT(load_text("\xef\xbb\xbfsmtp:\r\n  helo_name: a.example.com\r\n"
                    "  port: 25\r\n", &c, &ei), 0);
    T_STR(c.smtp.helo_name, "a.example.com");
    T_INT(c.smtp.port, 25);
    config_release(&c);
    T_INT(load_text("rules:\r\n  daily_cap: x\r\n", &c, &ei), -1);
    T_OK(contains(ei.msg, "config.yaml:2: key 'rules.daily_cap'"));
    config_release(&c);

    /* A lone "---", an empty section, an alias. */
    T_INT(load_text("---\n", &c, &ei), 0);
    config_release(&c);
    T_INT(load_text("smtp:\nrules: {}\n", &c, &ei), 0);
    T_INT(c.smtp.port, 587);
    config_release(&c);
    T_INT(load_text("rules:\n  daily_cap: &n 12\n  max_per_minute: *n\n", &c,
                    &ei), 0);
    T_INT(c.rules.max_per_minute, 12);
    config_release(&c);

    /* Time zones: UTC needs no file; $TZDIR is searched first. */
    T_INT(load_text("timezone: UTC\n", &c, &ei), 0);
    T_STR(c.timezone, "UTC");
    config_release(&c);
    T_INT(load_text("timezone: Etc/GMT+5\n", &c, &ei), 0);
    T_STR(c.timezone, "Etc/GMT+5");
    config_release(&c);
    {
        char *zdir = xasprintf("%s/zoneinfo", tmpdir);
        char *zsub = xasprintf("%s/zoneinfo/Test", tmpdir);
        char *zone = xasprintf("%s/zoneinfo/Test/Zone", tmpdir);
        char *junk = xasprintf("%s/zoneinfo/Test/Junk", tmpdir);
        FILE *f;

        mkdir(zdir, 0700);
        mkdir(zsub, 0700);
        f = fopen(zone, "w");
        fputs("TZif2\n", f);
        fclose(f);
        f = fopen(junk, "w");
        fputs("not a zone\n", f);
        fclose(f);
        setenv("TZDIR", zdir, 1);
        T_INT(load_text("timezone: Test/Zone\n", &c, &ei), 0);
        T_STR(c.timezone, "Test/Zone");
        config_release(&c);
        T_INT(load_text("timezone: Test/Junk\n", &c, &ei), -1);
        T_OK(contains(ei.msg, "unknown time zone 'Test/Junk'"));
        config_release(&c);
        /* The system database still answers. */
        T_INT(load_text("timezone: America/Chicago\n", &c, &ei), 0);
        config_release(&c);
        unsetenv("TZDIR");
        unlink(zone);
        unlink(junk);
        rmdir(zsub);
        rmdir(zdir);
        free(zdir);
        free(zsub);
        free(zone);
        free(junk);
    }
}

static void test_domains(void)
{
    struct config c;
    struct errinfo ei = {0};

    config_set_defaults(&c);
    T_INT(config_load(&c, DATA "domains.yaml", &ei), 0);
    T_INT(c.n_free_mail_domains, 3);
    if (c.n_free_mail_domains == 3) {
        T_STR(c.free_mail_domains[0], "web.de");
        T_STR(c.free_mail_domains[1], "gmx.net");
        T_STR(c.free_mail_domains[2], "mail.example.org");
    }
    /* A second load replaces the list. */
    T_INT(config_load(&c, DATA "domains-flow.yaml", &ei), 0);
    T_INT(c.n_free_mail_domains, 2);
    if (c.n_free_mail_domains == 2) {
        T_STR(c.free_mail_domains[0], "yandex.ru");
        T_STR(c.free_mail_domains[1], "proton.me");
    }
    config_release(&c);
    T_INT(c.n_free_mail_domains, 0);

    /* Repeats (any case) are dropped, the first of each kept in order. */
    T_INT(load_text("free_mail_domains: [B.example, a.example, b.example, "
                    "c.example, A.example, b.example, B.EXAMPLE]\n", &c,
                    &ei), 0);
    T_INT(c.n_free_mail_domains, 3);
    if (c.n_free_mail_domains == 3) {
        T_STR(c.free_mail_domains[0], "b.example");
        T_STR(c.free_mail_domains[1], "a.example");
        T_STR(c.free_mail_domains[2], "c.example");
    }
    config_release(&c);

    /* A long list (within the 1 MiB limit): 40000 domains, each twice. */
    {
        struct strbuf sb;
        bool ordered = true;

        sb_init(&sb, 0);
        sb_adds(&sb, "free_mail_domains: [");
        for (int i = 0; i < 80000; i++)
            sb_addf(&sb, "%sd%d.io", i ? "," : "", i % 40000);
        sb_adds(&sb, "]\n");
        T_INT(load_text(sb.buf, &c, &ei), 0);
        if (ei.msg[0])
            printf("#   %s\n", ei.msg);
        T_INT(c.n_free_mail_domains, 40000);
        for (size_t i = 0; i < c.n_free_mail_domains && ordered; i++) {
            char want[32];

            snprintf(want, sizeof(want), "d%zu.io", i);
            ordered = strcmp(c.free_mail_domains[i], want) == 0;
        }
        T_OK(ordered);
        config_release(&c);
        sb_release(&sb);
    }
}

struct secret_case {
    const char *name;
    const char *yaml;
    mode_t mode;
    bool want;
};

static const struct secret_case secret_cases[] = {
    {"env, 0644", "oauth:\n  client_secret_env: M365_SECRET\n", 0644, true},
    {"env, 0600", "oauth:\n  client_secret_env: M365_SECRET\n", 0600, false},
    {"env, 0640", "oauth:\n  client_secret_env: M365_SECRET\n", 0640, true},
    {"cmd, 0604", "oauth:\n  client_secret_cmd: pass show x\n", 0604, true},
    {"cmd, 0600", "oauth:\n  client_secret_cmd: pass show x\n", 0600, false},
    {"no secret, 0644", "rules:\n  daily_cap: 5\n", 0644, false},
    {"env null, 0644", "oauth:\n  client_secret_env: null\n", 0644, false},
    {"cmd empty, 0644", "oauth:\n  client_secret_cmd: \"\"\n", 0644, false},
};

static void test_insecure(void)
{
    for (size_t i = 0; i < sizeof(secret_cases) / sizeof(secret_cases[0]);
         i++) {
        const struct secret_case *tc = &secret_cases[i];
        char *path = write_file("secret.yaml", tc->yaml, tc->mode);
        struct config c;
        struct errinfo ei = {0};
        int r;

        config_set_defaults(&c);
        r = config_load(&c, path, &ei);
        t_report(r == 0 && c.insecure_secret_source == tc->want, __FILE__,
                 __LINE__, tc->name);
        if (r)
            printf("#   %s\n", ei.msg);
        config_release(&c);
        unlink(path);
        free(path);
    }
}

static void test_find(void)
{
    struct errinfo ei = {0};
    char cwd[PATH_MAX];
    char *out = NULL;
    char *path, *home, *dir;
    const char *old_home = getenv("HOME");
    char *saved_home = old_home ? xstrdup(old_home) : NULL;

    T_OK(getcwd(cwd, sizeof(cwd)) != NULL);
    path = write_file("found.yaml", "rules: {}\n", 0600);

    /* -c wins, and must exist. */
    setenv("MAILROTA_CONFIG", path, 1);
    T_INT(config_find(DATA "paths.yaml", &out, &ei), 0);
    T_STR(out, DATA "paths.yaml");
    free(out);
    out = NULL;
    T_INT(config_find(DATA "missing.yaml", &out, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(contains(ei.msg, "missing.yaml"));
    T_OK(out == NULL);

    /* $MAILROTA_CONFIG next, and must exist. */
    T_INT(config_find(NULL, &out, &ei), 0);
    T_STR(out, path);
    free(out);
    out = NULL;
    setenv("MAILROTA_CONFIG", DATA "missing.yaml", 1);
    T_INT(config_find(NULL, &out, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(contains(ei.msg, "missing.yaml"));
    T_OK(contains(ei.msg, "MAILROTA_CONFIG"));
    unsetenv("MAILROTA_CONFIG");

    /* ./config.yaml, then ~/.config/mailrota/config.yaml. */
    T_INT(chdir(tmpdir), 0);
    home = xasprintf("%s/home", tmpdir);
    dir = xasprintf("%s/home/.config/mailrota", tmpdir);
    {
        char *a = xasprintf("%s/home/.config", tmpdir);
        mkdir(home, 0700);
        mkdir(a, 0700);
        mkdir(dir, 0700);
        free(a);
    }
    setenv("HOME", home, 1);
    {
        char *user = write_file("home/.config/mailrota/config.yaml", "", 0600);
        char *local = write_file("config.yaml", "", 0600);

        T_INT(config_find(NULL, &out, &ei), 0);
        T_STR(out, "./config.yaml");
        free(out);
        out = NULL;
        unlink(local);
        T_INT(config_find(NULL, &out, &ei), 0);
        T_STR(out, user);
        free(out);
        out = NULL;
        unlink(user);

        /* Nothing found, HOME set or not: NULL (or the system file). */
        T_INT(config_find(NULL, &out, &ei), 0);
        T_OK(out == NULL || strcmp(out, "/etc/mailrota/config.yaml") == 0);
        free(out);
        out = NULL;
        unsetenv("HOME");
        T_INT(config_find(NULL, &out, &ei), 0);
        T_OK(out == NULL || strcmp(out, "/etc/mailrota/config.yaml") == 0);
        free(out);
        out = NULL;
        free(user);
        free(local);
    }
    T_INT(chdir(cwd), 0);
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_home);
    rmdir(dir);
    {
        char *a = xasprintf("%s/home/.config", tmpdir);
        rmdir(a);
        free(a);
    }
    rmdir(home);
    free(dir);
    free(home);
    unlink(path);
    free(path);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/mailrota-config-XXXXXX", t && *t ? t : "/tmp");

    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
    free(tmpl);
    unsetenv("MAILROTA_CONFIG");
    unsetenv("TZDIR");

    T_RUN(test_defaults);
    T_RUN(test_example);
    T_RUN(test_fixtures);
    T_RUN(test_paths);
    T_RUN(test_errors);
    T_RUN(test_nesting);
    T_RUN(test_error_keeps_config);
    T_RUN(test_values);
    T_RUN(test_domains);
    T_RUN(test_insecure);
    T_RUN(test_find);

    rmdir(tmpdir);
    return t_done();
}
