/*
 * test_book.c — the PeerBook: buckets as the reference computes them,
 * eviction, movements, bans, lists, selection, and the LIP 0004 simulation.
 */
#include <stdio.h>
#include <unistd.h>

#include "unit.h"
#include "book.h"

#define T0	1700000000000ULL	/* ms */
#define DAY	86400000ULL

static struct lp2p_book *
mkbook(uint32_t secret)
{
	struct lp2p_book *b;

	assert_int_equal(lp2p_book_new(&b, secret, NULL), 0);
	return b;
}

static void
test_add_lookup(void **state)
{
	struct lp2p_book *b = mkbook(12345);
	struct lp2p_book_entry e;
	struct lp2p_err err;
	uint32_t want;
	static const struct { const char *ip; int port; const char *src;
	    int rc; } cases[] = {
		{ "1.2.3.4", 5000, NULL, 0 },
		{ "1.2.3.4", 5001, "8.8.8.8", 0 },
		{ "1.2.3.4", 5000, NULL, LP2P_EEXIST },
		{ "10.0.0.1", 7, "", 0 },
		{ "127.0.0.1", 8, NULL, 0 },
		{ "01.2.3.4", 5000, NULL, LP2P_EINVAL },
		{ "::1", 5000, NULL, LP2P_EINVAL },
		{ "1.2.3.5", 0, NULL, LP2P_EINVAL },
		{ "1.2.3.6", 1, "2001:db8::1", LP2P_EINVAL },
		{ "1.2.3.7", 1, "::1", 0 },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++)
		assert_int_equal(lp2p_book_add(b, cases[i].ip,
		    (uint16_t)cases[i].port, cases[i].src, T0, NULL, &err),
		    cases[i].rc);
	assert_int_equal(lp2p_book_count(b, 1 << LP2P_TABLE_NEW), 5);
	assert_int_equal(lp2p_book_lookup(b, "1.2.3.4:5001", &e), 0);
	assert_string_equal(e.peer_id, "1.2.3.4:5001");
	assert_string_equal(e.source, "8.8.8.8");
	assert_int_equal(e.table, LP2P_TABLE_NEW);
	assert_int_equal(lp2p_ip_bucket(12345, "1.2.3.4", "8.8.8.8", 0, 128,
	    &want), 0);
	assert_int_equal(e.bucket, want);
	assert_int_equal(e.reputation, LP2P_BOOK_REPUTATION);
	assert_int_equal(e.advertise, 1);
	assert_int_equal(e.date_added, T0);
	assert_int_equal(lp2p_book_lookup(b, "1.2.3.4:5002", &e),
	    LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_lookup(b, "1.2.3.4", &e), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_lookup(b, "1.2.3.4:05000", &e),
	    LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_remove(b, "1.2.3.4:5000"), 0);
	assert_int_equal(lp2p_book_remove(b, "1.2.3.4:5000"), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_count(b, 6), 4);
	lp2p_book_free(b);
}

/* 40 peers from one /16 reported by one source share one new bucket. */
static void
test_eviction_new(void **state)
{
	struct lp2p_book *b = mkbook(7);
	struct lp2p_book_entry ev, e;
	char ip[32];
	int evicted = 0;

	(void)state;
	lp2p_rand_seed(99);
	for (int i = 0; i < 32; i++) {
		snprintf(ip, sizeof(ip), "52.1.%d.%d", i, i + 1);
		/* the first ten are old */
		assert_int_equal(lp2p_book_add(b, ip, 5000, "9.9.9.9",
		    i < 10 ? T0 - 2 * DAY : T0, &ev, NULL), 0);
		assert_string_equal(ev.peer_id, "");
	}
	assert_int_equal(lp2p_book_count(b, 2), 32);
	assert_int_equal(lp2p_book_lookup(b, "52.1.0.1:5000", &e), 0);
	assert_int_equal(lp2p_book_bucket_fill(b, LP2P_TABLE_NEW, e.bucket),
	    32);
	/* old entries go first, in insertion order */
	for (int i = 0; i < 10; i++) {
		char want[32];

		snprintf(ip, sizeof(ip), "52.1.100.%d", i);
		assert_int_equal(lp2p_book_add(b, ip, 5000, "9.9.9.9", T0, &ev,
		    NULL), 0);
		snprintf(want, sizeof(want), "52.1.%d.%d:5000", i, i + 1);
		assert_string_equal(ev.peer_id, want);
	}
	/* then random ones */
	for (int i = 0; i < 20; i++) {
		snprintf(ip, sizeof(ip), "52.1.200.%d", i);
		assert_int_equal(lp2p_book_add(b, ip, 5000, "9.9.9.9", T0, &ev,
		    NULL), 0);
		assert_string_not_equal(ev.peer_id, "");
		evicted++;
	}
	assert_int_equal(lp2p_book_count(b, 2), 32);
	assert_int_equal(evicted, 20);
	lp2p_rand_seed(0);
	lp2p_book_free(b);
}

