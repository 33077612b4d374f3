#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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
#include <openssl/rand.h>

#include "util.h"

#include "banned.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define TEXT_PREFIX "v1:"
#define TEXT_PREFIX_LEN 3
/* Output of a password command read and thrown away after its first line. */
#define CMD_DRAIN_MAX (1024 * 1024)
/* Longest command shown in an error message. */
#define CMD_SHOWN_MAX 160

static const char decrypt_failed[] =
    "cannot decrypt stored secret (wrong key file or corrupted)";

/* --- key file ----------------------------------------------------------- */

/* The directory part of path, for messages ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

static int read_full(int fd, unsigned char *buf, size_t n, size_t *got)
{
    size_t off = 0;

    while (off < n) {
        ssize_t r = read(fd, buf + off, n - off);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *got = off;
            return -1;
        }
        if (r == 0)
            break;
        off += (size_t)r;
    }
    *got = off;
    return 0;
}

static int write_full(int fd, const unsigned char *buf, size_t n)
{
    size_t off = 0;

    while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

/*
 * The secure_file()/check_secure() test on the open descriptor, so the file
 * checked is the file read (no race with a rename between stat and open).
 * `target` is the file a symbolic link at `path` leads to (or path itself):
 * the one whose mode and owner are checked and named in the fix.
 */
static int check_key_fd(int fd, const char *path, const char *target,
                        struct errinfo *ei)
{
    struct stat st;
    uid_t euid = geteuid();
    unsigned mode;
    bool link = strcmp(path, target) != 0;
    char name[2 * PATH_MAX + 32];

    if (link)
        snprintf(name, sizeof(name), "'%s' (a link to '%s')", path, target);
    else
        snprintf(name, sizeof(name), "'%s'", path);
    if (fstat(fd, &st) < 0)
        return err_set(ei, ERR_IO, "cannot stat key file %s: %s", name,
                       strerror(errno));
    mode = (unsigned)(st.st_mode & 07777);
    if (!S_ISREG(st.st_mode))
        return err_set(ei, ERR_CONFIG,
                       "key file %s is not a regular file: point key_file "
                       "at the file 'mailrota init' created", name);
    if (st.st_uid != euid && st.st_uid != 0)
        return err_set(ei, ERR_CONFIG,
                       "key file %s is owned by uid %ld, not by you "
                       "(uid %ld) or root: run mailrota as its owner or "
                       "run chown %ld %s", name, (long)st.st_uid,
                       (long)euid, (long)euid, target);
    if (mode & 077) {
        const char *what = (mode & 044) ? "readable"
                         : (mode & 022) ? "writable" : "accessible";
        return err_set(ei, ERR_CONFIG,
                       "key file %s is %s by group or others (mode %04o): "
                       "run chmod 600 %s%s", name, what, mode, target,
                       link ? " (a Kubernetes secret: defaultMode: 0400)"
                            : "");
    }
    if (st.st_size != SECRET_KEY_LEN)
        return err_set(ei, ERR_CONFIG,
                       "key file %s has %lld bytes, not %d: restore it "
                       "from a backup (secrets stored with another key "
                       "cannot be decrypted)", name, (long long)st.st_size,
                       SECRET_KEY_LEN);
    return 0;
}

/* Why the key file at path cannot be opened (open failed with e). */
static int open_error(const char *path, int e, struct errinfo *ei)
{
    struct stat st;
    char to[PATH_MAX];
    ssize_t n;

    if (e == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        n = readlink(path, to, sizeof(to) - 1);
        to[n > 0 ? n : 0] = '\0';
        return err_set(ei, ERR_CONFIG,
                       "key file '%s' is a symbolic link to '%s', which "
                       "does not exist: restore the file it points to, or "
                       "point key_file at the key file", path, to);
    }
    if (e == ENOENT)
        return err_set(ei, ERR_CONFIG,
                       "key file '%s' does not exist: run 'mailrota "
                       "init' to create it", path);
    if (e == ELOOP)
        return err_set(ei, ERR_CONFIG,
                       "key file '%s': too many levels of symbolic links "
                       "(a loop?): point key_file at the key file", path);
    if (e == EACCES)
        return err_set(ei, ERR_CONFIG,
                       "cannot open key file '%s': %s: run mailrota as "
                       "the file's owner", path, strerror(e));
    return err_set(ei, ERR_CONFIG, "cannot open key file '%s': %s", path,
                   strerror(e));
}

