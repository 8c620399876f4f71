/*
 * test_events.c — events.c: every builder's line, byte for byte (field
 * order included: NDJSON readers and the hot path of
 * EVENT_MESSAGE_RECEIVED compare lines), and the probe's postNodeInfo
 * merge (probe.c).
 */
#include <regex.h>

#include "unit.h"
#include "peer.h"
#include "events.h"
#include "probe.h"

/* The compact line of ev (consumed) without its "ts" member, checked. */
static void
assert_line(jv ev, const char *want)
{
	jv ts = jv_object_get(jv_copy(ev), jv_string("ts")), line;
	regex_t re;

	assert_int_equal(jv_get_kind(ts), JV_KIND_STRING);
	assert_int_equal(regcomp(&re, "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T"
	    "[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$", REG_EXTENDED), 0);
	assert_int_equal(regexec(&re, jv_string_value(ts), 0, NULL, 0), 0);
	regfree(&re);
	jv_free(ts);
	/* "ts" comes first: the rest of the line is as built */
	line = jv_dump_string(jv_object_delete(ev, jv_string("ts")), 0);
	assert_string_equal(jv_string_value(line), want);
	jv_free(line);
}

static void
test_peer_events(void **state)
{
	jv shared = JV_OBJECT(jv_string("chainID"), jv_string("00"));
	struct lp2p__evpeer in = { "1.2.3.4:5", "1.2.3.4", 5, true, shared };
	struct lp2p__evpeer out = { "1.2.3.4:5", "1.2.3.4", 5, false,
	    jv_null() };

	(void)state;
	assert_line(lp2p__ev_peer("EVENT_NEW_INBOUND_PEER", &in),
	    "{\"type\":\"EVENT_NEW_INBOUND_PEER\",\"peerId\":\"1.2.3.4:5\","
	    "\"ipAddress\":\"1.2.3.4\",\"port\":5,\"kind\":\"inbound\","
	    "\"sharedState\":{\"chainID\":\"00\"},"
	    "\"nodeInfo\":{\"chainID\":\"00\"}}");
	assert_line(lp2p__ev_close("EVENT_CLOSE_OUTBOUND", &out, 1006, ""),
	    "{\"type\":\"EVENT_CLOSE_OUTBOUND\",\"peerId\":\"1.2.3.4:5\","
	    "\"ipAddress\":\"1.2.3.4\",\"port\":5,\"kind\":\"outbound\","
	    "\"code\":1006,\"reason\":\"\"}");
	assert_line(lp2p__ev_close("EVENT_CONNECT_ABORT_OUTBOUND", &out, 0,
	    "refused"), "{\"type\":\"EVENT_CONNECT_ABORT_OUTBOUND\","
	    "\"peerId\":\"1.2.3.4:5\",\"ipAddress\":\"1.2.3.4\",\"port\":5,"
	    "\"kind\":\"outbound\",\"reason\":\"refused\"}");
	assert_line(lp2p_event_new("EVENT_NETWORK_READY"),
	    "{\"type\":\"EVENT_NETWORK_READY\"}");
	jv_free(shared);
}

