/*
 * peer_query.c — the words of the lisk-p2p handshake (WIRE.md §2.3,
 * §7.1): the upgrade target's query string a client sends
 * (lp2p__peer_query_build, with Node's querystring.escape) and its
 * reading by a server (lp2p__peer_query_parse: 4502, 4105 with the
 * reference's reasons), the compatibility check (4104), and the
 * reference's text of each close code (lp2p_close_reason).  Pure: no
 * state, no I/O; peer.c and the tests call them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "peer.h"

const char *
lp2p_close_reason(int code)
{
	switch (code) {
	case 1000: return "Intentionally disconnected";
	case 1001: return "Socket was disconnected";
	case 1002: return "A WebSocket protocol error was encountered";
	case 1003: return "Server terminated socket because it received "
	    "invalid data";
	case 1005: return "Socket closed without status code";
	case 1006: return "Socket hung up";
	case 1007: return "Message format was incorrect";
	case 1008: return "Encountered a policy violation";
	case 1009: return "Message was too big to process";
	case 1011: return "Server encountered an unexpected fatal condition";
	case 4000: return "Server ping timed out";
	case 4001: return "Client pong timed out";
	case 4003: return "Failed to complete handshake";
	case 4005: return "Did not receive #handshake from client before "
	    "timeout";
	case 4007: return "Client connection establishment timed out";
	case 4008: return "Server rejected handshake from client";
	case 4009: return "Server received a message before the client "
	    "handshake";
	case 4101: return "Peer cannot connect to itself";
	case 4104: return "Peer is incompatible with the node for unknown "
	    "reasons";
	case 4105: return "Peer has invalid PeerInfo";
	case 4404: return "Peer has a duplicate connection";
	case 4403: return "Peer is not allowed to connect";
	case 4501: return "Peer did not provide a valid URL as part of the "
	    "WebSocket connection";
	case 4502: return "Peer did not provide valid query parameters as "
	    "part of the WebSocket connection";
	case 4503: return "Peer did not provide a valid address as part of "
	    "the WebSocket connection";
	default: return "";
	}
}

char *
lp2p__qs_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *o, *p;

	if ((o = malloc(3 * n + 1)) == NULL)
		return NULL;
	p = o;
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (isalnum(*q) || strchr("-_.!~*'()", *q) != NULL)
			*p++ = (char)*q;
		else {
			*p++ = '%';
			*p++ = hex[*q >> 4];
			*p++ = hex[*q & 15];
		}
	}
	*p = '\0';
	return o;
}

char *
lp2p__peer_query_build(const struct lp2p_peer_self *s)
{
	char *nv, *ch, *nonce, *out = NULL;

	nv = lp2p__qs_escape(s->network_version);
	ch = lp2p_hex_encode(s->chain_id, s->chain_id_len);
	nonce = lp2p__qs_escape(s->nonce);
	if (nv != NULL && ch != NULL && nonce != NULL &&
	    asprintf(&out, "/rpc/?networkVersion=%s&chainID=%s&nonce=%s"
	    "&advertiseAddress=%s&port=%u", nv, ch, nonce,
	    s->advertise_address ? "true" : "false", s->port) < 0)
		out = NULL;
	free(nv);
	free(ch);
	free(nonce);
	return out;
}

/* Node's querystring.unescape (+ as space): decode in place. */
static void
qs_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%' && lp2p__hexval(s[1]) >= 0 &&
		    lp2p__hexval(s[2]) >= 0) {
			*o++ = (char)(lp2p__hexval(s[1]) << 4 |
			    lp2p__hexval(s[2]));
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* parseInt(s, 10) → *v; false for NaN. */
static bool
parse_int(const char *s, double *v)
{
	bool neg = false, any = false;
	double r = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
	    *s == '\f' || *s == '\v')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++) {
		r = r * 10 + (*s - '0');
		any = true;
	}
	*v = neg ? -r : r;
	return any;
}

int
lp2p__peer_query_parse(const char *target, struct lp2p_peer_query *q,
    const char *ip, char *reason, size_t len)
{
	const char *qs = strchr(target, '?');
	char *copy, *tok, *save, *port = NULL;
	int nnv = 0, nch = 0, nport = 0, rc = 0;
	double pv;

	memset(q, 0, sizeof(*q));
	q->advertise_address = true;
	if ((copy = strdup(qs != NULL ? qs + 1 : "")) == NULL)
		return LP2P_ENOMEM;
	for (tok = strtok_r(copy, "&", &save); tok != NULL;
	    tok = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(tok, '='), *k = tok, *v = (char *)"";

		if (eq != NULL) {
			*eq = '\0';
			v = eq + 1;
		}
		qs_unescape(k);
		if (eq != NULL)
			qs_unescape(v);
		if (strcmp(k, "networkVersion") == 0) {
			nnv++;
			strlcpy(q->network_version, v,
			    sizeof(q->network_version));
		} else if (strcmp(k, "chainID") == 0) {
			size_t i;

			nch++;
			/* Buffer.from(v, 'hex'): stop at the first bad pair */
			for (i = 0; v[2 * i] != '\0' && v[2 * i + 1] != '\0' &&
			    i < sizeof(q->chain_id); i++) {
				int hi = lp2p__hexval(v[2 * i]);
				int lo = lp2p__hexval(v[2 * i + 1]);

				if (hi < 0 || lo < 0)
					break;
				q->chain_id[i] = (uint8_t)(hi << 4 | lo);
			}
			q->chain_id_len = i;
		} else if (strcmp(k, "nonce") == 0) {
			strlcpy(q->nonce, v, sizeof(q->nonce));
		} else if (strcmp(k, "advertiseAddress") == 0) {
			q->advertise_address = strcmp(v, "false") != 0;
		} else if (strcmp(k, "port") == 0) {
			nport++;
			port = v;
			if (parse_int(v, &pv) && pv > 0 && pv <= 65535)
				q->port = (uint16_t)pv;
			else
				q->port = 0;
		}
	}
	if (nnv != 1 || nch != 1) {
		snprintf(reason, len, "%s", lp2p_close_reason(4502));
		rc = 4502;
	} else if (nport != 1 || q->port == 0) {
		char pbuf[32];

		if (nport == 1 && parse_int(port, &pv))
			snprintf(pbuf, sizeof(pbuf), "%.0f", pv);
		else
			strlcpy(pbuf, "NaN", sizeof(pbuf));
		snprintf(reason, len, "Invalid peer ipAddress or port for peer "
		    "with ip: %s and port %s", ip, pbuf);
		rc = 4105;
	}
	free(copy);
	return rc;
}

int
lp2p__peer_compatible(const struct lp2p_peer_self *s, const uint8_t *chain,
    size_t chain_len, const char *nv, char *reason, size_t len)
{
	double mine, theirs;
	char a[32], b[64];

	if (chain_len != s->chain_id_len || chain_len == 0 ||
	    memcmp(chain, s->chain_id, chain_len) != 0) {
		snprintf(reason, len, "Peer chainID did not match our own");
		return 4104;
	}
	strlcpy(a, s->network_version, sizeof(a));
	a[strcspn(a, ".")] = '\0';
	strlcpy(b, nv, sizeof(b));
	b[strcspn(b, ".")] = '\0';
	if (!parse_int(a, &mine) || !parse_int(b, &theirs) ||
	    mine != theirs || theirs < 1) {
		snprintf(reason, len, "Peer has incompatible protocol version");
		return 4104;
	}
	return 0;
}
