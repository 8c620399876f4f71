/* test_peer.c — query string, compatibility rule, and the peer layer on a
 * real loop: a C client and a C server (handshake refusals, built-ins,
 * rate penalties and the ban). */
#include "unit.h"
#include "peer.h"

static void
self_init(struct lp2p_peer_self *s, const char *nv, uint8_t chain0)
{
	static const uint8_t ni[] = { 0x0a, 0x04, 0x10, 0, 0, 0 };

	memset(s, 0, sizeof(*s));
	s->chain_id[0] = chain0;
	s->chain_id_len = 4;
	strlcpy(s->network_version, nv, sizeof(s->network_version));
	strlcpy(s->nonce, "a1b2c3d4e5f60718", sizeof(s->nonce));
	s->advertise_address = true;
	s->port = 5102;
	s->nodeinfo = ni;
	s->nodeinfo_len = sizeof(ni);
}

static void
test_query_build(void **state)
{
	struct lp2p_peer_self s;
	char *q;

	(void)state;
	self_init(&s, "1.0", 0x10);
	q = lp2p__peer_query_build(&s);
	assert_string_equal(q, "/rpc/?networkVersion=1.0&chainID=10000000"
	    "&nonce=a1b2c3d4e5f60718&advertiseAddress=true&port=5102");
	free(q);
	q = lp2p__qs_escape("a b/é~*'()!-_.+");
	assert_string_equal(q, "a%20b%2F%C3%A9~*'()!-_.%2B");
	free(q);
}

static void
test_query_parse(void **state)
{
	static const struct {
		const char	*target;
		int		 code;
		const char	*reason;
		uint16_t	 port;
		bool		 adv;
	} cases[] = {
		{ "/rpc/?networkVersion=1&chainID=10000000&port=5799", 0, "",
		  5799, true },
		{ "/rpc/?networkVersion=1.0&chainID=10000000zz&port=5102abc"
		  "&advertiseAddress=false&nonce=x", 0, "", 5102, false },
		{ "/rpc/?networkVersion=1.0&chainID=10000000&port=+77", 0, "",
		  77, true },
		{ "/rpc/?chainID=10000000&port=5", 4502, "Peer did not provide "
		  "valid query parameters as part of the WebSocket connection",
		  0, true },
		{ "/rpc/?networkVersion=1&networkVersion=1&chainID=1&port=5",
		  4502, NULL, 0, true },
		{ "/rpc/?networkVersion=1&chainID=1&chainID=2&port=5", 4502,
		  NULL, 0, true },
		{ "/rpc/?networkVersion=1&chainID=10000000", 4105, "Invalid peer "
		  "ipAddress or port for peer with ip: 1.2.3.4 and port NaN", 0,
		  true },
		{ "/rpc/?networkVersion=1&chainID=10000000&port=abc", 4105,
		  "Invalid peer ipAddress or port for peer with ip: 1.2.3.4 and "
		  "port NaN", 0, true },
		{ "/rpc/?networkVersion=1&chainID=10000000&port=0", 4105,
		  "Invalid peer ipAddress or port for peer with ip: 1.2.3.4 and "
		  "port 0", 0, true },
		{ "/rpc/?networkVersion=1&chainID=10000000&port=65536", 4105,
		  NULL, 0, true },
		{ "/rpc/", 4502, NULL, 0, true },
	};
	struct lp2p_peer_query q;
	char reason[256];

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		int code = lp2p__peer_query_parse(cases[i].target, &q,
		    "1.2.3.4", reason, sizeof(reason));

		if (code != cases[i].code)
			fail_msg("case %zu: %d, want %d", i, code,
			    cases[i].code);
		if (cases[i].reason != NULL && code != 0)
			assert_string_equal(reason, cases[i].reason);
		if (code == 0) {
			assert_int_equal(q.port, cases[i].port);
			assert_int_equal(q.advertise_address, cases[i].adv);
			assert_int_equal(q.chain_id_len, 4);
		}
	}
	/* percent-decoding and the lenient hex of chainID */
	assert_int_equal(lp2p__peer_query_parse("/rpc/?networkVersion=1%2E0"
	    "&chainID=1000000&port=1&nonce=a%20b+c", &q, "1.2.3.4", reason,
	    sizeof(reason)), 0);
	assert_string_equal(q.network_version, "1.0");
	assert_string_equal(q.nonce, "a b c");
	assert_int_equal(q.chain_id_len, 3);	/* odd nibble dropped */
}

