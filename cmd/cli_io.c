/*
 * cli_io.c — NDJSON stdout writer and stdin line reader on a libuv loop
 * (see cli_io.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "liskp2p.h"
#include "cli_io.h"

/* ---- stdout ----------------------------------------------------------- */

struct cli_out {
	uv_loop_t	*loop;
	int		 fd;
	bool		 stream;	/* pipe or tty: uv_write */
	bool		 gone;		/* EPIPE seen */
	bool		 closing;
	bool		 close_started;	/* uv_close called */
	union {
		uv_pipe_t	pipe;
		uv_tty_t	tty;
		uv_stream_t	s;
	} h;
	uv_prepare_t	 prep;		/* flushes pend before the loop polls */
	uv_timer_t	 hup;		/* pipe: checks for the reader leaving */
	bool		 hup_on;
	uv_timer_t	 stall;		/* bounds one pause of the peers */
	bool		 stall_on;
	bool		 paused;	/* peers' reads stopped (on_pressure) */
	bool		 stalled;	/* reader took nothing: read and drop */
	void		(*on_pressure)(bool, void *);
	void		*pressure_arg;
	int		 nclose;	/* handles still closing */
	struct wreq	*pend;		/* lines batched in this iteration */
	struct lp2p_buf line;		/* the line being formatted */
	size_t		 queued;	/* bytes in pend or uv_write, unwritten */
	size_t		 dropped;	/* since the last DROPPED line */
	size_t		 total_dropped;
	void		(*on_gone)(void *);
	void		(*done)(void *);
	void		*arg, *done_arg;
};

struct wreq {
	uv_write_t	 req;
	struct cli_out	*o;
	size_t		 len;
	size_t		 cap;
	char		 buf[];
};

/*
 * Lines emitted during one loop iteration are batched into one buffer of
 * at least OUT_CHUNK bytes and written once, before the loop next waits
 * for I/O (uv_prepare): one write(2) for many events under load.
 */
#define OUT_CHUNK	(64 * 1024)

/*
 * Backpressure.  Past OUT_HIGH queued bytes the peers' reads stop
 * (on_pressure(true)); below OUT_LOW they start again.  Reads stay
 * stopped at most CLI_OUT_PAUSE_MAX ms in a row: then the reader counts
 * as stalled, reads start again and events past OUT_HIGH are dropped
 * (counted) until the queue falls below OUT_LOW, when a DROPPED line
 * says how many.  CLI_OUT_MAX_QUEUED is a hard ceiling in every mode.
 */
#define OUT_HIGH	(1024 * 1024)
#define OUT_LOW		(256 * 1024)

static void flush(struct cli_out *);

static void
on_prepare(uv_prepare_t *h)
{
	flush(h->data);
}

static void gone(struct cli_out *);

#define HUP_CHECK	500	/* ms between checks for a gone reader */

/*
 * A stdout pipe whose reader closed its end shows POLLERR on ours: the
 * program notices even when it has nothing to print (a write would fail
 * with EPIPE).  Checked by a timer with poll(2), not in the loop's epoll
 * set, where a second watcher on the pipe would disturb the writes.
 */
static void
on_hup(uv_timer_t *t)
{
	struct cli_out *o = t->data;
	struct pollfd p = { .fd = o->fd, .events = 0 };

	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
		uv_timer_stop(t);
		gone(o);
	}
}

static void
watch_reader(struct cli_out *o)
{
	if (uv_timer_init(o->loop, &o->hup) != 0)
		return;
	o->hup_on = true;
	o->hup.data = o;
	uv_timer_start(&o->hup, on_hup, HUP_CHECK, HUP_CHECK);
	uv_unref((uv_handle_t *)&o->hup);
}

/*
 * A larger pipe lets the reader take more per wake-up: up to
 * /proc/sys/fs/pipe-max-size (1 MiB by default), smaller sizes when the
 * per-user pipe budget refuses it.  Not an error when nothing works.
 */
static void
grow_pipe(int fd)
{
	long want = 1024 * 1024;
	FILE *f;

	if ((f = fopen("/proc/sys/fs/pipe-max-size", "r")) != NULL) {
		if (fscanf(f, "%ld", &want) != 1 || want < 65536)
			want = 1024 * 1024;
		fclose(f);
	}
	if (want > 16 * 1024 * 1024)
		want = 16 * 1024 * 1024;
#ifdef F_SETPIPE_SZ
	for (; want > 65536; want /= 2)
		if (fcntl(fd, F_SETPIPE_SZ, (int)want) >= 0)
			return;
#else
	(void)fd;
#endif
}

static void on_stall(uv_timer_t *);

