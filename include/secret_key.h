/*
 * secret_key.h - the length of the key file's key (SPEC "Credentials"):
 * what secret.c reads and writes, and what the pure users of the key
 * (unsub.c's link tokens) take.
 */
#ifndef MAILROTA_SECRET_KEY_H
#define MAILROTA_SECRET_KEY_H

#define SECRET_KEY_LEN 32

#endif
