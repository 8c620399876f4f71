/*
 * peer.h — internal API of one lisk-p2p connection (peer.c, peer_rate.c,
 * peer_query.c; peer_int.h is what the first two share), for the pool.
 *
 * A struct lp2p_peer is one WebSocket + SocketCluster connection speaking
 * lisk-p2p 0.10 (WIRE.md §4, §6-§8), outbound (we dialed) or inbound (a
 * struct lp2p_peer_server accepted it).  It owns its socket and timers and
 * knows nothing of other peers: duplicate detection, the peer book, bans
 * of IP addresses and nodeInfo decoding are the owner's job, asked for or
 * reported through the callbacks below.
 *
 * What the peer layer does by itself:
 *   - the upgrade and the SC handshake (both sides), #1/#2 heartbeats;
 *   - server side: the query checks 4101 (self), 4502, 4105, 4104 (chain ID
 *     and network version, WIRE.md §7.1) with the reference's reasons, then
 *     asks the owner (on_accept) e.g. for 4404 (duplicate);
 *   - sends postNodeInfo on creation (client: queued until the ack);
 *   - answers getNodeInfo (own nodeInfo bytes) and getPeers (bytes from
 *     the owner's get_peers callback), with the reference's rate rules and
 *     penalties; answers ping (client) and sends ping every 20-60 s
 *     (server) to measure latency;
 *   - screening of received packets (server side, WIRE.md §3.7) and the
 *     control-frame rules (§2.5): server-level ban (on_ban, terminate);
 *   - message-rate penalties per rateCalculationInterval, postNodeInfo
 *     and getPeers 10-s windows; reputation; when it reaches 0: on_ban,
 *     then close 1000 without reason;
 *   - productivity (requests received / responses sent, reset after
 *     20 s without a response) and latency.
 *
 * Callbacks: copied at creation with one void *arg (STYLE 5).  A function
 * that returns an error never calls back.  No callback is called from
 * inside the function that caused it unless its comment says so.
 * on_closed is always the last callback; the owner frees the peer inside
 * it (lp2p__peer_free) or later, never before.
 */
#ifndef LP2P_PEER_H
#define LP2P_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "liskp2p.h"

struct lp2p_peer;
struct lp2p_peer_server;

/* P2PConfig knobs of one connection; lp2p__peer_config_default() fills it. */
struct lp2p_peer_config {
	uint32_t connect_timeout;	/* ms, client TCP+upgrade: 2000 */
	uint32_t ack_timeout;		/* ms, client requests+handshake: 2000 */
	uint32_t server_ack_timeout;	/* ms, server requests: 10000 */
	uint32_t handshake_timeout;	/* ms, server waits #handshake: 10000 */
	uint32_t ping_interval;		/* ms, server #1 period: 8000 */
	uint32_t ping_timeout;		/* ms, announced pingTimeout: 20000 */
	uint32_t ws_max_payload;	/* bytes per WS message: 3048576 */
	size_t	 ws_max_queue;		/* bytes unsent before drop: 8 MiB */
	uint32_t ws_max_message_rate;	/* messages/window: 100 */
	uint32_t ws_max_message_rate_penalty;	/* 10 */
	uint32_t rate_calculation_interval;	/* ms: 1000 */
	uint32_t peer_status_window;	/* ms, getPeers/postNodeInfo: 10000 */
	uint32_t peer_status_message_rate;	/* postNodeInfo/window: 4 */
	uint32_t max_peer_info_size;	/* bytes: 20480 */
	uint32_t ping_rpc_min;		/* ms, server ping RPC: 20000 */
	uint32_t ping_rpc_max;		/* ms: 60000 */
	uint32_t productivity_reset_interval;	/* ms: 20000 */
	uint32_t control_message_limit;	/* #disconnect per second: 10 */
	uint32_t max_pending;		/* outstanding requests: 1024 */
	uint32_t upgrading_per_ip;	/* server, see lp2p_ws_opts: 0 */
	bool	 upgrading_per_ip_all;
};

/* Who we are, as the remote sees us (copied by the peer on creation). */
struct lp2p_peer_self {
	uint8_t	 chain_id[32];		/* bytes; Lisk: 4 */
	size_t	 chain_id_len;
	char	 network_version[32];	/* e.g. "1.0" */
	char	 nonce[17];		/* 16 hex digits */
	bool	 advertise_address;
	uint16_t port;			/* our listening port (query 'port') */
	const uint8_t *nodeinfo;	/* encoded nodeInfo (lisk-codec) */
	size_t	 nodeinfo_len;
};

