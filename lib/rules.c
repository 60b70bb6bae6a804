/* SPDX-License-Identifier: MIT */
/* rules: the policy's rules, parsed and compiled once (rules.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

/* Patterns in one rule, all of which must match: more makes a policy
 * nobody can read. */
#define RULE_MATCH_MAX 8
/* A rule as printed in rule=; a longer one is cut (rec cuts it anyway). */
#define RULE_TEXT_MAX 8192

const char *const rule_action_names[RULE_NACTION] = {
	[RULE_PROTECT] = "protect", [RULE_PREFER] = "prefer",
	[RULE_AVOID] = "avoid",
};
const char *const rule_field_names[RF_N] = {
	[RF_NAME] = "name", [RF_CMDLINE] = "cmdline", [RF_EXE] = "exe",
	[RF_USER] = "user", [RF_CGROUP] = "cgroup", [RF_POD] = "pod",
	[RF_NAMESPACE] = "namespace",
};

struct match {
	enum rule_field field;
	pcre2_code *re;
};

struct rule {
	enum rule_action action;
	int n;
	struct match m[RULE_MATCH_MAX];
	pcre2_code *scope_re; /* NULL: every scope */
	char *text;
};

struct rules {
	struct rule *r;
	int n;
	unsigned fields;
	pcre2_match_data *md;
};

struct rules *rules_new(void)
{
	struct rules *rs = calloc(1, sizeof *rs);

	if (rs && !(rs->md = pcre2_match_data_create(1, NULL))) {
		free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}

static void rule_free(struct rule *r)
{
	for (int i = 0; i < r->n; i++)
		pcre2_code_free(r->m[i].re);
	pcre2_code_free(r->scope_re);
	free(r->text);
}

void rules_free(struct rules *rs)
{
	if (!rs)
		return;
	for (int i = 0; i < rs->n; i++)
		rule_free(&rs->r[i]);
	free(rs->r);
	pcre2_match_data_free(rs->md);
	free(rs);
}

static int compile(const char *pat, pcre2_code **re, const char *where,
		   char *err, size_t errlen)
{
	PCRE2_UCHAR why[256];
	PCRE2_SIZE off;
	int code;

	*re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &code,
			    &off, NULL);
	if (!*re) {
		pcre2_get_error_message(code, why, sizeof why);
		snprintf(err, errlen, "%sbad pattern '%s' at offset %zu: %s",
			 where, pat, (size_t)off, (char *)why);
		return -1;
	}
	pcre2_jit_compile(*re, PCRE2_JIT_COMPLETE); /* interpreted if not */
	return 0;
}

/* 1 match, 0 none, -1 the matcher gave up (a limit). */
static int re_match(const struct rules *rs, const pcre2_code *re,
		    const char *s)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0,
			     rs->md, NULL);

	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int field_of(const char *s, size_t n)
{
	for (int f = 0; f < RF_N; f++)
		if (strlen(rule_field_names[f]) == n &&
		    strncmp(s, rule_field_names[f], n) == 0)
			return f;
	return -1;
}

static void add_text(char *buf, size_t size, const char *key, const char *val)
{
	size_t len = strlen(buf);
	int blank = val[strcspn(val, " \t")] != '\0';

	/* as a policy file spells it: a pattern with a blank in quotes */
	snprintf(buf + len, size - len, blank ? " %s=\"%s\"" : " %s=%s", key, val);
}

/* Take r (its patterns compiled) into the set, with its text; on
 * failure r is freed. */
static int add_rule(struct rules *rs, struct rule *r, const char *text)
{
	struct rule *n;

	if (!(r->text = strdup(text)) ||
	    !(n = realloc(rs->r, (rs->n + 1) * sizeof *rs->r))) {
		rule_free(r);
		errno = ENOMEM;
		return -2;
	}
	rs->r = n;
	rs->r[rs->n++] = *r;
	for (int i = 0; i < r->n; i++)
		rs->fields |= 1u << r->m[i].field;
	return 0;
}

