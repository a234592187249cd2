# SPDX-License-Identifier: MIT
# bash completion for childproc: commands, then the command's options until the
# child's command starts (our options come only before it), then files.
_childproc() {
    local cur=${COMP_WORDS[COMP_CWORD]} i cmd="" started=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        local w=${COMP_WORDS[i]}
        if [[ -z $cmd ]]; then cmd=$w; continue; fi
        case $w in
            --) started=1; break ;;
            --*=*|--clear-env|--detached|--unref|--json|--trace|--disconnect|--silent|--no-new-privs|--time) ;;
            --shell) ;;
            --*) ((i++)) ;;
            *) started=1; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "spawn exec execfile pipeline fork ipc-echo cluster pty tour --help --version" -- "$cur"))
        return
    fi
    if [[ -z $started && $cur == -* ]]; then
        local opts
        opts=$(childproc "$cmd" --help 2>/dev/null | grep -oE '^  (-h, )?--[a-z0-9-]+' | sed 's/^  \(-h, \)\?//')
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    if [[ -z $started ]]; then
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -F _childproc childproc
