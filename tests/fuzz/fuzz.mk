# fuzz.mk - libFuzzer targets of tests/fuzz/, included at the end of the Makefile.
#   make fuzz                 each target for FUZZ_SECONDS (10) with its seed corpus
#   make fuzz FUZZ_SECONDS=600                     the long run ("10 minutes per target")
#   make fuzz FUZZ_TARGETS="csv sql"               only some targets
#   make fuzz-check           3 s per target, then the corpus replay: for CI
#   make fuzz-replay          the seed corpora through every target once, built with the
#                             plain compiler under ASan/UBSan (no clang needed); the corpora
#                             hold every input that once crashed, so this is the regression test
# Targets are built with clang -fsanitize=fuzzer,address,undefined against the library
# sources (build/fuzz/obj). Inputs found while fuzzing go to build/fuzz/corpus/<target>
# (the seeds in tests/fuzz/corpus/ are never written to); crashes to build/fuzz/crashes/.
# clang and its fuzzer runtime are installed with apt-get when missing, like `make deps`.

FUZZ_SECONDS ?= 10
FUZZ_CC      ?= clang
FUZZ_DIR     := build/fuzz
# where each run's logs go: make test's short run uses its own, so that it does not
# overwrite the logs of a long run going on at the same time
FUZZ_LOG_DIR ?= $(FUZZ_DIR)
FUZZ_TARGETS ?= source csv delimited jsonl sql split policy patterns fastpath json pgcopy blocks \
                split_formats xlsx state
FUZZ_PKGS     = clang libclang-rt-14-dev
FUZZ_STAMP    = build/.fuzz-deps-ok
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(CFLAGS_ALL) -O1 -g $(FUZZ_SAN) -Wno-unused-command-line-argument
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_HDRS    := $(wildcard tests/fuzz/*.h)
FUZZ_FLAGS_source = -max_len=70000
FUZZ_FLAGS_xlsx   = -max_len=20000
# targets of the program side (src/containers/): their objects, and the expat they need
FUZZ_XLSX_OBJ := $(FUZZ_DIR)/obj/src/containers/sheetxml.o
FUZZ_DEFS     = -DFUZZ_POLICY_PATH='"$(CURDIR)/patterns/policy.yaml"' \
                -DFUZZ_PATTERNS_DIR='"$(CURDIR)/patterns"'

.PHONY: fuzz fuzz-bins fuzz-check fuzz-replay fuzz-deps

$(FUZZ_STAMP):
	@missing=""; for p in $(FUZZ_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "pitally: installing fuzzing dependencies:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
	@mkdir -p build && touch $@
fuzz-deps: $(FUZZ_STAMP)

$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_STAMP) $(FUZZ_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# The objects must be named by an explicit rule: met only as prerequisites of the pattern
# rule below, they would be intermediate files, which make deletes after the run that
# created them when their .d files did not exist yet (a clean build, a new source file),
# and rebuilds (with every fuzz binary) in the next run, once the .d files name them.
.PHONY: fuzz-objs
fuzz-objs: $(FUZZ_OBJ) $(FUZZ_XLSX_OBJ)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)

# the .xlsx XML readers live on the program side: linked from their own object
$(FUZZ_DIR)/fuzz_xlsx: tests/fuzz/fuzz_xlsx.c $(FUZZ_HDRS) $(FUZZ_OBJ) $(FUZZ_XLSX_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_XLSX_OBJ) $(FUZZ_OBJ) $(LIBS)

fuzz-bins: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

# One line of figures per target; the log of a failing target is shown and make stops.
fuzz: fuzz-bins
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes; \
	  mkdir -p $(FUZZ_LOG_DIR); log=$(FUZZ_LOG_DIR)/$$t.log; \
	  if ! $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	      -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/$$t- $(FUZZ_FLAGS_$$t) \
	      $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t >$$log 2>&1; then \
	    tail -60 $$log; echo "fuzz_$$t: FAILED (log $$log, input in $(FUZZ_DIR)/crashes/)"; exit 1; fi; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
	  cov=$$(grep -a -E '^#[0-9]+.*cov:' $$log | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov \1, ft \2, corpus \3/'); \
	  rss=$$(sed -n 's/^stat::peak_rss_mb: *//p' $$log | tail -1); \
	  echo "fuzz_$$t: $$runs runs in $(FUZZ_SECONDS) s, $$cov, peak $${rss} MB, no crash"; \
	done

fuzz-check:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=3
	@$(MAKE) --no-print-directory fuzz-replay

# The seed corpora replayed under gcc + ASan/UBSan with replay_main.c.
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/replay/fuzz_%)
$(FUZZ_DIR)/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(FUZZ_HDRS) build/asan/libpitally.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  $(FUZZ_DEFS) -Itests/fuzz -o $@ $< tests/fuzz/replay_main.c build/asan/libpitally.a $(LIBS)

$(FUZZ_DIR)/replay/fuzz_xlsx: tests/fuzz/fuzz_xlsx.c tests/fuzz/replay_main.c $(FUZZ_HDRS) build/asan/libpitally-fileio.a build/asan/libpitally.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	  $(FUZZ_DEFS) -Itests/fuzz -o $@ $< tests/fuzz/replay_main.c build/asan/libpitally-fileio.a \
	  build/asan/libpitally.a $(LIBS)

# The ASan library is brought up to date first by a sub-make of the main Makefile's
# rule; here it is only a file the replay binaries depend on.
fuzz-replay:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT="-O1 -g" build/asan/libpitally.a \
	  build/asan/libpitally-fileio.a
	@$(MAKE) --no-print-directory fuzz-replay-run

.PHONY: fuzz-replay-run
fuzz-replay-run: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  printf 'fuzz_%s: ' $$t; \
	  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(FUZZ_DIR)/replay/fuzz_$$t tests/fuzz/corpus/$$t; \
	done

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_XLSX_OBJ:.o=.d)
