/*
 * ws.c — WebSocket (RFC 6455) client and server over libuv and wslay.
 *
 * One struct lp2p_ws per TCP connection.  Life: CONNECTING (client: TCP
 * and the upgrade request) or HEAD (server: waiting for the request head)
 * → OPEN (wslay drives frames) → CLOSING (close frame queued) → DEAD (uv
 * handles closing).  on_closed is called once, from the last uv close
 * callback; the owner frees the ws there or later.
 *
 * Output: wslay's send callback copies frames into outq (at most
 * OUTQ_CHUNK bytes beyond what is being written); one uv_write at a time.
 * The bytes wslay still holds are bounded by opts.max_queue: a peer that
 * stops reading is terminated instead of buffered without limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <sha1.h>
#include <wslay/wslay.h>

#include "internal.h"
#include "ws.h"

#define OUTQ_CHUNK	(64 * 1024)	/* bytes copied from wslay per write */
#define READ_CHUNK	(128 * 1024)	/* bytes per read */
#define CLOSE_LINGER	2000		/* ms to wait for the peer's close */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum ws_state { WS_CONNECTING, WS_HEAD, WS_OPEN, WS_CLOSING, WS_DEAD };

struct lp2p_ws {
	uv_loop_t		*loop;
	uv_tcp_t		 tcp;
	uv_timer_t		 timer;
	uv_connect_t		 creq;
	uv_write_t		 wreq;
	struct lp2p_ws_server	*srv;		/* set while not upgraded */
	LIST_ENTRY(lp2p_ws)	 entry;
	struct lp2p_ws_cb	 cb;
	void			*arg;
	struct lp2p_ws_opts	 opts;
	bool			 client;
	enum ws_state		 state;
	wslay_event_context_ptr	 ctx;
	struct lp2p_ws_head	*head;		/* only while upgrading */
	char			 accept[29];	/* client: expected accept */
	char			*target;	/* server: during on_accept */
	const uint8_t		*in;		/* bytes being fed to wslay */
	size_t			 inlen;
	uint8_t			*outq;
	size_t			 outlen;
	uint8_t			*wbuf;		/* being written */
	bool			 writing;
	bool			 close_after_write;	/* raw HTTP answers */
	bool			 kill;		/* terminate after recv */
	bool			 nosock;	/* lp2p__ws_test_open: no TCP */
	int			 nclosing;
	uint64_t		 bytes_in;	/* socket bytes, upgrade included */
	uint64_t		 bytes_out;
	int			 code;
	char			 reason[128];
	bool			 by_us;
	bool			 have_code;
	bool			 paused;	/* reads stopped (lp2p__ws_pause) */
	char			 ip[INET6_ADDRSTRLEN];
	uint16_t		 rport;
};

struct lp2p_ws_server {
	uv_loop_t		*loop;
	uv_tcp_t		 tcp;
	struct lp2p_ws_opts	 opts;
	struct lp2p_ws_server_cb cb;
	void			*arg;
	bool			 closing;
	bool			 failed;
	LIST_HEAD(, lp2p_ws)	 pending;
	size_t			 npending;
};

static void	ws_pump(struct lp2p_ws *);
static void	ws_kill(struct lp2p_ws *, int, const char *);
static void	ws_feed(struct lp2p_ws *, const uint8_t *, size_t);

/* ---- the upgrade head --------------------------------------------- */

enum { H_OTHER, H_KEY, H_VERSION, H_UPGRADE, H_CONNECTION, H_PROTOCOL,
    H_EXTENSIONS };

static int
hd_url(http_parser *p, const char *at, size_t len)
{
	struct lp2p_ws_head *h = p->data;
	char *n;

	if (h->url_len + len > LP2P_HTTP_MAX_HEAD)
		return 1;
	if ((n = realloc(h->url, h->url_len + len + 1)) == NULL)
		return 1;
	memcpy(n + h->url_len, at, len);
	h->url = n;
	h->url_len += len;
	n[h->url_len] = '\0';
	return 0;
}

static int
hd_field(http_parser *p, const char *at, size_t len)
{
	struct lp2p_ws_head *h = p->data;

	if (h->last_was_value) {
		h->field_len = 0;
		h->last_was_value = false;
	}
	for (size_t i = 0; i < len; i++)
		if (h->field_len < sizeof(h->field) - 1)
			h->field[h->field_len++] = (char)(at[i] | 0x20);
		else
			h->field_len = sizeof(h->field);	/* too long */
	if (h->field_len < sizeof(h->field))
		h->field[h->field_len] = '\0';
	else
		h->field[0] = '\0';
	return 0;
}

static void
append(char *buf, size_t size, const char *at, size_t len)
{
	size_t n = strlen(buf);

	if (n + len >= size) {
		/* too long to be valid: keep a marker no check accepts */
		strlcpy(buf, "\x01", size);
		return;
	}
	memcpy(buf + n, at, len);
	buf[n + len] = '\0';
}