int rules_add_option(struct rules *rs, enum rule_action action,
		     const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	struct rule r = { .action = action, .n = 1 };
	char where[64], text[RULE_TEXT_MAX];
	int f = eq ? field_of(spec, eq - spec) : -1;

	snprintf(where, sizeof where, "--%s: ", rule_action_names[action]);
	if (!eq || f < 0) {
		snprintf(err, errlen,
			 "%sunknown field in '%s' (want FIELD=REGEX, FIELD one of "
			 "name, cmdline, exe, user, cgroup, pod, namespace)",
			 where, spec);
		return -1;
	}
	if (!eq[1]) {
		snprintf(err, errlen, "%sempty pattern in '%s'", where, spec);
		return -1;
	}
	r.m[0].field = (enum rule_field)f;
	if (compile(eq + 1, &r.m[0].re, where, err, errlen) < 0)
		return -1;
	snprintf(text, sizeof text, "%s", rule_action_names[action]);
	add_text(text, sizeof text, rule_field_names[f], eq + 1);
	return add_rule(rs, &r, text);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next KEY=VALUE of a policy line: *key and *val point into p,
 * terminated; returns the rest, NULL at the end, or (char *)-1 with err. */
static char *next_pair(char *p, char **key, size_t *klen, char **val,
		       const char *where, char *err, size_t errlen)
{
	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return NULL;
	*key = p;
	*klen = strcspn(p, "= \t\r\n");
	p += *klen;
	if (*p != '=' || *klen == 0) {
		snprintf(err, errlen, "%sexpected FIELD=REGEX at '%.*s'",
			 where, (int)strcspn(*key, " \t\r\n"), *key);
		return (char *)-1;
	}
	*p++ = '\0';
	if (*p == '"') {
		/* taken literally up to the next quote */
		char *q = strchr(p + 1, '"');

		if (!q) {
			snprintf(err, errlen, "%sunterminated quote in '%s='",
				 where, *key);
			return (char *)-1;
		}
		*val = p + 1;
		*q = '\0';
		p = q + 1;
		if (*p && !is_blank(*p)) {
			snprintf(err, errlen,
				 "%stext after the closing quote of '%s='",
				 where, *key);
			return (char *)-1;
		}
	} else {
		*val = p;
		p += strcspn(p, " \t\r\n");
	}
	if (*p)
		*p++ = '\0';
	if (!**val) {
		snprintf(err, errlen, "%sempty pattern for '%s'", where, *key);
		return (char *)-1;
	}
	return p;
}

int rules_add_line(struct rules *rs, char *p, const char *where, char *err,
		   size_t errlen)
{
	struct rule r = { 0 };
	char text[RULE_TEXT_MAX], *pats[RULE_MATCH_MAX], *scope = NULL;
	char *key, *val;
	const char *word;
	size_t n, klen;
	int a, f;

	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	word = p;
	n = strcspn(p, " \t\r\n");
	p += n;
	for (a = 0; a < RULE_NACTION; a++)
		if (strlen(rule_action_names[a]) == n &&
		    strncmp(word, rule_action_names[a], n) == 0)
			break;
	if (a == RULE_NACTION) {
		snprintf(err, errlen,
			 "%sunknown action '%.*s' (want protect, prefer or avoid)",
			 where, (int)n, word);
		return -1;
	}
	r.action = (enum rule_action)a;
	while ((p = next_pair(p, &key, &klen, &val, where, err, errlen))) {
		const char *why = NULL;

		if (p == (char *)-1)
			goto bad;
		if (strcmp(key, "scope") == 0) {
			if (scope) {
				snprintf(err, errlen, "%sscope= given twice", where);
				goto bad;
			}
			scope = val;
			if (compile(val, &r.scope_re, where, err, errlen) < 0)
				goto bad;
			continue;
		}
		if ((f = field_of(key, klen)) < 0)
			why = "unknown field '%s' (want name, cmdline, exe, user, "
			      "cgroup, pod, namespace or scope)";
		else if (r.n == RULE_MATCH_MAX)
			why = "more than 8 patterns in a rule (at '%s')";
		if (why) {
			size_t len = (size_t)snprintf(err, errlen, "%s", where);

			if (len < errlen)
				snprintf(err + len, errlen - len, why, key);
			goto bad;
		}
		r.m[r.n].field = (enum rule_field)f;
		pats[r.n] = val;
		if (compile(val, &r.m[r.n].re, where, err, errlen) < 0)
			goto bad;
		r.n++;
	}
	if (r.n == 0) {
		snprintf(err, errlen, "%s'%s' wants at least one FIELD=REGEX",
			 where, rule_action_names[a]);
		goto bad;
	}
	snprintf(text, sizeof text, "%s", rule_action_names[a]);
	for (int i = 0; i < r.n; i++)
		add_text(text, sizeof text, rule_field_names[r.m[i].field], pats[i]);
	if (scope)
		add_text(text, sizeof text, "scope", scope);
	return add_rule(rs, &r, text);
bad:
	rule_free(&r);
	return -1;
}

int rules_load(struct rules *rs, const char *file, char *err, size_t errlen)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0;
	long lineno = 0;
	int rc = 0, e;

	if (!fp)
		return -2;
	while (rc == 0 && getline(&line, &cap, fp) >= 0) {
		snprintf(where, sizeof where, "%s:%ld: ", file, ++lineno);
		rc = rules_add_line(rs, line, where, err, errlen);
	}
	e = errno;
	if (rc == 0 && ferror(fp))
		rc = -2;
	free(line);
	fclose(fp);
	errno = e;
	return rc;
}

int rules_count(const struct rules *rs)
{
	return rs ? rs->n : 0;
}

enum rule_action rules_action(const struct rules *rs, int i)
{
	return rs->r[i].action;
}

const char *rules_text(const struct rules *rs, int i)
{
	return rs->r[i].text;
}

unsigned rules_fields(const struct rules *rs)
{
	return rs ? rs->fields : 0;
}

int rules_apply(const struct rules *rs, int i, const char *scope)
{
	return !scope || !rs->r[i].scope_re ||
	       re_match(rs, rs->r[i].scope_re, scope) != 0;
}

int rules_match(const struct rules *rs, int i, rules_get_fn get, void *ctx)
{
	const struct rule *r = &rs->r[i];
	int gave_up = 0;

	for (int k = 0; k < r->n; k++) {
		const char *s = get(ctx, r->m[k].field);
		int m = s ? re_match(rs, r->m[k].re, s) : 0;

		if (m == 0)
			return 0;
		gave_up |= m < 0;
	}
	return gave_up ? -1 : 1;
}
