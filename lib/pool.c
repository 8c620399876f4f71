/*
 * pool.c — the PeerPool: the set of connections of one node, and the
 * reference's rules for them (WIRE.md §6, §10, §11.4): outbound dials by
 * the populator and from seeds, inbound admission and eviction, outbound
 * shuffling, what follows an outbound handshake (probe.c's getNodeInfo,
 * then getPeers), bans, and the events of all that (built by events.c).
 * It calls nothing in node.c: the application is reached through the
 * node's callbacks (lp2p__emit).
 *
 * Invariants: a struct npeer is on node->peers while it counts in the
 * pool (in_pool), on node->leaving once removed and until the peer
 * layer's on_closed, where it is freed — never elsewhere.  Callbacks of
 * the peer layer get the node as arg and the npeer by lp2p__peer_data
 * (NULL for an inbound connection not admitted yet).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"
#include "evline.h"

#define SEED_REASON	"Disconnect from SeedPeer after discovery"
#define DUP_REASON	"Peer has a duplicate connection"

/* np as events.c describes a peer. */
static struct lp2p__evpeer
who(const struct npeer *np)
{
	return (struct lp2p__evpeer){ np->id, np->ip, np->port, np->inbound,
	    np->shared };
}

/* The event of np: its peer information. */
static jv
ev_peer(const char *type, const struct npeer *np)
{
	const struct lp2p__evpeer w = who(np);

	return lp2p__ev_peer(type, &w);
}

/* Its peer information, code and reason. */
static jv
ev_close(const char *type, const struct npeer *np, int code,
    const char *reason)
{
	const struct lp2p__evpeer w = who(np);

	return lp2p__ev_close(type, &w, code, reason);
}

/* ---- kinds and lists ------------------------------------------------ */

/* The book owns the static lists and classifies by them (nbook.h). */
int
lp2p__pool_kind_of(const struct lp2p_node *n, const char *ip, uint16_t port)
{
	(void)port;
	return lp2p__nb_kind(n->book, ip);
}

bool
lp2p__pool_is_blacklisted(const struct lp2p_node *n, const char *ip)
{
	return lp2p__nb_is_blacklisted(n->book, ip) != 0;
}

/* ---- recent addresses: our getPeers, the shuffle's evictions -------- */

/* When id was last recorded in t (uv_now ms), 0 if never or forgotten. */
uint64_t
lp2p__recent_get(const struct lp2p__recents *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].at != 0 && strcmp(t->v[i].id, id) == 0)
			return t->v[i].at;
	return 0;
}

/*
 * Record id at now: in its own slot, else in the first unused one, else
 * in the oldest (uv_now is never 0).  The slots grow (8, doubling, up to LP2P_NODE_RECENT)
 * when none is unused; out of memory, the oldest is replaced.
 */
void
lp2p__recent_put(struct lp2p__recents *t, const char *id, uint64_t now)
{
	struct lp2p__recent *v;
	size_t k = 0, n;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].at != 0 && strcmp(t->v[i].id, id) == 0) {
			k = i;
			goto put;
		}
		if (t->v[i].at < t->v[k].at)
			k = i;
	}
	if ((t->n == 0 || t->v[k].at != 0) && t->n < LP2P_NODE_RECENT) {
		n = t->n == 0 ? 8 : t->n * 2;
		if ((v = reallocarray(t->v, n, sizeof(*v))) != NULL) {
			memset(v + t->n, 0, (n - t->n) * sizeof(*v));
			k = t->n;
			t->v = v;
			t->n = n;
		}
	}
	if (t->n == 0)
		return;
put:
	strlcpy(t->v[k].id, id, sizeof(t->v[k].id));
	t->v[k].at = now;
}

/* Whether the outbound shuffle evicted id less than ms ago. */
static bool
evicted_within(const struct lp2p_node *n, const char *id, uint64_t ms)
{
	uint64_t at = lp2p__recent_get(&n->evicted, id);

	return at != 0 && uv_now(n->loop) - at < ms;
}

/* ---- the set -------------------------------------------------------- */

struct npeer *
lp2p__pool_find(struct lp2p_node *n, const char *id)
{
	struct npeer *np;

	TAILQ_FOREACH(np, &n->peers, entry)
		if (strcmp(np->id, id) == 0)
			return np;
	return NULL;
}

size_t
lp2p__pool_count(const struct lp2p_node *n, int inbound)
{
	struct npeer *np;
	size_t c = 0;

	TAILQ_FOREACH(np, &n->peers, entry)
		c += np->inbound == (inbound != 0);
	return c;
}

long
lp2p__pool_free_slots(const struct lp2p_node *n)
{
	long missing = 0;
	char id[64];

	for (size_t i = 0; i < n->cfg.nfixed; i++) {
		strlcpy(id, n->cfg.fixed[i], sizeof(id));
		if (lp2p__pool_find((struct lp2p_node *)n, id) == NULL)
			missing++;
	}
	return (long)n->cfg.max_outbound_connections - missing -
	    (long)lp2p__pool_count(n, 0);
}

