#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# lib/rec: the record format, its outputs, the input iterator.

load helper

@test "rec: values that need quoting read back identical" {
	vals=('plain' 'with space' 'say "hi"' 'a=b' 'back\slash' 'tab	in'
	      "new
line" "$(printf 'bell\aesc\033del\177')" 'héllo wörld ✓' '' '"' '\' '=')
	args=()
	for i in "${!vals[@]}"; do args+=("k$i=${vals[$i]}"); done
	recio -w rt "${args[@]}" > "$BATS_TEST_TMPDIR/a"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/a")" -eq 1 ]
	recio "$BATS_TEST_TMPDIR/a" > "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	# each value comes back byte for byte through -o as well
	for i in "${!vals[@]}"; do
		got=$(recio -o "k$i" "$BATS_TEST_TMPDIR/a"; echo x)
		want=$(printf '%s' "${vals[$i]}" | perl -0777 -pe 's/\\/\\\\/g; s/\t/\\t/g;
			s/\n/\\n/g; s/([\x00-\x1f\x7f])/sprintf("\\x%02x", ord $1)/ge'; echo; echo x)
		[ "$got" = "$want" ] || { echo "k$i: got [$got] want [$want]"; false; }
	done
}

@test "rec: the writer quotes and escapes exactly as foom(7) says" {
	run recio -w sample ts=1.000 scope=cgroup:/a/b 'reason=a "b"' 'x=c\d' \
		"y=$(printf 'p\tq\001')" e=
	[ "$status" -eq 0 ]
	[ "$output" = 'sample ts=1.000 scope=cgroup:/a/b reason="a \"b\"" x=c\d y="p\tq\x01" e=""' ]
}

@test "rec: -j writes JSON with numbers as numbers" {
	echo 'verdict ts=12.500 scope=node risk=0.91 level=near-oom n=-3 z=007 r="a \"q\" \x01"' |
		recio -j > "$BATS_TEST_TMPDIR/j"
	[ "$(cat "$BATS_TEST_TMPDIR/j")" = '{"record":"verdict","ts":12.500,"scope":"node","risk":0.91,"level":"near-oom","n":-3,"z":"007","r":"a \"q\" \u0001"}' ]
	if command -v jq >/dev/null; then
		[ "$(jq -r .risk "$BATS_TEST_TMPDIR/j")" = 0.91 ]
	fi
}

@test "rec: -t aligns columns under one header, - for absent keys" {
	printf 'sample scope=node avail_kb=10\nsample scope=cgroup:/long/name psi=3\n' |
		recio -t > "$BATS_TEST_TMPDIR/t"
	cat > "$BATS_TEST_TMPDIR/want" <<'OUT'
SCOPE             AVAIL_KB PSI
node              10       -
cgroup:/long/name -        3
OUT
	assert_golden "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/t"
}

@test "rec: -o escapes control characters, so a comm cannot drive the terminal" {
	recio -w victim "comm=$(printf 'a\033[31mb\001')" pid=7 > "$BATS_TEST_TMPDIR/v"
	recio -o comm,pid "$BATS_TEST_TMPDIR/v" > "$BATS_TEST_TMPDIR/o"
	! grep -q "$(printf '\033')" "$BATS_TEST_TMPDIR/o"
	[ "$(cat "$BATS_TEST_TMPDIR/o")" = "$(printf 'a\\x1b[31mb\\x01\t7')" ]
}

@test "rec: a value too long to write is cut, named in cut=, and reads back" {
	v=$(head -c 5000 /dev/zero | tr '\0' '\001')
	recio -w victim pid=7 "cmdline=$v" rss_kb=1 > "$BATS_TEST_TMPDIR/a"
	# each \x01 is written as four bytes: the value holds what fits
	[ "$(recio -o cut "$BATS_TEST_TMPDIR/a")" = cmdline ]
	[ "$(recio -o pid,rss_kb "$BATS_TEST_TMPDIR/a")" = "$(printf '7\t1')" ]
	len=$(recio -o cmdline "$BATS_TEST_TMPDIR/a" | wc -c)
	[ "$len" -gt 4000 ] && [ "$len" -le 4096 ]
	recio "$BATS_TEST_TMPDIR/a" | cmp - "$BATS_TEST_TMPDIR/a"
	# a short value is not cut and no cut= appears
	recio -w victim pid=7 cmdline=short | { ! grep -q cut=; }
}

@test "rec: a record of many long values still fits a reader's line" {
	v=$(head -c 5000 /dev/zero | tr '\0' '\001')
	args=()
	for i in $(seq 1 30); do args+=("k$i=$v"); done
	recio -w victim "${args[@]}" last=1 > "$BATS_TEST_TMPDIR/a"
	[ "$(wc -c < "$BATS_TEST_TMPDIR/a")" -le 65536 ]
	recio "$BATS_TEST_TMPDIR/a" > /dev/null
	# what did not fit is named, the last key included
	recio -o cut "$BATS_TEST_TMPDIR/a" | grep -q ',last$'
}

@test "rec: -o prints the chosen fields tab-separated, record as kind" {
	run sh -c 'printf "kill ts=1.000 pid=42 result=killed\n" | recio -o record,pid,missing,result'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'kill\t42\t\tkilled')" ]
}

