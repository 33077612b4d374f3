# mailrota - see README.md.  `make`, `make test`, `make demo`,
# `make sanitize`, `make valgrind`, `make install PREFIX=... DESTDIR=...`,
# `make clean`, `make fresh-check`.  DEVELOPER=1 adds -Werror.
#
# Two passes, so that a fresh machine builds the first time: the outer make
# runs the deps step (scripts/deps.sh installs missing Debian packages as
# root, or names them) and then makes the same target again with
# MAILROTA_INNER=1.  Only that inner make reads the rules below and asks
# pkg-config for the flags, after the packages are in place.
# DEPS_CMD replaces the deps step: `make DEPS_CMD=:` on another system.

DEPS_CMD ?= sh scripts/deps.sh
# The libraries, as pkg-config names them; deps.sh checks them too.
PKGS    := sqlite3 libcurl openssl yaml-0.1 uuid gmime-3.0
export MAILROTA_PC_MODULES := $(PKGS)

.PHONY: deps deps-build fresh-check

# Install missing build and test packages on Debian (apt-get when root);
# deps-build only what building needs.
deps:
	@$(DEPS_CMD)
deps-build:
	@MAILROTA_DEPS=build $(DEPS_CMD)

# As root: remove the -dev packages, clone HEAD, `make demo` there, put the
# packages back.  Changes the machine's packages: see the script.
fresh-check:
	@sh scripts/fresh-check.sh

ifndef MAILROTA_INNER

.DEFAULT_GOAL := all
TEST_GOALS := test unit integration sanitize demo bench valgrind fuzz \
              fuzz-build
.PHONY: all install $(TEST_GOALS)

all install: deps-build
	@$(MAKE) --no-print-directory MAILROTA_INNER=1 $@

$(TEST_GOALS): deps
	@$(MAKE) --no-print-directory MAILROTA_INNER=1 $@

# Any other target (clean, lint, build/mailrota...) goes straight to the
# inner make, without the deps step.
Makefile: ;
%: FORCE
	@$(MAKE) --no-print-directory MAILROTA_INNER=1 $@
FORCE: ;

else # MAILROTA_INNER: the build itself

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/mailrota
DESTDIR ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
        -Wformat=2 -Wvla -fno-common
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif

BUILD   ?= build
PKG_CONFIG ?= pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
PKG_MISSING := $(shell for p in $(PKGS); do \
                   $(PKG_CONFIG) --exists $$p 2>/dev/null || echo $$p; done)
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread \
             -DMAILROTA_VERSION='"$(VERSION)"' -Iinclude -I$(BUILD) \
             $(WARN) $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)
LIBS = $(PKG_LIBS) -lm -pthread

# src/core pure policy, src/io the edges, src/cmd the commands, src/util
# strings and logs: docs/ARCHITECTURE.md.
SRC_DIRS  := core io cmd util
LIB_SRCS  := $(filter-out src/cmd/main.c,$(wildcard $(SRC_DIRS:%=src/%/*.c)))
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) \
             $(BUILD)/obj/migrations_gen.o
MAIN_OBJ  := $(BUILD)/obj/cmd/main.o
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
MANPAGES  := man/mailrota.1 man/mailrota.yaml.5
# Installed in $(DATADIR) for people to copy: nothing reads them from there.
DATA_TEMPLATES := $(wildcard templates/*)
DATA_EXAMPLES  := $(wildcard examples/*)

.PHONY: all test unit integration sanitize install uninstall clean \
        lint bench demo fuzz valgrind pkg-check

all: $(BUILD)/mailrota

# Before the first compiler error: say which libraries are missing.
pkg-check:
ifneq ($(strip $(PKG_MISSING)),)
	@echo "mailrota: pkg-config finds no $(strip $(PKG_MISSING)):" \
	    "install their -dev packages ('make deps' as root on Debian)" >&2
	@exit 1
endif

$(BUILD)/obj $(BUILD)/tests: | pkg-check
	@mkdir -p $@

# src/core/x.c builds to $(BUILD)/obj/core/x.o
$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)/obj
	@mkdir -p $(@D)
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

unit: $(BUILD)/mailrota $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/run.sh unit

integration: $(BUILD)/mailrota
	@BUILD=$(BUILD) sh tests/run.sh integration

# The architecture's boundaries (scripts/lint.sh) are part of the test.
test: $(BUILD)/mailrota $(UNIT_BINS)
	@sh scripts/lint.sh
	@BUILD=$(BUILD) sh tests/run.sh all

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
sanitize:
	$(MAKE) BUILD=build/asan CFLAGS="$(SAN_FLAGS)" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# Integration tests with every mailrota command under valgrind memcheck:
# fails on a memory error or a definitely/indirectly lost block.
# VALGRIND_TESTS="t_run t_oauth" picks the tests (default: tests/valgrind.sh).
VALGRIND_TESTS ?=
valgrind: $(BUILD)/mailrota
	@MAILROTA_EXTRA_PKGS=valgrind $(DEPS_CMD)
	@BUILD=$(BUILD) sh tests/valgrind.sh $(VALGRIND_TESTS)

lint:
	@sh scripts/lint.sh

bench: $(BUILD)/mailrota $(BUILD)/smtp-anchor
	@BUILD=$(BUILD) sh bench/run.sh

# The send benchmark's anchor (bench/smtp-anchor.c): raw libcurl, not part
# of the product.
$(BUILD)/smtp-anchor: bench/smtp-anchor.c | pkg-check
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread \
	    $(WARN) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(PKG_LIBS) -pthread

demo: $(BUILD)/mailrota
	@BUILD=$(BUILD) sh scripts/demo.sh

install: $(BUILD)/mailrota
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/mailrota $(DESTDIR)$(BINDIR)/mailrota
	install -m 0644 man/mailrota.1 $(DESTDIR)$(MANDIR)/man1/mailrota.1
	install -m 0644 man/mailrota.yaml.5 $(DESTDIR)$(MANDIR)/man5/mailrota.yaml.5
	install -d $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/examples
	install -m 0644 config.example.yaml $(DESTDIR)$(DATADIR)/config.example.yaml
	install -m 0644 $(DATA_TEMPLATES) $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 $(DATA_EXAMPLES) $(DESTDIR)$(DATADIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailrota $(DESTDIR)$(MANDIR)/man1/mailrota.1 \
	    $(DESTDIR)$(MANDIR)/man5/mailrota.yaml.5 \
	    $(DESTDIR)$(DATADIR)/config.example.yaml \
	    $(addprefix $(DESTDIR)$(DATADIR)/,$(DATA_TEMPLATES) $(DATA_EXAMPLES))
	rmdir $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/examples \
	    $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -rf build

include fuzz/fuzz.mk

endif # MAILROTA_INNER
