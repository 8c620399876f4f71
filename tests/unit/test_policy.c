/*
 * test_policy.c — the local policy's memory (lib/policy.c) and the book's
 * bans in bounded memory (issue 12): exponential back-off, IsTerrible,
 * the per-source learning cap, and 100,000 bans; the tables of the
 * policy and of the pool's recent addresses grow on demand.
 */
#include <arpa/inet.h>

#include "unit.h"
#include "policy.h"
#include "book.h"
#include "node_int.h"

static void
test_backoff(void **state)
{
	struct lp2p__policy *p;
	uint64_t t = 1000000;

	(void)state;
	assert_int_equal(lp2p__policy_new(&p), 0);
	assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 5, t));
	/* 10 s, 20 s, 40 s ... after each failure */
	for (unsigned i = 1; i <= 4; i++) {
		uint64_t wait = 10000ULL << (i - 1);

		lp2p__policy_dial_failed(p, "1.2.3.4", 5, t, 10000);
		assert_int_equal(lp2p__policy_failures(p, "1.2.3.4", 5), i);
		assert_false(lp2p__policy_may_dial(p, "1.2.3.4", 5,
		    t + wait - 1));
		assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 5, t + wait));
		t += wait;
	}
	/* another port of the IP is another address */
	assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 6, t - 1));
	/* the ceiling: an hour */
	for (int i = 0; i < 30; i++)
		lp2p__policy_dial_failed(p, "1.2.3.4", 5, t, 10000);
	assert_false(lp2p__policy_may_dial(p, "1.2.3.4", 5, t + 3599999));
	assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 5, t + 3600000));
	/* terrible: not learned again, from any source */
	assert_false(lp2p__policy_learn(p, "9.9.9.9", "1.2.3.4", 5, t));
	assert_true(lp2p__policy_learn(p, "9.9.9.9", "1.2.3.4", 6, t));
	/* a success forgets it all */
	lp2p__policy_dial_ok(p, "1.2.3.4", 5);
	assert_int_equal(lp2p__policy_failures(p, "1.2.3.4", 5), 0);
	assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 5, t));
	assert_true(lp2p__policy_learn(p, "9.9.9.9", "1.2.3.4", 5, t));
	lp2p__policy_free(p);
}

static void
test_failures_bounded(void **state)
{
	struct lp2p__policy *p;
	char ip[32];
	unsigned kept = 0;

	(void)state;
	assert_int_equal(lp2p__policy_new(&p), 0);
	/* 100,000 failing addresses: the table stays its fixed size */
	for (int i = 0; i < 100000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		lp2p__policy_dial_failed(p, ip, 1, 1000 + (uint64_t)i, 10000);
	}
	for (int i = 0; i < 100000; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
		    i & 255);
		kept += lp2p__policy_failures(p, ip, 1) > 0;
	}
	assert_true(kept <= LP2P_POLICY_FAIL_SLOTS);
	assert_true(kept >= LP2P_POLICY_FAIL_SLOTS / 2);
	print_message("policy: %u of 100000 failing addresses remembered "
	    "(a fixed table of %d)\n", kept, LP2P_POLICY_FAIL_SLOTS);
	lp2p__policy_free(p);
}

/*
 * The tables' pages come on demand (policy.c): none while idle, and the
 * flat table's behaviour exactly.  A model of the flat 4096-slot table
 * (same slot hash, 8 slots probed, a free or the oldest replaced) runs
 * beside the policy through random failures and successes; every
 * address must have the same failure count in both (nothing lost,
 * nothing kept beyond the ceiling), and the memory stays under the flat
 * table's plus one pointer per page.
 */
struct mfail {
	uint64_t	 key, next;
	uint32_t	 fails;
};

static struct mfail *
model_find(struct mfail *m, uint64_t key, bool make)
{
	size_t s = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 40) %
	    LP2P_POLICY_FAIL_SLOTS;
	struct mfail *old = NULL;

	for (size_t i = 0; i < 8; i++) {
		struct mfail *e = &m[(s + i) % LP2P_POLICY_FAIL_SLOTS];

		if (e->key == key)
			return e;
		if (old == NULL || e->key == 0 ||
		    (old->key != 0 && e->next < old->next))
			old = e;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	old->key = key;
	return old;
}