@test "rec: a malformed line is named by file and line, and skipped" {
	printf 'sample a=1\nsample b="open\nsample c=2\n=x\nsample d\n' > "$BATS_TEST_TMPDIR/in"
	run recio "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 2 ]
	[[ "$output" == *"in:2: bad record: unterminated quoted value of 'b'"* ]]
	[[ "$output" == *"in:4: bad record: it does not open with a record kind"* ]]
	[[ "$output" == *"in:5: bad record: expected key=value at column 8"* ]]
	[[ "$output" == *"sample a=1"* ]]
	[[ "$output" == *"sample c=2"* ]]
}

@test "rec: bad escapes, stray quotes and NUL bytes are rejected" {
	run sh -c 'printf "s a=\"\\\\q\"\n" | recio'
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad escape in value of 'a'"* ]]
	run sh -c 'printf "s a=x\"y\n" | recio'
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad character in value of 'a'"* ]]
	run sh -c 'printf "s a=1\000b\n" | recio'
	[ "$status" -eq 2 ]
	[[ "$output" == *"NUL byte"* ]]
	run sh -c 'printf "s a=\"x\"y\n" | recio'
	[ "$status" -eq 2 ]
	[[ "$output" == *"text after the closing quote of 'a'"* ]]
}

@test "rec: a line longer than the limit is refused, the next one read" {
	{ printf 's a='; head -c 70000 /dev/zero | tr '\0' x; printf '\ns b=1\n'; } > "$BATS_TEST_TMPDIR/long"
	run recio "$BATS_TEST_TMPDIR/long"
	[ "$status" -eq 2 ]
	[[ "$output" == *"long:1: bad record: line longer than 65536 bytes"* ]]
	[[ "$output" == *"s b=1"* ]]
}

@test "rec: files, - and stdin, in order; a missing file is a system error" {
	echo 'a x=1' > "$BATS_TEST_TMPDIR/f1"
	echo 'b x=2' > "$BATS_TEST_TMPDIR/f2"
	run sh -c "echo 'c x=3' | recio '$BATS_TEST_TMPDIR/f1' - '$BATS_TEST_TMPDIR/f2'"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a x=1\nc x=3\nb x=2')" ]
	run recio "$BATS_TEST_TMPDIR/nope" "$BATS_TEST_TMPDIR/f1"
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"* ]]
	[[ "$output" == *"a x=1"* ]]
}

@test "rec: blank and # comment lines are skipped, CRLF tolerated" {
	run sh -c 'printf "\n# note\na x=1\r\n   \n" | recio'
	[ "$status" -eq 0 ]
	[ "$output" = "a x=1" ]
}

@test "rec: -o picks the fields of -t and -j too, in either order" {
	echo 'verdict ts=1.000 scope=node level=ok risk=0.10' > "$BATS_TEST_TMPDIR/v"
	run recio -t -o scope,level "$BATS_TEST_TMPDIR/v"
	[ "$output" = "$(printf 'SCOPE LEVEL\nnode  ok')" ]
	# columns in -o's order, even when the first record lacks one
	printf 'victim rank=1 pid=7\nvictim rank=2 pid=9 pod=web\n' |
		recio -t -o rank,pod,pid > "$BATS_TEST_TMPDIR/t"
	[ "$(cat "$BATS_TEST_TMPDIR/t")" = "$(printf 'RANK POD PID\n1    -   7\n2    web 9')" ]
	run recio -o risk,scope -j "$BATS_TEST_TMPDIR/v"
	[ "$output" = '{"record":"verdict","risk":0.10,"scope":"node"}' ]
	run recio -j -o risk,scope "$BATS_TEST_TMPDIR/v"
	[ "$output" = '{"record":"verdict","risk":0.10,"scope":"node"}' ]
}
