/*
 * select.h — the PeerPool's decisions as pure functions (internal).
 *
 * Each function looks at an array of candidates and returns indices into
 * it; none keeps state, allocates beyond its call or touches a socket, so
 * that the unit tests can check them as tables and the pool, p2p-peers'
 * `select` and the benches all run the same code.  Randomness comes from
 * lp2p_rand_uniform (seedable).  WIRE.md §10 and the reference's
 * utils/select.js and peer_pool.js are the contract.
 */
#ifndef LP2P_SELECT_H
#define LP2P_SELECT_H

#include <stddef.h>
#include <stdint.h>

/* What a peer is to us, by IP match (fixed > whitelisted > seed > none). */
enum lp2p__kind {
	LP2P__KIND_NONE = 0,
	LP2P__KIND_SEED,
	LP2P__KIND_WHITELISTED,
	LP2P__KIND_FIXED
};

/* One peer as the decisions see it. */
struct lp2p__cand {
	const char	*peer_id;	/* "IP:port", borrowed */
	uint32_t	 ip;		/* IPv4, host order */
	int		 outbound;	/* 1 outbound, 0 inbound */
	int		 kind;		/* enum lp2p__kind */
	int		 reputation;	/* 100 at start */
	uint32_t	 netgroup;	/* keyed hash (§11.3) */
	double		 latency;	/* ms, 0 before the first ping */
	double		 response_rate;	/* replies / requests */
	uint64_t	 connect_time;	/* ms, state created */
};

/* Protection ratios for inbound eviction (reference defaults in node.c). */
struct lp2p__evict_ratios {
	double	netgroup;		/* 0.034 */
	double	latency;		/* 0.068 */
	double	usefulness;		/* 0.068 */
	double	longevity;		/* 0.5 */
};

/* Shuffle idx[0..n) in place (Fisher-Yates over lp2p_rand_uniform). */
void	 lp2p__shuffle(size_t *, size_t);

/*
 * send (§10.2): up to limit peers, half (rounded) from the smaller of the
 * outbound/inbound groups, filled from the other, then every fixed peer;
 * no peerId twice.  Writes indices to out (room for n) and returns their
 * count.
 */
size_t	 lp2p__select_send(const struct lp2p__cand *, size_t, size_t,
	    size_t *);

/*
 * request (§10.1): the pool offers the open outbound peers, or every open
 * peer when none is outbound, to selectPeersForRequest, a shuffle cut to
 * limit (0: no limit).  Writes up to limit indices to out (room for n) and
 * returns their count.  lp2p__select_request is the node's call (limit 1):
 * the index, or -1 when n is 0.
 */
size_t	 lp2p__select_request_n(const struct lp2p__cand *, size_t, size_t,
	    size_t *);
long	 lp2p__select_request(const struct lp2p__cand *, size_t);

/*
 * connection (§10.3 step 3): from tried[0..nt) and new[0..nn) choose at
 * most limit peers (all when limit >= nt + nn, none when limit < 0), one
 * per IP (the highest reputation wins).  out receives indices into a
 * virtual concatenation new ++ tried (new first, as the reference merges
 * them): index i < nn is new[i], else tried[i - nn].  Room for nt + nn
 * (or limit when smaller).  Returns the count.  Only ip and reputation
 * are read.
 *
 * It is the two steps below, which a caller holding its candidates in
 * another form (the PeerBook) runs itself:
 * - connect_draw, the r rule: indices into new ++ tried as above, before
 *   one-per-IP (room for min(limit, nt + nn));
 * - one_per_ip on k candidates (pointers): writes to keep the indices in
 *   [0, k) of the survivors, each IP at the place of its first occurrence
 *   with its first candidate of the highest reputation; returns their
 *   count, or SIZE_MAX when out of memory (k > LP2P__SELECT_SMALL only).
 */
#define LP2P__SELECT_SMALL	64	/* one_per_ip: quadratic up to it */
size_t	 lp2p__select_connect(const struct lp2p__cand *, size_t,
	    const struct lp2p__cand *, size_t, long, size_t *);
size_t	 lp2p__select_connect_draw(size_t, size_t, long, size_t *);
size_t	 lp2p__select_one_per_ip(const struct lp2p__cand *const *, size_t,
	    size_t *);

/*
 * Inbound eviction (§10.4): the index of the inbound peer to evict, or -1
 * when every candidate is protected (whitelisted and fixed peers are never
 * candidates; outbound entries are ignored).
 */
long	 lp2p__select_evict_inbound(const struct lp2p__cand *, size_t,
	    const struct lp2p__evict_ratios *);

/* Outbound shuffle: one random non-fixed outbound peer, or -1. */
long	 lp2p__select_evict_outbound(const struct lp2p__cand *, size_t);

/*
 * How many entries a getPeers answer carries when the book holds n peers
 * (§10.5): max(R, min(min_len, n)), R uniform in
 * [ceil(min(max_len, n/4)), floor(min(max_len, n/2))].
 */
size_t	 lp2p__advertise_count(size_t, size_t, size_t);

#endif /* LP2P_SELECT_H */
