/*
 * test_codec.c — lisk-codec: the protocol vectors (tests/vectors/), the
 * Lisk Core 4 payloads, a table per strictness rule (each expectation
 * checked against @liskhq/lisk-codec 0.5.0), encoder validation, schema
 * compilation, NFC, the getPeers helpers, and truncated inputs.
 */
#include <stdio.h>

#include "unit.h"

#define assert_jv_equal(a, b)	unit_assert_jv_equal((a), (b), "")
#include "codec.h"

/* ---- helpers ------------------------------------------------------- */

static struct lp2p_schema *
schema_of(jv j)
{
	struct lp2p_schema *s;
	struct lp2p_err e;

	if (lp2p_schema_new(&s, j, &e) != 0)
		fail_msg("schema: %s", e.msg);
	return s;
}

static struct lp2p_schema *
schema_str(const char *text)
{
	return schema_of(jv_parse(text));
}

static uint8_t *
unhex(const char *h, size_t *n)
{
	uint8_t *b;
	long l = lp2p_hex_decode(h, strlen(h), &b);

	assert_true(l >= 0);
	*n = (size_t)l;
	return b;
}

/* encode v (consumed); return the hex or NULL (error in *e) */
static char *
enc_hex(const struct lp2p_schema *s, jv v, struct lp2p_err *e)
{
	uint8_t *b;
	size_t n;
	char *h;

	if (lp2p_codec_encode(s, v, &b, &n, e) != 0)
		return NULL;
	h = lp2p_hex_encode(b, n);
	free(b);
	return h;
}

/* decode hex: 0 and *out, or the error code (message in *e) */
static int
dec_hex(const struct lp2p_schema *s, const char *hex, jv *out,
    struct lp2p_err *e)
{
	uint8_t *b;
	size_t n;
	int r;

	b = unhex(hex, &n);
	r = lp2p_codec_decode(s, b, n, out, e);
	free(b);
	return r;
}

/* Every prefix of a valid message decodes or fails cleanly. */
static void
decode_prefixes(const struct lp2p_schema *s, const uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t *p = malloc(k ? k : 1);
		struct lp2p_err e;
		jv v;
		int r;

		memcpy(p, b, k);	/* exact size: ASan sees overreads */
		r = lp2p_codec_decode(s, p, k, &v, &e);
		if (r == 0)
			jv_free(v);
		else {
			assert_int_equal(r, LP2P_ECODEC);
			assert_non_null(strstr(e.msg, "at byte"));
		}
		free(p);
	}
}

/* ---- codec_vectors.json ----------------------------------------------- */

static void
test_vectors(void **state)
{
	jv all = unit_load_vectors("codec_vectors.json");
	jv schemas = jv_object_get(jv_copy(all), jv_string("schemas"));
	jv vecs = jv_object_get(all, jv_string("vectors"));
	int n = jv_array_length(jv_copy(vecs)), checked = 0;

	(void)state;
	assert_true(n >= 20);
	for (int i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vecs), i);
		jv name = jv_object_get(jv_copy(v), jv_string("name"));
		jv sn = jv_object_get(jv_copy(v), jv_string("schema"));
		jv hex = jv_object_get(jv_copy(v), jv_string("hex"));
		jv val = jv_object_get(jv_copy(v), jv_string("json_value"));
		jv want = jv_object_get(jv_copy(v), jv_string("decodes_to"));
		jv derr = jv_object_get(jv_copy(v), jv_string("decode_error"));
		struct lp2p_schema *s = schema_of(jv_object_get(
		    jv_copy(schemas), sn));
		struct lp2p_err e;
		char *got;

		print_message("# %s\n", jv_string_value(name));
		got = enc_hex(s, jv_copy(val), &e);
		if (jv_get_kind(hex) == JV_KIND_STRING &&
		    jv_get_kind(derr) == JV_KIND_INVALID) {
			if (got == NULL)
				fail_msg("%s: %s", jv_string_value(name),
				    e.msg);
			assert_string_equal(got, jv_string_value(hex));
		} else
			/*
			 * The reference throws, or writes bytes its own
			 * decoder refuses (an options object without its
			 * scalars): we refuse to encode either.
			 */
			assert_null(got);
		free(got);
		if (jv_get_kind(hex) == JV_KIND_STRING) {
			jv out;
			uint8_t *b;
			size_t bl;
			int r = dec_hex(s, jv_string_value(hex), &out, &e);

			if (jv_get_kind(derr) == JV_KIND_STRING)
				assert_int_equal(r, LP2P_ECODEC);
			else {
				if (r != 0)
					fail_msg("%s: %s",
					    jv_string_value(name), e.msg);
				assert_jv_equal(out, jv_copy(want));
			}
			b = unhex(jv_string_value(hex), &bl);
			if (bl < 400)
				decode_prefixes(s, b, bl);
			free(b);
		}
		checked++;
		lp2p_schema_free(s);
		jv_free(name);
		jv_free(hex);
		jv_free(val);
		jv_free(want);
		jv_free(derr);
		jv_free(v);
	}
	assert_int_equal(checked, n);
	jv_free(schemas);
	jv_free(vecs);
}

/* ---- codec_decode_errors.json ----------------------------------------- */

