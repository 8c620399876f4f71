/*
 * codec.c — lisk-codec 0.5.0 (WIRE.md §5), schema-driven.
 *
 * A schema in lisk-codec's JSON form is compiled once into a tree of
 * struct cobj (fields sorted by fieldNumber, keys pre-encoded) and then
 * used by the encoder and the decoder.  The decoder follows the
 * reference's reading rules so that it accepts exactly the byte strings
 * lisk-codec accepts and yields the same values; its quirks are kept on
 * purpose and marked "quirk" below.  Every read is bounded by the end of
 * the enclosing object (the reference reads past it but then always fails
 * its terminate-index check, so the accepted set is the same).
 *
 * Invariants: a compiled schema is immutable; decoding never allocates
 * more than the input justifies (every value or element consumes at least
 * one input byte); recursion depth is bounded by LP2P_CODEC_MAX_DEPTH.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "liskp2p.h"
#include "internal.h"
#include "codec.h"

enum ckind {
	K_UINT32, K_SINT32, K_UINT64, K_SINT64, K_BOOL, K_BYTES, K_STRING,
	K_OBJECT, K_ARRAY
};

struct cobj;

enum cformat { F_HEX, F_LISK32, F_BASE64 };	/* JSON form of bytes */

struct cfield {
	const char	*name;
	uint32_t	 num;		/* fieldNumber */
	enum ckind	 kind;
	enum ckind	 item;		/* K_ARRAY: kind of its items */
	const struct cobj *obj;		/* K_OBJECT, or K_ARRAY of K_OBJECT */
	uint8_t		 key[4];	/* varint of (num << 3) | wire type */
	uint8_t		 keylen;
	enum cformat	 format;	/* of bytes, or of bytes items */
};

struct cobj {
	size_t		 n;
	const struct cfield *f;
};

struct lp2p_schema {
	const char	*id;
	struct cobj	 root;
	int		 is_static;
};

static const char *const kind_names[] = {
	"uint32", "sint32", "uint64", "sint64", "boolean", "bytes", "string",
	"object", "array"
};

#define MAX_FIELD_NUMBER	18999	/* lisk-validator's fieldNumber bound */

/* ---- built-in schemas -------------------------------------------- */

#define KEY1(n, wt)	{ (uint8_t)(((n) << 3) | (wt)) }, 1, F_HEX

static const struct cfield nodeinfo_fields[] = {
	{ "chainID", 1, K_BYTES, 0, NULL, KEY1(1, 2) },
	{ "networkVersion", 2, K_STRING, 0, NULL, KEY1(2, 2) },
	{ "nonce", 3, K_STRING, 0, NULL, KEY1(3, 2) },
	{ "advertiseAddress", 4, K_BOOL, 0, NULL, KEY1(4, 0) },
};
static const struct lp2p_schema nodeinfo_schema = {
	"/nodeInfo", { 4, nodeinfo_fields }, 1
};

static const struct cfield peerinfo_fields[] = {
	{ "ipAddress", 1, K_STRING, 0, NULL, KEY1(1, 2) },
	{ "port", 2, K_UINT32, 0, NULL, KEY1(2, 0) },
};
static const struct lp2p_schema peerinfo_schema = {
	"/protocolPeerInfo", { 2, peerinfo_fields }, 1
};

static const struct cfield peerresp_fields[] = {
	{ "peers", 1, K_ARRAY, K_BYTES, NULL, KEY1(1, 2) },
};
static const struct lp2p_schema peerresp_schema = {
	"/protocolPeerRequestResponse", { 1, peerresp_fields }, 1
};

const struct lp2p_schema *
lp2p_schema_builtin(const char *id)
{
	if (id == NULL)
		return NULL;
	if (strcmp(id, nodeinfo_schema.id) == 0)
		return &nodeinfo_schema;
	if (strcmp(id, peerinfo_schema.id) == 0)
		return &peerinfo_schema;
	if (strcmp(id, peerresp_schema.id) == 0)
		return &peerresp_schema;
	return NULL;
}

/* ---- varints ------------------------------------------------------- */

static size_t
put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v > 0x7f) {
		p[n++] = (uint8_t)(0x80 | (v & 0x7f));
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static size_t
varint_len(uint64_t v)
{
	size_t n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static int
is_wire2(enum ckind k)
{
	return k == K_BYTES || k == K_STRING || k == K_OBJECT || k == K_ARRAY;
}

/* ---- schema compilation ---------------------------------------------- */

struct comp {
	struct lp2p_err	*err;
	char		 path[LP2P_ERR_MSG / 2];
};

static void free_obj(struct cobj *);

static void
free_fields(struct cfield *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)f[i].name);
		if (f[i].obj != NULL) {
			free_obj((struct cobj *)f[i].obj);
			free((struct cobj *)f[i].obj);
		}
	}
	free(f);
}

static void
free_obj(struct cobj *o)
{
	free_fields((struct cfield *)o->f, o->n);
	o->f = NULL;
	o->n = 0;
}

void
lp2p_schema_free(struct lp2p_schema *s)
{
	if (s == NULL || s->is_static)
		return;
	free((char *)s->id);
	free_obj(&s->root);
	free(s);
}

const char *
lp2p_schema_id(const struct lp2p_schema *s)
{
	return s->id;
}

static int
kind_of_datatype(jv dt, enum ckind *k)
{
	const char *s;

	if (jv_get_kind(dt) != JV_KIND_STRING)
		return -1;
	s = jv_string_value(dt);
	for (int i = 0; i <= K_STRING; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum ckind)i;
			return 0;
		}
	return -1;
}

