/*
 * sc.c — SocketCluster v14 as lisk-p2p 0.10 speaks it (WIRE.md §3): the
 * state machine of one connection and the server.
 *
 * Client: on WebSocket open send {"event":"#handshake",...,"cid":1}; emits
 * made before the ack are queued (bounded) and flushed after it; answer
 * every #1 with #2; watchdog: ack_timeout until the ack, then the
 * announced pingTimeout, reset only by #1 (4000).
 * Server: first message must be #handshake (else 4009), within
 * handshake_timeout (else #disconnect 4005); #1 every ping_interval from
 * open; watchdog ping_timeout reset by any message (4001); every message
 * but "#2" is screened (§3.7, sc_screen.c) and an offender banned and
 * terminated.
 * Requests, replies and the queue before the ack: sc_reply.c.
 * Close: #disconnect + close frame, or bare close frame, or terminate.
 * on_closed comes once every handle is closed; the owner frees there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "internal.h"
#include "peer.h"
#include "sc.h"
#include "sc_int.h"
#include "ws.h"

#define MAX_CTL_IPS	256	/* IPs counted per control-message window */
#define CTL_WINDOW	1000	/* ms: the #disconnect counter's window */

struct ctl_count {
	char		 ip[48];
	uint32_t	 count;
};

struct lp2p_sc_server {
	struct lp2p_ws_server	*ws;
	uv_loop_t		*loop;
	struct lp2p_sc_opts	 opts;
	struct lp2p_sc_server_cb cb;
	void			*arg;
	uv_timer_t		 t_ctl;		/* resets ctl every second */
	struct ctl_count	 ctl[MAX_CTL_IPS];
	size_t			 nctl;
	int			 nclosing;
	TAILQ_HEAD(, lp2p_sc)	 conns;		/* accepted, not yet freed */
};

/* ---- timers and closing ------------------------------------------- */

static void
on_timer_closed(uv_handle_t *h)
{
	struct lp2p_sc *sc = h->data;

	if (--sc->nclosing > 0)
		return;
	lp2p__sc_fail_pending(sc, LP2P_ECLOSED);
	if (sc->cb.on_closed != NULL)
		sc->cb.on_closed(sc, sc->code, sc->reason, sc->by_us,
		    sc->opened, sc->arg);
	else
		lp2p__sc_free(sc);
}

/* The ws is gone (or never was): close the timers, then report. */
static void
sc_finish(struct lp2p_sc *sc)
{
	sc->state = SC_DEAD;
	sc->nclosing = 4;
	uv_close((uv_handle_t *)&sc->t_ping, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_watch, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_hs, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_req, on_timer_closed);
}

static void
set_code(struct lp2p_sc *sc, int code, const char *reason, bool by_us)
{
	if (sc->have_code)
		return;
	sc->have_code = true;
	sc->code = code;
	sc->by_us = by_us;
	free(sc->reason);
	sc->reason = reason != NULL ? strdup(reason) : NULL;
}

void
lp2p__sc_close(struct lp2p_sc *sc, int code, const char *reason, int flags)
{
	if (sc == NULL || sc->state >= SC_CLOSING)
		return;
	set_code(sc, code, reason, true);
	uv_timer_stop(&sc->t_ping);
	uv_timer_stop(&sc->t_hs);
	if (sc->ws == NULL) {
		sc_finish(sc);
		return;
	}
	if (flags & LP2P__CLOSE_TERMINATE || sc->state == SC_CONNECTING) {
		sc->state = SC_CLOSING;
		lp2p__ws_terminate(sc->ws, code, reason);
		return;
	}
	if (!(flags & LP2P__CLOSE_BARE)) {
		jv d = jv_object_set(jv_object(), jv_string("code"),
		    jv_number(code));

		if (reason != NULL)
			d = jv_object_set(d, jv_string("data"),
			    jv_string(reason));
		(void)lp2p__sc_send_text(sc, lp2p__sc_encode_event("#disconnect", d,
		    0));
	}
	sc->state = SC_CLOSING;
	lp2p__ws_close(sc->ws, code, reason);
}

static void
sc_offence(struct lp2p_sc *sc, enum lp2p_sc_offence o, const char *why)
{
	if (sc->cb.on_offence != NULL)
		sc->cb.on_offence(sc, o, why, sc->arg);
}

static void
on_ping_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;

	if (sc->state == SC_HANDSHAKE || sc->state == SC_OPEN)
		(void)lp2p__ws_send(sc->ws, "#1", 2);
}

