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

long
lp2p__select_request(const struct lp2p__cand *c, size_t n)
{
	size_t nob = 0, k;

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

/* Keep one index per IP: the first seen unless a later one ranks higher. */
static size_t
one_per_ip(const struct lp2p__cand *nw, size_t nn,
    const struct lp2p__cand *tr, size_t *out, size_t nout)
{
	size_t kept = 0;

#define CAND(i)	((i) < nn ? &nw[(i)] : &tr[(i) - nn])
	for (size_t k = 0; k < nout; k++) {
		const struct lp2p__cand *a = CAND(out[k]);
		size_t j;

		for (j = 0; j < kept; j++)
			if (CAND(out[j])->ip == a->ip)
				break;
		if (j == kept)
			out[kept++] = out[k];
		else if (a->reputation > CAND(out[j])->reputation)
			out[j] = out[k];
	}
#undef CAND
	return kept;
}

size_t
lp2p__select_connect(const struct lp2p__cand *tr, size_t nt,
    const struct lp2p__cand *nw, size_t nn, long limit, size_t *out)
{
	size_t *st, *sn, pt, pn, nout = 0;
	double r;

	if (limit < 0 || nt + nn == 0)
		return 0;
	if ((size_t)limit >= nt + nn) {
		for (size_t i = 0; i < nn + nt; i++)
			out[nout++] = i;
		return one_per_ip(nw, nn, tr, out, nout);
	}
	r = 0.5;
	if (nt >= 100 && (double)nt / (double)(nt + nn) > r)
		r = (double)nt / (double)(nt + nn);
	if ((st = shuffled(nt)) == NULL)
		return 0;
	if ((sn = shuffled(nn)) == NULL) {
		free(st);
		return 0;
	}
	pt = nt;
	pn = nn;
	/* like the reference, pop from the ends of the shuffled lists */
	for (long k = 0; k < limit; k++) {
		if (pt > 0 && (double)lp2p_rand_uniform(1U << 30) /
		    (double)(1U << 30) < r)
			out[nout++] = nn + st[--pt];
		else if (pn > 0)
			out[nout++] = sn[--pn];
		else if (pt > 0)
			out[nout++] = nn + st[--pt];
	}
	free(sn);
	free(st);
	return one_per_ip(nw, nn, tr, out, nout);
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
