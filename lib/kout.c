/* SPDX-License-Identifier: MIT */
/*
 * kout: a stdio stream (fopencookie) whose writes land in a fixed buffer,
 * sent on with writes that never block in follow mode.
 *
 * Not blocking must not change how anyone else sees the file: O_NONBLOCK
 * belongs to the open file description, which stdout shares with every
 * process that inherited it (a shell's terminal, a service's journal
 * socket, a pipe other stages also write to).  So the flag is never set
 * on stdout itself: a pipe, FIFO or terminal is opened once more through
 * /proc/self/fd/1, which gives a description of our own, and that one is
 * made non-blocking; a socket is sent to with MSG_DONTWAIT, which is per
 * call.  A regular file is written as it is (it does not wait for a
 * reader).  Where /proc/self/fd/1 cannot be opened, a pipe or FIFO gets
 * O_NONBLOCK on the shared description after all (in a pipeline its
 * write end is foom-kill's alone); a terminal is then written blocking.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kout.h"
#include "msg.h"
#include "rec.h"

/* What stdout may hold back while its reader is slow: a few hundred kill
 * records (each about 300 bytes), above a pipe's own 64 KiB, and more
 * than the longest record (2 * REC_LINE_MAX, escaped). */
#define KOUT_BUF_KB 256

static struct {
	int fd;            /* where the records go; -1 once dropped */
	int own_fd;        /* fd is our reopened description */
	int sock;          /* a socket: MSG_DONTWAIT */
	int never_wait;    /* follow mode */
	int audited;
	size_t head;       /* first byte not yet written */
	size_t done;       /* end of the last whole record */
	size_t len;        /* end of the bytes held */
	int dropping;      /* skipping the rest of a dropped record */
	long dropped;      /* records dropped */
	int err;           /* a write error (not EPIPE): errno */
	char buf[KOUT_BUF_KB * 1024];
} out = { .fd = -1 };

static FILE *fp;

static void lost(int e)
{
	if (e == EPIPE)
		msg_warnx("stdout was closed: kill records go on %s",
			  out.audited ? "to the log only" :
					"nowhere (no --log or --syslog)");
	else {
		errno = e;
		msg_warn("cannot write stdout%s", out.audited ?
			 " (kill records go on to the log)" : "");
		out.err = e;
	}
	if (out.own_fd)
		close(out.fd);
	out.fd = -1;
	out.head = out.done = out.len = 0;
}

/* Write n bytes at p; with wait, until all are out.  Returns how many
 * went out, or -1 when stdout was lost. */
static ssize_t send_some(const char *p, size_t n, int wait)
{
	size_t sent = 0;

	while (sent < n) {
		ssize_t w = out.sock ?
			send(out.fd, p + sent, n - sent,
			     MSG_DONTWAIT | MSG_NOSIGNAL) :
			write(out.fd, p + sent, n - sent);

		if (w > 0) {
			sent += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = out.fd, .events = POLLOUT };

			if (!wait)
				break;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
				lost(errno);
				return -1;
			}
		} else {
			lost(w < 0 ? errno : EIO);
			return -1;
		}
	}
	return (ssize_t)sent;
}

/* Send what is held of whole records. */
static void push(int wait)
{
	ssize_t w;

	if (out.fd < 0 || out.head == out.done)
		return;
	w = send_some(out.buf + out.head, out.done - out.head, wait);
	if (w < 0)
		return;
	out.head += (size_t)w;
	if (out.head == out.done) {
		memmove(out.buf, out.buf + out.done, out.len - out.done);
		out.len -= out.done;
		out.head = out.done = 0;
	}
}

static void drop_one(void)
{
	out.len = out.done; /* what was held of it */
	if (out.dropped++ == 0)
		msg_warnx("stdout is not being read: records are dropped "
			  "from it, kills go on%s", out.audited ?
			  " (the log keeps every kill record)" : "");
}

static ssize_t cookie_write(void *cookie, const char *p, size_t n)
{
	const char *end = p + n;

	(void)cookie;
	while (p < end && out.fd >= 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t seg = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);

		if (out.dropping) {
			out.dropping = !nl;
		} else {
			if (out.len + seg > sizeof out.buf && out.head > 0) {
				memmove(out.buf, out.buf + out.head,
					out.len - out.head);
				out.done -= out.head;
				out.len -= out.head;
				out.head = 0;
			}
			if (out.len + seg > sizeof out.buf && !out.never_wait) {
				/* Wait for the reader: the held part of this
				 * record goes first, then the rest as is. */
				out.done = out.len;
				push(1);
				if (out.fd >= 0 && send_some(p, seg, 1) < 0)
					break;
			} else if (out.len + seg > sizeof out.buf) {
				drop_one();
				out.dropping = !nl;
			} else {
				memcpy(out.buf + out.len, p, seg);
				out.len += seg;
				if (nl)
					out.done = out.len;
			}
		}
		p += seg;
	}
	push(!out.never_wait);
	return (ssize_t)n; /* stdio never sees an error: it is handled here */
}

int kout_open(int never_wait, int audited)
{
	static const cookie_io_functions_t io = { .write = cookie_write };
	struct stat st;

	out.fd = STDOUT_FILENO;
	out.never_wait = never_wait;
	out.audited = audited;
	if (fstat(out.fd, &st) < 0) {
		msg_warn("cannot stat stdout");
		return -1;
	}
	if (never_wait && S_ISSOCK(st.st_mode)) {
		out.sock = 1;
	} else if (never_wait && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		int fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK |
			      O_NOCTTY | O_CLOEXEC);

		if (fd >= 0) {
			out.fd = fd;
			out.own_fd = 1;
		} else if (S_ISFIFO(st.st_mode)) {
			int fl = fcntl(out.fd, F_GETFL);

			if (fl >= 0)
				fcntl(out.fd, F_SETFL, fl | O_NONBLOCK);
		}
	}
	fp = fopencookie(NULL, "w", io);
	if (!fp) {
		msg_warn("cannot make the output stream");
		return -1;
	}
	rec_out.fp = fp;
	return 0;
}

int kout_close(void)
{
	if (!fp) {
		rec_flush();
		return 0;
	}
	/* Nothing is left to kill: the rest (a -t table too) may wait. */
	out.never_wait = 0;
	rec_flush();
	fflush(fp);
	out.done = out.len; /* a record cut short is written as it is */
	push(1);
	if (out.dropped)
		msg_warnx("%ld record%s dropped from stdout", out.dropped,
			  out.dropped > 1 ? "s" : "");
	return out.err ? -1 : 0;
}
