# fuzz/fuzz.mk - libFuzzer targets (see fuzz/README.md), included by the
# Makefile's inner pass only, so PKG_CFLAGS and LIBS below come from
# pkg-config after the deps step has run.  `make fuzz` installs clang when missing, builds every target
# with ASan and UBSan into $(BUILD)/fuzz/ and runs each for FUZZ_SECONDS on
# a copy of its seed corpus; it fails when a target finds a crash.
#
#   make fuzz                     every target, 60 s each
#   make fuzz FUZZ_SECONDS=10     every target briefly (CI)
#   make fuzz FUZZ_TARGETS=csv    one target
#   make fuzz-build               build only

FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  ?= csv template config reply message jsonq tz dsn inbound imapresp
# Debian 12: clang is clang-14, whose libFuzzer and sanitizer runtimes are
# only a Recommends; llvm-14 brings llvm-symbolizer for readable traces.
FUZZ_PKGS     ?= clang libclang-rt-14-dev llvm-14
FUZZ_BUILD    := $(BUILD)/fuzz
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
                 -pthread -DMAILROTA_VERSION='"$(VERSION)"' -Iinclude \
                 -I$(BUILD) $(WARN) $(PKG_CFLAGS) -O1 -g \
                 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_LIB_OBJS := $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRCS)) \
                 $(FUZZ_BUILD)/obj/migrations_gen.o
FUZZ_BINS     := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_OPTS     := -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
                 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz-deps fuzz-build

fuzz-deps:
	@MAILROTA_EXTRA_PKGS="$(FUZZ_PKGS)" $(DEPS_CMD)

$(FUZZ_BUILD)/obj:
	@mkdir -p $@

$(FUZZ_BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(FUZZ_BUILD)/obj
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/obj/migrations_gen.o: $(BUILD)/migrations_gen.c \
                                    include/migrations.h | $(FUZZ_BUILD)/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-overlength-strings -c -o $@ $<

$(FUZZ_BUILD)/libmailrota.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_BUILD)/libmailrota.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_BUILD)/libmailrota.a $(LIBS)

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

# `make test` replays every committed corpus without libFuzzer, with the
# project's compiler (and under ASan and UBSan with `make sanitize`):
# $(BUILD)/tests/test_fuzz_NAME runs the target once on each input.
FUZZ_ALL         := csv template config reply message jsonq tz dsn inbound imapresp
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/tests/test_fuzz_%,$(FUZZ_ALL))

$(BUILD)/tests/test_fuzz_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h \
                            $(BUILD)/libmailrota.a | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -DFUZZ_NAME='"$*"' \
	    $(ALL_LDFLAGS) -o $@ fuzz/fuzz_$*.c fuzz/replay.c \
	    $(BUILD)/libmailrota.a $(LIBS)

test unit: $(FUZZ_REPLAY_BINS)

# Each target runs on a fresh copy of fuzz/corpus/NAME, so a run never
# grows the committed corpus; crashes land in $(FUZZ_BUILD)/artifacts/.
fuzz: fuzz-build
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    FUZZ_OPTS="$(FUZZ_OPTS)" sh fuzz/run.sh $(FUZZ_TARGETS)
