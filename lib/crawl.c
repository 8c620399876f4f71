/*
 * crawl.c — walk a lisk-p2p network by getPeers (p2p-watch --crawl), or
 * watch it (p2p-watch): an outbound-only observer.
 *
 * From the seeds, every peer learned is contacted once, with at most
 * `parallel` connections at a time: handshake, getNodeInfo (its round
 * trip is the peer's rttMs), getPeers (whatever it advertises joins the
 * queue), then a clean close.  Each contacted peer becomes one record
 * {"type":"PEER","peerId","reachable",...} given to on_peer; when the
 * queue is empty and no probe is left, on_done gets the summary
 * {"type":"SUMMARY","discovered","reachable","unreachable","durationMs",
 * "errors":{kind:count}}.
 *
 * Invariants: every peerId is in the tree once (state QUEUED, ACTIVE or
 * DONE); the queue holds QUEUED entries only; active counts ACTIVE ones
 * and never exceeds parallel; at most LP2P_CRAWL_MAX_PEERS entries exist
 * (further discoveries are counted as "ignored").  The crawler never
 * listens and announces advertiseAddress false, so it is not gossiped.
 *
 * The probe of a peer (getNodeInfo, then getPeers, validated and
 * penalised as the reference does) is the node's: probe.c.
 *
 * Watch mode (cfg.watch): the same walk, but up to `parallel` peers stay
 * connected and everything they do becomes an event for on_event, built
 * by events.c as the node's are: {"ts","type":"EVENT_...","peerId",...}.
 * A peer that closes is retried after a back-off (10 s, doubling up to
 * 5 min); a banned one never.  Requests from peers are answered with an
 * error (an observer serves nothing), and the event says so.
 */
#include <stdlib.h>
#include <string.h>
#ifndef __unused	/* libbsd's tree.h wants it; its cdefs.h leaves it out */
#define __unused	__attribute__((__unused__))
#endif
#include <sys/queue.h>
#include <sys/tree.h>
#include <uv.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"
#include "events.h"
#include "evline.h"
#include "probe.h"

enum { QUEUED, ACTIVE, DONE };

struct node {
	RB_ENTRY(node)		 tree;
	TAILQ_ENTRY(node)	 queue;
	char			 id[LP2P_PEERID_STRLEN];
	char			 ip[LP2P_IP_STRLEN];
	uint16_t		 port;
	int			 state;
	int			 reachable;
	struct lp2p_peer	*peer;
	struct lp2p_crawl	*crawl;
	jv			 rec;		/* record being built */
	jv			 adv;		/* advertised peerIds (graph) */
	jv			 shared;	/* its nodeInfo, or null */
	struct lp2p__probe	 probe;
	int			 finished;	/* record complete */
	int			 released;	/* crawl: slot freed, lingering */
	int			 connected;	/* watch: handshake + nodeInfo */
	int			 banned;	/* watch: never again */
	uint32_t		 failures;	/* watch: for the back-off */
	uint64_t		 retry_at;	/* watch: uv_now() ms */
	int			 seed;		/* given to lp2p_crawl_add */
};

RB_HEAD(nodes, node);
TAILQ_HEAD(nqueue, node);

static int
node_cmp(const struct node *a, const struct node *b)
{
	return strcmp(a->id, b->id);
}
RB_GENERATE_STATIC(nodes, node, tree, node_cmp)

struct lp2p_crawl {
	uv_loop_t		*loop;
	struct lp2p_crawl_config cfg;
	struct lp2p_crawl_cb	 cb;
	void			*arg;
	struct lp2p_peer_config	 pcfg;
	struct lp2p_peer_self	 self;
	uint8_t			*self_info;
	struct lp2p__probe_config probe;	/* what answers must be */
	struct nodes		 nodes;
	struct nqueue		 queue;
	uint32_t		 count, active, reachable, unreachable;
	uint32_t		 lingering;	/* probed, not yet closed */
	uint64_t		 ignored;
	jv			 errors;	/* kind -> count */
	uint64_t		 t0;		/* uv_hrtime at start */
	int			 started, stopping, done;
	uv_idle_t		 idle;		/* runs done/pump off-stack */
	int			 idle_on;
	int			 closing;	/* handles left to close */
	uv_timer_t		 retry;		/* watch: re-queue closed peers */
	int			 ready;		/* watch: EVENT_NETWORK_READY sent */
	uint32_t		 connected;	/* watch: peers connected now */
	struct lp2p_line_sink	 sink;		/* watch: hot path (or off) */
};