int secret_key_load(const char *path, unsigned char key[SECRET_KEY_LEN],
                    struct errinfo *ei)
{
    unsigned char buf[SECRET_KEY_LEN];
    char *target = NULL;
    struct stat st;
    size_t got = 0;
    int fd, ret = -1;

    /* Links are followed (Kubernetes and Docker secrets are links); the
     * file reached is what check_key_fd() judges. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return open_error(path, errno, ei);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        target = realpath(path, NULL);
    if (check_key_fd(fd, path, target ? target : path, ei) < 0)
        goto out;
    if (read_full(fd, buf, sizeof(buf), &got) < 0) {
        err_set(ei, ERR_IO, "cannot read key file '%s': %s", path,
                strerror(errno));
        goto out;
    }
    if (got != sizeof(buf)) {
        err_set(ei, ERR_CONFIG,
                "key file '%s' is shorter than %d bytes: restore it from "
                "a backup", path, SECRET_KEY_LEN);
        goto out;
    }
    memcpy(key, buf, sizeof(buf));
    ret = 0;
out:
    secure_wipe(buf, sizeof(buf));
    free(target);
    close(fd);
    return ret;
}

/* Makes the new directory entry durable; a failure here is not fatal. */
static void fsync_dir(const char *path)
{
    char dir[PATH_MAX];
    int fd;

    dir_of(path, dir, sizeof(dir));
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

static int create_error(const char *path, int errnum, struct errinfo *ei)
{
    char dir[PATH_MAX];

    dir_of(path, dir, sizeof(dir));
    if (errnum == ENOENT || errnum == ENOTDIR)
        return err_set(ei, ERR_CANTCREAT,
                       "cannot create key file '%s': directory '%s' does "
                       "not exist: create it (mkdir -p %s) or change "
                       "key_file", path, dir, dir);
    if (errnum == EACCES || errnum == EPERM || errnum == EROFS)
        return err_set(ei, ERR_CANTCREAT,
                       "cannot create key file '%s': %s: make directory "
                       "'%s' writable for this user or change key_file",
                       path, strerror(errnum), dir);
    return err_set(ei, ERR_CANTCREAT, "cannot create key file '%s': %s",
                   path, strerror(errnum));
}

int secret_key_create(const char *path, bool *created, struct errinfo *ei)
{
    unsigned char key[SECRET_KEY_LEN];
    int fd, ret = -1;

    fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        if (errno != EEXIST)
            return create_error(path, errno, ei);
        /* Never rewrite an existing key: check it like every reader. */
        ret = secret_key_load(path, key, ei);
        secure_wipe(key, sizeof(key));
        if (ret == 0 && created)
            *created = false;
        return ret;
    }
    if (RAND_bytes(key, (int)sizeof(key)) != 1) {
        err_set(ei, ERR_OSERR,
                "cannot create key file '%s': no random bytes from OpenSSL",
                path);
        goto fail;
    }
    /* The umask may only remove bits, but be explicit about the result. */
    if (fchmod(fd, 0600) < 0 || write_full(fd, key, sizeof(key)) < 0 ||
        fsync(fd) < 0) {
        err_set(ei, ERR_CANTCREAT, "cannot write key file '%s': %s", path,
                strerror(errno));
        goto fail;
    }
    if (close(fd) < 0) {
        fd = -1;
        err_set(ei, ERR_CANTCREAT, "cannot write key file '%s': %s", path,
                strerror(errno));
        goto fail;
    }
    fsync_dir(path);
    if (created)
        *created = true;
    ret = 0;
    goto out;
fail:
    if (fd >= 0)
        close(fd);
    /* A half-written key would be refused (or worse, used) next time. */
    unlink(path);
out:
    secure_wipe(key, sizeof(key));
    return ret;
}

/* --- AES-256-GCM ---------------------------------------------------------- */

int secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain,
                   size_t len, const char *aad, char **out,
                   struct errinfo *ei)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *raw = NULL;
    size_t raw_len = NONCE_LEN + len + TAG_LEN;
    size_t aad_len = aad ? strlen(aad) : 0;
    size_t b64_len;
    char *text = NULL;
    int n = 0, fin = 0, ret = -1;

    if (len > SECRET_PLAIN_MAX)
        return err_set(ei, ERR_DATA,
                       "secret is too long to store (%zu bytes, at most %d)",
                       len, SECRET_PLAIN_MAX);
    if (len && memchr(plain, '\0', len))
        return err_set(ei, ERR_DATA, "secret contains a NUL byte");
    if (aad_len > INT_MAX)
        return err_set(ei, ERR_DATA, "associated data is too long");

    raw = xmalloc(raw_len);
    if (RAND_bytes(raw, NONCE_LEN) != 1) {
        err_set(ei, ERR_OSERR, "cannot encrypt secret: no random bytes "
                "from OpenSSL");
        goto out;
    }
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx ||
        EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
                            NULL) != 1 ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, raw) != 1 ||
        (aad_len && EVP_EncryptUpdate(ctx, NULL, &n,
                                      (const unsigned char *)aad,
                                      (int)aad_len) != 1) ||
        (len && EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &n,
                                  (const unsigned char *)plain,
                                  (int)len) != 1) ||
        EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + (len ? (size_t)n : 0),
                            &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
                            raw + NONCE_LEN + len) != 1) {
        err_set(ei, ERR_SOFTWARE, "cannot encrypt secret: OpenSSL AES-GCM "
                "failed");
        goto out;
    }

    b64_len = 4 * ((raw_len + 2) / 3);
    text = xmalloc(TEXT_PREFIX_LEN + b64_len + 1);
    memcpy(text, TEXT_PREFIX, TEXT_PREFIX_LEN);
    EVP_EncodeBlock((unsigned char *)text + TEXT_PREFIX_LEN, raw,
                    (int)raw_len);
    *out = text;
    ret = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (raw) {
        secure_wipe(raw, raw_len);
        free(raw);
    }
    return ret;
}

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * Strict base64 check: EVP_DecodeBlock() skips surrounding whitespace and
 * would accept more than our own encoder produces.  Returns the number of
 * '=' pad characters, or -1 when s[0..n) is not canonical-shaped base64.
 */