static void
test_movements(void **state)
{
	struct lp2p_book *b = mkbook(1);
	struct lp2p_book_entry e;
	uint32_t want;

	(void)state;
	assert_int_equal(lp2p_book_add(b, "45.10.1.2", 4000, "3.3.3.3", T0,
	    NULL, NULL), 0);
	assert_int_equal(lp2p_book_upgrade(b, "45.10.1.2:4000", T0 + 5, NULL),
	    0);
	assert_int_equal(lp2p_book_lookup(b, "45.10.1.2:4000", &e), 0);
	assert_int_equal(e.table, LP2P_TABLE_TRIED);
	assert_int_equal(e.date_added, T0 + 5);
	assert_int_equal(lp2p_ip_bucket(1, "45.10.1.2", NULL, 1, 64, &want),
	    0);
	assert_int_equal(e.bucket, want);
	assert_int_equal(lp2p_book_upgrade(b, "45.10.1.2:4000", T0, NULL), 0);
	assert_int_equal(lp2p_book_upgrade(b, "45.10.1.9:4000", T0, NULL),
	    LP2P_ENOTFOUND);
	/* adding a tried peer again fails */
	assert_int_equal(lp2p_book_add(b, "45.10.1.2", 4000, NULL, T0, NULL,
	    NULL), LP2P_EEXIST);
	/* three failures: tried -> new */
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.2:4000", T0),
	    LP2P_MOVE_COUNTED);
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.2:4000", T0),
	    LP2P_MOVE_COUNTED);
	assert_int_equal(lp2p_book_lookup(b, "45.10.1.2:4000", &e), 0);
	assert_int_equal(e.failures, 2);
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.2:4000", T0 + 9),
	    LP2P_MOVE_TO_NEW);
	assert_int_equal(lp2p_book_lookup(b, "45.10.1.2:4000", &e), 0);
	assert_int_equal(e.table, LP2P_TABLE_NEW);
	assert_int_equal(e.failures, 0);
	assert_string_equal(e.source, "3.3.3.3");
	/* a failed new peer is removed */
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.2:4000", T0),
	    LP2P_MOVE_REMOVED);
	assert_int_equal(lp2p_book_lookup(b, "45.10.1.2:4000", NULL),
	    LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.2:4000", T0),
	    LP2P_ENOTFOUND);
	/* trusted peers are untouched */
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_SEED, "45.10.1.3",
	    4000, NULL), 0);
	assert_int_equal(lp2p_book_add(b, "45.10.1.3", 4000, NULL, T0, NULL,
	    NULL), 0);
	assert_int_equal(lp2p_book_downgrade(b, "45.10.1.3:4000", T0),
	    LP2P_MOVE_NONE);
	assert_int_equal(lp2p_book_lookup(b, "45.10.1.3:4000", &e), 0);
	assert_int_equal(e.kind, LP2P_KIND_SEED);
	lp2p_book_free(b);
}

static void
test_tried_full(void **state)
{
	struct lp2p_book *b = mkbook(3);
	struct lp2p_book_entry ev;
	char pid[32];
	int n = 0, evictions = 0;

	(void)state;
	lp2p_rand_seed(5);
	/* one /16 fills at most 4 tried buckets: 128 entries */
	for (int i = 0; i < 250; i++) {
		snprintf(pid, sizeof(pid), "45.10.%d.%d", i / 200, i % 200 + 1);
		assert_int_equal(lp2p_book_add(b, pid, 5000, NULL, T0, NULL,
		    NULL), 0);
		snprintf(pid, sizeof(pid), "45.10.%d.%d:5000", i / 200,
		    i % 200 + 1);
		assert_int_equal(lp2p_book_upgrade(b, pid, T0, &ev), 0);
		if (ev.peer_id[0] != '\0')
			evictions++;
		n++;
	}
	assert_int_equal(lp2p_book_count(b, 1 << LP2P_TABLE_TRIED), 128);
	assert_int_equal(evictions, n - 128);
	lp2p_rand_seed(0);
	lp2p_book_free(b);
}

static void
test_bans(void **state)
{
	struct lp2p_book *b = mkbook(1);
	struct lp2p_err err;

	(void)state;
	assert_int_equal(lp2p_book_add(b, "5.5.5.5", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "5.5.5.5", 2, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "5.5.5.50", 2, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_upgrade(b, "5.5.5.5:2", T0, NULL), 0);
	assert_int_equal(lp2p_book_ban(b, "5.5.5.5", 0, T0 + DAY, &err), 0);
	assert_int_equal(lp2p_book_count(b, 6), 1);	/* 5.5.5.50 stays */
	assert_true(lp2p_book_is_banned(b, "5.5.5.5", T0));
	assert_false(lp2p_book_is_banned(b, "5.5.5.5", T0 + DAY));
	assert_int_equal(lp2p_book_add(b, "5.5.5.5", 3, NULL, T0, NULL, NULL),
	    LP2P_EBANNED);
	assert_int_equal(lp2p_book_add(b, "5.5.5.5", 3, NULL, T0 + DAY, NULL,
	    NULL), 0);
	/* a live ban is only extended */
	assert_int_equal(lp2p_book_ban(b, "5.5.5.5", 0, T0 + 5, NULL), 0);
	assert_true(lp2p_book_is_banned(b, "5.5.5.5", T0 + DAY - 1));
	assert_int_equal(lp2p_book_ban_count(b), 1);
	lp2p_book_expire(b, T0 + DAY);
	assert_int_equal(lp2p_book_ban_count(b), 0);
	assert_int_equal(lp2p_book_unban(b, "5.5.5.5"), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_ban(b, "6.6.6.6", 0, T0 + 1, NULL), 0);
	assert_int_equal(lp2p_book_unban(b, "6.6.6.6"), 0);
	assert_false(lp2p_book_is_banned(b, "6.6.6.6", T0));
	assert_int_equal(lp2p_book_ban(b, "::1", 0, T0 + 1, NULL), 0);
	assert_int_equal(lp2p_book_ban(b, "nope", 0, T0 + 1, &err),
	    LP2P_EINVAL);
	/* fixed and whitelisted are never banned */
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_FIXED, "7.7.7.7", 9,
	    NULL), 0);
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_WHITELISTED,
	    "8.8.8.8", 9, NULL), 0);
	assert_int_equal(lp2p_book_ban(b, "7.7.7.7", 0, T0 + 1, &err),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_book_ban(b, "8.8.8.8", 9, T0 + 1, &err),
	    LP2P_EINVAL);
	/* the same IP under another port is, as in the reference */
	assert_int_equal(lp2p_book_ban(b, "8.8.8.8", 10, T0 + 1, &err), 0);
	/* blacklisted: banned for ever, but may enter the new table */
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_BLACKLISTED, "9.9.9.9",
	    0, NULL), 0);
	assert_true(lp2p_book_is_banned(b, "9.9.9.9", T0 + 1000 * DAY));
	assert_int_equal(lp2p_book_add(b, "9.9.9.9", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_upgrade(b, "9.9.9.9:1", T0, NULL),
	    LP2P_EBANNED);
	assert_int_equal(lp2p_book_lookup(b, "9.9.9.9:1", NULL),
	    LP2P_ENOTFOUND);
	lp2p_book_free(b);
}

