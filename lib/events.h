/*
 * events.h — the event objects of libliskp2p (events.c): one builder per
 * event type, one shape per type, whoever emits it (the node's pool,
 * pool.c, or the crawl's watch mode, crawl.c).  The shapes are
 * documented in man/liskp2p-events.7 and listed, field by field, in
 * tests/events.tsv, against which tests/cli/events.bats checks the lines
 * of p2p-node and p2p-watch.  Internal; lp2p__ names.
 *
 * Every builder returns a new object {"ts","type",...} in the order its
 * fields are listed in the man page; the caller emits (owns) it.
 */
#ifndef LP2P_EVENTS_H
#define LP2P_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "liskp2p.h"

struct lp2p_peer_msg;

/* A peer as the events describe it ("peer information"). */
struct lp2p__evpeer {
	const char	*id;		/* peerId */
	const char	*ip;
	uint16_t	 port;
	bool		 inbound;
	jv		 shared;	/* borrowed: its shared state, or null */
};

char	*lp2p__bytes_hex(const uint8_t *, size_t);	/* free it */

/* Peer information: peerId, ipAddress, port, kind, sharedState, nodeInfo. */
jv	 lp2p__ev_peer(const char *type, const struct lp2p__evpeer *);
/* Peer information, then code (when not 0) and reason (when not NULL). */
jv	 lp2p__ev_close(const char *type, const struct lp2p__evpeer *,
	    int code, const char *reason);
/* peerId (when not NULL) and error. */
jv	 lp2p__ev_error(const char *type, const char *peer_id, const char *);
/* EVENT_FAILED_TO_ADD_INBOUND_PEER: peerId, error, code. */
jv	 lp2p__ev_refused(const char *peer_id, const char *error, int code);
/* EVENT_MESSAGE_RECEIVED: peerId, event, data (hex, if any), rate. */
jv	 lp2p__ev_message(const char *peer_id, const struct lp2p_peer_msg *);
/* EVENT_MESSAGE_RECEIVED of a postNodeInfo: peerId, event, data (info). */
jv	 lp2p__ev_nodeinfo_message(const char *peer_id, jv info);
/*
 * EVENT_REQUEST_RECEIVED: peerId, procedure, data, rate, requestId (when
 * request_id is not 0) and wasResponseSent.
 */
jv	 lp2p__ev_request(const char *peer_id, const struct lp2p_peer_msg *,
	    uint64_t request_id, bool answered);
/* EVENT_DISCOVERED_PEER: peerId, ipAddress, port, sourceAddress. */
jv	 lp2p__ev_discovered(const char *ip, uint16_t port,
	    const char *source);
/* EVENT_BAN_PEER: peerId, reason (when not NULL), serverLevel. */
jv	 lp2p__ev_ban(const char *peer_id, const char *reason,
	    bool server_level);
/* EVENT_REMOVE_PEER: peerId, code and reason when code is not 0. */
jv	 lp2p__ev_remove(const char *peer_id, int code, const char *reason);

#endif /* LP2P_EVENTS_H */
