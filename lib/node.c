/*
 * node.c — the P2P facade (the reference's P2P class): configuration with
 * the reference's defaults, start and stop, the operations (send,
 * broadcast, request, respond, applyNodeInfo, applyPenalty, ...) and the
 * NDJSON command interpreter on top of them (a table of commands).  The
 * pool (pool.c) owns the connections; this file owns the node's
 * identity, timers and PeerBook.  Events are built by events.c.
 *
 * Invariants: every event goes through lp2p__emit, every command result
 * through its fn exactly once; on_closed is called once, after stop, when
 * no peer, timer or server handle is left (lp2p__pool_maybe_closed).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"

/* ---- configuration -------------------------------------------------- */

void
lp2p_node_config_init(struct lp2p_node_config *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy(c->host_ip, "0.0.0.0", sizeof(c->host_ip));
	strlcpy(c->network_version, "1.0", sizeof(c->network_version));
	c->advertise_address = 1;
	c->connect_timeout = 2000;
	c->ack_timeout = 2000;
	c->populator_interval = 10000;
	c->fallback_seed_peer_discovery_interval = 30000;
	c->max_outbound_connections = 20;
	c->max_inbound_connections = 100;
	c->ws_max_payload = 3048576;
	c->peer_ban_time = 86400000;
	c->send_peer_limit = 16;
	c->outbound_shuffle_interval = 300000;
	c->netgroup_protection_ratio = 0.034;
	c->latency_protection_ratio = 0.068;
	c->productivity_protection_ratio = 0.068;
	c->longevity_protection_ratio = 0.5;
	c->ws_max_message_rate = 100;
	c->ws_max_message_rate_penalty = 10;
	c->rate_calculation_interval = 1000;
	c->peer_status_message_rate = 4;
	c->minimum_peer_discovery_threshold = 100;
	c->max_peer_discovery_response_length = 200;
	c->max_peer_info_size = 20480;
	c->min_tried_peer_count = 100;
	c->book_sync_interval = 1000;
	c->options_schema = jv_invalid();
	c->options = jv_invalid();
}

static void
free_list(char ***l, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*l)[i]);
	free(*l);
	*l = NULL;
	*n = 0;
}

void
lp2p_node_config_release(struct lp2p_node_config *c)
{
	free_list(&c->seeds, &c->nseeds);
	free_list(&c->fixed, &c->nfixed);
	free_list(&c->whitelist, &c->nwhitelist);
	free_list(&c->blacklist, &c->nblacklist);
	free(c->book_path);
	c->book_path = NULL;
	jv_free(c->options_schema);
	jv_free(c->options);
	c->options_schema = jv_invalid();
	c->options = jv_invalid();
}

int
lp2p_node_config_add(struct lp2p_node_config *c, int list, const char *s,
    struct lp2p_err *err)
{
	struct lp2p_addr a;
	char ***l, **v, buf[LP2P_PEERID_STRLEN];
	size_t *n;
	const char *name;