static void
test_lists(void **state)
{
	struct lp2p_book *b = mkbook(1);
	const char *ip;
	uint16_t port;
	static const struct { int list; const char *ip; int port, rc; } c[] = {
		{ LP2P_LIST_SEED, "1.1.1.1", 5, 0 },
		{ LP2P_LIST_SEED, "1.1.1.1", 5, LP2P_EEXIST },
		{ LP2P_LIST_SEED, "1.1.1.1", 0, LP2P_EINVAL },
		{ LP2P_LIST_SEED, "::1", 5, LP2P_EINVAL },
		{ LP2P_LIST_FIXED, "1.1.1.1", 6, 0 },
		{ LP2P_LIST_WHITELISTED, "2.2.2.2", 6, 0 },
		{ LP2P_LIST_BLACKLISTED, "::1", 0, 0 },
		{ LP2P_LIST_BLACKLISTED, "3.3.3.3", 1, LP2P_EINVAL },
		{ 9, "3.3.3.3", 1, LP2P_EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(c); i++)
		assert_int_equal(lp2p_book_list_add(b, c[i].list, c[i].ip,
		    (uint16_t)c[i].port, NULL), c[i].rc);
	/* kind by IP, fixed first */
	assert_int_equal(lp2p_book_kind(b, "1.1.1.1"), LP2P_KIND_FIXED);
	assert_int_equal(lp2p_book_kind(b, "2.2.2.2"), LP2P_KIND_WHITELISTED);
	assert_int_equal(lp2p_book_kind(b, "3.3.3.3"), LP2P_KIND_NONE);
	/* trust by peerId */
	assert_true(lp2p_book_is_trusted(b, "1.1.1.1:5"));
	assert_false(lp2p_book_is_trusted(b, "1.1.1.1:7"));
	assert_int_equal(lp2p_book_list_count(b, LP2P_LIST_SEED), 1);
	assert_int_equal(lp2p_book_list_get(b, LP2P_LIST_FIXED, 0, &ip, &port),
	    0);
	assert_string_equal(ip, "1.1.1.1");
	assert_int_equal(port, 6);
	assert_int_equal(lp2p_book_list_get(b, LP2P_LIST_FIXED, 1, &ip, &port),
	    LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_list_remove(b, LP2P_LIST_FIXED, "1.1.1.1",
	    6), 0);
	assert_int_equal(lp2p_book_list_remove(b, LP2P_LIST_FIXED, "1.1.1.1",
	    6), LP2P_ENOTFOUND);
	assert_int_equal(lp2p_book_kind(b, "1.1.1.1"), LP2P_KIND_SEED);
	lp2p_book_free(b);
}

/* ---- selection (the rules are test_select.c's) ---- */

static void
test_book_select_connect(void **state)
{
	struct lp2p_book *b = mkbook(77);
	struct lp2p_book_entry out[64];
	const char *ex[] = { "20.1.0.1:1", "20.1.0.2:1", "bad" };
	char ip[24], pid[32];
	long n;

	(void)state;
	lp2p_rand_seed(13);
	for (int i = 0; i < 3000; i++) {
		snprintf(ip, sizeof(ip), "20.%d.%d.%d", i % 200, i / 200 % 250,
		    i % 7 + 1);
		if (lp2p_book_add(b, ip, 1, NULL, T0, NULL, NULL) == 0 &&
		    i % 3 == 0) {
			snprintf(pid, sizeof(pid), "%s:1", ip);
			(void)lp2p_book_upgrade(b, pid, T0, NULL);
		}
	}
	(void)lp2p_book_add(b, "20.1.0.1", 1, NULL, T0, NULL, NULL);
	for (int round = 0; round < 100; round++) {
		n = lp2p_book_select_connect(b, ex, 3, 20, out, 64);
		assert_true(n > 0 && n <= 20);
		for (long i = 0; i < n; i++) {
			assert_string_not_equal(out[i].peer_id, "20.1.0.1:1");
			for (long j = 0; j < i; j++)
				assert_string_not_equal(out[i].ip, out[j].ip);
		}
	}
	/* a small book: everything but the excluded */
	lp2p_book_free(b);
	b = mkbook(1);
	assert_int_equal(lp2p_book_add(b, "20.1.0.1", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "20.1.0.3", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "20.1.0.3", 2, NULL, T0, NULL, NULL),
	    0);
	n = lp2p_book_select_connect(b, ex, 3, 20, out, 64);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].ip, "20.1.0.3");
	/* exclusions at either end of both tables' dense arrays */
	lp2p_book_free(b);
	b = mkbook(5);
	for (int i = 0; i < 12; i++) {
		snprintf(ip, sizeof(ip), "21.0.0.%d", i);
		assert_int_equal(lp2p_book_add(b, ip, 1, NULL, T0, NULL, NULL),
		    0);
		snprintf(pid, sizeof(pid), "%s:1", ip);
		if (i % 2 == 0)
			assert_int_equal(lp2p_book_upgrade(b, pid, T0, NULL),
			    0);
	}
	{
		const char *ex2[] = { "21.0.0.0:1", "21.0.0.1:1",
		    "21.0.0.10:1", "21.0.0.11:1", "21.0.0.5:1", "21.0.0.5:1" };
		int seen[12];

		n = lp2p_book_select_connect(b, ex2, 6, -1, out, 64);
		assert_int_equal(n, 7);
		memset(seen, 0, sizeof(seen));
		for (long i = 0; i < n; i++) {
			int last = atoi(strrchr(out[i].ip, '.') + 1);

			assert_true(last >= 2 && last <= 9 && last != 5);
			assert_int_equal(seen[last]++, 0);
		}
		memset(seen, 0, sizeof(seen));
		for (int round = 0; round < 200; round++) {
			n = lp2p_book_select_connect(b, ex2, 6, 3, out, 64);
			assert_int_equal(n, 3);
			for (long i = 0; i < n; i++) {
				int last = atoi(strrchr(out[i].ip, '.') + 1);

				assert_true(last >= 2 && last <= 9 &&
				    last != 5);
				seen[last]++;
			}
		}
		for (int i = 2; i <= 9; i++)
			assert_true(i == 5 || seen[i] > 0);
	}
	lp2p_book_free(b);
	b = mkbook(1);
	assert_int_equal(lp2p_book_add(b, "20.1.0.1", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "20.1.0.3", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_add(b, "20.1.0.3", 2, NULL, T0, NULL, NULL),
	    0);
	/* no limit (< 0) is every candidate; limit 0 none; cap bounds out */
	assert_int_equal(lp2p_book_select_connect(b, ex, 2, -1, out, 64), 1);
	assert_int_equal(lp2p_book_add(b, "20.1.0.4", 1, NULL, T0, NULL, NULL),
	    0);
	assert_int_equal(lp2p_book_select_connect(b, NULL, 0, -1, out, 64), 3);
	assert_int_equal(lp2p_book_select_connect(b, NULL, 0, 0, out, 64), 0);
	assert_int_equal(lp2p_book_select_connect(b, NULL, 0, -1, out, 2), 2);
	assert_int_equal(lp2p_book_sample(b, 10, out), 4);
	lp2p_book_free(b);
	lp2p_rand_seed(0);
}