int
cli_out_new(struct cli_out **out, uv_loop_t *loop, int fd,
    void (*on_gone)(void *), void *arg)
{
	struct cli_out *o;
	uv_handle_type t = uv_guess_handle(fd);
	int rc = 0;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return UV_ENOMEM;
	o->loop = loop;
	o->fd = fd;
	o->on_gone = on_gone;
	o->arg = arg;
	if ((rc = uv_prepare_init(loop, &o->prep)) != 0) {
		free(o);
		return rc;
	}
	o->prep.data = o;
	if (t == UV_TTY) {
		rc = uv_tty_init(loop, &o->h.tty, fd, 0);
		o->stream = rc == 0;
	} else if (t == UV_NAMED_PIPE) {
		if ((rc = uv_pipe_init(loop, &o->h.pipe, 0)) == 0 &&
		    (rc = uv_pipe_open(&o->h.pipe, fd)) != 0)
			uv_close((uv_handle_t *)&o->h.pipe, NULL);
		o->stream = rc == 0;
		if (rc == 0) {
			watch_reader(o);
			grow_pipe(fd);
		}
	}
	if (rc != 0 && t == UV_TTY) {
		uv_close((uv_handle_t *)&o->prep, NULL);
		uv_run(loop, UV_RUN_NOWAIT);
		free(o);
		return rc;
	}
	if (rc != 0) {
		/* closed in the loop above; fall back to plain writes */
		o->stream = false;
		uv_run(loop, UV_RUN_NOWAIT);
	}
	if (o->stream) {
		o->h.s.data = o;
		if (uv_timer_init(loop, &o->stall) == 0) {
			o->stall_on = true;
			o->stall.data = o;
		}
	}
	*out = o;
	return 0;
}

void
cli_out_set_pressure(struct cli_out *o, void (*fn)(bool, void *),
    void *arg)
{
	o->on_pressure = fn;
	o->pressure_arg = arg;
}

static void
set_paused(struct cli_out *o, bool pause)
{
	if (o->paused == pause || o->on_pressure == NULL)
		return;
	o->paused = pause;
	if (pause && o->stall_on)
		uv_timer_start(&o->stall, on_stall, CLI_OUT_PAUSE_MAX, 0);
	else if (o->stall_on)
		uv_timer_stop(&o->stall);
	o->on_pressure(pause, o->pressure_arg);
}

/* Reads stayed stopped CLI_OUT_PAUSE_MAX ms: start them, drop instead. */
static void
on_stall(uv_timer_t *t)
{
	struct cli_out *o = t->data;

	if (!o->paused)
		return;
	o->stalled = true;
	set_paused(o, false);
}

/* After the queue grew: stop the peers past the high-water mark. */
static void
check_high(struct cli_out *o)
{
	if (o->queued > OUT_HIGH && !o->stalled && !o->closing)
		set_paused(o, true);
}

/* Whether an event that may be dropped must be, now (and count it). */
static bool
must_drop(struct cli_out *o)
{
	if (!o->stream || !(o->queued > CLI_OUT_MAX_QUEUED ||
	    (o->stalled && o->queued > OUT_HIGH)))
		return false;
	o->dropped++;
	o->total_dropped++;
	return true;
}

static void
gone(struct cli_out *o)
{
	if (o->gone)
		return;
	o->gone = true;
	if (o->on_gone != NULL)
		o->on_gone(o->arg);
}

static void write_line(struct cli_out *, const char *, size_t);
static void close_now(struct cli_out *);

/* The DROPPED line for the events dropped since the last one (if any). */
static void
say_dropped(struct cli_out *o)
{
	char line[96];
	int l;

	if (o->dropped == 0 || o->gone)
		return;
	l = snprintf(line, sizeof(line),
	    "{\"type\":\"DROPPED\",\"count\":%zu}\n", o->dropped);
	o->dropped = 0;
	write_line(o, line, (size_t)l);
}

static void
on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct cli_out *o = w->o;

	o->queued -= w->len;
	free(w);
	if (status == UV_EPIPE || status == UV_ECONNRESET)
		gone(o);
	if (o->closing) {	/* close once the last line is written */
		if (o->queued == 0 || o->gone)
			close_now(o);
		return;
	}
	if (o->gone)
		return;
	if (o->queued < OUT_LOW) {
		o->stalled = false;
		set_paused(o, false);
		say_dropped(o);
	}
}

/* Write (or hand to libuv) the batched lines. */
static void
flush(struct cli_out *o)
{
	struct wreq *w = o->pend;
	const char *s;
	size_t len;
	uv_buf_t b;
	ssize_t k;

	uv_prepare_stop(&o->prep);
	if (w == NULL)
		return;
	o->pend = NULL;
	if (o->gone) {
		o->queued -= w->len;
		free(w);
		return;
	}
	if (!o->stream) {
		o->queued -= w->len;
		s = w->buf;
		len = w->len;
		while (len > 0) {
			k = write(o->fd, s, len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				if (errno == EPIPE)
					gone(o);
				break;
			}
			s += k;
			len -= (size_t)k;
		}
		free(w);
		return;
	}
	b = uv_buf_init(w->buf, (unsigned)w->len);
	if (uv_write(&w->req, &o->h.s, &b, 1, on_written) != 0) {
		o->queued -= w->len;
		free(w);
		gone(o);
	}
}