	switch (list) {
	case 's': l = &c->seeds; n = &c->nseeds; name = "seed"; break;
	case 'f': l = &c->fixed; n = &c->nfixed; name = "fixed"; break;
	case 'w': l = &c->whitelist; n = &c->nwhitelist;
		name = "whitelist"; break;
	case 'b': l = &c->blacklist; n = &c->nblacklist;
		name = "blacklist"; break;
	default:
		return lp2p_errf(err, LP2P_EINVAL, "no list '%c'", list);
	}
	if (*n >= LP2P_NODE_MAX_LIST)
		return lp2p_errf(err, LP2P_EFULL, "%s %s: more than %d entries",
		    name, s, LP2P_NODE_MAX_LIST);
	if (list == 'b') {
		if (!lp2p_ipv4_is_valid(s))
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s %s: not an IPv4 address", name, s);
		strlcpy(buf, s, sizeof(buf));
	} else {
		if (lp2p_addr_parse(&a, s, err) != 0)
			return lp2p_errf(err, LP2P_EINVAL, "%s %s: %s", name,
			    s, err ? err->msg : "invalid");
		if (a.family != 4)
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s %s: lisk-p2p peers are IPv4", name, s);
		lp2p_addr_peerid(&a, buf, sizeof(buf));
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*l)[i], buf) == 0)
			return 0;
	/* one slot more each time: lists are short and added to once */
	if ((v = reallocarray(*l, *n + 1, sizeof(*v))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	*l = v;
	if ((v[*n] = strdup(buf)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

const char *
lp2p_node_config_ignored(const struct lp2p_node_config *c, const char *e)
{
	size_t l = strcspn(e, ":");
	char self[LP2P_PEERID_STRLEN];

	/* only our own address and port: other ports on our IP are peers */
	snprintf(self, sizeof(self), "%s:%u", c->host_ip, c->port);
	if (c->port != 0 && strcmp(e, self) == 0)
		return "it is this node's own listening address";
	for (size_t b = 0; b < c->nblacklist; b++)
		if (strncmp(e, c->blacklist[b], l) == 0 &&
		    c->blacklist[b][l] == '\0')
			return "its IP is blacklisted";
	return NULL;
}

enum otype { O_U32, O_U64, O_RATIO };

static const struct opt {
	const char	*name;
	size_t		 off;
	enum otype	 type;
	long long	 min, max;
} opts[] = {
#define U(n, f, lo, hi) \
	{ n, offsetof(struct lp2p_node_config, f), O_U32, lo, hi }
	U("ackTimeout", ack_timeout, 1, 3600000),
	U("bookSyncInterval", book_sync_interval, 100, 3600000),
	U("connectTimeout", connect_timeout, 1, 3600000),
	U("fallbackSeedPeerDiscoveryInterval",
	    fallback_seed_peer_discovery_interval, 1, 86400000),
	{ "latencyProtectionRatio",
	    offsetof(struct lp2p_node_config, latency_protection_ratio),
	    O_RATIO, 0, 0 },
	{ "longevityProtectionRatio",
	    offsetof(struct lp2p_node_config, longevity_protection_ratio),
	    O_RATIO, 0, 0 },
	U("maxInboundConnections", max_inbound_connections, 0, 4000),
	U("maxOutboundConnections", max_outbound_connections, 0, 4000),
	U("maxPeerDiscoveryResponseLength",
	    max_peer_discovery_response_length, 1, 10000),
	U("maxPeerInfoSize", max_peer_info_size, 1, 3048576),
	U("minTriedPeerCount", min_tried_peer_count, 0, 100000),
	U("minimumPeerDiscoveryThreshold", minimum_peer_discovery_threshold,
	    0, 10000),
	{ "netgroupProtectionRatio",
	    offsetof(struct lp2p_node_config, netgroup_protection_ratio),
	    O_RATIO, 0, 0 },
	U("outboundShuffleInterval", outbound_shuffle_interval, 1, 86400000),
	{ "peerBanTime", offsetof(struct lp2p_node_config, peer_ban_time),
	    O_U64, 0, 10LL * 365 * 86400000 },
	U("peerStatusMessageRate", peer_status_message_rate, 0, 1000000),
	U("populatorInterval", populator_interval, 1, 86400000),
	{ "productivityProtectionRatio",
	    offsetof(struct lp2p_node_config, productivity_protection_ratio),
	    O_RATIO, 0, 0 },
	U("rateCalculationInterval", rate_calculation_interval, 1, 3600000),
	U("secret", secret, 0, UINT32_MAX),
	U("sendPeerLimit", send_peer_limit, 1, 4096),
	U("wsMaxMessageRate", ws_max_message_rate, 1, 1000000),
	U("wsMaxMessageRatePenalty", ws_max_message_rate_penalty, 0, 100),
	U("wsMaxPayload", ws_max_payload, 1, 3048576),
	/* local policy, not the reference's (policy.c) */
	U("maxInboundPerIp", max_inbound_per_ip, 0, 4000),
	U("maxInboundPerNetgroup", max_inbound_per_netgroup, 0, 4000),
#undef U
};

const char *const lp2p_node_option_names[] = {
	"ackTimeout", "bookSyncInterval", "connectTimeout",
	"fallbackSeedPeerDiscoveryInterval", "latencyProtectionRatio",
	"longevityProtectionRatio", "maxInboundConnections",
	"maxOutboundConnections", "maxPeerDiscoveryResponseLength",
	"maxPeerInfoSize", "minTriedPeerCount",
	"minimumPeerDiscoveryThreshold", "netgroupProtectionRatio",
	"outboundShuffleInterval", "peerBanTime", "peerStatusMessageRate",
	"populatorInterval", "productivityProtectionRatio",
	"rateCalculationInterval", "secret", "sendPeerLimit",
	"wsMaxMessageRate", "wsMaxMessageRatePenalty", "wsMaxPayload", NULL
};

int
lp2p_node_config_set(struct lp2p_node_config *c, const char *key,
    const char *val, struct lp2p_err *err)
{
	const char *errstr;
	char *end;
	long long v;
	double d;

	for (size_t i = 0; i < LP2P_NELEM(opts); i++) {
		if (strcmp(opts[i].name, key) != 0)
			continue;
		if (opts[i].type == O_RATIO) {
			errno = 0;
			d = strtod(val, &end);
			if (*val == '\0' || *end != '\0' || errno != 0 ||
			    !isfinite(d) || d < 0 || d > 1)
				return lp2p_errf(err, LP2P_EINVAL,
				    "%s=%s: not a ratio in 0..1", key, val);
			*(double *)((char *)c + opts[i].off) = d;
			return 0;
		}
		v = strtonum(val, opts[i].min, opts[i].max, &errstr);
		if (errstr != NULL)
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s=%s: %s (%lld..%lld)", key, val, errstr,
			    opts[i].min, opts[i].max);
		if (opts[i].type == O_U64)
			*(uint64_t *)((char *)c + opts[i].off) = (uint64_t)v;
		else
			*(uint32_t *)((char *)c + opts[i].off) = (uint32_t)v;
		return 0;
	}
	return lp2p_errf(err, LP2P_EINVAL, "%s: unknown option", key);
}

static jv
config_json(const struct lp2p_node_config *c)
{
	jv o = jv_object(), l;
	char *const *lists[] = { c->seeds, c->fixed, c->whitelist,
	    c->blacklist };
	const size_t ns[] = { c->nseeds, c->nfixed, c->nwhitelist,
	    c->nblacklist };
	const char *names[] = { "seedPeers", "fixedPeers", "whitelistedPeers",
	    "blacklistedIPs" };

	o = jv_object_set(o, jv_string("hostIp"), jv_string(c->host_ip));
	o = jv_object_set(o, jv_string("port"), jv_number(c->port));
	for (size_t i = 0; i < LP2P_NELEM(opts); i++) {
		const char *p = (const char *)c + opts[i].off;
		double v;

		if (opts[i].type == O_RATIO)
			v = *(const double *)(const void *)p;
		else if (opts[i].type == O_U64)
			v = (double)*(const uint64_t *)(const void *)p;
		else
			v = *(const uint32_t *)(const void *)p;
		o = jv_object_set(o, jv_string(opts[i].name), jv_number(v));
	}
	for (size_t k = 0; k < 4; k++) {
		l = jv_array();
		for (size_t i = 0; i < ns[k]; i++)
			l = jv_array_append(l, jv_string(lists[k][i]));
		o = jv_object_set(o, jv_string(names[k]), l);
	}
	if (c->book_path != NULL)
		o = jv_object_set(o, jv_string("peerBook"),
		    jv_string(c->book_path));
	return o;
}

/* ---- identity --------------------------------------------------------- */

/* Encode info (borrowed) into the node's identity; 0 or error. */
static int
set_identity(struct lp2p_node *n, jv info, struct lp2p_err *err)
{
	uint8_t *buf, *chain;
	size_t len;
	long clen;
	jv cid, nv, adv;
	int rc;

	if ((rc = lp2p_codec_encode(n->schema, jv_copy(info), &buf, &len,
	    err)) != 0)
		return rc;
	if (len > n->cfg.max_peer_info_size) {
		free(buf);
		return lp2p_errf(err, LP2P_EINVAL,
		    "nodeInfo: %zu bytes encoded, more than maxPeerInfoSize %u",
		    len, n->cfg.max_peer_info_size);
	}
	cid = jv_object_get(jv_copy(info), jv_string("chainID"));
	nv = jv_object_get(jv_copy(info), jv_string("networkVersion"));
	adv = jv_object_get(jv_copy(info), jv_string("advertiseAddress"));
	clen = lp2p_hex_decode(jv_string_value(cid),
	    (size_t)jv_string_length_bytes(jv_copy(cid)), &chain);
	if (clen < 0 || clen > 32 ||
	    strlen(jv_string_value(nv)) >= sizeof(n->self.network_version)) {
		if (clen >= 0)
			free(chain);
		free(buf);
		jv_free(cid);
		jv_free(nv);
		jv_free(adv);
		return lp2p_errf(err, LP2P_EINVAL,
		    "nodeInfo: chainID or networkVersion too long");
	}
	memcpy(n->self.chain_id, chain, (size_t)clen);
	n->self.chain_id_len = (size_t)clen;
	free(chain);
	strlcpy(n->self.network_version, jv_string_value(nv),
	    sizeof(n->self.network_version));
	n->self.advertise_address = jv_get_kind(adv) == JV_KIND_TRUE;
	jv_free(cid);
	jv_free(nv);
	jv_free(adv);
	free(n->nodeinfo);
	n->nodeinfo = buf;
	n->nodeinfo_len = len;
	n->self.nodeinfo = buf;
	n->self.nodeinfo_len = len;
	jv_free(n->info);
	n->info = jv_copy(info);
	return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

int
lp2p_node_new(struct lp2p_node **out, struct uv_loop_s *loop,
    const struct lp2p_node_config *cfg, const struct lp2p_node_cb *cb,
    void *arg, struct lp2p_err *err)
{
	struct lp2p_node *n;
	uint8_t nb[8];
	char *hex, *chain;
	jv info, os = jv_null();
	bool has_opts = jv_get_kind(cfg->options_schema) == JV_KIND_OBJECT;
	int rc;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	n->loop = loop;
	n->cfg = *cfg;
	n->cfg.book_path = NULL;
	n->cfg.options_schema = jv_copy(cfg->options_schema);
	n->cfg.options = jv_copy(cfg->options);
	n->cfg.seeds = n->cfg.fixed = n->cfg.whitelist = NULL;
	n->cfg.blacklist = NULL;
	n->cfg.nseeds = n->cfg.nfixed = n->cfg.nwhitelist = 0;
	n->cfg.nblacklist = 0;
	if (cb != NULL)
		n->cb = *cb;
	n->arg = arg;
	n->info = jv_null();
	TAILQ_INIT(&n->peers);
	TAILQ_INIT(&n->leaving);
	TAILQ_INIT(&n->pending);
	/*
	 * lists: as the reference sanitises them (§11.4), kept in order; a
	 * fixed, seed or whitelisted entry that is ignored (ourselves) or in
	 * an earlier of those lists is left out; the blacklist is copied.
	 */
	{
		char *const *src[] = { cfg->fixed, cfg->seeds, cfg->whitelist,
		    cfg->blacklist };
		const size_t ns[] = { cfg->nfixed, cfg->nseeds,
		    cfg->nwhitelist, cfg->nblacklist };
		char ***dst[] = { &n->cfg.fixed, &n->cfg.seeds,
		    &n->cfg.whitelist, &n->cfg.blacklist };
		size_t *nd[] = { &n->cfg.nfixed, &n->cfg.nseeds,
		    &n->cfg.nwhitelist, &n->cfg.nblacklist };

		for (size_t k = 0; k < 4; k++) {
			if (ns[k] > 0 &&
			    (*dst[k] = calloc(ns[k], sizeof(char *))) == NULL)
				goto nomem;
			for (size_t i = 0; i < ns[k]; i++) {
				const char *e = src[k][i];
				bool skip = k < 3 &&
				    lp2p_node_config_ignored(cfg, e) != NULL;

				for (size_t j = 0; j < k && k < 3; j++)
					for (size_t q = 0; q < *nd[j]; q++)
						if (strcmp((*dst[j])[q], e) == 0)
							skip = true;
				if (skip)
					continue;
				if (((*dst[k])[*nd[k]] = strdup(e)) == NULL)
					goto nomem;
				(*nd[k])++;
			}
		}
	}
	if (n->cfg.nseeds > 0 &&
	    ((n->seed_rep = calloc(n->cfg.nseeds, sizeof(*n->seed_rep))) ==
	    NULL || (n->seed_met = calloc(n->cfg.nseeds,
	    sizeof(*n->seed_met))) == NULL))
		goto nomem;
	if (cfg->book_path != NULL &&
	    (n->cfg.book_path = strdup(cfg->book_path)) == NULL)
		goto nomem;
	n->secret = cfg->secret;
	while (n->secret == 0)
		lp2p_rand_buf(&n->secret, sizeof(n->secret));
	lp2p__peer_config_default(&n->pcfg);
	n->pcfg.connect_timeout = cfg->connect_timeout;
	n->pcfg.ack_timeout = cfg->ack_timeout;
	n->pcfg.ws_max_payload = cfg->ws_max_payload;
	n->pcfg.ws_max_message_rate = cfg->ws_max_message_rate;
	n->pcfg.ws_max_message_rate_penalty = cfg->ws_max_message_rate_penalty;
	n->pcfg.rate_calculation_interval = cfg->rate_calculation_interval;
	n->pcfg.peer_status_message_rate = cfg->peer_status_message_rate;
	n->pcfg.max_peer_info_size = cfg->max_peer_info_size;
	lp2p__policy_upgrading(cfg, &n->pcfg.upgrading_per_ip,
	    &n->pcfg.upgrading_per_ip_all);
	/* identity: the nonce is ours unless configured (tests) */
	if (cfg->nonce[0] != '\0')
		strlcpy(n->self.nonce, cfg->nonce, sizeof(n->self.nonce));
	else {
		lp2p_rand_buf(nb, sizeof(nb));
		if ((hex = lp2p_hex_encode(nb, sizeof(nb))) == NULL)
			goto nomem;
		strlcpy(n->self.nonce, hex, sizeof(n->self.nonce));
		free(hex);
	}
	n->self.port = cfg->port;
	if (has_opts)
		os = jv_copy(cfg->options_schema);
	if ((rc = lp2p_schema_nodeinfo(&n->schema, os, err)) != 0)
		goto fail;
	n->probe = (struct lp2p__probe_config){ n->schema, &n->self,
	    cfg->max_peer_info_size, cfg->max_peer_discovery_response_length };
	if ((chain = lp2p_hex_encode(cfg->chain_id, cfg->chain_id_len)) == NULL)
		goto nomem;
	info = JV_OBJECT(jv_string("chainID"), jv_string(chain),
	    jv_string("networkVersion"), jv_string(cfg->network_version),
	    jv_string("nonce"), jv_string(n->self.nonce),
	    jv_string("advertiseAddress"), jv_bool(cfg->advertise_address));
	free(chain);
	if (has_opts)
		info = jv_object_set(info, jv_string("options"),
		    jv_get_kind(cfg->options) == JV_KIND_OBJECT ?
		    jv_copy(cfg->options) : jv_object());
	rc = set_identity(n, info, err);
	jv_free(info);
	if (rc != 0)
		goto fail;
	if ((rc = lp2p__nb_open(&n->book, n->cfg.book_path, cfg->chain_id,
	    cfg->chain_id_len, n->secret, lp2p__now_ms(), err)) != 0)
		goto fail;
	n->secret = lp2p__nb_secret(n->book);
	if (lp2p__policy_new(&n->policy) != 0)
		goto nomem;
	/*
	 * The configured lists are this run's: the book classifies by them
	 * but does not write them into its file (p2p-peers edits those).
	 */
	{
		char **l[] = { n->cfg.seeds, n->cfg.fixed, n->cfg.whitelist,
		    n->cfg.blacklist };
		size_t ln[] = { n->cfg.nseeds, n->cfg.nfixed,
		    n->cfg.nwhitelist, n->cfg.nblacklist };
		int which[] = { LP2P_LIST_SEED, LP2P_LIST_FIXED,
		    LP2P_LIST_WHITELISTED, LP2P_LIST_BLACKLISTED };
		char ip[48];

		for (size_t k = 0; k < 4; k++)
			for (size_t i = 0; i < ln[k]; i++) {
				size_t c = strcspn(l[k][i], ":");

				if (c >= sizeof(ip))
					continue;
				memcpy(ip, l[k][i], c);
				ip[c] = '\0';
				(void)lp2p__nb_list_add(n->book, which[k], ip,
				    l[k][i][c] == ':' ?
				    (uint16_t)atoi(l[k][i] + c + 1) : 0);
			}
	}
	*out = n;
	return 0;
nomem:
	rc = lp2p_errf(err, LP2P_ENOMEM, "out of memory");
fail:
	lp2p_node_free(n);
	return rc;
}

void
lp2p_node_free(struct lp2p_node *n)
{
	struct pending *pd, *t;

	if (n == NULL)
		return;
	TAILQ_FOREACH_SAFE(pd, &n->pending, entry, t)
		free(pd);
	lp2p__nb_free(n->book);
	lp2p__policy_free(n->policy);
	lp2p_schema_free(n->schema);
	free(n->nodeinfo);
	jv_free(n->info);
	lp2p_node_config_release(&n->cfg);
	free(n->seed_rep);
	free(n->seed_met);
	free(n->asked.v);
	free(n->evicted.v);
	free(n);
}

void
lp2p_node_pause_reads(struct lp2p_node *n, bool pause)
{
	struct npeer *np;

	TAILQ_FOREACH(np, &n->peers, entry)
		lp2p__peer_pause(np->p, pause);
}

void
lp2p_node_set_line_sink(struct lp2p_node *n, const struct lp2p_line_sink *s)
{
	if (s != NULL && s->reserve != NULL && s->commit != NULL)
		n->sink = *s;
	else
		memset(&n->sink, 0, sizeof(n->sink));
}

int
lp2p_node_port(const struct lp2p_node *n)
{
	return n->bound_port;
}

static bool
server_is_banned(const char *ip, void *arg)
{
	struct lp2p_node *n = arg;

	return lp2p__pool_is_blacklisted(n, ip) ||
	    lp2p__nb_is_banned(n->book, ip, lp2p__now_ms());
}

static void
server_closed(struct lp2p_peer_server *s, void *arg)
{
	struct lp2p_node *n = arg;

	lp2p__peer_server_free(s);
	n->server = NULL;
	n->handles--;
	lp2p__pool_maybe_closed(n);
}

static const struct lp2p_peer_server_cb server_cb = {
	.is_banned = server_is_banned,
	.on_closed = server_closed,
};

static void
on_populator(uv_timer_t *t)
{
	struct lp2p_node *n = t->data;

	lp2p__pool_populate(n);
	if (n->next_seed_discovery < uv_now(n->loop) &&
	    lp2p__pool_free_slots(n) > 0) {
		lp2p__pool_discover_seeds(n);
		n->next_seed_discovery = uv_now(n->loop) +
		    n->cfg.fallback_seed_peer_discovery_interval;
	}
}

static void
on_shuffle(uv_timer_t *t)
{
	lp2p__pool_shuffle(t->data);
}

static void
on_sync(uv_timer_t *t)
{
	struct lp2p_node *n = t->data;
	struct lp2p_err err;
	struct npeer *np, *t2;
	uint64_t now = lp2p__now_ms();

	lp2p__pool_pending_drop(n, NULL);
	if (lp2p__nb_sync(n->book, now, &err) != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL,
		    err.msg));
	/* a ban made by another process (p2p-peers ban) takes effect */
	TAILQ_FOREACH_SAFE(np, &n->peers, entry, t2)
		if (lp2p__nb_is_banned(n->book, np->ip, now))
			lp2p__pool_remove(np, LP2P_CLOSE_NORMAL, NULL);
}

int
lp2p_node_start(struct lp2p_node *n, struct lp2p_err *err)
{
	struct lp2p_err aerr;
	char ip[48];
	uint16_t port;
	int rc;

	if (n->started)
		return lp2p_errf(err, LP2P_EINVAL,
		    "Node cannot start because it is already active.");
	/* fixed and whitelisted peers: new, then tried at once (§11.4) */
	for (size_t k = 0; k < 2; k++) {
		char **l = k ? n->cfg.whitelist : n->cfg.fixed;
		size_t m = k ? n->cfg.nwhitelist : n->cfg.nfixed;

		for (size_t i = 0; i < m; i++) {
			size_t c = strcspn(l[i], ":");

			if (c >= sizeof(ip))
				continue;
			memcpy(ip, l[i], c);
			ip[c] = '\0';
			port = (uint16_t)atoi(l[i] + c + 1);
			(void)lp2p__nb_upgrade(n->book, ip, port,
			    lp2p__now_ms());
		}
	}
	if (n->cfg.max_inbound_connections != 0) {
		rc = lp2p__peer_server_new(&n->server, n->loop, &n->pcfg,
		    &n->self, n->cfg.host_ip, n->cfg.port, &server_cb,
		    &lp2p__pool_peer_cb, n, err);
		if (rc != 0)
			return rc;
		n->handles++;
		n->bound_port = lp2p__peer_server_port(n->server);
		if (n->cfg.port == 0) {
			/* the query 'port' others dial us back at */
			n->self.port = (uint16_t)n->bound_port;
			(void)lp2p__peer_server_set_self(n->server, &n->self);
		}
	}
	n->started = true;
	uv_timer_init(n->loop, &n->populator);
	uv_timer_init(n->loop, &n->shuffle);
	uv_timer_init(n->loop, &n->sync);
	n->populator.data = n->shuffle.data = n->sync.data = n;
	n->handles += 3;
	n->next_seed_discovery = uv_now(n->loop) +
	    n->cfg.fallback_seed_peer_discovery_interval;
	if (lp2p__policy_anchors_dial(n, &aerr) != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL,
		    aerr.msg));
	if (lp2p__nb_count(n->book, 1) < n->cfg.min_tried_peer_count)
		lp2p__pool_discover_seeds(n);
	lp2p__pool_populate(n);
	uv_timer_start(&n->populator, on_populator, n->cfg.populator_interval,
	    n->cfg.populator_interval);
	uv_timer_start(&n->shuffle, on_shuffle,
	    n->cfg.outbound_shuffle_interval, n->cfg.outbound_shuffle_interval);
	uv_timer_start(&n->sync, on_sync, n->cfg.book_sync_interval,
	    n->cfg.book_sync_interval);
	return 0;
}

static void
timer_closed(uv_handle_t *h)
{
	struct lp2p_node *n = h->data;

	n->handles--;
	lp2p__pool_maybe_closed(n);
}

void
lp2p_node_stop(struct lp2p_node *n)
{
	struct npeer *np, *t;
	struct lp2p_err err;
	char reason[128];

	if (n->stopping)
		return;
	n->stopping = true;
	if (n->started) {
		uv_close((uv_handle_t *)&n->populator, timer_closed);
		uv_close((uv_handle_t *)&n->shuffle, timer_closed);
		uv_close((uv_handle_t *)&n->sync, timer_closed);
	}
	if (n->server != NULL)
		lp2p__peer_server_close(n->server);
	if (n->started && lp2p__policy_anchors_save(n, &err) != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL,
		    err.msg));
	TAILQ_FOREACH_SAFE(np, &n->peers, entry, t) {
		snprintf(reason, sizeof(reason),
		    "Intentionally removed peer %s", np->id);
		lp2p__pool_remove(np, LP2P_CLOSE_NORMAL, reason);
	}
	if (lp2p__nb_sync(n->book, lp2p__now_ms(), &err) != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL,
		    err.msg));
	lp2p__pool_maybe_closed(n);
}

