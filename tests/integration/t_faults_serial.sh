#!/bin/sh
# t_faults against a server that does not offer PIPELINING: the mail
# transaction then goes one command at a time (src/io/smtp.c), and every
# row of the fault table must come out the same.  The test server offers
# PIPELINING by default, as Postfix and Exchange Online do.
SMTPD_ARGS="${SMTPD_ARGS:+$SMTPD_ARGS }--no-pipelining"
export SMTPD_ARGS
exec sh "$(dirname "$0")/t_faults.sh"
