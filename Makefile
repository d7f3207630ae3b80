# Tern build.  Targets: all run test bench clean.
# `make SANITIZE=address,undefined` builds with sanitizers into build-san/.

CC ?= cc
SANITIZE ?=
OPT ?= -O2

ifeq ($(SANITIZE),)
  BUILD := build
  SANFLAGS :=
  MALLOC_LIBS := -ljemalloc
  MALLOC_DEF := -DUSE_JEMALLOC
else
  BUILD := build-san
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  # ASan brings its own allocator; jemalloc would hide leaks from it.
  MALLOC_LIBS :=
  MALLOC_DEF :=
endif

WARN := -Wall -Wextra -Wshadow -Werror -Wno-unused-parameter
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SANFLAGS) $(MALLOC_DEF) -Isrc -I/usr/include/lua5.1 $(EXTRA_CFLAGS)
# -rdynamic: crash-report backtraces name our functions.
LDFLAGS := $(SANFLAGS) -rdynamic
LIBS := $(MALLOC_LIBS) -lxxhash -llua5.1 -llzf -lssl -lcrypto -lm -lpthread

# ---- what each binary is made of ----
# The server: its entry point and the layers under it, folder by folder
# (docs/design.md).  A folder not listed here is no part of the server, so
# another binary's main (tern-cli, a tool) can live in the tree.
SERVER_DIRS := ds net core types persist script repl acl server
SERVER_LIB_SRCS := $(sort $(foreach d,$(SERVER_DIRS),$(wildcard src/$(d)/*.c)))
SERVER_SRCS := src/main.c $(SERVER_LIB_SRCS)
SERVER_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SERVER_SRCS))
SERVER_LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SERVER_LIB_SRCS))
# tern-cli (src/cli/, when it arrives): its own files plus the libraries
# that need no server state.
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
# Unit tests link one of two sets: LIBOBJS, the libraries that need no
# server state, or (the tests in UNIT_HARNESS_TESTS, which exercise core/
# and types/) every server object but main.o plus the harness in
# tests/unit/harness/: real databases and command table, fake clients.
LIBSRCS := $(sort $(wildcard src/ds/*.c)) src/net/resp.c $(sort $(wildcard src/script/lib*.c))
LIBOBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIBSRCS))
HARNESS_SRCS := tests/unit/harness/harness.c
HARNESS_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%.o,$(HARNESS_SRCS))
UNIT_HARNESS_TESTS := test_keyspec test_set
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_HARNESS_BINS := $(patsubst %,$(BUILD)/unit/%,$(UNIT_HARNESS_TESTS))
UNIT_LIB_BINS := $(filter-out $(UNIT_HARNESS_BINS),$(UNIT_BINS))
# libFuzzer targets: tests/fuzz/fuzz_<name>.c, each with its own list
# (clang, -fsanitize=fuzzer,address; built by `make fuzz-targets`).
FUZZ_CC ?= clang
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_resp_SRCS := src/net/resp.c src/ds/alloc.c src/ds/numfmt.c
DEPS := $(SERVER_OBJS:.o=.d) $(HARNESS_OBJS:.o=.d)

SERVER := $(BUILD)/tern-server
PYTEST := /usr/bin/python3 -m pytest

.PHONY: all run test check unit integration fuzz-check fuzz fuzz-targets fuzz-libfuzzer bench clean deps \
	check-layers replay-long

all: $(SERVER)

deps:
	@scripts/install-deps.sh

$(SERVER): $(SERVER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(SERVER_OBJS) $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(UNIT_LIB_BINS): $(BUILD)/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBOBJS) $(LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/unit/harness/%.o: tests/unit/harness/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -MMD -MP -c $< -o $@

$(UNIT_HARNESS_BINS): $(BUILD)/unit/%: tests/unit/%.c $(HARNESS_OBJS) $(SERVER_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(HARNESS_OBJS) $(SERVER_LIB_OBJS) $(LDFLAGS) $(LIBS) -lcmocka

fuzz-targets: $(FUZZ_TARGETS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined -Isrc -o $@ $< $(FUZZ_$*_SRCS)

# One bounded libFuzzer run per target (FUZZ_RUNS inputs each).
FUZZ_RUNS ?= 200000
fuzz-libfuzzer: fuzz-targets
	@set -e; for t in $(FUZZ_TARGETS); do echo "== $$t"; $$t -runs=$(FUZZ_RUNS) -max_len=4096; done

-include $(DEPS)

run: deps
	@$(MAKE) --no-print-directory all
	./$(SERVER) --bind 127.0.0.1 --port 6379

# `make test` runs everything plain, then again under ASan+UBSan (leak
# checking on).  With SANITIZE set it runs only that build.
ifeq ($(SANITIZE),)
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check SANITIZE=address,undefined
else
test: deps
	@$(MAKE) --no-print-directory check
endif

check: check-layers unit integration fuzz-check

# Includes only point down the layers; no weak symbols (scripts/check-layers.py).
check-layers:
	@/usr/bin/python3 scripts/check-layers.py

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done

integration: $(SERVER)
	TERN_SERVER=$(abspath $(SERVER)) TERN_SANITIZED=$(if $(SANITIZE),1,) $(PYTEST) -q -x -p no:cacheprovider tests/integration tests/diff

# Randomized differential runs against redis-server (tests/fuzz/).  The
# fixed-seed slice in `make check` is a few thousand commands per seed
# (fewer under the sanitizers); `make fuzz` runs a random seed for
# FUZZ_SECONDS (or FUZZ_COMMANDS commands, or FUZZ_SEED to replay).
DIFFFUZZ := /usr/bin/python3 tests/fuzz/difffuzz.py --tern $(abspath $(SERVER)) $(if $(SANITIZE),--sanitized,)
FUZZ_CHECK_SEEDS ?= 1 2 3
FUZZ_CHECK_COMMANDS ?= $(if $(SANITIZE),3000,5000)
FUZZ_SECONDS ?= 600

fuzz-check: $(SERVER)
	@set -e; for s in $(FUZZ_CHECK_SEEDS); do \
	  $(DIFFFUZZ) --seed $$s --commands $(FUZZ_CHECK_COMMANDS) --shrink-seconds 60 --max-failures 1; done

fuzz: $(SERVER)
	$(DIFFFUZZ) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED),) $(if $(FUZZ_COMMANDS),--commands $(FUZZ_COMMANDS),--seconds $(FUZZ_SECONDS)) --progress 25

# The propagation stream of a 1,000,000-command random workload replays on an
# empty server to the same dataset (tests/support/replaycheck.py; not part of
# `make test`: minutes).  REPLAY_SEED replays one seed.
REPLAY_COMMANDS ?= 1000000
replay-long: $(SERVER)
	/usr/bin/python3 tests/support/replaycheck.py --server $(abspath $(SERVER)) \
	  --commands $(REPLAY_COMMANDS) $(if $(REPLAY_SEED),--seed $(REPLAY_SEED),)

bench: deps
	@$(MAKE) --no-print-directory all
	/usr/bin/python3 bench/run.py --server $(abspath $(SERVER)) $(BENCH_ARGS)

clean:
	rm -rf build build-san