/* ---- operations --------------------------------------------------------- */

static int
send_one(struct lp2p_node *n, struct npeer *np, const char *event,
    const uint8_t *data, size_t len)
{
	int rc = lp2p__peer_send(np->p, event, data, len);

	if (rc != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_FAILED_TO_SEND_MESSAGE",
		    np->id, lp2p_strerror(rc)));
	return rc;
}

static int
check_name(const char *what, const char *s, struct lp2p_err *err)
{
	size_t l = s ? strlen(s) : 0;

	if (l == 0 || l > LP2P_MAX_EVENT_NAME)
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%s' must be 1 to %d characters", what,
		    LP2P_MAX_EVENT_NAME);
	return 0;
}

int
lp2p_node_send(struct lp2p_node *n, const char *event, const uint8_t *data,
    size_t len, struct lp2p_err *err)
{
	struct lp2p__cand *c;
	struct npeer *np, **v;
	size_t k = 0, *out, m;
	int rc;

	if ((rc = check_name("event", event, err)) != 0)
		return rc;
	if (n->npeers == 0)
		return lp2p_errf(err, LP2P_ENOPEERS, "no peers to send to");
	c = calloc(n->npeers, sizeof(*c));
	v = calloc(n->npeers, sizeof(*v));
	out = calloc(n->npeers, sizeof(*out));
	if (c == NULL || v == NULL || out == NULL) {
		free(c); free(v); free(out);
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	}
	TAILQ_FOREACH(np, &n->peers, entry) {
		lp2p__pool_cand(np, &c[k]);
		v[k++] = np;
	}
	m = lp2p__select_send(c, k, n->cfg.send_peer_limit, out);
	for (size_t i = 0; i < m; i++)
		(void)send_one(n, v[out[i]], event, data, len);
	free(out);
	free(v);
	free(c);
	return 0;
}

