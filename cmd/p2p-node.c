/*
 * p2p-node — a full lisk-p2p node: PeerServer, PeerPool and PeerBook on
 * one loop; events on stdout as NDJSON, commands on stdin as NDJSON
 * (p2p-node(1), liskp2p-events(7)).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_addr.h"
#include "cli_io.h"
#include "cli_net.h"
#include "cli_opt.h"
#include "cli_sig.h"
#include "cli_verbose.h"

#define PROG	"p2p-node"

static const struct cli_opt optab[] = {
	CLI_OPT_SHORT("peerbook", 'b', "FILE",
	    "the PeerBook file (created if missing)"),
	CLI_OPT_SHORT("help", 'h', NULL, "print this help and exit"),
	CLI_OPT_SHORT("quiet", 'q', NULL, "fewer diagnostics"),
	CLI_OPT_SHORT("verbose", 'v', NULL,
	    "log dials, inbound peers, closes and bans on stderr"),
	CLI_OPT_SHORT("version", 'V', NULL, "print the version and exit"),
	CLI_OPT_LONG("blacklist", 'B', "IP",
	    "never dial this IP, refuse its upgrades"),
	CLI_NET_OPTS,
	CLI_OPT_LONG("fixed", 'F', "HOST:PORT",
	    "always dialled, never evicted or banned"),
	CLI_OPT_LONG("listen", 'L', "[ADDR:]PORT",
	    "listen there (default 0.0.0.0:7667; 0: any port)"),
	CLI_OPT_LONG("max-inbound", 'I', "N", "inbound connections (100)"),
	CLI_OPT_LONG("max-inbound-per-ip", 'P', "N",
	    "inbound from one IP (4, routable IPs only unless given)"),
	CLI_OPT_LONG("max-inbound-per-netgroup", 'G', "N",
	    "inbound from one /16 (16, routable only unless given)"),
	CLI_OPT_LONG("max-message-rate", 'R', "N",
	    "messages per second before a penalty (100)"),
	CLI_OPT_LONG("max-outbound", 'O', "N", "outbound connections (20)"),
	CLI_OPT_LONG("metrics", 'M', "[ADDR:]PORT",
	    "serve Prometheus metrics over HTTP there"),
	CLI_OPT_LONG("no-advertise", 'A', NULL,
	    "ask peers not to pass our address on"),
	CLI_OPT_LONG("nonce", 'n', "STRING",
	    "this nonce instead of a random one (tests)"),
	CLI_OPT_LONG("option", 'o', "KEY=VALUE",
	    "a numeric P2PConfig option (populatorInterval=500)"),
	CLI_OPT_LONG("seed", 'S', "HOST:PORT",
	    "a seed peer, dialled at start (this run only)"),
	CLI_OPT_LONG("whitelist", 'w', "HOST:PORT",
	    "always gets an inbound slot, never banned"),
	CLI_OPT_END
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: p2p-node [-hqVv] [--network NAME | --chain-id HEX [--network-version V]]\n"
"                [--listen [ADDR:]PORT] [--seed HOST:PORT]... [--fixed HOST:PORT]...\n"
"                [--whitelist HOST:PORT]... [--blacklist IP]... [--max-inbound N]\n"
"                [--max-inbound-per-ip N] [--max-inbound-per-netgroup N]\n"
"                [--max-outbound N] [--max-message-rate N] [-b FILE] [--nonce STRING]\n"
"                [--no-advertise] [--option KEY=VALUE]... [--metrics [ADDR:]PORT]\n");
}

struct prog {
	uv_loop_t		*loop;
	struct lp2p_node	*node;
	struct cli_out		*out;
	struct cli_in		*in;
	struct cli_sig		 sig;		/* SIGINT, SIGTERM */
	struct lp2p_metrics	*metrics;	/* --metrics */
	int			 verbose;
	bool			 stopping;
	bool			 started;	/* STARTED is out */
	jv			 early;		/* events before STARTED */
};

struct cmdctx {
	struct prog	*pg;
	unsigned long	 lineno;
	jv		 id;
};

static void
verbose_event(const struct prog *pg, jv ev)
{
	if (pg->verbose > 0)
		cli_verbose_event(ev);
}

