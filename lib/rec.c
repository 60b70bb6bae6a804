/* SPDX-License-Identifier: MIT */
/* rec: the record format, its four writers and the input iterator. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rec.h"

struct rec_out rec_out = { .fmt = REC_LOGFMT };

/* Building. */

void rec_reset(struct rec *r, const char *kind)
{
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->n = 0;
	r->used = 0;
	r->overflow = 0;
	r->out_len = strlen(r->kind) + 1; /* the kind, the newline */
	r->cut[0] = '\0';
}

/* Copy s (len bytes) into the record's buffer; NULL when full. */
static char *store(struct rec *r, const char *s, size_t len)
{
	char *p;

	if (r->used + len + 1 > sizeof r->buf) {
		r->overflow = 1;
		return NULL;
	}
	p = r->buf + r->used;
	memcpy(p, s, len);
	p[len] = '\0';
	r->used += len + 1;
	return p;
}

/* What one byte of a value takes in logfmt (rec_put_value). */
static size_t esc_cost(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r')
		return 2;
	return c < 0x20 || c == 0x7f ? 4 : 1;
}

/* Room left on the line for the cut= field, were it needed: its key and
 * every key foom could name in it. */
#define REC_CUT_RESERVE (sizeof " cut=" + sizeof ((struct rec *)0)->cut)

static void note_cut(struct rec *r, const char *key)
{
	size_t len = strlen(r->cut);

	if (len == 0 && r->n < REC_FIELDS_MAX) {
		/* the field points at r->cut, which grows with later cuts */
		r->f[r->n].key = "cut";
		r->f[r->n].val = r->cut;
		r->n++;
	}
	if (len + strlen(key) + 2 <= sizeof r->cut)
		snprintf(r->cut + len, sizeof r->cut - len, "%s%s",
			 len ? "," : "", key);
}

void rec_add(struct rec *r, const char *key, const char *val)
{
	const char *k, *v;
	size_t mark = r->used, len = strlen(val), klen = strlen(key);
	size_t room, cost = 0, quoted = len == 0, cut = 0;

	if (r->n >= REC_FIELDS_MAX - 1) { /* one kept for cut= */
		r->overflow = 1;
		return;
	}
	/* The room this value has: its own cap, and what the line has left
	 * after " key=" and the cut= field. */
	room = REC_LINE_MAX - REC_CUT_RESERVE;
	room = r->out_len + klen + 2 < room ? room - r->out_len - klen - 2 : 0;
	if (room > REC_VALUE_MAX)
		room = REC_VALUE_MAX;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		quoted |= c <= ' ' || c == '"' || c == '=' || c == 0x7f;
		cost += esc_cost(c);
	}
	if (cost + 2 * quoted > room) {
		/* the longest head that fits, quoted, and ends on a whole
		 * UTF-8 character */
		size_t n = 0;

		for (cost = 2; n < len && cost + esc_cost((unsigned char)val[n]) <= room; n++)
			cost += esc_cost((unsigned char)val[n]);
		while (n > 0 && n < len && ((unsigned char)val[n] & 0xc0) == 0x80)
			n--;
		len = n;
		cut = 1;
		if (cost > room) { /* not even "" fits: the key is named only */
			note_cut(r, key);
			return;
		}
	} else {
		cost += 2 * quoted;
	}
	k = store(r, key, klen);
	v = k ? store(r, val, len) : NULL;
	if (!v) {
		r->used = mark;
		return;
	}
	r->f[r->n].key = k;
	r->f[r->n].val = v;
	r->n++;
	r->out_len += klen + 2 + cost;
	if (cut)
		note_cut(r, key);
}

