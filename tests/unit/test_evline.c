/* test_evline.c — the hot path's line (lib/evline.c) is byte for byte the
 * line of the jv path (the event object dumped), over a corpus of data,
 * names, peer ids and rates; a sink that refuses drops the line. */
#include <math.h>

#include "unit.h"
#include "sc.h"
#include "evline_ref.h"

#define TS	"2026-12-04T05:31:20.963Z"

static void
same(const char *id, const char *name, const char *b64, double rate)
{
	struct evline_buf e = { 0 };
	struct lp2p_line_sink sink = { evline_buf_reserve, evline_buf_commit,
	    &e };
	struct lp2p_buf want = { 0 };

	assert_int_equal(evline_ref(&want, TS, id, name, b64, strlen(b64),
	    rate), 0);
	assert_int_equal(lp2p__evline_message(&sink, TS, id, name, b64,
	    strlen(b64), rate), 0);
	assert_int_equal(e.commits, 1);
	assert_true(e.reserved <= lp2p__evline_max(strlen(id), strlen(name),
	    strlen(b64)));
	if (e.b.len != want.len || memcmp(e.b.p, want.p, want.len) != 0)
		fail_msg("data '%s' rate %g:\n fast %.*s jv   %.*s", b64, rate,
		    (int)e.b.len, e.b.p, (int)want.len, want.p);
	free(e.b.p);
	free(want.p);
}

static void
test_data(void **state)
{
	static const char *datas[] = {
		"", "A", "AA", "AAA", "AAAA", "AAE=", "AAE", "AAEC", "AAECAw==",
		"AAECAw", "AAECAwQ=", "/+/+", "_-_-", "//8=", "+/+/+/+/",
		"ZGF0YQ==", "ZGF0YQ=", "ZGF0YQ", "ZG=F0YQ==", "=ZGF0",
		"Z G F 0 Y Q", "ZG\001F0YQ", "ZG.F0#Y!Q", "!!!!", "a", "ab",
		"abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"CiDv7////wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEiA=",
		"A=A=A=", "AB==CD==", "~~~~AAAA", "AAAA~~~~", "A~AAA~A",
		"AAA~~~A",
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(datas); i++)
		same("127.0.0.1:5000", "postBlock", datas[i], 0);
}

static void
test_names_ids_rates(void **state)
{
	static const double rates[] = { 0, 1, 7, 100, 123456, 999999999999999,
	    1e15, 1e20, 0.5, 2.25, 1.0 / 3, 1e-7, 12345.678 };

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(rates); i++)
		same("127.0.0.1:5000", "bench", "AAECAw==", rates[i]);
	same("1.2.3.4:1", "x", "AA==", 3);
	same("255.255.255.255:65535", "a/b c:d{}[],'~`!@#$%^&*()", "", 0);
	same("127.0.0.1:5000", "", "AQID", 42);
}

/* Text the dumper would escape: not written here, the jv path writes it. */
static void
test_not_plain(void **state)
{
	struct evline_buf e = { 0 };
	struct lp2p_line_sink sink = { evline_buf_reserve, evline_buf_commit,
	    &e };

	(void)state;
	assert_int_equal(lp2p__evline_message(&sink, TS, "id", "a\"b", "AA==",
	    4, 0), LP2P_EINVAL);
	assert_int_equal(lp2p__evline_message(&sink, TS, "id", "a\\b", "AA==",
	    4, 0), LP2P_EINVAL);
	assert_int_equal(lp2p__evline_message(&sink, TS, "id", "\xc3\xa9",
	    "AA==", 4, 0), LP2P_EINVAL);
	assert_int_equal(lp2p__evline_message(&sink, TS, "i\nd", "x", "AA==",
	    4, 0), LP2P_EINVAL);
	assert_int_equal(e.commits, 0);
	free(e.b.p);
}

/* A sink that refuses room: the event is dropped, nothing is written. */
static void
test_refused(void **state)
{
	struct evline_buf e = { .refuse = 1 };
	struct lp2p_line_sink sink = { evline_buf_reserve, evline_buf_commit,
	    &e };

	(void)state;
	assert_int_equal(lp2p__evline_message(&sink, NULL, "id", "x", "AA==",
	    4, 0), 0);
	assert_int_equal(e.commits, 0);
	assert_int_equal(e.b.len, 0);
}

/* The time stamp now: as lp2p_event_new writes it. */
static void
test_ts(void **state)
{
	char ts[LP2P__TS_LEN + 1];
	struct evline_buf e = { 0 };
	struct lp2p_line_sink sink = { evline_buf_reserve, evline_buf_commit,
	    &e };
	int y, mo, d, h, mi, s, ms;
	char z;

	(void)state;
	lp2p__evline_ts(ts);
	assert_int_equal(strlen(ts), LP2P__TS_LEN);
	assert_int_equal(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo,
	    &d, &h, &mi, &s, &ms, &z), 8);
	assert_true(y >= 2024 && mo >= 1 && mo <= 12 && ms >= 0 && ms < 1000);
	assert_int_equal(z, 'Z');
	assert_int_equal(lp2p__evline_message(&sink, NULL, "id", "x", "", 0, 0),
	    0);
	assert_int_equal(memcmp(e.b.p, "{\"ts\":\"", 7), 0);
	assert_int_equal(e.b.p[7 + LP2P__TS_LEN], '"');
	free(e.b.p);
}

/* The envelope the hot path takes, split without jv, as the screen. */
static void
test_split(void **state)
{
	static const char *ok =
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"postBlock\","
	    "\"data\":\"AAE=\"}}";
	static const char *no[] = {
	    "{\"data\":{\"event\":\"postBlock\",\"data\":\"AAE=\"},"
	    "\"event\":\"remote-message\"}",
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"post\\\"\","
	    "\"data\":\"AAE=\"}}",
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"x\","
	    "\"data\":\"AAE=\"}} ",
	    "{\"event\":\"remote-message\",\"data\":{\"event\":\"x\"}}",
	};
	struct lp2p__sc_fast f;

	(void)state;
	assert_int_equal(lp2p__sc_fast_split(ok, strlen(ok), &f), 0);
	assert_int_equal(f.nlen, 9);
	assert_memory_equal(f.name, "postBlock", 9);
	assert_int_equal(f.dlen, 4);
	assert_memory_equal(f.data, "AAE=", 4);
	for (size_t i = 0; i < LP2P_NELEM(no); i++)
		assert_int_equal(lp2p__sc_fast_split(no[i], strlen(no[i]), &f),
		    -1);
	/* a long data run: one byte the screen must see, at every place */
	for (size_t at = 0; at < 40; at++) {
		static const char bad[] = { '"', '\\', 0x1f, 0x7f, (char)0x80,
		    (char)0xff, 0x01 };

		for (size_t k = 0; k < sizeof(bad); k++) {
			char t[160], d[41];

			memset(d, 'A', 40);
			d[40] = '\0';
			d[at] = bad[k];
			snprintf(t, sizeof(t), "{\"event\":\"remote-message\","
			    "\"data\":{\"event\":\"x\",\"data\":\"%s\"}}", d);
			assert_int_equal(lp2p__sc_fast_split(t, strlen(t), &f),
			    -1);
			d[at] = " ~/+=-_z"[k];
			snprintf(t, sizeof(t), "{\"event\":\"remote-message\","
			    "\"data\":{\"event\":\"x\",\"data\":\"%s\"}}", d);
			assert_int_equal(lp2p__sc_fast_split(t, strlen(t), &f),
			    0);
			assert_int_equal(f.dlen, 40);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_names_ids_rates),
		cmocka_unit_test(test_not_plain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ts),
		cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