/* ev without its "ts": what makes two start-up events the same */
static int
same_event(jv a, jv b)
{
	int r = jv_equal(jv_object_delete(jv_copy(a), jv_string("ts")),
	    jv_object_delete(jv_copy(b), jv_string("ts")));

	return r;
}

static void
on_event(struct lp2p_node *n, jv ev, void *arg)
{
	struct prog *pg = arg;

	(void)n;
	if (!pg->started) {
		/*
		 * Dials that fail at once happen inside lp2p_node_start:
		 * held until STARTED is out, each distinct one once.
		 */
		jv_array_foreach(pg->early, i, e) {
			int dup = same_event(e, ev);

			jv_free(e);
			if (dup) {
				jv_free(ev);
				return;
			}
		}
		verbose_event(pg, ev);
		pg->early = jv_array_append(pg->early, ev);
		return;
	}
	verbose_event(pg, ev);
	cli_out_emit(pg->out, ev, false);
}

/* --metrics: the node's, and the DROPPED lines of stdout. */
static void
collect(struct lp2p_mtext *t, void *arg)
{
	struct prog *pg = arg;

	lp2p_node_metrics(pg->node, t);
	lp2p_mtext_head(t, "lisk_p2p_dropped_lines_total", "counter",
	    "Event lines dropped because stdout's reader lagged.");
	lp2p_mtext_sample(t, "lisk_p2p_dropped_lines_total", NULL,
	    (double)cli_out_dropped(pg->out));
}

static void
on_pressure(bool pause, void *arg)
{
	struct prog *pg = arg;

	lp2p_node_pause_reads(pg->node, pause);
}

static void
on_out_closed(void *arg)
{
	(void)arg;
}

static void
on_node_closed(struct lp2p_node *n, void *arg)
{
	struct prog *pg = arg;

	(void)n;
	cli_in_close(pg->in);
	cli_sig_close(&pg->sig);
	lp2p_metrics_close(pg->metrics, on_out_closed, pg);
	cli_out_close(pg->out, on_out_closed, pg);
}

static void
stop(struct prog *pg)
{
	if (pg->stopping)
		return;
	pg->stopping = true;
	lp2p_node_stop(pg->node);
}

static void
on_gone(void *arg)
{
	stop(arg);
}

static void
on_result(struct lp2p_node *n, jv res, void *arg)
{
	struct cmdctx *c = arg;
	struct prog *pg = c->pg;
	jv inv = jv_object_get(jv_copy(res), jv_string("invalid"));
	jv e = jv_object_get(jv_copy(res), jv_string("error"));
	jv op = jv_object_get(jv_copy(res), jv_string("op"));
	jv line;
	char buf[LP2P_ERR_MSG + 128];

	(void)n;
	if (jv_get_kind(inv) == JV_KIND_TRUE ||
	    (!jv_is_valid(c->id) && jv_get_kind(e) == JV_KIND_STRING)) {
		if (jv_get_kind(inv) == JV_KIND_TRUE ||
		    jv_get_kind(op) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(op)) == 0)
			snprintf(buf, sizeof(buf), "line %lu: %s", c->lineno,
			    jv_string_value(e));
		else
			snprintf(buf, sizeof(buf), "line %lu: %s: %s",
			    c->lineno, jv_string_value(op),
			    jv_string_value(e));
		line = JV_OBJECT(jv_string("type"), jv_string("ERROR"),
		    jv_string("error"), jv_string(buf));
		if (jv_is_valid(c->id))
			line = jv_object_set(line, jv_string("id"),
			    jv_copy(c->id));
		cli_out_emit(pg->out, line, true);
		jv_free(res);
	} else if (jv_is_valid(c->id)) {
		line = JV_OBJECT(jv_string("type"), jv_string("REPLY"),
		    jv_string("id"), jv_copy(c->id));
		cli_out_emit(pg->out, jv_object_merge(line, res), true);
	} else
		jv_free(res);
	jv_free(inv);
	jv_free(e);
	jv_free(op);
	jv_free(c->id);
	free(c);
}

