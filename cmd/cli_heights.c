/*
 * cli_heights.c — p2p-watch --heights (see cli_heights.h).
 *
 * State: one slot per connected peer (its latest height, prevoted height
 * and tip id, as its nodeInfo options or its postBlock say), and a ring
 * of the last CLI_HEIGHTS_MAX_BLOCKS blocks seen (height, id, when and by
 * whom first announced, how many peers announced it, the latest
 * announcement's delay).  Everything is bounded; a peer past
 * CLI_HEIGHTS_MAX_PEERS is not tracked.
 *
 * Lines (liskp2p-events(7) and p2p-watch(1)):
 *   HEIGHT    a peer's chain state changed
 *   BLOCK     a block id seen for the first time, and by whom
 *   ANNOUNCE  a later announcement of a known block: delayMs behind the
 *             first, rank among the announcers
 *   FORK      a second block id at a height already known
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liskp2p.h"
#include "cli_heights.h"

#define ID_LEN		64		/* hex of a 32-byte block id */
#define SEEN_PER_PEER	8		/* blocks a peer announced, dedup */

struct hpeer {
	char		 id[LP2P_PEERID_STRLEN];
	int		 used;
	int		 known;			/* height known */
	double		 height, prevoted;
	char		 block[ID_LEN + 1];	/* tip id, "" unknown */
	uint64_t	 updated;		/* ms */
	char		 seen[SEEN_PER_PEER][ID_LEN + 1];
	int		 nseen;
	uint64_t	 late_ms;		/* latest announcement delay */
	uint64_t	 announced, first;	/* blocks announced, first */
};

struct hblock {
	double		 height;
	char		 id[ID_LEN + 1];
	uint64_t	 first_ms;
	char		 first_peer[LP2P_PEERID_STRLEN];
	uint32_t	 announcers;
	uint64_t	 last_delay;
	char		 last_peer[LP2P_PEERID_STRLEN];
};

