/*
 * test_crawl.c — the crawler and the watcher (crawl.c) on a real loop
 * against in-process C servers (peer.h): records, refusals, summary,
 * DOT, watch events; every handle closed, nothing leaked (ASan).
 *
 * Servers 0..3 on 127.40.30.1-4; 0 advertises 1 and 2, 1 advertises 3 and
 * a dead address, 2 advertises 0; 3 is of another chain (refuses 4104).
 */
#include <stdio.h>

#include "unit.h"
#include "peer.h"

#define NSRV	4
#define DEAD	"127.40.30.9:1"

struct world;
struct srvctx {
	struct world	*w;
	int		 i;
};

struct world {
	uv_loop_t		 loop;
	uv_timer_t		 guard;
	struct lp2p_peer_server	*srv[NSRV];
	struct srvctx		 ctx[NSRV];
	int			 port[NSRV];
	uint8_t			*ni[NSRV];
	int			 open_srv;
	struct lp2p_crawl	*crawl;
	int			 watch;
	jv			 lines;		/* records / events */
	jv			 summary;
	jv			 dot;
	int			 hellos;
	int			 connects;
	int			 aborts;
	int			 stopped;
};

static char *
id_of(struct world *w, int i, char *buf, size_t len)
{
	snprintf(buf, len, "127.40.30.%d:%d", i + 1, w->port[i]);
	return buf;
}

static int
s_get_peers(struct lp2p_peer *p, uint8_t **out, size_t *len, void *arg)
{
	static const int adv[NSRV][2] = { { 1, 2 }, { 3, -1 }, { 0, -2 },
	    { -2, -2 } };
	struct srvctx *x = arg;
	struct world *w = x->w;
	int i = x->i;
	jv list = jv_array();

	(void)p;
	for (int k = 0; k < 2; k++) {
		int j = adv[i][k];
		char ip[32];

		if (j == -2)
			continue;
		if (j == -1)
			list = jv_array_append(list, jv_parse(
			    "{\"ipAddress\":\"127.40.30.9\",\"port\":1}"));
		else {
			snprintf(ip, sizeof(ip), "127.40.30.%d", j + 1);
			list = jv_array_append(list, jv_object_set(
			    jv_object_set(jv_object(), jv_string("ipAddress"),
			    jv_string(ip)), jv_string("port"),
			    jv_number(w->port[j])));
		}
	}
	return lp2p_peers_encode(list, out, len, NULL);
}

static int
s_accept(struct lp2p_peer *p, char *reason, size_t len, void *arg)
{
	(void)reason;
	(void)len;
	(void)arg;
	(void)p;
	return 0;
}

static void
s_connected(struct lp2p_peer *p, void *arg)
{
	struct srvctx *x = arg;

	if (x->w->watch)
		lp2p__peer_send(p, "hello", (const uint8_t *)"\x01\x02", 2);
}

static void
s_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool done, void *arg)
{
	(void)code;
	(void)reason;
	(void)by_us;
	(void)done;
	(void)arg;
	lp2p__peer_free(p);
}

static void
srv_closed(struct lp2p_peer_server *s, void *arg)
{
	struct world *w = ((struct srvctx *)arg)->w;

	lp2p__peer_server_free(s);
	if (--w->open_srv == 0)
		uv_close((uv_handle_t *)&w->guard, NULL);
}

static void
on_guard(uv_timer_t *t)
{
	(void)t;
	fail_msg("timed out");
}

static void
c_peer(struct lp2p_crawl *c, jv rec, void *arg)
{
	struct world *w = arg;

	(void)c;
	w->lines = jv_array_append(w->lines, rec);
}

