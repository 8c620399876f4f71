/*
 * test_edge.c — inputs an outside fuzzing pass found (issue 12), each
 * through the code it broke: an empty close frame (wslay hands msg NULL),
 * a reply rid of 1e300, a 3 MB #handshake before the handshake, JSON of
 * too many values, a getPeers reply counted before it is built, and the
 * book loader on text that skips the strict checker ({"a""b"}).
 *
 * The wire tests use a raw peer in a thread: blocking sockets, scripted
 * bytes, so the library sees exactly what an attacker would send.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>

#include "unit.h"
#include "ws.h"
#include "sc.h"

/* ---- a raw server in a thread -------------------------------------- */

struct raw {
	int		 lfd;
	uint16_t	 port;
	const uint8_t	*after_hs;	/* sent after the client's 1st frame */
	size_t		 after_hs_len;
	const uint8_t	*after_up;	/* sent right after the 101 */
	size_t		 after_up_len;
	pthread_t	 th;
};

static void
raw_write(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* Read until "\r\n\r\n"; the Sec-WebSocket-Key into key. */
static void
raw_read_head(int fd, char key[64])
{
	char buf[4096], *k, *e;
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(buf) - 1) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		assert_true(r > 0);
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	k = strcasestr(buf, "Sec-WebSocket-Key: ");
	assert_non_null(k);
	k += 19;
	e = strstr(k, "\r\n");
	snprintf(key, 64, "%.*s", (int)(e - k), k);
}

static void *
raw_main(void *arg)
{
	struct raw *r = arg;
	char key[64], acc[29], resp[256], buf[4096];
	struct timeval tv = { 5, 0 };
	int fd;

	fd = accept(r->lfd, NULL, NULL);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	raw_read_head(fd, key);
	lp2p__ws_accept_key(key, acc);
	snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	raw_write(fd, resp, strlen(resp));
	if (r->after_up != NULL)
		raw_write(fd, r->after_up, r->after_up_len);
	if (r->after_hs != NULL) {
		(void)read(fd, buf, sizeof(buf));	/* the #handshake */
		raw_write(fd, r->after_hs, r->after_hs_len);
	}
	while (read(fd, buf, sizeof(buf)) > 0)	/* until the client closes */
		;
	close(fd);
	return NULL;
}

static void
raw_start(struct raw *r)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(r->lfd, 4), 0);
	assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&sa, &len),
	    0);
	r->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&r->th, NULL, raw_main, r), 0);
}

static void
raw_stop(struct raw *r)
{
	pthread_join(r->th, NULL);
	close(r->lfd);
}

/* An unmasked server text frame of s (< 126 bytes). */
static size_t
text_frame(uint8_t *out, const char *s)
{
	size_t n = strlen(s);

	out[0] = 0x81;
	out[1] = (uint8_t)n;
	memcpy(out + 2, s, n);
	return n + 2;
}

/* ---- an empty close frame (88 00) to a client ----------------------- */

struct cl {
	uv_loop_t	 loop;
	int		 code;
	bool		 closed;
	bool		 opened;
};

static void
ws_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct cl *c = arg;

	(void)reason;
	(void)by_us;
	c->code = code;
	c->closed = true;
	lp2p__ws_free(ws);
}

static void
test_empty_close_frame(void **state)
{
	static const uint8_t close0[] = { 0x88, 0x00 };
	static const struct lp2p_ws_cb cb = { .on_closed = ws_closed };
	struct lp2p_ws_opts o = { .max_payload = LP2P_WS_MAX_PAYLOAD,
	    .max_queue = 1 << 20, .connect_timeout = 5000 };
	struct raw r = { .after_up = close0, .after_up_len = 2 };
	struct lp2p_ws *ws;
	struct lp2p_err e;
	struct cl c = { 0 };

	(void)state;
	raw_start(&r);
	uv_loop_init(&c.loop);
	assert_int_equal(lp2p__ws_connect(&ws, &c.loop, &o, "127.0.0.1",
	    r.port, NULL, "/rpc/", &cb, &c, &e), 0);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	raw_stop(&r);
	assert_true(c.closed);
	assert_int_equal(c.code, 1005);		/* no status in the frame */
	assert_int_equal(uv_loop_close(&c.loop), 0);
}

/* ---- a reply rid of 1e300 to a client -------------------------------- */

static void
sc_open(struct lp2p_sc *sc, void *arg)
{
	struct cl *c = arg;

	(void)sc;
	c->opened = true;
}

static void
sc_closed(struct lp2p_sc *sc, int code, const char *reason, bool by_us,
    bool opened, void *arg)
{
	struct cl *c = arg;

	(void)reason;
	(void)by_us;
	(void)opened;
	c->code = code;
	c->closed = true;
	lp2p__sc_free(sc);
}

