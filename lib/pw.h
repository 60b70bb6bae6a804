/* SPDX-License-Identifier: MIT */
/*
 * pw: user names from a passwd file, read whole, once, and never through
 * NSS: a name lookup must not wait on a directory server under memory
 * pressure.
 */
#ifndef FOOM_PW_H
#define FOOM_PW_H

struct pw_table;

/* Read file (NULL: /etc/passwd).  The table, or NULL with errno; a
 * missing /etc/passwd (file NULL) gives an empty table: users are then
 * written as numbers. */
struct pw_table *pw_load(const char *file);
/* The name of uid, or NULL. */
const char *pw_name(const struct pw_table *t, long long uid);

#endif
