/*
 * probe.c — what a peer tells about itself, validated once for the node
 * and the crawl (probe.h).  After an outbound handshake: getNodeInfo
 * (decoded with the network's schema, at most maxPeerInfoSize bytes,
 * compatible with us), then getPeers (decoded, at most max_peers entries,
 * every entry an IPv4 address and a port); a postNodeInfo at any time.
 *
 * As the reference's Peer (fetchAndUpdateStatus, fetchPeers): an
 * undecodable nodeInfo costs 100 after its event, an invalid peer list
 * 100 before its event; an incompatible nodeInfo or a failed request
 * costs nothing.  Whatever ends a step, its owner's callback is called
 * exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "peer.h"
#include "events.h"
#include "probe.h"

#define INFO_FETCH	"Failed to fetch peer info of peer"
#define INFO_UPDATE	"Failed to update peer info of peer due to " \
			"validation of peer compatibility"
#define LIST_FETCH	"Failed to fetch peer list of peer"
#define LIST_INVALID	"PeerInfo list has invalid value"

static void
emit_error(const struct lp2p__probe *pr, struct lp2p_peer *p,
    const char *type, const char *msg)
{
	if (pr->cb->emit != NULL)
		pr->cb->emit(lp2p__ev_error(type, lp2p__peer_id(p), msg),
		    pr->arg);
}

static void
collect_failed(const struct lp2p__probe *pr, struct lp2p_peer *p,
    const char *why)
{
	emit_error(pr, p, "EVENT_FAILED_TO_COLLECT_PEER_DETAILS_ON_CONNECT",
	    why);
}

/* ---- getPeers ------------------------------------------------------- */

/* 1 if every entry is {ipAddress: IPv4, port: 1..65535}. */
static int
list_is_valid(jv list)
{
	int len = jv_array_length(jv_copy(list)), ok = 1;

	for (int i = 0; i < len && ok; i++) {
		jv e = jv_array_get(jv_copy(list), i);
		jv ip = jv_object_get(jv_copy(e), jv_string("ipAddress"));
		jv port = jv_object_get(e, jv_string("port"));

		if (jv_get_kind(ip) != JV_KIND_STRING ||
		    !lp2p_ipv4_is_valid(jv_string_value(ip)) ||
		    jv_get_kind(port) != JV_KIND_NUMBER ||
		    jv_number_value(port) < 1 ||
		    jv_number_value(port) > 65535 ||
		    jv_number_value(port) != (long)jv_number_value(port))
			ok = 0;
		jv_free(ip);
		jv_free(port);
	}
	return ok;
}

static void
on_peers_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r,
    void *arg)
{
	const struct lp2p__probe *pr = arg;
	struct lp2p__probe_step st = { .fault = LP2P__PROBE_OK,
	    .info = jv_null(), .peers = jv_null() };
	struct lp2p_err err;
	jv list = jv_invalid();
	int rc;

	if (r->status != 0) {
		st.fault = LP2P__PROBE_FAILED;
		st.status = r->status;
		st.error = r->error;
		emit_error(pr, p, "EVENT_FAILED_TO_FETCH_PEERS",
		    r->error ? r->error : lp2p_strerror(r->status));
		goto failed;
	}
	st.fault = LP2P__PROBE_INVALID;
	if (!r->has_data) {
		lp2p__peer_penalty(p, LP2P_PROBE_PENALTY,
		    LP2P_PEN_INVALID_PEER_LIST,
		    "getPeers reply without data");
		st.error = LIST_INVALID;
		emit_error(pr, p, "EVENT_FAILED_TO_FETCH_PEERS", st.error);
		goto failed;
	}
	rc = lp2p_peers_decode(r->data, r->len, pr->cfg->max_peers, &list,
	    &err);
	if (rc != 0) {
		if (rc == LP2P_EPROTO)
			lp2p__peer_penalty(p, LP2P_PROBE_PENALTY,
			    LP2P_PEN_INVALID_PEER_LIST,
			    "getPeers reply too long");
		st.error = err.msg;
		emit_error(pr, p, "EVENT_FAILED_TO_FETCH_PEERS", st.error);
		goto failed;
	}
	if (!list_is_valid(list)) {
		lp2p__peer_penalty(p, LP2P_PROBE_PENALTY,
		    LP2P_PEN_INVALID_PEER_LIST,
		    "getPeers reply with an invalid entry");
		st.error = LIST_INVALID;
		emit_error(pr, p, "EVENT_FAILED_TO_FETCH_PEERS", st.error);
		goto failed;
	}
	st.fault = LP2P__PROBE_OK;
	st.peers = list;
	pr->cb->on_peers(p, &st, pr->arg);
	jv_free(list);
	return;
failed:
	jv_free(list);
	collect_failed(pr, p, LIST_FETCH);
	pr->cb->on_peers(p, &st, pr->arg);
}

/* ---- getNodeInfo ---------------------------------------------------- */

/* The chainID of info as bytes (none when absent or too long). */
static void
chain_of(jv info, uint8_t *buf, size_t *len)
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
	jv_free(c);
}

