/*
 * book-bench.c — the PeerBook on a full book: add, lookup, the selection
 * functions, and load and save of the full file.  Prints one NDJSON line
 * per measure: {"bench":"book","op":...,"n":...,"ns_per_op":...}.
 * usage: book-bench DIR (where the file is saved)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liskp2p.h"

#define NADD	200000

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
report(const char *op, long n, double ns)
{
	printf("{\"bench\":\"book\",\"op\":\"%s\",\"n\":%ld,\"ns_per_op\":%.1f}\n",
	    op, n, ns / n);
}

static int
collect(const struct lp2p_book_entry *e, void *arg)
{
	char (**ids)[LP2P_PEERID_STRLEN] = arg;

	strcpy(**ids, e->peer_id);
	(*ids)++;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct lp2p_book *b, *c;
	struct lp2p_book_entry out[256];
	struct lp2p_peerref *refs;
	const struct lp2p_peerref **sel;
	struct lp2p_err err;
	char ip[32], src[32], pid[64], path[4096];
	char (*ids)[LP2P_PEERID_STRLEN], (*p)[LP2P_PEERID_STRLEN];
	const char *ex[20];
	size_t n;
	double t;
	uint64_t ms = 1800000000000ULL;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: book-bench dir\n");
		return 2;
	}
	lp2p_rand_seed(1);
	lp2p_book_new(&b, 12345, NULL);
	t = now_ns();
	for (int i = 0; i < NADD; i++) {
		uint32_t r = lp2p_rand_uniform(0xffffffffu);

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", (r >> 24) % 223 + 1,
		    (r >> 16) & 255, (r >> 8) & 255, r & 255);
		snprintf(src, sizeof(src), "%u.%u.0.1", i % 211 + 1, i % 97);
		(void)lp2p_book_add(b, ip, 7667, src, ms, NULL, NULL);
		if (i % 2 == 0) {
			snprintf(pid, sizeof(pid), "%s:7667", ip);
			(void)lp2p_book_upgrade(b, pid, ms, NULL);
		}
	}
	report("add+upgrade (fill)", NADD, now_ns() - t);
	n = lp2p_book_count(b, 6);
	fprintf(stderr, "book: %zu new, %zu tried\n", lp2p_book_count(b, 2),
	    lp2p_book_count(b, 4));
	ids = calloc(n, sizeof(*ids));
	p = ids;
	lp2p_book_foreach(b, 6, collect, &p);
	t = now_ns();
	for (int i = 0; i < 1000000; i++)
		if (lp2p_book_lookup(b, ids[(size_t)i % n], out) != 0)
			abort();
	report("lookup", 1000000, now_ns() - t);
	t = now_ns();
	for (int i = 0; i < 100000; i++) {
		uint32_t r = lp2p_rand_uniform(0xffffffffu);

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", (r >> 24) % 223 + 1,
		    (r >> 16) & 255, (r >> 8) & 255, r & 255);
		(void)lp2p_book_add(b, ip, 7668, NULL, ms, NULL, NULL);
	}
	report("add to a full book", 100000, now_ns() - t);
	for (int i = 0; i < 20; i++)
		ex[i] = ids[(size_t)i * 97 % n];
	t = now_ns();
	for (int i = 0; i < 100000; i++)
		if (lp2p_book_select_connect(b, ex, 20, 20, out, 256) <= 0)
			abort();
	report("select connect (20 of full, 20 excluded)", 100000,
	    now_ns() - t);
	/* send/request over 120 connected peers */
	refs = calloc(120, sizeof(*refs));
	sel = calloc(120, sizeof(*sel));
	for (int i = 0; i < 120; i++) {
		refs[i].peer_id = ids[i];
		refs[i].ip = ids[i];
		refs[i].outbound = i < 20;
		refs[i].reputation = 100;
	}
	t = now_ns();
	for (int i = 0; i < 100000; i++)
		if (lp2p_select_for_send(refs, 120, 16, sel) == 0)
			abort();
	report("select send (16 of 120)", 100000, now_ns() - t);
	t = now_ns();
	for (int i = 0; i < 100000; i++)
		if (lp2p_select_for_request(refs, 120, 1, sel) != 1)
			abort();
	report("select request (1 of 120)", 100000, now_ns() - t);
	t = now_ns();
	for (int i = 0; i < 10000; i++)
		if (lp2p_book_sample(b, 200, out) != 200)
			abort();
	report("sample 200 (getPeers reply)", 10000, now_ns() - t);
	/* the file */
	snprintf(path, sizeof(path), "%s/full.peerbook", argv[1]);
	fd = lp2p_book_lock(path, 1000, &err);
	t = now_ns();
	for (int i = 0; i < 20; i++)
		if (lp2p_book_write(b, path, ms, &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
	report("save full file (incl. fsync)", 20, now_ns() - t);
	lp2p_book_unlock(fd);
	t = now_ns();
	for (int i = 0; i < 20; i++) {
		if (lp2p_book_load(&c, path, &err) != 0) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		lp2p_book_free(c);
	}
	report("load full file", 20, now_ns() - t);
	free(sel);
	free(refs);
	free(ids);
	lp2p_book_free(b);
	return 0;
}
