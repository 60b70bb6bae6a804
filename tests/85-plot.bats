#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# foom-plot: one picture per scope from a recorded stream, gnuplot as
# the engine, nothing of the input in gnuplot's script.

load helper

PL=$FIX/plot

setup() {
	command -v gnuplot > /dev/null || skip "no gnuplot (make deps installs gnuplot-nox)"
	D=$BATS_TEST_TMPDIR/pics
	mkdir -p "$D"
}

@test "plot: one SVG per scope with the band, the memory, the stall and the kill" {
	run foom-plot -d "$D" "$PL/stream.rec"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == "plot scope=cgroup:/app file=$D/foom-cgroup__app-"*".svg samples=29 verdicts=29 kills=1" ]]
	f=$(ls "$D"/*.svg)
	grep -q '<svg' "$f"
	grep -q '>cgroup:/app<' "$f"
	grep -q '>hog 4242<' "$f"
	# the refused kill is no kill
	! grep -q 'other 4243' "$f"
	for t in limit available anonymous 'page cache' 'refaults %/s of the cache'; do
		grep -q ">$t<" "$f"
	done
	# only the figures the stream has: this one has no PSI
	! grep -q '>PSI io some<' "$f"
	grep -q '>seconds from 2023-11-14 22:13:20 UTC<' "$f"
	# the work directory is gone
	[ "$(ls "$D")" = "$(basename "$f")" ]
}

@test "plot: PNG, and the size asked for" {
	foom-plot -d "$D" -F png -z 640x480 "$PL/stream.rec" > /dev/null
	f=$(ls "$D"/*.png)
	[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	# width and height from the IHDR chunk
	[ "$(od -An -tu1 -j16 -N8 "$f" | tr -s ' ' | sed 's/^ //')" = "0 0 2 128 0 0 1 224" ]
}

@test "plot: a hostile scope name reaches the picture as text, never gnuplot's script" {
	local name long t
	name="cgroup:/x'; system('touch $BATS_TEST_TMPDIR/pwned') #\"\\\$(id)"$'\n'"set output '/tmp/y'"
	long=cgroup:/$(printf 'p%.0s' $(seq 1 3000))
	: > "$BATS_TEST_TMPDIR/evil.rec"
	for t in 1 2 3; do
		for s in "$name" "$long"; do
			recio -w sample ts=$t scope="$s" limit_kb=1000 avail_kb=500 anon_kb=400 file_kb=100
			recio -w verdict ts=$t scope="$s" level=warn fresh=ok refault_pct_ps=1
			recio -w kill ts=$t scope="$s" pid=7 comm="$s" result=killed
		done
	done >> "$BATS_TEST_TMPDIR/evil.rec"
	grep -c '' "$BATS_TEST_TMPDIR/evil.rec"
	foom-plot -S -d "$D" "$BATS_TEST_TMPDIR/evil.rec" > "$BATS_TEST_TMPDIR/out"
	cat "$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^plot ' "$BATS_TEST_TMPDIR/out")" -eq 2 ]
	for g in "$D"/*.d/plot.gp; do
		! grep -q -e system -e pwned -e ppppp -e "x'" -e /tmp/y "$g"
	done
	# the names are in the data files, quotes shown as ?
	grep -qF "\"cgroup:/x'; system('touch $BATS_TEST_TMPDIR/pwned') #??\$(id)?set output '/tmp/y'\"" "$D"/*x__*.d/title.tsv
	grep -qF "#??\$(id)?set output" "$D"/*x__*.d/kills.tsv
	# file names: the safe alphabet, cut, and distinct
	for d in "$D"/*.d; do
		n=$(basename "$d")
		[[ $n =~ ^foom-[A-Za-z0-9._-]+-[0-9a-f]{8}\.svg\.d$ ]]
		[ "${#n}" -le 110 ]
	done
	# gnuplot runs them and executes nothing
	for d in "$D"/*.d; do (cd "$d" && gnuplot plot.gp 2> /dev/null); done
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	[ "$(ls "$D"/*.svg | wc -l)" -eq 2 ]
}

@test "plot: -s draws only the scopes named; scopes get distinct files" {
	sed 's|scope=cgroup:/app|scope=cgroup:/b|' "$PL/stream.rec" > "$BATS_TEST_TMPDIR/b.rec"
	foom-plot -d "$D" "$PL/stream.rec" "$BATS_TEST_TMPDIR/b.rec" > /dev/null
	[ "$(ls "$D"/*.svg | wc -l)" -eq 2 ]
	rm "$D"/*.svg
	run foom-plot -d "$D" -s cgroup:/b "$PL/stream.rec" "$BATS_TEST_TMPDIR/b.rec"
	[ "$status" -eq 0 ]
	[[ $output == "plot scope=cgroup:/b "* ]]
	[ "$(ls "$D"/*.svg | wc -l)" -eq 1 ]
}

@test "plot: bad input: a clear message, a documented status" {
	run foom-plot -d "$D" "$BATS_TEST_TMPDIR/none.rec"
	[ "$status" -eq 3 ]
	[[ $output == *"cannot open '$BATS_TEST_TMPDIR/none.rec'"* ]]
	run foom-plot -F gif "$PL/stream.rec"
	[ "$status" -eq 2 ]
	[[ $output == *"--format: 'gif' is not svg or png"* ]]
	run foom-plot -z 10x10 "$PL/stream.rec"
	[ "$status" -eq 2 ]
	[[ $output == *"--size: '10x10'"* ]]
	run foom-plot -d "$PL/stream.rec" "$PL/stream.rec"
	[ "$status" -eq 2 ]
	[[ $output == *"is not a directory"* ]]
	# nothing to draw
	grep '^kill ' "$PL/stream.rec" > "$BATS_TEST_TMPDIR/kills.rec"
	run foom-plot -d "$D" "$BATS_TEST_TMPDIR/kills.rec"
	[ "$status" -eq 1 ]
	[ -z "$(ls "$D")" ]
	# a bad line and records without a scope: said, the rest drawn
	{ echo 'sample ts=1 limit_kb=5'; echo 'this is = not "a record'; cat "$PL/stream.rec"; } > "$BATS_TEST_TMPDIR/mixed.rec"
	run foom-plot -d "$D" "$BATS_TEST_TMPDIR/mixed.rec"
	[ "$status" -eq 2 ]
	[[ $output == *"mixed.rec:2: bad record"* ]]
	[[ $output == *"1 sample or verdict records without scope= or ts= skipped (the first at $BATS_TEST_TMPDIR/mixed.rec:1)"* ]]
	[ "$(ls "$D"/*.svg | wc -l)" -eq 1 ]
}

@test "plot: gnuplot missing or failing is status 3, its script kept" {
	FOOM_GNUPLOT=/nonexistent/gnuplot run foom-plot -d "$D" "$PL/stream.rec"
	[ "$status" -eq 3 ]
	[[ $output == *"cannot run /nonexistent/gnuplot"*"gnuplot-nox"* ]]
	[[ $output == *"gnuplot failed (status 127)"*"plot.gp: kept for a look"* ]]
	[ -f "$(ls -d "$D"/*.d)/plot.gp" ]
}
