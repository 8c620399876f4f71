/*
 * peer.c — one lisk-p2p 0.10 connection (see peer.h for the contract):
 * its life (dial, accept, close, free), the sc callbacks, the messages
 * and requests it receives and sends, answers to getNodeInfo, getPeers
 * and a server's ping, our ping RPC (latency), our postNodeInfo pacing,
 * productivity.
 *
 * Built on sc.c.  State kept per connection, as the reference keeps it
 * (struct lp2p_peer, peer_int.h): reputation, message counters per rate
 * window and the 10-s getPeers/postNodeInfo counts (counted and
 * penalised by peer_rate.c), the getNodeInfo count of the connection,
 * productivity and latency.  The handshake's query string and
 * compatibility check: peer_query.c.
 * Six timers: rate window, status window (both run by peer_rate.c),
 * productivity reset, the ping RPC (inbound side only), our own
 * postNodeInfo pacing and a lingering close.
 * on_closed comes once the sc layer and the timers are closed.
 *
 * The windows start when the reference's peer object would be created:
 * at the dial, or at the client's #handshake (WIRE.md 8.3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "internal.h"
#include "peer.h"
#include "peer_int.h"
#include "sc.h"

#define PONG_B64	"InBvbmci"	/* base64 of the JSON text "pong" */
#define POST_SPAN	12000		/* ms: the peer's 10-s window + margin */
#define NTIMERS		6

struct lp2p_peer_server {
	struct lp2p_sc_server	*sc;
	uv_loop_t		*loop;
	struct lp2p_peer_config	 cfg;
	struct lp2p_peer_self	 self;
	uint8_t			*nodeinfo;
	struct lp2p_peer_server_cb scb;
	struct lp2p_peer_cb	 cb;
	void			*arg;
};

static void	schedule_ping(struct lp2p_peer *);

/* ---- configuration and small pieces ------------------------------- */

void
lp2p__peer_config_default(struct lp2p_peer_config *c)
{
	memset(c, 0, sizeof(*c));
	c->connect_timeout = 2000;
	c->ack_timeout = 2000;
	c->server_ack_timeout = 10000;
	c->handshake_timeout = 10000;
	c->ping_interval = 8000;
	c->ping_timeout = 20000;
	c->ws_max_payload = LP2P_WS_MAX_PAYLOAD;
	c->ws_max_queue = 8 * 1024 * 1024;
	c->ws_max_message_rate = 100;
	c->ws_max_message_rate_penalty = 10;
	c->rate_calculation_interval = 1000;
	c->peer_status_window = 10000;
	c->peer_status_message_rate = 4;
	c->max_peer_info_size = LP2P_MAX_PEER_INFO;
	c->ping_rpc_min = 20000;
	c->ping_rpc_max = 60000;
	c->productivity_reset_interval = 20000;
	c->control_message_limit = 10;
	c->max_pending = 1024;
}

static int
copy_self(struct lp2p_peer_self *dst, uint8_t **buf,
    const struct lp2p_peer_self *src)
{
	uint8_t *n = NULL;

	if (src->nodeinfo_len > 0) {
		if ((n = malloc(src->nodeinfo_len)) == NULL)
			return LP2P_ENOMEM;
		memcpy(n, src->nodeinfo, src->nodeinfo_len);
	}
	free(*buf);
	*buf = n;
	*dst = *src;
	dst->nodeinfo = n;
	return 0;
}

static jv
b64_jv(const uint8_t *p, size_t n)
{
	char *s = lp2p_b64_encode(p, n);
	jv v;

	if (s == NULL)
		return jv_invalid();
	v = jv_string(s);
	free(s);
	return v;
}

static void
set_reason(struct lp2p_peer *p, int code, const char *reason, bool by_us)
{
	if (p->reason != NULL)
		return;
	p->code = code;
	p->by_us = by_us;
	p->reason = strdup(reason != NULL && reason[0] != '\0' ? reason :
	    lp2p_close_reason(code)[0] != '\0' ? lp2p_close_reason(code) :
	    "Unknown reason");
}

/* ---- timers -------------------------------------------------------- */

static void	on_post_timer(uv_timer_t *);

/*
 * Our postNodeInfo, at most POST_MAX in any POST_SPAN, so that none is
 * the 5th in a peer's 10-s window whatever its phase; one held back goes
 * when allowed, with the nodeInfo of that moment.
 */
