/*
 * ws.h — internal API of the WebSocket layer (ws.c): RFC 6455 over libuv
 * and wslay, client and server, one code path once upgraded.  Used only by
 * sc.c and sc_reply.c (and the unit tests for the pure upgrade-head
 * parser).
 *
 * Rules (WIRE.md §2): the upgrade head is parsed by http-parser on both
 * sides with a 16 KiB limit; the server answers 101 (four lines), 400, 401
 * (is_banned) or 431; the client sends the reference's exact header
 * order.  We never send ping/pong frames; receiving one terminates the
 * connection after on_control.  Messages over max_payload close with 1009.
 * The write queue is bounded: over max_queue bytes the connection is
 * terminated (code 1006, reason "write queue full").
 */
#ifndef LP2P_WS_H
#define LP2P_WS_H

#include <stdbool.h>
#include <stdint.h>
#include <http_parser.h>
#include <uv.h>

#include "liskp2p.h"

/* ceilings of this layer (STYLE 8) */
#define LP2P_WS_MAX_UPGRADING	512	/* connections not yet upgraded */

struct lp2p_ws;
struct lp2p_ws_server;

struct lp2p_ws_cb {
	/* Client: the 101 arrived.  (Server: see on_accept.) */
	void	(*on_open)(struct lp2p_ws *, void *arg);
	/* One complete (possibly reassembled) data message. */
	void	(*on_message)(struct lp2p_ws *, const uint8_t *, size_t,
		    bool text, void *arg);
	/* A ping (0x9) or pong (0xa) arrived; terminated after return. */
	void	(*on_control)(struct lp2p_ws *, int opcode, void *arg);
	/*
	 * Last callback: TCP closed.  code: from the close frame received
	 * (or sent, when we closed), 1006 if none; reason: its text or a
	 * description of the failure ("connect: connection refused").
	 */
	void	(*on_closed)(struct lp2p_ws *, int code, const char *reason,
		    bool by_us, void *arg);
};

struct lp2p_ws_opts {
	size_t	 max_payload;		/* LP2P_WS_MAX_PAYLOAD */
	size_t	 max_queue;		/* bytes queued before drop */
	uint32_t connect_timeout;	/* ms, TCP+upgrade (client), 0 none */
	uint32_t head_timeout;		/* ms, server waits for a head */
	size_t	 max_upgrading;		/* server; 0: LP2P_WS_MAX_UPGRADING */
	/*
	 * Server: connections one IP may have upgrading at a time, 0: no
	 * limit; it holds for routable addresses, and for loopback and
	 * private ones too when upgrading_per_ip_all.
	 */
	uint32_t upgrading_per_ip;
	bool	 upgrading_per_ip_all;
};

struct lp2p_ws_server_cb {
	bool	(*is_banned)(const char *ip, void *arg);
	/*
	 * A connection completed the upgrade (101 queued).  The receiver
	 * must call lp2p__ws_set_cb() before returning; it owns ws.
	 */
	void	(*on_accept)(struct lp2p_ws_server *, struct lp2p_ws *,
		    void *arg);
	void	(*on_closed)(struct lp2p_ws_server *, void *arg);
};

/*
 * Dial host:port (IPv4), from bind when non-NULL; target is the request
 * target ("/rpc/?..."); host header "<host>:<port>".
 */
int	 lp2p__ws_connect(struct lp2p_ws **, uv_loop_t *,
	    const struct lp2p_ws_opts *, const char *host, uint16_t port,
	    const char *bind, const char *target, const struct lp2p_ws_cb *,
	    void *arg, struct lp2p_err *);
int	 lp2p__ws_server_new(struct lp2p_ws_server **, uv_loop_t *,
	    const struct lp2p_ws_opts *, const char *host, uint16_t port,
	    const struct lp2p_ws_server_cb *, void *arg, struct lp2p_err *);
int	 lp2p__ws_server_port(const struct lp2p_ws_server *);
/* Stop listening; connections not yet upgraded are dropped. */
void	 lp2p__ws_server_close(struct lp2p_ws_server *);
void	 lp2p__ws_server_free(struct lp2p_ws_server *);

void	 lp2p__ws_set_cb(struct lp2p_ws *, const struct lp2p_ws_cb *, void *);
/* Queue one text message.  LP2P_ECLOSED, LP2P_EFULL (dropped). */
int	 lp2p__ws_send(struct lp2p_ws *, const void *, size_t);
/* Close frame (code, reason) then TCP close; terminate: TCP only. */
void	 lp2p__ws_close(struct lp2p_ws *, int code, const char *reason);
void	 lp2p__ws_terminate(struct lp2p_ws *, int code, const char *reason);
/* Stop (true) or restart reading an open connection; writes go on. */
void	 lp2p__ws_pause(struct lp2p_ws *, bool);
void	 lp2p__ws_free(struct lp2p_ws *);
const char *lp2p__ws_remote_ip(const struct lp2p_ws *);
uint16_t lp2p__ws_remote_port(const struct lp2p_ws *);
/* Server side, in on_accept only: the request target ("/rpc/?a=b"). */
const char *lp2p__ws_target(const struct lp2p_ws *);
size_t	 lp2p__ws_queued(const struct lp2p_ws *);
/* Bytes read from and handed to the socket so far. */
void	 lp2p__ws_bytes(const struct lp2p_ws *, uint64_t *, uint64_t *);

/*
 * Tests and fuzzing only: an open connection (client or server side)
 * without a socket.  lp2p__ws_test_read hands it n bytes as if read from
 * the peer (n < 0: a read error such as UV_EOF); what it would write is
 * discarded as if written at once.  Closing goes through the loop as
 * usual: run it until on_closed, then lp2p__ws_free.  NULL: no memory
 * (the loop still has handles to close).
 */
struct lp2p_ws *lp2p__ws_test_open(uv_loop_t *, const struct lp2p_ws_opts *,
	    bool client, const struct lp2p_ws_cb *, void *arg);
void	 lp2p__ws_test_read(struct lp2p_ws *, const uint8_t *, ssize_t);

/*
 * The upgrade head parser, fed any number of bytes at a time.
 * feed: returns bytes consumed; sets h->done when the head is complete,
 * h->status to the HTTP status the server must answer (101, 400, 431) or
 * the client outcome (101 ok, else the status line's code or 400 for a
 * malformed answer); h->hang for a request without Upgrade (never
 * answered, as Node).
 */
#define LP2P_WS_KEY_LEN	24
struct lp2p_ws_head {
	http_parser	 parser;
	bool		 response;
	bool		 done;
	bool		 hang;
	int		 status;
	size_t		 nread;
	char		 field[32];	/* current header name (truncated) */
	size_t		 field_len;
	int		 which;		/* header being read */
	bool		 last_was_value;
	char		*url;
	size_t		 url_len;
	char		 key[64];	/* Sec-WebSocket-Key or -Accept */
	char		 version[16];
	char		 upgrade[32];
	char		 connection[64];
	char		 protocol[128];
	char		 extensions[128];
	int		 nkey;		/* repeated headers count */
};
void	 lp2p__ws_head_init(struct lp2p_ws_head *, bool response);
size_t	 lp2p__ws_head_feed(struct lp2p_ws_head *, const char *, size_t);
void	 lp2p__ws_head_release(struct lp2p_ws_head *);
/* base64(SHA-1(key ‖ GUID)) into out[29]. */
void	 lp2p__ws_accept_key(const char *key, char out[29]);

#endif /* LP2P_WS_H */