static void
test_compatible(void **state)
{
	static const struct {
		const char	*mine, *theirs;
		uint8_t		 chain0;
		const char	*reason;	/* NULL: compatible */
	} cases[] = {
		{ "1.0", "1.0", 0x10, NULL },
		{ "1.0", "1.3", 0x10, NULL },
		{ "1.0", "1", 0x10, NULL },
		{ "1.0", " 1.9", 0x10, NULL },
		{ "1.0", "+1.0", 0x10, NULL },
		{ "1.0", "2.0", 0x10, "Peer has incompatible protocol version" },
		{ "0.9", "0.9", 0x10, "Peer has incompatible protocol version" },
		{ "1.0", "x", 0x10, "Peer has incompatible protocol version" },
		{ "1.0", "", 0x10, "Peer has incompatible protocol version" },
		{ "5.0", "5.1", 0x10, NULL },
		{ "1.0", "1.0", 0x20, "Peer chainID did not match our own" },
		{ "1.0", "2.0", 0x20, "Peer chainID did not match our own" },
	};
	struct lp2p_peer_self s;
	uint8_t chain[4] = { 0, 0, 0, 0 };
	char reason[128];

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		int code;

		self_init(&s, cases[i].mine, 0x10);
		chain[0] = cases[i].chain0;
		code = lp2p__peer_compatible(&s, chain, 4, cases[i].theirs,
		    reason, sizeof(reason));
		if (cases[i].reason == NULL)
			assert_int_equal(code, 0);
		else {
			assert_int_equal(code, 4104);
			assert_string_equal(reason, cases[i].reason);
		}
	}
	self_init(&s, "1.0", 0x10);
	assert_int_equal(lp2p__peer_compatible(&s, chain, 3, "1.0", reason,
	    sizeof(reason)), 4104);
}

/* ---- the peer layer on a loop ----------------------------------------- */

struct world {
	uv_loop_t		 loop;
	uv_timer_t		 guard;
	uv_timer_t		 later;
	struct lp2p_peer_server	*srv;
	struct lp2p_peer	*client;
	struct lp2p_peer	*server_peer;
	int			 flood;		/* messages to send */
	int			 gni;		/* getNodeInfo to send */
	bool			 gni_data;
	int			 gp;		/* getPeers to send */
	int			 push;		/* nodeInfo pushes to make */
	int			 posts;		/* postNodeInfo the server got */
	int			 srv_penalty;	/* sum at the server */
	bool			 srv_banned;
	int			 client_code;
	char			 client_reason[128];
	bool			 client_connected;
	int			 replies;
	int			 messages;
	int			 closed;
	uint32_t		 ping_interval;	/* server #1, 0: default */
	uint32_t		 ping_timeout;
	const char		*bind;		/* client source address */
	char			 seen_ip[48];	/* as the server saw it */
};

static void
maybe_end(struct world *w)
{
	if (++w->closed == 2) {
		lp2p__peer_server_close(w->srv);
		uv_close((uv_handle_t *)&w->later, NULL);
	}
}

static void
c_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r, void *arg)
{
	struct world *w = arg;

	(void)p;
	if (r->status == 0)
		w->replies++;
}

static void
on_later(uv_timer_t *t)
{
	struct world *w = t->data;

	lp2p__peer_close(w->client, 1000, NULL, 0);
}

static void
c_connected(struct lp2p_peer *p, void *arg)
{
	struct world *w = arg;

	w->client_connected = true;
	for (int i = 0; i < w->flood; i++)
		lp2p__peer_send(p, "spam", NULL, 0);
	for (int i = 0; i < w->gni; i++)
		lp2p__peer_request(p, "getNodeInfo", w->gni_data ?
		    (const uint8_t *)"x" : NULL, w->gni_data ? 1 : 0, c_reply,
		    w);
	for (int i = 0; i < w->gp; i++)
		lp2p__peer_request(p, "getPeers", NULL, 0, c_reply, w);
	for (int i = 0; i < w->push; i++) {
		struct lp2p_peer_self s;

		self_init(&s, "1.0", 0x10);
		assert_int_equal(lp2p__peer_set_self(p, &s, true), 0);
	}
	lp2p__peer_send(p, "hello", (const uint8_t *)"\0\1", 2);
	uv_timer_start(&w->later, on_later, 1500, 0);
}

