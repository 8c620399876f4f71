/*
 * internal.h — shared inside lib/ only (lp2p__ names), never installed.
 * Every input has a named ceiling here, with its unit (STYLE.md 8).
 */
#ifndef LP2P_INTERNAL_H
#define LP2P_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "liskp2p.h"

/* ---- ceilings (those programs see too are in liskp2p.h) ------------- */
#define LP2P_HTTP_MAX_HEAD	(16 * 1024)	/* bytes of an upgrade head */
#define LP2P_MAX_PEER_INFO	20480		/* bytes of a peer/node info */
#define LP2P_MAX_JSON_VALUES	100000		/* values in a received JSON */
#define LP2P_MAX_SC_HANDSHAKE	4096		/* bytes of a #handshake message */

/* ---- small helpers -------------------------------------------------- */
#define LP2P_NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* The value of one hex digit (either case), or -1 (util.c). */
int	 lp2p__hexval(int);
/* Wall clock, ms since the epoch (util.c). */
uint64_t lp2p__now_ms(void);
/*
 * Room for one element more in an array (util.c): arrp is the address of
 * the array pointer, *cap its room, n the elements in use.  When n ==
 * *cap the room doubles (first, to begin with), never past max; at max
 * nothing is done, the caller keeps n below it.  0 or LP2P_ENOMEM (the
 * array as it was).
 */
int	 lp2p__grow(void *arrp, size_t *cap, size_t n, size_t first,
	    size_t max, size_t size);

/* ---- addr.c -------------------------------------------------------- */
/* 1 if the reference's getIPBytes() reads s without throwing (a source). */
int	 lp2p__ip_bytes_ok(const char *);
/* A dotted-quad IPv4 address as a host-order number; 0 for anything else. */
uint32_t lp2p__ip_u32(const char *);

/* ---- watch: filter.c, liskcore.c, crawl.c --------------------------- */
#define LP2P_FILTER_MAX_PROGRAM	(64 * 1024)	/* bytes of a jq program */
#define LP2P_FILTER_MAX_OUTPUTS	10000	/* jq outputs for one input */
#define LP2P_LC_MAX_ITEMS	10000	/* items summarised in one payload */
#define LP2P_WATCH_RETRY_MIN	10000	/* ms before a closed peer is retried */
#define LP2P_WATCH_RETRY_MAX	300000	/* ms, the back-off's ceiling */

/* ---- lisk32.c ------------------------------------------------------ */
/* lisk32 text of any number of bytes (codec "format": "lisk32"); free it. */
char	*lp2p__lisk32_encode_any(const uint8_t *, size_t);

/* ---- json.c: the strict checker ------------------------------------ */
/*
 * lp2p_json_check with the verdicts apart: 0, LP2P_EINVAL (not one JSON
 * text), LP2P_EFULL (nested deeper than maxdepth).  err may be NULL.
 */
int	 lp2p__json_check(const char *, size_t, int, struct lp2p_err *);
/* lp2p__json_check's verdict for more than LP2P_MAX_JSON_VALUES values. */
#define LP2P__JSON_MANY	(-10100)
/*
 * The first member name seen twice in the top-level object of a checked
 * text, among its first max members; jv_invalid() if none.
 */
jv	 lp2p__json_dup_member(const char *, size_t, int);

#endif /* LP2P_INTERNAL_H */
