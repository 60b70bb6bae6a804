# SPDX-License-Identifier: MIT
# fish completion for foom-kill(1)

complete -c foom-kill -s f -l follow -d 'Read victim records and kill each as it comes'
complete -c foom-kill -l pass -d 'With -f, copy every input record to the output'
complete -c foom-kill -s g -l group -d "Kill the victim's whole process group"
complete -c foom-kill -l cgroup -d "Kill every process of the victim's memory cgroup"
complete -c foom-kill -l signal -x -a 'KILL TERM INT HUP QUIT USR1 USR2 STOP CONT' -d 'Send this signal instead of KILL'
complete -c foom-kill -l grace -x -d 'Send TERM first, KILL after SECONDS'
complete -c foom-kill -l wait -x -d 'Wait this long for the exit'
complete -c foom-kill -l cooldown -x -d 'Hold back further victims of a scope and its kin this long'
complete -c foom-kill -s n -l dry-run -d 'Do everything but the signal'
complete -c foom-kill -s v -l verbose -d 'Also print victims held back by the cooldown'
complete -c foom-kill -l pre-hook -x -a '(__fish_complete_command)' -d 'Run CMD before the signal'
complete -c foom-kill -l pre-hook-wait -x -d 'Wait at most SECONDS for the pre-hook'
complete -c foom-kill -l post-hook -x -a '(__fish_complete_command)' -d 'Run CMD after the kill record, not waited for'
complete -c foom-kill -l hook-timeout -x -d 'Kill a hook still running after SECONDS'
complete -c foom-kill -l log -r -F -d 'Append every kill record to FILE'
complete -c foom-kill -l syslog -d 'Send every kill record to syslog'
complete -c foom-kill -s t -l table -d 'An aligned table for people'
complete -c foom-kill -s j -l json -d 'JSON lines, one object a record'
complete -c foom-kill -s o -l fields -x -d 'Tab-separated values of these fields'
complete -c foom-kill -l proc -x -a '(__fish_complete_directories)' -d 'Read /proc from DIR'
complete -c foom-kill -l cgroup-root -x -a '(__fish_complete_directories)' -d 'The cgroup root'
complete -c foom-kill -l pods-dir -x -a '(__fish_complete_directories)' -d 'The kubelet pod log directory'
complete -c foom-kill -l help -d 'Give the help list'
complete -c foom-kill -l usage -d 'Give a short usage message'
complete -c foom-kill -s V -l version -d 'Print the program version'
complete -c foom-kill -n 'not __fish_seen_argument -s f -l follow' -f -a '(__fish_complete_pids)'
