/*
 * core4.h — the one decoder of Lisk Core 4 payloads (network.c), shared
 * by lp2p_network_decode (the full tree) and liskcore.c (the readable
 * summary built from that tree).  Internal: lp2p__ names.
 */
#ifndef LP2P_CORE4_H
#define LP2P_CORE4_H

#include <stddef.h>
#include <stdint.h>

#include "liskp2p.h"

/* Compiled Core 4 schemas; nodeInfo with the options schema of net. */
struct lp2p__core4;

/*
 * eager: compile every schema now (the decoder then never writes the
 * struct); else each one on its first use.  net may be NULL (nodeInfo
 * without options).  Free with lp2p__core4_free (NULL is a no-op).
 */
int	 lp2p__core4_new(struct lp2p__core4 **, const struct lp2p_network *,
	    int, struct lp2p_err *);
void	 lp2p__core4_free(struct lp2p__core4 *);

#define LP2P__C4_LENIENT 0x1	/* params / assets that do not decode stay
				   bytes, instead of failing the payload */
#define LP2P__C4_SIZES	0x2	/* "sizeBytes" in each block, transaction */

/* As lp2p_network_decode, with the schemas of c and the flags above. */
int	 lp2p__core4_decode(struct lp2p__core4 *, const char *, int, int,
	    const uint8_t *, size_t, jv *, struct lp2p_err *);

#endif /* LP2P_CORE4_H */
