/* migrations.h - the SQL of migrations/ built into the binary. */
#ifndef MAILROTA_MIGRATIONS_H
#define MAILROTA_MIGRATIONS_H

struct migration {
    int version;       /* NNNN of NNNN_name.sql */
    const char *name;  /* file name without .sql */
    const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

#endif
