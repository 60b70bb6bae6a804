/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the policy parser (lib/rules).  The first byte picks the
 * action and the entry point: a --protect style "FIELD=REGEX" option
 * (rules_add_option), or policy lines (rules_add_line, one a line, as
 * rules_load reads a file).  Each input builds a rule set of its own
 * and frees it, so a leak or a use after free shows.  When rules came
 * out of it, they are matched against the input's own bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const char *fuzz_field(void *ctx, enum rule_field f)
{
	return f == RF_POD ? NULL : ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[65536];
	char err[512];
	struct rules *rs;
	size_t n;

	if (size < 1)
		return 0;
	if (!(rs = rules_new()))
		abort();
	n = size - 1 < sizeof text ? size - 1 : sizeof text - 1;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	if (data[0] & 4) {
		rules_add_option(rs, (enum rule_action)(data[0] % 3), text, err,
				 sizeof err);
	} else {
		for (char *p = text, *nl; p && *p; p = nl) {
			if ((nl = strchr(p, '\n')))
				*nl++ = '\0';
			if (rules_add_line(rs, p, "fuzz: ", err, sizeof err) < 0)
				break;
		}
	}
	memcpy(text, data + 1, n);
	text[n] = '\0';
	for (int i = 0; i < rules_count(rs); i++) {
		rules_apply(rs, i, text);
		rules_match(rs, i, fuzz_field, text);
		if (!rules_text(rs, i))
			abort();
	}
	rules_free(rs);
	return 0;
}