static int
post_info(struct lp2p_peer *p)
{
	uint64_t now = uv_now(p->loop), oldest = p->posted[p->nposted %
	    POST_MAX];

	if (p->nposted >= POST_MAX && now - oldest < POST_SPAN) {
		if (!uv_is_active((uv_handle_t *)&p->t_post))
			uv_timer_start(&p->t_post, on_post_timer,
			    POST_SPAN - (now - oldest), 0);
		return 0;
	}
	p->posted[p->nposted++ % POST_MAX] = now;
	return lp2p__peer_send(p, "postNodeInfo", p->self.nodeinfo,
	    p->self.nodeinfo_len);
}

static void
on_linger_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;

	lp2p__peer_close(p, p->linger_code, p->linger_reason,
	    p->linger_flags);
}

static void
on_post_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;

	if (!p->closing)
		(void)post_info(p);
}

static void
on_prod_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;

	if (p->last_responded + p->cfg.productivity_reset_interval <
	    uv_now(p->loop)) {
		p->requests_received = 0;
		p->responses_sent = 0;
		p->last_responded = 0;
	}
}

static void
observe_rtt(struct lp2p_peer *p, double ms)
{
	p->last_rtt = ms;
	if (p->cb.on_rtt != NULL)
		p->cb.on_rtt(p, ms, p->arg);
}

static void
on_ping_reply(struct lp2p_sc *sc, int status, jv data, void *arg)
{
	struct lp2p_peer *p = arg;

	(void)sc;
	if (status == 0)
		p->pings++;
	jv_free(data);
	p->latency = (double)(uv_now(p->loop) - p->ping_start);
	if (status == 0)
		observe_rtt(p, p->latency);
	if (!p->closing)
		schedule_ping(p);
}

static void
on_ping_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;

	p->ping_start = uv_now(p->loop);
	if (lp2p__sc_request(p->sc, "rpc-request", jv_object_set(jv_object(),
	    jv_string("procedure"), jv_string("ping")), on_ping_reply, p) < 0)
		schedule_ping(p);
	else {
		p->reqs_out++;
		if (p->cb.on_traffic != NULL)
			p->cb.on_traffic(p, true, true, "ping", p->arg);
	}
}

static void
schedule_ping(struct lp2p_peer *p)
{
	uint32_t span = p->cfg.ping_rpc_max > p->cfg.ping_rpc_min ?
	    p->cfg.ping_rpc_max - p->cfg.ping_rpc_min : 0;

	uv_timer_start(&p->t_ping, on_ping_timer, p->cfg.ping_rpc_min +
	    (span > 0 ? lp2p_rand_uniform(span + 1) : 0), 0);
}

/* ---- incoming traffic ---------------------------------------------- */

static void
prune_inreqs(struct lp2p_peer *p)
{
	uint64_t now = uv_now(p->loop);
	struct inreq *r;

	while ((r = TAILQ_FIRST(&p->inreqs)) != NULL && r->deadline <= now) {
		TAILQ_REMOVE(&p->inreqs, r, entry);
		p->ninreqs--;
		free(r);
	}
}

static int
peer_reply(struct lp2p_peer *p, uint64_t rid, const uint8_t *d, size_t n,
    bool has)
{
	jv o = jv_object();

	if (has)
		o = jv_object_set(o, jv_string("data"), b64_jv(d, n));
	o = jv_object_set(o, jv_string("peerId"), jv_string(p->id));
	return lp2p__sc_reply(p->sc, rid, o);
}

static void
count_response(struct lp2p_peer *p)
{
	p->responses_sent++;
	p->last_responded = uv_now(p->loop);
}

/*
 * The inner object of remote-message and rpc-request: an object with a
 * string under key and an optional string "data", and no other key
 * (WIRE.md 4.1, 4.2).  Consumes data; *name and *d are set (invalid when
 * absent) and owned by the caller either way.  Returns whether it is valid.
 */
static bool
inner_split(jv data, const char *key, jv *name, jv *d)
{
	bool ok = jv_get_kind(data) == JV_KIND_OBJECT;

	*name = jv_invalid();
	*d = jv_invalid();
	if (ok) {
		jv keys = jv_keys(jv_copy(data));

		for (int i = 0; ok && i < jv_array_length(jv_copy(keys)); i++) {
			jv kk = jv_array_get(jv_copy(keys), i);

			ok = strcmp(jv_string_value(kk), key) == 0 ||
			    strcmp(jv_string_value(kk), "data") == 0;
			jv_free(kk);
		}
		jv_free(keys);
	}
	if (ok) {
		*name = jv_object_get(jv_copy(data), jv_string(key));
		*d = jv_object_get(jv_copy(data), jv_string("data"));
		ok = jv_get_kind(*name) == JV_KIND_STRING &&
		    (!jv_is_valid(*d) || jv_get_kind(*d) == JV_KIND_STRING);
	}
	jv_free(data);
	return ok;
}

