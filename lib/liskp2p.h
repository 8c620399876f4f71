/*
 * liskp2p.h — the one public header of libliskp2p, a C implementation of
 * the peer-to-peer layer of Lisk (the wire protocol of @liskhq/lisk-p2p
 * 0.10, LIP 0004).
 *
 * Conventions (STYLE.md): opaque handles, no typedefs, lp2p_ prefix.
 * Functions return 0 or a negative LP2P_E* code (system errors as -errno,
 * libuv codes passed through); detail goes into the caller's struct
 * lp2p_err.  The library never prints, exits or aborts on input.  JSON
 * values cross the API as libjq's jv; a jv argument is consumed unless the
 * comment says otherwise.
 *
 * The header is in sections, one per module; each section is owned by its
 * module and edited only there.
 */
#ifndef LISKP2P_H
#define LISKP2P_H

#include <stddef.h>
#include <stdint.h>
#include <jq.h>
#include <jv.h>

#define LP2P_VERSION_STRING	"0.1.0"

/* ---- errors (util.c) ------------------------------------------------ */

#define LP2P_EINVAL	(-10001)	/* invalid argument or input */
#define LP2P_EPROTO	(-10002)	/* peer broke the protocol */
#define LP2P_ECODEC	(-10003)	/* lisk-codec decode/encode failure */
#define LP2P_ENOPEERS	(-10004)	/* no peer to send to */
#define LP2P_ETIMEDOUT	(-10005)	/* request or connect timed out */
#define LP2P_ECLOSED	(-10006)	/* connection closed */
#define LP2P_EREFUSED	(-10007)	/* peer refused us (close code) */
#define LP2P_EREMOTE	(-10008)	/* peer answered with an error */
#define LP2P_ENOTFOUND	(-10009)	/* no such peer, entry, key */
#define LP2P_EEXIST	(-10010)	/* already present */
#define LP2P_EFULL	(-10011)	/* a bounded queue or table is full */
#define LP2P_EVERSION	(-10012)	/* file of a newer format version */
#define LP2P_EBANNED	(-10013)	/* address is banned or blacklisted */
#define LP2P_ENOMEM	(-10014)	/* out of memory */

#define LP2P_ERR_MSG	512

struct lp2p_err {
	int	code;			/* the negative code returned */
	char	msg[LP2P_ERR_MSG];	/* "where: what", no newline */
};

/*
 * Record code and a printf-style message in err (which may be NULL) and
 * return code, so that callers can write `return lp2p_errf(err, ...)`.
 */
int	 lp2p_errf(struct lp2p_err *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* A static text for a code: LP2P_E*, -errno or a libuv code. */
const char *lp2p_strerror(int);

/* ---- bytes helpers (util.c) ---------------------------------------- */

/*
 * Hex and base64 as Lisk uses them.  Encoders return a NUL-terminated
 * malloc'd string (NULL on ENOMEM).  lp2p_hex_decode is strict (even
 * length, [0-9a-fA-F]); it returns the byte count or LP2P_EINVAL.
 * lp2p_b64_decode is Node's lenient decoder (§4.4 of WIRE.md): it skips
 * illegal characters, accepts -_ for +/, stops at the first '='.  Both
 * decoders write into a malloc'd *out (free it) and never fail on ENOMEM
 * silently: they return LP2P_ENOMEM.
 */
char	*lp2p_hex_encode(const uint8_t *, size_t);
long	 lp2p_hex_decode(const char *, size_t, uint8_t **);
char	*lp2p_b64_encode(const uint8_t *, size_t);
long	 lp2p_b64_decode(const char *, size_t, uint8_t **);

/* ---- randomness (util.c) -------------------------------------------- */

/*
 * One source of randomness for the whole library: arc4random by default.
 * lp2p_rand_seed(seed) switches this process to a deterministic generator
 * (for tests); lp2p_rand_seed(0) switches back.
 */
void	 lp2p_rand_seed(uint64_t);
uint32_t lp2p_rand_uniform(uint32_t);	/* [0, n), n > 0 */
void	 lp2p_rand_buf(void *, size_t);

/* ---- codec (codec.c) ------------------------------------------------ */
/* (section owned by codec.c) */

/* ---- addresses (addr.c) --------------------------------------------- */
/* (section owned by addr.c) */

/* ---- PeerBook (book.c, bookfile.c) ---------------------------------- */
/* (section owned by book.c and bookfile.c) */

/* ---- connections (ws.c, sc.c, peer.c) ------------------------------- */
/* (section owned by peer.c) */

/*
 * Close codes a lisk-p2p 0.10 peer sends or meets (WIRE.md §3.8), and
 * lp2p_close_reason(): the reference's text for a code (the SocketCluster
 * text when lisk-p2p has none, "" when unknown).
 */
#define LP2P_CLOSE_NORMAL		1000
#define LP2P_CLOSE_ABNORMAL		1006
#define LP2P_CLOSE_TOO_BIG		1009
#define LP2P_CLOSE_PING_TIMEOUT		4000	/* client: no #1 */
#define LP2P_CLOSE_PONG_TIMEOUT		4001	/* server: nothing in 20 s */
#define LP2P_CLOSE_HANDSHAKE_FAIL	4003
#define LP2P_CLOSE_HANDSHAKE_TIMEOUT	4005
#define LP2P_CLOSE_CONNECT_TIMEOUT	4007
#define LP2P_CLOSE_NO_HANDSHAKE		4009
#define LP2P_CLOSE_SELF			4101
#define LP2P_CLOSE_INCOMPATIBLE		4104
#define LP2P_CLOSE_INVALID_INFO		4105
#define LP2P_CLOSE_DUPLICATE		4404
#define LP2P_CLOSE_EVICTED		4418
#define LP2P_CLOSE_BAD_QUERY		4502
#define LP2P_CLOSE_BAD_ADDRESS		4503

const char *lp2p_close_reason(int);

/* ---- node (pool.c, node.c) ------------------------------------------ */
/* (section owned by node.c) */

/* ---- network presets (network.c) ------------------------------------ */
/* (section owned by network.c) */

#endif /* LISKP2P_H */
