/*
 * p2p-peers — look at and change a PeerBook file, offline or beside a
 * running node.  Readers load the file (replaced atomically, so always
 * whole); writers take the book's lock, load, change, save and release, so
 * that no change made by another writer is lost.  See p2p-peers(1) and
 * liskp2p-peerbook(5).
 */
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_addr.h"
#include "cli_book.h"
#include "cli_net.h"
#include "cli_opt.h"

#define PROG		"p2p-peers"
#define MAX_LINE	65536		/* bytes in one line of stdin/import */
#define MAX_DEPTH	64		/* JSON nesting in one line */
#define MAX_RECORDS	1000000		/* lines read by add - and import */
#define MAX_BAD		10		/* bad lines reported before giving up */
#define LOCK_WAIT_MS	10000		/* ms a writer waits for the lock */
#define TOP_NETGROUPS	10

enum {
	OPT_ALL = 256, OPT_BANNED, OPT_BLACKLISTED, OPT_FIXED, OPT_FOR,
	OPT_FORMAT, OPT_NEW, OPT_SECRET, OPT_SEED, OPT_SOURCE, OPT_TRIED,
	OPT_WHITELISTED
};

static const struct cli_opt optab[] = {
	CLI_OPT_LONG("all", OPT_ALL, NULL, "list: every table and list"),
	CLI_OPT_LONG("banned", OPT_BANNED, NULL, "list: the bans"),
	CLI_OPT_LONG("blacklisted", OPT_BLACKLISTED, NULL,
	    "list, ban: the blacklist"),
	CLI_OPT_LONG("chain-id", CLI_NET_OPT_CHAIN_ID, "HEX",
	    "the book's chain, by its chain ID in hex"),
	CLI_OPT_SHORT("count", 'n', "N", "select: how many peers"),
	CLI_OPT_LONG("fixed", OPT_FIXED, NULL,
	    "list, add: the fixed peers"),
	CLI_OPT_LONG("for", OPT_FOR, "WHAT",
	    "select: send, request or connect; ban: a duration"),
	CLI_OPT_LONG("format", OPT_FORMAT, "FMT",
	    "list, stats: ndjson or table"),
	CLI_OPT_SHORT("help", 'h', NULL, "print this help and exit"),
	CLI_OPT_LONG("network", CLI_NET_OPT_NETWORK, "NAME",
	    "the book's chain: mainnet, testnet or devnet"),
	CLI_OPT_LONG("new", OPT_NEW, NULL, "list: the new table"),
	CLI_OPT_SHORT("peerbook", 'b', "FILE", "the PeerBook file"),
	CLI_OPT_SHORT("quiet", 'q', NULL, "fewer diagnostics"),
	CLI_OPT_LONG("secret", OPT_SECRET, "N",
	    "init, bucket: the bucket secret"),
	CLI_OPT_LONG("seed", OPT_SEED, NULL, "list, add: the seed peers"),
	CLI_OPT_LONG("source", OPT_SOURCE, "IP",
	    "add, bucket: who reported the peers"),
	CLI_OPT_LONG("tried", OPT_TRIED, NULL, "list: the tried table"),
	CLI_OPT_SHORT("verbose", 'v', NULL, "say what changed"),
	CLI_OPT_SHORT("version", 'V', NULL, "print the version and exit"),
	CLI_OPT_LONG("whitelisted", OPT_WHITELISTED, NULL,
	    "list, add: the whitelisted peers"),
	CLI_OPT_END
};

/* what to show or which list to touch */
#define SEL_NEW		0x01
#define SEL_TRIED	0x02
#define SEL_BANNED	0x04
#define SEL_FIXED	0x08
#define SEL_SEED	0x10
#define SEL_WHITE	0x20
#define SEL_BLACK	0x40
#define SEL_ALL		0x7f

static struct {
	const char	*book, *format, *forarg;
	const char	*source, *secret_arg, *count_arg;
	int		 sel, verbose, quiet;
	struct cli_net	 net;
	uint8_t		 cid[LP2P_CHAIN_ID_MAX];
	long		 ncid;		/* -1: no chain ID given */
	char		*path;
	uint64_t	 now;
	int		 status;
} o;

static void
usage(FILE *f)
{
	fprintf(f,
"usage: p2p-peers [-hqVv] [-b file] [--network name | --chain-id hex]\n"
"                 [command [argument ...]]\n"
"commands:\n"
"  list [--new | --tried | --banned | --fixed | --seed | --whitelisted |\n"
"       --blacklisted | --all] [--format ndjson|table]\n"
"  add [--source ip] [--seed | --fixed | --whitelisted] host:port ... | -\n"
"  remove host:port ...\n"
"  ban [--for duration] [--blacklisted] ip ...\n"
"  unban ip ...\n"
"  import [file | -]\n"
"  export\n"
"  stats [--format ndjson|table]\n"
"  select --for send|request|connect [-n count]\n"
"  init --chain-id hex | --network name [--secret n]\n"
"  check\n"
"  bucket [--secret n] [--source ip] ip ... | -\n"
"  dump [--format ndjson|table]\n"
"");
}

static void
usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2),
    noreturn));

static void
usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(2);
}

/* Text from outside, made safe for a terminal (two rotating buffers). */
static const char *
esc(const char *s)
{
	static char buf[2][4 * 512 + 1];
	static int k;
	char *b = buf[k ^= 1];

	strnvis(b, s, sizeof(buf[0]), VIS_SAFE | VIS_CSTYLE | VIS_NL);
	return b;
}

static void
fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A diagnostic; remember the worst status. */
static void
fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	if (status > o.status)
		o.status = status;
}

/* ---- the book ------------------------------------------------------- */

/*
 * The book at o.path.  As in p2p-node and p2p-watch: a book that is not
 * valid or is of another chain ID is status 2, with the same words; a
 * missing one is created (chain ID given) when create is set.
 */
static struct lp2p_book *
load_book(int create)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	uint32_t secret;
	int rc;

	/* the caller holds the lock when it creates: the book opens alone */
	rc = lp2p_book_open(&b, o.path, o.ncid >= 0 ? o.cid : NULL,
	    o.ncid >= 0 ? (size_t)o.ncid : 0, 0, 0, o.now, &e);
	if (rc == LP2P_ENOTFOUND && create && o.ncid >= 0) {
		lp2p_rand_buf(&secret, sizeof(secret));
		if (lp2p_book_new(&b, secret, &e) != 0)
			errx(1, "%s", esc(e.msg));
		lp2p_book_set_chain_id(b, o.cid, (size_t)o.ncid);
		return b;		/* written by save_unlock */
	}
	if (rc == LP2P_ENOTFOUND)
		errx(1, "%s: no peer book here (%s)", esc(o.path), create ?
		    "give --chain-id or --network to create it" :
		    "create one with 'p2p-peers init' or 'p2p-peers add'");
	if (rc != 0)
		errx(rc == LP2P_EINVAL || rc == LP2P_EVERSION ? 2 : 1, "%s",
		    esc(e.msg));
	return b;
}

