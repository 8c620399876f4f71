/*
 * peer_rate.c — the reference's accounting of one connection (WIRE.md
 * §8): messages per rateCalculationInterval, in all and per event or
 * procedure (wsMaxMessageRate, getNodeInfo and getPeers once a rate
 * window), the connection's getNodeInfo, the 10-s status window of
 * getPeers and postNodeInfo (with our getPeers grace), the penalties
 * they cost, and the ban when the reputation reaches 0.
 * The counters live in struct lp2p_peer (peer_int.h); peer.c counts
 * through the functions here and closes the timers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "peer.h"
#include "peer_int.h"

#define MAX_RATE_KEYS	64	/* distinct names counted per window */

/* ---- counting ------------------------------------------------------ */

struct rate_key *
lp2p__peer_rate_key(struct lp2p_peer *p, const char *name, bool rpc)
{
	for (size_t i = 0; i < p->nkeys; i++)
		if (p->keys[i].rpc == rpc && strcmp(p->keys[i].name, name) == 0)
			return &p->keys[i];
	if (p->nkeys == MAX_RATE_KEYS)
		return NULL;
	if (lp2p__grow(&p->keys, &p->capkeys, p->nkeys, 4, MAX_RATE_KEYS,
	    sizeof(*p->keys)) != 0)
		return NULL;
	if ((p->keys[p->nkeys].name = strdup(name)) == NULL)
		return NULL;
	p->keys[p->nkeys].rpc = rpc;
	p->keys[p->nkeys].count = 0;
	p->keys[p->nkeys].rate = 0;
	return &p->keys[p->nkeys++];
}

struct rate_key *
lp2p__peer_count_request(struct lp2p_peer *p, const char *name, bool *drop)
{
	struct rate_key *k;
	bool graced, had;

	*drop = true;
	if (strcmp(name, "getNodeInfo") == 0 && ++p->n_getnodeinfo > 1)
		lp2p__peer_penalty(p, 10, LP2P_PEN_GETNODEINFO_REPEAT,
		    "getNodeInfo more than once");
	/*
	 * A reference client asks for getPeers when connected and again at
	 * its next seed discovery, which can fall in the same 10-s window
	 * (and 1-s window): the reference penalises that, we forgive it once
	 * per connection, in the first status window (p2p-node(1)).
	 */
	graced = false;
	if (strcmp(name, "getPeers") == 0 && ++p->n_getpeers > 1) {
		if (p->n_getpeers == 2 && p->first_status && !p->gp_graced)
			graced = p->gp_graced = true;
		else
			lp2p__peer_penalty(p, 10, LP2P_PEN_GETPEERS_REPEAT,
			    "getPeers more than once in 10 s");
	}
	if (p->closing)
		return NULL;
	k = lp2p__peer_rate_key(p, name, true);
	had = k != NULL && k->count > 0;
	if (k != NULL)
		k->count++;
	if (graced && k != NULL && k->count == 2)
		p->gp_grace_rate = true;
	/* a second getNodeInfo or getPeers is silently not answered */
	*drop = had && (strcmp(name, "getNodeInfo") == 0 ||
	    strcmp(name, "getPeers") == 0);
	return k;
}

void
lp2p__peer_count_postnodeinfo(struct lp2p_peer *p)
{
	if (++p->n_postnodeinfo > p->cfg.peer_status_message_rate)
		lp2p__peer_penalty(p, 10, LP2P_PEN_POSTNODEINFO_RATE,
		    "postNodeInfo more than 4 in 10 s");
}

/* ---- penalties ----------------------------------------------------- */

static void	peer_ban(struct lp2p_peer *, const char *);

