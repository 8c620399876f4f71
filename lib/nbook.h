/*
 * nbook.h — what the node needs from its PeerBook (internal).
 *
 * A thin adapter: the node speaks only these functions, so that the book's
 * own API (book.c, bookfile.c) can change without touching the pool.
 * Times are ms since the epoch; ids are "IP:port".
 */
#ifndef LP2P_NBOOK_H
#define LP2P_NBOOK_H

#include <stddef.h>
#include <stdint.h>

#include "liskp2p.h"

struct lp2p__nb;

struct lp2p__nb_ent {
	char		 id[64];
	char		 ip[48];
	uint16_t	 port;
	int		 tried;
	int		 reputation;
	int		 advertise;
};

/* Open (path NULL: memory only; an absent file is created). */
int	 lp2p__nb_open(struct lp2p__nb **, const char *, const uint8_t *,
	    size_t, uint32_t, uint64_t, struct lp2p_err *);
void	 lp2p__nb_free(struct lp2p__nb *);
/* Save own changes and pick up others' (file books); 0 or error. */
int	 lp2p__nb_sync(struct lp2p__nb *, uint64_t, struct lp2p_err *);
int	 lp2p__nb_has(struct lp2p__nb *, const char *, uint16_t);
/* Add to new: 1 added, 0 already known, <0 refused (banned, full...). */
int	 lp2p__nb_add(struct lp2p__nb *, const char *, uint16_t, const char *,
	    uint64_t);
/* Move to tried (adding first if absent). */
int	 lp2p__nb_upgrade(struct lp2p__nb *, const char *, uint16_t, uint64_t);
/* A failed dial: new entry removed, tried entry counts a failure. */
void	 lp2p__nb_downgrade(struct lp2p__nb *, const char *, uint16_t,
	    uint64_t);
void	 lp2p__nb_remove(struct lp2p__nb *, const char *, uint16_t);
/*
 * Test-before-evict (issue 12): 1 when ip:port is in new and moving it
 * to tried would evict an entry of a full bucket; the entry that would
 * go (the one added first; trusted ones never) in vip/vport.
 */
int	 lp2p__nb_tried_victim(struct lp2p__nb *, const char *, uint16_t,
	    char *vip, size_t, uint16_t *vport);
/* Peer state kept across connections. */
void	 lp2p__nb_set_state(struct lp2p__nb *, const char *, uint16_t, int,
	    int, uint64_t);
int	 lp2p__nb_advertise(struct lp2p__nb *, const char *ip, uint16_t port);
int	 lp2p__nb_reputation(struct lp2p__nb *, const char *, uint16_t);
/*
 * Ban an IP until a time (every entry of the IP removed); port names the
 * offender, whose fixed or whitelisted peerId is never banned.
 */
void	 lp2p__nb_ban(struct lp2p__nb *, const char *, uint16_t, uint64_t);
/* The book's secret (from its file when there is one). */
uint32_t lp2p__nb_secret(struct lp2p__nb *);
/*
 * Put ip:port on a static list (enum lp2p_book_list) for the node's life,
 * not in the file: a sync writes the book without it (unless the file's
 * lists have it too) and puts it back.
 */
int	 lp2p__nb_list_add(struct lp2p__nb *, int, const char *, uint16_t);
/*
 * The static lists' one classifier is the book's: the kind of an IP
 * (enum lp2p_peer_kind: fixed > whitelisted > seed), a blacklisted IP,
 * a trusted (seed, fixed or whitelisted) peerId.
 */
int	 lp2p__nb_kind(struct lp2p__nb *, const char *);
int	 lp2p__nb_is_blacklisted(struct lp2p__nb *, const char *);
int	 lp2p__nb_is_trusted(struct lp2p__nb *, const char *);
int	 lp2p__nb_is_banned(struct lp2p__nb *, const char *, uint64_t);
size_t	 lp2p__nb_count(struct lp2p__nb *, int);
size_t	 lp2p__nb_ban_count(struct lp2p__nb *);	/* live bans */
/*
 * Entries of list which (0 new, 1 tried, 2 both) into a malloc'd array
 * (*out, free it); returns the count (0 with *out NULL on ENOMEM).
 */
size_t	 lp2p__nb_list(struct lp2p__nb *, int, struct lp2p__nb_ent **);

#endif /* LP2P_NBOOK_H */
