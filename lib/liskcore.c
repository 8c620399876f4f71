/*
 * liskcore.c — Lisk Core 4 application payloads made readable: the data of postBlock, postTransactionsAnnouncement,
 * postSingleCommitMessages, postNodeInfo and of the Core 4 procedures'
 * requests and responses (LISK-CORE-4.md §2, §3).
 *
 * Bytes are decoded with the schema-driven codec (codec.c) and the Core 4
 * schemas of network.c, compiled once per struct lp2p_liskcore.  Block id =
 * sha256 of the header bytes as carried in the block; transaction id =
 * sha256 of the whole transaction bytes.  Readable output is a jv object;
 * nothing in it is trusted beyond what the codec checked (a block's id,
 * signature and roots are not verified: this is a viewer).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sha2.h>

#include "liskp2p.h"
#include "internal.h"

/* ---- the Core 4 schemas (from network.c) ---------------------------- */

enum {
	SC_POST_BLOCK, SC_BLOCK, SC_HEADER, SC_TX, SC_TX_ANNOUNCE, SC_COMMITS,
	SC_COMMIT, SC_HCB_REQ, SC_HCB_RES, SC_BFI_REQ, SC_BFI_RES,
	SC_TXS_REQ, SC_TXS_RES, SC_LEGACY_REQ, SC_NODEINFO, SC_N
};

/* lp2p_network_schema() names of the schemas above, in that order */
static const char *const schema_name[SC_N] = {
	"postBlockEvent", "block", "blockHeader", "transaction",
	"postTransactionsAnnouncement", "singleCommitsNetworkPacket",
	"singleCommit", "getHighestCommonBlockRequest",
	"getHighestCommonBlockResponse", "getBlocksFromIdRequest",
	"getBlocksFromIdResponse", "getTransactionsRequest",
	"getTransactionsResponse", "getLegacyBlocksFromIdRequest", "nodeInfo",
};

#define MAX_SCHEMAS	128	/* every schema network.c names */

struct lp2p_liskcore {
	struct lp2p_schema	*sc[SC_N];
	/* every named schema, for the params of transactions */
	const char		*name[MAX_SCHEMAS];
	struct lp2p_schema	*all[MAX_SCHEMAS];
	size_t			 nall;
};

static int
compile(const char *name, struct lp2p_schema **out, struct lp2p_err *err)
{
	jv j = lp2p_network_schema(name);

	if (!jv_is_valid(j)) {
		jv_free(j);
		return lp2p_errf(err, LP2P_EINVAL,
		    "liskcore: no schema named %s", name);
	}
	return lp2p_schema_new(out, j, err);
}

int
lp2p_liskcore_new(struct lp2p_liskcore **out, struct lp2p_err *err)
{
	struct lp2p_liskcore *lc;
	const char *name;
	int rc;

	*out = NULL;
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "liskcore: out of memory");
	for (int i = 0; i < SC_N; i++)
		if ((rc = compile(schema_name[i], &lc->sc[i], err)) != 0) {
			lp2p_liskcore_free(lc);
			return rc;
		}
	for (size_t i = 0; (name = lp2p_network_schema_at(i)) != NULL &&
	    lc->nall < MAX_SCHEMAS; i++) {
		if ((rc = compile(name, &lc->all[lc->nall], err)) != 0) {
			lp2p_liskcore_free(lc);
			return rc;
		}
		lc->name[lc->nall++] = name;
	}
	*out = lc;
	return 0;
}

void
lp2p_liskcore_free(struct lp2p_liskcore *lc)
{
	if (lc == NULL)
		return;
	for (int i = 0; i < SC_N; i++)
		lp2p_schema_free(lc->sc[i]);
	for (size_t i = 0; i < lc->nall; i++)
		lp2p_schema_free(lc->all[i]);
	free(lc);
}

/* The compiled params schema of module:command, or NULL. */
static const struct lp2p_schema *
params_schema(const struct lp2p_liskcore *lc, const char *mod,
    const char *cmd)
{
	const char *name = lp2p_network_params_schema(mod, cmd);

	for (size_t i = 0; name != NULL && i < lc->nall; i++)
		if (strcmp(lc->name[i], name) == 0)
			return lc->all[i];
	return NULL;
}

/* ---- helpers -------------------------------------------------------- */

