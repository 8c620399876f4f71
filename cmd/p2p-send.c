/*
 * p2p-send — a one-shot lisk-p2p client: handshake with each --peer, send
 * one request or message (--request/--event) or a stream of them read as
 * NDJSON from stdin, print one NDJSON result line per item and peer.
 *
 * Politeness (the reference penalises, then bans): each peer is paced
 * below the reference's message rate (--rate overrides), getNodeInfo is
 * sent at most once per connection (repeats are answered from the first
 * reply), getPeers at most once per 12 s, postNodeInfo at most once per
 * 12 s after ours at connect (never 5 in a 10-s window), ping never, and getNodeInfo/getPeers never
 * with data.  Connections are closed with a bare close frame (WIRE §15.2).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
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
#include "cli_io.h"
#include "cli_net.h"
#include "cli_opt.h"

#define PROG		"p2p-send"
#define MAX_PEERS	64		/* --peer flags */
#define MAX_ITEMS	1000000		/* NDJSON lines on stdin */
#define MAX_DATA	((LP2P_WS_MAX_PAYLOAD - 1024) / 4 * 3)	/* bytes */
#define DEFAULT_RATE	50		/* items per second per peer */
#define MAX_INFLIGHT	256		/* requests awaiting a reply, per peer */
#define STATUS_WINDOW	10000		/* ms: getPeers/postNodeInfo window */
#define PACE_MARGIN	2000		/* ms: the peer's timer drift, network */
/*
 * ms between our last one-way message and our close: the reference hands
 * received events to its application a tick later, and drops them when
 * the close frame is already there.
 */
#define CLOSE_LINGER	200

struct item {
	char	*name;
	bool	 request;
	uint8_t	*data;
	size_t	 len;
	bool	 has_data;
};

struct target;

struct inflight {
	struct target	*t;
	size_t		 idx;
};

struct target {
	char			 host[64];
	uint16_t		 port;
	char			 id[80];
	struct lp2p_conn	*peer;
	uv_timer_t		 pace;
	bool			 connected;
	bool			 closed;
	bool			 done_sending;
	size_t			 next;		/* next item to send */
	size_t			 outstanding;
	int			 fail_code;
	char			*fail_reason;
	jv			 nodeinfo;	/* first getNodeInfo reply */
	bool			 gni_sent;
	bool			 gni_done;
	uint64_t		 last_getpeers;
	bool			 getpeers_sent;
	uint64_t		 pni_window;
	int			 pni_count;
	uint64_t		 last_message;	/* uv_now() of the last send */
	char			*ban_reason;	/* we dropped the peer: why */
};

static struct {
	uv_loop_t		 loop;
	struct lp2p_conn_config	 cfg;
	struct cli_net		 netopt;	/* --network, --chain-id */
	uint8_t			*nodeinfo;
	size_t			 nodeinfo_len;
	struct lp2p_schema	*schema;
	struct item		*items;
	size_t			 nitems;
	struct target		 targets[MAX_PEERS];
	size_t			 ntargets;
	unsigned		 rate;
	bool			 failed;
	const struct lp2p_network *net;	/* --network preset, or NULL */
	bool			 force;		/* --force: names it does not know */
	struct cli_in		*in;		/* stdin, read as items come */
	bool			 eof;		/* no more items will come */
	bool			 started;	/* targets dialled */
	struct lp2p_liskcore	*lc;		/* --decode */
	struct cli_out		*out;		/* stdout, through the loop */
} g;

/* stdout's reader left: nothing more can be said, stop quietly. */
static void
out_gone(void *arg)
{
	(void)arg;
	exit(g.failed ? 1 : 0);
}

static void
out_closed(void *arg)
{
	(void)arg;
}

static void	usage(FILE *, int) __attribute__((noreturn));
static void	pump(struct target *);
static void	finish(struct target *);

