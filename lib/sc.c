/*
 * sc.c — SocketCluster v14 as lisk-p2p 0.10 speaks it (WIRE.md §3).
 *
 * Client: on WebSocket open send {"event":"#handshake",...,"cid":1}; emits
 * made before the ack are queued (bounded) and flushed after it; answer
 * every #1 with #2; watchdog: ack_timeout until the ack, then the
 * announced pingTimeout, reset only by #1 (4000).
 * Server: first message must be #handshake (else 4009), within
 * handshake_timeout (else #disconnect 4005); #1 every ping_interval from
 * open; watchdog ping_timeout reset by any message (4001); every message
 * but "#2" is screened (§3.7) and an offender banned and terminated.
 * Requests we make carry increasing cids; replies are matched by rid; one
 * timer watches the oldest (all share one timeout, so the list is in
 * deadline order).
 * Close: #disconnect + close frame, or bare close frame, or terminate.
 * on_closed comes once every handle is closed; the owner frees there.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "internal.h"
#include "peer.h"
#include "sc.h"
#include "ws.h"

enum sc_state { SC_CONNECTING, SC_HANDSHAKE, SC_OPEN, SC_CLOSING, SC_DEAD };

struct pending {
	TAILQ_ENTRY(pending)	 entry;
	uint64_t		 cid;
	uint64_t		 deadline;
	lp2p_sc_reply_fn	*fn;
	void			*arg;
};

struct queued {
	STAILQ_ENTRY(queued)	 entry;
	char			*event;
	jv			 data;
	struct pending		*req;	/* NULL: plain emit */
};

struct lp2p_sc {
	uv_loop_t		*loop;
	struct lp2p_ws		*ws;
	struct lp2p_sc_opts	 opts;
	struct lp2p_sc_cb	 cb;
	void			*arg;
	bool			 client;
	enum sc_state		 state;
	bool			 opened;
	uv_timer_t		 t_ping;	/* server: #1 */
	uv_timer_t		 t_watch;	/* watchdog */
	uint64_t		 rx_at;		/* server, hot path: last message */
	uv_timer_t		 t_hs;		/* handshake / ack */
	uv_timer_t		 t_req;		/* oldest request */
	int			 nclosing;
	uint64_t		 next_cid;
	uint32_t		 npending;
	TAILQ_HEAD(, pending)	 pending;
	STAILQ_HEAD(, queued)	 queue;
	uint32_t		 nqueued;
	uint32_t		 ping_timeout;	/* client: announced */
	int			 code;
	char			*reason;
	bool			 by_us;
	bool			 have_code;
	char			 ip[48];
	uint16_t		 rport;		/* remote (ephemeral) port */
	char			*target;
	uint64_t		 bytes_in;	/* the ws's, once it is gone */
	uint64_t		 bytes_out;
	struct lp2p_sc_server	*srv;		/* server side, until it closes */
	TAILQ_ENTRY(lp2p_sc)	 sentry;
};

#define MAX_CTL_IPS	256	/* IPs counted per control-message window */
#define CTL_WINDOW	1000	/* ms: the #disconnect counter's window */

struct ctl_count {
	char		 ip[48];
	uint32_t	 count;
};

struct lp2p_sc_server {
	struct lp2p_ws_server	*ws;
	uv_loop_t		*loop;
	struct lp2p_sc_opts	 opts;
	struct lp2p_sc_server_cb cb;
	void			*arg;
	uv_timer_t		 t_ctl;		/* resets ctl every second */
	struct ctl_count	 ctl[MAX_CTL_IPS];
	size_t			 nctl;
	int			 nclosing;
	TAILQ_HEAD(, lp2p_sc)	 conns;		/* accepted, not yet freed */
};

static void	sc_fail_pending(struct lp2p_sc *, int);
static void	on_req_timer(uv_timer_t *);

/* ---- encoding ----------------------------------------------------- */

static int
buf_cat(char **b, size_t *n, const char *s)
{
	size_t l = strlen(s);
	char *p;

	if ((p = realloc(*b, *n + l + 1)) == NULL)
		return -1;
	memcpy(p + *n, s, l + 1);
	*b = p;
	*n += l;
	return 0;
}

static int
buf_json(char **b, size_t *n, jv v)
{
	jv s = jv_dump_string(v, 0);
	int rc = buf_cat(b, n, jv_string_value(s));

	jv_free(s);
	return rc;
}

char *
lp2p__sc_encode_event(const char *event, jv data, uint64_t cid)
{
	char *b = NULL, num[32];
	size_t n = 0;
	int bad = 0;

	bad |= buf_cat(&b, &n, "{\"event\":");
	bad |= buf_json(&b, &n, jv_string(event));
	if (jv_is_valid(data)) {
		bad |= buf_cat(&b, &n, ",\"data\":");
		bad |= buf_json(&b, &n, data);
	} else
		jv_free(data);
	if (cid > 0) {
		snprintf(num, sizeof(num), ",\"cid\":%llu",
		    (unsigned long long)cid);
		bad |= buf_cat(&b, &n, num);
	}
	bad |= buf_cat(&b, &n, "}");
	if (bad) {
		free(b);
		return NULL;
	}
	return b;
}

static int
sc_send_text(struct lp2p_sc *sc, char *text)
{
	int rc;

	if (text == NULL)
		return LP2P_ENOMEM;
	rc = sc->ws == NULL ? LP2P_ECLOSED :
	    lp2p__ws_send(sc->ws, text, strlen(text));
	free(text);
	return rc;
}

/* ---- decoding and screening --------------------------------------- */