static void
test_decode_errors(void **state)
{
	jv schemas = jv_object_get(unit_load_vectors("codec_vectors.json"),
	    jv_string("schemas"));
	jv vecs = jv_object_get(unit_load_vectors("codec_decode_errors.json"),
	    jv_string("vectors"));
	int n = jv_array_length(jv_copy(vecs));

	(void)state;
	assert_true(n >= 15);
	for (int i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vecs), i);
		jv name = jv_object_get(jv_copy(v), jv_string("name"));
		jv hex = jv_object_get(jv_copy(v), jv_string("hex"));
		jv want = jv_object_get(jv_copy(v), jv_string("result"));
		struct lp2p_schema *s = schema_of(jv_object_get(
		    jv_copy(schemas), jv_object_get(jv_copy(v),
		    jv_string("schema"))));
		struct lp2p_err e;
		jv out;
		int r;

		print_message("# %s\n", jv_string_value(name));
		r = dec_hex(s, jv_string_value(hex), &out, &e);
		if (jv_is_valid(want)) {
			if (r != 0)
				fail_msg("%s: %s", jv_string_value(name),
				    e.msg);
			assert_jv_equal(out, jv_copy(want));
		} else {
			if (r == 0)
				fail_msg("%s: accepted", jv_string_value(name));
			assert_int_equal(r, LP2P_ECODEC);
			assert_non_null(strstr(e.msg, "at byte"));
		}
		lp2p_schema_free(s);
		jv_free(name);
		jv_free(hex);
		jv_free(want);
		jv_free(v);
	}
	jv_free(schemas);
	jv_free(vecs);
}

/* ---- lisk-core-4.json ----------------------------------------------- */

static jv core4_schemas;

/* The schema whose $id is id (as the vectors name it), compiled. */
static struct lp2p_schema *
core4_schema(const char *id)
{
	jv_object_foreach(core4_schemas, k, v) {
		jv i = jv_object_get(jv_copy(v), jv_string("$id"));
		int m = strcmp(jv_string_value(i), id) == 0;

		jv_free(i);
		jv_free(k);
		if (m)
			return schema_of(v);
		jv_free(v);
	}
	fail_msg("no schema %s", id);
	return NULL;
}

/* hex decodes to want with schema id, and want encodes back to hex */
static int
core4_check(const char *id, jv hex, jv want)
{
	struct lp2p_schema *s = core4_schema(id);
	struct lp2p_err e;
	uint8_t *b;
	size_t bl;
	char *back;
	jv out;

	assert_int_equal(jv_get_kind(hex), JV_KIND_STRING);
	if (dec_hex(s, jv_string_value(hex), &out, &e) != 0)
		fail_msg("%s: %s", id, e.msg);
	assert_jv_equal(out, jv_copy(want));
	back = enc_hex(s, want, &e);
	if (back == NULL)
		fail_msg("%s: %s", id, e.msg);
	assert_string_equal(back, jv_string_value(hex));
	free(back);
	b = unhex(jv_string_value(hex), &bl);
	decode_prefixes(s, b, bl < 300 ? bl : 300);
	free(b);
	jv_free(hex);
	lp2p_schema_free(s);
	return 1;
}

static int
core4_block(jv blk)
{
	jv d = jv_object_get(jv_copy(blk), jv_string("decoded"));
	jv txs = jv_object_get(jv_copy(blk), jv_string("transactions"));
	jv as = jv_object_get(jv_copy(blk), jv_string("assets"));
	int n = 0;

	/* the vectors add the block "id" (computed, not a field) */
	n += core4_check("/block/header/3/without-id", jv_object_get(
	    jv_copy(blk), jv_string("headerHex")), jv_object_delete(
	    jv_object_get(jv_copy(d), jv_string("header")), jv_string("id")));
	for (int i = 0; i < jv_array_length(jv_copy(txs)); i++) {
		jv t = jv_array_get(jv_copy(txs), i);
		jv ps = jv_object_get(jv_copy(t), jv_string("paramsSchema"));
		jv td = jv_object_delete(jv_object_get(jv_copy(t),
		    jv_string("decoded")), jv_string("id"));

		n += core4_check("/lisk/transaction", jv_object_get(
		    jv_copy(t), jv_string("hex")), jv_copy(td));
		n += core4_check(jv_string_value(ps), jv_object_get(td,
		    jv_string("params")), jv_object_get(jv_copy(t),
		    jv_string("paramsDecoded")));
		jv_free(ps);
		jv_free(t);
	}
	for (int i = 0; i < jv_array_length(jv_copy(as)); i++) {
		jv a = jv_array_get(jv_copy(as), i);

		n += core4_check("/modules/random/block/header/asset",
		    jv_object_get(jv_copy(a), jv_string("dataHex")),
		    jv_object_get(jv_copy(a), jv_string("dataDecoded")));
		jv_free(a);
	}
	jv_free(d);
	jv_free(txs);
	jv_free(as);
	jv_free(blk);
	return n;
}

