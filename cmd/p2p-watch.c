/*
 * p2p-watch — observe a Lisk network (events as NDJSON), or crawl it.
 *
 * Thin: options are parsed here, the walking and watching is lib/crawl.c,
 * payload decoding lib/liskcore.c, filters lib/filter.c.  Every output
 * line goes through emit(): --events, --decode and --filter apply to
 * watch events and to crawl records alike.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_addr.h"
#include "cli_decode.h"
#include "cli_heights.h"
#include "cli_net.h"
#include "cli_opt.h"
#include "cli_sig.h"
#include "cli_verbose.h"
#include "cli_watch.h"

#define PROG		"p2p-watch"
#define MAX_SEEDS	1024		/* --seed flags */
#define MAX_EVENTS	32		/* types in --events */
#define MAX_DURATION	31536000	/* s, --duration ceiling (a year) */
#define BOOK_SAVE_MS	5000		/* ms between saves of -b FILE */
#define TABLE_MS	1000		/* --heights: terminal table redraw */
#define SUMMARY_MS	10000		/* --heights: HEIGHTS line period */

static const struct cli_opt optab[] = {
	CLI_OPT_SHORT("peerbook", 'b', "FILE",
	    "feed this PeerBook with what is seen"),
	CLI_OPT_SHORT("help", 'h', NULL, "print this help and exit"),
	CLI_OPT_SHORT("quiet", 'q', NULL, "no progress, no warnings"),
	CLI_OPT_SHORT("version", 'V', NULL, "print the version and exit"),
	CLI_OPT_SHORT("verbose", 'v', NULL,
	    "log dials, closes and bans on stderr"),
	CLI_NET_OPTS,
	CLI_OPT_LONG("bind", 'B', "ADDR", "dial from this IPv4 address"),
	CLI_OPT_LONG("crawl", 'c', NULL,
	    "visit every peer once, then a SUMMARY"),
	CLI_OPT_LONG("decode", 'd', NULL, "decode Lisk Core 4 payloads"),
	CLI_OPT_LONG("duration", 'D', "SECONDS", "stop after this long"),
	CLI_OPT_LONG("events", 'e', "TYPE,...", "print only these types"),
	CLI_OPT_LONG("filter", 'f', "JQ", "pass every line through jq"),
	CLI_OPT_LONG("graph", 'g', "dot",
	    "with --crawl: print who advertises whom"),
	CLI_OPT_LONG("heights", 'H', NULL,
	    "follow the chain: heights, blocks, forks"),
	CLI_OPT_LONG("max-message-rate", 'R', "N",
	    "watch: messages per second per peer before a penalty (100)"),
	CLI_OPT_LONG("max-peers", 'm', "N",
	    "watch: connections at a time (20)"),
	CLI_OPT_LONG("metrics", 'M', "[ADDR:]PORT",
	    "serve Prometheus metrics over HTTP there"),
	CLI_OPT_LONG("parallel", 'p', "N",
	    "crawl: connections at a time (10)"),
	CLI_OPT_LONG("seed", 's', "HOST:PORT", "start from this peer"),
	CLI_OPT_LONG("timeout", 't', "SECONDS",
	    "connect and handshake timeout (2)"),
	CLI_OPT_END
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: p2p-watch [-hqVv] [--network NAME | --chain-id HEX\n"
"                 [--network-version V]] [--seed HOST:PORT]... [-b FILE]\n"
"                 [--max-peers N] [--events TYPE,...] [--filter JQ]\n"
"                 [--duration SECONDS] [--decode] [--bind ADDR]\n"
"                 [--timeout SECONDS] [--max-message-rate N] [--heights]\n"
"                 [--metrics [ADDR:]PORT]\n"
"       p2p-watch --crawl [--parallel N] [--graph dot] [options above]\n");
}

