/*
 * conn.c — one outbound lisk-p2p connection for one-shot clients
 * (p2p-send, a C program that asks a node something and goes): the public
 * face of peer.c's client side.
 *
 * A struct lp2p_conn owns one struct lp2p_peer and translates its
 * callbacks; the peer layer does the handshake, the rate rules and the
 * penalties exactly as it does for the node's pool.  Invariants: conn->p
 * is valid from lp2p_conn_new until lp2p_conn_free; on_closed is the last
 * callback, and the conn may be freed inside it.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "liskp2p.h"
#include "internal.h"
#include "peer.h"

struct lp2p_conn {
	struct lp2p_peer	*p;
	struct lp2p_conn_cb	 cb;
	void			*arg;
};

/* One request in flight: the caller's callback. */
struct creq {
	struct lp2p_conn	*c;
	lp2p_conn_reply_fn	*fn;
	void			*arg;
};

void
lp2p_conn_config_init(struct lp2p_conn_config *c)
{
	struct lp2p_peer_config pc;

	memset(c, 0, sizeof(*c));
	lp2p__peer_config_default(&pc);
	strlcpy(c->network_version, "1.0", sizeof(c->network_version));
	c->connect_timeout = pc.connect_timeout;
	c->ack_timeout = pc.ack_timeout;
}

/* ---- peer callbacks, translated ------------------------------------ */

static void
msg_of(const struct lp2p_peer_msg *m, struct lp2p_conn_msg *o)
{
	o->name = m->name;
	o->data = m->data;
	o->len = m->len;
	o->has_data = m->has_data;
	o->request_id = m->rid;
	o->answered = m->answered;
}

static void
conn_connected(struct lp2p_peer *p, void *arg)
{
	struct lp2p_conn *c = arg;

	(void)p;
	if (c->cb.on_connected != NULL)
		c->cb.on_connected(c, c->arg);
}

static void
conn_message(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_conn *c = arg;
	struct lp2p_conn_msg o;

	(void)p;
	if (c->cb.on_message == NULL)
		return;
	msg_of(m, &o);
	c->cb.on_message(c, &o, c->arg);
}

static void
conn_request(struct lp2p_peer *p, const struct lp2p_peer_msg *m, void *arg)
{
	struct lp2p_conn *c = arg;
	struct lp2p_conn_msg o;

	if (c->cb.on_request == NULL) {
		/* a client serves nothing: answer so the peer does not wait */
		if (!m->answered)
			(void)lp2p__peer_respond_error(p, m->rid,
			    "this client does not serve requests");
		return;
	}
	msg_of(m, &o);
	c->cb.on_request(c, &o, c->arg);
}

static int
conn_nodeinfo(struct lp2p_peer *p, const uint8_t *b, size_t n, void *arg)
{
	struct lp2p_conn *c = arg;

	(void)p;
	return c->cb.on_nodeinfo != NULL ? c->cb.on_nodeinfo(c, b, n, c->arg) :
	    0;
}

static void
conn_ban(struct lp2p_peer *p, bool server_level, const char *why, void *arg)
{
	struct lp2p_conn *c = arg;

	(void)p;
	(void)server_level;
	if (c->cb.on_ban != NULL)
		c->cb.on_ban(c, why, c->arg);
}

static void
conn_closed(struct lp2p_peer *p, int code, const char *reason, bool by_us,
    bool done, void *arg)
{
	struct lp2p_conn *c = arg;

	(void)p;
	(void)by_us;
	if (c->cb.on_closed != NULL)
		c->cb.on_closed(c, code, reason, done, c->arg);
}

static const struct lp2p_peer_cb conn_peer_cb = {
	.on_connected = conn_connected,
	.on_message = conn_message,
	.on_request = conn_request,
	.on_nodeinfo = conn_nodeinfo,
	.on_ban = conn_ban,
	.on_closed = conn_closed,
};

/* ---- the API ------------------------------------------------------- */

/* The plain /nodeInfo of the config's fields, encoded into *out. */
static int
plain_nodeinfo(const struct lp2p_peer_self *s, uint8_t **out, size_t *len,
    struct lp2p_err *err)
{
	char *hex;
	jv ni;

