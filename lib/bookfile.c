/*
 * bookfile.c — the PeerBook file (liskp2p-peerbook(5)): one JSON object,
 * one peer per line so that diff and grep work as well as jq.  Loading
 * validates every field and names the field, the peer and its index when
 * something is wrong; a newer format version is refused by name.  Saving
 * replaces the file atomically (temporary file, fsync, rename, fsync of
 * the directory) under an advisory lock on PATH.lock, which every writer
 * takes; lp2p_book_sync merges this book's journal into a file that
 * changed under it, so no writer loses another's change.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "liskp2p.h"
#include "internal.h"
#include "book.h"

#define MAX_SAFE_INT	9007199254740991.0	/* 2^53 - 1 */
#define BOOK_MAX_DEPTH	256	/* nesting in a file: libjq's own parser limit */

static const char *const list_names[LP2P_BOOK_NLISTS] = {
	"seed", "fixed", "whitelisted", "blacklisted"
};

/* ---- reading -------------------------------------------------------- */

/* obj[key] (obj borrowed), jv_null() when absent. */
static jv
jget(jv obj, const char *key)
{
	jv v = jv_object_get(jv_copy(obj), jv_string(key));

	if (jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		return jv_null();
	}
	return v;
}

/* An integral jv number (consumed) in [lo, hi]: 0 and *out, or -1. */
static int
jnum(jv v, double lo, double hi, double *out)
{
	double d;

	*out = 0;	/* callers may convert it before looking at the error */
	if (jv_get_kind(v) != JV_KIND_NUMBER) {
		jv_free(v);
		return -1;
	}
	d = jv_number_value(v);
	jv_free(v);
	if (!isfinite(d) || d != floor(d) || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

/* Keys of obj (consumed) must all be in allowed (NULL-terminated): the first
 * stranger is returned (a copy to free), or NULL. */
static char *
stranger_key(jv obj, const char *const *allowed)
{
	char *bad = NULL;

	jv_object_foreach(obj, k, val) {
		int ok = 0;

		for (size_t i = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(jv_string_value(k), allowed[i]) == 0;
		if (!ok && bad == NULL)
			bad = strdup(jv_string_value(k));
		jv_free(k);
		jv_free(val);
	}
	jv_free(obj);
	return bad;
}

/*
 * A peer object as read, before validation: the value of each known field
 * (by the kind it had), from the fast reader or from a jv object, so that
 * both readers share one validation.
 */
enum pf { PF_PEERID, PF_IP, PF_PORT, PF_TABLE, PF_BUCKET, PF_SOURCE,
	PF_ADDED, PF_SEEN, PF_FAILURES, PF_REPUTATION, PF_ADVERTISE, PF_INFO,
	PF_N };
static const char *const peer_keys[PF_N + 1] = { "peerId", "ipAddress",
	"port", "table", "bucket", "sourceAddress", "dateAdded", "lastSeen",
	"failures", "reputation", "advertise", "info", NULL };
enum rk { RK_ABSENT = 0, RK_NULL, RK_NUM, RK_STR, RK_TRUE, RK_FALSE,
	RK_OBJ, RK_OTHER };

struct rawf {
	enum rk		 k;
	double		 num;
	char		 str[LP2P_PEERID_STRLEN];	/* RK_STR, cut */
	int		 cut;				/* did not fit */
};

struct rawpeer {
	struct rawf	 f[PF_N];
	char		 unknown[72];	/* first unknown key, "" = none */
	jv		 info;		/* RK_OBJ info, else jv_null() */
};

static void
rawf_jv(struct rawf *f, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:	f->k = RK_NULL; break;
	case JV_KIND_TRUE:	f->k = RK_TRUE; break;
	case JV_KIND_FALSE:	f->k = RK_FALSE; break;
	case JV_KIND_OBJECT:	f->k = RK_OBJ; break;
	case JV_KIND_NUMBER:
		f->k = RK_NUM;
		f->num = jv_number_value(v);
		break;
	case JV_KIND_STRING:
		f->k = RK_STR;
		f->cut = strlcpy(f->str, jv_string_value(v), sizeof(f->str)) >=
		    sizeof(f->str) || (size_t)jv_string_length_bytes(jv_copy(v))
		    != strlen(jv_string_value(v));
		break;
	default:		f->k = RK_OTHER; break;
	}
	jv_free(v);
}

/* p (consumed), an object, into rp. */
static void
rawpeer_jv(jv p, struct rawpeer *rp)
{
	memset(rp, 0, sizeof(*rp));
	rp->info = jv_null();
	jv_object_foreach(p, k, v) {
		int i;

		for (i = 0; i < PF_N; i++)
			if (strcmp(jv_string_value(k), peer_keys[i]) == 0)
				break;
		if (i == PF_N) {
			if (rp->unknown[0] == '\0')
				strlcpy(rp->unknown, jv_string_value(k),
				    sizeof(rp->unknown));
			jv_free(v);
		} else if (i == PF_INFO && jv_get_kind(v) == JV_KIND_OBJECT) {
			rp->f[i].k = RK_OBJ;
			jv_free(rp->info);
			rp->info = v;
		} else
			rawf_jv(&rp->f[i], v);
		jv_free(k);
	}
	jv_free(p);
}

/* An integral number field in [lo, hi] (absent/null: dflt); 0 or -1. */
static int
rnum(const struct rawf *f, double lo, double hi, double dflt, double *out)
{
	*out = dflt;
	if (f->k == RK_ABSENT || f->k == RK_NULL)
		return 0;
	*out = 0;
	if (f->k != RK_NUM || !isfinite(f->num) || f->num != floor(f->num) ||
	    f->num < lo || f->num > hi)
		return -1;
	*out = f->num;
	return 0;
}

/* Validate rp (its info is consumed) and insert it into nb. */
static int
load_peer(struct lp2p_book *nb, const char *name, int idx,
    struct rawpeer *rp, struct lp2p_err *err)
{
	struct lp2p_book_entry e;
	struct lp2p_err e2;
	struct rawf *f = rp->f;
	char where[96];
	int have_where = 0;
	const char *field = NULL;
	jv info = rp->info;
	double d;
	int table = 0, rc;
	uint32_t bucket;

	rp->info = jv_null();
	memset(&e, 0, sizeof(e));
#define WHERE	(have_where ? where : (snprintf(where, sizeof(where), \
	    e.peer_id[0] ? "%s: peers[%d] (%s)" : "%s: peers[%d]", name, idx, \
	    e.peer_id), have_where = 1, where))
	if (rp->unknown[0] != '\0') {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL, "%s: unknown field '%.64s'",
		    WHERE, rp->unknown);
	}
	if (f[PF_IP].k != RK_STR || f[PF_IP].cut ||
	    !lp2p_ipv4_is_valid(f[PF_IP].str)) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'ipAddress': not an IPv4 dotted quad", WHERE);
	}
	strlcpy(e.ip, f[PF_IP].str, sizeof(e.ip));
	if (f[PF_PORT].k == RK_ABSENT || f[PF_PORT].k == RK_NULL ||
	    rnum(&f[PF_PORT], 1, 65535, 0, &d) != 0) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s (%s): 'port': not an integer in 1..65535", WHERE, e.ip);
	}
	e.port = (uint16_t)d;
	lp2p_peerid(e.peer_id, e.ip, e.port);
	if (f[PF_PEERID].k != RK_ABSENT && f[PF_PEERID].k != RK_NULL &&
	    (f[PF_PEERID].k != RK_STR || f[PF_PEERID].cut ||
	    strcmp(f[PF_PEERID].str, e.peer_id) != 0)) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'peerId': does not match ipAddress and port", WHERE);
	}
	if (f[PF_TABLE].k == RK_STR && !f[PF_TABLE].cut)
		table = strcmp(f[PF_TABLE].str, "new") == 0 ? LP2P_TABLE_NEW :
		    strcmp(f[PF_TABLE].str, "tried") == 0 ? LP2P_TABLE_TRIED : 0;
	if (table == 0) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'table': not \"new\" or \"tried\"", WHERE);
	}
	if (f[PF_BUCKET].k != RK_NUM || rnum(&f[PF_BUCKET], 0,
	    nb->tab[table].nbuckets - 1, 0, &d) != 0) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'bucket': not an integer in 0..%u", WHERE,
		    nb->tab[table].nbuckets - 1);
	}
	bucket = (uint32_t)d;
	if (f[PF_SOURCE].k == RK_STR && !f[PF_SOURCE].cut &&
	    strlen(f[PF_SOURCE].str) < sizeof(e.source))
		strlcpy(e.source, f[PF_SOURCE].str, sizeof(e.source));
	else if (f[PF_SOURCE].k != RK_NULL && f[PF_SOURCE].k != RK_ABSENT) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'sourceAddress': not an address or null", WHERE);
	}
	if (f[PF_ADDED].k != RK_NUM ||
	    rnum(&f[PF_ADDED], 0, MAX_SAFE_INT, 0, &d) != 0)
		field = "dateAdded";
	e.date_added = (uint64_t)d;
	if (rnum(&f[PF_SEEN], 0, MAX_SAFE_INT, 0, &d) != 0 && field == NULL)
		field = "lastSeen";
	e.last_seen = (uint64_t)d;
	if (rnum(&f[PF_FAILURES], 0, LP2P_BOOK_MAX_FAILURES - 1, 0, &d) != 0 &&
	    field == NULL)
		field = "failures";
	e.failures = (uint32_t)d;
	if (rnum(&f[PF_REPUTATION], INT32_MIN, INT32_MAX, LP2P_BOOK_REPUTATION,
	    &d) != 0 && field == NULL)
		field = "reputation";
	e.reputation = (int32_t)d;
	e.advertise = f[PF_ADVERTISE].k != RK_FALSE;
	if (f[PF_ADVERTISE].k != RK_TRUE && f[PF_ADVERTISE].k != RK_FALSE &&
	    f[PF_ADVERTISE].k != RK_NULL && f[PF_ADVERTISE].k != RK_ABSENT &&
	    field == NULL)
		field = "advertise";
	if (field != NULL) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL, "%s: '%s': bad value",
		    WHERE, field);
	}
	if (f[PF_INFO].k != RK_ABSENT && f[PF_INFO].k != RK_NULL &&
	    f[PF_INFO].k != RK_OBJ) {
		jv_free(info);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'info': not an object", WHERE);
	}
	if ((rc = lp2p__book_insert(nb, table, bucket, &e, info, &e2)) != 0)
		return lp2p_errf(err, rc == LP2P_ENOMEM ? rc : LP2P_EINVAL,
		    "%s: %s", WHERE, e2.msg);
	return 0;
}
#undef WHERE