/* A failure of ip:port at now in the policy and the model. */
static void
both_failed(struct lp2p__policy *p, struct mfail *m, const char *ip,
    uint16_t port, uint64_t now)
{
	struct in_addr a;
	struct mfail *f;

	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	lp2p__policy_dial_failed(p, ip, port, now, 10000);
	f = model_find(m, (uint64_t)ntohl(a.s_addr) << 16 | port, true);
	if (f->fails < 64)
		f->fails++;
	f->next = now + ((uint64_t)10000 << (f->fails < 20 ? f->fails - 1 :
	    19));
	if (f->next > now + LP2P_POLICY_BACKOFF_MAX)
		f->next = now + LP2P_POLICY_BACKOFF_MAX;
}

static void
test_tables_on_demand(void **state)
{
	/* the flat tables: 24-byte slots, 16-byte tests, 8-byte pointers */
	const size_t flat = (LP2P_POLICY_FAIL_SLOTS + LP2P_POLICY_SOURCES) *
	    24 + LP2P_POLICY_EVICT_TESTS * 16;
	const size_t pages = (LP2P_POLICY_FAIL_SLOTS + LP2P_POLICY_SOURCES) /
	    64 * sizeof(void *);
	struct mfail *m = calloc(LP2P_POLICY_FAIL_SLOTS, sizeof(*m));
	struct lp2p__policy *p;
	char ip[32];
	size_t idle;
	unsigned kept = 0;

	(void)state;
	assert_non_null(m);
	assert_int_equal(lp2p__policy_new(&p), 0);
	idle = lp2p__policy_bytes(p);
	assert_true(idle < 2048);
	/* reads and successes allocate nothing */
	assert_true(lp2p__policy_may_dial(p, "1.2.3.4", 5, 1));
	lp2p__policy_dial_ok(p, "1.2.3.4", 5);
	assert_true(lp2p__policy_learn(p, NULL, "1.2.3.4", 5, 1));
	assert_int_equal(lp2p__policy_refused(p, "9.9.9.9"), 0);
	assert_int_equal(lp2p__policy_bytes(p), idle);
	/* one failure, one source: one page each */
	both_failed(p, m, "1.2.3.4", 5, 1);
	assert_true(lp2p__policy_learn(p, "9.9.9.9", "1.2.3.5", 5, 1));
	assert_true(lp2p__policy_bytes(p) > idle);
	assert_true(lp2p__policy_bytes(p) <= idle + 2 * 64 * 24);
	/* 60,000 random failures and successes over 12,000 addresses */
	for (int i = 0; i < 60000; i++) {
		uint32_t a = 0x0a000000u | arc4random_uniform(12000);
		uint64_t now = 1000 + (uint64_t)i, key = (uint64_t)a << 16 | 7;
		struct mfail *f;

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24,
		    (a >> 16) & 255, (a >> 8) & 255, a & 255);
		if (arc4random_uniform(4) == 0) {
			lp2p__policy_dial_ok(p, ip, 7);
			if ((f = model_find(m, key, false)) != NULL)
				memset(f, 0, sizeof(*f));
		} else
			both_failed(p, m, ip, 7, now);
	}
	for (uint32_t i = 0; i < 12000; i++) {
		uint32_t a = 0x0a000000u | i;
		const struct mfail *f = model_find(m, (uint64_t)a << 16 | 7,
		    false);

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a >> 24,
		    (a >> 16) & 255, (a >> 8) & 255, a & 255);
		assert_int_equal(lp2p__policy_failures(p, ip, 7),
		    f == NULL ? 0 : f->fails);
		kept += f != NULL;
	}
	assert_true(kept > LP2P_POLICY_FAIL_SLOTS / 2);
	assert_true(kept <= LP2P_POLICY_FAIL_SLOTS);
	/* 5,000 sources: every page of both tables, no more */
	for (int i = 0; i < 5000; i++) {
		snprintf(ip, sizeof(ip), "11.0.%d.%d", i >> 8, i & 255);
		(void)lp2p__policy_learn(p, ip, "1.1.1.1", 1, 1);
	}
	assert_true(lp2p__policy_bytes(p) > flat);
	assert_true(lp2p__policy_bytes(p) <= flat + pages);
	print_message("policy: %zu bytes idle, %zu full (flat tables %zu)\n",
	    idle, lp2p__policy_bytes(p), flat);
	lp2p__policy_free(p);
	free(m);
}

