/*
 * loadgen.c — load for the node benchmarks (bench/run.sh), built on the
 * library's connection layer (lib/peer.h).  Not installed.
 *
 *   loadgen IP PORT conns N SRC	N connections from SRC.x.y (announced
 *					ports 20000+i), held until SIGTERM
 *   loadgen IP PORT flood N SIZE	one connection, N one-way messages of
 *					SIZE bytes, then 2 s of lingering
 *   loadgen IP PORT rtt N		one connection, N requests one after
 *					the other; prints p50/p99 in ms
 *   loadgen IP PORT raw N SIZE [RATE]	one connection on a plain blocking
 *					socket: upgrade, #handshake, then N
 *					pre-built masked remote-message frames
 *					of SIZE data bytes written in 256 KiB
 *					batches (what is received is read and
 *					dropped); the fastest possible sender,
 *					or RATE messages a second
 *   loadgen IP PORT texts FILE		the same socket, each line of FILE
 *					sent as one text frame
 *   loadgen IP PORT serve N SIZE	listen on IP:PORT; the first peer
 *					that connects gets N messages of SIZE
 *					bytes (write queue unbounded), then
 *					the connection is held until SIGTERM
 *
 * Every message of raw, flood and serve ("event":"bench") carries its
 * sequence number 0, 1, ... in its first 6 data bytes (big-endian; SIZE
 * at least 6), so a reader can check order and loss.  raw and texts dial
 * from $LOADGEN_SRC (default 127.33.0.1), announcing port 20000.
 *
 * One JSON line on stdout at the end of each phase.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"

static uv_loop_t *loop;
static struct lp2p_peer_config pcfg;
static struct lp2p_peer_self self;
static const char *mode;
static long count, size, connected, closed, started, done_reqs;
static double *rtts;
static struct lp2p_peer *one;
static uv_timer_t timer;
static uv_signal_t sig;
static uint64_t t0;
static long rate;		/* raw: messages a second, 0: at once */
static const char *texts_path;	/* texts: the file */

static void
on_connected(struct lp2p_peer *p, void *arg)
{
	(void)arg;
	connected++;
	if (strcmp(mode, "serve") == 0 && one == NULL) {
		one = p;
		t0 = uv_hrtime();
	}
	if (strcmp(mode, "conns") == 0 && connected == count) {
		printf("{\"connected\":%ld,\"ms\":%.1f}\n", connected,
		    (double)(uv_hrtime() - t0) / 1e6);
		fflush(stdout);
	}
	(void)p;
}

static void
on_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool hs, void *arg)
{
	(void)code; (void)by_us; (void)hs; (void)arg;
	if (strcmp(mode, "conns") == 0 && !by_us)
		fprintf(stderr, "loadgen: %s closed: %d %s\n",
		    lp2p__peer_id(p), code, reason ? reason : "");
	closed++;
	lp2p__peer_free(p);
	if (p == one)
		one = NULL;
}

static const struct lp2p_peer_cb cb = {
	.on_connected = on_connected,
	.on_closed = on_closed,
};

static void send_requests(void);

