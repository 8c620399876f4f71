/*
 * cli_opt.c — option tables: getopt_long and --help (see cli_opt.h).
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_opt.h"

#define HELP_COLUMN	30	/* where descriptions start */

int
cli_opt_getopt(int argc, char *const *argv, const struct cli_opt *t)
{
	static struct option lo[CLI_OPT_MAX + 1];
	static char so[3 * CLI_OPT_MAX + 2];
	static const struct cli_opt *built;
	size_t n = 0, k = 0;

	if (built != t) {
		for (; t[n].name != NULL; n++) {
			if (n == CLI_OPT_MAX)
				errx(1, "option table: more than %d rows",
				    CLI_OPT_MAX);
			lo[n].name = t[n].name;
			lo[n].has_arg = t[n].arg != NULL ? required_argument :
			    no_argument;
			lo[n].flag = NULL;
			lo[n].val = t[n].val;
			if (t[n].ch != 0) {
				so[k++] = (char)t[n].ch;
				if (t[n].arg != NULL)
					so[k++] = ':';
			}
		}
		memset(&lo[n], 0, sizeof(lo[n]));
		so[k] = '\0';
		built = t;
	}
	return getopt_long(argc, argv, so, lo, NULL);
}

void
cli_opt_help(FILE *f, const struct cli_opt *t)
{
	char left[128];

	fprintf(f, "options:\n");
	for (; t->name != NULL; t++) {
		int w;

		if (t->ch != 0)
			w = snprintf(left, sizeof(left), "  -%c, --%s%s%s",
			    t->ch, t->name, t->arg ? " " : "",
			    t->arg ? t->arg : "");
		else
			w = snprintf(left, sizeof(left), "      --%s%s%s",
			    t->name, t->arg ? " " : "", t->arg ? t->arg : "");
		if (w < HELP_COLUMN - 1)
			fprintf(f, "%-*s%s\n", HELP_COLUMN, left, t->help);
		else
			fprintf(f, "%s\n%*s%s\n", left, HELP_COLUMN, "",
			    t->help);
	}
}