static struct lp2p_book *
load(void)
{
	return load_book(0);
}

static int lockfd = -1;

/* Locked for a change; a missing book is created. */
static struct lp2p_book *
load_locked(void)
{
	struct lp2p_err e;

	if (cli_book_mkdirs(o.path) == -1)
		err(1, "%s", esc(o.path));
	if ((lockfd = lp2p_book_lock(o.path, LOCK_WAIT_MS, &e)) < 0)
		errx(1, "%s", esc(e.msg));
	return load_book(1);
}

static void
save_unlock(struct lp2p_book *b)
{
	struct lp2p_err e;

	if (lp2p_book_write(b, o.path, o.now, &e) != 0) {
		lp2p_book_unlock(lockfd);
		errx(1, "%s", esc(e.msg));
	}
	lp2p_book_unlock(lockfd);
	lockfd = -1;
}

static const char *
kind_name(int k)
{
	switch (k) {
	case LP2P_KIND_SEED:		return "seed";
	case LP2P_KIND_WHITELISTED:	return "whitelisted";
	case LP2P_KIND_FIXED:		return "fixed";
	}
	return "none";
}

static jv
entry_jv(const struct lp2p_book *b, const struct lp2p_book_entry *e)
{
	jv v = jv_object(), info;

	v = jv_object_set(v, jv_string("peerId"), jv_string(e->peer_id));
	v = jv_object_set(v, jv_string("ipAddress"), jv_string(e->ip));
	v = jv_object_set(v, jv_string("port"), jv_number(e->port));
	v = jv_object_set(v, jv_string("table"), jv_string(
	    e->table == LP2P_TABLE_TRIED ? "tried" : "new"));
	v = jv_object_set(v, jv_string("bucket"), jv_number(e->bucket));
	v = jv_object_set(v, jv_string("sourceAddress"), e->source[0] ?
	    jv_string(e->source) : jv_null());
	v = jv_object_set(v, jv_string("dateAdded"),
	    jv_number((double)e->date_added));
	v = jv_object_set(v, jv_string("lastSeen"),
	    jv_number((double)e->last_seen));
	v = jv_object_set(v, jv_string("failures"), jv_number(e->failures));
	v = jv_object_set(v, jv_string("reputation"),
	    jv_number(e->reputation));
	v = jv_object_set(v, jv_string("advertise"), jv_bool(e->advertise));
	v = jv_object_set(v, jv_string("kind"), jv_string(kind_name(e->kind)));
	info = lp2p_book_info(b, e->peer_id);
	if (jv_get_kind(info) == JV_KIND_OBJECT)
		v = jv_object_set(v, jv_string("info"), info);
	else
		jv_free(info);
	return v;
}

static void
iso(uint64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0) {
		strlcpy(buf, "-", n);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct walk {
	const struct lp2p_book	*b;
	int			 table;	/* print as a table */
};

static int
print_entry(const struct lp2p_book_entry *e, void *arg)
{
	struct walk *w = arg;
	char added[32], seen[32];

	if (!w->table) {
		cli_emit(entry_jv(w->b, e));
		return 0;
	}
	iso(e->date_added, added, sizeof(added));
	iso(e->last_seen, seen, sizeof(seen));
	printf("%-21s %-5s %6u  %-15s %-20s %-20s %4u %6d %s\n", e->peer_id,
	    e->table == LP2P_TABLE_TRIED ? "tried" : "new", e->bucket,
	    e->source[0] ? e->source : "-", added, seen, e->failures,
	    e->reputation, kind_name(e->kind));
	return 0;
}

static int
print_ban(const char *ip, uint64_t until, void *arg)
{
	struct walk *w = arg;
	char t[32];

	if (until <= o.now)
		return 0;
	if (!w->table) {
		jv v = jv_object_set(jv_object(), jv_string("ban"),
		    jv_string(ip));

		cli_emit(jv_object_set(v, jv_string("until"),
		    jv_number((double)until)));
		return 0;
	}
	iso(until, t, sizeof(t));
	printf("%-39s banned until %s\n", ip, t);
	return 0;
}

static const char *const list_names[] = { "seed", "fixed", "whitelisted",
	"blacklisted" };

static void
print_list(const struct lp2p_book *b, int list, int table)
{
	const char *ip;
	uint16_t port;
	char id[LP2P_PEERID_STRLEN];

	for (size_t i = 0; lp2p_book_list_get(b, list, i, &ip, &port) == 0;
	    i++) {
		if (port != 0)
			lp2p_peerid(id, ip, port);
		else
			strlcpy(id, ip, sizeof(id));
		if (table)
			printf("%-39s %s\n", id, list_names[list]);
		else {
			jv v = jv_object_set(jv_object(), jv_string("list"),
			    jv_string(list_names[list]));

			v = jv_object_set(v, jv_string(port ? "peerId" :
			    "ipAddress"), jv_string(id));
			cli_emit(v);
		}
	}
}

static int
want_table(void)
{
	if (o.format == NULL)
		return isatty(STDOUT_FILENO);
	if (strcmp(o.format, "table") == 0)
		return 1;
	if (strcmp(o.format, "ndjson") == 0)
		return 0;
	usage_err("--format %s: not ndjson or table", esc(o.format));
}

static void
cmd_list(void)
{
	struct lp2p_book *b;
	struct walk w;
	int sel = o.sel != 0 ? o.sel : SEL_NEW | SEL_TRIED;
	int mask = ((sel & SEL_NEW) ? 1 << LP2P_TABLE_NEW : 0) |
	    ((sel & SEL_TRIED) ? 1 << LP2P_TABLE_TRIED : 0);

	w.table = want_table();
	b = load();
	w.b = b;
	if (w.table && mask != 0)
		printf("%-21s %-5s %6s  %-15s %-20s %-20s %4s %6s %s\n",
		    "PEERID", "TABLE", "BUCKET", "SOURCE", "ADDED",
		    "LASTSEEN", "FAIL", "REP", "KIND");
	if (mask != 0)
		lp2p_book_foreach(b, mask, print_entry, &w);
	if (sel & SEL_BANNED)
		lp2p_book_foreach_ban(b, print_ban, &w);
	if (sel & SEL_SEED)
		print_list(b, LP2P_LIST_SEED, w.table);
	if (sel & SEL_FIXED)
		print_list(b, LP2P_LIST_FIXED, w.table);
	if (sel & SEL_WHITE)
		print_list(b, LP2P_LIST_WHITELISTED, w.table);
	if (sel & (SEL_BLACK | SEL_BANNED))
		print_list(b, LP2P_LIST_BLACKLISTED, w.table);
	fflush(stdout);
	lp2p_book_free(b);
}

/*
 * dump: every entry of both tables with its table, bucket and position
 * (its place in the bucket, in insertion order), as getrawaddrman does
 * for Bitcoin Core.
 */
struct dumpwalk {
	const struct lp2p_book	*b;
	int			 table;		/* print as a table */
	int			 last_table;
	uint32_t		 last_bucket;
	uint32_t		 pos;
};

static int
dump_entry(const struct lp2p_book_entry *e, void *arg)
{
	struct dumpwalk *w = arg;
	char seen[32];

	if (e->table == w->last_table && e->bucket == w->last_bucket)
		w->pos++;
	else
		w->pos = 0;
	w->last_table = e->table;
	w->last_bucket = e->bucket;
	if (!w->table) {
		cli_emit(jv_object_set(entry_jv(w->b, e), jv_string("position"),
		    jv_number(w->pos)));
		return 0;
	}
	iso(e->last_seen, seen, sizeof(seen));
	printf("%-5s %6u %3u  %-21s %-15s %-20s %6d %s\n",
	    e->table == LP2P_TABLE_TRIED ? "tried" : "new", e->bucket, w->pos,
	    e->peer_id, e->source[0] ? e->source : "-", seen, e->reputation,
	    kind_name(e->kind));
	return 0;
}

static void
cmd_dump(void)
{
	struct lp2p_book *b;
	struct dumpwalk w;

	memset(&w, 0, sizeof(w));
	w.table = want_table();
	b = load();
	w.b = b;
	if (w.table)
		printf("%-5s %6s %3s  %-21s %-15s %-20s %6s %s\n", "TABLE",
		    "BUCKET", "POS", "PEERID", "SOURCE", "LASTSEEN", "REP",
		    "KIND");
	lp2p_book_foreach(b, 1 << LP2P_TABLE_NEW, dump_entry, &w);
	lp2p_book_foreach(b, 1 << LP2P_TABLE_TRIED, dump_entry, &w);
	fflush(stdout);
	lp2p_book_free(b);
}

static void
cmd_export(void)
{
	struct lp2p_book *b = load();
	struct walk w = { b, 0 };

	lp2p_book_foreach(b, 1 << LP2P_TABLE_NEW | 1 << LP2P_TABLE_TRIED,
	    print_entry, &w);
	lp2p_book_free(b);
}

/* ---- records from arguments, stdin or a file ----------------------- */

struct rec {
	char		 ip[LP2P_IP_STRLEN];
	uint16_t	 port;
	char		 source[LP2P_IP_STRLEN];
	int		 tried;		/* enter the tried table */
	int		 crawl;		/* a crawl record: cli_book_crawled */
	int		 reachable;	/* its verdict */
	unsigned	 mask;		/* LP2P_UPD_* to apply */
	struct lp2p_book_entry upd;
	jv		 info;
};

struct recs {
	struct rec	*v;
	size_t		 n, cap;
	int		 bad;
};

static void
recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		jv_free(r->v[i].info);
	free(r->v);
}