int
lp2p__sc_decode(const char *s, size_t n, jv *out)
{
	jv v;
	int rc;

	*out = jv_invalid();
	if (n > INT32_MAX)
		return LP2P_EPROTO;
	/* libjq 1.6 leaks on some invalid texts: only checked ones reach it */
	if ((rc = lp2p__json_check(s, n, LP2P_MAX_JSON_DEPTH, NULL)) != 0)
		return rc == LP2P_EFULL ? LP2P_EINVAL :
		    rc == LP2P__JSON_MANY ? LP2P_EFULL : LP2P_EPROTO;
	v = jv_parse_sized(s, (int)n);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return LP2P_EPROTO;
	}
	*out = v;
	return 0;
}

static bool
is_integer(jv v)
{
	double d;

	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return false;
	d = jv_number_value(v);
	return isfinite(d) && d == floor(d);
}

/* Length of a UTF-8 string in UTF-16 units, as JavaScript counts. */
static size_t
js_length(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if ((*p & 0xf8) == 0xf0)
			n++;
	}
	return n;
}

/*
 * The common envelope, byte for byte:
 *   {"event":"remote-message","data":{"event":"NAME","data":"DATA"}}
 * NAME and DATA plain printable ASCII (no '"', no '\\').  Such a text is
 * valid JSON that the screen accepts; decoding it needs no parser.  Returns
 * the length of the plain run at s[i..n) that a '"' ends, or -1.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Whether one of the 8 bytes of v is < 0x20, > 0x7e, '"' or '\\'. */
