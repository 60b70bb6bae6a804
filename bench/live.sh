# SPDX-License-Identifier: MIT
# Sourced by bench/demo and bench/livelock: live memory cgroups made
# beneath the caller's own, the workloads started in them, and their
# removal.  The scenarios are those of the near-OOM traces.  On a host
# with the cgroup v1 memory controller: a v1 memory cgroup with a limit,
# the same processes in a cgroup2 group of the same path for PSI (when a
# cgroup2 tree is mounted beside v1), and a blkio group for a disk
# throttle.  On a cgroup v2 host: one v2 group with memory.max (and
# io.max for the throttle), its parent's subtree_control given +memory
# (+io) where that is needed and permitted.

# shellcheck disable=SC2034 # PID and the others are for the caller
LIVE_TOP=$(cd "$(dirname "$0")/.." && pwd)
LIVE_V1=/sys/fs/cgroup/memory
LIVE_V2=/sys/fs/cgroup/unified
LIVE_BLKIO=/sys/fs/cgroup/blkio
# the unified hierarchy of a v2-only host
LIVE_V2ROOT=/sys/fs/cgroup
: "${FOOM_TESTBIN:=$LIVE_TOP/tests}"
: "${FOOM_BIN:=$LIVE_TOP/cmd}"
PATH=$FOOM_BIN:$LIVE_TOP/cmd:$FOOM_TESTBIN:$PATH
export PATH

live_now() { date +%s.%3N; }

# live_mode: v1 where the v1 memory controller is mounted, v2 where the
# unified hierarchy holds the memory controller, else nothing.
live_mode() {
	if [ -f "$LIVE_V1/cgroup.procs" ]; then
		echo v1
	elif grep -qw memory "$LIVE_V2ROOT/cgroup.controllers" 2>/dev/null; then
		echo v2
	fi
}

# live_need: why a live run cannot happen here (on stdout), or nothing.
live_need() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root to create a memory cgroup"
	elif [ -z "$(live_mode)" ]; then
		echo "needs a memory controller: cgroup v1 at $LIVE_V1 or cgroup v2 at $LIVE_V2ROOT"
	elif [ ! -x "$FOOM_TESTBIN/hog" ] || [ ! -x "$FOOM_TESTBIN/reader" ]; then
		echo "needs tests/hog and tests/reader: run make"
	fi
}

# live_own2: this process's cgroup path in the unified hierarchy.
live_own2() {
	awk -F: '$1 == "0" && $2 == "" { print $3; exit }' /proc/self/cgroup
}

# live_enable2 DIR CONTROLLER: CONTROLLER in DIR's subtree_control, so
# the groups made beneath DIR have it; remembers what it turned on.
# The kernel refuses it in a non-root group that holds processes.
live_enable2() {
	grep -qw "$2" "$1/cgroup.subtree_control" && return 0
	if ! grep -qw "$2" "$1/cgroup.controllers"; then
		echo "live: no $2 controller in $1" >&2
		return 1
	fi
	if ! echo "+$2" > "$1/cgroup.subtree_control"; then
		echo "live: cannot enable $2 beneath $1 (a non-root cgroup with processes cannot: run from a cgroup of your own, e.g. systemd-run --scope)" >&2
		return 1
	fi
	CG_ENABLED="$CG_ENABLED $1:$2"
}

# live_own CONTROLLER: this process's cgroup path in a v1 hierarchy.
live_own() {
	awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++)
		if (a[i] == c) { print $3; exit } }' /proc/self/cgroup
}

# live_cg_new NAME LIMIT_MIB: a memory cgroup beneath our own.  Sets
# CG_PATH (as foom spells it), CG_DIR, CG_PROCS (the cgroup.procs files
# a started process joins), CG_VER (v1 or v2) and, with LIVE_THROTTLE=1,
# CG_BLKIO.
live_cg_new() {
	CG_V2='' CG_V2_MADE='' CG_BLKIO='' CG_ENABLED=''
	CG_VER=$(live_mode)
	if [ "$CG_VER" = v2 ]; then
		local_base=$(live_own2)
		local_base=${local_base%/}
		CG_PATH=$local_base/$1
		CG_DIR=$LIVE_V2ROOT$CG_PATH
		live_enable2 "$LIVE_V2ROOT$local_base" memory || return 1
		if [ "${LIVE_THROTTLE:-0}" = 1 ]; then
			live_enable2 "$LIVE_V2ROOT$local_base" io || return 1
		fi
		mkdir "$CG_DIR" || return 1
		echo $(($2 * 1048576)) > "$CG_DIR/memory.max"
		CG_PROCS=$CG_DIR/cgroup.procs
		CG_V2=$CG_DIR
		[ "${LIVE_THROTTLE:-0}" != 1 ] || CG_BLKIO=$CG_DIR
		export CG_PATH CG_DIR CG_PROCS CG_V2 CG_BLKIO CG_VER
		return 0
	fi
	local_base=$(live_own memory)
	CG_PATH=${local_base%/}/$1
	CG_DIR=$LIVE_V1$CG_PATH
	mkdir "$CG_DIR" || return 1
	echo $(($2 * 1048576)) > "$CG_DIR/memory.limit_in_bytes"
	CG_PROCS=$CG_DIR/cgroup.procs
	# PSI of the same processes, as the traces had it: a cgroup2 group at
	# the same path (only where the cgroup2 tree holds no controllers,
	# so it limits nothing).  The directories made are removed after.
	if [ -f "$LIVE_V2/cgroup.procs" ] && [ -f "$LIVE_V2/memory.pressure" ] &&
	    [ -z "$(cat "$LIVE_V2/cgroup.subtree_control" 2>/dev/null)" ]; then
		local_d=$LIVE_V2
		for local_c in $(echo "${CG_PATH#/}" | tr / ' '); do
			local_d=$local_d/$local_c
			[ -d "$local_d" ] && continue
			mkdir "$local_d" 2>/dev/null || break
			CG_V2_MADE="$local_d $CG_V2_MADE"
		done
		if [ -d "$LIVE_V2$CG_PATH" ]; then
			CG_V2=$LIVE_V2$CG_PATH
			CG_PROCS="$CG_PROCS $CG_V2/cgroup.procs"
		fi
	fi
	if [ "${LIVE_THROTTLE:-0}" = 1 ] && [ -d "$LIVE_BLKIO" ]; then
		CG_BLKIO=$LIVE_BLKIO$(live_own blkio | sed 's,/$,,')/$1
		mkdir "$CG_BLKIO" || return 1
		CG_PROCS="$CG_PROCS $CG_BLKIO/cgroup.procs"
	fi
	export CG_PATH CG_DIR CG_PROCS CG_V2 CG_BLKIO CG_VER
}