/* Decode bytes with a schema; "what: ..." on failure. */
static int
dec_s(const struct lp2p_schema *sc, const uint8_t *b, size_t n, jv *out,
    const char *what, struct lp2p_err *err)
{
	struct lp2p_err e;
	int rc;

	if ((rc = lp2p_codec_decode(sc, b != NULL ? b : (const uint8_t *)"",
	    n, out, &e)) != 0)
		return lp2p_errf(err, rc, "%s: %s", what, e.msg);
	if (jv_get_kind(*out) != JV_KIND_OBJECT) {
		jv_free(*out);
		*out = jv_invalid();
		return lp2p_errf(err, LP2P_ECODEC, "%s: not an object", what);
	}
	return 0;
}

/* Decode bytes with schema `which` of the table. */
static int
dec(const struct lp2p_liskcore *lc, int which, const uint8_t *b, size_t n,
    jv *out, const char *what, struct lp2p_err *err)
{
	return dec_s(lc->sc[which], b, n, out, what, err);
}

/* The bytes of a hex string jv (not consumed); NULL and -1 if not one. */
static long
hex_bytes(jv h, uint8_t **b)
{
	*b = NULL;
	if (jv_get_kind(h) != JV_KIND_STRING)
		return -1;
	return lp2p_hex_decode(jv_string_value(h),
	    (size_t)jv_string_length_bytes(jv_copy(h)), b);
}

/* Decode the bytes a hex string jv (consumed) holds. */
static int
dec_hex(const struct lp2p_schema *sc, jv h, jv *out, const char *what,
    struct lp2p_err *err)
{
	uint8_t *b;
	long n;
	int rc;

	n = hex_bytes(h, &b);
	jv_free(h);
	if (n < 0)
		return lp2p_errf(err, LP2P_ECODEC, "%s: not bytes", what);
	rc = dec_s(sc, b, (size_t)n, out, what, err);
	free(b);
	return rc;
}

static jv
sha256_hex(const uint8_t *b, size_t n)
{
	uint8_t d[SHA256_DIGEST_LENGTH];
	SHA2_CTX ctx;
	char *s;
	jv v;

	SHA256Init(&ctx);
	SHA256Update(&ctx, b, n);
	SHA256Final(d, &ctx);
	if ((s = lp2p_hex_encode(d, sizeof(d))) == NULL)
		return jv_null();
	v = jv_string(s);
	free(s);
	return v;
}

/* A 20-byte address as hex (consumed) in its lisk32 form; else as is. */
static jv
lisk32_of(jv h)
{
	char s[LP2P_LISK32_LEN + 1];
	uint8_t *b;
	long n;

	n = hex_bytes(h, &b);
	if (n == LP2P_ADDRESS_LEN && lp2p_lisk32_encode(b, (size_t)n, s) == 0) {
		jv_free(h);
		h = jv_string(s);
	}
	free(b);
	return h;
}

static jv
get(jv o, const char *k)		/* o not consumed */
{
	return jv_object_get(jv_copy(o), jv_string(k));
}