static void
on_watch_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;
	uint64_t quiet = uv_now(sc->loop) - sc->rx_at;

	/* the hot path only notes the time: the watchdog rearms here */
	if (!sc->client && sc->rx_at > 0 && quiet < sc->opts.ping_timeout) {
		uv_timer_start(t, on_watch_timer, sc->opts.ping_timeout - quiet,
		    sc->opts.ping_timeout);
		return;
	}
	if (sc->client)
		lp2p__sc_close(sc, sc->opened ? 4000 : 4003, sc->opened ?
		    "Server ping timed out" : "Failed to complete handshake",
		    LP2P__CLOSE_BARE);
	else
		lp2p__sc_close(sc, 4001, "Client pong timed out",
		    LP2P__CLOSE_BARE);
}

static void
on_hs_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;

	if (sc->client)
		lp2p__sc_close(sc, 4003, "Failed to complete handshake",
		    LP2P__CLOSE_BARE);
	else
		lp2p__sc_close(sc, 4005, NULL, 0);
}

static void
handle_disconnect(struct lp2p_sc *sc, jv data)
{
	jv code = jv_invalid(), text = jv_invalid();
	int c = 1000;

	if (jv_get_kind(data) == JV_KIND_OBJECT) {
		code = jv_object_get(jv_copy(data), jv_string("code"));
		text = jv_object_get(jv_copy(data), jv_string("data"));
	}
	if (lp2p__sc_is_integer(code) && jv_number_value(code) >= 1000 &&
	    jv_number_value(code) <= 4999)
		c = (int)jv_number_value(code);
	set_code(sc, c, jv_get_kind(text) == JV_KIND_STRING ?
	    jv_string_value(text) : NULL, false);
	jv_free(code);
	jv_free(text);
	jv_free(data);
	if (sc->client && sc->opened && sc->state == SC_OPEN) {
		/* the reference client echoes it, then closes */
		jv d = jv_object_set(jv_object(), jv_string("code"),
		    jv_number(c));

		if (sc->reason != NULL)
			d = jv_object_set(d, jv_string("data"),
			    jv_string(sc->reason));
		(void)lp2p__sc_send_text(sc, lp2p__sc_encode_event("#disconnect", d,
		    0));
	}
	sc->state = SC_CLOSING;
	uv_timer_stop(&sc->t_ping);
	uv_timer_stop(&sc->t_hs);
	lp2p__ws_close(sc->ws, sc->client && !sc->opened ? 4003 : c, NULL);
}

static void
handle_ack(struct lp2p_sc *sc, jv msg)
{
	jv data = jv_object_get(jv_copy(msg), jv_string("data"));
	jv pt = jv_get_kind(data) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(data), jv_string("pingTimeout")) :
	    jv_invalid();
	double v;

	jv_free(msg);
	jv_free(data);
	if (jv_get_kind(pt) != JV_KIND_NUMBER) {
		jv_free(pt);
		lp2p__sc_close(sc, 4000, "Server ping timed out",
		    LP2P__CLOSE_BARE);
		return;
	}
	v = jv_number_value(pt);
	jv_free(pt);
	sc->ping_timeout = v < 1 ? 1 : v > 3600000 ? 3600000 : (uint32_t)v;
	uv_timer_stop(&sc->t_hs);
	uv_timer_start(&sc->t_watch, on_watch_timer, sc->ping_timeout,
	    sc->ping_timeout);	/* uv_timer_again needs the repeat */
	sc->state = SC_OPEN;
	sc->opened = true;
	lp2p__sc_flush_queue(sc);	/* what was queued goes first */
	if (sc->state == SC_OPEN && sc->cb.on_open != NULL)
		sc->cb.on_open(sc, sc->arg);
}

static void
server_handshake(struct lp2p_sc *sc)
{
	char reason[256], id[21];
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	int code = 0;
	char *ack;

	uv_timer_stop(&sc->t_hs);
	reason[0] = '\0';
	if (sc->cb.on_handshake != NULL)
		code = sc->cb.on_handshake(sc, reason, sizeof(reason), sc->arg);
	if (sc->state >= SC_CLOSING)
		return;
	if (code != 0) {
		lp2p__sc_close(sc, code, reason[0] != '\0' ? reason : NULL, 0);
		return;
	}
	for (size_t i = 0; i < 20; i++)
		id[i] = abc[lp2p_rand_uniform(sizeof(abc) - 1)];
	id[20] = '\0';
	if (asprintf(&ack, "{\"rid\":1,\"data\":{\"id\":\"%s\",\"pingTimeout\":"
	    "%u,\"isAuthenticated\":false}}", id, sc->opts.ping_timeout) < 0) {
		lp2p__sc_close(sc, 1011, NULL, LP2P__CLOSE_TERMINATE);
		return;
	}
	if (lp2p__sc_send_text(sc, ack) < 0)
		return;
	sc->state = SC_OPEN;
	sc->opened = true;
	if (sc->cb.on_open != NULL)
		sc->cb.on_open(sc, sc->arg);
}

