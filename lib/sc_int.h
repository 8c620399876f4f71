/*
 * sc_int.h — what the three files of the SocketCluster layer share:
 * sc.c (the state machine: handshake, heartbeats, receiving, closing,
 * the server), sc_screen.c (decoding and the two screens of received
 * texts) and sc_reply.c (what goes out: envelopes, the queue before the
 * ack, the table of our pending requests, our replies).  Internal;
 * lp2p__ names.  sc.h stays the layer's interface for peer.c.
 *
 * The calls go one way: sc.c calls sc_screen.c and sc_reply.c;
 * sc_reply.c calls sc_screen.c (lp2p__sc_is_integer) and nothing of
 * sc.c; sc_screen.c calls neither.
 */
#ifndef LP2P_SC_INT_H
#define LP2P_SC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <jv.h>
#include <uv.h>

#include "sc.h"

struct lp2p_ws;

enum sc_state { SC_CONNECTING, SC_HANDSHAKE, SC_OPEN, SC_CLOSING, SC_DEAD };

/* One request of ours awaiting its reply (by cid, in deadline order). */
struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint64_t		 cid;
	uint64_t		 deadline;
	lp2p_sc_reply_fn	*fn;
	void			*arg;
};

/* An emit or request made before the ack (client), sent after it. */
struct queued {
	STAILQ_ENTRY(queued)	 entry;
	char			*event;
	jv			 data;
	struct pending		*req;	/* NULL: plain emit */
};

struct lp2p_sc {
	uv_loop_t		*loop;
	struct lp2p_ws		*ws;
	struct lp2p_sc_opts	 opts;
	struct lp2p_sc_cb	 cb;
	void			*arg;
	bool			 client;
	enum sc_state		 state;
	bool			 opened;
	uv_timer_t		 t_ping;	/* server: #1 */
	uv_timer_t		 t_watch;	/* watchdog */
	uint64_t		 rx_at;		/* server, hot path: last message */
	uv_timer_t		 t_hs;		/* handshake / ack */
	uv_timer_t		 t_req;		/* oldest request */
	int			 nclosing;
	uint64_t		 next_cid;
	uint32_t		 npending;
	TAILQ_HEAD(, pending)	 pending;
	STAILQ_HEAD(, queued)	 queue;
	uint32_t		 nqueued;
	uint32_t		 ping_timeout;	/* client: announced */
	int			 code;
	char			*reason;
	bool			 by_us;
	bool			 have_code;
	char			 ip[48];
	uint16_t		 rport;		/* remote (ephemeral) port */
	char			*target;
	uint64_t		 bytes_in;	/* the ws's, once it is gone */
	uint64_t		 bytes_out;
	struct lp2p_sc_server	*srv;		/* server side, until it closes */
	TAILQ_ENTRY(lp2p_sc)	 sentry;
};

/* ---- sc_screen.c --------------------------------------------------- */
/* A finite number without a fraction (cid, rid, code). */
bool	 lp2p__sc_is_integer(jv);

/* ---- sc_reply.c ---------------------------------------------------- */
/*
 * Send text (malloc'd, consumed; NULL: LP2P_ENOMEM) on the WebSocket:
 * 0, LP2P_ECLOSED when the ws is gone, or the ws layer's error.
 */
int	 lp2p__sc_send_text(struct lp2p_sc *, char *);
/* Client, at the ack: send what was queued, in order. */
void	 lp2p__sc_flush_queue(struct lp2p_sc *);
/* A received reply (no "event"; msg consumed): its request's fn. */
void	 lp2p__sc_handle_reply(struct lp2p_sc *, jv msg);
/* Every queued and pending request's fn with status; the lists emptied. */
void	 lp2p__sc_fail_pending(struct lp2p_sc *, int status);

#endif /* LP2P_SC_INT_H */
