/*
 * book.c — the PeerBook of LIP 0004 (WIRE.md §11), and the populator's
 * choice (§10.3) run on it with select.c's functions.
 *
 * Invariants: every entry is in exactly one table, in exactly one bucket
 * (the one lp2p_ip_bucket gives for the book's secret, its IP and, for the
 * new table, its source), in book->peers keyed by ip << 16 | port, and in
 * its table's dense array at index entry->dense.  A bucket keeps insertion
 * order (the reference's Map).  Lookups are O(log n); a change touches one
 * bucket (32 slots); selection draws from the dense arrays.  While
 * journaling is on, each change is also recorded for lp2p_book_sync.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "book.h"
#include "select.h"

static int
ecmp(const struct lp2p__entry *a, const struct lp2p__entry *b)
{
	return a->key < b->key ? -1 : a->key > b->key;
}

static int
bancmp(const struct lp2p__ban *a, const struct lp2p__ban *b)
{
	return strcmp(a->ip, b->ip);
}

RB_GENERATE_STATIC(lp2p__etree, lp2p__entry, node, ecmp)
RB_GENERATE_STATIC(lp2p__bantree, lp2p__ban, node, bancmp)

/* ---- the bans' heap, by end time ---------------------------------- */

static void
heap_put(struct lp2p_book *b, size_t i, struct lp2p__ban *f)
{
	b->banheap[i] = f;
	f->hi = (uint32_t)i;
}

static void
heap_up(struct lp2p_book *b, size_t i)
{
	struct lp2p__ban *f = b->banheap[i];

	while (i > 0 && b->banheap[(i - 1) / 2]->until > f->until) {
		heap_put(b, i, b->banheap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(b, i, f);
}

static void
heap_down(struct lp2p_book *b, size_t i)
{
	struct lp2p__ban *f = b->banheap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= b->nbans)
			break;
		if (c + 1 < b->nbans &&
		    b->banheap[c + 1]->until < b->banheap[c]->until)
			c++;
		if (b->banheap[c]->until >= f->until)
			break;
		heap_put(b, i, b->banheap[c]);
		i = c;
	}
	heap_put(b, i, f);
}

/* Take f out of the tree and the heap and free it. */
static void
ban_drop(struct lp2p_book *b, struct lp2p__ban *f)
{
	size_t i = f->hi;

	RB_REMOVE(lp2p__bantree, &b->bans, f);
	if (i != --b->nbans) {
		heap_put(b, i, b->banheap[b->nbans]);
		heap_up(b, i);
		heap_down(b, b->banheap[i]->hi);
	}
	free(f);
}

/* ---- keys ----------------------------------------------------------- */

/* ip text (strict IPv4) to a host-order uint32; 0 or LP2P_EINVAL. */
static int
ip_word(const char *ip, uint32_t *w)
{
	uint32_t v = 0, g = 0;

	if (!lp2p_ipv4_is_valid(ip))
		return LP2P_EINVAL;
	for (; *ip != '\0'; ip++) {
		if (*ip == '.') {
			v = v << 8 | g;
			g = 0;
		} else
			g = g * 10 + (uint32_t)(*ip - '0');
	}
	*w = v << 8 | g;
	return 0;
}

/* "A.B.C.D:PORT" to a key; the ip text into ip (16 bytes) if not NULL. */
static int
pid_key(const char *pid, uint64_t *key, char *ip)
{
	char buf[16];
	const char *colon = strrchr(pid, ':');
	uint32_t w, port = 0;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - pid)) >= sizeof(buf) ||
	    colon[1] == '\0' || strlen(colon + 1) > 5)
		return LP2P_EINVAL;
	memcpy(buf, pid, n);
	buf[n] = '\0';
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return LP2P_EINVAL;
		port = port * 10 + (uint32_t)(*p - '0');
	}
	if ((colon[1] == '0') || port > 65535 || ip_word(buf, &w) != 0)
		return LP2P_EINVAL;
	*key = (uint64_t)w << 16 | port;
	if (ip != NULL)
		memcpy(ip, buf, n + 1);
	return 0;
}

static struct lp2p__entry *
find_key(const struct lp2p_book *b, uint64_t key)
{
	struct lp2p__entry q;

	q.key = key;
	return RB_FIND(lp2p__etree, (struct lp2p__etree *)&b->peers, &q);
}

static struct lp2p__entry *
find(const struct lp2p_book *b, const char *pid)
{
	uint64_t key;

	if (pid_key(pid, &key, NULL) != 0)
		return NULL;
	return find_key(b, key);
}

/* ---- life cycle ----------------------------------------------------- */

int
lp2p_book_new(struct lp2p_book **bp, uint32_t secret, struct lp2p_err *err)
{
	struct lp2p_book *b;
	static const uint32_t nb[3] = { 0, LP2P_BOOK_NEW_BUCKETS,
	    LP2P_BOOK_TRIED_BUCKETS };

	*bp = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "peer book: out of memory");
	b->secret = secret;
	RB_INIT(&b->peers);
	RB_INIT(&b->bans);
	STAILQ_INIT(&b->journal);
	for (int t = LP2P_TABLE_NEW; t <= LP2P_TABLE_TRIED; t++) {
		b->tab[t].nbuckets = nb[t];
		if ((b->tab[t].b = calloc(nb[t], sizeof(*b->tab[t].b))) ==
		    NULL) {
			lp2p_book_free(b);
			return lp2p_errf(err, LP2P_ENOMEM,
			    "peer book: out of memory");
		}
	}
	*bp = b;
	return 0;
}

