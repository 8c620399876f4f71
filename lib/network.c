/*
 * network.c — the Lisk Core 4 presets (LISK-CORE-4.md §4) and the
 * application-layer schemas of Lisk Core 4 (LISK-CORE-4.md §1-§3), as
 * read-only static data; schemas are handed out as fresh jv values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sha2.h>

#include "liskp2p.h"
#include "internal.h"

#include "network_schemas.h"

struct lp2p_network {
	const char	*name;
	uint8_t		 chain_id[4];
	const char	*version;
	uint16_t	 port;
	const char *const *seeds;
};

static const char *const mainnet_seeds[] = {
	"mainnet-seed-01.lisk.com", "mainnet-seed-02.lisk-nodes.net",
	"mainnet-seed-03.lisk.com", "mainnet-seed-04.lisk-nodes.net",
	"mainnet-seed-05.lisk.com", "mainnet-seed-06.lisk-nodes.net",
	"mainnet-seed-07.lisk.com", "mainnet-seed-08.lisk-nodes.net",
	"mainnet-seed-09.lisk.com", "mainnet-seed-10.lisk-nodes.net", NULL
};
static const char *const testnet_seeds[] = {
	"testnet-seed-01.lisk.com", "testnet-seed-02.lisk-nodes.net",
	"testnet-seed-03.lisk.com", "testnet-seed-04.lisk-nodes.net",
	"testnet-seed-05.lisk.com", NULL
};
static const char *const no_seeds[] = { NULL };

static const struct lp2p_network presets[] = {
	{ "mainnet", { 0, 0, 0, 0 }, "5.0", 7667, mainnet_seeds },
	{ "testnet", { 1, 0, 0, 0 }, "5.0", 7667, testnet_seeds },
	{ "devnet", { 4, 0, 0, 0 }, "5.0", 7667, no_seeds },
};

static const char *const core4_events[] = {
	"postBlock", "postTransactionsAnnouncement", "postSingleCommitMessages",
	"postNodeInfo", NULL
};
static const char *const core4_procedures[] = {
	"getLastBlock", "getBlocksFromId", "getHighestCommonBlock",
	"getLegacyBlocksFromId", "getTransactions", NULL
};

/* data of each event / procedure: request and response schema names */
static const struct {
	const char *name, *req, *resp;
} payloads[] = {
	{ "postBlock", "postBlockEvent", NULL },
	{ "postTransactionsAnnouncement", "postTransactionsAnnouncement",
	    NULL },
	{ "postSingleCommitMessages", "singleCommitsNetworkPacket", NULL },
	{ "postNodeInfo", "nodeInfo", NULL },
	{ "getLastBlock", NULL, "block" },
	{ "getBlocksFromId", "getBlocksFromIdRequest",
	    "getBlocksFromIdResponse" },
	{ "getHighestCommonBlock", "getHighestCommonBlockRequest",
	    "getHighestCommonBlockResponse" },
	{ "getLegacyBlocksFromId", "getLegacyBlocksFromIdRequest",
	    "getBlocksFromIdResponse" },
	{ "getTransactions", "getTransactionsRequest",
	    "getTransactionsResponse" },
	{ "getNodeInfo", NULL, "nodeInfo" },
	{ "getPeers", NULL, "peerRequestResponse" },
};

static const struct {
	const char *module, *command, *schema;
} params[] = {
	{ "token", "transfer", "tokenTransferParams" },
	{ "token", "transferCrossChain", "tokenTransferCrossChainParams" },
	{ "pos", "stake", "posStakeParams" },
	{ "pos", "registerValidator", "posRegisterValidatorParams" },
	{ "pos", "updateGeneratorKey", "posUpdateGeneratorKeyParams" },
	{ "pos", "changeCommission", "posChangeCommissionParams" },
	{ "pos", "reportMisbehavior", "posReportMisbehaviorParams" },
	{ "pos", "unlock", "emptyParams" },
	{ "pos", "claimRewards", "emptyParams" },
	{ "auth", "registerMultisignature",
	    "authRegisterMultisignatureParams" },
	{ "legacy", "reclaimLSK", "legacyReclaimLSKParams" },
	{ "legacy", "registerKeys", "legacyRegisterKeysParams" },
};