static void
test_huge_rid(void **state)
{
	static const struct lp2p_sc_cb cb = { .on_open = sc_open,
	    .on_closed = sc_closed };
	struct lp2p_sc_opts o = { .max_payload = LP2P_WS_MAX_PAYLOAD,
	    .max_queue = 1 << 20, .connect_timeout = 5000,
	    .ack_timeout = 5000, .ping_timeout = 20000, .max_pending = 16 };
	uint8_t script[512];
	size_t n = 0;
	struct raw r = { 0 };
	struct lp2p_sc *sc;
	struct lp2p_err e;
	struct cl c = { 0 };

	(void)state;
	n += text_frame(script + n, "{\"rid\":1,\"data\":{\"id\":\"x\","
	    "\"pingTimeout\":20000,\"isAuthenticated\":false}}");
	n += text_frame(script + n, "{\"rid\":1e300}");
	n += text_frame(script + n, "{\"rid\":-1e300,\"data\":{}}");
	n += text_frame(script + n, "{\"rid\":18446744073709551616}");
	memcpy(script + n, "\x88\x02\x03\xe8", 4);	/* close 1000 */
	n += 4;
	r.after_hs = script;
	r.after_hs_len = n;
	raw_start(&r);
	uv_loop_init(&c.loop);
	assert_int_equal(lp2p__sc_connect(&sc, &c.loop, &o, "127.0.0.1",
	    r.port, NULL, "/rpc/", &cb, &c, &e), 0);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	raw_stop(&r);
	assert_true(c.opened);
	assert_true(c.closed);
	assert_int_equal(c.code, 1000);
	assert_int_equal(uv_loop_close(&c.loop), 0);
}

/* ---- a large #handshake before the handshake is not parsed ---------- */

struct sv {
	uv_loop_t		 loop;
	struct lp2p_sc_server	*srv;
	int			 code;
	int			 handshakes;
	bool			 closed;
};

static int
sv_handshake(struct lp2p_sc *sc, char *reason, size_t len, void *arg)
{
	struct sv *s = arg;

	(void)sc;
	(void)reason;
	(void)len;
	s->handshakes++;
	return 0;
}

static void
sv_closed(struct lp2p_sc *sc, int code, const char *reason, bool by_us,
    bool opened, void *arg)
{
	struct sv *s = arg;

	(void)reason;
	(void)by_us;
	(void)opened;
	s->code = code;
	s->closed = true;
	lp2p__sc_free(sc);
	lp2p__sc_server_close(s->srv);
}

static void
sv_accept(struct lp2p_sc_server *srv, struct lp2p_sc *sc, void *arg)
{
	static const struct lp2p_sc_cb cb = { .on_handshake = sv_handshake,
	    .on_closed = sv_closed };

	(void)srv;
	lp2p__sc_set_cb(sc, &cb, arg);
}

static void
sv_srv_closed(struct lp2p_sc_server *srv, void *arg)
{
	(void)arg;
	lp2p__sc_server_free(srv);
}

