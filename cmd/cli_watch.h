/*
 * cli_watch.h — p2p-watch's glue to stdio, the network flags and the
 * PeerBook, kept apart from p2p-watch.c so that the program stays a
 * list of options.  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_WATCH_H
#define LP2P_CLI_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <jv.h>

#include "liskp2p.h"
#include "cli_net.h"

/*
 * ---- output: NDJSON lines through the loop (cli_io.c: bounded queue,
 * DROPPED lines when the reader lags); on_gone when the reader is gone.
 */
void	 cli_watch_out_init(uv_loop_t *, void (*)(void *), void *);
void	 cli_watch_emit(jv);		/* one object (consumed) and \n */
/* Backpressure to c's peers; hot: messages as lines (no jv needed). */
void	 cli_watch_out_attach(struct lp2p_crawl *, bool hot);
void	 cli_watch_text(const char *);	/* raw text (the DOT graph) */
void	 cli_watch_out_close(uv_loop_t *);
size_t	 cli_watch_dropped(void);	/* lines dropped so far */
/* Message lines the hot path printed (they bypass on_event). */
size_t	 cli_watch_hot_lines(void);

/*
 * ---- the network: --network, --chain-id, --network-version are read by
 * cli_net.c (CLI_NET_LONGOPTS, as every program); here what a watch or
 * crawl makes of them.
 */
#define CLI_WATCH_MAX_SEEDS	64	/* seeds of a preset */
#define CLI_WATCH_PORT		7667	/* default port of a custom chain */
struct cli_watch_net {
	struct cli_net	 net;
	struct lp2p_schema *schema;	/* nodeInfo schema (NULL: plain) */
	char		*seedbuf[CLI_WATCH_MAX_SEEDS];	/* preset seeds */
	size_t		 nseeds;
	uint16_t	 port;
};
void	 cli_watch_net_init(struct cli_watch_net *);
/* Resolve the CLI_NET_OPT_* flags given to n->net; exit 2 with the reason. */
void	 cli_watch_net_finish(struct cli_watch_net *);
/* Fill a crawl configuration (chain, version, options, schema, port). */
void	 cli_watch_net_apply(const struct cli_watch_net *,
	    struct lp2p_crawl_config *);
/* The preset's seeds into out (at most max); returns how many. */
int	 cli_watch_net_seeds(const struct cli_watch_net *, const char **,
	    int);
void	 cli_watch_net_release(struct cli_watch_net *);

/*
 * "HOST:PORT" with HOST resolved to IPv4 (lisk-p2p peers are IPv4 only):
 * a malloc'd "A.B.C.D:PORT", or NULL with the reason in why[len].
 */
char	*cli_watch_resolve(const char *, char *, size_t);

/* ---- -b: feed the PeerBook ------------------------------------------ */
struct cli_book;
struct cli_book *cli_watch_book_open(const char *,
	    const struct cli_watch_net *);
/* A crawl record: reachable → tried, else new.  NULL book: no-op. */
void	 cli_watch_book_record(struct cli_book *, jv);	/* not consumed */
/* A watch event (discovered → new, connected → tried). */
void	 cli_watch_book_event(struct cli_book *, jv);	/* not consumed */
/* Save the changes so far (under the book's lock, merging others'). */
void	 cli_watch_book_flush(struct cli_book *);
/* Save and close (NULL: no-op); exit 1 when saving fails. */
void	 cli_watch_book_close(struct cli_book *);

#endif
