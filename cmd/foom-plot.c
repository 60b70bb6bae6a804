/* SPDX-License-Identifier: MIT */
/*
 * foom-plot: a recorded stream (samples, verdicts, kills, as foom-watch
 * -v or foom-sample | foom-predict --pass write them) drawn as one
 * timeline picture per scope, for the person looking back at an
 * incident.  Three panels share the time axis: the level as a band;
 * available, anonymous and file memory against the limit; refaults and
 * the stall shares.  Each kill is a line across the panels, labelled
 * with its victim.  gnuplot draws; foom-plot writes its data files and
 * its script, and never puts a byte of the input into the script: names
 * and labels go through data files, read as text.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "rec.h"

/* A scope name longer than this is cut in the file name (its hash keeps
 * it apart); the title in the picture carries it whole. */
#define NAME_FILE_MAX 80
/* More points than this in all scopes would make pictures nobody reads
 * and files of hundreds of MiB: the rest are dropped, and said so. */
#define POINTS_MAX 2000000L
/* --dir longer than this is refused: every path foom-plot makes fits. */
#define DIR_MAX 1024
#define PATH_BUF (DIR_MAX + 2 * NAME_FILE_MAX + 128)
#define PATH_FILE (PATH_BUF + 32) /* a file in a work directory */

enum { F_SVG, F_PNG };

static struct {
	const char *dir;
	int format;
	long width, height;
	int script_only;
	char **scopes;
	int nscopes;
	long max_scopes;
} opt = { .dir = ".", .format = F_SVG, .width = 1200, .height = 800,
	  .max_scopes = 64 };

struct pt {
	double t, a, b, c, d;
};

struct series {
	struct pt *p;
	size_t n, cap;
};

struct kill {
	double t;
	char label[160];
};

struct scope {
	char *name;
	struct series mem, stall, level;
	struct kill *k;
	size_t nk, capk;
	long samples, verdicts;
};

static struct scope *sc;
static int nsc;
static long points, dropped;
static double t0 = NAN;
static int bad;
static long unscoped; /* samples and verdicts without scope= or ts= */
static char unscoped_at[512];
static struct rec in;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap * 2 : 256;

	while (c < need)
		c *= 2;
	p = realloc(p, c * size);
	if (!p)
		msg_errx(EXIT_SYSTEM, "out of memory for %zu points", need);
	*cap = c;
	return p;
}

static void add(struct series *s, struct pt p)
{
	if (points >= POINTS_MAX) {
		dropped++;
		return;
	}
	s->p = grow(s->p, &s->cap, s->n + 1, sizeof *s->p);
	s->p[s->n++] = p;
	points++;
}

static int wanted(const char *scope)
{
	if (opt.nscopes == 0)
		return 1;
	for (int i = 0; i < opt.nscopes; i++)
		if (strcmp(opt.scopes[i], scope) == 0)
			return 1;
	return 0;
}

static struct scope *find(const char *name)
{
	static int full_warned;

	for (int i = 0; i < nsc; i++)
		if (strcmp(sc[i].name, name) == 0)
			return &sc[i];
	if (nsc >= opt.max_scopes) {
		if (!full_warned++)
			msg_warnx("more than %ld scopes: the others are not drawn "
				  "(--max-scopes, or -s SCOPE)", opt.max_scopes);
		return NULL;
	}
	sc = realloc(sc, (nsc + 1) * sizeof *sc);
	if (!sc || !(name = strdup(name)))
		msg_errx(EXIT_SYSTEM, "out of memory for a scope");
	memset(&sc[nsc], 0, sizeof *sc);
	sc[nsc].name = (char *)name;
	return &sc[nsc++];
}

static double num(const struct rec *r, const char *key)
{
	double v;

	return rec_num(r, key, &v) == 1 && isfinite(v) ? v : NAN;
}

static double mib(const struct rec *r, const char *key)
{
	return num(r, key) / 1024;
}

