/*
 * policy.c — local defences beyond the reference (issue 12).  Nothing
 * here changes a byte on the wire: each rule only decides whom this node
 * accepts, remembers and dials.
 *
 *  - inbound slots shared fairly: at most max_inbound_per_ip connections
 *    from one IP and max_inbound_per_netgroup from one /16 (LIP 0004's
 *    netgroup).  The defaults hold for routable addresses only, so a
 *    localhost network (the reference dials from 127.0.0.1) forms as the
 *    reference's does; limits given explicitly hold for every address.
 *    Fixed, whitelisted and seed peers are exempt.
 *  - outbound: at most LP2P_POLICY_OUT_PER_NETGROUP connections to
 *    routable addresses of one /16, own fixed and seed peers exempt.
 *  - addresses learned from one source are capped (policy_learn).
 *  - failed dials back off exponentially (policy_failed, policy_may_dial).
 *  - test-before-evict: a new address that would evict a tried one
 *    waits while the old one is dialed (pool.c's evict_test).
 *  - anchors: the last good outbound peers are dialed first after a
 *    restart.
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liskp2p.h"
#include "internal.h"
#include "node_int.h"
#include "policy.h"

bool
lp2p__policy_routable(const char *ip)
{
	return lp2p_ip_netclass(ip) == LP2P_NET_IPV4;
}

/* The limit that holds for ip: explicit for every address, else default
 * for routable ones only (0: none). */
static uint32_t
limit_for(const char *ip, uint32_t given, uint32_t dflt)
{
	if (given > 0)
		return given;
	return lp2p__policy_routable(ip) ? dflt : 0;
}

int
lp2p__policy_inbound(const struct lp2p_node *n, const char *ip, int kind,
    char *reason, size_t len)
{
	uint32_t per_ip, per_ng, g = lp2p__ip_u32(ip) >> 16, k_ip = 0, k_ng = 0;
	const struct npeer *np;

	if (kind != LP2P__KIND_NONE)
		return 0;
	per_ip = limit_for(ip, n->cfg.max_inbound_per_ip, LP2P_POLICY_PER_IP);
	per_ng = limit_for(ip, n->cfg.max_inbound_per_netgroup,
	    LP2P_POLICY_PER_NETGROUP);
	if (per_ip == 0 && per_ng == 0)
		return 0;
	TAILQ_FOREACH(np, &n->peers, entry) {
		if (!np->inbound || np->kind != LP2P__KIND_NONE)
			continue;
		if (strcmp(np->ip, ip) == 0)
			k_ip++;
		if (lp2p__ip_u32(np->ip) >> 16 == g)
			k_ng++;
	}
	if (per_ip > 0 && k_ip >= per_ip) {
		snprintf(reason, len, "More than %u connections from %s",
		    per_ip, ip);
		return LP2P_CLOSE_EVICTED;
	}
	if (per_ng > 0 && k_ng >= per_ng) {
		snprintf(reason, len, "More than %u connections from %u.%u.0.0/16",
		    per_ng, g >> 8, g & 0xff);
		return LP2P_CLOSE_EVICTED;
	}
	return 0;
}

void
lp2p__policy_upgrading(const struct lp2p_node_config *c, uint32_t *per_ip,
    bool *all)
{
	*per_ip = LP2P_POLICY_UPGRADING_PER_IP;
	*all = c->max_inbound_per_ip > 0;
	if (*all && c->max_inbound_per_ip < *per_ip)
		*per_ip = c->max_inbound_per_ip;
}

bool
lp2p__policy_outbound_ok(const struct lp2p_node *n, const char *ip,
    int kind)
{
	uint32_t g = lp2p__ip_u32(ip) >> 16, k = 0;
	const struct npeer *np;

	if (kind == LP2P__KIND_FIXED || kind == LP2P__KIND_SEED ||
	    !lp2p__policy_routable(ip))
		return true;
	TAILQ_FOREACH(np, &n->peers, entry)
		if (!np->inbound && np->kind == LP2P__KIND_NONE &&
		    lp2p__ip_u32(np->ip) >> 16 == g)
			k++;
	return k < LP2P_POLICY_OUT_PER_NETGROUP;
}

/* ---- memory: dial failures and sources ------------------------------ */

struct fail {
	uint64_t	 key;		/* ip << 16 | port; 0: free */
	uint64_t	 next;		/* ms: no dial before */
	uint32_t	 fails;
};

struct src {
	uint32_t	 ip;		/* 0: free */
	uint32_t	 added;		/* in this window */
	uint32_t	 refused;
	uint64_t	 start;		/* ms: the window began */
};

struct evict_test {
	uint64_t	 key;		/* the tried address under test; 0: free */
	uint64_t	 nkey;		/* the new address waiting */
};

