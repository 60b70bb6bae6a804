# SPDX-License-Identifier: MIT
bats_require_minimum_version 1.5.0
# Shared by every suite: where the binaries are, fixtures, the real
# traces, and live memory cgroups made beneath the test's own cgroup.

TESTS=$(cd "$BATS_TEST_DIRNAME" && pwd)
TOP=$(cd "$TESTS/.." && pwd)
FIX=$TESTS/fixtures
: "${FOOM_BIN:=$TOP/cmd}"
: "${FOOM_TESTBIN:=$TOP/tests}"
# Set by tests/check for the sanitizer build, where ASan turns mlockall
# into a no-op; found from the build directory when run by hand.
case $FOOM_BIN in */.asan/*) : "${FOOM_SANITIZED:=1}" ;; esac
# Built commands first (the sanitizer build when asked), then scripts.
PATH=$FOOM_BIN:$TOP/cmd:$FOOM_TESTBIN:$PATH
export PATH FOOM_BIN
# foom-kill -f locks the host; each suite run has its own lock, so suites
# run side by side do not refuse each other.
export FOOM_KILL_LOCK=${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/foom-kill.lock
# No fixture root leaks in from the caller's environment.
unset FOOM_PROC FOOM_CGROUP_ROOT FOOM_PODS_DIR
# Sanitizer reports fail the command; no leak check on exit(3) paths.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:exitcode=99:print_stacktrace=1

# The real near-OOM recordings (../shared/traces beside the checkout).
TRACES_SRC=${FOOM_TRACES:-$TOP/../shared/traces}
TRACES=$TESTS/.traces

# unpack_trace NAME: unpack a trace once; prints its directory.
unpack_trace() {
	local name=$1
	if [ ! -f "$TRACES/$name/.unpacked" ]; then
		[ -f "$TRACES_SRC/$name.tar.xz" ] || return 1
		mkdir -p "$TRACES"
		rm -rf "${TRACES:?}/$name"
		tar -xJf "$TRACES_SRC/$name.tar.xz" -C "$TRACES" || return 1
		touch "$TRACES/$name/.unpacked"
	fi
	echo "$TRACES/$name"
}

trace_names() {
	local f
	for f in "$TRACES_SRC"/*.tar.xz; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "${f%.tar.xz}"
	done
}

# need_traces: skip, with the reason, where the recordings are absent.
need_traces() {
	[ -n "$(trace_names)" ] || skip "no traces in $TRACES_SRC"
}

# Live memory cgroups.  memcg_create NAME LIMIT_BYTES sets MEMCG_DIR (the
# directory) and MEMCG_PATH (the path inside the hierarchy, as foom
# spells it) for a new v1 memory cgroup beneath this test's own; the
# limit is capped at 1 GiB.  memcg_destroy removes it.
memcg_create() {
	local name=$1 limit=$2 base
	[ "$(id -u)" = 0 ] || skip "live test: needs root to create a memory cgroup"
	[ -d /sys/fs/cgroup/memory ] ||
		skip "live test: no cgroup v1 memory controller at /sys/fs/cgroup/memory"
	[ "$limit" -le 1073741824 ] || limit=1073741824
	base=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
	base=${base%/}
	MEMCG_PATH=$base/foom-test-$$-$name
	MEMCG_DIR=/sys/fs/cgroup/memory$MEMCG_PATH
	mkdir "$MEMCG_DIR" 2>/dev/null ||
		skip "live test: cannot create a memory cgroup under $base"
	echo "$limit" > "$MEMCG_DIR/memory.limit_in_bytes"
	export MEMCG_DIR MEMCG_PATH
}

# memcg_destroy: kill what this test started in it (nothing else is
# there), then remove it.
memcg_destroy() {
	local i pid
	[ -n "${MEMCG_DIR:-}" ] && [ -d "$MEMCG_DIR" ] || return 0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		# cgroupfs files report size 0: read them to see members
		[ -n "$(cat "$MEMCG_DIR/cgroup.procs" 2>/dev/null)" ] || break
		while read -r pid; do
			kill -9 "$pid" 2>/dev/null || true
		done < "$MEMCG_DIR/cgroup.procs"
		sleep 0.2
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$MEMCG_DIR" 2>/dev/null && break
		echo 0 > "$MEMCG_DIR/memory.force_empty" 2>/dev/null || true
		sleep 0.2
	done
	MEMCG_DIR=
}

# in_memcg CMD...: run CMD in the background inside the test's cgroup;
# sets PID.
in_memcg() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$MEMCG_DIR" "$@" &
	PID=$!
}

# Compare output with a golden file; on mismatch show the diff.
assert_golden() {
	local golden=$1 actual=$2
	if ! diff -u "$golden" "$actual"; then
		echo "output differs from $golden" >&2
		return 1
	fi
}
