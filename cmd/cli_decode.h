/*
 * cli_decode.h — --decode of p2p-watch and p2p-send: Lisk Core 4 data
 * (a hex string) made readable beside the bytes.  Only cmd/ uses this.
 */
#ifndef LP2P_CLI_DECODE_H
#define LP2P_CLI_DECODE_H

#include <jv.h>

#include "liskp2p.h"

/*
 * o (consumed) with "decoded", the readable form of the data (a hex
 * string jv, borrowed; anything else is no data) of name in kind
 * (LP2P_LC_*), or with "decodeError" and the reason.  Left as is when
 * the string is not hex or Core 4 does not use name in that kind.
 */
jv	 cli_decode(const struct lp2p_liskcore *, int, const char *, jv, jv);

#endif
