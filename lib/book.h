/*
 * book.h — the PeerBook's layout, shared by book.c and bookfile.c only.
 */
#ifndef LP2P_BOOK_H
#define LP2P_BOOK_H

#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>

/* libbsd's <sys/tree.h> needs it; its <sys/cdefs.h> leaves it out */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/queue.h>
#include <sys/tree.h>

#include "liskp2p.h"

#define LP2P_BOOK_MAX_JOURNAL	100000	/* pending changes kept for sync */

struct lp2p__entry {
	RB_ENTRY(lp2p__entry) node;		/* book->peers, by key */
	uint64_t	key;			/* ip << 16 | port */
	char		ip[16];			/* dotted quad */
	uint16_t	port;
	uint8_t		table;			/* LP2P_TABLE_* */
	uint8_t		bucket;
	uint32_t	dense;			/* index in table->dense */
	uint32_t	mark;			/* selection epoch */
	char		*source;		/* NULL = none */
	uint64_t	date_added, last_seen;
	uint32_t	failures;
	int32_t		reputation;
	int		advertise;
	jv		info;			/* jv_null() when none */
};
RB_HEAD(lp2p__etree, lp2p__entry);

struct lp2p__bucket {
	struct lp2p__entry *e[LP2P_BOOK_BUCKET_SIZE];	/* insertion order */
	unsigned	 n;
};

/*
 * A table's memory comes as entries do (book.c's table_reserve): a
 * bucket is allocated when first filled, the dense array doubles up to
 * nbuckets * LP2P_BOOK_BUCKET_SIZE, so an empty book holds neither.
 */
struct lp2p__table {
	struct lp2p__bucket **b;	/* nbuckets; NULL: never filled */
	uint32_t	 nbuckets;
	struct lp2p__entry **dense;	/* every entry, any order */
	size_t		 n, cap;	/* in dense, room in dense */
};

/*
 * One ban: by IP in the tree, by end time in the heap (book->banheap, a
 * binary min-heap of at most LP2P_BOOK_MAX_BANS pointers), so that the
 * ban ending first is found in O(1) when the table is full and expiry
 * costs O(log n) per ended ban.  No timer per ban: a ban is judged when
 * asked (lp2p_book_is_banned) and dropped by lp2p_book_expire.
 */
struct lp2p__ban {
	RB_ENTRY(lp2p__ban) node;
	char		 ip[LP2P_IP_STRLEN];
	uint32_t	 hi;			/* index in book->banheap */
	uint64_t	 until;
};
RB_HEAD(lp2p__bantree, lp2p__ban);

struct lp2p__listent {
	char		 ip[LP2P_IP_STRLEN];
	uint16_t	 port;
};

struct lp2p__list {
	struct lp2p__listent *v;	/* sorted by ip text, then port */
	size_t		 n;
};

/* A change made to the book, kept for lp2p_book_sync's replay. */
enum lp2p__op { OP_ADD, OP_UPGRADE, OP_DOWNGRADE, OP_REMOVE, OP_UPDATE,
	OP_BAN, OP_UNBAN, OP_LIST_ADD, OP_LIST_DEL, OP_CHAIN };
struct lp2p__jop {
	STAILQ_ENTRY(lp2p__jop) next;
	enum lp2p__op	 op;
	char		 ip[LP2P_IP_STRLEN];
	uint16_t	 port;
	int		 list;		/* list; ban: port-less */
	uint64_t	 t;		/* now; ban: until */
	unsigned	 mask;		/* update */
	char		 source[LP2P_IP_STRLEN];	/* add */
	uint64_t	 last_seen;	/* update */
	int32_t		 reputation;	/* update */
	int		 advertise;	/* update */
	jv		 info;		/* update */
};
STAILQ_HEAD(lp2p__journal, lp2p__jop);

struct lp2p_book {
	uint32_t	 secret;
	uint8_t		 chain_id[LP2P_BOOK_MAX_CHAIN_ID];
	size_t		 chain_id_len;
	struct lp2p__table tab[3];		/* [NEW], [TRIED] */
	struct lp2p__etree peers;
	struct lp2p__bantree bans;
	size_t		 nbans;
	struct lp2p__ban **banheap;		/* nbans of bancap, by until */
	size_t		 bancap;
	struct lp2p__list lists[LP2P_BOOK_NLISTS];
	uint32_t	 epoch;			/* selection marks */
	int		 journaling;		/* record changes */
	int		 replaying;
	struct lp2p__journal journal;
	size_t		 njournal;
	size_t		 journal_lost;		/* beyond the ceiling */
	uint64_t	 generation;		/* saves of the file */
	int		 have_file;		/* file identity below valid */
	dev_t		 f_dev;
	ino_t		 f_ino;
	off_t		 f_size;
	struct timespec	 f_mtim;
};

/* book.c, for bookfile.c */
/* Entries in bucket i of a table (0 for a bucket never filled). */
unsigned lp2p__book_fill(const struct lp2p__table *, uint32_t i);
void	 lp2p__book_journal(struct lp2p_book *, int);
void	 lp2p__book_journal_clear(struct lp2p_book *);
int	 lp2p__book_replay(struct lp2p_book *, const struct lp2p_book *);
void	 lp2p__book_swap(struct lp2p_book *, struct lp2p_book *);
/* Insert a loaded entry at the end of its bucket, as the file says. */
int	 lp2p__book_insert(struct lp2p_book *, int, uint32_t,
	    const struct lp2p_book_entry *, jv, struct lp2p_err *);
uint64_t lp2p__book_ban_until(const struct lp2p_book *, const char *);
int	 lp2p__book_ban_set(struct lp2p_book *, const char *, uint64_t);

/* bookfile.c: the general (libjq) reader alone, for the fuzz target */
int	 lp2p__book_load_jv(struct lp2p_book **, const char *, size_t,
	    const char *, struct lp2p_err *);

#endif
