/*
 * test_liskcore.c — readable Lisk Core 4 payloads, on the payloads the
 * real packages produced (tests/vectors/lisk-core-4.json).
 */
#include <stdio.h>

#include "unit.h"

static jv all;				/* the vectors file */
static struct lp2p_liskcore *lc;

static int
setup(void **state)
{
	const char *top = getenv("LISKP2P_TOP");
	struct lp2p_err e;
	char path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/vectors/lisk-core-4.json",
	    top != NULL ? top : ".");
	all = jv_array_get(jv_load_file(path, 0), 0);
	if (jv_get_kind(all) != JV_KIND_OBJECT)
		return -1;
	return lp2p_liskcore_new(&lc, &e);
}

static int
teardown(void **state)
{
	(void)state;
	jv_free(all);
	lp2p_liskcore_free(lc);
	return 0;
}

/* The vector named name (a copy). */
static jv
vector(const char *name)
{
	jv vs = jv_object_get(jv_copy(all), jv_string("vectors"));
	int n = jv_array_length(jv_copy(vs));

	for (int i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vs), i);
		jv nm = jv_object_get(jv_copy(v), jv_string("name"));
		int hit = strcmp(jv_string_value(nm), name) == 0;

		jv_free(nm);
		if (hit) {
			jv_free(vs);
			return v;
		}
		jv_free(v);
	}
	jv_free(vs);
	fail_msg("no vector %s", name);
	return jv_invalid();
}

static jv
path(jv v, const char *p)		/* v not consumed; "a.b.0.c" */
{
	char buf[256], *s, *tok;

	strlcpy(buf, p, sizeof(buf));
	v = jv_copy(v);
	for (s = buf; (tok = strsep(&s, ".")) != NULL;) {
		if (jv_get_kind(v) == JV_KIND_ARRAY)
			v = jv_array_get(v, atoi(tok));
		else if (jv_get_kind(v) == JV_KIND_OBJECT)
			v = jv_object_get(v, jv_string(tok));
		else {
			jv_free(v);
			return jv_invalid();
		}
	}
	return v;
}

#define assert_same(a, b, what)	unit_assert_jv_equal((a), (b), (what))

/* Decode vector name's hex as kind/proc; *out readable; returns rc. */
static int
run(const char *name, int kind, const char *proc, jv *out)
{
	jv v = vector(name), hex = jv_object_get(v, jv_string("hex"));
	struct lp2p_err e;
	uint8_t *b = NULL;
	long n = 0;
	int rc;

	if (jv_get_kind(hex) == JV_KIND_STRING)
		n = lp2p_hex_decode(jv_string_value(hex),
		    strlen(jv_string_value(hex)), &b);
	jv_free(hex);
	assert_true(n >= 0);
	rc = lp2p_liskcore_decode(lc, kind, proc, b, (size_t)n, out, &e);
	if (rc != 0)
		print_message("%s: %s\n", name, e.msg);
	free(b);
	return rc;
}

static void
check_block(jv got, jv vblock)		/* both consumed */
{
	jv sum = jv_object_get(jv_copy(vblock), jv_string("summary"));
	jv keys = jv_keys(jv_copy(sum));
	int n = jv_array_length(jv_copy(keys)), nt;

	for (int i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keys), i);

		assert_same(jv_object_get(jv_copy(got), jv_copy(k)),
		    jv_object_get(jv_copy(sum), jv_copy(k)),
		    jv_string_value(k));
		jv_free(k);
	}
	/* per transaction: id, sender address, decoded params */
	nt = jv_array_length(path(got, "transactions"));
	assert_int_equal(nt, jv_array_length(path(vblock, "transactions")));
	for (int i = 0; i < nt; i++) {
		char p[64];

		snprintf(p, sizeof(p), "transactions.%d.id", i);
		assert_same(path(got, p), path(vblock, p), p);
		snprintf(p, sizeof(p), "transactions.%d.senderAddress", i);
		assert_same(path(got, p), path(vblock, p), p);
		snprintf(p, sizeof(p), "transactions.%d.params", i);
		{
			char q[64];

			snprintf(q, sizeof(q), "transactions.%d.paramsDecoded",
			    i);
			assert_same(path(got, p), path(vblock, q), p);
		}
	}
	jv_free(keys);
	jv_free(sum);
	jv_free(got);
	jv_free(vblock);
}