static struct rec *
recs_push(struct recs *r)
{
	struct rec *x;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		if ((x = reallocarray(r->v, cap, sizeof(*x))) == NULL)
			err(1, NULL);
		r->v = x;
		r->cap = cap;
	}
	x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->info = jv_null();
	return x;
}

/* HOST:PORT text into r: 0, or -1 with why. */
static int
parse_hostport(const char *s, struct rec *r, char *why, size_t n)
{
	char addr[CLI_ADDR_STRLEN], w[400];
	size_t c;

	/*
	 * The one address parser; a book holds addresses, not host names.
	 * Raw text: the caller escapes the message.
	 */
	if (cli_addr_peer(s, CLI_ADDR_RAW, addr, w, sizeof(w)) != 0) {
		snprintf(why, n, "%.100s: %s", s, w);
		return -1;
	}
	c = strcspn(addr, ":");
	memcpy(r->ip, addr, c);
	r->ip[c] = '\0';
	r->port = (uint16_t)strtol(addr + c + 1, NULL, 10);
	return 0;
}

static int
valid_source(const char *s)
{
	uint8_t b[16];

	return lp2p_ipv4_is_valid(s) || (strlen(s) < LP2P_IP_STRLEN &&
	    inet_pton(AF_INET6, s, b) == 1);
}

/* An integral number field of obj in [lo, hi]: 1 found, 0 absent, -1 bad. */
static int
num_field(jv obj, const char *k, double lo, double hi, double *out)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(k));
	double d;

	if (jv_get_kind(v) == JV_KIND_INVALID || jv_get_kind(v) ==
	    JV_KIND_NULL) {
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) != JV_KIND_NUMBER) {
		jv_free(v);
		return -1;
	}
	d = jv_number_value(v);
	jv_free(v);
	if (d != d || d < lo || d > hi || d != (double)(long long)d)
		return -1;
	*out = d;
	return 1;
}

/*
 * One NDJSON peer object (a line of export, of a crawl, or a peerInfo):
 * 1 a record, 0 a line to skip, -1 bad (why).
 */
