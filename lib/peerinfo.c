/*
 * peerinfo.c — what the node tells about one connected peer: the detail
 * of a getConnectedPeers entry (direction, kind, connected since, round
 * trip, reputation, productivity, traffic, nodeInfo options) and the
 * PENALTY line of each penalty applied (liskp2p-events(7)).
 *
 * Builders only: they read an npeer and the peer layer's statistics and
 * return a new jv; they change nothing.  pool.c and node.c call them in
 * one line each.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "node_int.h"

const char *
lp2p__kind_name(int kind)
{
	switch (kind) {
	case LP2P__KIND_SEED:		return "seed";
	case LP2P__KIND_FIXED:		return "fixed";
	case LP2P__KIND_WHITELISTED:	return "whitelisted";
	default:			return "other";
	}
}

/* ms since the epoch as "2026-11-23T19:50:01.123Z". */
static jv
iso_ms(uint64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	char buf[40], out[48];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%03uZ", buf, (unsigned)(ms % 1000));
	return jv_string(out);
}

/* A double rounded to 3 decimals (latencies, rates). */
static jv
num3(double d)
{
	return jv_number(round(d * 1000) / 1000);
}

/*
 * The detail of a connected peer, merged into its getConnectedPeers
 * entry: {"direction","peerKind","connectedSince","connectedMs","rttMs",
 * "reputation","productivity","messagesIn","messagesOut","requestsIn",
 * "requestsOut","bytesIn","bytesOut","messageRate"}.
 */
jv
lp2p__peer_detail(const struct npeer *np)
{
	struct lp2p_peer_stats st;
	uint64_t now = uv_now(np->node->loop), age;
	jv o = jv_object();

	lp2p__peer_stats(np->p, &st);
	age = now > np->connect_time ? now - np->connect_time : 0;
	o = jv_object_set(o, jv_string("direction"),
	    jv_string(np->inbound ? "inbound" : "outbound"));
	o = jv_object_set(o, jv_string("peerKind"),
	    jv_string(lp2p__kind_name(np->kind)));
	o = jv_object_set(o, jv_string("connectedSince"),
	    iso_ms(lp2p__now_ms() - age));
	o = jv_object_set(o, jv_string("connectedMs"), jv_number((double)age));
	o = jv_object_set(o, jv_string("rttMs"), st.last_rtt_ms > 0 ?
	    num3(st.last_rtt_ms) : jv_null());
	o = jv_object_set(o, jv_string("reputation"),
	    jv_number(st.reputation));
	o = jv_object_set(o, jv_string("productivity"), JV_OBJECT(
	    jv_string("requestsReceived"),
	    jv_number((double)st.requests_received),
	    jv_string("responsesSent"), jv_number((double)st.responses_sent),
	    jv_string("responseRate"), num3(st.response_rate)));
	o = jv_object_set(o, jv_string("messagesIn"),
	    jv_number((double)st.messages_in));
	o = jv_object_set(o, jv_string("messagesOut"),
	    jv_number((double)st.messages_out));
	o = jv_object_set(o, jv_string("requestsIn"),
	    jv_number((double)st.requests_in));
	o = jv_object_set(o, jv_string("requestsOut"),
	    jv_number((double)st.requests_out));
	o = jv_object_set(o, jv_string("bytesIn"),
	    jv_number((double)st.bytes_in));
	o = jv_object_set(o, jv_string("bytesOut"),
	    jv_number((double)st.bytes_out));
	return jv_object_set(o, jv_string("messageRate"),
	    num3(st.message_rate));
}

/*
 * {"ts","type":"PENALTY","peerId","penalty","reason","detail",
 * "reputation"}: one line per penalty the node applies.
 */
jv
lp2p__ev_penalty(const struct npeer *np, int penalty, int reason,
    const char *why, int reputation)
{
	jv ev = lp2p_event_new("PENALTY");

	ev = jv_object_set(ev, jv_string("peerId"), jv_string(np->id));
	ev = jv_object_set(ev, jv_string("penalty"), jv_number(penalty));
	ev = jv_object_set(ev, jv_string("reason"),
	    jv_string(lp2p__penalty_name(reason)));
	if (why != NULL && why[0] != '\0')
		ev = jv_object_set(ev, jv_string("detail"), jv_string(why));
	return jv_object_set(ev, jv_string("reputation"),
	    jv_number(reputation));
}