/* One more #disconnect from ip in this window; returns the count. */
static uint32_t
ctl_count(struct lp2p_sc_server *srv, const char *ip)
{
	for (size_t i = 0; i < srv->nctl; i++)
		if (strcmp(srv->ctl[i].ip, ip) == 0)
			return ++srv->ctl[i].count;
	if (srv->nctl == MAX_CTL_IPS)
		return 1;		/* table full: not counted */
	strlcpy(srv->ctl[srv->nctl].ip, ip, sizeof(srv->ctl[0].ip));
	srv->ctl[srv->nctl].count = 1;
	return srv->ctl[srv->nctl++].count;
}

static void
on_ctl_timer(uv_timer_t *t)
{
	struct lp2p_sc_server *srv = t->data;

	srv->nctl = 0;
}

static void
on_ws_message(struct lp2p_ws *ws, const uint8_t *p, size_t n, bool text,
    void *arg)
{
	struct lp2p_sc *sc = arg;
	const char *s = (const char *)p;
	struct lp2p__sc_fast fast;
	char why[128];
	jv msg, ev, data, cid;
	uint64_t c = 0;
	int rc;

	(void)ws;
	if (sc->state >= SC_CLOSING)
		return;
	if (sc->cb.on_frame != NULL)
		sc->cb.on_frame(sc, sc->arg);
	if (sc->state >= SC_CLOSING)
		return;
	/*
	 * The hot path: a remote-message in the common envelope on an open
	 * connection goes to on_fast_message before any jv is built (the
	 * server's watchdog is fed as below).  Not taken: the usual way.
	 */
	if (sc->cb.on_fast_message != NULL && text && sc->state == SC_OPEN &&
	    sc->opened && lp2p__sc_fast_split(s, n, &fast) == 0) {
		if (!sc->client)	/* the watchdog, lazily (on_watch_timer) */
			sc->rx_at = uv_now(sc->loop);
		if (sc->cb.on_fast_message(sc, &fast, sc->arg))
			return;
		if (sc->state >= SC_CLOSING)
			return;
	}
	if (sc->client) {
		if (!text)
			return;		/* the reference client ignores them */
		if (n == 2 && memcmp(s, "#1", 2) == 0) {
			(void)lp2p__ws_send(sc->ws, "#2", 2);
			if (sc->opened)
				uv_timer_again(&sc->t_watch);
			return;
		}
		if ((rc = lp2p__sc_decode(s, n, &msg)) != 0) {
			if (rc == LP2P_EINVAL)
				sc_offence(sc, LP2P_SC_INVALID,
				    "JSON nested too deep");
			else if (rc == LP2P_EFULL)
				sc_offence(sc, LP2P_SC_INVALID,
				    "JSON of too many values");
			return;
		}
		if (jv_get_kind(msg) != JV_KIND_OBJECT) {
			jv_free(msg);
			return;
		}
	} else {
		uv_timer_again(&sc->t_watch);
		if (sc->state == SC_HANDSHAKE && !(n > 0 &&
		    s[0] == '{' && memmem(s, n, "#handshake", 10) != NULL)) {
			lp2p__sc_close(sc, 4009, NULL, LP2P__CLOSE_BARE);
			return;
		}
		/*
		 * Before the handshake nothing of size is due (an honest
		 * #handshake is about 60 bytes): a large one is not parsed.
		 */
		if (sc->state == SC_HANDSHAKE && n > LP2P_MAX_SC_HANDSHAKE) {
			lp2p__sc_close(sc, 1009, "#handshake too large",
			    LP2P__CLOSE_TERMINATE);
			return;
		}
		if (n == 2 && memcmp(s, "#2", 2) == 0)
			return;
		if ((rc = lp2p__sc_screen(s, n, &msg, why, sizeof(why))) != 0) {
			if (rc == LP2P_EINVAL) {
				sc_offence(sc, LP2P_SC_INVALID, why);
				return;
			}
			sc_offence(sc, LP2P_SC_BAN, why);
			lp2p__sc_close(sc, 1006, why, LP2P__CLOSE_TERMINATE);
			return;
		}
	}
	ev = jv_object_get(jv_copy(msg), jv_string("event"));
	if (!sc->client && sc->srv != NULL &&
	    jv_get_kind(ev) == JV_KIND_STRING &&
	    strcmp(jv_string_value(ev), "#disconnect") == 0 &&
	    ctl_count(sc->srv, sc->ip) > sc->opts.control_message_limit) {
		jv_free(ev);
		jv_free(msg);
		snprintf(why, sizeof(why), "more than %u #disconnect from %s "
		    "in %d ms", sc->opts.control_message_limit, sc->ip,
		    CTL_WINDOW);
		sc_offence(sc, LP2P_SC_BAN, why);
		lp2p__sc_close(sc, 1006, why, LP2P__CLOSE_TERMINATE);
		return;
	}
	if (jv_get_kind(ev) != JV_KIND_STRING) {
		jv_free(ev);
		if (sc->client && !sc->opened) {
			jv rid = jv_object_get(jv_copy(msg), jv_string("rid"));

			if (lp2p__sc_is_integer(rid) && jv_number_value(rid) == 1) {
				jv_free(rid);
				handle_ack(sc, msg);
				return;
			}
			jv_free(rid);
		}
		lp2p__sc_handle_reply(sc, msg);
		return;
	}
	if (!sc->client && sc->state == SC_HANDSHAKE &&
	    strcmp(jv_string_value(ev), "#handshake") != 0) {
		jv_free(ev);
		jv_free(msg);
		lp2p__sc_close(sc, 4009, NULL, LP2P__CLOSE_BARE);
		return;
	}
	data = jv_object_get(jv_copy(msg), jv_string("data"));
	cid = jv_object_get(msg, jv_string("cid"));
	if (lp2p__sc_is_integer(cid) && jv_number_value(cid) > 0 &&
	    jv_number_value(cid) < 9007199254740992.0)
		c = (uint64_t)jv_number_value(cid);
	jv_free(cid);
	if (strcmp(jv_string_value(ev), "#disconnect") == 0)
		handle_disconnect(sc, data);
	else if (strcmp(jv_string_value(ev), "#handshake") == 0) {
		jv_free(data);
		if (!sc->client && sc->state == SC_HANDSHAKE)
			server_handshake(sc);
	} else if (jv_string_value(ev)[0] == '#')
		jv_free(data);		/* other SC internals: ignored */
	else if (sc->cb.on_event != NULL)
		sc->cb.on_event(sc, jv_string_value(ev), data, c, sc->arg);
	else
		jv_free(data);
	jv_free(ev);
}