static void
test_big_handshake(void **state)
{
	static const struct lp2p_sc_server_cb scb = { .on_accept = sv_accept,
	    .on_closed = sv_srv_closed };
	static const char head[] = "GET /rpc/ HTTP/1.1\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
	    "dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n";
	static const char pre[] = "{\"event\":\"#handshake\",\"data\":{\"a\":[";
	struct lp2p_sc_opts o = { .max_payload = LP2P_WS_MAX_PAYLOAD,
	    .max_queue = 1 << 20, .connect_timeout = 5000,
	    .handshake_timeout = 5000, .ping_interval = 5000,
	    .ping_timeout = 20000, .max_pending = 16,
	    .control_message_limit = 10 };
	size_t items = 30000, plen, n = 0;
	struct sockaddr_in sa;
	struct lp2p_err e;
	struct sv s = { 0 };
	uint8_t *msg, *fr;
	int fd;

	(void)state;
	/* {"event":"#handshake","data":{"a":[{},{},...]}}: 90 KB */
	plen = strlen(pre) + items * 3 + 3;
	msg = malloc(plen);
	memcpy(msg, pre, strlen(pre));
	n = strlen(pre);
	for (size_t i = 0; i < items; i++, n += 3)
		memcpy(msg + n, i + 1 < items ? "{}," : "{}]", 3);
	memcpy(msg + n, "}}", 2);
	plen = n + 2;
	fr = malloc(plen + 16);
	fr[0] = 0x81;
	fr[1] = 0x80 | 127;
	for (int i = 0; i < 8; i++)
		fr[2 + i] = (uint8_t)((uint64_t)plen >> (56 - 8 * i));
	memset(fr + 10, 0, 4);		/* mask 0: the text as is */
	memcpy(fr + 14, msg, plen);
	uv_loop_init(&s.loop);
	assert_int_equal(lp2p__sc_server_new(&s.srv, &s.loop, &o,
	    "127.0.0.1", 0, &scb, &s, &e), 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lp2p__sc_server_port(s.srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	raw_write(fd, head, sizeof(head) - 1);
	raw_write(fd, fr, plen + 14);
	uv_run(&s.loop, UV_RUN_DEFAULT);
	close(fd);
	assert_true(s.closed);
	assert_int_equal(s.handshakes, 0);
	assert_int_equal(s.code, 1009);
	assert_int_equal(uv_loop_close(&s.loop), 0);
	free(fr);
	free(msg);
}

/* ---- JSON of too many values ---------------------------------------- */

/* {"event":"x","data":{"a":[0,0,...]}} with k numbers: k + 4 values */
static size_t
numbers(char *s, size_t k)
{
	size_t n = (size_t)sprintf(s, "{\"event\":\"x\",\"data\":{\"a\":[");

	for (size_t i = 0; i < k; i++) {
		s[n++] = '0';
		s[n++] = ',';
	}
	s[n - 1] = ']';
	s[n++] = '}';
	s[n++] = '}';
	return n;
}

static void
test_value_cap(void **state)
{
	size_t k = LP2P_MAX_JSON_VALUES - 4, n;
	char why[128], *s;
	jv v;

	(void)state;
	s = malloc(LP2P_MAX_JSON_VALUES * 2 + 64);
	n = numbers(s, k + 1);		/* one over the cap */
	assert_int_equal(lp2p__sc_screen(s, n, &v, why, sizeof(why)),
	    LP2P_EINVAL);
	assert_non_null(strstr(why, "values"));
	assert_int_equal(lp2p__sc_decode(s, n, &v), LP2P_EFULL);
	n = numbers(s, k);		/* exactly the cap */
	assert_int_equal(lp2p__sc_screen(s, n, &v, why, sizeof(why)), 0);
	jv_free(v);
	free(s);
}

/* ---- getPeers: counted before built --------------------------------- */

static void
test_peers_count_first(void **state)
{
	static const uint8_t one[] = {	/* peerInfo 1.2.3.4:5 */
		0x0a, 0x07, '1', '.', '2', '.', '3', '.', '4', 0x10, 0x05 };
	size_t n = 0, k = 201;
	struct lp2p_err e;
	uint8_t *b;
	jv v;

	(void)state;
	b = malloc(k * (sizeof(one) + 2) + 2);
	for (size_t i = 0; i < k; i++) {
		b[n++] = 0x0a;
		b[n++] = sizeof(one);
		memcpy(b + n, one, sizeof(one));
		n += sizeof(one);
	}
	/* 201 good entries: too many */
	assert_int_equal(lp2p_peers_decode(b, n, 200, &v, &e), LP2P_EPROTO);
	assert_non_null(strstr(e.msg, "201 entries"));
	/* 200: the list */
	assert_int_equal(lp2p_peers_decode(b, n - sizeof(one) - 2, 200, &v,
	    &e), 0);
	assert_int_equal(jv_array_length(v), 200);
	/* 201 with a broken one: the codec error wins, as the reference */
	b[n - 1] = 0x80;
	assert_int_not_equal(lp2p_peers_decode(b, n, 200, &v, &e),
	    LP2P_EPROTO);
	assert_non_null(strstr(e.msg, "peers[200]"));
	free(b);
	/* 100,000 empty entries: refused at the first, nothing built */
	b = calloc(200000, 1);
	for (size_t i = 0; i < 200000; i += 2)
		b[i] = 0x0a;
	assert_int_equal(lp2p_peers_decode(b, 200000, 200, &v, &e),
	    LP2P_ECODEC);
	assert_non_null(strstr(e.msg, "peers[0]"));
	free(b);
}

/* ---- the book loader never gives libjq unchecked text --------------- */

static void
test_book_unchecked(void **state)
{
	static const char *const bad[] = {
		"{\"a\"\"b\"}",
		"{\"version\":1,\"peers\":[{\"ipAddress\":\"1.2.3.4\","
		    "\"port\":5,\"info\":{\"a\"\"b\"}}]}",
		"{\"version\":1,\"x\":{\"a\"\"b\"}}",
	};
	struct lp2p_book *b;
	struct lp2p_err e;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(bad); i++) {
		assert_int_equal(lp2p_book_load_mem(&b, bad[i], strlen(bad[i]),
		    "t", &e), LP2P_EINVAL);
		assert_null(b);
		assert_non_null(strstr(e.msg, "not JSON"));
	}
	/* LeakSanitizer judges the rest at exit */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_close_frame),
		cmocka_unit_test(test_huge_rid),
		cmocka_unit_test(test_big_handshake),
		cmocka_unit_test(test_value_cap),
		cmocka_unit_test(test_peers_count_first),
		cmocka_unit_test(test_book_unchecked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