static void
test_core4(void **state)
{
	jv all = unit_load_vectors("lisk-core-4.json");
	jv vecs = jv_object_get(jv_copy(all), jv_string("vectors"));
	int n = 0;

	(void)state;
	core4_schemas = jv_object_get(all, jv_string("schemas"));
	for (int i = 0; i < jv_array_length(jv_copy(vecs)); i++) {
		jv v = jv_array_get(jv_copy(vecs), i);
		jv sid = jv_object_get(jv_copy(v), jv_string("schema"));
		jv d = jv_object_get(jv_copy(v), jv_string("decoded"));
		jv blk = jv_object_get(jv_copy(v), jv_string("block"));
		jv cs = jv_object_get(jv_copy(v), jv_string("commits"));

		if (jv_get_kind(sid) == JV_KIND_STRING && jv_is_valid(d))
			n += core4_check(jv_string_value(sid), jv_object_get(
			    jv_copy(v), jv_string("hex")), jv_copy(d));
		if (jv_get_kind(blk) == JV_KIND_OBJECT) {
			/* the block as carried, then its parts */
			char id[64];
			struct lp2p_schema *s;
			struct lp2p_err e;
			jv out;

			snprintf(id, sizeof(id), "/block");
			s = core4_schema(id);
			{
				jv h = jv_object_get(jv_copy(blk),
				    jv_string("hex"));

				assert_int_equal(dec_hex(s,
				    jv_string_value(h), &out, &e), 0);
				jv_free(h);
			}
			jv_free(out);
			lp2p_schema_free(s);
			n += core4_block(jv_copy(blk));
		}
		for (int k = 0; jv_get_kind(cs) == JV_KIND_ARRAY &&
		    k < jv_array_length(jv_copy(cs)); k++) {
			jv c = jv_array_get(jv_copy(cs), k);

			n += core4_check("/consensus/singleCommit",
			    jv_object_get(jv_copy(c), jv_string("hex")),
			    jv_object_get(jv_copy(c), jv_string("decoded")));
			jv_free(c);
		}
		jv_free(sid);
		jv_free(d);
		jv_free(blk);
		jv_free(cs);
		jv_free(v);
	}
	print_message("# %d Lisk Core 4 payloads\n", n);
	assert_true(n >= 25);
	jv_free(vecs);
	jv_free(core4_schemas);
}

/* ---- strictness: one row per rule, expectations from the reference --- */

#define S_ARR_U32_U32 "{\"type\":\"object\",\"properties\":{" \
	"\"a\":{\"type\":\"array\",\"fieldNumber\":1,\"items\":" \
	"{\"dataType\":\"uint32\"}},\"b\":{\"dataType\":\"uint32\"," \
	"\"fieldNumber\":2}}}"
#define S_K16_K32 "{\"type\":\"object\",\"properties\":{" \
	"\"a\":{\"type\":\"array\",\"fieldNumber\":16,\"items\":" \
	"{\"dataType\":\"bytes\"}},\"b\":{\"type\":\"array\"," \
	"\"fieldNumber\":32,\"items\":{\"dataType\":\"bytes\"}}}}"
#define S_ARR_BYTES "{\"type\":\"object\",\"properties\":{\"a\":" \
	"{\"type\":\"array\",\"fieldNumber\":1,\"items\":" \
	"{\"dataType\":\"bytes\"}}}}"
#define S_ARR_OBJ "{\"type\":\"object\",\"properties\":{\"a\":" \
	"{\"type\":\"array\",\"fieldNumber\":1,\"items\":{\"type\":" \
	"\"object\",\"properties\":{\"x\":{\"dataType\":\"uint32\"," \
	"\"fieldNumber\":1}}}}}}"
#define S_STR "{\"type\":\"object\",\"properties\":{\"s\":" \
	"{\"dataType\":\"string\",\"fieldNumber\":1}}}"
#define S_OBJ_ARR "{\"type\":\"object\",\"properties\":{\"o\":" \
	"{\"type\":\"object\",\"fieldNumber\":1,\"properties\":{\"l\":" \
	"{\"type\":\"array\",\"fieldNumber\":1,\"items\":" \
	"{\"dataType\":\"bytes\"}}}}}}"
#define S_ARR_BOOL "{\"type\":\"object\",\"properties\":{\"a\":" \
	"{\"type\":\"array\",\"fieldNumber\":1,\"items\":" \
	"{\"dataType\":\"boolean\"}}}}"
#define S_U64 "{\"type\":\"object\",\"properties\":{\"u\":" \
	"{\"dataType\":\"uint64\",\"fieldNumber\":1}}}"
#define S_S64 "{\"type\":\"object\",\"properties\":{\"u\":" \
	"{\"dataType\":\"sint64\",\"fieldNumber\":1}}}"
#define S_U32 "{\"type\":\"object\",\"properties\":{\"u\":" \
	"{\"dataType\":\"uint32\",\"fieldNumber\":1}}}"
#define S_S32 "{\"type\":\"object\",\"properties\":{\"u\":" \
	"{\"dataType\":\"sint32\",\"fieldNumber\":1}}}"
#define S_BOOL "{\"type\":\"object\",\"properties\":{\"u\":" \
	"{\"dataType\":\"boolean\",\"fieldNumber\":1}}}"
#define S_EMPTY_OBJ "{\"type\":\"object\",\"properties\":{\"o\":" \
	"{\"type\":\"object\",\"fieldNumber\":1,\"properties\":{}}}}"
#define S_NESTED "{\"type\":\"object\",\"properties\":{\"o\":" \
	"{\"type\":\"object\",\"fieldNumber\":1,\"properties\":{\"x\":" \
	"{\"dataType\":\"uint32\",\"fieldNumber\":1}}},\"y\":" \
	"{\"dataType\":\"uint32\",\"fieldNumber\":2}}}"
#define S_LISK32 "{\"type\":\"object\",\"properties\":{\"a\":" \
	"{\"dataType\":\"bytes\",\"fieldNumber\":1,\"format\":\"lisk32\"}}}"

