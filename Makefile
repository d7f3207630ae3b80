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

SRCS := $(sort $(wildcard src/*.c src/*/*.c))
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
DEPS := $(OBJS:.o=.d)
# Objects unit tests link against: libraries that need no server state.
LIBSRCS := $(sort $(wildcard src/ds/*.c)) src/net/resp.c $(sort $(wildcard src/script/lib*.c))
LIBOBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIBSRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))

SERVER := $(BUILD)/tern-server
PYTEST := /usr/bin/python3 -m pytest

.PHONY: all run test check unit integration fuzz-check fuzz bench clean deps

all: $(SERVER)

deps:
	@scripts/install-deps.sh

$(SERVER): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBOBJS) $(LDFLAGS) $(LIBS) -lcmocka

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

check: unit integration fuzz-check

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

bench: deps
	@$(MAKE) --no-print-directory all
	/usr/bin/python3 bench/run.py --server $(abspath $(SERVER)) $(BENCH_ARGS)

clean:
	rm -rf build build-san