/*
 * LIP 0004's purpose: an attacker who controls a few netgroups can fill
 * only a small share of the new table, whatever the number of addresses.
 */
static double
fill_share(int attacker)
{
	struct lp2p_book *b = mkbook(0xdeadbeef);
	char ip[24], src[24];
	double share;

	for (int i = 0; i < 100000; i++) {
		if (attacker) {
			/*
			 * addresses in 4 /16 netgroups, each reported by
			 * sources in the same 4 netgroups (every pairing)
			 */
			snprintf(ip, sizeof(ip), "66.%d.%d.%d", i % 4,
			    i / 4 % 256, i / 1024 % 256);
			snprintf(src, sizeof(src), "66.%d.0.1", i / 4 % 4);
		} else {
			uint32_t r = lp2p_rand_uniform(0xffffffffu);

			snprintf(ip, sizeof(ip), "%u.%u.%u.%u",
			    (r >> 24) % 223 + 1, (r >> 16) & 255, (r >> 8) & 255,
			    r & 255);
			snprintf(src, sizeof(src), "%u.%u.1.1", i % 200 + 1,
			    i % 97);
		}
		(void)lp2p_book_add(b, ip, 5000, src, T0, NULL, NULL);
	}
	share = (double)lp2p_book_count(b, 1 << LP2P_TABLE_NEW) /
	    (LP2P_BOOK_NEW_BUCKETS * LP2P_BOOK_BUCKET_SIZE);
	lp2p_book_free(b);
	return share;
}

static void
test_lip4_simulation(void **state)
{
	double a, h;

	(void)state;
	lp2p_rand_seed(2026);
	a = fill_share(1);
	h = fill_share(0);
	printf("# LIP 0004 simulation: 100000 addresses into the new table "
	    "(4096 slots): an attacker with 4 netgroups fills %.1f%% (bound "
	    "12.5%%), an honest spread fills %.1f%%\n", 100 * a, 100 * h);
	/*
	 * the scheme's bound: a source netgroup reaches at most 16 buckets,
	 * and one (source, target) pair of netgroups a single one: 4 x 4
	 * buckets of 32 slots
	 */
	assert_true(a <= 4.0 * 4 * 32 / 4096 + 1e-9);
	assert_true(a > 0);
	assert_true(h > 0.9);
	lp2p_rand_seed(0);
}