static int
parse_object(jv obj, struct rec *r, char *why, size_t n)
{
	jv v, t;
	double d;
	int rc;

	v = jv_object_get(jv_copy(obj), jv_string("peerId"));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		rc = parse_hostport(jv_string_value(v), r, why, n);
		jv_free(v);
		if (rc != 0)
			return -1;
	} else {
		jv_free(v);
		v = jv_object_get(jv_copy(obj), jv_string("ipAddress"));
		if (jv_get_kind(v) != JV_KIND_STRING) {
			jv_free(v);
			/* a crawl's summary and other lines without a peer */
			t = jv_object_get(jv_copy(obj), jv_string("type"));
			rc = jv_get_kind(t) == JV_KIND_STRING &&
			    strcmp(jv_string_value(t), "PEER") != 0;
			jv_free(t);
			if (rc)
				return 0;
			snprintf(why, n, "no 'peerId' or 'ipAddress'");
			return -1;
		}
		if (!lp2p_ipv4_is_valid(jv_string_value(v))) {
			snprintf(why, n, "'ipAddress': '%.64s' is not an IPv4 "
			    "dotted quad", jv_string_value(v));
			jv_free(v);
			return -1;
		}
		strlcpy(r->ip, jv_string_value(v), sizeof(r->ip));
		jv_free(v);
		if (num_field(obj, "port", 1, 65535, &d) != 1) {
			snprintf(why, n, "'port': not an integer in 1..65535");
			return -1;
		}
		r->port = (uint16_t)d;
	}
	v = jv_object_get(jv_copy(obj), jv_string("sourceAddress"));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		if (!valid_source(jv_string_value(v))) {
			snprintf(why, n, "'sourceAddress': '%.64s' is not an "
			    "IP address", jv_string_value(v));
			jv_free(v);
			return -1;
		}
		strlcpy(r->source, jv_string_value(v), sizeof(r->source));
	} else if (jv_get_kind(v) != JV_KIND_NULL &&
	    jv_get_kind(v) != JV_KIND_INVALID) {
		jv_free(v);
		snprintf(why, n, "'sourceAddress': not a string");
		return -1;
	}
	jv_free(v);
	v = jv_object_get(jv_copy(obj), jv_string("table"));
	r->tried = jv_get_kind(v) == JV_KIND_STRING &&
	    strcmp(jv_string_value(v), "tried") == 0;
	jv_free(v);
	v = jv_object_get(jv_copy(obj), jv_string("reachable"));
	if (jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) ==
	    JV_KIND_FALSE) {
		/* a crawl record: applied by the one rule, cli_book_crawled */
		r->crawl = 1;
		r->reachable = jv_get_kind(v) == JV_KIND_TRUE;
	}
	jv_free(v);
	if ((rc = num_field(obj, "lastSeen", 0, 9007199254740991.0, &d)) < 0) {
		snprintf(why, n, "'lastSeen': not a time in ms");
		return -1;
	} else if (rc == 1 && d > 0) {
		r->mask |= LP2P_UPD_LAST_SEEN;
		r->upd.last_seen = (uint64_t)d;
	}
	if ((rc = num_field(obj, "reputation", INT32_MIN, INT32_MAX, &d)) < 0) {
		snprintf(why, n, "'reputation': not an integer");
		return -1;
	} else if (rc == 1) {
		r->mask |= LP2P_UPD_REPUTATION;
		r->upd.reputation = (int32_t)d;
	}
	v = jv_object_get(jv_copy(obj), jv_string("advertise"));
	if (jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) ==
	    JV_KIND_FALSE) {
		r->mask |= LP2P_UPD_ADVERTISE;
		r->upd.advertise = jv_get_kind(v) == JV_KIND_TRUE;
	}
	jv_free(v);
	v = jv_object_get(jv_copy(obj), jv_string("info"));
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		/* a crawl record: keep what it learnt */
		v = cli_book_crawl_info(obj);
	}
	if (jv_object_length(jv_copy(v)) > 0) {
		jv s = jv_dump_string(jv_copy(v), 0);

		if (jv_string_length_bytes(s) > LP2P_BOOK_MAX_INFO) {
			jv_free(v);
			snprintf(why, n, "'info': larger than %d bytes",
			    LP2P_BOOK_MAX_INFO);
			return -1;
		}
		r->mask |= LP2P_UPD_INFO;
		jv_free(r->info);
		r->info = v;
	} else
		jv_free(v);
	return 1;
}

/* One line: 1 record, 0 skipped (blank, not a peer), -1 bad (why). */
static int
parse_line(char *line, struct rec *r, char *why, size_t n)
{
	struct lp2p_err jerr;
	char *s = line, *e;
	jv obj;
	int rc;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
	    e[-1] == '\t'))
		*--e = '\0';
	if (*s == '\0')
		return 0;
	if (*s != '{') {
		if (parse_hostport(s, r, why, n) != 0)
			return -1;
		if (o.source != NULL)
			strlcpy(r->source, o.source, sizeof(r->source));
		return 1;
	}
	if (lp2p_json_check(s, (size_t)(e - s), MAX_DEPTH, &jerr) != 0) {
		snprintf(why, n, "not JSON: %.400s", jerr.msg);
		return -1;
	}
	obj = jv_parse_sized(s, (int)(e - s));
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		if (jv_get_kind(obj) == JV_KIND_INVALID) {
			jv m = jv_invalid_get_msg(obj);

			snprintf(why, n, "not JSON: %s",
			    jv_get_kind(m) == JV_KIND_STRING ?
			    jv_string_value(m) : "?");
			jv_free(m);
		} else {
			jv_free(obj);
			snprintf(why, n, "not a JSON object");
		}
		return -1;
	}
	rc = parse_object(obj, r, why, n);
	jv_free(obj);
	return rc;
}

/* Read records from f (named name) into rs; bad lines are reported. */
static void
read_records(FILE *f, const char *name, struct recs *rs)
{
	char *line = NULL, why[LP2P_ERR_MSG];
	size_t cap = 0;
	long len;
	long lineno = 0;

	while ((len = cli_getline(&line, &cap, f, MAX_LINE)) != -1) {
		struct rec *r;
		int rc;

		lineno++;
		if (rs->n >= MAX_RECORDS) {
			fail(2, "%s:%ld: more than %d lines", esc(name), lineno,
			    MAX_RECORDS);
			rs->bad++;
			break;
		}
		if (len == CLI_LINE_LONG) {
			fail(2, "%s:%ld: line longer than %d bytes", esc(name),
			    lineno, MAX_LINE);
			if (++rs->bad >= MAX_BAD)
				break;
			continue;
		}
		if ((size_t)len != strlen(line)) {
			fail(2, "%s:%ld: NUL byte in line", esc(name), lineno);
			if (++rs->bad >= MAX_BAD)
				break;
			continue;
		}
		r = recs_push(rs);
		if ((rc = parse_line(line, r, why, sizeof(why))) == 1)
			continue;
		jv_free(r->info);
		rs->n--;
		if (rc < 0) {
			fail(2, "%s:%ld: %s", esc(name), lineno, esc(why));
			if (++rs->bad >= MAX_BAD) {
				warnx("%s: giving up after %d bad lines",
				    esc(name), MAX_BAD);
				break;
			}
		}
	}
	if (ferror(f))
		fail(1, "%s: %s", esc(name), strerror(errno));
	free(line);
}

/* Apply records: add (and upgrade, update). */
static void
apply_records(struct lp2p_book *b, struct recs *rs, int list)
{
	size_t added = 0, known = 0, banned = 0, kept = 0;
	char pid[LP2P_PEERID_STRLEN];
	struct lp2p_err e;

	for (size_t i = 0; i < rs->n; i++) {
		struct rec *r = &rs->v[i];
		int rc;

		lp2p_peerid(pid, r->ip, r->port);
		if (r->crawl) {
			int changed = 0;

			rc = cli_book_crawled(b, r->ip, r->port, r->source[0] ?
			    r->source : NULL, r->reachable, r->info, o.now,
			    &changed, &e);
			r->info = jv_null();
			r->mask &= ~(unsigned)LP2P_UPD_INFO;
		} else
			rc = lp2p_book_add(b, r->ip, r->port, r->source[0] ?
			    r->source : NULL, o.now, NULL, &e);
		if (rc == LP2P_EBANNED) {
			banned++;
			fail(1, "%s: not added: the IP is banned", pid);
			continue;
		}
		if (rc == LP2P_EEXIST)
			known++;
		else if (rc != 0) {
			fail(1, "%s: %s", pid, esc(e.msg));
			continue;
		} else
			added++;
		if (list >= 0) {
			rc = lp2p_book_list_add(b, list, r->ip, r->port, &e);
			if (rc != 0 && rc != LP2P_EEXIST)
				fail(1, "%s: %s", pid, esc(e.msg));
			/* fixed and whitelisted peers go to tried at once */
			if (list != LP2P_LIST_SEED)
				r->tried = 1;
		}
		if (r->tried)
			(void)lp2p_book_upgrade(b, pid, o.now, NULL);
		if (r->mask != 0) {
			(void)lp2p_book_update(b, pid, r->mask, &r->upd,
			    r->info);
			r->info = jv_null();
		}
	}
	/* an add can evict an earlier one from its bucket: count the kept */
	for (size_t i = 0; i < rs->n; i++) {
		snprintf(pid, sizeof(pid), "%s:%u", rs->v[i].ip,
		    rs->v[i].port);
		if (lp2p_book_lookup(b, pid, NULL) == 0)
			kept++;
	}
	if (kept < added + known)
		warnx("%s: %zu added, %zu already known, %zu banned; %zu of "
		    "these kept, %zu evicted by bucket collisions (see "
		    "'p2p-peers bucket')", esc(o.path), added, known, banned,
		    kept, added + known - kept);
	else if (o.verbose)
		warnx("%s: %zu added, %zu already known, %zu banned",
		    esc(o.path), added, known, banned);
}