static void
synopsis(FILE *f)
{
	fprintf(f, "usage: %s [--network NAME | --chain-id HEX "
	    "[--network-version V]]\n"
	    "\t--peer HOST:PORT... (--request PROCEDURE | --event EVENT)\n"
	    "\t[--data-hex HEX | --data-file FILE] [--timeout SECONDS] "
	    "[--rate N]\n"
	    "\t[--decode] [--force]\n"
	    "       %s [--help] [--version]\n", PROG, PROG);
}

static void
usage(FILE *f, int status)
{
	synopsis(f);
	exit(status);
}

/* ---- results --------------------------------------------------------- */

static void
emit_result(struct target *t, const struct item *it, double rtt, jv data,
    const char *error)
{
	jv o = jv_object_set(jv_object(), jv_string("peerId"),
	    jv_string(t->id));

	o = jv_object_set(o, jv_string(it->request ? "procedure" : "event"),
	    jv_string(it->name));
	if (rtt >= 0)
		o = jv_object_set(o, jv_string("rttMs"),
		    jv_number((double)(long long)(rtt * 1000 + 0.5) / 1000));
	if (error != NULL) {
		jv_free(data);
		o = jv_object_set(o, jv_string("error"), jv_string(error));
		g.failed = true;
	} else if (jv_is_valid(data)) {
		if (g.lc != NULL && it->request)
			o = cli_decode(g.lc, LP2P_LC_RESPONSE, it->name,
			    data, o);
		o = jv_object_set(o, jv_string("data"), data);
	} else
		jv_free(data);
	cli_out_emit(g.out, o, true);	/* results are never dropped */
}

static jv
decode_reply(const struct item *it, const struct lp2p_conn_reply *r,
    char *why, size_t len)
{
	struct lp2p_err e;
	jv v;
	char *hex;

	if (!r->has_data)
		return jv_null();
	if (strcmp(it->name, "getNodeInfo") == 0) {
		if (lp2p_codec_decode(g.schema, r->data, r->len, &v, &e) < 0) {
			snprintf(why, len, "getNodeInfo reply does not decode: %s",
			    e.msg);
			return jv_invalid();
		}
		return v;
	}
	if (strcmp(it->name, "getPeers") == 0) {
		if (lp2p_peers_decode(r->data, r->len, LP2P_MAX_PEERS_REPLY, &v,
		    &e) < 0) {
			snprintf(why, len, "getPeers reply does not decode: %s",
			    e.msg);
			return jv_invalid();
		}
		return v;
	}
	if ((hex = lp2p_hex_encode(r->data, r->len)) == NULL)
		err(1, NULL);
	v = jv_string(hex);
	free(hex);
	return v;
}

static void
on_reply(struct lp2p_conn *p, const struct lp2p_conn_reply *r, void *arg)
{
	struct inflight *f = arg;
	struct target *t = f->t;
	const struct item *it = &g.items[f->idx];
	char why[LP2P_ERR_MSG + 64];
	jv v;

	(void)p;
	t->outstanding--;
	if (r->status != 0) {
		if (r->status == LP2P_ECLOSED && t->fail_reason != NULL)
			snprintf(why, sizeof(why), "connection closed: %d %s",
			    t->fail_code, t->fail_reason);
		else if (r->status == LP2P_ETIMEDOUT)
			snprintf(why, sizeof(why), "timed out after %u ms",
			    g.cfg.ack_timeout);
		else
			snprintf(why, sizeof(why), "%s", r->error != NULL ?
			    r->error : lp2p_strerror(r->status));
		if (strcmp(it->name, "getNodeInfo") == 0)
			t->gni_done = true;
		emit_result(t, it, r->rtt_ms, jv_invalid(), why);
	} else {
		why[0] = '\0';
		v = decode_reply(it, r, why, sizeof(why));
		if (strcmp(it->name, "getNodeInfo") == 0) {
			t->gni_done = true;
			if (jv_is_valid(v))
				t->nodeinfo = jv_copy(v);
		}
		emit_result(t, it, r->rtt_ms, v, why[0] != '\0' ? why : NULL);
	}
	free(f);
	pump(t);
}

/* ---- pacing ------------------------------------------------------------ */

