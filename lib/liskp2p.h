/*
 * liskp2p.h — the one public header of libliskp2p, a C implementation of
 * the peer-to-peer layer of Lisk (the wire protocol of @liskhq/lisk-p2p
 * 0.10, LIP 0004).
 *
 * Conventions (STYLE.md): opaque handles, no typedefs, lp2p_ prefix.
 * Functions return 0 or a negative LP2P_E* code (system errors as -errno,
 * libuv codes passed through); detail goes into the caller's struct
 * lp2p_err.  The library never prints, exits or aborts on input.  JSON
 * values cross the API as libjq's jv; a jv argument is consumed unless the
 * comment says otherwise.
 *
 * The header is in sections, one per module; each section is owned by its
 * module and edited only there.
 */
#ifndef LISKP2P_H
#define LISKP2P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jq.h>
#include <jv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LP2P_VERSION_STRING	"0.1.0"

struct uv_loop_s;		/* libuv's loop: include <uv.h> to use */

/* ---- ceilings a program meets too (internal.h has the others) ------- */
#define LP2P_MAX_CMD_LINE	(1024 * 1024)	/* bytes in one stdin command */
#define LP2P_WS_MAX_PAYLOAD	3048576		/* bytes in one WS message */
#define LP2P_MAX_EVENT_NAME	128		/* chars in an event name */
#define LP2P_MAX_JSON_DEPTH	64		/* nesting in a received JSON */
#define LP2P_MAX_PEERS_REPLY	200		/* peers in a getPeers reply */

/* ---- errors (util.c) ------------------------------------------------ */

#define LP2P_EINVAL	(-10001)	/* invalid argument or input */
#define LP2P_EPROTO	(-10002)	/* peer broke the protocol */
#define LP2P_ECODEC	(-10003)	/* lisk-codec decode/encode failure */
#define LP2P_ENOPEERS	(-10004)	/* no peer to send to */
#define LP2P_ETIMEDOUT	(-10005)	/* request or connect timed out */
#define LP2P_ECLOSED	(-10006)	/* connection closed */
#define LP2P_EREFUSED	(-10007)	/* peer refused us (close code) */
#define LP2P_EREMOTE	(-10008)	/* peer answered with an error */
#define LP2P_ENOTFOUND	(-10009)	/* no such peer, entry, key */
#define LP2P_EEXIST	(-10010)	/* already present */
#define LP2P_EFULL	(-10011)	/* a bounded queue or table is full */
#define LP2P_EVERSION	(-10012)	/* file of a newer format version */
#define LP2P_EBANNED	(-10013)	/* address is banned or blacklisted */
#define LP2P_ENOMEM	(-10014)	/* out of memory */

#define LP2P_ERR_MSG	512

struct lp2p_err {
	int	code;			/* the negative code returned */
	char	msg[LP2P_ERR_MSG];	/* "where: what", no newline */
};

/*
 * Record code and a printf-style message in err (which may be NULL) and
 * return code, so that callers can write `return lp2p_errf(err, ...)`.
 */
