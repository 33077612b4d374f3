/*
 * secret_cmd.c - passwords read from a pipe or a terminal: the `cmd:`
 * runner (secret_from_cmd: sh -c with a scrubbed environment, stdin on
 * /dev/null, a process group of its own and a deadline) and
 * secret_from_fd (echo off on a terminal).  Both keep the first line only,
 * read one byte at a time so nothing after it is consumed.
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#include "banned.h"

/* Output of a password command read and thrown away after its first line. */
#define CMD_DRAIN_MAX (1024 * 1024)
/* Longest command shown in an error message. */
#define CMD_SHOWN_MAX 160

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

/* One run of a password command, from spawn to exit status. */
struct cmd_run {
    const char *shown;   /* the command, for messages (cmd_shown()) */
    int timeout;         /* seconds */
    int pfd[2];          /* its stdout */
    pid_t pid;           /* > 0 until reaped */
    char line[SECRET_LINE_MAX + 2];
    size_t n;
    int status;          /* read_first_line()'s */
    int read_errno;
    int wstatus;
};

/* Starts `sh -c cmd` with stdin on /dev/null and stdout on r->pfd[1]. */
static int spawn_cmd(const char *cmd, struct cmd_run *r, struct errinfo *ei)
{
    char sh[] = "sh", dash_c[] = "-c";
    char *cmd_copy = NULL;
    char *argv[4];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_ready = false, attr_ready = false;
    int rc;

    rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        fa_ready = true;
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO,
                                              "/dev/null", O_RDONLY, 0);
    }
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, r->pfd[1], STDOUT_FILENO);
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
        rc = spawn_scrubbed(&r->pid, &fa, &attr, argv);
    }
    if (fa_ready)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ready)
        posix_spawnattr_destroy(&attr);
    free(cmd_copy);
    if (rc != 0) {
        r->pid = -1;
        return err_set(ei, ERR_OSERR, "cannot run password command '%s': %s",
                       r->shown, strerror(rc));
    }
    return 0;
}

/* Reads the first line, drains the rest and reaps the command, all before
 * the deadline; kills its process group when the deadline passes. */
static int collect(struct cmd_run *r, struct errinfo *ei)
{
    bool timed_out = false;
    int64_t deadline;
    int rc;

    close(r->pfd[1]);
    r->pfd[1] = -1;
    /*
     * Bounded, unlike msmtp's passwordeval: a command that never exits (a
     * pinentry waiting for a passphrase under cron) must not hold the run.
     */
    deadline = mono_ms() + (int64_t)r->timeout * 1000;
    r->status = read_first_line(r->pfd[0], deadline, r->line, &r->n);
    if (r->status < 0)
        r->read_errno = errno;
    else if (r->status == LINE_TIMEOUT || !drain(r->pfd[0], deadline))
        timed_out = true;
    close(r->pfd[0]);
    r->pfd[0] = -1;

    rc = timed_out ? 0 : wait_child(r->pid, deadline, &r->wstatus);
    if (rc == 0) {
        kill(-r->pid, SIGKILL);
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' did not finish within %d s: it "
                       "was stopped; run it by hand to see why (it must not "
                       "wait for input), or raise "
                       "secret_cmd_timeout_seconds", r->shown, r->timeout);
    }
    if (rc < 0)
        return err_set(ei, ERR_OSERR,
                       "cannot wait for password command '%s': %s", r->shown,
                       strerror(errno));
    r->pid = -1;
    return 0;
}

/* The exit status and the first line: only "exit 0, one non-empty line"
 * is a password. */
static int check_result(const struct cmd_run *r, struct errinfo *ei)
{
    const char *shown = r->shown;

    if (WIFSIGNALED(r->wstatus))
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' was killed by signal %d: run "
                       "it by hand to see why", shown, WTERMSIG(r->wstatus));
    if (!WIFEXITED(r->wstatus) || WEXITSTATUS(r->wstatus) != 0)
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' exited with status %d: run it "
                       "by hand to see why", shown,
                       WIFEXITED(r->wstatus) ? WEXITSTATUS(r->wstatus) : -1);
    if (r->status < 0)
        return err_set(ei, ERR_IO, "cannot read output of password command "
                       "'%s': %s", shown, strerror(r->read_errno));
    if (r->status == LINE_TOO_LONG)
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' (exit status 0) printed a "
                       "first line longer than %d bytes: it must print only "
                       "the password", shown, SECRET_LINE_MAX);
    if (r->status == LINE_NUL)
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' (exit status 0) printed a NUL "
                       "byte: it must print only the password", shown);
    if (r->n == 0)
        return err_set(ei, ERR_CONFIG,
                       "password command '%s' (exit status 0) printed "
                       "nothing on its first line: it must print the "
                       "password", shown);
    return 0;
}

int secret_from_cmd(const char *cmd, int timeout_seconds, char **out,
                    struct errinfo *ei)
{
    char shown[CMD_SHOWN_MAX];
    struct cmd_run r;
    int wstatus, ret = -1;

    if (!cmd || !*cmd)
        return err_set(ei, ERR_CONFIG, "password command is empty");
    cmd_shown(cmd, shown);
    memset(&r, 0, sizeof(r));
    r.shown = shown;
    r.timeout = timeout_seconds > 0 ? timeout_seconds : SECRET_CMD_TIMEOUT;
    r.pid = -1;
    r.status = LINE_OK;

    if (cloexec_pipe(r.pfd) < 0)
        return err_set(ei, ERR_OSERR,
                       "cannot run password command '%s': pipe: %s", shown,
                       strerror(errno));
    if (spawn_cmd(cmd, &r, ei) == 0 && collect(&r, ei) == 0 &&
        check_result(&r, ei) == 0) {
        *out = xstrndup(r.line, r.n);
        ret = 0;
    }
    if (r.pfd[0] >= 0)
        close(r.pfd[0]);
    if (r.pfd[1] >= 0)
        close(r.pfd[1]);
    if (r.pid > 0) {
        /* Stopped above after a timeout: no zombie left behind. */
        while (waitpid(r.pid, &wstatus, 0) < 0 && errno == EINTR)
            ;
    }
    secure_wipe(r.line, sizeof(r.line));
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
