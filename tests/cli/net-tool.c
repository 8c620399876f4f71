/*
 * net-tool.c — a minimal program around cmd/cli_net.c for cli_net.bats:
 * parses the network options as the real programs do and prints what it
 * resolved as one JSON line.  Built by the bats file.
 */
#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "liskp2p.h"
#include "cli.h"
#include "cli_net.h"

static const struct option longopts[] = {
	CLI_NET_LONGOPTS,
	{ "optional",	no_argument,	NULL,	'o' },
	{ NULL,		0,		NULL,	0 }
};

int
main(int argc, char **argv)
{
	struct cli_net net;
	int ch, required = 1;
	jv seeds = jv_array();

	cli_init();
	cli_net_init(&net);
	while ((ch = getopt_long(argc, argv, "o", longopts, NULL)) != -1)
		switch (ch) {
		case 'o':
			required = 0;
			break;
		case CLI_NET_OPT_NETWORK:
		case CLI_NET_OPT_CHAIN_ID:
		case CLI_NET_OPT_VERSION:
			cli_net_opt(&net, ch, optarg);
			break;
		default:
			fprintf(stderr, "usage: net-tool [-o] %s\n",
			    CLI_NET_USAGE);
			return 2;
		}
	cli_net_finish(&net, required);
	for (const char *const *s = net.seeds; s != NULL && *s != NULL; s++)
		seeds = jv_array_append(seeds, jv_string(*s));
	cli_emit(JV_OBJECT(jv_string("name"), jv_string(net.name),
	    jv_string("chainID"), jv_string(net.chain_id_hex),
	    jv_string("networkVersion"), jv_string(net.version),
	    jv_string("port"), jv_number(net.port),
	    jv_string("seeds"), seeds,
	    jv_string("options"), jv_copy(net.default_options)));
	cli_net_release(&net);
	return 0;
}