/* Event types p2p-watch can print (--events names them). */
static const char *const event_types[] = {
	"EVENT_CONNECT_OUTBOUND", "EVENT_CONNECT_ABORT_OUTBOUND",
	"EVENT_CLOSE_OUTBOUND", "EVENT_MESSAGE_RECEIVED",
	"EVENT_REQUEST_RECEIVED", "EVENT_DISCOVERED_PEER",
	"EVENT_UPDATED_PEER_INFO", "EVENT_BAN_PEER", "EVENT_NETWORK_READY",
	"PEER", "SUMMARY", "HEIGHT", "HEIGHTS", "BLOCK", "ANNOUNCE", "FORK",
	NULL
};

struct watch {
	uv_loop_t		*loop;
	struct lp2p_crawl	*crawl;
	struct lp2p_liskcore	*lc;		/* --decode */
	struct lp2p_filter	*filter;	/* --filter */
	struct cli_book		*book;		/* -b */
	struct cli_heights	*ht;		/* --heights, --metrics */
	struct lp2p_metrics	*metrics;	/* --metrics */
	int			 heights_mode;	/* --heights */
	int			 table;		/* --heights on a terminal */
	uv_timer_t		 ht_timer;	/* table redraw, HEIGHTS lines */
	const char		*events[MAX_EVENTS + 1];	/* --events */
	int			 nevents;
	int			 crawl_mode, graph, decode, verbose, quiet;
	uint32_t		 parallel, max_peers;
	double			 duration, timeout;
	jv			 heights;	/* peerId -> height (--decode) */
	double			 net_height;
	uint64_t		 connects;	/* watch: handshakes done */
	uint64_t		 reached;	/* watch: peers connected or heard */
	jv			 summary;
	struct cli_sig		 sig;		/* SIGINT, SIGTERM */
	uv_timer_t		 stop_timer;	/* --duration */
	uv_timer_t		 progress;	/* crawl, stderr a terminal */
	uv_timer_t		 save;		/* -b: save every few seconds */
	int			 progress_on;
	int			 stopping;
	int			 filter_errors;
	int			 gone;		/* stdout's reader left */
};

/* ---- output --------------------------------------------------------- */

static void
filter_out(jv v, void *arg)
{
	(void)arg;
	cli_watch_emit(v);
}

/* One line (consumed) through --filter, or as is. */
static void
emit(struct watch *w, jv v)
{
	struct lp2p_err e;

	if (w->filter == NULL) {
		cli_watch_emit(v);
		return;
	}
	if (lp2p_filter_run(w->filter, v, filter_out, w, &e) != 0) {
		/* a program that fails on one event goes on with the next */
		if (w->filter_errors++ < 10 && !w->quiet)
			warnx("--filter: %s", e.msg + strlen("filter: "));
	}
}

static int
type_wanted(const struct watch *w, jv ev)
{
	jv t;
	int ok = 0;

	if (w->nevents == 0)
		return 1;
	t = jv_object_get(jv_copy(ev), jv_string("type"));
	if (jv_get_kind(t) == JV_KIND_STRING)
		for (int i = 0; i < w->nevents && !ok; i++)
			ok = strcmp(jv_string_value(t), w->events[i]) == 0;
	jv_free(t);
	return ok;
}

/* Whether --events lets EVENT_MESSAGE_RECEIVED through. */
static bool
message_wanted(const struct watch *w)
{
	for (int i = 0; i < w->nevents; i++)
		if (strcmp(w->events[i], "EVENT_MESSAGE_RECEIVED") == 0)
			return true;
	return w->nevents == 0;
}

/* ---- --decode ------------------------------------------------------- */

/* Height from a nodeInfo's options: the network height follows. */
static jv
track_height(struct watch *w, jv ev, jv info)
{
	jv opts, h, id;

	if (jv_get_kind(info) != JV_KIND_OBJECT) {
		jv_free(info);
		return ev;
	}
	opts = jv_object_get(info, jv_string("options"));
	if (jv_get_kind(opts) != JV_KIND_OBJECT) {
		jv_free(opts);
		return ev;
	}
	h = jv_object_get(jv_copy(opts), jv_string("height"));
	id = jv_object_get(jv_copy(ev), jv_string("peerId"));
	if (jv_get_kind(h) == JV_KIND_NUMBER &&
	    jv_get_kind(id) == JV_KIND_STRING) {
		double d = jv_number_value(h);

		w->heights = jv_object_set(w->heights, jv_copy(id),
		    jv_copy(h));
		if (d > w->net_height)
			w->net_height = d;
		opts = jv_object_set(opts, jv_string("networkHeight"),
		    jv_number(w->net_height));
		ev = jv_object_set(ev, jv_string("decoded"), jv_copy(opts));
	}
	jv_free(h);
	jv_free(id);
	jv_free(opts);
	return ev;
}

