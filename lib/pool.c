/*
 * pool.c — the PeerPool: the set of connections of one node, and the
 * reference's rules for them (WIRE.md §6, §10, §11.4): outbound dials by
 * the populator and from seeds, inbound admission and eviction, outbound
 * shuffling, the steps after an outbound handshake (getNodeInfo, then
 * getPeers), bans, and the events of all that.
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

#define SEED_REASON	"Disconnect from SeedPeer after discovery"
#define DUP_REASON	"Peer has a duplicate connection"
#define PENALTY_INVALID	100	/* INVALID_PEER_INFO/LIST_PENALTY */

static uint32_t
ip_u32(const char *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, ip, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

/* ---- kinds and lists ------------------------------------------------ */

static int
in_list(char *const *list, size_t n, const char *ip, uint16_t port,
    int by_port)
{
	size_t l = strlen(ip);

	for (size_t i = 0; i < n; i++) {
		const char *e = list[i];

		if (strncmp(e, ip, l) != 0 || (e[l] != ':' && e[l] != '\0'))
			continue;
		if (!by_port || (e[l] == ':' && atoi(e + l + 1) == port))
			return 1;
	}
	return 0;
}

int
lp2p__pool_kind_of(const struct lp2p_node *n, const char *ip, uint16_t port)
{
	(void)port;
	if (in_list(n->cfg.fixed, n->cfg.nfixed, ip, 0, 0))
		return LP2P__KIND_FIXED;
	if (in_list(n->cfg.whitelist, n->cfg.nwhitelist, ip, 0, 0))
		return LP2P__KIND_WHITELISTED;
	if (in_list(n->cfg.seeds, n->cfg.nseeds, ip, 0, 0))
		return LP2P__KIND_SEED;
	return LP2P__KIND_NONE;
}

bool
lp2p__pool_is_blacklisted(const struct lp2p_node *n, const char *ip)
{
	for (size_t i = 0; i < n->cfg.nblacklist; i++)
		if (strcmp(n->cfg.blacklist[i], ip) == 0)
			return true;
	return false;
}

static bool
is_trusted_exact(const struct lp2p_node *n, const char *ip, uint16_t port)
{
	return in_list(n->cfg.fixed, n->cfg.nfixed, ip, port, 1) ||
	    in_list(n->cfg.whitelist, n->cfg.nwhitelist, ip, port, 1);
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
	c->ip = ip_u32(np->ip);
	c->outbound = !np->inbound;
	c->kind = np->kind;
	c->reputation = st.reputation;
	if (lp2p_ip_netgroup(np->node->secret, np->ip, &c->netgroup) != 0)
		c->netgroup = 0;
	c->latency = st.latency_ms;
	c->response_rate = st.response_rate;
	c->connect_time = np->connect_time;
}

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
	jv ev;

	if (!np->in_pool)
		return;
	np->in_pool = false;
	TAILQ_REMOVE(&n->peers, np, entry);
	TAILQ_INSERT_TAIL(&n->leaving, np, entry);
	n->npeers--;
	save_state(np);
	ev = lp2p__ev_new("EVENT_REMOVE_PEER");
	ev = jv_object_set(ev, jv_string("peerId"), jv_string(np->id));
	if (code != 0) {
		ev = jv_object_set(ev, jv_string("code"), jv_number(code));
		if (reason != NULL)
			ev = jv_object_set(ev, jv_string("reason"),
			    jv_string(reason));
	}
	lp2p__emit(n, ev);
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
	snprintf(id, sizeof(id), "%s:%u", ip, port);
	if (lp2p__pool_find(n, id) != NULL)
		return LP2P_EEXIST;
	if (lp2p__pool_is_blacklisted(n, ip) ||
	    lp2p__nb_is_banned(n->book, ip, lp2p__now_ms()))
		return LP2P_EBANNED;
	if (strcmp(ip, "127.0.0.1") != 0)
		TAILQ_FOREACH(np, &n->peers, entry)
			if (!np->inbound && strcmp(np->ip, ip) == 0)
				return LP2P_EEXIST;
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

void
lp2p__pool_populate(struct lp2p_node *n)
{
	struct lp2p__nb_ent *tr = NULL, *nw = NULL;
	struct lp2p__cand *ct = NULL, *cn = NULL;
	size_t ntr, nnw, mt = 0, mn = 0, *out = NULL, nout;
	long slots;
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
	for (size_t i = 0; i < ntr; i++)
		if (lp2p__pool_find(n, tr[i].id) == NULL) {
			tr[mt] = tr[i];
			ct[mt] = (struct lp2p__cand){ .peer_id = tr[mt].id,
			    .ip = ip_u32(tr[mt].ip),
			    .reputation = tr[mt].reputation };
			mt++;
		}
	for (size_t i = 0; i < nnw; i++)
		if (lp2p__pool_find(n, nw[i].id) == NULL) {
			nw[mn] = nw[i];
			cn[mn] = (struct lp2p__cand){ .peer_id = nw[mn].id,
			    .ip = ip_u32(nw[mn].ip),
			    .reputation = nw[mn].reputation };
			mn++;
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

static void on_peers_reply(struct lp2p_peer *, const struct lp2p_peer_reply *,
    void *);

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
			(void)lp2p__peer_request(np->p, "getPeers", NULL, 0,
			    on_peers_reply, np);
	k = (size_t)slots < n->cfg.nseeds ? (size_t)slots : n->cfg.nseeds;
	if ((idx = calloc(k + 1, sizeof(*idx))) == NULL)
		return;
	for (size_t i = 0; i < k; i++)
		idx[i] = i;
	lp2p__shuffle(idx, k);
	for (size_t i = 0; i < k; i++) {
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
		TAILQ_FOREACH(np, &n->peers, entry) {
			lp2p__pool_cand(np, &c[k]);
			v[k++] = np;
		}
		if ((pick = lp2p__select_evict_outbound(c, k)) >= 0) {
			snprintf(reason, sizeof(reason),
			    "Evicted outbound peer %s", v[pick]->id);
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

static void
connected_outbound(struct npeer *np)
{
	struct lp2p_node *n = np->node;

	if (np->reported || !np->in_pool)
		return;
	np->reported = true;
	(void)lp2p__nb_upgrade(n->book, np->ip, np->port, lp2p__now_ms());
	lp2p__emit(n, lp2p__ev_peer("EVENT_CONNECT_OUTBOUND", np));
	if (!n->has_connected) {
		n->has_connected = true;
		lp2p__emit(n, lp2p__ev_new("EVENT_NETWORK_READY"));
	}
}

static void
collect_failed(struct npeer *np, const char *why)
{
	lp2p__emit(np->node, lp2p__ev_error(
	    "EVENT_FAILED_TO_COLLECT_PEER_DETAILS_ON_CONNECT", np->id, why));
}

static void
on_peers_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r,
    void *arg)
{
	struct npeer *np = arg;
	struct lp2p_node *n = np->node;
	struct lp2p_err err;
	jv list = jv_invalid();
	int rc, bad = 0, len;
	uint64_t now = lp2p__now_ms();

	(void)p;
	if (r->status != 0) {
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_FETCH_PEERS",
		    np->id, r->error ? r->error : lp2p_strerror(r->status)));
		goto done;
	}
	if (!r->has_data) {
		lp2p__peer_penalty(np->p, PENALTY_INVALID,
		    LP2P_PEN_INVALID_PEER_LIST, "getPeers reply without data");
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_FETCH_PEERS",
		    np->id, "PeerInfo list has invalid value"));
		goto done;
	}
	rc = lp2p_peers_decode(r->data, r->len,
	    n->cfg.max_peer_discovery_response_length, &list, &err);
	if (rc != 0) {
		if (rc == LP2P_EPROTO)
			lp2p__peer_penalty(np->p, PENALTY_INVALID,
			    LP2P_PEN_INVALID_PEER_LIST, "getPeers reply too long");
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_FETCH_PEERS",
		    np->id, err.msg));
		goto done;
	}
	len = jv_array_length(jv_copy(list));
	for (int i = 0; i < len && !bad; i++) {
		jv e = jv_array_get(jv_copy(list), i);
		jv ip = jv_object_get(jv_copy(e), jv_string("ipAddress"));
		jv port = jv_object_get(e, jv_string("port"));

		if (jv_get_kind(ip) != JV_KIND_STRING ||
		    !lp2p_ipv4_is_valid(jv_string_value(ip)) ||
		    jv_get_kind(port) != JV_KIND_NUMBER ||
		    jv_number_value(port) < 1 ||
		    jv_number_value(port) > 65535)
			bad = 1;
		jv_free(ip);
		jv_free(port);
	}
	if (bad) {
		lp2p__peer_penalty(np->p, PENALTY_INVALID,
		    LP2P_PEN_INVALID_PEER_LIST,
		    "getPeers reply with an invalid entry");
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_FETCH_PEERS",
		    np->id, "PeerInfo list has invalid value"));
		goto done;
	}
	for (int i = 0; i < len; i++) {
		jv e = jv_array_get(jv_copy(list), i);
		jv jip = jv_object_get(jv_copy(e), jv_string("ipAddress"));
		uint16_t port = (uint16_t)jv_number_value(
		    jv_object_get(jv_copy(e), jv_string("port")));
		const char *ip = jv_string_value(jip);
		char id[64];

		/* our own address, as the reference sends it back (§13) */
		if (port == (n->bound_port ? n->bound_port : n->cfg.port) &&
		    strcmp(ip, n->cfg.host_ip) == 0) {
			jv_free(jip);
			jv_free(e);
			continue;
		}
		if (!lp2p__nb_has(n->book, ip, port) &&
		    lp2p__nb_add(n->book, ip, port, np->ip, now) == 1) {
			jv ev = lp2p__ev_new("EVENT_DISCOVERED_PEER");

			snprintf(id, sizeof(id), "%s:%u", ip, port);
			ev = jv_object_set(ev, jv_string("peerId"),
			    jv_string(id));
			ev = jv_object_set(ev, jv_string("ipAddress"),
			    jv_string(ip));
			ev = jv_object_set(ev, jv_string("port"),
			    jv_number(port));
			ev = jv_object_set(ev, jv_string("sourceAddress"),
			    jv_string(np->ip));
			lp2p__emit(n, ev);
		}
		jv_free(jip);
		jv_free(e);
	}
	jv_free(list);
	connected_outbound(np);
	return;
