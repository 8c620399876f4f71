/*
 * events.c — the one builder of every event object (events.h): the
 * node's pool and the crawl's watch mode give their events the same
 * shape per type, as man/liskp2p-events.7 documents and tests/events.tsv
 * lists.  Pure: it builds, the caller emits.
 *
 * Field order is part of the output (NDJSON readers diff lines): ts,
 * type, peerId, then the payload in the order of the man page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"
#include "peer.h"
#include "events.h"

char *
lp2p__bytes_hex(const uint8_t *p, size_t len)
{
	return lp2p_hex_encode(p, len);
}

jv
lp2p_event_new(const char *type)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], out[80];
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
	return JV_OBJECT(jv_string("ts"), jv_string(out), jv_string("type"),
	    jv_string(type));
}

/* {"ts","type","peerId"}. */
static jv
ev_of(const char *type, const char *peer_id)
{
	return jv_object_set(lp2p_event_new(type), jv_string("peerId"),
	    jv_string(peer_id));
}

/* Bytes as a hex string jv (null when out of memory). */
static jv
hex_jv(const uint8_t *p, size_t len)
{
	char *hex = lp2p__bytes_hex(p, len);
	jv v = hex ? jv_string(hex) : jv_null();

	free(hex);
	return v;
}

jv
lp2p__ev_peer(const char *type, const struct lp2p__evpeer *w)
{
	jv o = ev_of(type, w->id);

	o = jv_object_set(o, jv_string("ipAddress"), jv_string(w->ip));
	o = jv_object_set(o, jv_string("port"), jv_number(w->port));
	o = jv_object_set(o, jv_string("kind"),
	    jv_string(w->inbound ? "inbound" : "outbound"));
	if (jv_get_kind(w->shared) == JV_KIND_OBJECT) {
		o = jv_object_set(o, jv_string("sharedState"),
		    jv_copy(w->shared));
		o = jv_object_set(o, jv_string("nodeInfo"),
		    jv_copy(w->shared));
	}
	return o;
}

jv
lp2p__ev_close(const char *type, const struct lp2p__evpeer *w, int code,
    const char *reason)
{
	jv ev = lp2p__ev_peer(type, w);

	if (code != 0)
		ev = jv_object_set(ev, jv_string("code"), jv_number(code));
	if (reason != NULL)
		ev = jv_object_set(ev, jv_string("reason"), jv_string(reason));
	return ev;
}

jv
lp2p__ev_error(const char *type, const char *peer_id, const char *msg)
{
	jv ev = lp2p_event_new(type);

	if (peer_id != NULL)
		ev = jv_object_set(ev, jv_string("peerId"), jv_string(peer_id));
	return jv_object_set(ev, jv_string("error"), jv_string(msg));
}

jv
lp2p__ev_refused(const char *peer_id, const char *error, int code)
{
	jv ev = lp2p__ev_error("EVENT_FAILED_TO_ADD_INBOUND_PEER", peer_id,
	    error);

	return jv_object_set(ev, jv_string("code"), jv_number(code));
}

/*
 * A received message or request: peerId, the name under key ("event" or
 * "procedure"), data as hex when present, and the rate.
 */
static jv
received(const char *type, const char *peer_id, const char *key,
    const struct lp2p_peer_msg *m)
{
	jv ev = ev_of(type, peer_id);

	ev = jv_object_set(ev, jv_string(key), jv_string(m->name));
	if (m->has_data)
		ev = jv_object_set(ev, jv_string("data"),
		    hex_jv(m->data, m->len));
	return jv_object_set(ev, jv_string("rate"), jv_number(m->rate));
}

jv
lp2p__ev_message(const char *peer_id, const struct lp2p_peer_msg *m)
{
	return received("EVENT_MESSAGE_RECEIVED", peer_id, "event", m);
}

jv
lp2p__ev_nodeinfo_message(const char *peer_id, jv info)
{
	jv ev = ev_of("EVENT_MESSAGE_RECEIVED", peer_id);

	ev = jv_object_set(ev, jv_string("event"), jv_string("postNodeInfo"));
	return jv_object_set(ev, jv_string("data"), info);
}

jv
lp2p__ev_request(const char *peer_id, const struct lp2p_peer_msg *m,
    uint64_t request_id, bool answered)
{
	jv ev = received("EVENT_REQUEST_RECEIVED", peer_id, "procedure", m);

	if (request_id != 0)
		ev = jv_object_set(ev, jv_string("requestId"),
		    jv_number((double)request_id));
	return jv_object_set(ev, jv_string("wasResponseSent"),
	    jv_bool(answered));
}

jv
lp2p__ev_discovered(const char *ip, uint16_t port, const char *source)
{
	char id[LP2P_PEERID_STRLEN];
	jv ev;

	lp2p_peerid(id, ip, port);
	ev = ev_of("EVENT_DISCOVERED_PEER", id);
	ev = jv_object_set(ev, jv_string("ipAddress"), jv_string(ip));
	ev = jv_object_set(ev, jv_string("port"), jv_number(port));
	return jv_object_set(ev, jv_string("sourceAddress"),
	    jv_string(source));
}

jv
lp2p__ev_ban(const char *peer_id, const char *reason, bool server_level)
{
	jv ev = ev_of("EVENT_BAN_PEER", peer_id);

	if (reason != NULL)
		ev = jv_object_set(ev, jv_string("reason"), jv_string(reason));
	return jv_object_set(ev, jv_string("serverLevel"),
	    jv_bool(server_level));
}

jv
lp2p__ev_remove(const char *peer_id, int code, const char *reason)
{
	jv ev = ev_of("EVENT_REMOVE_PEER", peer_id);

	if (code != 0) {
		ev = jv_object_set(ev, jv_string("code"), jv_number(code));
		if (reason != NULL)
			ev = jv_object_set(ev, jv_string("reason"),
			    jv_string(reason));
	}
	return ev;
}