static void pump(struct lp2p_crawl *);
static const struct lp2p__probe_cb probe_cb;

void
lp2p_crawl_config_init(struct lp2p_crawl_config *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->network_version, "1.0", sizeof(c->network_version));
	c->options = jv_null();
	c->parallel = 10;
	c->max_peers = LP2P_CRAWL_MAX_PEERS;
	c->connect_timeout = 2000;
	c->ack_timeout = 2000;
	c->port = 7667;
}

static void
on_idle(uv_idle_t *h)
{
	struct lp2p_crawl *c = h->data;

	uv_idle_stop(h);
	c->idle_on = 0;
	pump(c);
}

/* Run pump() from the loop, never from inside a peer callback chain. */
static void
kick(struct lp2p_crawl *c)
{
	if (!c->idle_on && c->closing == 0) {
		c->idle_on = 1;
		uv_idle_start(&c->idle, on_idle);
	}
}

int
lp2p_crawl_new(struct lp2p_crawl **out, struct uv_loop_s *loop,
    const struct lp2p_crawl_config *cfg, const struct lp2p_crawl_cb *cb,
    void *arg, struct lp2p_err *err)
{
	struct lp2p_crawl *c;
	jv ni;
	char *hex;
	size_t n;
	int rc;

	*out = NULL;
	if (cfg->parallel < 1 || cfg->parallel > LP2P_CRAWL_MAX_PARALLEL)
		return lp2p_errf(err, LP2P_EINVAL,
		    "crawl: parallel %u out of 1..%d", cfg->parallel,
		    LP2P_CRAWL_MAX_PARALLEL);
	if (cfg->chain_id_len > sizeof(c->self.chain_id))
		return lp2p_errf(err, LP2P_EINVAL, "crawl: chain ID too long");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "crawl: out of memory");
	c->loop = loop;
	c->cfg = *cfg;
	c->cfg.options = jv_copy(cfg->options);
	if (c->cfg.max_peers == 0 || c->cfg.max_peers > LP2P_CRAWL_MAX_PEERS)
		c->cfg.max_peers = LP2P_CRAWL_MAX_PEERS;
	c->cb = *cb;
	c->arg = arg;
	RB_INIT(&c->nodes);
	TAILQ_INIT(&c->queue);
	c->errors = jv_object();
	lp2p__peer_config_default(&c->pcfg);
	if (cfg->connect_timeout > 0)
		c->pcfg.connect_timeout = cfg->connect_timeout;
	if (cfg->ack_timeout > 0)
		c->pcfg.ack_timeout = cfg->ack_timeout;
	if (cfg->max_message_rate > 0)
		c->pcfg.ws_max_message_rate = cfg->max_message_rate;

	/* who we say we are: a random nonce, not advertised */
	memcpy(c->self.chain_id, cfg->chain_id, cfg->chain_id_len);
	c->self.chain_id_len = cfg->chain_id_len;
	strlcpy(c->self.network_version, cfg->network_version,
	    sizeof(c->self.network_version));
	{
		uint8_t r[8];
		char *nh;

		lp2p_rand_buf(r, sizeof(r));
		if ((nh = lp2p_hex_encode(r, sizeof(r))) == NULL) {
			lp2p_crawl_free(c);
			return lp2p_errf(err, LP2P_ENOMEM, "crawl: nonce");
		}
		strlcpy(c->self.nonce, nh, sizeof(c->self.nonce));
		free(nh);
	}
	c->self.advertise_address = false;
	c->self.port = cfg->port;
	if ((hex = lp2p_hex_encode(cfg->chain_id, cfg->chain_id_len)) ==
	    NULL) {
		lp2p_crawl_free(c);
		return lp2p_errf(err, LP2P_ENOMEM, "crawl: out of memory");
	}
	ni = jv_object_set(jv_object(), jv_string("chainID"), jv_string(hex));
	free(hex);
	ni = jv_object_set(ni, jv_string("networkVersion"),
	    jv_string(cfg->network_version));
	ni = jv_object_set(ni, jv_string("nonce"), jv_string(c->self.nonce));
	ni = jv_object_set(ni, jv_string("advertiseAddress"), jv_false());
	if (jv_get_kind(cfg->options) == JV_KIND_OBJECT)
		ni = jv_object_set(ni, jv_string("options"),
		    jv_copy(cfg->options));
	rc = lp2p_codec_encode(cfg->nodeinfo_schema != NULL ?
	    cfg->nodeinfo_schema : lp2p_schema_builtin("/nodeInfo"), ni,
	    &c->self_info, &n, err);
	if (rc != 0) {
		lp2p_crawl_free(c);
		return rc;
	}
	c->self.nodeinfo = c->self_info;
	c->self.nodeinfo_len = n;
	c->probe = (struct lp2p__probe_config){ cfg->nodeinfo_schema != NULL ?
	    cfg->nodeinfo_schema : lp2p_schema_builtin("/nodeInfo"), &c->self,
	    c->pcfg.max_peer_info_size, LP2P_MAX_PEERS_REPLY };
	uv_idle_init(loop, &c->idle);
	c->idle.data = c;
	uv_timer_init(loop, &c->retry);
	c->retry.data = c;
	*out = c;
	return 0;
}