static void
c_event(struct lp2p_crawl *c, jv ev, void *arg)
{
	struct world *w = arg;
	jv e = jv_object_get(jv_copy(ev), jv_string("event"));
	jv t = jv_object_get(jv_copy(ev), jv_string("type"));

	if (jv_get_kind(e) == JV_KIND_STRING &&
	    strcmp(jv_string_value(e), "hello") == 0)
		w->hellos++;
	if (jv_get_kind(t) == JV_KIND_STRING &&
	    strcmp(jv_string_value(t), "EVENT_CONNECT_OUTBOUND") == 0)
		w->connects++;
	if (jv_get_kind(t) == JV_KIND_STRING &&
	    strcmp(jv_string_value(t), "EVENT_CONNECT_ABORT_OUTBOUND") == 0)
		w->aborts++;
	/* three connected and spoke, two failed: enough */
	if (w->hellos == 3 && w->connects == 3 && w->aborts == 2 &&
	    !w->stopped) {
		w->stopped = 1;
		lp2p_crawl_stop(c);
	}
	jv_free(e);
	jv_free(t);
	w->lines = jv_array_append(w->lines, ev);
}

static void
c_done(struct lp2p_crawl *c, jv summary, void *arg)
{
	struct world *w = arg;

	w->summary = summary;
	w->dot = lp2p_crawl_dot(c);
	lp2p_crawl_free(c);
	for (int i = 0; i < NSRV; i++)
		lp2p__peer_server_close(w->srv[i]);
}

static void
run(struct world *w, int watch)
{
	static const struct lp2p_peer_cb scb = {
		.on_connected = s_connected,
		.on_accept = s_accept,
		.get_peers = s_get_peers,
		.on_closed = s_closed,
	};
	static const struct lp2p_peer_server_cb sscb = {
		.on_closed = srv_closed,
	};
	struct lp2p_crawl_cb cb = { c_peer, c_event, c_done };
	struct lp2p_crawl_config cfg;
	struct lp2p_peer_config pc;
	struct lp2p_err e;
	char id[64];

	memset(w, 0, sizeof(*w));
	w->watch = watch;
	w->lines = jv_array();
	w->summary = jv_null();
	w->dot = jv_null();
	uv_loop_init(&w->loop);
	uv_timer_init(&w->loop, &w->guard);
	uv_timer_start(&w->guard, on_guard, 15000, 0);
	lp2p__peer_config_default(&pc);
	for (int i = 0; i < NSRV; i++) {
		struct lp2p_peer_self s;
		char ip[32], nonce[17];
		size_t n;
		jv ni;

		memset(&s, 0, sizeof(s));
		s.chain_id[0] = i == 3 ? 0x20 : 0x10;
		s.chain_id_len = 4;
		strlcpy(s.network_version, "1.0", sizeof(s.network_version));
		snprintf(nonce, sizeof(nonce), "%016d", i + 1);
		strlcpy(s.nonce, nonce, sizeof(s.nonce));
		s.advertise_address = true;
		s.port = 7000;
		ni = jv_parse(i == 3 ? "{\"chainID\":\"20000000\"}" :
		    "{\"chainID\":\"10000000\"}");
		ni = jv_object_set(ni, jv_string("networkVersion"),
		    jv_string("1.0"));
		ni = jv_object_set(ni, jv_string("nonce"), jv_string(nonce));
		ni = jv_object_set(ni, jv_string("advertiseAddress"),
		    jv_true());
		assert_int_equal(lp2p_codec_encode(
		    lp2p_schema_builtin("/nodeInfo"), ni, &w->ni[i], &n, &e),
		    0);
		s.nodeinfo = w->ni[i];
		s.nodeinfo_len = n;
		snprintf(ip, sizeof(ip), "127.40.30.%d", i + 1);
		w->ctx[i].w = w;
		w->ctx[i].i = i;
		assert_int_equal(lp2p__peer_server_new(&w->srv[i], &w->loop,
		    &pc, &s, ip, 0, &sscb, &scb, &w->ctx[i], &e), 0);
		w->port[i] = lp2p__peer_server_port(w->srv[i]);
		w->open_srv++;
	}
	lp2p_crawl_config_init(&cfg);
	cfg.chain_id[0] = 0x10;
	cfg.chain_id_len = 4;
	cfg.parallel = watch ? 10 : 2;
	cfg.keep_graph = 1;
	cfg.watch = watch;
	assert_int_equal(lp2p_crawl_new(&w->crawl, &w->loop, &cfg, &cb, w,
	    &e), 0);
	jv_free(cfg.options);
	assert_int_equal(lp2p_crawl_add(w->crawl, id_of(w, 0, id,
	    sizeof(id)), &e), 0);
	/* a seed twice is one peer; a host name or IPv6 is refused */
	assert_int_equal(lp2p_crawl_add(w->crawl, id, &e), 0);
	assert_int_equal(lp2p_crawl_add(w->crawl, "[::1]:5000", &e),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_crawl_start(w->crawl, &e), 0);
	uv_run(&w->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&w->loop), 0);
	for (int i = 0; i < NSRV; i++)
		free(w->ni[i]);
}

