/*
 * test_secret.c - key file, AES-256-GCM round trips and refusals, password
 * sources.  Works in a mkdtemp() directory under /tmp, removed at the end.
 */
#define _XOPEN_SOURCE 700

#include "secret.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "harness.h"
#include "util.h"

#include "banned.h"

static char tmpdir[] = "/tmp/mailrota-test-secret-XXXXXX";
/* Out-params must stay as they were when a call fails. */
static char untouched[] = "untouched";

static const unsigned char key1[SECRET_KEY_LEN] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};
static const unsigned char key2[SECRET_KEY_LEN] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33,
};

#define DECRYPT_FAILED \
    "cannot decrypt stored secret (wrong key file or corrupted)"

static char *tpath(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

static int write_file(const char *path, const void *data, size_t n,
                      mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    if (write(fd, data, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    fchmod(fd, mode);
    return close(fd);
}

static ssize_t read_file(const char *path, unsigned char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, cap);
    close(fd);
    return n;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* --- encryption ----------------------------------------------------------- */

static void test_roundtrip(void)
{
    char big[4096 + 1];
    static const struct {
        const char *name;
        const char *plain;
    } cases[] = {
        { "empty", "" },
        { "short", "hunter2" },
        { "app password", "abcdefghijklmnop" },
        { "utf-8", "p\xc3\xa4ssw\xc3\xb6rd \xe5\xaf\x86\xe7\xa0\x81 "
                   "\xf0\x9f\x94\x91" },
        { "4 KiB", NULL },
    };

    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\0';

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };
        const char *plain = cases[i].plain ? cases[i].plain : big;
        size_t len = strlen(plain), got_len = 12345;
        char *text = NULL, *back = NULL;

        t_current = cases[i].name;
        T_INT(secret_encrypt(key1, plain, len, "brian@exzelon.com", &text,
                             &ei), 0);
        T_OK(text && str_starts_with(text, "v1:"));
        /* base64 of 12 + len + 16 bytes */
        T_INT(strlen(text), 3 + 4 * ((12 + len + 16 + 2) / 3));
        T_INT(secret_decrypt(key1, text, "brian@exzelon.com", &back,
                             &got_len, &ei), 0);
        T_STR(back, plain);
        T_INT(got_len, len);
        secret_free(back);
        free(text);
    }
    t_current = "test_roundtrip";
    {
        /* NULL plain with len 0, NULL aad, NULL len pointer. */
        struct errinfo ei = { 0 };
        char *text = NULL, *back = NULL;
        T_INT(secret_encrypt(key1, NULL, 0, NULL, &text, &ei), 0);
        T_INT(secret_decrypt(key1, text, "", &back, NULL, &ei), 0);
        T_STR(back, "");
        secret_free(back);
        free(text);
    }
}

static void test_nonce_differs(void)
{
    struct errinfo ei = { 0 };
    char *a = NULL, *b = NULL, *pa = NULL, *pb = NULL;

    T_INT(secret_encrypt(key1, "same", 4, "x@y.z", &a, &ei), 0);
    T_INT(secret_encrypt(key1, "same", 4, "x@y.z", &b, &ei), 0);
    T_OK(a && b && strcmp(a, b) != 0);
    /* The nonces themselves differ, not just the tails. */
    T_OK(a && b && strncmp(a, b, 3 + 16) != 0);
    T_INT(secret_decrypt(key1, a, "x@y.z", &pa, NULL, &ei), 0);
    T_INT(secret_decrypt(key1, b, "x@y.z", &pb, NULL, &ei), 0);
    T_STR(pa, "same");
    T_STR(pb, "same");
    secret_free(pa);
    secret_free(pb);
    free(a);
    free(b);
}

/* Decodes "v1:..." into raw bytes; returns the length or -1. */
static int decode(const char *text, unsigned char *raw, size_t cap)
{
    size_t n = strlen(text + 3);
    int len;

    if (n / 4 * 3 > cap)
        return -1;
    len = EVP_DecodeBlock(raw, (const unsigned char *)text + 3, (int)n);
    if (len < 0)
        return -1;
    if (n && text[3 + n - 1] == '=')
        len--;
    if (n > 1 && text[3 + n - 2] == '=')
        len--;
    return len;
}

static char *encode(const unsigned char *raw, int len)
{
    char *text = xmalloc(3 + 4 * (((size_t)len + 2) / 3) + 1);

    memcpy(text, "v1:", 3);
    EVP_EncodeBlock((unsigned char *)text + 3, raw, len);
    return text;
}

static void test_tamper(void)
{
    struct errinfo ei = { 0 };
    unsigned char raw[256];
    char *text = NULL;
    int len;

    T_INT(secret_encrypt(key1, "hunter2", 7, "a@b.c", &text, &ei), 0);
    len = decode(text, raw, sizeof(raw));
    T_INT(len, 12 + 7 + 16);
    {
        /* Our re-encoder gives back the same text: the test is sound. */
        char *again = encode(raw, len);
        T_STR(again, text);
        free(again);
    }

    static const struct {
        const char *name;
        int off; /* negative: from the end */
        int trunc;
    } cases[] = {
        { "nonce first byte", 0, 0 },
        { "nonce last byte", 11, 0 },
        { "ciphertext first byte", 12, 0 },
        { "ciphertext last byte", 18, 0 },
        { "tag first byte", -16, 0 },
        { "tag last byte", -1, 0 },
        { "tag truncated", 0, 1 },
        { "ciphertext dropped", 0, 7 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char bad[256];
        char *t, *out = untouched;
        int blen = len;

        t_current = cases[i].name;
        memcpy(bad, raw, (size_t)len);
        if (cases[i].trunc) {
            blen -= cases[i].trunc;
        } else {
            int off = cases[i].off < 0 ? len + cases[i].off : cases[i].off;
            bad[off] ^= 0x01;
        }
        t = encode(bad, blen);
        ei.code = ERR_OK;
        T_INT(secret_decrypt(key1, t, "a@b.c", &out, NULL, &ei), -1);
        T_INT(ei.code, ERR_DATA);
        T_STR(ei.msg, DECRYPT_FAILED);
        T_STR(out, "untouched");
        free(t);
    }
    t_current = "test_tamper";
    free(text);
}

static void test_wrong_key_aad(void)
{
    struct errinfo ei = { 0 };
    char *text = NULL, *out = NULL;

    T_INT(secret_encrypt(key1, "pw", 2, "brian@exzelon.com", &text, &ei), 0);

    T_INT(secret_decrypt(key2, text, "brian@exzelon.com", &out, NULL, &ei),
          -1);
    T_INT(ei.code, ERR_DATA);
    T_STR(ei.msg, DECRYPT_FAILED);
    T_OK(out == NULL);

    static const char *const aads[] = {
        "anna@exzelon.com", "Brian@exzelon.com", "", "brian@exzelon.co",
    };
    for (size_t i = 0; i < sizeof(aads) / sizeof(aads[0]); i++) {
        ei.code = ERR_OK;
        T_INT(secret_decrypt(key1, text, aads[i], &out, NULL, &ei), -1);
        T_INT(ei.code, ERR_DATA);
        T_OK(out == NULL);
    }
    T_INT(secret_decrypt(key1, text, NULL, &out, NULL, &ei), -1);
    T_INT(secret_decrypt(key1, text, "brian@exzelon.com", &out, NULL, &ei),
          0);
    T_STR(out, "pw");
    secret_free(out);
    free(text);
}

static void test_malformed(void)
{
    static const struct {
        const char *text;
        const char *want; /* substring of the message */
    } cases[] = {
        { "", "malformed" },
        { "v1:", "malformed" },
        { "v1", "malformed" },
        { "hunter2", "malformed" },
        { "V1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "malformed" },
        { "v2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "'v2'" },
        { "v10:AAAA", "'v10'" },
        { "v1:!!!!", "malformed" },
        { "v1:AAA", "malformed" },                /* not a multiple of 4 */
        { "v1:AAAAA", "malformed" },
        { "v1:A===", "malformed" },
        { "v1:AA=A", "malformed" },
        { "v1:AAAA", "malformed" },               /* shorter than nonce+tag */
        { "v1: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "malformed" },
        { "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
          "malformed" },
        { "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
          DECRYPT_FAILED },                       /* well-formed, not ours */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };
        char *out = untouched;
        size_t len = 99;

        t_current = cases[i].text;
        T_INT(secret_decrypt(key1, cases[i].text, "a@b.c", &out, &len, &ei),
              -1);
        T_INT(ei.code, ERR_DATA);
        T_OK(strstr(ei.msg, cases[i].want) != NULL);
        if (!strstr(ei.msg, cases[i].want))
            printf("#   msg: %s\n", ei.msg);
        T_STR(out, "untouched");
        T_INT(len, 99);
    }
    t_current = "test_malformed";
}

static void test_encrypt_refusals(void)
{
    struct errinfo ei = { 0 };
    char *out = NULL;
    char *big = xcalloc(SECRET_PLAIN_MAX + 2, 1);

    T_INT(secret_encrypt(key1, "a\0b", 3, "x", &out, &ei), -1);
    T_INT(ei.code, ERR_DATA);
    T_OK(out == NULL);

    memset(big, 'x', SECRET_PLAIN_MAX + 1);
    T_INT(secret_encrypt(key1, big, SECRET_PLAIN_MAX + 1, "x", &out, &ei),
          -1);
    T_INT(ei.code, ERR_DATA);
    T_INT(secret_encrypt(key1, big, SECRET_PLAIN_MAX, "x", &out, &ei), 0);
    {
        char *back = NULL;
        size_t len = 0;
        T_INT(secret_decrypt(key1, out, "x", &back, &len, &ei), 0);
        T_INT(len, SECRET_PLAIN_MAX);
        secret_free(back);
    }
    free(out);
    free(big);
}

/* --- key file ------------------------------------------------------------- */

static void test_key_create(void)
{
    struct errinfo ei = { 0 };
    unsigned char before[64], after[64], key[SECRET_KEY_LEN];
    char *path = tpath("new.key");
    struct stat st;
    bool created = false;
    mode_t old = umask(0);

    T_INT(secret_key_create(path, &created, &ei), 0);
    umask(old);
    T_OK(created);
    T_INT(lstat(path, &st), 0);
    T_OK(S_ISREG(st.st_mode));
    T_INT(st.st_mode & 07777, 0600);
    T_INT(st.st_size, SECRET_KEY_LEN);
    T_INT(read_file(path, before, sizeof(before)), SECRET_KEY_LEN);

    /* Loading gives back the file's bytes. */
    T_INT(secret_key_load(path, key, &ei), 0);
    T_OK(memcmp(key, before, SECRET_KEY_LEN) == 0);

    /* Idempotent: the second init leaves the key alone. */
    created = true;
    T_INT(secret_key_create(path, &created, &ei), 0);
    T_OK(!created);
    T_INT(read_file(path, after, sizeof(after)), SECRET_KEY_LEN);
    T_OK(memcmp(before, after, SECRET_KEY_LEN) == 0);
    T_INT(secret_key_create(path, NULL, &ei), 0);

    /* Two new keys differ. */
    {
        char *p2 = tpath("other.key");
        T_INT(secret_key_create(p2, NULL, &ei), 0);
        T_INT(read_file(p2, after, sizeof(after)), SECRET_KEY_LEN);
        T_OK(memcmp(before, after, SECRET_KEY_LEN) != 0);
        unlink(p2);
        free(p2);
    }

    /* An existing but insecure key is refused, not fixed or rewritten. */
    chmod(path, 0644);
    created = true;
    T_INT(secret_key_create(path, &created, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(created);
    T_INT(read_file(path, after, sizeof(after)), SECRET_KEY_LEN);
    T_OK(memcmp(before, after, SECRET_KEY_LEN) == 0);
    T_INT(stat(path, &st), 0);
    T_INT(st.st_mode & 07777, 0644);

    /* A restrictive umask is fine too. */
    {
        char *p3 = tpath("umask.key");
        old = umask(077);
        T_INT(secret_key_create(p3, NULL, &ei), 0);
        umask(old);
        T_INT(stat(p3, &st), 0);
        T_INT(st.st_mode & 07777, 0600);
        unlink(p3);
        free(p3);
    }
    unlink(path);
    free(path);
}

static void test_key_create_errors(void)
{
    struct errinfo ei = { 0 };
    bool created = true;
    char *path = tpath("missing-dir/sub/k.key");
    char *link = tpath("dangling.key");
    char *target = tpath("target-of-dangling");
    struct stat st;

    T_INT(secret_key_create(path, &created, &ei), -1);
    T_INT(ei.code, ERR_CANTCREAT);
    T_OK(strstr(ei.msg, path) != NULL);
    T_OK(strstr(ei.msg, "does not exist") != NULL);
    T_OK(created);

    /* A dangling symlink counts as existing and is not followed. */
    T_INT(symlink(target, link), 0);
    T_INT(secret_key_create(link, &created, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(strstr(ei.msg, "symbolic link") != NULL);
    T_INT(lstat(target, &st), -1);
    unlink(link);

    /* A directory that is not writable (root ignores modes: skipped). */
    if (geteuid() != 0) {
        char *dir = tpath("ro");
        char *p = tpath("ro/k.key");
        mkdir(dir, 0500);
        T_INT(secret_key_create(p, &created, &ei), -1);
        T_INT(ei.code, ERR_CANTCREAT);
        T_OK(strstr(ei.msg, "writable") != NULL);
        rmdir(dir);
        free(p);
        free(dir);
    } else {
        printf("# skipped unwritable directory case (running as root)\n");
    }
    free(path);
    free(link);
    free(target);
}

static void test_key_load_refusals(void)
{
    unsigned char key[SECRET_KEY_LEN], key_fill[SECRET_KEY_LEN];
    unsigned char data[64];
    char *path = tpath("load.key");

    memset(data, 0x5a, sizeof(data));
    memset(key_fill, 0xee, sizeof(key_fill));

    static const struct {
        const char *name;
        mode_t mode;
        size_t size;
        const char *want; /* NULL: loads */
    } cases[] = {
        { "0600 ok", 0600, 32, NULL },
        { "0400 ok", 0400, 32, NULL },
        { "0640", 0640, 32, "is readable by group or others (mode 0640): "
                            "run chmod 600 " },
        { "0644", 0644, 32, "is readable by group or others (mode 0644): "
                            "run chmod 600 " },
        { "0604", 0604, 32, "(mode 0604)" },
        { "0620", 0620, 32, "writable by group or others (mode 0620)" },
        { "0601", 0601, 32, "(mode 0601)" },
        { "empty", 0600, 0, "has 0 bytes" },
        { "31 bytes", 0600, 31, "has 31 bytes" },
        { "33 bytes", 0600, 33, "has 33 bytes" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };

        t_current = cases[i].name;
        unlink(path);
        T_INT(write_file(path, data, cases[i].size, cases[i].mode), 0);
        memcpy(key, key_fill, sizeof(key));
        if (!cases[i].want) {
            T_INT(secret_key_load(path, key, &ei), 0);
            T_OK(memcmp(key, data, SECRET_KEY_LEN) == 0);
            continue;
        }
        T_INT(secret_key_load(path, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, cases[i].want) != NULL);
        T_OK(strstr(ei.msg, path) != NULL);
        if (!strstr(ei.msg, cases[i].want))
            printf("#   msg: %s\n", ei.msg);
        T_OK(memcmp(key, key_fill, sizeof(key)) == 0);
    }
    t_current = "test_key_load_refusals";

    /* The hint is a command the user can paste. */
    {
        struct errinfo ei = { 0 };
        char *want;
        unlink(path);
        write_file(path, data, 32, 0644);
        secret_key_load(path, key, &ei);
        want = xasprintf("key file '%s' is readable by group or others "
                         "(mode 0644): run chmod 600 %s", path, path);
        T_STR(ei.msg, want);
        free(want);
    }

    /* Missing. */
    {
        struct errinfo ei = { 0 };
        char *missing = tpath("nope.key");
        T_INT(secret_key_load(missing, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, "does not exist") != NULL);
        T_OK(strstr(ei.msg, "'mailrota init'") != NULL);
        T_OK(strstr(ei.msg, missing) != NULL);
        free(missing);
    }

    /* A directory and a FIFO are not regular files (and do not hang). */
    {
        struct errinfo ei = { 0 };
        char *dir = tpath("dir.key");
        char *fifo = tpath("fifo.key");
        mkdir(dir, 0700);
        T_INT(secret_key_load(dir, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, "not a regular file") != NULL);
        T_INT(mkfifo(fifo, 0600), 0);
        ei.code = ERR_OK;
        T_INT(secret_key_load(fifo, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, "not a regular file") != NULL);
        rmdir(dir);
        unlink(fifo);
        free(dir);
        free(fifo);
    }

    /* Owned by another user: refused, even when we are root. */
    if (geteuid() == 0) {
        struct errinfo ei = { 0 };
        unlink(path);
        write_file(path, data, 32, 0600);
        T_INT(chown(path, 65534, 65534), 0);
        T_INT(secret_key_load(path, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, "owned by uid 65534") != NULL);
    } else {
        printf("# skipped other-owner case (needs root to chown)\n");
    }
    unlink(path);
    free(path);
}

/*
 * Kubernetes and Docker secrets are symbolic links (key -> ..data/key,
 * ..data -> ..2026_11_20_02_00_00.1/): the links are followed and the
 * file they reach is checked as any key file is.
 */
static void test_key_load_symlinks(void)
{
    static const struct {
        const char *name;
        mode_t mode;
        bool other_owner;  /* the target belongs to uid 65534 (root only) */
        const char *want;  /* NULL: loads */
    } cases[] = {
        { "link to a 0600 key", 0600, false, NULL },
        { "link to a 0400 key (defaultMode: 0400)", 0400, false, NULL },
        { "link to a 0644 key", 0644, false,
          "is readable by group or others (mode 0644)" },
        { "link to a 0440 key (fsGroup)", 0440, false,
          "is readable by group or others (mode 0440)" },
        { "link to a key owned by another user", 0600, true,
          "owned by uid 65534" },
    };
    unsigned char key[SECRET_KEY_LEN], data[SECRET_KEY_LEN];
    char *dir = tpath("k8s"), *stamp = tpath("k8s/..2026_11_20");
    char *target = tpath("k8s/..2026_11_20/key"), *data_link = tpath("k8s/..data");
    char *link = tpath("k8s/key");
    struct errinfo ei = { 0 };
    bool created = true;

    memset(data, 0x3c, sizeof(data));
    mkdir(dir, 0700);
    mkdir(stamp, 0755);
    T_INT(symlink("..2026_11_20", data_link), 0);
    T_INT(symlink("..data/key", link), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_current = cases[i].name;
        if (cases[i].other_owner && geteuid() != 0) {
            printf("# skipped %s (needs root to chown)\n", cases[i].name);
            continue;
        }
        unlink(target);
        T_INT(write_file(target, data, sizeof(data), cases[i].mode), 0);
        if (cases[i].other_owner)
            T_INT(chown(target, 65534, 65534), 0);
        memset(key, 0, sizeof(key));
        ei.code = ERR_OK;
        if (!cases[i].want) {
            T_INT(secret_key_load(link, key, &ei), 0);
            T_OK(memcmp(key, data, sizeof(key)) == 0);
            /* init checks it and leaves it alone. */
            T_INT(secret_key_create(link, &created, &ei), 0);
            T_OK(!created);
            continue;
        }
        T_INT(secret_key_load(link, key, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(strstr(ei.msg, cases[i].want) != NULL);
        T_OK(strstr(ei.msg, link) != NULL);
        T_OK(strstr(ei.msg, target) != NULL);   /* the file to fix */
        if (!strstr(ei.msg, cases[i].want))
            printf("#   msg: %s\n", ei.msg);
        T_INT(secret_key_create(link, &created, &ei), -1);
    }
    t_current = "test_key_load_symlinks";

    /* A link to nothing, and a loop: refused, saying it is a link. */
    unlink(target);
    ei.code = ERR_OK;
    T_INT(secret_key_load(link, key, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(strstr(ei.msg, "symbolic link") != NULL);
    T_OK(strstr(ei.msg, "does not exist") != NULL);
    unlink(data_link);
    T_INT(symlink("key", data_link), 0);
    unlink(link);
    T_INT(symlink("..data", link), 0);
    ei.code = ERR_OK;
    T_INT(secret_key_load(link, key, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(strstr(ei.msg, "symbolic link") != NULL);

    unlink(link);
    unlink(data_link);
    rmdir(stamp);
    rmdir(dir);
    free(dir);
    free(stamp);
    free(target);
    free(data_link);
    free(link);
}

/* --- password sources --------------------------------------------------- */

static void test_from_env(void)
{
    struct errinfo ei = { 0 };
    char *out = NULL;

    setenv("MAILROTA_TEST_PW", "s3cret value", 1);
    T_INT(secret_from_env("MAILROTA_TEST_PW", &out, &ei), 0);
    T_STR(out, "s3cret value");
    secret_free(out);
    out = NULL;

    setenv("MAILROTA_TEST_PW", "", 1);
    T_INT(secret_from_env("MAILROTA_TEST_PW", &out, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(strstr(ei.msg, "'MAILROTA_TEST_PW'") != NULL);
    T_OK(out == NULL);

    unsetenv("MAILROTA_TEST_PW");
    T_INT(secret_from_env("MAILROTA_TEST_PW", &out, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_OK(strstr(ei.msg, "MAILROTA_TEST_PW") != NULL);

    T_INT(secret_from_env("", &out, &ei), -1);
    T_INT(ei.code, ERR_CONFIG);
    T_INT(secret_from_env("A=B", &out, &ei), -1);
    T_OK(out == NULL);
}

static void test_from_cmd(void)
{
    static const struct {
        const char *cmd;
        const char *want;    /* NULL: fails */
        const char *msg_has; /* for failures */
        const char *msg_not; /* must not be in the message */
    } cases[] = {
        { "printf 'pw\\nsecond'", "pw", NULL, NULL },
        { "printf 'pw\\r\\n'", "pw", NULL, NULL },
        { "printf 'no newline'", "no newline", NULL, NULL },
        { "printf 'a b\\n'; echo more; echo lines", "a b", NULL, NULL },
        { "echo pw; echo '# (stderr of a password command passes through)' >&2",
          "pw", NULL, NULL },
        { "seq 1 100000", "1", NULL, NULL },  /* ~600 KB drained */
        { "cat", NULL, "printed nothing", NULL }, /* stdin is /dev/null */
        { "exit 3", NULL, "status 3", NULL },
        /* The output (not in the command text) never reaches the message. */
        { "echo leaked$((6*7))pw; exit 3", NULL, "status 3", "leaked42pw" },
        { "true", NULL, "printed nothing", NULL },
        { "echo", NULL, "printed nothing", NULL },
        { "printf '\\r\\n%s%s\\n' sec ond", NULL, "printed nothing",
          "second" },
        { "kill -9 $$", NULL, "signal 9", NULL },
        { "head -c 5000 /dev/zero | tr '\\\\0' a", NULL, "longer than 4096",
          "aaaa" },
        { "printf 'a\\000b\\n'", NULL, "NUL", NULL },
        { "/nonexistent/command 2>/dev/null", NULL, "status 127", NULL },
    };
    int fds_before = count_fds();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };
        char *out = NULL;
        int rc;

        t_current = cases[i].cmd;
        rc = secret_from_cmd(cases[i].cmd, 0, &out, &ei);
        if (cases[i].want) {
            T_INT(rc, 0);
            T_STR(out, cases[i].want);
            if (rc)
                printf("#   msg: %s\n", ei.msg);
            secret_free(out);
            continue;
        }
        T_INT(rc, -1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(out == NULL);
        T_OK(strstr(ei.msg, cases[i].msg_has) != NULL);
        if (!strstr(ei.msg, cases[i].msg_has))
            printf("#   msg: %s\n", ei.msg);
        T_OK(strstr(ei.msg, cases[i].cmd) != NULL ||
             strlen(cases[i].cmd) >= 150);
        if (cases[i].msg_not)
            T_OK(strstr(ei.msg, cases[i].msg_not) == NULL);
    }
    t_current = "test_from_cmd";

    /* Exactly 4096 bytes is allowed. */
    {
        struct errinfo ei = { 0 };
        char *out = NULL;
        T_INT(secret_from_cmd("head -c 4096 /dev/zero | tr '\\0' b", 0,
                              &out, &ei), 0);
        T_INT(out ? strlen(out) : 0, 4096);
        secret_free(out);
        T_INT(secret_from_cmd("", 0, &out, &ei), -1);
        T_INT(ei.code, ERR_CONFIG);
    }

    /* No zombie, no leaked descriptor. */
    {
        int st;
        errno = 0;
        T_INT(waitpid(-1, &st, WNOHANG), -1);
        T_INT(errno, ECHILD);
        T_INT(count_fds(), fds_before);
    }
}

/* Splits s in place at spaces into at most max words; returns how many. */
static size_t split_words(char *s, char **words, size_t max)
{
    size_t n = 0;

    while (*s && n < max) {
        while (*s == ' ')
            *s++ = '\0';
        if (!*s)
            break;
        words[n++] = s;
        while (*s && *s != ' ')
            s++;
    }
    return n;
}

/* secret_child_env(): which entries a secret command's environment keeps. */
static void test_child_env(void)
{
    static const struct {
        const char *env;    /* entries separated by ' ' */
        const char *names;  /* separated by ' ' */
        const char *want;   /* kept entries, separated by ' ' */
    } cases[] = {
        { "", "A", "" },
        { "PATH=/bin HOME=/root", "", "PATH=/bin HOME=/root" },
        { "PATH=/bin A=1 HOME=/root", "A", "PATH=/bin HOME=/root" },
        { "A=1 B=2 C=3", "C A", "B=2" },
        { "A=1 B=2 C=3", "A B C", "" },
        /* whole names only, case-sensitive */
        { "AB=1 A=2 a=3 A_=4", "A", "AB=1 a=3 A_=4" },
        { "A=1", "AB", "A=1" },
        { "A==x B=", "A B", "" },
        /* an entry without '=' is no variable: kept */
        { "A junk B=1", "A B", "A junk" },
        { "PW=x PW=y K=1", "PW", "K=1" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *env_s = xstrdup(cases[i].env);
        char *names_s = xstrdup(cases[i].names);
        char *env[8] = { NULL }, *name_w[8] = { NULL };
        const char *names[8] = { NULL };
        size_t n_names = 0;
        char **out;
        struct strbuf got;

        split_words(env_s, env, 7);
        n_names = split_words(names_s, name_w, 7);
        for (size_t k = 0; k < n_names; k++)
            names[k] = name_w[k];
        out = secret_child_env(env, names, n_names);
        sb_init(&got, 0);
        for (size_t k = 0; out[k]; k++) {
            if (k)
                sb_addch(&got, ' ');
            sb_adds(&got, out[k]);
        }
        printf("# case %zu\n", i);
        T_STR(got.buf, cases[i].want);
        sb_release(&got);
        free(out);
        free(env_s);
        free(names_s);
    }
    {
        char **out = secret_child_env(NULL, NULL, 0);
        T_OK(out && out[0] == NULL);
        free(out);
    }
}

/* The variables a command sees: SECRET_ENV_DEFAULT never, the names given
 * to secret_env_protect() once given, everything else (PATH) always. */
static void test_from_cmd_env(void)
{
    static const char cmd[] =
        "printf '%s|%s|%s|%s|%s\\n' \"${MR_T_A-unset}\" \"${MR_T_B-unset}\" "
        "\"${MAILROTA_CLIENT_SECRET-unset}\" \"${MR_T_KEEP-unset}\" "
        "\"${PATH:+path}\"";
    static const struct {
        const char *protect;   /* NULL: nothing more */
        const char *want;
    } steps[] = {
        { NULL, "a|b|unset|keep|path" },
        { "MR_T_A", "unset|b|unset|keep|path" },
        { "MR_T_A", "unset|b|unset|keep|path" },     /* twice: no change */
        { "", "unset|b|unset|keep|path" },           /* ignored */
        { "MR_T_B=b", "unset|b|unset|keep|path" },   /* not a name */
        { "MR_T_B", "unset|unset|unset|keep|path" },
    };

    setenv("MR_T_A", "a", 1);
    setenv("MR_T_B", "b", 1);
    setenv("MAILROTA_CLIENT_SECRET", "client", 1);
    setenv("MR_T_KEEP", "keep", 1);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct errinfo ei = { 0 };
        char *out = NULL;

        if (steps[i].protect)
            secret_env_protect(steps[i].protect);
        T_INT(secret_from_cmd(cmd, 0, &out, &ei), 0);
        T_STR(out, steps[i].want);
        secret_free(out);
    }
    /* mailrota's own environment is untouched. */
    T_STR(getenv("MR_T_A"), "a");
    T_STR(getenv("MAILROTA_CLIENT_SECRET"), "client");
    unsetenv("MR_T_A");
    unsetenv("MR_T_B");
    unsetenv("MAILROTA_CLIENT_SECRET");
    unsetenv("MR_T_KEEP");
}

/* A command that does not finish is stopped, with everything it started,
 * after the timeout: it never holds a run. */
static void test_from_cmd_timeout(void)
{
    /* Each: before the pid file's name, after it.  The first prints
     * nothing, the second its line but does not exit, the third leaves a
     * grandchild holding the pipe. */
    static const char *const cmds[][2] = {
        { "echo $$ > ", "; exec sleep 60" },
        { "echo $$ > ", "; echo pw-$((40+2)); exec sleep 60" },
        { "sh -c 'echo $$ > ", "; exec sleep 60'; echo pw-$((40+2))" },
    };
    char dir[] = "/tmp/mailrota-t-XXXXXX";
    int fds_before = count_fds();

    T_OK(mkdtemp(dir) != NULL);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        struct errinfo ei = { 0 };
        char pidfile[64], cmd[256];
        char *out = NULL;
        struct timespec t0, t1;
        long pid = 0;
        FILE *f;

        snprintf(pidfile, sizeof(pidfile), "%s/pid%zu", dir, i);
        snprintf(cmd, sizeof(cmd), "%s%s%s", cmds[i][0], pidfile, cmds[i][1]);
        t_current = cmd;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        T_INT(secret_from_cmd(cmd, 1, &out, &ei), -1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        T_INT(ei.code, ERR_CONFIG);
        T_OK(out == NULL);
        T_OK(strstr(ei.msg, "did not finish within 1 s") != NULL);
        T_OK(strstr(ei.msg, "secret_cmd_timeout_seconds") != NULL);
        T_OK(strstr(ei.msg, "pw-42") == NULL);   /* its output */
        /* Far below the command's 60 s even on a loaded machine. */
        T_OK(t1.tv_sec - t0.tv_sec < 30);
        f = fopen(pidfile, "r");
        T_OK(f != NULL);
        if (f) {
            T_INT(fscanf(f, "%ld", &pid), 1);
            fclose(f);
            unlink(pidfile);
        }
        /* The sleep (sh's, or its child's) was killed too. */
        for (int k = 0; pid > 0 && k < 200 && kill((pid_t)pid, 0) == 0; k++)
            usleep(10000);
        T_OK(pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH);
    }
    rmdir(dir);
    t_current = "test_from_cmd_timeout";
    {
        int st;
        errno = 0;
        T_INT(waitpid(-1, &st, WNOHANG), -1);
        T_INT(errno, ECHILD);
        T_INT(count_fds(), fds_before);
    }
}

static void test_from_fd(void)
{
    static const struct {
        const char *name;
        const char *input;
        const char *want; /* NULL: fails with ERR_DATA */
        const char *rest; /* what is left in the pipe after the call */
    } cases[] = {
        { "lf", "secret\nnext\n", "secret", "next\n" },
        { "crlf", "secret\r\nnext", "secret", "next" },
        { "eof", "secret", "secret", "" },
        { "spaces kept", " a b \n", " a b ", "" },
        { "empty", "", NULL, "" },
        { "empty line", "\nsecret\n", NULL, "secret\n" },
        { "cr only", "\r\n", NULL, "" },
        { "nul", "a\0b\n", NULL, "" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };
        char rest[64];
        char *out = NULL;
        int p[2];
        ssize_t n;
        /* "nul" has an embedded NUL: its length is written by hand. */
        size_t len = strcmp(cases[i].name, "nul") == 0
                     ? 4 : strlen(cases[i].input);

        t_current = cases[i].name;
        if (pipe(p) < 0)
            break;
        T_INT(write(p[1], cases[i].input, len), (ssize_t)len);
        close(p[1]);
        if (cases[i].want) {
            T_INT(secret_from_fd(p[0], &out, &ei), 0);
            T_STR(out, cases[i].want);
        } else {
            T_INT(secret_from_fd(p[0], &out, &ei), -1);
            T_INT(ei.code, ERR_DATA);
            T_OK(out == NULL);
        }
        /* fd stays open and nothing past the line was consumed. */
        n = read(p[0], rest, sizeof(rest) - 1);
        T_OK(n >= 0);
        rest[n < 0 ? 0 : n] = '\0';
        if (strcmp(cases[i].name, "nul") != 0)
            T_STR(rest, cases[i].rest);
        close(p[0]);
        secret_free(out);
    }
    t_current = "test_from_fd";

    /* Length limit: 4096 ok, also with CRLF; 4097 refused. */
    {
        static const struct {
            size_t n;
            const char *end;
            int rc;
        } lim[] = {
            { 4096, "\n", 0 }, { 4096, "\r\n", 0 }, { 4096, "", 0 },
            { 4097, "\n", -1 }, { 4097, "", -1 }, { 10000, "\n", -1 },
        };
        for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
            struct errinfo ei = { 0 };
            char *buf = xmalloc(lim[i].n + 3), *out = NULL;
            size_t total;
            int p[2];

            memset(buf, 'x', lim[i].n);
            memcpy(buf + lim[i].n, lim[i].end, strlen(lim[i].end) + 1);
            total = strlen(buf);
            if (pipe(p) < 0)
                break;
            T_INT(write(p[1], buf, total), (ssize_t)total);
            close(p[1]);
            T_INT(secret_from_fd(p[0], &out, &ei), lim[i].rc);
            if (lim[i].rc == 0)
                T_INT(out ? strlen(out) : 0, 4096);
            else
                T_INT(ei.code, ERR_DATA);
            secret_free(out);
            close(p[0]);
            free(buf);
        }
    }
}

/*
 * On a terminal, echo is off while reading and restored afterwards.  A child
 * plays the user: it waits until echo is off, then types the password.
 */
static void test_from_fd_tty(void)
{
    struct errinfo ei = { 0 };
    struct termios before, after;
    char echoed[256];
    char *out = NULL;
    size_t got = 0;
    int master, slave;
    pid_t pid;

    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        printf("# skipped tty case: no pseudo-terminal\n");
        if (master >= 0)
            close(master);
        return;
    }
    slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    if (slave < 0) {
        printf("# skipped tty case: cannot open pty slave\n");
        close(master);
        return;
    }
    tcgetattr(slave, &before);
    before.c_lflag |= ECHO | ECHONL | ICANON;
    tcsetattr(slave, TCSANOW, &before);

    pid = fork();
    if (pid == 0) {
        struct termios t;
        for (int i = 0; i < 500; i++) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            if (tcgetattr(slave, &t) == 0 && !(t.c_lflag & ECHO))
                break;
            nanosleep(&ts, NULL);
        }
        if (write(master, "typed pw\n", 9) != 9)
            _exit(1);
        _exit(0);
    }
    T_INT(secret_from_fd(slave, &out, &ei), 0);
    T_STR(out, "typed pw");
    secret_free(out);
    waitpid(pid, NULL, 0);

    T_INT(tcgetattr(slave, &after), 0);
    T_OK(after.c_lflag & ECHO);
    T_OK(after.c_lflag & ECHONL);

    /* What the terminal showed: not the password, not even its newline. */
    for (;;) {
        struct pollfd pfd = { .fd = master, .events = POLLIN };
        ssize_t n;
        if (poll(&pfd, 1, 100) <= 0 || got >= sizeof(echoed) - 1)
            break;
        n = read(master, echoed + got, sizeof(echoed) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    echoed[got] = '\0';
    T_OK(strstr(echoed, "typed") == NULL);
    T_INT(got, 0);
    close(slave);
    close(master);
}

static void test_clean_password(void)
{
    static const struct {
        const char *in;
        const char *want; /* NULL: refused, input unchanged */
    } cases[] = {
        { "abcd efgh ijkl mnop", "abcdefghijklmnop" },
        { " pw ", "pw" },
        { "nospace", "nospace" },
        { "a  b", "ab" },
        { "tab\tkept", "tab\tkept" },
        { "a\rb", NULL },
        { "abcd efgh\r", NULL },
        { "a\nb", NULL },
        { "   ", NULL },
        { "", NULL },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct errinfo ei = { 0 };
        char buf[64];

        t_current = cases[i].in;
        memcpy(buf, cases[i].in, strlen(cases[i].in) + 1);
        if (cases[i].want) {
            T_INT(secret_clean_password(buf, &ei), 0);
            T_STR(buf, cases[i].want);
        } else {
            T_INT(secret_clean_password(buf, &ei), -1);
            T_INT(ei.code, ERR_DATA);
            T_STR(buf, cases[i].in);
        }
    }
    t_current = "test_clean_password";
    secret_free(NULL);
    T_OK(1);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    T_RUN(test_roundtrip);
    T_RUN(test_nonce_differs);
    T_RUN(test_tamper);
    T_RUN(test_wrong_key_aad);
    T_RUN(test_malformed);
    T_RUN(test_encrypt_refusals);
    T_RUN(test_key_create);
    T_RUN(test_key_create_errors);
    T_RUN(test_key_load_refusals);
    T_RUN(test_key_load_symlinks);
    T_RUN(test_from_env);
    T_RUN(test_from_cmd);
    T_RUN(test_from_cmd_timeout);
    T_RUN(test_child_env);
    T_RUN(test_from_cmd_env);
    T_RUN(test_from_fd);
    T_RUN(test_from_fd_tty);
    T_RUN(test_clean_password);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