/* Add a peer (not yet known) to the queue; 1 if added. */
static int
enqueue(struct lp2p_crawl *c, const char *ip, long port)
{
	struct node key, *n;

	if (port < 1 || port > 65535 || !lp2p_ipv4_is_valid(ip))
		return 0;
	lp2p_peerid(key.id, ip, (uint16_t)port);
	if (RB_FIND(nodes, &c->nodes, &key) != NULL)
		return 0;
	if (c->count >= c->cfg.max_peers) {
		c->ignored++;
		return 0;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return 0;
	strlcpy(n->id, key.id, sizeof(n->id));
	strlcpy(n->ip, ip, sizeof(n->ip));
	n->port = (uint16_t)port;
	n->state = QUEUED;
	n->crawl = c;
	n->rec = jv_null();
	n->adv = jv_null();
	n->shared = jv_null();
	n->probe = (struct lp2p__probe){ &c->probe, &probe_cb, n };
	RB_INSERT(nodes, &c->nodes, n);
	TAILQ_INSERT_TAIL(&c->queue, n, queue);
	c->count++;
	return 1;
}

int
lp2p_crawl_add(struct lp2p_crawl *c, const char *hostport,
    struct lp2p_err *err)
{
	struct lp2p_addr a;
	struct node key, *n;
	int rc;

	if ((rc = lp2p_addr_parse(&a, hostport, err)) != 0)
		return rc;
	if (a.family != 4)
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: lisk-p2p peers are IPv4 only", hostport);
	if (!enqueue(c, a.ip, a.port) && c->count >= c->cfg.max_peers)
		return lp2p_errf(err, LP2P_EFULL, "%s: crawl is full",
		    hostport);
	snprintf(key.id, sizeof(key.id), "%s:%u", a.ip, a.port);
	if ((n = RB_FIND(nodes, &c->nodes, &key)) != NULL)
		n->seed = 1;
	if (c->started)
		kick(c);
	return 0;
}

/* ---- one probe ------------------------------------------------------ */

static double
ms_since(uint64_t t0)
{
	return (double)(uv_hrtime() - t0) / 1e6;
}

/* n's peer information, for events.c. */
static struct lp2p__evpeer
who(const struct node *n)
{
	return (struct lp2p__evpeer){ n->id, n->ip, n->port, false,
	    n->shared };
}

static void
emit_event(struct lp2p_crawl *c, jv e)
{
	if (c->cb.on_event != NULL)
		c->cb.on_event(c, e, c->arg);
	else
		jv_free(e);
}

/* Record the failure of n (once) as {"kind","code"?,"reason"}. */
static void
fail(struct node *n, const char *kind, int code, const char *reason)
{
	struct lp2p_crawl *c = n->crawl;
	jv e, k;
	double cnt = 0;

	if (n->finished)
		return;
	n->finished = 1;
	e = jv_object_set(jv_object(), jv_string("kind"), jv_string(kind));
	if (code != 0)
		e = jv_object_set(e, jv_string("code"), jv_number(code));
	if (reason != NULL && *reason != '\0')
		e = jv_object_set(e, jv_string("reason"), jv_string(reason));
	n->rec = jv_object_set(n->rec, jv_string("reachable"), jv_false());
	n->rec = jv_object_set(n->rec, jv_string("error"), e);
	k = jv_object_get(jv_copy(c->errors), jv_string(kind));
	if (jv_get_kind(k) == JV_KIND_NUMBER)
		cnt = jv_number_value(k);
	jv_free(k);
	c->errors = jv_object_set(c->errors, jv_string(kind),
	    jv_number(cnt + 1));
}

static const char *
status_kind(int status)
{
	switch (status) {
	case LP2P_ETIMEDOUT:
		return "timeout";
	case LP2P_EREMOTE:
		return "remote-error";
	case LP2P_ECLOSED:
		return "closed";
	default:
		return "protocol";
	}
}

static void	emit_record(struct lp2p_crawl *, struct node *);

/* Crawl: the probe is over; watch: the peer stays. */
static void
probe_done(struct lp2p_peer *p, struct node *n)
{
	struct lp2p_crawl *c = n->crawl;

	if (c->cfg.watch) {
		kick(c);		/* new peers may fill free slots */
		return;
	}
	/*
	 * The record is complete and the slot free at once; the connection
	 * lingers until the peer's 1-s window of our requests has turned
	 * (LP2P__CLOSE_LINGER), so that our next crawl is not penalised.
	 */
	n->released = 1;
	n->state = DONE;
	c->active--;
	c->lingering++;
	emit_record(c, n);
	lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL, LP2P__CLOSE_LINGER);
	kick(c);
}