int
lp2p_node_broadcast(struct lp2p_node *n, const char *event,
    const uint8_t *data, size_t len, struct lp2p_err *err)
{
	struct npeer *np, *t;
	int rc;

	if ((rc = check_name("event", event, err)) != 0)
		return rc;
	TAILQ_FOREACH_SAFE(np, &n->peers, entry, t)
		(void)send_one(n, np, event, data, len);
	return 0;
}

int
lp2p_node_send_to_peer(struct lp2p_node *n, const char *peer_id,
    const char *event, const uint8_t *data, size_t len, struct lp2p_err *err)
{
	struct npeer *np;
	int rc;

	if ((rc = check_name("event", event, err)) != 0)
		return rc;
	if ((np = lp2p__pool_find(n, peer_id)) == NULL)
		return lp2p_errf(err, LP2P_ENOTFOUND, "Send failed because a "
		    "peer with id %s could not be found", peer_id);
	if ((rc = lp2p__peer_send(np->p, event, data, len)) != 0)
		return lp2p_errf(err, rc, "peer %s: %s", peer_id,
		    lp2p_strerror(rc));
	return 0;
}

int
lp2p_node_apply_penalty(struct lp2p_node *n, const char *peer_id,
    int penalty, struct lp2p_err *err)
{
	struct npeer *np;

	/* seed, fixed and whitelisted peerIds are exempt (isTrustedPeer) */
	if (lp2p__nb_is_trusted(n->book, peer_id))
		return 0;
	if ((np = lp2p__pool_find(n, peer_id)) == NULL)
		return lp2p_errf(err, LP2P_ENOTFOUND, "Peer not found: %s",
		    peer_id);
	lp2p__peer_penalty(np->p, penalty, LP2P_PEN_APPLY,
	    "applyPenalty command");
	return 0;
}

