/*
 * test_network.c — the Lisk Core 4 presets and schemas (network.c) and the
 * shared --network/--chain-id parsing of the programs (cmd/cli_net.c,
 * compiled in here: it is not part of the library).
 */
#include "unit.h"

#define assert_jv_equal(a, b)	unit_assert_jv_equal((a), (b), "")

#include "../../cmd/cli_net.c"

static jv
get(jv v, const char *path)	/* jq-like path "a.b.0.c", v borrowed */
{
	char buf[256], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	v = jv_copy(v);
	for (p = strtok_r(buf, ".", &save); p != NULL;
	    p = strtok_r(NULL, ".", &save)) {
		if (p[0] >= '0' && p[0] <= '9')
			v = jv_array_get(v, atoi(p));
		else
			v = jv_object_get(v, jv_string(p));
		assert_true(jv_is_valid(v));
	}
	return v;
}

/* A Lisk Core 4 block as decoded matches its vector (both consumed). */
static void
check_block(jv got, jv blk)
{
	char p[64];
	int n = jv_array_length(get(blk, "transactions"));

	assert_jv_equal(get(got, "header"), get(blk, "decoded.header"));
	assert_int_equal(jv_array_length(get(got, "transactions")), n);
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "transactions.%d.id", i);
		assert_jv_equal(get(got, p), get(blk, p));
		snprintf(p, sizeof(p), "transactions.%d.paramsDecoded", i);
		assert_jv_equal(get(got, p), get(blk, p));
	}
	assert_jv_equal(get(got, "assets.0.dataDecoded"),
	    get(blk, "assets.0.dataDecoded"));
	jv_free(got);
	jv_free(blk);
}