static void
error_line(struct prog *pg, unsigned long lineno, const char *msg, jv id)
{
	char buf[LP2P_ERR_MSG + 64];
	jv line;

	snprintf(buf, sizeof(buf), "line %lu: %s", lineno, msg);
	line = JV_OBJECT(jv_string("type"), jv_string("ERROR"),
	    jv_string("error"), jv_string(buf));
	if (jv_is_valid(id))
		line = jv_object_set(line, jv_string("id"), id);
	else
		jv_free(id);
	cli_out_emit(pg->out, line, true);
}

static void
on_line(unsigned long lineno, const char *s, size_t len, void *arg)
{
	struct prog *pg = arg;
	struct cmdctx *c;
	struct lp2p_err e;
	jv v, msg;
	size_t i;

	if (s == NULL) {
		error_line(pg, lineno, "line longer than 1048576 bytes",
		    jv_invalid());
		return;
	}
	for (i = 0; i < len && strchr(" \t\r", s[i]) != NULL; i++)
		;
	if (i == len)
		return;
	if (lp2p_json_check(s, len, LP2P_MAX_JSON_DEPTH, &e) != 0) {
		error_line(pg, lineno, e.msg, jv_invalid());
		return;
	}
	v = jv_parse_sized(s, (int)len);
	if (!jv_is_valid(v)) {
		msg = jv_invalid_get_msg(v);
		error_line(pg, lineno, jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "not JSON", jv_invalid());
		jv_free(msg);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		jv_free(v);
		error_line(pg, lineno, "out of memory", jv_invalid());
		return;
	}
	c->pg = pg;
	c->lineno = lineno;
	c->id = jv_invalid();
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		c->id = jv_object_get(jv_copy(v), jv_string("id"));
		if (jv_get_kind(c->id) == JV_KIND_NULL) {
			jv_free(c->id);
			c->id = jv_invalid();
		}
	}
	lp2p_node_command(pg->node, v, on_result, c);
}

static void
on_eof(void *arg)
{
	(void)arg;	/* EOF on stdin does not stop the node */
}

/*
 * "HOST:PORT" (a host name resolved to its first IPv4 address) or "IP"
 * for the blacklist, by the one address parser (cli_addr.h).  Bad input
 * exits 2, unless soft (a preset's seed): then a warning.
 */
static void
add_peer_soft(struct lp2p_node_config *cfg, int list, const char *flag,
    const char *arg, int soft)
{
	struct lp2p_err e;
	char addr[CLI_ADDR_STRLEN], why[512], b[CLI_ADDR_SAFELEN];

	if (list == 'b') {
		cli_addr_ip_or_die(flag, arg);
		strlcpy(addr, arg, sizeof(addr));
	} else if (cli_addr_peer(arg, CLI_ADDR_RESOLVE, addr, why,
	    sizeof(why)) != 0) {
		if (!soft)
			errx(2, "%s %s: %s", flag, cli_addr_safe(arg, b), why);
		warnx("%s: seed %s skipped: %s", flag, cli_addr_safe(arg, b),
		    why);
		return;
	}
	if (lp2p_node_config_add(cfg, list, addr, &e) != 0)
		errx(2, "%s %s: %s", flag, cli_addr_safe(arg, b), e.msg);
}

static void
add_peer(struct lp2p_node_config *cfg, int list, const char *flag,
    const char *arg)
{
	add_peer_soft(cfg, list, flag, arg, 0);
}

/* Say which configured peers the node leaves out, and why. */
static void
warn_ignored(const struct lp2p_node_config *cfg)
{
	char *const *l[] = { cfg->seeds, cfg->fixed, cfg->whitelist };
	const size_t n[] = { cfg->nseeds, cfg->nfixed, cfg->nwhitelist };
	const char *name[] = { "seed", "fixed peer", "whitelisted peer" };
	const char *why;

	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < n[k]; i++)
			if ((why = lp2p_node_config_ignored(cfg, l[k][i])) !=
			    NULL)
				warnx("%s %s ignored: %s", name[k], l[k][i],
				    why);
}

