# SPDX-License-Identifier: MIT
# fish completion for foom-events(1)
complete -c foom-events -s f -l follow -d 'Follow /dev/kmsg from its end'
complete -c foom-events -l all -d 'With -f, start at the oldest record the kernel holds'
complete -c foom-events -l kmsg -r -F -d 'With -f, read this file of kmsg records'
complete -c foom-events -l boot-time -x -d 'Boot time, seconds since the epoch'
complete -c foom-events -l this-boot -d "The input is this boot's log"
complete -c foom-events -l year -x -d 'Year of syslog dates'
complete -c foom-events -l page-kb -x -a '4 16 64' -d 'Page size of the task dump, KiB'
complete -c foom-events -l summary -d 'Count kills per scope and victim name'
complete -c foom-events -s t -l table -d 'An aligned table for people'
complete -c foom-events -s j -l json -d 'JSON lines'
complete -c foom-events -s o -l fields -x -d 'Tab-separated values of these fields'
complete -c foom-events -l proc -x -a '(__fish_complete_directories)' -d 'Read /proc from DIR'
complete -c foom-events -l cgroup-root -x -a '(__fish_complete_directories)' -d 'The cgroup root'
complete -c foom-events -l pods-dir -x -a '(__fish_complete_directories)' -d 'The kubelet pod log directory'