/* Field k of o (consumed), or jv_invalid() when o is not an object. */
static jv
field(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return jv_invalid();
	}
	return jv_object_get(o, jv_string(k));
}

/* Add "decoded" (or "decodeError") to a message or request event. */
static jv
decode_event(struct watch *w, jv ev)
{
	jv type = jv_object_get(jv_copy(ev), jv_string("type"));
	jv name = jv_invalid(), data;
	int kind;

	if (jv_get_kind(type) != JV_KIND_STRING) {
		jv_free(type);
		return ev;
	}
	if (strcmp(jv_string_value(type), "EVENT_MESSAGE_RECEIVED") == 0) {
		kind = LP2P_LC_EVENT;
		name = jv_object_get(jv_copy(ev), jv_string("event"));
	} else if (strcmp(jv_string_value(type), "EVENT_REQUEST_RECEIVED") ==
	    0) {
		kind = LP2P_LC_REQUEST;
		name = jv_object_get(jv_copy(ev), jv_string("procedure"));
	} else {
		if (strcmp(jv_string_value(type), "EVENT_CONNECT_OUTBOUND") ==
		    0)
			ev = track_height(w, ev, jv_object_get(jv_copy(ev),
			    jv_string("nodeInfo")));
		jv_free(type);
		return ev;
	}
	jv_free(type);
	data = jv_object_get(jv_copy(ev), jv_string("data"));
	if (jv_get_kind(name) != JV_KIND_STRING) {
		jv_free(name);
		jv_free(data);
		return ev;
	}
	if (jv_get_kind(data) == JV_KIND_OBJECT) {	/* postNodeInfo */
		jv_free(name);
		return track_height(w, ev, data);
	}
	ev = cli_decode(w->lc, kind, jv_string_value(name), data, ev);
	jv_free(name);
	jv_free(data);
	/* a block raises what we know of the network's height */
	{
		jv h = field(field(field(jv_copy(ev), "decoded"), "block"),
		    "height");

		if (jv_get_kind(h) == JV_KIND_NUMBER &&
		    jv_number_value(h) > w->net_height)
			w->net_height = jv_number_value(h);
		jv_free(h);
	}
	return ev;
}

/* ---- crawl and watch callbacks -------------------------------------- */

static void on_progress(uv_timer_t *);

static void
on_event(struct lp2p_crawl *c, jv ev, void *arg)
{
	struct watch *w = arg;
	jv t = jv_object_get(jv_copy(ev), jv_string("type"));

	(void)c;
	if (jv_get_kind(t) == JV_KIND_STRING) {
		const char *s = jv_string_value(t);

		/* a peer that connected or spoke to us was reached */
		if (strcmp(s, "EVENT_CONNECT_OUTBOUND") == 0)
			w->connects++;
		if (strcmp(s, "EVENT_CONNECT_OUTBOUND") == 0 ||
		    strcmp(s, "EVENT_MESSAGE_RECEIVED") == 0 ||
		    strcmp(s, "EVENT_REQUEST_RECEIVED") == 0 ||
		    strcmp(s, "EVENT_UPDATED_PEER_INFO") == 0)
			w->reached++;
		cli_watch_book_event(w->book, ev);
	}
	jv_free(t);
	if (w->verbose > 0)
		cli_verbose_event(ev);
	/* the tracker sees every event; --events picks printed lines */
	if (w->ht != NULL)
		cli_heights_event(w->ht, ev, !w->heights_mode || w->table);
	if (!type_wanted(w, ev)) {
		jv_free(ev);
		return;
	}
	if (w->heights_mode) {
		jv_free(ev);		/* its own lines instead */
		return;
	}
	if (w->decode)
		ev = decode_event(w, ev);
	emit(w, ev);
}

