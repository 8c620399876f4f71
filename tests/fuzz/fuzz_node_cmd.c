/*
 * fuzz_node_cmd.c — one stdin line of p2p-node, as the program handles
 * it: parsed as JSON, then run by lp2p_node_command on a node that is not
 * started (no socket), with the result consumed.  Any bytes: no crash, no
 * leak, exactly one result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "liskp2p.h"
#include "internal.h"

static struct lp2p_node *node;
static uv_loop_t loop;
static int results;

static void
on_event(struct lp2p_node *n, jv ev, void *arg)
{
	(void)n; (void)arg;
	jv_free(ev);
}

static void
on_result(struct lp2p_node *n, jv r, void *arg)
{
	(void)n; (void)arg;
	jv_free(r);
	results++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct lp2p_node_config c;
	struct lp2p_node_cb cb = { on_event, NULL };
	struct lp2p_err e;
	jv v;

	if (node == NULL) {
		if (uv_loop_init(&loop) != 0)
			abort();
		lp2p_node_config_init(&c);
		c.chain_id_len = 4;
		if (lp2p_node_config_add(&c, 's', "1.1.1.1:1", &e) != 0 ||
		    lp2p_node_new(&node, &loop, &c, &cb, NULL, &e) != 0)
			abort();
		lp2p_node_config_release(&c);
	}
	if (len > LP2P_MAX_CMD_LINE)
		return 0;
	if (lp2p_json_check((const char *)data, len, LP2P_MAX_JSON_DEPTH,
	    &e) != 0)
		return 0;	/* what p2p-node rejects before jq */
	v = jv_parse_sized((const char *)data, (int)len);
	if (!jv_is_valid(v)) {
		jv_free(v);
		return 0;
	}
	/* "stop" would end the node for every later input */
	if (len >= 6 && memmem(data, len, "stop", 4) != NULL) {
		jv_free(v);
		return 0;
	}
	results = 0;
	lp2p_node_command(node, v, on_result, NULL);
	if (results != 1)
		abort();
	return 0;
}