void rec_addf(struct rec *r, const char *key, const char *fmt, ...)
{
	char v[REC_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	rec_add(r, key, v);
}

/* Samples are mostly integers: format them without printf. */
void rec_add_ll(struct rec *r, const char *key, long long v)
{
	char b[24], *p = b + sizeof b;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
				       (unsigned long long)v;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*--p = '-';
	rec_add(r, key, p);
}

void rec_add_fix(struct rec *r, const char *key, double v, int prec)
{
	/* "-0.00" reads badly and means 0. */
	if (v < 0 && v > -0.5 * __builtin_powi(10.0, -prec))
		v = 0;
	rec_addf(r, key, "%.*f", prec, v);
}

void rec_add_ts(struct rec *r, const char *key, double ts)
{
	rec_add_fix(r, key, ts, 3);
}

/* Reading. */

static int is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int rec_parse(struct rec *r, const char *line, size_t len, char *err,
	      size_t errlen)
{
	const char *p = line, *end = line + len;
	const char *k;
	size_t klen;

	if (len > REC_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", REC_LINE_MAX);
		return -1;
	}
	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	rec_reset(r, "");
	k = p;
	while (p < end && ((*p >= 'a' && *p <= 'z') ||
			   (p > k && ((*p >= '0' && *p <= '9') || *p == '_' ||
				      *p == '-'))))
		p++;
	if (p == k || (p < end && *p != ' ')) {
		snprintf(err, errlen, "it does not open with a record kind");
		return -1;
	}
	if ((size_t)(p - k) >= sizeof r->kind) {
		snprintf(err, errlen, "record kind too long");
		return -1;
	}
	memcpy(r->kind, k, p - k);
	r->kind[p - k] = '\0';

	while (p < end) {
		char *v;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		k = p;
		while (p < end && is_key_char((unsigned char)*p))
			p++;
		klen = p - k;
		if (klen == 0 || p == end || *p != '=') {
			snprintf(err, errlen, "expected key=value at column %zu",
				 (size_t)(k - line) + 1);
			return -1;
		}
		if (r->n >= REC_FIELDS_MAX) {
			snprintf(err, errlen, "more than %d fields",
				 REC_FIELDS_MAX);
			return -1;
		}
		r->f[r->n].key = store(r, k, klen);
		p++; /* '=' */
		v = r->buf + r->used;
		if (p < end && *p == '"') {
			p++;
			for (;;) {
				int c;

				if (p == end) {
					snprintf(err, errlen,
						 "unterminated quoted value of '%s'",
						 r->f[r->n].key);
					return -1;
				}
				c = (unsigned char)*p++;
				if (c == '"')
					break;
				if (c == '\\') {
					int h, l;

					c = p < end ? (unsigned char)*p++ : -1;
					switch (c) {
					case '"': case '\\': break;
					case 'n': c = '\n'; break;
					case 't': c = '\t'; break;
					case 'r': c = '\r'; break;
					case 'x':
						h = p < end ? hexval(p[0]) : -1;
						l = p + 1 < end ? hexval(p[1]) : -1;
						if (h < 0 || l < 0 || (h | l) == 0)
							c = -1;
						else {
							c = h << 4 | l;
							p += 2;
						}
						break;
					default: c = -1;
					}
					if (c < 0) {
						snprintf(err, errlen,
							 "bad escape in value of '%s'",
							 r->f[r->n].key);
						return -1;
					}
				} else if (c < 0x20 || c == 0x7f) {
					snprintf(err, errlen,
						 "raw control character in value of '%s'",
						 r->f[r->n].key);
					return -1;
				}
				r->buf[r->used++] = (char)c;
			}
			if (p < end && *p != ' ') {
				snprintf(err, errlen,
					 "text after the closing quote of '%s'",
					 r->f[r->n].key);
				return -1;
			}
		} else {
			while (p < end && *p != ' ') {
				unsigned char c = *p++;

				if (c == '"' || c < 0x20 || c == 0x7f) {
					snprintf(err, errlen,
						 "bad character in value of '%s' (quote it)",
						 r->f[r->n].key);
					return -1;
				}
				r->buf[r->used++] = (char)c;
			}
		}
		r->buf[r->used++] = '\0';
		r->f[r->n].val = v;
		r->n++;
	}
	return 0;
}

const char *rec_get(const struct rec *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return r->f[i].val;
	return NULL;
}

int rec_is_cut(const struct rec *r, const char *key)
{
	const char *c = rec_get(r, "cut");
	size_t n = strlen(key);

	while (c && *c) {
		size_t m = strcspn(c, ",");

		if (m == n && strncmp(c, key, n) == 0)
			return 1;
		c += m + (c[m] == ',');
	}
	return 0;
}

int rec_num(const struct rec *r, const char *key, double *v)
{
	const char *s = rec_get(r, key);

	if (!s)
		return 0;
	return msg_parse_double(s, -1e300, 1e300, v) == 0 ? 1 : -1;
}

/* Writing. */

static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == 0x7f)
			return 1;
	return 0;
}