/* getPeers answered (or not): the record is complete. */
static void
probe_peers(struct lp2p_peer *p, const struct lp2p__probe_step *st,
    void *arg)
{
	struct node *n = arg;
	struct lp2p_crawl *c = n->crawl;
	jv ids;
	int len;

	if (st->fault == LP2P__PROBE_UNSENT) {
		fail(n, "closed", 0, NULL);
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_LINGER);
		return;
	}
	if (n->finished)
		return;
	n->finished = 1;
	n->reachable = 1;
	n->rec = jv_object_set(n->rec, jv_string("reachable"), jv_true());
	if (st->fault != LP2P__PROBE_OK) {
		n->rec = jv_object_set(n->rec, jv_string("peersError"),
		    jv_string(st->error != NULL ? st->error :
		    status_kind(st->status)));
		probe_done(p, n);
		return;
	}
	len = jv_array_length(jv_copy(st->peers));
	ids = jv_array();
	for (int i = 0; i < len; i++) {
		jv pi = jv_array_get(jv_copy(st->peers), i);
		jv ip = jv_object_get(jv_copy(pi), jv_string("ipAddress"));
		uint16_t port = (uint16_t)jv_number_value(
		    jv_object_get(pi, jv_string("port")));
		char id[LP2P_PEERID_STRLEN];

		lp2p_peerid(id, jv_string_value(ip), port);
		if (enqueue(c, jv_string_value(ip), port) && c->cfg.watch)
			emit_event(c, lp2p__ev_discovered(jv_string_value(ip),
			    port, n->ip));
		if (c->cfg.keep_graph)
			ids = jv_array_append(ids, jv_string(id));
		jv_free(ip);
	}
	jv_free(n->adv);
	n->adv = ids;
	n->rec = jv_object_set(n->rec, jv_string("peersAdvertised"),
	    jv_number(len));
	probe_done(p, n);
}

/* getNodeInfo answered (or not): the peer is reached, or not. */
static void
probe_info(struct lp2p_peer *p, const struct lp2p__probe_step *st,
    void *arg)
{
	struct node *n = arg;
	struct lp2p_crawl *c = n->crawl;

	if (n->finished)
		return;
	switch (st->fault) {
	case LP2P__PROBE_OK:
		break;
	case LP2P__PROBE_INVALID:
		fail(n, "invalid-nodeinfo", 0, st->error);
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_LINGER);
		return;
	case LP2P__PROBE_INCOMPATIBLE:
		fail(n, "incompatible", 0, st->error);
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_LINGER);
		return;
	default:
		fail(n, status_kind(st->status), 0, st->error);
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_LINGER);
		return;
	}
	n->rec = jv_object_set(n->rec, jv_string("rttMs"),
	    jv_number((double)(long)(st->rtt_ms * 1000 + 0.5) / 1000));
	jv_free(n->shared);
	n->shared = jv_copy(st->info);
	if (c->cfg.watch) {
		struct lp2p__evpeer w = who(n);

		n->connected = 1;
		n->failures = 0;
		c->connected++;
		emit_event(c, lp2p__ev_peer("EVENT_CONNECT_OUTBOUND", &w));
		if (!c->ready) {
			c->ready = 1;
			emit_event(c, lp2p_event_new("EVENT_NETWORK_READY"));
		}
	}
	n->rec = jv_object_set(n->rec, jv_string("nodeInfo"),
	    jv_copy(st->info));
}