static int
load_lists(struct lp2p_book *nb, const char *name, jv lists,
    struct lp2p_err *err)
{
	static const char *const keys[] = { "seed", "fixed", "whitelisted",
	    "blacklisted", NULL };
	char *bad;
	int rc;

	if (jv_get_kind(lists) == JV_KIND_NULL)
		return 0;
	if (jv_get_kind(lists) != JV_KIND_OBJECT) {
		jv_free(lists);
		return lp2p_errf(err, LP2P_EINVAL, "%s: 'lists': not an object",
		    name);
	}
	if ((bad = stranger_key(jv_copy(lists), keys)) != NULL) {
		rc = lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'lists': unknown list '%.64s'", name, bad);
		free(bad);
		jv_free(lists);
		return rc;
	}
	for (int l = 0; l < LP2P_BOOK_NLISTS; l++) {
		jv a = jget(lists, list_names[l]);
		int n;

		if (jv_get_kind(a) == JV_KIND_INVALID ||
		    jv_get_kind(a) == JV_KIND_NULL) {
			jv_free(a);
			continue;
		}
		if (jv_get_kind(a) != JV_KIND_ARRAY) {
			jv_free(a);
			jv_free(lists);
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s: 'lists.%s': not an array", name,
			    list_names[l]);
		}
		n = jv_array_length(jv_copy(a));
		for (int i = 0; i < n; i++) {
			jv s = jv_array_get(jv_copy(a), i);
			struct lp2p_addr ad;
			struct lp2p_err e2;

			rc = LP2P_EINVAL;
			if (jv_get_kind(s) == JV_KIND_STRING) {
				if (l == LP2P_LIST_BLACKLISTED)
					rc = lp2p_book_list_add(nb, l,
					    jv_string_value(s), 0, &e2);
				else if (lp2p_addr_parse(&ad,
				    jv_string_value(s), &e2) == 0)
					rc = lp2p_book_list_add(nb, l, ad.ip,
					    ad.port, &e2);
			} else
				strlcpy(e2.msg, "not a string",
				    sizeof(e2.msg));
			jv_free(s);
			if (rc != 0) {
				jv_free(a);
				jv_free(lists);
				return lp2p_errf(err, LP2P_EINVAL,
				    "%s: 'lists.%s'[%d]: %s", name,
				    list_names[l], i, e2.msg);
			}
		}
		jv_free(a);
	}
	jv_free(lists);
	return 0;
}