static int
hd_value(http_parser *p, const char *at, size_t len)
{
	struct lp2p_ws_head *h = p->data;
	const char *f = h->field;

	if (!h->last_was_value) {
		h->last_was_value = true;
		h->which = H_OTHER;
		if (strcmp(f, "sec-websocket-key") == 0 ||
		    strcmp(f, "sec-websocket-accept") == 0)
			h->which = H_KEY;
		else if (strcmp(f, "sec-websocket-version") == 0)
			h->which = H_VERSION;
		else if (strcmp(f, "upgrade") == 0)
			h->which = H_UPGRADE;
		else if (strcmp(f, "connection") == 0)
			h->which = H_CONNECTION;
		else if (strcmp(f, "sec-websocket-protocol") == 0)
			h->which = H_PROTOCOL;
		else if (strcmp(f, "sec-websocket-extensions") == 0)
			h->which = H_EXTENSIONS;
		if (h->which == H_KEY && h->nkey++ > 0)
			append(h->key, sizeof(h->key), ", ", 2);
	}
	switch (h->which) {
	case H_KEY:
		append(h->key, sizeof(h->key), at, len);
		break;
	case H_VERSION:
		append(h->version, sizeof(h->version), at, len);
		break;
	case H_UPGRADE:
		append(h->upgrade, sizeof(h->upgrade), at, len);
		break;
	case H_CONNECTION:
		append(h->connection, sizeof(h->connection), at, len);
		break;
	case H_PROTOCOL:
		append(h->protocol, sizeof(h->protocol), at, len);
		break;
	case H_EXTENSIONS:
		append(h->extensions, sizeof(h->extensions), at, len);
		break;
	}
	return 0;
}

static bool
key_ok(const char *k)
{
	/* ws 7: /^[+/0-9A-Za-z]{22}==$/ */
	if (strlen(k) != 24 || strcmp(k + 22, "==") != 0)
		return false;
	for (int i = 0; i < 22; i++)
		if (!(k[i] == '+' || k[i] == '/' || (k[i] >= '0' && k[i] <= '9')
		    || (k[i] >= 'A' && k[i] <= 'Z') ||
		    (k[i] >= 'a' && k[i] <= 'z')))
			return false;
	return true;
}

static int
hd_headers_complete(http_parser *p)
{
	struct lp2p_ws_head *h = p->data;
	const char *q;
	size_t plen;

	h->done = true;
	if (h->response) {
		h->status = p->status_code;
		return 0;
	}
	if (!p->upgrade) {
		h->hang = true;		/* Node: a plain request, never answered */
		return 0;
	}
	q = h->url != NULL ? strchr(h->url, '?') : NULL;
	plen = h->url == NULL ? 0 : q != NULL ? (size_t)(q - h->url) :
	    h->url_len;
	if (p->method != HTTP_GET || strcasecmp(h->upgrade, "websocket") != 0 ||
	    !key_ok(h->key) || (strcmp(h->version, "13") != 0 &&
	    strcmp(h->version, "8") != 0) || plen != 5 ||
	    strncmp(h->url, "/rpc/", 5) != 0)
		h->status = 400;
	else
		h->status = 101;
	return 0;
}

static const http_parser_settings hd_settings = {
	.on_url = hd_url,
	.on_header_field = hd_field,
	.on_header_value = hd_value,
	.on_headers_complete = hd_headers_complete,
};

void
lp2p__ws_head_init(struct lp2p_ws_head *h, bool response)
{
	memset(h, 0, sizeof(*h));
	http_parser_init(&h->parser, response ? HTTP_RESPONSE : HTTP_REQUEST);
	h->parser.data = h;
	h->response = response;
	h->last_was_value = true;
}

void
lp2p__ws_head_release(struct lp2p_ws_head *h)
{
	free(h->url);
	h->url = NULL;
}

size_t
lp2p__ws_head_feed(struct lp2p_ws_head *h, const char *buf, size_t len)
{
	size_t n, room;

	if (h->done)
		return 0;
	room = LP2P_HTTP_MAX_HEAD - h->nread;
	n = http_parser_execute(&h->parser, &hd_settings, buf,
	    len < room ? len : room);
	h->nread += n;
	if (h->done) {
		if (h->parser.http_errno != HPE_OK && h->status == 101 &&
		    !h->parser.upgrade)
			h->status = 400;
		return n;
	}
	if (h->parser.http_errno != HPE_OK) {
		h->done = true;
		h->status = h->parser.http_errno == HPE_HEADER_OVERFLOW ?
		    431 : 400;
		if (h->response)
			h->status = 400;
	} else if (h->nread >= LP2P_HTTP_MAX_HEAD) {
		h->done = true;
		h->status = h->response ? 400 : 431;
	}
	return n;
}

void
lp2p__ws_accept_key(const char *key, char out[29])
{
	SHA1_CTX c;
	uint8_t d[SHA1_DIGEST_LENGTH];
	char *b;

	SHA1Init(&c);
	SHA1Update(&c, (const uint8_t *)key, strlen(key));
	SHA1Update(&c, (const uint8_t *)WS_GUID, strlen(WS_GUID));
	SHA1Final(d, &c);
	if ((b = lp2p_b64_encode(d, sizeof(d))) == NULL) {
		out[0] = '\0';
		return;
	}
	strlcpy(out, b, 29);
	free(b);
}