/*
 * The two memories are hash tables of a fixed number of slots, kept in
 * pages of PAGE_SLOTS allocated when a slot of the page is first written:
 * an idle node holds none of their 120 KiB, and a busy one at most the
 * flat table's slots (plus one pointer per page).  A slot of a page never
 * written reads as free; slots, hashing and replacement are those of the
 * flat table, only the memory comes on demand.
 */
#define PAGE_SLOTS	64
#define FAIL_PAGES	(LP2P_POLICY_FAIL_SLOTS / PAGE_SLOTS)
#define SRC_PAGES	(LP2P_POLICY_SOURCES / PAGE_SLOTS)

struct lp2p__policy {
	/* pages of PAGE_SLOTS struct fail / struct src; NULL: never written */
	void		*fail[FAIL_PAGES];
	void		*src[SRC_PAGES];
	struct evict_test test[LP2P_POLICY_EVICT_TESTS];
};

#define PROBE	8	/* slots looked at per key; the oldest is replaced */

int
lp2p__policy_new(struct lp2p__policy **out)
{
	return (*out = calloc(1, sizeof(**out))) == NULL ? LP2P_ENOMEM : 0;
}

void
lp2p__policy_free(struct lp2p__policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < FAIL_PAGES; i++)
		free(p->fail[i]);
	for (size_t i = 0; i < SRC_PAGES; i++)
		free(p->src[i]);
	free(p);
}

size_t
lp2p__policy_bytes(const struct lp2p__policy *p)
{
	size_t n = sizeof(*p);

	for (size_t i = 0; i < FAIL_PAGES; i++)
		n += p->fail[i] != NULL ? PAGE_SLOTS * sizeof(struct fail) : 0;
	for (size_t i = 0; i < SRC_PAGES; i++)
		n += p->src[i] != NULL ? PAGE_SLOTS * sizeof(struct src) : 0;
	return n;
}

/*
 * Slot k of a paged table of entries of size sz: NULL when its page was
 * never written, unless make, which allocates the page zeroed (NULL: out
 * of memory).
 */
static void *
slot_at(void **pages, size_t sz, size_t k, bool make)
{
	void **pg = &pages[k / PAGE_SLOTS];

	if (*pg == NULL && (!make || (*pg = calloc(PAGE_SLOTS, sz)) == NULL))
		return NULL;
	return (char *)*pg + k % PAGE_SLOTS * sz;
}

static size_t
slot_of(uint64_t key, size_t n)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) % n;
}

static uint64_t
addr_key(const char *ip, uint16_t port)
{
	uint32_t a = lp2p__ip_u32(ip);

	return a == 0 ? 0 : (uint64_t)a << 16 | port;
}

/*
 * The slot of key (not 0), or NULL; with make, a free or the oldest slot
 * (NULL: out of memory for its page).
 */
static struct fail *
fail_find(const struct lp2p__policy *p, uint64_t key, bool make)
{
	static const struct fail none;	/* a slot of a page never written */
	void **pages = (void **)p->fail;	/* make writes a page */
	const struct fail *old = NULL;
	size_t s = slot_of(key, LP2P_POLICY_FAIL_SLOTS), at = 0;
	struct fail *f;

	if (key == 0)
		return NULL;
	for (size_t i = 0; i < PROBE; i++) {
		size_t k = (s + i) % LP2P_POLICY_FAIL_SLOTS;
		const struct fail *e = slot_at(pages, sizeof(*e), k, false);

		if (e == NULL)
			e = &none;
		else if (e->key == key)
			return (struct fail *)e;
		if (old == NULL || e->key == 0 ||
		    (old->key != 0 && e->next < old->next)) {
			old = e;
			at = k;
		}
	}
	if (!make || (f = slot_at(pages, sizeof(*f), at, true)) == NULL)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->key = key;
	return f;
}

void
lp2p__policy_dial_failed(struct lp2p__policy *p, const char *ip,
    uint16_t port, uint64_t now, uint32_t base)
{
	uint64_t key = addr_key(ip, port), wait;
	struct fail *f;

	if (p == NULL || key == 0)
		return;
	if ((f = fail_find(p, key, true)) == NULL)
		return;
	if (f->fails < 64)
		f->fails++;
	wait = (uint64_t)(base > 0 ? base : LP2P_POLICY_BACKOFF_MIN) <<
	    (f->fails < 20 ? f->fails - 1 : 19);
	if (wait > LP2P_POLICY_BACKOFF_MAX)
		wait = LP2P_POLICY_BACKOFF_MAX;
	f->next = now + wait;
}

void
lp2p__policy_dial_ok(struct lp2p__policy *p, const char *ip, uint16_t port)
{
	struct fail *f;

	if (p != NULL && (f = fail_find(p, addr_key(ip, port), false)) != NULL)
		memset(f, 0, sizeof(*f));
}

