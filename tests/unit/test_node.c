/* test_node.c — the node's configuration and command interpreter, offline. */
#include <uv.h>

#include "unit.h"

static void
test_config_set(void **state)
{
	static const struct { const char *k, *v; int rc; } cases[] = {
		{ "populatorInterval", "500", 0 },
		{ "populatorInterval", "0", LP2P_EINVAL },
		{ "populatorInterval", "x", LP2P_EINVAL },
		{ "populatorInterval", "", LP2P_EINVAL },
		{ "maxInboundConnections", "0", 0 },
		{ "maxInboundConnections", "4001", LP2P_EINVAL },
		{ "peerBanTime", "86400000000", 0 },
		{ "latencyProtectionRatio", "0.5", 0 },
		{ "latencyProtectionRatio", "1.5", LP2P_EINVAL },
		{ "latencyProtectionRatio", "nan", LP2P_EINVAL },
		{ "latencyProtectionRatio", "0.1x", LP2P_EINVAL },
		{ "secret", "4294967295", 0 },
		{ "secret", "4294967296", LP2P_EINVAL },
		{ "nosuch", "1", LP2P_EINVAL },
		{ "wsMaxPayload", "3048577", LP2P_EINVAL },
	};
	struct lp2p_node_config c;
	struct lp2p_err e;

	(void)state;
	lp2p_node_config_init(&c);
	assert_int_equal(c.populator_interval, 10000);
	assert_int_equal(c.max_outbound_connections, 20);
	assert_int_equal(c.send_peer_limit, 16);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		int rc = lp2p_node_config_set(&c, cases[i].k, cases[i].v, &e);

		assert_int_equal(rc, cases[i].rc);
		if (rc != 0)
			assert_non_null(strstr(e.msg, cases[i].k));
	}
	assert_int_equal(c.populator_interval, 500);
	assert_int_equal(c.peer_ban_time, 86400000000ULL);
	assert_true(c.latency_protection_ratio == 0.5);
	/* every advertised name is known (1 may be out of range, not unknown) */
	for (size_t i = 0; lp2p_node_option_names[i] != NULL; i++) {
		e.msg[0] = '\0';
		(void)lp2p_node_config_set(&c, lp2p_node_option_names[i], "1",
		    &e);
		assert_null(strstr(e.msg, "unknown option"));
	}
	lp2p_node_config_release(&c);
}

static void
test_config_add(void **state)
{
	static const struct { int list; const char *s; int rc; } cases[] = {
		{ 's', "1.2.3.4:5000", 0 }, { 's', "1.2.3.4:5000", 0 },
		{ 's', "1.2.3.4", LP2P_EINVAL }, { 's', "1.2.3.4:0", LP2P_EINVAL },
		{ 's', "01.2.3.4:5", LP2P_EINVAL }, { 'f', "[::1]:5", LP2P_EINVAL },
		{ 'w', "10.0.0.1:65535", 0 }, { 'b', "10.0.0.2", 0 },
		{ 'b', "10.0.0.2:5", LP2P_EINVAL }, { 'x', "1.2.3.4:5", LP2P_EINVAL },
	};
	struct lp2p_node_config c;
	struct lp2p_err e;

	(void)state;
	lp2p_node_config_init(&c);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		assert_int_equal(lp2p_node_config_add(&c, cases[i].list,
		    cases[i].s, &e), cases[i].rc);
	assert_int_equal(c.nseeds, 1);		/* the duplicate is kept once */
	assert_int_equal(c.nwhitelist, 1);
	assert_int_equal(c.nblacklist, 1);
	lp2p_node_config_release(&c);
	assert_int_equal(c.nseeds, 0);
	assert_null(c.seeds);
}

/*
 * The lists grow as entries are added (none held by an empty config), up
 * to LP2P_NODE_MAX_LIST each, every entry kept in order; a node made of
 * the config has its own copy, sanitised.
 */
