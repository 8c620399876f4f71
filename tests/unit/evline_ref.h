/*
 * evline_ref.h — the jv way to the line of a received message, for
 * test_evline.c and fuzz_evline.c: the event object as the node builds
 * it (lib/pool.c received_event: ts, type, peerId, event, data as hex of
 * lp2p_b64_decode, rate) dumped by lp2p_json_dump, and a newline.
 */
#ifndef EVLINE_REF_H
#define EVLINE_REF_H

#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "evline.h"

static inline int
evline_ref(struct lp2p_buf *b, const char *ts, const char *id,
    const char *name, const char *b64, size_t blen, double rate)
{
	uint8_t *bytes;
	char *hex;
	long n;
	jv ev;
	int rc;

	if ((n = lp2p_b64_decode(b64, blen, &bytes)) < 0)
		return -1;
	hex = lp2p_hex_encode(bytes != NULL ? bytes : (const uint8_t *)"",
	    (size_t)n);
	free(bytes);
	if (hex == NULL)
		return -1;
	ev = JV_OBJECT(jv_string("ts"), jv_string(ts), jv_string("type"),
	    jv_string("EVENT_MESSAGE_RECEIVED"));
	ev = jv_object_set(ev, jv_string("peerId"), jv_string(id));
	ev = jv_object_set(ev, jv_string("event"), jv_string(name));
	ev = jv_object_set(ev, jv_string("data"), jv_string(hex));
	ev = jv_object_set(ev, jv_string("rate"), jv_number(rate));
	free(hex);
	rc = lp2p_json_dump(b, ev);
	jv_free(ev);
	return rc != 0 ? rc : lp2p_buf_add(b, "\n", 1);
}

/* A line sink into a growing buffer; reserve may be refused (drop). */
struct evline_buf {
	struct lp2p_buf b;
	size_t		 reserved;
	int		 refuse;
	int		 commits;
};

static inline char *
evline_buf_reserve(size_t n, void *arg)
{
	struct evline_buf *e = arg;
	char *p;

	if (e->refuse)
		return NULL;
	if (e->b.cap - e->b.len < n) {
		if ((p = realloc(e->b.p, e->b.len + n)) == NULL)
			return NULL;
		e->b.p = p;
		e->b.cap = e->b.len + n;
	}
	e->reserved = n;
	return e->b.p + e->b.len;
}

static inline void
evline_buf_commit(size_t len, void *arg)
{
	struct evline_buf *e = arg;

	if (len > e->reserved)
		abort();		/* wrote past its room */
	e->b.len += len;
	e->commits++;
}

#endif