/* The one line of lines for which jq-like key == value (string). */
static jv
find(jv lines, const char *type, const char *peer)
{
	int n = jv_array_length(jv_copy(lines));

	for (int i = 0; i < n; i++) {
		jv l = jv_array_get(jv_copy(lines), i);
		jv t = jv_object_get(jv_copy(l), jv_string("type"));
		jv p = jv_object_get(jv_copy(l), jv_string("peerId"));
		int hit = jv_get_kind(t) == JV_KIND_STRING &&
		    strcmp(jv_string_value(t), type) == 0 &&
		    jv_get_kind(p) == JV_KIND_STRING &&
		    strcmp(jv_string_value(p), peer) == 0;

		jv_free(t);
		jv_free(p);
		if (hit)
			return l;
		jv_free(l);
	}
	return jv_invalid();
}

static double
num(jv o, const char *k)		/* o consumed */
{
	jv v = jv_get_kind(o) == JV_KIND_OBJECT ?
	    jv_object_get(o, jv_string(k)) : (jv_free(o), jv_invalid());
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;

	jv_free(v);
	return d;
}

/* o[k] is the string want (o consumed). */
static int
str_is(jv o, const char *k, const char *want)
{
	jv v = jv_get_kind(o) == JV_KIND_OBJECT ?
	    jv_object_get(o, jv_string(k)) : (jv_free(o), jv_invalid());
	int ok = jv_get_kind(v) == JV_KIND_STRING &&
	    strcmp(jv_string_value(v), want) == 0;

	jv_free(v);
	return ok;
}

static jv
get(jv o, const char *k)		/* o not consumed */
{
	return jv_object_get(jv_copy(o), jv_string(k));
}

