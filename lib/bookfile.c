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

static int
load_peer(struct lp2p_book *nb, const char *name, int idx, jv p,
    struct lp2p_err *err)
{
	static const char *const keys[] = { "peerId", "ipAddress", "port",
	    "table", "bucket", "sourceAddress", "dateAdded", "lastSeen",
	    "failures", "reputation", "advertise", "info", NULL };
	struct lp2p_book_entry e;
	struct lp2p_err e2;
	char where[96], *bad;
	const char *field = NULL;
	jv v;
	double d;
	int table = 0, rc;
	uint32_t bucket = 0;

	memset(&e, 0, sizeof(e));
	e.advertise = 1;
	e.reputation = LP2P_BOOK_REPUTATION;
	snprintf(where, sizeof(where), "%s: peers[%d]", name, idx);
	if (jv_get_kind(p) != JV_KIND_OBJECT) {
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL, "%s: not an object", where);
	}
	if ((bad = stranger_key(jv_copy(p), keys)) != NULL) {
		rc = lp2p_errf(err, LP2P_EINVAL, "%s: unknown field '%.64s'",
		    where, bad);
		free(bad);
		jv_free(p);
		return rc;
	}
	v = jget(p, "ipAddress");
	if (jv_get_kind(v) != JV_KIND_STRING ||
	    !lp2p_ipv4_is_valid(jv_string_value(v))) {
		jv_free(v);
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'ipAddress': not an IPv4 dotted quad", where);
	}
	strlcpy(e.ip, jv_string_value(v), sizeof(e.ip));
	jv_free(v);
	if (jnum(jget(p, "port"), 1, 65535,
	    &d) != 0) {
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s (%s): 'port': not an integer in 1..65535", where, e.ip);
	}
	e.port = (uint16_t)d;
	snprintf(e.peer_id, sizeof(e.peer_id), "%s:%u", e.ip, e.port);
	snprintf(where, sizeof(where), "%s: peers[%d] (%s)", name, idx,
	    e.peer_id);
	v = jget(p, "peerId");
	if (jv_get_kind(v) != JV_KIND_NULL && (jv_get_kind(v) !=
	    JV_KIND_STRING || strcmp(jv_string_value(v), e.peer_id) != 0)) {
		jv_free(v);
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'peerId': does not match ipAddress and port", where);
	}
	jv_free(v);
	v = jget(p, "table");
	if (jv_get_kind(v) == JV_KIND_STRING)
		table = strcmp(jv_string_value(v), "new") == 0 ?
		    LP2P_TABLE_NEW : strcmp(jv_string_value(v), "tried") == 0 ?
		    LP2P_TABLE_TRIED : 0;
	jv_free(v);
	if (table == 0) {
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'table': not \"new\" or \"tried\"", where);
	}
	if (jnum(jget(p, "bucket"), 0,
	    nb->tab[table].nbuckets - 1, &d) != 0) {
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'bucket': not an integer in 0..%u", where,
		    nb->tab[table].nbuckets - 1);
	}
	bucket = (uint32_t)d;
	v = jget(p, "sourceAddress");
	if (jv_get_kind(v) == JV_KIND_STRING &&
	    strlen(jv_string_value(v)) < sizeof(e.source))
		strlcpy(e.source, jv_string_value(v), sizeof(e.source));
	else if (jv_get_kind(v) != JV_KIND_NULL) {
		jv_free(v);
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'sourceAddress': not an address or null", where);
	}
	jv_free(v);
	if (jnum(jget(p, "dateAdded"), 0,
	    MAX_SAFE_INT, &d) != 0)
		field = "dateAdded";
	e.date_added = (uint64_t)d;
	v = jget(p, "lastSeen");
	if (jv_get_kind(v) == JV_KIND_NULL)
		d = 0;
	else if (jnum(jv_copy(v), 0, MAX_SAFE_INT, &d) != 0 && field == NULL)
		field = "lastSeen";
	jv_free(v);
	e.last_seen = (uint64_t)d;
	v = jget(p, "failures");
	if (jv_get_kind(v) == JV_KIND_NULL)
		d = 0;
	else if (jnum(jv_copy(v), 0, LP2P_BOOK_MAX_FAILURES - 1, &d) != 0 &&
	    field == NULL)
		field = "failures";
	jv_free(v);
	e.failures = (uint32_t)d;
	v = jget(p, "reputation");
	if (jv_get_kind(v) == JV_KIND_NULL)
		d = LP2P_BOOK_REPUTATION;
	else if (jnum(jv_copy(v), INT32_MIN, INT32_MAX, &d) != 0 &&
	    field == NULL)
		field = "reputation";
	jv_free(v);
	e.reputation = (int32_t)d;
	v = jget(p, "advertise");
	if (jv_get_kind(v) == JV_KIND_FALSE)
		e.advertise = 0;
	else if (jv_get_kind(v) != JV_KIND_TRUE &&
	    jv_get_kind(v) != JV_KIND_NULL && field == NULL)
		field = "advertise";
	jv_free(v);
	if (field != NULL) {
		jv_free(p);
		return lp2p_errf(err, LP2P_EINVAL, "%s: '%s': bad value",
		    where, field);
	}
	v = jv_object_get(p, jv_string("info"));
	if (jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		v = jv_null();
	}
	if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) !=
	    JV_KIND_OBJECT) {
		jv_free(v);
		return lp2p_errf(err, LP2P_EINVAL,
		    "%s: 'info': not an object", where);
	}
	if ((rc = lp2p__book_insert(nb, table, bucket, &e, v, &e2)) != 0)
		return lp2p_errf(err, rc == LP2P_ENOMEM ? rc : LP2P_EINVAL,
		    "%s: %s", where, e2.msg);
	return 0;
}

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

int
lp2p_book_load_mem(struct lp2p_book **bp, const char *buf, size_t len,
    const char *name, struct lp2p_err *err)
{
	static const char *const keys[] = { "format", "version", "chainID",
	    "secret", "generation", "savedAt", "peers", "bans", "lists",
	    NULL };
	struct lp2p_book *nb = NULL;
	jv root, v, peers;
	double d;
	char *bad;
	uint8_t *cid;
	long n;
	int rc, np;

	*bp = NULL;
	if (len > LP2P_BOOK_MAX_FILE)
		return lp2p_errf(err, LP2P_EINVAL, "%s: larger than %d bytes",
		    name, LP2P_BOOK_MAX_FILE);
	root = jv_parse_sized(buf, (int)len);
	if (jv_get_kind(root) == JV_KIND_INVALID) {
		jv m = jv_invalid_get_msg(root);

		rc = lp2p_errf(err, LP2P_EINVAL, "%s: not JSON: %s", name,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) :
		    "parse error");
		jv_free(m);
		return rc;
	}
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
	for (int i = 0; i < np; i++)
		if ((rc = load_peer(nb, name, i, jv_array_get(jv_copy(peers), i),
		    err)) != 0) {
			jv_free(peers);
			jv_free(root);
			lp2p_book_free(nb);
			return rc;
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
			const struct lp2p__bucket *bk = &b->tab[t].b[i];

			for (unsigned k = 0; k < bk->n; k++) {
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
	if ((s.p = malloc(s.cap = 1024 * 1024)) == NULL)
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
