/* SPDX-License-Identifier: MIT */
/*
 * thin: sample records (files, "-" or stdin) made what foom-sample -f
 * would have printed at their times: each scope's records pass its gate
 * (lib/sample's sample_gate_full, on the cheap keys); the ones it finds
 * far from any limit lose the keys only a full read prints and gain
 * cheap=1.  For replaying recorded traces (bench/eval-cheap) and the
 * tests; other records pass unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rec.h"
#include "sample.h"

/* Scopes in one stream: a trace holds two, a test a few. */
#define THIN_SCOPES 256

static struct rec in, out;
static struct {
	char name[256];
	struct sample_gate gate;
} scope[THIN_SCOPES];
static int nscopes, bad;

static struct sample_gate *gate_of(const char *name)
{
	for (int i = 0; i < nscopes; i++)
		if (strcmp(scope[i].name, name) == 0)
			return &scope[i].gate;
	if (nscopes == THIN_SCOPES || strlen(name) >= sizeof scope[0].name)
		return NULL;
	strcpy(scope[nscopes].name, name);
	return &scope[nscopes++].gate;
}

static int full_only(const char *key, const char *memcg)
{
	for (const char *const *k = sample_full_keys(memcg); *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	struct sample_cheap c;
	struct sample_gate *g;
	const char *sc;
	double ts;

	(void)ctx;
	switch (rec_parse_line(&in, line, len, src)) {
	case 1: return 0;
	case -1: bad = 1; return 0;
	}
	if (strcmp(in.kind, "sample") != 0 || !(sc = rec_get(&in, "scope")) ||
	    rec_num(&in, "ts", &ts) != 1 || rec_get(&in, "cheap") ||
	    !(g = gate_of(sc))) {
		rec_write(&in);
		return 0;
	}
	sample_cheap_of(&in, &c);
	if (sample_gate_full(g, &c, ts)) {
		rec_write(&in);
		return 0;
	}
	rec_reset(&out, in.kind);
	for (int i = 0; i < in.n; i++)
		if (!full_only(in.f[i].key, rec_get(&in, "memcg")))
			rec_add(&out, in.f[i].key, in.f[i].val);
	rec_add(&out, "cheap", "1");
	rec_write(&out);
	return 0;
}

int main(int argc, char **argv)
{
	int status;

	msg_init("thin");
	status = rec_loop(argv + 1, argc - 1, on_line, NULL);
	rec_flush();
	return status ? status : bad ? EXIT_USAGE : EXIT_OK;
}
