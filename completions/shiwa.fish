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
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "sync" -d 'Run the clock-sync daemon (NTP client and server, servo, observation socket)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "status" -d 'Show the clock\'s synchronisation state and its sources (exit 3 when not synchronised)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "serve-api" -d 'Serve the HTTP API and Prometheus metrics from shiwa sync\'s socket (unprivileged)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "ship-es" -d 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "cli-ssh" -d 'Run the SSH management shell (standalone, over the observation socket)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "query" -d 'Probe an NTP server once (like ntpdig / ntpdate -q)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "config" -d 'Check or show the configuration'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "export" -d 'Export the configuration as a JSON envelope (for backups and provisioning)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "import" -d 'Import a configuration (envelope, YAML or JSON), validating it before writing'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "setup-pki" -d 'Create a CA, client and server certificates (replaces the openssl recipe)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "hub" -d 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "systemd-install" -d 'Write hardened systemd units for shiwa\'s long-running subcommands'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "recover" -d 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)'
complete -c shiwa -n "__fish_shiwa_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -l socket -d 'Observation/control socket to create' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -l state-dir -d 'Directory for state kept across runs (the SSH shell\'s host key, unless `cli.server_key` names one)' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -l monitor -d 'Never write the clock, whatever `adjust_clock` says (monitor mode)'
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand sync" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -l socket -d 'The observation socket of shiwa sync' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -l json -d 'Print the whole snapshot as JSON (field names documented in the shiwa::observe docs)'
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_using_subcommand status" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l socket -d 'The observation socket of shiwa sync' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l bind -d 'Address and port to listen on, e.g. 0.0.0.0:8088 or [::]:8088 [default: the config\'s timebeat.http bind_host:bind_port, else 127.0.0.1:8088]' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l tls-cert -d 'Serve HTTPS with this certificate (PEM, e.g. from `shiwa setup-pki --server-cn NAME`)' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l tls-key -d 'The certificate\'s private key (PEM)' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l token-file -d 'Require `Authorization: Bearer TOKEN`, the token being the first line of FILE (replaces the config\'s auth)' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand serve-api" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -l socket -d 'The observation socket of shiwa sync' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -l state-dir -d 'Where the spool lives unless queue.disk.path says otherwise' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -l stats -d 'Print the spool\'s counters (delivered, refused, waiting) and exit'
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -l json -d 'With --stats: print JSON instead of a table'
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand ship-es" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l socket -d 'The observation socket of shiwa sync' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l bind -d 'Address to listen on [default: timebeat.cli.bind_host:bind_port, 127.0.0.1:65129]' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l host-key -d 'Host key file (ed25519, created when missing) [default: timebeat.cli.server_key, else STATE_DIR/ssh_host_ed25519_key]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l state-dir -d 'Where the host key is kept when neither --host-key nor timebeat.cli.server_key says' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -l hash-password -d 'Read a password on stdin, print its argon2 hash for timebeat.cli.password_hash, and exit'
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_using_subcommand cli-ssh" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -s n -l count -d 'Number of requests' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -l timeout -d 'Seconds to wait for each answer' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -l interval -d 'Seconds between requests' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -l interleaved -d 'Use interleaved mode (as chrony\'s xleave): precise server transmit timestamps, one exchange late'
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -l json -d 'Print JSON'
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand query" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "check" -d 'Validate a configuration file and list every problem (exit 78 when invalid)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "show" -d 'Print the effective configuration (defaults filled in, secrets redacted)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and not __fish_seen_subcommand_from check show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from check" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from check" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from check" -l json -d 'Print the result as JSON'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from show" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from show" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of YAML'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a configuration file and list every problem (exit 78 when invalid)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration (defaults filled in, secrets redacted)'
complete -c shiwa -n "__fish_shiwa_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -f -a "config" -d 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and not __fish_seen_subcommand_from config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -s o -l output -d 'Write to this file (atomically, mode 0600) instead of standard output' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -l redact -d 'Replace secrets (passwords, API keys, private keys) with "<redacted>"'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -l with-pki -d 'Embed the files named by ssl.* keys (base64 with sha256)'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "config" -d 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand export; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -f -a "config" -d 'Validate and write a configuration (`import config < config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and not __fish_seen_subcommand_from config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -s f -l file -d 'Read from this file instead of standard input' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -l dry-run -d 'Validate and show what would change; write nothing'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -l json -d 'Print the result as JSON'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from config" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "config" -d 'Validate and write a configuration (`import config < config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand import; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l dir -d 'PKI directory' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l days -d 'Validity of client and server certificates, in days' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l ca-days -d 'Validity of a new CA, in days (at least --days)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l key-type -d 'Key type of new keys [default: the existing CA\'s, else ecdsa-p256]' -r -f -a "ecdsa-p256\t''
ed25519\t''
rsa-4096\t''"
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l ca-cn -d 'Common name of a new CA [default: "shiwa CA" and 8 hex digits of its key\'s SHA-256]' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l client-name -d 'File name of the client certificate and key (<NAME>.crt, <NAME>.key)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l client-cn -d 'Common name of the client certificate [default: --client-name]' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l server-cn -d 'Create a server certificate <CN>.crt/.key for this name (one per run)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l san -d 'Extra subject alternative name of the server certificate: DNS name or IP (repeatable)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l owner -d 'Give the files to USER and its primary group' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l warn-days -d 'With --check: certificates expiring within this many days are problems' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l force -d 'Regenerate everything, the CA included'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l renew -d 'Issue new client and server certificates and keys from the existing CA'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l check -d 'Only inspect the files and report problems (exit 1 when there are any)'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -l json -d 'Print JSON instead of a table'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_using_subcommand setup-pki" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -f -a "node" -d 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -f -a "hash-password" -d 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and not __fish_seen_subcommand_from node hash-password help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -l database-url -d 'The database [default: hub.yaml\'s database_url]' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -l json -d 'Print JSON (for provisioning scripts)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "add" -d 'Add a node; prints its API key and retrieval password once'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "list" -d 'List nodes'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "rotate-key" -d 'Replace a node\'s API key; prints the new one once'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "remove" -d 'Remove a node and everything stored for it'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "block" -d 'Refuse a node\'s pushes (403) and skip it in the sweep'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "unblock" -d 'Accept a node\'s pushes again'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "maintenance" -d 'Put a node in maintenance (on) or take it out (off)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from node" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from hash-password" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from hash-password" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from hash-password" -s h -l help -d 'Print help'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from hash-password" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from help" -f -a "node" -d 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from help" -f -a "hash-password" -d 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
complete -c shiwa -n "__fish_shiwa_using_subcommand hub; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l unit -d 'Units to install (repeat the option or separate with commas)' -r -f -a "sync\t''
hub\t''
serve-api\t''
cli-ssh\t''
ship-es\t''"
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l user -d 'User and group the services run as (created as a system user when missing)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l binary -d 'The shiwa binary the units run [default: this executable]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l restart-sec -d 'Seconds systemd waits before restarting a failed service' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l watchdog-sec -d 'Watchdog timeout of the sync unit in seconds (0 turns it off)' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l firewall -d 'Open the units\' ports while they run (ExecStartPre=/ExecStopPost= lines)' -r -f -a "none\t''
firewalld\t''
ufw\t''
nftables\t''"
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l nft-chain -d 'With --firewall nftables: the input chain holding the accept rule' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l root -d 'Stage the files under DIR (an image root); no user, no systemctl' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l dry-run -d 'Print the units and the actions; change nothing'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l no-start -d 'Enable the units but do not start them'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l uninstall -d 'Stop, disable and remove the units (keeps the user and /var/lib/shiwa)'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -l json -d 'Print the result as JSON'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_using_subcommand systemd-install" -s V -l version -d 'Print version'
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l hub -d 'The hub\'s base URL' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l node -d 'The node to recover' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l password-file -d 'Read the retrieval password from FILE (first line) instead of prompting' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l root -d 'Restore under DIR (a mounted disk, an image, a scratch directory)' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l version -d 'Restore backup version N instead of the latest' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l ca -d 'Trust this CA certificate (PEM, e.g. from setup-pki) for the hub' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -s c -l config -d 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]' -r -F
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l log-level -d 'Log level (error, warn, info, debug, trace) or a tracing filter directive' -r
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l dry-run -d 'Show what would be written and installed; write nothing'
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l no-start -d 'Restore the files but do not install or start the sync unit'
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -l json -d 'Print the result as JSON'
complete -c shiwa -n "__fish_shiwa_using_subcommand recover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "sync" -d 'Run the clock-sync daemon (NTP client and server, servo, observation socket)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "status" -d 'Show the clock\'s synchronisation state and its sources (exit 3 when not synchronised)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "serve-api" -d 'Serve the HTTP API and Prometheus metrics from shiwa sync\'s socket (unprivileged)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "ship-es" -d 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "cli-ssh" -d 'Run the SSH management shell (standalone, over the observation socket)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "query" -d 'Probe an NTP server once (like ntpdig / ntpdate -q)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "config" -d 'Check or show the configuration'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "export" -d 'Export the configuration as a JSON envelope (for backups and provisioning)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "import" -d 'Import a configuration (envelope, YAML or JSON), validating it before writing'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "setup-pki" -d 'Create a CA, client and server certificates (replaces the openssl recipe)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "hub" -d 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "systemd-install" -d 'Write hardened systemd units for shiwa\'s long-running subcommands'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "recover" -d 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and not __fish_seen_subcommand_from sync status serve-api ship-es cli-ssh query config export import setup-pki hub systemd-install recover help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate a configuration file and list every problem (exit 78 when invalid)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration (defaults filled in, secrets redacted)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from export" -f -a "config" -d 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from import" -f -a "config" -d 'Validate and write a configuration (`import config < config-backup.json`)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from hub" -f -a "node" -d 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
complete -c shiwa -n "__fish_shiwa_using_subcommand help; and __fish_seen_subcommand_from hub" -f -a "hash-password" -d 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
