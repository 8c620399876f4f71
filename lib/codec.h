/*
 * codec.h — internal to lib/: UTF-8 and Unicode NFC helpers of the codec
 * (nfc.c) and its ceilings.
 */
#ifndef LP2P_CODEC_H
#define LP2P_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define LP2P_CODEC_MAX_FIELDS	1024	/* properties in one schema object */

/* 1 if s is well-formed UTF-8 as WHATWG's fatal decoder sees it, else 0. */
int	lp2p__utf8_valid(const uint8_t *, size_t);
/* 1 if s (valid UTF-8) is in Unicode NFC (String.normalize('NFC')). */
int	lp2p__utf8_is_nfc(const uint8_t *, size_t);
/*
 * The NFC form of valid UTF-8 s into a malloc'd *out of *outlen bytes.
 * Returns 0, LP2P_EINVAL (not valid UTF-8) or LP2P_ENOMEM.
 */
int	lp2p__utf8_nfc(const uint8_t *, size_t, uint8_t **, size_t *);

#endif