struct cli_heights {
	const struct lp2p_liskcore *lc;
	void		(*emit)(jv, void *);
	void		*arg;
	struct hpeer	 peers[CLI_HEIGHTS_MAX_PEERS];
	struct hblock	 blocks[CLI_HEIGHTS_MAX_BLOCKS];
	size_t		 nblocks, next;		/* ring */
	uint64_t	 forks;			/* FORK lines so far */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static jv
line(const char *type)
{
	return lp2p_event_new(type);
}

struct cli_heights *
cli_heights_new(const struct lp2p_liskcore *lc, void (*emit)(jv, void *),
    void *arg)
{
	struct cli_heights *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->lc = lc;
	h->emit = emit;
	h->arg = arg;
	return h;
}

void
cli_heights_free(struct cli_heights *h)
{
	free(h);
}

static struct hpeer *
peer(struct cli_heights *h, const char *id, int create)
{
	struct hpeer *fr = NULL;

	for (size_t i = 0; i < CLI_HEIGHTS_MAX_PEERS; i++) {
		if (h->peers[i].used && strcmp(h->peers[i].id, id) == 0)
			return &h->peers[i];
		if (!h->peers[i].used && fr == NULL)
			fr = &h->peers[i];
	}
	if (!create || fr == NULL || strlen(id) >= sizeof(fr->id))
		return NULL;
	memset(fr, 0, sizeof(*fr));
	fr->used = 1;
	strlcpy(fr->id, id, sizeof(fr->id));
	return fr;
}

static double
best_height(const struct cli_heights *h)
{
	double best = -1;

	for (size_t i = 0; i < CLI_HEIGHTS_MAX_PEERS; i++)
		if (h->peers[i].used && h->peers[i].known &&
		    h->peers[i].height > best)
			best = h->peers[i].height;
	return best;
}

static int
dcmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The consensus height: the highest height that more than half of the
 * peers with a known height have reached (-1 when none is known).
 */
static double
consensus_height(const struct cli_heights *h)
{
	double v[CLI_HEIGHTS_MAX_PEERS];
	size_t n = 0;

	for (size_t i = 0; i < CLI_HEIGHTS_MAX_PEERS; i++)
		if (h->peers[i].used && h->peers[i].known)
			v[n++] = h->peers[i].height;
	if (n == 0)
		return -1;
	qsort(v, n, sizeof(v[0]), dcmp_desc);
	return v[n / 2];
}

static struct hblock *
find_block(struct cli_heights *h, double height, const char *id)
{
	for (size_t i = 0; i < h->nblocks; i++)
		if (h->blocks[i].height == height &&
		    strcmp(h->blocks[i].id, id) == 0)
			return &h->blocks[i];
	return NULL;
}

/* The forks at height: {"height","blocks":[{"id","peers":[...]}]}. */
static jv
fork_at(const struct cli_heights *h, double height)
{
	jv blocks = jv_array();

	for (size_t i = 0; i < h->nblocks; i++) {
		const struct hblock *b = &h->blocks[i];
		jv peers;

		if (b->height != height)
			continue;
		peers = jv_array();
		for (size_t k = 0; k < CLI_HEIGHTS_MAX_PEERS; k++) {
			const struct hpeer *p = &h->peers[k];
			int has = 0;

			if (!p->used)
				continue;
			has = p->known && p->height == height &&
			    strcmp(p->block, b->id) == 0;
			for (int s = 0; !has && s < p->nseen; s++)
				has = strcmp(p->seen[s], b->id) == 0;
			if (has)
				peers = jv_array_append(peers,
				    jv_string(p->id));
		}
		blocks = jv_array_append(blocks, JV_OBJECT(jv_string("id"),
		    jv_string(b->id), jv_string("firstPeer"),
		    jv_string(b->first_peer), jv_string("peers"), peers));
	}
	return JV_OBJECT(jv_string("height"), jv_number(height),
	    jv_string("blocks"), blocks);
}

static int
ids_at(const struct cli_heights *h, double height)
{
	int n = 0;

	for (size_t i = 0; i < h->nblocks; i++)
		n += h->blocks[i].height == height;
	return n;
}

static void
out(struct cli_heights *h, jv v, int quiet)
{
	if (quiet || h->emit == NULL)
		jv_free(v);
	else
		h->emit(v, h->arg);
}

/*
 * Peer p announced block (height, id) via "postNodeInfo", "postBlock" or
 * "connect" (its tip when we connected: not an announcement of a new
 * block, so never late).
 */
static void
announce(struct cli_heights *h, struct hpeer *p, double height,
    const char *id, const char *via, int quiet)
{
	struct hblock *b;
	uint64_t now = now_ms();
	jv v;

	if (id[0] == '\0' || strlen(id) > ID_LEN)
		return;
	for (int s = 0; s < p->nseen; s++)
		if (strcmp(p->seen[s], id) == 0)
			return;
	memmove(p->seen[1], p->seen[0], sizeof(p->seen[0]) *
	    (SEEN_PER_PEER - 1));
	strlcpy(p->seen[0], id, sizeof(p->seen[0]));
	if (p->nseen < SEEN_PER_PEER)
		p->nseen++;
	if ((b = find_block(h, height, id)) == NULL) {
		int forked = ids_at(h, height) > 0;

		b = &h->blocks[h->next];
		h->next = (h->next + 1) % CLI_HEIGHTS_MAX_BLOCKS;
		if (h->nblocks < CLI_HEIGHTS_MAX_BLOCKS)
			h->nblocks++;
		memset(b, 0, sizeof(*b));
		b->height = height;
		strlcpy(b->id, id, sizeof(b->id));
		b->first_ms = now;
		strlcpy(b->first_peer, p->id, sizeof(b->first_peer));
		b->announcers = 1;
		if (strcmp(via, "connect") != 0) {
			p->announced++;
			p->first++;
		}
		v = line("BLOCK");
		v = jv_object_set(v, jv_string("height"), jv_number(height));
		v = jv_object_set(v, jv_string("id"), jv_string(id));
		v = jv_object_set(v, jv_string("peerId"), jv_string(p->id));
		v = jv_object_set(v, jv_string("via"), jv_string(via));
		out(h, v, quiet);
		if (forked) {
			h->forks++;
			out(h, jv_object_merge(line("FORK"), fork_at(h,
			    height)), quiet);
		}
		return;
	}
	b->announcers++;
	if (strcmp(via, "connect") == 0)
		return;
	p->announced++;
	b->last_delay = now - b->first_ms;
	strlcpy(b->last_peer, p->id, sizeof(b->last_peer));
	p->late_ms = b->last_delay;
	v = line("ANNOUNCE");
	v = jv_object_set(v, jv_string("height"), jv_number(height));
	v = jv_object_set(v, jv_string("id"), jv_string(id));
	v = jv_object_set(v, jv_string("peerId"), jv_string(p->id));
	v = jv_object_set(v, jv_string("via"), jv_string(via));
	v = jv_object_set(v, jv_string("delayMs"),
	    jv_number((double)b->last_delay));
	v = jv_object_set(v, jv_string("rank"), jv_number(b->announcers));
	out(h, v, quiet);
}

static jv
peer_json(const struct cli_heights *h, const struct hpeer *p, double best)
{
	jv o = jv_object_set(jv_object(), jv_string("peerId"),
	    jv_string(p->id));

	(void)h;
	if (!p->known)
		return jv_object_set(o, jv_string("height"), jv_null());
	o = jv_object_set(o, jv_string("height"), jv_number(p->height));
	o = jv_object_set(o, jv_string("maxHeightPrevoted"),
	    jv_number(p->prevoted));
	o = jv_object_set(o, jv_string("lag"), jv_number(best - p->height));
	o = jv_object_set(o, jv_string("lastBlockID"), jv_string(p->block));
	o = jv_object_set(o, jv_string("blocksAnnounced"),
	    jv_number((double)p->announced));
	o = jv_object_set(o, jv_string("blocksFirst"),
	    jv_number((double)p->first));
	return jv_object_set(o, jv_string("lastDelayMs"),
	    jv_number((double)p->late_ms));
}

/* A peer's new state from nodeInfo options (borrowed). */
static void
update(struct cli_heights *h, struct hpeer *p, jv opts, const char *via,
    int quiet)
{
	jv ht, pv, id;
	double best;

	if (jv_get_kind(opts) != JV_KIND_OBJECT)
		return;
	ht = jv_object_get(jv_copy(opts), jv_string("height"));
	pv = jv_object_get(jv_copy(opts), jv_string("maxHeightPrevoted"));
	id = jv_object_get(jv_copy(opts), jv_string("lastBlockID"));
	if (jv_get_kind(ht) == JV_KIND_NUMBER) {
		double nh = jv_number_value(ht);
		double np = jv_get_kind(pv) == JV_KIND_NUMBER ?
		    jv_number_value(pv) : 0;
		const char *nid = jv_get_kind(id) == JV_KIND_STRING ?
		    jv_string_value(id) : "";
		int changed = !p->known || nh != p->height ||
		    np != p->prevoted || strcmp(nid, p->block) != 0;

		/* a peer's first state is its tip, not a new block */
		if (!p->known)
			via = "connect";
		p->known = 1;
		p->height = nh;
		p->prevoted = np;
		strlcpy(p->block, strlen(nid) <= ID_LEN ? nid : "",
		    sizeof(p->block));
		p->updated = now_ms();
		announce(h, p, nh, p->block, via, quiet);
		if (changed) {
			best = best_height(h);
			out(h, jv_object_merge(jv_object_merge(line("HEIGHT"),
			    peer_json(h, p, best)), JV_OBJECT(
			    jv_string("via"), jv_string(via),
			    jv_string("bestHeight"), jv_number(best),
			    jv_string("consensusHeight"),
			    jv_number(consensus_height(h)))), quiet);
		}
	}
	jv_free(ht);
	jv_free(pv);
	jv_free(id);
}

static jv
get(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return jv_invalid();
	}
	return jv_object_get(o, jv_string(k));
}