void
lp2p__pool_cand(const struct npeer *np, struct lp2p__cand *c)
{
	struct lp2p_peer_stats st;

	memset(c, 0, sizeof(*c));
	lp2p__peer_stats(np->p, &st);
	c->peer_id = np->id;
	c->ip = lp2p__ip_u32(np->ip);
	c->outbound = !np->inbound;
	c->kind = np->kind;
	c->reputation = st.reputation;
	if (lp2p_ip_netgroup(np->node->secret, np->ip, &c->netgroup) != 0)
		c->netgroup = 0;
	c->latency = st.latency_ms;
	c->response_rate = st.response_rate;
	c->connect_time = np->connect_time;
}

static const struct lp2p__probe_cb probe_cb;

static struct npeer *
npeer_new(struct lp2p_node *n, struct lp2p_peer *p, bool inbound)
{
	struct npeer *np;

	if ((np = calloc(1, sizeof(*np))) == NULL)
		return NULL;
	np->node = n;
	np->p = p;
	np->inbound = inbound;
	np->in_pool = true;
	np->advertise = true;
	np->shared = jv_null();
	np->connect_time = uv_now(n->loop);
	np->probe = (struct lp2p__probe){ &n->probe, &probe_cb, np };
	strlcpy(np->id, lp2p__peer_id(p), sizeof(np->id));
	strlcpy(np->ip, lp2p__peer_ip(p), sizeof(np->ip));
	np->port = lp2p__peer_port(p);
	np->kind = lp2p__pool_kind_of(n, np->ip, np->port);
	/*
	 * An outbound peer is advertised as its book entry says; the
	 * advertiseAddress of its nodeInfo is only shared state, as in the
	 * reference.
	 */
	if (!inbound)
		np->advertise = lp2p__nb_advertise(n->book, np->ip, np->port);
	TAILQ_INSERT_TAIL(&n->peers, np, entry);
	n->npeers++;
	lp2p__peer_set_data(p, np);
	lp2p__peer_set_reputation(p,
	    lp2p__nb_reputation(n->book, np->ip, np->port));
	/*
	 * A seed dialled again takes the reputation it had, even after a
	 * ban took it out of the book, as the reference's seed list keeps
	 * it (WIRE.md §8.1).
	 */
	for (size_t i = 0; !inbound && i < n->cfg.nseeds; i++)
		if (strcmp(n->cfg.seeds[i], np->id) == 0) {
			np->seed = (int)i + 1;
			if (n->seed_met[i])
				lp2p__peer_set_reputation(p, n->seed_rep[i]);
			break;
		}
	return np;
}

static void
seed_keep(struct npeer *np, int reputation)
{
	if (np->seed > 0) {
		np->node->seed_met[np->seed - 1] = true;
		np->node->seed_rep[np->seed - 1] = reputation;
	}
}

static void
save_state(struct npeer *np)
{
	struct lp2p_peer_stats st;

	lp2p__peer_stats(np->p, &st);
	seed_keep(np, st.reputation);
	lp2p__nb_set_state(np->node->book, np->ip, np->port, st.reputation,
	    np->advertise, lp2p__now_ms());
}

/* Take np out of the pool (EVENT_REMOVE_PEER); close it unless code 0. */
void
lp2p__pool_remove(struct npeer *np, int code, const char *reason)
{
	struct lp2p_node *n = np->node;

	if (!np->in_pool)
		return;
	np->in_pool = false;
	TAILQ_REMOVE(&n->peers, np, entry);
	TAILQ_INSERT_TAIL(&n->leaving, np, entry);
	n->npeers--;
	save_state(np);
	lp2p__emit(n, lp2p__ev_remove(np->id, code, reason));
	if (code != 0)
		lp2p__peer_close(np->p, code, reason, 0);
}

/* ---- dialing -------------------------------------------------------- */

