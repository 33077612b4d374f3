/*
 * secret_env.c - the environment of password and client-secret commands:
 * the names of the secret variables mailrota knows of, and environ less
 * those.  See secret.h (secret_env_protect() and the functions after it).
 */
#include "secret.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#include "banned.h"

extern char **environ;

static pthread_mutex_t protected_mu = PTHREAD_MUTEX_INITIALIZER;
static char **protected_names;   /* kept until exit */
static size_t n_protected, protected_cap;

static bool protected_has(const char *name)
{
    for (size_t i = 0; i < n_protected; i++)
        if (strcmp(protected_names[i], name) == 0)
            return true;
    return false;
}

/* Adds name; protected_mu is held. */
static void protected_add(const char *name)
{
    if (protected_has(name))
        return;
    if (n_protected == protected_cap) {
        protected_cap = protected_cap ? protected_cap * 2 : 8;
        protected_names = xrealloc(protected_names, protected_cap *
                                   sizeof(*protected_names));
    }
    protected_names[n_protected++] = xstrdup(name);
}

void secret_env_protect(const char *name)
{
    if (!name || !*name || strchr(name, '='))
        return;
    pthread_mutex_lock(&protected_mu);
    protected_add(SECRET_ENV_DEFAULT);
    protected_add(name);
    pthread_mutex_unlock(&protected_mu);
}

char **secret_child_env(char *const *env, const char *const *names,
                        size_t n)
{
    size_t len = 0, k = 0;
    char **out;

    while (env && env[len])
        len++;
    out = xcalloc(len + 1, sizeof(*out));
    for (size_t i = 0; i < len; i++) {
        const char *eq = strchr(env[i], '=');
        bool drop = false;

        for (size_t j = 0; eq && j < n && !drop; j++)
            drop = names[j] && strlen(names[j]) == (size_t)(eq - env[i]) &&
                   memcmp(names[j], env[i], (size_t)(eq - env[i])) == 0;
        if (!drop)
            out[k++] = env[i];
    }
    out[k] = NULL;
    return out;
}

char **secret_env_scrubbed(void)
{
    char **env;

    pthread_mutex_lock(&protected_mu);
    protected_add(SECRET_ENV_DEFAULT);
    env = secret_child_env(environ, (const char *const *)protected_names,
                           n_protected);
    pthread_mutex_unlock(&protected_mu);
    return env;
}