static jv
set(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv
iso_time(jv ts)				/* consumed; null unless a number */
{
	char buf[40];
	struct tm tm;
	time_t t;
	double d;

	if (jv_get_kind(ts) != JV_KIND_NUMBER) {
		jv_free(ts);
		return jv_null();
	}
	d = jv_number_value(ts);
	jv_free(ts);
	if (d < 0 || d > 4294967295.0)
		return jv_null();
	t = (time_t)d;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
		return jv_null();
	return jv_string(buf);
}

/* An array jv (not consumed) of at most LP2P_LC_MAX_ITEMS, or -1. */
static int
items(jv a, const char *what, struct lp2p_err *err)
{
	int n;

	if (jv_get_kind(a) != JV_KIND_ARRAY)
		return lp2p_errf(err, LP2P_ECODEC, "%s: not an array", what);
	if ((n = jv_array_length(jv_copy(a))) > LP2P_LC_MAX_ITEMS)
		return lp2p_errf(err, LP2P_EFULL, "%s: more than %d items",
		    what, LP2P_LC_MAX_ITEMS);
	return n;
}

/* ---- transactions, blocks, commits ---------------------------------- */

/*
 * params decoded with the command's schema (network.c knows the Core 4
 * commands; addresses come out in lisk32 where the schema says so), else
 * left as hex.
 */
static jv
tx_params(const struct lp2p_liskcore *lc, jv tx)
{
	jv mod = get(tx, "module"), cmd = get(tx, "command");
	jv params = get(tx, "params"), out;
	const struct lp2p_schema *sc = NULL;

	if (jv_get_kind(mod) == JV_KIND_STRING &&
	    jv_get_kind(cmd) == JV_KIND_STRING)
		sc = params_schema(lc, jv_string_value(mod),
		    jv_string_value(cmd));
	jv_free(mod);
	jv_free(cmd);
	if (sc == NULL ||
	    dec_hex(sc, jv_copy(params), &out, "params", NULL) != 0)
		return params;
	jv_free(params);
	return out;
}

/* Readable transaction from its bytes. */
static int
tx_summary(const struct lp2p_liskcore *lc, const uint8_t *b, size_t n,
    jv *out, struct lp2p_err *err)
{
	static const char *const keep[] = { "module", "command", "nonce",
	    "fee", "senderPublicKey" };
	jv tx, s, sigs;
	uint8_t *pk;
	long pkn;
	int rc;

	if ((rc = dec(lc, SC_TX, b, n, &tx, "transaction", err)) != 0)
		return rc;
	s = set(jv_object(), "id", sha256_hex(b, n));
	for (size_t i = 0; i < LP2P_NELEM(keep); i++)
		s = set(s, keep[i], get(tx, keep[i]));
	/* sender address = first 20 bytes of sha256(public key) */
	{
		jv h = get(tx, "senderPublicKey");

		if ((pkn = hex_bytes(h, &pk)) >= 0) {
			uint8_t d[SHA256_DIGEST_LENGTH];
			char a[LP2P_LISK32_LEN + 1];
			SHA2_CTX ctx;

			SHA256Init(&ctx);
			SHA256Update(&ctx, pk, (size_t)pkn);
			SHA256Final(d, &ctx);
			lp2p_lisk32_encode(d, LP2P_ADDRESS_LEN, a);
			s = set(s, "senderAddress", jv_string(a));
		}
		free(pk);
		jv_free(h);
	}
	s = set(s, "params", tx_params(lc, tx));
	sigs = get(tx, "signatures");
	s = set(s, "numberOfSignatures", jv_number(
	    jv_get_kind(sigs) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(sigs)) : 0));
	jv_free(sigs);
	s = set(s, "sizeBytes", jv_number((double)n));
	jv_free(tx);
	*out = s;
	return 0;
}

/* Summaries of an array of hex transactions (not consumed). */
static int
tx_list(const struct lp2p_liskcore *lc, jv a, jv *ids, jv *txs,
    struct lp2p_err *err)
{
	int n, rc;

	if ((n = items(a, "transactions", err)) < 0)
		return n;
	*ids = jv_array();
	*txs = jv_array();
	for (int i = 0; i < n; i++) {
		jv h = jv_array_get(jv_copy(a), i), t;
		struct lp2p_err e;
		uint8_t *b;
		long bn;

		bn = hex_bytes(h, &b);
		jv_free(h);
		rc = bn < 0 ? lp2p_errf(&e, LP2P_ECODEC, "not bytes") :
		    tx_summary(lc, b, (size_t)bn, &t, &e);
		free(b);
		if (rc != 0) {
			jv_free(*ids);
			jv_free(*txs);
			*ids = *txs = jv_invalid();
			return lp2p_errf(err, rc, "transaction %d: %s", i,
			    e.msg);
		}
		*ids = jv_array_append(*ids, get(t, "id"));
		*txs = jv_array_append(*txs, t);
	}
	return 0;
}

/*
 * Readable block from its bytes: the fields of the vectors' "summary",
 * plus the transactions themselves.
 */