jv
lp2p_node_info(const struct lp2p_node *n)
{
	return jv_copy(n->info);
}

/* ---- commands ----------------------------------------------------------- */

struct oreq {
	struct lp2p_node	*node;
	lp2p_node_result_fn	*fn;
	void			*arg;
	char			 op[24];
};

static jv
result(const char *op)
{
	return JV_OBJECT(jv_string("op"), jv_string(op));
}

static jv
result_err(const char *op, const char *msg, bool invalid)
{
	jv r = jv_object_set(result(op), jv_string("error"), jv_string(msg));

	if (invalid)
		r = jv_object_set(r, jv_string("invalid"), jv_true());
	return r;
}

/* A string member (borrowed into *s, jv kept in *hold) or an error. */
static int
get_str(jv cmd, const char *key, jv *hold, const char **s, bool required,
    struct lp2p_err *err)
{
	*hold = jv_object_get(jv_copy(cmd), jv_string(key));
	*s = NULL;
	if (jv_get_kind(*hold) == JV_KIND_STRING) {
		*s = jv_string_value(*hold);
		return 0;
	}
	if (!required && jv_get_kind(*hold) == JV_KIND_INVALID)
		return 0;
	return lp2p_errf(err, LP2P_EINVAL, "'%s' %s", key,
	    jv_get_kind(*hold) == JV_KIND_INVALID ? "is missing" :
	    "must be a string");
}