static void
on_linger(uv_timer_t *h)
{
	struct target *t = h->data;

	finish(t);
}

static void
finish(struct target *t)
{
	uint64_t now = uv_now(&g.loop);

	if (t->done_sending)
		return;
	if (!g.eof && !t->closed)
		return;			/* more items may come */
	if (!t->closed && t->last_message > 0 &&
	    now < t->last_message + CLOSE_LINGER) {
		uv_timer_start(&t->pace, on_linger, t->last_message +
		    CLOSE_LINGER - now, 0);
		return;
	}
	t->done_sending = true;
	uv_timer_stop(&t->pace);
	/* not before the peer's 1-s window of our getNodeInfo/getPeers */
	if (t->outstanding == 0 && t->peer != NULL && !t->closed)
		lp2p_conn_close(t->peer, 1000, NULL);
}

/* Fail every item not yet sent (connection gone). */
static void
fail_rest(struct target *t)
{
	char why[LP2P_ERR_MSG + 64];

	if (t->ban_reason != NULL)
		snprintf(why, sizeof(why), "peer dropped for misbehaving: %s",
		    t->ban_reason);
	else if (!t->connected && t->fail_code == 1006 &&
	    t->fail_reason != NULL && strncmp(t->fail_reason, "connect: ",
	    9) == 0)	/* TCP never connected: there is no close code */
		snprintf(why, sizeof(why), "%s", t->fail_reason);
	else
		snprintf(why, sizeof(why), "%s%d %s", t->connected ?
		    "connection closed: " : "connection refused: ",
		    t->fail_code, t->fail_reason != NULL ? t->fail_reason : "");
	for (; t->next < g.nitems; t->next++)
		emit_result(t, &g.items[t->next], -1, jv_invalid(), why);
	finish(t);
}

static void
on_pace(uv_timer_t *h)
{
	struct target *t = h->data;

	pump(t);
}

/*
 * Send the next item if its rules allow it now; else arm the pacing
 * timer for when they will.  Called after every event of the target.
 */
static void
pump(struct target *t)
{
	uint64_t now = uv_now(&g.loop), wait = 0;
	const struct item *it;
	struct inflight *f;
	char why[128];
	int rc;

	if (t->closed) {
		fail_rest(t);
		return;
	}
	if (!t->connected || t->done_sending || uv_is_active(
	    (uv_handle_t *)&t->pace))
		goto check_done;
	if (t->next >= g.nitems) {
		if (t->outstanding == 0)
			finish(t);
		return;
	}
	it = &g.items[t->next];
	if (it->request && t->outstanding >= MAX_INFLIGHT)
		return;			/* a reply will pump again */
	if (it->request && strcmp(it->name, "getNodeInfo") == 0 &&
	    t->gni_sent) {
		if (!t->gni_done)
			return;		/* wait for the first reply */
		t->next++;
		if (jv_is_valid(t->nodeinfo))
			emit_result(t, it, 0, jv_copy(t->nodeinfo), NULL);
		else
			emit_result(t, it, -1, jv_invalid(),
			    "getNodeInfo already failed on this connection");
		goto again;
	}
	if (it->request && strcmp(it->name, "getPeers") == 0 &&
	    t->getpeers_sent && now < t->last_getpeers + STATUS_WINDOW +
	    PACE_MARGIN)
		wait = t->last_getpeers + STATUS_WINDOW + PACE_MARGIN - now;
	/*
	 * postNodeInfo: 2 in each of our 12-s windows (ours at connect
	 * counted in each), so that a 10-s window of the peer, whatever its
	 * phase, which meets at most two of ours, holds at most 4.
	 */
	if (!it->request && strcmp(it->name, "postNodeInfo") == 0) {
		if (now >= t->pni_window + STATUS_WINDOW + PACE_MARGIN) {
			t->pni_window = now;
			t->pni_count = 1;	/* as if ours at connect */
		}
		if (t->pni_count >= 2)
			wait = t->pni_window + STATUS_WINDOW + PACE_MARGIN -
			    now;
	}
	if (wait > 0) {
		uv_timer_start(&t->pace, on_pace, wait, 0);
		return;
	}
	t->next++;
	if (it->request) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			err(1, NULL);
		f->t = t;
		f->idx = (size_t)(it - g.items);
		rc = lp2p_conn_request(t->peer, it->name, it->has_data ?
		    it->data : NULL, it->len, on_reply, f);
		if (rc < 0) {
			free(f);
			snprintf(why, sizeof(why), "%s", lp2p_strerror(rc));
			emit_result(t, it, -1, jv_invalid(), why);
		} else {
			t->outstanding++;
			if (strcmp(it->name, "getNodeInfo") == 0)
				t->gni_sent = true;
			if (strcmp(it->name, "getPeers") == 0) {
				t->getpeers_sent = true;
				t->last_getpeers = now;
			}
		}
	} else {
		rc = lp2p_conn_send(t->peer, it->name, it->has_data ?
		    it->data : NULL, it->len);
		if (strcmp(it->name, "postNodeInfo") == 0)
			t->pni_count++;
		t->last_message = now;
		emit_result(t, it, -1, jv_invalid(), rc < 0 ?
		    lp2p_strerror(rc) : NULL);
	}