static void
c_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool done, void *arg)
{
	struct world *w = arg;

	(void)by_us;
	(void)done;
	w->client_code = code;
	strlcpy(w->client_reason, reason, sizeof(w->client_reason));
	uv_timer_stop(&w->later);
	lp2p__peer_free(p);
	w->client = NULL;
	maybe_end(w);
}

static void
s_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct world *w = arg;

	(void)p;
	if (strcmp(m->name, "hello") == 0) {
		assert_true(m->has_data);
		assert_int_equal(m->len, 2);
		assert_memory_equal(m->data, "\0\1", 2);
	}
	w->messages++;
}

static int
s_nodeinfo(struct lp2p_peer *p, const uint8_t *d, size_t n, void *arg)
{
	struct world *w = arg;

	(void)p;
	(void)d;
	(void)n;
	w->posts++;
	return 0;
}

static void
s_penalty(struct lp2p_peer *p, int pen, int rep, int reason, const char *why,
    void *arg)
{
	struct world *w = arg;

	(void)p;
	(void)rep;
	(void)reason;
	(void)why;
	w->srv_penalty += pen;
}

static void
s_ban(struct lp2p_peer *p, bool server_level, const char *why, void *arg)
{
	struct world *w = arg;

	(void)p;
	(void)why;
	assert_false(server_level);
	w->srv_banned = true;
}

static int
s_accept(struct lp2p_peer *p, char *reason, size_t len, void *arg)
{
	struct world *w = arg;

	(void)reason;
	(void)len;
	w->server_peer = p;
	strlcpy(w->seen_ip, lp2p__peer_ip(p), sizeof(w->seen_ip));
	return 0;
}

static void
s_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool done, void *arg)
{
	struct world *w = arg;

	(void)code;
	(void)reason;
	(void)by_us;
	(void)done;
	lp2p__peer_free(p);
	maybe_end(w);
}

static void
srv_closed(struct lp2p_peer_server *s, void *arg)
{
	struct world *w = arg;

	lp2p__peer_server_free(s);
	uv_close((uv_handle_t *)&w->guard, NULL);
}

static void
on_guard(uv_timer_t *t)
{
	(void)t;
	fail_msg("timed out");
}

static void
run_world(struct world *w, const char *srv_nv, uint8_t srv_chain,
    uint32_t rate_iv)
{
	static const struct lp2p_peer_cb ccb = {
		.on_connected = c_connected,
		.on_closed = c_closed,
	};
	static const struct lp2p_peer_cb scb = {
		.on_accept = s_accept,
		.on_message = s_message,
		.on_nodeinfo = s_nodeinfo,
		.on_penalty = s_penalty,
		.on_ban = s_ban,
		.on_closed = s_closed,
	};
	static const struct lp2p_peer_server_cb sscb = {
		.on_closed = srv_closed,
	};
	struct lp2p_peer_config cfg;
	struct lp2p_peer_self cs, ss;
	struct lp2p_err e;

	lp2p__peer_config_default(&cfg);
	cfg.rate_calculation_interval = rate_iv;
	if (w->ping_interval > 0)
		cfg.ping_interval = w->ping_interval;
	if (w->ping_timeout > 0)
		cfg.ping_timeout = w->ping_timeout;
	self_init(&cs, "1.0", 0x10);
	self_init(&ss, srv_nv, srv_chain);
	strlcpy(ss.nonce, "ffffffffffffffff", sizeof(ss.nonce));
	uv_loop_init(&w->loop);
	uv_timer_init(&w->loop, &w->guard);
	uv_timer_init(&w->loop, &w->later);
	w->later.data = w;
	uv_timer_start(&w->guard, on_guard, 10000, 0);
	assert_int_equal(lp2p__peer_server_new(&w->srv, &w->loop, &cfg, &ss,
	    "127.0.0.1", 0, &sscb, &scb, w, &e), 0);
	assert_int_equal(lp2p__peer_connect(&w->client, &w->loop, &cfg, &cs,
	    "127.0.0.1", (uint16_t)lp2p__peer_server_port(w->srv), w->bind,
	    &ccb, w, &e), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
}

static void
test_refusals(void **state)
{
	struct world w;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.closed = 1;		/* no server peer is ever accepted */
	run_world(&w, "1.0", 0x20, 1000);
	assert_false(w.client_connected);
	assert_int_equal(w.client_code, 4104);
	assert_string_equal(w.client_reason,
	    "Peer chainID did not match our own");
	memset(&w, 0, sizeof(w));
	w.closed = 1;
	run_world(&w, "2.1", 0x10, 1000);
	assert_int_equal(w.client_code, 4104);
	assert_string_equal(w.client_reason,
	    "Peer has incompatible protocol version");
}

static void
test_honest(void **state)
{
	struct world w;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.gni = 1;
	w.flood = 50;
	run_world(&w, "1.0", 0x10, 1000);
	assert_true(w.client_connected);
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.messages, 51);
	assert_int_equal(w.srv_penalty, 0);
	assert_false(w.srv_banned);
	assert_int_equal(w.client_code, 1000);
	assert_string_equal(w.seen_ip, "127.0.0.1");
	/* dialing from a chosen source address */
	memset(&w, 0, sizeof(w));
	w.bind = "127.0.0.3";
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.client_code, 1000);
	assert_string_equal(w.seen_ip, "127.0.0.3");
}

