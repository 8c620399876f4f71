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

#include "core4.h"
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

struct lp2p__core4 {
	struct lp2p_schema	*sc[LP2P_NELEM(core4_schemas)];
	struct lp2p_schema	*nodeinfo;
	const struct lp2p_network *net;
};

/* One decoding: the schemas and the LP2P__C4_* flags. */
struct dctx {
	struct lp2p__core4	*c;
	int			 flags;
};

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

/* The compiled schema of name (compiled now if it was not yet). */
static int
schema_of(struct lp2p__core4 *c, const char *name,
    const struct lp2p_schema **out, struct lp2p_err *err)
{
	int r;

	if (strcmp(name, "nodeInfo") == 0) {
		if (c->nodeinfo == NULL && (r = lp2p_schema_nodeinfo(
		    &c->nodeinfo, c->net != NULL ?
		    lp2p_network_options_schema(c->net) : jv_null(),
		    err)) != 0)
			return r;
		*out = c->nodeinfo;
		return 0;
	}
	for (size_t i = 0; i < LP2P_NELEM(core4_schemas); i++) {
		if (strcmp(core4_schemas[i].name, name) != 0)
			continue;
		if (c->sc[i] == NULL && (r = lp2p_schema_new(&c->sc[i],
		    jv_parse(core4_schemas[i].json), err)) != 0)
			return r;
		*out = c->sc[i];
		return 0;
	}
	return lp2p_errf(err, LP2P_ENOTFOUND, "no schema named %s", name);
}

int
lp2p__core4_new(struct lp2p__core4 **out, const struct lp2p_network *net,
    int eager, struct lp2p_err *err)
{
	struct lp2p__core4 *c;
	const struct lp2p_schema *s;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "core4: out of memory");
	c->net = net;
	for (size_t i = 0; eager && i < LP2P_NELEM(core4_schemas); i++)
		if ((r = schema_of(c, core4_schemas[i].name, &s, err)) != 0) {
			lp2p__core4_free(c);
			return r;
		}
	if (eager && (r = schema_of(c, "nodeInfo", &s, err)) != 0) {
		lp2p__core4_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void
lp2p__core4_free(struct lp2p__core4 *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < LP2P_NELEM(core4_schemas); i++)
		lp2p_schema_free(c->sc[i]);
	lp2p_schema_free(c->nodeinfo);
	free(c);
}

/* Decode with the named Lisk Core 4 schema. */
static int
dec_named(struct dctx *x, const char *name, const uint8_t *b, size_t n,
    jv *out, struct lp2p_err *err)
{
	const struct lp2p_schema *s;
	int r;

	if ((r = schema_of(x->c, name, &s, err)) != 0)
		return r;
	return lp2p_codec_decode(s, b != NULL ? b : (const uint8_t *)"", n,
	    out, err);
}

/* The bytes of a hex string jv (borrowed; from our own decoder). */
static int
jv_bytes(jv h, uint8_t **b, size_t *n, struct lp2p_err *err)
{
	long l;

	*b = NULL;
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

/*
 * Decode the bytes held in field key of obj (borrowed) with schema name;
 * id gets the hex sha256 of the bytes, size their length (if not NULL).
 */
static int
dec_field(struct dctx *x, jv obj, const char *key, const char *name,
    jv *out, char *id, size_t *size, struct lp2p_err *err)
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
	if (size != NULL)
		*size = n;
	r = dec_named(x, name, b, n, out, err);
	free(b);
	return r;
}

/* The string field k of o (borrowed), or "" if it is not a string. */
static const char *
str_field(jv o, const char *k, jv *hold)
{
	*hold = jv_object_get(jv_copy(o), jv_string(k));
	return jv_get_kind(*hold) == JV_KIND_STRING ?
	    jv_string_value(*hold) : "";
}

/* A transaction (hex jv, consumed) with its id and decoded params. */
static int
dec_tx(struct dctx *x, jv hex, jv *out, struct lp2p_err *err)
{
	char id[SHA256_DIGEST_STRING_LENGTH];
	jv w = JV_OBJECT(jv_string("t"), hex), tx, mod, cmd, pd;
	const char *ps;
	size_t size;
	int r;

	r = dec_field(x, w, "t", "transaction", &tx, id, &size, err);
	jv_free(w);
	if (r != 0)
		return r;
	tx = jv_object_set(tx, jv_string("id"), jv_string(id));
	ps = lp2p_network_params_schema(str_field(tx, "module", &mod),
	    str_field(tx, "command", &cmd));
	jv_free(mod);
	jv_free(cmd);
	if (ps != NULL) {
		r = dec_field(x, tx, "params", ps, &pd, NULL, NULL, err);
		if (r == 0)
			tx = jv_object_set(tx, jv_string("paramsDecoded"), pd);
		else if (!(x->flags & LP2P__C4_LENIENT) ||
		    r == LP2P_ENOMEM) {
			jv_free(tx);
			return prefix_err(err, r, "params");
		}
	}
	if (x->flags & LP2P__C4_SIZES)
		tx = jv_object_set(tx, jv_string("sizeBytes"),
		    jv_number((double)size));
	*out = tx;
	return 0;
}

