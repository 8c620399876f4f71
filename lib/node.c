/*
 * node.c — the P2P facade (the reference's P2P class): configuration with
 * the reference's defaults, start and stop, the event objects, the
 * operations (send, broadcast, request, respond, applyNodeInfo,
 * applyPenalty, ...) and the NDJSON command interpreter on top of them.
 * The pool (pool.c) owns the connections; this file owns the node's
 * identity, timers and PeerBook.
 *
 * Invariants: every event goes through lp2p__emit, every command result
 * through its fn exactly once; on_closed is called once, after stop, when
 * no peer, timer or server handle is left.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
free_list(char **l, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(l[i]);
		l[i] = NULL;
	}
	*n = 0;
}

void
lp2p_node_config_release(struct lp2p_node_config *c)
{
	free_list(c->seeds, &c->nseeds);
	free_list(c->fixed, &c->nfixed);
	free_list(c->whitelist, &c->nwhitelist);
	free_list(c->blacklist, &c->nblacklist);
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
	char **l, buf[LP2P_PEERID_STRLEN];
	size_t *n;
	const char *name;

	switch (list) {
	case 's': l = c->seeds; n = &c->nseeds; name = "seed"; break;
	case 'f': l = c->fixed; n = &c->nfixed; name = "fixed"; break;
	case 'w': l = c->whitelist; n = &c->nwhitelist;
		name = "whitelist"; break;
	case 'b': l = c->blacklist; n = &c->nblacklist;
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
		if (strcmp(l[i], buf) == 0)
			return 0;
	if ((l[*n] = strdup(buf)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	(*n)++;
	return 0;
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

/* ---- events ---------------------------------------------------------- */

uint64_t
lp2p__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

jv
lp2p__ev_new(const char *type)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], out[80];
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
	return JV_OBJECT(jv_string("ts"), jv_string(out), jv_string("type"),
	    jv_string(type));
}

void
lp2p__emit(struct lp2p_node *n, jv ev)
{
	if (n->cb.on_event != NULL)
		n->cb.on_event(n, ev, n->arg);
	else
		jv_free(ev);
}

char *
lp2p__bytes_hex(const uint8_t *p, size_t len)
{
	return lp2p_hex_encode(p, len);
}

jv
lp2p__peer_json(const struct npeer *np)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("peerId"), jv_string(np->id));
	o = jv_object_set(o, jv_string("ipAddress"), jv_string(np->ip));
	o = jv_object_set(o, jv_string("port"), jv_number(np->port));
	o = jv_object_set(o, jv_string("kind"),
	    jv_string(np->inbound ? "inbound" : "outbound"));
	if (jv_get_kind(np->shared) == JV_KIND_OBJECT)
		o = jv_object_set(o, jv_string("sharedState"),
		    jv_copy(np->shared));
	return o;
}

jv
lp2p__ev_peer(const char *type, const struct npeer *np)
{
	return jv_object_merge(lp2p__ev_new(type), lp2p__peer_json(np));
}

jv
lp2p__ev_error(const char *type, const char *peer_id, const char *msg)
{
	jv ev = lp2p__ev_new(type);

	if (peer_id != NULL)
		ev = jv_object_set(ev, jv_string("peerId"), jv_string(peer_id));
	return jv_object_set(ev, jv_string("error"), jv_string(msg));
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

static char **
dup_list(char *const *src, size_t n, char **dst)
{
	for (size_t i = 0; i < n; i++)
		if ((dst[i] = strdup(src[i])) == NULL)
			return NULL;
	return dst;
}

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
	n->cfg.nseeds = n->cfg.nfixed = n->cfg.nwhitelist = 0;
	n->cfg.nblacklist = 0;
	if (cb != NULL)
		n->cb = *cb;
	n->arg = arg;
	n->info = jv_null();
	TAILQ_INIT(&n->peers);
	TAILQ_INIT(&n->leaving);
	TAILQ_INIT(&n->pending);
	/* lists: as the reference sanitises them (§11.4), kept in order */
	if (dup_list(cfg->blacklist, cfg->nblacklist, n->cfg.blacklist) ==
	    NULL)
		goto nomem;
	n->cfg.nblacklist = cfg->nblacklist;
	{
		char *const *src[] = { cfg->fixed, cfg->seeds, cfg->whitelist };
		const size_t ns[] = { cfg->nfixed, cfg->nseeds,
		    cfg->nwhitelist };
		char **dst[] = { n->cfg.fixed, n->cfg.seeds, n->cfg.whitelist };
		size_t *nd[] = { &n->cfg.nfixed, &n->cfg.nseeds,
		    &n->cfg.nwhitelist };

		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0; i < ns[k]; i++) {
				const char *e = src[k][i];
				size_t l = strcspn(e, ":");
				bool skip = false;

				if (strncmp(e, cfg->host_ip, l) == 0 &&
				    cfg->host_ip[l] == '\0')
					skip = true;
				for (size_t b = 0; b < cfg->nblacklist; b++)
					skip |= strncmp(e, cfg->blacklist[b],
					    l) == 0 &&
					    cfg->blacklist[b][l] == '\0';
				for (size_t j = 0; j < k; j++)
					for (size_t q = 0; q < *nd[j]; q++)
						if (strcmp(dst[j][q], e) == 0)
							skip = true;
				if (skip)
					continue;
				if ((dst[k][*nd[k]] = strdup(e)) == NULL)
					goto nomem;
				(*nd[k])++;
			}
	}
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
	lp2p_schema_free(n->schema);
	free(n->nodeinfo);
	jv_free(n->info);
	lp2p_node_config_release(&n->cfg);
	free(n);
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
	lp2p__maybe_closed(n);
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
	lp2p__maybe_closed(n);
}

