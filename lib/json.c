/*
 * json.c — a strict, iterative JSON (RFC 8259) syntax check, run before
 * libjq's parser sees outside text.
 *
 * Why: libjq 1.6 leaks memory on some invalid input (e.g. {"a""b"} loses
 * the pending token, 18 bytes a time), so text from a peer or from stdin
 * that jq would reject must never reach jv_parse_sized.  The check also
 * bounds nesting without recursion.  Exactly one value, surrounded by
 * optional whitespace, is accepted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"

#define MAX_STACK	1024	/* absolute ceiling on maxdepth */

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

static int
hexdig(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* A string starting at s[i] == '"'; returns the index after it or 0. */
static size_t
scan_string(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return 0;
		if (c != '\\')
			continue;
		if (++i >= n)
			return 0;
		switch (s[i]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			break;
		case 'u':
			if (i + 4 >= n || !hexdig(s[i + 1]) ||
			    !hexdig(s[i + 2]) || !hexdig(s[i + 3]) ||
			    !hexdig(s[i + 4]))
				return 0;
			i += 4;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static size_t
scan_number(const char *s, size_t n, size_t i)
{
	size_t d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i;
}

/*
 * The checker of the library (sc_screen.c screens peers' texts with it, p2p-node
 * stdin commands through lp2p_json_check): 0, LP2P_EINVAL (not one JSON
 * text), LP2P_EFULL (nested deeper than maxdepth) or LP2P__JSON_MANY (more
 * than LP2P_MAX_JSON_VALUES values: libjq spends about 280 bytes a value,
 * so 3 MB of "{}," would cost 400 MB); err may be NULL, and then nothing
 * is formatted.
 */
int
lp2p__json_check(const char *s, size_t n, int maxdepth, struct lp2p_err *err)
{
	char stack[MAX_STACK];		/* '{' or '[' */
	int depth = 0;
	size_t i = 0, j, values = 0;
	enum { VALUE, AFTER_VALUE, KEY, COLON } want = VALUE;

	if (maxdepth < 1 || maxdepth > MAX_STACK)
		maxdepth = MAX_STACK;
	for (;;) {
		i = skip_ws(s, n, i);
		if (want == VALUE && i < n && ++values > LP2P_MAX_JSON_VALUES)
			return lp2p_errf(err, LP2P__JSON_MANY,
			    "at byte %zu: more than %d values", i,
			    LP2P_MAX_JSON_VALUES);
		if (want == AFTER_VALUE && depth == 0) {
			if (i == n)
				return 0;
			return lp2p_errf(err, LP2P_EINVAL,
			    "at byte %zu: extra text after the value", i);
		}
		if (i == n)
			return lp2p_errf(err, LP2P_EINVAL,
			    "at byte %zu: unexpected end of JSON", i);
		switch (want) {
		case VALUE:
			if (s[i] == '{' || s[i] == '[') {
				if (depth == maxdepth)
					return lp2p_errf(err, LP2P_EFULL,
					    "at byte %zu: nested deeper than "
					    "%d", i, maxdepth);
				stack[depth++] = s[i];
				i = skip_ws(s, n, i + 1);
				if (i < n && s[i] == (stack[depth - 1] == '{' ?
				    '}' : ']')) {
					depth--;
					i++;
					want = AFTER_VALUE;
				} else
					want = stack[depth - 1] == '{' ? KEY :
					    VALUE;
				continue;
			}
			if (s[i] == '"')
				j = scan_string(s, n, i);
			else if (s[i] == '-' || (s[i] >= '0' && s[i] <= '9'))
				j = scan_number(s, n, i);
			else if (n - i >= 4 && memcmp(s + i, "true", 4) == 0)
				j = i + 4;
			else if (n - i >= 5 && memcmp(s + i, "false", 5) == 0)
				j = i + 5;
			else if (n - i >= 4 && memcmp(s + i, "null", 4) == 0)
				j = i + 4;
			else
				j = 0;
			if (j == 0)
				return lp2p_errf(err, LP2P_EINVAL,
				    "at byte %zu: invalid JSON value", i);
			i = j;
			want = AFTER_VALUE;
			break;
		case KEY:
			if (s[i] != '"' || (j = scan_string(s, n, i)) == 0)
				return lp2p_errf(err, LP2P_EINVAL,
				    "at byte %zu: expected a string key", i);
			/* the usual ':' right away; COLON reports the rest */
			i = skip_ws(s, n, j);
			if (i < n && s[i] == ':') {
				i++;
				want = VALUE;
			} else
				want = COLON;
			break;
		case COLON:
			if (s[i] != ':')
				return lp2p_errf(err, LP2P_EINVAL,
				    "at byte %zu: expected ':'", i);
			i++;
			want = VALUE;
			break;
		case AFTER_VALUE:
			if (s[i] == ',') {
				i++;
				want = stack[depth - 1] == '{' ? KEY : VALUE;
			} else if (s[i] == (stack[depth - 1] == '{' ? '}' :
			    ']')) {
				i++;
				depth--;
			} else
				return lp2p_errf(err, LP2P_EINVAL,
				    "at byte %zu: expected ',' or '%c'", i,
				    stack[depth - 1] == '{' ? '}' : ']');
			break;
		}
	}
}

int
lp2p_json_check(const char *s, size_t n, int maxdepth, struct lp2p_err *err)
{
	int rc = lp2p__json_check(s, n, maxdepth, err);

	if (rc == LP2P_EFULL || rc == LP2P__JSON_MANY) {
		rc = LP2P_EINVAL;
		if (err != NULL)
			err->code = rc;
	}
	return rc;
}

/*
 * lp2p__json_dup_member: the first member name that appears twice in the
 * top-level object of s, a text lp2p__json_check accepted; a jv string,
 * or jv_invalid() when there is none (or s is not an object).  libjq keeps
 * the last of two equal names without a word; a file reader that must not
 * take half of a hand-edited file asks here first.  Names are compared
 * decoded (escapes included), among the first max members only, so the
 * cost stays linear: a reader that knows k names sets max > k, and then
 * any object the bound cuts off has a name it does not know.
 */
jv
lp2p__json_dup_member(const char *s, size_t n, int max)
{
	jv seen = jv_array(), dup = jv_invalid(), k;
	size_t i = skip_ws(s, n, 0), j;
	int depth, members = 0, x;

	if (i >= n || s[i] != '{')
		goto out;
	for (i++; members < max; members++) {
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != '"' || (j = scan_string(s, n, i)) == 0)
			goto out;		/* "{}", or not checked */
		k = jv_parse_sized(s + i, (int)(j - i));
		for (x = 0; x < jv_array_length(jv_copy(seen)); x++)
			if (jv_equal(jv_copy(k), jv_array_get(jv_copy(seen),
			    x))) {
				dup = k;
				goto out;
			}
		seen = jv_array_append(seen, k);
		i = skip_ws(s, n, j);
		if (i >= n || s[i] != ':')
			goto out;
		/* the value: strings skipped whole, brackets counted */
		for (i++, depth = 0; i < n; i++) {
			if (s[i] == '"') {
				if ((j = scan_string(s, n, i)) == 0)
					goto out;
				i = j - 1;
			} else if (s[i] == '{' || s[i] == '[')
				depth++;
			else if (s[i] == '}' || s[i] == ']') {
				if (depth-- == 0)
					goto out;	/* the object's end */
			} else if (s[i] == ',' && depth == 0)
				break;
		}
		i++;
	}
out:
	jv_free(seen);
	return dup;
}

/* ---- compact dump (i-perf) ------------------------------------------ */

/*
 * lp2p_json_dump: append v (borrowed) to b exactly as jv_dump_string(v, 0)
 * writes it, without building a jv string.  Printable-ASCII strings and
 * small integers are written here; any other string or number, and
 * anything nested deeper than DUMP_DEPTH, goes through libjq's own dump,
 * so the bytes never differ.
 */
#define DUMP_DEPTH	32

static int
buf_need(struct lp2p_buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap > 0 ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return LP2P_ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int
lp2p_buf_add(struct lp2p_buf *b, const void *s, size_t n)
{
	if (buf_need(b, n) != 0)
		return LP2P_ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* libjq's own dump of v (borrowed). */
static int
dump_jq(struct lp2p_buf *b, jv v)
{
	jv s = jv_dump_string(jv_copy(v), 0);
	int rc;

	rc = lp2p_buf_add(b, jv_string_value(s),
	    (size_t)jv_string_length_bytes(jv_copy(s)));
	jv_free(s);
	return rc;
}

static int
dump_string(struct lp2p_buf *b, jv v)
{
	const char *s = jv_string_value(v);
	size_t n = (size_t)jv_string_length_bytes(jv_copy(v)), i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return dump_jq(b, v);
	if (buf_need(b, n + 2) != 0)
		return LP2P_ENOMEM;
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len++] = '"';
	return 0;
}

static int
dump_value(struct lp2p_buf *b, jv v, int depth)
{
	char num[32];
	double d;
	int rc = 0, i, n;

	if (depth > DUMP_DEPTH)
		return LP2P_EINVAL;
	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		return lp2p_buf_add(b, "null", 4);
	case JV_KIND_TRUE:
		return lp2p_buf_add(b, "true", 4);
	case JV_KIND_FALSE:
		return lp2p_buf_add(b, "false", 5);
	case JV_KIND_STRING:
		return dump_string(b, v);
	case JV_KIND_NUMBER:
		d = jv_number_value(v);
		if (isfinite(d) && d > -1e15 && d < 1e15 && d == floor(d) &&
		    (d != 0 || !signbit(d))) {
			n = snprintf(num, sizeof(num), "%lld", (long long)d);
			return lp2p_buf_add(b, num, (size_t)n);
		}
		return dump_jq(b, v);
	case JV_KIND_ARRAY:
		n = jv_array_length(jv_copy(v));
		if ((rc = lp2p_buf_add(b, "[", 1)) != 0)
			return rc;
		for (i = 0; i < n && rc == 0; i++) {
			jv e = jv_array_get(jv_copy(v), i);

			if (i > 0)
				rc = lp2p_buf_add(b, ",", 1);
			if (rc == 0)
				rc = dump_value(b, e, depth + 1);
			jv_free(e);
		}
		return rc != 0 ? rc : lp2p_buf_add(b, "]", 1);
	case JV_KIND_OBJECT:
		if ((rc = lp2p_buf_add(b, "{", 1)) != 0)
			return rc;
		for (i = jv_object_iter(v), n = 0; rc == 0 &&
		    jv_object_iter_valid(v, i); i = jv_object_iter_next(v, i),
		    n++) {
			jv k = jv_object_iter_key(v, i);
			jv e = jv_object_iter_value(v, i);

			if (n > 0)
				rc = lp2p_buf_add(b, ",", 1);
			if (rc == 0)
				rc = dump_string(b, k);
			if (rc == 0)
				rc = lp2p_buf_add(b, ":", 1);
			if (rc == 0)
				rc = dump_value(b, e, depth + 1);
			jv_free(k);
			jv_free(e);
		}
		return rc != 0 ? rc : lp2p_buf_add(b, "}", 1);
	default:
		return LP2P_EINVAL;
	}
}

int
lp2p_json_dump(struct lp2p_buf *b, jv v)
{
	size_t start = b->len;
	int rc;

	if ((rc = dump_value(b, v, 0)) == LP2P_EINVAL) {
		b->len = start;
		rc = dump_jq(b, v);
	}
	if (rc != 0)
		b->len = start;
	return rc;
}