/* ---- output ------------------------------------------------------- */

static void
on_written(uv_write_t *w, int status)
{
	struct lp2p_ws *ws = w->data;

	free(ws->wbuf);
	ws->wbuf = NULL;
	ws->writing = false;
	if (ws->state == WS_DEAD)
		return;
	if (status < 0) {
		ws_kill(ws, 1006, uv_strerror(status));
		return;
	}
	ws_pump(ws);
}

/* Start writing outq if idle. */
static void
ws_flush(struct lp2p_ws *ws)
{
	uv_buf_t b;
	int rc;

	if (ws->writing || ws->outlen == 0 || ws->state == WS_DEAD)
		return;
	if (ws->nosock) {		/* as if written at once */
		free(ws->outq);
		ws->outq = NULL;
		ws->outlen = 0;
		return;
	}
	ws->wbuf = ws->outq;
	b = uv_buf_init((char *)ws->wbuf, (unsigned)ws->outlen);
	ws->bytes_out += ws->outlen;
	ws->outq = NULL;
	ws->outlen = 0;
	ws->wreq.data = ws;
	if ((rc = uv_write(&ws->wreq, (uv_stream_t *)&ws->tcp, &b, 1,
	    on_written)) < 0) {
		free(ws->wbuf);
		ws->wbuf = NULL;
		ws_kill(ws, 1006, uv_strerror(rc));
		return;
	}
	ws->writing = true;
}

static int
outq_add(struct lp2p_ws *ws, const void *p, size_t n)
{
	uint8_t *q;

	if ((q = realloc(ws->outq, ws->outlen + n)) == NULL)
		return LP2P_ENOMEM;
	memcpy(q + ws->outlen, p, n);
	ws->outq = q;
	ws->outlen += n;
	return 0;
}

static ssize_t
cb_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct lp2p_ws *ws = arg;

	(void)flags;
	if (ws->writing || ws->outlen >= OUTQ_CHUNK) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (len > OUTQ_CHUNK)
		len = OUTQ_CHUNK;
	if (outq_add(ws, data, len) < 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

/* Move frames from wslay to the socket; finish a completed close. */
static void
ws_pump(struct lp2p_ws *ws)
{
	if (ws->state == WS_DEAD)
		return;
	if (ws->ctx != NULL && !ws->writing && wslay_event_want_write(ws->ctx)
	    && wslay_event_send(ws->ctx) != 0) {
		ws_kill(ws, 1006, "write failed");
		return;
	}
	ws_flush(ws);
	if (ws->writing || ws->outlen > 0)
		return;
	if (ws->close_after_write) {
		ws_kill(ws, ws->have_code ? ws->code : 1006, ws->reason);
		return;
	}
	if (ws->ctx != NULL && wslay_event_get_close_sent(ws->ctx) &&
	    (wslay_event_get_close_received(ws->ctx) ||
	    !wslay_event_get_read_enabled(ws->ctx))) {
		if (!ws->have_code) {
			/* wslay closed by itself: too big or protocol error */
			ws->code = wslay_event_get_status_code_sent(ws->ctx);
			ws->have_code = true;
			ws->by_us = true;
			strlcpy(ws->reason, ws->code == 1009 ?
			    "message too big" : "protocol error",
			    sizeof(ws->reason));
		}
		ws_kill(ws, ws->code, ws->reason);
	}
}

/* ---- input -------------------------------------------------------- */

static ssize_t
cb_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct lp2p_ws *ws = arg;

	(void)flags;
	if (ws->inlen == 0 || ws->state == WS_DEAD || ws->kill) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (len > ws->inlen)
		len = ws->inlen;
	memcpy(buf, ws->in, len);
	ws->in += len;
	ws->inlen -= len;
	return (ssize_t)len;
}

static int
cb_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *arg)
{
	(void)ctx;
	(void)arg;
	lp2p_rand_buf(buf, len);
	return 0;
}

static void
cb_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg
    *m, void *arg)
{
	struct lp2p_ws *ws = arg;

	(void)ctx;
	if (ws->state == WS_DEAD || ws->kill)
		return;
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (ws->state == WS_OPEN && ws->cb.on_message != NULL)
			ws->cb.on_message(ws, m->msg, m->msg_length,
			    m->opcode == WSLAY_TEXT_FRAME, ws->arg);
		break;
	case WSLAY_PING:
	case WSLAY_PONG:
		/* never answered: terminate before wslay's pong goes out */
		ws->kill = true;
		snprintf(ws->reason, sizeof(ws->reason), "%s frame received",
		    m->opcode == WSLAY_PING ? "ping" : "pong");
		ws->code = 1006;
		ws->have_code = true;
		if (ws->cb.on_control != NULL)
			ws->cb.on_control(ws, m->opcode, ws->arg);
		break;
	case WSLAY_CONNECTION_CLOSE:
		if (!ws->have_code) {
			size_t rl = m->msg_length > 2 ? m->msg_length - 2 : 0;

			ws->code = m->status_code == 0 ? 1005 : m->status_code;
			ws->have_code = true;
			ws->by_us = false;
			if (rl >= sizeof(ws->reason))
				rl = sizeof(ws->reason) - 1;
			if (rl > 0)	/* an empty close frame: msg is NULL */
				memcpy(ws->reason, m->msg + 2, rl);
			ws->reason[rl] = '\0';
		}
		if (ws->state == WS_OPEN)
			ws->state = WS_CLOSING;
		break;
	}
}