static const struct {
	const char *name, *schema, *hex, *value;	/* value NULL: reject */
} strict[] = {
	/* quirks the reference has, kept */
	{ "packed array: last item runs past its length", S_ARR_U32_U32,
	    "0a0180011005", "{\"a\":[128],\"b\":5}" },
	{ "repeated array: only the first key byte is compared", S_K16_K32,
	    "820101aa820201bb", "{\"a\":[\"aa\",\"bb\"],\"b\":[]}" },
	{ "array key: wire type not checked", S_ARR_BYTES, "0801aa",
	    "{\"a\":[\"aa\"]}" },
	{ "array of objects: empty element skipped", S_ARR_OBJ,
	    "0a000a020801", "{\"a\":[{\"x\":1}]}" },
	{ "string: one leading BOM dropped", S_STR, "0a05efbbbf6162",
	    "{\"s\":\"ab\"}" },
	{ "string: second BOM kept", S_STR, "0a06efbbbfefbbbf",
	    "{\"s\":\"\\ufeff\"}" },
	{ "object with only arrays, length 0", S_OBJ_ARR, "0a00",
	    "{\"o\":{\"l\":[]}}" },
	{ "packed booleans under a wire-type-0 key", S_ARR_BOOL, "08020100",
	    "{\"a\":[true,false]}" },
	{ "packed array of length 0", S_ARR_BOOL, "0a00", "{\"a\":[]}" },
	{ "absent array", S_ARR_BOOL, "", "{\"a\":[]}" },
	{ "array, other field number: absent, then trailing", S_ARR_BOOL,
	    "1000", NULL },
	/* varints */
	{ "uint64 max (10 bytes)", S_U64, "08ffffffffffffffffff01",
	    "{\"u\":\"18446744073709551615\"}" },
	{ "uint64 10th byte 0x02", S_U64, "08ffffffffffffffffff02", NULL },
	{ "uint64 11 bytes", S_U64, "08ffffffffffffffffff8100", NULL },
	{ "uint64 not shortest", S_U64, "088100", NULL },
	{ "uint64 zero", S_U64, "0800", "{\"u\":\"0\"}" },
	{ "sint64 min", S_S64, "08ffffffffffffffffff01",
	    "{\"u\":\"-9223372036854775808\"}" },
	{ "sint64 max", S_S64, "08feffffffffffffffff01",
	    "{\"u\":\"9223372036854775807\"}" },
	{ "sint64 -1", S_S64, "0801", "{\"u\":\"-1\"}" },
	{ "uint32 max", S_U32, "08ffffffff0f", "{\"u\":4294967295}" },
	{ "uint32 5th byte 0x10", S_U32, "08ffffffff10", NULL },
	{ "uint32 6 bytes", S_U32, "08ffffffff8f00", NULL },
	{ "uint32 not shortest 80 00", S_U32, "088000", NULL },
	{ "uint32 not shortest ff 80 00", S_U32, "08ff8000", NULL },
	{ "uint32 runs past the end", S_U32, "0880", NULL },
	{ "sint32 min", S_S32, "08ffffffff0f", "{\"u\":-2147483648}" },
	{ "sint32 max", S_S32, "08feffffff0f", "{\"u\":2147483647}" },
	{ "key not shortest", S_U32, "880000", NULL },
	{ "key wire type 5", S_U32, "0d00", NULL },
	{ "scalar with wire type 2", S_U32, "0a00", NULL },
	{ "boolean 1", S_BOOL, "0801", "{\"u\":true}" },
	{ "boolean 0x80", S_BOOL, "0880", NULL },
	{ "boolean missing value", S_BOOL, "08", NULL },
	/* objects */
	{ "object with wire type 0", S_EMPTY_OBJ, "0800", NULL },
	{ "empty object, length 0", S_EMPTY_OBJ, "0a00", "{\"o\":{}}" },
	{ "empty object, length 1", S_EMPTY_OBJ, "0a0100", NULL },
	{ "nested object", S_NESTED, "0a0208011002",
	    "{\"o\":{\"x\":1},\"y\":2}" },
	{ "nested length too short", S_NESTED, "0a01080110", NULL },
	{ "nested length too long", S_NESTED, "0a03080110020000", NULL },
	{ "nested length past the end", S_NESTED, "0a7f0801", NULL },
	{ "nested object missing", S_NESTED, "1002", NULL },
	/* strings */
	{ "string overlong NUL (c0 80)", S_STR, "0a02c080", NULL },
	{ "string surrogate (ed a0 80)", S_STR, "0a03eda080", NULL },
	{ "string above U+10FFFF (f4 90 80 80)", S_STR, "0a04f4908080",
	    NULL },
	{ "string truncated sequence", S_STR, "0a02e282", NULL },
	{ "string U+FFFF", S_STR, "0a03efbfbf", "{\"s\":\"\\uffff\"}" },
	{ "string NUL", S_STR, "0a0100", "{\"s\":\"\\u0000\"}" },
	{ "string NFD a + U+0308", S_STR, "0a0361cc88", NULL },
	{ "string NFC U+00E4", S_STR, "0a02c3a4", "{\"s\":\"\\u00e4\"}" },
	{ "string Angstrom sign U+212B (singleton)", S_STR, "0a03e284ab",
	    NULL },
	{ "string U+0958 (composition exclusion) is not NFC", S_STR,
	    "0a03e0a598", NULL },
	{ "string U+0915 U+093C (its NFC)", S_STR, "0a06e0a495e0a4bc",
	    "{\"s\":\"\\u0915\\u093c\"}" },
	{ "string Hangul jamo L V (not NFC)", S_STR, "0a06e18480e185a1",
	    NULL },
	{ "string Hangul syllable", S_STR, "0a03eab080",
	    "{\"s\":\"\\uac00\"}" },
	{ "string marks out of order (U+0301 U+0323)", S_STR,
	    "0a0561cc81cca3", NULL },
	{ "string length past the end", S_STR, "0a0561", NULL },
	/* bytes formats */
	{ "lisk32 of 20 zero bytes", S_LISK32,
	    "0a140000000000000000000000000000000000000000",
	    "{\"a\":\"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz5fw596\"}" },
	{ "lisk32 of 1 byte (bits dropped)", S_LISK32, "0a01ff",
	    "{\"a\":\"lskgmykfxo\"}" },
};