static int
block_summary(const struct lp2p_liskcore *lc, const uint8_t *b, size_t n,
    jv *out, struct lp2p_err *err)
{
	static const char *const keep[] = { "height", "id", "version",
	    "timestamp", "timestampISO", "previousBlockID",
	    "generatorAddress", "maxHeightPrevoted", "maxHeightGenerated" };
	jv blk, hh, hdr, s, ids, txs, ac, assets;
	uint8_t *hb;
	long hn;
	int rc;

	if ((rc = dec(lc, SC_BLOCK, b, n, &blk, "block", err)) != 0)
		return rc;
	hh = get(blk, "header");
	if ((hn = hex_bytes(hh, &hb)) < 0) {
		jv_free(hh);
		jv_free(blk);
		return lp2p_errf(err, LP2P_ECODEC, "block: header not bytes");
	}
	jv_free(hh);
	rc = dec(lc, SC_HEADER, hb, (size_t)hn, &hdr, "block header", err);
	if (rc != 0) {
		free(hb);
		jv_free(blk);
		return rc;
	}
	hdr = set(hdr, "id", sha256_hex(hb, (size_t)hn));
	free(hb);
	hdr = set(hdr, "timestampISO", iso_time(get(hdr, "timestamp")));
	hdr = set(hdr, "generatorAddress",
	    lisk32_of(get(hdr, "generatorAddress")));
	s = jv_object();
	for (size_t i = 0; i < LP2P_NELEM(keep); i++)
		s = set(s, keep[i], get(hdr, keep[i]));
	ac = get(hdr, "aggregateCommit");
	s = set(s, "aggregateCommitHeight", jv_get_kind(ac) == JV_KIND_OBJECT ?
	    get(ac, "height") : jv_null());
	jv_free(ac);
	jv_free(hdr);
	{
		jv a = get(blk, "transactions");

		rc = tx_list(lc, a, &ids, &txs, err);
		jv_free(a);
	}
	if (rc != 0) {
		jv_free(s);
		jv_free(blk);
		return rc;
	}
	s = set(s, "numberOfTransactions",
	    jv_number(jv_array_length(jv_copy(ids))));
	s = set(s, "transactionIds", ids);
	assets = get(blk, "assets");
	s = set(s, "numberOfAssets", jv_number(jv_get_kind(assets) ==
	    JV_KIND_ARRAY ? jv_array_length(jv_copy(assets)) : 0));
	jv_free(assets);
	s = set(s, "sizeBytes", jv_number((double)n));
	s = set(s, "transactions", txs);
	jv_free(blk);
	*out = s;
	return 0;
}

/* Summaries of an array of hex blocks (not consumed). */
static int
block_list(const struct lp2p_liskcore *lc, jv a, jv *out,
    struct lp2p_err *err)
{
	int n, rc;

	if ((n = items(a, "blocks", err)) < 0)
		return n;
	*out = jv_array();
	for (int i = 0; i < n; i++) {
		jv h = jv_array_get(jv_copy(a), i), s;
		uint8_t *b;
		long bn;

		bn = hex_bytes(h, &b);
		jv_free(h);
		rc = bn < 0 ? lp2p_errf(err, LP2P_ECODEC,
		    "block %d: not bytes", i) :
		    block_summary(lc, b, (size_t)bn, &s, err);
		free(b);
		if (rc != 0) {
			jv_free(*out);
			*out = jv_invalid();
			return rc;
		}
		*out = jv_array_append(*out, s);
	}
	return 0;
}

static int
commit_list(const struct lp2p_liskcore *lc, jv a, jv *out,
    struct lp2p_err *err)
{
	int n, rc;

	if ((n = items(a, "commits", err)) < 0)
		return n;
	*out = jv_array();
	for (int i = 0; i < n; i++) {
		jv c;

		rc = dec_hex(lc->sc[SC_COMMIT], jv_array_get(jv_copy(a), i),
		    &c, "commit", err);
		if (rc != 0) {
			jv_free(*out);
			*out = jv_invalid();
			return rc;
		}
		c = set(c, "validatorAddress",
		    lisk32_of(get(c, "validatorAddress")));
		*out = jv_array_append(*out, c);
	}
	return 0;
}

/* ---- the entry point ------------------------------------------------ */

/* {"<key>": summaries, "<count>": n} from the array field of o. */
static int
wrap_list(jv *out, const char *key, const char *count, jv list)
{
	int n = jv_array_length(jv_copy(list));

	*out = set(set(jv_object(), count, jv_number(n)), key, list);
	return 0;
}