static int b64_check(const char *s, size_t n)
{
    int pad = 0;

    if (n == 0 || n % 4)
        return -1;
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < n - (size_t)pad; i++)
        if (!b64_char(s[i]))
            return -1;
    return pad;
}

int secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *text,
                   const char *aad, char **out, size_t *len,
                   struct errinfo *ei)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *raw = NULL;
    char *plain = NULL;
    size_t raw_cap = 0, raw_len, ct_len = 0, b64_len;
    size_t aad_len = aad ? strlen(aad) : 0;
    const size_t b64_max = 4 * ((NONCE_LEN + SECRET_PLAIN_MAX + TAG_LEN + 2)
                                / 3);
    int pad, n = 0, fin = 0, dec, ret = -1;

    if (!text || !str_starts_with(text, TEXT_PREFIX)) {
        size_t vlen = text ? strspn(text + (text[0] == 'v'), "0123456789")
                           : 0;
        if (text && text[0] == 'v' && vlen > 0 && vlen < 8 &&
            text[1 + vlen] == ':')
            return err_set(ei, ERR_DATA,
                           "stored secret has unknown format '%.*s': upgrade "
                           "mailrota or store the password again",
                           (int)vlen + 1, text);
        return err_set(ei, ERR_DATA,
                       "stored secret is malformed (expected 'v1:' and "
                       "base64): store the password again");
    }
    if (aad_len > INT_MAX)
        return err_set(ei, ERR_DATA, "associated data is too long");
    text += TEXT_PREFIX_LEN;
    b64_len = strnlen(text, b64_max + 1);
    pad = b64_check(text, b64_len);
    if (b64_len > b64_max || pad < 0)
        return err_set(ei, ERR_DATA,
                       "stored secret is malformed (expected 'v1:' and "
                       "base64): store the password again");
    raw_cap = b64_len / 4 * 3;
    raw = xmalloc(raw_cap);
    dec = EVP_DecodeBlock(raw, (const unsigned char *)text, (int)b64_len);
    /* DecodeBlock counts the '=' padding as zero bytes: take them off. */
    if (dec < 0 || (size_t)dec != raw_cap) {
        err_set(ei, ERR_DATA, "stored secret is malformed (bad base64): "
                "store the password again");
        goto out;
    }
    raw_len = raw_cap - (size_t)pad;
    if (raw_len < NONCE_LEN + TAG_LEN) {
        err_set(ei, ERR_DATA, "stored secret is malformed (too short): "
                "store the password again");
        goto out;
    }
    ct_len = raw_len - NONCE_LEN - TAG_LEN;
    plain = xmalloc(ct_len + 1);

    ctx = EVP_CIPHER_CTX_new();
    if (!ctx ||
        EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
                            NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, key, raw) != 1) {
        err_set(ei, ERR_SOFTWARE, "cannot decrypt secret: OpenSSL AES-GCM "
                "failed");
        goto out;
    }
    if ((aad_len && EVP_DecryptUpdate(ctx, NULL, &n,
                                      (const unsigned char *)aad,
                                      (int)aad_len) != 1) ||
        (ct_len && EVP_DecryptUpdate(ctx, (unsigned char *)plain, &n,
                                     raw + NONCE_LEN, (int)ct_len) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                            raw + NONCE_LEN + ct_len) != 1 ||
        EVP_DecryptFinal_ex(ctx, (unsigned char *)plain +
                                     (ct_len ? (size_t)n : 0), &fin) != 1) {
        err_set(ei, ERR_DATA, "%s", decrypt_failed);
        goto out;
    }
    plain[ct_len] = '\0';
    /* secret_encrypt() refuses NUL, and secret_free() wipes up to the NUL. */
    if (memchr(plain, '\0', ct_len)) {
        err_set(ei, ERR_DATA, "%s", decrypt_failed);
        goto out;
    }
    *out = plain;
    plain = NULL;
    if (len)
        *len = ct_len;
    ret = 0;
