/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: lib/cg's readers of text.  The first byte picks a v1 or
 * a v2 root and the size of the output buffer; the rest is the text of
 * /proc/PID/cgroup for cg_of_proc, then a path for cg_normalize,
 * cg_within and cg_rel, as a user or a record would give one.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"

static char text[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* cg_of_proc reads nothing through the fds: they only say which
	 * hierarchies the root has */
	struct cg_root cg = { .v1fd = -1, .v2fd = 0 };
	char out[PATH_MAX] = "", norm[PATH_MAX], again[PATH_MAX];
	size_t outlen;

	if (size < 1)
		return 0;
	if (data[0] & 1)
		cg.v1fd = 0;
	/* small buffers too: a path exactly as long as the buffer */
	outlen = data[0] & 2 ? (size_t)(data[0] >> 2) + 1 : sizeof out;
	data++, size--;
	if (size >= sizeof text)
		size = sizeof text - 1;
	memcpy(text, data, size);
	text[size] = '\0';

	if (cg_of_proc(&cg, text, out, outlen) == 0 &&
	    strlen(out) >= outlen)
		abort();

	if (cg_normalize(text, norm, sizeof norm) == 0) {
		/* a clean path is its own normal form, within "/" and itself */
		if (norm[0] != '/' || cg_normalize(norm, again, sizeof again) != 0 ||
		    strcmp(norm, again) != 0 || !cg_within(norm, "/") ||
		    !cg_within(norm, norm) || strstr(norm, "//"))
			abort();
		if (cg_rel(norm)[0] == '/')
			abort();
	}
	cg_within(text, out);
	return 0;
}