	if ((hex = lp2p_hex_encode(s->chain_id, s->chain_id_len)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	ni = JV_OBJECT(jv_string("chainID"), jv_string(hex),
	    jv_string("networkVersion"), jv_string(s->network_version),
	    jv_string("nonce"), jv_string(s->nonce),
	    jv_string("advertiseAddress"), jv_bool(s->advertise_address));
	free(hex);
	return lp2p_codec_encode(lp2p_schema_builtin("/nodeInfo"), ni, out,
	    len, err);
}

int
lp2p_conn_new(struct lp2p_conn **out, struct uv_loop_s *loop,
    const struct lp2p_conn_config *cfg, const char *ip, uint16_t port,
    const struct lp2p_conn_cb *cb, void *arg, struct lp2p_err *err)
{
	struct lp2p_peer_config pc;
	struct lp2p_peer_self self;
	struct lp2p_conn *c;
	uint8_t nb[8], *ni = NULL;
	size_t nilen = 0, vl;
	char *nonce;
	int rc;

	*out = NULL;
	vl = strnlen(cfg->network_version, sizeof(cfg->network_version));
	if (cfg->chain_id_len == 0 || cfg->chain_id_len > LP2P_CHAIN_ID_MAX)
		return lp2p_errf(err, LP2P_EINVAL, "chain ID of %zu bytes: "
		    "1 to %d needed", cfg->chain_id_len, LP2P_CHAIN_ID_MAX);
	if (vl == 0 || vl == sizeof(cfg->network_version))
		return lp2p_errf(err, LP2P_EINVAL, "network version: empty "
		    "or not terminated");
	memset(&self, 0, sizeof(self));
	memcpy(self.chain_id, cfg->chain_id, cfg->chain_id_len);
	self.chain_id_len = cfg->chain_id_len;
	memcpy(self.network_version, cfg->network_version, vl + 1);
	if (cfg->nonce[0] != '\0')
		strlcpy(self.nonce, cfg->nonce, sizeof(self.nonce));
	else {
		lp2p_rand_buf(nb, sizeof(nb));
		if ((nonce = lp2p_hex_encode(nb, sizeof(nb))) == NULL)
			return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
		strlcpy(self.nonce, nonce, sizeof(self.nonce));
		free(nonce);
	}
	self.advertise_address = cfg->advertise_address != 0;
	/* a client does not listen: any port, random so that runs differ */
	self.port = cfg->port != 0 ? cfg->port :
	    (uint16_t)(49152 + lp2p_rand_uniform(16384));
	if (cfg->nodeinfo != NULL) {
		self.nodeinfo = cfg->nodeinfo;
		self.nodeinfo_len = cfg->nodeinfo_len;
	} else {
		if ((rc = plain_nodeinfo(&self, &ni, &nilen, err)) != 0)
			return rc;
		self.nodeinfo = ni;
		self.nodeinfo_len = nilen;
	}
	lp2p__peer_config_default(&pc);
	if (cfg->connect_timeout > 0)
		pc.connect_timeout = cfg->connect_timeout;
	if (cfg->ack_timeout > 0)
		pc.ack_timeout = cfg->ack_timeout;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		free(ni);
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	}
	if (cb != NULL)
		c->cb = *cb;
	c->arg = arg;
	rc = lp2p__peer_connect(&c->p, loop, &pc, &self, ip, port, cfg->bind,
	    &conn_peer_cb, c, err);
	free(ni);			/* the peer keeps its own copy */
	if (rc != 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
lp2p_conn_send(struct lp2p_conn *c, const char *event, const uint8_t *data,
    size_t len)
{
	return lp2p__peer_send(c->p, event, data, len);
}

static void
conn_reply(struct lp2p_peer *p, const struct lp2p_peer_reply *r, void *arg)
{
	struct creq *q = arg;
	struct lp2p_conn_reply o;

	(void)p;
	o.status = r->status;
	o.data = r->data;
	o.len = r->len;
	o.has_data = r->has_data;
	o.error = r->error;
	o.rtt_ms = r->rtt_ms;
	q->fn(q->c, &o, q->arg);
	free(q);
}

int
lp2p_conn_request(struct lp2p_conn *c, const char *procedure,
    const uint8_t *data, size_t len, lp2p_conn_reply_fn *fn, void *arg)
{
	struct creq *q;
	int rc;

	if ((q = malloc(sizeof(*q))) == NULL)
		return LP2P_ENOMEM;
	q->c = c;
	q->fn = fn;
	q->arg = arg;
	if ((rc = lp2p__peer_request(c->p, procedure, data, len, conn_reply,
	    q)) != 0)
		free(q);
	return rc;
}

int
lp2p_conn_respond(struct lp2p_conn *c, uint64_t request_id,
    const uint8_t *data, size_t len)
{
	return lp2p__peer_respond(c->p, request_id, data, len);
}

int
lp2p_conn_respond_error(struct lp2p_conn *c, uint64_t request_id,
    const char *message)
{
	return lp2p__peer_respond_error(c->p, request_id, message);
}

void
lp2p_conn_close(struct lp2p_conn *c, int code, const char *reason)
{
	lp2p__peer_close(c->p, code, reason, LP2P__CLOSE_LINGER |
	    (reason == NULL ? LP2P__CLOSE_BARE : 0));
}

const char *
lp2p_conn_peer_id(const struct lp2p_conn *c)
{
	return lp2p__peer_id(c->p);
}

void
lp2p_conn_free(struct lp2p_conn *c)
{
	if (c == NULL)
		return;
	lp2p__peer_free(c->p);
	free(c);
}
