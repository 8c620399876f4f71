/*
 * lisk32.c — Lisk addresses in their "lsk..." text form (LISK-CORE-4.md
 * §3): 20 bytes as 32 five-bit groups (most significant bit first), then
 * a 6-group BCH checksum over those groups alone (no HRP expansion),
 * spelled with the alphabet below.
 */
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"

static const char lisk32_chars[] = "zxvcpmbn3465o978uyrtkqew2adsjhfg";

static uint32_t
lisk32_polymod(const uint8_t *v, size_t n)
{
	static const uint32_t gen[5] = {
		0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3
	};
	uint32_t chk = 1, b;

	for (size_t i = 0; i < n; i++) {
		b = chk >> 25;
		chk = ((chk & 0x1ffffff) << 5) ^ v[i];
		for (int j = 0; j < 5; j++)
			if ((b >> j) & 1)
				chk ^= gen[j];
	}
	return chk;
}

/*
 * "lsk" + the 5-bit groups of any number of bytes (trailing bits that do
 * not fill a group are dropped, as lisk-cryptography does for a lisk32
 * "format" field of any length) + the 6-group checksum, into out of
 * 3 + n * 8 / 5 + 6 + 1 bytes.
 */
static void
lisk32_groups(const uint8_t *addr, size_t len, uint8_t *g, char *out)
{
	uint32_t acc = 0, chk;
	int bits = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | addr[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			g[n++] = (acc >> bits) & 31;
		}
	}
	memset(g + n, 0, 6);
	chk = lisk32_polymod(g, n + 6) ^ 1;
	for (int i = 0; i < 6; i++)
		g[n + i] = (chk >> (5 * (5 - i))) & 31;
	memcpy(out, "lsk", 3);
	for (size_t i = 0; i < n + 6; i++)
		out[3 + i] = lisk32_chars[g[i]];
	out[3 + n + 6] = '\0';
}

char *
lp2p__lisk32_encode_any(const uint8_t *b, size_t len)
{
	uint8_t *g;
	char *s;

	if (len > SIZE_MAX / 16)
		return NULL;
	if ((g = malloc(len * 8 / 5 + 6)) == NULL)
		return NULL;
	if ((s = malloc(3 + len * 8 / 5 + 6 + 1)) != NULL)
		lisk32_groups(b, len, g, s);
	free(g);
	return s;
}

int
lp2p_lisk32_encode(const uint8_t *addr, size_t len,
    char out[LP2P_LISK32_LEN + 1])
{
	uint8_t g[38];

	if (len != LP2P_ADDRESS_LEN)
		return LP2P_EINVAL;
	lisk32_groups(addr, len, g, out);	/* 160 bits = 32 groups */
	return 0;
}

int
lp2p_lisk32_decode(const char *s, uint8_t out[LP2P_ADDRESS_LEN])
{
	uint8_t g[38];
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	const char *p;

	if (strlen(s) != LP2P_LISK32_LEN || strncmp(s, "lsk", 3) != 0)
		return LP2P_EINVAL;
	for (int i = 0; i < 38; i++) {
		if (s[3 + i] == '\0' ||
		    (p = strchr(lisk32_chars, s[3 + i])) == NULL)
			return LP2P_EINVAL;
		g[i] = (uint8_t)(p - lisk32_chars);
	}
	if (lisk32_polymod(g, 38) != 1)
		return LP2P_EINVAL;
	for (int i = 0; i < 32; i++) {
		acc = (acc << 5) | g[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	return 0;
}