/*
 * "data" of a command: absent or null = no data, a string = hex bytes,
 * any other JSON value = its compact JSON text (as the reference's
 * _getBufferData turns non-Buffers into JSON).
 */
static int
get_data(jv cmd, uint8_t **out, size_t *len, bool *has,
    struct lp2p_err *err)
{
	jv d = jv_object_get(jv_copy(cmd), jv_string("data"));
	long k;

	*out = NULL;
	*len = 0;
	*has = false;
	switch (jv_get_kind(d)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		jv_free(d);
		return 0;
	case JV_KIND_STRING:
		k = lp2p_hex_decode(jv_string_value(d),
		    (size_t)jv_string_length_bytes(jv_copy(d)), out);
		jv_free(d);
		if (k < 0)
			return lp2p_errf(err, LP2P_EINVAL,
			    "'data': not a hex string");
		*len = (size_t)k;
		*has = true;
		return 0;
	default:
		d = jv_dump_string(d, 0);
		*len = (size_t)jv_string_length_bytes(jv_copy(d));
		if ((*out = malloc(*len + 1)) == NULL) {
			jv_free(d);
			return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		}
		memcpy(*out, jv_string_value(d), *len);
		jv_free(d);
		*has = true;
		return 0;
	}
}

/* A request of lp2p_node_request in flight: the caller's callback. */
struct nreq {
	struct lp2p_node	*node;
	lp2p_node_reply_fn	*fn;
	void			*arg;
};

static void
on_node_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r,
    void *arg)
{
	struct nreq *q = arg;
	struct lp2p_node_reply o;

	o.status = r->status;
	o.peer_id = lp2p__peer_id(p);
	o.data = r->data;
	o.len = r->len;
	o.has_data = r->has_data;
	o.error = r->error;
	o.rtt_ms = r->rtt_ms;
	q->fn(q->node, &o, q->arg);
	free(q);
}