/* Map f over the hex strings of array field key of obj (consumed). */
static int
dec_each(struct dctx *x, jv obj, const char *key,
    int (*f)(struct dctx *, jv, jv *, struct lp2p_err *), jv *out,
    struct lp2p_err *err)
{
	jv a = jv_object_get(jv_copy(obj), jv_string(key)), res = jv_array();
	int n = 0, r = 0;

	if (jv_get_kind(a) != JV_KIND_ARRAY)
		r = lp2p_errf(err, LP2P_ECODEC, "%s: not an array", key);
	else if ((n = jv_array_length(jv_copy(a))) > LP2P_LC_MAX_ITEMS)
		r = lp2p_errf(err, LP2P_EFULL, "%s: more than %d items", key,
		    LP2P_LC_MAX_ITEMS);
	for (int i = 0; r == 0 && i < n; i++) {
		jv e;

		if ((r = f(x, jv_array_get(jv_copy(a), i), &e, err)) != 0) {
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
dec_asset(struct dctx *x, jv hex, jv *out, struct lp2p_err *err)
{
	jv w = JV_OBJECT(jv_string("a"), hex), a, mod, d;
	int r;

	r = dec_field(x, w, "a", "blockAsset", &a, NULL, NULL, err);
	if (r != 0 && r != LP2P_ENOMEM && (x->flags & LP2P__C4_LENIENT)) {
		*out = jv_object_get(w, jv_string("a"));
		return 0;
	}
	jv_free(w);
	if (r != 0)
		return r;
	if (strcmp(str_field(a, "module", &mod), "random") == 0) {
		r = dec_field(x, a, "data", "randomBlockAsset", &d, NULL, NULL,
		    err);
		if (r == 0)
			a = jv_object_set(a, jv_string("dataDecoded"), d);
		else if (!(x->flags & LP2P__C4_LENIENT) ||
		    r == LP2P_ENOMEM) {
			jv_free(mod);
			jv_free(a);
			return prefix_err(err, r, "data");
		}
	}
	jv_free(mod);
	*out = a;
	return 0;
}

static int
dec_commit(struct dctx *x, jv hex, jv *out, struct lp2p_err *err)
{
	jv w = JV_OBJECT(jv_string("c"), hex);
	int r = dec_field(x, w, "c", "singleCommit", out, NULL, NULL, err);

	jv_free(w);
	return r;
}

/* A block (hex jv, consumed): header with id, transactions, assets. */
static int
dec_block(struct dctx *x, jv hex, jv *out, struct lp2p_err *err)
{
	char id[SHA256_DIGEST_STRING_LENGTH];
	jv w = JV_OBJECT(jv_string("b"), hex), blk, hdr;
	size_t size;
	int r;

	r = dec_field(x, w, "b", "block", &blk, NULL, &size, err);
	jv_free(w);
	if (r != 0)
		return r;
	if ((r = dec_field(x, blk, "header", "blockHeader", &hdr, id, NULL,
	    err)) != 0) {
		jv_free(blk);
		return prefix_err(err, r, "header");
	}
	hdr = jv_object_set(hdr, jv_string("id"), jv_string(id));
	blk = jv_object_set(blk, jv_string("header"), hdr);
	if (x->flags & LP2P__C4_SIZES)
		blk = jv_object_set(blk, jv_string("sizeBytes"),
		    jv_number((double)size));
	if ((r = dec_each(x, blk, "transactions", dec_tx, &blk, err)) != 0)
		return r;
	return dec_each(x, blk, "assets", dec_asset, out, err);
}

int
lp2p__core4_decode(struct lp2p__core4 *c, const char *name, int response,
    int flags, const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	const char *sn = lp2p_network_payload_schema(name, response);
	struct dctx x = { c, flags };
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
	if (strcmp(sn, "block") == 0) {
		if ((hex = lp2p_hex_encode(b, n)) == NULL)
			return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		r = dec_block(&x, jv_string(hex), out, err);
		free(hex);
		return r == 0 ? 0 : prefix_err(err, r, "block");
	}
	if ((r = dec_named(&x, sn, b, n, &v, err)) != 0)
		return r;
	if (strcmp(sn, "postBlockEvent") == 0) {
		jv h = jv_object_get(v, jv_string("block"));

		if ((r = dec_block(&x, h, &v, err)) != 0)
			return prefix_err(err, r, "block");
		*out = JV_OBJECT(jv_string("block"), v);
		return 0;
	}
	if (strcmp(sn, "getBlocksFromIdResponse") == 0)
		return dec_each(&x, v, "blocks", dec_block, out, err);
	if (strcmp(sn, "getTransactionsResponse") == 0)
		return dec_each(&x, v, "transactions", dec_tx, out, err);
	if (strcmp(sn, "singleCommitsNetworkPacket") == 0)
		return dec_each(&x, v, "commits", dec_commit, out, err);
	*out = v;
	return 0;
}

int
lp2p_network_decode(const struct lp2p_network *net, const char *name,
    int response, const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	struct lp2p__core4 *c;
	int r;

	*out = jv_invalid();
	if ((r = lp2p__core4_new(&c, net, 0, err)) != 0)
		return r;
	r = lp2p__core4_decode(c, name, response, 0, b, n, out, err);
	lp2p__core4_free(c);
	return r;
}