/*
 * A table's memory comes as entries do (book.h): buckets when first
 * filled, the dense array doubling to the table's slots.  Filled past
 * its ceiling, emptied and filled again, each table keeps its
 * invariants: every entry in one bucket of at most 32 and at its place
 * in dense, never more than the flat table's slots.
 */
static int
count_entry(const struct lp2p_book_entry *e, void *arg)
{
	(void)e;
	(*(size_t *)arg)++;
	return 0;
}

static void
check_tables(const struct lp2p_book *b)
{
	for (int t = LP2P_TABLE_NEW; t <= LP2P_TABLE_TRIED; t++) {
		const struct lp2p__table *tab = &b->tab[t];
		size_t sum = 0, seen = 0;

		for (uint32_t i = 0; i < tab->nbuckets; i++) {
			assert_true(lp2p__book_fill(tab, i) <=
			    LP2P_BOOK_BUCKET_SIZE);
			sum += lp2p__book_fill(tab, i);
		}
		assert_int_equal(sum, tab->n);
		assert_int_equal(lp2p_book_count(b, 1 << t), tab->n);
		assert_true(tab->n <= tab->cap || (tab->n == 0 &&
		    tab->cap == 0));
		assert_true(tab->cap <= (size_t)tab->nbuckets *
		    LP2P_BOOK_BUCKET_SIZE);
		for (size_t i = 0; i < tab->n; i++) {
			assert_int_equal(tab->dense[i]->dense, i);
			assert_int_equal(tab->dense[i]->table, t);
		}
		lp2p_book_foreach(b, 1 << t, count_entry, &seen);
		assert_int_equal(seen, tab->n);
	}
}

static void
test_tables_on_demand(void **state)
{
	struct lp2p_book *b = mkbook(11);
	char ip[32], src[32], pid[40];
	unsigned buckets = 0;

	(void)state;
	lp2p_rand_seed(77);
	check_tables(b);
	assert_int_equal(b->tab[LP2P_TABLE_NEW].cap, 0);
	for (uint32_t i = 0; i < LP2P_BOOK_NEW_BUCKETS; i++)
		buckets += b->tab[LP2P_TABLE_NEW].b[i] != NULL;
	assert_int_equal(buckets, 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 30000; i++) {
			uint32_t r = lp2p_rand_uniform(0xffffffffu);

			snprintf(ip, sizeof(ip), "%u.%u.%u.%u",
			    (r >> 24) % 223 + 1, (r >> 16) & 255,
			    (r >> 8) & 255, r & 255);
			snprintf(src, sizeof(src), "%u.%u.1.1", i % 200 + 1,
			    i % 97);
			(void)lp2p_book_add(b, ip, 5000, src, T0, NULL, NULL);
			snprintf(pid, sizeof(pid), "%s:5000", ip);
			if (i % 3 == 0)
				(void)lp2p_book_upgrade(b, pid, T0, NULL);
			if (i % 1000 == 0)
				check_tables(b);
		}
		check_tables(b);
		/* both tables near their ceilings, none past */
		assert_true(lp2p_book_count(b, 1 << LP2P_TABLE_NEW) > 3600);
		assert_true(lp2p_book_count(b, 1 << LP2P_TABLE_TRIED) > 1800);
		assert_int_equal(b->tab[LP2P_TABLE_NEW].cap,
		    LP2P_BOOK_NEW_BUCKETS * LP2P_BOOK_BUCKET_SIZE);
		/* emptied: the memory stays, the invariants too */
		while (b->tab[LP2P_TABLE_TRIED].n > 0 ||
		    b->tab[LP2P_TABLE_NEW].n > 0) {
			int t = b->tab[LP2P_TABLE_TRIED].n > 0 ?
			    LP2P_TABLE_TRIED : LP2P_TABLE_NEW;
			const struct lp2p__entry *e = b->tab[t].dense[0];

			snprintf(pid, sizeof(pid), "%s:%u", e->ip, e->port);
			assert_int_equal(lp2p_book_remove(b, pid), 0);
		}
		check_tables(b);
	}
	lp2p_rand_seed(0);
	lp2p_book_free(b);
}


/* ---- the file ---- */

static int
collect(const struct lp2p_book_entry *e, void *arg)
{
	jv *a = arg;
	char line[512];

	snprintf(line, sizeof(line), "%s %d %u %s %llu %llu %u %d %d",
	    e->peer_id, e->table, e->bucket, e->source,
	    (unsigned long long)e->date_added,
	    (unsigned long long)e->last_seen, e->failures, e->reputation,
	    e->advertise);
	*a = jv_array_append(*a, jv_string(line));
	return 0;
}

static jv
dump(const struct lp2p_book *b)
{
	jv a = jv_array();

	lp2p_book_foreach(b, 6, collect, &a);
	return a;
}

static char dir[64];