static int level_code(const char *l)
{
	static const char *const names[] = { "ok", "warn", "near-oom", "oom" };

	for (int i = 0; l && i < 4; i++)
		if (strcmp(l, names[i]) == 0)
			return i;
	return -1;
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	const char *scope, *kind;
	struct scope *s;
	double ts;

	(void)ctx;
	switch (rec_parse_line(&in, line, len, src)) {
	case 1:
		return 0;
	case -1:
		bad = 1;
		return 0;
	}
	kind = in.kind;
	if (strcmp(kind, "sample") && strcmp(kind, "verdict") && strcmp(kind, "kill"))
		return 0;
	scope = rec_get(&in, "scope");
	ts = num(&in, "ts");
	if (!scope || isnan(ts)) {
		/* a kill refused before its scope was known names none */
		if (strcmp(kind, "kill") != 0 && !unscoped++)
			snprintf(unscoped_at, sizeof unscoped_at, "%s:%ld",
				 src->name, src->lineno);
		return 0;
	}
	if (!wanted(scope) || !(s = find(scope)))
		return 0;
	if (isnan(t0) || ts < t0)
		t0 = ts;
	if (strcmp(kind, "sample") == 0) {
		s->samples++;
		add(&s->mem, (struct pt){ ts, mib(&in, "limit_kb"), mib(&in, "avail_kb"),
					  mib(&in, "anon_kb"), mib(&in, "file_kb") });
	} else if (strcmp(kind, "verdict") == 0) {
		s->verdicts++;
		add(&s->level, (struct pt){ ts, level_code(rec_get(&in, "level")),
					    level_code(rec_get(&in, "fresh")), 0, 0 });
		add(&s->stall, (struct pt){ ts, num(&in, "refault_pct_ps"),
					    num(&in, "psi_io_some_pct"),
					    num(&in, "psi_mem_some_pct"),
					    num(&in, "iowait_pct") });
	} else {
		const char *comm = rec_get(&in, "comm"), *res = rec_get(&in, "result");

		if (!res || strcmp(res, "killed") != 0)
			return 0;
		s->k = grow(s->k, &s->capk, s->nk + 1, sizeof *s->k);
		snprintf(s->k[s->nk].label, sizeof s->k[s->nk].label, "%s %s",
			 comm ? comm : "?", rec_get(&in, "pid") ? rec_get(&in, "pid") : "?");
		s->k[s->nk++].t = ts;
	}
	return 0;
}

/* A label for a data file: printable ASCII only, no tab or quote. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '"' || *s == '\\')
			*s = '?';
}

/* The picture's file name: the scope as [A-Za-z0-9._-], cut, and a hash
 * of the whole name, so two scopes never share a file. */
static void file_name(const char *scope, char *out, size_t len)
{
	uint32_t h = 2166136261u;
	char base[NAME_FILE_MAX + 1];
	size_t i;

	for (const unsigned char *p = (const unsigned char *)scope; *p; p++)
		h = (h ^ *p) * 16777619u;
	for (i = 0; scope[i] && i < NAME_FILE_MAX; i++) {
		unsigned char c = (unsigned char)scope[i];

		base[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' ? (char)c : '_';
	}
	base[i] = 0;
	snprintf(out, len, "foom-%s-%08x.%s", base, (unsigned)h,
		 opt.format == F_SVG ? "svg" : "png");
}

static FILE *create(const char *dir, const char *name)
{
	char path[PATH_FILE];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(fp = fopen(path, "w")))
		msg_err(EXIT_SYSTEM, "cannot write '%s'", path);
	return fp;
}

static void put(FILE *fp, double v)
{
	if (isnan(v))
		fputs("\tNaN", fp);
	else
		fprintf(fp, "\t%.3f", v);
}

static void close_or_die(FILE *fp, const char *what)
{
	if (ferror(fp) | fclose(fp))
		msg_errx(EXIT_SYSTEM, "cannot write %s", what);
}

/* One series as rows of time and its four figures. */
static void write_series(const struct series *se, const char *dir,
			 const char *name)
{
	FILE *fp = create(dir, name);

	for (size_t i = 0; i < se->n; i++) {
		const struct pt *p = &se->p[i];

		fprintf(fp, "%.3f", p->t - t0);
		put(fp, p->a);
		put(fp, p->b);
		put(fp, p->c);
		put(fp, p->d);
		fputc('\n', fp);
	}
	close_or_die(fp, name);
}

