# SPDX-License-Identifier: MIT
# foom: build, test, install.  B is the build directory (. by default, so
# the commands land in cmd/ beside their sources); the sanitizer pass of
# "make check" builds into .asan/ with the same rules.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

B ?= .
CFLAGS ?= -O2 -g
WFLAGS = -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
PCRE2_CFLAGS := $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS := $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
ALL_CFLAGS = $(WFLAGS) $(CFLAGS) $(PCRE2_CFLAGS) -Ilib -MMD -MP
LDLIBS = $(PCRE2_LIBS) -lm
# The commands are linked statically (glibc's libc.a, libpcre2-dev's
# libpcre2-8.a): a follow-mode stage locks its own binary whole, and
# with libc and PCRE2 inside it that is every instruction the stage can
# run, in less resident memory than the shared libraries' touched pages
# took (foom-sample 1.0 MiB, was 1.8; foom(7), PIPELINE).  The sanitizer
# build links dynamically (its runtime needs it): STATIC= there.  foom
# looks no name up through NSS (users come from the passwd file
# itself), so a static glibc loses nothing it uses.
STATIC = -static

CMDSRC = $(wildcard cmd/foom-*.c)
CMDS = $(CMDSRC:%.c=$(B)/%)
SCRIPTS = $(filter-out %.c %.d $(CMDSRC:.c=),$(wildcard cmd/foom-*))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(LIBSRC:%.c=$(B)/%.o)
TESTSRC = $(wildcard tests/*.c)
TESTBIN = $(TESTSRC:%.c=$(B)/%)
MAN1 = $(wildcard man/*.1)
MAN7 = $(wildcard man/*.7)

SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined

# The fuzz targets (tests/fuzz/, clang's libFuzzer) link a library built
# for them into .fuzz/.  "make fuzz" runs each until FUZZ_RUNS inputs or
# FUZZ_SECONDS, FUZZ_JOBS at once.  On a 2-core machine shared with
# other builds the slowest, the record reader, ran about 1300 inputs a
# second (the policy parser 1550, the kernel-log reader 2650), so 10
# million take it up to 7700 s; the faster ones stop at FUZZ_RUNS.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 10000000
FUZZ_SECONDS ?= 7800
FUZZ_JOBS ?= 2
FUZZ_SMOKE_SECONDS ?= 3
FUZZFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZSRC = $(wildcard tests/fuzz/*.c)
FUZZBIN = $(FUZZSRC:%.c=$(B)/%)

all: $(CMDS) $(TESTBIN)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/lib/libfoom.a: $(LIBOBJ)
	$(AR) rcs $@ $^

$(B)/cmd/%: cmd/%.c $(B)/lib/libfoom.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(STATIC) -o $@ $< $(B)/lib/libfoom.a $(LDLIBS)

$(B)/tests/%: tests/%.c $(B)/lib/libfoom.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/libfoom.a $(LDLIBS)

$(B)/tests/fuzz/%: tests/fuzz/%.c $(B)/lib/libfoom.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/libfoom.a $(LDLIBS)

asan:
	$(MAKE) B=.asan CFLAGS='$(SANFLAGS)' LDFLAGS='-fsanitize=address,undefined' STATIC= all

fuzz-build:
	$(MAKE) B=.fuzz CC='$(FUZZ_CC)' CFLAGS='$(FUZZFLAGS)' \
		LDFLAGS='-fsanitize=fuzzer,address,undefined' $(FUZZSRC:%.c=.fuzz/%)

fuzz: fuzz-build
	tests/fuzz/run -j $(FUZZ_JOBS) -n $(FUZZ_RUNS) .fuzz $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	tests/fuzz/run -s .fuzz $(FUZZ_SMOKE_SECONDS)

# The suites run twice: on the normal build, then on the sanitizer
# build; the fuzz targets first, a few seconds each.
check: all asan fuzz-smoke
	tests/check . .asan

bench: all
	bench/run

eval: all
	bench/eval
	bench/vm/eval

# The eval once more on the trace streams thinned as foom-sample -f
# thins far from a limit: foom's tables must come out the same.
eval-cheap: all
	bench/eval-cheap

# The live side-by-side run (root, a memory cgroup, minutes) and the demo.
bench-live: all
	bench/livelock

demo: all
	bench/demo

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		build-essential pkg-config libpcre2-dev bats strace xz-utils \
		procps util-linux jq clang libclang-rt-dev gnuplot-nox logrotate curl nodejs
	@# The Kubernetes schemas for dist/kubernetes: npm's kubernetes-models,
	@# pinned by tests/k8s/package-lock.json (npm comes with some nodejs
	@# builds, from its own package with Debian's).
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends npm
	cd tests/k8s && npm ci --no-audit --no-fund
	@# foom-metrics is tested against the real parts: promtool (Debian's
	@# prometheus) and node_exporter.  Both packages start a service on
	@# install: a policy-rc.d refuses every start while they install, and
	@# the services the install enabled are disabled (never ones that
	@# were installed before).
	set -e; p=/usr/sbin/policy-rc.d; new=; \
	for s in prometheus prometheus-node-exporter; do \
		dpkg -s $$s >/dev/null 2>&1 || new="$$new $$s"; \
	done; \
	if [ -e $$p ]; then cp -p $$p $$p.foom-saved; fi; \
	printf '#!/bin/sh\nexit 101\n' > $$p; chmod 755 $$p; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		prometheus prometheus-node-exporter || st=$$?; \
	if [ -e $$p.foom-saved ]; then mv $$p.foom-saved $$p; else rm -f $$p; fi; \
	for s in $$new; do systemctl disable $$s.service >/dev/null 2>&1 || :; done; \
	exit $${st:-0}

# The live benchmark's other arms, never part of deps.  A policy-rc.d
# that refuses every start while they install: earlyoom's package
# enables a node-wide service, and the benchmark must be the only
# place it ever runs.
bench-deps:
	apt-get update -qq
	set -e; p=/usr/sbin/policy-rc.d; \
	if [ -e $$p ]; then cp -p $$p $$p.foom-saved; fi; \
	printf '#!/bin/sh\nexit 101\n' > $$p; chmod 755 $$p; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		earlyoom nohang util-linux || st=$$?; \
	if [ -e $$p.foom-saved ]; then mv $$p.foom-saved $$p; else rm -f $$p; fi; \
	for s in earlyoom nohang nohang-desktop; do \
		systemctl disable $$s.service >/dev/null 2>&1 || :; \
	done; \
	exit $${st:-0}

# The VM harness's packages (bench/vm).  The guest kernel is unpacked
# into bench/vm/.kernel, never installed: installing a linux-image
# package would add it to this host's boot menu and initramfs.
vm-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		qemu-system-x86 qemu-utils busybox-static kmod cpio e2fsprogs python3
	bench/vm/getkernel

# Every host shape in its own VM, side by side with the kernel alone
# (root, about 20 minutes).
vmcheck: all
	bench/vm/vmcheck

# install records each directory it makes in $(INSTALLDIRS), so that
# uninstall removes those and no directory that was there before.  The
# configuration and the default policy are installed only where there is
# none: an operator's edits survive a reinstall.
INSTALLDIRS = $(PREFIX)/share/foom/installed-dirs
DIRS = $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man7 $(BASHCOMPDIR) $(ZSHCOMPDIR) \
	$(FISHCOMPDIR) $(UNITDIR) $(SYSCONFDIR)/foom $(SYSCONFDIR)/logrotate.d \
	$(PREFIX)/share/foom

install: all
	@set -e; made=; for d in $(DIRS); do \
		m=; p=$(DESTDIR)$$d; \
		while [ -n "$$p" ] && [ ! -d "$$p" ]; do \
			m="$$p $$m"; [ "$${p%/*}" != "$$p" ] || break; p=$${p%/*}; \
		done; \
		for n in $$m; do mkdir "$$n"; made="$$made $${n#$(DESTDIR)}"; done; \
	done; \
	f=$(DESTDIR)$(INSTALLDIRS); \
	{ [ ! -f "$$f" ] || cat "$$f"; for n in $$made; do echo "$$n"; done; } | sort -u > "$$f.new"; \
	mv "$$f.new" "$$f"
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)
	for f in $(SCRIPTS); do \
		sed 's|^sysconfdir=/etc$$|sysconfdir=$(SYSCONFDIR)|' $$f > $(DESTDIR)$(BINDIR)/$${f##*/}; \
		chmod 755 $(DESTDIR)$(BINDIR)/$${f##*/}; \
	done
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/bash/* $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completions/zsh/* $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 completions/fish/* $(DESTDIR)$(FISHCOMPDIR)
	sed 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' dist/foom-watch.service > $(DESTDIR)$(UNITDIR)/foom-watch.service
	chmod 644 $(DESTDIR)$(UNITDIR)/foom-watch.service
	install -m 644 dist/logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/foom
	install -m 644 dist/policy.example dist/foom.conf $(DESTDIR)$(PREFIX)/share/foom
	install -m 644 dist/policy.example $(DESTDIR)$(SYSCONFDIR)/foom/policy.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/foom/policy ] || \
		install -m 644 dist/policy.example $(DESTDIR)$(SYSCONFDIR)/foom/policy
	[ -e $(DESTDIR)$(SYSCONFDIR)/foom/foom.conf ] || \
		install -m 644 dist/foom.conf $(DESTDIR)$(SYSCONFDIR)/foom/foom.conf

# The policy and foom.conf go only when they are still the shipped ones;
# then every directory install made, deepest first, where it is empty.
uninstall:
	for f in $(notdir $(CMDS) $(SCRIPTS)); do rm -f $(DESTDIR)$(BINDIR)/$$f; done
	for f in $(notdir $(MAN1)); do rm -f $(DESTDIR)$(MANDIR)/man1/$$f; done
	for f in $(notdir $(MAN7)); do rm -f $(DESTDIR)$(MANDIR)/man7/$$f; done
	for f in $(notdir $(wildcard completions/bash/*)); do rm -f $(DESTDIR)$(BASHCOMPDIR)/$$f; done
	for f in $(notdir $(wildcard completions/zsh/*)); do rm -f $(DESTDIR)$(ZSHCOMPDIR)/$$f; done
	for f in $(notdir $(wildcard completions/fish/*)); do rm -f $(DESTDIR)$(FISHCOMPDIR)/$$f; done
	rm -f $(DESTDIR)$(UNITDIR)/foom-watch.service $(DESTDIR)$(SYSCONFDIR)/foom/policy.example \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/foom
	for f in policy:policy.example foom.conf:foom.conf; do \
		if cmp -s $(DESTDIR)$(SYSCONFDIR)/foom/$${f%%:*} dist/$${f#*:}; then \
			rm -f $(DESTDIR)$(SYSCONFDIR)/foom/$${f%%:*}; fi; \
	done
	rm -f $(DESTDIR)$(PREFIX)/share/foom/policy.example $(DESTDIR)$(PREFIX)/share/foom/foom.conf
	if [ -f $(DESTDIR)$(INSTALLDIRS) ]; then \
		dirs=$$(sort -r $(DESTDIR)$(INSTALLDIRS)); rm -f $(DESTDIR)$(INSTALLDIRS); \
		for d in $$dirs; do rmdir $(DESTDIR)$$d 2>/dev/null || :; done; \
	fi

clean:
	rm -rf .asan .fuzz lib/*.o lib/*.d lib/libfoom.a cmd/*.d tests/*.d $(CMDS) $(TESTBIN)

# The container image (dist/kubernetes/Dockerfile), built and run for
# real: bench/image (root, minutes, the network of the apt sources).
# image-deps installs the engine, runc (crun refuses a hybrid cgroup
# host) and mmdebstrap, which makes the base image from Debian's
# archive: no registry is needed.
image-deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		podman runc mmdebstrap util-linux

image: all
	bench/image

.PHONY: image image-deps

.PHONY: all asan fuzz fuzz-build fuzz-smoke check bench bench-live bench-deps demo eval eval-cheap deps vm-deps vmcheck install uninstall clean

-include $(LIBOBJ:.o=.d) $(CMDS:=.d) $(TESTBIN:=.d) $(FUZZBIN:=.d)