static char *
tmppath(const char *name)
{
	char *p;

	if (dir[0] == '\0') {
		strlcpy(dir, "/tmp/test_book.XXXXXX", sizeof(dir));
		assert_non_null(mkdtemp(dir));
	}
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static void
rmlock(const char *path)
{
	char *l;

	assert_true(asprintf(&l, "%s.lock", path) > 0);
	unlink(l);
	free(l);
}

static struct lp2p_book *
sample_book(void)
{
	struct lp2p_book *b = mkbook(4242);
	struct lp2p_book_entry u;
	static const uint8_t cid[4] = { 0, 0, 0, 1 };
	char ip[24], pid[32];

	lp2p_rand_seed(21);
	assert_int_equal(lp2p_book_set_chain_id(b, cid, 4), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(ip, sizeof(ip), "%d.%d.%d.%d", i % 90 + 1, i % 7,
		    i / 7 % 250, i % 250);
		if (lp2p_book_add(b, ip, (uint16_t)(4000 + i % 3),
		    i % 2 ? "8.8.4.4" : NULL, T0 + (uint64_t)i, NULL, NULL) != 0)
			continue;
		snprintf(pid, sizeof(pid), "%s:%d", ip, 4000 + i % 3);
		if (i % 4 == 0)
			assert_int_equal(lp2p_book_upgrade(b, pid, T0 + 7, NULL),
			    0);
		if (i % 8 == 0) {
			u.last_seen = T0 + 99;
			u.reputation = -5;
			u.advertise = 0;
			assert_int_equal(lp2p_book_update(b, pid,
			    LP2P_UPD_LAST_SEEN | LP2P_UPD_REPUTATION |
			    LP2P_UPD_ADVERTISE | LP2P_UPD_INFO, &u,
			    jv_parse("{\"height\":5,\"os\":\"linux\"}")), 0);
		}
		if (i % 16 == 4)
			assert_int_equal(lp2p_book_downgrade(b, pid, T0),
			    LP2P_MOVE_COUNTED);
	}
	assert_int_equal(lp2p_book_ban(b, "6.6.6.6", 0, T0 + DAY, NULL), 0);
	assert_int_equal(lp2p_book_ban(b, "::ffff:1.2.3.4", 0, T0 + DAY, NULL),
	    0);
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_SEED, "1.0.0.1", 5,
	    NULL), 0);
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_FIXED, "1.0.0.2", 5,
	    NULL), 0);
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_WHITELISTED,
	    "1.0.0.3", 5, NULL), 0);
	assert_int_equal(lp2p_book_list_add(b, LP2P_LIST_BLACKLISTED,
	    "1.0.0.4", 0, NULL), 0);
	lp2p_rand_seed(0);
	return b;
}

static void
test_file_roundtrip(void **state)
{
	struct lp2p_book *b = sample_book(), *c;
	struct lp2p_err err;
	char *path = tmppath("rt.peerbook");
	uint8_t cid[LP2P_BOOK_MAX_CHAIN_ID];
	jv info;
	int fd;

	(void)state;
	fd = lp2p_book_lock(path, 0, &err);
	assert_true(fd >= 0);
	/* a second lock on the same file times out */
	assert_int_equal(lp2p_book_lock(path, 20, &err), LP2P_ETIMEDOUT);
	assert_int_equal(lp2p_book_write(b, path, T0, &err), 0);
	lp2p_book_unlock(fd);
	assert_int_equal(lp2p_book_load(&c, path, &err), 0);
	assert_true(jv_equal(dump(b), dump(c)));
	assert_int_equal(lp2p_book_secret(c), 4242);
	assert_int_equal(lp2p_book_chain_id(c, cid), 4);
	assert_int_equal(cid[3], 1);
	assert_int_equal(lp2p_book_ban_count(c), 2);
	assert_true(lp2p_book_is_banned(c, "6.6.6.6", T0));
	assert_true(lp2p_book_is_banned(c, "1.0.0.4", T0));
	assert_int_equal(lp2p_book_kind(c, "1.0.0.2"), LP2P_KIND_FIXED);
	assert_int_equal(lp2p_book_list_count(c, LP2P_LIST_SEED), 1);
	assert_int_equal(lp2p_book_list_count(c, LP2P_LIST_WHITELISTED), 1);
	info = lp2p_book_info(c, "1.0.0.0:4000");
	assert_int_equal(jv_get_kind(info), JV_KIND_OBJECT);
	jv_free(info);
	assert_false(lp2p_book_changed(c, path));
	/* the same content as jv; pretty-printed (as by jq .) and with
	 * \u escapes (the general reader) it loads the same */
	info = lp2p_book_to_jv(c, T0);
	assert_int_equal(jv_get_kind(info), JV_KIND_OBJECT);
	{
		jv pretty = jv_dump_string(jv_copy(info), JV_PRINT_PRETTY |
		    JV_PRINT_ASCII);
		jv esc = jv_dump_string(jv_copy(info), 0);
		struct lp2p_book *d;
		char *e2 = strdup(jv_string_value(esc)), *q;

		assert_int_equal(lp2p_book_load_mem(&d, jv_string_value(pretty),
		    strlen(jv_string_value(pretty)), "pretty", &err), 0);
		assert_true(jv_equal(dump(c), dump(d)));
		lp2p_book_free(d);
		/* "format" spelt with an escape: the general reader */
		q = strstr(e2, "liskp2p-peerbook");
		assert_non_null(q);
		{
			char *t;

			*q = '\0';
			assert_true(asprintf(&t, "%s\\u006c%s", e2, q + 1) > 0);
			assert_int_equal(lp2p_book_load_mem(&d, t, strlen(t),
			    "escaped", &err), 0);
			assert_true(jv_equal(dump(c), dump(d)));
			lp2p_book_free(d);
			free(t);
		}
		jv_free(pretty);
		jv_free(esc);
		free(e2);
	}
	jv_free(info);
	lp2p_book_free(c);
	assert_int_equal(lp2p_book_load(&c, "/nonexistent/x", &err),
	    LP2P_ENOTFOUND);
	assert_null(c);
	lp2p_book_free(b);
	unlink(path);
	rmlock(path);
	free(path);
}