done:
	jv_free(list);
	collect_failed(np, "Failed to fetch peer list of peer");
	connected_outbound(np);
}

static jv
hex_of_chain(const jv info, uint8_t *buf, size_t *len)
{
	jv c = jv_object_get(jv_copy(info), jv_string("chainID"));
	uint8_t *b;
	long k;

	*len = 0;
	if (jv_get_kind(c) == JV_KIND_STRING) {
		k = lp2p_hex_decode(jv_string_value(c),
		    (size_t)jv_string_length_bytes(jv_copy(c)), &b);
		if (k >= 0 && (size_t)k <= 32) {
			memcpy(buf, b, (size_t)k);
			*len = (size_t)k;
		}
		if (k >= 0)
			free(b);
	}
	return c;
}

static void
on_info_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r,
    void *arg)
{
	struct npeer *np = arg;
	struct lp2p_node *n = np->node;
	struct lp2p_err err;
	char reason[256], why[400];
	uint8_t chain[32];
	size_t chainlen;
	jv v, nv, c;

	if (r->status != 0) {
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_FETCH_PEER_INFO",
		    np->id, r->error ? r->error : lp2p_strerror(r->status)));
		collect_failed(np, "Failed to fetch peer info of peer");
		return;
	}
	if (r->len > n->cfg.max_peer_info_size ||
	    lp2p_codec_decode(n->schema, r->data, r->len, &v, &err) != 0) {
		if (r->len > n->cfg.max_peer_info_size)
			snprintf(err.msg, sizeof(err.msg),
			    "nodeInfo of %zu bytes is too large", r->len);
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_PEER_INFO_UPDATE",
		    np->id, err.msg));
		lp2p__peer_penalty(np->p, PENALTY_INVALID,
		    LP2P_PEN_INVALID_NODEINFO, err.msg);
		collect_failed(np, "Failed to update peer info of peer due "
		    "to validation of peer compatibility");
		return;
	}
	c = hex_of_chain(v, chain, &chainlen);
	jv_free(c);
	nv = jv_object_get(jv_copy(v), jv_string("networkVersion"));
	if (lp2p__peer_compatible(&n->self, chain, chainlen,
	    jv_get_kind(nv) == JV_KIND_STRING ? jv_string_value(nv) : "",
	    reason, sizeof(reason)) != 0) {
		snprintf(why, sizeof(why), "%s : %s", reason, np->id);
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_PEER_INFO_UPDATE",
		    np->id, why));
		collect_failed(np, "Failed to update peer info of peer due "
		    "to validation of peer compatibility");
		jv_free(nv);
		jv_free(v);
		return;
	}
	jv_free(nv);
	jv_free(np->shared);
	np->shared = v;
	(void)lp2p__nb_upgrade(n->book, np->ip, np->port, lp2p__now_ms());
	lp2p__emit(n, lp2p__ev_peer("EVENT_UPDATED_PEER_INFO", np));
	if (lp2p__peer_request(p, "getPeers", NULL, 0, on_peers_reply,
	    np) != 0) {
		collect_failed(np, "Failed to fetch peer list of peer");
		connected_outbound(np);
	}
}

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
	if (lp2p__peer_request(p, "getNodeInfo", NULL, 0, on_info_reply,
	    np) != 0)
		collect_failed(np, "Failed to fetch peer info of peer");
}