static void
test_post_block(void **state)
{
	jv out, v = vector("postBlock");

	(void)state;
	assert_int_equal(run("postBlock", LP2P_LC_EVENT, "postBlock", &out),
	    0);
	check_block(path(out, "block"), path(v, "block"));
	/* "lsk..." generator, ISO time, transaction ids: spot checks */
	assert_same(path(out, "block.generatorAddress"),
	    jv_string("lsknhcntm9ery9p3jv7tcjhxkpno3e7gooa8zhppu"), "gen");
	assert_same(path(out, "block.timestampISO"),
	    jv_string("2024-04-11T18:34:40.000Z"), "iso");
	assert_same(path(out, "block.transactions.1.params.stakes.0.amount"),
	    path(v, "block.transactions.1.paramsDecoded.stakes.0.amount"),
	    "stake amount (sint64)");
	jv_free(out);
	jv_free(v);
}

static void
test_last_block(void **state)
{
	jv out, v = vector("getLastBlock.response");

	(void)state;
	assert_int_equal(run("getLastBlock.response", LP2P_LC_RESPONSE,
	    "getLastBlock", &out), 0);
	check_block(path(out, "block"), path(v, "block"));
	jv_free(out);
	jv_free(v);
	/* the request carries no data */
	assert_int_equal(lp2p_liskcore_decode(lc, LP2P_LC_REQUEST,
	    "getLastBlock", NULL, 0, &out, NULL), 0);
	assert_same(out, jv_object(), "getLastBlock request");
}

static void
test_messages(void **state)
{
	jv out, v;

	(void)state;
	v = vector("postTransactionsAnnouncement");
	assert_int_equal(run("postTransactionsAnnouncement", LP2P_LC_EVENT,
	    "postTransactionsAnnouncement", &out), 0);
	assert_same(path(out, "transactionIds"),
	    path(v, "decoded.transactionIds"), "announced ids");
	assert_same(path(out, "numberOfTransactions"), jv_number(2), "count");
	jv_free(out);
	jv_free(v);

	v = vector("postSingleCommitMessages");
	assert_int_equal(run("postSingleCommitMessages", LP2P_LC_EVENT,
	    "postSingleCommitMessages", &out), 0);
	assert_same(path(out, "numberOfCommits"), jv_number(2), "commits");
	assert_same(path(out, "commits.0"), path(v, "commits.0.decoded"),
	    "commit 0");
	assert_same(path(out, "commits.1"), path(v, "commits.1.decoded"),
	    "commit 1");
	jv_free(out);
	jv_free(v);

	assert_int_equal(run("postSingleCommitMessages.empty", LP2P_LC_EVENT,
	    "postSingleCommitMessages", &out), 0);
	assert_same(out, jv_parse("{\"numberOfCommits\":0,\"commits\":[]}"),
	    "empty commits");

	v = vector("postNodeInfo");
	assert_int_equal(run("postNodeInfo", LP2P_LC_EVENT, "postNodeInfo",
	    &out), 0);
	assert_same(out, path(v, "decoded"), "postNodeInfo");
	jv_free(v);
}

static void
test_procedures(void **state)
{
	jv out, v;

	(void)state;
	v = vector("getHighestCommonBlock.request");
	assert_int_equal(run("getHighestCommonBlock.request", LP2P_LC_REQUEST,
	    "getHighestCommonBlock", &out), 0);
	assert_same(out, path(v, "decoded"), "hcb request");
	jv_free(v);

	v = vector("getHighestCommonBlock.response");
	assert_int_equal(run("getHighestCommonBlock.response",
	    LP2P_LC_RESPONSE, "getHighestCommonBlock", &out), 0);
	assert_same(out, path(v, "decoded"), "hcb response");
	jv_free(v);

	assert_int_equal(run("getHighestCommonBlock.response.none",
	    LP2P_LC_RESPONSE, "getHighestCommonBlock", &out), 0);
	assert_same(out, jv_parse("{\"id\":null}"), "hcb none");

	v = vector("getBlocksFromId.request");
	assert_int_equal(run("getBlocksFromId.request", LP2P_LC_REQUEST,
	    "getBlocksFromId", &out), 0);
	assert_same(out, path(v, "decoded"), "bfi request");
	jv_free(v);

	v = vector("getBlocksFromId.response");
	assert_int_equal(run("getBlocksFromId.response", LP2P_LC_RESPONSE,
	    "getBlocksFromId", &out), 0);
	assert_same(path(out, "numberOfBlocks"),
	    jv_number(jv_array_length(path(v, "decoded.blocks"))), "blocks");
	assert_true(jv_get_kind(path(out, "blocks.0.height")) ==
	    JV_KIND_NUMBER);
	jv_free(out);
	jv_free(v);

	v = vector("getTransactions.request");
	assert_int_equal(run("getTransactions.request", LP2P_LC_REQUEST,
	    "getTransactions", &out), 0);
	assert_same(out, path(v, "decoded"), "txs request");
	jv_free(v);
	assert_int_equal(lp2p_liskcore_decode(lc, LP2P_LC_REQUEST,
	    "getTransactions", NULL, 0, &out, NULL), 0);
	assert_same(out, jv_object(), "txs request without data");

	v = vector("postBlock");
	assert_int_equal(run("getTransactions.response", LP2P_LC_RESPONSE,
	    "getTransactions", &out), 0);
	assert_same(path(out, "numberOfTransactions"), jv_number(2), "txs");
	assert_same(path(out, "transactions.0.id"),
	    path(v, "block.transactions.0.id"), "tx 0 id");
	assert_same(path(out, "transactions.1.id"),
	    path(v, "block.transactions.1.id"), "tx 1 id");
	jv_free(out);
	jv_free(v);

	v = vector("getLegacyBlocksFromId.request");
	assert_int_equal(run("getLegacyBlocksFromId.request", LP2P_LC_REQUEST,
	    "getLegacyBlocksFromId", &out), 0);
	assert_same(out, path(v, "decoded"), "legacy request");
	jv_free(v);
}

