/*
 * cli_book.h — finding the PeerBook from a program: the default path
 * (from the chain ID that cli_net.h resolves), and durations.  Only cmd/
 * uses this.
 */
#ifndef LP2P_CLI_BOOK_H
#define LP2P_CLI_BOOK_H

#include <stddef.h>
#include <stdint.h>

/*
 * The book's path: path if not NULL, else
 * $XDG_STATE_HOME/liskp2p/<chain ID hex>.peerbook (~/.local/state when
 * XDG_STATE_HOME is unset or empty).  malloc'd; NULL (and a message) when
 * there is neither a path nor a chain ID.
 */
char	*cli_book_path(const char *, const uint8_t *, long);
/* Create the directories above path (mode 0700), as mkdir -p. 0 or -1. */
int	 cli_book_mkdirs(const char *);
/* ms since the epoch, now. */
uint64_t cli_now_ms(void);
/*
 * A duration: a number with an optional unit ms, s (default), m, h, d, w.
 * Returns ms, or 0 and *errstr on error ("not a duration", "too large").
 */
uint64_t cli_duration(const char *, const char **);

#endif