/* The escapes logfmt and JSON share; 0 when c is not one of them. */
static int put_escape(FILE *fp, unsigned char c)
{
	static const char from[] = "\"\\\n\t\r", to[] = "\"\\ntr";
	const char *p = c ? strchr(from, c) : NULL;

	if (!p)
		return 0;
	putc('\\', fp);
	putc(to[p - from], fp);
	return 1;
}

void rec_put_value(FILE *fp, const char *v)
{
	if (!needs_quotes(v)) {
		fputs(v, fp);
		return;
	}
	putc('"', fp);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (put_escape(fp, *p))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			putc(*p, fp);
	}
	putc('"', fp);
}

static void write_logfmt(FILE *fp, const struct rec *r)
{
	fputs(r->kind, fp);
	for (int i = 0; i < r->n; i++) {
		putc(' ', fp);
		fputs(r->f[i].key, fp);
		putc('=', fp);
		rec_put_value(fp, r->f[i].val);
	}
	putc('\n', fp);
}

/* A JSON number, exactly as JSON spells one. */
static int is_json_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* Length of the valid UTF-8 sequence at p, 0 when it is not one. */
static int utf8_len(const unsigned char *p)
{
	int n;
	uint32_t c;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0)
		n = 2, c = *p & 0x1f;
	else if ((*p & 0xf0) == 0xe0)
		n = 3, c = *p & 0x0f;
	else if ((*p & 0xf8) == 0xf0)
		n = 4, c = *p & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static void json_string(FILE *fp, const char *s)
{
	putc('"', fp);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = utf8_len(p);

		if (n > 1) {
			fwrite(p, 1, n, fp);
			p += n;
			continue;
		}
		/* Control characters, and bytes that are not UTF-8 (a comm
		 * may hold any), as their Latin-1 code. */
		if (!put_escape(fp, *p)) {
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(fp, "\\u%04x", *p);
			else
				putc(*p, fp);
		}
		p++;
	}
	putc('"', fp);
}

static void write_json(FILE *fp, const struct rec *r)
{
	fputs("{\"record\":", fp);
	json_string(fp, r->kind);
	for (int i = 0; i < r->n; i++) {
		putc(',', fp);
		json_string(fp, r->f[i].key);
		putc(':', fp);
		if (is_json_number(r->f[i].val))
			fputs(r->f[i].val, fp);
		else
			json_string(fp, r->f[i].val);
	}
	fputs("}\n", fp);
}

/* A TSV cell: tabs and newlines escaped so a row stays a row, other
 * control characters as \xNN (as logfmt spells them). */
static void tsv_cell(FILE *fp, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\\': fputs("\\\\", fp); break;
		default:
			/* a terminal escape in a comm is not the operator's */
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fprintf(fp, "\\x%02x", (unsigned char)*s);
			else
				putc(*s, fp);
		}
	}
}

static void write_tsv(FILE *fp, const struct rec *r)
{
	const char *f = rec_out.fields;

	while (*f) {
		size_t n = strcspn(f, ",");
		const char *v = NULL;

		if (n == 6 && strncmp(f, "record", 6) == 0)
			v = r->kind;
		for (int i = 0; !v && i < r->n; i++)
			if (strlen(r->f[i].key) == n &&
			    strncmp(r->f[i].key, f, n) == 0)
				v = r->f[i].val;
		if (v)
			tsv_cell(fp, v);
		f += n;
		if (*f == ',') {
			putc('\t', fp);
			f++;
		}
	}
	putc('\n', fp);
}

/*
 * The table (-t) holds its rows until rec_flush(), then prints them
 * under a header, each column as wide as its widest cell.  Columns and
 * widths are kept from one flush to the next, so a following command
 * prints a stable table, with the header again only when a column is
 * added.  Rows are kept as "kind\0key\0val\0...\x01" in one buffer that
 * grows to the largest batch and is then reused.
 */
#define TAB_COLS 160
static struct {
	char *buf;
	size_t len, cap;
	int ncols, printed_cols;
	char *col[TAB_COLS];
	int width[TAB_COLS];
	int kinds; /* 1: one kind so far, 2: several (add a column) */
	char kind[32];
} tab;

static void tab_append(const char *s, size_t n)
{
	if (tab.len + n > tab.cap) {
		size_t cap = tab.cap ? tab.cap : 65536;

		while (cap < tab.len + n)
			cap *= 2;
		tab.buf = realloc(tab.buf, cap);
		if (!tab.buf)
			msg_errx(EXIT_SYSTEM, "out of memory");
		tab.cap = cap;
	}
	memcpy(tab.buf + tab.len, s, n);
	tab.len += n;
}

