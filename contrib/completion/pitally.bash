# bash completion for pitally                                  -*- shell-script -*-
# Installed by `make install` as PREFIX/share/bash-completion/completions/pitally.
# Commands, their options, the values of the options that take a fixed set, and file
# and directory arguments. The category names of --tier CATEGORY=TIER and
# --declare PATH=CATEGORY (and the tier names) are read at completion time from the
# policy in force: --policy FILE on the line, else DIR/policy.yaml of --patterns DIR,
# else the one `pitally --version` reports (the installed policy.yaml).
# Standalone: it does not need the bash-completion package.

_pitally_policy()
{
    local i w
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == --policy && -r ${COMP_WORDS[i + 1]} ]]; then
            printf '%s\n' "${COMP_WORDS[i + 1]}"
            return
        fi
    done
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == --patterns && -r ${COMP_WORDS[i + 1]}/policy.yaml ]]; then
            printf '%s\n' "${COMP_WORDS[i + 1]}/policy.yaml"
            return
        fi
    done
    "${COMP_WORDS[0]}" --version 2>/dev/null | sed -n 's/^policy: //p'
}

# The keys of the policy's top-level `categories:` mapping.
_pitally_categories()
{
    local policy
    policy=$(_pitally_policy)
    [[ -r $policy ]] || return
    awk '/^categories:/ { on = 1; next }
         /^[^ #]/       { on = 0 }
         on && /^  [A-Za-z0-9_]+:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' "$policy"
}

# The ids of the policy's `tiers:` list.
_pitally_tiers()
{
    local policy
    policy=$(_pitally_policy)
    [[ -r $policy ]] || return
    awk '/^tiers:/ { on = 1; next }
         /^[^ #]/  { on = 0 }
         on && /^  - id:/ { print $3 }' "$policy"
}

_pitally()
{
    local cur prev cmd word line
    COMPREPLY=()
    # The word under the cursor as the user sees it: bash splits --tier a=b at the '='.
    line=${COMP_LINE:0:COMP_POINT}
    cur=${line##*[[:space:]]}
    word=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    # the option before CATEGORY=TIER: words are (--tier, CATEGORY, =) or (..., =, TI)
    if [[ $word == "=" ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $prev == "=" ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 3]}
    fi

    local commands="scan merge patterns explain verify review keygen"
    local common="--patterns --policy --tier --help"
    local scan_opts="--threads --json --state --case-key --shard --split-above --declare --evidence --sample --seed --mask
        --html --lang --patterns --policy --tier --professional --income --business-purchase
        --format --encoding --binary --max-output --max-ratio --delimiter --header --progress
        --chunk-size --max-record --baseline --fail-on --quiet --summary --help"
    local merge_opts="--json --state --case-key --partial --html --lang --tier --professional --income
        --business-purchase --patterns --policy --threads --progress --baseline --fail-on
        --quiet --summary --help"
    local patterns_opts="--check --patterns --policy --help"
    local explain_opts="--header --record --patterns --policy --tier --help"

    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$commands --version --help -h" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}

    # after -- every word is a PATH (or a VALUE for explain)
    local i
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} == -- ]]; then
            [[ $cmd == explain ]] || COMPREPLY=($(compgen -f -- "$cur"))
            return
        fi
    done

    case $prev in
    --json | --html | --state | --case-key | --policy | --baseline | --summary)
        COMPREPLY=($(compgen -f -- "$cur"))
        return ;;
    --patterns | --evidence)
        COMPREPLY=($(compgen -d -- "$cur"))
        return ;;
    --fail-on)
        COMPREPLY=($(compgen -W "serious especially_serious" -- "$cur"))
        return ;;
    --format)
        COMPREPLY=($(compgen -W "auto csv tsv delimited jsonl sql lines" -- "$cur"))
        return ;;
    --encoding)
        COMPREPLY=($(compgen -W "auto utf-8 gb18030 utf-16le utf-16be" -- "$cur"))
        return ;;
    --header)
        [[ $cmd == explain ]] && return
        COMPREPLY=($(compgen -W "yes no auto" -- "$cur"))
        return ;;
    --progress)
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return ;;
    --binary)
        COMPREPLY=($(compgen -W "skip scan" -- "$cur"))
        return ;;
    --lang)
        COMPREPLY=($(compgen -W "en zh" -- "$cur"))
        return ;;
    --shard|--split-above)   # K/N, BYTES: nothing to offer but the form
        return ;;
    --tier)
        if [[ $cur == *=* ]]; then
            COMPREPLY=($(compgen -W "$(_pitally_tiers)" -- "${cur#*=}"))
            [[ $word == "=" ]] && COMPREPLY=("${COMPREPLY[@]/#/=}")
        else
            COMPREPLY=($(compgen -S = -W "$(_pitally_categories)" -- "$cur"))
            compopt -o nospace 2>/dev/null
        fi
        return ;;
    --declare)
        if [[ $cur == *=* ]]; then
            COMPREPLY=($(compgen -W "$(_pitally_categories)" -- "${cur##*=}"))
            [[ $word == "=" ]] && COMPREPLY=("${COMPREPLY[@]/#/=}")
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return ;;
    -j | --threads | --sample | --seed | --income | --max-output | --max-ratio | \
    --chunk-size | --max-record | --delimiter)
        return ;;
    esac

    if [[ $cur == -* ]]; then
        case $cmd in
        scan) COMPREPLY=($(compgen -W "$scan_opts" -- "$cur")) ;;
        merge) COMPREPLY=($(compgen -W "$merge_opts" -- "$cur")) ;;
        patterns) COMPREPLY=($(compgen -W "$patterns_opts" -- "$cur")) ;;
        explain) COMPREPLY=($(compgen -W "$explain_opts --" -- "$cur")) ;;
        verify) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
        review) COMPREPLY=($(compgen -W "--confidence --json --html --lang --plan --assume --patterns --policy --help" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$common" -- "$cur")) ;;
        esac
        return
    fi
    case $cmd in
    scan | merge | verify | review) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -o filenames -o bashdefault -F _pitally pitally