static const struct wslay_event_callbacks wslay_cbs = {
	.recv_callback = cb_recv,
	.send_callback = cb_send,
	.genmask_callback = cb_genmask,
	.on_msg_recv_callback = cb_msg,
};

static int
ws_start_wslay(struct lp2p_ws *ws)
{
	int rc;

	rc = ws->client ? wslay_event_context_client_init(&ws->ctx,
	    &wslay_cbs, ws) : wslay_event_context_server_init(&ws->ctx,
	    &wslay_cbs, ws);
	if (rc != 0)
		return LP2P_ENOMEM;
	wslay_event_config_set_max_recv_msg_length(ws->ctx,
	    ws->opts.max_payload);
	return 0;
}

/* Bytes of an open connection to wslay. */
static void
ws_feed(struct lp2p_ws *ws, const uint8_t *p, size_t n)
{
	ws->in = p;
	ws->inlen = n;
	if (wslay_event_recv(ws->ctx) != 0 && !ws->kill) {
		ws->in = NULL;
		ws->inlen = 0;
		ws_kill(ws, 1002, "protocol error");
		return;
	}
	ws->in = NULL;
	ws->inlen = 0;
	if (ws->kill) {
		ws_kill(ws, ws->code, ws->reason);
		return;
	}
	if (!wslay_event_get_read_enabled(ws->ctx) &&
	    wslay_event_get_close_sent(ws->ctx) == 0 &&
	    !wslay_event_want_write(ws->ctx)) {
		ws_kill(ws, 1009, "message too big");
		return;
	}
	ws_pump(ws);
}

static void
raw_answer(struct lp2p_ws *ws, const char *text, int code, const char *why)
{
	uv_read_stop((uv_stream_t *)&ws->tcp);
	if (outq_add(ws, text, strlen(text)) < 0) {
		ws_kill(ws, code, why);
		return;
	}
	ws->code = code;
	ws->have_code = true;
	ws->by_us = true;
	strlcpy(ws->reason, why, sizeof(ws->reason));
	ws->close_after_write = true;
	ws_pump(ws);
}

/* The head parser lives only while upgrading (about 600 bytes). */
static int
head_start(struct lp2p_ws *ws, bool response)
{
	if ((ws->head = malloc(sizeof(*ws->head))) == NULL)
		return LP2P_ENOMEM;
	lp2p__ws_head_init(ws->head, response);
	return 0;
}

static void
head_drop(struct lp2p_ws *ws)
{
	if (ws->head == NULL)
		return;
	lp2p__ws_head_release(ws->head);
	free(ws->head);
	ws->head = NULL;
}

static void
server_head_done(struct lp2p_ws *ws, const uint8_t *rest, size_t restlen)
{
	struct lp2p_ws_server *srv = ws->srv;
	struct lp2p_ws_head *h = ws->head;
	char resp[512], acc[29];

	if (h->hang) {
		uv_read_stop((uv_stream_t *)&ws->tcp);
		return;			/* the head timer ends it */
	}
	if (srv->cb.is_banned != NULL && srv->cb.is_banned(ws->ip, srv->arg)) {
		raw_answer(ws, "HTTP/1.1 401 Unauthorized\r\n"
		    "Connection: close\r\nContent-type: text/html\r\n"
		    "Content-Length: 30\r\n\r\nPeer is not allowed to connect",
		    401, "banned");
		return;
	}
	if (h->status == 431) {
		raw_answer(ws, "HTTP/1.1 431 Request Header Fields Too Large\r\n"
		    "Connection: close\r\n\r\n", 431, "head too large");
		return;
	}
	if (h->status != 101) {
		raw_answer(ws, "HTTP/1.1 400 Bad Request\r\n"
		    "Connection: close\r\nContent-type: text/html\r\n"
		    "Content-Length: 11\r\n\r\nBad Request", 400, "bad upgrade");
		return;
	}
	lp2p__ws_accept_key(h->key, acc);
	if (h->protocol[0] != '\0' && h->protocol[0] != '\x01') {
		size_t n = strcspn(h->protocol, ",");

		while (n > 0 && h->protocol[n - 1] == ' ')
			n--;
		snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols"
		    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: "
		    "%.*s\r\n\r\n", acc, (int)n, h->protocol);
	} else
		snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols"
		    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: %s\r\n\r\n", acc);
	if (outq_add(ws, resp, strlen(resp)) < 0 || ws_start_wslay(ws) < 0) {
		ws_kill(ws, 1006, "out of memory");
		return;
	}
	ws->target = h->url;
	h->url = NULL;
	head_drop(ws);
	uv_timer_stop(&ws->timer);
	LIST_REMOVE(ws, entry);
	srv->npending--;
	ws->srv = NULL;
	ws->state = WS_OPEN;
	ws_flush(ws);
	srv->cb.on_accept(srv, ws, srv->arg);
	/* the target is the accept callback's (sc.c copies what it keeps) */
	free(ws->target);
	ws->target = NULL;
	if (ws->state == WS_OPEN && restlen > 0)
		ws_feed(ws, rest, restlen);
}