bool
lp2p__policy_may_dial(const struct lp2p__policy *p, const char *ip,
    uint16_t port, uint64_t now)
{
	const struct fail *f;

	return p == NULL || (f = fail_find(p, addr_key(ip, port), false)) ==
	    NULL || now >= f->next;
}

unsigned
lp2p__policy_failures(const struct lp2p__policy *p, const char *ip,
    uint16_t port)
{
	const struct fail *f;

	return p == NULL || (f = fail_find(p, addr_key(ip, port), false)) ==
	    NULL ? 0 : f->fails;
}

/* As fail_find, for a source's ip (not 0). */
static struct src *
src_find(const struct lp2p__policy *p, uint32_t ip, bool make)
{
	static const struct src none;
	void **pages = (void **)p->src;
	const struct src *old = NULL;
	size_t s = slot_of(ip, LP2P_POLICY_SOURCES), at = 0;
	struct src *v;

	if (ip == 0)
		return NULL;
	for (size_t i = 0; i < PROBE; i++) {
		size_t k = (s + i) % LP2P_POLICY_SOURCES;
		const struct src *e = slot_at(pages, sizeof(*e), k, false);

		if (e == NULL)
			e = &none;
		else if (e->ip == ip)
			return (struct src *)e;
		if (old == NULL || e->ip == 0 ||
		    (old->ip != 0 && e->start < old->start)) {
			old = e;
			at = k;
		}
	}
	if (!make || (v = slot_at(pages, sizeof(*v), at, true)) == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->ip = ip;
	return v;
}

bool
lp2p__policy_learn(struct lp2p__policy *p, const char *source,
    const char *ip, uint16_t port, uint64_t now)
{
	const struct fail *f;
	struct src *s;
	uint32_t a;

	if (p == NULL)
		return true;
	/* Bitcoin Core's IsTerrible: an address that kept failing */
	if ((f = fail_find(p, addr_key(ip, port), false)) != NULL &&
	    f->fails >= LP2P_POLICY_TERRIBLE)
		return false;
	if (source == NULL || (a = lp2p__ip_u32(source)) == 0)
		return true;
	if ((s = src_find(p, a, true)) == NULL)
		return true;	/* out of memory: not counted, as no source */
	if (s->start == 0 || now - s->start >= LP2P_POLICY_SOURCE_WINDOW) {
		s->start = now > 0 ? now : 1;
		s->added = s->refused = 0;
	}
	if (s->added >= LP2P_POLICY_SOURCE_CAP) {
		s->refused++;
		return false;
	}
	s->added++;
	return true;
}

unsigned
lp2p__policy_refused(const struct lp2p__policy *p, const char *source)
{
	const struct src *s;
	uint32_t a = lp2p__ip_u32(source);

	return p == NULL || a == 0 || (s = src_find(p, a, false)) == NULL ?
	    0 : s->refused;
}

/* ---- anchors: the last good outbound peers, dialed first ------------ */

#define ANCHORS_MAX_FILE	4096	/* bytes of FILE.anchors */

/* Replace path with text: temporary file, fsync, rename, fsync the dir. */
static int
replace_file(const char *path, const char *text, size_t len)
{
	char *tmp = NULL, *dir = NULL, *slash;
	int fd, dfd, rc = 0;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) == -1)
		return LP2P_ENOMEM;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	if (fchmod(fd, 0644) == -1 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	if (rc == 0 && (dir = strdup(path)) != NULL) {
		if ((slash = strrchr(dir, '/')) == NULL)
			strlcpy(dir, ".", 2);
		else if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	return rc;
}

int
lp2p__policy_anchors_save(const struct lp2p_node *n, struct lp2p_err *err)
{
	const struct npeer *np, *pick[LP2P_POLICY_ANCHORS];
	char path[4096], text[ANCHORS_MAX_FILE];
	size_t k = 0, len;
	int rc;

	if (n->cfg.book_path == NULL || (size_t)snprintf(path, sizeof(path),
	    "%s.anchors", n->cfg.book_path) >= sizeof(path))
		return 0;
	/* the longest-connected outbound peers that are neither seed nor
	 * fixed (those are dialed anyway) */
	TAILQ_FOREACH(np, &n->peers, entry) {
		size_t i;

		if (np->inbound || !np->reported || np->seed > 0 ||
		    np->kind == LP2P__KIND_FIXED || np->kind == LP2P__KIND_SEED)
			continue;
		for (i = k; i > 0 && pick[i - 1]->connect_time >
		    np->connect_time; i--)
			if (i < LP2P_POLICY_ANCHORS)
				pick[i] = pick[i - 1];
		if (i < LP2P_POLICY_ANCHORS) {
			pick[i] = np;
			if (k < LP2P_POLICY_ANCHORS)
				k++;
		}
	}
	if (k == 0) {
		/* none: no file (a stale one would be dialed next time) */
		if (unlink(path) == -1 && errno != ENOENT)
			return lp2p_errf(err, -errno, "%s: %s", path,
			    strerror(errno));
		return 0;
	}
	len = (size_t)snprintf(text, sizeof(text), "[");
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "%s\"%s\"", i > 0 ? "," : "", pick[i]->id);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "]\n");
	if ((rc = replace_file(path, text, len)) != 0)
		return lp2p_errf(err, rc, "%s: %s", path, lp2p_strerror(rc));
	return 0;
}

