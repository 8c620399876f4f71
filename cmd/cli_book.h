/*
 * cli_book.h — finding the PeerBook from a program: the default path
 * (from the chain ID that cli_net.h resolves), and durations.  Only cmd/
 * uses this.
 */
#ifndef LP2P_CLI_BOOK_H
#define LP2P_CLI_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "liskp2p.h"

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

/*
 * The one conversion of a crawl record into a book entry, for p2p-watch -b
 * and p2p-peers import alike.  A record ({"type":"PEER","peerId",
 * "reachable",...} of p2p-watch --crawl, or an outbound connection of a
 * watch) says the peer was advertised, and whether dialing it worked:
 *   reachable    added to new if unknown, moved to tried (a successful
 *                outbound connection), lastSeen now, and info (consumed;
 *                jv_null() or {} for none) as its last-seen info;
 *   unreachable  added to new if unknown; a tried entry counts a failed
 *                connection (the reference's downgradePeer: the third
 *                sends it back to new); a new entry stays, where the
 *                reference's node would drop it: one observer's failed
 *                dial is not proof enough to forget a peer.
 * source (NULL: none) is the sourceAddress of an entry added.  Returns
 * lp2p_book_add's code (0 added, LP2P_EEXIST known, LP2P_EBANNED, ...);
 * *changed is set to 1 when the book changed.
 */
int	 cli_book_crawled(struct lp2p_book *, const char *, uint16_t,
	    const char *, int, jv, uint64_t, int *, struct lp2p_err *);
/* What a record or event learnt of a reached peer: {nodeInfo?, rttMs?}. */
jv	 cli_book_crawl_info(jv);		/* not consumed */

#endif