static void
client_head_done(struct lp2p_ws *ws, const uint8_t *rest, size_t restlen)
{
	struct lp2p_ws_head *h = ws->head;
	char why[96];

	if (h->status != 101 || !h->parser.upgrade ||
	    strcasecmp(h->upgrade, "websocket") != 0 ||
	    strcmp(h->key, ws->accept) != 0 || h->extensions[0] != '\0') {
		if (h->status != 101)
			snprintf(why, sizeof(why),
			    "Unexpected server response: %d", h->status);
		else
			snprintf(why, sizeof(why), "invalid upgrade response");
		ws_kill(ws, 1006, why);
		return;
	}
	head_drop(ws);
	if (ws_start_wslay(ws) < 0) {
		ws_kill(ws, 1006, "out of memory");
		return;
	}
	uv_timer_stop(&ws->timer);
	ws->state = WS_OPEN;
	if (ws->cb.on_open != NULL)
		ws->cb.on_open(ws, ws->arg);
	if (ws->state == WS_OPEN && restlen > 0)
		ws_feed(ws, rest, restlen);
}

/*
 * One read buffer per thread (so per loop), shared by every connection:
 * on_read hands the bytes to wslay, which copies what it keeps, before
 * the loop reads the next socket.  An idle peer holds no read buffer.
 */
static _Thread_local uint8_t *shared_rbuf;	/* kept for the thread */

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct lp2p_ws *ws = h->data;

	(void)hint;
	(void)ws;
	if (shared_rbuf == NULL)
		shared_rbuf = malloc(READ_CHUNK);
	*b = uv_buf_init((char *)shared_rbuf, shared_rbuf == NULL ? 0 :
	    READ_CHUNK);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct lp2p_ws *ws = s->data;
	const uint8_t *p = (const uint8_t *)b->base;
	size_t used;

	if (ws->state == WS_DEAD)
		return;
	if (n > 0)
		ws->bytes_in += (uint64_t)n;
	if (n < 0) {
		if (ws->ctx != NULL && wslay_event_get_close_received(ws->ctx))
			ws_kill(ws, ws->code, ws->reason);
		else {
			if (!ws->have_code) {
				ws->code = 1006;
				ws->have_code = true;
				ws->by_us = false;
				strlcpy(ws->reason, n == UV_EOF ?
				    "Socket hung up" : uv_strerror((int)n),
				    sizeof(ws->reason));
			}
			ws_kill(ws, ws->code, ws->reason);
		}
		return;
	}
	if (n == 0)
		return;
	if (ws->state == WS_CONNECTING || ws->state == WS_HEAD) {
		if (ws->head == NULL) {
			ws_kill(ws, 1006, "out of memory");
			return;
		}
		used = lp2p__ws_head_feed(ws->head, (const char *)p,
		    (size_t)n);
		if (!ws->head->done)
			return;
		if (ws->client)
			client_head_done(ws, p + used, (size_t)n - used);
		else
			server_head_done(ws, p + used, (size_t)n - used);
		return;
	}
	if (ws->ctx != NULL && wslay_event_get_read_enabled(ws->ctx))
		ws_feed(ws, p, (size_t)n);
}

/* ---- closing ------------------------------------------------------ */

static void
on_handle_closed(uv_handle_t *h)
{
	struct lp2p_ws *ws = h->data;

	if (--ws->nclosing > 0)
		return;
	if (ws->srv != NULL || ws->cb.on_closed == NULL) {
		/* never upgraded, or nobody listening: ours to free */
		if (ws->srv != NULL) {
			LIST_REMOVE(ws, entry);
			ws->srv->npending--;
		}
		ws->srv = NULL;
		lp2p__ws_free(ws);
		return;
	}
	ws->cb.on_closed(ws, ws->code, ws->reason, ws->by_us, ws->arg);
}

/* Drop the TCP connection; on_closed follows from the loop. */
static void
ws_kill(struct lp2p_ws *ws, int code, const char *why)
{
	if (ws->state == WS_DEAD)
		return;
	if (!ws->have_code || ws->code == 0) {
		ws->code = code;
		ws->have_code = true;
		ws->by_us = true;
		strlcpy(ws->reason, why != NULL ? why : "", sizeof(ws->reason));
	}
	ws->state = WS_DEAD;
	ws->nclosing = 2;
	uv_close((uv_handle_t *)&ws->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&ws->timer, on_handle_closed);
}