out:
    EVP_CIPHER_CTX_free(ctx);
    if (plain) {
        secure_wipe(plain, ct_len + 1);
        free(plain);
    }
    if (raw) {
        secure_wipe(raw, raw_cap);
        free(raw);
    }
    return ret;
}

/* --- password sources --------------------------------------------------- */

int secret_from_env(const char *var, char **out, struct errinfo *ei)
{
    const char *v;

    if (!var || !*var || strchr(var, '='))
        return err_set(ei, ERR_CONFIG,
                       "invalid environment variable name '%s'",
                       var ? var : "");
    v = getenv(var);
    if (!v || !*v)
        return err_set(ei, ERR_CONFIG,
                       "environment variable '%s' is not set or empty: "
                       "export it with the password before running mailrota",
                       var);
    *out = xstrdup(v);
    return 0;
}

enum line_status {
    LINE_OK = 0,
    LINE_TOO_LONG = 1,
    LINE_NUL = 2,
    LINE_TIMEOUT = 3,
};

#define NO_DEADLINE INT64_MAX

/* Milliseconds on the monotonic clock (not clock.h's: MAILROTA_NOW may
 * freeze that one, and a deadline must pass). */
static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 when fd can be read, 0 when the deadline passed first, -1 on error. */
static int wait_readable(int fd, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = deadline - mono_ms();
        int r;

        if (left <= 0)
            return 0;
        r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (r > 0)
            return 1;
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/*
 * Reads the first line of fd into line (capacity SECRET_LINE_MAX + 2) one
 * byte at a time, so nothing after the LF is consumed.  Strips trailing CR
 * and LF.  Returns LINE_OK (line read, maybe empty), LINE_TOO_LONG,
 * LINE_NUL, LINE_TIMEOUT (nothing more came before the deadline, a
 * mono_ms() time or NO_DEADLINE), or -1 (read error, errno set).
 */
static int read_first_line(int fd, int64_t deadline, char *line,
                           size_t *lenp)
{
    /* Room for SECRET_LINE_MAX bytes plus one CR before the LF. */
    const size_t cap = SECRET_LINE_MAX + 1;
    size_t n = 0;
    int status = LINE_OK;
    char c;

    for (;;) {
        ssize_t r;
        int ready = deadline == NO_DEADLINE ? 1 : wait_readable(fd, deadline);

        if (ready == 0) {
            status = LINE_TIMEOUT;
            break;
        }
        r = ready < 0 ? -1 : read(fd, &c, 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            secure_wipe(&c, 1);
            secure_wipe(line, n);
            return -1;
        }
        if (r == 0 || c == '\n')
            break;
        if (c == '\0')
            status = LINE_NUL;
        if (n == cap) {
            status = LINE_TOO_LONG;
            break;
        }
        line[n++] = c;
    }
    secure_wipe(&c, 1);
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    if (status == LINE_OK && n > SECRET_LINE_MAX)
        status = LINE_TOO_LONG;
    line[n] = '\0';
    *lenp = n;
    return status;
}

/* The command for an error message: bounded, control characters replaced. */
static void cmd_shown(const char *cmd, char shown[CMD_SHOWN_MAX])
{
    size_t n = strlen(cmd);

    if (n < CMD_SHOWN_MAX) {
        memcpy(shown, cmd, n + 1);
    } else {
        memcpy(shown, cmd, CMD_SHOWN_MAX - 4);
        memcpy(shown + CMD_SHOWN_MAX - 4, "...", 4);
    }
    sanitize(shown);
}

/* Reads and throws away the rest of a command's output, up to a bound;
 * false when the deadline passed before the end of it. */
static bool drain(int fd, int64_t deadline)
{
    char buf[4096];
    size_t total = 0;
    bool ended = true;

    while (total < CMD_DRAIN_MAX) {
        ssize_t r;
        int ready = wait_readable(fd, deadline);

        if (ready == 0) {
            ended = false;
            break;
        }
        r = ready < 0 ? -1 : read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        total += (size_t)r;
    }
    secure_wipe(buf, sizeof(buf));
    return ended;
}

/* Waits for pid until the deadline: 1 reaped (*wstatus set), 0 still
 * running, -1 error. */
static int wait_child(pid_t pid, int64_t deadline, int *wstatus)
{
    for (;;) {
        pid_t r = waitpid(pid, wstatus, WNOHANG);

        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
        if (r == 0) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            if (mono_ms() >= deadline)
                return 0;
            nanosleep(&ts, NULL);
        }
    }
}