/*
 * The pool's recent addresses (our getPeers, the shuffle's evictions)
 * grow on demand: the same answers as the flat table of
 * LP2P_NODE_RECENT they replaced (own slot, else the first unused, else
 * the oldest), never more slots than that.
 */
static void
test_recents_on_demand(void **state)
{
	struct lp2p__recent m[LP2P_NODE_RECENT];
	struct lp2p__recents t = { NULL, 0 };
	char id[64];

	(void)state;
	memset(m, 0, sizeof(m));
	assert_int_equal(lp2p__recent_get(&t, "1.2.3.4:5"), 0);
	assert_int_equal(t.n, 0);
	for (uint64_t now = 1; now <= 20000; now++) {
		size_t k = 0;

		snprintf(id, sizeof(id), "10.0.%u.%u:7",
		    arc4random_uniform(2), arc4random_uniform(150));
		lp2p__recent_put(&t, id, now);
		for (size_t i = 0; i < LP2P_NODE_RECENT; i++) {
			if (m[i].at != 0 && strcmp(m[i].id, id) == 0) {
				k = i;
				break;
			}
			if (m[i].at < m[k].at)
				k = i;
		}
		strlcpy(m[k].id, id, sizeof(m[k].id));
		m[k].at = now;
		assert_true(t.n >= 8 && t.n <= LP2P_NODE_RECENT);
		if (now % 97 != 0 && now > 300)
			continue;
		for (unsigned a = 0; a < 2; a++)
			for (unsigned b = 0; b < 150; b++) {
				uint64_t at = 0;

				snprintf(id, sizeof(id), "10.0.%u.%u:7", a, b);
				for (size_t i = 0; i < LP2P_NODE_RECENT; i++)
					if (m[i].at != 0 &&
					    strcmp(m[i].id, id) == 0)
						at = m[i].at;
				assert_int_equal(lp2p__recent_get(&t, id), at);
			}
	}
	assert_int_equal(t.n, LP2P_NODE_RECENT);
	free(t.v);
}

static void
test_source_cap(void **state)
{
	struct lp2p__policy *p;
	char ip[32];
	unsigned in = 0;

	(void)state;
	assert_int_equal(lp2p__policy_new(&p), 0);
	/* five replies of 200 from one seed */
	for (int r = 1; r <= 5; r++)
		for (int i = 1; i <= 200; i++) {
			snprintf(ip, sizeof(ip), "127.74.%d.%d", r, i);
			in += lp2p__policy_learn(p, "127.0.0.9", ip, 20000,
			    1000000 + (uint64_t)r * 30000);
		}
	assert_int_equal(in, LP2P_POLICY_SOURCE_CAP);
	assert_int_equal(lp2p__policy_refused(p, "127.0.0.9"),
	    1000 - LP2P_POLICY_SOURCE_CAP);
	/* another source is not affected; no source is not capped */
	assert_true(lp2p__policy_learn(p, "127.0.0.8", "1.1.1.1", 1, 1000000));
	assert_true(lp2p__policy_learn(p, NULL, "1.1.1.2", 1, 1000000));
	/* the next window starts afresh */
	assert_true(lp2p__policy_learn(p, "127.0.0.9", "1.1.1.3", 1,
	    1000000 + 30000 + LP2P_POLICY_SOURCE_WINDOW));
	assert_int_equal(lp2p__policy_refused(p, "127.0.0.9"), 0);
	lp2p__policy_free(p);
}

/*
 * A simulation, our rules against the reference's: for an hour a peer
 * offers a dead address in every getPeers reply (every 30 s) and the
 * populator runs every 10 s.  The reference learns it again at once
 * after each failure removed it from new, and dials it at the next round;
 * we back off and, at the 5th failure, stop learning it (IsTerrible).
 */
static void
test_failing_address_sim(void **state)
{
	struct lp2p__policy *p;
	bool ref_known = false, our_known = false;
	int ref_dials = 0, our_dials = 0;

	(void)state;
	assert_int_equal(lp2p__policy_new(&p), 0);
	for (uint64_t t = 1000000; t < 1000000 + 3600000; t += 10000) {
		if ((t - 1000000) % 30000 == 0) {
			ref_known = true;
			if (!our_known && lp2p__policy_learn(p, "5.5.5.5",
			    "6.6.6.6", 7, t))
				our_known = true;
		}
		if (ref_known) {
			ref_dials++;
			ref_known = false;	/* new entry: removed */
		}
		if (our_known && lp2p__policy_may_dial(p, "6.6.6.6", 7, t)) {
			our_dials++;
			our_known = false;
			lp2p__policy_dial_failed(p, "6.6.6.6", 7, t, 10000);
		}
	}
	print_message("sim: a dead address offered every 30 s for an hour: "
	    "the reference dials it %d times, this node %d\n", ref_dials,
	    our_dials);
	assert_int_equal(ref_dials, 120);
	assert_int_equal(our_dials, LP2P_POLICY_TERRIBLE);
	lp2p__policy_free(p);
}