/* The data files of one scope, in dir: times are seconds from t0. */
static void write_data(const struct scope *s, const char *dir)
{
	FILE *fp;

	write_series(&s->mem, dir, "mem.tsv");
	write_series(&s->stall, dir, "stall.tsv");
	/* the band: each verdict's level until the next verdict */
	fp = create(dir, "level.tsv");
	for (size_t i = 0; i < s->level.n; i++) {
		const struct pt *p = &s->level.p[i];
		double next = i + 1 < s->level.n ? s->level.p[i + 1].t : p->t + 0.1;

		if (p->a >= 0)
			fprintf(fp, "%.3f\t%.3f\t%d\t%d\n", (p->t + next) / 2 - t0,
				next - p->t, (int)p->a, p->b >= 0 ? (int)p->b : (int)p->a);
	}
	close_or_die(fp, "level.tsv");
	fp = create(dir, "kills.tsv");
	for (size_t i = 0; i < s->nk; i++) {
		char label[sizeof s->k[i].label];

		memcpy(label, s->k[i].label, sizeof label);
		clean(label);
		fprintf(fp, "%.3f\t\"%s\"\n", s->k[i].t - t0, label);
	}
	close_or_die(fp, "kills.tsv");
	fp = create(dir, "title.tsv");
	{
		char *title = strdup(s->name);

		if (!title)
			msg_errx(EXIT_SYSTEM, "out of memory");
		clean(title);
		fprintf(fp, "0\t\"%s\"\n", title);
		free(title);
	}
	close_or_die(fp, "title.tsv");
}

static double last_t(const struct scope *s)
{
	double t = t0;

	if (s->mem.n)
		t = fmax(t, s->mem.p[s->mem.n - 1].t);
	if (s->stall.n)
		t = fmax(t, s->stall.p[s->stall.n - 1].t);
	for (size_t i = 0; i < s->nk; i++)
		t = fmax(t, s->k[i].t);
	return t;
}

/* The gnuplot script: fixed text, numbers and the file names foom-plot
 * made; nothing from the input. */