static void
handle_message(struct lp2p_peer *p, jv data)
{
	struct lp2p_peer_msg m;
	struct rate_key *k;
	jv ev, d;
	uint8_t *buf = NULL;
	long n = 0;
	bool ok = inner_split(data, "event", &ev, &d);

	if (!ok)
		goto out;		/* dropped silently, as the reference */
	if (jv_is_valid(d) && (n = lp2p_b64_decode(jv_string_value(d),
	    (size_t)jv_string_length_bytes(jv_copy(d)), &buf)) < 0)
		goto out;
	if ((k = lp2p__peer_rate_key(p, jv_string_value(ev), false)) != NULL)
		k->count++;
	if (p->cb.on_traffic != NULL)
		p->cb.on_traffic(p, false, false, jv_string_value(ev), p->arg);
	memset(&m, 0, sizeof(m));
	m.name = jv_string_value(ev);
	m.data = buf;
	m.len = (size_t)n;
	m.has_data = jv_is_valid(d);
	m.rate = k != NULL ? k->rate : 0;
	if (strcmp(m.name, "postNodeInfo") == 0) {
		lp2p__peer_count_postnodeinfo(p);
		if (p->closing)
			goto out;
		if (!m.has_data || m.len > p->cfg.max_peer_info_size)
			lp2p__peer_penalty(p, 100,
			    LP2P_PEN_POSTNODEINFO_INVALID,
			    "postNodeInfo without data or too large");
		else if (p->cb.on_nodeinfo != NULL &&
		    p->cb.on_nodeinfo(p, m.data, m.len, p->arg) != 0)
			lp2p__peer_penalty(p, 100,
			    LP2P_PEN_POSTNODEINFO_INVALID,
			    "postNodeInfo does not decode");
		goto out;
	}
	if (p->cb.on_message != NULL)
		p->cb.on_message(p, &m, p->arg);
out:
	free(buf);
	jv_free(ev);
	jv_free(d);
}

static void
handle_request(struct lp2p_peer *p, jv data, uint64_t cid)
{
	struct lp2p_peer_msg m;
	struct rate_key *k;
	struct inreq *r;
	jv pr, d;
	uint8_t *buf = NULL, *peers = NULL;
	size_t plen = 0;
	long n = 0;
	bool ok = inner_split(data, "procedure", &pr, &d), limited, drop;
	const char *name;

	if (!ok) {
		if (cid > 0)
			(void)lp2p__sc_reply_error(p->sc, cid,
			    "RPC request format is invalid.");
		goto out;
	}
	if (jv_is_valid(d) && (n = lp2p_b64_decode(jv_string_value(d),
	    (size_t)jv_string_length_bytes(jv_copy(d)), &buf)) < 0)
		goto out;
	name = jv_string_value(pr);
	if (p->cb.on_traffic != NULL)
		p->cb.on_traffic(p, false, true, name, p->arg);
	if (!p->inbound && strcmp(name, "ping") == 0) {
		/* the client answers the server's ping itself */
		if ((k = lp2p__peer_rate_key(p, name, true)) != NULL)
			k->count++;
		if (cid > 0) {
			p->requests_received++;
			if (lp2p__sc_reply(p->sc, cid, jv_object_set(
			    jv_object_set(jv_object(), jv_string("data"),
			    jv_string(PONG_B64)), jv_string("peerId"),
			    jv_string(p->id))) == 0)
				count_response(p);
		}
		goto out;
	}
	k = lp2p__peer_count_request(p, name, &drop);
	if (drop)
		goto out;
	limited = strcmp(name, "getNodeInfo") == 0 ||
	    strcmp(name, "getPeers") == 0;
	p->requests_received++;
	memset(&m, 0, sizeof(m));
	m.name = name;
	m.data = buf;
	m.len = (size_t)n;
	m.has_data = jv_is_valid(d);
	m.rate = k != NULL ? k->rate : 0;
	m.rid = cid;
	if (limited) {
		if (n > 0) {
			lp2p__peer_penalty(p, 100, LP2P_PEN_INVALID_REQUEST,
			    "data with getNodeInfo or getPeers");
			goto out;
		}
		if (strcmp(name, "getNodeInfo") == 0)
			ok = peer_reply(p, cid, p->self.nodeinfo,
			    p->self.nodeinfo_len, true) == 0;
		else {
			if (p->cb.get_peers != NULL &&
			    p->cb.get_peers(p, &peers, &plen, p->arg) < 0) {
				free(peers);
				peers = NULL;
				plen = 0;
			}
			ok = peer_reply(p, cid, peers, plen, true) == 0;
		}
		if (ok && cid > 0)
			count_response(p);
		m.answered = true;
		if (p->cb.on_request != NULL)
			p->cb.on_request(p, &m, p->arg);
		goto out;
	}
	if (cid > 0) {
		prune_inreqs(p);
		if (p->ninreqs >= p->cfg.max_pending ||
		    (r = calloc(1, sizeof(*r))) == NULL) {
			m.answered = true;	/* cannot track: left unanswered */
		} else {
			r->rid = cid;
			r->deadline = uv_now(p->loop) + (p->inbound ?
			    p->cfg.server_ack_timeout : p->cfg.ack_timeout);
			TAILQ_INSERT_TAIL(&p->inreqs, r, entry);
			p->ninreqs++;
		}
	} else
		m.answered = true;
	if (p->cb.on_request != NULL)
		p->cb.on_request(p, &m, p->arg);
out:
	free(buf);
	free(peers);
	jv_free(pr);
	jv_free(d);
}