/*
 * 100,000 banned IPs: the book keeps the LP2P_BOOK_MAX_BANS that end last,
 * each costing one struct lp2p__ban and one heap pointer; no timer.
 */
static void
test_bans_bounded(void **state)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	char ip[32];
	size_t per = sizeof(struct lp2p__ban) + sizeof(struct lp2p__ban *);

	(void)state;
	assert_int_equal(lp2p_book_new(&b, 1, &e), 0);
	for (int i = 0; i < 100000; i++) {
		snprintf(ip, sizeof(ip), "11.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		/* ends in a scrambled order */
		assert_int_equal(lp2p_book_ban(b, ip, 0, 1000000 +
		    (uint64_t)((i * 7919) % 100000), &e), 0);
	}
	assert_int_equal(lp2p_book_ban_count(b), LP2P_BOOK_MAX_BANS);
	/* those kept are those that end last */
	for (int i = 0; i < 100000; i += 97) {
		uint64_t until = 1000000 + (uint64_t)((i * 7919) % 100000);

		snprintf(ip, sizeof(ip), "11.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		assert_int_equal(lp2p_book_is_banned(b, ip, 0),
		    until >= 1000000 + 100000 - LP2P_BOOK_MAX_BANS);
	}
	/* an extended ban moves in the heap; an unban leaves it */
	assert_int_equal(lp2p_book_ban(b, "11.0.0.1", 0, 5000000, &e), 0);
	assert_int_equal(lp2p_book_unban(b, "11.0.0.5"), 0);
	assert_int_equal(lp2p_book_unban(b, "11.0.0.2"), LP2P_ENOTFOUND);
	/*
	 * expiry: exactly the ended ones go; left: the 9,999 ending after
	 * 1,090,000 and the extended one
	 */
	lp2p_book_expire(b, 1000000 + 90000);
	assert_true(lp2p_book_is_banned(b, "11.0.0.1", 4999999));
	assert_int_equal(lp2p_book_ban_count(b), 10000);
	lp2p_book_expire(b, 9000000);
	assert_int_equal(lp2p_book_ban_count(b), 0);
	print_message("bans: %d of 100000 kept, %zu bytes each (+ malloc "
	    "overhead): %zu KiB\n", LP2P_BOOK_MAX_BANS, per,
	    per * LP2P_BOOK_MAX_BANS / 1024);
	assert_true(per <= 112);
	lp2p_book_free(b);
}

/* A node with only what the admission rules read: config and peers. */
static struct npeer *
add_peer(struct lp2p_node *n, const char *ip, bool inbound, int kind)
{
	struct npeer *np = calloc(1, sizeof(*np));

	strlcpy(np->ip, ip, sizeof(np->ip));
	np->inbound = inbound;
	np->kind = kind;
	TAILQ_INSERT_TAIL(&n->peers, np, entry);
	return np;
}

static void
free_peers(struct lp2p_node *n)
{
	struct npeer *np;

	while ((np = TAILQ_FIRST(&n->peers)) != NULL) {
		TAILQ_REMOVE(&n->peers, np, entry);
		free(np);
	}
}