static void write_script(const struct scope *s, const char *dir, const char *out)
{
	FILE *fp = create(dir, "plot.gp");
	time_t t = (time_t)t0;
	struct tm tm;
	char when[64];

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(fp,
		"set terminal %s size %ld,%ld noenhanced\n"
		"set output '%s'\n"
		"set datafile separator '\\t'\n"
		"set datafile missing 'NaN'\n"
		"set multiplot\n"
		"set lmargin 12\nset rmargin 4\nset grid xtics\n",
		opt.format == F_SVG ? "svg dynamic" : "pngcairo",
		opt.width, opt.height, out);
	fprintf(fp, "set xrange [0:%.3f]\n", fmax(last_t(s) - t0, 1));
	for (size_t i = 0; i < s->nk; i++)
		fprintf(fp, "set arrow %zu from %.3f, graph 0 to %.3f, graph 1 "
			"nohead lc rgb '#c00000' lw 2 front\n",
			i + 1, s->k[i].t - t0, s->k[i].t - t0);
	/* the band: fresh level below, shown (held) level above */
	fputs("set origin 0,0.82\nset size 1,0.14\n"
	      "set yrange [0:2.8]\nset ytics ('fresh' 0.5, 'level' 1.5)\n"
	      "unset key\nset format x ''\n"
	      "set palette defined (0 '#3a9a3a', 1 '#e0c000', 2 '#e06000', 3 '#b00000')\n"
	      "set cbrange [0:3]\nunset colorbox\nset style fill solid 1.0 noborder\n", fp);
	fputs("plot 'title.tsv' using 1:(2.4):2 with labels left notitle, \\\n"
	      "     'level.tsv' using 1:(0.5):($2/2):(0.45):4 with boxxyerror lc palette notitle, \\\n"
	      "     '' using 1:(1.5):($2/2):(0.45):3 with boxxyerror lc palette notitle\n", fp);
	fputs("set origin 0,0.42\nset size 1,0.40\n"
	      "set autoscale y\nset yrange [0:1<*]\nset ytics auto\n"
	      "set ylabel 'MiB'\nset key top left horizontal\n", fp);
	if (!s->mem.n)
		fputs("set label 2 'no samples: record with foom-watch -v, or foom-predict --pass' "
		      "at graph 0.5, graph 0.5 center\n", fp);
	fputs("plot 'mem.tsv' using 1:2 with lines lw 2 lc rgb '#000000' title 'limit', \\\n"
	      "     '' using 1:3 with lines lw 2 lc rgb '#2060c0' title 'available', \\\n"
	      "     '' using 1:4 with lines lw 2 lc rgb '#c03030' title 'anonymous', \\\n"
	      "     '' using 1:5 with lines lw 2 lc rgb '#30a030' title 'page cache', \\\n"
	      "     'kills.tsv' using 1:(0):2 with labels rotate by 90 left offset 1,1 "
	      "tc rgb '#c00000' notitle\n", fp);
	fprintf(fp, "set origin 0,0.02\nset size 1,0.40\n"
		"unset label 2\nset ylabel '%%'\nset format x '%%g'\n"
		"set xlabel 'seconds from %s'\n", when);
	{
		static const char *const line[4] = {
			"using 1:2 with lines lw 2 lc rgb '#8040c0' title 'refaults %/s of the cache'",
			"using 1:3 with lines lw 1 lc rgb '#c07000' title 'PSI io some'",
			"using 1:4 with lines lw 1 lc rgb '#208080' title 'PSI memory some'",
			"using 1:5 with lines lw 1 lc rgb '#808080' title 'iowait'",
		};
		int n = 0;
		double ymax = 1;

		for (size_t i = 0; i < s->stall.n; i++) {
			const struct pt *p = &s->stall.p[i];
			double v[4] = { p->a, p->b, p->c, p->d };

			for (int c = 0; c < 4; c++)
				if (v[c] > ymax)
					ymax = v[c];
		}
		fprintf(fp, "set yrange [0:%.3f]\n", ymax * 1.1);

		/* only the columns the input has: a v1 cgroup has no iowait,
		 * a host without PSI no PSI */
		for (int c = 0; c < 4; c++) {
			int any = 0;

			for (size_t i = 0; i < s->stall.n && !any; i++) {
				const struct pt *p = &s->stall.p[i];
				double v = c == 0 ? p->a : c == 1 ? p->b : c == 2 ? p->c : p->d;

				any = !isnan(v);
			}
			if (any)
				fprintf(fp, "%s '%s' %s", n++ ? ", \\\n    " : "plot",
					"stall.tsv", line[c]);
		}
		if (n)
			fputc('\n', fp);
		else
			fputs("set label 1 'no verdicts: run the stream through "
			      "foom-predict --pass' at graph 0.5, graph 0.5 center\n"
			      "plot NaN notitle\n", fp);
	}
	fputs("unset multiplot\n", fp);
	close_or_die(fp, "plot.gp");
}

