/*
 * secret_key.c - the key file: loading it with its permission and owner
 * checks, and creating it (0600, written in full, made durable) the first
 * time a password is stored.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "util.h"

#include "banned.h"

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