static void
on_ws_control(struct lp2p_ws *ws, int opcode, void *arg)
{
	struct lp2p_sc *sc = arg;

	(void)ws;
	set_code(sc, 1006, opcode == 0x9 ? "ping control frame" :
	    "pong control frame", true);
	sc_offence(sc, sc->client ? LP2P_SC_CONTROL : LP2P_SC_BAN,
	    opcode == 0x9 ? "WebSocket ping frame received" :
	    "WebSocket pong frame received");
}

static void
on_ws_open(struct lp2p_ws *ws, void *arg)
{
	struct lp2p_sc *sc = arg;

	(void)ws;
	sc->state = SC_HANDSHAKE;
	(void)lp2p__sc_send_text(sc, strdup("{\"event\":\"#handshake\",\"data\":"
	    "{\"authToken\":null},\"cid\":1}"));
	sc->next_cid = 2;
	uv_timer_start(&sc->t_hs, on_hs_timer, sc->opts.ack_timeout, 0);
}

static void
on_ws_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct lp2p_sc *sc = arg;

	if (sc->client && sc->state == SC_CONNECTING && code == 4007)
		set_code(sc, 4007, NULL, true);	/* the SC text */
	else
		set_code(sc, code, by_us ? reason : NULL, by_us);
	if (!sc->have_code || sc->reason == NULL) {
		/* keep the ws description when nothing better is known */
		if (reason != NULL && reason[0] != '\0' && sc->reason == NULL &&
		    code == 1006)
			sc->reason = strdup(reason);
	}
	lp2p__ws_bytes(ws, &sc->bytes_in, &sc->bytes_out);
	lp2p__ws_free(ws);
	sc->ws = NULL;
	sc_finish(sc);
}