static int
cb_accept(struct lp2p_peer *p, char *reason, size_t len, void *arg)
{
	struct lp2p_node *n = arg;
	const struct lp2p_peer_query *q = lp2p__peer_query(p);
	struct npeer *np;
	char *hex;
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
	lp2p__emit(n, lp2p__ev_peer("EVENT_NEW_INBOUND_PEER", np));
	return 0;
}

/*
 * The event of a received message or request: peerId, the name under key
 * ("event" or "procedure"), data as hex when present, and the rate.
 */
static jv
received_event(const char *type, struct lp2p_peer *p, const char *key,
    const struct lp2p_peer_msg *m)
{
	struct npeer *np = lp2p__peer_data(p);
	jv ev = lp2p__ev_new(type);
	char *hex;

	ev = jv_object_set(ev, jv_string("peerId"),
	    jv_string(np ? np->id : lp2p__peer_id(p)));
	ev = jv_object_set(ev, jv_string(key), jv_string(m->name));
	if (m->has_data) {
		hex = lp2p__bytes_hex(m->data, m->len);
		ev = jv_object_set(ev, jv_string("data"),
		    hex ? jv_string(hex) : jv_null());
		free(hex);
	}
	return jv_object_set(ev, jv_string("rate"), jv_number(m->rate));
}