/* What an inbound peer told us in its query string (WIRE.md §2.3). */
struct lp2p_peer_query {
	char	 network_version[64];
	uint8_t	 chain_id[32];
	size_t	 chain_id_len;
	char	 nonce[64];		/* "" when absent */
	bool	 advertise_address;
	uint16_t port;
};

/* A message (remote-message) or request (rpc-request) from the peer. */
struct lp2p_peer_msg {
	const char	*name;		/* event or procedure */
	const uint8_t	*data;		/* decoded base64 (NULL if absent) */
	size_t		 len;
	bool		 has_data;
	double		 rate;		/* per second, previous window */
	uint64_t	 rid;		/* requests: id for lp2p__peer_respond */
	bool		 answered;	/* requests answered by the peer layer */
	const char	*b64;		/* on_message_b64: data as base64 text */
	size_t		 b64len;
};

/* Outcome of lp2p__peer_request, given to its callback exactly once. */
struct lp2p_peer_reply {
	int		 status;	/* 0, LP2P_ETIMEDOUT, LP2P_EREMOTE,
					   LP2P_ECLOSED, LP2P_EPROTO */
	const uint8_t	*data;		/* decoded base64 of data.data */
	size_t		 len;
	bool		 has_data;
	const char	*error;		/* remote message / reason, or NULL */
	double		 rtt_ms;
};

struct lp2p_peer_stats {
	int		 reputation;
	double		 latency_ms;	/* last ping RPC round trip, 0 = none */
	double		 response_rate;	/* responses sent / requests received */
	uint64_t	 requests_received;
	uint64_t	 responses_sent;
	double		 message_rate;	/* messages in the previous window */
	uint64_t	 connect_time;	/* uv_now() when created */
	uint64_t	 pings;		/* ping RPC replies received */
	double		 last_rtt_ms;	/* latest ping or request, 0 = none */
	uint64_t	 messages_in, messages_out;	/* remote-message */
	uint64_t	 requests_in, requests_out;	/* rpc-request */
	uint64_t	 bytes_in, bytes_out;	/* socket bytes */
};

struct lp2p_peer_cb {
	/* Handshake complete (client: ack received; server: ack sent). */
	void	(*on_connected)(struct lp2p_peer *, void *arg);
	/*
	 * Server only, after the peer layer's own checks passed: return 0 to
	 * accept, or a close code (e.g. 4404) and a reason in reason[len].
	 */
	int	(*on_accept)(struct lp2p_peer *, char *reason, size_t len,
		    void *arg);
	/* remote-message (not postNodeInfo). */
	void	(*on_message)(struct lp2p_peer *, const struct lp2p_peer_msg *,
		    void *arg);
	/*
	 * Optional hot path: a remote-message in the common envelope, its
	 * data still base64 text (msg->b64, msg->b64len; msg->data NULL).
	 * Return true when taken; false: it is decoded and given to
	 * on_message.
	 */
	bool	(*on_message_b64)(struct lp2p_peer *,
		    const struct lp2p_peer_msg *, void *arg);
	/*
	 * rpc-request (not ping).  Unless msg->answered, answer it with
	 * lp2p__peer_respond/_respond_error by msg->rid (10 s server side /
	 * ack_timeout client side), or not at all.
	 */
	void	(*on_request)(struct lp2p_peer *, const struct lp2p_peer_msg *,
		    void *arg);
	/*
	 * postNodeInfo received (size already checked).  Return 0 if the
	 * bytes decode with the node's schema, else an LP2P_E* code: the peer
	 * layer then applies penalty 100.
	 */
	int	(*on_nodeinfo)(struct lp2p_peer *, const uint8_t *, size_t,
		    void *arg);
	/*
	 * getPeers request to answer: set *out to a malloc'd encoded
	 * peerRequestResponse (or NULL and *len 0 for an empty list).
	 * NULL callback: empty list.
	 */
	int	(*get_peers)(struct lp2p_peer *, uint8_t **out, size_t *len,
		    void *arg);
	/*
	 * A penalty was applied; reputation is the value after it, reason
	 * an enum lp2p__penalty_reason, why the detail text.
	 */
	void	(*on_penalty)(struct lp2p_peer *, int penalty, int reputation,
		    int reason, const char *why, void *arg);
	/*
	 * Ban: reputation reached 0 (server_level false: the peer is then
	 * closed with 1000), or a server-level offence (true: screening,
	 * control frame; the socket is terminated).  The owner bans the IP.
	 */
	void	(*on_ban)(struct lp2p_peer *, bool server_level,
		    const char *why, void *arg);
	/* A round trip measured: a ping, or a reply to our request (ms). */
	void	(*on_rtt)(struct lp2p_peer *, double ms, void *arg);
	/*
	 * Every remote-message (rpc false) or rpc-request (true) received
	 * (out false) or sent (out true) by name, those the peer layer
	 * handles itself included; for counters only.
	 */
	void	(*on_traffic)(struct lp2p_peer *, bool out, bool rpc,
		    const char *name, void *arg);
	/*
	 * Last callback.  code: the close code (ours or the peer's, 1006 when
	 * the socket just died); reason: #disconnect text or the SC text of
	 * the code; by_us: we closed.  For a failed handshake the code is the
	 * refusal (4104, 4101, 4003, 4007, ...).  handshake_done tells whether
	 * on_connected was called.
	 */
	void	(*on_closed)(struct lp2p_peer *, int code, const char *reason,
		    bool by_us, bool handshake_done, void *arg);
};