static const struct lp2p_ws_cb sc_ws_cb = {
	.on_open = on_ws_open,
	.on_message = on_ws_message,
	.on_control = on_ws_control,
	.on_closed = on_ws_closed,
};

/* ---- life ----------------------------------------------------------- */

static struct lp2p_sc *
sc_alloc(uv_loop_t *loop, const struct lp2p_sc_opts *o)
{
	struct lp2p_sc *sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	sc->loop = loop;
	sc->opts = *o;
	if (sc->opts.max_pending == 0)
		sc->opts.max_pending = 1024;
	TAILQ_INIT(&sc->pending);
	STAILQ_INIT(&sc->queue);
	uv_timer_init(loop, &sc->t_ping);
	uv_timer_init(loop, &sc->t_watch);
	uv_timer_init(loop, &sc->t_hs);
	uv_timer_init(loop, &sc->t_req);
	sc->t_ping.data = sc->t_watch.data = sc->t_hs.data = sc->t_req.data =
	    sc;
	sc->next_cid = 1;
	return sc;
}

static void
ws_opts(const struct lp2p_sc_opts *o, struct lp2p_ws_opts *w)
{
	memset(w, 0, sizeof(*w));
	w->max_payload = o->max_payload;
	w->max_queue = o->max_queue;
	w->connect_timeout = o->connect_timeout;
	/*
	 * The upgrade head must come within the connect timeout (at least
	 * 1 s), not the 10 s of the #handshake: a half-written request
	 * holds an upgrading slot for no longer than an honest dial takes
	 * (issue 12; Node's server keeps it open much longer).
	 */
	w->head_timeout = o->connect_timeout > 1000 ? o->connect_timeout :
	    1000;
	w->upgrading_per_ip = o->upgrading_per_ip;
	w->upgrading_per_ip_all = o->upgrading_per_ip_all;
}

