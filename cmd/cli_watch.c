/*
 * cli_watch.c — p2p-watch's glue: output, network flags, seeds, -b.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_book.h"
#include "cli_io.h"
#include "cli_addr.h"
#include "cli_watch.h"

/* ---- output: through the loop (cli_io.c), never blocking peers ---- */

static struct cli_out *stdout_w;

static void
out_done(void *arg)
{
	(void)arg;
}

void
cli_watch_out_init(uv_loop_t *loop, void (*on_gone)(void *), void *arg)
{
	int rc;

	if ((rc = cli_out_new(&stdout_w, loop, STDOUT_FILENO, on_gone, arg)) != 0)
		errx(1, "stdout: %s", uv_strerror(rc));
}

static void
crawl_pressure(bool pause, void *arg)
{
	lp2p_crawl_pause_reads(arg, pause);
}

static size_t	hot_lines;	/* messages printed by the hot path */

static void
hot_commit(size_t len, void *arg)
{
	hot_lines++;
	cli_out_commit(len, arg);
}

/*
 * Backpressure from stdout to the crawl's peers; with hot, received
 * messages are written as lines straight into the output (no --filter,
 * --decode or --events needs them as values).
 */
void
cli_watch_out_attach(struct lp2p_crawl *c, bool hot)
{
	struct lp2p_line_sink sink = { cli_out_reserve, hot_commit,
	    stdout_w };

	cli_out_set_pressure(stdout_w, crawl_pressure, c);
	if (hot)
		lp2p_crawl_set_line_sink(c, &sink);
}

size_t
cli_watch_hot_lines(void)
{
	return hot_lines;
}

size_t
cli_watch_dropped(void)
{
	return stdout_w != NULL ? cli_out_dropped(stdout_w) : 0;
}

void
cli_watch_emit(jv v)
{
	cli_out_emit(stdout_w, v, false);
}

/*
 * Raw text, at the end of a run (the DOT graph; no NDJSON line is pending
 * then): written blocking, whatever libuv made of the descriptor.
 */
void
cli_watch_text(const char *s)
{
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	if (fl != -1 && (fl & O_NONBLOCK))
		fcntl(STDOUT_FILENO, F_SETFL, fl & ~O_NONBLOCK);
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF) {
		if (errno == EPIPE)
			return;
		err(1, "stdout");
	}
}

