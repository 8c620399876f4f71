/*
 * cli_net.h — the network options every program shares:
 *
 *   --network NAME                  a preset: mainnet, testnet, devnet
 *   --chain-id HEX [--network-version V]
 *                                   any chain; version 1.0 by default
 *
 * Use: put CLI_NET_LONGOPTS in the getopt_long table, hand those options
 * to cli_net_opt(), then call cli_net_finish() once; the result is a
 * struct cli_net.  Bad input exits 2 with "prog: --chain-id zz: not hex".
 */
#ifndef LP2P_CLI_NET_H
#define LP2P_CLI_NET_H

#include <stddef.h>
#include <stdint.h>
#include <getopt.h>

#include "liskp2p.h"

/* long-only option values, out of the range of option letters */
#define CLI_NET_OPT_NETWORK	0x4e01
#define CLI_NET_OPT_CHAIN_ID	0x4e02
#define CLI_NET_OPT_VERSION	0x4e03

#define CLI_NET_LONGOPTS \
	{ "chain-id", required_argument, NULL, CLI_NET_OPT_CHAIN_ID }, \
	{ "network", required_argument, NULL, CLI_NET_OPT_NETWORK }, \
	{ "network-version", required_argument, NULL, CLI_NET_OPT_VERSION }

/* the same as rows of a cli_opt.h table */
#define CLI_NET_OPTS \
	CLI_OPT_LONG("chain-id", CLI_NET_OPT_CHAIN_ID, "HEX", \
	    "any chain, by its chain ID in hex"), \
	CLI_OPT_LONG("network", CLI_NET_OPT_NETWORK, "NAME", \
	    "a preset: mainnet, testnet or devnet"), \
	CLI_OPT_LONG("network-version", CLI_NET_OPT_VERSION, "V", \
	    "with --chain-id: the network version (1.0)")

/* for usage(): the SYNOPSIS fragment */
#define CLI_NET_USAGE \
	"[--network NAME | --chain-id HEX [--network-version V]]"

#define CLI_NET_DEFAULT_VERSION	"1.0"
#define CLI_NET_MAX_VERSION	32	/* chars in --network-version */

struct cli_net {
	int		 set;		/* 1 once a network was chosen */
	const struct lp2p_network *preset;	/* NULL with --chain-id */
	const char	*name;		/* preset name, or "custom" */
	uint8_t		 chain_id[LP2P_CHAIN_ID_MAX];
	size_t		 chain_id_len;
	char		 chain_id_hex[2 * LP2P_CHAIN_ID_MAX + 1];
	char		 version[CLI_NET_MAX_VERSION + 1];
	jv		 options_schema;	/* jv_null(): plain p2p */
	jv		 default_options;	/* jv_null() without a schema */
	const char *const *seeds;	/* host names, NULL-terminated */
	uint16_t	 port;		/* default port; 0: none */
	/* raw flags, until cli_net_finish() */
	const char	*opt_network, *opt_chain_id, *opt_version;
};

void	cli_net_init(struct cli_net *);
/* Record one of the CLI_NET_OPT_* options (checked in cli_net_finish). */
void	cli_net_opt(struct cli_net *, int, const char *);
/*
 * Check and resolve the options.  With required, one of --network and
 * --chain-id must be given.  Exits 2 on bad input.
 */
void	cli_net_finish(struct cli_net *, int);
/*
 * The same without exiting: returns 0, or -1 with a message ("--chain-id
 * zz: not hex") in buf.  For tests and for programs that read networks
 * from elsewhere.
 */
int	cli_net_resolve(struct cli_net *, int, char *, size_t);
void	cli_net_release(struct cli_net *);

/* The nodeInfo schema of this network (lp2p_schema_nodeinfo); exits 1. */
struct lp2p_schema *cli_net_nodeinfo_schema(const struct cli_net *);
/*
 * A nodeInfo value for this network: {chainID, networkVersion, nonce,
 * advertiseAddress[, options]} with the default options when the network
 * has an options schema.
 */
jv	cli_net_nodeinfo(const struct cli_net *, const char *, int);

#endif
