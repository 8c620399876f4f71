/*
 * cli.h — what the four programs share: start-up hygiene, --version,
 * numbers from flags, and a plain NDJSON writer for programs that do not
 * run an event loop on stdout.  Only cmd/ uses this (and err(3)).
 */
#ifndef LP2P_CLI_H
#define LP2P_CLI_H

#include <stdio.h>
#include <jv.h>

/* fds 0-2 open (on /dev/null if closed), SIGPIPE ignored. Call first. */
void	 cli_init(void);
/* "PROG VERSION (libliskp2p VERSION)" on stdout. */
void	 cli_version(const char *);
/* strtonum(3) of a flag's argument; on error: "PROG: FLAG ARG: why", exit 2 */
long long cli_num(const char *, const char *, long long, long long);
/*
 * One compact JSON object and a newline on stdout, flushed.  Consumes v.
 * EPIPE (reader gone) ends the program quietly with status 0.
 */
void	 cli_emit(jv);
/*
 * -v: a PENALTY event line (not consumed; other types are ignored) named
 * on stderr: "PROG: peer ID: penalty N (reason: detail), reputation R".
 */
void	 cli_warn_penalty(jv);

#endif
