/*
 * cli_net.c — --network / --chain-id / --network-version (see cli_net.h).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "liskp2p.h"
#include "cli_net.h"

void
cli_net_init(struct cli_net *n)
{
	memset(n, 0, sizeof(*n));
	n->options_schema = jv_null();
	n->default_options = jv_null();
	n->name = "";
}

void
cli_net_release(struct cli_net *n)
{
	jv_free(n->options_schema);
	jv_free(n->default_options);
	n->options_schema = jv_null();
	n->default_options = jv_null();
}

void
cli_net_opt(struct cli_net *n, int opt, const char *arg)
{
	switch (opt) {
	case CLI_NET_OPT_NETWORK:
		n->opt_network = arg;
		break;
	case CLI_NET_OPT_CHAIN_ID:
		n->opt_chain_id = arg;
		break;
	case CLI_NET_OPT_VERSION:
		n->opt_version = arg;
		break;
	}
}

/* "digits(.digits)*", as a Lisk network version reads */
static int
is_version(const char *s)
{
	int digits = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && digits > 0)
			digits = 0;
		else
			return 0;
	}
	return digits > 0;
}

/* A flag's argument made safe for a message. */
static void
safe(char *buf, size_t len, const char *s)
{
	char tmp[4 * 128 + 1];

	strvisx(tmp, s, strnlen(s, 128), VIS_CSTYLE | VIS_OCTAL | VIS_TAB |
	    VIS_NL);
	snprintf(buf, len, "%s%s", tmp, strlen(s) > 128 ? "..." : "");
}

int
cli_net_resolve(struct cli_net *n, int required, char *msg, size_t len)
{
	char a[4 * 128 + 8];
	uint8_t *b;
	long bl;

	if (n->opt_network != NULL && n->opt_chain_id != NULL) {
		snprintf(msg, len, "--network and --chain-id exclude each "
		    "other");
		return -1;
	}
	if (n->opt_network != NULL) {
		if ((n->preset = lp2p_network_find(n->opt_network)) == NULL) {
			safe(a, sizeof(a), n->opt_network);
			snprintf(msg, len, "--network %s: unknown network (%s)",
			    a, lp2p_network_names());
			return -1;
		}
		if (n->opt_version != NULL) {
			snprintf(msg, len, "--network-version goes with "
			    "--chain-id; --network %s sets %s",
			    lp2p_network_name(n->preset),
			    lp2p_network_version(n->preset));
			return -1;
		}
		n->name = lp2p_network_name(n->preset);
		b = (uint8_t *)lp2p_network_chain_id(n->preset,
		    &n->chain_id_len);
		memcpy(n->chain_id, b, n->chain_id_len);
		snprintf(n->version, sizeof(n->version), "%s",
		    lp2p_network_version(n->preset));
		cli_net_release(n);
		n->options_schema = lp2p_network_options_schema(n->preset);
		n->default_options = lp2p_network_default_options(n->preset);
		n->seeds = lp2p_network_seeds(n->preset);
		n->port = lp2p_network_port(n->preset);
	} else if (n->opt_chain_id != NULL) {
		static const char *const none[] = { NULL };
		size_t l = strlen(n->opt_chain_id);

		safe(a, sizeof(a), n->opt_chain_id);
		if (l == 0) {
			snprintf(msg, len, "--chain-id: empty");
			return -1;
		}
		bl = lp2p_hex_decode(n->opt_chain_id, l, &b);
		if (bl == LP2P_ENOMEM)
			err(1, NULL);
		if (bl < 0) {
			snprintf(msg, len, "--chain-id %s: not hex", a);
			return -1;
		}
		if (bl > LP2P_CHAIN_ID_MAX) {
			free(b);
			snprintf(msg, len, "--chain-id %s: longer than %d "
			    "bytes", a, LP2P_CHAIN_ID_MAX);
			return -1;
		}
		memcpy(n->chain_id, b, (size_t)bl);
		n->chain_id_len = (size_t)bl;
		free(b);
		if (n->opt_version != NULL) {
			safe(a, sizeof(a), n->opt_version);
			if (strlen(n->opt_version) > CLI_NET_MAX_VERSION ||
			    !is_version(n->opt_version)) {
				snprintf(msg, len, "--network-version %s: not "
				    "a version (like 1.0)", a);
				return -1;
			}
			snprintf(n->version, sizeof(n->version), "%s",
			    n->opt_version);
		} else
			snprintf(n->version, sizeof(n->version), "%s",
			    CLI_NET_DEFAULT_VERSION);
		n->name = "custom";
		n->preset = NULL;
		cli_net_release(n);
		n->seeds = none;
		n->port = 0;
	} else if (n->opt_version != NULL) {
		snprintf(msg, len, "--network-version needs --chain-id");
		return -1;
	} else if (required) {
		snprintf(msg, len, "no network: give --network NAME (%s) or "
		    "--chain-id HEX", lp2p_network_names());
		return -1;
	} else
		return 0;
	for (size_t i = 0; i < n->chain_id_len; i++)
		snprintf(n->chain_id_hex + 2 * i, 3, "%02x", n->chain_id[i]);
	n->chain_id_hex[2 * n->chain_id_len] = '\0';
	n->set = 1;
	return 0;
}

void
cli_net_finish(struct cli_net *n, int required)
{
	char msg[1024];

	if (cli_net_resolve(n, required, msg, sizeof(msg)) == -1)
		errx(2, "%s", msg);
}

struct lp2p_schema *
cli_net_nodeinfo_schema(const struct cli_net *n)
{
	struct lp2p_schema *s;
	struct lp2p_err e;

	if (lp2p_schema_nodeinfo(&s, jv_copy(n->options_schema), &e) != 0)
		errx(1, "nodeInfo schema: %s", e.msg);
	return s;
}

jv
cli_net_nodeinfo(const struct cli_net *n, const char *nonce, int advertise)
{
	jv v = JV_OBJECT(jv_string("chainID"), jv_string(n->chain_id_hex),
	    jv_string("networkVersion"), jv_string(n->version),
	    jv_string("nonce"), jv_string(nonce),
	    jv_string("advertiseAddress"), jv_bool(advertise));

	if (jv_get_kind(n->default_options) == JV_KIND_OBJECT)
		v = jv_object_set(v, jv_string("options"),
		    jv_copy(n->default_options));
	return v;
}
