/*
 * sc_reply.c — what the SocketCluster layer sends, and the answers it
 * waits for: envelope texts, the queue of emits and requests a client
 * makes before the ack (bounded, flushed in order after it), the table
 * of our pending requests (increasing cids, matched by rid; one timer
 * watches the oldest: all share one timeout, so the list is in deadline
 * order) and the replies we send to the remote's requests.
 * Every pending request's fn is called exactly once: reply, timeout, or
 * the connection's end (lp2p__sc_fail_pending).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "internal.h"
#include "sc.h"
#include "sc_int.h"
#include "ws.h"

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

int
lp2p__sc_send_text(struct lp2p_sc *sc, char *text)
{
	int rc;

	if (text == NULL)
		return LP2P_ENOMEM;
	rc = sc->ws == NULL ? LP2P_ECLOSED :
	    lp2p__ws_send(sc->ws, text, strlen(text));
	free(text);
	return rc;
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

void
lp2p__sc_fail_pending(struct lp2p_sc *sc, int status)
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
	if ((rc = lp2p__sc_send_text(sc, lp2p__sc_encode_event(event, data,
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
	return lp2p__sc_send_text(sc, lp2p__sc_encode_event(event, data, 0));
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
	return lp2p__sc_send_text(sc, b);
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

void
lp2p__sc_flush_queue(struct lp2p_sc *sc)
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
			(void)lp2p__sc_send_text(sc, lp2p__sc_encode_event(q->event,
			    q->data, 0));
		free(q->event);
		free(q);
	}
}

void
lp2p__sc_handle_reply(struct lp2p_sc *sc, jv msg)
{
	jv rid = jv_object_get(jv_copy(msg), jv_string("rid"));
	jv err, data;
	struct pending *p;
	uint64_t r;

	/* our cids stay below 2^53; a larger rid (1e300) matches none */
	if (!lp2p__sc_is_integer(rid) || jv_number_value(rid) < 0 ||
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