/* --heights: each line of the tracker, through --events and --filter. */
static void
on_heights_line(jv v, void *arg)
{
	struct watch *w = arg;

	if (!type_wanted(w, v)) {
		jv_free(v);
		return;
	}
	emit(w, v);
}

/* --heights: redraw the table (terminal) or print a HEIGHTS line. */
static void
on_ht_timer(uv_timer_t *t)
{
	struct watch *w = t->data;
	char *s;

	if (w->table) {
		if ((s = cli_heights_table(w->ht)) != NULL)
			cli_watch_text(s);
		free(s);
	} else
		on_heights_line(cli_heights_summary(w->ht), w);
}

/* --metrics: the watch's own counters and the chain heights. */
static void
collect(struct lp2p_mtext *t, void *arg)
{
	struct watch *w = arg;
	struct lp2p_crawl_stats s;

	if (w->crawl != NULL) {
		lp2p_crawl_stats(w->crawl, &s);
		lp2p_mtext_head(t, "lisk_p2p_watch_peers", "gauge",
		    "Peers connected now.");
		lp2p_mtext_sample(t, "lisk_p2p_watch_peers", NULL, s.active);
		lp2p_mtext_head(t, "lisk_p2p_watch_discovered", "gauge",
		    "Peers learned so far.");
		lp2p_mtext_sample(t, "lisk_p2p_watch_discovered", NULL,
		    s.discovered);
	}
	lp2p_mtext_head(t, "lisk_p2p_watch_connects_total", "counter",
	    "Successful outbound connections.");
	lp2p_mtext_sample(t, "lisk_p2p_watch_connects_total", NULL,
	    (double)w->connects);
	lp2p_mtext_head(t, "lisk_p2p_dropped_lines_total", "counter",
	    "Event lines dropped because stdout's reader lagged.");
	lp2p_mtext_sample(t, "lisk_p2p_dropped_lines_total", NULL,
	    (double)cli_watch_dropped());
	if (w->ht != NULL)
		cli_heights_metrics(w->ht, t);
}

static void
on_peer(struct lp2p_crawl *c, jv rec, void *arg)
{
	struct watch *w = arg;

	(void)c;
	cli_watch_book_record(w->book, rec);
	if (w->graph || !type_wanted(w, rec)) {
		jv_free(rec);
		return;
	}
	emit(w, rec);
}

static void
on_closed_handle(uv_handle_t *h)
{
	(void)h;
}

static void
on_done(struct lp2p_crawl *c, jv summary, void *arg)
{
	struct watch *w = arg;

	w->summary = jv_copy(summary);
	if (w->crawl_mode) {
		if (w->progress_on) {
			uv_timer_stop(&w->progress);
			on_progress(&w->progress);	/* the final counts */
			fputc('\n', stderr);
		}
		if (w->graph) {
			jv dot = lp2p_crawl_dot(c);

			cli_watch_text(jv_string_value(dot));
			jv_free(dot);
			jv_free(summary);
		} else if (type_wanted(w, summary))
			emit(w, summary);
		else
			jv_free(summary);
	} else
		jv_free(summary);
	cli_sig_close(&w->sig);
	lp2p_metrics_close(w->metrics, NULL, NULL);
	uv_close((uv_handle_t *)&w->ht_timer, on_closed_handle);
	uv_close((uv_handle_t *)&w->stop_timer, on_closed_handle);
	uv_close((uv_handle_t *)&w->progress, on_closed_handle);
	uv_close((uv_handle_t *)&w->save, on_closed_handle);
	lp2p_crawl_free(c);
	w->crawl = NULL;
}

static void
stop(struct watch *w)
{
	if (w->stopping || w->crawl == NULL)
		return;
	w->stopping = 1;
	uv_timer_stop(&w->stop_timer);
	lp2p_crawl_stop(w->crawl);
}

