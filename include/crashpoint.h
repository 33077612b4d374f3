/*
 * crashpoint.h - test-only SIGKILL at a named place, after git's GIT_TEST_*
 * variables.  When MAILROTA_TEST_CRASH names a point ("claim.after", or
 * "claim.after:3" for its third pass), the process sends itself SIGKILL
 * there: what `kill -9`, the OOM killer or a power cut do from outside, but
 * at a known step, so tests/integration/t_crash_matrix.sh can prove a run
 * killed at each step loses nothing and sends nothing twice.  Unset (always,
 * in production) a call costs one load of a flag after the first.
 *
 * The points are listed in docs/RELIABILITY.md.
 */
#ifndef MAILROTA_CRASHPOINT_H
#define MAILROTA_CRASHPOINT_H

void crash_point(const char *name);

#endif