static void
test_strict(void **state)
{
	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(strict); i++) {
		struct lp2p_schema *s = schema_str(strict[i].schema);
		struct lp2p_err e;
		int r;
		jv out;

		print_message("# %s\n", strict[i].name);
		r = dec_hex(s, strict[i].hex, &out, &e);
		if (strict[i].value == NULL) {
			if (r == 0)
				fail_msg("%s: accepted", strict[i].name);
			assert_int_equal(r, LP2P_ECODEC);
			assert_non_null(strstr(e.msg, "at byte"));
		} else {
			if (r != 0)
				fail_msg("%s: %s", strict[i].name, e.msg);
			assert_jv_equal(out, jv_parse(strict[i].value));
		}
		lp2p_schema_free(s);
	}
}

/* the lisk32 of 1 byte above, and a few error texts, exactly */
static void
test_error_texts(void **state)
{
	static const struct { const char *schema, *hex, *msg; } cases[] = {
		{ S_U32, "088000", "u: at byte 1: varint not in shortest "
		    "form" },
		{ S_NESTED, "0a0208011002ff", "(message): at byte 6: 1 "
		    "unexpected bytes at the end" },
		{ S_ARR_OBJ, "0a020880", "a[0].x: at byte 3: varint runs "
		    "past the end" },
		{ S_STR, "0a0361cc88", "s: at byte 1: string is not in "
		    "Unicode NFC" },
		{ S_NESTED, "0a021001", "o.x: at byte 2: field number 2 "
		    "where 1 is expected" },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct lp2p_schema *s = schema_str(cases[i].schema);
		struct lp2p_err e;
		jv out;

		assert_int_equal(dec_hex(s, cases[i].hex, &out, &e),
		    LP2P_ECODEC);
		assert_string_equal(e.msg, cases[i].msg);
		lp2p_schema_free(s);
	}
}

/* ---- encoder validation ---------------------------------------------- */

#define S_SDK6 "{\"$id\":\"/nodeInfo/custom\",\"type\":\"object\"," \
	"\"properties\":{\"height\":{\"dataType\":\"uint32\"," \
	"\"fieldNumber\":1},\"maxHeightPrevoted\":{\"dataType\":" \
	"\"uint32\",\"fieldNumber\":2},\"blockVersion\":{\"dataType\":" \
	"\"uint32\",\"fieldNumber\":3},\"lastBlockID\":{\"dataType\":" \
	"\"bytes\",\"fieldNumber\":4},\"legacy\":{\"type\":\"array\"," \
	"\"fieldNumber\":5,\"items\":{\"dataType\":\"bytes\"}}}}"
#define NI(opts) "{\"chainID\":\"00000000\",\"networkVersion\":\"5.0\"," \
	"\"nonce\":\"abc\",\"advertiseAddress\":true,\"options\":" opts "}"
#define OPTS(h) "{\"height\":" h ",\"maxHeightPrevoted\":0," \
	"\"blockVersion\":0,\"lastBlockID\":\"\",\"legacy\":[]}"