int
lp2p__pool_dial(struct lp2p_node *n, const char *ip, uint16_t port)
{
	struct lp2p_peer *p;
	struct npeer *np;
	struct lp2p_err err;
	const char *bind = NULL;
	char id[64];
	int rc;

	if (n->stopping || n->npeers >= LP2P_NODE_MAX_PEERS)
		return LP2P_EFULL;
	lp2p_peerid(id, ip, port);
	if (lp2p__pool_find(n, id) != NULL)
		return LP2P_EEXIST;
	if (lp2p__pool_is_blacklisted(n, ip) ||
	    lp2p__nb_is_banned(n->book, ip, lp2p__now_ms()))
		return LP2P_EBANNED;
	if (strcmp(ip, "127.0.0.1") != 0)
		TAILQ_FOREACH(np, &n->peers, entry)
			if (!np->inbound && strcmp(np->ip, ip) == 0)
				return LP2P_EEXIST;
	if (!lp2p__policy_outbound_ok(n, ip, lp2p__pool_kind_of(n, ip, port)))
		return LP2P_EFULL;
	if (strcmp(n->cfg.host_ip, "0.0.0.0") != 0)
		bind = n->cfg.host_ip;
	rc = lp2p__peer_connect(&p, n->loop, &n->pcfg, &n->self, ip, port,
	    bind, &lp2p__pool_peer_cb, n, &err);
	if (rc != 0) {
		lp2p__emit(n, lp2p__ev_error("EVENT_OUTBOUND_SOCKET_ERROR", id,
		    err.msg));
		return rc;
	}
	if (npeer_new(n, p, false) == NULL) {
		lp2p__peer_close(p, LP2P_CLOSE_NORMAL, NULL,
		    LP2P__CLOSE_TERMINATE);
		return LP2P_ENOMEM;
	}
	return 0;
}

static void
split_id(const char *s, char *ip, size_t iplen, uint16_t *port)
{
	const char *c = strrchr(s, ':');
	size_t l = c ? (size_t)(c - s) : strlen(s);

	if (l >= iplen)
		l = iplen - 1;
	memcpy(ip, s, l);
	ip[l] = '\0';
	*port = c ? (uint16_t)atoi(c + 1) : 0;
}

static void disconnect_seeds(struct lp2p_node *);
static bool evict_test(struct npeer *);

void
lp2p__pool_populate(struct lp2p_node *n)
{
	struct lp2p__nb_ent *tr = NULL, *nw = NULL;
	struct lp2p__cand *ct = NULL, *cn = NULL;
	size_t ntr, nnw, mt = 0, mn = 0, *out = NULL, nout;
	uint64_t now = lp2p__now_ms();
	long slots;
	uint64_t hold;
	char ip[48];
	uint16_t port;

	if (n->stopping)
		return;
	slots = lp2p__pool_free_slots(n);
	if (slots == 0)
		disconnect_seeds(n);
	ntr = lp2p__nb_list(n->book, 1, &tr);
	nnw = lp2p__nb_list(n->book, 0, &nw);
	ct = calloc(ntr + 1, sizeof(*ct));
	cn = calloc(nnw + 1, sizeof(*cn));
	out = calloc(ntr + nnw + 1, sizeof(*out));
	if (ct == NULL || cn == NULL || out == NULL)
		goto fixed;
	/*
	 * A peer the shuffle evicted is left out for one shuffle interval
	 * (the shuffle is there to change peers); when nobody else is left,
	 * it is dialled again, but not in the round of its eviction.
	 */
	hold = n->cfg.outbound_shuffle_interval;
again:
	for (size_t i = 0; i < ntr; i++)
		if (lp2p__pool_find(n, tr[i].id) == NULL &&
		    !evicted_within(n, tr[i].id, hold) &&
		    lp2p__policy_may_dial(n->policy, tr[i].ip, tr[i].port,
		    now)) {
			tr[mt] = tr[i];
			ct[mt] = (struct lp2p__cand){ .peer_id = tr[mt].id,
			    .ip = lp2p__ip_u32(tr[mt].ip),
			    .reputation = tr[mt].reputation };
			mt++;
		}
	for (size_t i = 0; i < nnw; i++)
		if (lp2p__pool_find(n, nw[i].id) == NULL &&
		    !evicted_within(n, nw[i].id, hold) &&
		    lp2p__policy_may_dial(n->policy, nw[i].ip, nw[i].port,
		    now)) {
			nw[mn] = nw[i];
			cn[mn] = (struct lp2p__cand){ .peer_id = nw[mn].id,
			    .ip = lp2p__ip_u32(nw[mn].ip),
			    .reputation = nw[mn].reputation };
			mn++;
		}
	if (mt + mn == 0 && hold > n->cfg.populator_interval / 2) {
		hold = n->cfg.populator_interval / 2;
		goto again;
	}
	nout = lp2p__select_connect(ct, mt, cn, mn, slots, out);
	for (size_t k = 0; k < nout; k++) {
		const struct lp2p__nb_ent *e = out[k] < mn ? &nw[out[k]] :
		    &tr[out[k] - mn];

		(void)lp2p__pool_dial(n, e->ip, e->port);
	}
fixed:
	for (size_t i = 0; i < n->cfg.nfixed; i++) {
		split_id(n->cfg.fixed[i], ip, sizeof(ip), &port);
		(void)lp2p__pool_dial(n, ip, port);
	}
	free(out);
	free(cn);
	free(ct);
	free(nw);
	free(tr);
}