static int
sel_list(void)
{
	switch (o.sel) {
	case 0:		return -1;
	case SEL_SEED:	return LP2P_LIST_SEED;
	case SEL_FIXED:	return LP2P_LIST_FIXED;
	case SEL_WHITE:	return LP2P_LIST_WHITELISTED;
	}
	usage_err("add: give at most one of --seed, --fixed, --whitelisted");
}

static void
cmd_add(int argc, char **argv)
{
	struct recs rs = { NULL, 0, 0, 0 };
	struct lp2p_book *b;
	char why[LP2P_ERR_MSG];
	int list = sel_list();

	if (o.source != NULL && !valid_source(o.source))
		usage_err("--source %s: not an IP address", esc(o.source));
	if (argc == 0)
		usage_err("add: no host:port given");
	if (argc == 1 && strcmp(argv[0], "-") == 0)
		read_records(stdin, "stdin", &rs);
	else
		for (int i = 0; i < argc; i++) {
			struct rec *r = recs_push(&rs);

			if (parse_hostport(argv[i], r, why, sizeof(why)) != 0) {
				fail(2, "add: %s", esc(why));
				rs.bad++;
				rs.n--;
			} else if (o.source != NULL)
				strlcpy(r->source, o.source, sizeof(r->source));
		}
	if (rs.bad > 0) {
		recs_free(&rs);
		errx(2, "nothing added: fix the input first");
	}
	b = load_locked();
	apply_records(b, &rs, list);
	save_unlock(b);
	lp2p_book_free(b);
	recs_free(&rs);
}

static void
cmd_import(int argc, char **argv)
{
	struct recs rs = { NULL, 0, 0, 0 };
	struct lp2p_book *b;
	const char *name = argc > 0 ? argv[0] : "-";
	FILE *f = stdin;

	if (argc > 1)
		usage_err("import: one file at most");
	if (strcmp(name, "-") != 0 && (f = fopen(name, "r")) == NULL)
		err(1, "%s", esc(name));
	read_records(f, strcmp(name, "-") == 0 ? "stdin" : name, &rs);
	if (f != stdin)
		fclose(f);
	if (rs.bad > 0) {
		recs_free(&rs);
		errx(2, "nothing imported: fix the input first");
	}
	b = load_locked();
	apply_records(b, &rs, -1);
	save_unlock(b);
	lp2p_book_free(b);
	recs_free(&rs);
}

static void
cmd_remove(int argc, char **argv)
{
	struct recs rs = { NULL, 0, 0, 0 };
	struct lp2p_book *b;
	char why[LP2P_ERR_MSG], pid[LP2P_PEERID_STRLEN];

	if (argc == 0)
		usage_err("remove: no host:port given");
	for (int i = 0; i < argc; i++) {
		struct rec *r = recs_push(&rs);

		if (parse_hostport(argv[i], r, why, sizeof(why)) != 0) {
			fail(2, "remove: %s", esc(why));
			rs.bad++;
		}
	}
	if (rs.bad > 0) {
		recs_free(&rs);
		errx(2, "nothing removed: fix the input first");
	}
	b = load_locked();
	for (size_t i = 0; i < rs.n; i++) {
		int found = 0;

		lp2p_peerid(pid, rs.v[i].ip, rs.v[i].port);
		found += lp2p_book_remove(b, pid) == 0;
		for (int l = LP2P_LIST_SEED; l <= LP2P_LIST_WHITELISTED; l++)
			found += lp2p_book_list_remove(b, l, rs.v[i].ip,
			    rs.v[i].port) == 0;
		if (!found)
			fail(1, "remove %s: not in the book", pid);
	}
	save_unlock(b);
	lp2p_book_free(b);
	recs_free(&rs);
}

static int
valid_ip_arg(const char *s)
{
	uint8_t b[16];

	return lp2p_ipv4_is_valid(s) || (strlen(s) < LP2P_IP_STRLEN &&
	    strchr(s, ':') != NULL && inet_pton(AF_INET6, s, b) == 1);
}

static void
cmd_ban(int argc, char **argv, int unban)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	uint64_t dur = LP2P_BOOK_BAN_TIME;
	const char *errstr;
	int bad = 0;

	if (argc == 0)
		usage_err("%s: no IP given", unban ? "unban" : "ban");
	if (o.forarg != NULL) {
		if (unban)
			usage_err("--for: only with ban and select");
		if ((dur = cli_duration(o.forarg, &errstr)) == 0)
			usage_err("--for %s: %s", esc(o.forarg), errstr);
	}
	for (int i = 0; i < argc; i++)
		if (!valid_ip_arg(argv[i])) {
			fail(2, "%s %s: not an IPv4 or IPv6 address",
			    unban ? "unban" : "ban", esc(argv[i]));
			bad++;
		}
	if (bad)
		exit(2);
	b = load_locked();
	for (int i = 0; i < argc; i++) {
		if (unban) {
			int found = lp2p_book_unban(b, argv[i]) == 0;

			found += lp2p_book_list_remove(b, LP2P_LIST_BLACKLISTED,
			    argv[i], 0) == 0;
			if (!found)
				fail(1, "unban %s: not banned", argv[i]);
		} else if (o.sel & SEL_BLACK) {
			int rc = lp2p_book_list_add(b, LP2P_LIST_BLACKLISTED,
			    argv[i], 0, &e);

			if (rc != 0 && rc != LP2P_EEXIST)
				fail(1, "ban %s: %s", argv[i], esc(e.msg));
		} else if (lp2p_book_ban(b, argv[i], 0, o.now + dur, &e) != 0)
			fail(1, "ban %s", esc(e.msg));
	}
	save_unlock(b);
	lp2p_book_free(b);
}

/* ---- stats ---------------------------------------------------------- */

struct ngcount {
	uint32_t	 group;		/* a.b as a << 8 | b */
	unsigned	 n;
};

struct statwalk {
	unsigned	 groups[65536];
	unsigned	 advertise, seen, sourced;
};