static int
load_bans(struct lp2p_book *nb, const char *name, jv bans,
    struct lp2p_err *err)
{
	static const char *const keys[] = { "ip", "until", NULL };
	int n;

	if (jv_get_kind(bans) == JV_KIND_NULL)
		return 0;
	if (jv_get_kind(bans) != JV_KIND_ARRAY) {
		jv_free(bans);
		return lp2p_errf(err, LP2P_EINVAL, "%s: 'bans': not an array",
		    name);
	}
	n = jv_array_length(jv_copy(bans));
	if (n > LP2P_BOOK_MAX_BANS) {
		jv_free(bans);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'bans': more than %d entries", name,
		    LP2P_BOOK_MAX_BANS);
	}
	for (int i = 0; i < n; i++) {
		jv b = jv_array_get(jv_copy(bans), i);
		jv ip;
		double d;
		char *bad = NULL;
		int rc = LP2P_EINVAL;

		if (jv_get_kind(b) == JV_KIND_OBJECT &&
		    (bad = stranger_key(jv_copy(b), keys)) == NULL) {
			ip = jget(b, "ip");
			if (jv_get_kind(ip) == JV_KIND_STRING &&
			    jnum(jget(b, "until"),
			    0, MAX_SAFE_INT, &d) == 0)
				rc = lp2p__book_ban_set(nb, jv_string_value(ip),
				    (uint64_t)d);
			jv_free(ip);
		}
		free(bad);
		jv_free(b);
		if (rc != 0) {
			jv_free(bans);
			return lp2p_errf(err, rc == LP2P_ENOMEM ? rc :
			    LP2P_EINVAL, "%s: bans[%d]: expected {\"ip\": IP, "
			    "\"until\": ms}", name, i);
		}
	}
	jv_free(bans);
	return 0;
}

/*
 * The fast reader.  libjq's parser takes ~40 ms for a full book; this one
 * reads the JSON grammar strictly (no duplicate keys, depth-bounded) in
 * one pass, turns each peer into a struct rawpeer and gives the other
 * (small) members to libjq.  Whatever it does not take as it is -- a
 * syntax error, a duplicate key, an exotic escape -- it leaves to the
 * general jv path, which then decides and words the error, so the two
 * cannot disagree on what a valid book is.
 */
struct rd {
	const char	*p, *end;
	int		 depth;
};

static int
rd_peek(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
	return r->p < r->end ? (unsigned char)*r->p : -1;
}

static int
rd_eat(struct rd *r, int c)
{
	if (rd_peek(r) != c)
		return -1;
	r->p++;
	return 0;
}

/* A string into buf (cap > 0): ASCII escapes only, else -1 (the jv path). */
static int
rd_str(struct rd *r, char *buf, size_t cap, int *cut)
{
	size_t n = 0;

	*cut = 0;
	if (rd_eat(r, '"') != 0)
		return -1;
	while (r->p < r->end) {
		unsigned char c = (unsigned char)*r->p++;

		if (c == '"') {
			buf[n] = '\0';
			return 0;
		}
		if (c < 0x20 || c >= 0x80)
			return -1;
		if (c == '\\') {
			if (r->p >= r->end)
				return -1;
			switch ((c = (unsigned char)*r->p++)) {
			case '"': case '\\': case '/':	break;
			case 'b':	c = '\b'; break;
			case 'f':	c = '\f'; break;
			case 'n':	c = '\n'; break;
			case 'r':	c = '\r'; break;
			case 't':	c = '\t'; break;
			default:	return -1;	/* \u...: the jv path */
			}
		}
		if (n + 1 < cap)
			buf[n++] = (char)c;
		else
			*cut = 1;
	}
	return -1;
}

#define RD_NUM_MAX	40	/* chars of a number the fast reader takes */