static void
disconnect_seeds(struct lp2p_node *n)
{
	struct npeer *np, *t;
	char ip[48];
	uint16_t port;

	TAILQ_FOREACH_SAFE(np, &n->peers, entry, t) {
		bool seed = false, fixed = false;

		if (np->inbound)
			continue;
		for (size_t i = 0; i < n->cfg.nseeds; i++) {
			split_id(n->cfg.seeds[i], ip, sizeof(ip), &port);
			seed |= port == np->port && strcmp(ip, np->ip) == 0;
		}
		for (size_t i = 0; i < n->cfg.nfixed; i++) {
			split_id(n->cfg.fixed[i], ip, sizeof(ip), &port);
			fixed |= port == np->port && strcmp(ip, np->ip) == 0;
		}
		if (seed && !fixed)
			lp2p__pool_remove(np, LP2P_CLOSE_NORMAL, SEED_REASON);
	}
}

/*
 * The probe's gate for getPeers: no, when we asked np's address less
 * than LP2P_NODE_GETPEERS_GAP ago, on this connection or an earlier one
 * (that list will do); else yes, and the time is noted.
 */
static int
may_ask_peers(struct lp2p_peer *p, void *arg)
{
	struct npeer *np = arg;
	struct lp2p_node *n = np->node;
	uint64_t now = uv_now(n->loop);
	uint64_t last = lp2p__recent_get(&n->asked, np->id);

	(void)p;
	if (last != 0 && now - last < LP2P_NODE_GETPEERS_GAP)
		return 0;
	lp2p__recent_put(&n->asked, np->id, now);
	return 1;
}

void
lp2p__pool_discover_seeds(struct lp2p_node *n)
{
	struct npeer *np;
	size_t *idx, k;
	long slots = lp2p__pool_free_slots(n);
	char ip[48];
	uint16_t port;

	if (slots <= 0 || n->cfg.nseeds == 0 || n->stopping)
		return;
	for (size_t i = 0; i < n->cfg.nseeds; i++)
		if ((np = lp2p__pool_find(n, n->cfg.seeds[i])) != NULL &&
		    np->open)
			(void)lp2p__probe_peers(&np->probe, np->p);
	k = (size_t)slots < n->cfg.nseeds ? (size_t)slots : n->cfg.nseeds;
	if ((idx = calloc(k + 1, sizeof(*idx))) == NULL)
		return;
	for (size_t i = 0; i < k; i++)
		idx[i] = i;
	lp2p__shuffle(idx, k);
	for (size_t i = 0; i < k; i++) {
		if (evicted_within(n, n->cfg.seeds[idx[i]],
		    n->cfg.populator_interval / 2))
			continue;	/* not in the round of its eviction */
		split_id(n->cfg.seeds[idx[i]], ip, sizeof(ip), &port);
		(void)lp2p__pool_dial(n, ip, port);
	}
	free(idx);
}

void
lp2p__pool_shuffle(struct lp2p_node *n)
{
	struct lp2p__cand *c;
	struct npeer *np, **v;
	size_t k = 0;
	long pick;
	char reason[128];

	if (n->npeers == 0)
		return;
	c = calloc(n->npeers, sizeof(*c));
	v = calloc(n->npeers, sizeof(*v));
	if (c != NULL && v != NULL) {
		/*
		 * Not an outbound peer dialled in the last 2 s: the reference
		 * carries the counts of a connection's last 1-s window into
		 * the next one in its book, so our getNodeInfo/getPeers of a
		 * connection closed that soon would count twice.
		 */
		TAILQ_FOREACH(np, &n->peers, entry) {
			if (!np->inbound && uv_now(n->loop) - np->connect_time <
			    LP2P_NODE_SHUFFLE_MIN_AGE)
				continue;
			lp2p__pool_cand(np, &c[k]);
			v[k++] = np;
		}
		if ((pick = lp2p__select_evict_outbound(c, k)) >= 0) {
			snprintf(reason, sizeof(reason),
			    "Evicted outbound peer %s", v[pick]->id);
			lp2p__recent_put(&n->evicted, v[pick]->id,
			    uv_now(n->loop));
			lp2p__pool_remove(v[pick], LP2P_CLOSE_EVICTED, reason);
		}
	}
	free(v);
	free(c);
}

static void
evict_inbound(struct lp2p_node *n)
{
	struct lp2p__evict_ratios r = {
		n->cfg.netgroup_protection_ratio,
		n->cfg.latency_protection_ratio,
		n->cfg.productivity_protection_ratio,
		n->cfg.longevity_protection_ratio,
	};
	struct lp2p__cand *c;
	struct npeer *np, **v;
	size_t k = 0;
	long pick;
	char reason[128];

	c = calloc(n->npeers + 1, sizeof(*c));
	v = calloc(n->npeers + 1, sizeof(*v));
	if (c != NULL && v != NULL) {
		TAILQ_FOREACH(np, &n->peers, entry)
			if (np->inbound) {
				lp2p__pool_cand(np, &c[k]);
				v[k++] = np;
			}
		if ((pick = lp2p__select_evict_inbound(c, k, &r)) >= 0) {
			snprintf(reason, sizeof(reason),
			    "Evicted inbound peer %s", v[pick]->id);
			lp2p__pool_remove(v[pick], LP2P_CLOSE_EVICTED, reason);
		}
	}
	free(v);
	free(c);
}

