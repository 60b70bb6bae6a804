/* SPDX-License-Identifier: MIT */
/*
 * pods: Kubernetes pods as the node itself knows them, from the kubelet's
 * pods directory (/var/log/pods), one NAMESPACE_NAME_UID entry a pod;
 * never from an API server, which may not answer under memory pressure.
 */
#ifndef FOOM_PODS_H
#define FOOM_PODS_H

/* Pods on one node: the kubelet's default max-pods is 110, and 250 the
 * usual ceiling. */
#define PODS_MAX 1024

struct pod {
	char ns[64], name[256], uid[80];
};

/* One pods-dir entry: 0 and p filled, or -1 when name is not
 * NAMESPACE_NAME_UID (namespaces, names and UIDs hold no '_'). */
int pods_entry(const char *name, struct pod *p);

/* The whole directory, read into a fixed table with getdents64 (no
 * allocation).  0; -1 with errno when the directory cannot be read
 * (the table is then empty). */
struct pods {
	int n;
	struct pod p[PODS_MAX];
	char dents[16384];
};
int pods_load(struct pods *t, const char *dir);
const struct pod *pods_find(const struct pods *t, const char *uid);

#endif
