/*
 * cli_book.c — the PeerBook from a program's point of view (cli_book.h).
 */
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liskp2p.h"
#include "cli_book.h"

char *
cli_book_path(const char *path, const uint8_t *cid, long n)
{
	const char *state = getenv("XDG_STATE_HOME"), *home;
	char *hex, *p;
	int rc;

	if (path != NULL) {
		if ((p = strdup(path)) == NULL)
			err(1, NULL);
		return p;
	}
	if (n < 0) {
		warnx("no peer book: give -b FILE, --network NAME or "
		    "--chain-id HEX");
		return NULL;
	}
	if ((hex = lp2p_hex_encode(cid, (size_t)n)) == NULL)
		err(1, NULL);
	if (state != NULL && state[0] == '/')
		rc = asprintf(&p, "%s/liskp2p/%s.peerbook", state, hex);
	else {
		if ((home = getenv("HOME")) == NULL || home[0] == '\0') {
			free(hex);
			warnx("no peer book: HOME is not set; give -b FILE");
			return NULL;
		}
		rc = asprintf(&p, "%s/.local/state/liskp2p/%s.peerbook", home,
		    hex);
	}
	free(hex);
	if (rc == -1)
		err(1, NULL);
	return p;
}

int
cli_book_mkdirs(const char *path)
{
	char *d, *s;

	if ((d = strdup(path)) == NULL)
		return -1;
	for (s = d + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(d, 0700) == -1 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*s = '/';
	}
	free(d);
	return 0;
}

uint64_t
cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define DURATION_MAX	(100ULL * 365 * 86400000)	/* ms: a century */

uint64_t
cli_duration(const char *s, const char **errstr)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
	};
	uint64_t v = 0;
	const char *p = s;

	*errstr = NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > DURATION_MAX) {
			*errstr = "too large";
			return 0;
		}
	}
	if (p == s) {
		*errstr = "not a duration (e.g. 90s, 15m, 24h, 7d)";
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].unit) == 0) {
			if (v * units[i].ms > DURATION_MAX) {
				*errstr = "too large";
				return 0;
			}
			if (v == 0) {
				*errstr = "too small";
				return 0;
			}
			return v * units[i].ms;
		}
	*errstr = "not a duration (e.g. 90s, 15m, 24h, 7d)";
	return 0;
}

jv
cli_book_crawl_info(jv rec)
{
	jv info = jv_object();
	jv ni = jv_object_get(jv_copy(rec), jv_string("nodeInfo"));
	jv rtt = jv_object_get(jv_copy(rec), jv_string("rttMs"));

	if (jv_get_kind(ni) == JV_KIND_OBJECT)
		info = jv_object_set(info, jv_string("nodeInfo"), ni);
	else
		jv_free(ni);
	if (jv_get_kind(rtt) == JV_KIND_NUMBER)
		info = jv_object_set(info, jv_string("rttMs"), rtt);
	else
		jv_free(rtt);
	return info;
}

int
cli_book_crawled(struct lp2p_book *b, const char *ip, uint16_t port,
    const char *source, int reachable, jv info, uint64_t now, int *changed,
    struct lp2p_err *err)
{
	char id[LP2P_PEERID_STRLEN];
	struct lp2p_book_entry e;
	unsigned mask = LP2P_UPD_LAST_SEEN;
	int rc;

	lp2p_peerid(id, ip, port);
	if (!reachable && lp2p_book_lookup(b, id, &e) == 0) {
		jv_free(info);
		if (e.table == LP2P_TABLE_TRIED && lp2p_book_downgrade(b, id,
		    now) > 0)
			*changed = 1;
		return LP2P_EEXIST;
	}
	rc = lp2p_book_add(b, ip, port, source, now, NULL, err);
	if (rc == 0)
		*changed = 1;
	if (!reachable || (rc != 0 && rc != LP2P_EEXIST) ||
	    lp2p_book_upgrade(b, id, now, NULL) != 0) {
		jv_free(info);		/* banned meanwhile, or not reached */
		return rc;
	}
	memset(&e, 0, sizeof(e));
	e.last_seen = now;
	if (jv_get_kind(info) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(info)) > 0)
		mask |= LP2P_UPD_INFO;
	else {
		jv_free(info);
		info = jv_invalid();
	}
	if (lp2p_book_update(b, id, mask, &e, info) == 0)
		*changed = 1;
	return rc;
}