/* ---- pending received requests ------------------------------------- */

void
lp2p__pool_pending_drop(struct lp2p_node *n, struct npeer *np)
{
	struct pending *pd, *t;
	uint64_t now = uv_now(n->loop);

	TAILQ_FOREACH_SAFE(pd, &n->pending, entry, t)
		if ((np != NULL && pd->np == np) ||
		    (np == NULL && pd->expires <= now)) {
			TAILQ_REMOVE(&n->pending, pd, entry);
			n->npending--;
			free(pd);
		}
}

/* ---- after an outbound handshake ------------------------------------ */

/*
 * Test-before-evict: np (a new entry) would evict a tried peer from a
 * full bucket.  If that peer is connected it answers and stays; else it
 * is dialed first (one connection over the outbound limit for a moment)
 * and np waits in new.  true: np is not to be moved to tried now.
 */
static bool
evict_test(struct npeer *np)
{
	struct lp2p_node *n = np->node;
	char vip[48], vid[64], ip[48];
	uint16_t vport, port;

	if (!lp2p__nb_tried_victim(n->book, np->ip, np->port, vip,
	    sizeof(vip), &vport))
		return false;
	lp2p_peerid(vid, vip, vport);
	if (lp2p__pool_find(n, vid) != NULL)
		return true;
	if (!lp2p__policy_evict_test_start(n->policy, np->ip, np->port, vip,
	    vport))
		return false;
	if (lp2p__pool_dial(n, vip, vport) != 0) {
		(void)lp2p__policy_evict_test_end(n->policy, vip, vport, ip,
		    sizeof(ip), &port);
		return false;
	}
	return true;
}

static void
connected_outbound(struct npeer *np)
{
	struct lp2p_node *n = np->node;
	char vip[48];
	uint16_t vport;

	if (np->reported || !np->in_pool)
		return;
	np->reported = true;
	if (!evict_test(np))
		(void)lp2p__nb_upgrade(n->book, np->ip, np->port,
		    lp2p__now_ms());
	lp2p__policy_dial_ok(n->policy, np->ip, np->port);
	/* a tried peer under test answered: it stays, the new one waits */
	(void)lp2p__policy_evict_test_end(n->policy, np->ip, np->port, vip,
	    sizeof(vip), &vport);
	lp2p__emit(n, ev_peer("EVENT_CONNECT_OUTBOUND", np));
	if (!n->has_connected) {
		n->has_connected = true;
		lp2p__emit(n, lp2p_event_new("EVENT_NETWORK_READY"));
	}
}

/* What getPeers gave: new entries into the book (EVENT_DISCOVERED_PEER). */
static void
add_peers(struct npeer *np, jv list)
{
	struct lp2p_node *n = np->node;
	int len = jv_array_length(jv_copy(list));
	uint64_t now = lp2p__now_ms();

	for (int i = 0; i < len; i++) {
		jv e = jv_array_get(jv_copy(list), i);
		jv jip = jv_object_get(jv_copy(e), jv_string("ipAddress"));
		uint16_t port = (uint16_t)jv_number_value(
		    jv_object_get(jv_copy(e), jv_string("port")));
		const char *ip = jv_string_value(jip);

		/* our own address, as the reference sends it back (§13) */
		if (port == (n->bound_port ? n->bound_port : n->cfg.port) &&
		    strcmp(ip, n->cfg.host_ip) == 0) {
			jv_free(jip);
			jv_free(e);
			continue;
		}
		if (!lp2p__nb_has(n->book, ip, port) &&
		    lp2p__policy_learn(n->policy, np->ip, ip, port, now) &&
		    lp2p__nb_add(n->book, ip, port, np->ip, now) == 1)
			lp2p__emit(n, lp2p__ev_discovered(ip, port, np->ip));
		jv_free(jip);
		jv_free(e);
	}
}

static void
probe_emit(jv ev, void *arg)
{
	struct npeer *np = arg;

	lp2p__emit(np->node, ev);
}

static void
probe_info(struct lp2p_peer *p, const struct lp2p__probe_step *st,
    void *arg)
{
	struct npeer *np = arg;
	struct lp2p_node *n = np->node;

	(void)p;
	if (st->fault != LP2P__PROBE_OK)
		return;
	jv_free(np->shared);
	np->shared = jv_copy(st->info);
	if (!evict_test(np))
		(void)lp2p__nb_upgrade(n->book, np->ip, np->port,
		    lp2p__now_ms());
	lp2p__emit(n, ev_peer("EVENT_UPDATED_PEER_INFO", np));
}

