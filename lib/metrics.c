/*
 * metrics.c — Prometheus metrics: the text exposition format (version
 * 0.0.4) served over HTTP/1.1 from the caller's libuv loop, parsed with
 * http-parser (the parser the WebSocket upgrade already uses); no thread,
 * no second HTTP stack.
 *
 * Invariants: every scrape client is bounded in request bytes
 * (LP2P_METRICS_MAX_REQUEST), in time (LP2P_METRICS_TIMEOUT) and in
 * number (LP2P_METRICS_MAX_CLIENTS; one over the limit is closed at
 * once).  Each connection answers exactly one request and is closed
 * (Connection: close).  A request that does not parse gets 400, one too
 * large 431, a method other than GET/HEAD 405, a path other than
 * /metrics or / 404; the loop and the node go on.
 *
 * Also here: the node's counters (struct lp2p__nm, kept by pool.c) and
 * their rendering, and the process metrics read from /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>

#include "node_int.h"
#include "metrics_int.h"

/* ---- node counters ------------------------------------------------- */

/* Names lisk-p2p itself uses; the network's follow. */
static const char *const p2p_names[] = {
	"postNodeInfo", "getNodeInfo", "getPeers", "ping",
};

/*
 * The i-th known name: lisk-p2p's, then the Lisk Core 4 events and
 * procedures (every preset shares them).  NULL past the end.
 */
static const char *
known_name(int i)
{
	const struct lp2p_network *net = lp2p_network_at(0);
	const char *const *l;
	int k = i - (int)LP2P_NELEM(p2p_names);

	if (i < 0)
		return NULL;
	if (i < (int)LP2P_NELEM(p2p_names))
		return p2p_names[i];
	if (net == NULL)
		return NULL;
	for (int pass = 0; pass < 2; pass++) {
		l = pass == 0 ? lp2p_network_events(net) :
		    lp2p_network_procedures(net);
		for (; l != NULL && *l != NULL; l++, k--)
			if (k == 0)
				return *l;
	}
	return NULL;
}

/* One pass over the known names (this runs for every message). */
int
lp2p__nm_name_slot(const char *name)
{
	const struct lp2p_network *net = lp2p_network_at(0);
	const char *const *l;
	int i = 0;

	for (size_t k = 0; k < LP2P_NELEM(p2p_names); k++, i++)
		if (strcmp(p2p_names[k], name) == 0)
			return i;
	for (int pass = 0; net != NULL && pass < 2; pass++) {
		l = pass == 0 ? lp2p_network_events(net) :
		    lp2p_network_procedures(net);
		for (; l != NULL && *l != NULL &&
		    i < LP2P__NM_NAMES - 1; l++, i++)
			if (strcmp(*l, name) == 0)
				return i;
	}
	return LP2P__NM_NAMES - 1;
}

const char *
lp2p__nm_name_at(int slot)
{
	const char *s;

	if (slot >= LP2P__NM_NAMES - 1)
		return "other";
	return (s = known_name(slot)) != NULL ? s : NULL;
}

/* Close codes kept apart; any other is "other". */
static const int known_codes[] = {
	1000, 1001, 1002, 1005, 1006, 1007, 1008, 1009, 1011, 4000, 4001,
	4003, 4005, 4007, 4008, 4009, 4101, 4104, 4105, 4403, 4404, 4418,
	4501, 4502, 4503,
};

int
lp2p__nm_code_slot(int code)
{
	for (size_t i = 0; i < LP2P_NELEM(known_codes); i++)
		if (known_codes[i] == code)
			return (int)i;
	return LP2P__NM_CODES - 1;
}

/* Upper bounds (seconds) of the round-trip histogram's buckets. */
static const double rtt_le[LP2P__NM_RTT_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10,
};

void
lp2p__nm_rtt(struct lp2p__nm *nm, double ms)
{
	double s = ms / 1000;

	if (!(s >= 0) || !isfinite(s))
		return;
	nm->rtt_count++;
	nm->rtt_sum += s;
	for (int i = 0; i < LP2P__NM_RTT_BUCKETS; i++)
		if (s <= rtt_le[i]) {
			nm->rtt[i]++;
			break;
		}
}

/* ---- the exposition text ------------------------------------------- */

struct lp2p_mtext {
	char	*buf;
	size_t	 len, cap;
	int	 failed;		/* out of memory or over the ceiling */
};

