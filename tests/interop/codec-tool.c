/*
 * codec-tool.c — the C side of tests/interop/codec-diff.bats: a filter
 * from NDJSON requests to NDJSON answers, one line each, over libliskp2p's
 * codec.  Built by the bats file against build/asan/libliskp2p-internal.a.
 *
 *   {"schema":S,"encode":VALUE}   -> {"hex":"..."} | {"error":"..."}
 *   {"schema":S,"decode":"hex"}   -> {"value":V}   | {"error":"..."}
 *   {"nfc":"string"}              -> {"nfc":"...","is_nfc":bool}
 *   {"bench":N,"schema":S,"encode":V} -> {"encode_ns":..,"decode_ns":..}
 *
 * A schema is compiled once per distinct line position: "schema" may be
 * the number of an earlier line's schema ({"schema":3} reuses line 3's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "liskp2p.h"
#include "codec.h"

#define MAX_LINE	(64 * 1024 * 1024)

static void
emit(jv v)
{
	jv_dumpf(v, stdout, 0);
	putchar('\n');
	fflush(stdout);
}

static jv
errv(const char *msg)
{
	return JV_OBJECT(jv_string("error"), jv_string(msg));
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static jv
bench(const struct lp2p_schema *s, jv value, int n)
{
	struct lp2p_err e;
	uint8_t *b = NULL;
	size_t bl = 0;
	double t0, t1, t2;
	jv d;

	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		free(b);
		if (lp2p_codec_encode(s, jv_copy(value), &b, &bl, &e) != 0) {
			jv_free(value);
			return errv(e.msg);
		}
	}
	t1 = now_ns();
	for (int i = 0; i < n; i++) {
		if (lp2p_codec_decode(s, b, bl, &d, &e) != 0) {
			free(b);
			jv_free(value);
			return errv(e.msg);
		}
		jv_free(d);
	}
	t2 = now_ns();
	free(b);
	jv_free(value);
	return JV_OBJECT(jv_string("encode_ns"), jv_number((t1 - t0) / n),
	    jv_string("decode_ns"), jv_number((t2 - t1) / n));
}

static jv
handle(jv req, jv *schemas)
{
	struct lp2p_schema *s = NULL;
	struct lp2p_err e;
	jv sj, v, out;

	if (jv_get_kind(req) != JV_KIND_OBJECT) {
		jv_free(req);
		return errv("request is not an object");
	}
	v = jv_object_get(jv_copy(req), jv_string("nfc"));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		const uint8_t *p = (const uint8_t *)jv_string_value(v);
		size_t n = (size_t)jv_string_length_bytes(jv_copy(v));
		uint8_t *o;
		size_t on;

		jv_free(req);
		if (lp2p__utf8_nfc(p, n, &o, &on) != 0) {
			jv_free(v);
			return errv("nfc failed");
		}
		out = JV_OBJECT(jv_string("nfc"),
		    jv_string_sized((char *)o, (int)on), jv_string("is_nfc"),
		    jv_bool(lp2p__utf8_is_nfc(p, n)));
		free(o);
		jv_free(v);
		return out;
	}
	jv_free(v);
	sj = jv_object_get(jv_copy(req), jv_string("schema"));
	if (jv_get_kind(sj) == JV_KIND_NUMBER) {
		int i = (int)jv_number_value(sj);

		jv_free(sj);
		sj = jv_array_get(jv_copy(*schemas), i);
	} else
		*schemas = jv_array_append(*schemas, jv_copy(sj));
	if (lp2p_schema_new(&s, sj, &e) != 0) {
		jv_free(req);
		return errv(e.msg);
	}
	v = jv_object_get(jv_copy(req), jv_string("bench"));
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		int n = (int)jv_number_value(v);

		out = bench(s, jv_object_get(jv_copy(req),
		    jv_string("encode")), n > 0 ? n : 1);
	} else if (jv_free(v), v = jv_object_get(jv_copy(req),
	    jv_string("encode")), jv_is_valid(v)) {
		uint8_t *b;
		size_t bl;

		if (lp2p_codec_encode(s, v, &b, &bl, &e) != 0)
			out = errv(e.msg);
		else {
			char *h = lp2p_hex_encode(b, bl);

			out = JV_OBJECT(jv_string("hex"), jv_string(h));
			free(h);
			free(b);
		}
		v = jv_invalid();
	} else {
		jv_free(v);
		v = jv_object_get(jv_copy(req), jv_string("decode"));
		if (jv_get_kind(v) != JV_KIND_STRING)
			out = errv("no encode, decode or nfc");
		else {
			uint8_t *b;
			long bl = lp2p_hex_decode(jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)), &b);
			jv d;

			if (bl < 0)
				out = errv("decode: not hex");
			else if (lp2p_codec_decode(s, b, (size_t)bl, &d,
			    &e) != 0)
				out = errv(e.msg);
			else
				out = JV_OBJECT(jv_string("value"), d);
			if (bl >= 0)
				free(b);
		}
	}
	jv_free(v);
	jv_free(req);
	lp2p_schema_free(s);
	return out;
}

int
main(void)
{
	jv schemas = jv_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		jv req;

		if (n > MAX_LINE) {
			emit(errv("line too long"));
			continue;
		}
		req = jv_parse_sized(line, (int)n);
		if (!jv_is_valid(req)) {
			jv_free(req);
			emit(errv("not JSON"));
			continue;
		}
		emit(handle(req, &schemas));
	}
	free(line);
	jv_free(schemas);
	return 0;
}
