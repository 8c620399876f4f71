/*
 * sc.h — internal API of the SocketCluster v14 layer (sc.c, sc_screen.c,
 * sc_reply.c; sc_int.h is what they share), used by peer.c only.  One
 * struct lp2p_sc per WebSocket.  It does the #handshake and its ack, the
 * #1/#2 heartbeat and watchdogs, emits with and without cid, rid matching
 * with timeouts, #disconnect, and (server side) the lisk-p2p packet
 * screening of WIRE.md §3.7.
 */
#ifndef LP2P_SC_H
#define LP2P_SC_H

#include <stdbool.h>
#include <stdint.h>
#include <jv.h>
#include <uv.h>

#include "liskp2p.h"

struct lp2p_sc;
struct lp2p_sc_server;

struct lp2p_sc_opts {
	size_t	 max_payload;
	size_t	 max_queue;
	uint32_t connect_timeout;	/* client: TCP+upgrade (4007) */
	uint32_t ack_timeout;		/* client: handshake ack, requests */
	uint32_t server_ack_timeout;	/* server: requests */
	uint32_t handshake_timeout;	/* server: 4005 */
	uint32_t ping_interval;		/* server: #1 period */
	uint32_t ping_timeout;		/* announced; server watchdog (4001) */
	uint32_t max_pending;		/* outstanding requests / queued */
	uint32_t control_message_limit;	/* server: #disconnect per IP/s */
	uint32_t upgrading_per_ip;	/* server, see lp2p_ws_opts */
	bool	 upgrading_per_ip_all;
};

/* Why the sc layer wants the peer punished. */
enum lp2p_sc_offence {
	LP2P_SC_BAN,		/* server screening / control frame: ban */
	LP2P_SC_CONTROL,	/* client got a control frame: penalty 100 */
	LP2P_SC_INVALID,	/* dropped message (too deep...): penalty */
};

/* The common envelope's two strings, as they are in the text (plain). */
struct lp2p__sc_fast {
	const char	*name;		/* data.event */
	size_t		 nlen;
	const char	*data;		/* data.data: base64 text */
	size_t		 dlen;
};

struct lp2p_sc_cb {
	/*
	 * Server: #handshake arrived.  Return 0 to accept (the ack is sent
	 * after this returns, so emits made here go first), or a close code
	 * with reason (#disconnect + close, no ack).
	 */
	int	(*on_handshake)(struct lp2p_sc *, char *reason, size_t len,
		    void *arg);
	/* Handshake complete (client: ack received; server: ack sent). */
	void	(*on_open)(struct lp2p_sc *, void *arg);
	/* Any received message (for rate accounting), before its handling. */
	void	(*on_frame)(struct lp2p_sc *, void *arg);
	/* An event; data (consumed) is invalid when absent; cid 0: none. */
	void	(*on_event)(struct lp2p_sc *, const char *event, jv data,
		    uint64_t cid, void *arg);
	/*
	 * Optional hot path: a remote-message in the common envelope
	 * (lp2p__sc_fast_split) on an open connection, before any jv is
	 * built.  Return true when taken; false: it goes on to on_event.
	 */
	bool	(*on_fast_message)(struct lp2p_sc *,
		    const struct lp2p__sc_fast *, void *arg);
	void	(*on_offence)(struct lp2p_sc *, enum lp2p_sc_offence,
		    const char *why, void *arg);
	/*
	 * Last callback.  reason: the #disconnect text when one came (or the
	 * one we sent), else NULL.  opened: on_open was called.
	 */
	void	(*on_closed)(struct lp2p_sc *, int code, const char *reason,
		    bool by_us, bool opened, void *arg);
};

/*
 * Reply to a request: status 0 with data (consumed, invalid if absent),
 * LP2P_EREMOTE with the error object as data, LP2P_ETIMEDOUT or
 * LP2P_ECLOSED with jv_invalid().
 */
typedef void lp2p_sc_reply_fn(struct lp2p_sc *, int status, jv data,
    void *arg);