static void
put(struct lp2p_mtext *t, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		if (cap > LP2P_METRICS_MAX_TEXT ||
		    (nb = realloc(t->buf, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void
putf(struct lp2p_mtext *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct lp2p_mtext *t, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		put(t, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&big, fmt, ap) < 0)
		t->failed = 1;
	else
		put(t, big, strlen(big));
	va_end(ap);
	free(big);
}

void
lp2p_mtext_head(struct lp2p_mtext *t, const char *name, const char *type,
    const char *help)
{
	putf(t, "# HELP %s ", name);
	/* HELP text escapes \ and newline */
	for (const char *s = help; *s != '\0'; s++)
		if (*s == '\\')
			put(t, "\\\\", 2);
		else if (*s == '\n')
			put(t, "\\n", 2);
		else
			put(t, s, 1);
	putf(t, "\n# TYPE %s %s\n", name, type);
}

void
lp2p_mtext_sample(struct lp2p_mtext *t, const char *name,
    const char *const *labels, double v)
{
	put(t, name, strlen(name));
	if (labels != NULL && labels[0] != NULL) {
		put(t, "{", 1);
		for (size_t i = 0; labels[i] != NULL && labels[i + 1] != NULL;
		    i += 2) {
			if (i > 0)
				put(t, ",", 1);
			putf(t, "%s=\"", labels[i]);
			for (const char *s = labels[i + 1]; *s != '\0'; s++)
				if (*s == '\\')
					put(t, "\\\\", 2);
				else if (*s == '"')
					put(t, "\\\"", 2);
				else if (*s == '\n')
					put(t, "\\n", 2);
				else
					put(t, s, 1);
			put(t, "\"", 1);
		}
		put(t, "}", 1);
	}
	if (isnan(v))
		put(t, " NaN\n", 5);
	else if (isinf(v))
		put(t, v > 0 ? " +Inf\n" : " -Inf\n", 6);
	else if (v == floor(v) && fabs(v) < 1e15)
		putf(t, " %.0f\n", v);
	else
		putf(t, " %.17g\n", v);
}

/* ---- process metrics ----------------------------------------------- */

/* Start of this process in seconds since the epoch, from /proc; -1. */
static double
proc_start_time(void)
{
	char buf[4096], *p;
	unsigned long long start = 0, btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;
	size_t n;
	int field;

	if (hz <= 0 || (f = fopen("/proc/self/stat", "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name in parentheses; starttime is 22 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", &start) != 1)
		return -1;
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (btime == 0)
		return -1;
	return (double)btime + (double)start / (double)hz;
}

void
lp2p_metrics_process(struct lp2p_mtext *t)
{
	struct rusage ru;
	struct rlimit rl;
	unsigned long long vsz = 0, rss = 0;
	long page = sysconf(_SC_PAGESIZE);
	double start;
	struct dirent *de;
	DIR *d;
	FILE *f;
	long fds = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		lp2p_mtext_head(t, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
		lp2p_mtext_sample(t, "process_cpu_seconds_total", NULL,
		    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	}
	if ((f = fopen("/proc/self/statm", "re")) != NULL) {
		if (fscanf(f, "%llu %llu", &vsz, &rss) == 2 && page > 0) {
			lp2p_mtext_head(t, "process_resident_memory_bytes",
			    "gauge", "Resident memory size in bytes.");
			lp2p_mtext_sample(t, "process_resident_memory_bytes",
			    NULL, (double)rss * (double)page);
			lp2p_mtext_head(t, "process_virtual_memory_bytes",
			    "gauge", "Virtual memory size in bytes.");
			lp2p_mtext_sample(t, "process_virtual_memory_bytes",
			    NULL, (double)vsz * (double)page);
		}
		fclose(f);
	}
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				fds++;
		closedir(d);
		lp2p_mtext_head(t, "process_open_fds", "gauge",
		    "Number of open file descriptors.");
		lp2p_mtext_sample(t, "process_open_fds", NULL,
		    (double)(fds > 0 ? fds - 1 : 0));	/* not opendir's */
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		lp2p_mtext_head(t, "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.");
		lp2p_mtext_sample(t, "process_max_fds", NULL,
		    (double)rl.rlim_cur);
	}
	if ((start = proc_start_time()) >= 0) {
		lp2p_mtext_head(t, "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.");
		lp2p_mtext_sample(t, "process_start_time_seconds", NULL,
		    start);
	}
}

/* ---- the node's metrics -------------------------------------------- */

static const char *const dirs[2] = { "in", "out" };
static const char *const conn_dirs[2] = { "outbound", "inbound" };

static void
sample1(struct lp2p_mtext *t, const char *name, const char *k,
    const char *v, double x)
{
	const char *l[] = { k, v, NULL };

	lp2p_mtext_sample(t, name, l, x);
}

static void
sample2(struct lp2p_mtext *t, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2, double x)
{
	const char *l[] = { k1, v1, k2, v2, NULL };

	lp2p_mtext_sample(t, name, l, x);
}

/* Messages or requests by direction and name (only names seen). */
static void
traffic(struct lp2p_mtext *t, const char *name, const char *key,
    uint64_t c[2][LP2P__NM_NAMES])
{
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < LP2P__NM_NAMES; i++) {
			const char *s = lp2p__nm_name_at(i);

			if (s != NULL && (c[d][i] > 0 || i == LP2P__NM_NAMES - 1))
				sample2(t, name, "direction", dirs[d], key, s,
				    (double)c[d][i]);
		}
}

void
lp2p_node_metrics(struct lp2p_node *n, struct lp2p_mtext *t)
{
	const struct lp2p__nm *nm = &n->nm;
	double peers[2][4], bytes[2], cum;
	struct lp2p_peer_stats st;
	struct npeer *np;
	char code[16];

	memset(peers, 0, sizeof(peers));
	bytes[0] = (double)nm->bytes[0];
	bytes[1] = (double)nm->bytes[1];
	TAILQ_FOREACH(np, &n->peers, entry) {
		lp2p__peer_stats(np->p, &st);
		bytes[0] += (double)st.bytes_in;
		bytes[1] += (double)st.bytes_out;
		if (np->open && np->kind >= 0 && np->kind < 4)
			peers[np->inbound ? 1 : 0][np->kind]++;
	}
	lp2p_mtext_head(t, "lisk_p2p_peers", "gauge",
	    "Connected peers by direction and kind.");
	for (int d = 0; d < 2; d++)
		for (int k = 0; k < 4; k++)
			sample2(t, "lisk_p2p_peers", "direction", conn_dirs[d],
			    "kind", lp2p__kind_name(k), peers[d][k]);
	lp2p_mtext_head(t, "lisk_p2p_connections_opened_total", "counter",
	    "Connections that completed the handshake.");
	for (int d = 0; d < 2; d++)
		sample1(t, "lisk_p2p_connections_opened_total", "direction",
		    conn_dirs[d], (double)nm->opened[d]);
	lp2p_mtext_head(t, "lisk_p2p_connections_closed_total", "counter",
	    "Connections closed after the handshake, by close code.");
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < LP2P__NM_CODES; i++) {
			if (nm->closed[d][i] == 0)
				continue;
			if (i < (int)LP2P_NELEM(known_codes))
				snprintf(code, sizeof(code), "%d",
				    known_codes[i]);
			else
				strlcpy(code, "other", sizeof(code));
			sample2(t, "lisk_p2p_connections_closed_total",
			    "direction", conn_dirs[d], "code", code,
			    (double)nm->closed[d][i]);
		}
	lp2p_mtext_head(t, "lisk_p2p_messages_total", "counter",
	    "One-way messages by direction and event.");
	traffic(t, "lisk_p2p_messages_total", "event",
	    (uint64_t (*)[LP2P__NM_NAMES])nm->msg);
	lp2p_mtext_head(t, "lisk_p2p_requests_total", "counter",
	    "Requests by direction and procedure.");
	traffic(t, "lisk_p2p_requests_total", "procedure",
	    (uint64_t (*)[LP2P__NM_NAMES])nm->req);
	lp2p_mtext_head(t, "lisk_p2p_bytes_total", "counter",
	    "Socket bytes received and sent.");
	for (int d = 0; d < 2; d++)
		sample1(t, "lisk_p2p_bytes_total", "direction", dirs[d],
		    bytes[d]);
	lp2p_mtext_head(t, "lisk_p2p_penalties_total", "counter",
	    "Penalties applied to peers, by reason.");
	for (int i = 0; i < LP2P_PEN_COUNT; i++)
		sample1(t, "lisk_p2p_penalties_total", "reason",
		    lp2p__penalty_name(i), (double)nm->penalties[i]);
	lp2p_mtext_head(t, "lisk_p2p_penalty_points_total", "counter",
	    "Reputation points taken from peers, by reason.");
	for (int i = 0; i < LP2P_PEN_COUNT; i++)
		sample1(t, "lisk_p2p_penalty_points_total", "reason",
		    lp2p__penalty_name(i), (double)nm->penalty_points[i]);
	lp2p_mtext_head(t, "lisk_p2p_bans_total", "counter",
	    "Peers banned: reputation exhausted (peer) or server-level.");
	sample1(t, "lisk_p2p_bans_total", "level", "peer",
	    (double)nm->bans[0]);
	sample1(t, "lisk_p2p_bans_total", "level", "server",
	    (double)nm->bans[1]);
	lp2p_mtext_head(t, "lisk_p2p_rtt_seconds", "histogram",
	    "Round trips: pings and replies to our requests.");
	cum = 0;
	for (int i = 0; i < LP2P__NM_RTT_BUCKETS; i++) {
		char le[32];

		cum += (double)nm->rtt[i];
		snprintf(le, sizeof(le), "%g", rtt_le[i]);
		sample1(t, "lisk_p2p_rtt_seconds_bucket", "le", le, cum);
	}
	sample1(t, "lisk_p2p_rtt_seconds_bucket", "le", "+Inf",
	    (double)nm->rtt_count);
	lp2p_mtext_sample(t, "lisk_p2p_rtt_seconds_sum", NULL, nm->rtt_sum);
	lp2p_mtext_sample(t, "lisk_p2p_rtt_seconds_count", NULL,
	    (double)nm->rtt_count);
	lp2p_mtext_head(t, "lisk_p2p_book_entries", "gauge",
	    "PeerBook entries by table.");
	sample1(t, "lisk_p2p_book_entries", "table", "new",
	    (double)lp2p__nb_count(n->book, 0));
	sample1(t, "lisk_p2p_book_entries", "table", "tried",
	    (double)lp2p__nb_count(n->book, 1));
	lp2p_mtext_head(t, "lisk_p2p_book_banned", "gauge",
	    "IP addresses with a live ban.");
	lp2p_mtext_sample(t, "lisk_p2p_book_banned", NULL,
	    (double)lp2p__nb_ban_count(n->book));
}

/* ---- the HTTP server ----------------------------------------------- */

struct mclient {
	LIST_ENTRY(mclient)	 entry;
	struct lp2p_metrics	*m;
	uv_tcp_t		 tcp;
	uv_timer_t		 timer;
	uv_write_t		 wreq;
	struct lp2p__mreq	 req;
	char			 rbuf[1024];
	int			 answered;
	int			 nclosing;
	char			*out;		/* response being written */
};

struct lp2p_metrics {
	uv_loop_t		*loop;
	uv_tcp_t		 tcp;
	lp2p_metrics_collect_fn	*collect;
	void			*arg;
	LIST_HEAD(, mclient)	 clients;
	size_t			 nclients;
	int			 closing;
	int			 listening;
	void			(*done)(void *);
	void			*done_arg;
	uint64_t		 scrapes;
	uint64_t		 refused;	/* over the client limit */
	uint64_t		 bad;		/* 4xx answers */
};

static void	mc_close(struct mclient *);

static void
maybe_done(struct lp2p_metrics *m)
{
	if (m->closing && m->nclients == 0 && !m->listening &&
	    m->done != NULL) {
		void (*done)(void *) = m->done;

		m->done = NULL;
		done(m->done_arg);
	}
}

static void
on_mc_closed(uv_handle_t *h)
{
	struct mclient *c = h->data;
	struct lp2p_metrics *m = c->m;

	if (--c->nclosing > 0)
		return;
	LIST_REMOVE(c, entry);
	m->nclients--;
	free(c->out);
	free(c);
	maybe_done(m);
}

static void
mc_close(struct mclient *c)
{
	if (c->nclosing > 0)
		return;
	c->nclosing = 2;
	uv_close((uv_handle_t *)&c->tcp, on_mc_closed);
	uv_close((uv_handle_t *)&c->timer, on_mc_closed);
}

static void
on_written(uv_write_t *w, int status)
{
	struct mclient *c = w->data;

	(void)status;
	mc_close(c);
}

static const char *
status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	default: return "Error";
	}
}

