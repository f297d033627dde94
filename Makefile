# pitally - build, test, demo, install.
#   make            build build/pitally
#   make demo       install missing build deps, build, scan a generated sample, print the report
#   make test       unit + integration tests, plain and under ASan/UBSan (build/asan)
#   make install PREFIX=/usr/local   binary, patterns, man page, bash/zsh completion, docs
#   make deb        build/pitally_VERSION_ARCH.deb (dpkg-deb), installing to /usr
#   make lint       cppcheck, clang-tidy (.clang-tidy) and gcc -fanalyzer; must be clean
#   V=1             show the full compiler commands (default: "  CC  file.o" lines)
.DEFAULT_GOAL := all
# Quiet build rules: "  CC      build/obj/src/x.o"; V=1 prints the commands themselves.
V ?= 0
ifeq ($(V),1)
say =
else
say = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -Iinclude $(OPT) \
             -DPT_DATADIR='"$(PREFIX)/share/pitally"' $(CFLAGS)
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN = -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
CFLAGS_ALL += -fsanitize=thread -fno-omit-frame-pointer
LDSAN = -fsanitize=thread
endif
LIBS = -lpcre2-8 -lyaml -lz -lxxhash -lcrypto -lm -pthread
# containers (src/containers/): archives, .xlsx XML, SQLite, .xls
LIBS += -larchive -lexpat -lsqlite3 -lfreexl
# ISA-L inflate when libisal-dev is installed (zlib otherwise)
-include src/input/isal.mk

# Debian packages the build and the tests need; installed by `make deps` when missing
# (python3-jsonschema: tests/report_check.py validates every report against
# docs/pitally-report.schema.json). The stamp depends on this Makefile, so a package
# added here is checked for again on a machine that was set up before.
DEB_PKGS = gcc make libpcre2-dev zlib1g-dev libyaml-dev libxxhash-dev libisal-dev libssl-dev \
           libarchive-dev libexpat1-dev libsqlite3-dev libfreexl-dev zip \
           python3 python3-jsonschema
DEPS_STAMP = build/.deps-ok