/* A postBlock's data (hex jv, borrowed): its height and id announced. */
static void
post_block(struct cli_heights *h, struct hpeer *p, jv data, int quiet)
{
	struct lp2p_err e;
	uint8_t *buf;
	long n;
	jv d, ht, id;

	if (h->lc == NULL || jv_get_kind(data) != JV_KIND_STRING)
		return;
	n = lp2p_hex_decode(jv_string_value(data),
	    (size_t)jv_string_length_bytes(jv_copy(data)), &buf);
	if (n < 0)
		return;
	if (lp2p_liskcore_decode(h->lc, LP2P_LC_EVENT, "postBlock", buf,
	    (size_t)n, &d, &e) != 0) {
		free(buf);
		return;
	}
	free(buf);
	ht = get(get(jv_copy(d), "block"), "height");
	id = get(get(d, "block"), "id");
	if (jv_get_kind(ht) == JV_KIND_NUMBER &&
	    jv_get_kind(id) == JV_KIND_STRING)
		announce(h, p, jv_number_value(ht), jv_string_value(id),
		    "postBlock", quiet);
	jv_free(ht);
	jv_free(id);
}

void
cli_heights_event(struct cli_heights *h, jv ev, int quiet)
{
	jv type = get(jv_copy(ev), "type"), pid = get(jv_copy(ev), "peerId");
	const char *t;
	struct hpeer *p;

	if (jv_get_kind(type) != JV_KIND_STRING ||
	    jv_get_kind(pid) != JV_KIND_STRING)
		goto done;
	t = jv_string_value(type);
	if (strcmp(t, "EVENT_CLOSE_OUTBOUND") == 0 ||
	    strcmp(t, "EVENT_BAN_PEER") == 0) {
		if ((p = peer(h, jv_string_value(pid), 0)) != NULL)
			p->used = 0;
		goto done;
	}
	if (strcmp(t, "EVENT_CONNECT_OUTBOUND") == 0) {
		if ((p = peer(h, jv_string_value(pid), 1)) != NULL) {
			jv o = get(get(jv_copy(ev), "nodeInfo"), "options");

			update(h, p, o, "connect", quiet);
			jv_free(o);
		}
	} else if (strcmp(t, "EVENT_MESSAGE_RECEIVED") == 0) {
		jv name = get(jv_copy(ev), "event"), data;

		if (jv_get_kind(name) == JV_KIND_STRING &&
		    (p = peer(h, jv_string_value(pid), 1)) != NULL) {
			data = get(jv_copy(ev), "data");
			if (strcmp(jv_string_value(name), "postNodeInfo") == 0)
			{
				jv o = get(jv_copy(data), "options");

				update(h, p, o, "postNodeInfo", quiet);
				jv_free(o);
			} else if (strcmp(jv_string_value(name),
			    "postBlock") == 0)
				post_block(h, p, data, quiet);
			jv_free(data);
		}
		jv_free(name);
	}
done:
	jv_free(type);
	jv_free(pid);
}