void
lp2p__maybe_closed(struct lp2p_node *n)
{
	if (!n->stopping || n->closed_called || n->handles > 0 ||
	    !TAILQ_EMPTY(&n->peers) || !TAILQ_EMPTY(&n->leaving))
		return;
	n->closed_called = true;
	if (n->cb.on_closed != NULL)
		n->cb.on_closed(n, n->arg);
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
	TAILQ_FOREACH_SAFE(np, &n->peers, entry, t) {
		snprintf(reason, sizeof(reason),
		    "Intentionally removed peer %s", np->id);
		lp2p__pool_remove(np, LP2P_CLOSE_NORMAL, reason);
	}
	if (lp2p__nb_sync(n->book, lp2p__now_ms(), &err) != 0)
		lp2p__emit(n, lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL,
		    err.msg));
	lp2p__maybe_closed(n);
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
	char *const *lists[] = { n->cfg.seeds, n->cfg.fixed, n->cfg.whitelist };
	const size_t ns[] = { n->cfg.nseeds, n->cfg.nfixed, n->cfg.nwhitelist };

	/* seed, fixed and whitelisted peerIds are exempt (isTrustedPeer) */
	for (size_t k = 0; k < LP2P_NELEM(ns); k++)
		for (size_t i = 0; i < ns[k]; i++)
			if (strcmp(lists[k][i], peer_id) == 0)
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