static int
rd_num(struct rd *r, double *out)
{
	const char *s, *p;
	char buf[RD_NUM_MAX + 1];

	rd_peek(r);
	s = p = r->p;
	if (p < r->end && *p == '-')
		p++;
	if (p < r->end && *p == '0')
		p++;
	else if (p < r->end && *p >= '1' && *p <= '9')
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	else
		return -1;
	if (p < r->end && *p == '.') {
		if (++p >= r->end || *p < '0' || *p > '9')
			return -1;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		if (++p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return -1;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p - s > RD_NUM_MAX)
		return -1;
	if (p - s <= 15 && memchr(s, '.', (size_t)(p - s)) == NULL &&
	    memchr(s, 'e', (size_t)(p - s)) == NULL &&
	    memchr(s, 'E', (size_t)(p - s)) == NULL) {
		/* an integer below 10^15: exact without strtod */
		int64_t v = 0;

		for (const char *q = *s == '-' ? s + 1 : s; q < p; q++)
			v = v * 10 + (*q - '0');
		*out = *s == '-' ? -(double)v : (double)v;
		r->p = p;
		return 0;
	}
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	*out = strtod(buf, NULL);
	r->p = p;
	return 0;
}

static int
rd_lit(struct rd *r, const char *lit)
{
	size_t n = strlen(lit);

	rd_peek(r);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

/* Any value, checked and skipped. */
static int
rd_skip(struct rd *r)
{
	char k[1];
	int cut, c = rd_peek(r);

	switch (c) {
	case '"':
		return rd_str(r, k, sizeof(k), &cut);
	case '{':
	case '[':
		if (++r->depth > LP2P_MAX_JSON_DEPTH)
			return -1;
		r->p++;
		if (rd_eat(r, c == '{' ? '}' : ']') == 0) {
			r->depth--;
			return 0;
		}
		for (;;) {
			if (c == '{' && (rd_str(r, k, sizeof(k), &cut) != 0 ||
			    rd_eat(r, ':') != 0))
				return -1;
			if (rd_skip(r) != 0)
				return -1;
			if (rd_eat(r, ',') == 0)
				continue;
			if (rd_eat(r, c == '{' ? '}' : ']') != 0)
				return -1;
			r->depth--;
			return 0;
		}
	case 't':
		return rd_lit(r, "true");
	case 'f':
		return rd_lit(r, "false");
	case 'n':
		return rd_lit(r, "null");
	}
	return rd_num(r, &(double){ 0 });
}

/* One value of a peer field into f (info: its text into *span). */
static int
rd_field(struct rd *r, struct rawf *f, const char **span, size_t *slen)
{
	const char *s;
	int c = rd_peek(r);

	switch (c) {
	case '"':
		f->k = RK_STR;
		return rd_str(r, f->str, sizeof(f->str), &f->cut);
	case 't':
		f->k = RK_TRUE;
		return rd_lit(r, "true");
	case 'f':
		f->k = RK_FALSE;
		return rd_lit(r, "false");
	case 'n':
		f->k = RK_NULL;
		return rd_lit(r, "null");
	case '{':
	case '[':
		s = r->p;
		if (rd_skip(r) != 0)
			return -1;
		f->k = c == '{' ? RK_OBJ : RK_OTHER;
		if (span != NULL) {
			*span = s;
			*slen = (size_t)(r->p - s);
		}
		return 0;
	}
	f->k = RK_NUM;
	return rd_num(r, &f->num);
}

/* The PF_ index of a peer's key, or PF_N. */
static int
peer_key(const char *k)
{
	static const int first[PF_N] = { 'p', 'i', 'p', 't', 'b', 's', 'd',
	    'l', 'f', 'r', 'a', 'i' };

	for (int i = 0; i < PF_N; i++)
		if (k[0] == first[i] && strcmp(k, peer_keys[i]) == 0)
			return i;
	return PF_N;
}

/* One peer object into rp (its info to free by the caller). */
static int
rd_peer(struct rd *r, struct rawpeer *rp)
{
	const char *span = NULL;
	size_t slen = 0;
	char key[32];
	int cut, i;

	memset(rp, 0, sizeof(*rp));
	rp->info = jv_null();
	if (rd_eat(r, '{') != 0)
		return -1;
	if (rd_eat(r, '}') == 0)
		return 0;
	for (;;) {
		if (rd_str(r, key, sizeof(key), &cut) != 0 ||
		    rd_eat(r, ':') != 0)
			return -1;
		i = cut ? PF_N : peer_key(key);
		if (i == PF_N) {
			if (rp->unknown[0] == '\0')
				strlcpy(rp->unknown, key, sizeof(rp->unknown));
			if (rd_skip(r) != 0)
				return -1;
		} else if (rp->f[i].k != RK_ABSENT) {
			return -1;		/* duplicate key */
		} else if (rd_field(r, &rp->f[i], i == PF_INFO ? &span : NULL,
		    &slen) != 0)
			return -1;
		if (rd_eat(r, ',') == 0)
			continue;
		if (rd_eat(r, '}') != 0)
			return -1;
		break;
	}
	if (span != NULL && rp->f[PF_INFO].k == RK_OBJ) {
		rp->info = jv_parse_sized(span, (int)slen);
		if (jv_get_kind(rp->info) != JV_KIND_OBJECT)
			return -1;
	}
	return 0;
}

static int load_bans(struct lp2p_book *, const char *, jv, struct lp2p_err *);
static int load_lists(struct lp2p_book *, const char *, jv,
    struct lp2p_err *);
static int load_jv(struct lp2p_book **, jv, const char *, struct lp2p_err *);

/*
 * 0: the book; 1: not taken; an error: the book is bad as far as this
 * reader got.  Anything but 0 sends the caller to the jv path, which reads
 * the whole text and so has the last word (and the wording) on every file
 * this reader stops short of.  The members before "peers" make the book
 * (checked as the jv path checks them); each peer is then checked and
 * inserted as it is read; after "peers" only "bans" and "lists" may
 * follow, once each, if they did not come before.  Any other layout (a
 * member twice among them) goes the jv path.
 */
static int
fast_load(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	struct rd r = { buf, buf + len, 0 };
	struct rawpeer rp;
	struct lp2p_book *nb = NULL;
	jv top = jv_object();
	char key[32];
	int cut, rc = 1, idx = 0, after = 0;
	bool top_bans = false, top_lists = false;	/* before "peers" */

	rp.info = jv_null();
	if (rd_eat(&r, '{') != 0 || rd_peek(&r) == '}')
		goto out;
	for (;;) {
		const char *s;
		jv v;

		if (rd_str(&r, key, sizeof(key), &cut) != 0 || cut ||
		    rd_eat(&r, ':') != 0)
			goto out;
		if (strcmp(key, "peers") == 0 && nb == NULL && !after) {
			top_bans = jv_object_has(jv_copy(top), jv_string("bans"));
			top_lists = jv_object_has(jv_copy(top),
			    jv_string("lists"));
			top = jv_object_set(top, jv_string(key), jv_array());
			rc = load_jv(&nb, top, name, err);
			top = jv_invalid();
			if (rc != 0)
				goto out;
			rc = 1;
			if (rd_eat(&r, '[') != 0)
				goto out;
			if (rd_eat(&r, ']') != 0)
				for (;;) {
					if (rd_peer(&r, &rp) != 0)
						goto out;
					rc = load_peer(nb, name, idx++, &rp,
					    err);
					if (rc != 0)
						goto out;
					rc = 1;
					if (rd_eat(&r, ',') == 0)
						continue;
					if (rd_eat(&r, ']') != 0)
						goto out;
					break;
				}
			after = 1;
		} else {
			rd_peek(&r);
			s = r.p;
			if (rd_skip(&r) != 0)
				goto out;
			v = jv_parse_sized(s, (int)(r.p - s));
			if (jv_get_kind(v) == JV_KIND_INVALID) {
				jv_free(v);
				goto out;
			}
			if (!after) {
				jv o = jv_object_get(jv_copy(top),
				    jv_string(key));
				int dup = jv_get_kind(o) != JV_KIND_INVALID;

				jv_free(o);
				if (dup) {
					jv_free(v);
					goto out;
				}
				top = jv_object_set(top, jv_string(key), v);
			} else if (strcmp(key, "bans") == 0 && after == 1 &&
			    !top_bans) {
				if ((rc = load_bans(nb, name, v, err)) != 0)
					goto out;
				rc = 1;
				after = 2;
			} else if (strcmp(key, "lists") == 0 && after <= 2 &&
			    !top_lists) {
				if ((rc = load_lists(nb, name, v, err)) != 0)
					goto out;
				rc = 1;
				after = 3;
			} else {
				jv_free(v);
				goto out;
			}
		}
		if (rd_eat(&r, ',') == 0)
			continue;
		if (rd_eat(&r, '}') != 0)
			goto out;
		break;
	}
	if (rd_peek(&r) != -1 || nb == NULL)
		goto out;			/* trailing bytes; no peers */
	*bp = nb;
	nb = NULL;
	rc = 0;
out:
	jv_free(top);
	jv_free(rp.info);
	lp2p_book_free(nb);
	return rc;
}

/*
 * Every text of a file goes through the strict checker before libjq sees
 * any of it: libjq 1.6 leaks on some invalid input ({"a""b"}: 18 bytes a
 * parse), and the fast reader hands spans of the file to jv_parse_sized.
 */
static int
book_json_check(const char *buf, size_t len, const char *name,
    struct lp2p_err *err)
{
	struct lp2p_err e;

	if (lp2p_json_check(buf, len, BOOK_MAX_DEPTH, &e) != 0)
		return lp2p_errf(err, LP2P_EINVAL, "%s: not JSON: %s", name,
		    e.msg);
	return 0;
}

static int load_checked(struct lp2p_book **, const char *, size_t,
    const char *, struct lp2p_err *);

/* What both readers check first: the size, then one strict JSON text. */
static int
load_precheck(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	*bp = NULL;
	if (len > LP2P_BOOK_MAX_FILE)
		return lp2p_errf(err, LP2P_EINVAL, "%s: larger than %d bytes",
		    name, LP2P_BOOK_MAX_FILE);
	return book_json_check(buf, len, name, err);
}

int
lp2p_book_load_mem(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	int rc;

	if ((rc = load_precheck(bp, buf, len, name, err)) != 0)
		return rc;
	/* the fast reader's "no" is checked and worded by the jv path */
	if ((rc = fast_load(bp, buf, len, name, err)) == 0)
		return 0;
	return load_checked(bp, buf, len, name, err);
}

int
lp2p__book_load_jv(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	int rc;

	if ((rc = load_precheck(bp, buf, len, name, err)) != 0)
		return rc;
	return load_checked(bp, buf, len, name, err);
}

/* buf passed the strict checker: libjq may parse it (and its parts). */
static int
load_checked(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	jv root, dup;
	int rc;

	*bp = NULL;
	/*
	 * libjq keeps the last of two members of a name without a word: a
	 * member twice is refused here (the fast reader takes no such file).
	 * A book has 9 member names: 16 members always reach one twice.
	 */
	dup = lp2p__json_dup_member(buf, len, 16);
	if (jv_get_kind(dup) == JV_KIND_STRING) {
		rc = lp2p_errf(err, LP2P_EINVAL,
		    "%s: member '%.64s' appears twice", name,
		    jv_string_value(dup));
		jv_free(dup);
		return rc;
	}
	jv_free(dup);
	root = jv_parse_sized(buf, (int)len);
	if (jv_get_kind(root) == JV_KIND_INVALID) {
		jv m = jv_invalid_get_msg(root);

		rc = lp2p_errf(err, LP2P_EINVAL, "%s: not JSON: %s", name,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
		    "parse error");
		jv_free(m);
		return rc;
	}
	return load_jv(bp, root, name, err);
}

/* The book in root (consumed), an object parsed from a file. */
static int
load_jv(struct lp2p_book **bp, jv root, const char *name,
    struct lp2p_err *err)
{
	static const char *const keys[] = { "format", "version", "chainID",
	    "secret", "generation", "savedAt", "peers", "bans", "lists",
	    NULL };
	struct lp2p_book *nb = NULL;
	jv v, peers;
	double d;
	char *bad;
	uint8_t *cid;
	long n;
	int rc, np;

	*bp = NULL;
	if (jv_get_kind(root) != JV_KIND_OBJECT) {
		jv_free(root);
		return lp2p_errf(err, LP2P_EINVAL, "%s: not a JSON object",
		    name);
	}
	v = jget(root, "format");
	rc = jv_get_kind(v) == JV_KIND_STRING &&
	    strcmp(jv_string_value(v), LP2P_BOOK_FORMAT) == 0;
	jv_free(v);
	if (!rc) {
		jv_free(root);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'format': not \"%s\": not a peer book", name,
		    LP2P_BOOK_FORMAT);
	}
	v = jget(root, "version");
	if (jnum(v, 1, MAX_SAFE_INT, &d) != 0) {
		jv_free(root);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'version': not a positive integer", name);
	}
	if (d > LP2P_BOOK_VERSION) {
		jv_free(root);
		return lp2p_errf(err, LP2P_EVERSION,
		    "%s: format version %.0f is newer than this program's "
		    "(%d); refusing to read or overwrite it", name, d,
		    LP2P_BOOK_VERSION);
	}
	if ((bad = stranger_key(jv_copy(root), keys)) != NULL) {
		rc = lp2p_errf(err, LP2P_EINVAL, "%s: unknown field '%.64s'",
		    name, bad);
		free(bad);
		jv_free(root);
		return rc;
	}
	if (jnum(jget(root, "secret"), 0,
	    4294967295.0, &d) != 0) {
		jv_free(root);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'secret': not an integer in 0..4294967295", name);
	}
	if ((rc = lp2p_book_new(&nb, (uint32_t)d, err)) != 0) {
		jv_free(root);
		return rc;
	}
	v = jget(root, "chainID");
	rc = LP2P_EINVAL;
	if (jv_get_kind(v) == JV_KIND_STRING &&
	    (n = lp2p_hex_decode(jv_string_value(v),
	    (size_t)jv_string_length_bytes(jv_copy(v)), &cid)) >= 0) {
		rc = lp2p_book_set_chain_id(nb, cid, (size_t)n);
		free(cid);
	}
	jv_free(v);
	if (rc != 0) {
		jv_free(root);
		lp2p_book_free(nb);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'chainID': not hex of at most %d bytes", name,
		    LP2P_BOOK_MAX_CHAIN_ID);
	}
	v = jget(root, "generation");
	if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) !=
	    JV_KIND_INVALID && jnum(jv_copy(v), 0, MAX_SAFE_INT, &d) != 0) {
		jv_free(v);
		jv_free(root);
		lp2p_book_free(nb);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'generation': not a count", name);
	}
	nb->generation = jv_get_kind(v) == JV_KIND_NUMBER ? (uint64_t)d : 0;
	jv_free(v);
	v = jget(root, "savedAt");
	if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) !=
	    JV_KIND_INVALID && jnum(jv_copy(v), 0, MAX_SAFE_INT, &d) != 0) {
		jv_free(v);
		jv_free(root);
		lp2p_book_free(nb);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'savedAt': not a time in ms", name);
	}
	jv_free(v);
	peers = jget(root, "peers");
	if (jv_get_kind(peers) != JV_KIND_ARRAY) {
		jv_free(peers);
		jv_free(root);
		lp2p_book_free(nb);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'peers': not an array", name);
	}
	np = jv_array_length(jv_copy(peers));
	for (int i = 0; i < np; i++) {
		struct rawpeer rp;
		jv p = jv_array_get(jv_copy(peers), i);

		if (jv_get_kind(p) != JV_KIND_OBJECT) {
			jv_free(p);
			jv_free(peers);
			jv_free(root);
			lp2p_book_free(nb);
			return lp2p_errf(err, LP2P_EINVAL,
			    "%s: peers[%d]: not an object", name, i);
		}
		rawpeer_jv(p, &rp);
		if ((rc = load_peer(nb, name, i, &rp, err)) != 0) {
			jv_free(peers);
			jv_free(root);
			lp2p_book_free(nb);
			return rc;
		}
	}
	jv_free(peers);
	v = jget(root, "bans");
	if (jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		v = jv_null();
	}
	if ((rc = load_bans(nb, name, v, err)) != 0) {
		jv_free(root);
		lp2p_book_free(nb);
		return rc;
	}
	v = jv_object_get(root, jv_string("lists"));
	if (jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		v = jv_null();
	}
	if ((rc = load_lists(nb, name, v, err)) != 0) {
		lp2p_book_free(nb);
		return rc;
	}
	*bp = nb;
	return 0;
}

