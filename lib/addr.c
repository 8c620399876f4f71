/*
 * addr.c — peer addresses: parsing, peerIds, the reference's network
 * classes, netgroups and bucket ids (LIP 0004, WIRE.md §11.2-11.3).
 *
 * The hash functions reproduce what @liskhq/lisk-p2p 0.10 computes from
 * an address *text*, quirks included: it splits the text on '.', reads
 * each group with JavaScript's parseInt (so IPv6 texts get a class from
 * their first hex group read as decimal) and writes each group as a byte
 * (NaN becomes 0; a value outside 0..255 throws).  Where the reference
 * throws, these functions return LP2P_EINVAL.  No state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#include "liskp2p.h"
#include "internal.h"

/* ---- strict parsing ------------------------------------------------- */

uint32_t
lp2p__ip_u32(const char *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, ip, &a) != 1)
		return 0;
	return ntohl(a.s_addr);
}

int
lp2p_ipv4_is_valid(const char *s)
{
	int groups = 0;

	for (;;) {
		int n = 0, v = 0;

		if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
			return 0;		/* leading zero */
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			if (++n > 3)
				return 0;
		}
		if (n == 0 || v > 255)
			return 0;
		if (++groups == 4)
			return *s == '\0';
		if (*s++ != '.')
			return 0;
	}
}

int
lp2p_addr_set(struct lp2p_addr *a, const char *ip, long port,
    struct lp2p_err *err)
{
	memset(a, 0, sizeof(*a));
	if (port < 1 || port > 65535)
		return lp2p_errf(err, LP2P_EINVAL, "port %ld: not in 1..65535",
		    port);
	if (strlen(ip) >= LP2P_IP_STRLEN)
		return lp2p_errf(err, LP2P_EINVAL, "address too long");
	if (lp2p_ipv4_is_valid(ip)) {
		a->family = 4;
		if (inet_pton(AF_INET, ip, a->bytes) != 1)
			return lp2p_errf(err, LP2P_EINVAL,
			    "'%s': not an IPv4 address", ip);
	} else if (strchr(ip, ':') != NULL &&
	    inet_pton(AF_INET6, ip, a->bytes) == 1) {
		a->family = 6;
	} else
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.64s': not an IPv4 dotted quad or IPv6 address", ip);
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, a->ip,
	    sizeof(a->ip)) == NULL)
		return lp2p_errf(err, LP2P_EINVAL, "'%.64s': bad address", ip);
	a->port = (uint16_t)port;
	return 0;
}

int
lp2p_addr_parse(struct lp2p_addr *a, const char *s, struct lp2p_err *err)
{
	char host[LP2P_IP_STRLEN];
	const char *colon, *p, *h = s;
	size_t hl;
	long port = 0;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			return lp2p_errf(err, LP2P_EINVAL,
			    "'%.80s': expected [IPV6]:PORT", s);
		h = s + 1;
		hl = (size_t)(colon - h);
		colon++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return lp2p_errf(err, LP2P_EINVAL,
			    "'%.80s': expected HOST:PORT", s);
		hl = (size_t)(colon - s);
		if (memchr(s, ':', hl) != NULL)
			return lp2p_errf(err, LP2P_EINVAL,
			    "'%.80s': write an IPv6 address as [IPV6]:PORT", s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return lp2p_errf(err, LP2P_EINVAL, "'%.80s': bad host", s);
	memcpy(host, h, hl);
	host[hl] = '\0';
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.80s': port '%.16s' not in 1..65535", s, p);
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return lp2p_errf(err, LP2P_EINVAL,
			    "'%.80s': port '%s' not a number", s, colon + 1);
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.80s': port %ld not in 1..65535", s, port);
	if (s[0] == '[' && strchr(host, ':') == NULL)
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.80s': not an IPv6 address in brackets", s);
	if (s[0] != '[' && !lp2p_ipv4_is_valid(host))
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.80s': '%s' is not an IPv4 dotted quad", s, host);
	if (lp2p_addr_set(a, host, port, err) != 0) {
		memset(a, 0, sizeof(*a));
		return lp2p_errf(err, LP2P_EINVAL,
		    "'%.80s': '%s' is not an IP address", s, host);
	}
	return 0;
}

/*
 * The library's one peerId formatter, the reference's `${ip}:${port}`,
 * without printf's cost (the book formats one per entry it hands out).
 */
char *
lp2p_peerid(char *buf, const char *ip, uint16_t port)
{
	size_t n = strnlen(ip, LP2P_IP_STRLEN + 1);
	unsigned p = port;
	char d[5];
	int k = 0;

	memcpy(buf, ip, n);
	buf[n++] = ':';
	do
		d[k++] = (char)('0' + p % 10);
	while ((p /= 10) > 0);
	while (k > 0)
		buf[n++] = d[--k];
	buf[n] = '\0';
	return buf;
}

char *
lp2p_addr_peerid(const struct lp2p_addr *a, char *buf, size_t len)
{
	char id[LP2P_PEERID_STRLEN], ip[LP2P_IP_STRLEN + 2];

	if (a->family == 6)		/* a text to dial: "[V6]:port" */
		snprintf(ip, sizeof(ip), "[%.*s]", LP2P_IP_STRLEN - 1, a->ip);
	else
		strlcpy(ip, a->ip, sizeof(ip));
	strlcpy(buf, lp2p_peerid(id, ip, a->port), len);
	return buf;
}

/* ---- the reference's reading of an address text ------------------- */

/* Length of a JavaScript white-space character at s, or 0. */
static size_t
js_space(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0)
		return 2;				/* NBSP */
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;				/* BOM */
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;				/* OGHAM SPACE */
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	    s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

#define JS_NAN	(-1000000)		/* parseInt gave NaN */
#define JS_BIG	1000000			/* saturation: far outside a byte */

/*
 * parseInt(text.split('.')[idx], 10) of the reference, saturated to
 * ±JS_BIG, or JS_NAN (also for a missing group: parseInt(undefined)).
 */
static long
js_group(const char *text, int idx)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n;
	long v = 0;
	int neg = 0, digits = 0;

	for (int i = 0; i < idx; i++) {
		if ((s = (const unsigned char *)strchr((const char *)s, '.')) ==
		    NULL)
			return JS_NAN;
		s++;
	}
	while ((n = js_space(s)) > 0)
		s += n;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if (v < JS_BIG)
			v = v * 10 + (*s - '0');
	if (digits == 0)
		return JS_NAN;
	if (v > JS_BIG)
		v = JS_BIG;
	return neg ? -v : v;
}