static void
probe_peers(struct lp2p_peer *p, const struct lp2p__probe_step *st,
    void *arg)
{
	struct npeer *np = arg;

	(void)p;
	if (st->fault == LP2P__PROBE_OK)
		add_peers(np, st->peers);
	connected_outbound(np);
}

static const struct lp2p__probe_cb probe_cb = {
	.emit = probe_emit,
	.may_ask_peers = may_ask_peers,
	.on_info = probe_info,
	.on_peers = probe_peers,
};

/* ---- the peer layer's callbacks ------------------------------------- */

static void
cb_connected(struct lp2p_peer *p, void *arg)
{
	struct npeer *np = lp2p__peer_data(p);

	(void)arg;
	if (np == NULL)
		return;
	np->open = true;
	np->node->nm.opened[np->inbound ? 1 : 0]++;
	if (np->inbound)
		return;
	(void)lp2p__probe_start(&np->probe, p);
}

static int
cb_accept(struct lp2p_peer *p, char *reason, size_t len, void *arg)
{
	struct lp2p_node *n = arg;
	const struct lp2p_peer_query *q = lp2p__peer_query(p);
	struct npeer *np;
	char *hex;
	int rc;
	jv sh;

	if (n->stopping) {
		strlcpy(reason, "Node is stopping", len);
		return LP2P_CLOSE_NORMAL;
	}
	if (lp2p__pool_find(n, lp2p__peer_id(p)) != NULL) {
		strlcpy(reason, DUP_REASON, len);
		return LP2P_CLOSE_DUPLICATE;
	}
	if (n->npeers >= LP2P_NODE_MAX_PEERS) {
		strlcpy(reason, "Peer pool is full", len);
		return LP2P_CLOSE_EVICTED;
	}
	if ((rc = lp2p__policy_inbound(n, lp2p__peer_ip(p),
	    lp2p__pool_kind_of(n, lp2p__peer_ip(p), lp2p__peer_port(p)),
	    reason, len)) != 0)
		return rc;
	if (lp2p__pool_count(n, 1) >= n->cfg.max_inbound_connections)
		evict_inbound(n);
	if ((np = npeer_new(n, p, true)) == NULL) {
		strlcpy(reason, "Out of memory", len);
		return LP2P_CLOSE_NORMAL;
	}
	hex = lp2p__bytes_hex(q->chain_id, q->chain_id_len);
	sh = jv_object();
	sh = jv_object_set(sh, jv_string("chainID"),
	    hex ? jv_string(hex) : jv_null());
	sh = jv_object_set(sh, jv_string("networkVersion"),
	    jv_string(q->network_version));
	sh = jv_object_set(sh, jv_string("nonce"), jv_string(q->nonce));
	sh = jv_object_set(sh, jv_string("advertiseAddress"),
	    jv_bool(q->advertise_address));
	free(hex);
	np->shared = sh;
	np->advertise = q->advertise_address;
	/*
	 * A new book entry takes the peer's advertiseAddress at once, as the
	 * reference's does: a crawler is left out of getPeers replies and
	 * getDisconnectedPeers while still connected (WIRE.md §10.5).
	 */
	if (!lp2p__nb_has(n->book, np->ip, np->port) &&
	    lp2p__nb_add(n->book, np->ip, np->port, np->ip,
	    lp2p__now_ms()) == 1 && !np->advertise)
		save_state(np);
	lp2p__emit(n, ev_peer("EVENT_NEW_INBOUND_PEER", np));
	return 0;
}

static void
cb_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);

	lp2p__emit(n, lp2p__ev_message(np ? np->id : lp2p__peer_id(p), m));
}

/* The hot path: the line straight into the sink, when there is one. */
static bool
cb_message_b64(struct lp2p_peer *p, const struct lp2p_peer_msg *m,
    void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);

	return n->sink.reserve != NULL && lp2p__evline_message(&n->sink,
	    NULL, np ? np->id : lp2p__peer_id(p), m->name, m->b64, m->b64len,
	    m->rate) == 0;
}

static void
cb_request(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);
	struct pending *pd;
	uint64_t id = 0;

	if (!m->answered && np != NULL) {
		lp2p__pool_pending_drop(n, NULL);	/* expired ones */
		if (n->npending >= LP2P_NODE_MAX_PENDING) {
			pd = TAILQ_FIRST(&n->pending);
			TAILQ_REMOVE(&n->pending, pd, entry);
			n->npending--;
			free(pd);
		}
		if ((pd = calloc(1, sizeof(*pd))) != NULL) {
			pd->id = ++n->next_request_id;
			pd->np = np;
			pd->rid = m->rid;
			pd->expires = uv_now(n->loop) + LP2P_NODE_RESPOND_TTL;
			TAILQ_INSERT_TAIL(&n->pending, pd, entry);
			n->npending++;
			id = pd->id;
		}
	}
	lp2p__emit(n, lp2p__ev_request(np ? np->id : lp2p__peer_id(p), m,
	    id, m->answered));
}