static void
test_file_invalid(void **state)
{
	static const struct { const char *text; int rc; const char *msg; }
	    cases[] = {
		{ "", LP2P_EINVAL, "not JSON" },
		{ "[1]", LP2P_EINVAL, "not a JSON object" },
		{ "{\"format\":\"x\"}", LP2P_EINVAL, "'format'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":2}",
		    LP2P_EVERSION, "format version 2 is newer" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":0}",
		    LP2P_EINVAL, "'version'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":-1}", LP2P_EINVAL, "'secret'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,\"x\":1}",
		    LP2P_EINVAL, "unknown field 'x'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"0\",\"peers\":[]}",
		    LP2P_EINVAL, "'chainID'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":{}}",
		    LP2P_EINVAL, "'peers'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[{"
		    "\"ipAddress\":\"1.2.3.4\",\"port\":1,\"table\":\"new\","
		    "\"bucket\":0,\"dateAdded\":0}]}", LP2P_EINVAL,
		    "peers[0] (1.2.3.4:1): 'bucket': 0, but" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[{"
		    "\"ipAddress\":\"1.2.3.4\",\"port\":70000}]}", LP2P_EINVAL,
		    "peers[0] (1.2.3.4): 'port': not an integer" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[{"
		    "\"ipAddress\":\"1.2.3.4\",\"port\":1,\"table\":\"old\"}]}",
		    LP2P_EINVAL, "'table'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[{"
		    "\"ipAddress\":\"1.2.3.4\",\"port\":1,\"tabel\":\"new\"}]}",
		    LP2P_EINVAL, "unknown field 'tabel'" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[],\"bans\":[{"
		    "\"ip\":\"x\",\"until\":5}]}", LP2P_EINVAL, "bans[0]" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[],\"lists\":{"
		    "\"seed\":[\"1.2.3.4\"]}}", LP2P_EINVAL,
		    "'lists.seed'[0]" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[],\"lists\":{"
		    "\"gray\":[]}}", LP2P_EINVAL, "unknown list 'gray'" },
		/* libjq would keep the second "bans" without a word */
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[],\"bans\":[{"
		    "\"ip\":\"x\",\"until\":5}],\"bans\":[]}", LP2P_EINVAL,
		    "member 'bans' appears twice" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"bans\":[],\"peers\":[],"
		    "\"bans\":[]}", LP2P_EINVAL, "member 'bans' appears twice" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"\",\"lists\":{},\"peers\":[],"
		    "\"bans\":[],\"lists\":{}}", LP2P_EINVAL,
		    "member 'lists' appears twice" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":99,"
		    "\"secret\":1,\"chainID\":\"\",\"peers\":[],"
		    "\"versio\\u006e\":1}", LP2P_EINVAL,
		    "member 'version' appears twice" },
		{ "{\"format\":\"liskp2p-peerbook\",\"version\":1,"
		    "\"secret\":1,\"chainID\":\"00\",\"peers\":[]}", 0, NULL },
	};
	struct lp2p_book *b;
	struct lp2p_err err;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		/* the general reader alone: the same verdict */
		assert_int_equal(lp2p__book_load_jv(&b, cases[i].text,
		    strlen(cases[i].text), "F", &err), cases[i].rc);
		lp2p_book_free(b);
		err.msg[0] = '\0';
		assert_int_equal(lp2p_book_load_mem(&b, cases[i].text,
		    strlen(cases[i].text), "F", &err), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_non_null(b);
			lp2p_book_free(b);
			continue;
		}
		assert_null(b);
		if (strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg,
			    cases[i].msg);
	}
}

