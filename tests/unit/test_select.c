/* test_select.c — the pool's decisions (WIRE.md §10) as tables. */
#include <stdio.h>

#include "unit.h"
#include "select.h"

#define MAXC	300

static char ids[MAXC][64];

/* n candidates: the first nob outbound, ips 10.0.i/256.i%256 distinct */
static void
fill(struct lp2p__cand *c, size_t n, size_t nob)
{
	memset(c, 0, n * sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "10.0.%zu.%zu:5000",
		    i / 256, i % 256);
		c[i].peer_id = ids[i];
		c[i].ip = 0x0a000000u | (uint32_t)i;
		c[i].outbound = i < nob;
		c[i].reputation = 100;
		c[i].netgroup = (uint32_t)i;
		c[i].connect_time = 1000 + i;
	}
}

static void
test_send_split(void **state)
{
	/* n, outbound, limit, expected total, expected outbound */
	static const struct { size_t n, nob, limit, tot, ob; } cases[] = {
		{ 0, 0, 16, 0, 0 },
		{ 5, 5, 16, 5, 5 },
		{ 40, 20, 16, 16, 8 },	/* equal: inbound is "shorter" */
		{ 40, 3, 16, 16, 3 },	/* few outbound: all 3, 13 inbound */
		{ 40, 37, 16, 16, 13 },	/* few inbound: 3 inbound */
		{ 100, 50, 16, 16, 8 },
		{ 10, 2, 16, 10, 2 },
		{ 40, 20, 15, 15, 7 },	/* round(7.5) = 8 inbound */
	};
	struct lp2p__cand c[MAXC];
	size_t out[MAXC], m, ob;

	(void)state;
	lp2p_rand_seed(7);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		for (int rep = 0; rep < 20; rep++) {
			fill(c, cases[i].n, cases[i].nob);
			m = lp2p__select_send(c, cases[i].n, cases[i].limit,
			    out);
			assert_int_equal(m, cases[i].tot);
			ob = 0;
			for (size_t k = 0; k < m; k++) {
				ob += c[out[k]].outbound;
				for (size_t j = 0; j < k; j++)
					assert_true(out[j] != out[k]);
			}
			assert_int_equal(ob, cases[i].ob);
		}
	}
}

static void
test_send_fixed_always(void **state)
{
	struct lp2p__cand c[MAXC];
	size_t out[MAXC], m;
	int seen;

	(void)state;
	lp2p_rand_seed(8);
	for (int rep = 0; rep < 50; rep++) {
		fill(c, 60, 30);
		c[59].kind = LP2P__KIND_FIXED;	/* inbound fixed */
		c[3].kind = LP2P__KIND_FIXED;	/* outbound fixed */
		m = lp2p__select_send(c, 60, 16, out);
		assert_true(m >= 16 && m <= 18);
		seen = 0;
		for (size_t k = 0; k < m; k++)
			seen += out[k] == 59 || out[k] == 3;
		assert_int_equal(seen, 2);
	}
}

static void
test_request(void **state)
{
	struct lp2p__cand c[MAXC];
	long k;

	(void)state;
	lp2p_rand_seed(9);
	assert_int_equal(lp2p__select_request(c, 0), -1);
	fill(c, 10, 2);
	for (int rep = 0; rep < 100; rep++) {
		k = lp2p__select_request(c, 10);
		assert_true(k == 0 || k == 1);
	}
	fill(c, 10, 0);
	for (int rep = 0; rep < 100; rep++) {
		k = lp2p__select_request(c, 10);
		assert_true(k >= 0 && k < 10);
	}
}

