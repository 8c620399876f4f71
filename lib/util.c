/*
 * util.c — errors, hex and base64 as Lisk uses them, and the library's one
 * source of randomness.  No state but the optional test seed.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "liskp2p.h"
#include "internal.h"

int
lp2p_errf(struct lp2p_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
lp2p_strerror(int code)
{
	switch (code) {
	case 0:			return "success";
	case LP2P_EINVAL:	return "invalid argument";
	case LP2P_EPROTO:	return "protocol error";
	case LP2P_ECODEC:	return "codec error";
	case LP2P_ENOPEERS:	return "no peers";
	case LP2P_ETIMEDOUT:	return "timed out";
	case LP2P_ECLOSED:	return "connection closed";
	case LP2P_EREFUSED:	return "refused by peer";
	case LP2P_EREMOTE:	return "remote error";
	case LP2P_ENOTFOUND:	return "not found";
	case LP2P_EEXIST:	return "already exists";
	case LP2P_EFULL:	return "full";
	case LP2P_EVERSION:	return "unsupported format version";
	case LP2P_EBANNED:	return "banned";
	case LP2P_ENOMEM:	return "out of memory";
	}
	if (code < 0 && code > -4096)
		return uv_strerror(code);	/* -errno and UV_E* alike */
	return "unknown error";
}

const char *
lp2p_err_name(int code)
{
	static const struct { int code; const char *name; } names[] = {
		{ LP2P_EINVAL, "LP2P_EINVAL" }, { LP2P_EPROTO, "LP2P_EPROTO" },
		{ LP2P_ECODEC, "LP2P_ECODEC" },
		{ LP2P_ENOPEERS, "LP2P_ENOPEERS" },
		{ LP2P_ETIMEDOUT, "LP2P_ETIMEDOUT" },
		{ LP2P_ECLOSED, "LP2P_ECLOSED" },
		{ LP2P_EREFUSED, "LP2P_EREFUSED" },
		{ LP2P_EREMOTE, "LP2P_EREMOTE" },
		{ LP2P_ENOTFOUND, "LP2P_ENOTFOUND" },
		{ LP2P_EEXIST, "LP2P_EEXIST" }, { LP2P_EFULL, "LP2P_EFULL" },
		{ LP2P_EVERSION, "LP2P_EVERSION" },
		{ LP2P_EBANNED, "LP2P_EBANNED" },
		{ LP2P_ENOMEM, "LP2P_ENOMEM" },
	};

	if (code == 0)
		return "0";
	for (size_t i = 0; i < LP2P_NELEM(names); i++)
		if (names[i].code == code)
			return names[i].name;
	if (code < 0 && code > -4096) {
		/* uv_err_name leaks for codes it does not know: the _r form */
		static _Thread_local char buf[48];

		uv_err_name_r(code, buf, sizeof(buf));	/* ENOENT, EPIPE ... */
		return buf;
	}
	return "unknown";
}

int
lp2p__grow(void *arrp, size_t *cap, size_t n, size_t first, size_t max,
    size_t size)
{
	void *a, *na;
	size_t c;

	if (n < *cap || *cap >= max)
		return 0;
	c = *cap == 0 ? first : *cap * 2;
	if (c > max)
		c = max;
	memcpy(&a, arrp, sizeof(a));
	if ((na = reallocarray(a, c, size)) == NULL)
		return LP2P_ENOMEM;
	memcpy(arrp, &na, sizeof(na));
	*cap = c;
	return 0;
}

/* ---- hex ------------------------------------------------------------ */

static const char hexdig[] = "0123456789abcdef";

char *
lp2p_hex_encode(const uint8_t *p, size_t n)
{
	char *s;

	if ((s = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = hexdig[p[i] >> 4];
		s[2 * i + 1] = hexdig[p[i] & 15];
	}
	s[n * 2] = '\0';
	return s;
}

int
lp2p__hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
lp2p_hex_decode(const char *s, size_t n, uint8_t **out)
{
	uint8_t *b;

	*out = NULL;
	if (n % 2 != 0 || n / 2 > LONG_MAX)
		return LP2P_EINVAL;
	if ((b = malloc(n / 2 + 1)) == NULL)
		return LP2P_ENOMEM;
	for (size_t i = 0; i < n; i += 2) {
		int hi = lp2p__hexval((unsigned char)s[i]);
		int lo = lp2p__hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return LP2P_EINVAL;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	return (long)(n / 2);
}

/* ---- base64 --------------------------------------------------------- */

static const char b64dig[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
lp2p_b64_encode(const uint8_t *p, size_t n)
{
	size_t i, o = 0;
	char *s;

	if ((s = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
		    p[i + 2];
		s[o++] = b64dig[v >> 18];
		s[o++] = b64dig[(v >> 12) & 63];
		s[o++] = b64dig[(v >> 6) & 63];
		s[o++] = b64dig[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		s[o++] = b64dig[v >> 18];
		s[o++] = b64dig[(v >> 12) & 63];
		s[o++] = i + 1 < n ? b64dig[(v >> 6) & 63] : '=';
		s[o++] = '=';
	}
	s[o] = '\0';
	return s;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long
lp2p_b64_decode(const char *s, size_t n, uint8_t **out)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;
	uint8_t *b;

	*out = NULL;
	if ((b = malloc(n / 4 * 3 + 3)) == NULL)
		return LP2P_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int v;

		if (s[i] == '=')
			break;
		if ((v = b64val((unsigned char)s[i])) < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*out = b;
	return (long)o;
}

/* ---- randomness ----------------------------------------------------- */

static int	 seeded;
static uint64_t	 rstate;

void
lp2p_rand_seed(uint64_t seed)
{
	seeded = seed != 0;
	rstate = seed;
}

static uint64_t
splitmix64(void)
{
	uint64_t z = (rstate += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
lp2p_rand_uniform(uint32_t n)
{
	if (n <= 1)
		return 0;
	if (!seeded)
		return arc4random_uniform(n);
	return (uint32_t)(((splitmix64() >> 32) * n) >> 32);
}

void
lp2p_rand_buf(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (!seeded) {
		arc4random_buf(buf, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(splitmix64() >> 56);
}

/* ---- time ------------------------------------------------------------ */

uint64_t
lp2p__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