static const struct lp2p__probe_cb probe_cb = {
	.on_info = probe_info,
	.on_peers = probe_peers,
};

static void
on_connected(struct lp2p_peer *p, void *arg)
{
	struct node *n = arg;

	if (lp2p__probe_start(&n->probe, p) != 0) {
		fail(n, "closed", 0, NULL);
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_LINGER);
	}
}

/* postNodeInfo: it must decode with our schema (else penalty 100). */
static int
on_nodeinfo(struct lp2p_peer *p, const uint8_t *b, size_t len, void *arg)
{
	struct node *n = arg;
	struct lp2p_crawl *c = n->crawl;
	struct lp2p__evpeer w;
	struct lp2p_err e;
	jv info;
	int rc;

	(void)p;
	if ((rc = lp2p__probe_post_info(&c->probe, b, len, &n->shared, &info,
	    &e)) != 0)
		return rc;
	if (!c->cfg.watch) {
		jv_free(info);
		return 0;
	}
	w = who(n);
	emit_event(c, lp2p__ev_peer("EVENT_UPDATED_PEER_INFO", &w));
	emit_event(c, lp2p__ev_nodeinfo_message(n->id, info));
	return 0;
}

static void
on_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct node *n = arg;

	(void)p;
	if (n->crawl->cfg.watch)
		emit_event(n->crawl, lp2p__ev_message(n->id, m));
}

/* Watch: the hot path, the line straight into the sink. */
static bool
on_message_b64(struct lp2p_peer *p, const struct lp2p_peer_msg *m,
    void *arg)
{
	struct node *n = arg;
	struct lp2p_crawl *c = n->crawl;

	(void)p;
	if (!c->cfg.watch)
		return true;		/* nobody listens */
	return c->sink.reserve != NULL && lp2p__evline_message(&c->sink,
	    NULL, n->id, m->name, m->b64, m->b64len, m->rate) == 0;
}

/* An observer serves nothing: an error answer, at once. */
static void
on_request(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct node *n = arg;

	if (!m->answered)
		lp2p__peer_respond_error(p, m->rid,
		    "Requested procedure is not served by this peer");
	if (n->crawl->cfg.watch)
		emit_event(n->crawl, lp2p__ev_request(n->id, m, 0, true));
}

static void
on_ban(struct lp2p_peer *p, bool server_level, const char *why, void *arg)
{
	struct node *n = arg;

	(void)p;
	n->banned = 1;
	if (n->crawl->cfg.watch)
		emit_event(n->crawl, lp2p__ev_ban(n->id, why, server_level));
}

/* Why a connection that never completed its handshake ended. */
static const char *
close_kind(int code, bool by_us)
{
	switch (code) {
	case LP2P_CLOSE_CONNECT_TIMEOUT:
	case LP2P_CLOSE_HANDSHAKE_TIMEOUT:
	case LP2P_CLOSE_PING_TIMEOUT:
		return "timeout";
	case LP2P_CLOSE_ABNORMAL:
		return "reset";
	case LP2P_CLOSE_NORMAL:
		return "closed";
	}
	return by_us ? "error" : "refused";
}

/*
 * A record's connection detail: direction (a crawl only dials), the
 * traffic of the probe, and the chain state the nodeInfo options carry
 * (height, maxHeightPrevoted, lastBlockID of Lisk Core 4) lifted to the
 * top for jq.
 */