static void
test_request_n(void **state)
{
	struct lp2p__cand c[MAXC];
	size_t out[MAXC], m;
	int hit[10];

	(void)state;
	lp2p_rand_seed(19);
	assert_int_equal(lp2p__select_request_n(c, 0, 1, out), 0);
	/* outbound ones only while there are any; 0 = all of them */
	fill(c, 10, 4);
	for (int rep = 0; rep < 50; rep++) {
		m = lp2p__select_request_n(c, 10, 3, out);
		assert_int_equal(m, 3);
		for (size_t k = 0; k < m; k++) {
			assert_true(out[k] < 4);
			for (size_t j = 0; j < k; j++)
				assert_true(out[j] != out[k]);
		}
	}
	assert_int_equal(lp2p__select_request_n(c, 10, 0, out), 4);
	assert_int_equal(lp2p__select_request_n(c, 10, 9, out), 4);
	/* no outbound: any of them, each one reachable */
	fill(c, 10, 0);
	memset(hit, 0, sizeof(hit));
	for (int rep = 0; rep < 200; rep++) {
		assert_int_equal(lp2p__select_request_n(c, 10, 1, out), 1);
		assert_true(out[0] < 10);
		hit[out[0]]++;
	}
	for (int i = 0; i < 10; i++)
		assert_true(hit[i] > 0);
	assert_int_equal(lp2p__select_request_n(c, 10, 0, out), 10);
}

/* The public face runs the same functions on lp2p_peerref arrays. */
static void
test_public_refs(void **state)
{
	struct lp2p_peerref p[40];
	const struct lp2p_peerref *out[40];
	size_t n;

	(void)state;
	lp2p_rand_seed(11);
	/* 30 outbound, 5 inbound, 5 of the outbound fixed */
	for (int i = 0; i < 35; i++) {
		snprintf(ids[i], sizeof(ids[i]), "1.1.1.%d:5", i);
		p[i] = (struct lp2p_peerref){ ids[i], "1.1.1.1", i < 30,
		    i < 5 ? LP2P_KIND_FIXED : 0, 100, NULL };
	}
	for (int round = 0; round < 50; round++) {
		int in = 0, fixed = 0;

		n = lp2p_select_for_send(p, 35, 16, out);
		for (size_t i = 0; i < n; i++) {
			in += out[i]->outbound == 0;
			fixed += out[i]->kind == LP2P_KIND_FIXED;
			for (size_t j = 0; j < i; j++)
				assert_ptr_not_equal(out[i], out[j]);
		}
		assert_int_equal(in, 5);	/* all of the smaller side */
		assert_int_equal(fixed, 5);	/* every fixed peer */
		assert_true(n >= 16 && n <= 21);
	}
	assert_int_equal(lp2p_select_for_send(p, 0, 16, out), 0);
	/* request: among the 30 outbound ones */
	for (int round = 0; round < 50; round++) {
		assert_int_equal(lp2p_select_for_request(p, 35, 1, out), 1);
		assert_true(out[0] >= p && out[0] < p + 30);
	}
	assert_int_equal(lp2p_select_for_request(p, 35, 0, out), 30);
	assert_int_equal(lp2p_select_for_request(p, 0, 1, out), 0);
	lp2p_rand_seed(0);
}

static void
test_connect(void **state)
{
	static const struct { size_t nt, nn; long limit; size_t want; } cases[] = {
		{ 0, 0, 5, 0 }, { 3, 4, 20, 7 }, { 3, 4, 7, 7 },
		{ 50, 50, 10, 10 }, { 200, 10, 20, 20 }, { 0, 30, 5, 5 },
		{ 30, 0, 5, 5 }, { 5, 5, -1, 0 }, { 5, 5, 0, 0 },
	};
	struct lp2p__cand tr[MAXC], nw[MAXC];
	size_t out[2 * MAXC], m;

	(void)state;
	lp2p_rand_seed(10);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		fill(tr, cases[i].nt, 0);
		fill(nw, cases[i].nn, 0);
		for (size_t j = 0; j < cases[i].nn; j++)
			nw[j].ip |= 0x00100000u;	/* distinct from tried */
		m = lp2p__select_connect(tr, cases[i].nt, nw, cases[i].nn,
		    cases[i].limit, out);
		assert_int_equal(m, cases[i].want);
		for (size_t k = 0; k < m; k++) {
			assert_true(out[k] < cases[i].nt + cases[i].nn);
			for (size_t j = 0; j < k; j++)
				assert_true(out[j] != out[k]);
		}
	}
}

static void
test_connect_one_per_ip(void **state)
{
	struct lp2p__cand tr[4], nw[4];
	size_t out[8], m;

	(void)state;
	fill(tr, 4, 0);
	fill(nw, 4, 0);
	/* every entry on the same IP; tried[2] ranks highest */
	for (int i = 0; i < 4; i++) {
		tr[i].ip = nw[i].ip = 0x7f000001u;
		tr[i].reputation = nw[i].reputation = 50;
	}
	tr[2].reputation = 90;
	m = lp2p__select_connect(tr, 4, nw, 4, 20, out);
	assert_int_equal(m, 1);
	assert_int_equal(out[0], 4 + 2);
}

