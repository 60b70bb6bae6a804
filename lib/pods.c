/* SPDX-License-Identifier: MIT */
/* pods: the kubelet's pods directory (pods.h). */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pods.h"

int pods_entry(const char *name, struct pod *p)
{
	const char *s1 = strchr(name, '_');
	const char *s2 = s1 ? strchr(s1 + 1, '_') : NULL;

	if (!s2 || strchr(s2 + 1, '_') || s1 == name || s2 == s1 + 1 ||
	    !s2[1] || (size_t)(s1 - name) >= sizeof p->ns ||
	    (size_t)(s2 - s1 - 1) >= sizeof p->name ||
	    strlen(s2 + 1) >= sizeof p->uid)
		return -1;
	memcpy(p->ns, name, s1 - name);
	p->ns[s1 - name] = '\0';
	memcpy(p->name, s1 + 1, s2 - s1 - 1);
	p->name[s2 - s1 - 1] = '\0';
	strcpy(p->uid, s2 + 1);
	return 0;
}

int pods_load(struct pods *t, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t len;

	t->n = 0;
	if (fd < 0)
		return -1;
	while ((len = getdents64(fd, t->dents, sizeof t->dents)) > 0)
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(t->dents + off);

			off += d->d_reclen;
			if (t->n < PODS_MAX && pods_entry(d->d_name, &t->p[t->n]) == 0)
				t->n++;
		}
	close(fd);
	return len < 0 ? -1 : 0;
}

const struct pod *pods_find(const struct pods *t, const char *uid)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->p[i].uid, uid) == 0)
			return &t->p[i];
	return NULL;
}
