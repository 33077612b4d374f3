# mailrota - see README.md.  `make`, `make test`, `make sanitize`,
# `make valgrind`, `make install PREFIX=... DESTDIR=...`, `make clean`.
# DEVELOPER=1 adds -Werror.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS    := sqlite3 libcurl openssl yaml-0.1 uuid
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
        -Wformat=2 -Wvla -fno-common
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif

BUILD   ?= build
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread \
             -DMAILROTA_VERSION='"$(VERSION)"' -Iinclude -I$(BUILD) \
             $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS = $(PKG_LIBS) -lm -pthread

LIB_SRCS  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) \
             $(BUILD)/obj/migrations_gen.o
MAIN_OBJ  := $(BUILD)/obj/main.o
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
MANPAGES  := man/mailrota.1 man/mailrota.yaml.5

.PHONY: all deps test unit integration sanitize install uninstall clean \
        lint bench demo fuzz valgrind

all: $(BUILD)/mailrota

# Install missing build/test packages on Debian (apt-get when root).
deps:
	@sh scripts/deps.sh

$(BUILD)/obj $(BUILD)/tests:
	@mkdir -p $@

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/migrations_gen.c: $(MIGRATIONS) scripts/embed-migrations.sh | $(BUILD)/obj
	sh scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/migrations_gen.o: $(BUILD)/migrations_gen.c include/migrations.h
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(BUILD)/libmailrota.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/mailrota: $(MAIN_OBJ) $(BUILD)/libmailrota.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/harness.h $(BUILD)/libmailrota.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(ALL_LDFLAGS) -o $@ $< \
	    $(BUILD)/libmailrota.a $(LIBS)

unit: deps $(BUILD)/mailrota $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/run.sh unit

integration: deps $(BUILD)/mailrota
	@BUILD=$(BUILD) sh tests/run.sh integration

test: deps $(BUILD)/mailrota $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/run.sh all

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
sanitize: deps
	$(MAKE) BUILD=build/asan CFLAGS="$(SAN_FLAGS)" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# Integration tests with every mailrota command under valgrind memcheck:
# fails on a memory error or a definitely/indirectly lost block.
# VALGRIND_TESTS="t_run t_oauth" picks the tests (default: tests/valgrind.sh).
VALGRIND_TESTS ?=
valgrind: deps $(BUILD)/mailrota
	@MAILROTA_EXTRA_PKGS=valgrind sh scripts/deps.sh
	@BUILD=$(BUILD) sh tests/valgrind.sh $(VALGRIND_TESTS)

lint:
	@sh scripts/lint.sh

bench: deps $(BUILD)/mailrota
	@BUILD=$(BUILD) sh bench/run.sh

demo: deps $(BUILD)/mailrota
	@BUILD=$(BUILD) sh scripts/demo.sh

install: $(BUILD)/mailrota
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/mailrota $(DESTDIR)$(BINDIR)/mailrota
	install -m 0644 man/mailrota.1 $(DESTDIR)$(MANDIR)/man1/mailrota.1
	install -m 0644 man/mailrota.yaml.5 $(DESTDIR)$(MANDIR)/man5/mailrota.yaml.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailrota $(DESTDIR)$(MANDIR)/man1/mailrota.1 \
	    $(DESTDIR)$(MANDIR)/man5/mailrota.yaml.5

clean:
	rm -rf build

include fuzz/fuzz.mk
