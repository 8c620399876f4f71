/*
 * cli_book.h — finding and opening the PeerBook from a program: the
 * default path, network presets for the chain ID, and durations.  Only
 * cmd/ uses this.
 */
#ifndef LP2P_CLI_BOOK_H
#define LP2P_CLI_BOOK_H

#include <stddef.h>
#include <stdint.h>

#define CLI_CHAIN_ID_MAX	32	/* bytes */

/*
 * The chain ID from --network NAME (mainnet, testnet, devnet) or
 * --chain-id HEX (either may be NULL; both must agree).  Returns the
 * length (>= 0), -1 when neither was given; usage errors exit 2.
 */
long	 cli_chain_id(const char *, const char *, uint8_t *);
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
