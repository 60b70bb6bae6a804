/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the record reader.  The input is a stream of lines, read
 * as rec_loop hands them to a command (cut at REC_LINE_MAX, blank and
 * comment lines skipped by rec_parse_line).  Every record that parses is
 * written back in all four formats, and its logfmt must parse again into
 * the same record: what foom writes, foom reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec.h"

static struct rec r, back;
static char out[8 * REC_LINE_MAX];
static FILE *devnull;

static void same(const struct rec *a, const struct rec *b)
{
	if (strcmp(a->kind, b->kind) != 0 || a->n != b->n)
		abort();
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->f[i].key, b->f[i].key) != 0 ||
		    strcmp(a->f[i].val, b->f[i].val) != 0)
			abort();
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	char err[160];
	FILE *fp;
	size_t n;

	(void)ctx;
	if (rec_parse_line(&r, line, len, src) != 0)
		return 0;
	/* one of the other writers, as the line's length picks; the table
	 * keeps every column it has seen, and grows slow, so seldom it */
	rec_out.fp = devnull;
	switch (len % 16 == 1 ? 1 : len % 2 * 2) {
	case 0:
		rec_out.fmt = REC_JSON;
		rec_write(&r);
		break;
	case 1:
		rec_out.fmt = REC_TABLE;
		rec_write(&r);
		rec_flush();
		break;
	case 2:
		rec_out.fmt = REC_LOGFMT;
		rec_out.fields = "record,ts,scope,pid";
		rec_write(&r);
		rec_out.fields = NULL;
		break;
	}

	fp = fmemopen(out, sizeof out, "w");
	if (!fp)
		abort();
	rec_out.fp = fp;
	rec_out.fmt = REC_LOGFMT;
	rec_write(&r);
	n = (size_t)ftell(fp);
	fclose(fp);
	rec_out.fp = NULL;
	if (n == 0 || n >= sizeof out || out[n - 1] != '\n')
		abort();
	n--;
	/* A line that grew past the reader's limit is checked elsewhere. */
	if (n <= REC_LINE_MAX) {
		if (rec_parse(&back, out, n, err, sizeof err) != 0)
			abort();
		same(&r, &back);
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	/* The warnings for bad lines, not wanted by the million; the
	 * sanitizers write to fd 2 themselves and are still heard. */
	stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], *files[1] = { path };

	if (fd < 0 && (fd = memfd_create("rec", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	rec_loop(files, 1, on_line, NULL);
	return 0;
}
