# respd -- a Redis-protocol server.  `make` builds bin/respd, `make run`
# starts it on 127.0.0.1:6379, `make test` runs every test (installing the
# Debian packages the tests need when run as root), `make bench` compares
# respd with redis-server.

CC ?= cc
OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -MMD -MP
ALL_CFLAGS = -std=c11 $(WARN) $(CPPFLAGS) $(CFLAGS)
LDLIBS_SERVER = -lpthread -lm

BUILD ?= build
BIN ?= bin
RESP_SRC := $(wildcard resp/*.c)
BROKER_SRC := $(wildcard broker/*.c)
RESP_OBJ := $(RESP_SRC:%.c=$(BUILD)/%.o)
BROKER_OBJ := $(BROKER_SRC:%.c=$(BUILD)/%.o)
# The broker's modules without main(), for unit tests that link them.
BROKER_LIB_OBJ := $(filter-out $(BUILD)/broker/server.o,$(BROKER_OBJ))
# The client library, and the judge pipeline built on it (bin/judge; its
# main() is client/judge/main.c, left out of the archive unit tests link).
CLIENT_SRC := $(wildcard client/*.c)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)
JUDGE_SRC := $(wildcard client/judge/*.c)
JUDGE_OBJ := $(JUDGE_SRC:%.c=$(BUILD)/%.o)
JUDGE_LIB_OBJ := $(filter-out $(BUILD)/client/judge/main.o,$(JUDGE_OBJ))

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
INTEG_SRC := $(wildcard tests/integration/*.c)
INTEG_OBJ := $(INTEG_SRC:%.c=$(BUILD)/%.o)
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(BUILD)/%.o)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(BIN)/%)

.PHONY: all run test test-unit test-integration test-compat test-interop \
	test-deps bench clean format fuzz

JUDGE_BIN := $(if $(wildcard client/judge/main.c),$(BIN)/judge)

all: $(BIN)/respd $(JUDGE_BIN)

$(BIN)/respd: $(RESP_OBJ) $(BROKER_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_SERVER)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libclient.a: $(CLIENT_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/libjudge.a: $(JUDGE_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/judge: $(BUILD)/client/judge/main.o $(BUILD)/libjudge.a \
		$(BUILD)/libclient.a $(RESP_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_SERVER)

run: $(BIN)/respd
	$(BIN)/respd

# respd and the judge pipeline (api, two workers, notify) on their default
# ports until Ctrl-C; the script prints what to try (docs/judge.md).
.PHONY: demo
demo: $(BIN)/respd $(BIN)/judge
	@BIN=$(BIN) bash client/judge/demo.sh

# --- tests -----------------------------------------------------------------

# The broker's modules go into an archive so that a unit test pulls in only
# the modules it uses (and what those need), not every module's references
# to the server state that server.c defines.
$(BUILD)/libbroker.a: $(BROKER_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/unit-tests: $(UNIT_OBJ) $(BUILD)/libbroker.a $(BUILD)/libjudge.a \
		$(BUILD)/libclient.a $(RESP_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion $(LDLIBS_SERVER)

$(BIN)/integration-tests: $(INTEG_OBJ) $(BUILD)/libclient.a $(RESP_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion $(LDLIBS_SERVER)

# Test tools (resp-compat, ...): one .c each, linked with the resp/ library.
$(TOOLS_BIN): $(BIN)/%: $(BUILD)/tests/tools/%.o $(RESP_OBJ)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_SERVER)

test-deps:
	@sh tests/install-deps.sh

test: test-deps
	@$(MAKE) --no-print-directory all $(BIN)/unit-tests $(BIN)/integration-tests \
		$(TOOLS_BIN)
	@BIN=$(BIN) bash tests/run-all.sh

test-unit: $(BIN)/unit-tests
	$(BIN)/unit-tests

test-integration: $(BIN)/respd $(BIN)/integration-tests
	$(BIN)/integration-tests

test-compat: $(BIN)/respd $(TOOLS_BIN)
	BIN=$(BIN) bash tests/compat/run.sh

test-interop: $(BIN)/respd
	BIN=$(BIN) bash tests/interop/run.sh

bench: $(BIN)/respd $(TOOLS_BIN)
	sh bench/run.sh

# libFuzzer harnesses for the protocol code, built with clang and run by
# hand (tests/fuzz/README.md); make test never builds or runs them.
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

fuzz: $(BIN)/fuzz-parse $(BIN)/fuzz-read

$(BIN)/fuzz-parse: tests/fuzz/fuzz_parse.c resp/resp_parse.c resp/resp_parse.h
	@mkdir -p $(BIN)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

$(BIN)/fuzz-read: tests/fuzz/fuzz_read.c resp/resp_read.c resp/resp_read.h
	@mkdir -p $(BIN)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(WARN) -o $@ $(filter %.c,$^)

format:
	clang-format -i resp/*.[ch] broker/*.[ch] client/*.[ch] client/judge/*.[ch] \
		tests/*/*.[ch]

clean:
	rm -rf $(BUILD) $(BIN)

-include $(RESP_OBJ:.o=.d) $(BROKER_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(INTEG_OBJ:.o=.d) $(TOOLS_OBJ:.o=.d) $(CLIENT_OBJ:.o=.d) $(JUDGE_OBJ:.o=.d)