static void
record_detail(struct node *n, struct lp2p_peer *p)
{
	static const char *const lift[] = { "height", "maxHeightPrevoted",
	    "lastBlockID" };
	struct lp2p_peer_stats st;
	jv opts;

	if (jv_get_kind(n->rec) != JV_KIND_OBJECT)
		return;
	lp2p__peer_stats(p, &st);
	n->rec = jv_object_set(n->rec, jv_string("direction"),
	    jv_string("outbound"));
	n->rec = jv_object_set(n->rec, jv_string("peerKind"),
	    jv_string(n->seed ? "seed" : "other"));
	n->rec = jv_object_set(n->rec, jv_string("bytesIn"),
	    jv_number((double)st.bytes_in));
	n->rec = jv_object_set(n->rec, jv_string("bytesOut"),
	    jv_number((double)st.bytes_out));
	n->rec = jv_object_set(n->rec, jv_string("messagesIn"),
	    jv_number((double)st.messages_in));
	n->rec = jv_object_set(n->rec, jv_string("requestsOut"),
	    jv_number((double)st.requests_out));
	opts = jv_object_get(jv_copy(n->rec), jv_string("nodeInfo"));
	if (jv_get_kind(opts) == JV_KIND_OBJECT)
		opts = jv_object_get(opts, jv_string("options"));
	if (jv_get_kind(opts) == JV_KIND_OBJECT)
		for (size_t i = 0; i < LP2P_NELEM(lift); i++) {
			jv v = jv_object_get(jv_copy(opts),
			    jv_string(lift[i]));

			if (jv_is_valid(v))
				n->rec = jv_object_set(n->rec,
				    jv_string(lift[i]), v);
			else
				jv_free(v);
		}
	jv_free(opts);
}

static void
emit_record(struct lp2p_crawl *c, struct node *n)
{
	if (n->reachable)
		c->reachable++;
	else
		c->unreachable++;
	if (c->cb.on_peer != NULL)
		c->cb.on_peer(c, jv_copy(n->rec), c->arg);
	jv_free(n->rec);
	n->rec = jv_null();
}

/* Watch: the close event, and when to try this peer again. */
static void
watch_closed(struct lp2p_crawl *c, struct node *n, int code,
    const char *reason)
{
	struct lp2p__evpeer w = who(n);
	uint64_t wait = LP2P_WATCH_RETRY_MIN;

	emit_event(c, lp2p__ev_close(n->connected ? "EVENT_CLOSE_OUTBOUND" :
	    "EVENT_CONNECT_ABORT_OUTBOUND", &w, code,
	    reason != NULL ? reason : ""));
	if (n->connected)
		c->connected--;
	else
		n->failures++;
	for (uint32_t i = 1; i < n->failures && wait < LP2P_WATCH_RETRY_MAX;
	    i++)
		wait *= 2;
	if (wait > LP2P_WATCH_RETRY_MAX)
		wait = LP2P_WATCH_RETRY_MAX;
	n->retry_at = uv_now(c->loop) + wait;
	n->connected = 0;
	n->finished = 0;
	jv_free(n->rec);
	n->rec = jv_null();
	jv_free(n->shared);
	n->shared = jv_null();
}

static void
on_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool handshake_done, void *arg)
{
	struct node *n = arg;
	struct lp2p_crawl *c = n->crawl;

	if (n->released) {	/* its record is out already */
		n->released = 0;
		n->peer = NULL;
		c->lingering--;
		lp2p__peer_free(p);
		kick(c);
		return;
	}
	if (!n->finished && c->stopping && !c->cfg.watch) {
		/* stopped (SIGINT) while in progress: not contacted */
		n->peer = NULL;
		n->state = QUEUED;
		TAILQ_INSERT_TAIL(&c->queue, n, queue);
		c->active--;
		jv_free(n->rec);
		n->rec = jv_null();
		lp2p__peer_free(p);
		kick(c);
		return;
	}
	if (!n->finished) {
		const char *k = handshake_done ? "closed" : close_kind(code,
		    by_us);
		int rcode = code;

		/*
		 * TCP never connected (ws.c: 1006 "connect: ..."): no
		 * WebSocket close happened, so the record has no code;
		 * refused or not reached.  (The watch event keeps the
		 * reference's 1006.)
		 */
		if (!handshake_done && code == LP2P_CLOSE_ABNORMAL &&
		    reason != NULL && strncmp(reason, "connect: ", 9) == 0) {
			k = strstr(reason, "refused") != NULL ? "refused" :
			    "unreachable";
			rcode = 0;
		}
		fail(n, k, rcode, reason);
	}
	n->peer = NULL;
	n->state = DONE;
	c->active--;
	if (c->cfg.watch)
		watch_closed(c, n, code, reason);	/* reason is p's */
	else {
		record_detail(n, p);
		emit_record(c, n);
	}
	lp2p__peer_free(p);
	kick(c);
}