struct lp2p_sc_server_cb {
	bool	(*is_banned)(const char *ip, void *arg);
	/* New connection (upgraded): call lp2p__sc_set_cb() before return. */
	void	(*on_accept)(struct lp2p_sc_server *, struct lp2p_sc *,
		    void *arg);
	void	(*on_closed)(struct lp2p_sc_server *, void *arg);
};

int	 lp2p__sc_connect(struct lp2p_sc **, uv_loop_t *,
	    const struct lp2p_sc_opts *, const char *host, uint16_t port,
	    const char *bind, const char *target, const struct lp2p_sc_cb *,
	    void *arg, struct lp2p_err *);
int	 lp2p__sc_server_new(struct lp2p_sc_server **, uv_loop_t *,
	    const struct lp2p_sc_opts *, const char *host, uint16_t port,
	    const struct lp2p_sc_server_cb *, void *arg, struct lp2p_err *);
int	 lp2p__sc_server_port(const struct lp2p_sc_server *);
void	 lp2p__sc_server_close(struct lp2p_sc_server *);
void	 lp2p__sc_server_free(struct lp2p_sc_server *);

void	 lp2p__sc_set_cb(struct lp2p_sc *, const struct lp2p_sc_cb *, void *);
/* Event without cid; data consumed (jv_invalid(): no data key). */
int	 lp2p__sc_emit(struct lp2p_sc *, const char *event, jv data);
/* Event with cid; fn exactly once unless an error is returned. */
int	 lp2p__sc_request(struct lp2p_sc *, const char *event, jv data,
	    lp2p_sc_reply_fn *, void *);
int	 lp2p__sc_reply(struct lp2p_sc *, uint64_t rid, jv data);
int	 lp2p__sc_reply_error(struct lp2p_sc *, uint64_t rid, const char *);
/* flags as LP2P__CLOSE_* of peer.h; reason NULL: no data key. */
void	 lp2p__sc_close(struct lp2p_sc *, int code, const char *reason,
	    int flags);
void	 lp2p__sc_free(struct lp2p_sc *);
/* Stop (true) or restart reading (backpressure); timers and writes go on. */
void	 lp2p__sc_pause(struct lp2p_sc *, bool);
const char *lp2p__sc_remote_ip(const struct lp2p_sc *);
uint16_t lp2p__sc_remote_port(const struct lp2p_sc *);	/* server side */
const char *lp2p__sc_target(const struct lp2p_sc *);
/* Socket bytes in and out so far (0 before the socket exists). */
void	 lp2p__sc_bytes(const struct lp2p_sc *, uint64_t *, uint64_t *);
bool	 lp2p__sc_is_client(const struct lp2p_sc *);

/*
 * Server-side screening of one received text (WIRE.md §3.7): 0 and the
 * parsed object in *out, LP2P_EPROTO (ban; why says which rule), or
 * LP2P_EINVAL (nested deeper than LP2P_MAX_JSON_DEPTH or more than
 * LP2P_MAX_JSON_VALUES values: drop).  lp2p__sc_decode: 0, LP2P_EPROTO,
 * LP2P_EINVAL (too deep) or LP2P_EFULL (too many values).
 * Client side use lp2p__sc_decode (no screening; NULL-safe *out).
 */
int	 lp2p__sc_screen(const char *, size_t, jv *out, char *why, size_t);
/* The common remote-message envelope without a parser: 0 and *out as
 * lp2p__sc_screen would give, or -1: not that envelope (screen it). */
int	 lp2p__sc_screen_fast(const char *, size_t, jv *out);
/* The same recognition without jv: 0 and *f set, or -1. */
int	 lp2p__sc_fast_split(const char *, size_t, struct lp2p__sc_fast *);
int	 lp2p__sc_screen_slow(const char *, size_t, jv *out, char *why,
	    size_t);
int	 lp2p__sc_decode(const char *, size_t, jv *out);
/* JSON text of an envelope (malloc'd). */
char	*lp2p__sc_encode_event(const char *event, jv data, uint64_t cid);

#endif /* LP2P_SC_H */
