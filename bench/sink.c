/*
 * sink.c — the "bare" baseline of bench/run.sh: a libuv TCP server with a
 * wslay WebSocket on top and nothing else.  It accepts one connection,
 * answers the upgrade, counts the text/binary messages it receives and
 * prints one JSON line when COUNT messages have arrived (or on SIGTERM):
 *
 *   sink IP PORT COUNT
 *   -> {"received":N,"ms":T,"msgs_per_s":R}	(T: first to last message)
 *
 * No parsing, no output per message: the ceiling a node built on the
 * same two libraries could reach.  Not installed.
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <wslay/wslay.h>

#include "liskp2p.h"
#include "internal.h"
#include "ws.h"

#define SINK_READ	(256 * 1024)
#define SINK_HEAD	8192

static uv_loop_t *loop;
static uv_tcp_t srv, conn;
static uv_signal_t sig;
static wslay_event_context_ptr ctx;
static char head[SINK_HEAD];
static size_t headlen;
static bool upgraded, accepted;
static const uint8_t *rbuf;
static size_t rlen;
static long want, got;
static uint64_t t_first, t_last;

static void
report(void)
{
	double ms = (double)(t_last - t_first) / 1e6;

	printf("{\"received\":%ld,\"ms\":%.1f,\"msgs_per_s\":%.0f}\n", got, ms,
	    ms > 0 ? (double)got / (ms / 1e3) : 0.0);
	fflush(stdout);
	uv_stop(loop);
}

static ssize_t
recv_cb(wslay_event_context_ptr c, uint8_t *buf, size_t len, int flags,
    void *u)
{
	size_t n = rlen < len ? rlen : len;

	(void)flags; (void)u;
	if (n == 0) {
		wslay_event_set_error(c, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	memcpy(buf, rbuf, n);
	rbuf += n;
	rlen -= n;
	return (ssize_t)n;
}

static ssize_t
send_cb(wslay_event_context_ptr c, const uint8_t *d, size_t len, int flags,
    void *u)
{
	(void)c; (void)d; (void)flags; (void)u;
	return (ssize_t)len;	/* a sink: nothing is sent back */
}

static void
msg_cb(wslay_event_context_ptr c, const struct wslay_event_on_msg_recv_arg *a,
    void *u)
{
	(void)c; (void)u;
	if (a->opcode != WSLAY_TEXT_FRAME && a->opcode != WSLAY_BINARY_FRAME)
		return;
	t_last = uv_hrtime();
	if (got++ == 0)
		t_first = t_last;
	if (got == want)
		report();
}

static const struct wslay_event_callbacks wcb = {
	.recv_callback = recv_cb,
	.send_callback = send_cb,
	.on_msg_recv_callback = msg_cb,
};

static void
alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	static char buf[SINK_READ];

	(void)h; (void)sz;
	b->base = buf;
	b->len = sizeof(buf);
}

static void
on_written(uv_write_t *w, int status)
{
	(void)status;
	free(w);
}

static void
upgrade(void)
{
	char *k, *e, key[64], acc[29], *resp;
	uv_write_t *w;
	uv_buf_t b;
	int n;

	head[headlen] = '\0';
	if ((k = strcasestr(head, "\r\nSec-WebSocket-Key:")) == NULL)
		errx(1, "upgrade without a key");
	k += 20;
	while (*k == ' ')
		k++;
	if ((e = strstr(k, "\r\n")) == NULL || (size_t)(e - k) >= sizeof(key))
		errx(1, "bad key");
	memcpy(key, k, (size_t)(e - k));
	key[e - k] = '\0';
	lp2p__ws_accept_key(key, acc);
	if ((n = asprintf(&resp, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", acc)) < 0 ||
	    (w = malloc(sizeof(*w))) == NULL)
		err(1, NULL);
	b = uv_buf_init(resp, (unsigned)n);
	if (uv_try_write((uv_stream_t *)&conn, &b, 1) != n)
		errx(1, "short write of the upgrade response");
	free(resp);
	free(w);
	if (wslay_event_context_server_init(&ctx, &wcb, NULL) != 0)
		errx(1, "wslay");
	wslay_event_config_set_max_recv_msg_length(ctx, 1 << 20);
	upgraded = true;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	char *end;
	size_t off = 0;

	(void)s;
	if (n < 0) {
		report();
		return;
	}
	if (!upgraded) {
		size_t take = (size_t)n;

		if (take > sizeof(head) - 1 - headlen)
			errx(1, "upgrade head too long");
		memcpy(head + headlen, b->base, take);
		headlen += take;
		head[headlen] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) == NULL)
			return;
		off = (size_t)(end + 4 - head) - (headlen - take);
		upgrade();
	}
	rbuf = (const uint8_t *)b->base + off;
	rlen = (size_t)n - off;
	if (wslay_event_recv(ctx) != 0)
		errx(1, "wslay_event_recv failed");
}

static void
on_conn(uv_stream_t *s, int status)
{
	(void)on_written;
	if (status < 0 || accepted)
		return;
	uv_tcp_init(loop, &conn);
	if (uv_accept(s, (uv_stream_t *)&conn) != 0)
		errx(1, "accept");
	accepted = true;
	uv_read_start((uv_stream_t *)&conn, alloc_cb, on_read);
}

static void
on_sig(uv_signal_t *s, int n)
{
	(void)s; (void)n;
	report();
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in a;

	if (argc != 4)
		errx(2, "usage: sink IP PORT COUNT");
	want = atol(argv[3]);
	loop = uv_default_loop();
	if (uv_ip4_addr(argv[1], atoi(argv[2]), &a) != 0)
		errx(2, "%s: not an IPv4 address", argv[1]);
	uv_tcp_init(loop, &srv);
	if (uv_tcp_bind(&srv, (const struct sockaddr *)&a, 0) != 0 ||
	    uv_listen((uv_stream_t *)&srv, 8, on_conn) != 0)
		errx(1, "cannot listen on %s:%s", argv[1], argv[2]);
	printf("{\"listening\":true}\n");
	fflush(stdout);
	uv_signal_init(loop, &sig);
	uv_signal_start(&sig, on_sig, SIGTERM);
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