static void
test_config_lists_grow(void **state)
{
	struct lp2p_node_config c;
	struct lp2p_node *n;
	struct lp2p_err e;
	char s[32];
	uv_loop_t loop;

	(void)state;
	lp2p_node_config_init(&c);
	assert_null(c.seeds);
	assert_null(c.blacklist);
	for (int i = 0; i < LP2P_NODE_MAX_LIST; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.1:%d", i >> 8, i & 255,
		    5000 + i % 3);
		assert_int_equal(lp2p_node_config_add(&c, 's', s, &e), 0);
		snprintf(s, sizeof(s), "11.%d.%d.1", i >> 8, i & 255);
		assert_int_equal(lp2p_node_config_add(&c, 'b', s, &e), 0);
	}
	assert_int_equal(lp2p_node_config_add(&c, 's', "12.0.0.1:1", &e),
	    LP2P_EFULL);
	assert_int_equal(lp2p_node_config_add(&c, 'b', "12.0.0.1", &e),
	    LP2P_EFULL);
	assert_int_equal(c.nseeds, LP2P_NODE_MAX_LIST);
	assert_int_equal(c.nblacklist, LP2P_NODE_MAX_LIST);
	for (int i = 0; i < LP2P_NODE_MAX_LIST; i++) {
		snprintf(s, sizeof(s), "10.%d.%d.1:%d", i >> 8, i & 255,
		    5000 + i % 3);
		assert_string_equal(c.seeds[i], s);
		snprintf(s, sizeof(s), "11.%d.%d.1", i >> 8, i & 255);
		assert_string_equal(c.blacklist[i], s);
	}
	/* fixed and whitelist: a few, beside the full lists */
	assert_int_equal(lp2p_node_config_add(&c, 'f', "13.0.0.1:1", &e), 0);
	assert_int_equal(lp2p_node_config_add(&c, 'w', "13.0.0.2:1", &e), 0);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(lp2p_node_new(&n, &loop, &c, NULL, NULL, &e), 0);
	lp2p_node_config_release(&c);
	assert_null(c.seeds);
	assert_int_equal(c.nfixed, 0);
	lp2p_node_free(n);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* Only the node's own address and port is itself; blacklisted IPs are out. */
static void
test_config_ignored(void **state)
{
	struct lp2p_node_config c;
	struct lp2p_err e;
	const char *why;

	(void)state;
	lp2p_node_config_init(&c);
	strlcpy(c.host_ip, "127.0.0.1", sizeof(c.host_ip));
	c.port = 5002;
	assert_int_equal(lp2p_node_config_add(&c, 'b', "10.0.0.9", &e), 0);
	assert_null(lp2p_node_config_ignored(&c, "127.0.0.1:5001"));
	assert_null(lp2p_node_config_ignored(&c, "127.0.0.2:5002"));
	assert_null(lp2p_node_config_ignored(&c, "127.0.0.10:5002"));
	why = lp2p_node_config_ignored(&c, "127.0.0.1:5002");
	assert_non_null(why);
	assert_non_null(strstr(why, "own"));
	why = lp2p_node_config_ignored(&c, "10.0.0.9:7");
	assert_non_null(why);
	assert_non_null(strstr(why, "blacklisted"));
	assert_null(lp2p_node_config_ignored(&c, "10.0.0.90:7"));
	c.port = 0;			/* any port: nothing is ourselves */
	assert_null(lp2p_node_config_ignored(&c, "127.0.0.1:0"));
	lp2p_node_config_release(&c);
}

static jv last;
static int nresults;

static void
on_result(struct lp2p_node *n, jv r, void *arg)
{
	(void)n; (void)arg;
	jv_free(last);
	last = r;
	nresults++;
}

static void
on_event(struct lp2p_node *n, jv ev, void *arg)
{
	(void)n; (void)arg;
	jv_free(ev);
}

static const char *
field(const char *k)
{
	static char buf[256];
	jv v = jv_object_get(jv_copy(last), jv_string(k));

	buf[0] = '\0';
	if (jv_get_kind(v) == JV_KIND_STRING)
		strlcpy(buf, jv_string_value(v), sizeof(buf));
	else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL) {
		jv s = jv_dump_string(jv_copy(v), 0);

		strlcpy(buf, jv_string_value(s), sizeof(buf));
		jv_free(s);
	}
	jv_free(v);
	return buf;
}

