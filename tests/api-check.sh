#!/bin/sh
# tests/api-check.sh — the library's boundaries, checked by the build
# (STYLE.md 17b; `make check-boundaries`, tests/cli/build.bats):
#
#   includes DIR          C files of DIR include, with quotes, only
#                         liskp2p.h and headers of DIR
#   symbols ARCHIVE HDR   the archive's exported symbols are exactly the
#                         functions and data HDR declares: lp2p_ names,
#                         never lp2p__ (those stay inside the library)
#   man ARCHIVE PAGE      every exported symbol is named in PAGE
#
# Prints each offence on stderr and exits 1; 0 when all is well.
set -u
CC=${CC:-cc}

die() { echo "api-check: $*" >&2; exit 2; }

exported() {	# ARCHIVE -> exported symbol names, sorted
	nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' | sort -u
}

case ${1:-} in
includes)
	[ $# -eq 2 ] && [ -d "$2" ] || die "usage: includes DIR"
	bad=0
	for f in "$2"/*.c "$2"/*.h; do
		[ -f "$f" ] || continue
		for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			[ "$h" = liskp2p.h ] && continue
			[ -f "$2/$h" ] && [ "${h#*/}" = "$h" ] && continue
			echo "$f: includes \"$h\": programs use only liskp2p.h" \
			    "and their own headers" >&2
			bad=1
		done
	done
	exit $bad ;;
symbols)
	[ $# -eq 3 ] && [ -f "$2" ] && [ -f "$3" ] || die "usage: symbols ARCHIVE HEADER"
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
	exported "$2" >"$tmp/exp"
	[ -s "$tmp/exp" ] || die "$2: no exported symbols"
	# the header's own text, preprocessed, on one line
	$CC -E -D_GNU_SOURCE -I"$(dirname "$3")" "$3" |
	    awk -v h="\"$3\"" '/^# [0-9]+ "/ { keep = ($3 == h); next } keep' |
	    tr '\n' ' ' >"$tmp/hdr" || die "$3: does not preprocess"
	# typedef names are types, not symbols
	grep -oE 'typedef[^;(]*\<lp2p_[a-z0-9_]+' "$tmp/hdr" |
	    grep -oE 'lp2p_[a-z0-9_]+$' | sort -u >"$tmp/types"
	# a name followed by ( or [ : a function or an array declared
	grep -oE '\<lp2p_[a-z0-9_]+[[:space:]]*[([]' "$tmp/hdr" |
	    grep -oE 'lp2p_[a-z0-9_]+' | sort -u | comm -23 - "$tmp/types" \
	    >"$tmp/decl"
	bad=0
	for s in $(grep -v '^lp2p_' "$tmp/exp"; grep '^lp2p__' "$tmp/exp"); do
		echo "$2: exports $s: not an lp2p_ public name" >&2
		bad=1
	done
	for s in $(grep '^lp2p_[a-z0-9]' "$tmp/exp" | comm -23 - "$tmp/decl"); do
		echo "$2: exports $s, which $3 does not declare" >&2
		bad=1
	done
	for s in $(comm -13 "$tmp/exp" "$tmp/decl"); do
		echo "$3: declares $s, which $2 does not export" >&2
		bad=1
	done
	exit $bad ;;
man)
	[ $# -eq 3 ] && [ -f "$2" ] && [ -f "$3" ] || die "usage: man ARCHIVE PAGE"
	bad=0
	for s in $(exported "$2"); do
		grep -qw -- "$s" "$3" && continue
		echo "$3: does not name $s" >&2
		bad=1
	done
	exit $bad ;;
*)
	die "usage: includes DIR | symbols ARCHIVE HEADER | man ARCHIVE PAGE" ;;
esac