static int
cb_nodeinfo(struct lp2p_peer *p, const uint8_t *data, size_t len, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);
	struct lp2p_err err;
	jv v;

	if (np == NULL)
		return 0;
	if (lp2p__probe_post_info(&n->probe, data, len, &np->shared, &v,
	    &err) != 0) {
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_PEER_INFO_UPDATE",
		    np->id, err.msg));
		return LP2P_ECODEC;
	}
	if (!evict_test(np))
		(void)lp2p__nb_upgrade(n->book, np->ip, np->port,
		    lp2p__now_ms());
	lp2p__emit(n, ev_peer("EVENT_UPDATED_PEER_INFO", np));
	lp2p__emit(n, lp2p__ev_nodeinfo_message(np->id, v));
	return 0;
}

static int
cb_get_peers(struct lp2p_peer *p, uint8_t **out, size_t *len, void *arg)
{
	struct lp2p_node *n = arg;
	struct lp2p__nb_ent *all;
	struct lp2p_err err;
	size_t m, k, *idx;
	jv list = jv_array();

	(void)p;
	*out = NULL;
	*len = 0;
	m = lp2p__nb_list(n->book, 2, &all);
	k = lp2p__advertise_count(m, n->cfg.minimum_peer_discovery_threshold,
	    n->cfg.max_peer_discovery_response_length);
	if ((idx = calloc(m + 1, sizeof(*idx))) == NULL) {
		free(all);
		jv_free(list);
		return LP2P_ENOMEM;
	}
	for (size_t i = 0; i < m; i++)
		idx[i] = i;
	lp2p__shuffle(idx, m);
	for (size_t i = 0; i < k && i < m; i++) {
		const struct lp2p__nb_ent *e = &all[idx[i]];

		if (!e->advertise)
			continue;
		list = jv_array_append(list, JV_OBJECT(
		    jv_string("ipAddress"), jv_string(e->ip),
		    jv_string("port"), jv_number(e->port)));
	}
	free(idx);
	free(all);
	return lp2p_peers_encode(list, out, len, &err);
}

static void
cb_penalty(struct lp2p_peer *p, int penalty, int reputation, int reason,
    const char *why, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);

	if (reason >= 0 && reason < LP2P_PEN_COUNT) {
		n->nm.penalties[reason]++;
		n->nm.penalty_points[reason] += (uint64_t)(penalty > 0 ?
		    penalty : 0);
	}
	if (np != NULL)
		lp2p__emit(n, lp2p__ev_penalty(np, penalty, reason, why,
		    reputation));
	if (np != NULL)
		seed_keep(np, reputation);
	if (np != NULL)
		lp2p__nb_set_state(np->node->book, np->ip, np->port,
		    reputation, np->advertise, lp2p__now_ms());
}

static void
cb_ban(struct lp2p_peer *p, bool server_level, const char *why, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);
	const char *ip = lp2p__peer_ip(p);
	uint16_t port = lp2p__peer_port(p);
	char id[64], msg[512];
	jv ev;

	/*
	 * The server's screening (WIRE.md §3.7) names the peer by its
	 * ephemeral source port, as the reference does, so the fixed and
	 * whitelisted exemption does not apply to it.
	 */
	if (server_level && lp2p__peer_is_inbound(p))
		port = lp2p__peer_remote_port(p);
	lp2p_peerid(id, ip, port);
	n->nm.bans[server_level ? 1 : 0]++;
	ev = lp2p__ev_ban(server_level || np == NULL ? id : np->id, why,
	    server_level);
	/* the book never bans a fixed or whitelisted peerId */
	lp2p__nb_ban(n->book, ip, port, lp2p__now_ms() + n->cfg.peer_ban_time);
	if (np != NULL)
		lp2p__pool_remove(np, 0, NULL);	/* peer.c closes it */
	lp2p__emit(n, ev);
	if (server_level) {
		snprintf(msg, sizeof(msg), "Banned peer with IP %s: %s", ip,
		    why != NULL ? why : "invalid packet");
		lp2p__emit(n, lp2p__ev_error("EVENT_INBOUND_SOCKET_ERROR", id,
		    msg));
	}
}

/* A tried peer under test did not answer: it goes, the new one is in. */
static void
evict_tested(struct lp2p_node *n, const struct npeer *np)
{
	char ip[48];
	uint16_t port;

	if (!lp2p__policy_evict_test_end(n->policy, np->ip, np->port, ip,
	    sizeof(ip), &port))
		return;
	lp2p__nb_remove(n->book, np->ip, np->port);
	if (lp2p__nb_has(n->book, ip, port))
		(void)lp2p__nb_upgrade(n->book, ip, port, lp2p__now_ms());
}