static void
entry_free(struct lp2p__entry *e)
{
	if (e == NULL)
		return;
	free(e->source);
	jv_free(e->info);
	free(e);
}

void
lp2p__book_journal_clear(struct lp2p_book *b)
{
	struct lp2p__jop *j;

	while ((j = STAILQ_FIRST(&b->journal)) != NULL) {
		STAILQ_REMOVE_HEAD(&b->journal, next);
		jv_free(j->info);
		free(j);
	}
	b->njournal = 0;
	b->journal_lost = 0;
}

void
lp2p_book_free(struct lp2p_book *b)
{
	struct lp2p__entry *e, *en;
	struct lp2p__ban *ban, *bn;

	if (b == NULL)
		return;
	RB_FOREACH_SAFE(e, lp2p__etree, &b->peers, en) {
		RB_REMOVE(lp2p__etree, &b->peers, e);
		entry_free(e);
	}
	RB_FOREACH_SAFE(ban, lp2p__bantree, &b->bans, bn) {
		RB_REMOVE(lp2p__bantree, &b->bans, ban);
		free(ban);
	}
	free(b->banheap);
	for (int t = LP2P_TABLE_NEW; t <= LP2P_TABLE_TRIED; t++) {
		for (uint32_t i = 0; b->tab[t].b != NULL &&
		    i < b->tab[t].nbuckets; i++)
			free(b->tab[t].b[i]);
		free(b->tab[t].b);
		free(b->tab[t].dense);
	}
	for (int l = 0; l < LP2P_BOOK_NLISTS; l++)
		free(b->lists[l].v);
	lp2p__book_journal_clear(b);
	free(b);
}

uint32_t
lp2p_book_secret(const struct lp2p_book *b)
{
	return b->secret;
}

int
lp2p_book_set_chain_id(struct lp2p_book *b, const uint8_t *id, size_t n)
{
	if (n > sizeof(b->chain_id))
		return LP2P_EINVAL;
	memcpy(b->chain_id, id, n);
	b->chain_id_len = n;
	return 0;
}

size_t
lp2p_book_chain_id(const struct lp2p_book *b, uint8_t *out)
{
	memcpy(out, b->chain_id, b->chain_id_len);
	return b->chain_id_len;
}

/* ---- journal -------------------------------------------------------- */

void
lp2p__book_journal(struct lp2p_book *b, int on)
{
	b->journaling = on;
}

static struct lp2p__jop *
jop(struct lp2p_book *b, enum lp2p__op op, const char *ip, uint16_t port)
{
	struct lp2p__jop *j;

	if (!b->journaling || b->replaying)
		return NULL;
	if (b->njournal >= LP2P_BOOK_MAX_JOURNAL ||
	    (j = calloc(1, sizeof(*j))) == NULL) {
		b->journal_lost++;
		return NULL;
	}
	j->op = op;
	strlcpy(j->ip, ip, sizeof(j->ip));
	j->port = port;
	j->info = jv_invalid();
	STAILQ_INSERT_TAIL(&b->journal, j, next);
	b->njournal++;
	return j;
}

/* ---- tables --------------------------------------------------------- */

static void
view(const struct lp2p_book *b, const struct lp2p__entry *e,
    struct lp2p_book_entry *v)
{
	memset(v, 0, sizeof(*v));
	lp2p_peerid(v->peer_id, e->ip, e->port);
	memcpy(v->ip, e->ip, sizeof(e->ip));
	v->port = e->port;
	if (e->source != NULL)
		strlcpy(v->source, e->source, sizeof(v->source));
	v->table = e->table;
	v->bucket = e->bucket;
	v->kind = lp2p_book_kind(b, e->ip);
	v->date_added = e->date_added;
	v->last_seen = e->last_seen;
	v->failures = e->failures;
	v->reputation = e->reputation;
	v->advertise = e->advertise;
}

unsigned
lp2p__book_fill(const struct lp2p__table *tab, uint32_t i)
{
	return tab->b[i] != NULL ? tab->b[i]->n : 0;
}

/*
 * Memory for one more entry in bucket i of table t, taken before the
 * book is changed: the bucket, and room in the dense array (doubling
 * from 64 up to the table's slots; a full table makes space in the
 * bucket first, so it needs no more).  0 or LP2P_ENOMEM.
 */
static int
table_reserve(struct lp2p_book *b, int t, uint32_t i)
{
	struct lp2p__table *tab = &b->tab[t];

	if (tab->b[i] == NULL &&
	    (tab->b[i] = calloc(1, sizeof(*tab->b[i]))) == NULL)
		return LP2P_ENOMEM;
	return lp2p__grow(&tab->dense, &tab->cap, tab->n, 64,
	    (size_t)tab->nbuckets * LP2P_BOOK_BUCKET_SIZE,
	    sizeof(*tab->dense));
}

/* Link e into bucket of table t (table_reserve made the room). */
static void
table_link(struct lp2p_book *b, struct lp2p__entry *e, int t,
    uint32_t bucket)
{
	struct lp2p__table *tab = &b->tab[t];
	struct lp2p__bucket *bk = tab->b[bucket];

	e->table = (uint8_t)t;
	e->bucket = (uint8_t)bucket;
	bk->e[bk->n++] = e;
	e->dense = (uint32_t)tab->n;
	tab->dense[tab->n++] = e;
}

