/* test_json.c — lp2p_json_dump writes exactly what jv_dump_string(v, 0)
 * writes (the bytes p2p-node prints on stdout). */
#include <math.h>

#include "unit.h"

static void
same_as_jq(jv v)
{
	struct lp2p_buf b = { 0 };
	jv s = jv_dump_string(jv_copy(v), 0);

	assert_int_equal(lp2p_json_dump(&b, v), 0);
	if (b.len != (size_t)jv_string_length_bytes(jv_copy(s)) ||
	    memcmp(b.p, jv_string_value(s), b.len) != 0)
		fail_msg("dump %.*s, jq %s", (int)b.len, b.p,
		    jv_string_value(s));
	jv_free(s);
	jv_free(v);
	free(b.p);
}

static void
test_dump_texts(void **state)
{
	static const char *texts[] = {
		"{\"ts\":\"2026-11-30T15:50:40.110Z\",\"type\":"
		    "\"EVENT_MESSAGE_RECEIVED\",\"peerId\":\"127.0.0.1:5000\","
		    "\"event\":\"bench\",\"data\":\"00ff\",\"rate\":0}",
		"{}", "[]", "[[],{},[{}]]", "null", "true", "false", "0",
		"-0", "1", "-1", "0.5", "1e300", "-1e-300", "123456789012345",
		"999999999999999", "1000000000000000", "1e15", "-1e15",
		"12345678901234567890", "3.0", "0.1", "1e-7", "100000",
		"\"\"", "\"a\\\"b\"", "\"a\\\\b\"", "\"\\u0000\\u001f\\u007f\"",
		"\"\\b\\f\\n\\r\\t/\"", "\"\\u00e9\\u20ac\\ud83d\\ude00\"",
		"{\"b\":1,\"a\":2,\"c\":{\"z\":[1,2,{\"y\":null}]}}",
		"{\"k\\n\":\"v\",\"\\u00e9\":[true,false]}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]"
		    "]]]]]]]]]]]]]]]]]]]]",
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(texts); i++) {
		jv v = jv_parse(texts[i]);

		assert_true(jv_is_valid(v));
		same_as_jq(v);
	}
}

static void
test_dump_values(void **state)
{
	static const double nums[] = { 0.0, -0.0, 1.0, -1.0, 1e14, -1e14,
	    999999999999999.0, 1e15, 4503599627370496.0, 0.25, -2.5e-3,
	    1.7976931348623157e308, 5e-324, 9007199254740993.0 };
	char s[8];
	jv o;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(nums); i++)
		same_as_jq(jv_number(nums[i]));
	same_as_jq(jv_number(NAN));
	same_as_jq(jv_number(INFINITY));
	same_as_jq(jv_number(-INFINITY));
	/* every byte value inside a string (invalid UTF-8 included) */
	for (int c = 0; c < 256; c++) {
		s[0] = 'x';
		s[1] = (char)c;
		s[2] = 'y';
		same_as_jq(jv_string_sized(s, 3));
	}
	/* insertion order, overwritten keys, deleted keys */
	o = jv_object();
	o = jv_object_set(o, jv_string("z"), jv_number(1));
	o = jv_object_set(o, jv_string("a"), jv_number(2));
	o = jv_object_set(o, jv_string("m"), jv_string("x"));
	o = jv_object_set(o, jv_string("a"), jv_string("again"));
	o = jv_object_delete(o, jv_string("z"));
	o = jv_object_set(o, jv_string("z"), jv_null());
	same_as_jq(o);
}

static void
test_dump_deep(void **state)
{
	jv v = jv_number(7);

	(void)state;
	/* deeper than the direct dump goes: libjq's dump, same bytes */
	for (int i = 0; i < 300; i++)
		v = i % 2 ? jv_array_append(jv_array(), v) :
		    jv_object_set(jv_object(), jv_string("k"), v);
	same_as_jq(v);
}

/* lp2p__json_dup_member: top-level names only, compared decoded. */
static void
test_dup_member(void **state)
{
	static const struct { const char *text; const char *dup; } cases[] = {
		{ "{}", NULL }, { "[1,1]", NULL }, { "\"a\"", NULL },
		{ "{\"a\":1,\"b\":2}", NULL },
		{ "{\"a\":1,\"a\":2}", "a" },
		{ " { \"a\" : {\"b\":1,\"b\":2} , \"b\" : 3 } ", NULL },
		{ "{\"a\":\"},\\\"a\\\":\",\"c\":[{\"a\":1}],\"b\":1}", NULL },
		{ "{\"a\":[1,{\"x\":\"]\"}],\"b\":2,\"a\":0}", "a" },
		{ "{\"bans\":[],\"ban\\u0073\":[]}", "bans" },
		{ "{\"a\":1,\"b\":2,\"c\":3,\"a\":4}", "a" },
	};
	jv d;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		d = lp2p__json_dup_member(cases[i].text,
		    strlen(cases[i].text), 16);
		if (cases[i].dup == NULL) {
			if (jv_get_kind(d) != JV_KIND_INVALID)
				fail_msg("case %zu: a duplicate", i);
		} else if (jv_get_kind(d) != JV_KIND_STRING ||
		    strcmp(jv_string_value(d), cases[i].dup) != 0)
			fail_msg("case %zu: not '%s'", i, cases[i].dup);
		jv_free(d);
	}
	/* beyond max members, nothing is compared */
	d = lp2p__json_dup_member("{\"a\":1,\"b\":2,\"c\":3,\"a\":4}", 25,
	    3);
	assert_int_equal(jv_get_kind(d), JV_KIND_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_texts),
		cmocka_unit_test(test_dump_values),
		cmocka_unit_test(test_dump_deep),
		cmocka_unit_test(test_dup_member),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
