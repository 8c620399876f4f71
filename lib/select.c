/*
 * select.c — the PeerPool's decisions as pure functions (see select.h).
 *
 * Invariants: inputs are never modified; outputs are indices into the
 * caller's arrays; scratch memory is freed before returning.  On ENOMEM a
 * function degrades to "nothing selected" rather than failing loudly: a
 * populator round or a send with no pick is harmless and retried.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "select.h"

void
lp2p__shuffle(size_t *idx, size_t n)
{
	size_t j, t;

	for (size_t i = n; i > 1; i--) {
		j = lp2p_rand_uniform((uint32_t)i);
		t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

static size_t *
shuffled(size_t n)
{
	size_t *idx;

	if ((idx = reallocarray(NULL, n ? n : 1, sizeof(*idx))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	lp2p__shuffle(idx, n);
	return idx;
}

static int
picked(const struct lp2p__cand *c, const size_t *out, size_t nout,
    size_t i)
{
	for (size_t k = 0; k < nout; k++)
		if (out[k] == i || strcmp(c[out[k]].peer_id, c[i].peer_id) == 0)
			return 1;
	return 0;
}

size_t
lp2p__select_send(const struct lp2p__cand *c, size_t n, size_t limit,
    size_t *out)
{
	size_t *idx, *in_, *ob, nin = 0, nob = 0, half, nout = 0, take;
	size_t *shortl, *longl, nshort, nlong;

	if (n == 0 || (idx = shuffled(n)) == NULL)
		return 0;
	if ((in_ = calloc(n, sizeof(*in_))) == NULL ||
	    (ob = calloc(n, sizeof(*ob))) == NULL) {
		free(in_);
		free(idx);
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		if (c[idx[k]].outbound)
			ob[nob++] = idx[k];
		else
			in_[nin++] = idx[k];
	}
	/* the reference: outbound is "shortest" only when strictly fewer */
	if (nob < nin) {
		shortl = ob; nshort = nob; longl = in_; nlong = nin;
	} else {
		shortl = in_; nshort = nin; longl = ob; nlong = nob;
	}
	half = (size_t)llround((double)limit / 2.0);
	take = nshort < half ? nshort : half;
	for (size_t k = 0; k < take; k++)
		if (!picked(c, out, nout, shortl[k]))
			out[nout++] = shortl[k];
	take = limit - take;
	if (take > nlong)
		take = nlong;
	for (size_t k = 0; k < take; k++)
		if (!picked(c, out, nout, longl[k]))
			out[nout++] = longl[k];
	for (size_t k = 0; k < n; k++)
		if (c[idx[k]].kind == LP2P__KIND_FIXED &&
		    !picked(c, out, nout, idx[k]))
			out[nout++] = idx[k];
	free(ob);
	free(in_);
	free(idx);
	return nout;
}

size_t
lp2p__select_request_n(const struct lp2p__cand *c, size_t n, size_t limit,
    size_t *out)
{
	size_t nob = 0, m = 0, j, t;

	for (size_t i = 0; i < n; i++)
		nob += c[i].outbound != 0;
	/* the pool's candidates: the outbound ones, or all when none */
	for (size_t i = 0; i < n; i++)
		if (nob == 0 || c[i].outbound)
			out[m++] = i;
	if (limit == 0 || limit > m)
		limit = m;
	/* the first limit places of a Fisher-Yates shuffle */
	for (size_t i = 0; i < limit; i++) {
		j = i + lp2p_rand_uniform((uint32_t)(m - i));
		t = out[i];
		out[i] = out[j];
		out[j] = t;
	}
	return limit;
}

long
lp2p__select_request(const struct lp2p__cand *c, size_t n)
{
	size_t nob = 0, k;

	/* request_n(c, n, 1) without its scratch: one uniform pick */
	for (size_t i = 0; i < n; i++)
		nob += c[i].outbound != 0;
	if (nob == 0) {
		if (n == 0)
			return -1;
		return (long)lp2p_rand_uniform((uint32_t)n);
	}
	k = lp2p_rand_uniform((uint32_t)nob);
	for (size_t i = 0; i < n; i++)
		if (c[i].outbound && k-- == 0)
			return (long)i;
	return -1;
}