/* r: 0.5 under 100 tried, else max(0.5, tried / (tried + new)). */
static void
test_connect_ratio(void **state)
{
	/* 200 rounds of 20 slots: 4000 draws, the bounds are > 6 sigma */
	static const struct { size_t nt, nn, lo, hi; } cases[] = {
		{ 200, 100, 2467, 2867 },	/* 200/300 = 0.67 */
		{ 200, 300, 1800, 2200 },	/* 200/500 = 0.4: 0.5 */
		{ 90, 60, 1800, 2200 },		/* < 100 tried: 0.5 */
		{ 270, 30, 3480, 3720 },	/* 0.9 */
	};
	static struct lp2p__cand tr[MAXC], nw[MAXC];
	size_t out[2 * MAXC], m, ntried;

	(void)state;
	lp2p_rand_seed(12);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		fill(tr, cases[i].nt, 0);
		fill(nw, cases[i].nn, 0);
		for (size_t j = 0; j < cases[i].nn; j++)
			nw[j].ip |= 0x00100000u;	/* not tried's */
		ntried = 0;
		for (int round = 0; round < 200; round++) {
			m = lp2p__select_connect(tr, cases[i].nt, nw,
			    cases[i].nn, 20, out);
			assert_int_equal(m, 20);
			for (size_t k = 0; k < m; k++)
				ntried += out[k] >= cases[i].nn;
		}
		assert_true(ntried > cases[i].lo && ntried < cases[i].hi);
	}
	/* an empty side: the other one fills every slot */
	fill(tr, 30, 0);
	m = lp2p__select_connect(tr, 30, nw, 0, 25, out);
	assert_int_equal(m, 25);
	lp2p_rand_seed(0);
}

/* The draw alone: distinct indices; everything, new first, when it fits. */
static void
test_connect_draw(void **state)
{
	size_t out[64], big[200], m;
	char seen[200], ever[200];

	(void)state;
	lp2p_rand_seed(13);
	m = lp2p__select_connect_draw(3, 4, 7, out);
	assert_int_equal(m, 7);
	for (size_t k = 0; k < m; k++)
		assert_int_equal(out[k], k);
	for (int rep = 0; rep < 100; rep++) {
		m = lp2p__select_connect_draw(30, 20, 40, out);
		assert_int_equal(m, 40);
		for (size_t k = 0; k < m; k++) {
			assert_true(out[k] < 50);
			for (size_t j = 0; j < k; j++)
				assert_true(out[j] != out[k]);
		}
	}
	/* a long draw (dense scratch): distinct, every index reachable */
	memset(ever, 0, sizeof(ever));
	for (int rep = 0; rep < 20; rep++) {
		memset(seen, 0, sizeof(seen));
		m = lp2p__select_connect_draw(100, 100, 150, big);
		assert_int_equal(m, 150);
		for (size_t k = 0; k < m; k++) {
			assert_true(big[k] < 200);
			assert_false(seen[big[k]]);
			seen[big[k]] = ever[big[k]] = 1;
		}
	}
	for (size_t k = 0; k < 200; k++)
		assert_true(ever[k]);
	assert_int_equal(lp2p__select_connect_draw(0, 0, 5, out), 0);
	assert_int_equal(lp2p__select_connect_draw(3, 3, -1, out), 0);
	assert_int_equal(lp2p__select_connect_draw(3, 3, 0, out), 0);
	lp2p_rand_seed(0);
}

/*
 * one_per_ip against a model of the reference's Map: each IP at the place
 * of its first occurrence, holding the first with the highest reputation;
 * k around LP2P__SELECT_SMALL takes both code paths.
 */
