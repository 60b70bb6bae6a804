/* SPDX-License-Identifier: MIT */
/* msg: messages, exit statuses, and the stdout check at exit. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"

#ifndef FOOM_VERSION
#define FOOM_VERSION "0.1"
#endif

const char *msg_prog = "foom";
/* Every command, the shell one too, says "NAME (foom) VERSION". */
static void print_version(FILE *fp, struct argp_state *state)
{
	(void)state;
	fprintf(fp, "%s (foom) %s\n", msg_prog, FOOM_VERSION);
}
void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;
const char *argp_program_bug_address = "the foom issue tracker";

/* Like util-linux's close_stdout: a full disk or a closed pipe must not
 * pass silently, but a reader that went away (EPIPE) is not an error. */
static void close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			_exit(EXIT_OK);
		fprintf(stderr, "%s: write error: %s\n", msg_prog,
			strerror(errno ? errno : EIO));
		_exit(EXIT_SYSTEM);
	}
}

void msg_init(const char *prog)
{
	msg_prog = prog;
	argp_err_exit_status = EXIT_USAGE;
	atexit(close_stdout);
}

/* A message is at most this long, cut with "..." beyond: one write(2)
 * of at most PIPE_BUF (4096) bytes to a pipe is never interleaved with
 * another's, and the stages of foom-watch share one stderr. */
#define MSG_LINE_MAX 1024

/* What an snprintf into LEFT bytes wrote, of the K it wanted. */
static size_t wrote(int k, size_t left)
{
	return k < 0 ? 0 : (size_t)k < left ? (size_t)k : left - 1;
}

static void vmsg(int with_errno, const char *fmt, va_list ap)
{
	int e = errno;
	char line[MSG_LINE_MAX];
	size_t n, room = sizeof line - 1; /* the newline */

	n = wrote(snprintf(line, room, "%s: ", msg_prog), room);
	n += wrote(vsnprintf(line + n, room - n, fmt, ap), room - n);
	if (with_errno)
		n += wrote(snprintf(line + n, room - n, ": %s", strerror(e)), room - n);
	if (n == room - 1)
		memcpy(line + n - 3, "...", 3);
	line[n++] = '\n';
	fflush(stderr);
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere left to say it */
	}
}

void msg_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
}

void msg_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void msg_err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
	exit(status);
}

int msg_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int msg_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