static void
on_cmd_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r, void *arg)
{
	struct oreq *o = arg;
	jv res;
	char *hex;

	if (r->status != 0) {
		res = result_err(o->op, r->error ? r->error :
		    lp2p_strerror(r->status), false);
		res = jv_object_set(res, jv_string("peerId"),
		    jv_string(lp2p__peer_id(p)));
	} else {
		res = result(o->op);
		res = jv_object_set(res, jv_string("peerId"),
		    jv_string(lp2p__peer_id(p)));
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
	o->fn(o->node, res, o->arg);
	free(o);
}

static int
do_request(struct lp2p_node *n, const char *op, const char *peer_id,
    const char *proc, const uint8_t *data, size_t len,
    lp2p_node_result_fn *fn, void *arg, struct lp2p_err *err)
{
	struct npeer *np, **v;
	struct lp2p__cand *c;
	struct oreq *o;
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
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	o->node = n;
	o->fn = fn;
	o->arg = arg;
	strlcpy(o->op, op, sizeof(o->op));
	if ((rc = lp2p__peer_request(np->p, proc, data, len, on_cmd_reply,
	    o)) != 0) {
		free(o);
		return lp2p_errf(err, rc, "peer %s: %s", np->id,
		    lp2p_strerror(rc));
	}
	return 0;
}

static int
do_respond(struct lp2p_node *n, jv cmd, const uint8_t *data, size_t len,
    struct lp2p_err *err)
{
	jv idv = jv_object_get(jv_copy(cmd), jv_string("requestId"));
	jv e = jv_object_get(jv_copy(cmd), jv_string("error"));
	struct pending *pd;
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
	TAILQ_FOREACH(pd, &n->pending, entry)
		if ((double)pd->id == d)
			break;
	if (pd == NULL) {
		jv_free(e);
		return lp2p_errf(err, LP2P_ENOTFOUND,
		    "requestId %.0f: no such request (answered or expired)", d);
	}
	if (jv_get_kind(e) == JV_KIND_STRING)
		rc = lp2p__peer_respond_error(pd->np->p, pd->rid,
		    jv_string_value(e));
	else
		rc = lp2p__peer_respond(pd->np->p, pd->rid, data, len);
	jv_free(e);
	TAILQ_REMOVE(&n->pending, pd, entry);
	n->npending--;
	free(pd);
	if (rc != 0)
		return lp2p_errf(err, rc, "requestId %.0f: %s", d,
		    lp2p_strerror(rc));
	return 0;
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

static const char *const ops[] = {
	"send", "broadcast", "sendToPeer", "request", "requestFromPeer",
	"respond", "applyNodeInfo", "applyPenalty", "getConnectedPeers",
	"getDisconnectedPeers", "getNodeInfo", "config", "stop",
};

void
lp2p_node_command(struct lp2p_node *n, jv cmd, lp2p_node_result_fn *fn,
    void *arg)
{
	struct lp2p_err err = { 0, "" };
	jv hop, hpeer = jv_invalid(), hname = jv_invalid(), res;
	const char *op, *peer = NULL, *name = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	bool has = false, known = false;
	int rc = 0;

	if (jv_get_kind(cmd) != JV_KIND_OBJECT) {
		jv_free(cmd);
		fn(n, result_err("", "a command must be a JSON object", true),
		    arg);
		return;
	}
	if (get_str(cmd, "op", &hop, &op, true, &err) != 0) {
		jv_free(hop);
		jv_free(cmd);
		fn(n, result_err("", err.msg, true), arg);
		return;
	}
	for (size_t i = 0; i < LP2P_NELEM(ops); i++)
		known |= strcmp(op, ops[i]) == 0;
	if (!known) {
		snprintf(err.msg, sizeof(err.msg), "unknown op '%.64s'", op);
		goto invalid;
	}
	if (get_data(cmd, &data, &len, &has, &err) != 0)
		goto invalid;
	if (n->stopping && strcmp(op, "stop") != 0 &&
	    strncmp(op, "get", 3) != 0 && strcmp(op, "config") != 0) {
		res = result_err(op, "node is stopping", false);
		goto out;
	}
	if (strcmp(op, "send") == 0 || strcmp(op, "broadcast") == 0 ||
	    strcmp(op, "sendToPeer") == 0) {
		if (get_str(cmd, "event", &hname, &name, true, &err) != 0 ||
		    (op[0] == 's' && op[4] == 'T' &&
		    get_str(cmd, "peerId", &hpeer, &peer, true, &err) != 0))
			goto invalid;
		if (strcmp(op, "send") == 0)
			rc = lp2p_node_send(n, name, data, len, &err);
		else if (strcmp(op, "broadcast") == 0)
			rc = lp2p_node_broadcast(n, name, data, len, &err);
		else
			rc = lp2p_node_send_to_peer(n, peer, name, data, len,
			    &err);
	} else if (strcmp(op, "request") == 0 ||
	    strcmp(op, "requestFromPeer") == 0) {
		if (get_str(cmd, "procedure", &hname, &name, true, &err) != 0 ||
		    (op[7] == 'F' &&
		    get_str(cmd, "peerId", &hpeer, &peer, true, &err) != 0))
			goto invalid;
		rc = do_request(n, op, peer, name, data, len, fn, arg, &err);
		if (rc == 0) {
			/* fn follows with the answer */
			free(data);
			jv_free(hname);
			jv_free(hpeer);
			jv_free(hop);
			jv_free(cmd);
			return;
		}
	} else if (strcmp(op, "respond") == 0) {
		jv idv = jv_object_get(jv_copy(cmd), jv_string("requestId"));
		bool num = jv_get_kind(idv) == JV_KIND_NUMBER;

		jv_free(idv);
		if (!num) {
			strlcpy(err.msg, "'requestId' must be a number",
			    sizeof(err.msg));
			goto invalid;
		}
		rc = do_respond(n, cmd, data, len, &err);
	} else if (strcmp(op, "applyNodeInfo") == 0) {
		rc = do_apply_node_info(n, cmd, &err);
		if (rc == LP2P_EINVAL || rc == LP2P_ECODEC)
			goto invalid;
	} else if (strcmp(op, "applyPenalty") == 0) {
		jv pv = jv_object_get(jv_copy(cmd), jv_string("penalty"));
		double d = jv_get_kind(pv) == JV_KIND_NUMBER ?
		    jv_number_value(pv) : -1;

		jv_free(pv);
		if (get_str(cmd, "peerId", &hpeer, &peer, true, &err) != 0)
			goto invalid;
		if (!(d >= 0 && d <= 1000000) || d != floor(d)) {
			strlcpy(err.msg, "'penalty' must be an integer "
			    "0..1000000", sizeof(err.msg));
			goto invalid;
		}
		rc = lp2p_node_apply_penalty(n, peer, (int)d, &err);
	} else if (strcmp(op, "getConnectedPeers") == 0 ||
	    strcmp(op, "getDisconnectedPeers") == 0) {
		res = jv_object_set(result(op), jv_string("peers"),
		    peers_json(n, op[3] == 'C'));
		goto out;
	} else if (strcmp(op, "getNodeInfo") == 0) {
		res = jv_object_set(result(op), jv_string("nodeInfo"),
		    jv_copy(n->info));
		goto out;
	} else if (strcmp(op, "config") == 0) {
		res = jv_object_set(result(op), jv_string("config"),
		    config_json(&n->cfg));
		res = jv_object_set(res, jv_string("listening"),
		    jv_number(n->bound_port));
		goto out;
	} else if (strcmp(op, "stop") == 0) {
		res = result(op);
		fn(n, res, arg);
		res = jv_invalid();
		lp2p_node_stop(n);
		goto out;
	}
	res = rc == 0 ? result(op) : result_err(op, err.msg, false);
	goto out;
invalid:
	res = result_err(op, err.msg, true);
out:
	if (jv_is_valid(res))
		fn(n, res, arg);
	else
		jv_free(res);
	free(data);
	jv_free(hname);
	jv_free(hpeer);
	jv_free(hop);
	jv_free(cmd);
}
