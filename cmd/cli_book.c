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