static void
test_getnodeinfo_rules(void **state)
{
	struct world w;

	(void)state;
	/* 3 in one window: 2nd and 3rd cost 10 each, are not answered, and
	 * the window end costs 10 once more */
	memset(&w, 0, sizeof(w));
	w.gni = 3;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.srv_penalty, 30);
	/* with data: 100, banned, closed with 1000 */
	memset(&w, 0, sizeof(w));
	w.gni = 1;
	w.gni_data = true;
	run_world(&w, "1.0", 0x10, 1000);
	assert_true(w.srv_banned);
	assert_int_equal(w.client_code, 1000);
}

static void
test_getpeers_rules(void **state)
{
	struct world w;

	(void)state;
	/*
	 * A reference client's second getPeers (its seed discovery just
	 * after its getPeers on connect) is forgiven once per connection;
	 * in the same second it is still not answered.
	 */
	memset(&w, 0, sizeof(w));
	w.gp = 2;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.srv_penalty, 0);
	/* a third: 10, and 10 at the window end (the reference: 30) */
	memset(&w, 0, sizeof(w));
	w.gp = 3;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.replies, 1);
	assert_int_equal(w.srv_penalty, 20);
}

static void
test_post_pacing(void **state)
{
	struct world w;

	(void)state;
	/* ours at connect and 6 pushes: 4 go within 12 s, no penalty */
	memset(&w, 0, sizeof(w));
	w.push = 6;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.posts, 4);
	assert_int_equal(w.srv_penalty, 0);
}

static void
test_flood(void **state)
{
	struct world w;

	(void)state;
	/* 450 in one window: 10 * 4 */
	memset(&w, 0, sizeof(w));
	w.flood = 450;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.srv_penalty, 40);
	assert_false(w.srv_banned);
	/* 1100 in one window: 110, banned */
	memset(&w, 0, sizeof(w));
	w.flood = 1100;
	run_world(&w, "1.0", 0x10, 1000);
	assert_true(w.srv_banned);
	assert_int_equal(w.client_code, 1000);
}

static void
test_heartbeat(void **state)
{
	struct world w;

	(void)state;
	/* #1 every 100 ms, pingTimeout 400: a 1.5-s connection stays up */
	memset(&w, 0, sizeof(w));
	w.ping_interval = 100;
	w.ping_timeout = 400;
	run_world(&w, "1.0", 0x10, 1000);
	assert_true(w.client_connected);
	assert_int_equal(w.client_code, 1000);
	/* no #1 within pingTimeout: the client closes with 4000 */
	memset(&w, 0, sizeof(w));
	w.ping_interval = 5000;
	w.ping_timeout = 400;
	run_world(&w, "1.0", 0x10, 1000);
	assert_int_equal(w.client_code, 4000);
	assert_string_equal(w.client_reason, "Server ping timed out");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_build),
		cmocka_unit_test(test_query_parse),
		cmocka_unit_test(test_compatible),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_honest),
		cmocka_unit_test(test_getnodeinfo_rules),
		cmocka_unit_test(test_getpeers_rules),
		cmocka_unit_test(test_post_pacing),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_heartbeat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