static int
stat_entry(const struct lp2p_book_entry *e, void *arg)
{
	struct statwalk *s = arg;
	unsigned a = 0, b2 = 0;

	sscanf(e->ip, "%u.%u", &a, &b2);
	s->groups[(a & 255) << 8 | (b2 & 255)]++;
	s->advertise += e->advertise != 0;
	s->seen += e->last_seen != 0;
	s->sourced += e->source[0] != '\0';
	return 0;
}

static int
ngcmp(const void *x, const void *y)
{
	const struct ngcount *a = x, *b = y;

	if (a->n != b->n)
		return a->n < b->n ? 1 : -1;
	return a->group < b->group ? -1 : a->group > b->group;
}

static int
count_live_ban(const char *ip, uint64_t until, void *arg)
{
	(void)ip;
	*(size_t *)arg += until > o.now;
	return 0;
}

static jv
table_stats(const struct lp2p_book *b, int t)
{
	unsigned nb = t == LP2P_TABLE_NEW ? LP2P_BOOK_NEW_BUCKETS :
	    LP2P_BOOK_TRIED_BUCKETS, used = 0, full = 0, max = 0;
	jv v = jv_object(), hist = jv_array();
	unsigned h[LP2P_BOOK_BUCKET_SIZE + 1];

	memset(h, 0, sizeof(h));
	for (unsigned i = 0; i < nb; i++) {
		size_t f = lp2p_book_bucket_fill(b, t, i);

		used += f > 0;
		full += f >= LP2P_BOOK_BUCKET_SIZE;
		if (f > max)
			max = (unsigned)f;
		h[f]++;
	}
	for (unsigned i = 0; i <= LP2P_BOOK_BUCKET_SIZE; i++)
		hist = jv_array_append(hist, jv_number(h[i]));
	v = jv_object_set(v, jv_string("peers"), jv_number((double)
	    lp2p_book_count(b, 1 << t)));
	v = jv_object_set(v, jv_string("capacity"),
	    jv_number(nb * LP2P_BOOK_BUCKET_SIZE));
	v = jv_object_set(v, jv_string("buckets"), jv_number(nb));
	v = jv_object_set(v, jv_string("bucketsUsed"), jv_number(used));
	v = jv_object_set(v, jv_string("bucketsFull"), jv_number(full));
	v = jv_object_set(v, jv_string("largestBucket"), jv_number(max));
	/* fillHistogram[k]: how many buckets hold k entries */
	return jv_object_set(v, jv_string("fillHistogram"), hist);
}

static void
cmd_stats(void)
{
	struct lp2p_book *b;
	struct statwalk *s;
	struct ngcount *ng;
	size_t nng = 0, live = 0;
	jv v, top, lists;
	int table = want_table();

	b = load();
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (ng = calloc(65536, sizeof(*ng))) == NULL)
		err(1, NULL);
	lp2p_book_foreach(b, 6, stat_entry, s);
	for (uint32_t g = 0; g < 65536; g++)
		if (s->groups[g] > 0) {
			ng[nng].group = g;
			ng[nng++].n = s->groups[g];
		}
	qsort(ng, nng, sizeof(*ng), ngcmp);
	top = jv_array();
	for (size_t i = 0; i < nng && i < TOP_NETGROUPS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%u.%u.0.0/16", ng[i].group >> 8,
		    ng[i].group & 255);
		top = jv_array_append(top, jv_object_set(jv_object_set(
		    jv_object(), jv_string("netgroup"), jv_string(name)),
		    jv_string("peers"), jv_number(ng[i].n)));
	}
	lp2p_book_foreach_ban(b, count_live_ban, &live);
	lists = jv_object();
	for (int l = 0; l < LP2P_BOOK_NLISTS; l++)
		lists = jv_object_set(lists, jv_string(list_names[l]),
		    jv_number((double)lp2p_book_list_count(b, l)));
	v = jv_object_set(jv_object(), jv_string("peers"), jv_number((double)
	    lp2p_book_count(b, 6)));
	v = jv_object_set(v, jv_string("new"), table_stats(b, LP2P_TABLE_NEW));
	v = jv_object_set(v, jv_string("tried"),
	    table_stats(b, LP2P_TABLE_TRIED));
	v = jv_object_set(v, jv_string("netgroups"), jv_number((double)nng));
	v = jv_object_set(v, jv_string("topNetgroups"), top);
	v = jv_object_set(v, jv_string("bans"), jv_number((double)live));
	v = jv_object_set(v, jv_string("lists"), lists);
	v = jv_object_set(v, jv_string("withSource"), jv_number(s->sourced));
	v = jv_object_set(v, jv_string("everConnected"), jv_number(s->seen));
	v = jv_object_set(v, jv_string("notAdvertised"),
	    jv_number((double)lp2p_book_count(b, 6) - s->advertise));
	if (!table)
		cli_emit(v);
	else {
		jv t;

		printf("peers       %zu (%zu new of %u, %zu tried of %u)\n",
		    lp2p_book_count(b, 6), lp2p_book_count(b, 2),
		    LP2P_BOOK_NEW_BUCKETS * LP2P_BOOK_BUCKET_SIZE,
		    lp2p_book_count(b, 4),
		    LP2P_BOOK_TRIED_BUCKETS * LP2P_BOOK_BUCKET_SIZE);
		for (int k = 0; k < 2; k++) {
			t = jv_object_get(jv_copy(v), jv_string(k ? "tried" :
			    "new"));
			printf("%-11s %d of %d buckets used, %d full, largest "
			    "%d\n", k ? "tried" : "new",
			    (int)jv_number_value(jv_object_get(jv_copy(t),
			    jv_string("bucketsUsed"))),
			    (int)jv_number_value(jv_object_get(jv_copy(t),
			    jv_string("buckets"))),
			    (int)jv_number_value(jv_object_get(jv_copy(t),
			    jv_string("bucketsFull"))),
			    (int)jv_number_value(jv_object_get(jv_copy(t),
			    jv_string("largestBucket"))));
			jv_free(t);
		}
		printf("netgroups   %zu (/16)\n", nng);
		for (size_t i = 0; i < nng && i < TOP_NETGROUPS; i++)
			printf("  %u.%u.0.0/16  %u\n", ng[i].group >> 8,
			    ng[i].group & 255, ng[i].n);
		printf("bans        %zu\n", live);
		for (int l = 0; l < LP2P_BOOK_NLISTS; l++)
			printf("%-11s %zu\n", list_names[l],
			    lp2p_book_list_count(b, l));
		fflush(stdout);
		jv_free(v);
	}
	free(ng);
	free(s);
	lp2p_book_free(b);
}

/* ---- select --------------------------------------------------------- */

struct refwalk {
	struct lp2p_peerref	*v;
	struct lp2p_book_entry	*e;
	size_t			 n;
};

static int
ref_entry(const struct lp2p_book_entry *e, void *arg)
{
	struct refwalk *w = arg;

	w->e[w->n] = *e;
	w->n++;
	return 0;
}

