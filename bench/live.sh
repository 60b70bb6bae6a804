# SPDX-License-Identifier: MIT
# Sourced by bench/demo and bench/livelock: live memory cgroups made
# beneath the caller's own, the workloads started in them, and their
# removal.  The scenarios are those of the near-OOM traces: a v1 memory
# cgroup with a limit, the same processes in a cgroup2 group of the same
# path for PSI (when a cgroup2 tree is mounted beside v1), and a blkio
# group for a disk throttle.

# shellcheck disable=SC2034 # PID and the others are for the caller
LIVE_TOP=$(cd "$(dirname "$0")/.." && pwd)
LIVE_V1=/sys/fs/cgroup/memory
LIVE_V2=/sys/fs/cgroup/unified
LIVE_BLKIO=/sys/fs/cgroup/blkio
: "${FOOM_TESTBIN:=$LIVE_TOP/tests}"
: "${FOOM_BIN:=$LIVE_TOP/cmd}"
PATH=$FOOM_BIN:$LIVE_TOP/cmd:$FOOM_TESTBIN:$PATH
export PATH

live_now() { date +%s.%3N; }

# live_need: why a live run cannot happen here (on stdout), or nothing.
live_need() {
	if [ "$(id -u)" != 0 ]; then
		echo "needs root to create a memory cgroup"
	elif [ ! -f "$LIVE_V1/cgroup.procs" ]; then
		echo "needs the cgroup v1 memory controller at $LIVE_V1"
	elif [ ! -x "$FOOM_TESTBIN/hog" ] || [ ! -x "$FOOM_TESTBIN/reader" ]; then
		echo "needs tests/hog and tests/reader: run make"
	fi
}

# live_own CONTROLLER: this process's cgroup path in a v1 hierarchy.
live_own() {
	awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++)
		if (a[i] == c) { print $3; exit } }' /proc/self/cgroup
}

# live_cg_new NAME LIMIT_MIB: a memory cgroup beneath our own.  Sets
# CG_PATH (as foom spells it), CG_DIR, CG_PROCS (the cgroup.procs files
# a started process joins) and, with LIVE_THROTTLE=1, CG_BLKIO.
live_cg_new() {
	local_base=$(live_own memory)
	CG_PATH=${local_base%/}/$1
	CG_DIR=$LIVE_V1$CG_PATH
	CG_V2='' CG_V2_MADE='' CG_BLKIO=''
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
	export CG_PATH CG_DIR CG_PROCS CG_V2 CG_BLKIO
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
live_cg_oom_kills() {
	awk '$1 == "oom_kill" { print $2 }' "$CG_DIR/memory.oom_control"
}

# live_cg_stat KEY: a memory.stat value in MiB.
live_cg_stat() {
	awk -v k="$1" '$1 == k { printf "%d", $2 / 1048576 }' "$CG_DIR/memory.stat"
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
# starts from an empty cgroup.
live_cg_empty() {
	echo 0 > "$CG_DIR/memory.force_empty" 2>/dev/null || :
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
	[ -z "$CG_BLKIO" ] || rmdir "$CG_BLKIO" 2>/dev/null || :
	CG_DIR='' CG_V2_MADE='' CG_BLKIO=''
}

# live_throttle IOPS FILE: limit the cgroup's reads of FILE's disk.
live_throttle() {
	local_mm=$(stat -c '%Hd:%Ld' "$2")
	# blk-throttle takes the whole disk, not a partition.
	if [ -f "/sys/dev/block/$local_mm/partition" ]; then
		local_mm=$(cat "/sys/dev/block/$local_mm/../dev")
	fi
	echo "$local_mm $1" > "$CG_BLKIO/blkio.throttle.read_iops_device"
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