/* A pipe whose ends are close-on-exec and not 0, 1 or 2. */
static int cloexec_pipe(int pfd[2])
{
    int raw[2];

    if (pipe(raw) < 0)
        return -1;
    pfd[0] = fcntl(raw[0], F_DUPFD_CLOEXEC, 3);
    pfd[1] = fcntl(raw[1], F_DUPFD_CLOEXEC, 3);
    close(raw[0]);
    close(raw[1]);
    if (pfd[0] < 0 || pfd[1] < 0) {
        int saved = errno;
        if (pfd[0] >= 0)
            close(pfd[0]);
        if (pfd[1] >= 0)
            close(pfd[1]);
        errno = saved;
        return -1;
    }
    return 0;
}

/* posix_spawn() with environ less the protected secret variables
 * (secret_env.c). */
static int spawn_scrubbed(pid_t *pid, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[])
{
    char **env = secret_env_scrubbed();
    int rc = posix_spawn(pid, "/bin/sh", fa, attr, argv, env);

    free(env);
    return rc;
}

int secret_from_cmd(const char *cmd, int timeout_seconds, char **out,
                    struct errinfo *ei)
{
    char shown[CMD_SHOWN_MAX];
    char line[SECRET_LINE_MAX + 2];
    char sh[] = "sh", dash_c[] = "-c";
    char *cmd_copy = NULL;
    char *argv[4];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ready = false, attr_ready = false, timed_out = false;
    int pfd[2] = { -1, -1 };
    pid_t pid = -1;
    size_t n = 0;
    int rc, wstatus = 0, status = LINE_OK, read_errno = 0, ret = -1;
    int64_t deadline;