static int tab_col(const char *key)
{
	for (int i = 0; i < tab.ncols; i++)
		if (strcmp(tab.col[i], key) == 0)
			return i;
	if (tab.ncols == TAB_COLS)
		return -1;
	tab.col[tab.ncols] = strdup(key);
	if (!tab.col[tab.ncols])
		msg_errx(EXIT_SYSTEM, "out of memory");
	tab.width[tab.ncols] = (int)strlen(key);
	return tab.ncols++;
}

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static int disp_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* A cell for people: control characters shown as '?', padded to w. */
static void table_cell(FILE *fp, const char *v, int w)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		putc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
	if (w > 0)
		fprintf(fp, "%*s", w - disp_width(v), "");
}

static void table_add(const struct rec *r)
{
	/* -o: the columns stand in the order asked, present or not */
	if (rec_out.fields && tab.ncols == 0) {
		char name[128];

		for (const char *f = rec_out.fields; *f;) {
			size_t n = strcspn(f, ",");

			if (n && n < sizeof name && !(n == 6 && !strncmp(f, "record", 6))) {
				memcpy(name, f, n);
				name[n] = '\0';
				tab_col(name);
			}
			f += n + (f[n] == ',');
		}
	}
	if (tab.kinds == 0) {
		tab.kinds = 1;
		snprintf(tab.kind, sizeof tab.kind, "%s", r->kind);
	} else if (tab.kinds == 1 && strcmp(tab.kind, r->kind) != 0) {
		tab.kinds = 2;
	}
	tab_append(r->kind, strlen(r->kind) + 1);
	for (int i = 0; i < r->n; i++) {
		int c = tab_col(r->f[i].key);
		int w = disp_width(r->f[i].val);

		if (c < 0)
			continue;
		if (w > tab.width[c])
			tab.width[c] = w;
		tab_append(r->f[i].key, strlen(r->f[i].key) + 1);
		tab_append(r->f[i].val, strlen(r->f[i].val) + 1);
	}
	tab_append("\x01", 1);
}

static void table_print(FILE *fp)
{
	static const char *cell[TAB_COLS];
	int kw = 6; /* "RECORD" */
	char *p = tab.buf, *end = tab.buf + tab.len;

	if (tab.len == 0)
		return;
	for (char *q = p; q < end;) {
		int w = (int)strlen(q);

		kw = w > kw ? w : kw;
		q += w + 1;
		while (*q != '\x01')
			q += strlen(q) + 1, q += strlen(q) + 1;
		q++;
	}
	if (tab.ncols != tab.printed_cols) {
		if (tab.kinds == 2)
			fprintf(fp, "%-*s ", kw, "RECORD");
		for (int c = 0; c < tab.ncols; c++) {
			for (const char *s = tab.col[c]; *s; s++)
				putc(*s >= 'a' && *s <= 'z' ? *s - 32 : *s, fp);
			if (c + 1 < tab.ncols)
				fprintf(fp, "%*s", tab.width[c] -
					(int)strlen(tab.col[c]) + 1, "");
		}
		putc('\n', fp);
		tab.printed_cols = tab.ncols;
	}
	while (p < end) {
		const char *kind = p;

		for (int c = 0; c < tab.ncols; c++)
			cell[c] = NULL;
		p += strlen(p) + 1;
		while (*p != '\x01') {
			const char *k = p, *v;

			p += strlen(p) + 1;
			v = p;
			p += strlen(p) + 1;
			for (int c = 0; c < tab.ncols; c++)
				if (strcmp(tab.col[c], k) == 0)
					cell[c] = v;
		}
		p++;
		if (tab.kinds == 2)
			fprintf(fp, "%-*s ", kw, kind);
		for (int c = 0; c < tab.ncols; c++) {
			table_cell(fp, cell[c] ? cell[c] : "-",
				   c + 1 < tab.ncols ? tab.width[c] + 1 : 0);
		}
		putc('\n', fp);
	}
	tab.len = 0;
}

/* -o with -t or -j: the record cut down to the listed fields, in the
 * listed order. */
