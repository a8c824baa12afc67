import ArgumentParser

/// `--config FILE`, declared by every command whose options can come from a configuration
/// file. ``ConfigurationSources`` reads the file before ArgumentParser parses; the option is
/// declared so that help lists it and the parser accepts it.
struct ConfigFileOption: ParsableArguments {
    @Option(name: .customLong(ConfigurationSources.fileOption),
            help: ArgumentHelp("A YAML file of options (keys the long option names: group-id: offers), below flags and OFFER_WORKER_* variables (default: $OFFER_WORKER_CONFIG).", valueName: "file"))
    var path: String?
}