static void
on_timer(uv_timer_t *t)
{
	struct lp2p_ws *ws = t->data;

	switch (ws->state) {
	case WS_CONNECTING:
		ws_kill(ws, 4007, "connect timeout");
		break;
	case WS_HEAD:
		ws_kill(ws, 1006, "no upgrade request");
		break;
	default:
		ws_kill(ws, ws->have_code ? ws->code : 1006, ws->reason);
		break;
	}
}

void
lp2p__ws_close(struct lp2p_ws *ws, int code, const char *reason)
{
	if (ws == NULL || ws->state == WS_DEAD || ws->state == WS_CLOSING)
		return;
	if (ws->state != WS_OPEN) {
		ws_kill(ws, code, reason);
		return;
	}
	ws->state = WS_CLOSING;
	lp2p__ws_pause(ws, false);	/* the close handshake needs reads */
	if (!ws->have_code) {
		ws->code = code;
		ws->have_code = true;
		ws->by_us = true;
		strlcpy(ws->reason, reason != NULL ? reason : "",
		    sizeof(ws->reason));
	}
	/* the reference sends close frames without reason text */
	if (wslay_event_queue_close(ws->ctx, (uint16_t)code, NULL, 0) != 0) {
		ws_kill(ws, code, reason);
		return;
	}
	uv_timer_start(&ws->timer, on_timer, CLOSE_LINGER, 0);
	ws_pump(ws);
}

/*
 * Stop or restart reading an open connection (backpressure from whoever
 * consumes its messages).  Writes go on; a closing connection reads.
 */
void
lp2p__ws_pause(struct lp2p_ws *ws, bool pause)
{
	if (ws == NULL || ws->paused == pause)
		return;
	if (pause && ws->state != WS_OPEN)
		return;
	ws->paused = pause;
	if (ws->state != WS_OPEN && ws->state != WS_CLOSING)
		return;
	if (pause)
		uv_read_stop((uv_stream_t *)&ws->tcp);
	else
		uv_read_start((uv_stream_t *)&ws->tcp, on_alloc, on_read);
}

void
lp2p__ws_terminate(struct lp2p_ws *ws, int code, const char *reason)
{
	if (ws != NULL)
		ws_kill(ws, code, reason);
}

/* ---- client ------------------------------------------------------- */

static void
on_connect(uv_connect_t *c, int status)
{
	struct lp2p_ws *ws = c->data;

	if (ws->state == WS_DEAD)
		return;
	if (status < 0) {
		char why[96];

		snprintf(why, sizeof(why), "connect: %s", uv_strerror(status));
		ws_kill(ws, 1006, why);
		return;
	}
	(void)uv_tcp_nodelay(&ws->tcp, 1);	/* as Node's sockets */
	uv_read_start((uv_stream_t *)&ws->tcp, on_alloc, on_read);
	ws_flush(ws);
}

static struct lp2p_ws *
ws_alloc(uv_loop_t *loop, const struct lp2p_ws_opts *o)
{
	struct lp2p_ws *ws;

	if ((ws = calloc(1, sizeof(*ws))) == NULL)
		return NULL;
	ws->loop = loop;
	ws->opts = *o;
	if (ws->opts.max_payload == 0)
		ws->opts.max_payload = LP2P_WS_MAX_PAYLOAD;
	if (ws->opts.max_queue == 0)
		ws->opts.max_queue = 8 * 1024 * 1024;
	uv_tcp_init(loop, &ws->tcp);
	uv_timer_init(loop, &ws->timer);
	ws->tcp.data = ws;
	ws->timer.data = ws;
	return ws;
}

