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
# directory), MEMCG_PATH (the path inside the hierarchy, as foom spells
# it) and MEMCG_VER (v1 or v2) for a new memory cgroup beneath this
# test's own: v1 where the v1 memory controller is mounted, else v2
# (memory.max), with +memory in the parent's subtree_control where it
# is missing and the kernel permits it; the limit is capped at 1 GiB.
# memcg_destroy removes it (and turns off what memcg_create turned on).
memcg_create() {
	local name=$1 limit=$2 base parent
	[ "$(id -u)" = 0 ] || skip "live test: needs root to create a memory cgroup"
	[ "$limit" -le 1073741824 ] || limit=1073741824
	MEMCG_ENABLED=
	if [ -f /sys/fs/cgroup/memory/cgroup.procs ]; then
		MEMCG_VER=v1
		base=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
		base=${base%/}
		MEMCG_PATH=$base/foom-test-$$-$name
		MEMCG_DIR=/sys/fs/cgroup/memory$MEMCG_PATH
	elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		MEMCG_VER=v2
		base=$(awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup)
		base=${base%/}
		parent=/sys/fs/cgroup$base
		grep -qw memory "$parent/cgroup.controllers" ||
			skip "live test: no memory controller in $parent"
		if ! grep -qw memory "$parent/cgroup.subtree_control"; then
			# refused in a non-root cgroup that holds processes
			echo +memory > "$parent/cgroup.subtree_control" 2>/dev/null ||
				skip "live test: cannot enable the memory controller beneath $parent"
			MEMCG_ENABLED=$parent
		fi
		MEMCG_PATH=$base/foom-test-$$-$name
		MEMCG_DIR=/sys/fs/cgroup$MEMCG_PATH
	else
		skip "live test: no memory controller (cgroup v1 at /sys/fs/cgroup/memory or v2 at /sys/fs/cgroup)"
	fi
	mkdir "$MEMCG_DIR" 2>/dev/null ||
		skip "live test: cannot create a memory cgroup under ${base:-/}"
	if [ "$MEMCG_VER" = v1 ]; then
		echo "$limit" > "$MEMCG_DIR/memory.limit_in_bytes"
	else
		echo "$limit" > "$MEMCG_DIR/memory.max"
	fi
	export MEMCG_DIR MEMCG_PATH MEMCG_VER
}

# memcg_oom_kills: the kernel's OOM kills in the test's cgroup so far.
memcg_oom_kills() {
	if [ "$MEMCG_VER" = v2 ]; then
		awk '$1 == "oom_kill" { print $2 }' "$MEMCG_DIR/memory.events"
	else
		awk '$1 == "oom_kill" { print $2 }' "$MEMCG_DIR/memory.oom_control"
	fi
}

# memcg_destroy: kill what this test started in it (nothing else is
# there), then remove it.
memcg_destroy() {
	local i pid
	[ -n "${MEMCG_DIR:-}" ] && [ -d "$MEMCG_DIR" ] || return 0
	# the cgroup and any the test made beneath it (a pod's path), each
	# emptied of the test's processes, the deepest removed first
	local d dirs
	for i in 1 2 3 4 5 6 7 8 9 10; do
		# cgroupfs files report size 0: read them to see members
		[ -n "$(cat $(find "$MEMCG_DIR" -name cgroup.procs) 2>/dev/null)" ] || break
		cat $(find "$MEMCG_DIR" -name cgroup.procs) 2>/dev/null | while read -r pid; do
			kill -9 "$pid" 2>/dev/null || true
		done
		sleep 0.2
	done
	dirs=$(find "$MEMCG_DIR" -mindepth 1 -depth -type d 2>/dev/null || :)
	for d in $dirs; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$d" 2>/dev/null && break
			sleep 0.2
		done
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$MEMCG_DIR" 2>/dev/null && break
		# v1 only: a v2 rmdir leaves the page cache to the parent
		[ "${MEMCG_VER:-v1}" = v2 ] ||
			echo 0 > "$MEMCG_DIR/memory.force_empty" 2>/dev/null || true
		sleep 0.2
	done
	# refused while another cgroup beneath still uses it: then it stays
	[ -z "${MEMCG_ENABLED:-}" ] ||
		echo -memory > "$MEMCG_ENABLED/cgroup.subtree_control" 2>/dev/null || true
	MEMCG_DIR= MEMCG_ENABLED=
}

# in_memcg CMD...: run CMD in the background inside the test's cgroup;
# sets PID.
in_memcg() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$MEMCG_DIR" "$@" &
	PID=$!
}

# poll TRIES CMD...: CMD every 0.05 s until it succeeds, at most TRIES
# times; status 1 when it never did.  A live test's wait: it bounds how
# long the test may hang, never how fast the machine must be.
poll() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# lines_at_least FILE N: FILE has N lines or more.
lines_at_least() {
	[ "$(wc -l < "$1")" -ge "$2" ]
}

# Compare output with a golden file; on mismatch show the diff.
assert_golden() {
	local golden=$1 actual=$2
	if ! diff -u "$golden" "$actual"; then
		echo "output differs from $golden" >&2
		return 1
	fi
}
