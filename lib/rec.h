/* SPDX-License-Identifier: MIT */
/*
 * rec: foom's record format (foom(7)).  One record a line, logfmt:
 *
 *	kind key=value key="quoted \"value\"" ...
 *
 * A record is parsed into (key, value) pairs held in the record itself,
 * so reading and writing allocate nothing.  The same record can be
 * written as logfmt, JSON lines (-j), an aligned table (-t) or the
 * tab-separated values of chosen fields (-o).
 */
#ifndef FOOM_REC_H
#define FOOM_REC_H

#include <argp.h>
#include <stddef.h>
#include <stdio.h>

/* Longest input line read as a record; longer ones are rejected.  Every
 * record foom writes fits: rec_add cuts what would not (REC_VALUE_MAX). */
#define REC_LINE_MAX 65536
/* Longest value written, as logfmt spells it (quotes and escapes
 * counted): a cmdline, a cgroup path or a comm is chosen by whoever runs
 * the process, and an escaped byte takes four.  A longer value is cut to
 * fit and its key named in the record's cut= field. */
#define REC_VALUE_MAX 4096
/* Most fields in a record: a v2 sample has about 60. */
#define REC_FIELDS_MAX 128

struct rec_field {
	const char *key;
	const char *val;
};

struct rec {
	char kind[32];
	int n;
	int overflow; /* a field did not fit and was dropped */
	size_t out_len; /* the logfmt line so far, as written */
	char cut[128];  /* keys whose values were cut, comma-separated */
	struct rec_field f[REC_FIELDS_MAX];
	size_t used;
	char buf[2 * REC_LINE_MAX];
};

/* Building.  A value longer than REC_VALUE_MAX (as written), or one that
 * would take the line past REC_LINE_MAX, is cut, and the writers add
 * cut=KEY,... at the end: whoever reads the record knows it is not whole. */
void rec_reset(struct rec *r, const char *kind);
void rec_add(struct rec *r, const char *key, const char *val);
void rec_addf(struct rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rec_add_ll(struct rec *r, const char *key, long long v);
/* A decimal with prec digits after the point ("%.*f"). */
void rec_add_fix(struct rec *r, const char *key, double v, int prec);
/* ts= in seconds since the epoch, millisecond precision. */
void rec_add_ts(struct rec *r, const char *key, double ts);

/* Reading. */
int rec_parse(struct rec *r, const char *line, size_t len, char *err,
	      size_t errlen);
const char *rec_get(const struct rec *r, const char *key);
/* 1 when the record's cut= names key: its value is not the whole. */
int rec_is_cut(const struct rec *r, const char *key);
/* 1 and *v set when key holds a number, 0 when absent, -1 when not a
 * number. */
int rec_num(const struct rec *r, const char *key, double *v);

/* Writing, to the one output of a command (rec_out, set by rec_argp). */
enum rec_fmt { REC_LOGFMT, REC_JSON, REC_TABLE, REC_TSV };

struct rec_out {
	enum rec_fmt fmt;
	FILE *fp;
	int flush_each; /* flush after every record: set by stream stages */
	char *fields;   /* -o: comma-separated field names (TSV, or the
			 * fields -t and -j show) */
};

extern struct rec_out rec_out;
/* The argp child for -t, -j and -o, the same in every command. */
extern const struct argp rec_argp;

void rec_write(const struct rec *r);
/* Print what the table has buffered, then flush the stream. */
void rec_flush(void);
/* Write one logfmt value (quoted and escaped when it must be). */
void rec_put_value(FILE *fp, const char *v);

/*
 * The input iterator: every line of every file named ("-" is stdin),
 * or of stdin when there are none.  fn gets each line without its
 * newline; a line longer than REC_LINE_MAX comes cut, with
 * src->too_long set.  fn returns 0 to go on, -1 to stop.  Returns 0, or
 * EXIT_SYSTEM when a file could not be read (after a message).
 */
struct rec_src {
	const char *name; /* file name, "-" for stdin */
	long lineno;
	int too_long;
};
typedef int (*rec_line_fn)(void *ctx, char *line, size_t len,
			   const struct rec_src *src);
int rec_loop(char **files, int nfiles, rec_line_fn fn, void *ctx);

/* fn for rec_loop's users that read records: parse the line and report
 * a bad one as "prog: FILE:LINE: bad record: why".  Returns 0 when r
 * holds the record, 1 for a blank or comment line, -1 for a bad one. */
int rec_parse_line(struct rec *r, const char *line, size_t len,
		   const struct rec_src *src);

#endif
