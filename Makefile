# imstore - the message store of an OMA SIMPLE IM server
#
#   make deps      install the Debian packages that are missing
#   make           build bin, libraries
#   make check     deps + build + every test (also under ASan+UBSan)
#   make demo      deps + build + a demo store with sample messages
#   make install   prefix=/usr/local DESTDIR=

prefix      ?= /usr/local
bindir      ?= $(prefix)/bin
sbindir     ?= $(prefix)/sbin
sysconfdir  ?= /etc
systemdunitdir ?= $(prefix)/lib/systemd/system
libdir      ?= $(prefix)/lib
includedir  ?= $(prefix)/include
mandir      ?= $(prefix)/share/man
datadir     ?= $(prefix)/share
bashcompdir ?= $(datadir)/bash-completion/completions
zshcompdir  ?= $(datadir)/zsh/site-functions
schemadir   ?= $(datadir)/imstore/schemas
DESTDIR     ?=

CC      ?= cc
O       ?= build
CFLAGS  ?= -O2 -g
LDFLAGS ?=
XCFLAGS ?=
XLDFLAGS ?=
WARN    = -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
          -Wpointer-arith -Wcast-qual -Wsign-compare -Wformat=2
XML_CFLAGS = $(shell pkg-config --cflags libxml-2.0 2>/dev/null || echo -I/usr/include/libxml2)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden $(WARN) \
             -Ilibstore -Ilibcpim $(XML_CFLAGS) $(CFLAGS) $(XCFLAGS)
# libarchive and nettle (SHA-256): for the exchange part of libimstore only
LIBS    = -llmdb -lxml2 -larchive -lnettle -lz -lpthread
# libcpim.so links only what it uses (its IMDN reader: libxml2)
CPIM_LIBS = -lxml2
ALL_LDFLAGS = $(LDFLAGS) $(XLDFLAGS)

SOMAJOR = 0
VERSION = 0.1.0