static void
set_identity(struct lp2p_book *b, const struct stat *st)
{
	b->have_file = 1;
	b->f_dev = st->st_dev;
	b->f_ino = st->st_ino;
	b->f_size = st->st_size;
	b->f_mtim = st->st_mtim;
}

int
lp2p_book_load(struct lp2p_book **bp, const char *path, struct lp2p_err *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t r;
	int fd, rc;

	*bp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = errno;
		return lp2p_errf(err, rc == ENOENT ? LP2P_ENOTFOUND : -rc,
		    "%s: %s", path, strerror(rc));
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = S_ISREG(st.st_mode) ? -errno : LP2P_EINVAL;
		close(fd);
		return lp2p_errf(err, rc, "%s: not a regular file", path);
	}
	if (st.st_size > LP2P_BOOK_MAX_FILE) {
		close(fd);
		return lp2p_errf(err, LP2P_EINVAL, "%s: larger than %d bytes",
		    path, LP2P_BOOK_MAX_FILE);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return lp2p_errf(err, LP2P_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r == 0 ? LP2P_EINVAL : -errno;
			free(buf);
			close(fd);
			return lp2p_errf(err, rc, "%s: short read", path);
		}
		got += (size_t)r;
	}
	close(fd);
	rc = lp2p_book_load_mem(bp, buf, got, path, err);
	free(buf);
	if (rc == 0) {
		set_identity(*bp, &st);
		(*bp)->journaling = 1;
	}
	return rc;
}

