/*
 * node_int.h — state shared by node.c (the P2P facade: config, commands,
 * timers) and pool.c (the PeerPool: peers, limits, populator, discovery,
 * eviction).  Internal; lp2p__ names.
 *
 * The calls go one way: node.c calls pool.c; pool.c calls the layers
 * below (peer.c, probe.c, nbook.c, select.c) and events.c, and reaches
 * the application only through the node's callbacks (lp2p__emit).
 */
#ifndef LP2P_NODE_INT_H
#define LP2P_NODE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"
#include "events.h"
#include "probe.h"
#include "nbook.h"
#include "select.h"
#include "policy.h"

#define LP2P_NODE_MAX_PEERS	4096	/* connections in the pool */
#define LP2P_NODE_MAX_PENDING	4096	/* received requests awaiting respond */
#define LP2P_NODE_RESPOND_TTL	10000	/* ms a received request is kept */
/*
 * Our own getPeers to one peer address are at least this far apart,
 * whatever the connection: the reference penalises a second getPeers in
 * its 10-s status window (WIRE.md 8.3); 2 s of margin for its timer
 * drift and the network.
 */
#define LP2P_NODE_GETPEERS_GAP	12000	/* ms */
#define LP2P_NODE_RECENT	128	/* addresses remembered per table */
#define LP2P_NODE_SHUFFLE_MIN_AGE 2000	/* ms before the shuffle may evict */

/* An address and when something last happened to it (uv_now ms). */
struct lp2p__recent {
	char			 id[64];
	uint64_t		 at;
};

/*
 * At most LP2P_NODE_RECENT of them, the oldest replaced when full; the
 * slots grow on demand (pool.c's recent_put), in the order a flat table
 * of LP2P_NODE_RECENT would fill them, so the choice is the same.
 */
struct lp2p__recents {
	struct lp2p__recent	*v;		/* n slots; unused: at 0 */
	size_t			 n;
};

struct lp2p_node;

/* One connection in (or leaving) the pool. */
struct npeer {
	TAILQ_ENTRY(npeer)	 entry;
	struct lp2p_node	*node;
	struct lp2p_peer	*p;
	char			 id[64];
	char			 ip[48];
	uint16_t		 port;
	bool			 inbound;
	int			 kind;		/* enum lp2p__kind */
	bool			 in_pool;	/* counted; false once removed */
	bool			 open;		/* handshake done */
	bool			 reported;	/* connect event emitted */
	bool			 advertise;
	int			 seed;		/* outbound: seeds index + 1 */
	jv			 shared;	/* nodeInfo as known, or null */
	struct lp2p__probe	 probe;		/* outbound: getNodeInfo, ... */
	uint64_t		 connect_time;	/* uv_now at creation */
};
TAILQ_HEAD(npeer_list, npeer);

/*
 * Counters behind the node's metrics (metrics.c renders them), kept by
 * pool.c.  Label values are bounded: names are slots of
 * lp2p__nm_name_slot (the known event and procedure names, then
 * "other"), close codes slots of lp2p__nm_code_slot.
 */
#define LP2P__NM_NAMES		24	/* name slots, "other" last */
#define LP2P__NM_CODES		32	/* close-code slots, "other" last */
#define LP2P__NM_RTT_BUCKETS	13	/* round-trip histogram buckets */
struct lp2p__nm {
	uint64_t	 opened[2];		/* [inbound] handshakes done */
	uint64_t	 closed[2][LP2P__NM_CODES];	/* [inbound][code] */
	uint64_t	 msg[2][LP2P__NM_NAMES];	/* [out][name] */
	uint64_t	 req[2][LP2P__NM_NAMES];
	uint64_t	 bytes[2];		/* [out] of closed peers */
	uint64_t	 penalties[LP2P_PEN_COUNT];
	uint64_t	 penalty_points[LP2P_PEN_COUNT];
	uint64_t	 bans[2];		/* [server level] */
	uint64_t	 rtt[LP2P__NM_RTT_BUCKETS];	/* not cumulative */
	uint64_t	 rtt_count;
	double		 rtt_sum;		/* seconds */
	/* the last name counted and its slot: a flood repeats one name */
	char		 last_name[LP2P_MAX_EVENT_NAME + 1];
	int		 last_slot;
};

/* A request received from a peer, waiting for `respond`. */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint64_t		 id;		/* requestId given to the app */
	struct npeer		*np;
	uint64_t		 rid;		/* the peer layer's id */
	uint64_t		 expires;	/* uv_now() ms */
};
TAILQ_HEAD(pending_list, pending);