static void
on_signal(void *arg)
{
	stop(arg);
}

/* stdout's reader is gone: stop quietly (exit 0). */
static void
on_gone(void *arg)
{
	struct watch *w = arg;

	w->gone = 1;
	stop(w);
}

static void
on_duration(uv_timer_t *t)
{
	stop(t->data);
}

static void
on_progress(uv_timer_t *t)
{
	struct watch *w = t->data;
	struct lp2p_crawl_stats s;

	if (w->crawl == NULL)
		return;
	lp2p_crawl_stats(w->crawl, &s);
	fprintf(stderr, "\r" PROG ": %u discovered, %u reachable, "
	    "%u unreachable, %u active, %.1f s   ", s.discovered,
	    s.reachable, s.unreachable, s.active, s.elapsed_ms / 1000);
}

static void
on_save(uv_timer_t *t)
{
	struct watch *w = t->data;

	cli_watch_book_flush(w->book);
}

/* ---- options -------------------------------------------------------- */

/* A decimal number of seconds in (0, max]. */
static double
seconds(const char *flag, const char *arg, double max)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (end == arg || *end != '\0' || errno != 0 || !isfinite(d))
		errx(2, "%s %s: not a number of seconds", flag, arg);
	if (d <= 0 || d > max)
		errx(2, "%s %s: out of range (0..%g]", flag, arg, max);
	return d;
}

/* 1 unless tok is a type of p2p-watch's own (PEER, HEIGHT, ...). */
static int
own_type(const char *tok)
{
	for (int i = 0; event_types[i] != NULL; i++)
		if (strncmp(event_types[i], "EVENT_", 6) != 0 &&
		    strcmp(event_types[i], tok) == 0)
			return 0;
	return 1;
}

static void
parse_events(struct watch *w, const char *arg)
{
	char *copy, *s, *tok;

	if ((copy = strdup(arg)) == NULL)
		err(1, NULL);
	for (s = copy; (tok = strsep(&s, ",")) != NULL;) {
		const char *hit = NULL;
		char full[64];

		if (*tok == '\0')
			continue;
		snprintf(full, sizeof(full), "%s%s",
		    strncmp(tok, "EVENT_", 6) == 0 || !own_type(tok) ? "" :
		    "EVENT_", tok);
		for (int i = 0; event_types[i] != NULL; i++)
			if (strcmp(full, event_types[i]) == 0)
				hit = event_types[i];
		if (hit == NULL)
			errx(2, "--events %s: unknown type '%s' (known: "
			    "EVENT_CONNECT_OUTBOUND, EVENT_MESSAGE_RECEIVED, "
			    "..., PEER, SUMMARY; see p2p-watch(1))", arg, tok);
		if (w->nevents == MAX_EVENTS)
			errx(2, "--events: more than %d types", MAX_EVENTS);
		w->events[w->nevents++] = hit;
	}
	free(copy);
	if (w->nevents == 0)
		errx(2, "--events '%s': no type named", arg);
}

/* Globals, so that exits on bad input leave nothing LSan calls leaked. */
static struct watch w;
static struct cli_watch_net net;