static inline bool
word_stops(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return (((v - ONES * 0x20) & ~v) |		/* < 0x20 */
	    ((v + ONES * (127 - 0x7e)) | v) |		/* > 0x7e */
	    ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

static long
plain_run(const char *s, size_t n, size_t i)
{
	uint64_t v;
	size_t j;

	/* eight bytes at a time while none of them ends the run */
	for (j = i; n - j >= 8; j += 8) {
		memcpy(&v, s + j, 8);
		if (word_stops(v))
			break;
	}
	for (; j < n; j++) {
		unsigned char c = (unsigned char)s[j];

		if (c == '"')
			return (long)(j - i);
		if (c < 0x20 || c > 0x7e || c == '\\')
			return -1;
	}
	return -1;
}

int
lp2p__sc_fast_split(const char *s, size_t n, struct lp2p__sc_fast *f)
{
	static const char head[] =
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"";
	static const char mid[] = "\",\"data\":\"";
	size_t hl = sizeof(head) - 1, ml = sizeof(mid) - 1, i, ev, dv;
	long el, dl;

	if (n < hl + ml + 3 || n > INT32_MAX || memcmp(s, head, hl) != 0)
		return -1;
	ev = hl;
	if ((el = plain_run(s, n, ev)) < 0)
		return -1;
	i = ev + (size_t)el;
	if (n - i < ml || memcmp(s + i, mid, ml) != 0)
		return -1;
	dv = i + ml;
	if ((dl = plain_run(s, n, dv)) < 0)
		return -1;
	i = dv + (size_t)dl;
	if (n - i != 3 || memcmp(s + i, "\"}}", 3) != 0)
		return -1;
	f->name = s + ev;
	f->nlen = (size_t)el;
	f->data = s + dv;
	f->dlen = (size_t)dl;
	return 0;
}

int
lp2p__sc_screen_fast(const char *s, size_t n, jv *out)
{
	struct lp2p__sc_fast f;

	*out = jv_invalid();
	if (lp2p__sc_fast_split(s, n, &f) != 0)
		return -1;
	*out = jv_object_set(jv_object_set(jv_object(), jv_string("event"),
	    jv_string("remote-message")), jv_string("data"),
	    jv_object_set(jv_object_set(jv_object(), jv_string("event"),
	    jv_string_sized(f.name, (int)f.nlen)), jv_string("data"),
	    jv_string_sized(f.data, (int)f.dlen)));
	return 0;
}

int
lp2p__sc_screen(const char *s, size_t n, jv *out, char *why, size_t len)
{
	if (lp2p__sc_screen_fast(s, n, out) == 0)
		return 0;
	return lp2p__sc_screen_slow(s, n, out, why, len);
}

/* The screen with the strict checker and libjq, for every text. */
int
lp2p__sc_screen_slow(const char *s, size_t n, jv *out, char *why, size_t len)
{
	static const char *reserved[] = { "#authenticate", "#removeAuthToken",
	    "#subscribe", "#unsubscribe", "#publish" };
	jv v, keys;
	int rc;

	*out = jv_invalid();
	if (n > INT32_MAX || (rc = lp2p__sc_decode(s, n, &v)) == LP2P_EPROTO) {
		snprintf(why, len, "message is not JSON");
		return LP2P_EPROTO;
	}
	if (rc == LP2P_EINVAL) {
		snprintf(why, len, "JSON nested deeper than %d",
		    LP2P_MAX_JSON_DEPTH);
		return LP2P_EINVAL;
	}
	if (rc == LP2P_EFULL) {
		snprintf(why, len, "JSON of more than %d values",
		    LP2P_MAX_JSON_VALUES);
		return LP2P_EINVAL;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		snprintf(why, len, "packet is not an object");
		return LP2P_EPROTO;
	}
	keys = jv_keys(jv_copy(v));
	for (int i = 0; i < jv_array_length(jv_copy(keys)); i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		const char *ks = jv_string_value(k);
		jv m = jv_object_get(jv_copy(v), jv_copy(k));
		jv_kind kind = jv_get_kind(m);
		const char *bad = NULL;

		if (strcmp(ks, "event") == 0) {
			if (kind != JV_KIND_STRING)
				bad = "'event' is not a string";
			else if (js_length(jv_string_value(m)) >
			    LP2P_MAX_EVENT_NAME)
				bad = "'event' is too long";
			else
				for (size_t j = 0; j < LP2P_NELEM(reserved);
				    j++)
					if (strcmp(jv_string_value(m),
					    reserved[j]) == 0)
						bad = "reserved event";
		} else if (strcmp(ks, "cid") == 0 || strcmp(ks, "rid") == 0) {
			if (!is_integer(m))
				bad = "'cid'/'rid' is not an integer";
		} else if (strcmp(ks, "data") == 0 ||
		    strcmp(ks, "error") == 0) {
			if (kind != JV_KIND_OBJECT)
				bad = "'data'/'error' is not an object";
		} else
			bad = "unknown key in packet";
		jv_free(m);
		jv_free(k);
		if (bad != NULL) {
			snprintf(why, len, "%s", bad);
			jv_free(keys);
			jv_free(v);
			return LP2P_EPROTO;
		}
	}
	jv_free(keys);
	*out = v;
	return 0;
}

/* ---- timers and closing ------------------------------------------- */

static void
on_timer_closed(uv_handle_t *h)
{
	struct lp2p_sc *sc = h->data;

	if (--sc->nclosing > 0)
		return;
	sc_fail_pending(sc, LP2P_ECLOSED);
	if (sc->cb.on_closed != NULL)
		sc->cb.on_closed(sc, sc->code, sc->reason, sc->by_us,
		    sc->opened, sc->arg);
	else
		lp2p__sc_free(sc);
}

/* The ws is gone (or never was): close the timers, then report. */
static void
sc_finish(struct lp2p_sc *sc)
{
	sc->state = SC_DEAD;
	sc->nclosing = 4;
	uv_close((uv_handle_t *)&sc->t_ping, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_watch, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_hs, on_timer_closed);
	uv_close((uv_handle_t *)&sc->t_req, on_timer_closed);
}

static void
set_code(struct lp2p_sc *sc, int code, const char *reason, bool by_us)
{
	if (sc->have_code)
		return;
	sc->have_code = true;
	sc->code = code;
	sc->by_us = by_us;
	free(sc->reason);
	sc->reason = reason != NULL ? strdup(reason) : NULL;
}

void
lp2p__sc_close(struct lp2p_sc *sc, int code, const char *reason, int flags)
{
	if (sc == NULL || sc->state >= SC_CLOSING)
		return;
	set_code(sc, code, reason, true);
	uv_timer_stop(&sc->t_ping);
	uv_timer_stop(&sc->t_hs);
	if (sc->ws == NULL) {
		sc_finish(sc);
		return;
	}
	if (flags & LP2P__CLOSE_TERMINATE || sc->state == SC_CONNECTING) {
		sc->state = SC_CLOSING;
		lp2p__ws_terminate(sc->ws, code, reason);
		return;
	}
	if (!(flags & LP2P__CLOSE_BARE)) {
		jv d = jv_object_set(jv_object(), jv_string("code"),
		    jv_number(code));

		if (reason != NULL)
			d = jv_object_set(d, jv_string("data"),
			    jv_string(reason));
		(void)sc_send_text(sc, lp2p__sc_encode_event("#disconnect", d,
		    0));
	}
	sc->state = SC_CLOSING;
	lp2p__ws_close(sc->ws, code, reason);
}

static void
sc_offence(struct lp2p_sc *sc, enum lp2p_sc_offence o, const char *why)
{
	if (sc->cb.on_offence != NULL)
		sc->cb.on_offence(sc, o, why, sc->arg);
}

static void
on_ping_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;

	if (sc->state == SC_HANDSHAKE || sc->state == SC_OPEN)
		(void)lp2p__ws_send(sc->ws, "#1", 2);
}

static void
on_watch_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;
	uint64_t quiet = uv_now(sc->loop) - sc->rx_at;

	/* the hot path only notes the time: the watchdog rearms here */
	if (!sc->client && sc->rx_at > 0 && quiet < sc->opts.ping_timeout) {
		uv_timer_start(t, on_watch_timer, sc->opts.ping_timeout - quiet,
		    sc->opts.ping_timeout);
		return;
	}
	if (sc->client)
		lp2p__sc_close(sc, sc->opened ? 4000 : 4003, sc->opened ?
		    "Server ping timed out" : "Failed to complete handshake",
		    LP2P__CLOSE_BARE);
	else
		lp2p__sc_close(sc, 4001, "Client pong timed out",
		    LP2P__CLOSE_BARE);
}

static void
on_hs_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;

	if (sc->client)
		lp2p__sc_close(sc, 4003, "Failed to complete handshake",
		    LP2P__CLOSE_BARE);
	else
		lp2p__sc_close(sc, 4005, NULL, 0);
}

/* ---- requests ----------------------------------------------------- */

static void
arm_req_timer(struct lp2p_sc *sc)
{
	struct pending *p = TAILQ_FIRST(&sc->pending);
	uint64_t now = uv_now(sc->loop);

	if (p == NULL || sc->state == SC_DEAD) {
		if (sc->state != SC_DEAD)
			uv_timer_stop(&sc->t_req);
		return;
	}
	uv_timer_start(&sc->t_req, on_req_timer,
	    p->deadline > now ? p->deadline - now : 0, 0);
}

static void
on_req_timer(uv_timer_t *t)
{
	struct lp2p_sc *sc = t->data;
	uint64_t now = uv_now(sc->loop);
	struct pending *p;

	while ((p = TAILQ_FIRST(&sc->pending)) != NULL &&
	    p->deadline <= now) {
		TAILQ_REMOVE(&sc->pending, p, entry);
		sc->npending--;
		p->fn(sc, LP2P_ETIMEDOUT, jv_invalid(), p->arg);
		free(p);
		if (sc->state == SC_DEAD)
			return;
	}
	arm_req_timer(sc);
}

