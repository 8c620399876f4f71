/*
 * cli_opt.h — one option table per program: getopt_long(3) reads it, and
 * --help prints it, one line per option, as git and curl do.  The test
 * tests/cli/options.bats checks that each program's man page and its
 * bash, zsh and fish completions name exactly the options of its table,
 * so the table is the one place an option is declared.
 *
 * Adding an option is one row of the program's optab[] (and its case in the program's switch):
 *
 *	CLI_OPT_LONG("metrics", OPT_METRICS, "ADDR:PORT",
 *	    "serve Prometheus metrics on ADDR:PORT"),
 *
 * then its .It in the man page and its line in the three completions
 * (the test says which are missing).  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_OPT_H
#define LP2P_CLI_OPT_H

#include <stdio.h>

#define CLI_OPT_MAX	64	/* rows in one table */

struct cli_opt {
	const char	*name;		/* long name, without "--" */
	int		 ch;		/* short letter, or 0 */
	int		 val;		/* what cli_opt_getopt returns */
	const char	*arg;		/* argument's name; NULL: no argument */
	const char	*help;		/* one line, no final period */
};

/* --NAME and -C */
#define CLI_OPT_SHORT(name, c, arg, help)	{ name, c, c, arg, help }
/* --NAME only; val out of the range of letters */
#define CLI_OPT_LONG(name, val, arg, help)	{ name, 0, val, arg, help }
#define CLI_OPT_END				{ NULL, 0, 0, NULL, NULL }

/* getopt_long(3) over the table (ended by CLI_OPT_END). */
int	cli_opt_getopt(int, char *const *, const struct cli_opt *);
/* "options:" and one line per row: "  -b, --peerbook FILE  help" */
void	cli_opt_help(FILE *, const struct cli_opt *);

#endif