/* Reply callback of lp2p__peer_request; called exactly once. */
typedef void lp2p_peer_reply_fn(struct lp2p_peer *,
    const struct lp2p_peer_reply *, void *arg);

void	 lp2p__peer_config_default(struct lp2p_peer_config *);

/*
 * Dial host:port (IPv4 dotted quad), optionally from source address bind
 * (NULL: any).  The peer is created at once (postNodeInfo queued); the
 * outcome arrives as on_connected or on_closed.  *out stays valid until
 * on_closed has returned.
 */
int	 lp2p__peer_connect(struct lp2p_peer **out, uv_loop_t *,
	    const struct lp2p_peer_config *, const struct lp2p_peer_self *,
	    const char *host, uint16_t port, const char *bind,
	    const struct lp2p_peer_cb *, void *arg, struct lp2p_err *);

/*
 * Listen on host:port; every accepted connection becomes an inbound peer
 * with callbacks cb/arg.  is_banned(ip) true → HTTP 401 (NULL: nobody).
 * lp2p__peer_server_port() gives the bound port (port 0 = any).
 * lp2p__peer_server_close() stops listening (connected peers stay) and
 * calls on_closed(server) when the handle is closed; free in it.
 */
struct lp2p_peer_server_cb {
	bool	(*is_banned)(const char *ip, void *arg);
	void	(*on_closed)(struct lp2p_peer_server *, void *arg);
};
int	 lp2p__peer_server_new(struct lp2p_peer_server **, uv_loop_t *,
	    const struct lp2p_peer_config *, const struct lp2p_peer_self *,
	    const char *host, uint16_t port,
	    const struct lp2p_peer_server_cb *, const struct lp2p_peer_cb *,
	    void *arg, struct lp2p_err *);
int	 lp2p__peer_server_port(const struct lp2p_peer_server *);
void	 lp2p__peer_server_close(struct lp2p_peer_server *);
void	 lp2p__peer_server_free(struct lp2p_peer_server *);
/* Change own identity for future connections (e.g. after applyNodeInfo). */
int	 lp2p__peer_server_set_self(struct lp2p_peer_server *,
	    const struct lp2p_peer_self *);

/*
 * One-way message: remote-message event with data base64-encoded (data
 * NULL: no data key).  Before the ack (client) it is queued.  Errors:
 * LP2P_ECLOSED, LP2P_EFULL (write queue over ws_max_queue: the peer is
 * being dropped), LP2P_ENOMEM.
 */
int	 lp2p__peer_send(struct lp2p_peer *, const char *event,
	    const uint8_t *data, size_t len);
/*
 * rpc-request; fn(reply) exactly once: on the response, a remote error,
 * the ack timeout (client ack_timeout / server server_ack_timeout) or the
 * connection closing.  Never called back before returning.
 */
int	 lp2p__peer_request(struct lp2p_peer *, const char *procedure,
	    const uint8_t *data, size_t len, lp2p_peer_reply_fn *, void *);
/* Answer request rid; LP2P_ENOTFOUND if unknown, timed out or answered. */
int	 lp2p__peer_respond(struct lp2p_peer *, uint64_t rid,
	    const uint8_t *data, size_t len);
int	 lp2p__peer_respond_error(struct lp2p_peer *, uint64_t rid,
	    const char *message);
/* Change own nodeInfo (copied); push postNodeInfo when push is true. */
int	 lp2p__peer_set_self(struct lp2p_peer *, const struct lp2p_peer_self *,
	    bool push);

/*
 * Why a peer loses reputation: one code per rule of WIRE.md §8 (the
 * "reason" of PENALTY lines and of the penalties metric, a bounded set),
 * and the detail text beside it.  lp2p__penalty_name() gives the code's
 * name ("getPeersRate"; "other" out of range).
 */
