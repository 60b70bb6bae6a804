/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the policy parser.  The first byte picks the action and
 * the entry point: a -P/--protect style "FIELD=REGEX" option
 * (pol_add_option), or a policy file (pol_load, given a memfd by path).
 * The rules are file-scope state of lib/pol.c, which is included here
 * so that they can be freed between inputs; every pattern it compiles
 * is counted, since a line that fails after a good pattern drops it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static pcre2_code **compiled;
static int ncompiled, cap;

static pcre2_code *compile_counted(PCRE2_SPTR pat, PCRE2_SIZE len,
				   uint32_t opts, int *code, PCRE2_SIZE *off,
				   pcre2_compile_context *ctx)
{
	pcre2_code *re = pcre2_compile_8(pat, len, opts, code, off, ctx);

	if (re) {
		if (ncompiled == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(compiled = realloc(compiled, cap * sizeof *compiled)))
				abort();
		}
		compiled[ncompiled++] = re;
	}
	return re;
}
#undef pcre2_compile
#define pcre2_compile compile_counted

#include "../../lib/pol.c"

static void reset(void)
{
	for (int i = 0; i < nrules; i++)
		free(rules[i].text);
	free(rules);
	rules = NULL;
	nrules = 0;
	while (ncompiled > 0)
		pcre2_code_free(compiled[--ncompiled]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[512], spec[8192];

	if (size < 1)
		return 0;
	if (data[0] & 4) {
		size_t n = size - 1 < sizeof spec ? size - 1 : sizeof spec - 1;

		memcpy(spec, data + 1, n);
		spec[n] = '\0';
		pol_add_option((enum pol_action)(data[0] % 3), spec, err, sizeof err);
	} else {
		if (fd < 0 && (fd = memfd_create("policy", 0)) < 0)
			abort();
		if (ftruncate(fd, 0) < 0 ||
		    pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		pol_load(path, err, sizeof err);
	}
	reset();
	return 0;
}