static void
test_other_events(void **state)
{
	static const uint8_t data[] = { 0x00, 0xff };
	struct lp2p_peer_msg m = { .name = "postBlock", .data = data,
	    .len = 2, .has_data = true, .rate = 0.5 };

	(void)state;
	/* the line w9's hot path must reproduce */
	assert_line(lp2p__ev_message("1.2.3.4:5", &m),
	    "{\"type\":\"EVENT_MESSAGE_RECEIVED\",\"peerId\":\"1.2.3.4:5\","
	    "\"event\":\"postBlock\",\"data\":\"00ff\",\"rate\":0.5}");
	m.has_data = false;
	m.name = "getX";
	assert_line(lp2p__ev_request("1.2.3.4:5", &m, 7, false),
	    "{\"type\":\"EVENT_REQUEST_RECEIVED\",\"peerId\":\"1.2.3.4:5\","
	    "\"procedure\":\"getX\",\"rate\":0.5,\"requestId\":7,"
	    "\"wasResponseSent\":false}");
	assert_line(lp2p__ev_request("1.2.3.4:5", &m, 0, true),
	    "{\"type\":\"EVENT_REQUEST_RECEIVED\",\"peerId\":\"1.2.3.4:5\","
	    "\"procedure\":\"getX\",\"rate\":0.5,\"wasResponseSent\":true}");
	assert_line(lp2p__ev_nodeinfo_message("1.2.3.4:5", jv_object()),
	    "{\"type\":\"EVENT_MESSAGE_RECEIVED\",\"peerId\":\"1.2.3.4:5\","
	    "\"event\":\"postNodeInfo\",\"data\":{}}");
	assert_line(lp2p__ev_discovered("9.9.9.9", 7667, "1.2.3.4"),
	    "{\"type\":\"EVENT_DISCOVERED_PEER\",\"peerId\":\"9.9.9.9:7667\","
	    "\"ipAddress\":\"9.9.9.9\",\"port\":7667,"
	    "\"sourceAddress\":\"1.2.3.4\"}");
	assert_line(lp2p__ev_ban("1.2.3.4:5", NULL, false),
	    "{\"type\":\"EVENT_BAN_PEER\",\"peerId\":\"1.2.3.4:5\","
	    "\"serverLevel\":false}");
	assert_line(lp2p__ev_remove("1.2.3.4:5", 0, "ignored"),
	    "{\"type\":\"EVENT_REMOVE_PEER\",\"peerId\":\"1.2.3.4:5\"}");
	assert_line(lp2p__ev_remove("1.2.3.4:5", 4418, "Evicted"),
	    "{\"type\":\"EVENT_REMOVE_PEER\",\"peerId\":\"1.2.3.4:5\","
	    "\"code\":4418,\"reason\":\"Evicted\"}");
	assert_line(lp2p__ev_refused("1.2.3.4:5", "no", 4101),
	    "{\"type\":\"EVENT_FAILED_TO_ADD_INBOUND_PEER\","
	    "\"peerId\":\"1.2.3.4:5\",\"error\":\"no\",\"code\":4101}");
	assert_line(lp2p__ev_error("EVENT_PEER_BOOK_ERROR", NULL, "disk"),
	    "{\"type\":\"EVENT_PEER_BOOK_ERROR\",\"error\":\"disk\"}");
}

/* postNodeInfo: the whole nodeInfo first, then only its options merge. */
static void
test_post_info(void **state)
{
	struct lp2p__probe_config cfg = {
		.schema = lp2p_schema_builtin("/nodeInfo"),
	};
	struct lp2p_err err;
	uint8_t *buf;
	size_t len;
	jv shared = jv_null(), info, s;

	(void)state;
	assert_int_equal(lp2p_codec_encode(cfg.schema, JV_OBJECT(
	    jv_string("chainID"), jv_string("00"),
	    jv_string("networkVersion"), jv_string("1.0"),
	    jv_string("nonce"), jv_string("abcdefgh"),
	    jv_string("advertiseAddress"), jv_true()), &buf, &len, &err), 0);
	assert_int_equal(lp2p__probe_post_info(&cfg, buf, len, &shared, &info,
	    &err), 0);
	assert_true(jv_equal(jv_copy(shared), jv_copy(info)));
	jv_free(info);
	/* a second one with another version: kept as known (no options) */
	shared = jv_object_set(shared, jv_string("networkVersion"),
	    jv_string("9.9"));
	assert_int_equal(lp2p__probe_post_info(&cfg, buf, len, &shared, &info,
	    &err), 0);
	s = jv_object_get(jv_copy(shared), jv_string("networkVersion"));
	assert_string_equal(jv_string_value(s), "9.9");
	jv_free(s);
	jv_free(info);
	free(buf);
	/* undecodable: an error, shared untouched */
	assert_int_equal(lp2p__probe_post_info(&cfg, (const uint8_t *)"\xff",
	    1, &shared, &info, &err), LP2P_ECODEC);
	assert_int_equal(jv_get_kind(shared), JV_KIND_OBJECT);
	jv_free(shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_events),
		cmocka_unit_test(test_other_events),
		cmocka_unit_test(test_post_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