const struct lp2p_network *
lp2p_network_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

const struct lp2p_network *
lp2p_network_at(size_t i)
{
	return i < LP2P_NELEM(presets) ? &presets[i] : NULL;
}

const char *
lp2p_network_names(void)
{
	return "mainnet, testnet, devnet";
}

const char *
lp2p_network_name(const struct lp2p_network *n)
{
	return n->name;
}

const uint8_t *
lp2p_network_chain_id(const struct lp2p_network *n, size_t *len)
{
	if (len != NULL)
		*len = sizeof(n->chain_id);
	return n->chain_id;
}

const char *
lp2p_network_version(const struct lp2p_network *n)
{
	return n->version;
}

uint16_t
lp2p_network_port(const struct lp2p_network *n)
{
	return n->port;
}

const char *const *
lp2p_network_seeds(const struct lp2p_network *n)
{
	return n->seeds;
}

const char *const *
lp2p_network_events(const struct lp2p_network *n)
{
	(void)n;
	return core4_events;
}

const char *const *
lp2p_network_procedures(const struct lp2p_network *n)
{
	(void)n;
	return core4_procedures;
}

static int
in_list(const char *const *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

int
lp2p_network_has_event(const struct lp2p_network *n, const char *name)
{
	return in_list(lp2p_network_events(n), name);
}

int
lp2p_network_has_procedure(const struct lp2p_network *n, const char *name)
{
	return in_list(lp2p_network_procedures(n), name);
}

jv
lp2p_network_schema(const char *name)
{
	if (name == NULL)
		return jv_invalid();
	for (size_t i = 0; i < LP2P_NELEM(core4_schemas); i++)
		if (strcmp(core4_schemas[i].name, name) == 0)
			return jv_parse(core4_schemas[i].json);
	return jv_invalid();
}

const char *
lp2p_network_schema_at(size_t i)
{
	return i < LP2P_NELEM(core4_schemas) ? core4_schemas[i].name : NULL;
}

jv
lp2p_network_options_schema(const struct lp2p_network *n)
{
	(void)n;
	return lp2p_network_schema("customNodeInfo");
}

jv
lp2p_network_default_options(const struct lp2p_network *n)
{
	(void)n;
	return jv_parse("{\"height\":0,\"maxHeightPrevoted\":0,"
	    "\"blockVersion\":0,\"lastBlockID\":\"\",\"legacy\":[]}");
}

const char *
lp2p_network_payload_schema(const char *name, int response)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(payloads); i++)
		if (strcmp(payloads[i].name, name) == 0)
			return response ? payloads[i].resp : payloads[i].req;
	return NULL;
}

const char *
lp2p_network_params_schema(const char *module, const char *command)
{
	if (module == NULL || command == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(params); i++)
		if (strcmp(params[i].module, module) == 0 &&
		    strcmp(params[i].command, command) == 0)
			return params[i].schema;
	return NULL;
}

/* ---- deep decoding of Lisk Core 4 payloads ----------------------------- */

/* Put "where: " in front of err's message. */
static int
prefix_err(struct lp2p_err *err, int code, const char *where)
{
	char m[LP2P_ERR_MSG];

	if (err == NULL)
		return code;
	snprintf(m, sizeof(m), "%s", err->msg);
	return lp2p_errf(err, code, "%s: %s", where, m);
}

/* Decode with the named Lisk Core 4 schema. */
static int
dec_named(const char *name, const uint8_t *b, size_t n, jv *out,
    struct lp2p_err *err)
{
	struct lp2p_schema *s;
	int r;