int	 lp2p_errf(struct lp2p_err *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* A static text for a code: LP2P_E*, -errno or a libuv code. */
const char *lp2p_strerror(int code);
/*
 * The code's name: "LP2P_EINVAL", "ENOENT" (-errno and libuv codes, as
 * libuv names them), "0" for 0, "unknown" otherwise.  Static text (for a
 * system code: the calling thread's, valid until its next call).
 */
const char *lp2p_err_name(int code);

/* ---- bytes helpers (util.c) ---------------------------------------- */

/*
 * Hex and base64 as Lisk uses them.  Encoders return a NUL-terminated
 * malloc'd string (NULL on ENOMEM).  lp2p_hex_decode is strict (even
 * length, [0-9a-fA-F]); it returns the byte count or LP2P_EINVAL.
 * lp2p_b64_decode is Node's lenient decoder (§4.4 of WIRE.md): it skips
 * illegal characters, accepts -_ for +/, stops at the first '='.  Both
 * decoders write into a malloc'd *out (free it) and never fail on ENOMEM
 * silently: they return LP2P_ENOMEM.
 */
char	*lp2p_hex_encode(const uint8_t *data, size_t len);
long	 lp2p_hex_decode(const char *hex, size_t len, uint8_t **out);
char	*lp2p_b64_encode(const uint8_t *data, size_t len);
long	 lp2p_b64_decode(const char *b64, size_t len, uint8_t **out);

/* ---- randomness (util.c) -------------------------------------------- */

/*
 * One source of randomness for the whole library: arc4random by default.
 * lp2p_rand_seed(seed) switches this process to a deterministic generator
 * (for tests); lp2p_rand_seed(0) switches back.
 */
void	 lp2p_rand_seed(uint64_t seed);
uint32_t lp2p_rand_uniform(uint32_t n);	/* [0, n), n > 0 */
void	 lp2p_rand_buf(void *buf, size_t len);

/* ---- codec (codec.c) ------------------------------------------------ */
/* (section owned by codec.c) */

/*
 * lisk-codec 0.5.0 (the binary format of WIRE.md §5), driven by a schema
 * in lisk-codec's JSON form: {"$id", "type":"object", "properties":{NAME:
 * {"dataType": uint32|sint32|uint64|sint64|boolean|bytes|string,
 * "fieldNumber": 1..18999}, NAME: {"type":"object", "fieldNumber",
 * "properties"}, NAME: {"type":"array", "fieldNumber", "items": {dataType
 * or type object}}}}.  Of the other keywords only "format" of bytes is
 * used ("lisk32", "base64"); required, minLength etc. are ignored.
 * Nesting is limited to LP2P_CODEC_MAX_DEPTH levels.
 *
 * Values cross the API in lisk-codec's toJSON form: bytes as lowercase hex
 * strings (upper case accepted on encode; lisk32 addresses or base64 when
 * the schema says so), uint64/sint64 as decimal strings (integral numbers
 * up to 2^53 also accepted on encode), uint32/sint32 as numbers, booleans,
 * UTF-8 strings, objects and arrays.
 */
struct lp2p_schema;			/* compiled schema, layout in codec.c */

#define LP2P_CODEC_MAX_DEPTH	32	/* object nesting levels in a schema */

/*
 * Compile schema (consumed) into *out.  Errors: LP2P_EINVAL with the
 * property path ("properties.options.properties.height: 'fieldNumber'
 * 0 out of 1..18999"), LP2P_ENOMEM.
 */
int	 lp2p_schema_new(struct lp2p_schema **out, jv schema,
	    struct lp2p_err *err);
/* NULL: no-op */
void	 lp2p_schema_free(struct lp2p_schema *schema);
/* The schema's "$id" ("" if it had none); valid while the schema lives. */
const char *lp2p_schema_id(const struct lp2p_schema *schema);

/*
 * Built-in schemas of lisk-p2p, static (lp2p_schema_free ignores them):
 * "/nodeInfo" (default, no options), "/protocolPeerInfo",
 * "/protocolPeerRequestResponse".  NULL for any other id.
 */
const struct lp2p_schema *lp2p_schema_builtin(const char *id);

/*
 * Encode value (consumed) with the schema into a malloc'd *out of *outlen
 * bytes (free it; *out may be non-NULL for 0 bytes).  The value is checked
 * against the schema first: kinds, integer ranges and integrality, hex;
 * every scalar and nested object of the schema must be present, a missing
 * array counts as empty, keys not in the schema are ignored.  Strings are
 * NFC-normalised, as the reference does.  Output is byte-identical to
 * @liskhq/lisk-codec 0.5.0 for every value it accepts.  Errors: LP2P_ECODEC
 * naming the field ("options.height: 4294967296 out of range for uint32"),
 * LP2P_ENOMEM.
 */
int	 lp2p_codec_encode(const struct lp2p_schema *schema, jv value,
	    uint8_t **out, size_t *outlen, struct lp2p_err *err);

/*
 * Decode len bytes into *out (a jv object in the JSON form above).  Exactly
 * as strict as the reference: it accepts precisely what lisk-codec 0.5.0's
 * decode accepts, with the same value (including its quirks: absent arrays
 * decode as [], zero-length objects inside arrays are skipped, a leading
 * UTF-8 BOM is dropped from strings).  Errors: LP2P_ECODEC naming field
 * and byte offset ("options.height: at byte 12: varint not in shortest
 * form"), LP2P_ENOMEM.  Never allocates more than a small multiple of len.
 */
int	 lp2p_codec_decode(const struct lp2p_schema *schema,
	    const uint8_t *data, size_t len, jv *out, struct lp2p_err *err);

/*
 * The nodeInfo schema of WIRE.md §5.2/§5.3: the default one when options
 * is null, else with a field 5 "options" object whose properties are those
 * of the options schema (consumed; a lisk-codec object schema such as
 * lp2p_network_options_schema()).  Free with lp2p_schema_free.
 * nodeInfo values: {"chainID":"hex","networkVersion":"1.0","nonce":"...",
 * "advertiseAddress":true[,"options":{...}]} (encode and decode them with
 * lp2p_codec_encode/lp2p_codec_decode).
 */
int	 lp2p_schema_nodeinfo(struct lp2p_schema **out, jv options,
	    struct lp2p_err *err);

/*
 * A getPeers reply (peerRequestResponse holding encoded peerInfos) to and
 * from a jv array of {"ipAddress":"1.2.3.4","port":7667}.  Encode consumes
 * peers; an empty array gives 0 bytes.  Decode fails (LP2P_ECODEC) if the
 * reply or any entry does not decode; it does not judge the addresses
 * (WIRE.md §7.4 is the caller's job).  Then, as in the reference, more
 * than max (> 0; 0: no limit) entries make it fail with LP2P_EPROTO (the
 * reference's penalty 100); a codec error takes precedence.
 */
int	 lp2p_peers_encode(jv peers, uint8_t **out, size_t *outlen,
	    struct lp2p_err *err);
int	 lp2p_peers_decode(const uint8_t *data, size_t len, size_t max,
	    jv *out, struct lp2p_err *err);

/* ---- addresses (addr.c) --------------------------------------------- */
/* (section owned by addr.c) */

/*
 * Addresses.  A peer is an IPv4 dotted quad and a port, its peerId the
 * text "IP:port" (the reference stores nothing else).  lp2p_addr_parse
 * also reads "[V6]:PORT" for programs that dial; the book refuses IPv6.
 */
#define LP2P_IP_STRLEN		46	/* INET6_ADDRSTRLEN */
#define LP2P_PEERID_STRLEN	56	/* "[" ip "]:" port NUL */

enum lp2p_netclass {			/* the reference's NETWORK enum */
	LP2P_NET_IPV4 = 0,
	LP2P_NET_PRIVATE = 1,
	LP2P_NET_LOCAL = 2,
	LP2P_NET_OTHER = 3
};

struct lp2p_addr {
	int		family;		/* 4 or 6 */
	uint8_t		bytes[16];	/* network order; 4 used for IPv4 */
	uint16_t	port;		/* 1..65535 */
	char		ip[LP2P_IP_STRLEN];	/* canonical text */
};

/*
 * Parse "A.B.C.D:PORT" (strict dotted quad: no leading zeros, each octet
 * <= 255, exactly as lisk-validator's isIPV4) or "[V6]:PORT" into *a.
 * The port is 1..65535 in decimal.  Returns 0 or LP2P_EINVAL with the
 * reason in err.
 */
int	 lp2p_addr_parse(struct lp2p_addr *a, const char *text,
	    struct lp2p_err *err);
/* The same from an IP text (IPv4 strict, or IPv6) and a port. */
int	 lp2p_addr_set(struct lp2p_addr *a, const char *ip, long port,
	    struct lp2p_err *err);
/*
 * peerId of a: "IP:port" for IPv4, "[V6]:port" for IPv6, into buf (at least
 * LP2P_PEERID_STRLEN bytes).  Returns buf.
 */
char	*lp2p_addr_peerid(const struct lp2p_addr *a, char *buf, size_t len);
/*
 * The library's one peerId formatter: "IP:port" of an IP text and a port,
 * as the reference writes a peerId (no brackets), into buf (at least
 * LP2P_PEERID_STRLEN bytes; an ip longer than LP2P_IP_STRLEN + 1 bytes
 * is cut).  Returns buf.
 */
char	*lp2p_peerid(char *buf, const char *ip, uint16_t port);
/* 1 if s is an IPv4 dotted quad as lisk-validator's isIPV4 accepts it. */
int	 lp2p_ipv4_is_valid(const char *ip);
/*
 * The reference's getNetwork() of any text, including its quirks (it reads
 * the text with parseInt per dot-separated group, so "127::1" is LOCAL and
 * "10ab::" PRIVATE).
 */
enum lp2p_netclass lp2p_ip_netclass(const char *ip);
/*
 * The reference's getNetgroup(ip, secret) and getBucketId(): 0 and *out, or
 * LP2P_EINVAL where the reference throws (class OTHER, or a group that does
 * not fit a byte).  source may be NULL or "" (none); it only counts for the
 * new table.  tried selects the tried table's scheme; count is the number
 * of buckets (128 new, 64 tried).
 */
int	 lp2p_ip_netgroup(uint32_t secret, const char *ip, uint32_t *out);
int	 lp2p_ip_bucket(uint32_t secret, const char *ip, const char *source,
	    int tried, uint32_t count, uint32_t *out);

/* ---- PeerBook (book.c, bookfile.c) ---------------------------------- */
/* (section owned by book.c and bookfile.c) */

/*
 * The PeerBook of LIP 0004 as the reference keeps it: a new table (128
 * buckets of 32) and a tried table (64 of 32), bucket ids keyed by a 32-bit
 * secret, bans by IP with expiry, and the static lists.  Every operation is
 * by peerId ("A.B.C.D:PORT"; the book holds IPv4 peers only) and costs
 * O(log n) or a bucket's 32 slots.  Time is always a parameter, in ms since
 * the epoch.  Randomness (eviction, selection) comes from lp2p_rand_*.
 * A book is not thread-safe; one owner at a time.
 */
struct lp2p_book;

#define LP2P_BOOK_NEW_BUCKETS	128
#define LP2P_BOOK_TRIED_BUCKETS	64
#define LP2P_BOOK_BUCKET_SIZE	32
#define LP2P_BOOK_EVICT_AGE	86400000ULL	/* ms: new-table eviction age */
#define LP2P_BOOK_BAN_TIME	86400000ULL	/* ms: default ban */
#define LP2P_BOOK_MAX_FAILURES	3		/* tried -> new at the 3rd */
#define LP2P_BOOK_REPUTATION	100		/* default reputation */
#define LP2P_BOOK_MAX_LIST	1024		/* entries per static list */
#define LP2P_BOOK_MAX_BANS	65536		/* live bans kept */
#define LP2P_BOOK_MAX_CHAIN_ID	32		/* bytes of a chain ID */

enum lp2p_book_table { LP2P_TABLE_NONE = 0, LP2P_TABLE_NEW = 1,
	LP2P_TABLE_TRIED = 2 };
/* Static lists.  Kind by IP: fixed > whitelisted > seed (WIRE.md §11.4). */
enum lp2p_book_list { LP2P_LIST_SEED = 0, LP2P_LIST_FIXED = 1,
	LP2P_LIST_WHITELISTED = 2, LP2P_LIST_BLACKLISTED = 3 };
#define LP2P_BOOK_NLISTS	4
enum lp2p_peer_kind { LP2P_KIND_NONE = 0, LP2P_KIND_SEED = 1,
	LP2P_KIND_WHITELISTED = 2, LP2P_KIND_FIXED = 3 };
/* What lp2p_book_downgrade did. */
enum lp2p_book_move { LP2P_MOVE_NONE = 0, LP2P_MOVE_COUNTED = 1,
	LP2P_MOVE_REMOVED = 2, LP2P_MOVE_TO_NEW = 3 };

/* A copy of one entry, as lookups and iteration hand it out. */
struct lp2p_book_entry {
	char		peer_id[LP2P_PEERID_STRLEN];	/* "A.B.C.D:PORT" */
	char		ip[LP2P_IP_STRLEN];
	uint16_t	port;
	char		source[LP2P_IP_STRLEN];	/* sourceAddress, "" = none */
	int		table;		/* LP2P_TABLE_NEW or _TRIED */
	uint32_t	bucket;		/* bucket id in its table */
	int		kind;		/* enum lp2p_peer_kind, from the lists */
	uint64_t	date_added;	/* ms, when it entered its table */
	uint64_t	last_seen;	/* ms, last connection; 0 = never */
	uint32_t	failures;	/* numOfConnectionFailures */
	int32_t		reputation;	/* as last written by a node */
	int		advertise;	/* advertiseAddress (1 by default) */
};

/*
 * A new empty book with this secret (the reference's uint32 `secret`).
 * Returns 0 or LP2P_ENOMEM.  lp2p_book_free(NULL) is a no-op.
 */
int	 lp2p_book_new(struct lp2p_book **out, uint32_t secret,
	    struct lp2p_err *err);
void	 lp2p_book_free(struct lp2p_book *book);
uint32_t lp2p_book_secret(const struct lp2p_book *book);
/* Chain ID bytes (0..LP2P_BOOK_MAX_CHAIN_ID); get returns the length. */
int	 lp2p_book_set_chain_id(struct lp2p_book *book,
	    const uint8_t *chain_id, size_t len);
size_t	 lp2p_book_chain_id(const struct lp2p_book *book, uint8_t *out);

/*
 * Add ip:port to the new table, learned from source (an IP text, NULL or
 * "" when none), as the reference's PeerBook.addPeer: LP2P_EBANNED if the
 * IP has a live ban (blacklisted IPs may enter), LP2P_EEXIST if the peerId
 * is in either table, LP2P_EINVAL for an address the book cannot hold.  A
 * full bucket first drops its oldest entry added at least
 * LP2P_BOOK_EVICT_AGE ago, else a random one; if evicted is not NULL it
 * receives the dropped entry (peer_id "" when none).
 */
int	 lp2p_book_add(struct lp2p_book *book, const char *ip, uint16_t port,
	    const char *source, uint64_t now, struct lp2p_book_entry *evicted,
	    struct lp2p_err *err);
/*
 * Move a new entry to tried (the reference's upgradePeer: after a
 * successful outbound connection or peer-info update).  0 if it is in
 * tried now (or was), LP2P_ENOTFOUND, LP2P_EBANNED (the entry is removed,
 * as the reference does), LP2P_ENOMEM (the book unchanged).  A full tried
 * bucket drops a random entry (into *evicted when not NULL).
 */
int	 lp2p_book_upgrade(struct lp2p_book *book, const char *peer_id,
	    uint64_t now, struct lp2p_book_entry *evicted);
/*
 * A failed dial (the reference's downgradePeer): trusted peers (seed,
 * fixed, whitelisted by peerId) untouched; a new entry is removed; a tried
 * entry counts a failure and at the LP2P_BOOK_MAX_FAILURES-th goes back to
 * new.  Returns an lp2p_book_move, LP2P_ENOTFOUND or LP2P_ENOMEM (the
 * book unchanged).
 */
int	 lp2p_book_downgrade(struct lp2p_book *book, const char *peer_id,
	    uint64_t now);
/* Remove from whichever table: 0 or LP2P_ENOTFOUND. */
int	 lp2p_book_remove(struct lp2p_book *book, const char *peer_id);
/* Copy the entry out: 0 or LP2P_ENOTFOUND.  e may be NULL (a test). */
int	 lp2p_book_lookup(const struct lp2p_book *book, const char *peer_id,
	    struct lp2p_book_entry *e);

/* Fields a node writes back on connection close (mask of LP2P_UPD_*). */
#define LP2P_UPD_LAST_SEEN	0x1
#define LP2P_UPD_REPUTATION	0x2
#define LP2P_UPD_ADVERTISE	0x4
#define LP2P_UPD_INFO		0x8
/*
 * Update the fields in mask from *e, and the entry's last-seen info (a jv
 * object: nodeInfo, latency..., consumed; pass jv_invalid() without
 * LP2P_UPD_INFO).  0 or LP2P_ENOTFOUND, LP2P_EINVAL.
 */
int	 lp2p_book_update(struct lp2p_book *book, const char *peer_id,
	    unsigned mask, const struct lp2p_book_entry *e, jv info);
/* The entry's info (a copy; jv_null() when none or not found). */
jv	 lp2p_book_info(const struct lp2p_book *book, const char *peer_id);

/*
 * Iterate the entries of the tables in mask (1 << LP2P_TABLE_NEW |
 * 1 << LP2P_TABLE_TRIED), by bucket then insertion order, as the
 * reference lists them.  cb returns nonzero to stop, which is returned.
 * The book must not change during the walk.
 */
int	 lp2p_book_foreach(const struct lp2p_book *book, int mask,
	    int (*cb)(const struct lp2p_book_entry *e, void *arg), void *arg);
size_t	 lp2p_book_count(const struct lp2p_book *book, int mask);
/* Entries in one bucket of a table (for statistics). */
size_t	 lp2p_book_bucket_fill(const struct lp2p_book *book, int table,
	    uint32_t bucket);

/*
 * Ban ip until the given time (ms): every entry of the IP is removed and
 * lp2p_book_add refuses it until then.  A live ban is only extended.
 * port > 0 names the peer that misbehaved: as in the reference, a fixed or
 * whitelisted peerId is not banned; port 0 checks the IP's kind instead.
 * Returns 0, or LP2P_EINVAL (not an IP; a fixed or whitelisted peer).
 */
int	 lp2p_book_ban(struct lp2p_book *book, const char *ip, uint16_t port,
	    uint64_t until, struct lp2p_err *err);
/* Lift a ban: 0 or LP2P_ENOTFOUND. */
int	 lp2p_book_unban(struct lp2p_book *book, const char *ip);
/* 1 if ip has a live ban or is blacklisted at time now, else 0. */
int	 lp2p_book_is_banned(const struct lp2p_book *book, const char *ip,
	    uint64_t now);
/* Forget bans that ended at or before now. */
void	 lp2p_book_expire(struct lp2p_book *book, uint64_t now);
/* Each ban (ip, until), in IP order; cb returns nonzero to stop. */
int	 lp2p_book_foreach_ban(const struct lp2p_book *book,
	    int (*cb)(const char *ip, uint64_t until, void *arg), void *arg);
size_t	 lp2p_book_ban_count(const struct lp2p_book *book);

/*
 * The static lists.  Entries are ip and port (port 0 for the blacklist).
 * add: 0, LP2P_EEXIST, LP2P_EFULL, LP2P_EINVAL (seed, fixed and
 * whitelisted entries must be IPv4 with a port); remove: 0 or
 * LP2P_ENOTFOUND.  Adding to a list does not add to a table.
 */
int	 lp2p_book_list_add(struct lp2p_book *book, int list, const char *ip,
	    uint16_t port, struct lp2p_err *err);
int	 lp2p_book_list_remove(struct lp2p_book *book, int list,
	    const char *ip, uint16_t port);
int	 lp2p_book_list_has(const struct lp2p_book *book, int list,
	    const char *ip, uint16_t port);
size_t	 lp2p_book_list_count(const struct lp2p_book *book, int list);
/* The i-th entry of a list (sorted): 0 or LP2P_ENOTFOUND. */
int	 lp2p_book_list_get(const struct lp2p_book *book, int list, size_t i,
	    const char **ip, uint16_t *port);
/* Kind of an IP (lp2p_peer_kind), and whether a peerId is trusted. */
int	 lp2p_book_kind(const struct lp2p_book *book, const char *ip);
int	 lp2p_book_is_trusted(const struct lp2p_book *book,
	    const char *peer_id);

/*
 * Peer selection (WIRE.md §10): the node's own functions (select.c), on
 * arrays of the caller's peers.  out has room for n pointers into the
 * input; the count is returned (0 also when out of memory).  Only
 * peer_id, outbound and kind are read.
 */
struct lp2p_peerref {
	const char	*peer_id;
	const char	*ip;
	int		 outbound;	/* connection kind: 1 out, 0 in */
	int		 kind;		/* enum lp2p_peer_kind */
	int32_t		 reputation;
	void		*arg;		/* the caller's, untouched */
};
/*
 * send: shuffle; round(limit/2) from the smaller of the outbound and
 * inbound sides (inbound when equal), filled up to limit from the other,
 * then every fixed peer; no peerId twice.
 */
size_t	 lp2p_select_for_send(const struct lp2p_peerref *peers, size_t n,
	    size_t limit, const struct lp2p_peerref **out);
/*
 * request: limit peers at random (limit 0: all, shuffled) among the
 * outbound ones, or among all when none is outbound; the node asks for 1.
 */
size_t	 lp2p_select_for_request(const struct lp2p_peerref *peers, size_t n,
	    size_t limit, const struct lp2p_peerref **out);
/*
 * The populator's choice (§10.3 step 3) with the node's functions, on the
 * book: candidates are all entries but the peerIds in exclude (the pool);
 * up to limit of them by the r rule (limit < 0: all of them), then one per
 * IP, the highest reputation.  At most cap entries are copied to out.
 * Returns the count, or LP2P_ENOMEM.
 */
long	 lp2p_book_select_connect(struct lp2p_book *book,
	    const char *const *exclude, size_t nexclude, long limit,
	    struct lp2p_book_entry *out, size_t cap);
/* n distinct random entries of both tables (getPeers replies), count. */
size_t	 lp2p_book_sample(struct lp2p_book *book, size_t n,
	    struct lp2p_book_entry *out);

/*
 * The PeerBook file (bookfile.c, liskp2p-peerbook(5)): JSON, versioned.
 * load: a new book from path, or LP2P_ENOTFOUND (no file), -errno,
 * LP2P_EVERSION (a newer version: refused by name), LP2P_EINVAL (the
 * message names the field, the peer and its position).  load_mem does the
 * same from memory (name is used in messages).  to_jv is the file's
 * content.
 */
#define LP2P_BOOK_FORMAT	"liskp2p-peerbook"
#define LP2P_BOOK_VERSION	1
#define LP2P_BOOK_MAX_FILE	(64 * 1024 * 1024)	/* bytes of a file */
#define LP2P_BOOK_MAX_INFO	20480		/* bytes of one entry's info */
int	 lp2p_book_load(struct lp2p_book **out, const char *path,
	    struct lp2p_err *err);
int	 lp2p_book_load_mem(struct lp2p_book **out, const char *text,
	    size_t len, const char *name, struct lp2p_err *err);
jv	 lp2p_book_to_jv(const struct lp2p_book *book, uint64_t now);
/*
 * Take and release the book's advisory lock (flock of PATH.lock, created
 * if missing).  lock blocks at most timeout_ms (0: try once); returns a
 * descriptor >= 0, LP2P_ETIMEDOUT or -errno.
 */
int	 lp2p_book_lock(const char *path, unsigned timeout_ms,
	    struct lp2p_err *err);
void	 lp2p_book_unlock(int fd);
/*
 * Replace path by the book atomically (temporary file in the same
 * directory, fsync, rename, fsync of the directory).  The caller holds
 * the lock.  Clears the book's journal.  0 or -errno.
 */
int	 lp2p_book_write(struct lp2p_book *book, const char *path,
	    uint64_t now, struct lp2p_err *err);
/*
 * For a process that keeps a book open beside others (a node): a book from
 * lp2p_book_load, or once written or synced, journals its own changes
 * until its next write.  changed: 1 if the file is not the one this
 * book last read or wrote.  sync: take the lock; if the file changed,
 * load it, replay this book's journal on top and make that this book's
 * content; write; release.  Nothing made by another writer is lost, and
 * the journal is cleared.  Returns 0 or an error from load or write (the
 * file is then left alone).
 */
int	 lp2p_book_changed(const struct lp2p_book *book, const char *path);
int	 lp2p_book_sync(struct lp2p_book *book, const char *path, uint64_t now,
	    struct lp2p_err *err);

/*
 * The one way to open the book of a chain (the node, p2p-peers and
 * p2p-watch -b use it): load path; a book of another chain ID is refused
 * (LP2P_EINVAL: "PATH: the book is for another chain ID: ..."), a book
 * without one takes chain_id (len 0: any chain, nothing set).  When the
 * file does not exist and create is set, a new book (of this secret, as
 * lp2p_book_new) of this chain ID is written at once under the lock, unless another
 * process created it meanwhile (that one is loaded); its directory must
 * exist.  Otherwise the errors of lp2p_book_load (LP2P_ENOTFOUND when
 * absent), lp2p_book_lock and lp2p_book_write; *out is then NULL.
 */
int	 lp2p_book_open(struct lp2p_book **out, const char *path,
	    const uint8_t *chain_id, size_t len, uint32_t secret, int create,
	    uint64_t now, struct lp2p_err *err);

/* ---- connections (ws.c, sc*.c, peer*.c) ----------------------------- */
/* (section owned by peer.c; lp2p_close_reason: peer_query.c) */

/*
 * Close codes a lisk-p2p 0.10 peer sends or meets (WIRE.md §3.8), and
 * lp2p_close_reason(): the reference's text for a code (the SocketCluster
 * text when lisk-p2p has none, "" when unknown).
 */
#define LP2P_CLOSE_NORMAL		1000
#define LP2P_CLOSE_ABNORMAL		1006
#define LP2P_CLOSE_TOO_BIG		1009
#define LP2P_CLOSE_PING_TIMEOUT		4000	/* client: no #1 */
#define LP2P_CLOSE_PONG_TIMEOUT		4001	/* server: nothing in 20 s */
#define LP2P_CLOSE_HANDSHAKE_FAIL	4003
#define LP2P_CLOSE_HANDSHAKE_TIMEOUT	4005
#define LP2P_CLOSE_CONNECT_TIMEOUT	4007
#define LP2P_CLOSE_NO_HANDSHAKE		4009
#define LP2P_CLOSE_SELF			4101
#define LP2P_CLOSE_INCOMPATIBLE		4104
#define LP2P_CLOSE_INVALID_INFO		4105
#define LP2P_CLOSE_DUPLICATE		4404
#define LP2P_CLOSE_EVICTED		4418
#define LP2P_CLOSE_BAD_QUERY		4502
#define LP2P_CLOSE_BAD_ADDRESS		4503

const char *lp2p_close_reason(int code);

/* ---- one-shot connections (conn.c) ---------------------------------- */
/* (section owned by conn.c) */

/*
 * One outbound connection, for clients that ask and go (p2p-send): dial,
 * the lisk-p2p handshake (WIRE.md §2), then requests, one-way messages
 * and a close, with the peer layer's own rules (ack timeouts, rate
 * windows, penalties: the remote may be a reference node, and we behave
 * as its clients do).  The connection never listens and never joins a
 * pool; the P2P node (lp2p_node_*) is for staying in a network.
 */
struct lp2p_conn;

/* Who we say we are; lp2p_conn_config_init sets the defaults. */
struct lp2p_conn_config {
	uint8_t	 chain_id[32];		/* nodeInfo chainID bytes (1..32) */
	size_t	 chain_id_len;
	char	 network_version[32];	/* "1.0" */
	char	 nonce[17];		/* "": 8 random bytes in hex */
	int	 advertise_address;	/* 0: a client is not advertised */
	uint16_t port;			/* query 'port'; 0: random 49152.. */
	/*
	 * Encoded nodeInfo (postNodeInfo, getNodeInfo replies), borrowed
	 * until lp2p_conn_new returns; NULL: the plain /nodeInfo of the
	 * fields above (lp2p_schema_builtin).
	 */
	const uint8_t *nodeinfo;
	size_t	 nodeinfo_len;
	const char *bind;		/* source IPv4 to dial from, or NULL */
	uint32_t connect_timeout;	/* ms, TCP + upgrade: 2000 */
	uint32_t ack_timeout;		/* ms, handshake and requests: 2000 */
};

/* A one-way message or a request the remote sent us. */
struct lp2p_conn_msg {
	const char	*name;		/* event or procedure */
	const uint8_t	*data;		/* decoded bytes, NULL when none */
	size_t		 len;
	int		 has_data;	/* the message had a data field */
	uint64_t	 request_id;	/* requests: for lp2p_conn_respond */
	int		 answered;	/* the library answered it already */
};

/* The outcome of lp2p_conn_request, given to its callback once. */
struct lp2p_conn_reply {
	int		 status;	/* 0, LP2P_ETIMEDOUT, LP2P_EREMOTE,
					   LP2P_ECLOSED, LP2P_EPROTO */
	const uint8_t	*data;		/* the reply's bytes (status 0) */
	size_t		 len;
	int		 has_data;
	const char	*error;		/* remote message or reason, or NULL */
	double		 rtt_ms;
};
typedef void lp2p_conn_reply_fn(struct lp2p_conn *conn,
    const struct lp2p_conn_reply *reply, void *arg);

/* Callbacks (each may be NULL), copied by lp2p_conn_new. */
struct lp2p_conn_cb {
	/* handshake done: requests and messages go out from now */
	void	(*on_connected)(struct lp2p_conn *conn, void *arg);
	void	(*on_message)(struct lp2p_conn *conn,
		    const struct lp2p_conn_msg *msg, void *arg);
	/*
	 * A request; unless msg->answered, answer it with lp2p_conn_respond
	 * or lp2p_conn_respond_error.  NULL: every request is answered
	 * with an error (a client serves nothing).
	 */
	void	(*on_request)(struct lp2p_conn *conn,
		    const struct lp2p_conn_msg *msg, void *arg);
	/*
	 * The remote's postNodeInfo: return 0 if the bytes are a nodeInfo
	 * you accept, else an LP2P_E* code (the remote is penalised 100, as
	 * the reference does).  NULL: accepted.
	 */
	int	(*on_nodeinfo)(struct lp2p_conn *conn, const uint8_t *data,
		    size_t len, void *arg);
	/* We drop the remote for misbehaving (why: which rule); closes. */
	void	(*on_ban)(struct lp2p_conn *conn, const char *why, void *arg);
	/*
	 * The last callback: the close code (ours or the remote's; the
	 * refusal, e.g. 4104, when the handshake failed; 1006 when the
	 * socket died) and its reason.  lp2p_conn_free may be called here.
	 */
	void	(*on_closed)(struct lp2p_conn *conn, int code,
		    const char *reason, int handshake_done, void *arg);
};

void	 lp2p_conn_config_init(struct lp2p_conn_config *cfg);
/*
 * Dial ip:port (an IPv4 dotted quad) and start the handshake; the outcome
 * arrives as on_connected or on_closed, never before this returns.
 * Messages and requests made before on_connected are queued.  Errors
 * (then no callback): LP2P_EINVAL (config, address), LP2P_ENOMEM, the
 * codec's for the default nodeInfo, libuv's.
 */
int	 lp2p_conn_new(struct lp2p_conn **out, struct uv_loop_s *loop,
	    const struct lp2p_conn_config *cfg, const char *ip, uint16_t port,
	    const struct lp2p_conn_cb *cb, void *arg, struct lp2p_err *err);
/*
 * A one-way message (data NULL: no data field).  0, LP2P_ECLOSED,
 * LP2P_EFULL (the write queue is over its bound: the remote is being
 * dropped), LP2P_ENOMEM.
 */
int	 lp2p_conn_send(struct lp2p_conn *conn, const char *event,
	    const uint8_t *data, size_t len);
/*
 * A request; fn is called exactly once (reply, remote error, ack_timeout
 * or close), never before this returns.  0 or the error of send.
 */
int	 lp2p_conn_request(struct lp2p_conn *conn, const char *procedure,
	    const uint8_t *data, size_t len, lp2p_conn_reply_fn *fn,
	    void *arg);
/* Answer a request: 0, LP2P_ENOTFOUND (unknown, answered, expired). */
int	 lp2p_conn_respond(struct lp2p_conn *conn, uint64_t request_id,
	    const uint8_t *data, size_t len);
int	 lp2p_conn_respond_error(struct lp2p_conn *conn, uint64_t request_id,
	    const char *message);
/*
 * Close with code: reason NULL sends a close frame alone (what the
 * reference's clients send, WIRE.md §15.2), else a #disconnect with the
 * reason first.  Not sooner than 1.5 s after our last getNodeInfo or
 * getPeers on this connection: a reference peer carries its 1-s request
 * counts into our next connection and would count them twice.  Requests
 * in flight fail with LP2P_ECLOSED; on_closed follows, never from inside
 * this call.  Idempotent.
 */
void	 lp2p_conn_close(struct lp2p_conn *conn, int code,
	    const char *reason);
/* The remote's peerId, "IP:port". */
const char *lp2p_conn_peer_id(const struct lp2p_conn *conn);
/* Free after on_closed (in it or later); NULL is a no-op. */
void	 lp2p_conn_free(struct lp2p_conn *conn);

/* ---- node (pool.c, node.c) ------------------------------------------ */
/* (section owned by node.c) */

/*
 * The P2P node: a PeerServer, a PeerPool and a PeerBook on one libuv
 * loop, behaving as @liskhq/lisk-p2p 0.10's P2P class.  Every event the
 * reference emits reaches on_event as a jv object shaped
 * {"ts":"2026-11-23T19:50:01.123Z","type":"EVENT_...","peerId":..., ...}
 * (liskp2p-events(7) lists every type and field).
 */
struct lp2p_node;
struct uv_loop_s;

#define LP2P_NODE_MAX_LIST	1024	/* entries in one configured list */

/* The P2PConfig of the reference; lp2p_node_config_init sets defaults. */
struct lp2p_node_config {
	char	 host_ip[48];		/* listen and dial-from; "0.0.0.0" */
	uint16_t port;			/* listening port (0: any) */
	uint8_t	 chain_id[32];		/* nodeInfo chainID */
	size_t	 chain_id_len;
	char	 network_version[32];	/* "1.0" */
	char	 nonce[17];		/* "" = 8 random bytes in hex */
	int	 advertise_address;	/* 1 */
	/*
	 * Custom nodeInfo options (WIRE.md 5.3): a lisk-codec object schema
	 * and the initial options value, or jv_invalid() (all-zero memory,
	 * as lp2p_node_config_init leaves them) for none.  Owned by the
	 * config: lp2p_node_config_release frees them.
	 */
	jv	 options_schema;
	jv	 options;
	char	*book_path;		/* PeerBook file or NULL (in memory) */
	/*
	 * "IP:port" (fixed, seed, whitelisted) or "IP" (blacklist): arrays
	 * of at most LP2P_NODE_MAX_LIST, grown by lp2p_node_config_add and
	 * freed by lp2p_node_config_release (NULL: empty).
	 */
	char	**seeds;
	size_t	 nseeds;
	char	**fixed;
	size_t	 nfixed;
	char	**whitelist;
	size_t	 nwhitelist;
	char	**blacklist;
	size_t	 nblacklist;
	/* the reference's numeric options (ms, counts, ratios) */
	uint32_t connect_timeout;		/* 2000 */
	uint32_t ack_timeout;			/* 2000 */
	uint32_t populator_interval;		/* 10000 */
	uint32_t fallback_seed_peer_discovery_interval;	/* 30000 */
	uint32_t max_outbound_connections;	/* 20 */
	uint32_t max_inbound_connections;	/* 100; 0: no server */
	uint32_t ws_max_payload;		/* 3048576 */
	uint64_t peer_ban_time;			/* 86400000 */
	uint32_t send_peer_limit;		/* 16 */
	uint32_t outbound_shuffle_interval;	/* 300000 */
	double	 netgroup_protection_ratio;	/* 0.034 */
	double	 latency_protection_ratio;	/* 0.068 */
	double	 productivity_protection_ratio;	/* 0.068 */
	double	 longevity_protection_ratio;	/* 0.5 */
	uint32_t ws_max_message_rate;		/* 100 per second */
	uint32_t ws_max_message_rate_penalty;	/* 10 */
	uint32_t rate_calculation_interval;	/* 1000 */
	uint32_t peer_status_message_rate;	/* 4 */
	uint32_t minimum_peer_discovery_threshold;	/* 100 */
	uint32_t max_peer_discovery_response_length;	/* 200 */
	uint32_t max_peer_info_size;		/* 20480 */
	uint32_t min_tried_peer_count;		/* 100 */
	uint32_t secret;			/* 0: random per process */
	uint32_t book_sync_interval;		/* ms, book save/merge: 1000 */
	/*
	 * Local policy beyond the reference (issue 12, lib/policy.c).  0:
	 * the default, which holds for routable addresses only; a value
	 * given holds for loopback and private addresses too.
	 */
	uint32_t max_inbound_per_ip;		/* 0: LP2P_POLICY_PER_IP */
	uint32_t max_inbound_per_netgroup;	/* 0: LP2P_POLICY_PER_NETGROUP */
};

/* Defaults of the local policy (routable addresses). */
#define LP2P_POLICY_PER_IP		4	/* inbound from one IP */
#define LP2P_POLICY_PER_NETGROUP	16	/* inbound from one /16 */
#define LP2P_POLICY_UPGRADING_PER_IP	4	/* upgrades at once from one IP */
#define LP2P_POLICY_OUT_PER_NETGROUP	2	/* outbound to one /16 */

void	 lp2p_node_config_init(struct lp2p_node_config *cfg);
/* Free the strings and lists of a config (not the struct). */
void	 lp2p_node_config_release(struct lp2p_node_config *cfg);
/*
 * Append "IP:port" (list 's' seed, 'f' fixed, 'w' whitelisted) or "IP"
 * ('b' blacklisted), validated; LP2P_EINVAL, LP2P_EFULL.
 */
int	 lp2p_node_config_add(struct lp2p_node_config *cfg, int list,
	    const char *addr, struct lp2p_err *err);
/*
 * Why lp2p_node_new leaves out the configured peer "IP:port" (a seed,
 * fixed or whitelisted entry), or NULL when it keeps it: the node's own
 * host_ip and port (other ports on the same IP are other nodes), or a
 * blacklisted IP.  The reason is a static string.
 */
const char *lp2p_node_config_ignored(const struct lp2p_node_config *,
	    const char *);
/*
 * Set a numeric option by the reference's P2PConfig name
 * ("populatorInterval", "wsMaxMessageRate", ...) from text.  LP2P_EINVAL
 * (unknown key, bad number) with the reason in err.
 */
int	 lp2p_node_config_set(struct lp2p_node_config *cfg, const char *key,
	    const char *value, struct lp2p_err *err);
/* The option names lp2p_node_config_set knows, NULL-terminated. */
extern const char *const lp2p_node_option_names[];

struct lp2p_node_cb {
	/* every event; on_event owns event and must free it */
	void	(*on_event)(struct lp2p_node *node, jv event, void *arg);
	/* after lp2p_node_stop, once every handle is closed */
	void	(*on_closed)(struct lp2p_node *node, void *arg);
};

/*
 * Create a node on loop (config copied; its strings stay the caller's).
 * Loads the PeerBook (creating an absent file).  Returns 0 or an error.
 */
int	 lp2p_node_new(struct lp2p_node **out, struct uv_loop_s *loop,
	    const struct lp2p_node_config *cfg, const struct lp2p_node_cb *cb,
	    void *arg, struct lp2p_err *err);
/* Listen, dial seeds, start the populator.  Never calls back first. */
int	 lp2p_node_start(struct lp2p_node *node, struct lp2p_err *err);
/*
 * Stop: every peer disconnected with 1000 "Intentionally removed peer
 * <id>", the book saved, timers closed; on_closed follows.  Idempotent.
 */
void	 lp2p_node_stop(struct lp2p_node *node);
/* After on_closed. */
void	 lp2p_node_free(struct lp2p_node *node);
/* The bound listening port (after start), or 0. */
int	 lp2p_node_port(const struct lp2p_node *node);

/*
 * Backpressure.  lp2p_node_pause_reads(n, true) stops reading from every
 * open peer (TCP flow control then slows the senders); false reads
 * again.  Timers and writes go on, handshakes in progress are not held
 * up.  While paused the node answers nothing it has not read: hold a
 * pause at most about 1 s (a reference client's requests time out after
 * 2 s, SocketCluster's ping after 20 s), then read again and drop events
 * if the consumer is still behind.
 */
void	 lp2p_node_pause_reads(struct lp2p_node *node, bool pause);

/*
 * Line sink: the hot path for a consumer that writes NDJSON.  A received
 * message in the common envelope ({"event":"remote-message","data":
 * {"event":NAME,"data":BASE64}}, plain ASCII) reaches it as its event
 * line instead of on_event: the bytes jv_dump_string(event, 0) gives for
 * the event on_event would have received, and a newline, written in
 * place with no jv built.  reserve(n, arg) returns room for n bytes (or
 * NULL: the event is dropped, the sink counts it); commit(len, arg) says
 * the first len bytes are the line.  Any other event still goes to
 * on_event.  A NULL sink (or reserve) turns the hot path off.
 */
struct lp2p_line_sink {
	char	*(*reserve)(size_t n, void *arg);
	void	 (*commit)(size_t len, void *arg);
	void	*arg;
};
void	 lp2p_node_set_line_sink(struct lp2p_node *node,
	    const struct lp2p_line_sink *sink);

/*
 * Commands: cmd is one object of liskp2p-events(7)'s command table
 * ({"op":"send","event":"x","data":"00ff"}, ...), consumed.  fn is called
 * exactly once with the result object (consumed by fn): {"op":...,
 * result fields} or {"op":..., "error":"..."}; "invalid":true marks a
 * command that could not be understood.  fn may be called before
 * lp2p_node_command returns.
 */
typedef void lp2p_node_result_fn(struct lp2p_node *node, jv result,
    void *arg);
void	 lp2p_node_command(struct lp2p_node *node, jv cmd,
	    lp2p_node_result_fn *fn, void *arg);

/* The same operations from C (data: bytes, may be NULL). */
int	 lp2p_node_send(struct lp2p_node *node, const char *event,
	    const uint8_t *data, size_t len, struct lp2p_err *err);
int	 lp2p_node_broadcast(struct lp2p_node *node, const char *event,
	    const uint8_t *data, size_t len, struct lp2p_err *err);
int	 lp2p_node_send_to_peer(struct lp2p_node *node, const char *peer_id,
	    const char *event, const uint8_t *data, size_t len,
	    struct lp2p_err *err);
int	 lp2p_node_apply_penalty(struct lp2p_node *node, const char *peer_id,
	    int penalty, struct lp2p_err *err);
/* A copy of the node's nodeInfo as JSON (chainID hex). */
jv	 lp2p_node_info(const struct lp2p_node *node);

/*
 * request (peer_id NULL: a peer picked as the reference's request() picks,
 * WIRE.md §10.2) and requestFromPeer (peer_id given).  fn is called
 * exactly once with the outcome, never before this returns; reply and
 * its bytes are valid during the call only.  Errors (then no callback):
 * LP2P_EINVAL (procedure name), LP2P_ENOTFOUND (no such peer),
 * LP2P_ENOPEERS (none to pick), LP2P_ENOMEM, the peer's send errors.
 */
struct lp2p_node_reply {
	int		 status;	/* 0, LP2P_ETIMEDOUT, LP2P_EREMOTE,
					   LP2P_ECLOSED, LP2P_EPROTO */
	const char	*peer_id;	/* who answered (or failed to) */
	const uint8_t	*data;		/* the reply's bytes (status 0) */
	size_t		 len;
	int		 has_data;
	const char	*error;		/* remote message or reason, or NULL */
	double		 rtt_ms;
};
typedef void lp2p_node_reply_fn(struct lp2p_node *node,
    const struct lp2p_node_reply *reply, void *arg);
int	 lp2p_node_request(struct lp2p_node *node, const char *peer_id,
	    const char *procedure, const uint8_t *data, size_t len,
	    lp2p_node_reply_fn *fn, void *arg, struct lp2p_err *err);
/*
 * Answer the request of an EVENT_REQUEST_RECEIVED event by its
 * requestId (the reference's request.end(data) and request.error()).
 * LP2P_ENOTFOUND when it was answered, expired (10 s) or never existed;
 * the peer's errors otherwise.
 */
int	 lp2p_node_respond(struct lp2p_node *node, uint64_t request_id,
	    const uint8_t *data, size_t len, struct lp2p_err *err);
int	 lp2p_node_respond_error(struct lp2p_node *node, uint64_t request_id,
	    const char *message, struct lp2p_err *err);
/*
 * getConnectedPeers and getDisconnectedPeers: a new jv array of
 * {"peerId","ipAddress","port","chainID","networkVersion","nonce",
 * "options"} as the reference lists them (advertised peers only;
 * disconnected: the book's entries not connected, nodeInfo fields null).
 */
jv	 lp2p_node_connected_peers(struct lp2p_node *node);
jv	 lp2p_node_disconnected_peers(struct lp2p_node *node);

/*
 * Strict RFC 8259 syntax check of one JSON text (one value, optional
 * whitespace around it), iterative, nesting at most maxdepth.  Run it on
 * outside text before jv_parse_sized: libjq 1.6 leaks memory on some
 * invalid input.  0, or LP2P_EINVAL with "at byte N: ..." in err.
 */
int	 lp2p_json_check(const char *text, size_t len, int maxdepth,
	    struct lp2p_err *err);

/*
 * A growing byte buffer (start from all zeros; free(p) when done) and the
 * library's compact JSON writer.  lp2p_json_dump appends v (borrowed) byte
 * for byte as jv_dump_string(v, 0) writes it, without building a jv
 * string (the event lines of p2p-node and p2p-watch).  Both return 0 or
 * LP2P_ENOMEM; on error the buffer holds what it held before.
 */
struct lp2p_buf {
	char	*p;
	size_t	 len;			/* bytes used */
	size_t	 cap;			/* bytes allocated */
};
int	 lp2p_buf_add(struct lp2p_buf *b, const void *data, size_t len);
int	 lp2p_json_dump(struct lp2p_buf *b, jv v);
/*
 * A new event object {"ts": now as ISO 8601 UTC with milliseconds,
 * "type": type}: how every event line of the library and the programs
 * starts.
 */
jv	 lp2p_event_new(const char *type);

/* ---- metrics (metrics.c) --------------------------------------------- */
/* (section owned by metrics.c) */

/*
 * Prometheus metrics: the text exposition format 0.0.4 served over HTTP
 * from the caller's libuv loop (no thread).  lp2p_metrics_new listens on
 * "[ADDR:]PORT" (IPv4; ADDR 0.0.0.0 when absent; PORT 0: any, see
 * lp2p_metrics_port) and answers GET /metrics (or /) with what collect
 * writes through lp2p_mtext_*, followed by the server's own counters and
 * the process metrics (process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_start_time_seconds).
 * collect is called from inside the loop, once per scrape.  Each client
 * gets one answer and is closed; at most LP2P_METRICS_MAX_CLIENTS at a
 * time (more are closed at once), LP2P_METRICS_MAX_REQUEST bytes of
 * request (431), LP2P_METRICS_TIMEOUT ms (408); a request that does not
 * parse gets 400, another method 405, another path 404.  Errors of new:
 * LP2P_EINVAL (address), LP2P_ENOMEM, libuv's (EADDRINUSE...); *out is
 * then NULL.  lp2p_metrics_close stops listening, closes the clients and
 * calls done(arg) once every handle is closed; free after that.
 */
#define LP2P_METRICS_MAX_CLIENTS 64		/* scrape connections */
#define LP2P_METRICS_MAX_REQUEST 8192		/* bytes of one request */
#define LP2P_METRICS_TIMEOUT	5000		/* ms per client */
#define LP2P_METRICS_MAX_TEXT	(16 * 1024 * 1024)	/* bytes of a page */
struct lp2p_metrics;
struct lp2p_mtext;			/* the page being written */
typedef void lp2p_metrics_collect_fn(struct lp2p_mtext *, void *);
int	 lp2p_metrics_new(struct lp2p_metrics **, struct uv_loop_s *,
	    const char *, lp2p_metrics_collect_fn *, void *,
	    struct lp2p_err *);
int	 lp2p_metrics_port(const struct lp2p_metrics *);
void	 lp2p_metrics_close(struct lp2p_metrics *, void (*)(void *), void *);
void	 lp2p_metrics_free(struct lp2p_metrics *);	/* NULL: no-op */
/*
 * Write into a page: a family's "# HELP" and "# TYPE" lines (type
 * counter, gauge, histogram, untyped), then its samples: name (with a
 * _bucket/_sum/_count suffix for histograms), labels as a NULL-terminated
 * list of key, value, key, value (values escaped here; NULL: none), and
 * the value.  Past LP2P_METRICS_MAX_TEXT the scrape fails with 500.
 */
void	 lp2p_mtext_head(struct lp2p_mtext *, const char *, const char *,
	    const char *);
void	 lp2p_mtext_sample(struct lp2p_mtext *, const char *,
	    const char *const *, double);
/* The process metrics (the server adds them to every page itself). */
void	 lp2p_metrics_process(struct lp2p_mtext *);
/*
 * A node's metrics, lisk_p2p_*: peers by direction and kind, connections
 * opened and closed (by close code), messages and requests by direction
 * and name (Lisk Core 4's and lisk-p2p's names, anything else "other"),
 * bytes, penalties and penalty points by reason, bans, the round-trip
 * histogram, book entries and bans.  liskp2p(3) lists them.
 */
void	 lp2p_node_metrics(struct lp2p_node *, struct lp2p_mtext *);

/* ---- network presets (network.c) ------------------------------------ */
/* (section owned by network.c) */

/*
 * Network presets: mainnet, testnet, devnet of Lisk Core 4
 * (LISK-CORE-4.md §4), each with its chain ID, network version, default
 * port, seed host names (resolve them yourself; all on the default port),
 * the nodeInfo options schema of Lisk Core 4 (WIRE.md §5.3) with its
 * initial value, and the names of the application's events and procedures
 * (LISK-CORE-4.md §2; getNodeInfo, getPeers and ping belong to lisk-p2p
 * itself and are not listed).  Presets are static: never freed.
 */
struct lp2p_network;

#define LP2P_CHAIN_ID_MAX	32	/* bytes in a chain ID we accept */

/* A preset by name, or NULL.  lp2p_network_at(i) walks them (NULL at end). */
const struct lp2p_network *lp2p_network_find(const char *name);
const struct lp2p_network *lp2p_network_at(size_t i);
/* "mainnet, testnet, devnet", for messages. */
const char *lp2p_network_names(void);

const char *lp2p_network_name(const struct lp2p_network *net);
/* The chain ID's bytes; its length in *len (4 for every preset). */
const uint8_t *lp2p_network_chain_id(const struct lp2p_network *net,
	    size_t *len);
/* "5.0" */
const char *lp2p_network_version(const struct lp2p_network *net);
uint16_t lp2p_network_port(const struct lp2p_network *net);	/* 7667 */
/* NULL-terminated lists of static strings. */
const char *const *lp2p_network_seeds(const struct lp2p_network *net);
const char *const *lp2p_network_events(const struct lp2p_network *net);
const char *const *lp2p_network_procedures(const struct lp2p_network *net);
/* 1 if name is one of the preset's events (procedures), else 0. */
int	 lp2p_network_has_event(const struct lp2p_network *net,
	    const char *name);
int	 lp2p_network_has_procedure(const struct lp2p_network *net,
	    const char *name);

/*
 * The nodeInfo options schema (lisk-codec JSON, $id "/nodeInfo/custom":
 * height, maxHeightPrevoted, blockVersion uint32, lastBlockID bytes,
 * legacy array of bytes) and its initial value {"height":0,
 * "maxHeightPrevoted":0,"blockVersion":0,"lastBlockID":"","legacy":[]}.
 * New jv values, owned by the caller.
 */
jv	 lp2p_network_options_schema(const struct lp2p_network *net);
jv	 lp2p_network_default_options(const struct lp2p_network *net);

/*
 * Lisk Core 4 payload schemas (lisk-codec JSON, a new jv) by name:
 * "block", "blockHeader", "signingBlockHeader", "blockAsset",
 * "transaction", "postBlockEvent", "postTransactionsAnnouncement",
 * "singleCommitsNetworkPacket", "singleCommit", "unsignedCertificate",
 * "aggregateCommit", "getBlocksFromIdRequest", "getBlocksFromIdResponse",
 * "getHighestCommonBlockRequest", "getHighestCommonBlockResponse",
 * "getTransactionsRequest", "getTransactionsResponse",
 * "getLegacyBlocksFromIdRequest", "randomBlockAsset", "nodeInfo",
 * "customNodeInfo" and the command params ("tokenTransferParams",
 * "posStakeParams", ...: see lp2p_network_params_schema).  An unknown
 * name gives jv_invalid().  lp2p_network_schema_at(i) gives the i-th
 * name (NULL at the end).
 */
jv	 lp2p_network_schema(const char *name);
const char *lp2p_network_schema_at(size_t i);
/*
 * The schema name of the data of an event or procedure: of the request
 * (response == 0) or of the response (1).  NULL when there is no data
 * ("getLastBlock" request) or the name is unknown.  "postNodeInfo" and
 * "getNodeInfo" give "nodeInfo", "getPeers" "peerRequestResponse" (see
 * lp2p_schema_builtin and lp2p_schema_nodeinfo).
 */
const char *lp2p_network_payload_schema(const char *name, int response);
/* The params schema name of a transaction's module:command, or NULL. */
const char *lp2p_network_params_schema(const char *module,
	    const char *command);

/*
 * Decode the data of a Lisk Core 4 event or procedure (name; response 0
 * for the request or message, 1 for an RPC response) all the way down,
 * for people to read: blocks become {"header":{...,"id"},"transactions":
 * [{...,"id","paramsDecoded"}],"assets":[{"module","data","dataDecoded"}]}
 * (ids are sha256 of the bytes as carried; paramsDecoded when the command
 * is known, dataDecoded for the random module), commits, transactions and
 * nodeInfo (with the network's options schema; net may be NULL for a
 * network without one) are decoded, getPeers gives {"peers":[{ipAddress,
 * port}]}.  Data of a name without data (getLastBlock request) must be
 * empty and gives null.  Errors: LP2P_ENOTFOUND for a name with no known
 * schema, LP2P_ECODEC naming the part ("block: transactions[1]: params:
 * fee: at byte 9: ..."), LP2P_EFULL for more than 10,000 blocks,
 * transactions, assets or commits in one array, LP2P_ENOMEM.  *out is
 * valid only on success.
 */
int	 lp2p_network_decode(const struct lp2p_network *net, const char *name,
	    int response, const uint8_t *data, size_t len, jv *out,
	    struct lp2p_err *err);

/* ---- watch: Lisk Core 4 payloads, jq filters, crawl ----------------- */
/* (section owned by liskcore.c, filter.c and crawl.c) */

/*
 * lisk32 addresses (LISK-CORE-4.md §3): "lsk" + 38 characters for 20
 * address bytes.  Encode returns 0, or LP2P_EINVAL unless len is 20;
 * decode returns 0, or LP2P_EINVAL for a wrong prefix, length, character
 * or checksum.
 */
#define LP2P_ADDRESS_LEN	20	/* bytes of a Lisk address */
#define LP2P_LISK32_LEN		41	/* characters of its lisk32 form */
int	 lp2p_lisk32_encode(const uint8_t *address, size_t len,
	    char out[LP2P_LISK32_LEN + 1]);
int	 lp2p_lisk32_decode(const char *text, uint8_t out[LP2P_ADDRESS_LEN]);

/*
 * Lisk Core 4 payloads made readable.  lp2p_liskcore_new compiles the
 * Core 4 schemas once (free with lp2p_liskcore_free; NULL is a no-op).
 * lp2p_liskcore_decode takes the kind (an event's data, a request's data
 * or a response's data), the event or procedure name, and the bytes; on
 * success *out is a readable object (blocks: height, id, timestamp and
 * timestampISO, generatorAddress in lisk32, transaction ids and
 * summaries, counts).  Errors: LP2P_ENOTFOUND for a name Core 4 does not
 * use in that kind (getNodeInfo and getPeers belong to lisk-p2p),
 * LP2P_ECODEC for bytes that do not decode, LP2P_EFULL beyond a ceiling;
 * *out is then invalid.  The bytes are only read.
 */
#define LP2P_LC_EVENT		0	/* one-way message data */
#define LP2P_LC_REQUEST		1	/* rpc-request data */
#define LP2P_LC_RESPONSE	2	/* rpc response data */
struct lp2p_liskcore;
int	 lp2p_liskcore_new(struct lp2p_liskcore **out, struct lp2p_err *err);
void	 lp2p_liskcore_free(struct lp2p_liskcore *lc);
int	 lp2p_liskcore_decode(const struct lp2p_liskcore *lc, int kind,
	    const char *name, const uint8_t *data, size_t len, jv *out,
	    struct lp2p_err *err);

/*
 * A jq program run in-process (libjq), for --filter.  lp2p_filter_new
 * compiles it (LP2P_EINVAL with jq's message when it does not compile).
 * lp2p_filter_run feeds one input (consumed) and calls emit with each
 * output (emit owns it), in order, before it returns; it returns 0, or
 * LP2P_EINVAL with jq's message for a run-time error (outputs before the
 * error were emitted), or LP2P_EFULL past 10,000 outputs for one input.
 */
struct lp2p_filter;
int	 lp2p_filter_new(struct lp2p_filter **out, const char *program,
	    struct lp2p_err *err);
int	 lp2p_filter_run(struct lp2p_filter *f, jv input,
	    void (*emit)(jv output, void *arg), void *arg,
	    struct lp2p_err *err);
void	 lp2p_filter_free(struct lp2p_filter *f);

/*
 * Crawl: walk a network by getPeers from the seeds (p2p-watch --crawl).
 * Every peer learned is contacted once, `parallel` at a time: handshake
 * (advertiseAddress false, never listening), getNodeInfo, getPeers,
 * close.  on_peer receives one record per contacted peer (owned by the
 * callee): {"type":"PEER","peerId","reachable":true,"rttMs","nodeInfo",
 * "peersAdvertised"} or {"type":"PEER","peerId","reachable":false,
 * "error":{"kind","code"?,"reason"?}} with kind one of timeout, reset,
 * refused, closed, invalid-nodeinfo, remote-error, protocol, error.
 * on_done receives the summary {"type":"SUMMARY","discovered",
 * "reachable","unreachable","notContacted","durationMs","errors":{kind:
 * count}} once, after which lp2p_crawl_free may be called (and not
 * before).  Seeds are "IPv4:port" (LP2P_EINVAL otherwise).
 * lp2p_crawl_stop ends early: no new probe, open ones closed, on_done
 * follows.  With watch set, up to `parallel` peers stay connected and
 * on_event receives events shaped as the node's: {"ts","type":
 * "EVENT_CONNECT_OUTBOUND", "peerId", ...} (liskp2p-events(7)); closed
 * peers are retried after a back-off; the run ends with lp2p_crawl_stop.
 * lp2p_crawl_dot gives the topology seen so far as Graphviz DOT (a jv
 * string; edges only when keep_graph was set).  No function here calls
 * back before it returns; every callback owns the jv it receives.
 * lp2p_crawl_new copies the config (options with jv_copy: the caller
 * still frees its own); errors LP2P_EINVAL (parallel, chain ID), ENOMEM,
 * or the codec's when the nodeInfo does not encode.
 */
#define LP2P_CRAWL_MAX_PEERS	100000	/* peers one crawl keeps */
#define LP2P_CRAWL_MAX_PARALLEL	1000	/* connections at a time */
struct lp2p_crawl;
struct uv_loop_s;
struct lp2p_schema;
struct lp2p_crawl_config {
	uint8_t	 chain_id[32];		/* nodeInfo chainID bytes */
	size_t	 chain_id_len;
	char	 network_version[32];	/* "1.0" */
	jv	 options;		/* nodeInfo options (copied) or null */
	const struct lp2p_schema *nodeinfo_schema; /* NULL: plain /nodeInfo */
	uint16_t port;			/* query 'port' we announce: 7667 */
	const char *bind;		/* source address to dial from, or NULL */
	uint32_t parallel;		/* connections at a time: 10 */
	uint32_t max_peers;		/* peers to keep: LP2P_CRAWL_MAX_PEERS */
	uint32_t connect_timeout;	/* ms: 2000 */
	uint32_t ack_timeout;		/* ms per request: 2000 */
	int	 keep_graph;		/* remember who advertised whom */
	int	 watch;			/* watch mode: stay connected */
	uint32_t max_message_rate;	/* wsMaxMessageRate per peer: 0 = 100 */
};
struct lp2p_crawl_cb {
	void	(*on_peer)(struct lp2p_crawl *crawl, jv record,
		    void *arg);				/* crawl */
	void	(*on_event)(struct lp2p_crawl *crawl, jv event,
		    void *arg);				/* watch */
	void	(*on_done)(struct lp2p_crawl *crawl, jv summary, void *arg);
};
struct lp2p_crawl_stats {
	uint32_t discovered, queued, active, reachable, unreachable;
	double	 elapsed_ms;
};
void	 lp2p_crawl_config_init(struct lp2p_crawl_config *cfg);
int	 lp2p_crawl_new(struct lp2p_crawl **out, struct uv_loop_s *loop,
	    const struct lp2p_crawl_config *cfg,
	    const struct lp2p_crawl_cb *cb, void *arg, struct lp2p_err *err);
int	 lp2p_crawl_add(struct lp2p_crawl *crawl, const char *peer_id,
	    struct lp2p_err *err);
int	 lp2p_crawl_start(struct lp2p_crawl *crawl, struct lp2p_err *err);
void	 lp2p_crawl_stop(struct lp2p_crawl *crawl);
/* Watch mode: as lp2p_node_pause_reads and lp2p_node_set_line_sink. */
void	 lp2p_crawl_pause_reads(struct lp2p_crawl *crawl, bool pause);
void	 lp2p_crawl_set_line_sink(struct lp2p_crawl *crawl,
	    const struct lp2p_line_sink *sink);
void	 lp2p_crawl_stats(const struct lp2p_crawl *crawl,
	    struct lp2p_crawl_stats *st);
jv	 lp2p_crawl_dot(const struct lp2p_crawl *crawl);
void	 lp2p_crawl_free(struct lp2p_crawl *crawl);

#ifdef __cplusplus
}
#endif

#endif /* LISKP2P_H */
