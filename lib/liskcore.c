/*
 * liskcore.c — Lisk Core 4 application payloads made readable: the data of postBlock, postTransactionsAnnouncement,
 * postSingleCommitMessages, postNodeInfo and of the Core 4 procedures'
 * requests and responses (LISK-CORE-4.md §2, §3).
 *
 * The bytes are decoded by the one Core 4 decoder (network.c, core4.h:
 * block ids, transaction ids, params, lisk32 addresses), with the schemas
 * compiled once per struct lp2p_liskcore; this file only turns that tree
 * into the summary.  Nothing in it is trusted beyond what the codec
 * checked (a block's id, signature and roots are not verified: this is a
 * viewer).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sha2.h>

#include "liskp2p.h"
#include "internal.h"
#include "core4.h"

struct lp2p_liskcore {
	struct lp2p__core4	*c4;
};

int
lp2p_liskcore_new(struct lp2p_liskcore **out, struct lp2p_err *err)
{
	struct lp2p_liskcore *lc;
	int rc;

	*out = NULL;
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "liskcore: out of memory");
	/* eager: decoding then only reads lc */
	if ((rc = lp2p__core4_new(&lc->c4, lp2p_network_find("mainnet"), 1,
	    err)) != 0) {
		free(lc);
		return rc;
	}
	*out = lc;
	return 0;
}

void
lp2p_liskcore_free(struct lp2p_liskcore *lc)
{
	if (lc == NULL)
		return;
	lp2p__core4_free(lc->c4);
	free(lc);
}

/* ---- helpers -------------------------------------------------------- */

/* The full tree of name's data (response or not); "name: ..." on error. */
static int
deep(const struct lp2p_liskcore *lc, const char *name, int response,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	struct lp2p_err e;
	int rc;

	rc = lp2p__core4_decode(lc->c4, name, response,
	    LP2P__C4_LENIENT | LP2P__C4_SIZES, b, n, out, &e);
	if (rc != 0)
		return lp2p_errf(err, rc, "%s: %s", name, e.msg);
	if (jv_get_kind(*out) != JV_KIND_OBJECT) {
		jv_free(*out);
		*out = jv_invalid();
		return lp2p_errf(err, LP2P_ECODEC, "%s: not an object", name);
	}
	return 0;
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

/* The length of an array jv (not consumed), at most LP2P_LC_MAX_ITEMS. */
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

static int
count(jv o, const char *k)		/* o not consumed; 0 if no array */
{
	jv a = get(o, k);
	int n = jv_get_kind(a) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(a)) : 0;

	jv_free(a);
	return n;
}

/* ---- transactions, blocks ------------------------------------------- */

/* Sender address: lisk32 of the first 20 bytes of sha256(public key). */
static jv
sender_address(jv pkh)			/* consumed; null if not bytes */
{
	char a[LP2P_LISK32_LEN + 1];
	uint8_t d[SHA256_DIGEST_LENGTH], *pk = NULL;
	SHA2_CTX ctx;
	long n = -1;

	if (jv_get_kind(pkh) == JV_KIND_STRING)
		n = lp2p_hex_decode(jv_string_value(pkh),
		    (size_t)jv_string_length_bytes(jv_copy(pkh)), &pk);
	jv_free(pkh);
	if (n < 0)
		return jv_null();
	SHA256Init(&ctx);
	SHA256Update(&ctx, pk, (size_t)n);
	SHA256Final(d, &ctx);
	free(pk);
	if (lp2p_lisk32_encode(d, LP2P_ADDRESS_LEN, a) != 0)
		return jv_null();
	return jv_string(a);
}

/*
 * Readable transaction from the decoder's (consumed): params decoded
 * when the command is known and they decode, else left as hex.
 */