/* Answer once (status, body) and close after the write. */
static void
respond(struct mclient *c, int code, const char *type, const char *body,
    size_t len, int head_only)
{
	uv_buf_t b;
	int n;

	if (c->answered || c->nclosing > 0)
		return;
	c->answered = 1;
	uv_read_stop((uv_stream_t *)&c->tcp);
	if (code >= 400)
		c->m->bad++;
	n = asprintf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%.*s", code,
	    status_text(code), type, len, head_only ? 0 : (int)len, body);
	if (n < 0) {
		c->out = NULL;
		mc_close(c);
		return;
	}
	b = uv_buf_init(c->out, (unsigned)n);
	c->wreq.data = c;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0)
		mc_close(c);
}

static void
respond_error(struct mclient *c, int code)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", code,
	    status_text(code));

	respond(c, code, "text/plain; charset=utf-8", body, (size_t)n, 0);
}

static void
serve(struct mclient *c)
{
	struct lp2p_metrics *m = c->m;
	struct lp2p_mtext t = { NULL, 0, 0, 0 };
	int head = c->req.head;

	m->scrapes++;
	if (m->collect != NULL)
		m->collect(&t, m->arg);
	lp2p_mtext_head(&t, "lisk_p2p_scrapes_total", "counter",
	    "Scrapes served, this one included.");
	lp2p_mtext_sample(&t, "lisk_p2p_scrapes_total", NULL,
	    (double)m->scrapes);
	lp2p_mtext_head(&t, "lisk_p2p_scrape_errors_total", "counter",
	    "Scrape requests refused: over the client limit, or 4xx.");
	sample1(&t, "lisk_p2p_scrape_errors_total", "kind", "busy",
	    (double)m->refused);
	sample1(&t, "lisk_p2p_scrape_errors_total", "kind", "bad_request",
	    (double)m->bad);
	lp2p_metrics_process(&t);
	if (t.failed)
		respond_error(c, 500);
	else
		respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
		    t.buf != NULL ? t.buf : "", t.len, head);
	free(t.buf);
}