static const struct rec *select_fields(const struct rec *r)
{
	static struct rec sel;
	const char *f = rec_out.fields;

	rec_reset(&sel, r->kind);
	while (*f) {
		size_t n = strcspn(f, ",");

		for (int i = 0; i < r->n; i++)
			if (strlen(r->f[i].key) == n &&
			    strncmp(r->f[i].key, f, n) == 0) {
				rec_add(&sel, r->f[i].key, r->f[i].val);
				break;
			}
		f += n + (f[n] == ',');
	}
	return &sel;
}

void rec_write(const struct rec *r)
{
	FILE *fp = rec_out.fp ? rec_out.fp : stdout;
	enum rec_fmt fmt = rec_out.fmt;

	if (rec_out.fields) {
		if (fmt == REC_LOGFMT)
			fmt = REC_TSV;
		else
			r = select_fields(r);
	}
	switch (fmt) {
	case REC_LOGFMT: write_logfmt(fp, r); break;
	case REC_JSON: write_json(fp, r); break;
	case REC_TSV: write_tsv(fp, r); break;
	case REC_TABLE: table_add(r); return;
	}
	if (rec_out.flush_each)
		fflush(fp);
}

void rec_flush(void)
{
	FILE *fp = rec_out.fp ? rec_out.fp : stdout;

	if (rec_out.fmt == REC_TABLE)
		table_print(fp);
	fflush(fp);
}

static error_t rec_parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 't': rec_out.fmt = REC_TABLE; break;
	case 'j': rec_out.fmt = REC_JSON; break;
	case 'o':
		if (!*arg || strspn(arg, ",") == strlen(arg))
			argp_error(state, "-o wants a list of field names");
		rec_out.fields = arg;
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option rec_options[] = {
	{ NULL, 0, NULL, 0, "Output:", 100 },
	{ "table", 't', NULL, 0, "An aligned table for people", 0 },
	{ "json", 'j', NULL, 0, "JSON lines, one object a record", 0 },
	{ "fields", 'o', "FIELDS", 0,
	  "Only these comma-separated fields, tab-separated (\"record\" is "
	  "the record kind); with -t or -j, a table or JSON of them", 0 },
	{ 0 }
};

const struct argp rec_argp = { rec_options, rec_parse_opt, NULL, NULL,
			       NULL, NULL, NULL };

/* The input iterator. */

static int read_stream(FILE *fp, struct rec_src *src, rec_line_fn fn,
		       void *ctx)
{
	static char line[REC_LINE_MAX + 1];

	for (;;) {
		size_t len = 0;
		int c = EOF;

		src->too_long = 0;
		while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
			if (len < REC_LINE_MAX)
				line[len++] = (char)c;
			else
				src->too_long = 1;
		}
		if (c == EOF && len == 0 && !src->too_long)
			return ferror(fp) ? -1 : 0;
		line[len] = '\0';
		src->lineno++;
		if (fn(ctx, line, len, src) < 0)
			return 1;
		if (c == EOF)
			return ferror(fp) ? -1 : 0;
	}
}

int rec_loop(char **files, int nfiles, rec_line_fn fn, void *ctx)
{
	static char *stdin_only[] = { "-" };
	int status = 0;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles; i++) {
		struct rec_src src = { .name = files[i] };
		FILE *fp = strcmp(files[i], "-") == 0 ? stdin :
						      fopen(files[i], "r");
		int rc;

		if (!fp) {
			msg_warn("cannot open '%s'", files[i]);
			status = EXIT_SYSTEM;
			continue;
		}
		rc = read_stream(fp, &src, fn, ctx);
		if (rc < 0) {
			msg_warn("cannot read '%s'", files[i]);
			status = EXIT_SYSTEM;
		}
		if (fp != stdin)
			fclose(fp);
		if (rc > 0)
			break;
	}
	return status;
}

int rec_parse_line(struct rec *r, const char *line, size_t len,
		   const struct rec_src *src)
{
	char err[160];
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i == len || line[i] == '#')
		return 1;
	if (src->too_long) {
		msg_warnx("%s:%ld: bad record: line longer than %d bytes",
			  src->name, src->lineno, REC_LINE_MAX);
		return -1;
	}
	if (memchr(line, '\0', len)) {
		msg_warnx("%s:%ld: bad record: NUL byte in line", src->name,
			  src->lineno);
		return -1;
	}
	if (rec_parse(r, line, len, err, sizeof err) < 0) {
		msg_warnx("%s:%ld: bad record: %s", src->name, src->lineno, err);
		return -1;
	}
	return 0;
}