static void
table_unlink(struct lp2p_book *b, struct lp2p__entry *e)
{
	struct lp2p__table *tab = &b->tab[e->table];
	struct lp2p__bucket *bk = tab->b[e->bucket];
	unsigned i;

	for (i = 0; i < bk->n && bk->e[i] != e; i++)
		;
	if (i < bk->n) {
		memmove(&bk->e[i], &bk->e[i + 1],
		    (bk->n - i - 1) * sizeof(bk->e[0]));
		bk->n--;
	}
	tab->dense[e->dense] = tab->dense[tab->n - 1];
	tab->dense[e->dense]->dense = e->dense;
	tab->n--;
	e->table = LP2P_TABLE_NONE;
}

static void
entry_drop(struct lp2p_book *b, struct lp2p__entry *e)
{
	table_unlink(b, e);
	RB_REMOVE(lp2p__etree, &b->peers, e);
	entry_free(e);
}

/*
 * Make room in a full bucket: in the new table the first entry (insertion
 * order) added at least LP2P_BOOK_EVICT_AGE ago, else (and always in
 * tried) a random one.
 */
static void
make_space(struct lp2p_book *b, int t, uint32_t bucket, uint64_t now,
    struct lp2p_book_entry *evicted)
{
	struct lp2p__bucket *bk = b->tab[t].b[bucket];	/* full */
	struct lp2p__entry *victim = NULL;

	if (t == LP2P_TABLE_NEW)
		for (unsigned i = 0; i < bk->n && victim == NULL; i++) {
			uint64_t d = bk->e[i]->date_added;
			uint64_t age = now > d ? now - d : d - now;

			if (age >= LP2P_BOOK_EVICT_AGE)
				victim = bk->e[i];
		}
	if (victim == NULL)
		victim = bk->e[lp2p_rand_uniform(bk->n)];
	if (evicted != NULL)
		view(b, victim, evicted);
	entry_drop(b, victim);
}

static uint64_t
ban_until(const struct lp2p_book *b, const char *ip)
{
	struct lp2p__ban q, *f;

	if (strlcpy(q.ip, ip, sizeof(q.ip)) >= sizeof(q.ip))
		return 0;
	f = RB_FIND(lp2p__bantree, (struct lp2p__bantree *)&b->bans, &q);
	return f != NULL ? f->until : 0;
}

uint64_t
lp2p__book_ban_until(const struct lp2p_book *b, const char *ip)
{
	return ban_until(b, ip);
}

static int
valid_source(const char *source)
{
	/* whatever the reference can compute a new bucket from */
	return strlen(source) < LP2P_IP_STRLEN && lp2p__ip_bytes_ok(source);
}

int
lp2p_book_add(struct lp2p_book *b, const char *ip, uint16_t port,
    const char *source, uint64_t now, struct lp2p_book_entry *evicted,
    struct lp2p_err *err)
{
	struct lp2p__entry *e = NULL;
	struct lp2p__jop *j;
	uint32_t w, bucket;
	uint64_t key;

	if (evicted != NULL)
		evicted->peer_id[0] = '\0';
	if (ip_word(ip, &w) != 0)
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.64s': not an IPv4 dotted quad", ip);
	if (port == 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: port 0", ip);
	if (source != NULL && source[0] == '\0')
		source = NULL;
	if (source != NULL && !valid_source(source))
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s:%u: bad source address '%.64s'", ip, port, source);
	if (ban_until(b, ip) > now)
		return lp2p_errf(err, LP2P_EBANNED, "%s: banned", ip);
	key = (uint64_t)w << 16 | port;
	if (find_key(b, key) != NULL)
		return lp2p_errf(err, LP2P_EEXIST, "%s:%u: already in the book",
		    ip, port);
	if (lp2p_ip_bucket(b->secret, ip, source, 0, LP2P_BOOK_NEW_BUCKETS,
	    &bucket) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: no bucket", ip);
	if (table_reserve(b, LP2P_TABLE_NEW, bucket) != 0 ||
	    (e = calloc(1, sizeof(*e))) == NULL ||
	    (source != NULL && (e->source = strdup(source)) == NULL)) {
		free(e);
		return lp2p_errf(err, LP2P_ENOMEM, "peer book: out of memory");
	}
	e->key = key;
	strlcpy(e->ip, ip, sizeof(e->ip));
	e->port = port;
	e->date_added = now;
	e->reputation = LP2P_BOOK_REPUTATION;
	e->advertise = 1;
	e->info = jv_null();
	if (lp2p__book_fill(&b->tab[LP2P_TABLE_NEW], bucket) >=
	    LP2P_BOOK_BUCKET_SIZE)
		make_space(b, LP2P_TABLE_NEW, bucket, now, evicted);
	RB_INSERT(lp2p__etree, &b->peers, e);
	table_link(b, e, LP2P_TABLE_NEW, bucket);
	if ((j = jop(b, OP_ADD, ip, port)) != NULL) {
		j->t = now;
		if (source != NULL)
			strlcpy(j->source, source, sizeof(j->source));
	}
	return 0;
}

int
lp2p__book_insert(struct lp2p_book *b, int t, uint32_t bucket,
    const struct lp2p_book_entry *v, jv info, struct lp2p_err *err)
{
	struct lp2p__entry *e = NULL;
	uint64_t key;
	uint32_t w, want;

	if (t != LP2P_TABLE_NEW && t != LP2P_TABLE_TRIED) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL, "bad table");
	}
	if (ip_word(v->ip, &w) != 0 || v->port == 0) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL, "'ip': not an IPv4 address");
	}
	if (v->source[0] != '\0' && !valid_source(v->source)) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL, "'source': bad address");
	}
	if (lp2p_ip_bucket(b->secret, v->ip, t == LP2P_TABLE_NEW &&
	    v->source[0] != '\0' ? v->source : NULL,
	    t == LP2P_TABLE_TRIED, b->tab[t].nbuckets, &want) != 0 ||
	    want != bucket) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "'bucket': %u, but the secret and address give %u",
		    bucket, want);
	}
	if (lp2p__book_fill(&b->tab[t], bucket) >= LP2P_BOOK_BUCKET_SIZE) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "'bucket': bucket %u of the %s table has more than %d "
		    "entries", bucket, t == LP2P_TABLE_NEW ? "new" : "tried",
		    LP2P_BOOK_BUCKET_SIZE);
	}
	key = (uint64_t)w << 16 | v->port;
	if (find_key(b, key) != NULL) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EEXIST, "peer listed twice");
	}
	if (table_reserve(b, t, bucket) != 0 ||
	    (e = calloc(1, sizeof(*e))) == NULL ||
	    (v->source[0] != '\0' && (e->source = strdup(v->source)) == NULL)) {
		free(e);
		jv_free(info);
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	}
	e->key = key;
	strlcpy(e->ip, v->ip, sizeof(e->ip));
	e->port = v->port;
	e->date_added = v->date_added;
	e->last_seen = v->last_seen;
	e->failures = v->failures;
	e->reputation = v->reputation;
	e->advertise = v->advertise;
	e->info = info;
	RB_INSERT(lp2p__etree, &b->peers, e);
	table_link(b, e, t, bucket);
	return 0;
}

