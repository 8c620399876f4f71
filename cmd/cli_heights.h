/*
 * cli_heights.h — p2p-watch --heights: the chain state each peer reports
 * (height, maxHeightPrevoted and lastBlockID of its nodeInfo options, the
 * blocks it relays with postBlock), the consensus height, forks (peers
 * reporting different block ids at one height) and who announces each
 * new block first and who late.  Fed with watch events; it writes
 * NDJSON lines through emit, a HEIGHTS summary on demand, a table for a
 * terminal, and Prometheus samples for --metrics.  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_HEIGHTS_H
#define LP2P_CLI_HEIGHTS_H

#include <stdint.h>
#include <jv.h>

#include "liskp2p.h"

#define CLI_HEIGHTS_MAX_PEERS	1024	/* peers tracked (watch's ceiling) */
#define CLI_HEIGHTS_MAX_BLOCKS	512	/* (height, id) pairs remembered */
#define CLI_HEIGHTS_METRIC_PEERS 256	/* peers with per-peer samples */

struct cli_heights;

/*
 * lc (borrowed, may be NULL) decodes postBlock; without it only nodeInfo
 * announces blocks.  emit(line, arg) receives each line (owned).
 */
struct cli_heights *cli_heights_new(const struct lp2p_liskcore *,
	    void (*)(jv, void *), void *);
void	 cli_heights_free(struct cli_heights *);
/*
 * One watch event (borrowed).  quiet: keep the state, emit nothing
 * (--metrics without --heights).
 */
void	 cli_heights_event(struct cli_heights *, jv, int quiet);
/* {"type":"HEIGHTS","ts","bestHeight","consensusHeight","peers",...}. */
jv	 cli_heights_summary(const struct cli_heights *);
/* The summary as a text table for a terminal (malloc'd). */
char	*cli_heights_table(const struct cli_heights *);
void	 cli_heights_metrics(const struct cli_heights *, struct lp2p_mtext *);

#endif
