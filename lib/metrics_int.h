/*
 * metrics_int.h — the request reader of the metrics server (metrics.c),
 * apart from the sockets so that it can be fuzzed.  Internal.
 */
#ifndef LP2P_METRICS_INT_H
#define LP2P_METRICS_INT_H

#include <stddef.h>

#include <http_parser.h>

/* One scrape request being read; lp2p__mreq_init before the first feed. */
struct lp2p__mreq {
	http_parser	 parser;
	size_t		 nread;		/* request bytes so far */
	char		 path[256];	/* without the query */
	size_t		 pathlen;
	int		 long_path;	/* longer than path: 404 */
	int		 done;		/* request complete */
	int		 head;		/* HEAD: no body in the answer */
};

void	 lp2p__mreq_init(struct lp2p__mreq *);
/*
 * Feed len more bytes.  Returns 0 while more are needed, else the HTTP
 * status the request gets: 200 (GET or HEAD of /metrics or /), 400 (does
 * not parse), 404 (another path), 405 (another method), 431 (more than
 * LP2P_METRICS_MAX_REQUEST bytes).  Once it returned a status, do not
 * feed again.
 */
int	 lp2p__mreq_feed(struct lp2p__mreq *, const char *, size_t);

#endif /* LP2P_METRICS_INT_H */