/* Append one line to the batch; it is written by flush(). */
static void
write_line(struct cli_out *o, const char *s, size_t len)
{
	struct wreq *w = o->pend;
	size_t cap;

	if (o->gone)
		return;
	if (w != NULL && w->cap - w->len < len) {
		flush(o);
		w = NULL;
	}
	if (w == NULL) {
		cap = len > OUT_CHUNK ? len : OUT_CHUNK;
		if ((w = malloc(sizeof(*w) + cap)) == NULL)
			return;
		w->o = o;
		w->len = 0;
		w->cap = cap;
		o->pend = w;
		uv_prepare_start(&o->prep, on_prepare);
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
	o->queued += len;
}

void
cli_out_emit(struct cli_out *o, jv v, bool must)
{
	if (o->gone || o->closing) {
		jv_free(v);
		return;
	}
	if (!must && must_drop(o)) {
		jv_free(v);
		return;
	}
	o->line.len = 0;
	if (lp2p_json_dump(&o->line, v) == 0 &&
	    lp2p_buf_add(&o->line, "\n", 1) == 0)
		write_line(o, o->line.p, o->line.len);
	jv_free(v);
	if (o->line.cap > OUT_CHUNK) {	/* a huge line: do not keep it */
		free(o->line.p);
		memset(&o->line, 0, sizeof(o->line));
	}
	check_high(o);
}

/*
 * The line writer of the hot path (struct lp2p_line_sink): room for a
 * line of at most n bytes at the end of the batch, written in place; or
 * NULL when the event is dropped (counted) or cannot be queued.
 */
char *
cli_out_reserve(size_t n, void *arg)
{
	struct cli_out *o = arg;
	struct wreq *w = o->pend;
	size_t cap;

	if (o->gone || o->closing || must_drop(o))
		return NULL;
	if (w != NULL && w->cap - w->len < n) {
		flush(o);
		w = NULL;
	}
	if (w == NULL) {
		cap = n > OUT_CHUNK ? n : OUT_CHUNK;
		if ((w = malloc(sizeof(*w) + cap)) == NULL)
			return NULL;
		w->o = o;
		w->len = 0;
		w->cap = cap;
		o->pend = w;
		uv_prepare_start(&o->prep, on_prepare);
	}
	return w->buf + w->len;
}

/* The reserved room now holds a line of len bytes (newline included). */
void
cli_out_commit(size_t len, void *arg)
{
	struct cli_out *o = arg;

	o->pend->len += len;
	o->queued += len;
	check_high(o);
}

size_t
cli_out_dropped(const struct cli_out *o)
{
	return o->total_dropped;
}

static void
out_closed(uv_handle_t *h)
{
	struct cli_out *o = h->data;

	if (--o->nclose > 0)
		return;
	if (o->done != NULL)
		o->done(o->done_arg);
}


static void
close_now(struct cli_out *o)
{
	if (o->close_started)
		return;
	o->close_started = true;
	if (o->pend != NULL) {
		o->queued -= o->pend->len;
		free(o->pend);
		o->pend = NULL;
	}
	o->nclose = 1 + (o->stream ? 1 : 0) + (o->hup_on ? 1 : 0) +
	    (o->stall_on ? 1 : 0);
	uv_close((uv_handle_t *)&o->prep, out_closed);
	if (o->stall_on)
		uv_close((uv_handle_t *)&o->stall, out_closed);
	if (o->stream)
		uv_close((uv_handle_t *)&o->h.s, out_closed);
	if (o->hup_on)
		uv_close((uv_handle_t *)&o->hup, out_closed);
}

void
cli_out_close(struct cli_out *o, void (*done)(void *), void *arg)
{
	say_dropped(o);		/* the counts add up to what was not printed */
	o->closing = true;
	o->done = done;
	o->done_arg = arg;
	o->paused = false;	/* the program is stopping its peers */
	if (o->stall_on)
		uv_timer_stop(&o->stall);
	flush(o);
	/* uv_close would cancel queued writes: wait for them (on_written) */
	if (o->stream && o->queued > 0 && !o->gone)
		return;
	close_now(o);
}

void
cli_out_free(struct cli_out *o)
{
	if (o == NULL)
		return;
	free(o->line.p);
	free(o);
}

/* ---- stdin ------------------------------------------------------------ */

#define IN_CHUNK	65536	/* bytes of stdin read at once */

struct cli_in {
	uv_loop_t	*loop;
	int		 fd;
	bool		 stream;
	bool		 closed;
	bool		 eof;
	union {
		uv_pipe_t	pipe;
		uv_tty_t	tty;
		uv_stream_t	s;
	} h;
	uv_fs_t		 fsreq;
	/*
	 * Both malloc'd, not part of the calloc'd struct: a page of them
	 * becomes resident only when a read or a line reaches it, so an
	 * idle program does not hold 64 KiB it never read into.
	 */
	char		*rbuf;		/* IN_CHUNK */
	char		*line;		/* LP2P_MAX_CMD_LINE + 1 */
	size_t		 len;
	bool		 skipping;	/* inside an over-long line */
	unsigned long	 lineno;
	void		(*on_line)(unsigned long, const char *, size_t, void *);
	void		(*on_eof)(void *);
	void		*arg;
};

static void
feed(struct cli_in *in, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '\n') {
			in->lineno++;
			if (in->skipping)
				in->on_line(in->lineno, NULL, 0, in->arg);
			else {
				in->line[in->len] = '\0';
				in->on_line(in->lineno, in->line, in->len,
				    in->arg);
			}
			in->len = 0;
			in->skipping = false;
			if (in->closed)
				return;
			continue;
		}
		if (in->skipping)
			continue;
		if (in->len == LP2P_MAX_CMD_LINE) {
			in->skipping = true;
			continue;
		}
		in->line[in->len++] = c;
	}
}

