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
#include <stdio.h>
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

int
lp2p_json_check(const char *s, size_t n, int maxdepth, struct lp2p_err *err)
{
	char stack[MAX_STACK];		/* '{' or '[' */
	int depth = 0;
	size_t i = 0, j;
	enum { VALUE, AFTER_VALUE, KEY, COLON } want = VALUE;

	if (maxdepth < 1 || maxdepth > MAX_STACK)
		maxdepth = MAX_STACK;
	for (;;) {
		i = skip_ws(s, n, i);
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
					return lp2p_errf(err, LP2P_EINVAL,
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
			i = j;
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