static void
start_probe(struct lp2p_crawl *c, struct node *n)
{
	static const struct lp2p_peer_cb cb = {
		.on_connected = on_connected,
		.on_message = on_message,
		.on_message_b64 = on_message_b64,
		.on_request = on_request,
		.on_nodeinfo = on_nodeinfo,
		.on_ban = on_ban,
		.on_closed = on_closed,
	};
	struct lp2p_err e;

	TAILQ_REMOVE(&c->queue, n, queue);
	n->state = ACTIVE;
	n->rec = jv_object_set(jv_object(), jv_string("type"),
	    jv_string("PEER"));
	n->rec = jv_object_set(n->rec, jv_string("peerId"),
	    jv_string(n->id));
	if (lp2p__peer_connect(&n->peer, c->loop, &c->pcfg, &c->self, n->ip,
	    n->port, c->cfg.bind, &cb, n, &e) != 0) {
		n->state = DONE;
		if (c->cfg.watch) {	/* cannot even be dialed: give up */
			struct lp2p__evpeer w = who(n);

			emit_event(c, lp2p__ev_close(
			    "EVENT_CONNECT_ABORT_OUTBOUND", &w, 0, e.msg));
			jv_free(n->rec);
			n->rec = jv_null();
			n->banned = 1;
			return;
		}
		fail(n, "error", 0, e.msg);
		emit_record(c, n);
		return;
	}
	c->active++;
}

static void
finish(struct lp2p_crawl *c)
{
	jv s;

	c->done = 1;
	s = jv_object_set(jv_object(), jv_string("type"),
	    jv_string("SUMMARY"));
	s = jv_object_set(s, jv_string("discovered"), jv_number(c->count));
	s = jv_object_set(s, jv_string("reachable"), jv_number(c->reachable));
	s = jv_object_set(s, jv_string("unreachable"),
	    jv_number(c->unreachable));
	s = jv_object_set(s, jv_string("notContacted"),
	    jv_number(c->count - c->reachable - c->unreachable));
	if (c->ignored > 0)
		s = jv_object_set(s, jv_string("ignored"),
		    jv_number((double)c->ignored));
	s = jv_object_set(s, jv_string("durationMs"),
	    jv_number((double)(long)ms_since(c->t0)));
	s = jv_object_set(s, jv_string("errors"), jv_copy(c->errors));
	if (c->cb.on_done != NULL)
		c->cb.on_done(c, s, c->arg);
	else
		jv_free(s);
}

static void
pump(struct lp2p_crawl *c)
{
	struct node *n;

	if (c->done)
		return;
	while (!c->stopping && c->active < c->cfg.parallel &&
	    (n = TAILQ_FIRST(&c->queue)) != NULL)
		start_probe(c, n);
	if (c->active == 0 && c->lingering == 0 && (c->stopping ||
	    (!c->cfg.watch && TAILQ_EMPTY(&c->queue))))
		finish(c);
}

/* Watch: peers whose back-off is over go back to the queue. */
static void
on_retry(uv_timer_t *t)
{
	struct lp2p_crawl *c = t->data;
	uint64_t now = uv_now(c->loop);
	struct node *n;

	if (c->stopping || c->active >= c->cfg.parallel)
		return;
	RB_FOREACH(n, nodes, &c->nodes)
		if (n->state == DONE && !n->banned && n->retry_at <= now) {
			n->state = QUEUED;
			TAILQ_INSERT_TAIL(&c->queue, n, queue);
		}
	pump(c);
}

int
lp2p_crawl_start(struct lp2p_crawl *c, struct lp2p_err *err)
{
	if (c->started)
		return lp2p_errf(err, LP2P_EINVAL, "crawl: already started");
	c->started = 1;
	c->t0 = uv_hrtime();
	if (c->cfg.watch)
		uv_timer_start(&c->retry, on_retry, 1000, 1000);
	kick(c);
	return 0;
}

void
lp2p_crawl_pause_reads(struct lp2p_crawl *c, bool pause)
{
	struct node *n;

	RB_FOREACH(n, nodes, &c->nodes)
		if (n->state == ACTIVE && n->peer != NULL)
			lp2p__peer_pause(n->peer, pause);
}