static void
at_eof(struct cli_in *in)
{
	if (in->eof)
		return;
	in->eof = true;
	if (in->len > 0 || in->skipping)
		feed(in, "\n", 1);
	if (in->on_eof != NULL)
		in->on_eof(in->arg);
}

static void
alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	struct cli_in *in = h->data;

	(void)sz;
	*b = uv_buf_init(in->rbuf, IN_CHUNK);
}

static void
read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct cli_in *in = s->data;

	if (n > 0)
		feed(in, b->base, (size_t)n);
	else if (n < 0) {
		uv_read_stop(s);
		at_eof(in);
	}
}

static void fs_read_next(struct cli_in *);

static void
fs_read_cb(uv_fs_t *req)
{
	struct cli_in *in = req->data;
	ssize_t n = req->result;

	uv_fs_req_cleanup(req);
	if (in->closed)
		return;
	if (n > 0) {
		feed(in, in->rbuf, (size_t)n);
		if (!in->closed)
			fs_read_next(in);
		return;
	}
	at_eof(in);
}

static void
fs_read_next(struct cli_in *in)
{
	uv_buf_t b = uv_buf_init(in->rbuf, IN_CHUNK);

	in->fsreq.data = in;
	if (uv_fs_read(in->loop, &in->fsreq, in->fd, &b, 1, -1,
	    fs_read_cb) != 0)
		at_eof(in);
}

int
cli_in_new(struct cli_in **out, uv_loop_t *loop, int fd,
    void (*on_line)(unsigned long, const char *, size_t, void *),
    void (*on_eof)(void *), void *arg)
{
	struct cli_in *in;
	uv_handle_type t = uv_guess_handle(fd);
	int rc = -1;

	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (in->rbuf = malloc(IN_CHUNK)) == NULL ||
	    (in->line = malloc(LP2P_MAX_CMD_LINE + 1)) == NULL) {
		if (in != NULL)
			free(in->rbuf);
		free(in);
		return UV_ENOMEM;
	}
	in->loop = loop;
	in->fd = fd;
	in->on_line = on_line;
	in->on_eof = on_eof;
	in->arg = arg;
	if (t == UV_TTY)
		rc = uv_tty_init(loop, &in->h.tty, fd, 1);
	else if (t == UV_NAMED_PIPE || t == UV_TCP) {
		if ((rc = uv_pipe_init(loop, &in->h.pipe, 0)) == 0 &&
		    (rc = uv_pipe_open(&in->h.pipe, fd)) != 0) {
			uv_close((uv_handle_t *)&in->h.pipe, NULL);
			uv_run(loop, UV_RUN_NOWAIT);
		}
	}
	if (rc == 0) {
		in->stream = true;
		in->h.s.data = in;
		uv_read_start(&in->h.s, alloc_cb, read_cb);
	} else
		fs_read_next(in);
	*out = in;
	return 0;
}

bool
cli_in_closed(const struct cli_in *in)
{
	return in->closed;
}

void
cli_in_close(struct cli_in *in)
{
	if (in->closed)
		return;
	in->closed = true;
	if (in->stream)
		uv_close((uv_handle_t *)&in->h.s, NULL);
	else if (!in->eof)
		uv_cancel((uv_req_t *)&in->fsreq);
}

void
cli_in_free(struct cli_in *in)
{
	if (in == NULL)
		return;
	free(in->rbuf);
	free(in->line);
	free(in);
}