static void
test_encode_invalid(void **state)
{
	static const struct { const char *schema, *value, *msg; } cases[] = {
		{ NULL, NI(OPTS("4294967296")), "options.height: "
		    "4294967296 out of range for uint32" },
		{ NULL, NI(OPTS("-1")), "options.height: -1 out of range "
		    "for uint32" },
		{ NULL, NI(OPTS("1.5")), "options.height: 1.5 is not an "
		    "integer" },
		{ NULL, NI(OPTS("\"1\"")), "options.height: expected a "
		    "number (uint32)" },
		{ NULL, NI("{\"height\":1}"), "options.maxHeightPrevoted: "
		    "missing (uint32)" },
		{ NULL, NI("{\"height\":1,\"maxHeightPrevoted\":0,"
		    "\"blockVersion\":0,\"lastBlockID\":\"zz\"}"),
		    "options.lastBlockID: not hex" },
		{ NULL, NI("{\"height\":1,\"maxHeightPrevoted\":0,"
		    "\"blockVersion\":0,\"lastBlockID\":\"\",\"legacy\":"
		    "[\"00\",1]}"), "options.legacy[1]: expected a hex "
		    "string" },
		{ NULL, NI("[]"), "options: expected an object" },
		{ NULL, "[]", "(message): expected an object" },
		{ NULL, "{\"chainID\":\"abc\",\"networkVersion\":\"5.0\","
		    "\"nonce\":\"\",\"advertiseAddress\":true,\"options\":"
		    OPTS("0") "}", "chainID: not hex" },
		{ NULL, "{\"chainID\":\"\",\"networkVersion\":\"5.0\","
		    "\"nonce\":\"\",\"advertiseAddress\":1,\"options\":"
		    OPTS("0") "}", "advertiseAddress: expected a boolean" },
		{ S_U64, "{\"u\":\"18446744073709551616\"}", "u: "
		    "18446744073709551616 out of range for uint64" },
		{ S_U64, "{\"u\":\"-1\"}", "u: -1 out of range for uint64" },
		{ S_U64, "{\"u\":\"1e3\"}", "u: \"1e3\" is not a decimal "
		    "integer" },
		{ S_U64, "{\"u\":\"\"}", "u: \"\" is not a decimal integer" },
		{ S_U64, "{\"u\":1e300}", "u: 1.0000000000000001e+300 is "
		    "not an exact integer (use a decimal string)" },
		{ S_S64, "{\"u\":\"9223372036854775808\"}", "u: "
		    "9223372036854775808 out of range for sint64" },
		{ S_S64, "{\"u\":\"-9223372036854775809\"}", "u: "
		    "-9223372036854775809 out of range for sint64" },
		{ S_S32, "{\"u\":2147483648}", "u: 2147483648 out of range "
		    "for sint32" },
		{ S_S32, "{\"u\":-2147483649}", "u: -2147483649 out of range "
		    "for sint32" },
		{ S_LISK32, "{\"a\":\"lskzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		    "5fw597\"}", "a: not a lisk32 address" },
		{ S_LISK32, "{\"a\":\"00\"}", "a: not a lisk32 address" },
		{ S_ARR_OBJ, "{\"a\":[{\"x\":1},{}]}", "a[1].x: missing "
		    "(uint32)" },
		{ S_STR, "{\"s\":null}", "s: expected a string" },
	};
	struct lp2p_schema *ni;
	struct lp2p_err e;

	(void)state;
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_parse(S_SDK6), &e), 0);
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct lp2p_schema *s = cases[i].schema ?
		    schema_str(cases[i].schema) : ni;
		uint8_t *b;
		size_t n;

		assert_int_equal(lp2p_codec_encode(s, jv_parse(cases[i].value),
		    &b, &n, &e), LP2P_ECODEC);
		assert_null(b);
		assert_string_equal(e.msg, cases[i].msg);
		if (s != ni)
			lp2p_schema_free(s);
	}
	lp2p_schema_free(ni);
}

static void
test_encode_values(void **state)
{
	static const struct { const char *schema, *value, *hex; } cases[] = {
		{ S_U64, "{\"u\":\"18446744073709551615\"}",
		    "08ffffffffffffffffff01" },
		{ S_U64, "{\"u\":9007199254740992}", "088080808080808010" },
		{ S_S64, "{\"u\":\"-9223372036854775808\"}",
		    "08ffffffffffffffffff01" },
		{ S_S64, "{\"u\":-3}", "0805" },
		{ S_S64, "{\"u\":\"-0\"}", "0800" },
		{ S_S32, "{\"u\":-2147483648}", "08ffffffff0f" },
		{ S_ARR_BOOL, "{}", "" },	/* reference: TypeError */
		{ S_ARR_BOOL, "{\"a\":[true,false,true]}", "0a03010001" },
		{ S_ARR_OBJ, "{\"a\":[{\"x\":1,\"extra\":5}]}", "0a020801" },
		{ S_STR, "{\"s\":\"\\u1100\\u1161\\u11a8\"}", "0a03eab081" },
		{ S_STR, "{\"s\":\"\\u212b\"}", "0a02c385" },
		{ S_STR, "{\"s\":\"a\\u0323\\u0301\"}", "0a05e1baa1cc81" },
		{ S_BOOL, "{\"u\":false}", "0800" },
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		struct lp2p_schema *s = schema_str(cases[i].schema);
		struct lp2p_err e;
		char *h = enc_hex(s, jv_parse(cases[i].value), &e);

		if (h == NULL)
			fail_msg("%s: %s", cases[i].value, e.msg);
		assert_string_equal(h, cases[i].hex);
		free(h);
		lp2p_schema_free(s);
	}
}

/* ---- schema compilation ---------------------------------------------- */

