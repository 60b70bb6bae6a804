/* SPDX-License-Identifier: MIT */
/*
 * For the fuzz targets whose parsers produce records: what foom writes
 * must read back as a record (one line, parsed without error), or the
 * target aborts.
 */
#ifndef FOOM_FUZZ_READBACK_H
#define FOOM_FUZZ_READBACK_H

#include <stdio.h>
#include <stdlib.h>

#include "rec.h"

static void fuzz_readback(const struct rec *r)
{
	static char out[8 * REC_LINE_MAX];
	static struct rec back;
	char err[160];
	FILE *fp = fmemopen(out, sizeof out, "w");
	long n;

	if (!fp)
		abort();
	rec_out.fp = fp;
	rec_write(r);
	n = ftell(fp);
	fclose(fp);
	rec_out.fp = NULL;
	if (n <= 0 || out[n - 1] != '\n' ||
	    rec_parse(&back, out, (size_t)n - 1, err, sizeof err) != 0)
		abort();
}

#endif
