# libliskp2p — a plain Makefile (STYLE.md 21).
#
#   make              lib/libliskp2p.a and the programs in cmd/
#   make check        set-up, sanitizer build, unit + CLI + interop tests
#   make check-boundaries   headers alone, cmd/ includes, exports = liskp2p.h
#   make demo         a small local network on loopback, events streaming
#   make bench        side-by-side benchmarks against the reference
#   make fuzz         every fuzz target under libFuzzer (clang), each for
#                     FUZZ_SECONDS (default 60); FUZZ_TARGETS=ws_frames ...
#   make install      PREFIX=/usr/local DESTDIR=
#   make clean        back to the tree as cloned

VERSION	 = $(shell sed -n 's/^#define LP2P_VERSION_STRING[^"]*"\(.*\)"/\1/p' lib/liskp2p.h)
PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
LIBDIR	 = $(PREFIX)/lib
INCDIR	 = $(PREFIX)/include
MANDIR	 = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  = $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d

CC	?= cc
CXX	?= c++
LD	?= ld
OBJCOPY	?= objcopy
PKGS	 := libuv libbsd-overlay libmd
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS \
	    -Ilib $(PKG_CFLAGS)
WARN	 = -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wvla \
	   -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings
CFLAGS	?= -O2 -g
CFLAGS	+= $(WARN)
LDLIBS	+= $(PKG_LIBS) -lwslay -lhttp_parser -ljq -lm

SAN	 = -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
ASANDIR	 = build/asan
FUZZDIR	 = build/fuzz
FUZZ_CC	?= clang
FUZZ_SAN = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

