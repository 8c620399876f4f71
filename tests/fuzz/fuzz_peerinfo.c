/*
 * fuzz_peerinfo.c — what a peer tells about itself and others, decoded
 * as the pool does: a getPeers reply (lp2p_peers_decode with the limit,
 * then every entry's ipAddress and port judged as WIRE.md §7.4 says) and
 * a nodeInfo (the plain /nodeInfo schema or Lisk Core 4's with mainnet's
 * options; its chainID and networkVersion through the compatibility check
 * that decides 4104).  First byte: bit 0 picks getPeers or nodeInfo, bits
 * 1-2 the limit or the schema.  Checks: a list within the limit, valid
 * entries encode again and decode to the same list, a decoded nodeInfo
 * encodes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct lp2p_schema *core4;

static void
peers(const uint8_t *data, size_t len, size_t max)
{
	struct lp2p_err e;
	uint8_t *b;
	size_t bl;
	jv list, again;
	int n, bad = 0;

	if (lp2p_peers_decode(data, len, max, &list, &e) != 0)
		return;
	n = jv_array_length(jv_copy(list));
	if (max > 0 && (size_t)n > max)
		abort();
	for (int i = 0; i < n && !bad; i++) {
		jv ent = jv_array_get(jv_copy(list), i);
		jv ip = jv_object_get(jv_copy(ent), jv_string("ipAddress"));
		jv port = jv_object_get(ent, jv_string("port"));

		if (jv_get_kind(ip) != JV_KIND_STRING ||
		    !lp2p_ipv4_is_valid(jv_string_value(ip)) ||
		    jv_get_kind(port) != JV_KIND_NUMBER ||
		    jv_number_value(port) < 1 ||
		    jv_number_value(port) > 65535)
			bad = 1;
		jv_free(ip);
		jv_free(port);
	}
	if (!bad) {
		if (lp2p_peers_encode(jv_copy(list), &b, &bl, &e) != 0)
			abort();	/* a valid list always encodes */
		if (lp2p_peers_decode(b, bl, 0, &again, &e) != 0)
			abort();
		if (!jv_equal(jv_copy(list), again))
			abort();	/* and decodes to itself */
		free(b);
	}
	jv_free(list);
}

static void
nodeinfo(const struct lp2p_schema *s, const uint8_t *data, size_t len)
{
	static const struct lp2p_peer_self self = {
		.chain_id = { 0, 0, 0, 0 }, .chain_id_len = 4,
		.network_version = "1.0",
	};
	struct lp2p_err e;
	char reason[256];
	uint8_t chain[32], *cb, *b;
	size_t chainlen = 0, bl;
	long k;
	jv v, c, nv;

	if (lp2p_codec_decode(s, data, len, &v, &e) != 0)
		return;
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		abort();
	c = jv_object_get(jv_copy(v), jv_string("chainID"));
	if (jv_get_kind(c) == JV_KIND_STRING) {
		k = lp2p_hex_decode(jv_string_value(c),
		    (size_t)jv_string_length_bytes(jv_copy(c)), &cb);
		if (k >= 0 && (size_t)k <= sizeof(chain)) {
			memcpy(chain, cb, (size_t)k);
			chainlen = (size_t)k;
		}
		if (k >= 0)
			free(cb);
	}
	jv_free(c);
	nv = jv_object_get(jv_copy(v), jv_string("networkVersion"));
	if (lp2p__peer_compatible(&self, chain, chainlen,
	    jv_get_kind(nv) == JV_KIND_STRING ? jv_string_value(nv) : "",
	    reason, sizeof(reason)) != 0 && strlen(reason) == 0)
		abort();
	jv_free(nv);
	if (lp2p_codec_encode(s, v, &b, &bl, &e) != 0)
		abort();		/* a decoded nodeInfo always encodes */
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const size_t limits[4] = { 0, 1, 200, 1000 };
	struct lp2p_err e;

	if (core4 == NULL && lp2p_schema_nodeinfo(&core4,
	    lp2p_network_options_schema(lp2p_network_find("mainnet")),
	    &e) != 0)
		abort();
	if (len == 0)
		return 0;
	if ((data[0] & 1) == 0)
		peers(data + 1, len - 1, limits[(data[0] >> 1) & 3]);
	else
		nodeinfo((data[0] & 2) ? core4 :
		    lp2p_schema_builtin("/nodeInfo"), data + 1, len - 1);
	return 0;
}