int
lp2p_book_upgrade(struct lp2p_book *b, const char *pid, uint64_t now,
    struct lp2p_book_entry *evicted)
{
	struct lp2p__entry *e;
	uint32_t bucket;

	if (evicted != NULL)
		evicted->peer_id[0] = '\0';
	if ((e = find(b, pid)) == NULL)
		return LP2P_ENOTFOUND;
	if (e->table == LP2P_TABLE_TRIED)
		return 0;
	(void)lp2p_ip_bucket(b->secret, e->ip, NULL, 1,
	    LP2P_BOOK_TRIED_BUCKETS, &bucket);
	if (!lp2p_book_is_banned(b, e->ip, now) &&
	    table_reserve(b, LP2P_TABLE_TRIED, bucket) != 0)
		return LP2P_ENOMEM;
	jop(b, OP_UPGRADE, e->ip, e->port);
	if (lp2p_book_is_banned(b, e->ip, now)) {
		entry_drop(b, e);
		return LP2P_EBANNED;
	}
	table_unlink(b, e);
	if (lp2p__book_fill(&b->tab[LP2P_TABLE_TRIED], bucket) >=
	    LP2P_BOOK_BUCKET_SIZE)
		make_space(b, LP2P_TABLE_TRIED, bucket, now, evicted);
	e->date_added = now;
	e->failures = 0;
	table_link(b, e, LP2P_TABLE_TRIED, bucket);
	return 0;
}

int
lp2p_book_downgrade(struct lp2p_book *b, const char *pid, uint64_t now)
{
	struct lp2p__entry *e;
	uint32_t bucket = 0;
	bool move;

	if ((e = find(b, pid)) == NULL)
		return LP2P_ENOTFOUND;
	if (lp2p_book_is_trusted(b, pid))
		return LP2P_MOVE_NONE;
	/* moved to new: its place there, before anything changes */
	move = e->table == LP2P_TABLE_TRIED &&
	    e->failures + 1 >= LP2P_BOOK_MAX_FAILURES &&
	    ban_until(b, e->ip) <= now && lp2p_ip_bucket(b->secret, e->ip,
	    e->source, 0, LP2P_BOOK_NEW_BUCKETS, &bucket) == 0;
	if (move && table_reserve(b, LP2P_TABLE_NEW, bucket) != 0)
		return LP2P_ENOMEM;
	jop(b, OP_DOWNGRADE, e->ip, e->port);
	if (e->table == LP2P_TABLE_NEW) {
		entry_drop(b, e);
		return LP2P_MOVE_REMOVED;
	}
	if (e->failures + 1 < LP2P_BOOK_MAX_FAILURES) {
		e->failures++;
		return LP2P_MOVE_COUNTED;
	}
	/* removed from tried, then added to new as a fresh entry */
	table_unlink(b, e);
	if (!move) {
		RB_REMOVE(lp2p__etree, &b->peers, e);
		entry_free(e);
		return LP2P_MOVE_REMOVED;
	}
	if (lp2p__book_fill(&b->tab[LP2P_TABLE_NEW], bucket) >=
	    LP2P_BOOK_BUCKET_SIZE)
		make_space(b, LP2P_TABLE_NEW, bucket, now, NULL);
	e->date_added = now;
	e->failures = 0;
	table_link(b, e, LP2P_TABLE_NEW, bucket);
	return LP2P_MOVE_TO_NEW;
}