LIB_SRC	 := $(sort $(wildcard lib/*.c))
LIB_OBJ	 := $(LIB_SRC:.c=.o)
LIB_HDR	 := $(wildcard lib/*.h)
CLI_SRC	 := $(filter-out cmd/p2p-%.c,$(wildcard cmd/*.c))
CLI_HDR	 := $(wildcard cmd/*.h)
PROGS	 := $(patsubst %.c,%,$(sort $(wildcard cmd/p2p-*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
MAN1	 := $(wildcard man/*.1)
MAN3	 := $(wildcard man/*.3)
MAN5	 := $(wildcard man/*.5)
MAN7	 := $(wildcard man/*.7)

ASAN_LIB_OBJ := $(patsubst %.c,$(ASANDIR)/%.o,$(LIB_SRC))
HDR_OK	     := $(patsubst %.h,build/hdr/%.ok,$(LIB_HDR) $(CLI_HDR))
ASAN_PROGS   := $(patsubst cmd/%,$(ASANDIR)/bin/%,$(PROGS))
ASAN_UNITS   := $(patsubst tests/unit/%.c,$(ASANDIR)/tests/%,$(UNIT_SRC))
ASAN_FUZZ    := $(patsubst tests/fuzz/%.c,$(ASANDIR)/fuzz/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZDIR)/%.o,$(LIB_SRC))
FUZZ_PROGS   := $(patsubst tests/fuzz/%.c,$(FUZZDIR)/%,$(FUZZ_SRC))

.PHONY: all check deps build-asan unit demo bench fuzz fuzz-deps build-fuzz \
	install uninstall clean check-boundaries check-headers check-includes \
	check-api

all: lib/libliskp2p.a build/libliskp2p-internal.a $(PROGS)

lib/%.o: lib/%.c $(LIB_HDR)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The installed archive is one relocatable object whose lp2p__ names (shared
# inside lib/) are made local, so a program can only link what liskp2p.h
# declares.  Unit tests, fuzz targets and bench/ tools reach inside: they
# link the objects as built (build/libliskp2p-internal.a).
build/liskp2p.o: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(LD) -r -o $@ $^
	$(OBJCOPY) --wildcard --localize-symbol='lp2p__*' $@

lib/libliskp2p.a: build/liskp2p.o
	rm -f $@
	ar rcs $@ $^

build/libliskp2p-internal.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

cmd/p2p-%: cmd/p2p-%.c $(CLI_SRC) $(CLI_HDR) lib/libliskp2p.a
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(CLI_SRC) lib/libliskp2p.a $(LDFLAGS) $(LDLIBS)

# --- the sanitizer build, in its own directory -------------------------

$(ASANDIR)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(SAN) -c -o $@ $<

$(ASANDIR)/liskp2p.o: $(ASAN_LIB_OBJ)
	$(LD) -r -o $@ $^
	$(OBJCOPY) --wildcard --localize-symbol='lp2p__*' $@

$(ASANDIR)/libliskp2p.a: $(ASANDIR)/liskp2p.o
	rm -f $@
	ar rcs $@ $^

$(ASANDIR)/libliskp2p-internal.a: $(ASAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(ASANDIR)/bin/p2p-%: cmd/p2p-%.c $(CLI_SRC) $(CLI_HDR) $(ASANDIR)/libliskp2p.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(SAN) -o $@ $< $(CLI_SRC) $(ASANDIR)/libliskp2p.a $(LDLIBS)

$(ASANDIR)/tests/%: tests/unit/%.c tests/unit/unit.h $(ASANDIR)/libliskp2p-internal.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(WARN) -Wno-missing-prototypes $(SAN) \
	    -o $@ $< $(ASANDIR)/libliskp2p-internal.a $(LDLIBS) -lcmocka

# fuzz targets of the programs' own parsers compile a cmd/p2p-*.c in
$(ASANDIR)/fuzz/%: tests/fuzz/%.c tests/fuzz/driver.c \
    $(ASANDIR)/libliskp2p-internal.a $(CLI_SRC) $(CLI_HDR) $(PROGS:=.c)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Icmd $(WARN) -Wno-missing-prototypes $(SAN) \
	    -o $@ $< tests/fuzz/driver.c $(CLI_SRC) \
	    $(ASANDIR)/libliskp2p-internal.a $(LDLIBS)

build-asan: $(ASAN_PROGS) $(ASAN_UNITS) $(ASAN_FUZZ)

# --- libFuzzer builds (clang), in their own directory -------------------

$(FUZZDIR)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -c -o $@ $<

$(FUZZDIR)/libliskp2p.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZDIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZDIR)/libliskp2p.a $(CLI_SRC) \
    $(CLI_HDR) $(PROGS:=.c)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -Icmd $(WARN) -Wno-missing-prototypes \
	    $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(CLI_SRC) \
	    $(FUZZDIR)/libliskp2p.a $(LDLIBS)

build-fuzz: $(FUZZ_PROGS)

# --- boundaries (STYLE.md 17b), run by tests/cli/build.bats -------------

# every header compiles on its own (git's hdr-check); liskp2p.h as C++ too
build/hdr/%.ok: %.h $(LIB_HDR) $(CLI_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -fsyntax-only -include $< -x c /dev/null
	@touch $@

build/hdr/liskp2p.cxx.ok: lib/liskp2p.h
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -Wall -Wextra -Werror -fsyntax-only -include $< \
	    -x c++ /dev/null
	@touch $@

check-headers: $(HDR_OK) build/hdr/liskp2p.cxx.ok

# cmd/ includes liskp2p.h and its own headers, nothing else of lib/
check-includes:
	@sh tests/api-check.sh includes cmd

# the archive exports what liskp2p.h declares, and liskp2p.3 names it all
check-api: lib/libliskp2p.a
	@sh tests/api-check.sh symbols lib/libliskp2p.a lib/liskp2p.h
	@sh tests/api-check.sh man lib/libliskp2p.a man/liskp2p.3

check-boundaries: check-headers check-includes check-api

# --- tests --------------------------------------------------------------

deps:
	@sh tests/setup.sh

check: deps
	$(MAKE) all
	$(MAKE) build-asan
	@sh tests/run.sh

demo: deps
	$(MAKE) all
	@sh tests/demo.sh

fuzz-deps:
	@sh tests/fuzz/setup.sh

fuzz: deps fuzz-deps
	$(MAKE) build-fuzz
	@sh tests/fuzz/run.sh

bench: deps
	$(MAKE) all
	@sh bench/run.sh

# --- installation -------------------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 644 lib/libliskp2p.a $(DESTDIR)$(LIBDIR)/
	install -m 644 lib/liskp2p.h $(DESTDIR)$(INCDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    lib/liskp2p.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/liskp2p.pc
	for p in $(PROGS); do install -m 755 $$p $(DESTDIR)$(BINDIR)/; done
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in $(MAN3); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man3/; done
	for m in $(MAN5); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	for m in $(MAN7); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man7/; done
	for p in $(notdir $(PROGS)); do \
	    if [ -f completions/$$p.bash ]; then install -m 644 completions/$$p.bash $(DESTDIR)$(BASHCOMPDIR)/$$p; fi; \
	    if [ -f completions/_$$p ]; then install -m 644 completions/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; fi; \
	    if [ -f completions/$$p.fish ]; then install -m 644 completions/$$p.fish $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; fi; \
	done

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libliskp2p.a $(DESTDIR)$(INCDIR)/liskp2p.h \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/liskp2p.pc
	for p in $(notdir $(PROGS)); do rm -f $(DESTDIR)$(BINDIR)/$$p \
	    $(DESTDIR)$(MANDIR)/man1/$$p.1 $(DESTDIR)$(BASHCOMPDIR)/$$p \
	    $(DESTDIR)$(ZSHCOMPDIR)/_$$p $(DESTDIR)$(FISHCOMPDIR)/$$p.fish; done

clean:
	rm -rf build lib/*.o lib/libliskp2p.a $(PROGS) \
	    tests/interop/node_modules tests/interop/package-lock.json.tmp
