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
	struct addrinfo hints, *res;
	char host[256], ipbuf[INET_ADDRSTRLEN], *out;
	const char *colon = strrchr(hostport, ':');
	const char *errstr;
	long long port;
	int rc;

	if (colon == NULL || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(why, len, "not HOST:PORT");
		return NULL;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL) {
		snprintf(why, len, "port %s", errstr);
		return NULL;
	}
	if (host[0] == '[') {
		snprintf(why, len, "lisk-p2p peers are IPv4 only");
		return NULL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(why, len, "%s", gai_strerror(rc));
		return NULL;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
	    ipbuf, sizeof(ipbuf));
	freeaddrinfo(res);
	if (asprintf(&out, "%s:%lld", ipbuf, port) == -1)
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
	uint8_t id[LP2P_BOOK_MAX_CHAIN_ID];
	size_t len;
	int rc;

	if ((cb = calloc(1, sizeof(*cb))) == NULL ||
	    (cb->path = strdup(path)) == NULL)
		err(1, NULL);
	rc = lp2p_book_load(&cb->book, path, &e);
	if (rc == LP2P_ENOTFOUND) {
		uint32_t secret;

		lp2p_rand_buf(&secret, sizeof(secret));
		if (lp2p_book_new(&cb->book, secret, &e) != 0)
			errx(1, "-b %s: %s", path, e.msg);
		lp2p_book_set_chain_id(cb->book, n->net.chain_id,
		    n->net.chain_id_len);
		if (cli_book_mkdirs(path) != 0)
			err(1, "-b %s", path);
	} else if (rc != 0)
		errx(2, "-b %s: %s", path, e.msg);	/* left untouched */
	len = lp2p_book_chain_id(cb->book, id);
	if (len != n->net.chain_id_len ||
	    memcmp(id, n->net.chain_id, len) != 0)
		errx(2, "-b %s: the book is for another chain ID", path);
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

/* Reached: into tried, with what we learned (nodeInfo, latency). */
static void
book_reached(struct cli_book *cb, const char *ip, uint16_t port, jv v)
{
	char id[LP2P_PEERID_STRLEN];
	struct lp2p_book_entry e;
	jv info = jv_object();

	snprintf(id, sizeof(id), "%s:%u", ip, port);
	book_add(cb, ip, port, NULL);
	if (lp2p_book_upgrade(cb->book, id, cli_now_ms(), NULL) != 0)
		return;		/* banned meanwhile */
	memset(&e, 0, sizeof(e));
	e.last_seen = cli_now_ms();
	{
		jv ni = jv_object_get(jv_copy(v), jv_string("nodeInfo"));
		jv rtt = jv_object_get(jv_copy(v), jv_string("rttMs"));

		if (jv_get_kind(ni) == JV_KIND_OBJECT)
			info = jv_object_set(info, jv_string("nodeInfo"), ni);
		else
			jv_free(ni);
		if (jv_get_kind(rtt) == JV_KIND_NUMBER)
			info = jv_object_set(info, jv_string("rttMs"), rtt);
		else
			jv_free(rtt);
	}
	if (lp2p_book_update(cb->book, id, LP2P_UPD_LAST_SEEN | LP2P_UPD_INFO,
	    &e, info) == 0)
		cb->changes++;
}

/* Not reachable: into new if unknown; a tried entry counts a failure. */
static void
book_failed(struct cli_book *cb, const char *ip, uint16_t port)
{
	char id[LP2P_PEERID_STRLEN];
	struct lp2p_book_entry e;

	snprintf(id, sizeof(id), "%s:%u", ip, port);
	if (lp2p_book_lookup(cb->book, id, &e) == 0) {
		if (e.table == LP2P_TABLE_TRIED &&
		    lp2p_book_downgrade(cb->book, id, cli_now_ms()) > 0)
			cb->changes++;
		return;
	}
	book_add(cb, ip, port, NULL);
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
	if (jv_get_kind(r) == JV_KIND_TRUE)
		book_reached(cb, ip, port, rec);
	else
		book_failed(cb, ip, port);
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
		book_reached(cb, ip, port, ev);
	else if (strcmp(t, "EVENT_CONNECT_ABORT_OUTBOUND") == 0)
		book_failed(cb, ip, port);
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
