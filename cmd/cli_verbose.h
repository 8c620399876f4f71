/*
 * cli_verbose.h — what -v prints on standard error: one line per event
 * that a person following a node wants to see (dials and their outcome,
 * inbound peers, closes with code and reason, bans with their reason),
 * from one table in cli_verbose.c:
 *
 *   p2p-node: dial 127.0.0.1:5001: connected
 *   p2p-node: dial 127.0.0.1:5009: failed: connect: connection refused
 *   p2p-node: ban 127.0.0.1:5003: reason=Banned: too many messages
 *
 * A new kind of line (a penalty event, a pause) is one row of that table.
 * Only cmd/ uses this.
 */
#ifndef LP2P_CLI_VERBOSE_H
#define LP2P_CLI_VERBOSE_H

#include <jv.h>

/* The -v line of ev (not consumed) on stderr, when its type has one. */
void	cli_verbose_event(jv);

#endif
