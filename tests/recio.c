/* SPDX-License-Identifier: MIT */
/*
 * recio: a test tool for lib/rec.  Reads records (files, "-" or stdin)
 * and writes them back in the chosen output (-t, -j, -o), so the tests
 * can prove that what is written reads back identical.  With -w it
 * instead writes one record whose values are its KEY=VALUE arguments
 * taken literally, the writer's side of a round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rec.h"

static struct rec rec;
static int bad, write_mode;

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	(void)ctx;
	switch (rec_parse_line(&rec, line, len, src)) {
	case 0: rec_write(&rec); break;
	case -1: bad = 1; break;
	}
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	if (key == 'w')
		write_mode = 1;
	else
		return ARGP_ERR_UNKNOWN;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "write", 'w', NULL, 0, "Write one record from KIND KEY=VALUE...", 0 },
		{ 0 }
	};
	static const struct argp_child children[] = { { &rec_argp, 0, NULL, 0 },
						       { 0 } };
	struct argp argp = { options, parse_opt, "[FILE...]",
			     "Read records and write them back.\v" MSG_EXIT_DOC,
			     children, NULL, NULL };
	int idx, status;

	msg_init("recio");
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	if (write_mode) {
		if (idx >= argc)
			msg_errx(EXIT_USAGE, "-w wants a record kind");
		rec_reset(&rec, argv[idx]);
		for (int i = idx + 1; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (!eq)
				msg_errx(EXIT_USAGE, "'%s' is not KEY=VALUE", argv[i]);
			*eq = '\0';
			rec_add(&rec, argv[i], eq + 1);
		}
		rec_write(&rec);
		rec_flush();
		return EXIT_OK;
	}
	status = rec_loop(argv + idx, argc - idx, on_line, NULL);
	rec_flush();
	return status ? status : bad ? EXIT_USAGE : EXIT_OK;
}