/* ---- sc callbacks -------------------------------------------------- */

static void
sc_on_frame(struct lp2p_sc *sc, void *arg)
{
	struct lp2p_peer *p = arg;

	(void)sc;
	p->ws_count++;
}

#define FAST_NAME_MAX	128	/* longer names take the usual way */

/*
 * The hot path of handle_message for the common envelope: no jv; the
 * data reaches on_message_b64 as base64 text, or, when that does not
 * take it, is decoded for on_message here.
 */
static bool
sc_on_fast_message(struct lp2p_sc *sc, const struct lp2p__sc_fast *f,
    void *arg)
{
	struct lp2p_peer *p = arg;
	struct lp2p_peer_msg m;
	struct rate_key *k;
	char name[FAST_NAME_MAX];
	uint8_t *buf = NULL;
	long n;

	(void)sc;
	if (p->cb.on_message_b64 == NULL || p->closing ||
	    f->nlen >= sizeof(name))
		return false;
	memcpy(name, f->name, f->nlen);
	name[f->nlen] = '\0';
	if (strcmp(name, "postNodeInfo") == 0)
		return false;
	if ((k = lp2p__peer_rate_key(p, name, false)) != NULL)
		k->count++;
	if (p->cb.on_traffic != NULL)
		p->cb.on_traffic(p, false, false, name, p->arg);
	memset(&m, 0, sizeof(m));
	m.name = name;
	m.has_data = true;
	m.rate = k != NULL ? k->rate : 0;
	m.b64 = f->data;
	m.b64len = f->dlen;
	if (p->cb.on_message_b64(p, &m, p->arg))
		return true;
	m.b64 = NULL;
	m.b64len = 0;
	if ((n = lp2p_b64_decode(f->data, f->dlen, &buf)) < 0)
		return true;		/* dropped silently, as the usual way */
	m.data = buf;
	m.len = (size_t)n;
	if (p->cb.on_message != NULL && !p->closing)
		p->cb.on_message(p, &m, p->arg);
	free(buf);
	return true;
}

static void
sc_on_event(struct lp2p_sc *sc, const char *event, jv data, uint64_t cid,
    void *arg)
{
	struct lp2p_peer *p = arg;

	(void)sc;
	if (p->closing) {
		jv_free(data);
		return;
	}
	if (strcmp(event, "remote-message") == 0) {
		p->msgs_in++;
		handle_message(p, data);
	} else if (strcmp(event, "rpc-request") == 0) {
		p->reqs_in++;
		handle_request(p, data, cid);
	}
	else
		jv_free(data);	/* nobody listens: ignored, never answered */
}

static int
sc_on_handshake(struct lp2p_sc *sc, char *reason, size_t len, void *arg)
{
	struct lp2p_peer *p = arg;
	int code;

	code = lp2p__peer_query_parse(lp2p__sc_target(sc), &p->query, p->ip,
	    reason, len);
	if (p->query.nonce[0] != '\0' &&
	    strcmp(p->query.nonce, p->self.nonce) == 0) {
		snprintf(reason, len, "%s", lp2p_close_reason(4101));
		code = 4101;
	} else if (code != 0)
		;
	else if ((code = lp2p__peer_compatible(&p->self, p->query.chain_id,
	    p->query.chain_id_len, p->query.network_version, reason,
	    len)) != 0)
		;
	else {
		p->port = p->query.port;
		lp2p_peerid(p->id, p->ip, p->port);
		if (p->cb.on_accept != NULL)
			code = p->cb.on_accept(p, reason, len, p->arg);
	}
	if (code != 0) {
		set_reason(p, code, reason, true);
		return code;
	}
	lp2p__peer_windows_start(p);
	/* the reference sends its postNodeInfo before the ack */
	(void)post_info(p);
	return 0;
}