LIB_SRC  := $(sort $(wildcard src/input/*.c src/records/*.c src/classify/*.c \
              src/tally/*.c src/verdict/*.c src/report/*.c src/pipeline/*.c src/util/*.c))
# the program's side: walking directories, opening files and containers (archives,
# workbooks, databases); the library never does
PROG_SRC := $(sort $(wildcard src/fileio/*.c src/containers/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c)) src/main.c
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
PROG_OBJ := $(PROG_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps demo test test-run unit-bins install clean asan tsan bench deb lint install-files
all: $(DEPS_STAMP) $(BUILD)/pitally

# install_missing LABEL PACKAGES: apt-get install those not installed (as root, else sudo)
define install_missing
	@missing=""; for p in $(2); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "pitally: installing $(1):$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
endef

$(DEPS_STAMP): Makefile
	$(call install_missing,build dependencies,$(DEB_PKGS))
	@python3 -c 'import jsonschema' 2>/dev/null || \
	  echo "pitally: warning: $$(command -v python3) does not see the jsonschema module" \
	       "(python3-jsonschema is for /usr/bin/python3); the tests need it"
	@mkdir -p build && touch $@

# Only the tests need these: Chromium renders the HTML report (headless) in make test;
# man-db and groff-base render the man page, dpkg-dev (dpkg-shlibdeps) derives the
# Depends of the .deb, zsh checks the zsh completion (tests/integration/test_packaging.py),
# GNU parallel runs contrib/shard/parallel.sh (tests/integration/test_shard.py).
TEST_PKGS = chromium man-db groff-base dpkg-dev zsh parallel
TEST_DEPS_STAMP = build/.test-deps-ok
$(TEST_DEPS_STAMP): Makefile
	$(call install_missing,test dependencies,$(TEST_PKGS))
	@mkdir -p build && touch $@
deps: $(DEPS_STAMP)

# The commit the binary is built from, for the run record: build/gen/commit.h is
# rewritten only when it changes, so an unchanged tree rebuilds nothing.
GIT_COMMIT := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
$(BUILD)/gen/commit.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define PT_GIT_COMMIT "%s"\n' '$(GIT_COMMIT)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:
$(BUILD)/obj/src/cli/runrecord.o: $(BUILD)/gen/commit.h
$(BUILD)/obj/src/cli/runrecord.o: CFLAGS_ALL += -I$(BUILD)/gen
$(BUILD)/obj/src/main.o: $(BUILD)/gen/commit.h
$(BUILD)/obj/src/main.o: CFLAGS_ALL += -I$(BUILD)/gen

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libpitally.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/libpitally-fileio.a: $(PROG_OBJ)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

LIB_ARCHIVES = $(BUILD)/libpitally-fileio.a $(BUILD)/libpitally.a

$(BUILD)/pitally: $(CLI_OBJ) $(LIB_ARCHIVES)
	$(call say,LD,$@)$(CC) $(CFLAGS_ALL) $(LDSAN) -o $@ $(CLI_OBJ) $(LIB_ARCHIVES) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(LIB_ARCHIVES)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CFLAGS_ALL) -Itests/unit $(LDSAN) -o $@ $< $(LIB_ARCHIVES) $(LIBS)

# examples/: programs using the library as a user would; built and run by make test
EXAMPLE_BIN := $(patsubst examples/%.c,$(BUILD)/examples/%,$(sort $(wildcard examples/*.c)))
$(BUILD)/examples/%: examples/%.c $(BUILD)/libpitally.a
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CFLAGS_ALL) $(LDSAN) -o $@ $< $(BUILD)/libpitally.a $(LIBS)

unit-bins: $(TEST_BIN) $(EXAMPLE_BIN)

asan: $(DEPS_STAMP)
	$(MAKE) BUILD=build/asan SAN=1 OPT="-O1 -g" build/asan/pitally unit-bins

# ThreadSanitizer: the engine's reader, workers and ordered commit under TSan.
tsan: $(DEPS_STAMP)
	$(MAKE) BUILD=build/tsan SAN=thread OPT="-O1 -g" build/tsan/pitally build/tsan/tests/test_scan

# test and demo first make sure the packages are there, then build in a fresh make, so
# that what the package step installed (ISA-L) is seen by the build.
test: $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	@$(MAKE) --no-print-directory test-run
test-run: all unit-bins asan tsan
	@sh tests/run.sh build build/asan build/tsan

# demo shows the report, not the build: the build's output goes to a log, shown only
# when it fails (V=1 shows it all).
demo: $(DEPS_STAMP)
ifeq ($(V),1)
	@$(MAKE) --no-print-directory all
else
	@echo "pitally: building build/pitally (log: build/demo-build.log)"
	@$(MAKE) --no-print-directory all >build/demo-build.log 2>&1 || \
	  { cat build/demo-build.log; exit 1; }
endif
	@sh tests/demo.sh build/pitally

$(BUILD)/bench-gen: bench/gen.c | $(DEPS_STAMP)
	$(CC) -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o $@ bench/gen.c -lz

# the "custody hashing off" row preloads it (bench/nohash.c says why)
$(BUILD)/bench-nohash.so: bench/nohash.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -std=c11 -Wall -Wextra -Werror -shared -fPIC -o $@ bench/nohash.c

bench: all $(BUILD)/bench-gen $(BUILD)/bench-nohash.so
	@sh bench/run.sh

# Installed: the binary, the pattern sets and policy, the man page, bash and zsh
# completion, and the docs with the report's JSON Schema.
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/pitally
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh's fpath on Debian: vendor-completions for /usr (packages), site-functions elsewhere
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
DOC_FILES  = README.md $(wildcard docs/*.md) docs/pitally-report.schema.json
INSTALL_BIN ?= $(BUILD)/pitally
install: all
	@$(MAKE) --no-print-directory install-files
install-files:
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pitally/patterns \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/pitally
	install -m 644 patterns/*.yaml $(DESTDIR)$(PREFIX)/share/pitally/patterns/
	install -m 644 docs/pitally.1 $(DESTDIR)$(MANDIR)/man1/pitally.1
	install -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	install -m 644 contrib/completion/pitally.bash $(DESTDIR)$(BASHCOMPDIR)/pitally
	install -m 644 contrib/completion/_pitally $(DESTDIR)$(ZSHCOMPDIR)/_pitally

# make deb: a separate build for PREFIX=/usr (the compiled-in data directory), installed
# into a staging root and packed by dpkg-deb; Depends comes from dpkg-shlibdeps on the
# binary (the runtime libraries it links, by their Debian package names), not a list.
DEB_TOOL_PKGS = dpkg-dev
DEB_TOOL_STAMP = build/.deb-tools-ok
$(DEB_TOOL_STAMP): Makefile
	$(call install_missing,packaging tools,$(DEB_TOOL_PKGS))
	@mkdir -p build && touch $@
PT_VERSION_STR := $(shell sed -n 's/^\#define PT_VERSION "\(.*\)"/\1/p' include/pitally/common.h)
deb: $(DEPS_STAMP) $(DEB_TOOL_STAMP)
	@$(MAKE) --no-print-directory BUILD=build/deb-build PREFIX=/usr all
	+@sh contrib/debian/build-deb.sh build/deb-build/pitally "$(PT_VERSION_STR)" build

# make lint: cppcheck, clang-tidy and gcc -fanalyzer over the program's sources, with
# the build's defines; contrib/lint/lint.sh prints "ok TOOL" lines and "N passed, N failed".
LINT_PKGS = cppcheck clang-tidy
LINT_STAMP = build/.lint-deps-ok
$(LINT_STAMP): Makefile
	$(call install_missing,lint tools,$(LINT_PKGS))
	@mkdir -p build && touch $@
LINT_FLAGS = -std=c11 -D_GNU_SOURCE -Iinclude -I$(BUILD)/gen \
             $(if $(filter isal,$(ISAL_BACKEND)),-DPT_HAVE_ISAL)
lint: $(DEPS_STAMP) $(LINT_STAMP) $(BUILD)/gen/commit.h
	@sh contrib/lint/lint.sh "$(LINT_FLAGS)" $(LIB_SRC) $(PROG_SRC) $(CLI_SRC)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PROG_OBJ:.o=.d)

# libFuzzer targets (tests/fuzz/): `make fuzz` runs each for FUZZ_SECONDS.
-include tests/fuzz/fuzz.mk