int
lp2p_book_remove(struct lp2p_book *b, const char *pid)
{
	struct lp2p__entry *e;

	if ((e = find(b, pid)) == NULL)
		return LP2P_ENOTFOUND;
	jop(b, OP_REMOVE, e->ip, e->port);
	entry_drop(b, e);
	return 0;
}

int
lp2p_book_lookup(const struct lp2p_book *b, const char *pid,
    struct lp2p_book_entry *v)
{
	struct lp2p__entry *e;

	if ((e = find(b, pid)) == NULL)
		return LP2P_ENOTFOUND;
	if (v != NULL)
		view(b, e, v);
	return 0;
}

int
lp2p_book_update(struct lp2p_book *b, const char *pid, unsigned mask,
    const struct lp2p_book_entry *v, jv info)
{
	struct lp2p__entry *e;
	struct lp2p__jop *j;

	if ((e = find(b, pid)) == NULL) {
		jv_free(info);
		return LP2P_ENOTFOUND;
	}
	if ((mask & LP2P_UPD_INFO) && jv_get_kind(info) != JV_KIND_OBJECT &&
	    jv_get_kind(info) != JV_KIND_NULL) {
		jv_free(info);
		return LP2P_EINVAL;
	}
	if ((j = jop(b, OP_UPDATE, e->ip, e->port)) != NULL) {
		j->mask = mask;
		j->last_seen = v->last_seen;
		j->reputation = v->reputation;
		j->advertise = v->advertise;
		if (mask & LP2P_UPD_INFO)
			j->info = jv_copy(info);
	}
	if (mask & LP2P_UPD_LAST_SEEN)
		e->last_seen = v->last_seen;
	if (mask & LP2P_UPD_REPUTATION)
		e->reputation = v->reputation;
	if (mask & LP2P_UPD_ADVERTISE)
		e->advertise = v->advertise != 0;
	if (mask & LP2P_UPD_INFO) {
		jv_free(e->info);
		e->info = info;
	} else
		jv_free(info);
	return 0;
}

jv
lp2p_book_info(const struct lp2p_book *b, const char *pid)
{
	struct lp2p__entry *e;

	if ((e = find(b, pid)) == NULL)
		return jv_null();
	return jv_copy(e->info);
}

int
lp2p_book_foreach(const struct lp2p_book *b, int mask,
    int (*cb)(const struct lp2p_book_entry *, void *), void *arg)
{
	struct lp2p_book_entry v;
	int rc;

	for (int t = LP2P_TABLE_NEW; t <= LP2P_TABLE_TRIED; t++) {
		if (!(mask & (1 << t)))
			continue;
		for (uint32_t i = 0; i < b->tab[t].nbuckets; i++) {
			const struct lp2p__bucket *bk = b->tab[t].b[i];

			for (unsigned k = 0; bk != NULL && k < bk->n; k++) {
				view(b, bk->e[k], &v);
				if ((rc = cb(&v, arg)) != 0)
					return rc;
			}
		}
	}
	return 0;
}

size_t
lp2p_book_count(const struct lp2p_book *b, int mask)
{
	size_t n = 0;

	if (mask & (1 << LP2P_TABLE_NEW))
		n += b->tab[LP2P_TABLE_NEW].n;
	if (mask & (1 << LP2P_TABLE_TRIED))
		n += b->tab[LP2P_TABLE_TRIED].n;
	return n;
}

size_t
lp2p_book_bucket_fill(const struct lp2p_book *b, int t, uint32_t i)
{
	if ((t != LP2P_TABLE_NEW && t != LP2P_TABLE_TRIED) ||
	    i >= b->tab[t].nbuckets)
		return 0;
	return lp2p__book_fill(&b->tab[t], i);
}

/* ---- bans ----------------------------------------------------------- */

static int
valid_ip(const char *ip)
{
	uint8_t buf[16];

	return lp2p_ipv4_is_valid(ip) || (strlen(ip) < LP2P_IP_STRLEN &&
	    inet_pton(AF_INET6, ip, buf) == 1);
}

int
lp2p__book_ban_set(struct lp2p_book *b, const char *ip, uint64_t until)
{
	struct lp2p__ban q, *f;

	if (!valid_ip(ip))
		return LP2P_EINVAL;
	strlcpy(q.ip, ip, sizeof(q.ip));
	if ((f = RB_FIND(lp2p__bantree, &b->bans, &q)) != NULL) {
		if (until > f->until) {
			f->until = until;
			heap_down(b, f->hi);
		}
		return 0;
	}
	/* full: the ban that ends first makes room, O(log n) */
	if (b->nbans >= LP2P_BOOK_MAX_BANS)
		ban_drop(b, b->banheap[0]);
	if (lp2p__grow(&b->banheap, &b->bancap, b->nbans, 64,
	    LP2P_BOOK_MAX_BANS, sizeof(*b->banheap)) != 0)
		return LP2P_ENOMEM;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return LP2P_ENOMEM;
	strlcpy(f->ip, ip, sizeof(f->ip));
	f->until = until;
	RB_INSERT(lp2p__bantree, &b->bans, f);
	heap_put(b, b->nbans++, f);
	heap_up(b, b->nbans - 1);
	return 0;
}