again:
	if (t->next < g.nitems)
		uv_timer_start(&t->pace, on_pace, 1000 / g.rate, 0);
check_done:
	if (t->next >= g.nitems && t->outstanding == 0 && t->connected)
		finish(t);
}

/* ---- peer callbacks ---------------------------------------------------- */

static void
on_connected(struct lp2p_conn *p, void *arg)
{
	struct target *t = arg;

	(void)p;
	t->connected = true;
	t->pni_window = uv_now(&g.loop);
	t->pni_count = 1;
	pump(t);
}

static int
on_nodeinfo(struct lp2p_conn *p, const uint8_t *b, size_t n, void *arg)
{
	struct lp2p_err e;
	jv v;

	(void)p;
	(void)arg;
	if (lp2p_codec_decode(g.schema, b, n, &v, &e) < 0)
		return e.code;
	jv_free(v);
	return 0;
}

static void
on_request(struct lp2p_conn *p, const struct lp2p_conn_msg *m, void *arg)
{
	(void)arg;
	/* we serve nothing: answer so that the peer does not wait */
	if (!m->answered)
		(void)lp2p_conn_respond_error(p, m->request_id,
		    "p2p-send does not serve requests");
}

static void
on_ban(struct lp2p_conn *p, const char *why, void *arg)
{
	struct target *t = arg;

	(void)p;
	if (t->ban_reason == NULL && (t->ban_reason = strdup(why)) == NULL)
		err(1, NULL);
}

static void
on_closed(struct lp2p_conn *p, int code, const char *reason, int done,
    void *arg)
{
	struct target *t = arg;

	(void)done;
	t->closed = true;
	t->fail_code = code;
	free(t->fail_reason);
	t->fail_reason = strdup(reason);
	lp2p_conn_free(p);
	t->peer = NULL;
	if (!t->done_sending)
		fail_rest(t);
	uv_close((uv_handle_t *)&t->pace, NULL);
}

static const struct lp2p_conn_cb peer_cb = {
	.on_connected = on_connected,
	.on_request = on_request,
	.on_nodeinfo = on_nodeinfo,
	.on_ban = on_ban,
	.on_closed = on_closed,
};

/* ---- input --------------------------------------------------------------- */

static void
parse_peer(const char *s, struct target *t)
{
	char addr[CLI_ADDR_STRLEN];
	size_t c;

	cli_addr_peer_or_die("--peer", s, CLI_ADDR_RESOLVE, addr);
	c = strcspn(addr, ":");
	memcpy(t->host, addr, c);
	t->host[c] = '\0';
	t->port = (uint16_t)strtol(addr + c + 1, NULL, 10);
	strlcpy(t->id, addr, sizeof(t->id));
}

