import ArgumentParser

/// Where the config and the state live; shared by every command.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Config file (default $OAUTHTOP_CONFIG, else $XDG_CONFIG_HOME/oauthtop/config.json).")
    var config: String?

    @Option(
        help:
            "State folder holding oauthtop.sqlite and oauthtop.log (default $OAUTHTOP_STATE_DIR, else $XDG_STATE_HOME/oauthtop)."
    )
    var stateDir: String?
}