static void
test_schema_errors(void **state)
{
	static const struct { const char *schema, *msg; } cases[] = {
		{ "[]", "schema: not an object" },
		{ "{\"type\":\"array\"}", "schema: 'type' is not \"object\"" },
		{ "{\"type\":\"object\"}", "'properties' missing or not an "
		    "object" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"uint32\",\"fieldNumber\":0}}}", "properties.a: "
		    "'fieldNumber' 0 out of 1..18999" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"uint32\",\"fieldNumber\":19000}}}", "properties.a: "
		    "'fieldNumber' 19000 out of 1..18999" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"uint32\",\"fieldNumber\":1.5}}}", "properties.a: "
		    "'fieldNumber' 1.5 out of 1..18999" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"uint32\"}}}", "properties.a: 'fieldNumber' missing or "
		    "not a number" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"uint32\",\"fieldNumber\":1},\"b\":{\"dataType\":"
		    "\"bytes\",\"fieldNumber\":1}}}", "fieldNumber 1 used by "
		    "'a' and 'b'" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"dataType\":"
		    "\"int32\",\"fieldNumber\":1}}}", "properties.a: "
		    "'dataType' missing or unknown" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		    "\"array\",\"fieldNumber\":1}}}", "properties.a.items: "
		    "missing or not an object" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		    "\"array\",\"fieldNumber\":1,\"items\":{\"type\":"
		    "\"array\",\"items\":{\"dataType\":\"bytes\"}}}}}",
		    "properties.a.items: unsupported 'type' \"array\"" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		    "\"object\",\"dataType\":\"bytes\",\"fieldNumber\":1,"
		    "\"properties\":{}}}}", "properties.a: both 'type' and "
		    "'dataType'" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
		    "\"string\",\"fieldNumber\":1}}}", "properties.a: "
		    "unsupported 'type' \"string\"" },
		{ "{\"type\":\"object\",\"properties\":{\"a\":5}}",
		    "properties.a: not an object" },
	};
	struct lp2p_schema *s;
	struct lp2p_err e;
	char deep[4096];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		assert_int_equal(lp2p_schema_new(&s, jv_parse(cases[i].schema),
		    &e), LP2P_EINVAL);
		assert_null(s);
		if (strstr(e.msg, cases[i].msg) == NULL)
			fail_msg("%s: got \"%s\"", cases[i].schema, e.msg);
	}
	/* LP2P_CODEC_MAX_DEPTH levels compile, one more does not */
	for (int depth = LP2P_CODEC_MAX_DEPTH; depth <= LP2P_CODEC_MAX_DEPTH +
	    1; depth++) {
		n = 0;
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(deep + n, sizeof(deep) - n,
			    "{\"type\":\"object\",\"fieldNumber\":1,"
			    "\"properties\":%s", i + 1 < depth ? "{\"o\":" :
			    "{}");
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(deep + n, sizeof(deep) - n,
			    "%s", i + 1 < depth ? "}}" : "}");
		assert_true(n < sizeof(deep));
		if (depth == LP2P_CODEC_MAX_DEPTH) {
			assert_int_equal(lp2p_schema_new(&s, jv_parse(deep),
			    &e), 0);
			lp2p_schema_free(s);
		} else {
			assert_int_equal(lp2p_schema_new(&s, jv_parse(deep),
			    &e), LP2P_EINVAL);
			assert_non_null(strstr(e.msg, "nested deeper"));
		}
	}
	lp2p_schema_free(NULL);
	assert_null(lp2p_schema_builtin("/nope"));
	lp2p_schema_free((struct lp2p_schema *)lp2p_schema_builtin(
	    "/nodeInfo"));	/* static: ignored */
	assert_string_equal(lp2p_schema_id(lp2p_schema_builtin(
	    "/protocolPeerInfo")), "/protocolPeerInfo");
}

/* ---- NFC ------------------------------------------------------------- */

static void
test_nfc(void **state)
{
	/* expectations from Node's String.prototype.normalize('NFC') */
	static const struct { const char *in, *out; } cases[] = {
		{ "", "" }, { "abc", "abc" },
		{ "e\xcc\x81", "\xc3\xa9" },			/* e U+0301 */
		{ "\xe1\xb8\x8b\xcc\xa3", "\xe1\xb8\x8d\xcc\x87" },
		{ "\xe2\x84\xab", "\xc3\x85" },			/* U+212B */
		{ "\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc" },	/* U+0958 */
		{ "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8",
		    "\xea\xb0\x81" },				/* jamo LVT */
		{ "\xea\xb0\x80\xe1\x86\xa8", "\xea\xb0\x81" },	/* LV + T */
		{ "\xcc\x81" "a", "\xcc\x81" "a" },		/* lone mark */
		{ "a\xcc\x9b\xcc\xa3\xcc\x81", "\xe1\xba\xa1\xcc\x9b\xcc\x81" },
		{ "\xf0\x9d\x85\x97\xf0\x9d\x85\xa5",
		    "\xf0\x9d\x85\x97\xf0\x9d\x85\xa5" },	/* excluded */
		{ "\xe0\xb3\x86\xe0\xb3\x82\xe0\xb3\x95",
		    "\xe0\xb3\x8b" },			/* Kannada, twice */
	};

	(void)state;
	for (size_t i = 0; i < LP2P_NELEM(cases); i++) {
		const uint8_t *in = (const uint8_t *)cases[i].in;
		size_t n = strlen(cases[i].in), on;
		uint8_t *o;

		assert_int_equal(lp2p__utf8_nfc(in, n, &o, &on), 0);
		if (on != strlen(cases[i].out) ||
		    memcmp(o, cases[i].out, on) != 0)
			fail_msg("case %zu: wrong NFC", i);
		assert_int_equal(lp2p__utf8_is_nfc(in, n),
		    strcmp(cases[i].in, cases[i].out) == 0);
		free(o);
	}
	assert_int_equal(lp2p__utf8_nfc((const uint8_t *)"\xff", 1,
	    &(uint8_t *){ NULL }, &(size_t){ 0 }), LP2P_EINVAL);
}

/* ---- built-in schemas and helpers ----------------------------------- */