static int run_gnuplot(const char *dir)
{
	const char *gp = getenv("FOOM_GNUPLOT");
	pid_t pid;
	int st;

	if (!gp || !*gp)
		gp = "gnuplot";
	pid = fork();
	if (pid < 0)
		msg_err(EXIT_SYSTEM, "cannot fork gnuplot");
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(126);
		execlp(gp, gp, "plot.gp", (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s (Debian: apt-get install "
			"gnuplot-nox)\n", msg_prog, gp, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			msg_err(EXIT_SYSTEM, "cannot wait for gnuplot");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void rm_work(const char *dir)
{
	static const char *const files[] = { "mem.tsv", "stall.tsv", "level.tsv",
					     "kills.tsv", "title.tsv", "plot.gp" };
	char path[PATH_FILE];

	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'd':
		opt.dir = arg;
		break;
	case 'F':
		if (strcmp(arg, "svg") == 0)
			opt.format = F_SVG;
		else if (strcmp(arg, "png") == 0)
			opt.format = F_PNG;
		else
			argp_error(state, "--format: '%s' is not svg or png", arg);
		break;
	case 'z':
		if (sscanf(arg, "%ldx%ld", &opt.width, &opt.height) != 2 ||
		    opt.width < 200 || opt.width > 10000 || opt.height < 200 ||
		    opt.height > 10000 || strspn(arg, "0123456789x") != strlen(arg))
			argp_error(state, "--size: '%s' is not WxH, each 200 to 10000", arg);
		break;
	case 's':
		opt.scopes = realloc(opt.scopes, (opt.nscopes + 1) * sizeof *opt.scopes);
		if (!opt.scopes)
			msg_errx(EXIT_SYSTEM, "out of memory");
		opt.scopes[opt.nscopes++] = arg;
		break;
	case 'S':
		opt.script_only = 1;
		break;
	case 'm':
		if (msg_parse_long(arg, 1, 10000, &opt.max_scopes) < 0)
			argp_error(state, "--max-scopes: '%s' is not a number from 1 "
				   "to 10000", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "dir", 'd', "DIR", 0, "Write the pictures into DIR (default .)", 0 },
		{ "format", 'F', "svg|png", 0, "Picture format (default svg)", 0 },
		{ "size", 'z', "WxH", 0, "Picture size in pixels (default 1200x800)", 0 },
		{ "scope", 's', "SCOPE", 0, "Draw only SCOPE (repeatable; default every scope)", 0 },
		{ "max-scopes", 'm', "N", 0, "Draw at most N scopes (default 64)", 0 },
		{ "script", 'S', NULL, 0,
		  "Keep each picture's data and gnuplot script in DIR/NAME.d instead "
		  "of running gnuplot", 0 },
		{ 0 }
	};
	static const struct argp_child children[] = {
		{ &rec_argp, 0, NULL, 0 },
		{ 0 }
	};
	struct argp argp = {
		options, parse_opt, "[FILE...]",
		"A recorded stream of samples, verdicts and kills drawn as one "
		"timeline picture per scope (with gnuplot)."
		"\v" MSG_EXIT_DOC " Here 1: no sample or verdict in the input. "
		"FILE holds records (foom-watch -v, foom-sample | foom-predict "
		"--pass, foom-kill's log); none or - is stdin. One plot record "
		"per picture goes to stdout.",
		children, NULL, NULL
	};
	struct stat st;
	int idx, status, drawn = 0;

	msg_init("foom-plot");
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	if (strlen(opt.dir) > DIR_MAX)
		msg_errx(EXIT_USAGE, "--dir: longer than %d bytes", DIR_MAX);
	if (stat(opt.dir, &st) < 0 || !S_ISDIR(st.st_mode))
		msg_errx(EXIT_USAGE, "--dir: '%s' is not a directory", opt.dir);
	status = rec_loop(argv + idx, argc - idx, on_line, NULL);
	if (unscoped) {
		msg_warnx("%ld sample or verdict records without scope= or ts= "
			  "skipped (the first at %s)", unscoped, unscoped_at);
		bad = 1;
	}
	if (dropped)
		msg_warnx("more than %ld points: %ld were not drawn", POINTS_MAX, dropped);
	for (int i = 0; i < nsc; i++) {
		struct scope *s = &sc[i];
		char name[NAME_FILE_MAX + 32], work[PATH_BUF], rel[NAME_FILE_MAX + 48];
		struct rec r;
		int rc;

		if (!s->samples && !s->verdicts)
			continue;
		file_name(s->name, name, sizeof name);
		snprintf(work, sizeof work, "%s/%s.d", opt.dir, name);
		if (mkdir(work, 0755) < 0 && errno != EEXIST)
			msg_err(EXIT_SYSTEM, "cannot make '%s'", work);
		/* the output is named from the work directory, one level down */
		snprintf(rel, sizeof rel, "../%s", name);
		write_data(s, work);
		write_script(s, work, rel);
		rec_reset(&r, "plot");
		rec_add(&r, "scope", s->name);
		if (opt.script_only) {
			rec_add(&r, "script", work);
		} else {
			if ((rc = run_gnuplot(work)) != 0) {
				msg_warnx("gnuplot failed (status %d) on %s/plot.gp: kept "
					  "for a look", rc, work);
				status = EXIT_SYSTEM;
				continue;
			}
			rm_work(work);
			snprintf(work, sizeof work, "%s/%s", opt.dir, name);
			rec_add(&r, "file", work);
		}
		rec_add_ll(&r, "samples", s->samples);
		rec_add_ll(&r, "verdicts", s->verdicts);
		rec_add_ll(&r, "kills", (long long)s->nk);
		rec_write(&r);
		drawn++;
	}
	rec_flush();
	if (status)
		return status;
	if (bad)
		return EXIT_USAGE;
	return drawn ? EXIT_OK : EXIT_NONE;
}
