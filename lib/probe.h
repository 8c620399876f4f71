/*
 * probe.h — what a peer tells about itself (probe.c): the getNodeInfo →
 * getPeers probe of a new outbound peer, and a postNodeInfo, validated
 * as the reference's Peer does (WIRE.md §6, §8): one implementation for
 * the node's pool (pool.c) and the crawl (crawl.c).  Internal.
 */
#ifndef LP2P_PROBE_H
#define LP2P_PROBE_H

#include <stddef.h>

#include "liskp2p.h"
#include "peer.h"

#define LP2P_PROBE_PENALTY	100	/* INVALID_PEER_INFO/LIST_PENALTY */

/* How a step of the probe ended. */
enum lp2p__probe_fault {
	LP2P__PROBE_OK,
	LP2P__PROBE_UNSENT,		/* the request could not be sent */
	LP2P__PROBE_FAILED,		/* no answer: timeout, error, closed */
	LP2P__PROBE_INVALID,		/* an answer the reference rejects */
	LP2P__PROBE_INCOMPATIBLE,	/* nodeInfo of another network */
	LP2P__PROBE_SKIPPED,		/* getPeers: may_ask_peers said no */
};

struct lp2p__probe_config {
	const struct lp2p_schema	*schema;	/* of nodeInfo */
	const struct lp2p_peer_self	*self;		/* our chain, version */
	size_t				 max_info_size;	/* bytes, nodeInfo */
	size_t				 max_peers;	/* getPeers entries */
};

struct lp2p__probe_step {
	int		 fault;		/* enum lp2p__probe_fault */
	int		 status;	/* FAILED, UNSENT: the request's status */
	const char	*error;		/* FAILED: the peer's text or NULL;
					   INVALID, INCOMPATIBLE: why */
	jv		 info;		/* getNodeInfo OK: nodeInfo (borrowed) */
	double		 rtt_ms;	/* getNodeInfo OK: its round trip */
	jv		 peers;		/* getPeers OK: valid [{ipAddress, port}]
					   (borrowed) */
};

struct lp2p__probe_cb {
	/*
	 * The reference's failure events (EVENT_FAILED_TO_FETCH_PEER_INFO,
	 * _PEER_INFO_UPDATE, _TO_FETCH_PEERS, _TO_COLLECT_PEER_DETAILS_ON_
	 * CONNECT), in its order; ev is owned.  NULL: none are built.
	 */
	void	(*emit)(jv ev, void *arg);
	/*
	 * May getPeers be sent to p now?  1 yes (and the owner notes the
	 * time), 0 no: its last list is recent enough.  NULL: always.
	 */
	int	(*may_ask_peers)(struct lp2p_peer *, void *arg);
	/* getNodeInfo ended; after OK the probe goes on with getPeers. */
	void	(*on_info)(struct lp2p_peer *, const struct lp2p__probe_step *,
		    void *arg);
	/* getPeers ended: the probe is over. */
	void	(*on_peers)(struct lp2p_peer *, const struct lp2p__probe_step *,
		    void *arg);
};

/* One probe; lives in its owner (the npeer, the crawl's node). */
struct lp2p__probe {
	const struct lp2p__probe_config	*cfg;
	const struct lp2p__probe_cb	*cb;
	void				*arg;
};

/*
 * Ask p (outbound, handshake done) getNodeInfo, then getPeers.  0, or
 * the error of sending getNodeInfo (then no callback follows; the
 * failure event is emitted).  pr, filled by its owner, must live until
 * on_info/on_peers.
 */
int	 lp2p__probe_start(struct lp2p__probe *pr, struct lp2p_peer *p);
/*
 * getPeers again (a seed, at discovery), handled as the probe's: ends in
 * on_peers.  0, 1 when may_ask_peers said no, or the error of sending
 * it (< 0); after 1 or an error no callback follows.
 */
int	 lp2p__probe_peers(struct lp2p__probe *, struct lp2p_peer *);
/*
 * A postNodeInfo (size checked by the peer layer): decode it into *info
 * and fold it into *shared as the reference does (the whole nodeInfo when
 * nothing was known, else its options merged).  0 or LP2P_ECODEC (then
 * *info is invalid and *shared unchanged; the peer layer penalises).
 */
int	 lp2p__probe_post_info(const struct lp2p__probe_config *,
	    const uint8_t *, size_t, jv *shared, jv *info, struct lp2p_err *);

#endif /* LP2P_PROBE_H */