	if ((r = lp2p_schema_new(&s, lp2p_network_schema(name), err)) != 0)
		return r;
	r = lp2p_codec_decode(s, b, n, out, err);
	lp2p_schema_free(s);
	return r;
}

/* The bytes of a hex string jv (borrowed; from our own decoder). */
static int
jv_bytes(jv h, uint8_t **b, size_t *n, struct lp2p_err *err)
{
	long l;

	if (jv_get_kind(h) != JV_KIND_STRING)
		return lp2p_errf(err, LP2P_ECODEC, "not bytes");
	l = lp2p_hex_decode(jv_string_value(h),
	    (size_t)jv_string_length_bytes(jv_copy(h)), b);
	if (l < 0)
		return lp2p_errf(err, l == LP2P_ENOMEM ? LP2P_ENOMEM :
		    LP2P_ECODEC, "not hex");
	*n = (size_t)l;
	return 0;
}

/* Decode the bytes held in field key of obj (borrowed) with schema name. */
static int
dec_field(jv obj, const char *key, const char *name, jv *out, char *id,
    struct lp2p_err *err)
{
	jv h = jv_object_get(jv_copy(obj), jv_string(key));
	uint8_t *b = NULL;
	size_t n = 0;
	int r;

	r = jv_bytes(h, &b, &n, err);
	jv_free(h);
	if (r != 0)
		return r;
	if (id != NULL)
		SHA256Data(b, n, id);
	r = dec_named(name, b, n, out, err);
	free(b);
	return r;
}

/* A transaction (hex jv, consumed) with its id and decoded params. */
static int
dec_tx(jv hex, jv *out, struct lp2p_err *err)
{
	char id[SHA256_DIGEST_STRING_LENGTH];
	jv w = JV_OBJECT(jv_string("t"), hex), tx, mod, cmd, pd;
	const char *ps;
	int r;

	r = dec_field(w, "t", "transaction", &tx, id, err);
	jv_free(w);
	if (r != 0)
		return r;
	tx = jv_object_set(tx, jv_string("id"), jv_string(id));
	mod = jv_object_get(jv_copy(tx), jv_string("module"));
	cmd = jv_object_get(jv_copy(tx), jv_string("command"));
	ps = lp2p_network_params_schema(jv_string_value(mod),
	    jv_string_value(cmd));
	jv_free(mod);
	jv_free(cmd);
	if (ps != NULL) {
		if ((r = dec_field(tx, "params", ps, &pd, NULL, err)) != 0) {
			jv_free(tx);
			return prefix_err(err, r, "params");
		}
		tx = jv_object_set(tx, jv_string("paramsDecoded"), pd);
	}
	*out = tx;
	return 0;
}

/* Map f over the hex strings of array field key of obj (consumed). */
static int
dec_each(jv obj, const char *key, int (*f)(jv, jv *, struct lp2p_err *),
    jv *out, struct lp2p_err *err)
{
	jv a = jv_object_get(jv_copy(obj), jv_string(key)), res = jv_array();
	int n = jv_array_length(jv_copy(a)), r = 0;

	for (int i = 0; i < n && r == 0; i++) {
		jv e;

		if ((r = f(jv_array_get(jv_copy(a), i), &e, err)) != 0) {
			char where[96];

			snprintf(where, sizeof(where), "%s[%d]", key, i);
			r = prefix_err(err, r, where);
		} else
			res = jv_array_append(res, e);
	}
	jv_free(a);
	if (r != 0) {
		jv_free(res);
		jv_free(obj);
		return r;
	}
	*out = jv_object_set(obj, jv_string(key), res);
	return 0;
}

static int
dec_asset(jv hex, jv *out, struct lp2p_err *err)
{
	jv w = JV_OBJECT(jv_string("a"), hex), a, mod, d;
	int r;

	r = dec_field(w, "a", "blockAsset", &a, NULL, err);
	jv_free(w);
	if (r != 0)
		return r;
	mod = jv_object_get(jv_copy(a), jv_string("module"));
	if (strcmp(jv_string_value(mod), "random") == 0) {
		if ((r = dec_field(a, "data", "randomBlockAsset", &d, NULL,
		    err)) != 0) {
			jv_free(mod);
			jv_free(a);
			return prefix_err(err, r, "data");
		}
		a = jv_object_set(a, jv_string("dataDecoded"), d);
	}
	jv_free(mod);
	*out = a;
	return 0;
}

