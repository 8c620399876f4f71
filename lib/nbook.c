/*
 * nbook.c — the node's PeerBook adapter (see nbook.h) over book.c and
 * bookfile.c: the node opens the file at start (creating it when absent),
 * syncs it every bookSyncInterval and at stop (lock, merge others'
 * changes, write), and speaks to the book by IP and port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "nbook.h"

/*
 * A configured static-list entry: the node's for this run.  added: it was
 * not in the book's own lists, so it is taken out while the file is
 * written (the configured lists are not persisted; p2p-peers edits the
 * book's) and put back after.
 */
struct pin {
	int		 list;
	char		 ip[LP2P_IP_STRLEN];
	uint16_t	 port;
	int		 added;
};

struct lp2p__nb {
	struct lp2p_book	*b;
	char			*path;	/* NULL: memory only */
	int			 dirty;	/* changed since last sync */
	struct pin		*pins;	/* configured list entries */
	size_t			 npins;
};

int
lp2p__nb_open(struct lp2p__nb **out, const char *path, const uint8_t *chain,
    size_t chainlen, uint32_t secret, uint64_t now, struct lp2p_err *err)
{
	struct lp2p__nb *nb;
	int rc;

	if ((nb = calloc(1, sizeof(*nb))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "peer book: out of memory");
	if (path != NULL && (nb->path = strdup(path)) == NULL) {
		free(nb);
		return lp2p_errf(err, LP2P_ENOMEM, "peer book: out of memory");
	}
	/* -b FILE creates the book when it does not exist */
	if (path != NULL)
		rc = lp2p_book_open(&nb->b, path, chain, chainlen, secret, 1,
		    now, err);
	else if ((rc = lp2p_book_new(&nb->b, secret, err)) == 0)
		lp2p_book_set_chain_id(nb->b, chain, chainlen);
	if (rc != 0) {
		lp2p__nb_free(nb);
		return rc;
	}
	*out = nb;
	return 0;
}

void
lp2p__nb_free(struct lp2p__nb *nb)
{
	if (nb == NULL)
		return;
	lp2p_book_free(nb->b);
	free(nb->pins);
	free(nb->path);
	free(nb);
}

uint32_t
lp2p__nb_secret(struct lp2p__nb *nb)
{
	return lp2p_book_secret(nb->b);
}

int
lp2p__nb_list_add(struct lp2p__nb *nb, int list, const char *ip,
    uint16_t port)
{
	struct pin *p;
	int rc;

	if ((p = reallocarray(nb->pins, nb->npins + 1, sizeof(*p))) == NULL)
		return LP2P_ENOMEM;
	nb->pins = p;
	rc = lp2p_book_list_add(nb->b, list, ip, port, NULL);
	if (rc != 0 && rc != LP2P_EEXIST)
		return rc;
	p = &nb->pins[nb->npins++];
	p->list = list;
	strlcpy(p->ip, ip, sizeof(p->ip));
	p->port = port;
	p->added = rc == 0;
	return 0;
}

/*
 * The static lists have one owner, the book: the node's configured
 * entries are in it while it runs, but not in its file.  Before a sync
 * the entries only the configuration holds are taken out; after it
 * every configured entry is put back (also one another program removed
 * from the file's lists).
 */
static void
unpin(struct lp2p__nb *nb)
{
	for (size_t i = 0; i < nb->npins; i++)
		if (nb->pins[i].added)
			(void)lp2p_book_list_remove(nb->b, nb->pins[i].list,
			    nb->pins[i].ip, nb->pins[i].port);
}

static void
repin(struct lp2p__nb *nb)
{
	for (size_t i = 0; i < nb->npins; i++)
		nb->pins[i].added = lp2p_book_list_add(nb->b,
		    nb->pins[i].list, nb->pins[i].ip, nb->pins[i].port,
		    NULL) == 0;
}

int
lp2p__nb_kind(struct lp2p__nb *nb, const char *ip)
{
	return lp2p_book_kind(nb->b, ip);
}

int
lp2p__nb_is_blacklisted(struct lp2p__nb *nb, const char *ip)
{
	return lp2p_book_list_has(nb->b, LP2P_LIST_BLACKLISTED, ip, 0);
}

int
lp2p__nb_is_trusted(struct lp2p__nb *nb, const char *peer_id)
{
	return lp2p_book_is_trusted(nb->b, peer_id);
}

int
lp2p__nb_sync(struct lp2p__nb *nb, uint64_t now, struct lp2p_err *err)
{
	int rc;

	lp2p_book_expire(nb->b, now);
	if (nb->path == NULL ||
	    (!nb->dirty && !lp2p_book_changed(nb->b, nb->path)))
		return 0;
	unpin(nb);
	if ((rc = lp2p_book_sync(nb->b, nb->path, now, err)) == 0)
		nb->dirty = 0;
	repin(nb);
	return rc;
}

int
lp2p__nb_has(struct lp2p__nb *nb, const char *ip, uint16_t port)
{
	char id[64];

	lp2p_peerid(id, ip, port);
	return lp2p_book_lookup(nb->b, id, NULL) == 0;
}

int
lp2p__nb_add(struct lp2p__nb *nb, const char *ip, uint16_t port,
    const char *source, uint64_t now)
{
	int rc = lp2p_book_add(nb->b, ip, port, source, now, NULL, NULL);

	nb->dirty = 1;
	if (rc == 0)
		return 1;
	return rc == LP2P_EEXIST ? 0 : rc;
}

int
lp2p__nb_upgrade(struct lp2p__nb *nb, const char *ip, uint16_t port,
    uint64_t now)
{
	char id[64];
	int rc;

	nb->dirty = 1;
	lp2p_peerid(id, ip, port);
	if (lp2p_book_lookup(nb->b, id, NULL) != 0 &&
	    (rc = lp2p_book_add(nb->b, ip, port, NULL, now, NULL, NULL)) != 0)
		return rc;
	return lp2p_book_upgrade(nb->b, id, now, NULL);
}

void
lp2p__nb_downgrade(struct lp2p__nb *nb, const char *ip, uint16_t port,
    uint64_t now)
{
	char id[64];

	nb->dirty = 1;
	lp2p_peerid(id, ip, port);
	(void)lp2p_book_downgrade(nb->b, id, now);
}

void
lp2p__nb_remove(struct lp2p__nb *nb, const char *ip, uint16_t port)
{
	char id[64];

	nb->dirty = 1;
	lp2p_peerid(id, ip, port);
	(void)lp2p_book_remove(nb->b, id);
}

void
lp2p__nb_set_state(struct lp2p__nb *nb, const char *ip, uint16_t port,
    int reputation, int advertise, uint64_t now)
{
	struct lp2p_book_entry e;
	char id[64];

	nb->dirty = 1;
	lp2p_peerid(id, ip, port);
	memset(&e, 0, sizeof(e));
	e.reputation = reputation;
	e.advertise = advertise;
	e.last_seen = now;
	(void)lp2p_book_update(nb->b, id, LP2P_UPD_REPUTATION |
	    LP2P_UPD_ADVERTISE | LP2P_UPD_LAST_SEEN, &e, jv_invalid());
}

/* The entry's advertise flag; 1 (the reference's default) if none. */
int
lp2p__nb_advertise(struct lp2p__nb *nb, const char *ip, uint16_t port)
{
	struct lp2p_book_entry e;
	char id[64];

	lp2p_peerid(id, ip, port);
	if (lp2p_book_lookup(nb->b, id, &e) != 0)
		return 1;
	return e.advertise != 0;
}

int
lp2p__nb_reputation(struct lp2p__nb *nb, const char *ip, uint16_t port)
{
	struct lp2p_book_entry e;
	char id[64];

	lp2p_peerid(id, ip, port);
	if (lp2p_book_lookup(nb->b, id, &e) != 0)
		return LP2P_BOOK_REPUTATION;
	return e.reputation;
}

void
lp2p__nb_ban(struct lp2p__nb *nb, const char *ip, uint16_t port,
    uint64_t until)
{
	nb->dirty = 1;
	(void)lp2p_book_ban(nb->b, ip, port, until, NULL);
}

int
lp2p__nb_is_banned(struct lp2p__nb *nb, const char *ip, uint64_t now)
{
	return lp2p_book_is_banned(nb->b, ip, now);
}

size_t
lp2p__nb_count(struct lp2p__nb *nb, int tried)
{
	return lp2p_book_count(nb->b,
	    1 << (tried ? LP2P_TABLE_TRIED : LP2P_TABLE_NEW));
}

size_t
lp2p__nb_ban_count(struct lp2p__nb *nb)
{
	return lp2p_book_ban_count(nb->b);
}

struct walk {
	struct lp2p__nb_ent	*out;
	size_t			 n, cap;
};

static int
walk_one(const struct lp2p_book_entry *e, void *arg)
{
	struct walk *w = arg;
	struct lp2p__nb_ent *o;

	if (w->n == w->cap)
		return 1;
	o = &w->out[w->n++];
	strlcpy(o->id, e->peer_id, sizeof(o->id));
	strlcpy(o->ip, e->ip, sizeof(o->ip));
	o->port = e->port;
	o->tried = e->table == LP2P_TABLE_TRIED;
	o->reputation = e->reputation;
	o->advertise = e->advertise;
	return 0;
}

size_t
lp2p__nb_list(struct lp2p__nb *nb, int which, struct lp2p__nb_ent **out)
{
	struct walk w = { NULL, 0, 0 };
	int mask;

	*out = NULL;
	mask = which == 0 ? 1 << LP2P_TABLE_NEW : which == 1 ?
	    1 << LP2P_TABLE_TRIED : (1 << LP2P_TABLE_NEW) |
	    (1 << LP2P_TABLE_TRIED);
	w.cap = lp2p_book_count(nb->b, mask);
	if (w.cap == 0 ||
	    (w.out = reallocarray(NULL, w.cap, sizeof(*w.out))) == NULL)
		return 0;
	(void)lp2p_book_foreach(nb->b, mask, walk_one, &w);
	*out = w.out;
	return w.n;
}

struct victim_walk {
	uint32_t		 bucket;
	struct lp2p_book	*b;
	struct lp2p_book_entry	 best;
	int			 found;
};

static int
victim_cb(const struct lp2p_book_entry *e, void *arg)
{
	struct victim_walk *w = arg;

	if (e->table != LP2P_TABLE_TRIED || e->bucket != w->bucket ||
	    lp2p_book_is_trusted(w->b, e->peer_id))
		return 0;
	if (!w->found || e->date_added < w->best.date_added) {
		w->best = *e;
		w->found = 1;
	}
	return 0;
}

int
lp2p__nb_tried_victim(struct lp2p__nb *nb, const char *ip, uint16_t port,
    char *vip, size_t vlen, uint16_t *vport)
{
	struct lp2p_book_entry e;
	struct victim_walk w;
	char id[LP2P_PEERID_STRLEN];

	lp2p_peerid(id, ip, port);
	if (lp2p_book_lookup(nb->b, id, &e) != 0 ||
	    e.table != LP2P_TABLE_NEW ||
	    lp2p_ip_bucket(lp2p_book_secret(nb->b), ip, NULL, 1,
	    LP2P_BOOK_TRIED_BUCKETS, &w.bucket) != 0 ||
	    lp2p_book_bucket_fill(nb->b, LP2P_TABLE_TRIED, w.bucket) <
	    LP2P_BOOK_BUCKET_SIZE)
		return 0;
	w.b = nb->b;
	w.found = 0;
	(void)lp2p_book_foreach(nb->b, 1 << LP2P_TABLE_TRIED, victim_cb, &w);
	if (!w.found)
		return 0;
	strlcpy(vip, w.best.ip, vlen);
	*vport = w.best.port;
	return 1;
}