static int
pcmp(const void *a, const void *b)
{
	const struct hpeer *x = *(const struct hpeer *const *)a;
	const struct hpeer *y = *(const struct hpeer *const *)b;

	if (x->known != y->known)
		return y->known - x->known;
	if (x->height != y->height)
		return x->height < y->height ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* Tracked peers, highest first, into v; the count. */
static size_t
sorted(const struct cli_heights *h, const struct hpeer **v)
{
	size_t n = 0;

	for (size_t i = 0; i < CLI_HEIGHTS_MAX_PEERS; i++)
		if (h->peers[i].used)
			v[n++] = &h->peers[i];
	qsort(v, n, sizeof(v[0]), pcmp);
	return n;
}

/* Heights (among the last blocks) where more than one id is known. */
static jv
forks(const struct cli_heights *h)
{
	jv a = jv_array(), done = jv_array();

	for (size_t i = 0; i < h->nblocks; i++) {
		double ht = h->blocks[i].height;
		int seen = 0, len = jv_array_length(jv_copy(done));

		for (int k = 0; k < len && !seen; k++) {
			jv x = jv_array_get(jv_copy(done), k);

			seen = jv_number_value(x) == ht;
			jv_free(x);
		}
		if (seen || ids_at(h, ht) < 2)
			continue;
		done = jv_array_append(done, jv_number(ht));
		a = jv_array_append(a, fork_at(h, ht));
	}
	jv_free(done);
	return a;
}

jv
cli_heights_summary(const struct cli_heights *h)
{
	const struct hpeer *v[CLI_HEIGHTS_MAX_PEERS];
	size_t n = sorted(h, v);
	double best = best_height(h);
	jv peers = jv_array(), s = line("HEIGHTS");

	for (size_t i = 0; i < n; i++)
		peers = jv_array_append(peers, peer_json(h, v[i], best));
	s = jv_object_set(s, jv_string("bestHeight"), best >= 0 ?
	    jv_number(best) : jv_null());
	s = jv_object_set(s, jv_string("consensusHeight"), best >= 0 ?
	    jv_number(consensus_height(h)) : jv_null());
	s = jv_object_set(s, jv_string("peers"), peers);
	return jv_object_set(s, jv_string("forks"), forks(h));
}

static void
cat(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	char *nb;

	if (*buf == NULL && *cap != 0)
		return;		/* out of memory before */
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;

		while (nc < *len + n + 1)
			nc *= 2;
		if ((nb = realloc(*buf, nc)) == NULL) {
			free(*buf);
			*buf = NULL;
			*cap = 1;
			return;
		}
		*buf = nb;
		*cap = nc;
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

char *
cli_heights_table(const struct cli_heights *h)
{
	const struct hpeer *v[CLI_HEIGHTS_MAX_PEERS];
	size_t n = sorted(h, v), len = 0, cap = 0;
	double best = best_height(h), cons = consensus_height(h);
	char *buf = NULL, row[256];
	jv fk = forks(h);
	int nf = jv_array_length(jv_copy(fk));

	/* home, clear: the table is redrawn in place */
	cat(&buf, &len, &cap, "\033[H\033[2J");
	snprintf(row, sizeof(row), "best %.0f  consensus %.0f  peers %zu  "
	    "forks %d\n\n", best, cons, n, nf);
	cat(&buf, &len, &cap, row);
	snprintf(row, sizeof(row), "%-21s %10s %10s %8s %-16s %6s %6s %8s\n",
	    "PEER", "HEIGHT", "PREVOTED", "LAG", "BLOCK", "BLOCKS", "FIRST",
	    "LATE-MS");
	cat(&buf, &len, &cap, row);
	for (size_t i = 0; i < n; i++) {
		const struct hpeer *p = v[i];

		if (!p->known) {
			snprintf(row, sizeof(row), "%-21s %10s\n", p->id, "-");
			cat(&buf, &len, &cap, row);
			continue;
		}
		snprintf(row, sizeof(row), "%-21s %10.0f %10.0f %8.0f %-16.16s "
		    "%6llu %6llu %8llu\n", p->id, p->height, p->prevoted,
		    best - p->height, p->block[0] ? p->block : "-",
		    (unsigned long long)p->announced,
		    (unsigned long long)p->first,
		    (unsigned long long)p->late_ms);
		cat(&buf, &len, &cap, row);
	}
	for (int i = 0; i < nf; i++) {
		jv f = jv_array_get(jv_copy(fk), i);
		jv ht = jv_object_get(jv_copy(f), jv_string("height"));
		jv bl = jv_object_get(f, jv_string("blocks"));
		int nb = jv_array_length(jv_copy(bl));

		snprintf(row, sizeof(row), "\nfork at %.0f:\n",
		    jv_number_value(ht));
		cat(&buf, &len, &cap, row);
		for (int k = 0; k < nb; k++) {
			jv b = jv_array_get(jv_copy(bl), k);
			jv id = jv_object_get(jv_copy(b), jv_string("id"));
			jv ps = jv_object_get(b, jv_string("peers"));

			snprintf(row, sizeof(row), "  %-16.16s %d peer(s)\n",
			    jv_string_value(id), jv_array_length(jv_copy(ps)));
			cat(&buf, &len, &cap, row);
			jv_free(id);
			jv_free(ps);
		}
		jv_free(ht);
		jv_free(bl);
	}
	jv_free(fk);
	return buf;
}

void
cli_heights_metrics(const struct cli_heights *h, struct lp2p_mtext *t)
{
	const struct hpeer *v[CLI_HEIGHTS_MAX_PEERS];
	size_t n = sorted(h, v);
	double best = best_height(h);

	lp2p_mtext_head(t, "lisk_p2p_watch_best_height", "gauge",
	    "Highest height any watched peer reports (-1: none known).");
	lp2p_mtext_sample(t, "lisk_p2p_watch_best_height", NULL, best);
	lp2p_mtext_head(t, "lisk_p2p_watch_consensus_height", "gauge",
	    "Highest height more than half of the watched peers reached.");
	lp2p_mtext_sample(t, "lisk_p2p_watch_consensus_height", NULL,
	    consensus_height(h));
	lp2p_mtext_head(t, "lisk_p2p_watch_forks_total", "counter",
	    "Second block ids seen at a known height.");
	lp2p_mtext_sample(t, "lisk_p2p_watch_forks_total", NULL,
	    (double)h->forks);
	lp2p_mtext_head(t, "lisk_p2p_watch_peer_height", "gauge",
	    "Height a peer reports (the highest 256 peers).");
	for (size_t i = 0; i < n && i < CLI_HEIGHTS_METRIC_PEERS; i++)
		if (v[i]->known) {
			const char *l[] = { "peer", v[i]->id, NULL };

			lp2p_mtext_sample(t, "lisk_p2p_watch_peer_height", l,
			    v[i]->height);
		}
	lp2p_mtext_head(t, "lisk_p2p_watch_peer_lag", "gauge",
	    "Blocks a peer is behind the best height (the highest 256 "
	    "peers).");
	for (size_t i = 0; i < n && i < CLI_HEIGHTS_METRIC_PEERS; i++)
		if (v[i]->known) {
			const char *l[] = { "peer", v[i]->id, NULL };

			lp2p_mtext_sample(t, "lisk_p2p_watch_peer_lag", l,
			    best - v[i]->height);
		}
}