static void
test_commands(void **state)
{
	/* command, expected "error" substring ("" = none), invalid flag */
	static const struct { const char *cmd, *err; int invalid; } cases[] = {
		{ "[]", "JSON object", 1 },
		{ "{}", "'op' is missing", 1 },
		{ "{\"op\":5}", "'op' must be a string", 1 },
		{ "{\"op\":\"fly\"}", "unknown op 'fly'", 1 },
		{ "{\"op\":\"send\"}", "'event' is missing", 1 },
		{ "{\"op\":\"send\",\"event\":\"\"}", "1 to 128", 0 },
		{ "{\"op\":\"send\",\"event\":\"e\",\"data\":\"abc\"}", "hex", 1 },
		{ "{\"op\":\"send\",\"event\":\"e\",\"data\":\"00\"}", "no peers",
		    0 },
		{ "{\"op\":\"send\",\"event\":\"e\",\"data\":{\"a\":1}}",
		    "no peers", 0 },
		{ "{\"op\":\"broadcast\",\"event\":\"e\"}", "", 0 },
		{ "{\"op\":\"sendToPeer\",\"event\":\"e\"}", "'peerId' is missing",
		    1 },
		{ "{\"op\":\"sendToPeer\",\"event\":\"e\",\"peerId\":\"1.2.3.4:5\"}",
		    "could not be found", 0 },
		{ "{\"op\":\"request\",\"procedure\":\"p\"}", "no peers found", 0 },
		{ "{\"op\":\"requestFromPeer\",\"procedure\":\"p\"}",
		    "'peerId' is missing", 1 },
		{ "{\"op\":\"requestFromPeer\",\"procedure\":\"p\","
		    "\"peerId\":\"1.2.3.4:5\"}", "could not be found", 0 },
		{ "{\"op\":\"respond\",\"requestId\":\"1\"}", "must be a number",
		    1 },
		{ "{\"op\":\"respond\",\"requestId\":42}", "no such request", 0 },
		{ "{\"op\":\"applyPenalty\",\"peerId\":\"1.2.3.4:5\","
		    "\"penalty\":10}", "Peer not found", 0 },
		{ "{\"op\":\"applyPenalty\",\"peerId\":\"1.2.3.4:5\","
		    "\"penalty\":1.5}", "'penalty'", 1 },
		{ "{\"op\":\"applyPenalty\",\"peerId\":\"1.1.1.1:1\","
		    "\"penalty\":10}", "", 0 },	/* a seed: exempt */
		{ "{\"op\":\"applyNodeInfo\"}", "'nodeInfo'", 1 },
		{ "{\"op\":\"applyNodeInfo\",\"nodeInfo\":{\"networkVersion\":5}}",
		    "networkVersion", 1 },
		{ "{\"op\":\"applyNodeInfo\",\"nodeInfo\":{\"networkVersion\":"
		    "\"2.0\"}}", "", 0 },
		{ "{\"op\":\"getConnectedPeers\"}", "", 0 },
		{ "{\"op\":\"getDisconnectedPeers\"}", "", 0 },
		{ "{\"op\":\"getNodeInfo\"}", "", 0 },
		{ "{\"op\":\"config\"}", "", 0 },
	};
	struct lp2p_node_config c;
	struct lp2p_node_cb cb = { on_event, NULL };
	struct lp2p_node *n;
	struct lp2p_err e;
	uv_loop_t loop;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	lp2p_node_config_init(&c);
	c.chain_id[0] = 0x10;
	c.chain_id_len = 4;
	strlcpy(c.nonce, "0011223344556677", sizeof(c.nonce));
	assert_int_equal(lp2p_node_config_add(&c, 's', "1.1.1.1:1", &e), 0);
	assert_int_equal(lp2p_node_new(&n, &loop, &c, &cb, NULL, &e), 0);
	lp2p_node_config_release(&c);
	last = jv_null();
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		nresults = 0;
		lp2p_node_command(n, jv_parse(cases[i].cmd), on_result, NULL);
		assert_int_equal(nresults, 1);
		if (cases[i].err[0] == '\0')
			assert_string_equal(field("error"), "");
		else if (strstr(field("error"), cases[i].err) == NULL)
			fail_msg("%s: error '%s', want '%s'", cases[i].cmd,
			    field("error"), cases[i].err);
		assert_int_equal(strcmp(field("invalid"), "true") == 0,
		    cases[i].invalid);
	}
	/* what applyNodeInfo changed, the nonce kept */
	lp2p_node_command(n, jv_parse("{\"op\":\"getNodeInfo\"}"), on_result,
	    NULL);
	assert_string_equal(field("nodeInfo"), "{\"chainID\":\"10000000\","
	    "\"networkVersion\":\"2.0\",\"nonce\":\"0011223344556677\","
	    "\"advertiseAddress\":true}");
	lp2p_node_command(n, jv_parse("{\"op\":\"stop\"}"), on_result, NULL);
	assert_string_equal(field("op"), "stop");
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	lp2p_node_free(n);
	jv_free(last);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_json_check(void **state)
{
	static const struct { const char *in; int ok; } cases[] = {
		{ "{}", 1 }, { "[]", 1 }, { " { \"a\" : [1, -2.5e+3, true, "
		    "false, null, \"x\\u00e9\\n\"] } ", 1 }, { "0", 1 },
		{ "\"s\"", 1 }, { "-0.0E-0", 1 }, { "[[],{}]", 1 },
		{ "", 0 }, { " ", 0 }, { "{\"a\"\"b\"}", 0 }, { "{,}", 0 },
		{ "[1,]", 0 }, { "{\"a\":1,}", 0 }, { "[1 2]", 0 },
		{ "1 2", 0 }, { "01", 0 }, { "1.", 0 }, { ".5", 0 },
		{ "1e", 0 }, { "+1", 0 }, { "nan", 0 }, { "tru", 0 },
		{ "\"a", 0 }, { "\"\\x\"", 0 }, { "\"\\u12g4\"", 0 },
		{ "\"\t\"", 0 }, { "{1:2}", 0 }, { "[", 0 }, { "]", 0 },
		{ "{\"a\" 1}", 0 }, { "[}", 0 }, { "{]", 0 },
	};
	struct lp2p_err e;
	char deep[200];

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		if ((lp2p_json_check(cases[i].in, strlen(cases[i].in), 64,
		    &e) == 0) != cases[i].ok)
			fail_msg("%s: want %s", cases[i].in,
			    cases[i].ok ? "valid" : "invalid");
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(lp2p_json_check(deep, 200, 100, &e), 0);
	assert_int_equal(lp2p_json_check(deep, 200, 99, &e), LP2P_EINVAL);
	assert_non_null(strstr(e.msg, "nested deeper than 99"));
	assert_int_equal(lp2p_json_check(deep, 199, 100, &e), LP2P_EINVAL);
}