static jv
tx_summary(jv tx)
{
	static const char *const keep[] = { "id", "module", "command",
	    "nonce", "fee", "senderPublicKey" };
	jv s = jv_object(), p;

	for (size_t i = 0; i < LP2P_NELEM(keep); i++)
		s = set(s, keep[i], get(tx, keep[i]));
	s = set(s, "senderAddress", sender_address(get(tx,
	    "senderPublicKey")));
	if (!jv_is_valid(p = get(tx, "paramsDecoded"))) {
		jv_free(p);
		p = get(tx, "params");
	}
	s = set(s, "params", p);
	s = set(s, "numberOfSignatures", jv_number(count(tx, "signatures")));
	s = set(s, "sizeBytes", get(tx, "sizeBytes"));
	jv_free(tx);
	return s;
}

/* Summaries of the decoder's array of transactions (not consumed). */
static int
tx_list(jv a, jv *ids, jv *txs, struct lp2p_err *err)
{
	int n;

	if ((n = items(a, "transactions", err)) < 0)
		return n;
	*ids = jv_array();
	*txs = jv_array();
	for (int i = 0; i < n; i++) {
		jv t = tx_summary(jv_array_get(jv_copy(a), i));

		*ids = jv_array_append(*ids, get(t, "id"));
		*txs = jv_array_append(*txs, t);
	}
	return 0;
}

/*
 * Readable block from the decoder's (consumed): the fields of the
 * vectors' "summary", plus the transactions themselves.
 */
static int
block_summary(jv blk, jv *out, struct lp2p_err *err)
{
	static const char *const keep[] = { "height", "id", "version",
	    "timestamp", "timestampISO", "previousBlockID",
	    "generatorAddress", "maxHeightPrevoted", "maxHeightGenerated" };
	jv hdr = get(blk, "header"), s = jv_object(), ids, txs, ac, a;
	int rc;

	if (jv_get_kind(hdr) != JV_KIND_OBJECT) {
		jv_free(hdr);
		jv_free(blk);
		jv_free(s);
		return lp2p_errf(err, LP2P_ECODEC, "block: no header");
	}
	hdr = set(hdr, "timestampISO", iso_time(get(hdr, "timestamp")));
	for (size_t i = 0; i < LP2P_NELEM(keep); i++)
		s = set(s, keep[i], get(hdr, keep[i]));
	ac = get(hdr, "aggregateCommit");
	s = set(s, "aggregateCommitHeight", jv_get_kind(ac) == JV_KIND_OBJECT ?
	    get(ac, "height") : jv_null());
	jv_free(ac);
	jv_free(hdr);
	a = get(blk, "transactions");
	rc = tx_list(a, &ids, &txs, err);
	jv_free(a);
	if (rc != 0) {
		jv_free(s);
		jv_free(blk);
		return rc;
	}
	s = set(s, "numberOfTransactions",
	    jv_number(jv_array_length(jv_copy(ids))));
	s = set(s, "transactionIds", ids);
	s = set(s, "numberOfAssets", jv_number(count(blk, "assets")));
	s = set(s, "sizeBytes", get(blk, "sizeBytes"));
	s = set(s, "transactions", txs);
	jv_free(blk);
	*out = s;
	return 0;
}

/* Summaries of the decoder's array of blocks (not consumed). */
static int
block_list(jv a, jv *out, struct lp2p_err *err)
{
	int n, rc;

	if ((n = items(a, "blocks", err)) < 0)
		return n;
	*out = jv_array();
	for (int i = 0; i < n; i++) {
		jv s;

		if ((rc = block_summary(jv_array_get(jv_copy(a), i), &s,
		    err)) != 0) {
			jv_free(*out);
			*out = jv_invalid();
			return rc;
		}
		*out = jv_array_append(*out, s);
	}
	return 0;
}

/* ---- the entry point ------------------------------------------------ */

/* {"<count>": n, "<key>": list} from the array field key of o (consumed). */
static int
wrap_list(jv o, const char *key, const char *count, jv *out,
    struct lp2p_err *err)
{
	jv list = get(o, key);
	int n;

	jv_free(o);
	if ((n = items(list, key, err)) < 0) {
		jv_free(list);
		return n;
	}
	*out = set(set(jv_object(), count, jv_number(n)), key, list);
	return 0;
}

