#compdef oauthtop

__oauthtop_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__oauthtop_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __oauthtop_complete "${completions[@]:0:-1}"
    fi
}

__oauthtop_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_oauthtop() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'dashboard:Show every server'\''s health live; refresh, sign in and log out from the keyboard (the default command).'
            'demo:The dashboard over an embedded demo provider on 127.0.0.1: every state within a minute.'
            'serve:Run the refresh engine without a screen; serve Prometheus metrics; stop on SIGTERM or SIGINT.'
            'list:Show every configured server'\''s session and health, as the store has it.'
            'refresh:Refresh now (one refresh per server at a time, across processes; rate limited).'
            'token:Print a valid access token, refreshing it first when its refresh time has passed.'
            'headers:Print {"Authorization": "Bearer …"} for clients with a headers helper.'
            'import:Adopt a token response (JSON on stdin) as the server'\''s session.'
            'login:Sign in with the browser (discovery, dynamic registration, PKCE S256, a redirect to 127.0.0.1).'
            'logout:Revoke a server'\''s tokens at the provider (when it offers revocation), forget them here and stop refreshing.'
            'setup:Wire an MCP client to oauthtop, so that it asks oauthtop for fresh tokens.'
            'service:Run '\''oauthtop serve'\'' as a systemd user service: install, uninstall, status.'
            'doctor:Check what a user would otherwise debug by hand, one line each with what to do.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        dashboard|demo|serve|list|refresh|token|headers|import|login|logout|setup|service|doctor|help)
            "_oauthtop_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_oauthtop_dashboard() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--no-color[No colours (NO_COLOR=1 does the same).]'
        '--no-notify[No desktop notifications when a server needs a sign-in (config\: "notifications"\: false).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_demo() {
    local -i ret=1
    local -ar arg_specs=(
        '--servers[How many scripted servers (the six archetypes, repeated).]:servers:'
        '--no-tui[Run without the dashboard; print `list --json` after --duration seconds.]'
        '--duration[With --no-tui\: seconds to run.]:duration:'
        '--no-color[No colours (NO_COLOR=1 does the same).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_serve() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--metrics-listen[Serve metrics at http\://ADDR/metrics; ADDR is 127.0.0.1\:PORT (PORT 0 picks a free one).]:metrics-listen:'
        '--no-notify[No desktop notifications when a server needs a sign-in (config\: "notifications"\: false).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--json[Print a JSON array (keys\: name, url, level, summary, detail, action, refresh_state, …).]'
        '--check[Exit 0 when every enabled server is healthy, 1 when one is degraded or unhealthy, 3 when one needs a sign-in.]'
        '--watch[Redraw the table in place every --interval seconds (a new table each time when stdout is not a terminal; one JSON array per line with --json).]'
        '--interval[Seconds between redraws with --watch (0.1 to 86400).]:seconds:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_refresh() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '*:names:'
        '--all[Refresh every server that has a refresh token.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_token() {
    local -i ret=1
    local -ar ___format=('bare' 'header' 'json' 'exec-credential')
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        ':name:'
        '--format[bare, header, json or exec-credential.]:format:{__oauthtop_complete "${___format[@]}"}'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_headers() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        ':name:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_import() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        ':name:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_login() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        ':name:'
        '--all[Sign in, one after another, to every enabled server whose health suggests login.]'
        '--no-browser[Print the URL instead of opening a browser.]'
        '--device[Sign in with a code on another device (RFC 8628 device authorization), even with a browser here.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_logout() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        ':name:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_setup() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'claude-code:Print the mcpServers entries that make Claude Code call `oauthtop headers` (url, headersHelper).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        claude-code)
            "_oauthtop_setup_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_oauthtop_setup_claude-code() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '*:names:'
        '--write[Merge the entries into this Claude Code config file.]:file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_service() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'install:Write the unit to $XDG_CONFIG_HOME/systemd/user/oauthtop.service, then enable and start it.'
            'uninstall:Stop and disable the service, remove its unit file.'
            'status:Say whether the service runs, and the health counts from the store.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        install|uninstall|status)
            "_oauthtop_service_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_oauthtop_service_install() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--dry-run[Print the unit on stdout and what would be run on stderr; change nothing.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_service_uninstall() {
    local -i ret=1
    local -ar arg_specs=(
        '--dry-run[Print what would be run and removed on stderr; change nothing.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_service_status() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--json[Print one JSON object (keys\: service, servers).]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_doctor() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).]:config:'
        '--state-dir[State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).]:state-dir:'
        '--timeout[Seconds to wait for each provider request (1 to 120).]:seconds:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_oauthtop_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _oauthtop ]]; then
    _oauthtop "${@}"
else
    compdef _oauthtop oauthtop
fi