/* An item is sendable: 0, or -1 with why. */
static int
check_item(const struct item *it, char *why, size_t n)
{
	if (it->name[0] == '\0') {
		snprintf(why, n, "empty name");
		return -1;
	}
	if (strlen(it->name) > LP2P_MAX_EVENT_NAME) {
		snprintf(why, n, "name longer than %d", LP2P_MAX_EVENT_NAME);
		return -1;
	}
	if (it->request && strcmp(it->name, "ping") == 0) {
		snprintf(why, n, "refusing to request 'ping': a reference node "
		    "bans clients that do");
		return -1;
	}
	if (it->request && it->has_data && it->len > 0 &&
	    (strcmp(it->name, "getNodeInfo") == 0 ||
	    strcmp(it->name, "getPeers") == 0)) {
		snprintf(why, n, "refusing %s with data: a reference node bans "
		    "clients that do", it->name);
		return -1;
	}
	if (it->len > MAX_DATA) {
		snprintf(why, n, "data of %zu bytes exceeds %d", it->len,
		    MAX_DATA);
		return -1;
	}
	/*
	 * Lisk Core bans an IP for 24 h for one event or procedure it does
	 * not know (LISK-CORE-4.md §2), and for getLegacyBlocksFromId with a
	 * snapshot it lacks (every default node).
	 */
	if (g.net != NULL && !g.force) {
		bool ok;

		if (it->request)
			ok = (lp2p_network_has_procedure(g.net, it->name) &&
			    strcmp(it->name, "getLegacyBlocksFromId") != 0) ||
			    strcmp(it->name, "getNodeInfo") == 0 ||
			    strcmp(it->name, "getPeers") == 0;
		else
			ok = lp2p_network_has_event(g.net, it->name) ||
			    strcmp(it->name, "postNodeInfo") == 0;
		if (!ok) {
			snprintf(why, n, "refusing %s '%s': a Lisk Core node "
			    "of %s bans the sender's IP for 24 h for it "
			    "(--force sends it anyway)", it->request ?
			    "procedure" : "event", it->name,
			    lp2p_network_name(g.net));
			return -1;
		}
	}
	return 0;
}

/* Hex text into it's data: 0, or -1 if not even-length hex. */
static int
hex_data(struct item *it, const char *hex, size_t n)
{
	long r;

	if ((r = lp2p_hex_decode(hex, n, &it->data)) < 0)
		return -1;
	it->len = (size_t)r;
	it->has_data = true;
	return 0;
}