/*
 * The C API end to end on one loop: a one-shot client (lp2p_conn_*) asks
 * a node; the node answers through lp2p_node_respond, lists the client
 * with lp2p_node_connected_peers, and asks it back with lp2p_node_request
 * (a client serves nothing: a remote error).
 */
static struct {
	struct lp2p_node	*node;
	struct lp2p_conn	*conn;
	uv_timer_t		 guard;
	int			 step;		/* what has happened */
	int			 gni_ok, hello_ok, back_err, closed;
	uint64_t		 rid;
} e2e;

static void
e2e_back(struct lp2p_node *n, const struct lp2p_node_reply *r, void *arg)
{
	(void)n;
	(void)arg;
	e2e.back_err = r->status == LP2P_EREMOTE && r->error != NULL &&
	    strstr(r->error, "does not serve") != NULL && r->peer_id != NULL;
	lp2p_conn_close(e2e.conn, 1000, NULL);
}

static void
e2e_event(struct lp2p_node *n, jv ev, void *arg)
{
	jv t = jv_object_get(jv_copy(ev), jv_string("type"));
	jv id = jv_object_get(jv_copy(ev), jv_string("requestId"));
	jv peers;
	struct lp2p_err err;

	(void)arg;
	if (jv_get_kind(t) == JV_KIND_STRING && strcmp(jv_string_value(t),
	    "EVENT_REQUEST_RECEIVED") == 0 && jv_get_kind(id) ==
	    JV_KIND_NUMBER) {
		e2e.rid = (uint64_t)jv_number_value(id);
		assert_int_equal(lp2p_node_respond(n, e2e.rid + 1000,
		    (const uint8_t *)"no", 2, &err), LP2P_ENOTFOUND);
		peers = lp2p_node_connected_peers(n);
		assert_int_equal(jv_array_length(jv_copy(peers)), 1);
		jv_free(peers);
		peers = lp2p_node_disconnected_peers(n);
		assert_int_equal(jv_get_kind(peers), JV_KIND_ARRAY);
		jv_free(peers);
		assert_int_equal(lp2p_node_respond(n, e2e.rid,
		    (const uint8_t *)"ok", 2, &err), 0);
		assert_int_equal(lp2p_node_respond(n, e2e.rid,
		    (const uint8_t *)"ok", 2, &err), LP2P_ENOTFOUND);
	}
	jv_free(t);
	jv_free(id);
	jv_free(ev);
}