static void
test_crawl(void **state)
{
	struct world w;
	char id[64], a[64], b[64], edge[160];
	jv r;

	(void)state;
	run(&w, 0);
	assert_int_equal(jv_array_length(jv_copy(w.lines)), 5);
	for (int i = 0; i < 3; i++) {
		r = find(w.lines, "PEER", id_of(&w, i, id, sizeof(id)));
		assert_true(jv_is_valid(r));
		assert_int_equal(jv_get_kind(get(r, "reachable")),
		    JV_KIND_TRUE);
		assert_true(num(jv_copy(r), "rttMs") > 0);
		assert_true(str_is(get(r, "nodeInfo"), "chainID", "10000000"));
		assert_int_equal(num(r, "peersAdvertised"), i == 2 ? 1 : 2);
	}
	/* another chain: refused with 4104 */
	r = find(w.lines, "PEER", id_of(&w, 3, id, sizeof(id)));
	assert_int_equal(jv_get_kind(get(r, "reachable")), JV_KIND_FALSE);
	assert_true(str_is(get(r, "error"), "kind", "refused"));
	assert_int_equal(num(get(r, "error"), "code"), 4104);
	jv_free(r);
	/* nobody listening: refused by TCP, no WebSocket close code */
	r = find(w.lines, "PEER", DEAD);
	assert_true(str_is(get(r, "error"), "kind", "refused"));
	{
		jv e = get(r, "error"), code = get(e, "code");

		assert_false(jv_is_valid(code));	/* no code */
		jv_free(code);
		jv_free(e);
	}
	jv_free(r);
	assert_true(str_is(jv_copy(w.summary), "type", "SUMMARY"));
	assert_int_equal(num(jv_copy(w.summary), "discovered"), 5);
	assert_int_equal(num(jv_copy(w.summary), "reachable"), 3);
	assert_int_equal(num(jv_copy(w.summary), "unreachable"), 2);
	assert_int_equal(num(jv_copy(w.summary), "notContacted"), 0);
	assert_int_equal(num(get(w.summary, "errors"), "refused"), 2);
	/* the graph: every advertisement an edge, colours by outcome */
	snprintf(edge, sizeof(edge), "\"%s\" -> \"%s\";",
	    id_of(&w, 0, a, sizeof(a)), id_of(&w, 1, b, sizeof(b)));
	assert_non_null(strstr(jv_string_value(w.dot), edge));
	snprintf(edge, sizeof(edge), "\"%s\" -> \"%s\";",
	    id_of(&w, 2, a, sizeof(a)), id_of(&w, 0, b, sizeof(b)));
	assert_non_null(strstr(jv_string_value(w.dot), edge));
	snprintf(edge, sizeof(edge), "\"%s\" -> \"%s\";",
	    id_of(&w, 1, a, sizeof(a)), DEAD);
	assert_non_null(strstr(jv_string_value(w.dot), edge));
	snprintf(edge, sizeof(edge), "\"%s\" [fillcolor=lightpink",
	    id_of(&w, 3, a, sizeof(a)));
	assert_non_null(strstr(jv_string_value(w.dot), edge));
	snprintf(edge, sizeof(edge), "\"%s\" [fillcolor=palegreen",
	    id_of(&w, 2, a, sizeof(a)));
	assert_non_null(strstr(jv_string_value(w.dot), edge));
	jv_free(w.lines);
	jv_free(w.summary);
	jv_free(w.dot);
}

/* Count lines of a type (and peer, when not NULL). */
static int
count(jv lines, const char *type, const char *peer)
{
	int n = jv_array_length(jv_copy(lines)), k = 0;

	for (int i = 0; i < n; i++) {
		jv l = jv_array_get(jv_copy(lines), i);

		if (str_is(jv_copy(l), "type", type) && (peer == NULL ||
		    str_is(jv_copy(l), "peerId", peer)))
			k++;
		jv_free(l);
	}
	return k;
}

static void
test_watch(void **state)
{
	struct world w;
	char id[64];
	jv r;

	(void)state;
	run(&w, 1);
	for (int i = 0; i < 3; i++) {
		id_of(&w, i, id, sizeof(id));
		assert_int_equal(count(w.lines, "EVENT_CONNECT_OUTBOUND", id),
		    1);
		r = find(w.lines, "EVENT_MESSAGE_RECEIVED", id);
		/* the first message of a server may be its postNodeInfo */
		assert_true(jv_is_valid(r));
		jv_free(r);
		assert_int_equal(count(w.lines, "EVENT_CLOSE_OUTBOUND", id), 1);
	}
	assert_int_equal(w.hellos, 3);
	assert_int_equal(count(w.lines, "EVENT_NETWORK_READY", NULL), 1);
	assert_int_equal(count(w.lines, "EVENT_CONNECT_ABORT_OUTBOUND",
	    id_of(&w, 3, id, sizeof(id))), 1);
	assert_int_equal(count(w.lines, "EVENT_CONNECT_ABORT_OUTBOUND",
	    DEAD), 1);
	assert_int_equal(count(w.lines, "EVENT_DISCOVERED_PEER", NULL), 4);
	assert_int_equal(count(w.lines, "PEER", NULL), 0);
	jv_free(w.lines);
	jv_free(w.summary);
	jv_free(w.dot);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crawl),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