/* ---- reading a request (metrics_int.h) ------------------------------ */

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct lp2p__mreq *r = p->data;

	if (r->pathlen + len >= sizeof(r->path)) {
		r->long_path = 1;	/* no such long path is served */
		return 0;
	}
	memcpy(r->path + r->pathlen, at, len);
	r->pathlen += len;
	r->path[r->pathlen] = '\0';
	return 0;
}

static int
on_complete(http_parser *p)
{
	struct lp2p__mreq *r = p->data;

	r->done = 1;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url,
	.on_message_complete = on_complete,
};

void
lp2p__mreq_init(struct lp2p__mreq *r)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
}

int
lp2p__mreq_feed(struct lp2p__mreq *r, const char *buf, size_t len)
{
	size_t used;
	char *q;

	r->nread += len;
	if (r->nread > LP2P_METRICS_MAX_REQUEST)
		return 431;
	used = http_parser_execute(&r->parser, &settings, buf, len);
	if (!r->done) {
		if (HTTP_PARSER_ERRNO(&r->parser) == HPE_HEADER_OVERFLOW)
			return 431;
		if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK || used != len)
			return 400;
		return 0;
	}
	r->head = r->parser.method == HTTP_HEAD;
	if (r->parser.method != HTTP_GET && !r->head)
		return 405;
	if (r->long_path)
		return 404;
	if ((q = strchr(r->path, '?')) != NULL)
		*q = '\0';
	if (strcmp(r->path, "/metrics") != 0 && strcmp(r->path, "/") != 0)
		return 404;
	return 200;
}