/* Two writers on one file: each change survives the other's save. */
static void
test_file_sync(void **state)
{
	struct lp2p_book *a = mkbook(99), *b, *c;
	struct lp2p_err err;
	char *path = tmppath("sync.peerbook"), ip[48], pid[64];
	int fd;

	(void)state;
	/* few peers, so that no bucket is full and nothing is evicted */
	assert_int_equal(lp2p_book_add(a, "1.0.0.0", 4000, NULL, T0, NULL,
	    NULL), 0);
	fd = lp2p_book_lock(path, 0, &err);
	assert_int_equal(lp2p_book_write(a, path, T0, &err), 0);
	lp2p_book_unlock(fd);
	lp2p_book_free(a);
	assert_int_equal(lp2p_book_load(&a, path, &err), 0);
	assert_int_equal(lp2p_book_load(&b, path, &err), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(ip, sizeof(ip), "200.1.%d.%d", i, i);
		assert_int_equal(lp2p_book_add(a, ip, 1, NULL, T0, NULL, NULL),
		    0);
		snprintf(ip, sizeof(ip), "201.1.%d.%d", i, i);
		assert_int_equal(lp2p_book_add(b, ip, 1, NULL, T0, NULL, NULL),
		    0);
	}
	assert_int_equal(lp2p_book_remove(b, "1.0.0.0:4000"), 0);
	assert_int_equal(lp2p_book_ban(a, "7.7.7.7", 0, T0 + DAY, NULL), 0);
	assert_int_equal(lp2p_book_sync(a, path, T0, &err), 0);
	assert_false(lp2p_book_changed(a, path));
	assert_true(lp2p_book_changed(b, path));
	assert_int_equal(lp2p_book_sync(b, path, T0, &err), 0);
	/* b now has a's changes too */
	assert_int_equal(lp2p_book_lookup(b, "200.1.5.5:1", NULL), 0);
	assert_true(lp2p_book_is_banned(b, "7.7.7.7", T0));
	assert_int_equal(lp2p_book_load(&c, path, &err), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(pid, sizeof(pid), "200.1.%d.%d:1", i, i);
		if (lp2p_book_lookup(c, pid, NULL) != 0)
			fail_msg("%s lost", pid);
		snprintf(pid, sizeof(pid), "201.1.%d.%d:1", i, i);
		if (lp2p_book_lookup(c, pid, NULL) != 0)
			fail_msg("%s lost", pid);
	}
	assert_int_equal(lp2p_book_lookup(c, "1.0.0.0:4000", NULL),
	    LP2P_ENOTFOUND);
	assert_true(lp2p_book_is_banned(c, "7.7.7.7", T0));
	/* a file that fails validation is neither merged nor overwritten */
	lp2p_book_free(c);
	{
		FILE *f = fopen(path, "w");

		fputs("{\"format\":\"liskp2p-peerbook\",\"version\":9}", f);
		fclose(f);
	}
	assert_int_equal(lp2p_book_sync(a, path, T0, &err), LP2P_EVERSION);
	assert_int_equal(lp2p_book_load(&c, path, &err), LP2P_EVERSION);
	lp2p_book_free(a);
	lp2p_book_free(b);
	unlink(path);
	rmlock(path);
	free(path);
}


/* lp2p_book_open: the one way to open or create a chain's book. */
static void
test_file_open(void **state)
{
	static const uint8_t cid[4] = { 0, 0, 0, 0 }, other[4] = { 1, 0, 0, 0 };
	char *path = tmppath("open.peerbook"), *nochain = tmppath("nc.peerbook");
	struct lp2p_book *b, *b2;
	struct lp2p_err e;
	uint8_t got[LP2P_BOOK_MAX_CHAIN_ID];

	(void)state;
	/* absent: ENOTFOUND unless asked to create */
	assert_int_equal(lp2p_book_open(&b, path, cid, 4, 7, 0, 1000, &e),
	    LP2P_ENOTFOUND);
	assert_null(b);
	assert_int_equal(lp2p_book_open(&b, path, cid, 4, 7, 1, 1000, &e), 0);
	assert_int_equal(lp2p_book_secret(b), 7);
	assert_int_equal(lp2p_book_add(b, "1.2.3.4", 5, NULL, 1000, NULL, &e),
	    0);
	assert_int_equal(lp2p_book_sync(b, path, 2000, &e), 0);
	/* the file exists now: loaded, not replaced (secret 9 unused) */
	assert_int_equal(lp2p_book_open(&b2, path, cid, 4, 9, 1, 3000, &e), 0);
	assert_int_equal(lp2p_book_secret(b2), 7);
	assert_int_equal(lp2p_book_lookup(b2, "1.2.3.4:5", NULL), 0);
	lp2p_book_free(b2);
	/* any chain (len 0) opens it; another chain is refused by name */
	assert_int_equal(lp2p_book_open(&b2, path, NULL, 0, 0, 0, 3000, &e), 0);
	lp2p_book_free(b2);
	assert_int_equal(lp2p_book_open(&b2, path, other, 4, 0, 1, 3000, &e),
	    LP2P_EINVAL);
	assert_null(b2);
	assert_non_null(strstr(e.msg, "the book is for another chain ID"));
	assert_non_null(strstr(e.msg, "'00000000', not the one asked for "
	    "('01000000')"));
	lp2p_book_free(b);
	/* a book without a chain ID takes the one asked for */
	assert_int_equal(lp2p_book_open(&b, nochain, NULL, 0, 3, 1, 1000, &e),
	    0);
	assert_int_equal(lp2p_book_chain_id(b, got), 0);
	lp2p_book_free(b);
	assert_int_equal(lp2p_book_open(&b, nochain, other, 4, 0, 0, 1000, &e),
	    0);
	assert_int_equal(lp2p_book_chain_id(b, got), 4);
	assert_memory_equal(got, other, 4);
	lp2p_book_free(b);
	unlink(path);
	rmlock(path);
	unlink(nochain);
	rmlock(nochain);
	free(path);
	free(nochain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup),
		cmocka_unit_test(test_eviction_new),
		cmocka_unit_test(test_movements),
		cmocka_unit_test(test_tried_full),
		cmocka_unit_test(test_bans),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_book_select_connect),
		cmocka_unit_test(test_lip4_simulation),
		cmocka_unit_test(test_tables_on_demand),
		cmocka_unit_test(test_file_roundtrip),
		cmocka_unit_test(test_file_invalid),
		cmocka_unit_test(test_file_sync),
		cmocka_unit_test(test_file_open),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (dir[0] != '\0')
		rmdir(dir);
	return rc;
}