void
lp2p_crawl_set_line_sink(struct lp2p_crawl *c,
    const struct lp2p_line_sink *s)
{
	if (s != NULL && s->reserve != NULL && s->commit != NULL)
		c->sink = *s;
	else
		memset(&c->sink, 0, sizeof(c->sink));
}

void
lp2p_crawl_stop(struct lp2p_crawl *c)
{
	struct node *n;

	if (c->stopping || c->done)
		return;
	c->stopping = 1;
	uv_timer_stop(&c->retry);
	RB_FOREACH(n, nodes, &c->nodes)
		if (n->state == ACTIVE && n->peer != NULL)
			lp2p__peer_close(n->peer, LP2P_CLOSE_NORMAL, NULL, 0);
	kick(c);
}

void
lp2p_crawl_stats(const struct lp2p_crawl *c, struct lp2p_crawl_stats *s)
{
	s->discovered = c->count;
	s->active = c->active;
	s->reachable = c->reachable;
	s->unreachable = c->unreachable;
	s->queued = c->count - c->active - c->reachable - c->unreachable;
	s->elapsed_ms = c->started ? ms_since(c->t0) : 0;
}

static void
on_idle_closed(uv_handle_t *h)
{
	struct lp2p_crawl *c = h->data;
	struct node *n, *t;

	if (--c->closing > 0)
		return;		/* the other handle is still closing */
	RB_FOREACH_SAFE(n, nodes, &c->nodes, t) {
		RB_REMOVE(nodes, &c->nodes, n);
		jv_free(n->rec);
		jv_free(n->adv);
		jv_free(n->shared);
		free(n);
	}
	jv_free(c->errors);
	jv_free(c->cfg.options);
	free(c->self_info);
	free(c);
}

void
lp2p_crawl_free(struct lp2p_crawl *c)
{
	if (c == NULL)
		return;
	if (c->idle.data != c) {	/* handles never initialised */
		c->idle.data = c;
		c->closing = 1;
		on_idle_closed((uv_handle_t *)&c->idle);
		return;
	}
	c->closing = 2;
	uv_close((uv_handle_t *)&c->idle, on_idle_closed);
	uv_close((uv_handle_t *)&c->retry, on_idle_closed);
}

/* ---- the graph ------------------------------------------------------ */

/* s as a DOT double-quoted ID (peerIds hold no quotes; escape anyway). */
static jv
dot_id(jv out, const char *s)
{
	out = jv_string_append_str(out, "\"");
	for (; *s != '\0'; s++) {
		char ch[2] = { *s, '\0' };

		if (*s == '"' || *s == '\\')
			out = jv_string_append_str(out, "\\");
		if ((unsigned char)*s >= 0x20)
			out = jv_string_append_str(out, ch);
	}
	return jv_string_append_str(out, "\"");
}

jv
lp2p_crawl_dot(const struct lp2p_crawl *c)
{
	struct node *n;
	jv out = jv_string("digraph lisk {\n"
	    "\tgraph [overlap=false, splines=true];\n"
	    "\tnode [shape=box, style=filled, fontname=\"monospace\"];\n");

	RB_FOREACH(n, nodes, (struct nodes *)&c->nodes) {
		const char *attr;

		if (n->state != DONE)
			attr = "fillcolor=white, style=dotted";
		else if (n->reachable)
			attr = "fillcolor=palegreen";
		else
			attr = "fillcolor=lightpink, style=\"filled,dashed\"";
		out = jv_string_append_str(out, "\t");
		out = dot_id(out, n->id);
		out = jv_string_append_str(out, " [");
		out = jv_string_append_str(out, attr);
		out = jv_string_append_str(out, "];\n");
	}
	RB_FOREACH(n, nodes, (struct nodes *)&c->nodes) {
		int len;

		if (jv_get_kind(n->adv) != JV_KIND_ARRAY)
			continue;
		len = jv_array_length(jv_copy(n->adv));
		for (int i = 0; i < len; i++) {
			jv to = jv_array_get(jv_copy(n->adv), i);

			out = jv_string_append_str(out, "\t");
			out = dot_id(out, n->id);
			out = jv_string_append_str(out, " -> ");
			out = dot_id(out, jv_string_value(to));
			out = jv_string_append_str(out, ";\n");
			jv_free(to);
		}
	}
	return jv_string_append_str(out, "}\n");
}
