/*
 * c-peer.c — a small lisk-p2p node on libliskp2p's peer layer, for the
 * interop tests (built by tests/interop/wire.bats against the sanitizer
 * library).  It listens (--port) and/or dials (--connect H:P), prints one
 * NDJSON line per event on stdout and obeys NDJSON commands on stdin.
 *
 *   c-peer --host IP [--port N] [--connect H:P] [--chain-id HEX]
 *       [--network-version V] [--nonce HEX16] [--advertise-port N]
 *       [--ping-min MS --ping-max MS] [--respond echo|none|error]
 *       [--ban IP]
 *
 * Events: ready {port,nonce}, accept?, connected, message, request,
 * penalty, ban, closed, reply (to our requests).
 * Commands: {"op":"send","event","data"}, {"op":"request","procedure",
 * "data"}, {"op":"flood","event","count"}, {"op":"close","code"},
 * {"op":"stats"}, {"op":"stop"}; they apply to every connected peer.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"

#define MAX_CONNS	64

static uv_loop_t		 loop;
static struct lp2p_peer_server	*server;
static struct lp2p_peer		*conns[MAX_CONNS];
static struct lp2p_peer_config	 cfg;
static struct lp2p_peer_self	 self;
static const char		*respond = "echo";
static const char		*banned_ip;
static uv_pipe_t		 in;
static uv_signal_t		 sig;
static char			 inbuf[1 << 20];
static size_t			 inlen;
static bool			 stopping;

static void
emit(jv o)
{
	jv_dumpf(o, stdout, 0);
	putchar('\n');
	fflush(stdout);
}

static jv
ev(const char *type, struct lp2p_peer *p)
{
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string(type));

	if (p != NULL)
		o = jv_object_set(o, jv_string("peerId"),
		    jv_string(lp2p__peer_id(p)));
	return o;
}

static jv
hexjv(const uint8_t *b, size_t n)
{
	char *h = lp2p_hex_encode(b, n);
	jv v = jv_string(h);

	free(h);
	return v;
}

static void
add_conn(struct lp2p_peer *p)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] == NULL) {
			conns[i] = p;
			return;
		}
}

static void
del_conn(struct lp2p_peer *p)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] == p)
			conns[i] = NULL;
}

static void
maybe_exit(void)
{
	if (!stopping)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] != NULL)
			return;
	if (server != NULL) {
		lp2p__peer_server_close(server);
		return;
	}
	uv_close((uv_handle_t *)&in, NULL);
	uv_close((uv_handle_t *)&sig, NULL);
}

static void
on_connected(struct lp2p_peer *p, void *arg)
{
	(void)arg;
	emit(ev("connected", p));
}

static int
on_accept(struct lp2p_peer *p, char *reason, size_t len, void *arg)
{
	(void)arg;
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] != NULL && conns[i] != p &&
		    strcmp(lp2p__peer_id(conns[i]), lp2p__peer_id(p)) == 0) {
			snprintf(reason, len, "%s", lp2p_close_reason(4404));
			return 4404;
		}
	add_conn(p);
	return 0;
}

static void
on_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	jv o = ev("message", p);

	(void)arg;
	o = jv_object_set(o, jv_string("event"), jv_string(m->name));
	if (m->has_data)
		o = jv_object_set(o, jv_string("data"), hexjv(m->data, m->len));
	emit(o);
}

static void
on_request(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	jv o = ev("request", p);

	(void)arg;
	o = jv_object_set(o, jv_string("procedure"), jv_string(m->name));
	if (m->has_data)
		o = jv_object_set(o, jv_string("data"), hexjv(m->data, m->len));
	emit(o);
	if (m->answered)
		return;
	if (strcmp(respond, "echo") == 0)
		(void)lp2p__peer_respond(p, m->rid, m->has_data ? m->data :
		    NULL, m->len);
	else if (strcmp(respond, "error") == 0)
		(void)lp2p__peer_respond_error(p, m->rid, "refused by test");
}

static int
on_nodeinfo(struct lp2p_peer *p, const uint8_t *b, size_t n, void *arg)
{
	struct lp2p_err e;
	jv v, o;

	(void)arg;
	if (lp2p_codec_decode(lp2p_schema_builtin("/nodeInfo"), b, n, &v,
	    &e) < 0) {
		o = ev("nodeinfo_error", p);
		emit(jv_object_set(o, jv_string("error"), jv_string(e.msg)));
		return e.code;
	}
	o = ev("nodeinfo", p);
	emit(jv_object_set(o, jv_string("data"), v));
	return 0;
}

static void
on_penalty(struct lp2p_peer *p, int pen, int rep, int reason, const char *why,
    void *arg)
{
	jv o = ev("penalty", p);

	(void)arg;
	o = jv_object_set(o, jv_string("penalty"), jv_number(pen));
	o = jv_object_set(o, jv_string("reputation"), jv_number(rep));
	o = jv_object_set(o, jv_string("reason"),
	    jv_string(lp2p__penalty_name(reason)));
	emit(jv_object_set(o, jv_string("why"), jv_string(why)));
}

static void
on_ban(struct lp2p_peer *p, bool server_level, const char *why, void *arg)
{
	jv o = ev("ban", p);

	(void)arg;
	o = jv_object_set(o, jv_string("serverLevel"), jv_bool(server_level));
	emit(jv_object_set(o, jv_string("why"), jv_string(why)));
}

static void
on_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool done, void *arg)
{
	jv o = ev("closed", p);
	struct lp2p_peer_stats st;

	(void)arg;
	lp2p__peer_stats(p, &st);
	o = jv_object_set(o, jv_string("code"), jv_number(code));
	o = jv_object_set(o, jv_string("reason"), jv_string(reason));
	o = jv_object_set(o, jv_string("byUs"), jv_bool(by_us));
	o = jv_object_set(o, jv_string("handshake"), jv_bool(done));
	o = jv_object_set(o, jv_string("latency"), jv_number(st.latency_ms));
	o = jv_object_set(o, jv_string("pings"), jv_number((double)st.pings));
	emit(o);
	del_conn(p);
	lp2p__peer_free(p);
	maybe_exit();
}

static const struct lp2p_peer_cb peer_cb = {
	.on_connected = on_connected,
	.on_accept = on_accept,
	.on_message = on_message,
	.on_request = on_request,
	.on_nodeinfo = on_nodeinfo,
	.on_penalty = on_penalty,
	.on_ban = on_ban,
	.on_closed = on_closed,
};

static bool
is_banned(const char *ip, void *arg)
{
	(void)arg;
	return banned_ip != NULL && strcmp(ip, banned_ip) == 0;
}

static void
srv_closed(struct lp2p_peer_server *s, void *arg)
{
	(void)arg;
	lp2p__peer_server_free(s);
	server = NULL;
	maybe_exit();
}

static void
on_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r, void *arg)
{
	jv o = ev("reply", p);

	(void)arg;
	o = jv_object_set(o, jv_string("status"), jv_number(r->status));
	o = jv_object_set(o, jv_string("rttMs"), jv_number(r->rtt_ms));
	if (r->has_data)
		o = jv_object_set(o, jv_string("data"), hexjv(r->data, r->len));
	if (r->error != NULL)
		o = jv_object_set(o, jv_string("error"), jv_string(r->error));
	emit(o);
}

static void
stop_all(void)
{
	stopping = true;
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i] != NULL)
			lp2p__peer_close(conns[i], 1000, "Intentionally removed "
			    "peer", 0);
	maybe_exit();
}

static void
command(const char *line)
{
	jv c = jv_parse(line), op, a, b;
	uint8_t *data = NULL;
	long n = -1;

	if (jv_get_kind(c) != JV_KIND_OBJECT) {
		jv_free(c);
		return;
	}
	op = jv_object_get(jv_copy(c), jv_string("op"));
	a = jv_object_get(jv_copy(c), jv_string("data"));
	if (jv_get_kind(a) == JV_KIND_STRING)
		n = lp2p_hex_decode(jv_string_value(a), strlen(
		    jv_string_value(a)), &data);
	jv_free(a);
	if (jv_get_kind(op) != JV_KIND_STRING)
		goto out;
	if (strcmp(jv_string_value(op), "stop") == 0) {
		stop_all();
		goto out;
	}
	for (int i = 0; i < MAX_CONNS; i++) {
		struct lp2p_peer *p = conns[i];

		if (p == NULL || !lp2p__peer_is_connected(p))
			continue;
		if (strcmp(jv_string_value(op), "send") == 0) {
			a = jv_object_get(jv_copy(c), jv_string("event"));
			if (jv_get_kind(a) == JV_KIND_STRING)
				lp2p__peer_send(p, jv_string_value(a),
				    n >= 0 ? data : NULL, n >= 0 ? (size_t)n : 0);
			jv_free(a);
		} else if (strcmp(jv_string_value(op), "flood") == 0) {
			a = jv_object_get(jv_copy(c), jv_string("event"));
			b = jv_object_get(jv_copy(c), jv_string("count"));
			if (jv_get_kind(a) == JV_KIND_STRING &&
			    jv_get_kind(b) == JV_KIND_NUMBER)
				for (int k = 0; k < (int)jv_number_value(b) &&
				    k < 100000; k++)
					lp2p__peer_send(p, jv_string_value(a),
					    NULL, 0);
			jv_free(a);
			jv_free(b);
		} else if (strcmp(jv_string_value(op), "request") == 0) {
			a = jv_object_get(jv_copy(c), jv_string("procedure"));
			if (jv_get_kind(a) == JV_KIND_STRING)
				lp2p__peer_request(p, jv_string_value(a),
				    n >= 0 ? data : NULL, n >= 0 ? (size_t)n : 0,
				    on_reply, NULL);
			jv_free(a);
		} else if (strcmp(jv_string_value(op), "close") == 0) {
			a = jv_object_get(jv_copy(c), jv_string("code"));
			lp2p__peer_close(p, jv_get_kind(a) == JV_KIND_NUMBER ?
			    (int)jv_number_value(a) : 1000, NULL, 0);
			jv_free(a);
		} else if (strcmp(jv_string_value(op), "stats") == 0) {
			struct lp2p_peer_stats st;
			jv o = ev("stats", p);

			lp2p__peer_stats(p, &st);
			o = jv_object_set(o, jv_string("reputation"),
			    jv_number(st.reputation));
			o = jv_object_set(o, jv_string("latency"),
			    jv_number(st.latency_ms));
			o = jv_object_set(o, jv_string("responseRate"),
			    jv_number(st.response_rate));
			emit(o);
		}
	}
out:
	free(data);
	jv_free(op);
	jv_free(c);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	*b = uv_buf_init(inbuf + inlen, (unsigned)(sizeof(inbuf) - inlen - 1));
}

static void
on_stdin(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	char *nl;

	(void)b;
	if (n < 0) {
		uv_read_stop(s);	/* EOF: keep running */
		return;
	}
	inlen += (size_t)n;
	inbuf[inlen] = '\0';
	while ((nl = strchr(inbuf, '\n')) != NULL) {
		*nl = '\0';
		command(inbuf);
		inlen -= (size_t)(nl + 1 - inbuf);
		memmove(inbuf, nl + 1, inlen + 1);
	}
	if (inlen == sizeof(inbuf) - 1)
		inlen = 0;
}

