/*
 * policy.h — local defences beyond the reference (policy.c, issue 12):
 * who is accepted, remembered and dialed.  Internal; lp2p__ names.
 */
#ifndef LP2P_POLICY_H
#define LP2P_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lp2p_node;
struct lp2p_node_config;

/* ceilings and timers of the policy (STYLE 8) */
#define LP2P_POLICY_FAIL_SLOTS	4096	/* dial failures remembered */
#define LP2P_POLICY_BACKOFF_MIN	10000	/* ms after the 1st failure, default */
#define LP2P_POLICY_BACKOFF_MAX	3600000	/* ms, the back-off's ceiling */
#define LP2P_POLICY_TERRIBLE	5	/* failures: not learned again */
#define LP2P_POLICY_SOURCES	1024	/* sources remembered */
#define LP2P_POLICY_SOURCE_WINDOW 3600000 /* ms of one source's window */
#define LP2P_POLICY_SOURCE_CAP	250	/* new addresses per source+window */
#define LP2P_POLICY_ANCHORS	2	/* outbound peers kept as anchors */

struct lp2p__policy;

int	 lp2p__policy_new(struct lp2p__policy **);
void	 lp2p__policy_free(struct lp2p__policy *);
/* Bytes the policy holds (its tables grow on demand to their ceilings). */
size_t	 lp2p__policy_bytes(const struct lp2p__policy *);

/* 1 if ip is routable (the reference's class IPV4, not local/private). */
bool	 lp2p__policy_routable(const char *);
/* Inbound admission: 0, or a close code with reason (per-IP, per-/16). */
int	 lp2p__policy_inbound(const struct lp2p_node *, const char *ip,
	    int kind, char *reason, size_t);
/* Upgrades at once from one IP, and whether local addresses count. */
void	 lp2p__policy_upgrading(const struct lp2p_node_config *, uint32_t *,
	    bool *);
/* Outbound to ip allowed by the per-/16 rule (fixed and seeds exempt). */
bool	 lp2p__policy_outbound_ok(const struct lp2p_node *, const char *,
	    int kind);

/*
 * Dial outcomes: an address that fails is not dialed again for base ms
 * (the populator interval; 0: LP2P_POLICY_BACKOFF_MIN), doubled at each
 * further failure up to LP2P_POLICY_BACKOFF_MAX; a success forgets it.
 */
void	 lp2p__policy_dial_failed(struct lp2p__policy *, const char *,
	    uint16_t, uint64_t now, uint32_t base);
void	 lp2p__policy_dial_ok(struct lp2p__policy *, const char *, uint16_t);
bool	 lp2p__policy_may_dial(const struct lp2p__policy *, const char *,
	    uint16_t, uint64_t now);
/* Failures remembered for an address (0: none). */
unsigned lp2p__policy_failures(const struct lp2p__policy *, const char *,
	    uint16_t);

/*
 * An unknown address ip:port offered by source: true if it may enter the
 * book (the source is under its cap for this window and the address is
 * not terrible).  Counts it against the source when true.
 */
bool	 lp2p__policy_learn(struct lp2p__policy *, const char *source,
	    const char *ip, uint16_t, uint64_t now);
/* Addresses refused from source in its current window. */
unsigned lp2p__policy_refused(const struct lp2p__policy *, const char *);

/*
 * Test-before-evict (Bitcoin Core's): a new address that would evict a
 * tried one is not moved to tried; the old one is dialed first.  start
 * records the pair (false: LP2P_POLICY_EVICT_TESTS under way, or the old
 * one already tested); end takes the pair of a tested address and gives
 * the new address back (1), or 0 when none was under test.
 */
#define LP2P_POLICY_EVICT_TESTS	16	/* tests under way at once */
bool	 lp2p__policy_evict_test_start(struct lp2p__policy *, const char *,
	    uint16_t, const char *vip, uint16_t vport);
int	 lp2p__policy_evict_test_end(struct lp2p__policy *, const char *vip,
	    uint16_t vport, char *ip, size_t, uint16_t *port);

/*
 * Anchors (Bitcoin Core's): at stop the LP2P_POLICY_ANCHORS longest
 * connected outbound peers (not seed, not fixed) are written to
 * BOOK.anchors, replaced atomically (none: the file is removed); at
 * start they are dialed before the populator runs, and the file is
 * removed.  No book path: nothing.
 */
struct lp2p_err;
int	 lp2p__policy_anchors_save(const struct lp2p_node *,
	    struct lp2p_err *);
int	 lp2p__policy_anchors_dial(struct lp2p_node *, struct lp2p_err *);

#endif /* LP2P_POLICY_H */