static void
test_unknown(void **state)
{
	static const struct { int kind; const char *name; } cases[] = {
		{ LP2P_LC_EVENT, "postBlocks" }, { LP2P_LC_EVENT, "getPeers" },
		{ LP2P_LC_EVENT, "" }, { LP2P_LC_REQUEST, "getNodeInfo" },
		{ LP2P_LC_REQUEST, "postBlock" },
		{ LP2P_LC_RESPONSE, "getPeers" },
		{ LP2P_LC_RESPONSE, "postSingleCommits" },
	};
	struct lp2p_err e;
	jv out;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		assert_int_equal(lp2p_liskcore_decode(lc, cases[i].kind,
		    cases[i].name, (const uint8_t *)"", 0, &out, &e),
		    LP2P_ENOTFOUND);
		assert_false(jv_is_valid(out));
		assert_non_null(strstr(e.msg, "Lisk Core 4"));
	}
	assert_int_equal(lp2p_liskcore_decode(lc, 7, "postBlock", NULL, 0,
	    &out, &e), LP2P_EINVAL);
}

/*
 * Every prefix of every payload, and every single-byte change of the
 * postBlock: an answer or an error, never a crash or a leak (ASan).
 */
static void
test_truncated_and_mutated(void **state)
{
	static const struct { const char *vec, *name; int kind; } cases[] = {
		{ "postBlock", "postBlock", LP2P_LC_EVENT },
		{ "postSingleCommitMessages", "postSingleCommitMessages",
		    LP2P_LC_EVENT },
		{ "postTransactionsAnnouncement",
		    "postTransactionsAnnouncement", LP2P_LC_EVENT },
		{ "getLastBlock.response", "getLastBlock", LP2P_LC_RESPONSE },
		{ "getBlocksFromId.response", "getBlocksFromId",
		    LP2P_LC_RESPONSE },
		{ "getTransactions.response", "getTransactions",
		    LP2P_LC_RESPONSE },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		jv v = vector(cases[i].vec);
		jv hex = jv_object_get(v, jv_string("hex"));
		uint8_t *b;
		long n = lp2p_hex_decode(jv_string_value(hex),
		    strlen(jv_string_value(hex)), &b);
		int fails = 0;

		for (long len = 0; len < n; len++) {
			struct lp2p_err e;
			jv out;
			int rc = lp2p_liskcore_decode(lc, cases[i].kind,
			    cases[i].name, b, (size_t)len, &out, &e);

			if (rc != 0) {
				assert_false(jv_is_valid(out));
				fails++;
			}
			jv_free(out);
		}
		assert_true(fails > 0);
		if (i == 0)
			for (long k = 0; k < n; k++) {
				uint8_t save = b[k];
				jv out;

				b[k] ^= 0x5a;
				lp2p_liskcore_decode(lc, cases[i].kind,
				    cases[i].name, b, (size_t)n, &out, NULL);
				jv_free(out);
				b[k] = save;
			}
		free(b);
		jv_free(hex);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_block),
		cmocka_unit_test(test_last_block),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_procedures),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_truncated_and_mutated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
