/*
 * key_len.h - the length of the key file's key (SPEC "Credentials"):
 * what secret.c reads and writes, and what the pure users of the key
 * (unsub.c's link tokens) take.
 */
#ifndef MAILROTA_KEY_LEN_H
#define MAILROTA_KEY_LEN_H

#define SECRET_KEY_LEN 32

#endif
