/*
 * secret.h - the key file, AES-256-GCM for passwords stored in the database,
 * and the other password sources (environment, password_cmd, stdin).
 *
 * Stored form: "v1:" + base64(nonce[12] || ciphertext || tag[16]), with a
 * fresh random nonce per encryption and the mailbox address as associated
 * data, so a ciphertext copied to another mailbox row does not decrypt.
 *
 * Every char * handed out here holds a secret: release it with secret_free(),
 * which wipes it.  Intermediate buffers holding plaintext or key material are
 * wiped before they are freed.  Nothing here logs, and no error message ever
 * contains a secret or a password command's output.
 *
 * Not pure: reads and creates files, reads the environment, runs commands,
 * uses the OpenSSL random generator.
 */
#ifndef MAILROTA_SECRET_H
#define MAILROTA_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "key_len.h"

/* Longest password line accepted from a command or a file descriptor
 * (not counting the line end). */
#define SECRET_LINE_MAX 4096
/* Longest plaintext secret_encrypt() accepts. */
#define SECRET_PLAIN_MAX 65536

/*
 * For `mailrota init`: creates the key file at `path` when it is missing,
 * with SECRET_KEY_LEN bytes from RAND_bytes(), mode 0600 whatever the umask,
 * opened O_CREAT|O_EXCL|O_NOFOLLOW and fsync()ed (the directory too, best
 * effort).  An existing file is never rewritten: it is checked exactly as
 * secret_key_load() checks it and *created is set to false.  A symbolic link
 * at `path` counts as existing (a key is never written through a link): a
 * link to a good key file is accepted, a dangling one refused.
 * `created` (may be NULL) is written only on success: true when the file was
 * made by this call.
 * Errors: ERR_CANTCREAT (parent directory missing or not writable, write or
 * fsync failure; the partial file is removed), ERR_OSERR (no randomness),
 * or any error of secret_key_load() for an existing file.
 */
int secret_key_create(const char *path, bool *created, struct errinfo *ei);

/*
 * Reads the key from `path` into `key` (written only on success; the caller
 * wipes it with secure_wipe() when done).  A symbolic link is followed
 * (Kubernetes and Docker secrets are links), and the file it leads to is
 * the one checked and named in the fix.  The file is opened O_NONBLOCK (a
 * FIFO cannot hang us) and checked with fstat() on the open descriptor: it
 * must be a regular file,
 * with no permission bits for group or others (mode & 077 == 0), owned by
 * the effective user or by root (a key owned by anyone else is refused even
 * when we run as root: its owner could replace it), and exactly
 * SECRET_KEY_LEN bytes long.
 * Errors: ERR_CONFIG for each refusal, naming the path and the fix
 * ("run chmod 600 PATH", "run 'mailrota init' to create it", ...);
 * ERR_IO for a read error.
 */
int secret_key_load(const char *path, unsigned char key[SECRET_KEY_LEN],
                    struct errinfo *ei);

/*
 * Encrypts plain[0..len) (at most SECRET_PLAIN_MAX bytes, no NUL byte;
 * plain may be NULL when len is 0) with AES-256-GCM under `key`, a fresh
 * 12-byte random nonce, and `aad` as authenticated associated data (NULL
 * means ""; pass the mailbox address lower-cased, so that decryption does
 * not depend on how the address was typed).
 * *out (written only on success) is a new NUL-terminated string
 * "v1:<base64>", not secret; free it with free() or secret_free().
 * Errors: ERR_DATA (too long, NUL byte), ERR_OSERR (no randomness),
 * ERR_SOFTWARE (OpenSSL failure).
 */
int secret_encrypt(const unsigned char key[SECRET_KEY_LEN], const char *plain,
                   size_t len, const char *aad, char **out,
                   struct errinfo *ei);

/*
 * Inverse of secret_encrypt() with the same key and aad.  *out (written
 * only on success) is a new NUL-terminated string the caller releases with
 * secret_free(); *len (when len is not NULL) is its length.
 * Errors: ERR_DATA "cannot decrypt stored secret (wrong key file or
 * corrupted)" when authentication fails (tampered text, wrong key, wrong
 * aad); ERR_DATA naming the problem when the text is not "v1:" followed by
 * valid base64 of at least nonce and tag; ERR_SOFTWARE (OpenSSL failure).
 */