static void
cmd_select(void)
{
	struct lp2p_book *b;
	struct lp2p_book_entry *out;
	struct refwalk w;
	const struct lp2p_peerref **sel;
	long n = -1, got;
	size_t total;
	int mode;

	if (o.forarg == NULL)
		usage_err("select: --for send|request|connect is required");
	if (strcmp(o.forarg, "send") == 0)
		mode = 0;
	else if (strcmp(o.forarg, "request") == 0)
		mode = 1;
	else if (strcmp(o.forarg, "connect") == 0)
		mode = 2;
	else
		usage_err("--for %s: not send, request or connect",
		    esc(o.forarg));
	if (o.count_arg != NULL)
		n = cli_num("-n", o.count_arg, 1, 100000);
	else
		n = mode == 0 ? 16 : mode == 1 ? 1 : 20;
	b = load();
	total = lp2p_book_count(b, 6);
	if (mode == 2) {
		if ((out = calloc((size_t)n + 1, sizeof(*out))) == NULL)
			err(1, NULL);
		if ((got = lp2p_book_select_connect(b, NULL, 0, n, out,
		    (size_t)n)) < 0)
			errx(1, "select: %s", lp2p_strerror((int)got));
		for (long i = 0; i < got; i++)
			cli_emit(entry_jv(b, &out[i]));
		free(out);
		lp2p_book_free(b);
		return;
	}
	/* send and request: every book peer as if connected */
	w.v = calloc(total + 1, sizeof(*w.v));
	w.e = calloc(total + 1, sizeof(*w.e));
	sel = calloc(total + 1, sizeof(*sel));
	if (w.v == NULL || w.e == NULL || sel == NULL)
		err(1, NULL);
	w.n = 0;
	lp2p_book_foreach(b, 6, ref_entry, &w);
	for (size_t i = 0; i < w.n; i++) {
		w.v[i].peer_id = w.e[i].peer_id;
		w.v[i].ip = w.e[i].ip;
		w.v[i].outbound = w.e[i].table == LP2P_TABLE_TRIED;
		w.v[i].kind = w.e[i].kind;
		w.v[i].reputation = w.e[i].reputation;
		w.v[i].arg = &w.e[i];
	}
	got = (long)(mode == 0 ?
	    lp2p_select_for_send(w.v, w.n, (size_t)n, sel) :
	    lp2p_select_for_request(w.v, w.n, (size_t)n, sel));
	for (long i = 0; i < got; i++)
		cli_emit(entry_jv(b, sel[i]->arg));
	free(sel);
	free(w.v);
	free(w.e);
	lp2p_book_free(b);
}

/* ---- init, check, bucket ------------------------------------------- */

static uint32_t
secret_arg(void)
{
	return (uint32_t)cli_num("--secret", o.secret_arg, 0, UINT32_MAX);
}

static void
cmd_init(void)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	uint32_t secret;
	char *hex;
	jv v;

	if (o.ncid < 0)
		usage_err("init: give --chain-id HEX or --network NAME");
	if (o.secret_arg != NULL)
		secret = secret_arg();
	else
		lp2p_rand_buf(&secret, sizeof(secret));
	if (cli_book_mkdirs(o.path) == -1)
		err(1, "%s", esc(o.path));
	if (access(o.path, F_OK) == 0)
		errx(1, "%s: already exists; not overwritten", esc(o.path));
	/* the one way a book is created (lp2p_book_open), under its lock */
	if (lp2p_book_open(&b, o.path, o.cid, (size_t)o.ncid, secret, 1, o.now,
	    &e) != 0)
		errx(1, "%s", esc(e.msg));
	lp2p_book_free(b);
	if ((hex = lp2p_hex_encode(o.cid, (size_t)o.ncid)) == NULL)
		err(1, NULL);
	v = jv_object_set(jv_object(), jv_string("peerbook"),
	    jv_string(o.path));
	cli_emit(jv_object_set(v, jv_string("chainID"), jv_string(hex)));
	free(hex);
}

static void
cmd_check(void)
{
	struct lp2p_book *b;
	struct lp2p_err e;
	jv v;
	int rc;

	if ((rc = lp2p_book_load(&b, o.path, &e)) == LP2P_ENOTFOUND)
		errx(1, "%s: no peer book here", esc(o.path));
	if (rc != 0)
		errx(rc == LP2P_EINVAL || rc == LP2P_EVERSION ? 2 : 1, "%s",
		    esc(e.msg));
	v = jv_object_set(jv_object(), jv_string("peerbook"),
	    jv_string(o.path));
	v = jv_object_set(v, jv_string("ok"), jv_true());
	v = jv_object_set(v, jv_string("new"), jv_number((double)
	    lp2p_book_count(b, 2)));
	v = jv_object_set(v, jv_string("tried"), jv_number((double)
	    lp2p_book_count(b, 4)));
	v = jv_object_set(v, jv_string("bans"), jv_number((double)
	    lp2p_book_ban_count(b)));
	cli_emit(v);
	lp2p_book_free(b);
}

static const char *const class_names[] = { "ipv4", "private", "local",
	"other" };

static jv
bucket_jv(uint32_t secret, const char *ip, const char *source)
{
	uint32_t x;
	int net = lp2p_ip_netclass(ip);
	jv v = jv_object();

	v = jv_object_set(v, jv_string("ipAddress"), jv_string(ip));
	v = jv_object_set(v, jv_string("network"), jv_number(net));
	v = jv_object_set(v, jv_string("class"), jv_string(class_names[net]));
	v = jv_object_set(v, jv_string("netgroup"),
	    lp2p_ip_netgroup(secret, ip, &x) == 0 ? jv_number(x) : jv_null());
	v = jv_object_set(v, jv_string("new"), lp2p_ip_bucket(secret, ip,
	    source, 0, LP2P_BOOK_NEW_BUCKETS, &x) == 0 ? jv_number(x) :
	    jv_null());
	v = jv_object_set(v, jv_string("tried"), lp2p_ip_bucket(secret, ip,
	    source, 1, LP2P_BOOK_TRIED_BUCKETS, &x) == 0 ? jv_number(x) :
	    jv_null());
	return v;
}

/*
 * bucket -: NDJSON {"secret":N,"address":S,"source":S|null} per line, the
 * reference's view of each (for the differential test).
 */
