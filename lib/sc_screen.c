/*
 * sc_screen.c — received texts of the SocketCluster layer: decoding
 * (the strict checker of json.c before libjq, which leaks on some invalid
 * texts) and the two screens of WIRE.md §3.7 a server applies to every
 * message but "#2": the fast one, which recognises the common
 * remote-message envelope byte for byte without a parser (also the hot
 * path's split, lp2p__sc_fast_split), and the slow one, which parses and
 * checks each key.  Pure: no state, no I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sc.h"
#include "sc_int.h"

int
lp2p__sc_decode(const char *s, size_t n, jv *out)
{
	jv v;
	int rc;

	*out = jv_invalid();
	if (n > INT32_MAX)
		return LP2P_EPROTO;
	/* libjq 1.6 leaks on some invalid texts: only checked ones reach it */
	if ((rc = lp2p__json_check(s, n, LP2P_MAX_JSON_DEPTH, NULL)) != 0)
		return rc == LP2P_EFULL ? LP2P_EINVAL :
		    rc == LP2P__JSON_MANY ? LP2P_EFULL : LP2P_EPROTO;
	v = jv_parse_sized(s, (int)n);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return LP2P_EPROTO;
	}
	*out = v;
	return 0;
}

bool
lp2p__sc_is_integer(jv v)
{
	double d;

	if (jv_get_kind(v) != JV_KIND_NUMBER)
		return false;
	d = jv_number_value(v);
	return isfinite(d) && d == floor(d);
}

/* Length of a UTF-8 string in UTF-16 units, as JavaScript counts. */
static size_t
js_length(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80)
			n++;
		if ((*p & 0xf8) == 0xf0)
			n++;
	}
	return n;
}

/*
 * The common envelope, byte for byte:
 *   {"event":"remote-message","data":{"event":"NAME","data":"DATA"}}
 * NAME and DATA plain printable ASCII (no '"', no '\\').  Such a text is
 * valid JSON that the screen accepts; decoding it needs no parser.  Returns
 * the length of the plain run at s[i..n) that a '"' ends, or -1.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Whether one of the 8 bytes of v is < 0x20, > 0x7e, '"' or '\\'. */
static inline bool
word_stops(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return (((v - ONES * 0x20) & ~v) |		/* < 0x20 */
	    ((v + ONES * (127 - 0x7e)) | v) |		/* > 0x7e */
	    ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

static long
plain_run(const char *s, size_t n, size_t i)
{
	uint64_t v;
	size_t j;

	/* eight bytes at a time while none of them ends the run */
	for (j = i; n - j >= 8; j += 8) {
		memcpy(&v, s + j, 8);
		if (word_stops(v))
			break;
	}
	for (; j < n; j++) {
		unsigned char c = (unsigned char)s[j];

		if (c == '"')
			return (long)(j - i);
		if (c < 0x20 || c > 0x7e || c == '\\')
			return -1;
	}
	return -1;
}

int
lp2p__sc_fast_split(const char *s, size_t n, struct lp2p__sc_fast *f)
{
	static const char head[] =
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"";
	static const char mid[] = "\",\"data\":\"";
	size_t hl = sizeof(head) - 1, ml = sizeof(mid) - 1, i, ev, dv;
	long el, dl;

	if (n < hl + ml + 3 || n > INT32_MAX || memcmp(s, head, hl) != 0)
		return -1;
	ev = hl;
	if ((el = plain_run(s, n, ev)) < 0)
		return -1;
	i = ev + (size_t)el;
	if (n - i < ml || memcmp(s + i, mid, ml) != 0)
		return -1;
	dv = i + ml;
	if ((dl = plain_run(s, n, dv)) < 0)
		return -1;
	i = dv + (size_t)dl;
	if (n - i != 3 || memcmp(s + i, "\"}}", 3) != 0)
		return -1;
	f->name = s + ev;
	f->nlen = (size_t)el;
	f->data = s + dv;
	f->dlen = (size_t)dl;
	return 0;
}

int
lp2p__sc_screen_fast(const char *s, size_t n, jv *out)
{
	struct lp2p__sc_fast f;

	*out = jv_invalid();
	if (lp2p__sc_fast_split(s, n, &f) != 0)
		return -1;
	*out = jv_object_set(jv_object_set(jv_object(), jv_string("event"),
	    jv_string("remote-message")), jv_string("data"),
	    jv_object_set(jv_object_set(jv_object(), jv_string("event"),
	    jv_string_sized(f.name, (int)f.nlen)), jv_string("data"),
	    jv_string_sized(f.data, (int)f.dlen)));
	return 0;
}

int
lp2p__sc_screen(const char *s, size_t n, jv *out, char *why, size_t len)
{
	if (lp2p__sc_screen_fast(s, n, out) == 0)
		return 0;
	return lp2p__sc_screen_slow(s, n, out, why, len);
}

/* The screen with the strict checker and libjq, for every text. */
int
lp2p__sc_screen_slow(const char *s, size_t n, jv *out, char *why, size_t len)
{
	static const char *reserved[] = { "#authenticate", "#removeAuthToken",
	    "#subscribe", "#unsubscribe", "#publish" };
	jv v, keys;
	int rc;

	*out = jv_invalid();
	if (n > INT32_MAX || (rc = lp2p__sc_decode(s, n, &v)) == LP2P_EPROTO) {
		snprintf(why, len, "message is not JSON");
		return LP2P_EPROTO;
	}
	if (rc == LP2P_EINVAL) {
		snprintf(why, len, "JSON nested deeper than %d",
		    LP2P_MAX_JSON_DEPTH);
		return LP2P_EINVAL;
	}
	if (rc == LP2P_EFULL) {
		snprintf(why, len, "JSON of more than %d values",
		    LP2P_MAX_JSON_VALUES);
		return LP2P_EINVAL;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		snprintf(why, len, "packet is not an object");
		return LP2P_EPROTO;
	}
	keys = jv_keys(jv_copy(v));
	for (int i = 0; i < jv_array_length(jv_copy(keys)); i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		const char *ks = jv_string_value(k);
		jv m = jv_object_get(jv_copy(v), jv_copy(k));
		jv_kind kind = jv_get_kind(m);
		const char *bad = NULL;

		if (strcmp(ks, "event") == 0) {
			if (kind != JV_KIND_STRING)
				bad = "'event' is not a string";
			else if (js_length(jv_string_value(m)) >
			    LP2P_MAX_EVENT_NAME)
				bad = "'event' is too long";
			else
				for (size_t j = 0; j < LP2P_NELEM(reserved);
				    j++)
					if (strcmp(jv_string_value(m),
					    reserved[j]) == 0)
						bad = "reserved event";
		} else if (strcmp(ks, "cid") == 0 || strcmp(ks, "rid") == 0) {
			if (!lp2p__sc_is_integer(m))
				bad = "'cid'/'rid' is not an integer";
		} else if (strcmp(ks, "data") == 0 ||
		    strcmp(ks, "error") == 0) {
			if (kind != JV_KIND_OBJECT)
				bad = "'data'/'error' is not an object";
		} else
			bad = "unknown key in packet";
		jv_free(m);
		jv_free(k);
		if (bad != NULL) {
			snprintf(why, len, "%s", bad);
			jv_free(keys);
			jv_free(v);
			return LP2P_EPROTO;
		}
	}
	jv_free(keys);
	*out = v;
	return 0;
}
