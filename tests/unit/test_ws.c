/* test_ws.c — the upgrade head parser (fed whole and one byte at a time),
 * the accept key, and a real client/server exchange on one loop. */
#include "unit.h"
#include "ws.h"

#define OKHEAD(path) "GET " path " HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n" \
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n" \
	"Upgrade: websocket\r\nHost: 127.0.0.1:5000\r\n\r\n"

static const struct {
	const char	*head;
	int		 status;	/* 101, 400, 431; 0: not done */
	bool		 hang;
} requests[] = {
	{ OKHEAD("/rpc/?networkVersion=1.0&chainID=10000000&port=5"), 101,
	  false },
	{ OKHEAD("/rpc/"), 101, false },
	{ OKHEAD("/rpc"), 400, false },
	{ OKHEAD("/rpc/x"), 400, false },
	{ OKHEAD("/socketcluster/"), 400, false },
	{ "POST /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 12\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 8\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n", 101, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j!Q==\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	  "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	  "Upgrade: h2c\r\n\r\n", 400, false },
	/* header names are case-insensitive */
	{ "GET /rpc/ HTTP/1.1\r\nsec-websocket-version: 13\r\n"
	  "SEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==\r\nconnection: upgrade\r\n"
	  "upgrade: WebSocket\r\n\r\n", 101, false },
	/* no Upgrade: a plain request, never answered */
	{ "GET /rpc/ HTTP/1.1\r\nHost: x\r\n\r\n", 0, true },
	{ "GARBAGE\r\n\r\n", 400, false },
	{ "GET /rpc/ HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n", 0, false },
};

static void
feed(struct lp2p_ws_head *h, const char *s, bool bytewise)
{
	size_t n = strlen(s);

	if (!bytewise) {
		(void)lp2p__ws_head_feed(h, s, n);
		return;
	}
	for (size_t i = 0; i < n && !h->done; i++) {
		size_t used = lp2p__ws_head_feed(h, s + i, 1);

		if (!h->done)
			assert_int_equal(used, 1);
	}
}

static void
test_head_requests(void **state)
{
	(void)state;
	for (int bytewise = 0; bytewise < 2; bytewise++)
		for (size_t i = 0; i < LP2P_NELEM(requests); i++) {
			struct lp2p_ws_head h;

			lp2p__ws_head_init(&h, false);
			feed(&h, requests[i].head, bytewise);
			if (requests[i].status == 0 && !requests[i].hang)
				assert_false(h.done);
			else {
				assert_true(h.done);
				assert_int_equal(h.hang, requests[i].hang);
				if (!h.hang)
					assert_int_equal(h.status,
					    requests[i].status);
			}
			lp2p__ws_head_release(&h);
		}
}

static void
test_head_limit(void **state)
{
	struct lp2p_ws_head h;
	char *big = malloc(20000);

	(void)state;
	strcpy(big, "GET /rpc/?");
	memset(big + 10, 'a', 19000);
	big[19010] = '\0';
	lp2p__ws_head_init(&h, false);
	(void)lp2p__ws_head_feed(&h, big, strlen(big));
	assert_true(h.done);
	assert_int_equal(h.status, 431);
	lp2p__ws_head_release(&h);
	/* headers just under the limit pass */
	lp2p__ws_head_init(&h, false);
	feed(&h, "GET /rpc/ HTTP/1.1\r\nX-Pad: ", false);
	memset(big, 'b', 16000);
	big[16000] = '\0';
	feed(&h, big, false);
	feed(&h, "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
	    "dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\nUpgrade: "
	    "websocket\r\n\r\n", false);
	assert_true(h.done);
	assert_int_equal(h.status, 101);
	lp2p__ws_head_release(&h);
	free(big);
}

static void
test_head_response(void **state)
{
	static const char *r101 = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02#1";
	struct lp2p_ws_head h;
	size_t n;

	(void)state;
	lp2p__ws_head_init(&h, true);
	n = lp2p__ws_head_feed(&h, r101, strlen(r101));
	assert_true(h.done);
	assert_int_equal(h.status, 101);
	assert_int_equal(n, strlen(r101) - 4);	/* the frame stays */
	assert_string_equal(h.key, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	lp2p__ws_head_release(&h);
	lp2p__ws_head_init(&h, true);
	feed(&h, "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n"
	    "Content-Length: 30\r\n\r\nPeer is not allowed to connect", true);
	assert_true(h.done);
	assert_int_equal(h.status, 401);
	lp2p__ws_head_release(&h);
}

static void
test_accept_key(void **state)
{
	char out[29];

	(void)state;
	/* RFC 6455 section 1.3 */
	lp2p__ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* ---- a client and a server on one loop ----------------------------- */

struct pair {
	uv_loop_t		 loop;
	uv_timer_t		 guard;
	struct lp2p_ws_server	*srv;
	struct lp2p_ws		*server_side;
	struct lp2p_ws		*client;
	int			 got;		/* messages at the server */
	size_t			 bytes;
	int			 closed;
	int			 close_code;
	bool			 srv_closed;
};

static void
s_message(struct lp2p_ws *ws, const uint8_t *p, size_t n, bool text,
    void *arg)
{
	struct pair *pp = arg;

	(void)ws;
	(void)p;
	assert_true(text);
	pp->got++;
	pp->bytes += n;
	if (pp->got == 3)
		lp2p__ws_close(pp->client, 4321, "bye");
}

static void
s_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct pair *pp = arg;

	(void)reason;
	assert_false(by_us);
	pp->close_code = code;
	lp2p__ws_free(ws);
	if (++pp->closed == 2)
		lp2p__ws_server_close(pp->srv);
}

static void
c_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct pair *pp = arg;

	(void)reason;
	(void)code;
	assert_true(by_us);
	lp2p__ws_free(ws);
	if (++pp->closed == 2)
		lp2p__ws_server_close(pp->srv);
}

static void
c_open(struct lp2p_ws *ws, void *arg)
{
	static char big[LP2P_WS_MAX_PAYLOAD + 1];

	(void)arg;
	memset(big, 'z', 200000);
	assert_int_equal(lp2p__ws_send(ws, big, LP2P_WS_MAX_PAYLOAD + 1),
	    LP2P_EINVAL);
	assert_int_equal(lp2p__ws_send(ws, "#2", 2), 0);
	assert_int_equal(lp2p__ws_send(ws, big, 200000), 0);
	assert_int_equal(lp2p__ws_send(ws, "{}", 2), 0);
}

static void
on_accept(struct lp2p_ws_server *srv, struct lp2p_ws *ws, void *arg)
{
	static const struct lp2p_ws_cb cb = {
		.on_message = s_message,
		.on_closed = s_closed,
	};
	struct pair *pp = arg;

	(void)srv;
	pp->server_side = ws;
	assert_string_equal(lp2p__ws_target(ws), "/rpc/?a=1");
	lp2p__ws_set_cb(ws, &cb, pp);
}

static void
srv_closed(struct lp2p_ws_server *srv, void *arg)
{
	struct pair *pp = arg;

	lp2p__ws_server_free(srv);
	pp->srv_closed = true;
	uv_close((uv_handle_t *)&pp->guard, NULL);
}

static void
on_guard(uv_timer_t *t)
{
	(void)t;
	fail_msg("timed out");
}

static void
test_exchange(void **state)
{
	static const struct lp2p_ws_server_cb scb = {
		.on_accept = on_accept,
		.on_closed = srv_closed,
	};
	static const struct lp2p_ws_cb ccb = {
		.on_open = c_open,
		.on_closed = c_closed,
	};
	struct lp2p_ws_opts o = { .max_payload = LP2P_WS_MAX_PAYLOAD,
	    .max_queue = 1 << 20, .connect_timeout = 2000 };
	struct pair pp;
	struct lp2p_err e;

	(void)state;
	memset(&pp, 0, sizeof(pp));
	uv_loop_init(&pp.loop);
	uv_timer_init(&pp.loop, &pp.guard);
	uv_timer_start(&pp.guard, on_guard, 5000, 0);
	assert_int_equal(lp2p__ws_server_new(&pp.srv, &pp.loop, &o,
	    "127.0.0.1", 0, &scb, &pp, &e), 0);
	assert_int_equal(lp2p__ws_connect(&pp.client, &pp.loop, &o,
	    "127.0.0.1", (uint16_t)lp2p__ws_server_port(pp.srv), NULL,
	    "/rpc/?a=1", &ccb, &pp, &e), 0);
	uv_run(&pp.loop, UV_RUN_DEFAULT);
	assert_int_equal(pp.got, 3);
	assert_int_equal(pp.bytes, 200004);
	assert_int_equal(pp.close_code, 4321);
	assert_true(pp.srv_closed);
	assert_int_equal(uv_loop_close(&pp.loop), 0);
}

static void
test_refused(void **state)
{
	struct lp2p_ws *ws;
	struct lp2p_err e;
	struct lp2p_ws_opts o = { 0 };
	static const struct lp2p_ws_cb none;
	uv_loop_t loop;

	(void)state;
	uv_loop_init(&loop);
	assert_int_equal(lp2p__ws_connect(&ws, &loop, &o, "not-an-ip", 1,
	    NULL, "/", &none, NULL, &e), LP2P_EINVAL);
	assert_null(ws);
	assert_int_equal(lp2p__ws_connect(&ws, &loop, &o, "127.0.0.1", 1,
	    "1.2.3", "/", &none, NULL, &e), LP2P_EINVAL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- back-pressure: a client that never reads is dropped ---------------- */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

struct bp {
	uv_loop_t		 loop;
	uv_timer_t		 tick;
	uv_timer_t		 guard;
	struct lp2p_ws_server	*srv;
	struct lp2p_ws		*ws;
	size_t			 sent;
	int			 full;
	bool			 closed;
	char			 reason[128];
};

static void
bp_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct bp *b = arg;

	(void)code;
	assert_true(by_us);
	strlcpy(b->reason, reason, sizeof(b->reason));
	lp2p__ws_free(ws);
	b->ws = NULL;
	b->closed = true;
	uv_timer_stop(&b->tick);
	lp2p__ws_server_close(b->srv);
}

static void
bp_tick(uv_timer_t *t)
{
	static char chunk[256 * 1024];
	struct bp *b = t->data;
	int rc;

	if (b->ws == NULL)
		return;
	memset(chunk, 'q', sizeof(chunk));
	rc = lp2p__ws_send(b->ws, chunk, sizeof(chunk));
	if (rc == LP2P_EFULL)
		b->full++;
	else {
		assert_int_equal(rc, 0);
		b->sent += sizeof(chunk);
	}
	/* the queue never holds more than the limit */
	if (b->ws != NULL)
		assert_true(lp2p__ws_queued(b->ws) <= (1 << 20) + 65536 +
		    sizeof(chunk));
}

static void
bp_accept(struct lp2p_ws_server *srv, struct lp2p_ws *ws, void *arg)
{
	static const struct lp2p_ws_cb cb = { .on_closed = bp_closed };
	struct bp *b = arg;

	(void)srv;
	b->ws = ws;
	lp2p__ws_set_cb(ws, &cb, b);
	uv_timer_start(&b->tick, bp_tick, 5, 5);
}

static void
bp_srv_closed(struct lp2p_ws_server *srv, void *arg)
{
	struct bp *b = arg;

	lp2p__ws_server_free(srv);
	uv_close((uv_handle_t *)&b->tick, NULL);
	uv_close((uv_handle_t *)&b->guard, NULL);
}

static void
test_backpressure(void **state)
{
	static const struct lp2p_ws_server_cb scb = {
		.on_accept = bp_accept,
		.on_closed = bp_srv_closed,
	};
	static const char head[] = "GET /rpc/ HTTP/1.1\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
	    "dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n";
	struct lp2p_ws_opts o = { .max_payload = LP2P_WS_MAX_PAYLOAD,
	    .max_queue = 1 << 20 };
	struct sockaddr_in sa;
	struct lp2p_err e;
	struct bp b;
	int fd;

	(void)state;
	memset(&b, 0, sizeof(b));
	uv_loop_init(&b.loop);
	uv_timer_init(&b.loop, &b.tick);
	uv_timer_init(&b.loop, &b.guard);
	b.tick.data = &b;
	uv_timer_start(&b.guard, on_guard, 20000, 0);
	assert_int_equal(lp2p__ws_server_new(&b.srv, &b.loop, &o, "127.0.0.1",
	    0, &scb, &b, &e), 0);
	/* a raw client: sends the upgrade, then never reads */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lp2p__ws_server_port(b.srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, head, sizeof(head) - 1),
	    (ssize_t)sizeof(head) - 1);
	uv_run(&b.loop, UV_RUN_DEFAULT);
	close(fd);
	assert_true(b.closed);
	assert_int_equal(b.full, 1);
	assert_string_equal(b.reason, "write queue full");
	assert_true(b.sent > (1 << 20));	/* the kernel took some first */
	assert_int_equal(uv_loop_close(&b.loop), 0);
}

static void
on_stop(uv_timer_t *t)
{
	struct lp2p_ws_server *srv = t->data;

	lp2p__ws_server_close(srv);
	uv_close((uv_handle_t *)t, NULL);
}

static void
lim_srv_closed(struct lp2p_ws_server *srv, void *arg)
{
	(void)arg;
	lp2p__ws_server_free(srv);
}

static void
test_upgrading_limit(void **state)
{
	static const struct lp2p_ws_server_cb scb = {
		.on_closed = lim_srv_closed,
	};
	struct lp2p_ws_opts o = { .max_upgrading = 4 };
	struct lp2p_ws_server *srv;
	struct sockaddr_in sa;
	struct lp2p_err e;
	uv_timer_t stop;
	uv_loop_t loop;
	int fd[6], eof = 0;
	char c;

	(void)state;
	uv_loop_init(&loop);
	assert_int_equal(lp2p__ws_server_new(&srv, &loop, &o, "127.0.0.1", 0,
	    &scb, NULL, &e), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)lp2p__ws_server_port(srv));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 6; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(fd[i], (struct sockaddr *)&sa,
		    sizeof(sa)), 0);
	}
	uv_timer_init(&loop, &stop);
	stop.data = srv;
	uv_timer_start(&stop, on_stop, 300, 0);
	uv_run(&loop, UV_RUN_ONCE);	/* accept them all */
	uv_run(&loop, UV_RUN_NOWAIT);
	/* two were closed at once, four wait for their upgrade head */
	for (int i = 0; i < 6; i++)
		if (recv(fd[i], &c, 1, MSG_DONTWAIT) == 0)
			eof++;
	assert_int_equal(eof, 2);
	uv_run(&loop, UV_RUN_DEFAULT);	/* server close drops the rest */
	for (int i = 0; i < 6; i++)
		close(fd[i]);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_requests),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_head_response),
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_upgrading_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
