/*
 * evline.h — the hot path's event lines (evline.c): a received message
 * written as its NDJSON line straight into a line sink, with no jv.
 * Inside lib/ only.
 */
#ifndef LP2P_EVLINE_H
#define LP2P_EVLINE_H

#include <stddef.h>

#include "liskp2p.h"

#define LP2P__TS_LEN	24	/* "2026-11-23T19:50:01.123Z" */

/* The event time stamp of now, as lp2p_event_new writes it; out[25]. */
void	 lp2p__evline_ts(char *out);

/*
 * Write the line of a received message into sink:
 *   {"ts":TS,"type":"EVENT_MESSAGE_RECEIVED","peerId":ID,"event":NAME,
 *    "data":HEX,"rate":RATE}\n
 * the bytes lp2p_json_dump gives for the event object the node builds
 * (HEX: data decoded as lp2p_b64_decode does, in one pass into the
 * sink's room).  ts NULL: now.  Returns 0 when written or when the sink
 * dropped it; LP2P_EINVAL when this line cannot be written here (a
 * string that needs escaping): the caller takes the jv path.
 */
int	 lp2p__evline_message(const struct lp2p_line_sink *, const char *ts,
	    const char *peer_id, const char *name, const char *b64,
	    size_t b64len, double rate);

/* The most bytes lp2p__evline_message can reserve for b64len bytes. */
size_t	 lp2p__evline_max(size_t idlen, size_t namelen, size_t b64len);

#endif /* LP2P_EVLINE_H */