static void
read_file(struct item *it, const char *path)
{
	FILE *f;
	uint8_t *b = NULL;
	size_t n = 0, cap = 0, r;

	if ((f = fopen(path, "rb")) == NULL)
		err(2, "--data-file %s", path);
	for (;;) {
		if (n == cap) {
			if (cap > MAX_DATA)
				errx(2, "--data-file %s: larger than %d bytes",
				    path, MAX_DATA);
			cap = cap ? cap * 2 : 65536;
			if ((b = realloc(b, cap)) == NULL)
				err(1, NULL);
		}
		if ((r = fread(b + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	if (ferror(f))
		err(2, "--data-file %s", path);
	fclose(f);
	it->data = b;
	it->len = n;
	it->has_data = true;
}

/*
 * One NDJSON line of stdin (n bytes, no newline) into *it: 1 sent
 * nothing (blank), 0 an item (the caller owns it), -1 with why.
 */
static int
parse_item(const char *line, size_t n, struct item *it, char *why,
    size_t whylen)
{
	struct lp2p_err jerr;
	jv v, pr, ev, d;
	int rc = 0;

	memset(it, 0, sizeof(*it));
	if (strspn(line, " \t") >= n)
		return 1;
	if (lp2p_json_check(line, n, LP2P_MAX_JSON_DEPTH, &jerr) != 0) {
		snprintf(why, whylen, "not JSON: %.400s", jerr.msg);
		return -1;
	}
	v = jv_parse_sized(line, (int)n);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		snprintf(why, whylen, "not a JSON object");
		return -1;
	}
	pr = jv_object_get(jv_copy(v), jv_string("procedure"));
	ev = jv_object_get(jv_copy(v), jv_string("event"));
	d = jv_object_get(jv_copy(v), jv_string("data"));
	jv_free(v);
	if (jv_get_kind(pr) == JV_KIND_STRING && !jv_is_valid(ev)) {
		it->request = true;
		it->name = strdup(jv_string_value(pr));
	} else if (jv_get_kind(ev) == JV_KIND_STRING && !jv_is_valid(pr))
		it->name = strdup(jv_string_value(ev));
	else {
		snprintf(why, whylen, "need exactly one of \"procedure\" and "
		    "\"event\", a string");
		rc = -1;
	}
	if (rc == 0 && it->name == NULL)
		err(1, NULL);
	if (rc == 0 && jv_get_kind(d) == JV_KIND_STRING) {
		if (hex_data(it, jv_string_value(d),
		    (size_t)jv_string_length_bytes(jv_copy(d))) != 0) {
			snprintf(why, whylen, "data is not an even-length hex "
			    "string");
			rc = -1;
		}
	} else if (rc == 0 && jv_is_valid(d) &&
	    jv_get_kind(d) != JV_KIND_NULL) {
		snprintf(why, whylen, "\"data\" must be a hex string");
		rc = -1;
	}
	jv_free(pr);
	jv_free(ev);
	jv_free(d);
	if (rc == 0)
		rc = check_item(it, why, whylen);
	if (rc != 0) {
		free(it->name);
		free(it->data);
		memset(it, 0, sizeof(*it));
	}
	return rc;
}

/*
 * One line of stdin (NUL-terminated, without its newline) into an item at
 * the end of g.items; blank lines are skipped.  Bad input exits 2: the
 * results printed so far stand, nothing more is sent.
 */
static void
parse_line(const char *line, size_t n, const char *where)
{
	char why[LP2P_ERR_MSG];
	struct item it;
	int rc;

	while (n > 0 && line[n - 1] == '\r')
		n--;
	if ((rc = parse_item(line, n, &it, why, sizeof(why))) < 0)
		errx(2, "%s: %s", where, why);
	if (rc == 1)
		return;			/* blank */
	if (g.nitems == MAX_ITEMS)
		errx(2, "%s: more than %d items", where, MAX_ITEMS);
	if ((g.items = reallocarray(g.items, g.nitems + 1,
	    sizeof(*g.items))) == NULL)
		err(1, NULL);
	g.items[g.nitems++] = it;
}

static void	start_targets(void);

/* A line of stdin: an item for every peer, sent as soon as pacing allows. */
static void
on_stdin_line(unsigned long lineno, const char *s, size_t len, void *arg)
{
	char where[64];
	size_t before = g.nitems;

	(void)arg;
	snprintf(where, sizeof(where), "stdin:%lu", lineno);
	if (s == NULL)
		errx(2, "%s: line longer than %d bytes", where,
		    LP2P_MAX_CMD_LINE);
	parse_line(s, len, where);
	if (g.nitems == before)
		return;
	if (!g.started)
		start_targets();	/* the first item: dial now */
	for (size_t i = 0; i < g.ntargets; i++)
		pump(&g.targets[i]);
}

static void
on_stdin_eof(void *arg)
{
	(void)arg;
	g.eof = true;
	cli_in_close(g.in);
	for (size_t i = 0; i < g.ntargets && g.started; i++)
		pump(&g.targets[i]);
}

/* Our nodeInfo for the network cli_net resolved (its options schema). */
static void
build_self(void)
{
	struct lp2p_err e;
	uint8_t nb[8];
	char *nonce;

	lp2p_conn_config_init(&g.cfg);
	memcpy(g.cfg.chain_id, g.netopt.chain_id, g.netopt.chain_id_len);
	g.cfg.chain_id_len = g.netopt.chain_id_len;
	strlcpy(g.cfg.network_version, g.netopt.version,
	    sizeof(g.cfg.network_version));
	lp2p_rand_buf(nb, sizeof(nb));
	if ((nonce = lp2p_hex_encode(nb, sizeof(nb))) == NULL)
		err(1, NULL);
	strlcpy(g.cfg.nonce, nonce, sizeof(g.cfg.nonce));
	free(nonce);
	g.cfg.advertise_address = 0;
	g.schema = cli_net_nodeinfo_schema(&g.netopt);
	if (lp2p_codec_encode(g.schema, cli_net_nodeinfo(&g.netopt, g.cfg.nonce,
	    0), &g.nodeinfo, &g.nodeinfo_len, &e) < 0)
		errx(2, "nodeInfo: %s", e.msg);
	g.cfg.nodeinfo = g.nodeinfo;
	g.cfg.nodeinfo_len = g.nodeinfo_len;
}

/* Dial every peer (once, when the first item is there). */
static void
start_targets(void)
{
	struct lp2p_err e;
	int rc;

	g.started = true;
	for (size_t i = 0; i < g.ntargets; i++) {
		struct target *t = &g.targets[i];

		uv_timer_init(&g.loop, &t->pace);
		t->pace.data = t;
		rc = lp2p_conn_new(&t->peer, &g.loop, &g.cfg, t->host, t->port,
		    &peer_cb, t, &e);
		if (rc < 0) {
			t->closed = true;
			t->fail_code = 0;
			t->fail_reason = strdup(e.msg);
			fail_rest(t);
			uv_close((uv_handle_t *)&t->pace, NULL);
		}
	}
}

int
main(int argc, char *argv[])
{
	static const struct cli_opt optab[] = {
		CLI_OPT_LONG("data-file", 'f', "FILE",
		    "the payload, from a file"),
		CLI_OPT_SHORT("help", 'h', NULL, "print this help and exit"),
		CLI_OPT_LONG("data-hex", 'x', "HEX", "the payload, in hex"),
		CLI_OPT_LONG("decode", 'd', NULL,
		    "decode Lisk Core 4 replies"),
		CLI_OPT_LONG("force", 'F', NULL,
		    "send what a reference node penalises"),
		CLI_OPT_LONG("event", 'e', "EVENT",
		    "send this one-way message"),
		CLI_NET_OPTS,
		CLI_OPT_LONG("peer", 'p', "HOST:PORT",
		    "send to this peer (repeatable)"),
		CLI_OPT_LONG("rate", 'r', "N",
		    "items per second per peer (50)"),
		CLI_OPT_LONG("request", 'R', "PROCEDURE",
		    "send this request, print the reply"),
		CLI_OPT_LONG("timeout", 't', "SECONDS",
		    "for connecting and each reply (10)"),
		CLI_OPT_SHORT("version", 'V', NULL,
		    "print the version and exit"),
		CLI_OPT_END
	};
	const char *hex = NULL, *file = NULL, *event = NULL, *request = NULL;
	struct lp2p_err e;
	char why[LP2P_ERR_MSG];
	long long timeout = 10;
	int ch, rc;

	cli_init();
	cli_net_init(&g.netopt);
	g.rate = DEFAULT_RATE;
	for (size_t i = 0; i < MAX_PEERS; i++)
		g.targets[i].nodeinfo = jv_invalid();
	while ((ch = cli_opt_getopt(argc, argv, optab)) != -1) {
		switch (ch) {
		case CLI_NET_OPT_NETWORK:
		case CLI_NET_OPT_CHAIN_ID:
		case CLI_NET_OPT_VERSION:
			cli_net_opt(&g.netopt, ch, optarg);
			break;
		case 'd':
			if (g.lc == NULL && lp2p_liskcore_new(&g.lc, &e) != 0)
				errx(1, "--decode: %s", e.msg);
			break;
		case 'e':
			event = optarg;
			break;
		case 'F':
			g.force = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			synopsis(stdout);
			cli_opt_help(stdout, optab);
			return 0;
		case 'p':
			if (g.ntargets == MAX_PEERS)
				errx(2, "--peer: more than %d peers", MAX_PEERS);
			parse_peer(optarg, &g.targets[g.ntargets++]);
			break;
		case 'r':
			g.rate = (unsigned)cli_num("--rate", optarg, 1, 10000);
			break;
		case 'R':
			request = optarg;
			break;
		case 't':
			timeout = cli_num("--timeout", optarg, 1, 3600);
			break;
		case 'V':
			cli_version(PROG);
			return 0;
		case 'x':
			hex = optarg;
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind < argc) {
		warnx("unexpected argument '%s'", argv[optind]);
		usage(stderr, 2);
	}
	if (g.ntargets == 0) {
		warnx("--peer is required");
		usage(stderr, 2);
	}
	if (g.netopt.opt_network != NULL && (g.netopt.opt_chain_id != NULL ||
	    g.netopt.opt_version != NULL))
		errx(2, "--network excludes --chain-id and --network-version");
	if (g.netopt.opt_network == NULL && g.netopt.opt_chain_id == NULL) {
		warnx("--network or --chain-id is required");
		usage(stderr, 2);
	}
	if (event != NULL && request != NULL)
		errx(2, "--event and --request exclude each other");
	if (hex != NULL && file != NULL)
		errx(2, "--data-hex and --data-file exclude each other");
	if ((hex != NULL || file != NULL) && event == NULL && request == NULL)
		errx(2, "--data-hex/--data-file need --event or --request");
	cli_net_finish(&g.netopt, 1);
	g.net = g.netopt.preset;
	build_self();
	if (event != NULL || request != NULL) {
		struct item it;

		memset(&it, 0, sizeof(it));
		it.request = request != NULL;
		if ((it.name = strdup(request != NULL ? request : event)) ==
		    NULL)
			err(1, NULL);
		if (hex != NULL && hex_data(&it, hex, strlen(hex)) != 0)
			errx(2, "--data-hex: data is not an even-length hex "
			    "string");
		if (file != NULL)
			read_file(&it, file);
		if (check_item(&it, why, sizeof(why)) != 0)
			errx(2, "%s: %s", it.request ? "--request" : "--event",
			    why);
		if ((g.items = calloc(1, sizeof(*g.items))) == NULL)
			err(1, NULL);
		g.items[0] = it;
		g.nitems = 1;
	}

	g.cfg.ack_timeout = (uint32_t)timeout * 1000;
	g.cfg.connect_timeout = (uint32_t)timeout * 1000;
	if (uv_loop_init(&g.loop) != 0)
		errx(1, "uv_loop_init failed");
	if ((rc = cli_out_new(&g.out, &g.loop, STDOUT_FILENO, out_gone,
	    NULL)) != 0)
		errx(1, "stdout: %s", uv_strerror(rc));
	if (g.nitems > 0) {
		g.eof = true;		/* --request or --event: one item */
		start_targets();
	} else if (cli_in_new(&g.in, &g.loop, STDIN_FILENO, on_stdin_line,
	    on_stdin_eof, NULL) != 0)
		errx(1, "stdin: cannot read");
	uv_run(&g.loop, UV_RUN_DEFAULT);
	cli_out_close(g.out, out_closed, NULL);	/* the last lines first */
	uv_run(&g.loop, UV_RUN_DEFAULT);
	cli_out_free(g.out);
	if (uv_loop_close(&g.loop) != 0)
		warnx("loop not closed cleanly");
	cli_in_free(g.in);
	for (size_t i = 0; i < g.ntargets; i++) {
		jv_free(g.targets[i].nodeinfo);
		free(g.targets[i].fail_reason);
		free(g.targets[i].ban_reason);
	}
	for (size_t i = 0; i < g.nitems; i++) {
		free(g.items[i].name);
		free(g.items[i].data);
	}
	free(g.items);
	free(g.nodeinfo);
	lp2p_schema_free(g.schema);
	lp2p_liskcore_free(g.lc);
	cli_net_release(&g.netopt);
	return g.failed ? 1 : 0;
}