int
lp2p_node_request(struct lp2p_node *n, const char *peer_id,
    const char *proc, const uint8_t *data, size_t len,
    lp2p_node_reply_fn *fn, void *arg, struct lp2p_err *err)
{
	struct npeer *np, **v;
	struct lp2p__cand *c;
	struct nreq *q;
	size_t k = 0;
	long pick;
	int rc;

	if ((rc = check_name("procedure", proc, err)) != 0)
		return rc;
	if (peer_id != NULL) {
		if ((np = lp2p__pool_find(n, peer_id)) == NULL)
			return lp2p_errf(err, LP2P_ENOTFOUND, "Request failed "
			    "because a peer with id %s could not be found",
			    peer_id);
	} else {
		c = calloc(n->npeers + 1, sizeof(*c));
		v = calloc(n->npeers + 1, sizeof(*v));
		if (c == NULL || v == NULL) {
			free(c);
			free(v);
			return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		}
		TAILQ_FOREACH(np, &n->peers, entry)
			if (np->open) {
				lp2p__pool_cand(np, &c[k]);
				v[k++] = np;
			}
		pick = lp2p__select_request(c, k);
		np = pick >= 0 ? v[pick] : NULL;
		free(v);
		free(c);
		if (np == NULL)
			return lp2p_errf(err, LP2P_ENOPEERS, "Request failed "
			    "due to no peers found in peer selection");
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	q->node = n;
	q->fn = fn;
	q->arg = arg;
	if ((rc = lp2p__peer_request(np->p, proc, data, len, on_node_reply,
	    q)) != 0) {
		free(q);
		return lp2p_errf(err, rc, "peer %s: %s", np->id,
		    lp2p_strerror(rc));
	}
	return 0;
}

/* The request and requestFromPeer commands' answer. */
static void
on_cmd_reply(struct lp2p_node *n, const struct lp2p_node_reply *r,
    void *arg)
{
	struct oreq *o = arg;
	jv res;
	char *hex;

	if (r->status != 0) {
		res = result_err(o->op, r->error ? r->error :
		    lp2p_strerror(r->status), false);
		res = jv_object_set(res, jv_string("peerId"),
		    jv_string(r->peer_id));
	} else {
		res = result(o->op);
		res = jv_object_set(res, jv_string("peerId"),
		    jv_string(r->peer_id));
		if (r->has_data) {
			hex = lp2p__bytes_hex(r->data, r->len);
			res = jv_object_set(res, jv_string("data"),
			    hex ? jv_string(hex) : jv_null());
			free(hex);
		} else
			res = jv_object_set(res, jv_string("data"), jv_null());
		res = jv_object_set(res, jv_string("rttMs"),
		    jv_number(r->rtt_ms));
	}
	o->fn(n, res, o->arg);
	free(o);
}

static int
do_request(struct lp2p_node *n, const char *op, const char *peer_id,
    const char *proc, const uint8_t *data, size_t len,
    lp2p_node_result_fn *fn, void *arg, struct lp2p_err *err)
{
	struct oreq *o;
	int rc;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	o->node = n;
	o->fn = fn;
	o->arg = arg;
	strlcpy(o->op, op, sizeof(o->op));
	if ((rc = lp2p_node_request(n, peer_id, proc, data, len,
	    on_cmd_reply, o, err)) != 0)
		free(o);
	return rc;
}

/* The received request id, unlinked from the pending list, or NULL. */
static struct pending *
take_pending(struct lp2p_node *n, uint64_t id)
{
	struct pending *pd;

	TAILQ_FOREACH(pd, &n->pending, entry)
		if (pd->id == id) {
			TAILQ_REMOVE(&n->pending, pd, entry);
			n->npending--;
			return pd;
		}
	return NULL;
}

static int
respond(struct lp2p_node *n, uint64_t id, const char *error,
    const uint8_t *data, size_t len, struct lp2p_err *err)
{
	struct pending *pd;
	int rc;

	if ((pd = take_pending(n, id)) == NULL)
		return lp2p_errf(err, LP2P_ENOTFOUND, "requestId %llu: no "
		    "such request (answered or expired)",
		    (unsigned long long)id);
	if (error != NULL)
		rc = lp2p__peer_respond_error(pd->np->p, pd->rid, error);
	else
		rc = lp2p__peer_respond(pd->np->p, pd->rid, data, len);
	free(pd);
	if (rc != 0)
		return lp2p_errf(err, rc, "requestId %llu: %s",
		    (unsigned long long)id, lp2p_strerror(rc));
	return 0;
}

int
lp2p_node_respond(struct lp2p_node *n, uint64_t request_id,
    const uint8_t *data, size_t len, struct lp2p_err *err)
{
	return respond(n, request_id, NULL, data, len, err);
}

int
lp2p_node_respond_error(struct lp2p_node *n, uint64_t request_id,
    const char *message, struct lp2p_err *err)
{
	if (message == NULL)
		return lp2p_errf(err, LP2P_EINVAL, "no error message");
	return respond(n, request_id, message, NULL, 0, err);
}

static int
do_respond(struct lp2p_node *n, jv cmd, const uint8_t *data, size_t len,
    struct lp2p_err *err)
{
	jv idv = jv_object_get(jv_copy(cmd), jv_string("requestId"));
	jv e = jv_object_get(jv_copy(cmd), jv_string("error"));
	double d;
	int rc;

	if (jv_get_kind(idv) != JV_KIND_NUMBER) {
		jv_free(idv);
		jv_free(e);
		return lp2p_errf(err, LP2P_EINVAL,
		    "'requestId' must be a number");
	}
	d = jv_number_value(idv);
	jv_free(idv);
	/* ids are integers from 1: any other number names no request */
	if (!(d >= 0 && d < 9007199254740992.0) || d != floor(d)) {
		jv_free(e);
		return lp2p_errf(err, LP2P_ENOTFOUND,
		    "requestId %.0f: no such request (answered or expired)", d);
	}
	if (jv_get_kind(e) == JV_KIND_STRING)
		rc = lp2p_node_respond_error(n, (uint64_t)d,
		    jv_string_value(e), err);
	else
		rc = lp2p_node_respond(n, (uint64_t)d, data, len, err);
	jv_free(e);
	return rc;
}

static int
do_apply_node_info(struct lp2p_node *n, jv cmd, struct lp2p_err *err)
{
	jv ni = jv_object_get(jv_copy(cmd), jv_string("nodeInfo")), info;
	struct npeer *np;
	int rc;

	if (jv_get_kind(ni) != JV_KIND_OBJECT) {
		jv_free(ni);
		return lp2p_errf(err, LP2P_EINVAL,
		    "'nodeInfo' must be an object");
	}
	/* the reference keeps its nonce */
	info = jv_object_merge(jv_copy(n->info), ni);
	info = jv_object_set(info, jv_string("nonce"),
	    jv_string(n->self.nonce));
	rc = set_identity(n, info, err);
	jv_free(info);
	if (rc != 0)
		return rc;
	if (n->server != NULL)
		(void)lp2p__peer_server_set_self(n->server, &n->self);
	TAILQ_FOREACH(np, &n->peers, entry)
		if ((rc = lp2p__peer_set_self(np->p, &n->self, true)) != 0)
			lp2p__emit(n, lp2p__ev_error(
			    "EVENT_FAILED_TO_PUSH_NODE_INFO", np->id,
			    lp2p_strerror(rc)));
	return 0;
}

static jv
peers_json(struct lp2p_node *n, bool connected)
{
	struct lp2p__nb_ent *all;
	struct npeer *np;
	size_t m;
	jv a = jv_array();
	const char *keys[] = { "chainID", "networkVersion", "nonce",
	    "options" };

	if (connected) {
		TAILQ_FOREACH(np, &n->peers, entry) {
			jv o;

			if (!np->open || !np->advertise)
				continue;
			o = JV_OBJECT(jv_string("peerId"), jv_string(np->id),
			    jv_string("ipAddress"), jv_string(np->ip),
			    jv_string("port"), jv_number(np->port));
			for (size_t k = 0; k < LP2P_NELEM(keys); k++) {
				jv v = jv_null();

				if (jv_get_kind(np->shared) == JV_KIND_OBJECT)
					v = jv_object_get(jv_copy(np->shared),
					    jv_string(keys[k]));
				if (jv_get_kind(v) == JV_KIND_INVALID)
					v = jv_null();
				o = jv_object_set(o, jv_string(keys[k]), v);
			}
			a = jv_array_append(a, jv_object_merge(o,
			    lp2p__peer_detail(np)));
		}
		return a;
	}
	m = lp2p__nb_list(n->book, 2, &all);
	for (size_t i = 0; i < m; i++) {
		np = lp2p__pool_find(n, all[i].id);
		if ((np != NULL && np->open && np->advertise) ||
		    !all[i].advertise)
			continue;
		a = jv_array_append(a, JV_OBJECT(jv_string("peerId"),
		    jv_string(all[i].id), jv_string("ipAddress"),
		    jv_string(all[i].ip), jv_string("port"),
		    jv_number(all[i].port), jv_string("chainID"), jv_null(),
		    jv_string("networkVersion"), jv_null(),
		    jv_string("nonce"), jv_null(), jv_string("options"),
		    jv_null()));
	}
	free(all);
	return a;
}

jv
lp2p_node_connected_peers(struct lp2p_node *n)
{
	return peers_json(n, true);
}

jv
lp2p_node_disconnected_peers(struct lp2p_node *n)
{
	return peers_json(n, false);
}

/*
 * The commands (man/liskp2p-events.7), as a table in the manner of git's
 * commands[] and tmux's cmd_entry: a name, the string members it
 * requires (checked in order, after "data"), whether it runs while the
 * node stops, and its handler.  A handler leaves its result in *res (or
 * nothing, for result(op)) and returns one of:
 */
enum cmd_rc {
	CMD_OK,		/* *res, or result(op) when *res is invalid */
	CMD_FAILED,	/* result_err(op, err->msg) */
	CMD_INVALID,	/* result_err(op, err->msg) with "invalid": true */
	CMD_GIVEN,	/* the result went (or will go) to fn by itself */
};

struct cmd_args {
	const char		*op;
	jv			 cmd;		/* the whole command (borrowed) */
	const char		*str[2];	/* the cmd_entry's fields */
	const uint8_t		*data;		/* "data", decoded */
	size_t			 len;
	lp2p_node_result_fn	*fn;
	void			*arg;
};

struct cmd_entry {
	const char	*name;
	const char	*fields[2];
	bool		 when_stopping;
	enum cmd_rc	(*handler)(struct lp2p_node *, const struct cmd_args *,
			    jv *res, struct lp2p_err *);
};

static enum cmd_rc
cmd_send(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)res;
	return lp2p_node_send(n, a->str[0], a->data, a->len, err) == 0 ?
	    CMD_OK : CMD_FAILED;
}

static enum cmd_rc
cmd_broadcast(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)res;
	return lp2p_node_broadcast(n, a->str[0], a->data, a->len, err) == 0 ?
	    CMD_OK : CMD_FAILED;
}