static void
sc_fail_pending(struct lp2p_sc *sc, int status)
{
	struct pending *p;
	struct queued *q;

	while ((q = STAILQ_FIRST(&sc->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&sc->queue, entry);
		if (q->req != NULL) {
			q->req->fn(sc, status, jv_invalid(), q->req->arg);
			free(q->req);
		}
		jv_free(q->data);
		free(q->event);
		free(q);
	}
	sc->nqueued = 0;
	while ((p = TAILQ_FIRST(&sc->pending)) != NULL) {
		TAILQ_REMOVE(&sc->pending, p, entry);
		p->fn(sc, status, jv_invalid(), p->arg);
		free(p);
	}
	sc->npending = 0;
}

static int
sc_send_request(struct lp2p_sc *sc, const char *event, jv data,
    struct pending *p)
{
	int rc;

	p->cid = sc->next_cid++;
	p->deadline = uv_now(sc->loop) + (sc->client ? sc->opts.ack_timeout :
	    sc->opts.server_ack_timeout);
	if ((rc = sc_send_text(sc, lp2p__sc_encode_event(event, data,
	    p->cid))) < 0)
		return rc;
	TAILQ_INSERT_TAIL(&sc->pending, p, entry);
	sc->npending++;
	if (TAILQ_FIRST(&sc->pending) == p)
		arm_req_timer(sc);
	return 0;
}

int
lp2p__sc_request(struct lp2p_sc *sc, const char *event, jv data,
    lp2p_sc_reply_fn *fn, void *arg)
{
	struct pending *p;
	struct queued *q;
	int rc;

	if (sc->state >= SC_CLOSING) {
		jv_free(data);
		return LP2P_ECLOSED;
	}
	if (sc->npending + sc->nqueued >= sc->opts.max_pending) {
		jv_free(data);
		return LP2P_EFULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		jv_free(data);
		return LP2P_ENOMEM;
	}
	p->fn = fn;
	p->arg = arg;
	if (sc->client && !sc->opened) {
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    (q->event = strdup(event)) == NULL) {
			free(q);
			free(p);
			jv_free(data);
			return LP2P_ENOMEM;
		}
		q->data = data;
		q->req = p;
		STAILQ_INSERT_TAIL(&sc->queue, q, entry);
		sc->nqueued++;
		return 0;
	}
	if ((rc = sc_send_request(sc, event, data, p)) < 0)
		free(p);
	return rc;
}

int
lp2p__sc_emit(struct lp2p_sc *sc, const char *event, jv data)
{
	struct queued *q;

	if (sc->state >= SC_CLOSING) {
		jv_free(data);
		return LP2P_ECLOSED;
	}
	if (sc->client && !sc->opened) {
		if (sc->nqueued >= sc->opts.max_pending) {
			jv_free(data);
			return LP2P_EFULL;
		}
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    (q->event = strdup(event)) == NULL) {
			free(q);
			jv_free(data);
			return LP2P_ENOMEM;
		}
		q->data = data;
		STAILQ_INSERT_TAIL(&sc->queue, q, entry);
		sc->nqueued++;
		return 0;
	}
	return sc_send_text(sc, lp2p__sc_encode_event(event, data, 0));
}

static int
sc_reply_text(struct lp2p_sc *sc, uint64_t rid, const char *key, jv v)
{
	char *b = NULL, num[48];
	size_t n = 0;
	int bad;

	if (sc->state != SC_OPEN && sc->state != SC_HANDSHAKE) {
		jv_free(v);
		return LP2P_ECLOSED;
	}
	snprintf(num, sizeof(num), "{\"rid\":%llu", (unsigned long long)rid);
	bad = buf_cat(&b, &n, num);
	if (jv_is_valid(v)) {
		bad |= buf_cat(&b, &n, ",\"");
		bad |= buf_cat(&b, &n, key);
		bad |= buf_cat(&b, &n, "\":");
		bad |= buf_json(&b, &n, v);
	} else
		jv_free(v);
	bad |= buf_cat(&b, &n, "}");
	if (bad) {
		free(b);
		return LP2P_ENOMEM;
	}
	return sc_send_text(sc, b);
}

int
lp2p__sc_reply(struct lp2p_sc *sc, uint64_t rid, jv data)
{
	return sc_reply_text(sc, rid, "data", data);
}

int
lp2p__sc_reply_error(struct lp2p_sc *sc, uint64_t rid, const char *msg)
{
	return sc_reply_text(sc, rid, "error", jv_object_set(jv_object(),
	    jv_string("message"), jv_string(msg)));
}

/* ---- receiving ---------------------------------------------------- */

