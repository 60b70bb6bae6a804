/* SPDX-License-Identifier: MIT */
/*
 * rules: the operator's policy.  A rule is an action (protect, prefer,
 * avoid) and PCRE2 patterns on fields of a process (name, cmdline, exe,
 * user, cgroup, pod, namespace), all of which must match, optionally
 * limited to the scopes a scope= pattern matches.  Rules come from
 * options ("FIELD=REGEX") or a policy file (foom-rank(1) gives its
 * grammar), are compiled once, and are matched against whatever reads a
 * process's fields (lib/view).
 */
#ifndef FOOM_RULES_H
#define FOOM_RULES_H

#include <stddef.h>

enum rule_action { RULE_PROTECT, RULE_PREFER, RULE_AVOID, RULE_NACTION };
enum rule_field { RF_NAME, RF_CMDLINE, RF_EXE, RF_USER, RF_CGROUP, RF_POD,
		  RF_NAMESPACE, RF_N };

extern const char *const rule_action_names[RULE_NACTION];
extern const char *const rule_field_names[RF_N];

struct rules;

/* An empty rule set; NULL with errno when out of memory. */
struct rules *rules_new(void);
void rules_free(struct rules *rs);

/* A rule from an option: "FIELD=REGEX" (the pattern is the rest, blanks
 * and all).  0; -1 and err for a bad spec or pattern; -2 and errno when
 * out of memory. */
int rules_add_option(struct rules *rs, enum rule_action action,
		     const char *spec, char *err, size_t errlen);
/* One policy line, ACTION FIELD=REGEX... [scope=REGEX] [# comment]
 * (modified in place).  where prefixes messages ("FILE:LINE: ").  0 (a
 * rule, or a blank or comment line); -1 and err; -2 and errno. */
int rules_add_line(struct rules *rs, char *line, const char *where,
		   char *err, size_t errlen);
/* A policy file.  0; -1 and err ("FILE:LINE: why") for a bad line; -2
 * and errno when unreadable or out of memory. */
int rules_load(struct rules *rs, const char *file, char *err, size_t errlen);

int rules_count(const struct rules *rs);
enum rule_action rules_action(const struct rules *rs, int i);
/* As a policy file spells it, for rule= in a record. */
const char *rules_text(const struct rules *rs, int i);
/* Whether rule i applies in scope (its scope= pattern matches); every
 * rule applies when scope is NULL (not known: doubt spares). */
int rules_apply(const struct rules *rs, int i, const char *scope);
/* The fields any rule reads, as bits (1u << RF_*). */
unsigned rules_fields(const struct rules *rs);

/* Match rule i against a process whose fields get() gives (NULL: the
 * process has no such field, which no pattern matches).  1 every
 * pattern matches; 0 one does not; -1 the matcher gave up (a PCRE2
 * limit) and nothing failed to match. */
typedef const char *(*rules_get_fn)(void *ctx, enum rule_field f);
int rules_match(const struct rules *rs, int i, rules_get_fn get, void *ctx);

#endif
