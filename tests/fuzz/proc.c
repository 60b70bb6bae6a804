/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: lib/proc's parsers of /proc text, each given the whole
 * input as the file it reads (PID/stat, PID/status, meminfo and vmstat
 * by key), NUL-terminated as proc_pread leaves a buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

/* proc_stat's and proc_status's buffers are smaller: the parsers see
 * more here than they ever do from a file. */
static char buf[65536];

static const char *const keys[] = {
	"MemTotal", "MemAvailable", "MemFree", "Active(file)", "Inactive(file)",
	"pgscan", "pgscan_kswapd", "workingset_refault_file", "oom_kill",
	"total_rss", "some", "full", "cpu", "Uid:", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_stat st;
	struct proc_status ps;
	long long v, vals[64];
	unsigned long found;
	int nkeys = (int)(sizeof keys / sizeof keys[0]);

	if (size >= sizeof buf)
		size = sizeof buf - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';

	if (proc_parse_stat(buf, &st) == 0 &&
	    (memchr(st.comm, '\0', sizeof st.comm) == NULL))
		abort();
	proc_parse_status(buf, &ps);
	for (int i = 0; i < nkeys; i++)
		proc_kv(buf, keys[i], &v);
	/* the empty key is never wanted: proc_kv_many is given the rest,
	 * and also more keys than its result has bits */
	found = proc_kv_many(buf, keys, nkeys - 1, vals);
	if (found >> (nkeys - 1))
		abort();
	{
		const char *many[70];

		for (int i = 0; i < 70; i++)
			many[i] = keys[i % (nkeys - 1)];
		proc_kv_many(buf, many, 70, vals);
	}
	return 0;
}