static void
on_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r, void *arg)
{
	(void)p; (void)arg;
	if (r->status != 0)
		errx(1, "request %ld: %s", done_reqs,
		    r->error ? r->error : lp2p_strerror(r->status));
	rtts[done_reqs++] = r->rtt_ms;
	send_requests();
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
stop_all(void)
{
	uv_stop(loop);
}

static void
send_requests(void)
{
	uint8_t d[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	if (done_reqs == count) {
		qsort(rtts, (size_t)count, sizeof(*rtts), cmp);
		printf("{\"requests\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
		    count, rtts[count / 2], rtts[(count * 99) / 100]);
		fflush(stdout);
		stop_all();
		return;
	}
	if (lp2p__peer_request(one, "bench", d, sizeof(d), on_reply,
	    NULL) != 0)
		errx(1, "request failed");
}

/* The sequence number in the first 6 data bytes, big-endian. */
static void
put_seq(uint8_t *b, size_t n, long seq)
{
	for (size_t i = 0; i < 6 && i < n; i++)
		b[i] = (uint8_t)((uint64_t)seq >> (8 * (5 - i)));
}

static void
on_tick(uv_timer_t *t)
{
	static uint8_t *buf;
	long k;

	(void)t;
	if (strcmp(mode, "conns") == 0) {
		uv_timer_stop(&timer);
		return;
	}
	if (one == NULL || !lp2p__peer_is_connected(one))
		return;
	if (strcmp(mode, "rtt") == 0) {
		uv_timer_stop(&timer);
		send_requests();
		return;
	}
	if (buf == NULL && (buf = calloc(1, (size_t)size + 1)) == NULL)
		err(1, NULL);
	/* flood: up to 500 messages a millisecond tick */
	for (k = 0; k < 500 && started < count; k++, started++) {
		put_seq(buf, (size_t)size, started);
		if (lp2p__peer_send(one, "bench", buf, (size_t)size) != 0)
			errx(1, "send %ld failed", started);
	}
	if (started == count) {
		uv_timer_stop(&timer);
		printf("{\"sent\":%ld,\"ms\":%.1f}\n", started,
		    (double)(uv_hrtime() - t0) / 1e6);
		fflush(stdout);
		if (strcmp(mode, "serve") != 0)	/* serve: held until SIGTERM */
			uv_timer_start(&timer, (uv_timer_cb)stop_all, 2000, 0);
	}
}

static void
on_sig(uv_signal_t *s, int n)
{
	(void)s; (void)n;
	stop_all();
}

#define RAW_BATCH	(256 * 1024)

/* Append one masked client text frame carrying s[0..n) to b at *off. */
static size_t
raw_frame(uint8_t *b, const char *s, size_t n)
{
	static const uint8_t mk[4] = { 0x5a, 0xc3, 0x17, 0x8e };
	size_t h = 0, i;

	b[h++] = 0x81;
	if (n < 126)
		b[h++] = 0x80 | (uint8_t)n;
	else if (n < 65536) {
		b[h++] = 0x80 | 126;
		b[h++] = (uint8_t)(n >> 8);
		b[h++] = (uint8_t)n;
	} else
		errx(1, "message too large for raw mode");
	memcpy(b + h, mk, 4);
	h += 4;
	for (i = 0; i < n; i++)
		b[h + i] = (uint8_t)s[i] ^ mk[i & 3];
	return h + n;
}

static void
raw_drain(int fd)
{
	static uint8_t junk[65536];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

static void
raw_write(int fd, const uint8_t *b, size_t n)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN | POLLOUT };
	ssize_t w;

	while (n > 0) {
		if (poll(&pf, 1, 5000) <= 0)
			errx(1, "raw: peer stalled");
		if (pf.revents & (POLLIN | POLLHUP | POLLERR))
			raw_drain(fd);
		if ((w = write(fd, b, n)) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			err(1, "raw: write");
		}
		b += w;
		n -= (size_t)w;
	}
}

/* Write the 8 base64 digits of seq (6 bytes) masked into a frame. */
static void
raw_seq(uint8_t *frame, size_t at, long seq)
{
	static const char dig[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const uint8_t mk[4] = { 0x5a, 0xc3, 0x17, 0x8e };
	uint64_t v = (uint64_t)seq & 0xffffffffffffULL;

	for (int i = 0; i < 8; i++) {
		size_t k = at + (size_t)i;

		frame[k] = (uint8_t)dig[(v >> (42 - 6 * i)) & 63] ^ mk[k & 3];
	}
}

/* texts FILE: each line one text frame, in order. */
static void
raw_texts(int fd, const char *path)
{
	FILE *f = fopen(path, "r");
	uint8_t *fr;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long sent = 0;

	if (f == NULL || (fr = malloc(65536 + 16)) == NULL)
		err(1, "%s", path);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		raw_write(fd, fr, raw_frame(fr, line, (size_t)n));
		sent++;
	}
	printf("{\"sent\":%ld}\n", sent);
	fflush(stdout);
	free(line);
	free(fr);
	fclose(f);
}

static int
raw_flood(const char *ip, uint16_t port, const char *target)
{
	struct sockaddr_in a, la;
	char req[4096], resp[4096], key[32], *msg, *b64;
	const char *hs = "{\"event\":\"#handshake\",\"data\":"
	    "{\"authToken\":null},\"cid\":1}";
	uint8_t rk[16], *batch, *one;
	size_t mlen, flen, per, r = 0, at;
	long sent = 0, k;
	uint64_t t;
	int fd, one_i = 1;
	ssize_t n;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		errx(2, "%s: not an IPv4 address", ip);
	la = a;
	la.sin_port = 0;
	if (inet_pton(AF_INET, getenv("LOADGEN_SRC") != NULL ?
	    getenv("LOADGEN_SRC") : "127.33.0.1", &la.sin_addr) != 1)
		errx(2, "LOADGEN_SRC: not an IPv4 address");
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&la, sizeof(la)) != 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		err(1, "raw: connect %s:%u", ip, port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one_i, sizeof(one_i));
	lp2p_rand_buf(rk, sizeof(rk));
	if ((b64 = lp2p_b64_encode(rk, sizeof(rk))) == NULL)
		err(1, NULL);
	strlcpy(key, b64, sizeof(key));
	free(b64);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%u\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n",
	    target, ip, port, key);
	raw_write(fd, (uint8_t *)req, (size_t)n);
	while (r < sizeof(resp) - 1 && (n = read(fd, resp + r, 1)) == 1) {
		resp[++r] = '\0';
		if (r >= 4 && memcmp(resp + r - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	if (strncmp(resp, "HTTP/1.1 101", 12) != 0)
		errx(1, "raw: upgrade refused: %.80s", resp);
	if ((one = malloc(65536 + 16)) == NULL || (msg = malloc(
	    (size_t)size * 2 + 128)) == NULL)
		err(1, NULL);
	flen = raw_frame(one, hs, strlen(hs));
	raw_write(fd, one, flen);
	if (strcmp(mode, "texts") == 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		usleep(50000);		/* let the server take the handshake */
		raw_drain(fd);
		raw_texts(fd, texts_path);
		goto linger;
	}
	if (size < 6)
		errx(2, "raw: SIZE must be at least 6 (the sequence number)");
	{
		uint8_t *zero = calloc(1, (size_t)size + 1);

		if (zero == NULL || (b64 = lp2p_b64_encode(zero,
		    (size_t)size)) == NULL)
			err(1, NULL);
		free(zero);
	}
	mlen = (size_t)snprintf(msg, (size_t)size * 2 + 128,
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"bench\","
	    "\"data\":\"%s\"}}", b64);
	free(b64);
	flen = raw_frame(one, msg, mlen);
	per = RAW_BATCH / flen;
	if (per == 0)
		per = 1;
	if ((batch = malloc(per * flen)) == NULL)
		err(1, NULL);
	for (size_t i = 0; i < per; i++)
		memcpy(batch + i * flen, one, flen);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	usleep(50000);		/* let the server take the handshake */
	raw_drain(fd);
	at = flen - mlen + (size_t)(strstr(msg, "\"data\":\"A") + 8 - msg);
	if (rate > 0 && per > (size_t)rate / 100 + 1)
		per = (size_t)rate / 100 + 1;	/* about 100 batches a second */
	t = uv_hrtime();
	while (sent < count) {
		k = count - sent < (long)per ? count - sent : (long)per;
		for (long j = 0; j < k; j++)
			raw_seq(batch + (size_t)j * flen, at, sent + j);
		raw_write(fd, batch, (size_t)k * flen);
		sent += k;
		if (rate > 0) {		/* on schedule: sent / rate seconds */
			double ahead = (double)sent / (double)rate -
			    (double)(uv_hrtime() - t) / 1e9;

			if (ahead > 0)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	printf("{\"sent\":%ld,\"ms\":%.1f}\n", sent,
	    (double)(uv_hrtime() - t) / 1e6);
	fflush(stdout);
	free(batch);
linger:
	/* linger 2 s reading, so the receiver sees no close mid-flood */
	for (k = 0; k < 200; k++) {
		usleep(10000);
		raw_drain(fd);
	}
	close(fd);
	free(one);
	free(msg);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct lp2p_err e;
	struct lp2p_peer *p;
	uint8_t *ni;
	size_t nilen;
	char bind[48];
	const char *ip;
	uint16_t port;
	jv info;

	if (argc < 5)
		errx(2, "usage: loadgen IP PORT conns|flood|rtt N [ARG]");
	signal(SIGPIPE, SIG_IGN);
	ip = argv[1];
	port = (uint16_t)atoi(argv[2]);
	mode = argv[3];
	count = atol(argv[4]);
	size = argc > 5 ? atol(argv[5]) : 0;
	loop = uv_default_loop();
	lp2p__peer_config_default(&pcfg);
	self.chain_id[0] = 0x10;
	self.chain_id_len = 4;
	strlcpy(self.network_version, "1.0", sizeof(self.network_version));
	self.advertise_address = false;
	info = JV_OBJECT(jv_string("chainID"), jv_string("10000000"),
	    jv_string("networkVersion"), jv_string("1.0"),
	    jv_string("nonce"), jv_string("0123456789abcdef"),
	    jv_string("advertiseAddress"), jv_false());
	if (lp2p_codec_encode(lp2p_schema_builtin("/nodeInfo"), info, &ni,
	    &nilen, &e) != 0)
		errx(1, "%s", e.msg);
	self.nodeinfo = ni;
	self.nodeinfo_len = nilen;
	if (strcmp(mode, "texts") == 0)
		texts_path = argv[4];
	if (strcmp(mode, "raw") == 0 && argc > 6)
		rate = atol(argv[6]);
	if (strcmp(mode, "raw") == 0 || strcmp(mode, "texts") == 0) {
		char *target;

		snprintf(self.nonce, sizeof(self.nonce), "%016lx",
		    0xbe00000000L);
		self.port = 20000;
		if ((target = lp2p__peer_query_build(&self)) == NULL)
			err(1, NULL);
		return raw_flood(ip, port, target);
	}
	if ((rtts = calloc((size_t)count + 1, sizeof(*rtts))) == NULL)
		err(1, NULL);
	t0 = uv_hrtime();
	if (strcmp(mode, "serve") == 0) {
		struct lp2p_peer_server *srv;
		static const struct lp2p_peer_server_cb scb = { NULL, NULL };

		if (size < 6)
			errx(2, "serve: SIZE must be at least 6");
		pcfg.ws_max_queue = (size_t)1 << 40;	/* never full */
		pcfg.ws_max_message_rate = 1000000000;
		snprintf(self.nonce, sizeof(self.nonce), "%016lx",
		    0xbf00000000L);
		self.port = port;
		if (lp2p__peer_server_new(&srv, loop, &pcfg, &self, ip, port,
		    &scb, &cb, NULL, &e) != 0)
			errx(1, "%s", e.msg);
		printf("{\"listening\":%d}\n", lp2p__peer_server_port(srv));
		fflush(stdout);
		uv_timer_init(loop, &timer);
		uv_timer_start(&timer, on_tick, 1, 1);
		uv_signal_init(loop, &sig);
		uv_signal_start(&sig, on_sig, SIGTERM);
		uv_run(loop, UV_RUN_DEFAULT);
		return 0;
	}
	for (long i = 0; i < (strcmp(mode, "conns") == 0 ? count : 1); i++) {
		snprintf(self.nonce, sizeof(self.nonce), "%016lx",
		    0xbe00000000L + (long)i);
		self.port = (uint16_t)(20000 + i);
		snprintf(bind, sizeof(bind), "%s.%ld.%ld",
		    strcmp(mode, "conns") == 0 ? argv[5] : "127.33", i / 250,
		    i % 250 + 1);
		if (lp2p__peer_connect(&p, loop, &pcfg, &self, ip, port, bind,
		    &cb, NULL, &e) != 0)
			errx(1, "%s", e.msg);
		one = p;
	}
	uv_timer_init(loop, &timer);
	uv_timer_start(&timer, on_tick, 1, 1);
	uv_signal_init(loop, &sig);
	uv_signal_start(&sig, on_sig, SIGTERM);
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