static char *
default_book(const uint8_t *chain, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096], *hex, *path;

	if (state != NULL && state[0] == '/')
		snprintf(dir, sizeof(dir), "%s/liskp2p", state);
	else if (home != NULL)
		snprintf(dir, sizeof(dir), "%s/.local/state/liskp2p", home);
	else
		errx(2, "no -b given and neither XDG_STATE_HOME nor HOME set");
	for (char *p = dir + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		err(1, "%s", dir);
	if ((hex = lp2p_hex_encode(chain, len)) == NULL ||
	    asprintf(&path, "%s/%s.peerbook", dir, hex) == -1)
		err(1, NULL);
	free(hex);
	return path;
}

int
main(int argc, char *argv[])
{
	struct lp2p_node_config cfg;
	struct lp2p_node_cb cb = { on_event, on_node_closed };
	struct lp2p_err e;
	struct prog pg;
	struct cli_net net;
	const char *listen = NULL, *book = NULL, *metrics = NULL;
	char *eq, key[128];
	int ch, rc;

	cli_init();
	memset(&pg, 0, sizeof(pg));
	lp2p_node_config_init(&cfg);
	cli_net_init(&net);
	while ((ch = cli_opt_getopt(argc, argv, optab)) != -1) {
		switch (ch) {
		case 'A':
			cfg.advertise_address = 0;
			break;
		case 'B':
			add_peer(&cfg, 'b', "--blacklist", optarg);
			break;
		case 'b':
			book = optarg;
			break;
		case CLI_NET_OPT_NETWORK:
		case CLI_NET_OPT_CHAIN_ID:
		case CLI_NET_OPT_VERSION:
			cli_net_opt(&net, ch, optarg);
			break;
		case 'F':
			add_peer(&cfg, 'f', "--fixed", optarg);
			break;
		case 'h':
			usage(stdout);
			cli_opt_help(stdout, optab);
			return 0;
		case 'I':
			cfg.max_inbound_connections =
			    (uint32_t)cli_num("--max-inbound", optarg, 0, 4000);
			break;
		case 'G':
			cfg.max_inbound_per_netgroup = (uint32_t)cli_num(
			    "--max-inbound-per-netgroup", optarg, 1, 4000);
			break;
		case 'L':
			listen = optarg;
			break;
		case 'P':
			cfg.max_inbound_per_ip = (uint32_t)cli_num(
			    "--max-inbound-per-ip", optarg, 1, 4000);
			break;
		case 'M':
			metrics = optarg;
			break;
		case 'n':
			if (strlen(optarg) == 0 ||
			    strlen(optarg) >= sizeof(cfg.nonce))
				errx(2, "--nonce %s: 1 to %zu characters",
				    optarg, sizeof(cfg.nonce) - 1);
			strlcpy(cfg.nonce, optarg, sizeof(cfg.nonce));
			break;
		case 'O':
			cfg.max_outbound_connections =
			    (uint32_t)cli_num("--max-outbound", optarg, 0, 4000);
			break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    (size_t)(eq - optarg) >= sizeof(key))
				errx(2, "--option %s: not KEY=VALUE", optarg);
			memcpy(key, optarg, (size_t)(eq - optarg));
			key[eq - optarg] = '\0';
			if (lp2p_node_config_set(&cfg, key, eq + 1, &e) != 0)
				errx(2, "--option %s", e.msg);
			break;
		case 'q':
			pg.verbose--;
			break;
		case 'R':
			cfg.ws_max_message_rate = (uint32_t)cli_num(
			    "--max-message-rate", optarg, 1, 1000000);
			break;
		case 'S':
			add_peer(&cfg, 's', "--seed", optarg);
			break;
		case 'V':
			cli_version(PROG);
			return 0;
		case 'v':
			pg.verbose++;
			break;
		case 'w':
			add_peer(&cfg, 'w', "--whitelist", optarg);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		warnx("%s: unexpected argument", argv[optind]);
		usage(stderr);
		return 2;
	}
	cli_net_finish(&net, 1);
	memcpy(cfg.chain_id, net.chain_id, net.chain_id_len);
	cfg.chain_id_len = net.chain_id_len;
	strlcpy(cfg.network_version, net.version, sizeof(cfg.network_version));
	if (jv_get_kind(net.options_schema) == JV_KIND_OBJECT) {
		cfg.options_schema = jv_copy(net.options_schema);
		cfg.options = jv_copy(net.default_options);
	}
	for (size_t i = 0; net.seeds != NULL && net.seeds[i] != NULL; i++) {
		char s[300];

		/* the preset's seeds, unless seeds were given */
		if (cfg.nseeds > 0 && i == 0)
			break;
		snprintf(s, sizeof(s), "%s:%u", net.seeds[i], net.port);
		if (strchr(net.seeds[i], ':') != NULL)
			strlcpy(s, net.seeds[i], sizeof(s));
		add_peer_soft(&cfg, 's', "--network", s, 1);
	}
	cfg.port = net.port != 0 ? net.port : 7667;
	if (listen != NULL)
		cli_addr_listen_or_die("--listen", listen, cfg.host_ip,
		    &cfg.port);
	warn_ignored(&cfg);
	cfg.book_path = book != NULL ? strdup(book) :
	    default_book(cfg.chain_id, cfg.chain_id_len);
	if (cfg.book_path == NULL)
		err(1, NULL);

	pg.loop = uv_default_loop();
	if (cli_out_new(&pg.out, pg.loop, STDOUT_FILENO, on_gone, &pg) != 0)
		errx(1, "stdout: cannot write");
	pg.early = jv_array();
	if ((rc = lp2p_node_new(&pg.node, pg.loop, &cfg, &cb, &pg, &e)) != 0)
		errx(rc == LP2P_EINVAL || rc == LP2P_EVERSION ? 2 : 1, "%s",
		    e.msg);
	lp2p_node_config_release(&cfg);
	cli_net_release(&net);
	{
		/* stdout's backpressure and the hot path's line writer */
		struct lp2p_line_sink sink = { cli_out_reserve,
		    cli_out_commit, pg.out };

		cli_out_set_pressure(pg.out, on_pressure, &pg);
		lp2p_node_set_line_sink(pg.node, &sink);
	}
	cli_sig_start(&pg.sig, pg.loop, on_gone, &pg);
	if (cli_in_new(&pg.in, pg.loop, STDIN_FILENO, on_line, on_eof,
	    &pg) != 0)
		errx(1, "stdin: cannot read");
	if ((rc = lp2p_node_start(pg.node, &e)) != 0) {
		warnx("%s", e.msg);
		pg.started = true;	/* nothing more is held */
		jv_free(pg.early);
		pg.early = jv_null();
		stop(&pg);
		uv_run(pg.loop, UV_RUN_DEFAULT);
		lp2p_node_free(pg.node);
		cli_in_free(pg.in);
		cli_out_free(pg.out);
		return 1;
	}
	if (metrics != NULL && lp2p_metrics_new(&pg.metrics, pg.loop, metrics,
	    collect, &pg, &e) != 0) {
		warnx("--metrics %s: %s", metrics, e.msg + strlen("metrics: "));
		stop(&pg);
		uv_run(pg.loop, UV_RUN_DEFAULT);
		lp2p_node_free(pg.node);
		cli_in_free(pg.in);
		cli_out_free(pg.out);
		return 1;
	}
	{
		jv ev = JV_OBJECT(jv_string("type"), jv_string("STARTED"),
		    jv_string("port"), jv_number(lp2p_node_port(pg.node)));

		if (pg.metrics != NULL)
			ev = jv_object_set(ev, jv_string("metricsPort"),
			    jv_number(lp2p_metrics_port(pg.metrics)));

		ev = jv_object_set(ev, jv_string("nodeInfo"),
		    lp2p_node_info(pg.node));
		cli_out_emit(pg.out, ev, true);
		pg.started = true;
		jv_array_foreach(pg.early, i, held)
			cli_out_emit(pg.out, held, false);
		jv_free(pg.early);
		pg.early = jv_null();
	}
	uv_run(pg.loop, UV_RUN_DEFAULT);
	lp2p_node_free(pg.node);
	lp2p_metrics_free(pg.metrics);
	cli_in_free(pg.in);
	cli_out_free(pg.out);
	rc = uv_loop_close(pg.loop);
	(void)rc;
	return 0;
}