int secret_decrypt(const unsigned char key[SECRET_KEY_LEN], const char *text,
                   const char *aad, char **out, size_t *len,
                   struct errinfo *ei);

/*
 * Password from the environment variable named `var` (--password-env).
 * *out (written only on success) is a new copy; release with secret_free().
 * Errors: ERR_CONFIG when the variable is unset or empty, or `var` is not a
 * valid name; the message names the variable, never a value.
 */
int secret_from_env(const char *var, char **out, struct errinfo *ei);

/*
 * Password from a command (--password-cmd, msmtp's passwordeval): runs
 * /bin/sh -c cmd with posix_spawn(), stdin from /dev/null, stderr inherited,
 * stdout through a pipe, and the environment without the protected secret
 * variables (secret_env_protect()); the password never appears on any
 * argv.  Takes the
 * first line, without trailing CR/LF, reads and discards the rest of the
 * output (up to 1 MiB, so a chatty command is not killed by SIGPIPE), and
 * waits for the command.  The command runs in a process group of its own;
 * when it has not exited within timeout_seconds (<= 0: SECRET_CMD_TIMEOUT)
 * the group is killed with SIGKILL and reaped.
 * *out (written only on success) is new; release with secret_free().
 * Errors: ERR_CONFIG when the command exits non-zero, is killed by a signal,
 * prints an empty first line, a line longer than SECRET_LINE_MAX bytes or a
 * NUL byte, or does not finish in time; the message names the command and
 * its exit status, never its output.  ERR_OSERR when the pipe or process cannot be created; ERR_IO on a
 * read error.
 */
#define SECRET_CMD_TIMEOUT 30   /* seconds; secret_cmd_timeout_seconds */

/*
 * Password and client-secret commands run with an environment without the
 * secret variables mailrota knows of (SPEC "Credentials"): those named
 * here, and always SECRET_ENV_DEFAULT, oauth.client_secret_env's default.
 * Callers name every mailbox's password_env and oauth.client_secret_env
 * (creds_protect_env()) before the first command runs.  A copy of name is
 * kept for the life of the process; NULL, "", a name with '=' and a name
 * already known are ignored.  Thread-safe.
 */
#define SECRET_ENV_DEFAULT "MAILROTA_CLIENT_SECRET"
void secret_env_protect(const char *name);

/*
 * The entries of env (a NULL-terminated "NAME=value" array such as
 * environ) whose NAME is none of names[0..n), in their order: a new
 * NULL-terminated array (free() it) of pointers borrowed from env.
 * Entries without '=' are kept.  Pure.
 */
char **secret_child_env(char *const *env, const char *const *names,
                        size_t n);

/*
 * environ less the protected variables, as secret_child_env() makes it:
 * free() the array only.  Thread-safe; the strings are environ's, so do
 * not change the environment while the result is in use.
 */
char **secret_env_scrubbed(void);

int secret_from_cmd(const char *cmd, int timeout_seconds, char **out,
                    struct errinfo *ei);

/*
 * Password from the first line of `fd` (--password-stdin): reads one byte at
 * a time up to LF or end of file (so nothing after the line is consumed),
 * strips trailing CR/LF, and leaves fd open.  When fd is a terminal, echo
 * (ECHO and ECHONL) is off while reading and the terminal settings are
 * restored afterwards.  Nothing is printed here: the caller writes the
 * prompt to stderr before, and a newline after, as with getpass().
 * *out (written only on success) is new; release with secret_free().
 * Errors: ERR_DATA (empty line, longer than SECRET_LINE_MAX bytes, NUL
 * byte), ERR_IO (read error or terminal setting failure).
 */
int secret_from_fd(int fd, char **out, struct errinfo *ei);

/*
 * Normalises a pasted password in place: removes every space (Microsoft app
 * passwords are displayed as "abcd efgh ijkl mnop"), so call it only where
 * that is wanted.  Pure.
 * Errors: ERR_DATA when pw contains CR or LF (pw is then left unchanged) or
 * is empty after removing spaces.  (A NUL ends a C string, so sources that
 * see lengths - secret_from_cmd/fd - reject NUL bytes themselves.)
 */
int secret_clean_password(char *pw, struct errinfo *ei);

/* Wipes the whole string (up to its NUL) and frees it.  NULL is a no-op. */
void secret_free(char *s);

#endif