/* ---- the connections ------------------------------------------------ */

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct mclient *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->rbuf, sizeof(c->rbuf));
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct mclient *c = s->data;
	int status;

	if (c->answered || c->nclosing > 0)
		return;
	if (n < 0) {
		mc_close(c);
		return;
	}
	if (n == 0)
		return;
	if ((status = lp2p__mreq_feed(&c->req, b->base, (size_t)n)) == 200)
		serve(c);
	else if (status != 0)
		respond_error(c, status);
}

static void
on_timeout(uv_timer_t *t)
{
	struct mclient *c = t->data;

	/* an answer the client does not take within the bound is dropped */
	if (c->req.nread > 0 && !c->answered)
		respond_error(c, 408);
	else
		mc_close(c);
}

static void
on_refused_closed(uv_handle_t *h)
{
	free(h);
}

static void
on_connection(uv_stream_t *srv, int status)
{
	struct lp2p_metrics *m = srv->data;
	struct mclient *c;
	uv_tcp_t *tmp;

	if (status < 0 || m->closing)
		return;
	if (m->nclients >= LP2P_METRICS_MAX_CLIENTS ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		/* accept and drop: the backlog must not fill up */
		m->refused++;
		if ((tmp = malloc(sizeof(*tmp))) == NULL)
			return;
		uv_tcp_init(m->loop, tmp);
		(void)uv_accept(srv, (uv_stream_t *)tmp);
		uv_close((uv_handle_t *)tmp, on_refused_closed);
		return;
	}
	c->m = m;
	uv_tcp_init(m->loop, &c->tcp);
	uv_timer_init(m->loop, &c->timer);
	c->tcp.data = c;
	c->timer.data = c;
	LIST_INSERT_HEAD(&m->clients, c, entry);
	m->nclients++;
	lp2p__mreq_init(&c->req);
	if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
		mc_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, LP2P_METRICS_TIMEOUT, 0);
}