/* ---- writing -------------------------------------------------------- */

struct sbuf {
	char	*p;
	size_t	 n, cap;
	int	 oom;
};

static void
sb_printf(struct sbuf *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
		va_end(ap);
		if (n < 0) {
			s->oom = 1;
			return;
		}
		if ((size_t)n < s->cap - s->n) {
			s->n += (size_t)n;
			return;
		}
		{
			size_t cap = s->cap * 2 + (size_t)n + 1;
			char *p = realloc(s->p, cap);

			if (p == NULL) {
				s->oom = 1;
				return;
			}
			s->p = p;
			s->cap = cap;
		}
	}
}

static int
write_peer(const struct lp2p_book *b, const struct lp2p__entry *e,
    struct sbuf *s, int first)
{
	sb_printf(s, "%s\n  {\"peerId\":\"%s:%u\",\"ipAddress\":\"%s\","
	    "\"port\":%u,\"table\":\"%s\",\"bucket\":%u,", first ? "" : ",",
	    e->ip, e->port, e->ip, e->port, e->table == LP2P_TABLE_NEW ?
	    "new" : "tried", e->bucket);
	if (e->source != NULL) {
		jv js = jv_dump_string(jv_string(e->source), 0);

		sb_printf(s, "\"sourceAddress\":%s,", jv_string_value(js));
		jv_free(js);
	} else
		sb_printf(s, "\"sourceAddress\":null,");
	sb_printf(s, "\"dateAdded\":%llu,\"lastSeen\":%llu,\"failures\":%u,"
	    "\"reputation\":%d,\"advertise\":%s",
	    (unsigned long long)e->date_added,
	    (unsigned long long)e->last_seen, e->failures, e->reputation,
	    e->advertise ? "true" : "false");
	if (jv_get_kind(e->info) == JV_KIND_OBJECT) {
		jv js = jv_dump_string(jv_copy(e->info), 0);

		sb_printf(s, ",\"info\":%s", jv_string_value(js));
		jv_free(js);
	}
	sb_printf(s, "}");
	(void)b;
	return 0;
}