static int
dec_commit(jv hex, jv *out, struct lp2p_err *err)
{
	jv w = JV_OBJECT(jv_string("c"), hex);
	int r = dec_field(w, "c", "singleCommit", out, NULL, err);

	jv_free(w);
	return r;
}

/* A block (hex jv, consumed): header with id, transactions, assets. */
static int
dec_block(jv hex, jv *out, struct lp2p_err *err)
{
	char id[SHA256_DIGEST_STRING_LENGTH];
	jv w = JV_OBJECT(jv_string("b"), hex), blk, hdr;
	int r;

	r = dec_field(w, "b", "block", &blk, NULL, err);
	jv_free(w);
	if (r != 0)
		return r;
	if ((r = dec_field(blk, "header", "blockHeader", &hdr, id,
	    err)) != 0) {
		jv_free(blk);
		return prefix_err(err, r, "header");
	}
	hdr = jv_object_set(hdr, jv_string("id"), jv_string(id));
	blk = jv_object_set(blk, jv_string("header"), hdr);
	if ((r = dec_each(blk, "transactions", dec_tx, &blk, err)) != 0)
		return r;
	return dec_each(blk, "assets", dec_asset, out, err);
}

int
lp2p_network_decode(const struct lp2p_network *net, const char *name,
    int response, const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	const char *sn = lp2p_network_payload_schema(name, response);
	struct lp2p_schema *s;
	char *hex;
	jv v;
	int r;

	*out = jv_invalid();
	if (sn == NULL) {
		if (name != NULL && n == 0 &&
		    (lp2p_network_payload_schema(name, !response) != NULL)) {
			*out = jv_null();
			return 0;
		}
		return lp2p_errf(err, LP2P_ENOTFOUND, "%s: no %s schema known",
		    name ? name : "(null)", response ? "response" : "data");
	}
	if (strcmp(sn, "peerRequestResponse") == 0) {
		if ((r = lp2p_peers_decode(b, n, 0, &v, err)) != 0)
			return r;
		*out = JV_OBJECT(jv_string("peers"), v);
		return 0;
	}
	if (strcmp(sn, "nodeInfo") == 0) {
		if ((r = lp2p_schema_nodeinfo(&s, net != NULL ?
		    lp2p_network_options_schema(net) : jv_null(), err)) != 0)
			return r;
		r = lp2p_codec_decode(s, b, n, out, err);
		lp2p_schema_free(s);
		return r;
	}
	if (strcmp(sn, "block") == 0) {
		if ((hex = lp2p_hex_encode(b, n)) == NULL)
			return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		r = dec_block(jv_string(hex), out, err);
		free(hex);
		return r == 0 ? 0 : prefix_err(err, r, "block");
	}
	if ((r = dec_named(sn, b, n, &v, err)) != 0)
		return r;
	if (strcmp(sn, "postBlockEvent") == 0) {
		jv h = jv_object_get(v, jv_string("block"));

		if ((r = dec_block(h, &v, err)) != 0)
			return prefix_err(err, r, "block");
		*out = JV_OBJECT(jv_string("block"), v);
		return 0;
	}
	if (strcmp(sn, "getBlocksFromIdResponse") == 0)
		return dec_each(v, "blocks", dec_block, out, err);
	if (strcmp(sn, "getTransactionsResponse") == 0)
		return dec_each(v, "transactions", dec_tx, out, err);
	if (strcmp(sn, "singleCommitsNetworkPacket") == 0)
		return dec_each(v, "commits", dec_commit, out, err);
	*out = v;
	return 0;
}
