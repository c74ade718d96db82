package main

// The completion scripts only carry the words to `shoveltap __complete`
// and its answer back: which flags exist and what their values are is
// worked out in Go, in one place, for every shell. An answer of ":files"
// alone asks the shell to complete a file name itself.

const bashCompletion = `# bash completion for shoveltap (shoveltap completion bash)
_shoveltap() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local out
    out=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return 0
    COMPREPLY=()
    if [[ $out == ":files" ]]; then
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    fi
    # bash replaces only what follows the last = or : of the word.
    local keep=""
    [[ $COMP_WORDBREAKS == *"="* && $cur == *=* ]] && keep=${cur%"${cur##*=}"}
    [[ $COMP_WORDBREAKS == *":"* && $cur == *:* ]] && keep=${cur%"${cur##*:}"}
    local line value
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        value=${line%%$'\t'*}
        COMPREPLY+=("${value#"$keep"}")
    done <<<"$out"
}
complete -F _shoveltap shoveltap
`

const zshCompletion = `#compdef shoveltap
# zsh completion for shoveltap (shoveltap completion zsh)
_shoveltap() {
    local out line value about
    local -a cands
    out=$("${words[1]}" __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return 1
    if [[ $out == ":files" ]]; then
        _files
        return
    fi
    for line in "${(@f)out}"; do
        [[ -z $line ]] && continue
        value=${line%%$'\t'*}
        about=${line#*$'\t'}
        [[ $about == $line ]] && about=""
        cands+=("${value//:/\\:}${about:+:$about}")
    done
    (( ${#cands} )) || return 1
    _describe -t shoveltap shoveltap cands
}
if [[ $funcstack[1] == _shoveltap ]]; then
    _shoveltap "$@"
else
    compdef _shoveltap shoveltap
fi
`

const fishCompletion = `# fish completion for shoveltap (shoveltap completion fish)
function __shoveltap_complete
    set -l words (commandline -opc)
    set -l prog $words[1]
    set -e words[1]
    set -l cur (commandline -ct)
    set -l out ($prog __complete $words $cur 2>/dev/null)
    if test "$out" = ":files"
        __fish_complete_path $cur
        return
    end
    printf '%s\n' $out
end
complete -c shoveltap -f -a '(__shoveltap_complete)'
`
