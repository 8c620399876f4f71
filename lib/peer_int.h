/*
 * peer_int.h — what the files of the peer layer share: peer.c (one
 * connection's life, traffic, requests, ping) and peer_rate.c (the rate
 * and status windows, penalties, bans).  peer_query.c needs only peer.h.
 * Internal; lp2p__ names.  peer.h stays the layer's interface.
 *
 * The calls go one way: peer.c calls peer_rate.c; peer_rate.c calls
 * only peer.h's lp2p__peer_close (a ban closes the peer).
 */
#ifndef LP2P_PEER_INT_H
#define LP2P_PEER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "peer.h"

struct lp2p_sc;

#define POST_MAX	4		/* our postNodeInfo per POST_SPAN */

/* Messages or requests of one name in the current rate window. */
struct rate_key {
	char		*name;
	uint32_t	 count;		/* this window */
	double		 rate;		/* previous window, per second */
	bool		 rpc;
};

/* A request received, answerable by its rid until the deadline. */
struct inreq {
	TAILQ_ENTRY(inreq)	 entry;
	uint64_t		 rid;
	uint64_t		 deadline;
};

struct lp2p_peer {
	uv_loop_t		*loop;
	struct lp2p_sc		*sc;
	struct lp2p_peer_config	 cfg;
	struct lp2p_peer_self	 self;
	uint8_t			*nodeinfo;
	struct lp2p_peer_cb	 cb;
	void			*arg;
	void			*data;
	bool			 inbound;
	bool			 connected;
	bool			 closing;
	bool			 banned;
	char			 id[64];
	char			 ip[48];
	uint16_t		 port;
	uint16_t		 rport;		/* inbound: ephemeral port */
	struct lp2p_peer_query	 query;
	int			 reputation;
	uv_timer_t		 t_rate;
	uv_timer_t		 t_status;
	uv_timer_t		 t_prod;
	uv_timer_t		 t_ping;
	uv_timer_t		 t_post;	/* a postNodeInfo held back */
	uv_timer_t		 t_linger;	/* a close held back */
	uint64_t		 last_limited;	/* our getNodeInfo/getPeers */
	int			 linger_code;
	int			 linger_flags;
	char			*linger_reason;
	uint64_t		 posted[POST_MAX];	/* ours, ring */
	uint32_t		 nposted;
	int			 nclosing;
	bool			 sc_closed;
	int			 code;
	char			*reason;
	bool			 by_us;
	bool			 opened;
	uint32_t		 ws_count;	/* messages this window */
	double			 ws_rate;
	struct rate_key		*keys;		/* grown on demand */
	size_t			 nkeys;
	size_t			 capkeys;
	uint32_t		 n_getnodeinfo;	/* per connection */
	uint32_t		 n_getpeers;	/* per status window */
	uint32_t		 n_postnodeinfo;	/* per status window */
	bool			 first_status;	/* the first status window */
	bool			 gp_graced;	/* its second getPeers forgiven */
	bool			 gp_grace_rate;	/* ... in this rate window */
	TAILQ_HEAD(, inreq)	 inreqs;
	uint32_t		 ninreqs;
	uint64_t		 requests_received;
	uint64_t		 responses_sent;
	uint64_t		 last_responded;
	double			 latency;
	uint64_t		 connect_time;
	uint64_t		 ping_start;
	uint64_t		 pings;
	double			 last_rtt;	/* ms, ping or request, 0: none */
	uint64_t		 msgs_in, msgs_out;	/* remote-message */
	uint64_t		 reqs_in, reqs_out;	/* rpc-request */
	uint64_t		 bytes_in, bytes_out;	/* once sc is gone */
};

/* ---- peer_rate.c --------------------------------------------------- */
/*
 * Start the rate and status windows afresh, their counts empty: at
 * creation, and at the client's #handshake, where the reference creates
 * its inbound peer object (WIRE.md 8.3).
 */
void	 lp2p__peer_windows_start(struct lp2p_peer *);
/*
 * The counter of messages (rpc false) or requests (true) of name in this
 * rate window, made on first use (rate: the previous window's), or NULL:
 * not counted (64 names already: MAX_RATE_KEYS, or no memory).  The caller
 * counts (k->count++): the hot path's one call.
 */
struct rate_key *lp2p__peer_rate_key(struct lp2p_peer *, const char *name,
	    bool rpc);
/*
 * Count a request other than a client's ping: getNodeInfo once a
 * connection, getPeers once a status window (a second one in the first
 * window forgiven once), every name in the rate window; penalties as
 * WIRE.md §8.  Returns the counter as lp2p__peer_rate_key; *drop true when
 * the request is not to be answered (a getNodeInfo or getPeers already
 * in this rate window, or the peer closing after a penalty).
 */
struct rate_key *lp2p__peer_count_request(struct lp2p_peer *,
	    const char *name, bool *drop);
/* Count a postNodeInfo in the status window (penalty 10 over the rate). */
void	 lp2p__peer_count_postnodeinfo(struct lp2p_peer *);

#endif /* LP2P_PEER_INT_H */
