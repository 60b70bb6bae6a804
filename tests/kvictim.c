/* SPDX-License-Identifier: MIT */
/*
 * kvictim: a process for foom-kill's tests to kill.  It goes into its
 * own process group (unless -G), optionally ignores SIGTERM, touches
 * some memory, forks children or leaves a zombie, then writes its PID
 * and those of its children to the ready file and sleeps until killed.
 *
 *	kvictim [-t] [-G] [-m MIB] [-c N] [-z] -r FILE
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *ready = NULL;
	int c, own_group = 1, children = 0, zombie = 0;
	long mib = 0;
	char tmp[4096];
	FILE *fp;
	pid_t kids[64];

	while ((c = getopt(argc, argv, "tGm:c:zr:")) != -1) {
		switch (c) {
		case 't': signal(SIGTERM, SIG_IGN); break;
		case 'G': own_group = 0; break;
		case 'm': mib = atol(optarg); break;
		case 'c': children = atoi(optarg); break;
		case 'z': zombie = 1; break;
		case 'r': ready = optarg; break;
		default:
			fprintf(stderr, "usage: kvictim [-t] [-G] [-m MIB] "
				"[-c N] [-z] -r FILE\n");
			return 2;
		}
	}
	if (!ready || children < 0 || children > 64 || mib < 0 || mib > 1024) {
		fprintf(stderr, "kvictim: bad arguments\n");
		return 2;
	}
	if (own_group)
		setpgid(0, 0);
	if (mib) {
		char *p = mmap(NULL, (size_t)mib << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("kvictim: mmap");
			return 1;
		}
		memset(p, 0x5a, (size_t)mib << 20);
	}
	for (int i = 0; i < children + zombie; i++) {
		kids[i] = fork();
		if (kids[i] < 0) {
			perror("kvictim: fork");
			return 1;
		}
		if (kids[i] == 0) {
			if (i == children) /* the zombie: exit, never reaped */
				_exit(0);
			for (;;)
				pause();
		}
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", ready);
	fp = fopen(tmp, "w");
	if (!fp) {
		perror("kvictim: ready file");
		return 1;
	}
	fprintf(fp, "%d\n", (int)getpid());
	for (int i = 0; i < children + zombie; i++)
		fprintf(fp, "%d\n", (int)kids[i]);
	if (zombie) /* wait until the child is a zombie */
		for (int i = 0; i < 1000; i++) {
			char path[64], buf[512], *p;
			FILE *s;

			snprintf(path, sizeof path, "/proc/%d/stat",
				 (int)kids[children]);
			s = fopen(path, "r");
			if (!s)
				break;
			p = fgets(buf, sizeof buf, s);
			fclose(s);
			if (p && (p = strrchr(buf, ')')) && p[2] == 'Z')
				break;
			usleep(1000);
		}
	fclose(fp);
	rename(tmp, ready);
	for (;;)
		pause();
}