    if (!cmd || !*cmd)
        return err_set(ei, ERR_CONFIG, "password command is empty");
    cmd_shown(cmd, shown);

    if (cloexec_pipe(pfd) < 0)
        return err_set(ei, ERR_OSERR,
                       "cannot run password command '%s': pipe: %s", shown,
                       strerror(errno));
    rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        fa_ready = true;
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
                                              "/dev/null", O_RDONLY, 0);
    }
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    /* A process group of its own, so a timeout stops what sh started too. */
    if (rc == 0) {
        rc = posix_spawnattr_init(&attr);
        attr_ready = rc == 0;
    }
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    if (rc == 0)
        rc = posix_spawnattr_setpgroup(&attr, 0);
    if (rc == 0) {
        /* posix_spawn() takes char *const[]; the command is not secret. */
        cmd_copy = xstrdup(cmd);
        argv[0] = sh;
        argv[1] = dash_c;
        argv[2] = cmd_copy;
        argv[3] = NULL;
        rc = spawn_scrubbed(&pid, &fa, &attr, argv);
    }
    if (rc != 0) {
        pid = -1;
        err_set(ei, ERR_OSERR, "cannot run password command '%s': %s",
                shown, strerror(rc));
        goto out;
    }
    close(pfd[1]);
    pfd[1] = -1;

    /*
     * Bounded, unlike msmtp's passwordeval: a command that never exits (a
     * pinentry waiting for a passphrase under cron) must not hold the run.
     */
    deadline = mono_ms() + (int64_t)(timeout_seconds > 0 ? timeout_seconds
                                     : SECRET_CMD_TIMEOUT) * 1000;
    status = read_first_line(pfd[0], deadline, line, &n);
    if (status < 0)
        read_errno = errno;
    else if (status == LINE_TIMEOUT || !drain(pfd[0], deadline))
        timed_out = true;
    close(pfd[0]);
    pfd[0] = -1;

    rc = timed_out ? 0 : wait_child(pid, deadline, &wstatus);
    if (rc == 0) {
        kill(-pid, SIGKILL);
        err_set(ei, ERR_CONFIG,
                "password command '%s' did not finish within %d s: it was "
                "stopped; run it by hand to see why (it must not wait for "
                "input), or raise secret_cmd_timeout_seconds", shown,
                timeout_seconds > 0 ? timeout_seconds : SECRET_CMD_TIMEOUT);
        goto out;
    }
    if (rc < 0) {
        err_set(ei, ERR_OSERR, "cannot wait for password command '%s': %s",
                shown, strerror(errno));
        goto out;
    }
    pid = -1;

    if (WIFSIGNALED(wstatus)) {
        err_set(ei, ERR_CONFIG,
                "password command '%s' was killed by signal %d: run it by "
                "hand to see why", shown, WTERMSIG(wstatus));
        goto out;
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        err_set(ei, ERR_CONFIG,
                "password command '%s' exited with status %d: run it by "
                "hand to see why", shown,
                WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
        goto out;
    }
    if (status < 0) {
        err_set(ei, ERR_IO, "cannot read output of password command '%s': "
                "%s", shown, strerror(read_errno));
        goto out;
    }
    if (status == LINE_TOO_LONG) {
        err_set(ei, ERR_CONFIG,
                "password command '%s' (exit status 0) printed a first line "
                "longer than %d bytes: it must print only the password",
                shown, SECRET_LINE_MAX);
        goto out;
    }
    if (status == LINE_NUL) {
        err_set(ei, ERR_CONFIG,
                "password command '%s' (exit status 0) printed a NUL byte: "
                "it must print only the password", shown);
        goto out;
    }
    if (n == 0) {
        err_set(ei, ERR_CONFIG,
                "password command '%s' (exit status 0) printed nothing on "
                "its first line: it must print the password", shown);
        goto out;
    }
    *out = xstrndup(line, n);
    ret = 0;
out:
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    if (pid > 0) {
        /* Stopped above after a timeout: no zombie left behind. */
        while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
    }
    if (fa_ready)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ready)
        posix_spawnattr_destroy(&attr);
    free(cmd_copy);
    secure_wipe(line, sizeof(line));
    return ret;
}