/* ---- connection ---------------------------------------------------- */

/* A uniform double in [0, 1) with 53 random bits, like Math.random. */
static double
rand_unit(void)
{
	uint32_t hi = lp2p_rand_uniform(1U << 26);
	uint32_t lo = lp2p_rand_uniform(1U << 27);

	return ((double)hi * 134217728.0 + lo) / 9007199254740992.0;
}

/*
 * The list base, base + 1, ..., base + n - 1, from which vpop removes a
 * uniform random value and moves the last one into its place (a step of
 * Fisher-Yates).  Either v holds all n values, or the places that hold
 * another value than base + place are recorded in sw (one record at most
 * per pop), so that a few pops from a long list cost no O(n) setup.
 */
struct vlist {
	size_t	 base, n;
	size_t	*v;			/* dense, or NULL */
	size_t	(*sw)[2];		/* sparse: { place, value } */
	size_t	 nsw;
};

static size_t
vget(const struct vlist *l, size_t place, size_t *rec)
{
	for (size_t k = 0; k < l->nsw; k++)
		if (l->sw[k][0] == place) {
			*rec = k;
			return l->sw[k][1];
		}
	*rec = SIZE_MAX;
	return l->base + place;
}

static size_t
vpop(struct vlist *l)
{
	size_t j = lp2p_rand_uniform((uint32_t)l->n), last = l->n - 1;
	size_t vj, vl, rj, rl;

	l->n--;
	if (l->v != NULL) {
		vj = l->v[j];
		l->v[j] = l->v[last];
		return vj;
	}
	vj = vget(l, j, &rj);
	vl = vget(l, last, &rl);
	if (rj == SIZE_MAX) {
		rj = l->nsw++;
		l->sw[rj][0] = j;
	}
	l->sw[rj][1] = vl;
	return vj;
}

size_t
lp2p__select_connect_draw(size_t nt, size_t nn, long limit, size_t *out)
{
	size_t swt[LP2P__SELECT_SMALL][2], swn[LP2P__SELECT_SMALL][2];
	struct vlist lt = { nn, nt, NULL, swt, 0 };
	struct vlist ln = { 0, nn, NULL, swn, 0 };
	size_t *dense = NULL, nout = 0;
	double r;

	if (limit < 0 || nt + nn == 0)
		return 0;
	if ((size_t)limit >= nt + nn) {
		for (size_t i = 0; i < nn + nt; i++)
			out[nout++] = i;
		return nout;
	}
	r = 0.5;
	if (nt >= 100 && (double)nt / (double)(nt + nn) > r)
		r = (double)nt / (double)(nt + nn);
	if (limit > LP2P__SELECT_SMALL) {
		if ((dense = reallocarray(NULL, nt + nn, sizeof(*dense))) ==
		    NULL)
			return 0;
		for (size_t i = 0; i < nt + nn; i++)
			dense[i] = i < nt ? nn + i : i - nt;
		lt.v = dense;
		ln.v = dense + nt;
	}
	/*
	 * The reference pops from the ends of shuffled lists; popping a
	 * uniform remaining element instead gives the same distribution
	 * without shuffling whole lists.
	 */
	for (long k = 0; k < limit; k++) {
		if (lt.n > 0 && rand_unit() < r)
			out[nout++] = vpop(&lt);
		else if (ln.n > 0)
			out[nout++] = vpop(&ln);
		else if (lt.n > 0)
			out[nout++] = vpop(&lt);
	}
	free(dense);
	return nout;
}

struct ipsort {
	uint32_t	ip;
	size_t		pos;
};