static void
test_admission(void **state)
{
	struct lp2p_node *n = calloc(1, sizeof(*n));
	char why[128], ip[32];

	(void)state;
	TAILQ_INIT(&n->peers);
	lp2p_node_config_init(&n->cfg);
	/* defaults: 4 per routable IP, 16 per routable /16 */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lp2p__policy_inbound(n, "8.8.8.8", 0, why,
		    sizeof(why)), 0);
		add_peer(n, "8.8.8.8", true, 0);
	}
	assert_int_equal(lp2p__policy_inbound(n, "8.8.8.8", 0, why,
	    sizeof(why)), LP2P_CLOSE_EVICTED);
	assert_string_equal(why, "More than 4 connections from 8.8.8.8");
	/* a whitelisted (or fixed, seed) peer is not limited */
	assert_int_equal(lp2p__policy_inbound(n, "8.8.8.8",
	    LP2P__KIND_WHITELISTED, why, sizeof(why)), 0);
	for (int i = 0; i < 12; i++) {
		snprintf(ip, sizeof(ip), "8.8.1.%d", i);
		add_peer(n, ip, true, 0);
	}
	assert_int_equal(lp2p__policy_inbound(n, "8.8.200.1", 0, why,
	    sizeof(why)), LP2P_CLOSE_EVICTED);
	assert_string_equal(why, "More than 16 connections from 8.8.0.0/16");
	assert_int_equal(lp2p__policy_inbound(n, "8.9.0.1", 0, why,
	    sizeof(why)), 0);
	/* loopback and private: no default limit */
	for (int i = 0; i < 30; i++)
		add_peer(n, "127.0.0.1", true, 0);
	assert_int_equal(lp2p__policy_inbound(n, "127.0.0.1", 0, why,
	    sizeof(why)), 0);
	assert_int_equal(lp2p__policy_inbound(n, "10.0.0.1", 0, why,
	    sizeof(why)), 0);
	/* given explicitly, the limit holds for them too */
	n->cfg.max_inbound_per_ip = 10;
	assert_int_equal(lp2p__policy_inbound(n, "127.0.0.1", 0, why,
	    sizeof(why)), LP2P_CLOSE_EVICTED);
	free_peers(n);
	/* outbound: 2 per routable /16, fixed and seeds exempt */
	add_peer(n, "8.8.4.4", false, 0);
	assert_true(lp2p__policy_outbound_ok(n, "8.8.8.8", 0));
	add_peer(n, "8.8.8.8", false, 0);
	add_peer(n, "8.8.9.9", false, LP2P__KIND_FIXED);
	assert_false(lp2p__policy_outbound_ok(n, "8.8.1.1", 0));
	assert_true(lp2p__policy_outbound_ok(n, "8.8.1.1", LP2P__KIND_FIXED));
	assert_true(lp2p__policy_outbound_ok(n, "8.8.1.1", LP2P__KIND_SEED));
	assert_true(lp2p__policy_outbound_ok(n, "8.9.1.1", 0));
	add_peer(n, "127.0.0.2", false, 0);
	add_peer(n, "127.0.0.3", false, 0);
	assert_true(lp2p__policy_outbound_ok(n, "127.0.0.4", 0));
	free_peers(n);
	lp2p_node_config_release(&n->cfg);
	free(n);
}

static void
test_evict_tests(void **state)
{
	struct lp2p__policy *p;
	char ip[48], vip[32];
	uint16_t port;

	(void)state;
	assert_int_equal(lp2p__policy_new(&p), 0);
	assert_true(lp2p__policy_evict_test_start(p, "1.1.1.1", 5, "2.2.2.2",
	    6));
	/* one test per old address */
	assert_false(lp2p__policy_evict_test_start(p, "1.1.1.9", 5,
	    "2.2.2.2", 6));
	assert_int_equal(lp2p__policy_evict_test_end(p, "2.2.2.3", 6, ip,
	    sizeof(ip), &port), 0);
	assert_int_equal(lp2p__policy_evict_test_end(p, "2.2.2.2", 6, ip,
	    sizeof(ip), &port), 1);
	assert_string_equal(ip, "1.1.1.1");
	assert_int_equal(port, 5);
	/* bounded: at most LP2P_POLICY_EVICT_TESTS at once */
	for (int i = 0; i < LP2P_POLICY_EVICT_TESTS; i++) {
		snprintf(vip, sizeof(vip), "3.3.3.%d", i);
		assert_true(lp2p__policy_evict_test_start(p, "1.1.1.1", 5,
		    vip, 1));
	}
	assert_false(lp2p__policy_evict_test_start(p, "1.1.1.1", 5,
	    "4.4.4.4", 1));
	lp2p__policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_failures_bounded),
		cmocka_unit_test(test_tables_on_demand),
		cmocka_unit_test(test_recents_on_demand),
		cmocka_unit_test(test_source_cap),
		cmocka_unit_test(test_failing_address_sim),
		cmocka_unit_test(test_bans_bounded),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_evict_tests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