/* {"block": summary} of the block field of o (consumed). */
static int
wrap_block(jv o, jv *out, struct lp2p_err *err)
{
	jv s;
	int rc;

	rc = block_summary(get(o, "block"), &s, err);
	jv_free(o);
	if (rc != 0)
		return rc;
	*out = set(jv_object(), "block", s);
	return 0;
}

static int
decode_event(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	jv o;
	int rc;

	if (strcmp(name, "postBlock") != 0 &&
	    strcmp(name, "postTransactionsAnnouncement") != 0 &&
	    strcmp(name, "postSingleCommitMessages") != 0 &&
	    strcmp(name, "postNodeInfo") != 0)
		return lp2p_errf(err, LP2P_ENOTFOUND,
		    "%s: not an event of Lisk Core 4", name);
	if ((rc = deep(lc, name, 0, b, n, &o, err)) != 0)
		return rc;
	if (strcmp(name, "postBlock") == 0)
		return wrap_block(o, out, err);
	if (strcmp(name, "postTransactionsAnnouncement") == 0)
		return wrap_list(o, "transactionIds", "numberOfTransactions",
		    out, err);
	if (strcmp(name, "postSingleCommitMessages") == 0)
		return wrap_list(o, "commits", "numberOfCommits", out, err);
	*out = o;				/* postNodeInfo */
	return 0;
}

static int
decode_request(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	if (strcmp(name, "getLastBlock") == 0 ||
	    (strcmp(name, "getTransactions") == 0 && n == 0)) {
		/* no data; or "whatever your pool holds" */
		*out = jv_object();
		return 0;
	}
	if (strcmp(name, "getTransactions") == 0 ||
	    strcmp(name, "getHighestCommonBlock") == 0 ||
	    strcmp(name, "getBlocksFromId") == 0 ||
	    strcmp(name, "getLegacyBlocksFromId") == 0)
		return deep(lc, name, 0, b, n, out, err);
	return lp2p_errf(err, LP2P_ENOTFOUND,
	    "%s: not a procedure of Lisk Core 4", name);
}

static int
decode_response(const struct lp2p_liskcore *lc, const char *name,
    const uint8_t *b, size_t n, jv *out, struct lp2p_err *err)
{
	jv o, a, l, ids;
	int rc;

	if (strcmp(name, "getLastBlock") != 0 &&
	    strcmp(name, "getHighestCommonBlock") != 0 &&
	    strcmp(name, "getBlocksFromId") != 0 &&
	    strcmp(name, "getTransactions") != 0)
		return lp2p_errf(err, LP2P_ENOTFOUND,
		    "%s: not a procedure of Lisk Core 4", name);
	if ((rc = deep(lc, name, 1, b, n, &o, err)) != 0)
		return rc;
	if (strcmp(name, "getLastBlock") == 0) {
		if ((rc = block_summary(o, &l, err)) != 0)
			return rc;
		*out = set(jv_object(), "block", l);
		return 0;
	}
	if (strcmp(name, "getHighestCommonBlock") == 0) {
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
		a = get(o, "blocks");
		jv_free(o);
		rc = block_list(a, &l, err);
		jv_free(a);
		if (rc != 0)
			return rc;
		*out = set(set(jv_object(), "numberOfBlocks",
		    jv_number(jv_array_length(jv_copy(l)))), "blocks", l);
		return 0;
	}
	a = get(o, "transactions");		/* getTransactions */
	jv_free(o);
	rc = tx_list(a, &ids, &l, err);
	jv_free(a);
	if (rc != 0)
		return rc;
	jv_free(ids);
	*out = set(set(jv_object(), "numberOfTransactions",
	    jv_number(jv_array_length(jv_copy(l)))), "transactions", l);
	return 0;
}

int
lp2p_liskcore_decode(const struct lp2p_liskcore *lc, int kind,
    const char *name, const uint8_t *b, size_t n, jv *out,
    struct lp2p_err *err)
{
	*out = jv_invalid();
	if (name == NULL)
		return lp2p_errf(err, LP2P_EINVAL, "liskcore: no name");
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