static int
decode_event(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	jv o, a, l;
	int rc;

	if (strcmp(name, "postBlock") == 0) {
		if ((rc = dec(lc, SC_POST_BLOCK, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "block");
		jv_free(o);
		{
			uint8_t *bb;
			long bn = hex_bytes(a, &bb);

			jv_free(a);
			if (bn < 0)
				return lp2p_errf(err, LP2P_ECODEC,
				    "postBlock: block not bytes");
			rc = block_summary(lc, bb, (size_t)bn, &l, err);
			free(bb);
		}
		if (rc != 0)
			return rc;
		*out = set(jv_object(), "block", l);
		return 0;
	}
	if (strcmp(name, "postTransactionsAnnouncement") == 0) {
		if ((rc = dec(lc, SC_TX_ANNOUNCE, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "transactionIds");
		jv_free(o);
		if ((rc = items(a, name, err)) < 0) {
			jv_free(a);
			return rc;
		}
		return wrap_list(out, "transactionIds", "numberOfTransactions",
		    a);
	}
	if (strcmp(name, "postSingleCommitMessages") == 0) {
		if ((rc = dec(lc, SC_COMMITS, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "commits");
		jv_free(o);
		rc = commit_list(lc, a, &l, err);
		jv_free(a);
		if (rc != 0)
			return rc;
		return wrap_list(out, "commits", "numberOfCommits", l);
	}
	if (strcmp(name, "postNodeInfo") == 0)
		return dec(lc, SC_NODEINFO, b, n, out, name, err);
	return lp2p_errf(err, LP2P_ENOTFOUND,
	    "%s: not an event of Lisk Core 4", name);
}

static int
decode_request(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	if (strcmp(name, "getLastBlock") == 0) {
		*out = jv_object();
		return 0;
	}
	if (strcmp(name, "getTransactions") == 0) {
		if (n == 0) {		/* "whatever your pool holds" */
			*out = jv_object();
			return 0;
		}
		return dec(lc, SC_TXS_REQ, b, n, out, name, err);
	}
	if (strcmp(name, "getHighestCommonBlock") == 0)
		return dec(lc, SC_HCB_REQ, b, n, out, name, err);
	if (strcmp(name, "getBlocksFromId") == 0)
		return dec(lc, SC_BFI_REQ, b, n, out, name, err);
	if (strcmp(name, "getLegacyBlocksFromId") == 0)
		return dec(lc, SC_LEGACY_REQ, b, n, out, name, err);
	return lp2p_errf(err, LP2P_ENOTFOUND,
	    "%s: not a procedure of Lisk Core 4", name);
}

static int
decode_response(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	jv o, a, l, ids;
	int rc;

	if (strcmp(name, "getLastBlock") == 0) {
		if ((rc = block_summary(lc, b, n, &l, err)) != 0)
			return rc;
		*out = set(jv_object(), "block", l);
		return 0;
	}
	if (strcmp(name, "getHighestCommonBlock") == 0) {
		if ((rc = dec(lc, SC_HCB_RES, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "id");
		jv_free(o);
		/* an empty id means "none in common" */
		if (jv_get_kind(a) == JV_KIND_STRING &&
		    jv_string_length_bytes(jv_copy(a)) == 0) {
			jv_free(a);
			a = jv_null();
		}
		*out = set(jv_object(), "id", a);
		return 0;
	}
	if (strcmp(name, "getBlocksFromId") == 0) {
		if ((rc = dec(lc, SC_BFI_RES, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "blocks");
		jv_free(o);
		rc = block_list(lc, a, &l, err);
		jv_free(a);
		if (rc != 0)
			return rc;
		return wrap_list(out, "blocks", "numberOfBlocks", l);
	}
	if (strcmp(name, "getTransactions") == 0) {
		if ((rc = dec(lc, SC_TXS_RES, b, n, &o, name, err)) != 0)
			return rc;
		a = get(o, "transactions");
		jv_free(o);
		rc = tx_list(lc, a, &ids, &l, err);
		jv_free(a);
		if (rc != 0)
			return rc;
		jv_free(ids);
		return wrap_list(out, "transactions", "numberOfTransactions",
		    l);
	}
	return lp2p_errf(err, LP2P_ENOTFOUND,
	    "%s: not a procedure of Lisk Core 4", name);
}

int
lp2p_liskcore_decode(const struct lp2p_liskcore *lc, int kind,
    const char *name, const uint8_t *b, size_t n, jv *out,
    struct lp2p_err *err)
{
	*out = jv_invalid();
	switch (kind) {
	case LP2P_LC_EVENT:
		return decode_event(lc, name, b, n, out, err);
	case LP2P_LC_REQUEST:
		return decode_request(lc, name, b, n, out, err);
	case LP2P_LC_RESPONSE:
		return decode_response(lc, name, b, n, out, err);
	}
	return lp2p_errf(err, LP2P_EINVAL, "liskcore: bad kind %d", kind);
}