/* A pool peer's connection ended: its close code and its bytes. */
static void
count_closed(struct npeer *np, int code)
{
	struct lp2p__nm *nm = &np->node->nm;
	struct lp2p_peer_stats st;

	lp2p__peer_stats(np->p, &st);
	if (np->open)
		nm->closed[np->inbound ? 1 : 0][lp2p__nm_code_slot(code)]++;
	nm->bytes[0] += st.bytes_in;
	nm->bytes[1] += st.bytes_out;
}

static void
cb_rtt(struct lp2p_peer *p, double ms, void *arg)
{
	struct lp2p_node *n = arg;

	(void)p;
	lp2p__nm_rtt(&n->nm, ms);
}

static void
cb_traffic(struct lp2p_peer *p, bool out, bool rpc, const char *name,
    void *arg)
{
	struct lp2p_node *n = arg;
	int slot;

	(void)p;
	if (n->nm.last_name[0] != '\0' && strcmp(name, n->nm.last_name) == 0)
		slot = n->nm.last_slot;
	else {
		slot = lp2p__nm_name_slot(name);
		strlcpy(n->nm.last_name, name, sizeof(n->nm.last_name));
		n->nm.last_slot = slot;
	}
	if (rpc)
		n->nm.req[out ? 1 : 0][slot]++;
	else
		n->nm.msg[out ? 1 : 0][slot]++;
}

static void
cb_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool handshake_done, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);

	if (np == NULL) {
		/* ourselves, learned through gossip: forget that entry */
		if (lp2p__peer_is_inbound(p) && code == LP2P_CLOSE_SELF)
			lp2p__nb_remove(n->book, lp2p__peer_ip(p),
			    lp2p__peer_port(p) != 0 ? lp2p__peer_port(p) :
			    (uint16_t)n->bound_port);
		if (lp2p__peer_is_inbound(p) && code >= 4000)
			lp2p__emit(n, lp2p__ev_refused(lp2p__peer_id(p),
			    reason ? reason : "", code));
		lp2p__peer_free(p);
		lp2p__pool_maybe_closed(n);
		return;
	}
	if (np->in_pool) {
		/*
		 * The WebSocket layer failed on the peer's bytes (bad frame,
		 * message over wsMaxPayload): the reference's socket reports
		 * an error before it closes.  Resets and timeouts do not.
		 */
		if (by_us && (code == 1002 || code == 1007 || code == 1009))
			lp2p__emit(n, lp2p__ev_error(np->inbound ?
			    "EVENT_INBOUND_SOCKET_ERROR" :
			    "EVENT_OUTBOUND_SOCKET_ERROR", np->id,
			    code == 1009 ? "Max payload size exceeded" :
			    reason ? reason : "WebSocket protocol error"));
		if (!np->inbound && !handshake_done) {
			lp2p__emit(n, ev_close(
			    "EVENT_CONNECT_ABORT_OUTBOUND", np, code,
			    reason ? reason : ""));
			/* the book spares seed, fixed, whitelisted peerIds */
			lp2p__nb_downgrade(n->book, np->ip, np->port,
			    lp2p__now_ms());
			lp2p__policy_dial_failed(n->policy, np->ip, np->port,
			    lp2p__now_ms(), n->cfg.populator_interval);
			evict_tested(n, np);
		}
		lp2p__pool_remove(np, 0, NULL);
		count_closed(np, code);
		lp2p__emit(n, ev_close(np->inbound ? "EVENT_CLOSE_INBOUND" :
		    "EVENT_CLOSE_OUTBOUND", np, code, reason ? reason : ""));
	} else {
		save_state(np);
		count_closed(np, code);
	}
	lp2p__pool_pending_drop(n, np);
	TAILQ_REMOVE(&n->leaving, np, entry);
	jv_free(np->shared);
	free(np);
	lp2p__peer_free(p);
	lp2p__pool_maybe_closed(n);
}

void
lp2p__pool_maybe_closed(struct lp2p_node *n)
{
	if (!n->stopping || n->closed_called || n->handles > 0 ||
	    !TAILQ_EMPTY(&n->peers) || !TAILQ_EMPTY(&n->leaving))
		return;
	n->closed_called = true;
	if (n->cb.on_closed != NULL)
		n->cb.on_closed(n, n->arg);
}

const struct lp2p_peer_cb lp2p__pool_peer_cb = {
	.on_connected = cb_connected,
	.on_accept = cb_accept,
	.on_message = cb_message,
	.on_message_b64 = cb_message_b64,
	.on_request = cb_request,
	.on_nodeinfo = cb_nodeinfo,
	.get_peers = cb_get_peers,
	.on_penalty = cb_penalty,
	.on_ban = cb_ban,
	.on_rtt = cb_rtt,
	.on_traffic = cb_traffic,
	.on_closed = cb_closed,
};
