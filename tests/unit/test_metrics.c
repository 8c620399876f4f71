/*
 * test_metrics.c — the Prometheus server of metrics.c on a real loop:
 * label escaping, number formats, the process metrics, the 4xx answers,
 * and the address parsing of lp2p_metrics_new.
 */
#include <uv.h>

#include "unit.h"

struct client {
	uv_tcp_t	 tcp;
	uv_connect_t	 creq;
	uv_write_t	 wreq;
	const char	*request;
	char		 resp[65536];
	size_t		 len;
	int		 done;
};

static void
collect(struct lp2p_mtext *t, void *arg)
{
	const char *l[] = { "who", "a\"b\\c\nd", "n", "2", NULL };

	(void)arg;
	lp2p_mtext_head(t, "unit_x", "gauge", "A help with \\ and\nnewline.");
	lp2p_mtext_sample(t, "unit_x", l, 1.5);
	lp2p_mtext_sample(t, "unit_x", NULL, 3);
	lp2p_mtext_sample(t, "unit_x", NULL, 1.0 / 0.0);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->resp + c->len, (unsigned)(sizeof(c->resp) - 1 -
	    c->len));
}

static void
on_closed(uv_handle_t *h)
{
	struct client *c = h->data;

	c->done = 1;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct client *c = s->data;

	(void)b;
	if (n > 0) {
		c->len += (size_t)n;
		c->resp[c->len] = '\0';
		if (c->len < sizeof(c->resp) - 1)
			return;
	}
	if (n < 0 || c->len >= sizeof(c->resp) - 1)
		uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void
on_written(uv_write_t *w, int status)
{
	(void)w;
	(void)status;
}

static void
on_connect(uv_connect_t *r, int status)
{
	struct client *c = r->data;
	uv_buf_t b = uv_buf_init((char *)c->request,
	    (unsigned)strlen(c->request));

	assert_int_equal(status, 0);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written);
}

/* One request to the server on port, run on loop until answered. */
static void
ask(uv_loop_t *loop, int port, const char *request, struct client *c)
{
	struct sockaddr_in sa;

	memset(c, 0, sizeof(*c));
	c->request = request;
	uv_tcp_init(loop, &c->tcp);
	c->tcp.data = c;
	c->creq.data = c;
	uv_ip4_addr("127.0.0.1", port, &sa);
	assert_int_equal(uv_tcp_connect(&c->creq, &c->tcp,
	    (struct sockaddr *)&sa, on_connect), 0);
	for (int i = 0; i < 1000 && !c->done; i++)
		uv_run(loop, UV_RUN_ONCE);
	assert_true(c->done);
}

static void
on_done(void *arg)
{
	*(int *)arg = 1;
}

static void
test_serve(void **state)
{
	uv_loop_t loop;
	struct lp2p_metrics *m;
	struct lp2p_err e;
	struct client c;
	int port, closed = 0;
	static const struct {
		const char *req;
		const char *status;
	} bad[] = {
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		    "HTTP/1.1 405 " },
		{ "GET /x HTTP/1.1\r\n\r\n", "HTTP/1.1 404 " },
		{ "\x01\x02 nonsense\r\n\r\n", "HTTP/1.1 400 " },
	};

	(void)state;
	uv_loop_init(&loop);
	assert_int_equal(lp2p_metrics_new(&m, &loop, "127.0.0.1:0", collect,
	    NULL, &e), 0);
	port = lp2p_metrics_port(m);
	assert_true(port > 0);
	ask(&loop, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &c);
	assert_non_null(strstr(c.resp, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(c.resp,
	    "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(c.resp,
	    "# HELP unit_x A help with \\\\ and\\nnewline.\n"
	    "# TYPE unit_x gauge\n"
	    "unit_x{who=\"a\\\"b\\\\c\\nd\",n=\"2\"} 1.5\n"
	    "unit_x 3\n"
	    "unit_x +Inf\n"));
	assert_non_null(strstr(c.resp, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(c.resp, "\nprocess_open_fds "));
	assert_non_null(strstr(c.resp, "\nlisk_p2p_scrapes_total 1\n"));
	ask(&loop, port, "HEAD / HTTP/1.1\r\n\r\n", &c);
	assert_non_null(strstr(c.resp, "HTTP/1.1 200 OK\r\n"));
	assert_null(strstr(c.resp, "unit_x"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ask(&loop, port, bad[i].req, &c);
		assert_memory_equal(c.resp, bad[i].status,
		    strlen(bad[i].status));
	}
	ask(&loop, port, "GET /metrics HTTP/1.1\r\n\r\n", &c);
	assert_non_null(strstr(c.resp,
	    "lisk_p2p_scrape_errors_total{kind=\"bad_request\"} 3\n"));
	lp2p_metrics_close(m, on_done, &closed);
	for (int i = 0; i < 100 && !closed; i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_true(closed);
	lp2p_metrics_free(m);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_listen_errors(void **state)
{
	static const char *const bad[] = { "x:1", ":80", "127.0.0.1:70000",
	    "1.2.3:5", "abc", "127.0.0.1:-1" };
	uv_loop_t loop;
	struct lp2p_metrics *m;
	struct lp2p_err e;

	(void)state;
	uv_loop_init(&loop);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lp2p_metrics_new(&m, &loop, bad[i], collect,
		    NULL, &e), LP2P_EINVAL);
		assert_null(m);
	}
	assert_int_equal(uv_loop_close(&loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_listen_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
