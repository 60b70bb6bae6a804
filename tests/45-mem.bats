#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What a follow-mode stage holds in memory, read from its own
# /proc/PID/smaps once it has taken its first record, started as
# foom-watch starts it (a pipe in, a pipe out): every instruction it can
# run is in a mapping of its own binary (linked statically), locked and
# resident whole, so nothing on its path is read back from disk under
# pressure; its anonymous memory (tables sized for the worst record,
# heap, stack) is locked as it is touched, not all at start.  And
# foom-kill runs its kill path once on itself before the first victim.

load helper
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	SPID=
}

teardown() {
	# only the stage this test started
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null || true
		wait "$SPID" 2>/dev/null || true
	fi
}

# stage LINE CMD ARGS...: CMD reading the pipe $T/in and writing the
# pipe $T/out; LINE (if any) is written to it, and its first record out
# is awaited: by then it has hardened itself and run its path once.
stage() {
	local line=$1 first
	shift
	mkfifo "$T/in" "$T/out"
	exec 8<> "$T/out"
	"$@" < "$T/in" > "$T/out" 2> "$T/err" &
	SPID=$!
	exec 7> "$T/in"
	[ -z "$line" ] || echo "$line" >&7
	# a bound, so that a stage that never answers fails instead of hanging
	read -r -t 120 first <&8 || { cat "$T/err"; false; }
	echo "first record: ${first:0:80}"
}

# What breaks the rule in PID's smaps, a line each: a file mapped that
# is not its binary; a mapping of its binary not locked whole (VmFlags
# lo without lf, every page resident); anonymous memory locked up front
# (lo without lf) or not at all.  The kernel's own mappings (vdso, vvar,
# vsyscall) cannot be locked and hold no file.
smaps_faults() {
	local exe
	exe=$(readlink "/proc/$1/exe")
	awk -v exe="$exe" '
	function flush() {
		if (hdr == "")
			return
		if (inode != 0) {
			files++
			if (perms ~ /x/)
				code++
			if (path != exe)
				print "a file that is not its binary: " hdr
			if (flags !~ / lo / || flags ~ / lf / || rss != size)
				print "not locked whole: " hdr " Size " size " Rss " rss " VmFlags" flags
		} else if (path !~ /^\[(vdso|vvar|vvar_vclock|vsyscall)\]$/ &&
			   (flags !~ / lo / || flags !~ / lf /)) {
			print "not locked on fault: " hdr " Size " size " VmFlags" flags
		}
	}
	/^[0-9a-f]+-[0-9a-f]+ / {
		flush()
		hdr = $0; perms = $2; inode = $5; path = $6
		for (i = 7; i <= NF; i++)
			path = path " " $i
		size = rss = 0; flags = ""
		next
	}
	$1 == "Size:" { size = $2 }
	$1 == "Rss:" { rss = $2 }
	$1 == "VmFlags:" { flags = $0; sub(/^VmFlags:/, "", flags); flags = flags " " }
	END {
		flush()
		if (code == 0)
			print "no code of its binary mapped at all"
	}' "/proc/$1/smaps"
}

locked_as_it_should_be() {
	local faults
	faults=$(smaps_faults "$SPID")
	grep -E 'VmRSS|VmLck' "/proc/$SPID/status"
	if [ -n "$faults" ]; then
		echo "$faults"
		false
	fi
}

need_plain_build() {
	# ASan makes mlockall a no-op, and its runtime needs a dynamic link
	[ -z "${FOOM_SANITIZED:-}" ] || skip "the sanitizer build locks nothing and links dynamically"
}

# A sample of this node, and foom-predict's verdict on it (level ok:
# below foom-rank's trigger, so passed through).
records() {
	foom-sample -s node > "$T/sample"
	foom-predict "$T/sample" > "$T/verdict"
	grep -q '^verdict .* level=ok ' "$T/verdict"
}

@test "foom-sample -f: its code locked whole, the rest locked as touched" {
	need_plain_build
	stage "" foom-sample -f -i 1 -s node
	locked_as_it_should_be
}

@test "foom-predict: its code locked whole, the rest locked as touched" {
	need_plain_build
	records
	stage "$(cat "$T/sample")" foom-predict
	locked_as_it_should_be
}

@test "foom-rank -f: its code locked whole, the rest locked as touched" {
	need_plain_build
	records
	stage "$(cat "$T/verdict")" foom-rank -f --pass
	locked_as_it_should_be
}

@test "foom-kill -f: its code locked whole, not all its memory at start" {
	need_plain_build
	records
	echo 'protect name=^no-such-process$' > "$T/policy"
	stage "$(cat "$T/verdict")" foom-kill -f --pass -P "$T/policy" \
		--log "$T/kills.log" --lock "$T/lock"
	locked_as_it_should_be
}

@test "foom-kill -f runs its kill path once on itself first, and signals and logs nothing" {
	command -v strace > /dev/null || skip "no strace (make deps)"
	echo 'protect name=^no-such-process$' > "$T/policy"
	run --separate-stderr strace -f -qq -o "$T/trace" \
		-e trace=pidfd_open,pidfd_send_signal,kill,tgkill,read \
		foom-kill -f -P "$T/policy" --log "$T/kills.log" --lock "$T/lock" < /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -s "$T/kills.log" ]
	cat "$T/trace"
	# strace -f: "PID call(...) = result", the PID padded with blanks;
	# foom-kill is the first PID
	local pid first_read opened signalled
	pid=$(awk 'NR == 1 { print $1 }' "$T/trace")
	first_read=$(grep -nE "^$pid +read\(0, " "$T/trace" | head -1 | cut -d: -f1)
	opened=$(grep -nE "^$pid +pidfd_open\($pid, 0\) += [0-9]" "$T/trace" | head -1 | cut -d: -f1)
	signalled=$(grep -nE "^$pid +pidfd_send_signal\([0-9]+, 0, NULL, 0\) += 0" "$T/trace" | head -1 | cut -d: -f1)
	[ -n "$first_read" ]
	[ -n "$opened" ]
	[ -n "$signalled" ]
	[ "$opened" -lt "$signalled" ]
	[ "$signalled" -lt "$first_read" ]
	# signal 0 only, and to nobody else
	run grep -E "pidfd_send_signal\([0-9]+, [1-9A-Z]|^$pid +(kill|tgkill)\(" "$T/trace"
	[ "$status" -eq 1 ]
	run grep -E "pidfd_open\(" "$T/trace"
	[ "$status" -eq 0 ]
	run grep -vE "^$pid +pidfd_open\($pid, 0\)" <<< "$output"
	[ "$status" -eq 1 ]
}