/* "A.B.C.D:PORT" into ip, port; 0 or -1. */
static int
split_anchor(const char *s, char *ip, size_t iplen, uint16_t *port)
{
	const char *c = strrchr(s, ':');
	long p;
	char *end;

	if (c == NULL || (size_t)(c - s) >= iplen)
		return -1;
	memcpy(ip, s, (size_t)(c - s));
	ip[c - s] = '\0';
	errno = 0;
	p = strtol(c + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == c + 1 || p < 1 || p > 65535 ||
	    !lp2p_ipv4_is_valid(ip))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int
lp2p__policy_anchors_dial(struct lp2p_node *n, struct lp2p_err *err)
{
	char path[4096], buf[ANCHORS_MAX_FILE], ip[48];
	struct lp2p_err e;
	struct stat st;
	ssize_t len;
	uint16_t port;
	int fd, rc = 0, cnt;
	jv v;

	if (n->cfg.book_path == NULL || (size_t)snprintf(path, sizeof(path),
	    "%s.anchors", n->cfg.book_path) >= sizeof(path))
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : lp2p_errf(err, -errno, "%s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)sizeof(buf) - 1) {
		close(fd);
		return lp2p_errf(err, LP2P_EINVAL, "%s: not a file of at most "
		    "%zu bytes", path, sizeof(buf) - 1);
	}
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	/* used once: a restart that fails on them does not meet them again */
	(void)unlink(path);
	if (len < 0)
		return lp2p_errf(err, -errno, "%s: %s", path, strerror(errno));
	if (lp2p_json_check(buf, (size_t)len, 2, &e) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: not JSON: %s", path,
		    e.msg);
	v = jv_parse_sized(buf, (int)len);
	if (jv_get_kind(v) != JV_KIND_ARRAY ||
	    (cnt = jv_array_length(jv_copy(v))) > LP2P_POLICY_ANCHORS) {
		jv_free(v);
		return lp2p_errf(err, LP2P_EINVAL, "%s: not an array of at "
		    "most %d peer IDs", path, LP2P_POLICY_ANCHORS);
	}
	for (int i = 0; i < cnt; i++) {
		jv s = jv_array_get(jv_copy(v), i);

		if (jv_get_kind(s) != JV_KIND_STRING ||
		    split_anchor(jv_string_value(s), ip, sizeof(ip), &port) !=
		    0)
			rc = lp2p_errf(err, LP2P_EINVAL, "%s: [%d]: not a "
			    "peer ID IP:PORT", path, i);
		else
			(void)lp2p__pool_dial(n, ip, port);
		jv_free(s);
	}
	jv_free(v);
	return rc;
}

/* ---- test-before-evict ---------------------------------------------- */

bool
lp2p__policy_evict_test_start(struct lp2p__policy *p, const char *ip,
    uint16_t port, const char *vip, uint16_t vport)
{
	uint64_t k = addr_key(vip, vport), nk = addr_key(ip, port);
	struct evict_test *f = NULL;

	if (p == NULL || k == 0 || nk == 0)
		return false;
	for (size_t i = 0; i < LP2P_POLICY_EVICT_TESTS; i++) {
		if (p->test[i].key == k)
			return false;
		if (p->test[i].key == 0 && f == NULL)
			f = &p->test[i];
	}
	if (f == NULL)
		return false;
	f->key = k;
	f->nkey = nk;
	return true;
}

int
lp2p__policy_evict_test_end(struct lp2p__policy *p, const char *vip,
    uint16_t vport, char *ip, size_t len, uint16_t *port)
{
	uint64_t k = addr_key(vip, vport);
	uint32_t a;

	if (p == NULL || k == 0)
		return 0;
	for (size_t i = 0; i < LP2P_POLICY_EVICT_TESTS; i++)
		if (p->test[i].key == k) {
			a = (uint32_t)(p->test[i].nkey >> 16);
			snprintf(ip, len, "%u.%u.%u.%u", a >> 24,
			    (a >> 16) & 255, (a >> 8) & 255, a & 255);
			*port = (uint16_t)p->test[i].nkey;
			p->test[i].key = p->test[i].nkey = 0;
			return 1;
		}
	return 0;
}