static int
ipsort_cmp(const void *a, const void *b)
{
	const struct ipsort *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

size_t
lp2p__select_one_per_ip(const struct lp2p__cand *const *c, size_t k,
    size_t *keep)
{
	struct ipsort *s;
	size_t *chosen, m = 0;

	if (k <= LP2P__SELECT_SMALL) {
		/* few (a populator round): quadratic, no allocation */
		for (size_t i = 0; i < k; i++) {
			size_t j;

			for (j = 0; j < m; j++)
				if (c[keep[j]]->ip == c[i]->ip)
					break;
			if (j == m)
				keep[m++] = i;
			else if (c[i]->reputation > c[keep[j]]->reputation)
				keep[j] = i;
		}
		return m;
	}
	s = reallocarray(NULL, k, sizeof(*s));
	chosen = calloc(k, sizeof(*chosen));
	if (s == NULL || chosen == NULL) {
		free(chosen);
		free(s);
		return SIZE_MAX;
	}
	for (size_t i = 0; i < k; i++)
		s[i] = (struct ipsort){ c[i]->ip, i };
	qsort(s, k, sizeof(*s), ipsort_cmp);
	/* per IP: at its first place, its first best (chosen is 1-based) */
	for (size_t i = 0, j; i < k; i = j) {
		size_t best = s[i].pos;

		for (j = i + 1; j < k && s[j].ip == s[i].ip; j++)
			if (c[s[j].pos]->reputation > c[best]->reputation)
				best = s[j].pos;
		chosen[s[i].pos] = best + 1;
	}
	for (size_t i = 0; i < k; i++)
		if (chosen[i] != 0)
			keep[m++] = chosen[i] - 1;
	free(chosen);
	free(s);
	return m;
}

size_t
lp2p__select_connect(const struct lp2p__cand *tr, size_t nt,
    const struct lp2p__cand *nw, size_t nn, long limit, size_t *out)
{
	const struct lp2p__cand **pc;
	size_t k, m, *keep;

	if ((k = lp2p__select_connect_draw(nt, nn, limit, out)) == 0)
		return 0;
	pc = reallocarray(NULL, k, sizeof(*pc));
	keep = reallocarray(NULL, k, sizeof(*keep));
	m = 0;
	if (pc != NULL && keep != NULL) {
		for (size_t i = 0; i < k; i++)
			pc[i] = out[i] < nn ? &nw[out[i]] : &tr[out[i] - nn];
		if ((m = lp2p__select_one_per_ip(pc, k, keep)) == SIZE_MAX)
			m = 0;
		/* keep[i] >= i: compacting out in place is safe */
		for (size_t i = 0; i < m; i++)
			out[i] = out[keep[i]];
	}
	free(keep);
	free(pc);
	return m;
}

/* ---- inbound eviction ---------------------------------------------- */

struct sortctx {
	const struct lp2p__cand	*c;
	size_t			 i;
};

static int
by_netgroup_desc(const void *a, const void *b)
{
	const struct sortctx *x = a, *y = b;

	if (x->c[x->i].netgroup != y->c[y->i].netgroup)
		return x->c[x->i].netgroup > y->c[y->i].netgroup ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
by_latency_asc(const void *a, const void *b)
{
	const struct sortctx *x = a, *y = b;

	if (x->c[x->i].latency != y->c[y->i].latency)
		return x->c[x->i].latency < y->c[y->i].latency ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
by_rate_desc(const void *a, const void *b)
{
	const struct sortctx *x = a, *y = b;

	if (x->c[x->i].response_rate != y->c[y->i].response_rate)
		return x->c[x->i].response_rate >
		    y->c[y->i].response_rate ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
by_age_asc(const void *a, const void *b)
{
	const struct sortctx *x = a, *y = b;

	if (x->c[x->i].connect_time != y->c[y->i].connect_time)
		return x->c[x->i].connect_time <
		    y->c[y->i].connect_time ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Mark as protected the first ceil(ratio * m) of list[0..m) in the order
 * of cmp; a ratio of 0 protects nobody, one outside [0, 1] everybody (the
 * reference's filterPeersByCategory returns the whole list then).
 */
static void
protect(struct sortctx *list, size_t m, double ratio,
    int (*cmp)(const void *, const void *), char *prot)
{
	size_t k;

	if (ratio == 0 || m == 0)
		return;
	if (ratio < 0 || ratio > 1)
		k = m;
	else
		k = (size_t)ceil((double)m * ratio);
	if (k > m)
		k = m;
	qsort(list, m, sizeof(*list), cmp);
	for (size_t j = 0; j < k; j++)
		prot[list[j].i] = 1;
}

long
lp2p__select_evict_inbound(const struct lp2p__cand *c, size_t n,
    const struct lp2p__evict_ratios *r)
{
	struct sortctx *list;
	char *prot, *prot2;
	size_t m = 0, u = 0, nleft = 0, *left;
	long pick = -1;

	if (n == 0)
		return -1;
	list = calloc(n, sizeof(*list));
	prot = calloc(n, 1);
	prot2 = calloc(n, 1);
	left = calloc(n, sizeof(*left));
	if (list == NULL || prot == NULL || prot2 == NULL || left == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!c[i].outbound && c[i].kind != LP2P__KIND_WHITELISTED &&
		    c[i].kind != LP2P__KIND_FIXED)
			list[m++] = (struct sortctx){ c, i };
	protect(list, m, r->netgroup, by_netgroup_desc, prot);
	protect(list, m, r->latency, by_latency_asc, prot);
	protect(list, m, r->usefulness, by_rate_desc, prot);
	for (size_t j = 0; j < m; j++)
		if (!prot[list[j].i])
			list[u++] = list[j];
	protect(list, u, r->longevity, by_age_asc, prot2);
	for (size_t j = 0; j < u; j++)
		if (!prot2[list[j].i])
			left[nleft++] = list[j].i;
	if (nleft > 0)
		pick = (long)left[lp2p_rand_uniform((uint32_t)nleft)];
out:
	free(left);
	free(prot2);
	free(prot);
	free(list);
	return pick;
}

long
lp2p__select_evict_outbound(const struct lp2p__cand *c, size_t n)
{
	size_t m = 0, k;

	for (size_t i = 0; i < n; i++)
		m += c[i].outbound && c[i].kind != LP2P__KIND_FIXED;
	if (m == 0)
		return -1;
	k = lp2p_rand_uniform((uint32_t)m);
	for (size_t i = 0; i < n; i++)
		if (c[i].outbound && c[i].kind != LP2P__KIND_FIXED && k-- == 0)
			return (long)i;
	return -1;
}

/* ---- the public face: the same functions on lp2p_peerref arrays ----- */

/* cands and index scratch for n refs, or NULL (both freed by the caller) */
static struct lp2p__cand *
from_refs(const struct lp2p_peerref *in, size_t n, size_t **idx)
{
	struct lp2p__cand *c;

	c = calloc(n ? n : 1, sizeof(*c));
	*idx = reallocarray(NULL, n ? n : 1, sizeof(**idx));
	if (c == NULL || *idx == NULL) {
		free(*idx);
		free(c);
		*idx = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].peer_id = in[i].peer_id;
		c[i].outbound = in[i].outbound != 0;
		c[i].kind = in[i].kind;
		c[i].reputation = in[i].reputation;
	}
	return c;
}

size_t
lp2p_select_for_send(const struct lp2p_peerref *in, size_t n, size_t limit,
    const struct lp2p_peerref **out)
{
	struct lp2p__cand *c;
	size_t *idx, m;

	if ((c = from_refs(in, n, &idx)) == NULL)
		return 0;
	m = lp2p__select_send(c, n, limit, idx);
	for (size_t i = 0; i < m; i++)
		out[i] = &in[idx[i]];
	free(idx);
	free(c);
	return m;
}

size_t
lp2p_select_for_request(const struct lp2p_peerref *in, size_t n,
    size_t limit, const struct lp2p_peerref **out)
{
	struct lp2p__cand *c;
	size_t *idx, m;

	if ((c = from_refs(in, n, &idx)) == NULL)
		return 0;
	m = lp2p__select_request_n(c, n, limit, idx);
	for (size_t i = 0; i < m; i++)
		out[i] = &in[idx[i]];
	free(idx);
	free(c);
	return m;
}

size_t
lp2p__advertise_count(size_t n, size_t min_len, size_t max_len)
{
	double q = (double)n * 0.25, h = (double)n * 0.5;
	size_t lo, hi, r, floor_;

	lo = (size_t)ceil(q < (double)max_len ? q : (double)max_len);
	hi = (size_t)floor(h < (double)max_len ? h : (double)max_len);
	r = lo;
	if (hi >= lo)
		r = lo + lp2p_rand_uniform((uint32_t)(hi - lo + 1));
	floor_ = min_len < n ? min_len : n;
	return r > floor_ ? r : floor_;
}
