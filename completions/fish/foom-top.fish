# SPDX-License-Identifier: MIT
complete -c foom-top -s i -l interval -x -d 'Redraw every SECONDS'
complete -c foom-top -s n -l count -x -d 'Draw N screens, then exit'
complete -c foom-top -s w -l width -x -d 'Cut lines at COLUMNS'
complete -c foom-top -s m -l max-scopes -x -d 'Show at most N scopes'