/* Flush what is queued (running the loop), then close. */
void
cli_watch_out_close(uv_loop_t *loop)
{
	cli_out_close(stdout_w, out_done, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	cli_out_free(stdout_w);
	stdout_w = NULL;
}

/* ---- network -------------------------------------------------------- */

void
cli_watch_net_init(struct cli_watch_net *n)
{
	memset(n, 0, sizeof(*n));
	cli_net_init(&n->net);
	n->port = CLI_WATCH_PORT;
}

void
cli_watch_net_finish(struct cli_watch_net *n)
{
	const char *const *seeds = NULL;
	struct lp2p_err e;
	size_t k = 0;

	cli_net_finish(&n->net, 1);
	if (strlen(n->net.version) >= sizeof(((struct lp2p_crawl_config *)
	    NULL)->network_version))
		errx(2, "--network-version %s: too long", n->net.version);
	if (n->net.preset == NULL)
		return;
	n->port = n->net.port;
	seeds = n->net.seeds;
	/* Lisk Core refuses a nodeInfo without its options: send them */
	if (jv_get_kind(n->net.options_schema) == JV_KIND_OBJECT &&
	    lp2p_schema_nodeinfo(&n->schema, jv_copy(n->net.options_schema),
	    &e) != 0)
		errx(1, "--network %s: %s", n->net.name, e.msg);
	for (size_t i = 0; seeds != NULL && seeds[i] != NULL &&
	    k < CLI_WATCH_MAX_SEEDS; i++)
		if (asprintf(&n->seedbuf[k++], "%s:%u", seeds[i],
		    n->port) == -1)
			err(1, NULL);
	n->nseeds = k;
}

void
cli_watch_net_apply(const struct cli_watch_net *n,
    struct lp2p_crawl_config *cfg)
{
	memcpy(cfg->chain_id, n->net.chain_id, n->net.chain_id_len);
	cfg->chain_id_len = n->net.chain_id_len;
	strlcpy(cfg->network_version, n->net.version,
	    sizeof(cfg->network_version));
	jv_free(cfg->options);
	cfg->options = jv_copy(n->net.default_options);
	cfg->nodeinfo_schema = n->schema;
	cfg->port = n->port;
}

int
cli_watch_net_seeds(const struct cli_watch_net *n, const char **out,
    int max)
{
	int k = 0;

	for (size_t i = 0; i < n->nseeds && k < max; i++)
		out[k++] = n->seedbuf[i];
	return k;
}

void
cli_watch_net_release(struct cli_watch_net *n)
{
	cli_net_release(&n->net);
	lp2p_schema_free(n->schema);
	n->schema = NULL;
	for (size_t i = 0; i < n->nseeds; i++)
		free(n->seedbuf[i]);
	n->nseeds = 0;
}

char *
cli_watch_resolve(const char *hostport, char *why, size_t len)
{
	char addr[CLI_ADDR_STRLEN], *out;

	if (cli_addr_peer(hostport, CLI_ADDR_RESOLVE, addr, why, len) != 0)
		return NULL;
	if ((out = strdup(addr)) == NULL)
		err(1, NULL);
	return out;
}

/* ---- -b ------------------------------------------------------------- */

struct cli_book {
	struct lp2p_book	*book;
	char			*path;
	unsigned		 changes;
};

struct cli_book *
cli_watch_book_open(const char *path, const struct cli_watch_net *n)
{
	struct cli_book *cb;
	struct lp2p_err e;
	uint32_t secret;
	int rc;

	if ((cb = calloc(1, sizeof(*cb))) == NULL ||
	    (cb->path = strdup(path)) == NULL)
		err(1, NULL);
	if (cli_book_mkdirs(path) != 0)
		err(1, "-b %s", path);
	lp2p_rand_buf(&secret, sizeof(secret));	/* for a new book */
	rc = lp2p_book_open(&cb->book, path, n->net.chain_id,
	    n->net.chain_id_len, secret, 1, cli_now_ms(), &e);
	if (rc == LP2P_EINVAL || rc == LP2P_EVERSION)
		errx(2, "%s", e.msg);	/* left untouched */
	if (rc != 0)
		errx(1, "%s", e.msg);
	/* written at once: the file exists, and our changes are journaled */
	if (lp2p_book_sync(cb->book, path, cli_now_ms(), &e) != 0)
		errx(1, "-b %s: %s", path, e.msg);
	return cb;
}

/* "A.B.C.D:PORT" of a record or event into ip and port; 0 or -1. */
static int
peer_of(jv v, char *ip, size_t iplen, uint16_t *port)
{
	jv id = jv_object_get(jv_copy(v), jv_string("peerId"));
	struct lp2p_addr a;
	int rc = -1;

	if (jv_get_kind(id) == JV_KIND_STRING &&
	    lp2p_addr_parse(&a, jv_string_value(id), NULL) == 0 &&
	    a.family == 4) {
		strlcpy(ip, a.ip, iplen);
		*port = a.port;
		rc = 0;
	}
	jv_free(id);
	return rc;
}

/* Known, or added to the new table (source may be NULL). */
static void
book_add(struct cli_book *cb, const char *ip, uint16_t port,
    const char *source)
{
	if (lp2p_book_add(cb->book, ip, port, source, cli_now_ms(), NULL,
	    NULL) == 0)
		cb->changes++;
}

/* A record or connection event: the one rule of cli_book_crawled. */
static void
book_crawled(struct cli_book *cb, const char *ip, uint16_t port,
    int reachable, jv v)
{
	int changed = 0;

	(void)cli_book_crawled(cb->book, ip, port, NULL, reachable,
	    reachable ? cli_book_crawl_info(v) : jv_null(), cli_now_ms(),
	    &changed, NULL);
	if (changed)
		cb->changes++;
}

void
cli_watch_book_record(struct cli_book *cb, jv rec)
{
	char ip[LP2P_IP_STRLEN];
	uint16_t port;
	jv r;

	if (cb == NULL || peer_of(rec, ip, sizeof(ip), &port) != 0)
		return;
	r = jv_object_get(jv_copy(rec), jv_string("reachable"));
	book_crawled(cb, ip, port, jv_get_kind(r) == JV_KIND_TRUE, rec);
	jv_free(r);
}

void
cli_watch_book_event(struct cli_book *cb, jv ev)
{
	char ip[LP2P_IP_STRLEN];
	const char *t;
	uint16_t port;
	jv type;

	if (cb == NULL || peer_of(ev, ip, sizeof(ip), &port) != 0)
		return;
	type = jv_object_get(jv_copy(ev), jv_string("type"));
	if (jv_get_kind(type) != JV_KIND_STRING) {
		jv_free(type);
		return;
	}
	t = jv_string_value(type);
	if (strcmp(t, "EVENT_DISCOVERED_PEER") == 0) {
		jv src = jv_object_get(jv_copy(ev), jv_string("sourceAddress"));

		book_add(cb, ip, port, jv_get_kind(src) == JV_KIND_STRING ?
		    jv_string_value(src) : NULL);
		jv_free(src);
	} else if (strcmp(t, "EVENT_CONNECT_OUTBOUND") == 0)
		book_crawled(cb, ip, port, 1, ev);
	else if (strcmp(t, "EVENT_CONNECT_ABORT_OUTBOUND") == 0)
		book_crawled(cb, ip, port, 0, ev);
	else if (strcmp(t, "EVENT_BAN_PEER") == 0) {
		if (lp2p_book_ban(cb->book, ip, port, cli_now_ms() +
		    LP2P_BOOK_BAN_TIME, NULL) == 0)
			cb->changes++;
	}
	jv_free(type);
}

void
cli_watch_book_flush(struct cli_book *cb)
{
	struct lp2p_err e;

	if (cb == NULL || cb->changes == 0)
		return;
	/* a failed save is retried at the next flush and at the end */
	if (lp2p_book_sync(cb->book, cb->path, cli_now_ms(), &e) == 0)
		cb->changes = 0;
	else
		warnx("-b %s: %s", cb->path, e.msg);
}

void
cli_watch_book_close(struct cli_book *cb)
{
	struct lp2p_err e;

	if (cb == NULL)
		return;
	if (lp2p_book_sync(cb->book, cb->path, cli_now_ms(), &e) != 0)
		errx(1, "-b %s: %s", cb->path, e.msg);
	lp2p_book_free(cb->book);
	free(cb->path);
	free(cb);
}