static void
test_one_per_ip_model(void **state)
{
	static const size_t ks[] = { 0, 1, 2, 10, LP2P__SELECT_SMALL,
	    LP2P__SELECT_SMALL + 1, 150, MAXC };
	static struct lp2p__cand c[MAXC];
	const struct lp2p__cand *pc[MAXC];
	size_t keep[MAXC], want[MAXC], m, w;

	(void)state;
	lp2p_rand_seed(14);
	for (size_t t = 0; t < LP2P_NELEM(ks); t++)
		for (int rep = 0; rep < 20; rep++) {
			size_t k = ks[t];

			for (size_t i = 0; i < k; i++) {
				c[i].ip = 0x0a000000u + lp2p_rand_uniform(40);
				c[i].reputation = (int)lp2p_rand_uniform(5);
				pc[i] = &c[i];
			}
			w = 0;
			for (size_t i = 0; i < k; i++) {
				size_t j;

				for (j = 0; j < w; j++)
					if (c[want[j]].ip == c[i].ip)
						break;
				if (j == w)
					want[w++] = i;
				else if (c[i].reputation >
				    c[want[j]].reputation)
					want[j] = i;
			}
			m = lp2p__select_one_per_ip(pc, k, keep);
			assert_int_equal(m, w);
			for (size_t i = 0; i < m; i++)
				assert_int_equal(keep[i], want[i]);
		}
	lp2p_rand_seed(0);
}

static void
test_evict_inbound(void **state)
{
	static const struct lp2p__evict_ratios def = {
		0.034, 0.068, 0.068, 0.5
	};
	static const struct lp2p__evict_ratios all = { 2, 0, 0, 0 };
	struct lp2p__cand c[MAXC];
	long k;

	(void)state;
	lp2p_rand_seed(11);
	/* 100 inbound: netgroup protects 4 highest (96..99), latency and
	 * rate (all equal, ties by index) 7 lowest index (0..6) each;
	 * longevity protects the oldest half of the 89 left (7..51) */
	for (int rep = 0; rep < 200; rep++) {
		fill(c, 100, 0);
		k = lp2p__select_evict_inbound(c, 100, &def);
		assert_true(k >= 52 && k <= 95);
	}
	/* whitelisted/fixed and outbound are never chosen */
	fill(c, 3, 1);
	c[1].kind = LP2P__KIND_WHITELISTED;
	c[2].kind = LP2P__KIND_FIXED;
	assert_int_equal(lp2p__select_evict_inbound(c, 3, &def), -1);
	/* two inbound: netgroup protects 1, longevity the other */
	fill(c, 2, 0);
	assert_int_equal(lp2p__select_evict_inbound(c, 2, &def), -1);
	/* a ratio beyond 1 protects everybody */
	fill(c, 50, 0);
	assert_int_equal(lp2p__select_evict_inbound(c, 50, &all), -1);
	assert_int_equal(lp2p__select_evict_inbound(c, 0, &def), -1);
}

static void
test_evict_outbound(void **state)
{
	struct lp2p__cand c[MAXC];
	long k;

	(void)state;
	fill(c, 6, 3);
	c[0].kind = c[1].kind = LP2P__KIND_FIXED;
	for (int rep = 0; rep < 50; rep++)
		assert_int_equal(lp2p__select_evict_outbound(c, 6), 2);
	c[2].kind = LP2P__KIND_FIXED;
	assert_int_equal(lp2p__select_evict_outbound(c, 6), -1);
	fill(c, 6, 6);
	for (int rep = 0; rep < 50; rep++) {
		k = lp2p__select_evict_outbound(c, 6);
		assert_true(k >= 0 && k < 6);
	}
}

static void
test_advertise_count(void **state)
{
	static const struct { size_t n, lo, hi; } cases[] = {
		{ 0, 0, 0 }, { 1, 1, 1 }, { 7, 7, 7 }, { 100, 100, 100 },
		{ 300, 100, 150 }, { 1000, 200, 200 }, { 10000, 200, 200 },
		{ 500, 125, 200 },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		for (int rep = 0; rep < 50; rep++) {
			size_t k = lp2p__advertise_count(cases[i].n, 100, 200);

			assert_true(k >= cases[i].lo && k <= cases[i].hi);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_split),
		cmocka_unit_test(test_send_fixed_always),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_n),
		cmocka_unit_test(test_public_refs),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_connect_one_per_ip),
		cmocka_unit_test(test_connect_ratio),
		cmocka_unit_test(test_connect_draw),
		cmocka_unit_test(test_one_per_ip_model),
		cmocka_unit_test(test_evict_inbound),
		cmocka_unit_test(test_evict_outbound),
		cmocka_unit_test(test_advertise_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