STORE_SRC = $(sort $(wildcard libstore/*.c libstore/*/*.c))
CPIM_SRC  = $(sort $(wildcard libcpim/*.c))
CMD_SRC   = $(sort $(wildcard cmd/*.c))
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))

STORE_OBJ = $(STORE_SRC:%.c=$(O)/%.o)
CPIM_OBJ  = $(CPIM_SRC:%.c=$(O)/%.o)
CMD_OBJ   = $(CMD_SRC:%.c=$(O)/%.o)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
REL_SRC   = $(sort $(wildcard tests/reliability/*.c))
REL_BIN   = $(REL_SRC:tests/reliability/%.c=$(O)/reliability/%)

# commands that get an imstore-<name> alias: the list in cmd/commands.h,
# the one place the commands are listed (CMD(verify_archive) is verify-archive)
COMMANDS := $(shell sed -n 's/^[[:space:]]*CMD(\([a-z_]*\)).*/\1/p' cmd/commands.h | tr _ -)

all: $(O)/imstore $(O)/libimstore.so.$(SOMAJOR) $(O)/libcpim.so.$(SOMAJOR) \
     $(O)/imstore.pc $(O)/cpim.pc $(O)/imstored

$(O)/%.o: %.c $(wildcard libstore/*.h libstore/*/*.h libcpim/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libimstore.a: $(STORE_OBJ)
	rm -f $@; ar rcs $@ $^

$(O)/libcpim.a: $(CPIM_OBJ)
	rm -f $@; ar rcs $@ $^

# libimstore.so needs libcpim.so (DT_NEEDED libcpim.so.$(SOMAJOR)): ingest
# and the UTF-8 check are libcpim's
$(O)/libimstore.so.$(SOMAJOR): $(STORE_OBJ) libstore/imstore.map $(O)/libcpim.so.$(SOMAJOR)
	$(CC) -shared -Wl,-soname,libimstore.so.$(SOMAJOR) \
	  -Wl,--version-script=libstore/imstore.map $(ALL_LDFLAGS) -o $@ $(STORE_OBJ) \
	  $(O)/libcpim.so.$(SOMAJOR) $(LIBS)
	ln -sf libimstore.so.$(SOMAJOR) $(O)/libimstore.so

$(O)/libcpim.so.$(SOMAJOR): $(CPIM_OBJ) libcpim/cpim.map
	$(CC) -shared -Wl,-soname,libcpim.so.$(SOMAJOR) \
	  -Wl,--version-script=libcpim/cpim.map $(ALL_LDFLAGS) -o $@ $(CPIM_OBJ) $(CPIM_LIBS)
	ln -sf libcpim.so.$(SOMAJOR) $(O)/libcpim.so

# The command links the shared libraries, so it can reach only what their
# headers declare (tests/check-symbols.sh).  It finds them beside itself in
# the build directory and, installed, in $(libdir) relative to $(bindir).
RPATH = $$ORIGIN:$$ORIGIN/$(shell realpath -m --relative-to=$(bindir) $(libdir))
$(O)/imstore: $(CMD_OBJ) $(O)/libimstore.so.$(SOMAJOR) $(O)/libcpim.so.$(SOMAJOR)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) -L$(O) -Wl,--enable-new-dtags,-rpath,'$(RPATH)' \
	  -limstore -lcpim

# imstored, the SIP daemon: the public libraries and libre (Debian
# libre-dev 1.1.0, which needs the HAVE_ defines; -isystem keeps its
# headers' warnings out of ours)
RE_CFLAGS = -isystem /usr/include/re -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6
RE_LIBS   = -lre
IMSTORED_SRC = $(sort $(wildcard cmd/imstored/*.c))
IMSTORED_OBJ = $(IMSTORED_SRC:%.c=$(O)/%.o)

$(O)/cmd/imstored/%.o: cmd/imstored/%.c $(wildcard cmd/imstored/*.h) libstore/imstore.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(RE_CFLAGS) -c -o $@ $<

$(O)/imstored: $(IMSTORED_OBJ) $(O)/libimstore.so.$(SOMAJOR) $(O)/libcpim.so.$(SOMAJOR)
	$(CC) $(ALL_LDFLAGS) -o $@ $(IMSTORED_OBJ) -L$(O) \
	  -Wl,--enable-new-dtags,-rpath,'$(RPATH)' -limstore \
	  -Wl,--no-as-needed -lcpim -Wl,--as-needed $(RE_LIBS) -lpthread

# test_oom's countdown allocator stands in for the library's allocations
LDFLAGS_test_oom = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free \
                   -Wl,--wrap=strdup,--wrap=strndup

$(O)/tests/%: tests/unit/%.c tests/unit/tap.h $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) $(LDFLAGS_$*) -o $@ $< \
	  $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

# helper programs of the reliability tests (tests/cli/T2NN-*.sh)
$(O)/reliability/%: tests/reliability/%.c $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< \
	  $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

# the .pc files: built for the build tree, and written again by install
# with the directories install is given (make; make install prefix=/usr)
PC_SED = sed -e 's|@prefix@|$(prefix)|' -e 's|@libdir@|$(libdir)|' \
	    -e 's|@includedir@|$(includedir)|' -e 's|@VERSION@|$(VERSION)|'

$(O)/imstore.pc: libstore/imstore.pc.in
	@mkdir -p $(dir $@)
	$(PC_SED) $< > $@

$(O)/cpim.pc: libcpim/cpim.pc.in
	@mkdir -p $(dir $@)
	$(PC_SED) $< > $@

# ---------------------------------------------------------------- tests
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
PROVE = prove -f --timer

check: deps
	$(MAKE) check-all

check-all: all check-unit check-fuzz check-cli check-sip check-symbols check-docs \
           check-install check-asan check-tsan

check-unit: $(UNIT_BIN)
	IMS_SRCDIR=$(CURDIR) $(PROVE) -e '' $(UNIT_BIN)

check-cli: $(O)/imstore $(REL_BIN) $(O)/tests/test_hostile
	IMSTORE_BIN=$(CURDIR)/$(O)/imstore IMS_SRCDIR=$(CURDIR) IMS_BUILDDIR=$(CURDIR)/$(O) \
	  $(PROVE) $(sort $(wildcard tests/cli/T*.sh))

# the SIP tests (issue 19): imstored with SIPp (T4NN), the real Kamailio
# with cmd/imstored/kamailio.cfg (T3NN, tests/sip/sip-lib.sh), on loopback
check-sip: $(O)/imstore $(O)/imstored
	IMSTORED_BIN=$(CURDIR)/$(O)/imstored IMSTORE_BIN=$(CURDIR)/$(O)/imstore \
	  IMS_SRCDIR=$(CURDIR) IMS_BUILDDIR=$(CURDIR)/$(O) \
	  $(PROVE) $(sort $(wildcard tests/sip/T*.sh))

# the long runs of the reliability tests: 1000 kill -9 cycles
torture: $(O)/imstore $(REL_BIN)
	IMSTORE_BIN=$(CURDIR)/$(O)/imstore IMS_SRCDIR=$(CURDIR) IMS_BUILDDIR=$(CURDIR)/$(O) \
	  IMS_CRASH_CYCLES=1000 $(PROVE) tests/cli/T200-kill9.sh

# the unit tests (threads sharing a handle, group commit) under TSan
check-tsan:
	$(MAKE) O=build-tsan CC=clang XCFLAGS="-fsanitize=thread" \
	  XLDFLAGS="-fsanitize=thread" CFLAGS="-O1 -g" check-unit

# fuzz targets: tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/
# (plus tests/corpus/NAME/ when it exists); `make check` replays them all
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BIN = $(FUZZ_NAMES:%=$(O)/fuzz/replay_%)
FUZZ_TIME ?= 60

# the targets link the libraries only (private parts through the static one)

$(O)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	  $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

check-fuzz: $(REPLAY_BIN)
	@for n in $(FUZZ_NAMES); do \
	  dirs="tests/fuzz/corpus/$$n"; [ -d tests/corpus/$$n ] && dirs="$$dirs tests/corpus/$$n"; \
	  printf 'fuzz replay %s: ' $$n; $(O)/fuzz/replay_$$n $$dirs || exit 1; done

# libFuzzer runs on demand: make fuzz FUZZ_TIME=300 [FUZZ_NAMES="settings imdn"];
# new inputs go to build-fuzz/corpus-NAME, crashes to ./crash-*
fuzz:
	$(MAKE) O=build-fuzz CC=clang CFLAGS="-O1 -g" \
	  XCFLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
	  XLDFLAGS="-fsanitize=address,undefined" fuzz-run

fuzz-run: $(FUZZ_NAMES:%=$(O)/fuzz/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
	  mkdir -p $(O)/corpus-$$n; dict=""; [ -f tests/fuzz/$$n.dict ] && dict="-dict=tests/fuzz/$$n.dict"; \
	  $(O)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_TIME) $$dict $(O)/corpus-$$n tests/fuzz/corpus/$$n \
	    || exit 1; done

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
	  -Ilibstore -Ilibcpim $(XML_CFLAGS) -o $@ $< \
	  $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

check-symbols: $(O)/libimstore.so.$(SOMAJOR) $(O)/libcpim.so.$(SOMAJOR) $(O)/imstore
	sh tests/check-symbols.sh $(O)

check-install: all
	sh tests/check-install.sh $(O)

check-docs: $(O)/imstore
	sh tests/check-docs.sh $(O)/imstore

check-asan:
	$(MAKE) O=build-asan CC=clang XCFLAGS="$(SAN_FLAGS)" XLDFLAGS="$(SAN_FLAGS)" \
	  CFLAGS="-O1 -g" check-unit check-fuzz check-cli

# ---------------------------------------------------------------- bench
# imstore against SQLite (benchmark-only dependency) in one run; see
# BENCHMARKS.md.  make bench BENCH_ARGS="--scale 0.5 --keep"
BENCH_SRC  = $(sort $(wildcard tests/bench/*.c))
BENCH_ARGS ?=

bench-deps:
	@sh tests/deps.sh libsqlite3-dev sqlite3

$(O)/bench/imstore-bench: $(BENCH_SRC) tests/bench/bench.h $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BENCH_SRC) \
	  $(O)/libimstore.a $(O)/libcpim.a $(LIBS) -lsqlite3 -lm

bench: bench-deps
	$(MAKE) $(O)/bench/imstore-bench $(O)/imstore
	$(O)/bench/imstore-bench --dir $(O)/bench $(BENCH_ARGS)
	python3 tests/bench/export.py $(O)/imstore $(O)/bench 200000

bench-quick: bench-deps
	$(MAKE) $(O)/bench/imstore-bench $(O)/imstore
	$(O)/bench/imstore-bench --dir $(O)/bench --scale 0.05 $(BENCH_ARGS)
	python3 tests/bench/export.py $(O)/imstore $(O)/bench 10000

# the export command alone: make bench-export EXPORT_N=1000000
EXPORT_N ?= 200000
bench-export: $(O)/imstore
	python3 tests/bench/export.py $(O)/imstore $(O)/bench $(EXPORT_N)

# the CPIM parser workload alone, for callgrind and repeated timing:
# make bench-cpim; see BENCHMARKS.md, "CPIM parsing"
$(O)/bench/cpim-parse: tests/bench/tools/cpim_parse.c tests/bench/dataset.c tests/bench/bench.h $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/bench/tools/cpim_parse.c \
	  tests/bench/dataset.c $(O)/libcpim.a $(LIBS) -lm

bench-cpim: $(O)/bench/cpim-parse
	$(O)/bench/cpim-parse 0
	$(O)/bench/cpim-parse 15

# a push on registration, the library's side: envelopes and acks one
# message at a time from 1, 8 and 32 threads, against one ack per lease:
# make bench-push; see BENCHMARKS.md, "Push and settle"
$(O)/bench/push-settle: tests/bench/tools/push_settle.c $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

bench-push: $(O)/bench/push-settle
	$(O)/bench/push-settle $(O)/bench $(PUSH_ARGS)

# one durable LMDB commit by the number of random leaves it dirties:
# make bench-commit; see BENCHMARKS.md, "One durable commit"
$(O)/bench/lmdb-dirty: tests/bench/tools/lmdb_dirty.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -llmdb

BENCH_COMMIT_DIR = $(O)/bench/commit
bench-commit: $(O)/bench/lmdb-dirty
	rm -rf $(BENCH_COMMIT_DIR) && mkdir -p $(BENCH_COMMIT_DIR)
	@for r in 1 2; do for t in 1 2 4 8; do \
	  $(O)/bench/lmdb-dirty $(BENCH_COMMIT_DIR)/t$$t $$t 1 $$([ $$r = 1 ] && echo 200000 || echo 0) 1500 || exit 1; done; done
	$(O)/bench/lmdb-dirty $(BENCH_COMMIT_DIR)/f8 1 8 200000 1500
	rm -rf $(BENCH_COMMIT_DIR)

# the transcript's bodies under other deflate settings: make bench-codec;
# see BENCHMARKS.md, "Closing runs for issue 7"
$(O)/bench/body-codec: tests/bench/tools/body_codec.c $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libimstore.a $(O)/libcpim.a $(LIBS)

# the CPU of one durable store (ims_put, the SIP daemon's ingest and
# deferred store): make bench-cpu; see BENCHMARKS.md, "CPU per stored message"
$(O)/bench/put-cpu: tests/bench/tools/put_cpu.c tests/bench/dataset.c tests/bench/report.c tests/bench/bench.h $(O)/libimstore.a $(O)/libcpim.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/bench/tools/put_cpu.c \
	  tests/bench/dataset.c tests/bench/report.c $(O)/libimstore.a $(O)/libcpim.a $(LIBS) -lm

BENCH_CPU_DIR = $(O)/bench/cpu
BENCH_CPU_ARGS ?= 20000 3000 put1 put64 sip1 sip64
bench-cpu: $(O)/bench/put-cpu
	rm -rf $(BENCH_CPU_DIR)
	$(O)/bench/put-cpu $(BENCH_CPU_DIR) $(BENCH_CPU_ARGS)
	rm -rf $(BENCH_CPU_DIR)

BENCH_CODEC_DIR = $(O)/bench/codec
bench-codec: bench-deps $(O)/bench/body-codec $(O)/bench/imstore-bench
	rm -rf $(BENCH_CODEC_DIR) && mkdir -p $(BENCH_CODEC_DIR)
	$(O)/bench/imstore-bench --dir $(BENCH_CODEC_DIR) --scale 0.05 --keep --ingest-only
	$(O)/bench/body-codec $(BENCH_CODEC_DIR)/run.*/imstore-large
	rm -rf $(BENCH_CODEC_DIR)

# the SIP benchmark (issue 19), Kamailio + SIPp on loopback in one run:
# msilo on SQLite (and with WAL), Kamailio relaying to a SIPp UAS answering
# 202 (the ceiling), imstored when built; see BENCHMARKS.md, "SIP".
# make bench-sip BENCH_SIP_ARGS="--scale 0.1 --only relay,imstored --keep"
BENCH_SIP_ARGS ?=

bench-sip-deps:
	@sh tests/deps.sh kamailio kamailio-sqlite-modules sip-tester sqlite3 python3

bench-sip: bench-sip-deps all
	IMS_SRCDIR=$(CURDIR) IMS_BUILDDIR=$(CURDIR)/$(O) sh tests/bench/sip/bench-sip.sh $(BENCH_SIP_ARGS)

.PHONY: bench bench-quick bench-deps bench-sip bench-sip-deps bench-export bench-cpim bench-commit bench-codec bench-cpu bench-push

# ---------------------------------------------------------------- setup
DEB_PKGS = build-essential clang pkg-config liblmdb-dev lmdb-utils libxml2-dev \
           libxml2-utils libarchive-dev zlib1g-dev nettle-dev libarchive-tools mandoc perl strace \
           python3 python3-jsonschema fiu-utils libmime-tools-perl kamailio sip-tester zsh

deps:
	@sh tests/deps.sh $(DEB_PKGS)

demo: deps
	$(MAKE) all
	sh demo/run.sh $(O)/imstore

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig \
	  $(DESTDIR)$(includedir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3 \
	  $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man7 $(DESTDIR)$(mandir)/man8 \
	  $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(schemadir) \
	  $(DESTDIR)$(sbindir) $(DESTDIR)$(systemdunitdir)
	install -m 755 $(O)/imstore $(DESTDIR)$(bindir)/imstore
	install -m 755 $(O)/imstored $(DESTDIR)$(sbindir)/imstored
	sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
	  cmd/imstored/imstored.service > $(DESTDIR)$(systemdunitdir)/imstored.service
	for c in $(COMMANDS); do ln -sf imstore $(DESTDIR)$(bindir)/imstore-$$c; done
	install -m 644 $(O)/libimstore.a $(O)/libcpim.a $(DESTDIR)$(libdir)/
	install -m 755 $(O)/libimstore.so.$(SOMAJOR) $(O)/libcpim.so.$(SOMAJOR) $(DESTDIR)$(libdir)/
	ln -sf libimstore.so.$(SOMAJOR) $(DESTDIR)$(libdir)/libimstore.so
	ln -sf libcpim.so.$(SOMAJOR) $(DESTDIR)$(libdir)/libcpim.so
	install -m 644 libstore/imstore.h libstore/imstore-exchange.h libcpim/cpim.h \
	  $(DESTDIR)$(includedir)/
	$(PC_SED) libstore/imstore.pc.in > $(DESTDIR)$(libdir)/pkgconfig/imstore.pc
	$(PC_SED) libcpim/cpim.pc.in > $(DESTDIR)$(libdir)/pkgconfig/cpim.pc
	install -m 644 schemas/*.xsd schemas/*.json $(DESTDIR)$(schemadir)/
	for m in man/*.[13578]; do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(mandir)/man$$s/; done
	install -m 644 completions/imstore.bash $(DESTDIR)$(bashcompdir)/imstore
	for c in $(COMMANDS); do ln -sf imstore $(DESTDIR)$(bashcompdir)/imstore-$$c; done
	install -m 644 completions/_imstore $(DESTDIR)$(zshcompdir)/_imstore

uninstall:
	rm -f $(DESTDIR)$(bindir)/imstore $(DESTDIR)$(sbindir)/imstored
	rm -f $(DESTDIR)$(systemdunitdir)/imstored.service
	for c in $(COMMANDS); do rm -f $(DESTDIR)$(bindir)/imstore-$$c; done
	rm -f $(DESTDIR)$(libdir)/libimstore.* $(DESTDIR)$(libdir)/libcpim.*
	rm -f $(DESTDIR)$(includedir)/imstore.h $(DESTDIR)$(includedir)/imstore-exchange.h \
	  $(DESTDIR)$(includedir)/cpim.h
	rm -f $(DESTDIR)$(libdir)/pkgconfig/imstore.pc $(DESTDIR)$(libdir)/pkgconfig/cpim.pc
	for m in man/*.[13578]; do s=$${m##*.}; rm -f $(DESTDIR)$(mandir)/man$$s/$${m##*/}; done
	rm -f $(DESTDIR)$(bashcompdir)/imstore $(DESTDIR)$(zshcompdir)/_imstore
	for c in $(COMMANDS); do rm -f $(DESTDIR)$(bashcompdir)/imstore-$$c; done
	for f in schemas/*.xsd schemas/*.json; do rm -f $(DESTDIR)$(schemadir)/$${f##*/}; done
	rmdir $(DESTDIR)$(schemadir) $(DESTDIR)$(datadir)/imstore 2>/dev/null || true

clean:
	rm -rf build build-asan build-tsan build-fuzz demo-store demo-export.tar.gz

.PHONY: all check check-all check-unit check-cli check-sip torture check-symbols check-docs \
        check-asan check-tsan check-fuzz check-install fuzz fuzz-run deps demo install uninstall clean