int secret_from_fd(int fd, char **out, struct errinfo *ei)
{
    char line[SECRET_LINE_MAX + 2];
    struct termios saved, quiet;
    bool restore = false;
    size_t n = 0;
    int status, read_errno = 0, ret = -1;

    /*
     * NEEDSWORK: a SIGINT while echo is off leaves the terminal silent
     * (getpass() has the same flaw); the shell's `reset` fixes it.
     */
    if (isatty(fd)) {
        if (tcgetattr(fd, &saved) < 0)
            return err_set(ei, ERR_IO, "cannot read terminal settings: %s",
                           strerror(errno));
        quiet = saved;
        /* As getpass(): nothing echoed, the caller ends the prompt line. */
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        /* TCSANOW rather than TCSAFLUSH: keep a password typed ahead. */
        if (tcsetattr(fd, TCSANOW, &quiet) < 0)
            return err_set(ei, ERR_IO, "cannot turn off terminal echo: %s",
                           strerror(errno));
        restore = true;
    }
    status = read_first_line(fd, NO_DEADLINE, line, &n);
    if (status < 0)
        read_errno = errno;
    if (restore)
        (void)tcsetattr(fd, TCSANOW, &saved);

    if (status < 0)
        err_set(ei, ERR_IO, "cannot read password: %s",
                strerror(read_errno));
    else if (status == LINE_TOO_LONG)
        err_set(ei, ERR_DATA, "password line is longer than %d bytes",
                SECRET_LINE_MAX);
    else if (status == LINE_NUL)
        err_set(ei, ERR_DATA, "password contains a NUL byte");
    else if (n == 0)
        err_set(ei, ERR_DATA, "empty password: give it on the first line "
                "of standard input");
    else {
        *out = xstrndup(line, n);
        ret = 0;
    }
    secure_wipe(line, sizeof(line));
    return ret;
}

int secret_clean_password(char *pw, struct errinfo *ei)
{
    char *src, *dst;

    /* Validate first, so pw is unchanged when it is refused. */
    if (strpbrk(pw, "\r\n"))
        return err_set(ei, ERR_DATA,
                       "password contains a line break (CR or LF)");
    if (strspn(pw, " ") == strlen(pw))
        return err_set(ei, ERR_DATA, "password is empty");
    for (src = dst = pw; *src; src++)
        if (*src != ' ')
            *dst++ = *src;
    /* Wipe the tail left behind by the compaction. */
    secure_wipe(dst, (size_t)(src - dst));
    *dst = '\0';
    return 0;
}

void secret_free(char *s)
{
    if (!s)
        return;
    secure_wipe(s, strlen(s));
    free(s);
}