static void
cb_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_node *n = arg;

	lp2p__emit(n, received_event("EVENT_MESSAGE_RECEIVED", p, "event", m));
}

static void
cb_request(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);
	struct pending *pd;
	jv ev = received_event("EVENT_REQUEST_RECEIVED", p, "procedure", m);
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
			ev = jv_object_set(ev, jv_string("requestId"),
			    jv_number((double)pd->id));
		}
	}
	ev = jv_object_set(ev, jv_string("wasResponseSent"),
	    jv_bool(m->answered));
	lp2p__emit(n, ev);
}

static int
cb_nodeinfo(struct lp2p_peer *p, const uint8_t *data, size_t len, void *arg)
{
	struct lp2p_node *n = arg;
	struct npeer *np = lp2p__peer_data(p);
	struct lp2p_err err;
	jv v, ev, opt, old;

	if (np == NULL)
		return 0;
	if (lp2p_codec_decode(n->schema, data, len, &v, &err) != 0) {
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_PEER_INFO_UPDATE",
		    np->id, err.msg));
		return LP2P_ECODEC;
	}
	opt = jv_object_get(jv_copy(v), jv_string("options"));
	if (jv_get_kind(np->shared) != JV_KIND_OBJECT) {
		jv_free(np->shared);
		np->shared = jv_copy(v);
	} else if (jv_get_kind(opt) == JV_KIND_OBJECT) {
		old = jv_object_get(jv_copy(np->shared), jv_string("options"));
		if (jv_get_kind(old) != JV_KIND_OBJECT) {
			jv_free(old);
			old = jv_object();
		}
		np->shared = jv_object_set(np->shared, jv_string("options"),
		    jv_object_merge(old, jv_copy(opt)));
	}
	jv_free(opt);
	(void)lp2p__nb_upgrade(n->book, np->ip, np->port, lp2p__now_ms());
	lp2p__emit(n, lp2p__ev_peer("EVENT_UPDATED_PEER_INFO", np));
	ev = lp2p__ev_new("EVENT_MESSAGE_RECEIVED");
	ev = jv_object_set(ev, jv_string("peerId"), jv_string(np->id));
	ev = jv_object_set(ev, jv_string("event"), jv_string("postNodeInfo"));
	ev = jv_object_set(ev, jv_string("data"), v);
	lp2p__emit(n, ev);
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
	snprintf(id, sizeof(id), "%s:%u", ip, port);
	n->nm.bans[server_level ? 1 : 0]++;
	ev = lp2p__ev_new("EVENT_BAN_PEER");
	ev = jv_object_set(ev, jv_string("peerId"), jv_string(
	    server_level || np == NULL ? id : np->id));
	if (why != NULL)
		ev = jv_object_set(ev, jv_string("reason"), jv_string(why));
	ev = jv_object_set(ev, jv_string("serverLevel"), jv_bool(server_level));
	if (!is_trusted_exact(n, ip, port))
		lp2p__nb_ban(n->book, ip, port,
		    lp2p__now_ms() + n->cfg.peer_ban_time);
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
	int slot = lp2p__nm_name_slot(name);

	(void)p;
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
	jv ev;

	if (np == NULL) {
		/* ourselves, learned through gossip: forget that entry */
		if (lp2p__peer_is_inbound(p) && code == LP2P_CLOSE_SELF)
			lp2p__nb_remove(n->book, lp2p__peer_ip(p),
			    lp2p__peer_port(p) != 0 ? lp2p__peer_port(p) :
			    (uint16_t)n->bound_port);
		if (lp2p__peer_is_inbound(p) && code >= 4000) {
			ev = lp2p__ev_error("EVENT_FAILED_TO_ADD_INBOUND_PEER",
			    lp2p__peer_id(p), reason ? reason : "");
			ev = jv_object_set(ev, jv_string("code"),
			    jv_number(code));
			lp2p__emit(n, ev);
		}
		lp2p__peer_free(p);
		lp2p__maybe_closed(n);
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
			lp2p__emit(n, lp2p__ev_peer(
			    "EVENT_CONNECT_ABORT_OUTBOUND", np));
			/* the book spares seed, fixed, whitelisted peerIds */
			lp2p__nb_downgrade(n->book, np->ip, np->port,
			    lp2p__now_ms());
		}
		lp2p__pool_remove(np, 0, NULL);
		count_closed(np, code);
		ev = lp2p__ev_peer(np->inbound ? "EVENT_CLOSE_INBOUND" :
		    "EVENT_CLOSE_OUTBOUND", np);
		ev = jv_object_set(ev, jv_string("code"), jv_number(code));
		ev = jv_object_set(ev, jv_string("reason"),
		    jv_string(reason ? reason : ""));
		lp2p__emit(n, ev);
	} else {
		save_state(np);
		count_closed(np, code);
	}
	lp2p__pool_pending_drop(n, np);
	TAILQ_REMOVE(&n->leaving, np, entry);
	jv_free(np->shared);
	free(np);
	lp2p__peer_free(p);
	lp2p__maybe_closed(n);
}

const struct lp2p_peer_cb lp2p__pool_peer_cb = {
	.on_connected = cb_connected,
	.on_accept = cb_accept,
	.on_message = cb_message,
	.on_request = cb_request,
	.on_nodeinfo = cb_nodeinfo,
	.get_peers = cb_get_peers,
	.on_penalty = cb_penalty,
	.on_ban = cb_ban,
	.on_rtt = cb_rtt,
	.on_traffic = cb_traffic,
	.on_closed = cb_closed,
};