int
lp2p__ws_connect(struct lp2p_ws **out, uv_loop_t *loop,
    const struct lp2p_ws_opts *o, const char *host, uint16_t port,
    const char *bind, const char *target, const struct lp2p_ws_cb *cb,
    void *arg, struct lp2p_err *err)
{
	struct sockaddr_in sa, ba;
	struct lp2p_ws *ws;
	uint8_t rk[16];
	char *key, *req;
	int rc, n;

	*out = NULL;
	if (uv_ip4_addr(host, port, &sa) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: not an IPv4 address",
		    host);
	if (bind != NULL && uv_ip4_addr(bind, 0, &ba) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: not an IPv4 address",
		    bind);
	if ((ws = ws_alloc(loop, o)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	ws->client = true;
	ws->cb = *cb;
	ws->arg = arg;
	ws->state = WS_CONNECTING;
	strlcpy(ws->ip, host, sizeof(ws->ip));
	ws->rport = port;
	lp2p_rand_buf(rk, sizeof(rk));
	if ((key = lp2p_b64_encode(rk, sizeof(rk))) == NULL) {
		rc = LP2P_ENOMEM;
		goto fail;
	}
	lp2p__ws_accept_key(key, ws->accept);
	n = port == 80 ?
	    asprintf(&req, "GET %s HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate; client_max_window_bits\r\nHost: %s\r\n\r\n",
	    target, key, host) :
	    asprintf(&req, "GET %s HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: %s\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate; client_max_window_bits\r\nHost: %s:%u\r\n\r\n",
	    target, key, host, port);
	free(key);
	if (n < 0) {
		rc = LP2P_ENOMEM;
		goto fail;
	}
	rc = outq_add(ws, req, (size_t)n);
	free(req);
	if (rc < 0)
		goto fail;
	if ((rc = head_start(ws, true)) < 0)
		goto fail;
	if (bind != NULL && (rc = uv_tcp_bind(&ws->tcp,
	    (const struct sockaddr *)&ba, 0)) < 0)
		goto fail;
	ws->creq.data = ws;
	if ((rc = uv_tcp_connect(&ws->creq, &ws->tcp,
	    (const struct sockaddr *)&sa, on_connect)) < 0)
		goto fail;
	if (ws->opts.connect_timeout > 0)
		uv_timer_start(&ws->timer, on_timer, ws->opts.connect_timeout,
		    0);
	*out = ws;
	return 0;
fail:
	/* no callback for a failed call: close quietly and free */
	ws->cb.on_closed = NULL;
	ws_kill(ws, 1006, NULL);
	return lp2p_errf(err, rc, "connect %s:%u: %s", host, port,
	    lp2p_strerror(rc));
}

/* ---- server ------------------------------------------------------- */

static void
on_server_closed(uv_handle_t *h)
{
	struct lp2p_ws_server *srv = h->data;

	if (srv->failed)
		free(srv);	/* listen failed: nobody else knows it */
	else if (srv->cb.on_closed != NULL)
		srv->cb.on_closed(srv, srv->arg);
}

/*
 * More than opts.upgrading_per_ip connections from ws's address are
 * upgrading (ws counted): one address cannot hold the upgrading slots of
 * all (issue 12).  The list is at most max_upgrading long.
 */
static bool
too_many_upgrading(const struct lp2p_ws_server *srv,
    const struct lp2p_ws *ws)
{
	const struct lp2p_ws *o;
	uint32_t k = 0;

	if (srv->opts.upgrading_per_ip == 0 || (!srv->opts.upgrading_per_ip_all
	    && lp2p_ip_netclass(ws->ip) != LP2P_NET_IPV4))
		return false;
	LIST_FOREACH(o, &srv->pending, entry)
		if (strcmp(o->ip, ws->ip) == 0 &&
		    ++k > srv->opts.upgrading_per_ip)
			return true;
	return false;
}

static void
on_connection(uv_stream_t *s, int status)
{
	struct lp2p_ws_server *srv = s->data;
	struct sockaddr_storage ss;
	struct lp2p_ws *ws;
	int len = sizeof(ss);

	if (status < 0 || srv->closing)
		return;
	if ((ws = ws_alloc(srv->loop, &srv->opts)) == NULL)
		return;
	ws->srv = srv;
	ws->state = WS_HEAD;
	LIST_INSERT_HEAD(&srv->pending, ws, entry);
	if (++srv->npending > (srv->opts.max_upgrading > 0 ?
	    srv->opts.max_upgrading : LP2P_WS_MAX_UPGRADING)) {
		/* accepted only to be closed: never unbounded */
		(void)uv_accept(s, (uv_stream_t *)&ws->tcp);
		ws_kill(ws, 1013, "too many connections upgrading");
		return;
	}
	if (uv_accept(s, (uv_stream_t *)&ws->tcp) != 0 ||
	    uv_tcp_getpeername(&ws->tcp, (struct sockaddr *)&ss, &len) != 0) {
		ws_kill(ws, 1006, NULL);
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *si = (struct sockaddr_in *)&ss;

		uv_ip4_name(si, ws->ip, sizeof(ws->ip));
		ws->rport = ntohs(si->sin_port);
	} else {
		struct sockaddr_in6 *si = (struct sockaddr_in6 *)&ss;

		uv_ip6_name(si, ws->ip, sizeof(ws->ip));
		ws->rport = ntohs(si->sin6_port);
	}
	if (too_many_upgrading(srv, ws)) {
		ws_kill(ws, 1013, "too many upgrades from one address");
		return;
	}
	(void)uv_tcp_nodelay(&ws->tcp, 1);
	if (head_start(ws, false) < 0) {
		ws_kill(ws, 1006, "out of memory");
		return;
	}
	uv_timer_start(&ws->timer, on_timer, ws->opts.head_timeout > 0 ?
	    ws->opts.head_timeout : 10000, 0);
	uv_read_start((uv_stream_t *)&ws->tcp, on_alloc, on_read);
}

int
lp2p__ws_server_new(struct lp2p_ws_server **out, uv_loop_t *loop,
    const struct lp2p_ws_opts *o, const char *host, uint16_t port,
    const struct lp2p_ws_server_cb *cb, void *arg, struct lp2p_err *err)
{
	struct lp2p_ws_server *srv;
	struct sockaddr_in sa;
	int rc;

	*out = NULL;
	if (uv_ip4_addr(host, port, &sa) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: not an IPv4 address",
		    host);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	srv->loop = loop;
	srv->opts = *o;
	if (srv->opts.max_payload == 0)
		srv->opts.max_payload = LP2P_WS_MAX_PAYLOAD;
	srv->cb = *cb;
	srv->arg = arg;
	LIST_INIT(&srv->pending);
	uv_tcp_init(loop, &srv->tcp);
	srv->tcp.data = srv;
	if ((rc = uv_tcp_bind(&srv->tcp, (const struct sockaddr *)&sa, 0)) < 0
	    || (rc = uv_listen((uv_stream_t *)&srv->tcp, 511,
	    on_connection)) < 0) {
		srv->failed = true;
		srv->closing = true;
		uv_close((uv_handle_t *)&srv->tcp, on_server_closed);
		return lp2p_errf(err, rc, "listen %s:%u: %s", host, port,
		    uv_strerror(rc));
	}
	*out = srv;
	return 0;
}

int
lp2p__ws_server_port(const struct lp2p_ws_server *srv)
{
	struct sockaddr_in sa;
	int len = sizeof(sa);

	if (uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

void
lp2p__ws_server_close(struct lp2p_ws_server *srv)
{
	struct lp2p_ws *ws, *tmp;

	if (srv == NULL || srv->closing)
		return;
	srv->closing = true;
	LIST_FOREACH_SAFE(ws, &srv->pending, entry, tmp) {
		/* detached: the server may be freed before they are closed */
		LIST_REMOVE(ws, entry);
		srv->npending--;
		ws->srv = NULL;
		ws_kill(ws, 1001, "server closing");
	}
	uv_close((uv_handle_t *)&srv->tcp, on_server_closed);
}

void
lp2p__ws_server_free(struct lp2p_ws_server *srv)
{
	free(srv);
}

/* ---- the rest of the API ------------------------------------------ */

void
lp2p__ws_set_cb(struct lp2p_ws *ws, const struct lp2p_ws_cb *cb, void *arg)
{
	ws->cb = *cb;
	ws->arg = arg;
}

int
lp2p__ws_send(struct lp2p_ws *ws, const void *p, size_t n)
{
	struct wslay_event_msg m;

	if (ws->state != WS_OPEN)
		return LP2P_ECLOSED;
	if (n > ws->opts.max_payload)
		return LP2P_EINVAL;	/* the peer would drop us (1009) */
	if (wslay_event_get_queued_msg_length(ws->ctx) + n >
	    ws->opts.max_queue) {
		ws_kill(ws, 1006, "write queue full");
		return LP2P_EFULL;
	}
	m.opcode = WSLAY_TEXT_FRAME;
	m.msg = p;
	m.msg_length = n;
	if (wslay_event_queue_msg(ws->ctx, &m) != 0)
		return LP2P_ENOMEM;
	if (!ws->writing)
		ws_pump(ws);
	return 0;
}

void
lp2p__ws_free(struct lp2p_ws *ws)
{
	if (ws == NULL)
		return;
	if (ws->ctx != NULL)
		wslay_event_context_free(ws->ctx);
	head_drop(ws);
	free(ws->target);
	free(ws->outq);
	free(ws->wbuf);
	free(ws);
}

const char *
lp2p__ws_remote_ip(const struct lp2p_ws *ws)
{
	return ws->ip;
}

uint16_t
lp2p__ws_remote_port(const struct lp2p_ws *ws)
{
	return ws->rport;
}

const char *
lp2p__ws_target(const struct lp2p_ws *ws)
{
	return ws->target != NULL ? ws->target : "";
}

void
lp2p__ws_bytes(const struct lp2p_ws *ws, uint64_t *in, uint64_t *out)
{
	*in = ws->bytes_in;
	*out = ws->bytes_out;
}

size_t
lp2p__ws_queued(const struct lp2p_ws *ws)
{
	return (ws->ctx != NULL ? wslay_event_get_queued_msg_length(ws->ctx) :
	    0) + ws->outlen;
}

/* ---- without a socket (tests and fuzzing) ------------------------- */

struct lp2p_ws *
lp2p__ws_test_open(uv_loop_t *loop, const struct lp2p_ws_opts *o,
    bool client, const struct lp2p_ws_cb *cb, void *arg)
{
	struct lp2p_ws *ws;

	if ((ws = ws_alloc(loop, o)) == NULL)
		return NULL;
	ws->client = client;
	ws->nosock = true;
	strlcpy(ws->ip, "127.0.0.1", sizeof(ws->ip));
	if (ws_start_wslay(ws) < 0) {
		ws->state = WS_DEAD;	/* the handles were never used */
		ws->nclosing = 2;
		uv_close((uv_handle_t *)&ws->tcp, on_handle_closed);
		uv_close((uv_handle_t *)&ws->timer, on_handle_closed);
		return NULL;
	}
	ws->state = WS_OPEN;
	lp2p__ws_set_cb(ws, cb, arg);
	return ws;
}

void
lp2p__ws_test_read(struct lp2p_ws *ws, const uint8_t *p, ssize_t n)
{
	uv_buf_t b = uv_buf_init((char *)(uintptr_t)p, n > 0 ? (unsigned)n :
	    0);

	on_read((uv_stream_t *)&ws->tcp, n, &b);
}