static void
on_info_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r,
    void *arg)
{
	struct lp2p__probe *pr = arg;
	struct lp2p__probe_step st = { .fault = LP2P__PROBE_OK,
	    .info = jv_null(), .peers = jv_null() };
	struct lp2p_err err;
	char reason[256], why[400];
	uint8_t chain[32];
	size_t chainlen;
	jv v, nv;
	int rc;

	if (r->status != 0) {
		st.fault = LP2P__PROBE_FAILED;
		st.status = r->status;
		st.error = r->error;
		emit_error(pr, p, "EVENT_FAILED_TO_FETCH_PEER_INFO",
		    r->error ? r->error : lp2p_strerror(r->status));
		collect_failed(pr, p, INFO_FETCH);
		pr->cb->on_info(p, &st, pr->arg);
		return;
	}
	if (r->len > pr->cfg->max_info_size ||
	    lp2p_codec_decode(pr->cfg->schema, r->has_data ? r->data :
	    (const uint8_t *)"", r->len, &v, &err) != 0) {
		if (r->len > pr->cfg->max_info_size)
			snprintf(err.msg, sizeof(err.msg),
			    "nodeInfo of %zu bytes is too large", r->len);
		st.fault = LP2P__PROBE_INVALID;
		st.error = err.msg;
		emit_error(pr, p, "EVENT_FAILED_PEER_INFO_UPDATE", err.msg);
		lp2p__peer_penalty(p, LP2P_PROBE_PENALTY,
		    LP2P_PEN_INVALID_NODEINFO, err.msg);
		collect_failed(pr, p, INFO_UPDATE);
		pr->cb->on_info(p, &st, pr->arg);
		return;
	}
	chain_of(v, chain, &chainlen);
	nv = jv_object_get(jv_copy(v), jv_string("networkVersion"));
	rc = lp2p__peer_compatible(pr->cfg->self, chain, chainlen,
	    jv_get_kind(nv) == JV_KIND_STRING ? jv_string_value(nv) : "",
	    reason, sizeof(reason));
	jv_free(nv);
	if (rc != 0) {
		snprintf(why, sizeof(why), "%s : %s", reason,
		    lp2p__peer_id(p));
		st.fault = LP2P__PROBE_INCOMPATIBLE;
		st.error = why;
		emit_error(pr, p, "EVENT_FAILED_PEER_INFO_UPDATE", why);
		collect_failed(pr, p, INFO_UPDATE);
		pr->cb->on_info(p, &st, pr->arg);
		jv_free(v);
		return;
	}
	st.info = v;
	st.rtt_ms = r->rtt_ms;
	pr->cb->on_info(p, &st, pr->arg);
	jv_free(v);
	if ((rc = lp2p__probe_peers(pr, p)) == 1) {
		st = (struct lp2p__probe_step){ .fault = LP2P__PROBE_SKIPPED,
		    .info = jv_null(), .peers = jv_null() };
		pr->cb->on_peers(p, &st, pr->arg);
	} else if (rc != 0) {
		st = (struct lp2p__probe_step){ .fault = LP2P__PROBE_UNSENT,
		    .status = rc, .info = jv_null(), .peers = jv_null() };
		collect_failed(pr, p, LIST_FETCH);
		pr->cb->on_peers(p, &st, pr->arg);
	}
}

int
lp2p__probe_start(struct lp2p__probe *pr, struct lp2p_peer *p)
{
	int rc;

	if ((rc = lp2p__peer_request(p, "getNodeInfo", NULL, 0,
	    on_info_reply, pr)) != 0)
		collect_failed(pr, p, INFO_FETCH);
	return rc;
}

int
lp2p__probe_peers(struct lp2p__probe *pr, struct lp2p_peer *p)
{
	if (pr->cb->may_ask_peers != NULL &&
	    !pr->cb->may_ask_peers(p, pr->arg))
		return 1;
	return lp2p__peer_request(p, "getPeers", NULL, 0, on_peers_reply, pr);
}

/* ---- postNodeInfo --------------------------------------------------- */

int
lp2p__probe_post_info(const struct lp2p__probe_config *cfg,
    const uint8_t *data, size_t len, jv *shared, jv *info,
    struct lp2p_err *err)
{
	jv v, opt, old;

	if (lp2p_codec_decode(cfg->schema, data != NULL ? data :
	    (const uint8_t *)"", len, &v, err) != 0) {
		*info = jv_invalid();
		return LP2P_ECODEC;
	}
	opt = jv_object_get(jv_copy(v), jv_string("options"));
	if (jv_get_kind(*shared) != JV_KIND_OBJECT) {
		jv_free(*shared);
		*shared = jv_copy(v);
	} else if (jv_get_kind(opt) == JV_KIND_OBJECT) {
		old = jv_object_get(jv_copy(*shared), jv_string("options"));
		if (jv_get_kind(old) != JV_KIND_OBJECT) {
			jv_free(old);
			old = jv_object();
		}
		*shared = jv_object_set(*shared, jv_string("options"),
		    jv_object_merge(old, jv_copy(opt)));
	}
	jv_free(opt);
	*info = v;
	return 0;
}