/* "format" of a bytes property (borrowed): hex (default), lisk32, base64. */
static enum cformat
format_of(jv prop)
{
	jv f = jv_object_get(jv_copy(prop), jv_string("format"));
	enum cformat r = F_HEX;

	if (jv_get_kind(f) == JV_KIND_STRING) {
		if (strcmp(jv_string_value(f), "lisk32") == 0)
			r = F_LISK32;
		else if (strcmp(jv_string_value(f), "base64") == 0)
			r = F_BASE64;
	}
	jv_free(f);
	return r;
}

static int
cmp_field(const void *a, const void *b)
{
	const struct cfield *x = a, *y = b;

	return (x->num > y->num) - (x->num < y->num);
}

static int compile_obj(struct comp *, jv, struct cobj *, int);

/* The "type" of a property: "object", "array" or NULL (scalar). */
static int
prop_type(jv prop, char *buf, size_t len)
{
	jv t = jv_object_get(jv_copy(prop), jv_string("type"));
	int r = 0;

	buf[0] = '\0';
	if (jv_get_kind(t) == JV_KIND_STRING)
		snprintf(buf, len, "%s", jv_string_value(t));
	else if (jv_get_kind(t) != JV_KIND_INVALID && jv_get_kind(t) !=
	    JV_KIND_NULL)
		r = -1;
	jv_free(t);
	return r;
}

/* Compile one property (prop borrowed) into f; path already extended. */
static int
compile_prop(struct comp *c, const char *name, jv prop, struct cfield *f,
    int depth)
{
	char type[16];
	jv num, items, dt;
	double d;
	int r;

	if (jv_get_kind(prop) != JV_KIND_OBJECT)
		return lp2p_errf(c->err, LP2P_EINVAL, "%s: not an object",
		    c->path);
	if ((f->name = strdup(name)) == NULL)
		return lp2p_errf(c->err, LP2P_ENOMEM, "%s: out of memory",
		    c->path);
	num = jv_object_get(jv_copy(prop), jv_string("fieldNumber"));
	if (jv_get_kind(num) != JV_KIND_NUMBER) {
		jv_free(num);
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s: 'fieldNumber' missing or not a number", c->path);
	}
	d = jv_number_value(num);
	jv_free(num);
	if (!(d >= 1 && d <= MAX_FIELD_NUMBER) || d != floor(d))
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s: 'fieldNumber' %g out of 1..%d", c->path, d,
		    MAX_FIELD_NUMBER);
	f->num = (uint32_t)d;
	if (prop_type(prop, type, sizeof(type)) == -1)
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s: 'type' not a string", c->path);
	dt = jv_object_get(jv_copy(prop), jv_string("dataType"));
	if (strcmp(type, "object") == 0) {
		struct cobj *o;

		f->kind = K_OBJECT;
		if (jv_get_kind(dt) != JV_KIND_INVALID) {
			jv_free(dt);
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: both 'type' and 'dataType'", c->path);
		}
		if ((o = calloc(1, sizeof(*o))) == NULL)
			return lp2p_errf(c->err, LP2P_ENOMEM,
			    "%s: out of memory", c->path);
		f->obj = o;
		if ((r = compile_obj(c, jv_copy(prop), o, depth + 1)) != 0)
			return r;
	} else if (strcmp(type, "array") == 0) {
		char itype[16];
		size_t plen = strlen(c->path);

		f->kind = K_ARRAY;
		if (jv_get_kind(dt) != JV_KIND_INVALID) {
			jv_free(dt);
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: both 'type' and 'dataType'", c->path);
		}
		items = jv_object_get(jv_copy(prop), jv_string("items"));
		strlcat(c->path, ".items", sizeof(c->path));
		if (jv_get_kind(items) != JV_KIND_OBJECT) {
			jv_free(items);
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: missing or not an object", c->path);
		}
		if (prop_type(items, itype, sizeof(itype)) == -1) {
			jv_free(items);
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: 'type' not a string", c->path);
		}
		if (strcmp(itype, "object") == 0) {
			struct cobj *o;

			f->item = K_OBJECT;
			if ((o = calloc(1, sizeof(*o))) == NULL) {
				jv_free(items);
				return lp2p_errf(c->err, LP2P_ENOMEM,
				    "%s: out of memory", c->path);
			}
			f->obj = o;
			if ((r = compile_obj(c, items, o, depth + 1)) != 0)
				return r;
		} else if (itype[0] != '\0') {
			jv_free(items);
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: unsupported 'type' \"%s\"", c->path, itype);
		} else {
			jv idt = jv_object_get(jv_copy(items),
			    jv_string("dataType"));

			f->format = format_of(items);
			jv_free(items);
			r = kind_of_datatype(idt, &f->item);
			jv_free(idt);
			if (r == -1)
				return lp2p_errf(c->err, LP2P_EINVAL,
				    "%s: 'dataType' missing or unknown",
				    c->path);
		}
		c->path[plen] = '\0';
	} else if (type[0] != '\0') {
		jv_free(dt);
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s: unsupported 'type' \"%s\"", c->path, type);
	} else {
		r = kind_of_datatype(dt, &f->kind);
		jv_free(dt);
		if (r == -1)
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s: 'dataType' missing or unknown", c->path);
		f->format = format_of(prop);
	}
	if (f->kind == K_OBJECT || f->kind == K_ARRAY)
		jv_free(dt);
	f->keylen = (uint8_t)put_varint(f->key, ((uint64_t)f->num << 3) |
	    (is_wire2(f->kind) ? 2 : 0));
	return 0;
}