static void
test_nodeinfo_and_peers(void **state)
{
	struct lp2p_schema *ni;
	struct lp2p_err e;
	uint8_t *b;
	size_t n;
	char *h;
	jv out;

	(void)state;
	/* WIRE.md §5.6 A and B */
	h = enc_hex(lp2p_schema_builtin("/nodeInfo"), jv_parse(
	    "{\"chainID\":\"10000000\",\"networkVersion\":\"1.0\","
	    "\"nonce\":\"a1b2c3d4e5f60718\",\"advertiseAddress\":true}"), &e);
	assert_string_equal(h, "0a04100000001203312e301a10613162326333643465"
	    "356636303731382001");
	free(h);
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_parse(S_SDK6), &e), 0);
	h = enc_hex(ni, jv_parse("{\"chainID\":\"10000000\",\"networkVersion"
	    "\":\"1.0\",\"nonce\":\"a1b2c3d4e5f60718\",\"advertiseAddress\":"
	    "true,\"options\":{\"height\":0,\"maxHeightPrevoted\":0,"
	    "\"blockVersion\":0,\"lastBlockID\":\"\",\"legacy\":[]}}"), &e);
	assert_string_equal(h, "0a04100000001203312e301a10613162326333643465"
	    "356636303731382001" "2a080800100018002200");
	free(h);
	lp2p_schema_free(ni);
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_null(), &e), 0);
	lp2p_schema_free(ni);
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_number(1), &e),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_object(), &e),
	    LP2P_EINVAL);
	assert_int_equal(lp2p_schema_nodeinfo(&ni, jv_parse("{\"properties\":"
	    "{\"x\":{\"dataType\":\"uint32\",\"fieldNumber\":0}}}"), &e),
	    LP2P_EINVAL);
	assert_string_equal(e.msg, "properties.options.properties.x: "
	    "'fieldNumber' 0 out of 1..18999");

	/* WIRE.md §5.6 D */
	assert_int_equal(lp2p_peers_encode(jv_parse("[{\"ipAddress\":"
	    "\"1.2.3.4\",\"port\":7667},{\"ipAddress\":\"45.10.190.50\","
	    "\"port\":7000},{\"ipAddress\":\"200.100.50.25\",\"port\":"
	    "65535}]"), &b, &n, &e), 0);
	h = lp2p_hex_encode(b, n);
	assert_string_equal(h, "0a0c0a07312e322e332e3410f33b0a110a0c34352e31"
	    "302e3139302e353010d8360a130a0d3230302e3130302e35302e323510ffff03");
	free(h);
	assert_int_equal(lp2p_peers_decode(b, n, 200, &out, &e), 0);
	assert_jv_equal(out, jv_parse("[{\"ipAddress\":\"1.2.3.4\",\"port\":"
	    "7667},{\"ipAddress\":\"45.10.190.50\",\"port\":7000},"
	    "{\"ipAddress\":\"200.100.50.25\",\"port\":65535}]"));
	assert_int_equal(lp2p_peers_decode(b, n, 2, &out, &e), LP2P_EPROTO);
	assert_string_equal(e.msg, "getPeers reply: 3 entries, more than 2");
	/* a bad entry wins over the count, as in the reference */
	{
		uint8_t *b2 = malloc(n + 4);

		memcpy(b2, b, n);
		memcpy(b2 + n, "\x0a\x02\x08\x01", 4);
		assert_int_equal(lp2p_peers_decode(b2, n + 4, 2, &out, &e),
		    LP2P_ECODEC);
		assert_non_null(strstr(e.msg, "peers[3]: "));
		free(b2);
	}
	decode_prefixes(lp2p_schema_builtin("/protocolPeerRequestResponse"),
	    b, n);
	free(b);
	/* empty list: zero bytes both ways */
	assert_int_equal(lp2p_peers_encode(jv_array(), &b, &n, &e), 0);
	assert_int_equal(n, 0);
	free(b);
	assert_int_equal(lp2p_peers_decode((const uint8_t *)"", 0, 200, &out,
	    &e), 0);
	assert_jv_equal(out, jv_array());
	/* a bad entry names its index */
	assert_int_equal(lp2p_peers_encode(jv_parse("[{\"ipAddress\":"
	    "\"1.2.3.4\",\"port\":1},{\"ipAddress\":\"1.2.3.4\"}]"), &b, &n,
	    &e), LP2P_ECODEC);
	assert_string_equal(e.msg, "peers[1].port: missing (uint32)");
	/* an entry that is not a peerInfo */
	b = unhex("0a020801", &n);
	assert_int_equal(lp2p_peers_decode(b, n, 200, &out, &e),
	    LP2P_ECODEC);
	assert_non_null(strstr(e.msg, "peers[0]: "));
	free(b);
	assert_int_equal(lp2p_peers_encode(jv_object(), &b, &n, &e),
	    LP2P_ECODEC);
}

/* ---- bounded work on hostile input ----------------------------------- */

static void
test_hostile(void **state)
{
	struct lp2p_schema *s = schema_str(S_ARR_OBJ);
	struct lp2p_err e;
	uint8_t *b;
	size_t n = 2 * 100000;
	jv out;

	(void)state;
	/* 100 000 empty objects: skipped, no element kept */
	b = malloc(n);
	for (size_t i = 0; i < n; i += 2) {
		b[i] = 0x0a;
		b[i + 1] = 0x00;
	}
	assert_int_equal(lp2p_codec_decode(s, b, n, &out, &e), 0);
	assert_jv_equal(out, jv_parse("{\"a\":[]}"));
	free(b);
	lp2p_schema_free(s);
	/* a length of 4 GiB - 1 in a 6-byte message */
	s = schema_str(S_STR);
	assert_int_equal(dec_hex(s, "0affffffff0f", &out, &e), LP2P_ECODEC);
	lp2p_schema_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_core4),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_error_texts),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_encode_values),
		cmocka_unit_test(test_schema_errors),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nodeinfo_and_peers),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