static enum cmd_rc
cmd_send_to_peer(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)res;
	return lp2p_node_send_to_peer(n, a->str[1], a->str[0], a->data,
	    a->len, err) == 0 ? CMD_OK : CMD_FAILED;
}

/* request, requestFromPeer: fn follows with the answer. */
static enum cmd_rc
cmd_request(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)res;
	return do_request(n, a->op, a->str[1], a->str[0], a->data, a->len,
	    a->fn, a->arg, err) == 0 ? CMD_GIVEN : CMD_FAILED;
}

static enum cmd_rc
cmd_respond(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	jv idv = jv_object_get(jv_copy(a->cmd), jv_string("requestId"));
	bool num = jv_get_kind(idv) == JV_KIND_NUMBER;

	(void)res;
	jv_free(idv);
	if (!num) {
		strlcpy(err->msg, "'requestId' must be a number",
		    sizeof(err->msg));
		return CMD_INVALID;
	}
	return do_respond(n, a->cmd, a->data, a->len, err) == 0 ? CMD_OK :
	    CMD_FAILED;
}

static enum cmd_rc
cmd_apply_node_info(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	int rc = do_apply_node_info(n, a->cmd, err);

	(void)res;
	if (rc == LP2P_EINVAL || rc == LP2P_ECODEC)
		return CMD_INVALID;
	return rc == 0 ? CMD_OK : CMD_FAILED;
}

static enum cmd_rc
cmd_apply_penalty(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	jv pv = jv_object_get(jv_copy(a->cmd), jv_string("penalty"));
	double d = jv_get_kind(pv) == JV_KIND_NUMBER ? jv_number_value(pv) :
	    -1;

	(void)res;
	jv_free(pv);
	if (!(d >= 0 && d <= 1000000) || d != floor(d)) {
		strlcpy(err->msg, "'penalty' must be an integer 0..1000000",
		    sizeof(err->msg));
		return CMD_INVALID;
	}
	return lp2p_node_apply_penalty(n, a->str[0], (int)d, err) == 0 ?
	    CMD_OK : CMD_FAILED;
}

static enum cmd_rc
cmd_get_peers(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)err;
	*res = jv_object_set(result(a->op), jv_string("peers"),
	    a->op[3] == 'C' ? lp2p_node_connected_peers(n) :
	    lp2p_node_disconnected_peers(n));
	return CMD_OK;
}

static enum cmd_rc
cmd_get_node_info(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)err;
	*res = jv_object_set(result(a->op), jv_string("nodeInfo"),
	    jv_copy(n->info));
	return CMD_OK;
}

static enum cmd_rc
cmd_config(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)err;
	*res = jv_object_set(result(a->op), jv_string("config"),
	    config_json(&n->cfg));
	*res = jv_object_set(*res, jv_string("listening"),
	    jv_number(n->bound_port));
	return CMD_OK;
}

/* stop: the result goes first, then the node stops. */
static enum cmd_rc
cmd_stop(struct lp2p_node *n, const struct cmd_args *a, jv *res,
    struct lp2p_err *err)
{
	(void)res;
	(void)err;
	a->fn(n, result(a->op), a->arg);
	lp2p_node_stop(n);
	return CMD_GIVEN;
}

static const struct cmd_entry commands[] = {
	{ "send",		{ "event" },		false,	cmd_send },
	{ "broadcast",		{ "event" },		false,	cmd_broadcast },
	{ "sendToPeer",		{ "event", "peerId" },	false,
	    cmd_send_to_peer },
	{ "request",		{ "procedure" },	false,	cmd_request },
	{ "requestFromPeer",	{ "procedure", "peerId" }, false,
	    cmd_request },
	{ "respond",		{ NULL },		false,	cmd_respond },
	{ "applyNodeInfo",	{ NULL },		false,
	    cmd_apply_node_info },
	{ "applyPenalty",	{ "peerId" },		false,
	    cmd_apply_penalty },
	{ "getConnectedPeers",	{ NULL },		true,	cmd_get_peers },
	{ "getDisconnectedPeers", { NULL },		true,	cmd_get_peers },
	{ "getNodeInfo",	{ NULL },		true,
	    cmd_get_node_info },
	{ "config",		{ NULL },		true,	cmd_config },
	{ "stop",		{ NULL },		true,	cmd_stop },
};

void
lp2p_node_command(struct lp2p_node *n, jv cmd, lp2p_node_result_fn *fn,
    void *arg)
{
	struct lp2p_err err = { 0, "" };
	const struct cmd_entry *ce = NULL;
	struct cmd_args a = { .cmd = cmd, .fn = fn, .arg = arg };
	jv hop, hold[2] = { jv_invalid(), jv_invalid() }, res = jv_invalid();
	uint8_t *data = NULL;
	size_t len = 0;
	bool has = false;

	if (jv_get_kind(cmd) != JV_KIND_OBJECT) {
		jv_free(cmd);
		fn(n, result_err("", "a command must be a JSON object", true),
		    arg);
		return;
	}
	if (get_str(cmd, "op", &hop, &a.op, true, &err) != 0) {
		jv_free(hop);
		jv_free(cmd);
		fn(n, result_err("", err.msg, true), arg);
		return;
	}
	for (size_t i = 0; i < LP2P_NELEM(commands) && ce == NULL; i++)
		if (strcmp(a.op, commands[i].name) == 0)
			ce = &commands[i];
	if (ce == NULL) {
		snprintf(err.msg, sizeof(err.msg), "unknown op '%.64s'", a.op);
		goto invalid;
	}
	if (get_data(cmd, &data, &len, &has, &err) != 0)
		goto invalid;
	a.data = data;
	a.len = len;
	if (n->stopping && !ce->when_stopping) {
		res = result_err(a.op, "node is stopping", false);
		goto out;
	}
	for (size_t i = 0; i < LP2P_NELEM(ce->fields) && ce->fields[i] != NULL;
	    i++)
		if (get_str(cmd, ce->fields[i], &hold[i], &a.str[i], true,
		    &err) != 0)
			goto invalid;
	switch (ce->handler(n, &a, &res, &err)) {
	case CMD_OK:
		if (!jv_is_valid(res))
			res = result(a.op);
		break;
	case CMD_FAILED:
		res = result_err(a.op, err.msg, false);
		break;
	case CMD_INVALID:
		goto invalid;
	case CMD_GIVEN:
		break;
	}
	goto out;
invalid:
	jv_free(res);
	res = result_err(a.op, err.msg, true);
out:
	if (jv_is_valid(res))
		fn(n, res, arg);
	else
		jv_free(res);
	free(data);
	jv_free(hold[0]);
	jv_free(hold[1]);
	jv_free(hop);
	jv_free(cmd);
}