int
lp2p__sc_connect(struct lp2p_sc **out, uv_loop_t *loop,
    const struct lp2p_sc_opts *o, const char *host, uint16_t port,
    const char *bind, const char *target, const struct lp2p_sc_cb *cb,
    void *arg, struct lp2p_err *err)
{
	struct lp2p_ws_opts wo;
	struct lp2p_sc *sc;
	int rc;

	*out = NULL;
	if ((sc = sc_alloc(loop, o)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	sc->client = true;
	sc->cb = *cb;
	sc->arg = arg;
	sc->state = SC_CONNECTING;
	strlcpy(sc->ip, host, sizeof(sc->ip));
	ws_opts(o, &wo);
	if ((rc = lp2p__ws_connect(&sc->ws, loop, &wo, host, port, bind,
	    target, &sc_ws_cb, sc, err)) < 0) {
		sc->cb.on_closed = NULL;
		sc_finish(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

static void
srv_on_accept(struct lp2p_ws_server *ws_srv, struct lp2p_ws *ws, void *arg)
{
	struct lp2p_sc_server *srv = arg;
	struct lp2p_sc *sc;

	(void)ws_srv;
	if ((sc = sc_alloc(srv->loop, &srv->opts)) == NULL ||
	    (sc->target = strdup(lp2p__ws_target(ws))) == NULL) {
		static const struct lp2p_ws_cb none;

		if (sc != NULL) {
			sc->cb.on_closed = NULL;
			sc_finish(sc);
		}
		lp2p__ws_set_cb(ws, &none, NULL);
		lp2p__ws_terminate(ws, 1011, "out of memory");
		return;
	}
	sc->ws = ws;
	sc->srv = srv;
	TAILQ_INSERT_TAIL(&srv->conns, sc, sentry);
	sc->state = SC_HANDSHAKE;
	strlcpy(sc->ip, lp2p__ws_remote_ip(ws), sizeof(sc->ip));
	sc->rport = lp2p__ws_remote_port(ws);
	lp2p__ws_set_cb(ws, &sc_ws_cb, sc);
	uv_timer_start(&sc->t_hs, on_hs_timer, sc->opts.handshake_timeout, 0);
	uv_timer_start(&sc->t_ping, on_ping_timer, sc->opts.ping_interval,
	    sc->opts.ping_interval);
	uv_timer_start(&sc->t_watch, on_watch_timer, sc->opts.ping_timeout,
	    sc->opts.ping_timeout);
	srv->cb.on_accept(srv, sc, srv->arg);
}

static bool
srv_is_banned(const char *ip, void *arg)
{
	struct lp2p_sc_server *srv = arg;

	return srv->cb.is_banned != NULL && srv->cb.is_banned(ip, srv->arg);
}

static void
srv_closed_one(struct lp2p_sc_server *srv)
{
	struct lp2p_sc *sc;

	if (--srv->nclosing > 0)
		return;
	while ((sc = TAILQ_FIRST(&srv->conns)) != NULL) {
		TAILQ_REMOVE(&srv->conns, sc, sentry);
		sc->srv = NULL;		/* connections outlive the server */
	}
	if (srv->cb.on_closed != NULL)
		srv->cb.on_closed(srv, srv->arg);
}

static void
on_ctl_closed(uv_handle_t *h)
{
	srv_closed_one(h->data);
}

static void
srv_on_closed(struct lp2p_ws_server *ws_srv, void *arg)
{
	struct lp2p_sc_server *srv = arg;

	lp2p__ws_server_free(ws_srv);
	srv->ws = NULL;
	srv_closed_one(srv);
}

int
lp2p__sc_server_new(struct lp2p_sc_server **out, uv_loop_t *loop,
    const struct lp2p_sc_opts *o, const char *host, uint16_t port,
    const struct lp2p_sc_server_cb *cb, void *arg, struct lp2p_err *err)
{
	static const struct lp2p_ws_server_cb wcb = {
		.is_banned = srv_is_banned,
		.on_accept = srv_on_accept,
		.on_closed = srv_on_closed,
	};
	struct lp2p_sc_server *srv;
	struct lp2p_ws_opts wo;
	int rc;

	*out = NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	srv->loop = loop;
	srv->opts = *o;
	srv->cb = *cb;
	srv->arg = arg;
	if (srv->opts.control_message_limit == 0)
		srv->opts.control_message_limit = 10;
	TAILQ_INIT(&srv->conns);
	ws_opts(o, &wo);
	if ((rc = lp2p__ws_server_new(&srv->ws, loop, &wo, host, port, &wcb,
	    srv, err)) < 0) {
		free(srv);
		return rc;
	}
	uv_timer_init(loop, &srv->t_ctl);
	srv->t_ctl.data = srv;
	uv_timer_start(&srv->t_ctl, on_ctl_timer, CTL_WINDOW, CTL_WINDOW);
	*out = srv;
	return 0;
}

int
lp2p__sc_server_port(const struct lp2p_sc_server *srv)
{
	return srv->ws != NULL ? lp2p__ws_server_port(srv->ws) : -1;
}

void
lp2p__sc_server_close(struct lp2p_sc_server *srv)
{
	if (srv == NULL || srv->ws == NULL || srv->nclosing > 0)
		return;
	srv->nclosing = 2;
	uv_close((uv_handle_t *)&srv->t_ctl, on_ctl_closed);
	lp2p__ws_server_close(srv->ws);
}

void
lp2p__sc_server_free(struct lp2p_sc_server *srv)
{
	free(srv);
}

void
lp2p__sc_set_cb(struct lp2p_sc *sc, const struct lp2p_sc_cb *cb, void *arg)
{
	sc->cb = *cb;
	sc->arg = arg;
}

void
lp2p__sc_free(struct lp2p_sc *sc)
{
	if (sc == NULL)
		return;
	if (sc->srv != NULL)
		TAILQ_REMOVE(&sc->srv->conns, sc, sentry);
	free(sc->reason);
	free(sc->target);
	free(sc);
}

void
lp2p__sc_pause(struct lp2p_sc *sc, bool pause)
{
	/* a handshake in progress is never held up */
	if (sc != NULL && sc->ws != NULL && (!pause || sc->state == SC_OPEN))
		lp2p__ws_pause(sc->ws, pause);
}

const char *
lp2p__sc_remote_ip(const struct lp2p_sc *sc)
{
	return sc->ip;
}

uint16_t
lp2p__sc_remote_port(const struct lp2p_sc *sc)
{
	return sc->rport;
}

void
lp2p__sc_bytes(const struct lp2p_sc *sc, uint64_t *in, uint64_t *out)
{
	*in = sc->bytes_in;
	*out = sc->bytes_out;
	if (sc->ws != NULL)
		lp2p__ws_bytes(sc->ws, in, out);
}

const char *
lp2p__sc_target(const struct lp2p_sc *sc)
{
	return sc->target != NULL ? sc->target : "";
}

bool
lp2p__sc_is_client(const struct lp2p_sc *sc)
{
	return sc->client;
}