static int
ban_line(const char *ip, uint64_t until, void *arg)
{
	struct sbuf *s = arg;

	sb_printf(s, "%s\n  {\"ip\":\"%s\",\"until\":%llu}",
	    s->n > 0 && s->p[s->n - 1] == '[' ? "" : ",", ip,
	    (unsigned long long)until);
	return 0;
}

/* The file's text into s. */
static void
render(const struct lp2p_book *b, uint64_t now, struct sbuf *s)
{
	char *cid = lp2p_hex_encode(b->chain_id, b->chain_id_len);
	int first = 1;

	if (cid == NULL) {
		s->oom = 1;
		return;
	}
	sb_printf(s, "{\"format\":\"%s\",\"version\":%d,\"chainID\":\"%s\","
	    "\"secret\":%u,\"generation\":%llu,\"savedAt\":%llu,\n"
	    "\"peers\":[", LP2P_BOOK_FORMAT, LP2P_BOOK_VERSION, cid,
	    b->secret, (unsigned long long)b->generation,
	    (unsigned long long)now);
	free(cid);
	for (int t = LP2P_TABLE_NEW; t <= LP2P_TABLE_TRIED; t++)
		for (uint32_t i = 0; i < b->tab[t].nbuckets; i++) {
			const struct lp2p__bucket *bk = b->tab[t].b[i];

			for (unsigned k = 0; bk != NULL && k < bk->n; k++) {
				write_peer(b, bk->e[k], s, first);
				first = 0;
			}
		}
	sb_printf(s, "],\n\"bans\":[");
	lp2p_book_foreach_ban(b, ban_line, s);
	sb_printf(s, "],\n\"lists\":{");
	for (int l = 0; l < LP2P_BOOK_NLISTS; l++) {
		const struct lp2p__list *li = &b->lists[l];

		sb_printf(s, "%s\n  \"%s\":[", l ? "," : "", list_names[l]);
		for (size_t i = 0; i < li->n; i++) {
			if (l == LP2P_LIST_BLACKLISTED)
				sb_printf(s, "%s\"%s\"", i ? "," : "",
				    li->v[i].ip);
			else
				sb_printf(s, "%s\"%s:%u\"", i ? "," : "",
				    li->v[i].ip, li->v[i].port);
		}
		sb_printf(s, "]");
	}
	sb_printf(s, "}}\n");
}

