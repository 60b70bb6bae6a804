#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The README's examples are run and compared: every fenced block whose
# first line is "$ COMMAND" must print what the block shows.  The line
# before the block says where it runs:
#   <!-- example: dir=PATH -->          in PATH (default the top)
#   <!-- example: trace=NAME -->        in a shared trace, unpacked as T
#   <!-- example: samples=NAME -->      beside NAME.samples, the trace's
#                                       cgroup samples, one a tick
#   <!-- example: live header -->       this host: the first line only
#   <!-- example: live pid=P start=S stale=S2 mask=KEYS -->
#       a child of the test stands for pid P (start S; S2 a wrong one),
#       and the values of KEYS, live by nature, are masked
# Outside live examples nothing is masked.

load helper

README=$TOP/README.md

setup_file() {
	local d=$BATS_FILE_TMPDIR/ex
	mkdir -p "$d"
	awk -v d="$d" '
		/^<!-- example:/ { dir = $0; sub(/^<!-- example: */, "", dir); sub(/ *-->$/, "", dir); next }
		/^```/ && !inb { inb = 1; first = 1; start = NR; next }
		/^```/ && inb { inb = 0; if (n_open) close(f); n_open = 0; dir = ""; next }
		inb && first {
			first = 0
			if ($0 !~ /^\$ /) { dir = ""; next }
			n++; f = d "/" n
			print substr($0, 3) > (f ".cmd"); close(f ".cmd")
			print dir > (f ".dir"); close(f ".dir")
			print start > (f ".line"); close(f ".line")
			printf "" > (f ".want")
			n_open = 1; next
		}
		inb && n_open { print >> (f ".want") }
	' "$README"
}

# directive KEY: the value of KEY= in the example's directive.
directive() {
	tr ' ' '\n' < "$1.dir" | sed -n "s/^$2=//p"
}

# mask KEYS: every KEY=value (quoted or not) as KEY=*.
mask() {
	local k sed_args=()
	for k in ${1//,/ }; do
		sed_args+=(-e "s/\\(^\\| \\)$k=\"[^\"]*\"/\\1$k=*/g" -e "s/\\(^\\| \\)$k=[^ ]*/\\1$k=*/g")
	done
	sed "${sed_args[@]}"
}

# run_example N: run example N as its directive says, into N.got.
run_example() {
	local e=$BATS_FILE_TMPDIR/ex/$1 dir cmd t src child start
	cmd=$(cat "$e.cmd")
	dir=$TOP/$(directive "$e" dir)
	if [ -n "$(directive "$e" trace)" ]; then
		t=$(unpack_trace "$(directive "$e" trace)") || skip "no trace $(directive "$e" trace)"
		dir=$BATS_TEST_TMPDIR/trace
		mkdir -p "$dir"
		ln -sfn "$t" "$dir/T"
	fi
	if [ -n "$(directive "$e" samples)" ]; then
		t=$(directive "$e" samples)
		# the plain build's sampler where there is one, as 25-eval
		# keys its cache (this is about the README, not the build)
		src=$TOP/cmd/foom-sample
		[ -x "$src" ] || src=$FOOM_BIN/foom-sample
		FOOM_SAMPLE=$src FOOM_EVAL_WORK=$TESTS/.traces/eval \
			"$TOP/bench/eval" > /dev/null 2>&1 || skip "no trace $t"
		dir=$BATS_TEST_TMPDIR/samples
		mkdir -p "$dir"
		grep -F ' scope=cgroup:/foom-trace ' "$TESTS/.traces/eval/$t.samples" > "$dir/$t.samples"
	fi
	if grep -qw live "$e.dir" && [ -n "$(directive "$e" pid)" ]; then
		sleep 600 > /dev/null 2>&1 &
		child=$!
		until start=$(awk '{ print $22 }' "/proc/$child/stat" 2>/dev/null) &&
			[ "$(cat "/proc/$child/comm" 2>/dev/null)" = sleep ]; do sleep 0.01; done
		cmd=${cmd//$(directive "$e" stale)/$((start + 1))}
		cmd=${cmd//$(directive "$e" start)/$start}
		cmd=${cmd//$(directive "$e" pid)/$child}
	fi
	(cd "$dir" && TZ=UTC bash -c "$cmd") > "$e.got" 2>&1 || :
	[ -z "$child" ] || { kill -9 "$child" 2>/dev/null || :; wait "$child" 2>/dev/null || :; }
	if grep -qw header "$e.dir"; then
		head -1 "$e.want" > "$e.want.cmp"
		head -1 "$e.got" > "$e.got.cmp"
	elif [ -n "$(directive "$e" mask)" ]; then
		mask "$(directive "$e" mask)" < "$e.want" > "$e.want.cmp"
		mask "$(directive "$e" mask)" < "$e.got" > "$e.got.cmp"
	else
		cp "$e.want" "$e.want.cmp"
		cp "$e.got" "$e.got.cmp"
	fi
}

@test "README: its examples are found, each saying where it runs" {
	local n=0 e
	for e in "$BATS_FILE_TMPDIR"/ex/*.cmd; do
		n=$((n + 1))
	done
	echo "$n examples"
	[ "$n" -ge 10 ]
}

@test "README: every example prints what the README shows" {
	local e n bad=0
	for e in "$BATS_FILE_TMPDIR"/ex/*.cmd; do
		n=$(basename "$e" .cmd)
		run_example "$n"
		e=${e%.cmd}
		if ! diff -u "$e.want.cmp" "$e.got.cmp" > "$e.diff"; then
			echo "README.md:$(cat "$e.line"): \$ $(cat "$e.cmd")"
			cat "$e.diff"
			bad=1
		fi
	done
	[ "$bad" -eq 0 ]
}

@test "README: a changed example fails the check" {
	local e=$BATS_FILE_TMPDIR/ex/changed
	grep -l 'foom-rank' "$BATS_FILE_TMPDIR"/ex/*.cmd | head -1 > "$BATS_TEST_TMPDIR/which"
	cp "$(sed 's/\.cmd$//' "$BATS_TEST_TMPDIR/which").dir" "$e.dir"
	cp "$(cat "$BATS_TEST_TMPDIR/which")" "$e.cmd"
	sed 's/prefer cmdline=logcollect/prefer name=fluent-bit/' \
		"$(sed 's/\.cmd$/.want/' "$BATS_TEST_TMPDIR/which")" > "$e.want"
	run_example changed
	! diff -q "$e.want.cmp" "$e.got.cmp"
}