static void
test_presets(void **state)
{
	static const struct {
		const char *name, *chain;
		size_t nseeds;
	} cases[] = {
		{ "mainnet", "00000000", 10 },
		{ "testnet", "01000000", 5 },
		{ "devnet", "04000000", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < LP2P_NELEM(cases); i++) {
		const struct lp2p_network *n = lp2p_network_find(cases[i].name);
		const char *const *s;
		const uint8_t *id;
		size_t len, k = 0;
		char *hex;

		assert_non_null(n);
		assert_ptr_equal(lp2p_network_at(i), n);
		assert_string_equal(lp2p_network_name(n), cases[i].name);
		id = lp2p_network_chain_id(n, &len);
		assert_int_equal(len, 4);
		hex = lp2p_hex_encode(id, len);
		assert_string_equal(hex, cases[i].chain);
		free(hex);
		assert_string_equal(lp2p_network_version(n), "5.0");
		assert_int_equal(lp2p_network_port(n), 7667);
		for (s = lp2p_network_seeds(n); *s != NULL; s++, k++)
			assert_non_null(strstr(*s, cases[i].name));
		assert_int_equal(k, cases[i].nseeds);
		assert_true(lp2p_network_has_event(n, "postBlock"));
		assert_true(lp2p_network_has_event(n,
		    "postSingleCommitMessages"));
		assert_false(lp2p_network_has_event(n, "postSingleCommits"));
		assert_false(lp2p_network_has_event(n, NULL));
		assert_true(lp2p_network_has_procedure(n, "getLastBlock"));
		assert_false(lp2p_network_has_procedure(n, "ping"));
		assert_false(lp2p_network_has_procedure(n, "postBlock"));
	}
	assert_null(lp2p_network_at(i));
	assert_null(lp2p_network_find("betanet"));
	assert_null(lp2p_network_find(NULL));
	assert_string_equal(lp2p_network_names(), "mainnet, testnet, devnet");
}

/* The default options encode to the initial Core 4 options (§1). */
static void
test_default_options(void **state)
{
	const struct lp2p_network *n = lp2p_network_find("mainnet");
	struct lp2p_schema *s;
	struct lp2p_err e;
	uint8_t *b;
	size_t bl;
	char *hex;
	jv v;

	(void)state;
	assert_int_equal(lp2p_schema_nodeinfo(&s,
	    lp2p_network_options_schema(n), &e), 0);
	v = JV_OBJECT(jv_string("chainID"), jv_string("00000000"),
	    jv_string("networkVersion"), jv_string("5.0"),
	    jv_string("nonce"), jv_string("O2wTkjqplHII3d6e"),
	    jv_string("advertiseAddress"), jv_true(),
	    jv_string("options"), lp2p_network_default_options(n));
	assert_int_equal(lp2p_codec_encode(s, v, &b, &bl, &e), 0);
	hex = lp2p_hex_encode(b, bl);
	/* vector nodeInfo.lisk-core-4.just-started */
	assert_string_equal(hex, "0a04000000001203352e301a104f3277546b6a7170"
	    "6c4849493364366520012a080800100018002200");
	free(hex);
	free(b);
	lp2p_schema_free(s);
}

/* Every schema compiles; payload and params names point at real ones. */
static void
test_schemas(void **state)
{
	static const char *const names[] = {
		"postBlock", "postTransactionsAnnouncement",
		"postSingleCommitMessages", "postNodeInfo", "getLastBlock",
		"getBlocksFromId", "getHighestCommonBlock",
		"getLegacyBlocksFromId", "getTransactions", "getNodeInfo",
		"getPeers",
	};
	static const char *const cmds[][2] = {
		{ "token", "transfer" }, { "token", "transferCrossChain" },
		{ "pos", "stake" }, { "pos", "registerValidator" },
		{ "pos", "updateGeneratorKey" }, { "pos", "changeCommission" },
		{ "pos", "reportMisbehavior" }, { "pos", "unlock" },
		{ "pos", "claimRewards" }, { "auth", "registerMultisignature" },
		{ "legacy", "reclaimLSK" }, { "legacy", "registerKeys" },
	};
	struct lp2p_schema *s;
	struct lp2p_err e;
	const char *name;
	size_t i;

	(void)state;
	for (i = 0; (name = lp2p_network_schema_at(i)) != NULL; i++) {
		if (lp2p_schema_new(&s, lp2p_network_schema(name), &e) != 0)
			fail_msg("%s: %s", name, e.msg);
		lp2p_schema_free(s);
	}
	assert_true(i >= 30);
	assert_false(jv_is_valid(lp2p_network_schema("nope")));
	assert_false(jv_is_valid(lp2p_network_schema(NULL)));
	for (i = 0; i < LP2P_NELEM(names); i++)
		for (int resp = 0; resp <= 1; resp++) {
			const char *sn = lp2p_network_payload_schema(names[i],
			    resp);
			jv j;

			if (sn == NULL)
				continue;
			if (strcmp(sn, "peerRequestResponse") == 0)
				continue;	/* lp2p_schema_builtin */
			j = lp2p_network_schema(sn);
			if (!jv_is_valid(j))
				fail_msg("%s: no schema %s", names[i], sn);
			jv_free(j);
		}
	assert_null(lp2p_network_payload_schema("getLastBlock", 0));
	assert_string_equal(lp2p_network_payload_schema("getLastBlock", 1),
	    "block");
	assert_null(lp2p_network_payload_schema("nope", 0));
	for (i = 0; i < LP2P_NELEM(cmds); i++) {
		const char *sn = lp2p_network_params_schema(cmds[i][0],
		    cmds[i][1]);
		jv j;

		assert_non_null(sn);
		j = lp2p_network_schema(sn);
		assert_true(jv_is_valid(j));
		jv_free(j);
	}
	assert_null(lp2p_network_params_schema("token", "burn"));
}

/* cli_net_resolve: one row per accepted or refused combination */
static void
test_cli_net(void **state)
{
	static const struct {
		const char *network, *chain, *version;
		int required;
		const char *err;	/* NULL: accepted */
		const char *hex, *ver;
		int has_options;
	} cases[] = {
		{ "mainnet", NULL, NULL, 1, NULL, "00000000", "5.0", 1 },
		{ "devnet", NULL, NULL, 1, NULL, "04000000", "5.0", 1 },
		{ NULL, "0A0b0c0d", NULL, 1, NULL, "0a0b0c0d", "1.0", 0 },
		{ NULL, "01000000", "5.2", 1, NULL, "01000000", "5.2", 0 },
		{ NULL, NULL, NULL, 0, NULL, "", "", 0 },
		{ "foo", NULL, NULL, 1, "--network foo: unknown network "
		    "(mainnet, testnet, devnet)", NULL, NULL, 0 },
		{ "foo\n", NULL, NULL, 1, "--network foo\\n: unknown "
		    "network (mainnet, testnet, devnet)", NULL, NULL, 0 },
		{ NULL, "zz", NULL, 1, "--chain-id zz: not hex", NULL, NULL,
		    0 },
		{ NULL, "abc", NULL, 1, "--chain-id abc: not hex", NULL,
		    NULL, 0 },
		{ NULL, "", NULL, 1, "--chain-id: empty", NULL, NULL, 0 },
		{ NULL, "0000000000000000000000000000000000000000"
		    "00000000000000000000000000", NULL, 1,
		    "--chain-id 0000000000000000000000000000000000000000"
		    "00000000000000000000000000: longer than 32 bytes",
		    NULL, NULL, 0 },
		{ NULL, "00000000", "x", 1, "--network-version x: not a "
		    "version (like 1.0)", NULL, NULL, 0 },
		{ NULL, "00000000", "1.", 1, "--network-version 1.: not a "
		    "version (like 1.0)", NULL, NULL, 0 },
		{ NULL, "00000000", ".1", 1, "--network-version .1: not a "
		    "version (like 1.0)", NULL, NULL, 0 },
		{ "mainnet", "00000000", NULL, 1, "--network and --chain-id "
		    "exclude each other", NULL, NULL, 0 },
		{ "mainnet", NULL, "5.0", 1, "--network-version goes with "
		    "--chain-id; --network mainnet sets 5.0", NULL, NULL, 0 },
		{ NULL, NULL, "5.0", 0, "--network-version needs --chain-id",
		    NULL, NULL, 0 },
		{ NULL, NULL, NULL, 1, "no network: give --network NAME "
		    "(mainnet, testnet, devnet) or --chain-id HEX", NULL, NULL,
		    0 },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct cli_net n;
		char msg[1024];
		int r;

		cli_net_init(&n);
		if (cases[i].network)
			cli_net_opt(&n, CLI_NET_OPT_NETWORK, cases[i].network);
		if (cases[i].chain)
			cli_net_opt(&n, CLI_NET_OPT_CHAIN_ID, cases[i].chain);
		if (cases[i].version)
			cli_net_opt(&n, CLI_NET_OPT_VERSION, cases[i].version);
		r = cli_net_resolve(&n, cases[i].required, msg, sizeof(msg));
		if (cases[i].err != NULL) {
			if (r != -1)
				fail_msg("case %zu: accepted", i);
			assert_string_equal(msg, cases[i].err);
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(n.chain_id_hex, cases[i].hex);
			assert_string_equal(n.version, cases[i].ver);
			assert_int_equal(jv_get_kind(n.options_schema) ==
			    JV_KIND_OBJECT, cases[i].has_options);
			assert_int_equal(jv_get_kind(n.default_options) ==
			    JV_KIND_OBJECT, cases[i].has_options);
			assert_int_equal(n.set, cases[i].hex[0] != '\0');
			if (n.set) {
				struct lp2p_schema *s =
				    cli_net_nodeinfo_schema(&n);
				struct lp2p_err e;
				uint8_t *b;
				size_t bl;

				assert_int_equal(lp2p_codec_encode(s,
				    cli_net_nodeinfo(&n, "0011223344556677",
				    1), &b, &bl, &e), 0);
				free(b);
				lp2p_schema_free(s);
			}
		}
		cli_net_release(&n);
	}
}

/* Deep decoding of every Lisk Core 4 payload vector */
static void
test_decode_core4(void **state)
{
	const struct lp2p_network *net = lp2p_network_find("mainnet");
	jv vecs = jv_object_get(unit_load_vectors("lisk-core-4.json"),
	    jv_string("vectors"));
	int n = jv_array_length(jv_copy(vecs)), done = 0;
	struct lp2p_err e;
	uint8_t *b;
	long bl;
	jv out;

	(void)state;
	for (int i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vecs), i);
		jv kind = jv_object_get(jv_copy(v), jv_string("kind"));
		jv name = jv_object_get(jv_copy(v), jv_string("event"));
		jv hex = jv_object_get(jv_copy(v), jv_string("hex"));
		int resp = strcmp(jv_string_value(kind), "response") == 0;

		if (!jv_is_valid(name)) {
			jv_free(name);
			name = jv_object_get(jv_copy(v),
			    jv_string("procedure"));
		}
		if (!jv_is_valid(name)) {	/* nodeInfo vectors */
			jv_free(name);
			name = jv_string("getNodeInfo");
			resp = 1;
		}
		print_message("# %s %s\n", jv_string_value(name),
		    resp ? "response" : "data");
		if (jv_get_kind(hex) == JV_KIND_STRING)
			bl = lp2p_hex_decode(jv_string_value(hex),
			    (size_t)jv_string_length_bytes(jv_copy(hex)), &b);
		else {
			bl = 0;
			b = NULL;
		}
		assert_true(bl >= 0);
		if (lp2p_network_decode(net, jv_string_value(name), resp, b,
		    (size_t)bl, &out, &e) != 0)
			fail_msg("%s: %s", jv_string_value(name), e.msg);
		free(b);
		if (jv_get_kind(hex) != JV_KIND_STRING)
			/* no data: null, or what 0 bytes decode to */
			assert_int_equal(jv_get_kind(out),
			    lp2p_network_payload_schema(jv_string_value(name),
			    resp) == NULL ? JV_KIND_NULL : JV_KIND_OBJECT);
		else if (strcmp(jv_string_value(name), "postBlock") == 0)
		{
			jv blk = jv_object_get(jv_copy(v), jv_string("block"));

			/* this one carries token:transfer and pos:stake */
			assert_int_equal(jv_array_length(get(blk,
			    "transactions")), 2);
			check_block(jv_object_get(jv_copy(out),
			    jv_string("block")), blk);
		}
		else if (strcmp(jv_string_value(name), "getLastBlock") == 0)
			check_block(jv_copy(out), jv_object_get(jv_copy(v),
			    jv_string("block")));
		else if (strcmp(jv_string_value(name),
		    "postSingleCommitMessages") == 0 && jv_array_length(
		    get(out, "commits")) > 0) {
			assert_jv_equal(get(out, "commits.0"),
			    get(v, "commits.0.decoded"));
			assert_jv_equal(get(out, "commits.1"),
			    get(v, "commits.1.decoded"));
		} else if (resp && (strcmp(jv_string_value(name),
		    "getBlocksFromId") == 0 || strcmp(jv_string_value(name),
		    "getTransactions") == 0)) {
			/* the vector has the bytes, we have them decoded */
			const char *k = jv_string_value(name)[3] == 'B' ?
			    "blocks" : "transactions";
			jv want = get(v, "decoded"), w = get(want, k);
			jv g = get(out, k);
			int m = jv_array_length(jv_copy(w));

			assert_true(m > 0);
			assert_int_equal(jv_array_length(jv_copy(g)), m);
			for (int k2 = 0; k2 < m; k2++) {
				jv x = jv_array_get(jv_copy(g), k2);

				assert_int_equal(jv_get_kind(x),
				    JV_KIND_OBJECT);
				jv_free(x);
			}
			jv_free(g);
			jv_free(w);
			jv_free(want);
		} else
			assert_jv_equal(jv_copy(out), jv_object_get(jv_copy(v),
			    jv_string("decoded")));
		jv_free(out);
		done++;
		jv_free(kind);
		jv_free(name);
		jv_free(hex);
		jv_free(v);
	}
	assert_int_equal(done, n);

	/* a broken transaction inside a block names where it is */
	{
		jv v = jv_array_get(jv_copy(vecs), 4);
		jv h = get(v, "hex");
		char *s = strdup(jv_string_value(h)), *p;

		/* the pos:stake params: "0a1c0a14" -> "0a1c0a15" */
		p = strstr(s, "323c0a1c0a14");
		assert_non_null(p);
		p[11] = '5';
		bl = lp2p_hex_decode(s, strlen(s), &b);
		assert_int_equal(lp2p_network_decode(net, "postBlock", 0, b,
		    (size_t)bl, &out, &e), LP2P_ECODEC);
		assert_non_null(strstr(e.msg, "block: transactions[1]: params: "
		    "stakes[0]"));
		free(b);
		free(s);
		jv_free(h);
		jv_free(v);
	}
	jv_free(vecs);

	assert_int_equal(lp2p_network_decode(net, "getPeers", 1,
	    (const uint8_t *)"", 0, &out, &e), 0);
	assert_jv_equal(out, jv_parse("{\"peers\":[]}"));
	assert_int_equal(lp2p_network_decode(net, "nope", 0,
	    (const uint8_t *)"", 0, &out, &e), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_network_decode(net, "getLastBlock", 0,
	    (const uint8_t *)"x", 1, &out, &e), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_network_decode(NULL, "postNodeInfo", 0,
	    (const uint8_t *)"", 0, &out, &e), LP2P_ECODEC);

	/* one item past the ceiling is refused before any is decoded */
	{
		size_t items = LP2P_LC_MAX_ITEMS + 1;
		uint8_t *many = calloc(items, 2);

		assert_non_null(many);
		for (size_t i = 0; i < items; i++)
			many[2 * i] = 0x0a;	/* field 1, bytes, length 0 */
		assert_int_equal(lp2p_network_decode(net, "getTransactions",
		    1, many, 2 * (items - 1), &out, &e), LP2P_ECODEC);
		assert_non_null(strstr(e.msg, "transactions[0]"));
		assert_int_equal(lp2p_network_decode(net, "getTransactions",
		    1, many, 2 * items, &out, &e), LP2P_EFULL);
		assert_false(jv_is_valid(out));
		assert_non_null(strstr(e.msg, "transactions: more than"));
		assert_int_equal(lp2p_network_decode(net, "getBlocksFromId",
		    1, many, 2 * items, &out, &e), LP2P_EFULL);
		free(many);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_default_options),
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_cli_net),
		cmocka_unit_test(test_decode_core4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