static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	stop_all();
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "advertise-port",	required_argument, NULL, 'a' },
		{ "ban",		required_argument, NULL, 'b' },
		{ "chain-id",		required_argument, NULL, 'c' },
		{ "connect",		required_argument, NULL, 'C' },
		{ "host",		required_argument, NULL, 'H' },
		{ "network-version",	required_argument, NULL, 'v' },
		{ "nonce",		required_argument, NULL, 'n' },
		{ "ping-max",		required_argument, NULL, 'M' },
		{ "ping-min",		required_argument, NULL, 'm' },
		{ "port",		required_argument, NULL, 'p' },
		{ "respond",		required_argument, NULL, 'r' },
		{ NULL,			0,		   NULL, 0 }
	};
	const char *host = "127.0.0.1", *chain = "10000000", *nv = "1.0";
	const char *connect_to = NULL, *nonce = NULL;
	struct lp2p_err e;
	uint8_t *cb = NULL, *ni = NULL, nb[8];
	size_t nilen;
	long n;
	int ch, port = 0, adv = 0;
	char *h;
	jv v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	lp2p__peer_config_default(&cfg);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': adv = atoi(optarg); break;
		case 'b': banned_ip = optarg; break;
		case 'c': chain = optarg; break;
		case 'C': connect_to = optarg; break;
		case 'H': host = optarg; break;
		case 'v': nv = optarg; break;
		case 'n': nonce = optarg; break;
		case 'M': cfg.ping_rpc_max = (uint32_t)atoi(optarg); break;
		case 'm': cfg.ping_rpc_min = (uint32_t)atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'r': respond = optarg; break;
		default: errx(2, "bad usage");
		}
	}
	if ((n = lp2p_hex_decode(chain, strlen(chain), &cb)) <= 0)
		errx(2, "bad --chain-id");
	memcpy(self.chain_id, cb, (size_t)n);
	self.chain_id_len = (size_t)n;
	free(cb);
	strlcpy(self.network_version, nv, sizeof(self.network_version));
	if (nonce != NULL)
		strlcpy(self.nonce, nonce, sizeof(self.nonce));
	else {
		lp2p_rand_buf(nb, sizeof(nb));
		h = lp2p_hex_encode(nb, sizeof(nb));
		strlcpy(self.nonce, h, sizeof(self.nonce));
		free(h);
	}
	self.advertise_address = true;
	self.port = (uint16_t)(adv ? adv : port ? port : 5000);
	v = jv_object_set(jv_object(), jv_string("chainID"), jv_string(chain));
	v = jv_object_set(v, jv_string("networkVersion"), jv_string(nv));
	v = jv_object_set(v, jv_string("nonce"), jv_string(self.nonce));
	v = jv_object_set(v, jv_string("advertiseAddress"), jv_true());
	if (lp2p_codec_encode(lp2p_schema_builtin("/nodeInfo"), v, &ni, &nilen,
	    &e) < 0)
		errx(1, "%s", e.msg);
	self.nodeinfo = ni;
	self.nodeinfo_len = nilen;
	uv_loop_init(&loop);
	uv_pipe_init(&loop, &in, 0);
	if (uv_guess_handle(0) == UV_NAMED_PIPE && uv_pipe_open(&in, 0) == 0)
		uv_read_start((uv_stream_t *)&in, on_alloc, on_stdin);
	uv_signal_init(&loop, &sig);
	uv_signal_start(&sig, on_signal, SIGTERM);
	if (port != 0) {
		static const struct lp2p_peer_server_cb scb = {
			.is_banned = is_banned,
			.on_closed = srv_closed,
		};
		struct lp2p_peer_cb pcb = peer_cb;

		if (lp2p__peer_server_new(&server, &loop, &cfg, &self, host,
		    (uint16_t)port, &scb, &pcb, NULL, &e) < 0)
			errx(1, "%s", e.msg);
	}
	if (connect_to != NULL) {
		char chost[64];
		const char *colon = strrchr(connect_to, ':');
		struct lp2p_peer *p;

		if (colon == NULL || (size_t)(colon - connect_to) >= sizeof(chost))
			errx(2, "bad --connect");
		memcpy(chost, connect_to, (size_t)(colon - connect_to));
		chost[colon - connect_to] = '\0';
		if (lp2p__peer_connect(&p, &loop, &cfg, &self, chost,
		    (uint16_t)atoi(colon + 1), NULL, &peer_cb, NULL, &e) < 0)
			errx(1, "%s", e.msg);
		add_conn(p);
	}
	v = jv_object_set(jv_object(), jv_string("type"), jv_string("ready"));
	v = jv_object_set(v, jv_string("port"), jv_number(server != NULL ?
	    lp2p__peer_server_port(server) : 0));
	emit(jv_object_set(v, jv_string("nonce"), jv_string(self.nonce)));
	uv_run(&loop, UV_RUN_DEFAULT);
	free(ni);
	emit(jv_object_set(jv_object(), jv_string("type"),
	    jv_string("stopped")));
	return uv_loop_close(&loop) == 0 ? 0 : 1;
}