jv
lp2p_book_to_jv(const struct lp2p_book *b, uint64_t now)
{
	struct sbuf s = { NULL, 0, 0, 0 };
	jv v;

	if ((s.p = malloc(s.cap = 65536)) == NULL)
		return jv_invalid_with_msg(jv_string("out of memory"));
	s.p[0] = '\0';
	render(b, now, &s);
	v = s.oom ? jv_invalid_with_msg(jv_string("out of memory")) :
	    jv_parse_sized(s.p, (int)s.n);
	free(s.p);
	return v;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
lp2p_book_write(struct lp2p_book *b, const char *path, uint64_t now,
    struct lp2p_err *err)
{
	struct sbuf s = { NULL, 0, 0, 0 };
	struct stat st;
	char *tmp = NULL, *dir = NULL, *slash;
	int fd = -1, dfd, rc;

	lp2p_book_expire(b, now);
	b->generation++;
	/*
	 * Grown as the book renders (sb_printf): a 1 MiB buffer at once
	 * would be mmapped and unmapped, and glibc, seeing that, raises its
	 * mmap and trim thresholds for the life of the program, so that
	 * later large buffers stay resident in the heap once freed.
	 */
	if ((s.p = malloc(s.cap = 16 * 1024)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "%s: out of memory", path);
	s.p[0] = '\0';
	render(b, now, &s);
	if (s.oom || asprintf(&tmp, "%s.tmp.XXXXXX", path) == -1) {
		free(s.p);
		return lp2p_errf(err, LP2P_ENOMEM, "%s: out of memory", path);
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		rc = -errno;
		lp2p_errf(err, rc, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	if (fchmod(fd, 0644) == -1 || write_all(fd, s.p, s.n) == -1 ||
	    fsync(fd) == -1 || fstat(fd, &st) == -1) {
		rc = -errno;
		lp2p_errf(err, rc, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		rc = -errno;
		lp2p_errf(err, rc, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		rc = -errno;
		lp2p_errf(err, rc, "%s: %s", path, strerror(-rc));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* the rename itself must reach the disk */
	if ((dir = strdup(path)) == NULL) {
		rc = lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		goto out;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		strlcpy(dir, ".", 2);
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	set_identity(b, &st);
	lp2p__book_journal_clear(b);
	b->journaling = 1;	/* tied to a file now: keep changes for sync */
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(s.p);
	return rc;
}

/* ---- locking and merging ------------------------------------------- */

int
lp2p_book_lock(const char *path, unsigned timeout_ms, struct lp2p_err *err)
{
	char *lp;
	int fd, rc;
	unsigned waited = 0;

	if (asprintf(&lp, "%s.lock", path) == -1)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	if ((fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		rc = -errno;
		lp2p_errf(err, rc, "%s: %s", lp, strerror(-rc));
		free(lp);
		return rc;
	}
	for (;;) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = -errno;
			lp2p_errf(err, rc, "%s: %s", lp, strerror(-rc));
			close(fd);
			free(lp);
			return rc;
		}
		if (waited >= timeout_ms) {
			lp2p_errf(err, LP2P_ETIMEDOUT,
			    "%s: still locked by another process after %u ms",
			    lp, timeout_ms);
			close(fd);
			free(lp);
			return LP2P_ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
		waited += 5;
	}
	free(lp);
	return fd;
}

void
lp2p_book_unlock(int fd)
{
	if (fd >= 0) {
		(void)flock(fd, LOCK_UN);
		close(fd);
	}
}

int
lp2p_book_changed(const struct lp2p_book *b, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return b->have_file;
	return !b->have_file || st.st_dev != b->f_dev ||
	    st.st_ino != b->f_ino || st.st_size != b->f_size ||
	    st.st_mtim.tv_sec != b->f_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != b->f_mtim.tv_nsec;
}

#define SYNC_LOCK_MS	5000	/* ms a sync waits for another writer */

int
lp2p_book_sync(struct lp2p_book *b, const char *path, uint64_t now,
    struct lp2p_err *err)
{
	struct lp2p_book *fresh = NULL;
	int fd, rc;

	b->journaling = 1;
	if ((fd = lp2p_book_lock(path, SYNC_LOCK_MS, err)) < 0)
		return fd;
	if (lp2p_book_changed(b, path)) {
		rc = lp2p_book_load(&fresh, path, err);
		if (rc == 0) {
			(void)lp2p__book_replay(fresh, b);
			lp2p__book_swap(b, fresh);
			lp2p_book_free(fresh);
		} else if (rc != LP2P_ENOTFOUND) {
			lp2p_book_unlock(fd);
			return rc;
		}
	}
	rc = lp2p_book_write(b, path, now, err);
	lp2p_book_unlock(fd);
	return rc;
}

/* ---- the one way to open a chain's book ----------------------------- */

/* A loaded book of another chain ID is refused; one without takes ours. */
static int
open_check(struct lp2p_book **out, const char *path, const uint8_t *chain_id,
    size_t len, struct lp2p_err *err)
{
	uint8_t have[LP2P_BOOK_MAX_CHAIN_ID];
	size_t hlen = lp2p_book_chain_id(*out, have);
	char *h1, *h2;
	int rc;

	if (len > 0 && hlen > 0 && (hlen != len ||
	    memcmp(have, chain_id, len) != 0)) {
		h1 = lp2p_hex_encode(have, hlen);
		h2 = lp2p_hex_encode(chain_id, len);
		rc = lp2p_errf(err, LP2P_EINVAL, "%s: the book is for another "
		    "chain ID: a book of chain ID '%s', not the one asked for "
		    "('%s')", path, h1 ? h1 : "?", h2 ? h2 : "?");
		free(h1);
		free(h2);
		lp2p_book_free(*out);
		*out = NULL;
		return rc;
	}
	if (hlen == 0 && len > 0)
		lp2p_book_set_chain_id(*out, chain_id, len);
	return 0;
}

int
lp2p_book_open(struct lp2p_book **out, const char *path,
    const uint8_t *chain_id, size_t len, uint32_t secret, int create,
    uint64_t now, struct lp2p_err *err)
{
	int rc, fd;

	*out = NULL;
	if (len > LP2P_BOOK_MAX_CHAIN_ID)
		return lp2p_errf(err, LP2P_EINVAL, "%s: a chain ID of %zu "
		    "bytes (at most %d)", path, len, LP2P_BOOK_MAX_CHAIN_ID);
	if ((rc = lp2p_book_load(out, path, err)) == 0)
		return open_check(out, path, chain_id, len, err);
	if (rc != LP2P_ENOTFOUND || !create)
		return rc;
	/* create it under the lock, unless another process just did */
	if ((fd = lp2p_book_lock(path, 2000, err)) < 0)
		return fd;
	if ((rc = lp2p_book_load(out, path, err)) == 0) {
		lp2p_book_unlock(fd);
		return open_check(out, path, chain_id, len, err);
	}
	if (rc == LP2P_ENOTFOUND) {
		if ((rc = lp2p_book_new(out, secret, err)) == 0) {
			if (len > 0)
				lp2p_book_set_chain_id(*out, chain_id, len);
			/* the file exists from now on; changes are journaled */
			rc = lp2p_book_write(*out, path, now, err);
		}
	}
	lp2p_book_unlock(fd);
	if (rc != 0) {
		lp2p_book_free(*out);
		*out = NULL;
	}
	return rc;
}