int
main(int argc, char *argv[])
{
	struct lp2p_crawl_config cfg;
	struct lp2p_crawl_cb cb = { on_peer, on_event, on_done };
	struct lp2p_err e;
	const char *seeds[MAX_SEEDS], *book_path = NULL, *filter = NULL;
	const char *bind = NULL, *metrics = NULL;
	int nseeds = 0, resolved = 0, ch, status;
	bool preset = true;
	bool parallel_set = false, max_set = false;
	uint32_t max_rate = 0;

	cli_init();
	memset(&w, 0, sizeof(w));
	cli_watch_net_init(&net);
	w.parallel = 10;
	w.max_peers = 20;
	w.timeout = 2;
	w.heights = jv_object();
	w.summary = jv_null();
	while ((ch = cli_opt_getopt(argc, argv, optab)) != -1) {
		switch (ch) {
		case 'b':
			book_path = optarg;
			break;
		case 'h':
			usage(stdout);
			cli_opt_help(stdout, optab);
			return 0;
		case 'q':
			w.quiet = 1;
			break;
		case 'V':
			cli_version(PROG);
			return 0;
		case 'v':
			w.verbose++;
			break;
		case 'B':
			cli_addr_ip_or_die("--bind", optarg);
			bind = optarg;
			break;
		case CLI_NET_OPT_CHAIN_ID:
		case CLI_NET_OPT_NETWORK:
		case CLI_NET_OPT_VERSION:
			cli_net_opt(&net.net, ch, optarg);
			break;
		case 'c':
			w.crawl_mode = 1;
			break;
		case 'd':
			w.decode = 1;
			break;
		case 'D':
			w.duration = seconds("--duration", optarg,
			    MAX_DURATION);
			break;
		case 'e':
			parse_events(&w, optarg);
			break;
		case 'f':
			filter = optarg;
			break;
		case 'g':
			if (strcmp(optarg, "dot") != 0)
				errx(2, "--graph %s: unknown format (dot)",
				    optarg);
			w.graph = 1;
			break;
		case 'R':
			max_rate = (uint32_t)cli_num("--max-message-rate",
			    optarg, 1, 1000000);
			break;
		case 'H':
			w.heights_mode = 1;
			break;
		case 'M':
			metrics = optarg;
			break;
		case 'm':
			w.max_peers = (uint32_t)cli_num("--max-peers", optarg,
			    1, LP2P_CRAWL_MAX_PARALLEL);
			max_set = true;
			break;
		case 'p':
			w.parallel = (uint32_t)cli_num("--parallel", optarg,
			    1, LP2P_CRAWL_MAX_PARALLEL);
			parallel_set = true;
			break;
		case 's':
			if (nseeds == MAX_SEEDS)
				errx(2, "--seed: more than %d", MAX_SEEDS);
			seeds[nseeds++] = optarg;
			break;
		case 't':
			w.timeout = seconds("--timeout", optarg, 60);
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		warnx("%s: unexpected argument", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!w.crawl_mode && (parallel_set || w.graph))
		errx(2, "%s: only with --crawl", parallel_set ? "--parallel" :
		    "--graph");
	if (w.crawl_mode && max_set)
		errx(2, "--max-peers: watch mode only (use --parallel)");
	if (w.crawl_mode && (w.heights_mode || metrics != NULL))
		errx(2, "%s: watch mode only", w.heights_mode ? "--heights" :
		    "--metrics");
	cli_watch_net_finish(&net);
	if (w.heights_mode && net.schema == NULL)
		errx(2, "--heights: the nodeInfo of this network carries no "
		    "height (give --network mainnet, testnet or devnet)");
	if (filter != NULL && lp2p_filter_new(&w.filter, filter, &e) != 0)
		errx(2, "--filter: %s", e.msg + strlen("filter: "));
	if ((w.decode || w.heights_mode || metrics != NULL) &&
	    lp2p_liskcore_new(&w.lc, &e) != 0)
		errx(1, "--decode: %s", e.msg);
	if ((w.heights_mode || metrics != NULL) && (w.ht = cli_heights_new(
	    w.lc, on_heights_line, &w)) == NULL)
		err(1, NULL);
	w.table = w.heights_mode && isatty(STDOUT_FILENO);

	w.loop = uv_default_loop();
	cli_watch_out_init(w.loop, on_gone, &w);
	lp2p_crawl_config_init(&cfg);
	cli_watch_net_apply(&net, &cfg);
	cfg.bind = bind;
	cfg.watch = !w.crawl_mode;
	cfg.parallel = w.crawl_mode ? w.parallel : w.max_peers;
	cfg.keep_graph = w.graph;
	cfg.max_message_rate = max_rate;
	cfg.connect_timeout = (uint32_t)(w.timeout * 1000);
	cfg.ack_timeout = (uint32_t)(w.timeout * 1000);
	if (lp2p_crawl_new(&w.crawl, w.loop, &cfg, &cb, &w, &e) != 0)
		errx(1, "%s", e.msg);
	/* the heights tracker (--heights, --metrics) reads every message */
	cli_watch_out_attach(w.crawl, w.filter == NULL && !w.decode &&
	    w.ht == NULL && message_wanted(&w));
	jv_free(cfg.options);
	if (book_path != NULL)
		w.book = cli_watch_book_open(book_path, &net);
	if (nseeds > 0)
		preset = false;
	else
		nseeds = cli_watch_net_seeds(&net, seeds, MAX_SEEDS);
	if (nseeds == 0)
		errx(2, "no seed: give --seed HOST:PORT or a --network with "
		    "seeds");
	for (int i = 0; i < nseeds; i++) {
		char why[512], b[CLI_ADDR_SAFELEN], *addr;

		/* a preset's seed that does not resolve is only a warning */
		if ((addr = cli_watch_resolve(seeds[i], why,
		    sizeof(why))) == NULL) {
			if (!preset)
				errx(2, "--seed %s: %s", cli_addr_safe(seeds[i],
				    b), why);
			if (!w.quiet)
				warnx("seed %s: %s", seeds[i], why);
			continue;
		}
		if (lp2p_crawl_add(w.crawl, addr, &e) != 0)
			errx(2, "--seed %s: %s", seeds[i], e.msg);
		free(addr);
		resolved++;
	}
	if (resolved == 0)
		errx(1, "no seed of --network %s resolves", net.net.name);

	cli_sig_start(&w.sig, w.loop, on_signal, &w);
	uv_timer_init(w.loop, &w.stop_timer);
	w.stop_timer.data = &w;
	if (w.duration > 0)
		uv_timer_start(&w.stop_timer, on_duration,
		    (uint64_t)(w.duration * 1000), 0);
	uv_timer_init(w.loop, &w.progress);
	w.progress.data = &w;
	if (w.crawl_mode && !w.quiet && isatty(STDERR_FILENO)) {
		w.progress_on = 1;
		uv_timer_start(&w.progress, on_progress, 500, 500);
	}
	uv_timer_init(w.loop, &w.ht_timer);
	w.ht_timer.data = &w;
	if (w.heights_mode)
		uv_timer_start(&w.ht_timer, on_ht_timer, w.table ? TABLE_MS :
		    SUMMARY_MS, w.table ? TABLE_MS : SUMMARY_MS);
	if (metrics != NULL && lp2p_metrics_new(&w.metrics, w.loop, metrics,
	    collect, &w, &e) != 0)
		errx(1, "--metrics %s: %s", metrics,
		    e.msg + strlen("metrics: "));
	uv_timer_init(w.loop, &w.save);
	w.save.data = &w;
	if (w.book != NULL)
		uv_timer_start(&w.save, on_save, BOOK_SAVE_MS, BOOK_SAVE_MS);
	if (lp2p_crawl_start(w.crawl, &e) != 0)
		errx(1, "%s", e.msg);
	uv_run(w.loop, UV_RUN_DEFAULT);

	/* 1 when nothing was reachable */
	if (w.crawl_mode) {
		jv r = jv_object_get(jv_copy(w.summary), jv_string("reachable"));

		status = jv_get_kind(r) == JV_KIND_NUMBER &&
		    jv_number_value(r) > 0 ? 0 : 1;
		jv_free(r);
	} else
		status = w.reached > 0 || cli_watch_hot_lines() > 0 ? 0 : 1;
	if (w.gone)
		status = 0;
	if (status != 0 && !w.quiet)
		warnx("no peer was reachable");
	cli_watch_book_close(w.book);
	cli_watch_out_close(w.loop);
	if (uv_loop_close(w.loop) != 0 && w.verbose)
		warnx("event loop: handles left open");
	jv_free(w.summary);
	jv_free(w.heights);
	cli_heights_free(w.ht);
	lp2p_metrics_free(w.metrics);
	lp2p_filter_free(w.filter);
	lp2p_liskcore_free(w.lc);
	cli_watch_net_release(&net);
	return status;
}
