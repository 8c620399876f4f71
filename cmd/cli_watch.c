/*
 * cli_watch.c — p2p-watch's glue: output, network flags, seeds, -b.
 */
#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_watch.h"

/* ---- output --------------------------------------------------------- */

void
cli_watch_out_init(uv_loop_t *loop)
{
	(void)loop;
}

void
cli_watch_emit(jv v)
{
	cli_emit(v);
}

void
cli_watch_text(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF) {
		if (errno == EPIPE)
			exit(0);
		err(1, "stdout");
	}
}

void
cli_watch_out_close(uv_loop_t *loop)
{
	(void)loop;
}

/* ---- network -------------------------------------------------------- */

void
cli_watch_net_init(struct cli_watch_net *n)
{
	memset(n, 0, sizeof(*n));
	n->options = jv_null();
	n->port = 7667;
}

void
cli_watch_net_flag(struct cli_watch_net *n, int ch, const char *arg)
{
	switch (ch) {
	case 'N':
		n->name = arg;
		break;
	case 'C':
		n->chain_hex = arg;
		break;
	case 'n':
		n->version = arg;
		break;
	}
}

/* A preset: chain, version, port, seeds, and the Core 4 options. */
static void
net_preset(struct cli_watch_net *n)
{
	const struct lp2p_network *net = lp2p_network_find(n->name);
	const char *const *seeds;
	struct lp2p_err e;
	const uint8_t *id;
	size_t len, k = 0;

	if (net == NULL)
		errx(2, "--network %s: unknown network (%s)", n->name,
		    lp2p_network_names());
	if (n->version != NULL)
		errx(2, "--network-version: only with --chain-id (--network "
		    "%s sets it)", n->name);
	id = lp2p_network_chain_id(net, &len);
	if (len > sizeof(n->chain_id))
		errx(1, "--network %s: chain ID too long", n->name);
	memcpy(n->chain_id, id, len);
	n->chain_id_len = len;
	strlcpy(n->network_version, lp2p_network_version(net),
	    sizeof(n->network_version));
	n->port = lp2p_network_port(net);
	/* Lisk Core refuses a nodeInfo without its options: send them */
	if (lp2p_schema_nodeinfo(&n->schema,
	    lp2p_network_options_schema(net), &e) != 0)
		errx(1, "--network %s: %s", n->name, e.msg);
	jv_free(n->options);
	n->options = lp2p_network_default_options(net);
	seeds = lp2p_network_seeds(net);
	for (size_t i = 0; seeds != NULL && seeds[i] != NULL &&
	    k < CLI_WATCH_MAX_SEEDS; i++)
		if (asprintf(&n->seedbuf[k++], "%s:%u", seeds[i],
		    n->port) == -1)
			err(1, NULL);
	n->nseeds = k;
}

void
cli_watch_net_finish(struct cli_watch_net *n)
{
	uint8_t *b;
	long len;

	if (n->name != NULL && n->chain_hex != NULL)
		errx(2, "--network and --chain-id: choose one");
	if (n->name != NULL) {
		net_preset(n);
		return;
	}
	if (n->chain_hex == NULL)
		errx(2, "no network: give --network NAME or --chain-id HEX");
	len = lp2p_hex_decode(n->chain_hex, strlen(n->chain_hex), &b);
	if (len < 0)
		errx(2, "--chain-id %s: not hex", n->chain_hex);
	if (len == 0 || (size_t)len > sizeof(n->chain_id)) {
		free(b);
		errx(2, "--chain-id %s: 1 to %zu bytes", n->chain_hex,
		    sizeof(n->chain_id));
	}
	memcpy(n->chain_id, b, (size_t)len);
	n->chain_id_len = (size_t)len;
	free(b);
	if (n->version == NULL)
		n->version = "1.0";
	if (*n->version == '\0' || strlcpy(n->network_version, n->version,
	    sizeof(n->network_version)) >= sizeof(n->network_version))
		errx(2, "--network-version '%s': empty or too long",
		    n->version);
}

void
cli_watch_net_apply(const struct cli_watch_net *n,
    struct lp2p_crawl_config *cfg)
{
	memcpy(cfg->chain_id, n->chain_id, n->chain_id_len);
	cfg->chain_id_len = n->chain_id_len;
	strlcpy(cfg->network_version, n->network_version,
	    sizeof(cfg->network_version));
	jv_free(cfg->options);
	cfg->options = jv_copy(n->options);
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
	jv_free(n->options);
	n->options = jv_null();
	lp2p_schema_free(n->schema);
	n->schema = NULL;
	for (size_t i = 0; i < n->nseeds; i++)
		free(n->seedbuf[i]);
	n->nseeds = 0;
}

char *
cli_watch_resolve(const char *hostport)
{
	struct addrinfo hints, *res;
	char host[256], ipbuf[INET_ADDRSTRLEN], *out;
	const char *colon = strrchr(hostport, ':');
	const char *errstr;
	long long port;
	int rc;

	if (colon == NULL || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host))
		errx(2, "--seed %s: not HOST:PORT", hostport);
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL)
		errx(2, "--seed %s: port %s", hostport, errstr);
	if (host[0] == '[')
		errx(2, "--seed %s: lisk-p2p peers are IPv4 only", hostport);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		errx(2, "--seed %s: %s", hostport, gai_strerror(rc));
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr,
	    ipbuf, sizeof(ipbuf));
	freeaddrinfo(res);
	if (asprintf(&out, "%s:%lld", ipbuf, port) == -1)
		err(1, NULL);
	return out;
}

/* ---- -b ------------------------------------------------------------- */

struct cli_book *
cli_watch_book_open(const char *path, const struct cli_watch_net *n)
{
	(void)n;
	errx(2, "-b %s: PeerBook files are not available yet", path);
}

void
cli_watch_book_record(struct cli_book *b, jv rec)
{
	(void)b;
	(void)rec;
}

void
cli_watch_book_event(struct cli_book *b, jv ev)
{
	(void)b;
	(void)ev;
}

void
cli_watch_book_close(struct cli_book *b)
{
	(void)b;
}
