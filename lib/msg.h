/* SPDX-License-Identifier: MIT */
/*
 * msg: the toolkit's exit statuses, its one message grammar
 * ("prog: what: why"), and the argp wiring every command shares.
 */
#ifndef FOOM_MSG_H
#define FOOM_MSG_H

#include <argp.h>
#include <stdnoreturn.h>

enum {
	EXIT_OK = 0,     /* success */
	EXIT_NONE = 1,   /* a valid negative answer (see each man page) */
	EXIT_USAGE = 2,  /* usage error, bad input */
	EXIT_SYSTEM = 3, /* cannot read /proc, no permission, ... */
};

/* The exit status table, for every argp doc string after "\v". */
#define MSG_EXIT_DOC \
	"Exit status: 0 success; 1 a valid negative answer (see the man page); " \
	"2 usage error or bad input; 3 system error."

/* Set the program name, argp's exit status (2) and version; install the
 * stdout check at exit.  Call first in main(). */
void msg_init(const char *prog);

/* "prog: message" on stderr. msg_warn appends ": strerror(errno)". */
void msg_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void msg_errx(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
noreturn void msg_err(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse a whole decimal number; 0 on success, -1 when s is not one or is
 * outside [min, max]. */
int msg_parse_double(const char *s, double min, double max, double *out);
int msg_parse_long(const char *s, long min, long max, long *out);

extern const char *msg_prog;

#endif