static void
sc_flush_queue(struct lp2p_sc *sc)
{
	struct queued *q;

	while (sc->state == SC_OPEN && (q = STAILQ_FIRST(&sc->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&sc->queue, entry);
		sc->nqueued--;
		if (q->req != NULL) {
			if (sc_send_request(sc, q->event, q->data, q->req) < 0)
			{
				q->req->fn(sc, LP2P_ECLOSED, jv_invalid(),
				    q->req->arg);
				free(q->req);
			}
		} else
			(void)sc_send_text(sc, lp2p__sc_encode_event(q->event,
			    q->data, 0));
		free(q->event);
		free(q);
	}
}

static void
handle_reply(struct lp2p_sc *sc, jv msg)
{
	jv rid = jv_object_get(jv_copy(msg), jv_string("rid"));
	jv err, data;
	struct pending *p;
	uint64_t r;

	/* our cids stay below 2^53; a larger rid (1e300) matches none */
	if (!is_integer(rid) || jv_number_value(rid) < 0 ||
	    jv_number_value(rid) >= 9007199254740992.0) {
		jv_free(rid);
		jv_free(msg);
		return;
	}
	r = (uint64_t)jv_number_value(rid);
	jv_free(rid);
	TAILQ_FOREACH(p, &sc->pending, entry)
		if (p->cid == r)
			break;
	if (p == NULL) {		/* unknown rid: ignored */
		jv_free(msg);
		return;
	}
	TAILQ_REMOVE(&sc->pending, p, entry);
	sc->npending--;
	err = jv_object_get(jv_copy(msg), jv_string("error"));
	if (jv_is_valid(err) && jv_get_kind(err) != JV_KIND_NULL) {
		jv_free(msg);
		p->fn(sc, LP2P_EREMOTE, err, p->arg);
	} else {
		jv_free(err);
		data = jv_object_get(msg, jv_string("data"));
		p->fn(sc, 0, data, p->arg);
	}
	free(p);
	arm_req_timer(sc);
}

static void
handle_disconnect(struct lp2p_sc *sc, jv data)
{
	jv code = jv_invalid(), text = jv_invalid();
	int c = 1000;

	if (jv_get_kind(data) == JV_KIND_OBJECT) {
		code = jv_object_get(jv_copy(data), jv_string("code"));
		text = jv_object_get(jv_copy(data), jv_string("data"));
	}
	if (is_integer(code) && jv_number_value(code) >= 1000 &&
	    jv_number_value(code) <= 4999)
		c = (int)jv_number_value(code);
	set_code(sc, c, jv_get_kind(text) == JV_KIND_STRING ?
	    jv_string_value(text) : NULL, false);
	jv_free(code);
	jv_free(text);
	jv_free(data);
	if (sc->client && sc->opened && sc->state == SC_OPEN) {
		/* the reference client echoes it, then closes */
		jv d = jv_object_set(jv_object(), jv_string("code"),
		    jv_number(c));

		if (sc->reason != NULL)
			d = jv_object_set(d, jv_string("data"),
			    jv_string(sc->reason));
		(void)sc_send_text(sc, lp2p__sc_encode_event("#disconnect", d,
		    0));
	}
	sc->state = SC_CLOSING;
	uv_timer_stop(&sc->t_ping);
	uv_timer_stop(&sc->t_hs);
	lp2p__ws_close(sc->ws, sc->client && !sc->opened ? 4003 : c, NULL);
}

static void
handle_ack(struct lp2p_sc *sc, jv msg)
{
	jv data = jv_object_get(jv_copy(msg), jv_string("data"));
	jv pt = jv_get_kind(data) == JV_KIND_OBJECT ?
	    jv_object_get(jv_copy(data), jv_string("pingTimeout")) :
	    jv_invalid();
	double v;

	jv_free(msg);
	jv_free(data);
	if (jv_get_kind(pt) != JV_KIND_NUMBER) {
		jv_free(pt);
		lp2p__sc_close(sc, 4000, "Server ping timed out",
		    LP2P__CLOSE_BARE);
		return;
	}
	v = jv_number_value(pt);
	jv_free(pt);
	sc->ping_timeout = v < 1 ? 1 : v > 3600000 ? 3600000 : (uint32_t)v;
	uv_timer_stop(&sc->t_hs);
	uv_timer_start(&sc->t_watch, on_watch_timer, sc->ping_timeout,
	    sc->ping_timeout);	/* uv_timer_again needs the repeat */
	sc->state = SC_OPEN;
	sc->opened = true;
	sc_flush_queue(sc);	/* what was queued goes first */
	if (sc->state == SC_OPEN && sc->cb.on_open != NULL)
		sc->cb.on_open(sc, sc->arg);
}

static void
server_handshake(struct lp2p_sc *sc)
{
	char reason[256], id[21];
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	int code = 0;
	char *ack;

	uv_timer_stop(&sc->t_hs);
	reason[0] = '\0';
	if (sc->cb.on_handshake != NULL)
		code = sc->cb.on_handshake(sc, reason, sizeof(reason), sc->arg);
	if (sc->state >= SC_CLOSING)
		return;
	if (code != 0) {
		lp2p__sc_close(sc, code, reason[0] != '\0' ? reason : NULL, 0);
		return;
	}
	for (size_t i = 0; i < 20; i++)
		id[i] = abc[lp2p_rand_uniform(sizeof(abc) - 1)];
	id[20] = '\0';
	if (asprintf(&ack, "{\"rid\":1,\"data\":{\"id\":\"%s\",\"pingTimeout\":"
	    "%u,\"isAuthenticated\":false}}", id, sc->opts.ping_timeout) < 0) {
		lp2p__sc_close(sc, 1011, NULL, LP2P__CLOSE_TERMINATE);
		return;
	}
	if (sc_send_text(sc, ack) < 0)
		return;
	sc->state = SC_OPEN;
	sc->opened = true;
	if (sc->cb.on_open != NULL)
		sc->cb.on_open(sc, sc->arg);
}

/* One more #disconnect from ip in this window; returns the count. */
static uint32_t
ctl_count(struct lp2p_sc_server *srv, const char *ip)
{
	for (size_t i = 0; i < srv->nctl; i++)
		if (strcmp(srv->ctl[i].ip, ip) == 0)
			return ++srv->ctl[i].count;
	if (srv->nctl == MAX_CTL_IPS)
		return 1;		/* table full: not counted */
	strlcpy(srv->ctl[srv->nctl].ip, ip, sizeof(srv->ctl[0].ip));
	srv->ctl[srv->nctl].count = 1;
	return srv->ctl[srv->nctl++].count;
}

static void
on_ctl_timer(uv_timer_t *t)
{
	struct lp2p_sc_server *srv = t->data;

	srv->nctl = 0;
}

static void
on_ws_message(struct lp2p_ws *ws, const uint8_t *p, size_t n, bool text,
    void *arg)
{
	struct lp2p_sc *sc = arg;
	const char *s = (const char *)p;
	struct lp2p__sc_fast fast;
	char why[128];
	jv msg, ev, data, cid;
	uint64_t c = 0;
	int rc;

	(void)ws;
	if (sc->state >= SC_CLOSING)
		return;
	if (sc->cb.on_frame != NULL)
		sc->cb.on_frame(sc, sc->arg);
	if (sc->state >= SC_CLOSING)
		return;
	/*
	 * The hot path: a remote-message in the common envelope on an open
	 * connection goes to on_fast_message before any jv is built (the
	 * server's watchdog is fed as below).  Not taken: the usual way.
	 */
	if (sc->cb.on_fast_message != NULL && text && sc->state == SC_OPEN &&
	    sc->opened && lp2p__sc_fast_split(s, n, &fast) == 0) {
		if (!sc->client)	/* the watchdog, lazily (on_watch_timer) */
			sc->rx_at = uv_now(sc->loop);
		if (sc->cb.on_fast_message(sc, &fast, sc->arg))
			return;
		if (sc->state >= SC_CLOSING)
			return;
	}
	if (sc->client) {
		if (!text)
			return;		/* the reference client ignores them */
		if (n == 2 && memcmp(s, "#1", 2) == 0) {
			(void)lp2p__ws_send(sc->ws, "#2", 2);
			if (sc->opened)
				uv_timer_again(&sc->t_watch);
			return;
		}
		if ((rc = lp2p__sc_decode(s, n, &msg)) != 0) {
			if (rc == LP2P_EINVAL)
				sc_offence(sc, LP2P_SC_INVALID,
				    "JSON nested too deep");
			else if (rc == LP2P_EFULL)
				sc_offence(sc, LP2P_SC_INVALID,
				    "JSON of too many values");
			return;
		}
		if (jv_get_kind(msg) != JV_KIND_OBJECT) {
			jv_free(msg);
			return;
		}
	} else {
		uv_timer_again(&sc->t_watch);
		if (sc->state == SC_HANDSHAKE && !(n > 0 &&
		    s[0] == '{' && memmem(s, n, "#handshake", 10) != NULL)) {
			lp2p__sc_close(sc, 4009, NULL, LP2P__CLOSE_BARE);
			return;
		}
		/*
		 * Before the handshake nothing of size is due (an honest
		 * #handshake is about 60 bytes): a large one is not parsed.
		 */
		if (sc->state == SC_HANDSHAKE && n > LP2P_MAX_SC_HANDSHAKE) {
			lp2p__sc_close(sc, 1009, "#handshake too large",
			    LP2P__CLOSE_TERMINATE);
			return;
		}
		if (n == 2 && memcmp(s, "#2", 2) == 0)
			return;
		if ((rc = lp2p__sc_screen(s, n, &msg, why, sizeof(why))) != 0) {
			if (rc == LP2P_EINVAL) {
				sc_offence(sc, LP2P_SC_INVALID, why);
				return;
			}
			sc_offence(sc, LP2P_SC_BAN, why);
			lp2p__sc_close(sc, 1006, why, LP2P__CLOSE_TERMINATE);
			return;
		}
	}
	ev = jv_object_get(jv_copy(msg), jv_string("event"));
	if (!sc->client && sc->srv != NULL &&
	    jv_get_kind(ev) == JV_KIND_STRING &&
	    strcmp(jv_string_value(ev), "#disconnect") == 0 &&
	    ctl_count(sc->srv, sc->ip) > sc->opts.control_message_limit) {
		jv_free(ev);
		jv_free(msg);
		snprintf(why, sizeof(why), "more than %u #disconnect from %s "
		    "in %d ms", sc->opts.control_message_limit, sc->ip,
		    CTL_WINDOW);
		sc_offence(sc, LP2P_SC_BAN, why);
		lp2p__sc_close(sc, 1006, why, LP2P__CLOSE_TERMINATE);
		return;
	}
	if (jv_get_kind(ev) != JV_KIND_STRING) {
		jv_free(ev);
		if (sc->client && !sc->opened) {
			jv rid = jv_object_get(jv_copy(msg), jv_string("rid"));

			if (is_integer(rid) && jv_number_value(rid) == 1) {
				jv_free(rid);
				handle_ack(sc, msg);
				return;
			}
			jv_free(rid);
		}
		handle_reply(sc, msg);
		return;
	}
	if (!sc->client && sc->state == SC_HANDSHAKE &&
	    strcmp(jv_string_value(ev), "#handshake") != 0) {
		jv_free(ev);
		jv_free(msg);
		lp2p__sc_close(sc, 4009, NULL, LP2P__CLOSE_BARE);
		return;
	}
	data = jv_object_get(jv_copy(msg), jv_string("data"));
	cid = jv_object_get(msg, jv_string("cid"));
	if (is_integer(cid) && jv_number_value(cid) > 0 &&
	    jv_number_value(cid) < 9007199254740992.0)
		c = (uint64_t)jv_number_value(cid);
	jv_free(cid);
	if (strcmp(jv_string_value(ev), "#disconnect") == 0)
		handle_disconnect(sc, data);
	else if (strcmp(jv_string_value(ev), "#handshake") == 0) {
		jv_free(data);
		if (!sc->client && sc->state == SC_HANDSHAKE)
			server_handshake(sc);
	} else if (jv_string_value(ev)[0] == '#')
		jv_free(data);		/* other SC internals: ignored */
	else if (sc->cb.on_event != NULL)
		sc->cb.on_event(sc, jv_string_value(ev), data, c, sc->arg);
	else
		jv_free(data);
	jv_free(ev);
}

static void
on_ws_control(struct lp2p_ws *ws, int opcode, void *arg)
{
	struct lp2p_sc *sc = arg;

	(void)ws;
	set_code(sc, 1006, opcode == 0x9 ? "ping control frame" :
	    "pong control frame", true);
	sc_offence(sc, sc->client ? LP2P_SC_CONTROL : LP2P_SC_BAN,
	    opcode == 0x9 ? "WebSocket ping frame received" :
	    "WebSocket pong frame received");
}

static void
on_ws_open(struct lp2p_ws *ws, void *arg)
{
	struct lp2p_sc *sc = arg;

	(void)ws;
	sc->state = SC_HANDSHAKE;
	(void)sc_send_text(sc, strdup("{\"event\":\"#handshake\",\"data\":"
	    "{\"authToken\":null},\"cid\":1}"));
	sc->next_cid = 2;
	uv_timer_start(&sc->t_hs, on_hs_timer, sc->opts.ack_timeout, 0);
}

static void
on_ws_closed(struct lp2p_ws *ws, int code, const char *reason, bool by_us,
    void *arg)
{
	struct lp2p_sc *sc = arg;

	if (sc->client && sc->state == SC_CONNECTING && code == 4007)
		set_code(sc, 4007, NULL, true);	/* the SC text */
	else
		set_code(sc, code, by_us ? reason : NULL, by_us);
	if (!sc->have_code || sc->reason == NULL) {
		/* keep the ws description when nothing better is known */
		if (reason != NULL && reason[0] != '\0' && sc->reason == NULL &&
		    code == 1006)
			sc->reason = strdup(reason);
	}
	lp2p__ws_bytes(ws, &sc->bytes_in, &sc->bytes_out);
	lp2p__ws_free(ws);
	sc->ws = NULL;
	sc_finish(sc);
}

static const struct lp2p_ws_cb sc_ws_cb = {
	.on_open = on_ws_open,
	.on_message = on_ws_message,
	.on_control = on_ws_control,
	.on_closed = on_ws_closed,
};

/* ---- life ----------------------------------------------------------- */

static struct lp2p_sc *
sc_alloc(uv_loop_t *loop, const struct lp2p_sc_opts *o)
{
	struct lp2p_sc *sc;

	if ((sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	sc->loop = loop;
	sc->opts = *o;
	if (sc->opts.max_pending == 0)
		sc->opts.max_pending = 1024;
	TAILQ_INIT(&sc->pending);
	STAILQ_INIT(&sc->queue);
	uv_timer_init(loop, &sc->t_ping);
	uv_timer_init(loop, &sc->t_watch);
	uv_timer_init(loop, &sc->t_hs);
	uv_timer_init(loop, &sc->t_req);
	sc->t_ping.data = sc->t_watch.data = sc->t_hs.data = sc->t_req.data =
	    sc;
	sc->next_cid = 1;
	return sc;
}

static void
ws_opts(const struct lp2p_sc_opts *o, struct lp2p_ws_opts *w)
{
	memset(w, 0, sizeof(*w));
	w->max_payload = o->max_payload;
	w->max_queue = o->max_queue;
	w->connect_timeout = o->connect_timeout;
	/*
	 * The upgrade head must come within the connect timeout (at least
	 * 1 s), not the 10 s of the #handshake: a half-written request
	 * holds an upgrading slot for no longer than an honest dial takes
	 * (issue 12; Node's server keeps it open much longer).
	 */
	w->head_timeout = o->connect_timeout > 1000 ? o->connect_timeout :
	    1000;
	w->upgrading_per_ip = o->upgrading_per_ip;
	w->upgrading_per_ip_all = o->upgrading_per_ip_all;
}

int
lp2p__sc_connect(struct lp2p_sc **out, uv_loop_t *loop,
    const struct lp2p_sc_opts *o, const char *host, uint16_t port,
    const char *bind, const char *target, const struct lp2p_sc_cb *cb,
    void *arg, struct lp2p_err *err)
{
	struct lp2p_ws_opts wo;
	struct lp2p_sc *sc;
	int rc;

	*out = NULL;
	if ((sc = sc_alloc(loop, o)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	sc->client = true;
	sc->cb = *cb;
	sc->arg = arg;
	sc->state = SC_CONNECTING;
	strlcpy(sc->ip, host, sizeof(sc->ip));
	ws_opts(o, &wo);
	if ((rc = lp2p__ws_connect(&sc->ws, loop, &wo, host, port, bind,
	    target, &sc_ws_cb, sc, err)) < 0) {
		sc->cb.on_closed = NULL;
		sc_finish(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

static void
srv_on_accept(struct lp2p_ws_server *ws_srv, struct lp2p_ws *ws, void *arg)
{
	struct lp2p_sc_server *srv = arg;
	struct lp2p_sc *sc;

	(void)ws_srv;
	if ((sc = sc_alloc(srv->loop, &srv->opts)) == NULL ||
	    (sc->target = strdup(lp2p__ws_target(ws))) == NULL) {
		static const struct lp2p_ws_cb none;

		if (sc != NULL) {
			sc->cb.on_closed = NULL;
			sc_finish(sc);
		}
		lp2p__ws_set_cb(ws, &none, NULL);
		lp2p__ws_terminate(ws, 1011, "out of memory");
		return;
	}
	sc->ws = ws;
	sc->srv = srv;
	TAILQ_INSERT_TAIL(&srv->conns, sc, sentry);
	sc->state = SC_HANDSHAKE;
	strlcpy(sc->ip, lp2p__ws_remote_ip(ws), sizeof(sc->ip));
	sc->rport = lp2p__ws_remote_port(ws);
	lp2p__ws_set_cb(ws, &sc_ws_cb, sc);
	uv_timer_start(&sc->t_hs, on_hs_timer, sc->opts.handshake_timeout, 0);
	uv_timer_start(&sc->t_ping, on_ping_timer, sc->opts.ping_interval,
	    sc->opts.ping_interval);
	uv_timer_start(&sc->t_watch, on_watch_timer, sc->opts.ping_timeout,
	    sc->opts.ping_timeout);
	srv->cb.on_accept(srv, sc, srv->arg);
}

static bool
srv_is_banned(const char *ip, void *arg)
{
	struct lp2p_sc_server *srv = arg;

	return srv->cb.is_banned != NULL && srv->cb.is_banned(ip, srv->arg);
}

static void
srv_closed_one(struct lp2p_sc_server *srv)
{
	struct lp2p_sc *sc;

	if (--srv->nclosing > 0)
		return;
	while ((sc = TAILQ_FIRST(&srv->conns)) != NULL) {
		TAILQ_REMOVE(&srv->conns, sc, sentry);
		sc->srv = NULL;		/* connections outlive the server */
	}
	if (srv->cb.on_closed != NULL)
		srv->cb.on_closed(srv, srv->arg);
}

static void
on_ctl_closed(uv_handle_t *h)
{
	srv_closed_one(h->data);
}

static void
srv_on_closed(struct lp2p_ws_server *ws_srv, void *arg)
{
	struct lp2p_sc_server *srv = arg;

	lp2p__ws_server_free(ws_srv);
	srv->ws = NULL;
	srv_closed_one(srv);
}

int
lp2p__sc_server_new(struct lp2p_sc_server **out, uv_loop_t *loop,
    const struct lp2p_sc_opts *o, const char *host, uint16_t port,
    const struct lp2p_sc_server_cb *cb, void *arg, struct lp2p_err *err)
{
	static const struct lp2p_ws_server_cb wcb = {
		.is_banned = srv_is_banned,
		.on_accept = srv_on_accept,
		.on_closed = srv_on_closed,
	};
	struct lp2p_sc_server *srv;
	struct lp2p_ws_opts wo;
	int rc;

	*out = NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	srv->loop = loop;
	srv->opts = *o;
	srv->cb = *cb;
	srv->arg = arg;
	if (srv->opts.control_message_limit == 0)
		srv->opts.control_message_limit = 10;
	TAILQ_INIT(&srv->conns);
	ws_opts(o, &wo);
	if ((rc = lp2p__ws_server_new(&srv->ws, loop, &wo, host, port, &wcb,
	    srv, err)) < 0) {
		free(srv);
		return rc;
	}
	uv_timer_init(loop, &srv->t_ctl);
	srv->t_ctl.data = srv;
	uv_timer_start(&srv->t_ctl, on_ctl_timer, CTL_WINDOW, CTL_WINDOW);
	*out = srv;
	return 0;
}

int
lp2p__sc_server_port(const struct lp2p_sc_server *srv)
{
	return srv->ws != NULL ? lp2p__ws_server_port(srv->ws) : -1;
}

void
lp2p__sc_server_close(struct lp2p_sc_server *srv)
{
	if (srv == NULL || srv->ws == NULL || srv->nclosing > 0)
		return;
	srv->nclosing = 2;
	uv_close((uv_handle_t *)&srv->t_ctl, on_ctl_closed);
	lp2p__ws_server_close(srv->ws);
}

void
lp2p__sc_server_free(struct lp2p_sc_server *srv)
{
	free(srv);
}

void
lp2p__sc_set_cb(struct lp2p_sc *sc, const struct lp2p_sc_cb *cb, void *arg)
{
	sc->cb = *cb;
	sc->arg = arg;
}

void
lp2p__sc_free(struct lp2p_sc *sc)
{
	if (sc == NULL)
		return;
	if (sc->srv != NULL)
		TAILQ_REMOVE(&sc->srv->conns, sc, sentry);
	free(sc->reason);
	free(sc->target);
	free(sc);
}

void
lp2p__sc_pause(struct lp2p_sc *sc, bool pause)
{
	/* a handshake in progress is never held up */
	if (sc != NULL && sc->ws != NULL && (!pause || sc->state == SC_OPEN))
		lp2p__ws_pause(sc->ws, pause);
}

const char *
lp2p__sc_remote_ip(const struct lp2p_sc *sc)
{
	return sc->ip;
}

uint16_t
lp2p__sc_remote_port(const struct lp2p_sc *sc)
{
	return sc->rport;
}

void
lp2p__sc_bytes(const struct lp2p_sc *sc, uint64_t *in, uint64_t *out)
{
	*in = sc->bytes_in;
	*out = sc->bytes_out;
	if (sc->ws != NULL)
		lp2p__ws_bytes(sc->ws, in, out);
}

const char *
lp2p__sc_target(const struct lp2p_sc *sc)
{
	return sc->target != NULL ? sc->target : "";
}

bool
lp2p__sc_is_client(const struct lp2p_sc *sc)
{
	return sc->client;
}
