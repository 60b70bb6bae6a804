#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The documentation keeps up with the commands: every option of --help
# in the man page and the bash completion, one version form, and bash
# completions that work without the bash-completion package, values
# after "--opt=" included.

load helper

COMMANDS="foom-sample foom-predict foom-rank foom-kill foom-watch foom-events foom-metrics foom-plot foom-top"

# long_options CMD: the long options --help lists, one a line.
long_options() {
	"$1" --help | sed -n 's/^ *\(-[^ ,], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u
}

@test "docs: every option of --help is in its man page and its bash completion" {
	local c o bad=0 n=0
	for c in $COMMANDS; do
		for o in $(long_options "$c"); do
			n=$((n + 1))
			grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" "$TOP/man/$c.1" ||
				{ echo "$c: $o not in man/$c.1"; bad=1; }
			grep -qF -- "$o" "$TOP/completions/bash/$c" ||
				{ echo "$c: $o not in completions/bash/$c"; bad=1; }
		done
	done
	echo "$n options"
	[ "$n" -gt 100 ]
	[ "$bad" -eq 0 ]
}

@test "docs: every command says its version as NAME (foom) VERSION, the same VERSION" {
	local c v versions=
	for c in $COMMANDS; do
		v=$("$c" --version)
		[[ $v =~ ^$c\ \(foom\)\ ([0-9][0-9.]*)$ ]] || { echo "$c: '$v'"; false; }
		versions="$versions ${BASH_REMATCH[1]}"
	done
	[ "$(echo $versions | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ]
}

@test "docs: foom(7) and foom-watch(1) name every command" {
	local c
	for c in $COMMANDS; do
		grep -q "^\.BR $c (1)" "$TOP/man/foom.7" || { echo "foom.7 lacks $c"; false; }
		[ "$c" = foom-watch ] || grep -q "^\.BR $c (1)" "$TOP/man/foom-watch.1" ||
			{ echo "foom-watch.1 lacks $c"; false; }
	done
}

# complete CMD WORD...: what the bash completion offers for the last
# word, in a bash without the bash-completion package.
complete_words() {
	local c=$1
	shift
	bash --norc --noprofile -c '
		source "$1"; f=$2; shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$f"; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$TOP/completions/bash/$c" "_${c//-/_}" "$c" "$@"
}

@test "docs: bash completions work without bash-completion, after --opt= too" {
	# bash breaks "--level=m" into --level, =, m
	[ "$(complete_words foom-predict --level = m)" = medium ]
	[ "$(complete_words foom-predict --level = | tr '\n' ' ')" = "low medium high " ]
	[ "$(complete_words foom-predict --level l)" = low ]
	# where "=" is no word break, one word
	[ "$(complete_words foom-predict --level=h)" = high ]
	[ "$(complete_words foom-rank --by = r)" = rss ]
	[ "$(complete_words foom-rank --by g)" = growth ]
	[ "$(complete_words foom-plot --format = p)" = png ]
	[ "$(complete_words foom-watch --level = h)" = high ]
	[[ $(complete_words foom-rank --fol) == --follow ]]
	# file names where a file is wanted, without _filedir
	[[ $(complete_words foom-rank -P "$TOP/READ") == "$TOP/README.md" ]]
}