static void
sc_on_open(struct lp2p_sc *sc, void *arg)
{
	struct lp2p_peer *p = arg;

	(void)sc;
	p->connected = true;
	p->opened = true;
	if (p->inbound)
		schedule_ping(p);
	else if (p->nposted > 0)	/* our first postNodeInfo goes now */
		p->posted[(p->nposted - 1) % POST_MAX] = uv_now(p->loop);
	if (p->cb.on_connected != NULL)
		p->cb.on_connected(p, p->arg);
}

static void
sc_on_offence(struct lp2p_sc *sc, enum lp2p_sc_offence o, const char *why,
    void *arg)
{
	struct lp2p_peer *p = arg;

	(void)sc;
	switch (o) {
	case LP2P_SC_BAN:
		if (!p->banned) {
			p->banned = true;
			set_reason(p, 1006, why, true);
			if (p->cb.on_ban != NULL)
				p->cb.on_ban(p, true, why, p->arg);
		}
		break;
	case LP2P_SC_CONTROL:
		lp2p__peer_penalty(p, 100, LP2P_PEN_CONTROL_FRAME, why);
		break;
	case LP2P_SC_INVALID:
		lp2p__peer_penalty(p, 10, LP2P_PEN_INVALID_PACKET, why);
		break;
	}
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct lp2p_peer *p = h->data;
	struct inreq *r;

	if (--p->nclosing > 0)
		return;
	while ((r = TAILQ_FIRST(&p->inreqs)) != NULL) {
		TAILQ_REMOVE(&p->inreqs, r, entry);
		free(r);
	}
	p->ninreqs = 0;
	if (p->cb.on_closed != NULL)
		p->cb.on_closed(p, p->code, p->reason != NULL ? p->reason :
		    "Unknown reason", p->by_us, p->opened, p->arg);
	else
		lp2p__peer_free(p);
}

static void
sc_on_closed(struct lp2p_sc *sc, int code, const char *reason, bool by_us,
    bool opened, void *arg)
{
	struct lp2p_peer *p = arg;

	(void)opened;
	set_reason(p, code, reason, by_us);
	lp2p__sc_bytes(sc, &p->bytes_in, &p->bytes_out);
	lp2p__sc_free(sc);
	p->sc = NULL;
	p->connected = false;
	p->closing = true;
	p->nclosing = NTIMERS;
	uv_close((uv_handle_t *)&p->t_rate, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_status, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_prod, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_ping, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_post, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_linger, on_timer_closed);
}

static const struct lp2p_sc_cb peer_sc_cb = {
	.on_handshake = sc_on_handshake,
	.on_open = sc_on_open,
	.on_frame = sc_on_frame,
	.on_event = sc_on_event,
	.on_fast_message = sc_on_fast_message,
	.on_offence = sc_on_offence,
	.on_closed = sc_on_closed,
};

/* ---- life ------------------------------------------------------------ */

static struct lp2p_peer *
peer_alloc(uv_loop_t *loop, const struct lp2p_peer_config *cfg,
    const struct lp2p_peer_self *self, const struct lp2p_peer_cb *cb,
    void *arg)
{
	struct lp2p_peer *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (copy_self(&p->self, &p->nodeinfo, self) < 0) {
		free(p);
		return NULL;
	}
	p->loop = loop;
	p->cfg = *cfg;
	p->cb = *cb;
	p->arg = arg;
	p->reputation = 100;
	p->connect_time = uv_now(loop);
	TAILQ_INIT(&p->inreqs);
	uv_timer_init(loop, &p->t_rate);
	uv_timer_init(loop, &p->t_status);
	uv_timer_init(loop, &p->t_prod);
	uv_timer_init(loop, &p->t_ping);
	uv_timer_init(loop, &p->t_post);
	uv_timer_init(loop, &p->t_linger);
	p->t_rate.data = p->t_status.data = p->t_prod.data = p->t_ping.data =
	    p->t_post.data = p->t_linger.data = p;
	lp2p__peer_windows_start(p);
	uv_timer_start(&p->t_prod, on_prod_timer,
	    cfg->productivity_reset_interval, cfg->productivity_reset_interval);
	return p;
}

static void
sc_opts(const struct lp2p_peer_config *c, struct lp2p_sc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_payload = c->ws_max_payload;
	o->max_queue = c->ws_max_queue;
	o->connect_timeout = c->connect_timeout;
	o->ack_timeout = c->ack_timeout;
	o->server_ack_timeout = c->server_ack_timeout;
	o->handshake_timeout = c->handshake_timeout;
	o->ping_interval = c->ping_interval;
	o->ping_timeout = c->ping_timeout;
	o->max_pending = c->max_pending;
	o->control_message_limit = c->control_message_limit;
	o->upgrading_per_ip = c->upgrading_per_ip;
	o->upgrading_per_ip_all = c->upgrading_per_ip_all;
}

