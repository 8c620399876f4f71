/*
 * network.c — the Lisk Core 4 presets (LISK-CORE-4.md §4) and the
 * application-layer schemas of Lisk Core 4 (LISK-CORE-4.md §1-§3), as
 * read-only static data; schemas are handed out as fresh jv values.
 */
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"

#include "network_schemas.h"

struct lp2p_network {
	const char	*name;
	uint8_t		 chain_id[4];
	const char	*version;
	uint16_t	 port;
	const char *const *seeds;
};

static const char *const mainnet_seeds[] = {
	"mainnet-seed-01.lisk.com", "mainnet-seed-02.lisk-nodes.net",
	"mainnet-seed-03.lisk.com", "mainnet-seed-04.lisk-nodes.net",
	"mainnet-seed-05.lisk.com", "mainnet-seed-06.lisk-nodes.net",
	"mainnet-seed-07.lisk.com", "mainnet-seed-08.lisk-nodes.net",
	"mainnet-seed-09.lisk.com", "mainnet-seed-10.lisk-nodes.net", NULL
};
static const char *const testnet_seeds[] = {
	"testnet-seed-01.lisk.com", "testnet-seed-02.lisk-nodes.net",
	"testnet-seed-03.lisk.com", "testnet-seed-04.lisk-nodes.net",
	"testnet-seed-05.lisk.com", NULL
};
static const char *const no_seeds[] = { NULL };

static const struct lp2p_network presets[] = {
	{ "mainnet", { 0, 0, 0, 0 }, "5.0", 7667, mainnet_seeds },
	{ "testnet", { 1, 0, 0, 0 }, "5.0", 7667, testnet_seeds },
	{ "devnet", { 4, 0, 0, 0 }, "5.0", 7667, no_seeds },
};

static const char *const core4_events[] = {
	"postBlock", "postTransactionsAnnouncement", "postSingleCommitMessages",
	"postNodeInfo", NULL
};
static const char *const core4_procedures[] = {
	"getLastBlock", "getBlocksFromId", "getHighestCommonBlock",
	"getLegacyBlocksFromId", "getTransactions", NULL
};

/* data of each event / procedure: request and response schema names */
static const struct {
	const char *name, *req, *resp;
} payloads[] = {
	{ "postBlock", "postBlockEvent", NULL },
	{ "postTransactionsAnnouncement", "postTransactionsAnnouncement",
	    NULL },
	{ "postSingleCommitMessages", "singleCommitsNetworkPacket", NULL },
	{ "postNodeInfo", "nodeInfo", NULL },
	{ "getLastBlock", NULL, "block" },
	{ "getBlocksFromId", "getBlocksFromIdRequest",
	    "getBlocksFromIdResponse" },
	{ "getHighestCommonBlock", "getHighestCommonBlockRequest",
	    "getHighestCommonBlockResponse" },
	{ "getLegacyBlocksFromId", "getLegacyBlocksFromIdRequest",
	    "getBlocksFromIdResponse" },
	{ "getTransactions", "getTransactionsRequest",
	    "getTransactionsResponse" },
	{ "getNodeInfo", NULL, "nodeInfo" },
	{ "getPeers", NULL, "peerRequestResponse" },
};

static const struct {
	const char *module, *command, *schema;
} params[] = {
	{ "token", "transfer", "tokenTransferParams" },
	{ "token", "transferCrossChain", "tokenTransferCrossChainParams" },
	{ "pos", "stake", "posStakeParams" },
	{ "pos", "registerValidator", "posRegisterValidatorParams" },
	{ "pos", "updateGeneratorKey", "posUpdateGeneratorKeyParams" },
	{ "pos", "changeCommission", "posChangeCommissionParams" },
	{ "pos", "reportMisbehavior", "posReportMisbehaviorParams" },
	{ "pos", "unlock", "emptyParams" },
	{ "pos", "claimRewards", "emptyParams" },
	{ "auth", "registerMultisignature",
	    "authRegisterMultisignatureParams" },
	{ "legacy", "reclaimLSK", "legacyReclaimLSKParams" },
	{ "legacy", "registerKeys", "legacyRegisterKeysParams" },
};

const struct lp2p_network *
lp2p_network_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

const struct lp2p_network *
lp2p_network_at(size_t i)
{
	return i < LP2P_NELEM(presets) ? &presets[i] : NULL;
}

const char *
lp2p_network_names(void)
{
	return "mainnet, testnet, devnet";
}

const char *
lp2p_network_name(const struct lp2p_network *n)
{
	return n->name;
}

const uint8_t *
lp2p_network_chain_id(const struct lp2p_network *n, size_t *len)
{
	if (len != NULL)
		*len = sizeof(n->chain_id);
	return n->chain_id;
}

const char *
lp2p_network_version(const struct lp2p_network *n)
{
	return n->version;
}

uint16_t
lp2p_network_port(const struct lp2p_network *n)
{
	return n->port;
}

const char *const *
lp2p_network_seeds(const struct lp2p_network *n)
{
	return n->seeds;
}

const char *const *
lp2p_network_events(const struct lp2p_network *n)
{
	(void)n;
	return core4_events;
}

const char *const *
lp2p_network_procedures(const struct lp2p_network *n)
{
	(void)n;
	return core4_procedures;
}

static int
in_list(const char *const *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

int
lp2p_network_has_event(const struct lp2p_network *n, const char *name)
{
	return in_list(lp2p_network_events(n), name);
}

int
lp2p_network_has_procedure(const struct lp2p_network *n, const char *name)
{
	return in_list(lp2p_network_procedures(n), name);
}

jv
lp2p_network_schema(const char *name)
{
	if (name == NULL)
		return jv_invalid();
	for (size_t i = 0; i < LP2P_NELEM(core4_schemas); i++)
		if (strcmp(core4_schemas[i].name, name) == 0)
			return jv_parse(core4_schemas[i].json);
	return jv_invalid();
}

const char *
lp2p_network_schema_at(size_t i)
{
	return i < LP2P_NELEM(core4_schemas) ? core4_schemas[i].name : NULL;
}

jv
lp2p_network_options_schema(const struct lp2p_network *n)
{
	(void)n;
	return lp2p_network_schema("customNodeInfo");
}

jv
lp2p_network_default_options(const struct lp2p_network *n)
{
	(void)n;
	return jv_parse("{\"height\":0,\"maxHeightPrevoted\":0,"
	    "\"blockVersion\":0,\"lastBlockID\":\"\",\"legacy\":[]}");
}

const char *
lp2p_network_payload_schema(const char *name, int response)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(payloads); i++)
		if (strcmp(payloads[i].name, name) == 0)
			return response ? payloads[i].resp : payloads[i].req;
	return NULL;
}

const char *
lp2p_network_params_schema(const char *module, const char *command)
{
	if (module == NULL || command == NULL)
		return NULL;
	for (size_t i = 0; i < LP2P_NELEM(params); i++)
		if (strcmp(params[i].module, module) == 0 &&
		    strcmp(params[i].command, command) == 0)
			return params[i].schema;
	return NULL;
}