enum lp2p__penalty_reason {
	LP2P_PEN_APPLY = 0,		/* applyPenalty from the application */
	LP2P_PEN_MESSAGE_RATE,		/* over wsMaxMessageRate */
	LP2P_PEN_GETNODEINFO_RATE,	/* getNodeInfo twice in a rate window */
	LP2P_PEN_GETPEERS_RATE,		/* getPeers twice in a rate window */
	LP2P_PEN_GETNODEINFO_REPEAT,	/* getNodeInfo twice on a connection */
	LP2P_PEN_GETPEERS_REPEAT,	/* getPeers twice in 10 s */
	LP2P_PEN_POSTNODEINFO_RATE,	/* postNodeInfo over 4 in 10 s */
	LP2P_PEN_POSTNODEINFO_INVALID,	/* postNodeInfo too large, undecodable */
	LP2P_PEN_INVALID_REQUEST,	/* data with getNodeInfo or getPeers */
	LP2P_PEN_INVALID_PACKET,	/* a message dropped as invalid */
	LP2P_PEN_CONTROL_FRAME,		/* a control frame to a client */
	LP2P_PEN_INVALID_PEER_LIST,	/* bad getPeers reply */
	LP2P_PEN_INVALID_NODEINFO,	/* bad getNodeInfo reply */
	LP2P_PEN_COUNT
};
const char *lp2p__penalty_name(int);

/*
 * Subtract penalty from the reputation (reason: enum
 * lp2p__penalty_reason, why: detail text); calls on_penalty, then on_ban
 * when the reputation reaches 0.
 */
void	 lp2p__peer_penalty(struct lp2p_peer *, int penalty, int reason,
	    const char *why);
/* Reputation the peer starts from (book keeps it across connections). */
void	 lp2p__peer_set_reputation(struct lp2p_peer *, int);

/*
 * Close: #disconnect {code, reason} then close frame code (reason NULL:
 * no data key).  flags: LP2P__CLOSE_BARE (close frame only, §15.2),
 * LP2P__CLOSE_TERMINATE (drop TCP, nothing sent).  Idempotent; on_closed
 * follows, never from inside this call.
 */
#define LP2P__CLOSE_BARE	0x1
#define LP2P__CLOSE_TERMINATE	0x2
/*
 * LP2P__CLOSE_LINGER: not before LP2P__LINGER ms after our last
 * getNodeInfo/getPeers on this connection.  The reference keeps the
 * counts of a connection's last 1-s window in its book and starts the
 * next connection of that peer with them: a getNodeInfo then would count
 * twice (unanswered, penalty 10).
 */
#define LP2P__CLOSE_LINGER	0x4
#define LP2P__LINGER		1500
void	 lp2p__peer_close(struct lp2p_peer *, int code, const char *reason,
	    int flags);
/* Free a peer after on_closed (NULL: no-op). */
void	 lp2p__peer_free(struct lp2p_peer *);

/* "ip:port" (port: advertised for inbound, dialed for outbound). */
const char *lp2p__peer_id(const struct lp2p_peer *);
const char *lp2p__peer_ip(const struct lp2p_peer *);
uint16_t lp2p__peer_port(const struct lp2p_peer *);
uint16_t lp2p__peer_remote_port(const struct lp2p_peer *); /* inbound */
bool	 lp2p__peer_is_inbound(const struct lp2p_peer *);
bool	 lp2p__peer_is_connected(const struct lp2p_peer *);
/* Stop (true) or restart reading from the peer (backpressure). */
void	 lp2p__peer_pause(struct lp2p_peer *, bool);
/* Inbound: the query string it sent (valid once on_accept is called). */
const struct lp2p_peer_query *lp2p__peer_query(const struct lp2p_peer *);
void	 lp2p__peer_stats(const struct lp2p_peer *, struct lp2p_peer_stats *);
/* Owner's per-peer pointer. */
void	 lp2p__peer_set_data(struct lp2p_peer *, void *);
void	*lp2p__peer_data(const struct lp2p_peer *);

/*
 * Pure helpers (peer_query.c), exported for the pool and the tests.
 * query_build: the upgrade target "/rpc/?networkVersion=..." (malloc'd).
 * query_parse: code 0 or 4502/4105 with reason (the server's checks
 * before compatibility); compatible: 0 or 4104 with the reason text.
 */
char	*lp2p__peer_query_build(const struct lp2p_peer_self *);
int	 lp2p__peer_query_parse(const char *query, struct lp2p_peer_query *,
	    const char *ip, char *reason, size_t len);
int	 lp2p__peer_compatible(const struct lp2p_peer_self *,
	    const uint8_t *chain_id, size_t chain_id_len,
	    const char *network_version, char *reason, size_t len);
/* Node's querystring.escape of s (malloc'd). */
char	*lp2p__qs_escape(const char *);

#endif /* LP2P_PEER_H */
