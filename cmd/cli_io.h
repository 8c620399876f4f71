/*
 * cli_io.h — NDJSON on stdout and stdin through a libuv loop, for the
 * programs that run one (p2p-node, p2p-watch).
 *
 * stdout: one writer with a bounded queue.  A pipe or terminal is written
 * without blocking (a pipe enlarged up to /proc/sys/fs/pipe-max-size).
 * Backpressure: past a high-water mark (1 MiB queued) on_pressure(true)
 * asks the program to stop reading from its peers, below a low-water
 * mark (256 KiB) on_pressure(false) to read again.  A pause lasts at most
 * CLI_OUT_PAUSE_MAX ms: then the reader counts as stalled, reads start
 * again and events are dropped and counted while more than the high-water
 * mark waits; a {"type":"DROPPED","count":N} line follows once the queue
 * is below the low-water mark again, and at close.  Lines marked "must"
 * (command replies) are never dropped; CLI_OUT_MAX_QUEUED is the ceiling
 * for the others.  A regular file is written directly.  EPIPE: the
 * reader is gone; on_gone is called once (the program stops quietly).
 *
 * stdin: lines of at most LP2P_MAX_CMD_LINE bytes; a longer line is
 * reported as an error (on_line with line NULL) and skipped.  EOF is
 * reported once (on_eof) and reading ends; nothing else happens.
 */
#ifndef LP2P_CLI_IO_H
#define LP2P_CLI_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>
#include <jv.h>

#define CLI_OUT_MAX_QUEUED	(4 * 1024 * 1024)	/* bytes unwritten */
/*
 * Longest pause of the peers' reads, ms: inside a reference client's 2 s
 * request timeout and far inside SocketCluster's 20 s ping timeout.
 */
#define CLI_OUT_PAUSE_MAX	1000

struct cli_out;
struct cli_in;

int	 cli_out_new(struct cli_out **, uv_loop_t *, int fd,
	    void (*on_gone)(void *), void *);
/* Queue one object (consumed) and a newline; must: never dropped. */
void	 cli_out_emit(struct cli_out *, jv, bool must);
/* Backpressure: fn(true, arg) stops the peers' reads, fn(false) resumes. */
void	 cli_out_set_pressure(struct cli_out *, void (*fn)(bool, void *),
	    void *);
/* The hot path's line writer (lp2p_line_sink's reserve and commit). */
char	*cli_out_reserve(size_t, void *);
void	 cli_out_commit(size_t, void *);
/* Close the handle (pending lines are flushed first); free after. */
void	 cli_out_close(struct cli_out *, void (*done)(void *), void *);
void	 cli_out_free(struct cli_out *);
size_t	 cli_out_dropped(const struct cli_out *);

/*
 * on_line(lineno, line, len, arg): line is NUL-terminated without its
 * newline (NULL for an over-long line).  on_eof(arg) once.
 */
int	 cli_in_new(struct cli_in **, uv_loop_t *, int fd,
	    void (*on_line)(unsigned long, const char *, size_t, void *),
	    void (*on_eof)(void *), void *);
void	 cli_in_close(struct cli_in *);
void	 cli_in_free(struct cli_in *);
bool	 cli_in_closed(const struct cli_in *);

#endif /* LP2P_CLI_IO_H */