static void
on_failed_closed(uv_handle_t *h)
{
	free(h->data);
}

int
lp2p_metrics_new(struct lp2p_metrics **out, struct uv_loop_s *loop,
    const char *listen, lp2p_metrics_collect_fn *collect, void *arg,
    struct lp2p_err *err)
{
	struct lp2p_metrics *m;
	struct sockaddr_storage ss;
	char host[LP2P_IP_STRLEN];
	const char *colon = strrchr(listen, ':'), *port = listen;
	const char *errstr = NULL;
	long long pn;
	size_t hl;
	int rc;

	*out = NULL;
	strlcpy(host, "0.0.0.0", sizeof(host));
	if (colon != NULL) {
		hl = (size_t)(colon - listen);
		if (hl == 0 || hl >= sizeof(host))
			return lp2p_errf(err, LP2P_EINVAL,
			    "metrics: '%s': bad address", listen);
		memcpy(host, listen, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	pn = strtonum(port, 0, 65535, &errstr);
	if (errstr != NULL)
		return lp2p_errf(err, LP2P_EINVAL, "metrics: port '%s': %s",
		    port, errstr);
	memset(&ss, 0, sizeof(ss));
	if (uv_ip4_addr(host, (int)pn, (struct sockaddr_in *)&ss) != 0)
		return lp2p_errf(err, LP2P_EINVAL,
		    "metrics: '%s' is not an IPv4 address", host);
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "metrics: out of memory");
	m->loop = loop;
	m->collect = collect;
	m->arg = arg;
	LIST_INIT(&m->clients);
	uv_tcp_init(loop, &m->tcp);
	m->tcp.data = m;
	m->listening = 1;
	if ((rc = uv_tcp_bind(&m->tcp, (struct sockaddr *)&ss, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&m->tcp, 128, on_connection)) != 0) {
		/* freed when the loop has closed the handle */
		uv_close((uv_handle_t *)&m->tcp, on_failed_closed);
		return lp2p_errf(err, rc, "metrics: %s:%lld: %s", host, pn,
		    uv_strerror(rc));
	}
	*out = m;
	return 0;
}

int
lp2p_metrics_port(const struct lp2p_metrics *m)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (m == NULL || !m->listening || uv_tcp_getsockname(
	    (uv_tcp_t *)&m->tcp, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void
on_srv_closed(uv_handle_t *h)
{
	struct lp2p_metrics *m = h->data;

	m->listening = 0;
	maybe_done(m);
}

void
lp2p_metrics_close(struct lp2p_metrics *m, void (*done)(void *), void *arg)
{
	struct mclient *c;

	if (m == NULL)
		return;
	m->done = done;
	m->done_arg = arg;
	if (m->closing) {
		maybe_done(m);
		return;
	}
	m->closing = 1;
	LIST_FOREACH(c, &m->clients, entry)
		mc_close(c);
	uv_close((uv_handle_t *)&m->tcp, on_srv_closed);
}

void
lp2p_metrics_free(struct lp2p_metrics *m)
{
	free(m);
}
