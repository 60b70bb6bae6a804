/* SPDX-License-Identifier: MIT */
/* pw: a passwd file's uid -> name table (pw.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "pw.h"

/* Larger than any passwd file a node holds; what is past it is not read. */
#define PW_FILE_MAX (1 << 20)

struct pw_entry {
	long long uid;
	const char *name;
};

struct pw_table {
	char *text;
	struct pw_entry *e;
	int n;
};

struct pw_table *pw_load(const char *file)
{
	struct pw_table *t = calloc(1, sizeof *t);
	int fd, lines = 0, e;
	long n;

	if (!t)
		return NULL;
	fd = open(file ? file : "/etc/passwd", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (!file && errno == ENOENT)
			return t;
		goto fail;
	}
	if (!(t->text = malloc(PW_FILE_MAX)))
		goto fail;
	n = proc_pread(fd, t->text, PW_FILE_MAX);
	if (n < 0)
		goto fail;
	close(fd);
	fd = -1;
	for (long i = 0; i < n; i++)
		lines += t->text[i] == '\n';
	if (!(t->e = calloc(lines + 1, sizeof *t->e)))
		goto fail;
	for (char *p = t->text; p && *p;) {
		char *nl = strchr(p, '\n'), *c1, *c2, *end;
		long long uid;

		if (nl)
			*nl = '\0';
		/* name:password:uid:... */
		c1 = strchr(p, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 && c2 && c1 > p && *p != '#' && *p != '+' && *p != '-') {
			uid = strtoll(c2 + 1, &end, 10);
			if (end != c2 + 1 && *end == ':' && t->n <= lines) {
				*c1 = '\0';
				t->e[t->n].uid = uid;
				t->e[t->n++].name = p;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return t;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(t->text);
	free(t);
	errno = e;
	return NULL;
}

const char *pw_name(const struct pw_table *t, long long uid)
{
	for (int i = 0; t && i < t->n; i++)
		if (t->e[i].uid == uid)
			return t->e[i].name;
	return NULL;
}