struct lp2p_node {
	uv_loop_t		*loop;
	struct lp2p_node_config	 cfg;		/* strings owned (copied) */
	struct lp2p_node_cb	 cb;
	void			*arg;

	struct lp2p_peer_config	 pcfg;
	struct lp2p_peer_self	 self;
	uint8_t			*nodeinfo;	/* encoded own nodeInfo */
	size_t			 nodeinfo_len;
	jv			 info;		/* own nodeInfo, JSON form */
	struct lp2p_schema	*schema;	/* nodeInfo schema */
	struct lp2p__probe_config probe;	/* what peers' answers must be */
	uint32_t		 secret;

	struct lp2p__nb		*book;
	struct lp2p__policy	*policy;	/* issue 12: policy.c */
	struct lp2p_peer_server	*server;
	int			 bound_port;

	struct npeer_list	 peers;		/* in the pool */
	struct npeer_list	 leaving;	/* removed, closing */
	size_t			 npeers;
	struct pending_list	 pending;
	size_t			 npending;
	uint64_t		 next_request_id;

	uv_timer_t		 populator;
	uv_timer_t		 shuffle;
	uv_timer_t		 sync;
	int			 handles;	/* open uv handles + server */
	bool			 started;
	bool			 stopping;
	bool			 closed_called;
	bool			 has_connected;	/* EVENT_NETWORK_READY sent */
	uint64_t		 next_seed_discovery;
	struct lp2p_line_sink	 sink;		/* hot path (reserve NULL: off) */
	/*
	 * seeds' reputation, kept for the life of the node (WIRE.md §8.1):
	 * cfg.nseeds of each (NULL: none)
	 */
	int			*seed_rep;
	bool			*seed_met;
	/* our last getPeers per address; outbound peers the shuffle evicted */
	struct lp2p__recents	 asked;
	struct lp2p__recents	 evicted;
	struct lp2p__nm		 nm;		/* metrics counters */
};

/* Hand ev (an events.c object) to the application, which owns it. */
static inline void
lp2p__emit(struct lp2p_node *n, jv ev)
{
	if (n->cb.on_event != NULL)
		n->cb.on_event(n, ev, n->arg);
	else
		jv_free(ev);
}

/* ---- peerinfo.c ------------------------------------------------------ */
const char *lp2p__kind_name(int);		/* "seed", ..., "other" */
jv	 lp2p__peer_detail(const struct npeer *);
jv	 lp2p__ev_penalty(const struct npeer *, int penalty, int reason,
	    const char *why, int reputation);

/* ---- metrics.c ------------------------------------------------------- */
int	 lp2p__nm_name_slot(const char *);
const char *lp2p__nm_name_at(int);
int	 lp2p__nm_code_slot(int);
void	 lp2p__nm_rtt(struct lp2p__nm *, double ms);

/* ---- pool.c ---------------------------------------------------------- */
/* When id was last recorded (uv_now ms), 0: never, or forgotten. */
uint64_t lp2p__recent_get(const struct lp2p__recents *, const char *id);
/* Record id at now (not 0); the oldest is forgotten when full. */
void	 lp2p__recent_put(struct lp2p__recents *, const char *id,
	    uint64_t now);
extern const struct lp2p_peer_cb lp2p__pool_peer_cb;
int	 lp2p__pool_kind_of(const struct lp2p_node *, const char *ip,
	    uint16_t port);
bool	 lp2p__pool_is_blacklisted(const struct lp2p_node *, const char *);
struct npeer *lp2p__pool_find(struct lp2p_node *, const char *);
void	 lp2p__pool_remove(struct npeer *, int code, const char *reason);
int	 lp2p__pool_dial(struct lp2p_node *, const char *ip, uint16_t port);
void	 lp2p__pool_populate(struct lp2p_node *);
void	 lp2p__pool_discover_seeds(struct lp2p_node *);
void	 lp2p__pool_shuffle(struct lp2p_node *);
size_t	 lp2p__pool_count(const struct lp2p_node *, int inbound);
long	 lp2p__pool_free_slots(const struct lp2p_node *);
void	 lp2p__pool_cand(const struct npeer *, struct lp2p__cand *);
void	 lp2p__pool_pending_drop(struct lp2p_node *, struct npeer *);
/* on_closed, once, when the node is stopping and nothing is left open. */
void	 lp2p__pool_maybe_closed(struct lp2p_node *);

#endif /* LP2P_NODE_INT_H */