/* Free a peer whose sc never existed (creation failed). */
static void
peer_abort(struct lp2p_peer *p)
{
	p->cb.on_closed = NULL;
	p->closing = true;
	p->nclosing = NTIMERS;
	uv_close((uv_handle_t *)&p->t_rate, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_status, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_prod, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_ping, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_post, on_timer_closed);
	uv_close((uv_handle_t *)&p->t_linger, on_timer_closed);
}

int
lp2p__peer_connect(struct lp2p_peer **out, uv_loop_t *loop,
    const struct lp2p_peer_config *cfg, const struct lp2p_peer_self *self,
    const char *host, uint16_t port, const char *bind,
    const struct lp2p_peer_cb *cb, void *arg, struct lp2p_err *err)
{
	struct lp2p_sc_opts o;
	struct lp2p_peer *p;
	char *target;
	int rc;

	*out = NULL;
	if ((p = peer_alloc(loop, cfg, self, cb, arg)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	strlcpy(p->ip, host, sizeof(p->ip));
	p->port = port;
	lp2p_peerid(p->id, host, port);
	if ((target = lp2p__peer_query_build(&p->self)) == NULL) {
		peer_abort(p);
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	}
	sc_opts(cfg, &o);
	rc = lp2p__sc_connect(&p->sc, loop, &o, host, port, bind, target,
	    &peer_sc_cb, p, err);
	free(target);
	if (rc < 0) {
		peer_abort(p);
		return rc;
	}
	/* queued until the ack, as the reference client does */
	(void)post_info(p);
	*out = p;
	return 0;
}

static void
srv_on_accept(struct lp2p_sc_server *ssrv, struct lp2p_sc *sc, void *arg)
{
	struct lp2p_peer_server *srv = arg;
	struct lp2p_peer *p;
	static const struct lp2p_sc_cb none;

	(void)ssrv;
	if ((p = peer_alloc(srv->loop, &srv->cfg, &srv->self, &srv->cb,
	    srv->arg)) == NULL) {
		lp2p__sc_set_cb(sc, &none, NULL);
		lp2p__sc_close(sc, 1011, NULL, LP2P__CLOSE_TERMINATE);
		return;
	}
	p->inbound = true;
	p->sc = sc;
	strlcpy(p->ip, lp2p__sc_remote_ip(sc), sizeof(p->ip));
	p->rport = lp2p__sc_remote_port(sc);
	snprintf(p->id, sizeof(p->id), "%s:0", p->ip);
	lp2p__sc_set_cb(sc, &peer_sc_cb, p);
}

static bool
srv_is_banned(const char *ip, void *arg)
{
	struct lp2p_peer_server *srv = arg;

	return srv->scb.is_banned != NULL && srv->scb.is_banned(ip, srv->arg);
}

static void
srv_on_closed(struct lp2p_sc_server *ssrv, void *arg)
{
	struct lp2p_peer_server *srv = arg;

	lp2p__sc_server_free(ssrv);
	srv->sc = NULL;
	if (srv->scb.on_closed != NULL)
		srv->scb.on_closed(srv, srv->arg);
}

int
lp2p__peer_server_new(struct lp2p_peer_server **out, uv_loop_t *loop,
    const struct lp2p_peer_config *cfg, const struct lp2p_peer_self *self,
    const char *host, uint16_t port, const struct lp2p_peer_server_cb *scb,
    const struct lp2p_peer_cb *cb, void *arg, struct lp2p_err *err)
{
	static const struct lp2p_sc_server_cb sccb = {
		.is_banned = srv_is_banned,
		.on_accept = srv_on_accept,
		.on_closed = srv_on_closed,
	};
	struct lp2p_peer_server *srv;
	struct lp2p_sc_opts o;
	int rc;

	*out = NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    copy_self(&srv->self, &srv->nodeinfo, self) < 0) {
		free(srv);
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	}
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->scb = *scb;
	srv->cb = *cb;
	srv->arg = arg;
	sc_opts(cfg, &o);
	if ((rc = lp2p__sc_server_new(&srv->sc, loop, &o, host, port, &sccb,
	    srv, err)) < 0) {
		free(srv->nodeinfo);
		free(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

int
lp2p__peer_server_port(const struct lp2p_peer_server *srv)
{
	return srv->sc != NULL ? lp2p__sc_server_port(srv->sc) : -1;
}

void
lp2p__peer_server_close(struct lp2p_peer_server *srv)
{
	if (srv != NULL && srv->sc != NULL)
		lp2p__sc_server_close(srv->sc);
}

void
lp2p__peer_server_free(struct lp2p_peer_server *srv)
{
	if (srv == NULL)
		return;
	free(srv->nodeinfo);
	free(srv);
}

int
lp2p__peer_server_set_self(struct lp2p_peer_server *srv,
    const struct lp2p_peer_self *self)
{
	return copy_self(&srv->self, &srv->nodeinfo, self);
}

/* ---- operations ------------------------------------------------------ */

int
lp2p__peer_send(struct lp2p_peer *p, const char *event, const uint8_t *data,
    size_t len)
{
	jv o;

	if (p->closing || p->sc == NULL)
		return LP2P_ECLOSED;
	o = jv_object_set(jv_object(), jv_string("event"), jv_string(event));
	if (data != NULL)
		o = jv_object_set(o, jv_string("data"), b64_jv(data, len));
	p->msgs_out++;
	if (p->cb.on_traffic != NULL)
		p->cb.on_traffic(p, true, false, event, p->arg);
	return lp2p__sc_emit(p->sc, "remote-message", o);
}

struct req_ctx {
	struct lp2p_peer	*peer;
	lp2p_peer_reply_fn	*fn;
	void			*arg;
	uint64_t		 start;
	uint64_t		 hr;
};

static void
on_reply(struct lp2p_sc *sc, int status, jv data, void *arg)
{
	struct req_ctx *c = arg;
	struct lp2p_peer_reply r;
	uint8_t *buf = NULL;
	long n = 0;
	jv d = jv_invalid(), msg = jv_invalid();

	(void)sc;
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.rtt_ms = (double)(uv_hrtime() - c->hr) / 1e6;
	if (status == 0) {
		if (jv_get_kind(data) != JV_KIND_OBJECT) {
			r.status = LP2P_EPROTO;
			r.error = "Failed to handle response";
		} else {
			d = jv_object_get(jv_copy(data), jv_string("data"));
			if (jv_get_kind(d) == JV_KIND_STRING) {
				n = lp2p_b64_decode(jv_string_value(d),
				    (size_t)jv_string_length_bytes(jv_copy(d)),
				    &buf);
				if (n < 0) {
					r.status = LP2P_ENOMEM;
					n = 0;
				} else
					r.has_data = true;
			}
		}
	} else if (status == LP2P_EREMOTE) {
		if (jv_get_kind(data) == JV_KIND_OBJECT)
			msg = jv_object_get(jv_copy(data),
			    jv_string("message"));
		r.error = jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "remote error";
	} else if (status == LP2P_ETIMEDOUT)
		r.error = "request timed out";
	else
		r.error = "connection closed";
	r.data = buf;
	r.len = (size_t)n;
	if (r.status == 0 || r.status == LP2P_EREMOTE)
		observe_rtt(c->peer, r.rtt_ms);
	c->fn(c->peer, &r, c->arg);
	free(buf);
	jv_free(d);
	jv_free(msg);
	jv_free(data);
	free(c);
}

int
lp2p__peer_request(struct lp2p_peer *p, const char *procedure,
    const uint8_t *data, size_t len, lp2p_peer_reply_fn *fn, void *arg)
{
	struct req_ctx *c;
	jv o;
	int rc;

	if (p->closing || p->sc == NULL)
		return LP2P_ECLOSED;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return LP2P_ENOMEM;
	c->peer = p;
	c->fn = fn;
	c->arg = arg;
	c->hr = uv_hrtime();
	o = jv_object_set(jv_object(), jv_string("procedure"),
	    jv_string(procedure));
	if (data != NULL)
		o = jv_object_set(o, jv_string("data"), b64_jv(data, len));
	if ((rc = lp2p__sc_request(p->sc, "rpc-request", o, on_reply, c)) < 0)
		free(c);
	else {
		if (strcmp(procedure, "getNodeInfo") == 0 ||
		    strcmp(procedure, "getPeers") == 0)
			p->last_limited = uv_now(p->loop);
		p->reqs_out++;
		if (p->cb.on_traffic != NULL)
			p->cb.on_traffic(p, true, true, procedure, p->arg);
	}
	return rc;
}

static struct inreq *
find_inreq(struct lp2p_peer *p, uint64_t rid)
{
	struct inreq *r;

	prune_inreqs(p);
	TAILQ_FOREACH(r, &p->inreqs, entry)
		if (r->rid == rid)
			return r;
	return NULL;
}

int
lp2p__peer_respond(struct lp2p_peer *p, uint64_t rid, const uint8_t *data,
    size_t len)
{
	struct inreq *r;
	int rc;

	if (p->closing || p->sc == NULL)
		return LP2P_ECLOSED;
	if ((r = find_inreq(p, rid)) == NULL)
		return LP2P_ENOTFOUND;
	TAILQ_REMOVE(&p->inreqs, r, entry);
	p->ninreqs--;
	free(r);
	if ((rc = peer_reply(p, rid, data, len, data != NULL)) == 0)
		count_response(p);
	return rc;
}

int
lp2p__peer_respond_error(struct lp2p_peer *p, uint64_t rid, const char *msg)
{
	struct inreq *r;

	if (p->closing || p->sc == NULL)
		return LP2P_ECLOSED;
	if ((r = find_inreq(p, rid)) == NULL)
		return LP2P_ENOTFOUND;
	TAILQ_REMOVE(&p->inreqs, r, entry);
	p->ninreqs--;
	free(r);
	return lp2p__sc_reply_error(p->sc, rid, msg);
}

int
lp2p__peer_set_self(struct lp2p_peer *p, const struct lp2p_peer_self *s,
    bool push)
{
	int rc;

	if ((rc = copy_self(&p->self, &p->nodeinfo, s)) < 0)
		return rc;
	if (push)
		return post_info(p);
	return 0;
}

void
lp2p__peer_set_reputation(struct lp2p_peer *p, int r)
{
	p->reputation = r;
}

void
lp2p__peer_close(struct lp2p_peer *p, int code, const char *reason,
    int flags)
{
	uint64_t now;

	if (p == NULL || p->closing)
		return;
	now = uv_now(p->loop);
	if ((flags & LP2P__CLOSE_LINGER) && p->sc != NULL &&
	    p->last_limited != 0 && now < p->last_limited + LP2P__LINGER) {
		if (uv_is_active((uv_handle_t *)&p->t_linger))
			return;
		free(p->linger_reason);
		p->linger_reason = reason != NULL ? strdup(reason) : NULL;
		p->linger_code = code;
		p->linger_flags = flags & ~LP2P__CLOSE_LINGER;
		uv_timer_start(&p->t_linger, on_linger_timer,
		    p->last_limited + LP2P__LINGER - now, 0);
		return;
	}
	flags &= ~LP2P__CLOSE_LINGER;
	uv_timer_stop(&p->t_linger);
	p->closing = true;
	set_reason(p, code, reason, true);
	uv_timer_stop(&p->t_ping);
	if (p->sc != NULL)
		lp2p__sc_close(p->sc, code, reason, flags);
}

void
lp2p__peer_free(struct lp2p_peer *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nkeys; i++)
		free(p->keys[i].name);
	free(p->keys);
	free(p->nodeinfo);
	free(p->reason);
	free(p->linger_reason);
	free(p);
}

const char *
lp2p__peer_id(const struct lp2p_peer *p)
{
	return p->id;
}

const char *
lp2p__peer_ip(const struct lp2p_peer *p)
{
	return p->ip;
}

uint16_t
lp2p__peer_port(const struct lp2p_peer *p)
{
	return p->port;
}

uint16_t
lp2p__peer_remote_port(const struct lp2p_peer *p)
{
	return p->rport;
}

bool
lp2p__peer_is_inbound(const struct lp2p_peer *p)
{
	return p->inbound;
}

void
lp2p__peer_pause(struct lp2p_peer *p, bool pause)
{
	if (p->sc != NULL && !p->closing)
		lp2p__sc_pause(p->sc, pause);
}

bool
lp2p__peer_is_connected(const struct lp2p_peer *p)
{
	return p->connected && !p->closing;
}

const struct lp2p_peer_query *
lp2p__peer_query(const struct lp2p_peer *p)
{
	return &p->query;
}

void
lp2p__peer_stats(const struct lp2p_peer *p, struct lp2p_peer_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->reputation = p->reputation;
	s->latency_ms = p->latency;
	s->requests_received = p->requests_received;
	s->responses_sent = p->responses_sent;
	s->response_rate = p->requests_received > 0 ?
	    (double)p->responses_sent / (double)p->requests_received : 0;
	s->message_rate = p->ws_rate;
	s->connect_time = p->connect_time;
	s->pings = p->pings;
	s->last_rtt_ms = p->last_rtt;
	s->messages_in = p->msgs_in;
	s->messages_out = p->msgs_out;
	s->requests_in = p->reqs_in;
	s->requests_out = p->reqs_out;
	s->bytes_in = p->bytes_in;
	s->bytes_out = p->bytes_out;
	if (p->sc != NULL)
		lp2p__sc_bytes(p->sc, &s->bytes_in, &s->bytes_out);
}

void
lp2p__peer_set_data(struct lp2p_peer *p, void *d)
{
	p->data = d;
}

void *
lp2p__peer_data(const struct lp2p_peer *p)
{
	return p->data;
}
