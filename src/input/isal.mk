# isal.mk - build switch for the ISA-L inflate backend (src/input/inflate_isal.c), included
# by the top Makefile. With libisal-dev installed, gzip input is inflated by ISA-L's igzip
# (several times faster than zlib); without it, zlib does the work and nothing else changes.
# PITALLY_INFLATE=zlib at run time forces zlib in an ISA-L build (tests use it).
#   make ISAL=0    build without ISA-L even when it is installed
# Include it after CFLAGS_ALL and LIBS are defined (it appends to both); `make deps`
# installs libisal-dev through DEB_PKGS in the Makefile.

ISAL ?= auto
ifneq ($(ISAL),0)
ISAL_HEADER := $(firstword $(wildcard /usr/include/isa-l/igzip_lib.h /usr/include/isa-l.h))
endif

ifneq ($(ISAL_HEADER),)
CFLAGS_ALL += -DPT_HAVE_ISAL
LIBS += -lisal
ISAL_BACKEND := isal
else
ISAL_BACKEND := zlib
endif

# The flag is not tracked by the .d files: a stamp named after the backend makes the
# objects that test PT_HAVE_ISAL rebuild when it changes (e.g. after `make deps` installed
# libisal-dev, or with ISAL=0).
ISAL_STAMP := $(BUILD)/.inflate-$(ISAL_BACKEND)
$(ISAL_STAMP):
	@mkdir -p $(BUILD) && rm -f $(BUILD)/.inflate-* && touch $@
$(BUILD)/obj/src/input/inflate_isal.o: $(ISAL_STAMP)
$(BUILD)/tests/test_inflate: $(ISAL_STAMP)
