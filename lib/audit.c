/* SPDX-License-Identifier: MIT */
/*
 * audit: each record is formatted once into a fixed buffer and goes out
 * in one write(2): a log line is never interleaved with another
 * writer's, and nothing waits in a stdio buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "msg.h"

/* Where syslog listens (glibc's _PATH_LOG). */
#define AUDIT_SYSLOG_PATH "/dev/log"

static int logfd = -1, logsock = -1, want_syslog;
static const char *logname;
/* Set by SIGHUP: the next record goes to a log opened anew, so that
 * logrotate can move the file away without losing a line. */
static volatile sig_atomic_t reopen_asked;
static char abuf[2 * REC_LINE_MAX + 256];
static char sbuf[sizeof abuf + 128];
static FILE *afp;

static void syslog_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (logsock < 0)
		logsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, AUDIT_SYSLOG_PATH);
	if (logsock >= 0 && connect(logsock, (struct sockaddr *)&sa,
				    sizeof sa) < 0) {
		close(logsock);
		logsock = -1;
	}
}

int audit_open(const char *logpath, int use_syslog)
{
	if (!logpath && !use_syslog)
		return 0;
	afp = fmemopen(abuf, sizeof abuf, "w");
	if (!afp) {
		msg_warn("cannot make the audit buffer");
		return -1;
	}
	if (logpath) {
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0640);
		if (logfd < 0) {
			msg_warn("cannot open '%s'", logpath);
			return -1;
		}
		logname = logpath;
	}
	want_syslog = use_syslog;
	if (want_syslog) {
		syslog_connect();
		if (logsock < 0)
			msg_warn("cannot connect to '%s' (will retry)",
				 AUDIT_SYSLOG_PATH);
	}
	return 0;
}

void audit_reopen_on_hup(int sig)
{
	(void)sig;
	reopen_asked = 1;
}

/* The log opened anew at its name.  Where that fails, the old file
 * keeps the records: a log rotated away is better than one lost. */
static void reopen(void)
{
	int fd;

	reopen_asked = 0;
	if (!logname)
		return;
	fd = open(logname, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		msg_warn("cannot reopen '%s': the log goes on in the file "
			 "opened before", logname);
		return;
	}
	close(logfd);
	logfd = fd;
}

/* The record as one line in abuf: its length, or -1 when it does not
 * fit. */
static long format(const struct rec *r)
{
	long len;

	rewind(afp);
	fputs(r->kind, afp);
	for (int i = 0; i < r->n; i++) {
		fprintf(afp, " %s=", r->f[i].key);
		rec_put_value(afp, r->f[i].val);
	}
	putc('\n', afp);
	fflush(afp);
	len = ftell(afp);
	return len <= 0 || len >= (long)sizeof abuf ? -1 : len;
}

void audit_warm(const struct rec *r)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!afp)
		return;
	/* the stream's buffer is allocated on its first write */
	(void)format(r);
	/* the first localtime_r reads the zone file (/etc/localtime) */
	if (want_syslog)
		localtime_r(&now, &tm);
}

int audit_write(const struct rec *r, enum kill_result res)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec" };
	int status = 0;
	long len;

	if (!afp)
		return 0;
	if ((len = format(r)) < 0)
		return -1;
	if (reopen_asked)
		reopen();
	if (logfd >= 0 && write(logfd, abuf, (size_t)len) != len) {
		msg_warn("cannot write the log");
		status = -1;
	}
	if (want_syslog) {
		/* RFC 3164: <facility*8+severity>Mmm dd hh:mm:ss tag[pid]: */
		int sev = res == KILL_KILLED || res == KILL_TIMEOUT ||
				  res == KILL_DENIED ? 4 :
			  res == KILL_COOLDOWN ? 6 : 5;
		time_t now = time(NULL);
		struct tm tm;
		int h;

		localtime_r(&now, &tm);
		h = snprintf(sbuf, sizeof sbuf, "<%d>%s %2d %02d:%02d:%02d %s[%d]: ",
			     3 * 8 + sev, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
			     tm.tm_min, tm.tm_sec, msg_prog, (int)getpid());
		memcpy(sbuf + h, abuf, (size_t)len - 1);
		if (logsock < 0)
			syslog_connect();
		/* A stalled syslog daemon must not hold up the next kill:
		 * its line is dropped instead (the log file has it). */
		if (logsock >= 0 &&
		    send(logsock, sbuf, (size_t)h + len - 1,
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN) {
				msg_warnx("syslog is not taking records: "
					  "one dropped");
				return status;
			}
			close(logsock); /* the daemon restarted: once more */
			logsock = -1;
			syslog_connect();
			if (logsock >= 0)
				send(logsock, sbuf, (size_t)h + len - 1,
				     MSG_NOSIGNAL | MSG_DONTWAIT);
		}
	}
	return status;
}
