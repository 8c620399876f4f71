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

/* ---- node (pool.c, node.c) ------------------------------------------ */
/* (section owned by node.c) */

/* ---- network presets (network.c) ------------------------------------ */
/* (section owned by network.c) */

/* ---- watch: Lisk Core 4 payloads, jq filters, crawl ----------------- */
/* (section owned by liskcore.c, filter.c and crawl.c) */

/*
 * lisk32 addresses (LISK-CORE-4.md §3): "lsk" + 38 characters for 20
 * address bytes.  Encode returns 0, or LP2P_EINVAL unless len is 20;
 * decode returns 0, or LP2P_EINVAL for a wrong prefix, length, character
 * or checksum.
 */
#define LP2P_ADDRESS_LEN	20	/* bytes of a Lisk address */
#define LP2P_LISK32_LEN		41	/* characters of its lisk32 form */
int	 lp2p_lisk32_encode(const uint8_t *, size_t,
	    char [LP2P_LISK32_LEN + 1]);
int	 lp2p_lisk32_decode(const char *, uint8_t [LP2P_ADDRESS_LEN]);

/*
 * Lisk Core 4 payloads made readable.  lp2p_liskcore_new compiles the
 * Core 4 schemas once (free with lp2p_liskcore_free; NULL is a no-op).
 * lp2p_liskcore_decode takes the kind (an event's data, a request's data
 * or a response's data), the event or procedure name, and the bytes; on
 * success *out is a readable object (blocks: height, id, timestamp and
 * timestampISO, generatorAddress in lisk32, transaction ids and
 * summaries, counts).  Errors: LP2P_ENOTFOUND for a name Core 4 does not
 * use in that kind (getNodeInfo and getPeers belong to lisk-p2p),
 * LP2P_ECODEC for bytes that do not decode, LP2P_EFULL beyond a ceiling;
 * *out is then invalid.  The bytes are only read.
 */
#define LP2P_LC_EVENT		0	/* one-way message data */
#define LP2P_LC_REQUEST		1	/* rpc-request data */
#define LP2P_LC_RESPONSE	2	/* rpc response data */
struct lp2p_liskcore;
int	 lp2p_liskcore_new(struct lp2p_liskcore **, struct lp2p_err *);
void	 lp2p_liskcore_free(struct lp2p_liskcore *);
int	 lp2p_liskcore_decode(const struct lp2p_liskcore *, int, const char *,
	    const uint8_t *, size_t, jv *, struct lp2p_err *);

/*
 * A jq program run in-process (libjq), for --filter.  lp2p_filter_new
 * compiles it (LP2P_EINVAL with jq's message when it does not compile).
 * lp2p_filter_run feeds one input (consumed) and calls emit with each
 * output (emit owns it), in order, before it returns; it returns 0, or
 * LP2P_EINVAL with jq's message for a run-time error (outputs before the
 * error were emitted), or LP2P_EFULL past 10,000 outputs for one input.
 */
struct lp2p_filter;
int	 lp2p_filter_new(struct lp2p_filter **, const char *,
	    struct lp2p_err *);
int	 lp2p_filter_run(struct lp2p_filter *, jv, void (*)(jv, void *),
	    void *, struct lp2p_err *);
void	 lp2p_filter_free(struct lp2p_filter *);

#endif /* LISKP2P_H */
