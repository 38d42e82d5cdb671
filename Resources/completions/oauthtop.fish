function __oauthtop_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __oauthtop_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __oauthtop_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __oauthtop_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __oauthtop_parse_tokens -S
    set -l unparsed_tokens (__oauthtop_tokens -pc)
    switch $unparsed_tokens[1]
    case 'oauthtop'
        __oauthtop_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'dashboard'
            __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'no-color' 'no-notify' 'version' 'h/help'
        case 'demo'
            __oauthtop_parse_subcommand 0 'servers=' 'no-tui' 'duration=' 'no-color' 'version' 'h/help'
        case 'serve'
            __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'metrics-listen=' 'no-notify' 'version' 'h/help'
        case 'list'
            __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'json' 'check' 'watch' 'interval=' 'version' 'h/help'
        case 'refresh'
            __oauthtop_parse_subcommand -r 1 'config=' 'state-dir=' 'all' 'version' 'h/help'
        case 'token'
            __oauthtop_parse_subcommand 1 'config=' 'state-dir=' 'format=' 'version' 'h/help'
        case 'headers'
            __oauthtop_parse_subcommand 1 'config=' 'state-dir=' 'version' 'h/help'
        case 'import'
            __oauthtop_parse_subcommand 1 'config=' 'state-dir=' 'version' 'h/help'
        case 'login'
            __oauthtop_parse_subcommand 1 'config=' 'state-dir=' 'all' 'no-browser' 'device' 'version' 'h/help'
        case 'logout'
            __oauthtop_parse_subcommand 1 'config=' 'state-dir=' 'version' 'h/help'
        case 'setup'
            __oauthtop_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'claude-code'
                __oauthtop_parse_subcommand -r 1 'config=' 'state-dir=' 'write=' 'version' 'h/help'
            end
        case 'service'
            __oauthtop_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'install'
                __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'dry-run' 'version' 'h/help'
            case 'uninstall'
                __oauthtop_parse_subcommand 0 'dry-run' 'version' 'h/help'
            case 'status'
                __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'json' 'version' 'h/help'
            end
        case 'doctor'
            __oauthtop_parse_subcommand 0 'config=' 'state-dir=' 'timeout=' 'version' 'h/help'
        case 'help'
            __oauthtop_parse_subcommand -r 1 'version'
        end
    end
end

function __oauthtop_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __oauthtop_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __oauthtop_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __oauthtop_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__oauthtop_tokens -p)
    if test -z "$(__oauthtop_tokens -t)"
        set -l index (count (__oauthtop_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'oauthtop' -f
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'dashboard' -d 'Show every server\'s health live; refresh, sign in and log out from the keyboard (the default command).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'demo' -d 'The dashboard over an embedded demo provider on 127.0.0.1: every state within a minute.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'serve' -d 'Run the refresh engine without a screen; serve Prometheus metrics; stop on SIGTERM or SIGINT.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'list' -d 'Show every configured server\'s session and health, as the store has it.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'refresh' -d 'Refresh now (one refresh per server at a time, across processes; rate limited).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'token' -d 'Print a valid access token, refreshing it first when its refresh time has passed.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'headers' -d 'Print {"Authorization": "Bearer …"} for clients with a headers helper.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'import' -d 'Adopt a token response (JSON on stdin) as the server\'s session.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'login' -d 'Sign in with the browser (discovery, dynamic registration, PKCE S256, a redirect to 127.0.0.1).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'logout' -d 'Revoke a server\'s tokens at the provider (when it offers revocation), forget them here and stop refreshing.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'setup' -d 'Wire an MCP client to oauthtop, so that it asks oauthtop for fresh tokens.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'service' -d 'Run \'oauthtop serve\' as a systemd user service: install, uninstall, status.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'doctor' -d 'Check what a user would otherwise debug by hand, one line each with what to do.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" no-color' -l 'no-color' -d 'No colours (NO_COLOR=1 does the same).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" no-notify' -l 'no-notify' -d 'No desktop notifications when a server needs a sign-in (config: "notifications": false).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop dashboard" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" servers' -l 'servers' -d 'How many scripted servers (the six archetypes, repeated).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" no-tui' -l 'no-tui' -d 'Run without the dashboard; print `list --json` after --duration seconds.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" duration' -l 'duration' -d 'With --no-tui: seconds to run.' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" no-color' -l 'no-color' -d 'No colours (NO_COLOR=1 does the same).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" metrics-listen' -l 'metrics-listen' -d 'Serve metrics at http://ADDR/metrics; ADDR is 127.0.0.1:PORT (PORT 0 picks a free one).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" no-notify' -l 'no-notify' -d 'No desktop notifications when a server needs a sign-in (config: "notifications": false).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" json' -l 'json' -d 'Print a JSON array (keys: name, url, level, summary, detail, action, refresh_state, …).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" check' -l 'check' -d 'Exit 0 when every enabled server is healthy, 1 when one is degraded or unhealthy, 3 when one needs a sign-in.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" watch' -l 'watch' -d 'Redraw the table in place every --interval seconds (a new table each time when stdout is not a terminal; one JSON array per line with --json).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" interval' -l 'interval' -d 'Seconds between redraws with --watch (0.1 to 86400).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop refresh" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop refresh" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop refresh" all' -l 'all' -d 'Refresh every server that has a refresh token.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop refresh" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop refresh" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop token" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop token" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop token" format' -l 'format' -d 'bare, header, json or exec-credential.' -rfka 'bare header json exec-credential'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop token" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop headers" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop headers" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop headers" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop headers" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop import" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop import" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop import" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" all' -l 'all' -d 'Sign in, one after another, to every enabled server whose health suggests login.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" no-browser' -l 'no-browser' -d 'Print the URL instead of opening a browser.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" device' -l 'device' -d 'Sign in with a code on another device (RFC 8628 device authorization), even with a browser here.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop login" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop logout" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop logout" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop logout" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop setup" -eq 1' -fa 'claude-code' -d 'Print the mcpServers entries that make Claude Code call `oauthtop headers` (url, headersHelper).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup claude-code" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup claude-code" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup claude-code" write' -l 'write' -d 'Merge the entries into this Claude Code config file.' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup claude-code" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop setup claude-code" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop service" -eq 1' -fa 'install' -d 'Write the unit to $XDG_CONFIG_HOME/systemd/user/oauthtop.service, then enable and start it.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop service" -eq 1' -fa 'uninstall' -d 'Stop and disable the service, remove its unit file.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_positional "oauthtop service" -eq 1' -fa 'status' -d 'Say whether the service runs, and the health counts from the store.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service install" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service install" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service install" dry-run' -l 'dry-run' -d 'Print the unit on stdout and what would be run on stderr; change nothing.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service install" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service install" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service uninstall" dry-run' -l 'dry-run' -d 'Print what would be run and removed on stderr; change nothing.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service uninstall" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service uninstall" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service status" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service status" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service status" json' -l 'json' -d 'Print one JSON object (keys: service, servers).'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service status" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop service status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop doctor" config' -l 'config' -d 'Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop doctor" state-dir' -l 'state-dir' -d 'State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop doctor" timeout' -l 'timeout' -d 'Seconds to wait for each provider request (1 to 120).' -rfka ''
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop doctor" version' -l 'version' -d 'Show the version.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'oauthtop' -n '__oauthtop_should_offer_completions_for_flags_or_options "oauthtop help" version' -l 'version' -d 'Show the version.'