static const char *const penalty_names[LP2P_PEN_COUNT] = {
	[LP2P_PEN_APPLY] = "applyPenalty",
	[LP2P_PEN_MESSAGE_RATE] = "messageRate",
	[LP2P_PEN_GETNODEINFO_RATE] = "getNodeInfoRate",
	[LP2P_PEN_GETPEERS_RATE] = "getPeersRate",
	[LP2P_PEN_GETNODEINFO_REPEAT] = "getNodeInfoRepeat",
	[LP2P_PEN_GETPEERS_REPEAT] = "getPeersRepeat",
	[LP2P_PEN_POSTNODEINFO_RATE] = "postNodeInfoRate",
	[LP2P_PEN_POSTNODEINFO_INVALID] = "postNodeInfoInvalid",
	[LP2P_PEN_INVALID_REQUEST] = "invalidRequest",
	[LP2P_PEN_INVALID_PACKET] = "invalidPacket",
	[LP2P_PEN_CONTROL_FRAME] = "controlFrame",
	[LP2P_PEN_INVALID_PEER_LIST] = "invalidPeerList",
	[LP2P_PEN_INVALID_NODEINFO] = "invalidNodeInfo",
};

const char *
lp2p__penalty_name(int reason)
{
	if (reason < 0 || reason >= LP2P_PEN_COUNT)
		return "other";
	return penalty_names[reason];
}

void
lp2p__peer_penalty(struct lp2p_peer *p, int penalty, int reason,
    const char *why)
{
	if (p == NULL || p->closing || p->banned)
		return;
	p->reputation -= penalty;
	if (p->cb.on_penalty != NULL)
		p->cb.on_penalty(p, penalty, p->reputation, reason, why,
		    p->arg);
	if (p->reputation <= 0 && !p->closing)
		peer_ban(p, why);
}

static void
peer_ban(struct lp2p_peer *p, const char *why)
{
	if (p->banned)
		return;
	p->banned = true;
	if (p->cb.on_ban != NULL)
		p->cb.on_ban(p, false, why, p->arg);
	lp2p__peer_close(p, 1000, NULL, 0);
}

/* ---- the windows --------------------------------------------------- */

static void
on_rate_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;
	double iv = p->cfg.rate_calculation_interval;
	uint32_t max = p->cfg.ws_max_message_rate;
	bool extra_gni = false, extra_gp = false;

	p->ws_rate = p->ws_count * 1000.0 / iv;
	p->ws_count = 0;
	for (size_t i = 0; i < p->nkeys; i++) {
		struct rate_key *k = &p->keys[i];

		if (k->rpc && k->count > 1) {
			if (strcmp(k->name, "getNodeInfo") == 0)
				extra_gni = true;
			if (strcmp(k->name, "getPeers") == 0)
				extra_gp = !(p->gp_grace_rate &&
				    k->count == 2);
		}
		k->rate = k->count * 1000.0 / iv;
		k->count = 0;
	}
	p->gp_grace_rate = false;
	if (p->ws_rate > max) {
		uint32_t m = (uint32_t)(p->ws_rate / max);
		char why[96];

		snprintf(why, sizeof(why), "%.0f messages/s over "
		    "wsMaxMessageRate %u", p->ws_rate, max);
		lp2p__peer_penalty(p, (int)(p->cfg.ws_max_message_rate_penalty *
		    (m > 1 ? m : 1)), LP2P_PEN_MESSAGE_RATE, why);
	}
	if (extra_gni)
		lp2p__peer_penalty(p, (int)p->cfg.ws_max_message_rate_penalty,
		    LP2P_PEN_GETNODEINFO_RATE,
		    "getNodeInfo more than once in a rate window");
	if (extra_gp)
		lp2p__peer_penalty(p, (int)p->cfg.ws_max_message_rate_penalty,
		    LP2P_PEN_GETPEERS_RATE,
		    "getPeers more than once in a rate window");
}

static void
on_status_timer(uv_timer_t *t)
{
	struct lp2p_peer *p = t->data;

	p->n_getpeers = 0;
	p->n_postnodeinfo = 0;
	p->first_status = false;
}

void
lp2p__peer_windows_start(struct lp2p_peer *p)
{
	p->ws_count = 0;
	for (size_t i = 0; i < p->nkeys; i++)
		p->keys[i].count = 0;
	p->n_getpeers = 0;
	p->n_postnodeinfo = 0;
	p->first_status = true;
	uv_timer_start(&p->t_rate, on_rate_timer,
	    p->cfg.rate_calculation_interval,
	    p->cfg.rate_calculation_interval);
	uv_timer_start(&p->t_status, on_status_timer, p->cfg.peer_status_window,
	    p->cfg.peer_status_window);
}
