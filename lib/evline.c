/*
 * evline.c — the hot path's event line (see evline.h).
 *
 * One received message in the common envelope becomes one NDJSON line,
 * written into the room the line sink reserves: the fixed parts copied,
 * base64 decoded straight to hex digits in one pass (Node's lenient
 * decoder, as lp2p_b64_decode: characters outside both alphabets
 * skipped, '=' ends the data, trailing bits dropped).  No jv, no
 * intermediate buffer.  The bytes equal lp2p_json_dump of the event
 * object (tests/unit/test_evline.c, tests/fuzz/fuzz_evline.c).
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "liskp2p.h"
#include "internal.h"
#include "evline.h"

/* base64 digit values (both alphabets); -1 skipped, -2 '=' (the end) */
static const signed char b64v[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -2, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* the two hex digits of every byte value */
static const char hex2[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static char *
put_byte(char *o, unsigned b)
{
	memcpy(o, hex2 + 2 * b, 2);
	return o + 2;
}

/* s[0..n) as hex of its lenient base64 decoding, at o; the end. */
static char *
b64_hex(char *o, const unsigned char *s, size_t n)
{
	uint32_t acc = 0, v;
	size_t i = 0;
	int bits = 0, d;

	while (i < n) {
		/* four plain digits at a byte boundary: three bytes */
		while (bits == 0 && n - i >= 4 && b64v[s[i]] >= 0 &&
		    b64v[s[i + 1]] >= 0 && b64v[s[i + 2]] >= 0 &&
		    b64v[s[i + 3]] >= 0) {
			v = (uint32_t)b64v[s[i]] << 18 |
			    (uint32_t)b64v[s[i + 1]] << 12 |
			    (uint32_t)b64v[s[i + 2]] << 6 |
			    (uint32_t)b64v[s[i + 3]];
			o = put_byte(o, v >> 16);
			o = put_byte(o, (v >> 8) & 0xff);
			o = put_byte(o, v & 0xff);
			i += 4;
		}
		if (i == n)
			break;
		if ((d = b64v[s[i++]]) == -2)
			break;
		if (d < 0)
			continue;
		acc = acc << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o = put_byte(o, (acc >> bits) & 0xff);
			acc &= (1u << bits) - 1;
		}
	}
	return o;
}

/* Whether s[0..n) is written by the dumper as is (no escapes). */
static bool
plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static char *
put(char *o, const char *s, size_t n)
{
	memcpy(o, s, n);
	return o + n;
}

void
lp2p__evline_ts(char *out)
{
	static _Thread_local time_t sec = -1;
	static _Thread_local char head[LP2P__TS_LEN + 8];
	struct timespec ts;
	struct tm tm;
	long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
		sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	memcpy(out, head, 19);
	out[19] = '.';
	out[20] = (char)('0' + ms / 100);
	out[21] = (char)('0' + ms / 10 % 10);
	out[22] = (char)('0' + ms % 10);
	out[23] = 'Z';
	out[24] = '\0';
}

#define RATE_MAX	32	/* bytes of a number as the dumper writes it */

/* rate as lp2p_json_dump writes a number; its length. */
static size_t
rate_text(char *out, double d)
{
	static _Thread_local double last = -1;
	static _Thread_local char text[RATE_MAX];
	static _Thread_local size_t len;
	jv s;

	if (isfinite(d) && d >= 0 && d < 1e15 && d == floor(d) &&
	    !signbit(d)) {
		char tmp[RATE_MAX];
		uint64_t u = (uint64_t)d;
		size_t n = 0, k;

		do
			tmp[n++] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		for (k = 0; k < n; k++)
			out[k] = tmp[n - 1 - k];
		return n;
	}
	if (d != last || len == 0) {	/* one jv per new rate, not per line */
		struct lp2p_buf b = { 0 };

		len = 0;
		s = jv_number(d);
		if (lp2p_json_dump(&b, s) == 0 && b.len < RATE_MAX) {
			memcpy(text, b.p, b.len);
			len = b.len;
			last = d;
		}
		jv_free(s);
		free(b.p);
		if (len == 0)
			return 0;
	}
	memcpy(out, text, len);
	return len;
}

#define HEAD1	"{\"ts\":\""
#define HEAD2	"\",\"type\":\"EVENT_MESSAGE_RECEIVED\",\"peerId\":\""
#define HEAD3	"\",\"event\":\""
#define HEAD4	"\",\"data\":\""
#define HEAD5	"\",\"rate\":"
#define LIT(s)	(sizeof(s) - 1)

size_t
lp2p__evline_max(size_t idlen, size_t namelen, size_t b64len)
{
	return LIT(HEAD1) + LP2P__TS_LEN + LIT(HEAD2) + idlen + LIT(HEAD3) +
	    namelen + LIT(HEAD4) + 2 * (b64len / 4 * 3 + 3) + LIT(HEAD5) +
	    RATE_MAX + 2;
}

int
lp2p__evline_message(const struct lp2p_line_sink *sink, const char *ts,
    const char *peer_id, const char *name, const char *b64, size_t b64len,
    double rate)
{
	size_t il = strlen(peer_id), nl = strlen(name), rl;
	char now[LP2P__TS_LEN + 1], num[RATE_MAX], *room, *o;

	if (!plain(peer_id, il) || !plain(name, nl) ||
	    (rl = rate_text(num, rate)) == 0)
		return LP2P_EINVAL;
	if (ts == NULL) {
		lp2p__evline_ts(now);
		ts = now;
	} else if (strlen(ts) != LP2P__TS_LEN || !plain(ts, LP2P__TS_LEN))
		return LP2P_EINVAL;
	if ((room = sink->reserve(lp2p__evline_max(il, nl, b64len),
	    sink->arg)) == NULL)
		return 0;		/* dropped: the sink counts it */
	o = put(room, HEAD1, LIT(HEAD1));
	o = put(o, ts, LP2P__TS_LEN);
	o = put(o, HEAD2, LIT(HEAD2));
	o = put(o, peer_id, il);
	o = put(o, HEAD3, LIT(HEAD3));
	o = put(o, name, nl);
	o = put(o, HEAD4, LIT(HEAD4));
	o = b64_hex(o, (const unsigned char *)b64, b64len);
	o = put(o, HEAD5, LIT(HEAD5));
	o = put(o, num, rl);
	*o++ = '}';
	*o++ = '\n';
	sink->commit((size_t)(o - room), sink->arg);
	return 0;
}
