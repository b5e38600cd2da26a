# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_shiwa_global_optspecs
    string join \n c/config= log-level= h/help V/version
end

function __fish_shiwa_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_shiwa_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_shiwa_using_subcommand
    set -l cmd (__fish_shiwa_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c shiwa -n "__fish_shiwa_needs_command" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_needs_command" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_needs_command" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "config" -d 'Check or show the configuration'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "export" -d 'Export the configuration as a JSON envelope (for backups and provisioning)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "import" -d 'Import a configuration (envelope, YAML or JSON), validating it before writing'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "setup-pki" -d 'Create a CA, client and server certificates (replaces the openssl recipe)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "systemd-install" -d 'Write hardened systemd units for shiwa\'s long-running subcommands'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand config" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand config" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand config" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand export" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand export" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand export" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand export" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand import" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand import" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand import" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand import" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "config" -d 'Check or show the configuration'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "export" -d 'Export the configuration as a JSON envelope (for backups and provisioning)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "import" -d 'Import a configuration (envelope, YAML or JSON), validating it before writing'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "setup-pki" -d 'Create a CA, client and server certificates (replaces the openssl recipe)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "systemd-install" -d 'Write hardened systemd units for shiwa\'s long-running subcommands'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from config export import setup-pki systemd-install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