# live_cg_run CMD...: start CMD in the background inside the cgroup
# (it joins before it execs, so everything it touches is charged there);
# sets PID.
live_cg_run() {
	sh -c 'for f in $CG_PROCS; do echo $$ > "$f"; done; exec "$@"' live "$@" &
	# shellcheck disable=SC2034 # for the caller
	PID=$!
}

# live_cg_oom_kills: the cgroup's kernel OOM kills so far.
# (v2: memory.events, which counts those of the groups beneath too).
live_cg_oom_kills() {
	if [ "$CG_VER" = v2 ]; then
		awk '$1 == "oom_kill" { print $2 }' "$CG_DIR/memory.events"
	else
		awk '$1 == "oom_kill" { print $2 }' "$CG_DIR/memory.oom_control"
	fi
}

# live_cg_kill: SIGKILL what runs in the cgroup (only what we started is
# there), until it is empty.
live_cg_kill() {
	[ -n "${CG_DIR:-}" ] && [ -d "$CG_DIR" ] || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		# cgroup files report size 0: read it
		[ -n "$(cat "$CG_DIR/cgroup.procs")" ] || return 0
		while read -r local_p; do
			kill -9 "$local_p" 2>/dev/null || :
		done < "$CG_DIR/cgroup.procs"
		sleep 0.1
	done
}

# live_cg_empty: uncharge the page cache left behind, so the next run
# starts from an empty cgroup (v2 has no force_empty; its rmdir leaves
# the cache to the parent).
live_cg_empty() {
	[ "$CG_VER" = v2 ] || echo 0 > "$CG_DIR/memory.force_empty" 2>/dev/null || :
}

live_cg_destroy() {
	[ -n "${CG_DIR:-}" ] || return 0
	live_cg_kill
	if [ -d "$CG_DIR" ]; then
		for local_i in 1 2 3 4 5 6 7 8 9 10; do
			live_cg_empty
			rmdir "$CG_DIR" 2>/dev/null && break
			sleep 0.2
		done
	fi
	for local_d in $CG_V2_MADE; do
		rmdir "$local_d" 2>/dev/null || :
	done
	[ -z "$CG_BLKIO" ] || [ "$CG_BLKIO" = "$CG_DIR" ] || rmdir "$CG_BLKIO" 2>/dev/null || :
	# what live_enable2 turned on, turned off again (refused while
	# another group beneath still uses it: then it stays)
	for local_e in $CG_ENABLED; do
		echo "-${local_e##*:}" > "${local_e%:*}/cgroup.subtree_control" 2>/dev/null || :
	done
	CG_DIR='' CG_V2_MADE='' CG_BLKIO='' CG_ENABLED=''
}

# live_throttle IOPS FILE: limit the cgroup's reads of FILE's disk.
live_throttle() {
	local_mm=$(stat -c '%Hd:%Ld' "$2")
	# blk-throttle takes the whole disk, not a partition.
	if [ -f "/sys/dev/block/$local_mm/partition" ]; then
		local_mm=$(cat "/sys/dev/block/$local_mm/../dev")
	fi
	if [ "$CG_VER" = v2 ]; then
		echo "$local_mm riops=$1" > "$CG_BLKIO/io.max"
	else
		echo "$local_mm $1" > "$CG_BLKIO/blkio.throttle.read_iops_device"
	fi
}

# live_file PATH MIB: a file of MIB MiB of random data (kept between
# runs: writing it is the slow part).
live_file() {
	if [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" != $(($2 * 1048576)) ]; then
		dd if=/dev/urandom of="$1" bs=1M count="$2" conv=fsync status=none
	fi
}

# live_wait_file FILE SECONDS: wait until FILE is not empty.
live_wait_file() {
	local_n=$(($2 * 10))
	while [ "$local_n" -gt 0 ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		local_n=$((local_n - 1))
	done
	return 1
}
