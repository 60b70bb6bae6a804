/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the kernel-log reader.  The first byte picks the
 * settings foom-events takes from options (page size, boot time); the
 * rest is log text, fed line by line as foom-events cuts it.  Every
 * finished report becomes an event record, which must read back as a
 * record: foom-events reads its own events again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomlog.h"
#include "readback.h"
#include "rec.h"

static struct oomlog ol;
static struct rec ev;
static char line[REC_LINE_MAX + 1];

static void emit(void *ctx, const struct oomlog_report *r)
{
	(void)ctx;
	oomlog_event(&ol, r, &ev);
	if (ev.overflow)
		abort();
	fuzz_readback(&ev);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* mktime without a zone file to read on every call */
	setenv("TZ", "UTC", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long page_kb[4] = { 4, 16, 64, 1 << 20 };
	const uint8_t *p, *end;

	if (size < 1)
		return 0;
	oomlog_init(&ol);
	ol.emit = emit;
	ol.page_kb = page_kb[data[0] & 3];
	ol.boot_s = data[0] & 4 ? 1.7e9 : -1;
	/* syslog dates: a year given, so a run does not depend on the date */
	ol.year = 2026;
	ol.now_s = data[0] & 8 ? 100.0 : 0;
	for (p = data + 1, end = data + size; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);

		if (len > REC_LINE_MAX)
			len = REC_LINE_MAX;
		memcpy(line, p, len);
		oomlog_line(&ol, line, len);
		if (ol.now_s > 0) {
			ol.now_s += 1;
			oomlog_tick(&ol, ol.now_s);
		}
		p = nl ? nl + 1 : end;
	}
	oomlog_finish(&ol);
	return 0;
}