int
lp2p_book_ban(struct lp2p_book *b, const char *ip, uint16_t port,
    uint64_t until, struct lp2p_err *err)
{
	struct lp2p__entry q, *e, *en;
	struct lp2p__jop *j;
	uint32_t w;
	int rc, kind;

	if (!valid_ip(ip))
		return lp2p_errf(err, LP2P_EINVAL, "'%.64s': not an IP address",
		    ip);
	if (port > 0) {
		if (lp2p_book_list_has(b, LP2P_LIST_FIXED, ip, port) ||
		    lp2p_book_list_has(b, LP2P_LIST_WHITELISTED, ip, port))
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s:%u: a fixed or whitelisted peer is never banned",
			    ip, port);
	} else if ((kind = lp2p_book_kind(b, ip)) == LP2P_KIND_FIXED ||
	    kind == LP2P_KIND_WHITELISTED)
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: a %s peer is never banned", ip,
		    kind == LP2P_KIND_FIXED ? "fixed" : "whitelisted");
	if ((rc = lp2p__book_ban_set(b, ip, until)) != 0)
		return lp2p_errf(err, rc, "%s: %s", ip, lp2p_strerror(rc));
	if ((j = jop(b, OP_BAN, ip, port)) != NULL)
		j->t = until;
	if (ip_word(ip, &w) != 0)
		return 0;
	q.key = (uint64_t)w << 16;
	for (e = RB_NFIND(lp2p__etree, &b->peers, &q);
	    e != NULL && e->key >> 16 == w; e = en) {
		en = RB_NEXT(lp2p__etree, &b->peers, e);
		entry_drop(b, e);
	}
	return 0;
}

int
lp2p_book_unban(struct lp2p_book *b, const char *ip)
{
	struct lp2p__ban q, *f;

	if (strlcpy(q.ip, ip, sizeof(q.ip)) >= sizeof(q.ip) ||
	    (f = RB_FIND(lp2p__bantree, &b->bans, &q)) == NULL)
		return LP2P_ENOTFOUND;
	jop(b, OP_UNBAN, ip, 0);
	ban_drop(b, f);
	return 0;
}

int
lp2p_book_is_banned(const struct lp2p_book *b, const char *ip, uint64_t now)
{
	return ban_until(b, ip) > now ||
	    lp2p_book_list_has(b, LP2P_LIST_BLACKLISTED, ip, 0);
}

void
lp2p_book_expire(struct lp2p_book *b, uint64_t now)
{
	/* the heap's top ends first: O(log n) per ended ban, none else */
	while (b->nbans > 0 && b->banheap[0]->until <= now)
		ban_drop(b, b->banheap[0]);
}

int
lp2p_book_foreach_ban(const struct lp2p_book *b,
    int (*cb)(const char *, uint64_t, void *), void *arg)
{
	struct lp2p__ban *f;
	int rc;

	RB_FOREACH(f, lp2p__bantree, (struct lp2p__bantree *)&b->bans)
		if ((rc = cb(f->ip, f->until, arg)) != 0)
			return rc;
	return 0;
}

size_t
lp2p_book_ban_count(const struct lp2p_book *b)
{
	return b->nbans;
}

/* ---- static lists --------------------------------------------------- */

static int
lcmp(const char *ip, uint16_t port, const struct lp2p__listent *e)
{
	int c = strcmp(ip, e->ip);

	if (c != 0)
		return c;
	return port < e->port ? -1 : port > e->port;
}