/* Compile an object schema (consumed) with "properties" into o. */
static int
compile_obj(struct comp *c, jv schema, struct cobj *o, int depth)
{
	struct cfield *f;
	size_t plen = strlen(c->path), n, i = 0;
	jv props;
	int r = 0;

	if (depth > LP2P_CODEC_MAX_DEPTH) {
		jv_free(schema);
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s: nested deeper than %d levels", c->path[0] ? c->path :
		    "schema", LP2P_CODEC_MAX_DEPTH);
	}
	props = jv_object_get(schema, jv_string("properties"));
	if (jv_get_kind(props) != JV_KIND_OBJECT) {
		jv_free(props);
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s%s'properties' missing or not an object", c->path,
		    c->path[0] ? ": " : "");
	}
	n = (size_t)jv_object_length(jv_copy(props));
	if (n > LP2P_CODEC_MAX_FIELDS) {
		jv_free(props);
		return lp2p_errf(c->err, LP2P_EINVAL,
		    "%s%smore than %d properties", c->path,
		    c->path[0] ? ": " : "", LP2P_CODEC_MAX_FIELDS);
	}
	if ((f = calloc(n ? n : 1, sizeof(*f))) == NULL) {
		jv_free(props);
		return lp2p_errf(c->err, LP2P_ENOMEM, "out of memory");
	}
	o->f = f;
	jv_object_foreach(props, k, v) {
		if (r == 0) {
			o->n = i + 1;
			snprintf(c->path + plen, sizeof(c->path) - plen,
			    "%sproperties.%s", plen ? "." : "",
			    jv_string_value(k));
			r = compile_prop(c, jv_string_value(k), v, &f[i],
			    depth);
			i++;
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(props);
	c->path[plen] = '\0';
	if (r != 0)
		return r;
	qsort(f, o->n, sizeof(*f), cmp_field);
	for (i = 1; i < o->n; i++)
		if (f[i].num == f[i - 1].num)
			return lp2p_errf(c->err, LP2P_EINVAL,
			    "%s%sfieldNumber %" PRIu32 " used by '%s' and '%s'",
			    c->path, c->path[0] ? ": " : "", f[i].num,
			    f[i - 1].name, f[i].name);
	return 0;
}

int
lp2p_schema_new(struct lp2p_schema **out, jv schema, struct lp2p_err *err)
{
	struct lp2p_schema *s;
	struct comp c;
	char type[16];
	jv id;
	int r;

	*out = NULL;
	c.err = err;
	c.path[0] = '\0';
	if (jv_get_kind(schema) != JV_KIND_OBJECT) {
		jv_free(schema);
		return lp2p_errf(err, LP2P_EINVAL, "schema: not an object");
	}
	if (prop_type(schema, type, sizeof(type)) == -1 ||
	    strcmp(type, "object") != 0) {
		jv_free(schema);
		return lp2p_errf(err, LP2P_EINVAL,
		    "schema: 'type' is not \"object\"");
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		jv_free(schema);
		return lp2p_errf(err, LP2P_ENOMEM, "schema: out of memory");
	}
	id = jv_object_get(jv_copy(schema), jv_string("$id"));
	s->id = strdup(jv_get_kind(id) == JV_KIND_STRING ?
	    jv_string_value(id) : "");
	jv_free(id);
	if (s->id == NULL) {
		jv_free(schema);
		lp2p_schema_free(s);
		return lp2p_errf(err, LP2P_ENOMEM, "schema: out of memory");
	}
	if ((r = compile_obj(&c, schema, &s->root, 1)) != 0) {
		lp2p_schema_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int
lp2p_schema_nodeinfo(struct lp2p_schema **out, jv options,
    struct lp2p_err *err)
{
	jv s;

	if (jv_get_kind(options) == JV_KIND_NULL ||
	    jv_get_kind(options) == JV_KIND_INVALID) {
		jv_free(options);
		options = jv_null();
	} else if (jv_get_kind(options) != JV_KIND_OBJECT) {
		jv_free(options);
		return lp2p_errf(err, LP2P_EINVAL,
		    "options schema: not an object");
	}
	s = jv_parse("{\"$id\":\"/nodeInfo\",\"type\":\"object\","
	    "\"properties\":{"
	    "\"chainID\":{\"dataType\":\"bytes\",\"fieldNumber\":1},"
	    "\"networkVersion\":{\"dataType\":\"string\",\"fieldNumber\":2},"
	    "\"nonce\":{\"dataType\":\"string\",\"fieldNumber\":3},"
	    "\"advertiseAddress\":{\"dataType\":\"boolean\","
	    "\"fieldNumber\":4}}}");
	if (jv_get_kind(options) == JV_KIND_OBJECT) {
		jv props = jv_object_get(options, jv_string("properties"));
		jv o = jv_object();

		if (jv_get_kind(props) != JV_KIND_OBJECT) {
			jv_free(props);
			jv_free(o);
			jv_free(s);
			return lp2p_errf(err, LP2P_EINVAL, "options schema: "
			    "'properties' missing or not an object");
		}

		o = jv_object_set(o, jv_string("type"), jv_string("object"));
		o = jv_object_set(o, jv_string("fieldNumber"), jv_number(5));
		o = jv_object_set(o, jv_string("properties"), props);
		s = jv_setpath(s, JV_ARRAY(jv_string("properties"),
		    jv_string("options")), o);
	} else
		jv_free(options);
	return lp2p_schema_new(out, s, err);
}

/* ---- errors with a field path ---------------------------------------- */

struct pathel {
	const char	*name;
	long		 idx;		/* -1: not an array element */
};

struct walk {
	struct pathel	 p[LP2P_CODEC_MAX_DEPTH * 2 + 4];
	int		 depth;
	struct lp2p_err	*err;
};

static void
push(struct walk *w, const char *name, long idx)
{
	w->p[w->depth].name = name;
	w->p[w->depth].idx = idx;
	w->depth++;
}

static void
pop(struct walk *w)
{
	w->depth--;
}

static void
fmt_path(const struct walk *w, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < w->depth && n < len; i++) {
		if (w->p[i].name != NULL)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n ? "." : "", w->p[i].name);
		else
			n += (size_t)snprintf(buf + n, len - n, "[%ld]",
			    w->p[i].idx);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "(message)");
}

static int
werr(struct walk *w, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
werr(struct walk *w, int code, const char *fmt, ...)
{
	char path[LP2P_ERR_MSG / 2], what[LP2P_ERR_MSG / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fmt_path(w, path, sizeof(path));
	return lp2p_errf(w->err, code, "%s: %s", path, what);
}

/* ---- encoding -------------------------------------------------------- */

struct buf {
	uint8_t	*p;
	size_t	 len, cap;
};

static int
reserve(struct buf *b, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (n <= b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - b->len)
		return -1;
	cap = b->cap ? b->cap : 64;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int
put(struct buf *b, const void *p, size_t n)
{
	if (reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
put_v(struct buf *b, uint64_t v)
{
	if (reserve(b, 10) == -1)
		return -1;
	b->len += put_varint(b->p + b->len, v);
	return 0;
}

/* Insert the varint length of everything written since start. */
static int
close_len(struct buf *b, size_t start)
{
	size_t n = b->len - start, vl;

	if (n > UINT32_MAX)
		return -2;
	vl = varint_len(n);
	if (reserve(b, vl) == -1)
		return -1;
	memmove(b->p + start + vl, b->p + start, n);
	put_varint(b->p + start, n);
	b->len += vl;
	return 0;
}

#define ENOMEM_W(w)	werr((w), LP2P_ENOMEM, "out of memory")

/* Parse a decimal integer string (optional '-') into sign and magnitude. */
static int
parse_dec(const char *s, size_t len, int *neg, uint64_t *mag)
{
	uint64_t v = 0;
	size_t i = 0;

	*neg = 0;
	if (len > 0 && s[0] == '-') {
		*neg = 1;
		i = 1;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -2;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*mag = v;
	if (v == 0)
		*neg = 0;	/* "-0" is 0, as BigInt("-0") */
	return 0;
}

/* Encode one scalar value (borrowed) of kind k, without its key. */
static int
enc_scalar(struct walk *w, enum ckind k, enum cformat fmt, jv v,
    struct buf *b)
{
	jv_kind vk = jv_get_kind(v);
	uint64_t mag = 0;
	int neg = 0, r;
	double d;

	switch (k) {
	case K_UINT32:
	case K_SINT32:
		if (vk != JV_KIND_NUMBER)
			return werr(w, LP2P_ECODEC, "expected a number (%s)",
			    kind_names[k]);
		d = jv_number_value(v);
		if (d != floor(d) || isinf(d))
			return werr(w, LP2P_ECODEC, "%g is not an integer", d);
		if (k == K_UINT32) {
			if (d < 0 || d > UINT32_MAX)
				return werr(w, LP2P_ECODEC,
				    "%.17g out of range for uint32", d);
			mag = (uint64_t)d;
		} else {
			if (d < INT32_MIN || d > INT32_MAX)
				return werr(w, LP2P_ECODEC,
				    "%.17g out of range for sint32", d);
			mag = d >= 0 ? (uint64_t)d * 2 :
			    (uint64_t)(-d) * 2 - 1;
		}
		return put_v(b, mag) == -1 ? ENOMEM_W(w) : 0;
	case K_UINT64:
	case K_SINT64:
		if (vk == JV_KIND_STRING) {
			const char *s = jv_string_value(v);

			r = parse_dec(s, (size_t)jv_string_length_bytes(
			    jv_copy(v)), &neg, &mag);
			if (r == -1)
				return werr(w, LP2P_ECODEC,
				    "\"%.40s\" is not a decimal integer", s);
			if (r == -2 || (k == K_UINT64 && neg && mag != 0) ||
			    (k == K_SINT64 && (neg ? mag > (uint64_t)1 << 63 :
			    mag > INT64_MAX)))
				return werr(w, LP2P_ECODEC,
				    "%.40s out of range for %s", s,
				    kind_names[k]);
		} else if (vk == JV_KIND_NUMBER) {
			d = jv_number_value(v);
			if (d != floor(d) || fabs(d) > 9007199254740992.0)
				return werr(w, LP2P_ECODEC, "%.17g is not an "
				    "exact integer (use a decimal string)", d);
			neg = d < 0;
			mag = (uint64_t)fabs(d);
			if (k == K_UINT64 && neg)
				return werr(w, LP2P_ECODEC,
				    "%.17g out of range for uint64", d);
		} else
			return werr(w, LP2P_ECODEC,
			    "expected a decimal string (%s)", kind_names[k]);
		if (k == K_SINT64)
			mag = neg ? (mag - 1) * 2 + 1 : mag * 2;
		return put_v(b, mag) == -1 ? ENOMEM_W(w) : 0;
	case K_BOOL:
		if (vk != JV_KIND_TRUE && vk != JV_KIND_FALSE)
			return werr(w, LP2P_ECODEC, "expected a boolean");
		return put(b, vk == JV_KIND_TRUE ? "\1" : "\0", 1) == -1 ?
		    ENOMEM_W(w) : 0;
	case K_BYTES: {
		uint8_t *raw;
		long n;

		if (vk != JV_KIND_STRING)
			return werr(w, LP2P_ECODEC, "expected a%s string",
			    fmt == F_LISK32 ? " lisk32" : fmt == F_BASE64 ?
			    " base64" : " hex");
		if (fmt == F_LISK32) {
			if ((raw = malloc(20)) == NULL)
				return ENOMEM_W(w);
			n = 20;
			if (jv_string_length_bytes(jv_copy(v)) !=
			    LP2P_LISK32_LEN ||
			    lp2p_lisk32_decode(jv_string_value(v), raw) != 0) {
				free(raw);
				return werr(w, LP2P_ECODEC,
				    "not a lisk32 address");
			}
		} else if (fmt == F_BASE64)
			n = lp2p_b64_decode(jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)), &raw);
		else
			n = lp2p_hex_decode(jv_string_value(v),
			    (size_t)jv_string_length_bytes(jv_copy(v)), &raw);
		if (n == LP2P_ENOMEM)
			return ENOMEM_W(w);
		if (n < 0)
			return werr(w, LP2P_ECODEC, "not hex");
		if ((uint64_t)n > UINT32_MAX) {
			free(raw);
			return werr(w, LP2P_ECODEC, "too long");
		}
		r = put_v(b, (uint64_t)n) == -1 || put(b, raw, (size_t)n) == -1;
		free(raw);
		return r ? ENOMEM_W(w) : 0;
	}
	case K_STRING: {
		const uint8_t *s;
		uint8_t *norm = NULL;
		size_t n;

		if (vk != JV_KIND_STRING)
			return werr(w, LP2P_ECODEC, "expected a string");
		s = (const uint8_t *)jv_string_value(v);
		n = (size_t)jv_string_length_bytes(jv_copy(v));
		if (!lp2p__utf8_is_nfc(s, n)) {
			if ((r = lp2p__utf8_nfc(s, n, &norm, &n)) != 0)
				return r == LP2P_ENOMEM ? ENOMEM_W(w) :
				    werr(w, LP2P_ECODEC, "not valid UTF-8");
			s = norm;
		}
		if ((uint64_t)n > UINT32_MAX) {
			free(norm);
			return werr(w, LP2P_ECODEC, "too long");
		}
		r = put_v(b, n) == -1 || put(b, s, n) == -1;
		free(norm);
		return r ? ENOMEM_W(w) : 0;
	}
	default:
		return werr(w, LP2P_ECODEC, "internal: not a scalar");
	}
}

static int enc_obj(struct walk *, const struct cobj *, jv, struct buf *);

/* Put the length of what follows start in front of it (close_len). */
static int
end_len(struct walk *w, struct buf *b, size_t start)
{
	int r = close_len(b, start);

	if (r == -1)
		return ENOMEM_W(w);
	if (r == -2)
		return werr(w, LP2P_ECODEC, "longer than 4 GiB");
	return 0;
}

/* Key, length and body of a nested object (v borrowed). */
static int
enc_nested(struct walk *w, const struct cfield *f, jv v, struct buf *b)
{
	size_t start;
	int r;

	if (put(b, f->key, f->keylen) == -1)
		return ENOMEM_W(w);
	start = b->len;
	if ((r = enc_obj(w, f->obj, v, b)) != 0)
		return r;
	return end_len(w, b, start);
}

/*
 * Objects, bytes and strings: key and value per item; other scalars:
 * packed, one key and length for them all.
 */
static int
enc_array(struct walk *w, const struct cfield *f, jv v, struct buf *b)
{
	int n, r, packed;
	size_t start = 0;

	if (jv_get_kind(v) != JV_KIND_ARRAY)
		return werr(w, LP2P_ECODEC, "expected an array");
	if ((n = jv_array_length(jv_copy(v))) == 0)
		return 0;
	packed = f->item != K_OBJECT && f->item != K_BYTES &&
	    f->item != K_STRING;
	if (packed) {
		if (put(b, f->key, f->keylen) == -1)
			return ENOMEM_W(w);
		start = b->len;
	}
	for (int i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(v), i);

		push(w, NULL, i);
		if (f->item == K_OBJECT)
			r = enc_nested(w, f, e, b);
		else if (!packed && put(b, f->key, f->keylen) == -1)
			r = ENOMEM_W(w);
		else
			r = enc_scalar(w, f->item, f->format, e, b);
		pop(w);
		jv_free(e);
		if (r != 0)
			return r;
	}
	return packed ? end_len(w, b, start) : 0;
}

/* Encode the fields of object value v (borrowed) in field order. */
static int
enc_obj(struct walk *w, const struct cobj *o, jv v, struct buf *b)
{
	int r = 0;

	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return werr(w, LP2P_ECODEC, "expected an object");
	if (w->depth >= (int)LP2P_NELEM(w->p) - 2)
		return werr(w, LP2P_ECODEC, "nested too deeply");
	for (size_t i = 0; i < o->n && r == 0; i++) {
		const struct cfield *f = &o->f[i];
		jv fv = jv_object_get(jv_copy(v), jv_string(f->name));

		push(w, f->name, -1);
		if (jv_get_kind(fv) == JV_KIND_INVALID) {
			/* a missing array is empty; anything else is needed */
			if (f->kind != K_ARRAY)
				r = werr(w, LP2P_ECODEC, "missing (%s)",
				    kind_names[f->kind]);
		} else if (f->kind == K_ARRAY)
			r = enc_array(w, f, fv, b);
		else if (f->kind == K_OBJECT)
			r = enc_nested(w, f, fv, b);
		else if (put(b, f->key, f->keylen) == -1)
			r = ENOMEM_W(w);
		else
			r = enc_scalar(w, f->kind, f->format, fv, b);
		pop(w);
		jv_free(fv);
	}
	return r;
}

int
lp2p_codec_encode(const struct lp2p_schema *s, jv value, uint8_t **out,
    size_t *outlen, struct lp2p_err *err)
{
	struct buf b = { NULL, 0, 0 };
	struct walk w;
	int r;

	*out = NULL;
	*outlen = 0;
	w.depth = 0;
	w.err = err;
	r = enc_obj(&w, &s->root, value, &b);
	jv_free(value);
	if (r != 0) {
		free(b.p);
		return r;
	}
	if (b.p == NULL && (b.p = malloc(1)) == NULL)
		return lp2p_errf(err, LP2P_ENOMEM, "out of memory");
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* ---- decoding -------------------------------------------------------- */

struct dec {
	struct walk	 w;
	const uint8_t	*buf;
	size_t		 len;
};

static int
derr(struct dec *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* An error naming the field path and the byte offset. */
static int
derr(struct dec *d, size_t at, const char *fmt, ...)
{
	char what[LP2P_ERR_MSG / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return werr(&d->w, LP2P_ECODEC, "at byte %zu: %s", at, what);
}

/*
 * A varint at *pos, before lim: at most 5 bytes (the 5th <= 0x0f) for 32
 * bits, 10 (the 10th <= 0x01) for 64, always in shortest form.
 */
static int
rd_varint(struct dec *d, size_t *pos, size_t lim, int is64, uint64_t *v)
{
	size_t at = *pos, i = *pos, max = is64 ? 10 : 5;
	uint64_t r = 0;

	for (size_t n = 0; n < max; n++) {
		uint8_t c;

		if (i >= lim)
			return derr(d, at, "varint runs past the end");
		c = d->buf[i++];
		if (n == max - 1 && c > (is64 ? 0x01 : 0x0f))
			return derr(d, at, "varint out of range of %s",
			    is64 ? "uint64" : "uint32");
		r |= (uint64_t)(c & 0x7f) << (7 * n);
		if ((c & 0x80) == 0) {
			if (n > 0 && c == 0)
				return derr(d, at, "varint not in "
				    "shortest form");
			*v = r;
			*pos = i;
			return 0;
		}
	}
	return derr(d, at, "varint without a last byte");
}

/* A key at *pos: varint of at most 32 bits, wire type 0 or 2. */
static int
rd_key(struct dec *d, size_t *pos, size_t lim, uint32_t *num, int *wt)
{
	size_t at = *pos;
	uint64_t k;
	int r;

	if ((r = rd_varint(d, pos, lim, 0, &k)) != 0)
		return r;
	if ((k & 7) != 0 && (k & 7) != 2)
		return derr(d, at, "unsupported wire type %d",
		    (int)(k & 7));
	*num = (uint32_t)(k >> 3);
	*wt = (int)(k & 7);
	return 0;
}

/* A length-prefixed run: returns its start in *start, *pos after it. */
static int
rd_len(struct dec *d, size_t *pos, size_t lim, size_t *start, size_t *n)
{
	size_t at = *pos;
	uint64_t l;
	int r;

	if ((r = rd_varint(d, pos, lim, 0, &l)) != 0)
		return r;
	if (l > lim - *pos)
		return derr(d, at, "length %" PRIu64 " runs past the "
		    "end", l);
	*start = *pos;
	*n = (size_t)l;
	*pos += (size_t)l;
	return 0;
}

static int
rd_scalar(struct dec *d, enum ckind k, enum cformat fmt, size_t *pos,
    size_t lim, jv *out)
{
	size_t at = *pos, start, n;
	uint64_t v;
	char num[24];
	int r;

	switch (k) {
	case K_UINT32:
	case K_SINT32:
		if ((r = rd_varint(d, pos, lim, 0, &v)) != 0)
			return r;
		if (k == K_UINT32)
			*out = jv_number((double)v);
		else
			*out = jv_number((v & 1) ? -(double)(v >> 1) - 1 :
			    (double)(v >> 1));
		return 0;
	case K_UINT64:
	case K_SINT64:
		if ((r = rd_varint(d, pos, lim, 1, &v)) != 0)
			return r;
		if (k == K_UINT64)
			snprintf(num, sizeof(num), "%" PRIu64, v);
		else if (v & 1)
			snprintf(num, sizeof(num), "-%" PRIu64, (v >> 1) + 1);
		else
			snprintf(num, sizeof(num), "%" PRIu64, v >> 1);
		*out = jv_string(num);
		return 0;
	case K_BOOL:
		if (*pos >= lim)
			return derr(d, at, "boolean missing");
		if (d->buf[*pos] > 1)
			return derr(d, at, "boolean byte 0x%02x is not "
			    "0 or 1", d->buf[*pos]);
		*out = jv_bool(d->buf[(*pos)++]);
		return 0;
	case K_BYTES: {
		char *hex;

		if ((r = rd_len(d, pos, lim, &start, &n)) != 0)
			return r;
		if (n > INT32_MAX / 2)
			return derr(d, at, "bytes too long");
		if (fmt == F_LISK32)
			hex = lp2p__lisk32_encode_any(d->buf + start, n);
		else if (fmt == F_BASE64)
			hex = lp2p_b64_encode(d->buf + start, n);
		else
			hex = lp2p_hex_encode(d->buf + start, n);
		if (hex == NULL)
			return ENOMEM_W(&d->w);
		*out = jv_string(hex);
		free(hex);
		return 0;
	}
	case K_STRING: {
		const uint8_t *s;

		if ((r = rd_len(d, pos, lim, &start, &n)) != 0)
			return r;
		s = d->buf + start;
		if (!lp2p__utf8_valid(s, n))
			return derr(d, at, "string is not valid UTF-8");
		/* quirk: TextDecoder drops one leading BOM */
		if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
			s += 3;
			n -= 3;
		}
		if (!lp2p__utf8_is_nfc(s, n))
			return derr(d, at, "string is not in Unicode "
			    "NFC");
		if (n > INT32_MAX)
			return derr(d, at, "string too long");
		*out = jv_string_sized((const char *)s, (int)n);
		return 0;
	}
	default:
		return derr(d, at, "internal: not a scalar");
	}
}

static int rd_obj(struct dec *, const struct cobj *, size_t *, size_t, jv *);

/* Array field f at *pos (the key already known to carry f's number). */
static int
rd_array(struct dec *d, const struct cfield *f, size_t *pos, size_t lim,
    jv *out)
{
	jv arr = jv_array();
	size_t at, start, n;
	uint32_t num;
	uint8_t first = d->buf[*pos];
	uint64_t l = 0;
	int wt, r = 0;
	long i = 0;

	if (f->item == K_OBJECT || f->item == K_BYTES ||
	    f->item == K_STRING) {
		/*
		 * quirk: the reference goes on while the next byte equals the
		 * first byte of the first key, whatever follows it.
		 */
		while (r == 0 && *pos < lim && d->buf[*pos] == first) {
			jv e = jv_invalid();

			push(&d->w, NULL, i);
			if ((r = rd_key(d, pos, lim, &num, &wt)) != 0) {
				pop(&d->w);
				break;
			}
			if (f->item == K_OBJECT) {
				r = rd_len(d, pos, lim, &start, &n);
				if (r == 0 && n > 0) {
					/* quirk: empty objects are skipped */
					size_t p = start;

					r = rd_obj(d, f->obj, &p, start + n,
					    &e);
				}
			} else
				r = rd_scalar(d, f->item, f->format, pos, lim,
				    &e);
			pop(&d->w);
			if (r == 0 && jv_is_valid(e)) {
				arr = jv_array_append(arr, e);
				i++;
			} else
				jv_free(e);
		}
	} else {
		size_t end;

		(void)rd_key(d, pos, lim, &num, &wt);	/* checked by caller */
		at = *pos;
		if ((r = rd_varint(d, pos, lim, 0, &l)) == 0 &&
		    l > lim - *pos)
			r = derr(d, at, "length %" PRIu64 " runs past "
			    "the end", l);
		end = *pos + (size_t)l;
		/* quirk: the last item may run past the declared end */
		while (r == 0 && *pos < end) {
			jv e;

			push(&d->w, NULL, i);
			r = rd_scalar(d, f->item, f->format, pos, lim, &e);
			pop(&d->w);
			if (r == 0) {
				arr = jv_array_append(arr, e);
				i++;
			}
		}
	}
	if (r != 0) {
		jv_free(arr);
		return r;
	}
	*out = arr;
	return 0;
}

/* The fields of object o in [*pos, lim), which they must fill exactly. */
static int
rd_obj(struct dec *d, const struct cobj *o, size_t *pos, size_t lim,
    jv *out)
{
	jv obj = jv_object();
	int r = 0;

	if (d->w.depth >= (int)LP2P_NELEM(d->w.p) - 2) {
		jv_free(obj);
		return derr(d, *pos, "nested too deeply");
	}
	for (size_t i = 0; i < o->n && r == 0; i++) {
		const struct cfield *f = &o->f[i];
		size_t at = *pos, p, start, n;
		uint32_t num;
		int wt;
		jv v = jv_invalid();

		push(&d->w, f->name, -1);
		if (f->kind == K_ARRAY) {
			/* arrays are optional: absent when the key differs */
			p = *pos;
			if (*pos >= lim)
				v = jv_array();
			else if ((r = rd_key(d, &p, lim, &num, &wt)) != 0)
				;
			else if (num != f->num)
				v = jv_array();
			else
				r = rd_array(d, f, pos, lim, &v);
		} else if (*pos >= lim)
			r = derr(d, at, "field %" PRIu32 " missing",
			    f->num);
		else if ((r = rd_key(d, pos, lim, &num, &wt)) != 0)
			;
		else if (num != f->num)
			r = derr(d, at, "field number %" PRIu32 " where "
			    "%" PRIu32 " is expected", num, f->num);
		else if (wt != (is_wire2(f->kind) ? 2 : 0))
			r = derr(d, at, "wire type %d where %d is "
			    "expected", wt, is_wire2(f->kind) ? 2 : 0);
		else if (f->kind == K_OBJECT) {
			if ((r = rd_len(d, pos, lim, &start, &n)) == 0) {
				p = start;
				r = rd_obj(d, f->obj, &p, start + n, &v);
			}
		} else
			r = rd_scalar(d, f->kind, f->format, pos, lim, &v);
		pop(&d->w);
		if (r == 0)
			obj = jv_object_set(obj, jv_string(f->name), v);
		else
			jv_free(v);
	}
	if (r == 0 && *pos != lim)
		r = derr(d, *pos, "%zu unexpected bytes at the end",
		    lim - *pos);
	if (r != 0) {
		jv_free(obj);
		return r;
	}
	*out = obj;
	return 0;
}

int
lp2p_codec_decode(const struct lp2p_schema *s, const uint8_t *buf,
    size_t len, jv *out, struct lp2p_err *err)
{
	struct dec d;
	size_t pos = 0;

	*out = jv_invalid();
	d.w.depth = 0;
	d.w.err = err;
	d.buf = buf;
	d.len = len;
	return rd_obj(&d, &s->root, &pos, len, out);
}

/* ---- getPeers replies ------------------------------------------------ */

int
lp2p_peers_encode(jv peers, uint8_t **out, size_t *outlen,
    struct lp2p_err *err)
{
	jv hexes = jv_array();
	int n, r = 0;

	*out = NULL;
	*outlen = 0;
	if (jv_get_kind(peers) != JV_KIND_ARRAY) {
		jv_free(peers);
		jv_free(hexes);
		return lp2p_errf(err, LP2P_ECODEC, "peers: not an array");
	}
	n = jv_array_length(jv_copy(peers));
	for (int i = 0; i < n && r == 0; i++) {
		jv p = jv_array_get(jv_copy(peers), i);
		uint8_t *b;
		size_t bl;
		char *h;

		if ((r = lp2p_codec_encode(&peerinfo_schema, p, &b, &bl,
		    err)) != 0) {
			char m[LP2P_ERR_MSG];

			if (err != NULL) {
				snprintf(m, sizeof(m), "%s", err->msg);
				lp2p_errf(err, r, "peers[%d].%s", i, m);
			}
			break;
		}
		h = lp2p_hex_encode(b, bl);
		free(b);
		if (h == NULL) {
			r = lp2p_errf(err, LP2P_ENOMEM, "out of memory");
			break;
		}
		hexes = jv_array_append(hexes, jv_string(h));
		free(h);
	}
	jv_free(peers);
	if (r != 0) {
		jv_free(hexes);
		return r;
	}
	return lp2p_codec_encode(&peerresp_schema, JV_OBJECT(
	    jv_string("peers"), hexes), out, outlen, err);
}

/*
 * The entries of a peerRequestResponse, counted without building them:
 * the count when buf is nothing but "peers" items (key 0x0a, a shortest
 * varint length, the bytes), else -1 (the full decoder says what is
 * wrong).
 */
static long
peers_count(const uint8_t *buf, size_t len)
{
	size_t i = 0;
	long n = 0;

	while (i < len) {
		uint64_t l = 0;
		int k;

		if (buf[i++] != 0x0a)
			return -1;
		for (k = 0; k < 5; k++) {
			if (i >= len)
				return -1;
			l |= (uint64_t)(buf[i] & 0x7f) << (7 * k);
			if ((buf[i++] & 0x80) == 0)
				break;
		}
		if (k == 5 || (k > 0 && buf[i - 1] == 0) || l > len - i)
			return -1;
		i += (size_t)l;
		n++;
	}
	return n;
}

/*
 * More than max entries: the reply is refused, but as the reference a
 * codec error in any entry wins over the count.  Each entry is decoded
 * and dropped at once, so memory stays that of one entry.
 */
static int
peers_judge_long(const uint8_t *buf, size_t len, long n, size_t max,
    struct lp2p_err *err)
{
	size_t i = 0;
	int r;

	for (long e = 0; e < n; e++) {
		uint64_t l = 0;
		jv p;

		i++;				/* the key, 0x0a */
		for (int k = 0; ; k++) {
			l |= (uint64_t)(buf[i] & 0x7f) << (7 * k);
			if ((buf[i++] & 0x80) == 0)
				break;
		}
		r = lp2p_codec_decode(&peerinfo_schema, buf + i, (size_t)l,
		    &p, err);
		i += (size_t)l;
		if (r != 0) {
			char m[LP2P_ERR_MSG];

			if (err != NULL) {
				snprintf(m, sizeof(m), "%s", err->msg);
				lp2p_errf(err, r, "peers[%ld]: %s", e, m);
			}
			return r;
		}
		jv_free(p);
	}
	(void)len;
	return lp2p_errf(err, LP2P_EPROTO,
	    "getPeers reply: %ld entries, more than %zu", n, max);
}

int
lp2p_peers_decode(const uint8_t *buf, size_t len, size_t max, jv *out,
    struct lp2p_err *err)
{
	jv resp, hexes, res;
	long cnt;
	int n, r;

	*out = jv_invalid();
	/* the count first: 2 MB of empty entries never becomes a list */
	if (max > 0 && buf != NULL &&
	    (cnt = peers_count(buf, len)) > (long)max)
		return peers_judge_long(buf, len, cnt, max, err);
	res = jv_array();
	if ((r = lp2p_codec_decode(&peerresp_schema, buf, len, &resp,
	    err)) != 0) {
		jv_free(res);
		return r;
	}
	hexes = jv_object_get(resp, jv_string("peers"));
	n = jv_array_length(jv_copy(hexes));
	/*
	 * As the reference: every entry must decode (else a codec error),
	 * then the count is judged.  Entries past max are decoded and
	 * dropped, so memory stays bounded by max.
	 */
	for (int i = 0; i < n; i++) {
		jv h = jv_array_get(jv_copy(hexes), i);
		uint8_t *b;
		long bl = lp2p_hex_decode(jv_string_value(h),
		    (size_t)jv_string_length_bytes(jv_copy(h)), &b);
		jv p;

		jv_free(h);
		if (bl < 0) {
			r = lp2p_errf(err, LP2P_ENOMEM, "out of memory");
			break;
		}
		r = lp2p_codec_decode(&peerinfo_schema, b, (size_t)bl, &p,
		    err);
		free(b);
		if (r != 0) {
			char m[LP2P_ERR_MSG];

			if (err != NULL) {
				snprintf(m, sizeof(m), "%s", err->msg);
				lp2p_errf(err, r, "peers[%d]: %s", i, m);
			}
			break;
		}
		if (max == 0 || (size_t)i < max)
			res = jv_array_append(res, p);
		else
			jv_free(p);
	}
	jv_free(hexes);
	if (r == 0 && max > 0 && (size_t)n > max)
		r = lp2p_errf(err, LP2P_EPROTO,
		    "getPeers reply: %d entries, more than %zu", n, max);
	if (r != 0) {
		jv_free(res);
		return r;
	}
	*out = res;
	return 0;
}