static void
bucket_stdin(void)
{
	char *line = NULL;
	size_t cap = 0;
	long len;
	long lineno = 0;

	while ((len = cli_getline(&line, &cap, stdin, MAX_LINE)) != -1) {
		struct lp2p_err jerr;
		jv c, a, s;
		double d;

		lineno++;
		if (len == CLI_LINE_LONG)
			errx(2, "stdin:%ld: line longer than %d bytes", lineno,
			    MAX_LINE);
		if (lp2p_json_check(line, (size_t)len, MAX_DEPTH, &jerr) != 0)
			errx(2, "stdin:%ld: not JSON: %s", lineno, jerr.msg);
		c = jv_parse_sized(line, (int)len);
		if (jv_get_kind(c) != JV_KIND_OBJECT) {
			jv_free(c);
			errx(2, "stdin:%ld: not a JSON object", lineno);
		}
		a = jv_object_get(jv_copy(c), jv_string("address"));
		s = jv_object_get(jv_copy(c), jv_string("source"));
		if (num_field(c, "secret", 0, UINT32_MAX, &d) != 1 ||
		    jv_get_kind(a) != JV_KIND_STRING ||
		    (jv_get_kind(s) != JV_KIND_STRING &&
		    jv_get_kind(s) != JV_KIND_NULL &&
		    jv_get_kind(s) != JV_KIND_INVALID))
			errx(2, "stdin:%ld: expected {\"secret\": uint32, "
			    "\"address\": string, \"source\": string|null}",
			    lineno);
		cli_emit(bucket_jv((uint32_t)d, jv_string_value(a),
		    jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) :
		    NULL));
		jv_free(a);
		jv_free(s);
		jv_free(c);
	}
	free(line);
}

static void
cmd_bucket(int argc, char **argv)
{
	struct lp2p_book *b;
	uint32_t secret;

	if (argc == 1 && strcmp(argv[0], "-") == 0) {
		bucket_stdin();
		return;
	}
	if (argc == 0)
		usage_err("bucket: no IP given");
	if (o.secret_arg != NULL)
		secret = secret_arg();
	else {
		if (o.path == NULL)
			exit(2);
		b = load();
		secret = lp2p_book_secret(b);
		lp2p_book_free(b);
	}
	for (int i = 0; i < argc; i++)
		cli_emit(bucket_jv(secret, argv[i], o.source));
}

/* ---- main ----------------------------------------------------------- */

static const struct {
	const char	*name;
	int		 opts;		/* options it takes, SEL_* and below */
} commands[] = {
#define O_FORMAT	0x0100
#define O_FOR		0x0200
#define O_SOURCE	0x0400
#define O_SECRET	0x0800
#define O_COUNT		0x1000
	{ "list",	SEL_ALL | O_FORMAT },
	{ "add",	SEL_SEED | SEL_FIXED | SEL_WHITE | O_SOURCE },
	{ "remove",	0 },
	{ "ban",	SEL_BLACK | O_FOR },
	{ "unban",	0 },
	{ "import",	0 },
	{ "export",	0 },
	{ "stats",	O_FORMAT },
	{ "select",	O_FOR | O_COUNT },
	{ "init",	O_SECRET },
	{ "check",	0 },
	{ "bucket",	O_SECRET | O_SOURCE },
	{ "dump",	O_FORMAT },
};

int
main(int argc, char *argv[])
{
	const char *cmd;
	int ch, ci = -1, used = 0;

	cli_init();
	cli_net_init(&o.net);
	o.ncid = -1;
	while ((ch = cli_opt_getopt(argc, argv, optab)) != -1) {
		switch (ch) {
		case 'b':
			o.book = optarg;
			break;
		case 'h':
			usage(stdout);
			cli_opt_help(stdout, optab);
			exit(0);
		case 'n':
			o.count_arg = optarg;
			used |= O_COUNT;
			break;
		case 'q':
			o.quiet = 1;
			o.verbose = 0;
			break;
		case 'V':
			cli_version(PROG);
			exit(0);
		case 'v':
			o.verbose++;
			break;
		case OPT_ALL:		o.sel |= SEL_ALL; used |= SEL_ALL; break;
		case OPT_BANNED:	o.sel |= SEL_BANNED; used |= SEL_BANNED; break;
		case OPT_BLACKLISTED:	o.sel |= SEL_BLACK; used |= SEL_BLACK; break;
		case OPT_FIXED:		o.sel |= SEL_FIXED; used |= SEL_FIXED; break;
		case OPT_NEW:		o.sel |= SEL_NEW; used |= SEL_NEW; break;
		case OPT_SEED:		o.sel |= SEL_SEED; used |= SEL_SEED; break;
		case OPT_TRIED:		o.sel |= SEL_TRIED; used |= SEL_TRIED; break;
		case OPT_WHITELISTED:	o.sel |= SEL_WHITE; used |= SEL_WHITE; break;
		case CLI_NET_OPT_CHAIN_ID:
		case CLI_NET_OPT_NETWORK:
			cli_net_opt(&o.net, ch, optarg);
			break;
		case OPT_FOR:
			o.forarg = optarg;
			used |= O_FOR;
			break;
		case OPT_FORMAT:
			o.format = optarg;
			used |= O_FORMAT;
			break;
		case OPT_SECRET:
			o.secret_arg = optarg;
			used |= O_SECRET;
			break;
		case OPT_SOURCE:
			o.source = optarg;
			used |= O_SOURCE;
			break;
		default:
			usage(stderr);
			exit(2);
		}
	}
	argc -= optind;
	argv += optind;
	cmd = argc > 0 ? argv[0] : "list";
	if (argc > 0) {
		argc--;
		argv++;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			ci = (int)i;
	if (ci < 0)
		usage_err("%s: unknown command", esc(cmd));
	if (used & ~commands[ci].opts)
		usage_err("%s: option not valid with this command", cmd);
	if (argc > 0 && (strcmp(cmd, "list") == 0 || strcmp(cmd, "export") ==
	    0 || strcmp(cmd, "stats") == 0 || strcmp(cmd, "select") == 0 ||
	    strcmp(cmd, "init") == 0 || strcmp(cmd, "check") == 0 ||
	    strcmp(cmd, "dump") == 0))
		usage_err("%s: unexpected argument '%s'", cmd, esc(argv[0]));
	cli_net_finish(&o.net, 0);
	if (o.net.set) {
		memcpy(o.cid, o.net.chain_id, o.net.chain_id_len);
		o.ncid = (long)o.net.chain_id_len;
	}
	o.now = cli_now_ms();
	if (!(strcmp(cmd, "bucket") == 0 && (o.secret_arg != NULL ||
	    (argc == 1 && strcmp(argv[0], "-") == 0))) &&
	    (o.path = cli_book_path(o.book, o.cid, o.ncid)) == NULL) {
		usage(stderr);
		exit(2);
	}
	switch (ci) {
	case 0:		cmd_list(); break;
	case 1:		cmd_add(argc, argv); break;
	case 2:		cmd_remove(argc, argv); break;
	case 3:		cmd_ban(argc, argv, 0); break;
	case 4:		cmd_ban(argc, argv, 1); break;
	case 5:		cmd_import(argc, argv); break;
	case 6:		cmd_export(); break;
	case 7:		cmd_stats(); break;
	case 8:		cmd_select(); break;
	case 9:		cmd_init(); break;
	case 10:	cmd_check(); break;
	case 11:	cmd_bucket(argc, argv); break;
	case 12:	cmd_dump(); break;
	}
	free(o.path);
	cli_net_release(&o.net);
	if (fflush(stdout) == EOF && errno != EPIPE)
		err(1, "stdout");
	return o.status;
}