static void
e2e_hello(struct lp2p_conn *c, const struct lp2p_conn_reply *r, void *arg)
{
	struct lp2p_err err;

	(void)c;
	(void)arg;
	e2e.hello_ok = r->status == 0 && r->has_data && r->len == 2 &&
	    memcmp(r->data, "ok", 2) == 0;
	/* the node asks its only peer back: picked, since none is outbound */
	assert_int_equal(lp2p_node_request(e2e.node, NULL, "back", NULL, 0,
	    e2e_back, NULL, &err), 0);
}

static void
e2e_gni(struct lp2p_conn *c, const struct lp2p_conn_reply *r, void *arg)
{
	jv v;
	struct lp2p_err err;

	(void)arg;
	e2e.gni_ok = r->status == 0 && lp2p_codec_decode(
	    lp2p_schema_builtin("/nodeInfo"), r->data, r->len, &v, &err) == 0;
	if (e2e.gni_ok)
		jv_free(v);
	assert_int_equal(lp2p_conn_request(c, "hello", (const uint8_t *)"hi",
	    2, e2e_hello, NULL), 0);
}

static void
e2e_connected(struct lp2p_conn *c, void *arg)
{
	(void)arg;
	assert_int_equal(lp2p_conn_request(c, "getNodeInfo", NULL, 0, e2e_gni,
	    NULL), 0);
}

static void
e2e_closed(struct lp2p_conn *c, int code, const char *reason, int done,
    void *arg)
{
	(void)code;
	(void)reason;
	(void)arg;
	e2e.closed = done;
	lp2p_conn_free(c);
	e2e.conn = NULL;
	uv_close((uv_handle_t *)&e2e.guard, NULL);
	lp2p_node_stop(e2e.node);
}

static void
e2e_timeout(uv_timer_t *t)
{
	(void)t;
	fail_msg("the exchange did not end in 20 s");
}

static void
test_c_api(void **state)
{
	struct lp2p_node_config c;
	struct lp2p_node_cb cb = { e2e_event, NULL };
	struct lp2p_conn_config cc;
	struct lp2p_conn_cb ccb = { .on_connected = e2e_connected,
	    .on_closed = e2e_closed };
	char want[LP2P_PEERID_STRLEN];
	struct lp2p_err e;
	uv_loop_t loop;

	(void)state;
	memset(&e2e, 0, sizeof(e2e));
	assert_int_equal(uv_loop_init(&loop), 0);
	lp2p_node_config_init(&c);
	c.chain_id[0] = 0x10;
	c.chain_id_len = 4;
	strlcpy(c.host_ip, "127.0.0.1", sizeof(c.host_ip));
	c.port = 0;
	assert_int_equal(lp2p_node_new(&e2e.node, &loop, &c, &cb, NULL, &e),
	    0);
	lp2p_node_config_release(&c);
	assert_int_equal(lp2p_node_start(e2e.node, &e), 0);
	lp2p_conn_config_init(&cc);
	cc.chain_id[0] = 0x10;
	cc.chain_id_len = 4;
	cc.advertise_address = 1;	/* listed by getConnectedPeers */
	cc.ack_timeout = 5000;
	/* a config of no chain is refused, and nothing calls back */
	cc.chain_id_len = 0;
	assert_int_equal(lp2p_conn_new(&e2e.conn, &loop, &cc, "127.0.0.1",
	    (uint16_t)lp2p_node_port(e2e.node), &ccb, NULL, &e), LP2P_EINVAL);
	cc.chain_id_len = 4;
	assert_int_equal(lp2p_conn_new(&e2e.conn, &loop, &cc, "127.0.0.1",
	    (uint16_t)lp2p_node_port(e2e.node), &ccb, NULL, &e), 0);
	assert_string_equal(lp2p_conn_peer_id(e2e.conn), lp2p_peerid(want,
	    "127.0.0.1", (uint16_t)lp2p_node_port(e2e.node)));
	uv_timer_init(&loop, &e2e.guard);
	uv_timer_start(&e2e.guard, e2e_timeout, 20000, 0);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_true(e2e.gni_ok);
	assert_true(e2e.hello_ok);
	assert_true(e2e.back_err);
	assert_true(e2e.closed);
	lp2p_node_free(e2e.node);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_set),
		cmocka_unit_test(test_config_add),
		cmocka_unit_test(test_config_lists_grow),
		cmocka_unit_test(test_config_ignored),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_json_check),
		cmocka_unit_test(test_c_api),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