/* Index of the first element >= (ip, port). */
static size_t
lower(const struct lp2p__list *l, const char *ip, uint16_t port)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lcmp(ip, port, &l->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
lp2p_book_list_has(const struct lp2p_book *b, int list, const char *ip,
    uint16_t port)
{
	const struct lp2p__list *l;
	size_t i;

	if (list < 0 || list >= LP2P_BOOK_NLISTS)
		return 0;
	l = &b->lists[list];
	i = lower(l, ip, port);
	return i < l->n && lcmp(ip, port, &l->v[i]) == 0;
}

static int
list_has_ip(const struct lp2p__list *l, const char *ip)
{
	size_t i = lower(l, ip, 0);

	return i < l->n && strcmp(l->v[i].ip, ip) == 0;
}

int
lp2p_book_list_add(struct lp2p_book *b, int list, const char *ip,
    uint16_t port, struct lp2p_err *err)
{
	struct lp2p__list *l;
	struct lp2p__listent *v;
	struct lp2p__jop *j;
	size_t i;

	if (list < 0 || list >= LP2P_BOOK_NLISTS)
		return lp2p_errf(err, LP2P_EINVAL, "no list %d", list);
	if (list == LP2P_LIST_BLACKLISTED ? !valid_ip(ip) || port != 0 :
	    !lp2p_ipv4_is_valid(ip) || port == 0)
		return lp2p_errf(err, LP2P_EINVAL, "'%.64s': %s", ip,
		    list == LP2P_LIST_BLACKLISTED ? "not an IP address" :
		    "not an IPv4 dotted quad with a port");
	l = &b->lists[list];
	i = lower(l, ip, port);
	if (i < l->n && lcmp(ip, port, &l->v[i]) == 0)
		return lp2p_errf(err, LP2P_EEXIST, "%s: already listed", ip);
	if (l->n >= LP2P_BOOK_MAX_LIST)
		return lp2p_errf(err, LP2P_EFULL, "list full (%d entries)",
		    LP2P_BOOK_MAX_LIST);
	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	l->v = v;
	memmove(&v[i + 1], &v[i], (l->n - i) * sizeof(*v));
	strlcpy(v[i].ip, ip, sizeof(v[i].ip));
	v[i].port = port;
	l->n++;
	if ((j = jop(b, OP_LIST_ADD, ip, port)) != NULL)
		j->list = list;
	return 0;
}

int
lp2p_book_list_remove(struct lp2p_book *b, int list, const char *ip,
    uint16_t port)
{
	struct lp2p__list *l;
	struct lp2p__jop *j;
	size_t i;

	if (list < 0 || list >= LP2P_BOOK_NLISTS)
		return LP2P_ENOTFOUND;
	l = &b->lists[list];
	i = lower(l, ip, port);
	if (i >= l->n || lcmp(ip, port, &l->v[i]) != 0)
		return LP2P_ENOTFOUND;
	if ((j = jop(b, OP_LIST_DEL, ip, port)) != NULL)
		j->list = list;
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
	return 0;
}

size_t
lp2p_book_list_count(const struct lp2p_book *b, int list)
{
	if (list < 0 || list >= LP2P_BOOK_NLISTS)
		return 0;
	return b->lists[list].n;
}

int
lp2p_book_list_get(const struct lp2p_book *b, int list, size_t i,
    const char **ip, uint16_t *port)
{
	if (list < 0 || list >= LP2P_BOOK_NLISTS || i >= b->lists[list].n)
		return LP2P_ENOTFOUND;
	*ip = b->lists[list].v[i].ip;
	*port = b->lists[list].v[i].port;
	return 0;
}

int
lp2p_book_kind(const struct lp2p_book *b, const char *ip)
{
	if (list_has_ip(&b->lists[LP2P_LIST_FIXED], ip))
		return LP2P_KIND_FIXED;
	if (list_has_ip(&b->lists[LP2P_LIST_WHITELISTED], ip))
		return LP2P_KIND_WHITELISTED;
	if (list_has_ip(&b->lists[LP2P_LIST_SEED], ip))
		return LP2P_KIND_SEED;
	return LP2P_KIND_NONE;
}

int
lp2p_book_is_trusted(const struct lp2p_book *b, const char *pid)
{
	char ip[16];
	uint64_t key;

	if (pid_key(pid, &key, ip) != 0)
		return 0;
	for (int l = LP2P_LIST_SEED; l <= LP2P_LIST_WHITELISTED; l++)
		if (lp2p_book_list_has(b, l, ip, (uint16_t)(key & 0xffff)))
			return 1;
	return 0;
}

/* ---- replay and swap (for bookfile.c's sync) ----------------------- */

int
lp2p__book_replay(struct lp2p_book *dst, const struct lp2p_book *src)
{
	const struct lp2p__jop *j;
	struct lp2p_book_entry e;
	char pid[LP2P_PEERID_STRLEN];
	int n = 0;

	dst->replaying = 1;
	STAILQ_FOREACH(j, &src->journal, next) {
		lp2p_peerid(pid, j->ip, j->port);
		switch (j->op) {
		case OP_ADD:
			(void)lp2p_book_add(dst, j->ip, j->port, j->source,
			    j->t, NULL, NULL);
			break;
		case OP_UPGRADE:
			(void)lp2p_book_upgrade(dst, pid, j->t, NULL);
			break;
		case OP_DOWNGRADE:
			(void)lp2p_book_downgrade(dst, pid, j->t);
			break;
		case OP_REMOVE:
			(void)lp2p_book_remove(dst, pid);
			break;
		case OP_UPDATE:
			memset(&e, 0, sizeof(e));
			e.last_seen = j->last_seen;
			e.reputation = j->reputation;
			e.advertise = j->advertise;
			(void)lp2p_book_update(dst, pid, j->mask, &e,
			    jv_copy(j->info));
			break;
		case OP_BAN:
			(void)lp2p_book_ban(dst, j->ip, j->port, j->t, NULL);
			break;
		case OP_UNBAN:
			(void)lp2p_book_unban(dst, j->ip);
			break;
		case OP_LIST_ADD:
			(void)lp2p_book_list_add(dst, j->list, j->ip, j->port,
			    NULL);
			break;
		case OP_LIST_DEL:
			(void)lp2p_book_list_remove(dst, j->list, j->ip,
			    j->port);
			break;
		case OP_CHAIN:
			break;
		}
		n++;
	}
	dst->replaying = 0;
	return n;
}

void
lp2p__book_swap(struct lp2p_book *a, struct lp2p_book *b)
{
	struct lp2p_book t;
	int ja = a->journaling, jb = b->journaling;

	/* journals must be empty: a STAILQ head cannot be copied */
	lp2p__book_journal_clear(a);
	lp2p__book_journal_clear(b);
	t = *a;
	*a = *b;
	*b = t;
	STAILQ_INIT(&a->journal);
	STAILQ_INIT(&b->journal);
	a->journaling = ja;
	b->journaling = jb;
	a->replaying = b->replaying = 0;
}

/* ---- selection (the rules are select.c's) ------------------------ */

static void
next_epoch(struct lp2p_book *b)
{
	if (++b->epoch == 0) {
		struct lp2p__entry *e;

		RB_FOREACH(e, lp2p__etree, &b->peers)
			e->mark = 0;
		b->epoch = 1;
	}
}

/* A uniform random entry of table t whose mark is not the epoch; there are
 * avail such entries (> 0). */
static struct lp2p__entry *
draw(struct lp2p_book *b, int t, size_t avail)
{
	struct lp2p__table *tab = &b->tab[t];
	size_t j;

	for (int tries = 0; tries < 32; tries++) {
		struct lp2p__entry *e = tab->dense[lp2p_rand_uniform(
		    (uint32_t)tab->n)];

		if (e->mark != b->epoch)
			return e;
	}
	j = lp2p_rand_uniform((uint32_t)avail);
	for (size_t i = 0; i < tab->n; i++)
		if (tab->dense[i]->mark != b->epoch && j-- == 0)
			return tab->dense[i];
	return NULL;
}

static int
cmp_size(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * The i-th candidate of new ++ tried as select.c numbers them (i < cn:
 * new), skipping the excluded dense places xs[t][0..nx[t]) (sorted).
 */
static struct lp2p__entry *
candidate(struct lp2p_book *b, size_t i, size_t cn, size_t *const xs[3],
    const size_t nx[3])
{
	int t = i < cn ? LP2P_TABLE_NEW : LP2P_TABLE_TRIED;
	size_t d = i < cn ? i : i - cn;

	for (size_t k = 0; k < nx[t] && xs[t][k] <= d; k++)
		d++;
	return b->tab[t].dense[d];
}

long
lp2p_book_select_connect(struct lp2p_book *b, const char *const *exclude,
    size_t nex, long limit, struct lp2p_book_entry *out, size_t cap)
{
	struct lp2p__entry *e, **pe = NULL;
	struct lp2p__cand *c = NULL;
	const struct lp2p__cand **pc = NULL;
	size_t nx[3] = { 0, 0, 0 }, *xs[3] = { NULL, NULL, NULL }, ct, cn, k;
	size_t m, *idx = NULL, *keep = NULL;
	long rc = LP2P_ENOMEM;

	next_epoch(b);
	xs[LP2P_TABLE_NEW] = reallocarray(NULL, nex + 1, sizeof(size_t));
	xs[LP2P_TABLE_TRIED] = reallocarray(NULL, nex + 1, sizeof(size_t));
	if (xs[LP2P_TABLE_NEW] == NULL || xs[LP2P_TABLE_TRIED] == NULL)
		goto out;
	for (size_t i = 0; i < nex; i++)
		if ((e = find(b, exclude[i])) != NULL && e->mark != b->epoch) {
			e->mark = b->epoch;
			xs[e->table][nx[e->table]++] = e->dense;
		}
	qsort(xs[LP2P_TABLE_NEW], nx[LP2P_TABLE_NEW], sizeof(size_t),
	    cmp_size);
	qsort(xs[LP2P_TABLE_TRIED], nx[LP2P_TABLE_TRIED], sizeof(size_t),
	    cmp_size);
	ct = b->tab[LP2P_TABLE_TRIED].n - nx[LP2P_TABLE_TRIED];
	cn = b->tab[LP2P_TABLE_NEW].n - nx[LP2P_TABLE_NEW];
	rc = 0;
	if (ct + cn == 0 || limit == 0)
		goto out;
	rc = LP2P_ENOMEM;
	/* no limit: every candidate (the reference's undefined peerLimit) */
	k = limit < 0 || (size_t)limit >= ct + cn ? ct + cn : (size_t)limit;
	if ((idx = reallocarray(NULL, k, sizeof(*idx))) == NULL ||
	    (k = lp2p__select_connect_draw(ct, cn, (long)k, idx)) == 0)
		goto out;
	c = calloc(k, sizeof(*c));
	pc = reallocarray(NULL, k, sizeof(*pc));
	keep = reallocarray(NULL, k, sizeof(*keep));
	pe = reallocarray(NULL, k, sizeof(*pe));
	if (c == NULL || pc == NULL || keep == NULL || pe == NULL)
		goto out;
	for (size_t i = 0; i < k; i++) {
		e = pe[i] = candidate(b, idx[i], cn, xs, nx);
		c[i].ip = (uint32_t)(e->key >> 16);
		c[i].reputation = e->reputation;
		c[i].outbound = e->table == LP2P_TABLE_TRIED;
		pc[i] = &c[i];
	}
	if ((m = lp2p__select_one_per_ip(pc, k, keep)) == SIZE_MAX)
		goto out;
	if (m > cap)
		m = cap;
	for (size_t i = 0; i < m; i++)
		view(b, pe[keep[i]], &out[i]);
	rc = (long)m;
out:
	free(pe);
	free(keep);
	free(pc);
	free(c);
	free(idx);
	free(xs[LP2P_TABLE_TRIED]);
	free(xs[LP2P_TABLE_NEW]);
	return rc;
}

size_t
lp2p_book_sample(struct lp2p_book *b, size_t n, struct lp2p_book_entry *out)
{
	size_t nn = b->tab[LP2P_TABLE_NEW].n, nt = b->tab[LP2P_TABLE_TRIED].n;
	size_t an = nn, at = nt;

	if (n > nn + nt)
		n = nn + nt;
	next_epoch(b);
	for (size_t i = 0; i < n; i++) {
		/* a table in proportion to its remaining entries */
		int t = lp2p_rand_uniform((uint32_t)(an + at)) < an ?
		    LP2P_TABLE_NEW : LP2P_TABLE_TRIED;
		struct lp2p__entry *e = draw(b, t, t == LP2P_TABLE_NEW ? an :
		    at);

		if (e == NULL)
			return i;
		e->mark = b->epoch;
		if (t == LP2P_TABLE_NEW)
			an--;
		else
			at--;
		view(b, e, &out[i]);
	}
	return n;
}