enum lp2p_netclass
lp2p_ip_netclass(const char *s)
{
	long a = js_group(s, 0), b;

	if (a == 127 || strcmp(s, "0.0.0.0") == 0)
		return LP2P_NET_LOCAL;
	if (a == 10)
		return LP2P_NET_PRIVATE;
	b = js_group(s, 1);
	if (a == 172 && b >= 16 && b <= 31)
		return LP2P_NET_PRIVATE;
	if (lp2p_ipv4_is_valid(s))
		return LP2P_NET_IPV4;
	return LP2P_NET_OTHER;
}

/* Buffer.writeUInt8 of the four groups: NaN is 0, outside a byte throws. */
static int
js_ip_bytes(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		long v = js_group(s, i);

		if (v == JS_NAN)
			v = 0;
		else if (v < 0 || v > 255)
			return LP2P_EINVAL;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
lp2p__ip_bytes_ok(const char *s)
{
	uint8_t b[4];

	return js_ip_bytes(s, b) == 0;
}

/* First four bytes of SHA-256 of the n bytes at p, big-endian. */
static uint32_t
hash32(const uint8_t *p, size_t n)
{
	SHA2_CTX ctx;
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256Init(&ctx);
	SHA256Update(&ctx, p, n);
	SHA256Final(d, &ctx);
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
	    (uint32_t)d[2] << 8 | d[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
lp2p_ip_netgroup(uint32_t secret, const char *ip, uint32_t *out)
{
	uint8_t buf[7], ab[4];
	enum lp2p_netclass net = lp2p_ip_netclass(ip);

	if (js_ip_bytes(ip, ab) != 0 || net == LP2P_NET_OTHER)
		return LP2P_EINVAL;
	put32(buf, secret);
	buf[4] = (uint8_t)net;
	buf[5] = ab[0];
	buf[6] = ab[1];
	*out = hash32(buf, sizeof(buf));
	return 0;
}

int
lp2p_ip_bucket(uint32_t secret, const char *target, const char *source,
    int tried, uint32_t count, uint32_t *out)
{
	uint8_t buf[4 + 1 + 2 + 2 + 16], tb[4], sb[4];
	enum lp2p_netclass net = lp2p_ip_netclass(target);
	uint32_t mod = tried ? 4 : 16, k;
	int src;

	if (count == 0 || js_ip_bytes(target, tb) != 0 ||
	    net == LP2P_NET_OTHER)
		return LP2P_EINVAL;
	put32(buf, secret);
	buf[4] = (uint8_t)net;
	if (net != LP2P_NET_IPV4) {
		*out = hash32(buf, 5) % count;
		return 0;
	}
	/* the reference reads a source even for the tried table */
	src = source != NULL && source[0] != '\0';
	if (src && js_ip_bytes(source, sb) != 0)
		return LP2P_EINVAL;
	src = src && !tried;
	if (src) {
		buf[5] = sb[0];
		buf[6] = sb[1];
		buf[7] = tb[0];
		buf[8] = tb[1];
		k = hash32(buf, 9) % mod;
	} else {
		memcpy(buf + 5, tb, 4);
		k = hash32(buf, 9) % mod;
		buf[5] = tb[0];
		buf[6] = tb[1];
	}
	memset(buf + 7, 0, mod);
	put32(buf + 7, k);
	*out = hash32(buf, 7 + mod) % count;
	return 0;
}
