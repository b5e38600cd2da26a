
use builtin;
use str;

set edit:completion:arg-completer[shiwa] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'shiwa'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'shiwa'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand sync 'Run the clock-sync daemon (NTP client and server, servo, observation socket)'
            cand status 'Show the clock''s synchronisation state and its sources (exit 3 when not synchronised)'
            cand serve-api 'Serve the HTTP API and Prometheus metrics from shiwa sync''s socket (unprivileged)'
            cand ship-es 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)'
            cand cli-ssh 'Run the SSH management shell (standalone, over the observation socket)'
            cand query 'Probe an NTP server once (like ntpdig / ntpdate -q)'
            cand config 'Check or show the configuration'
            cand export 'Export the configuration as a JSON envelope (for backups and provisioning)'
            cand import 'Import a configuration (envelope, YAML or JSON), validating it before writing'
            cand setup-pki 'Create a CA, client and server certificates (replaces the openssl recipe)'
            cand hub 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes'
            cand systemd-install 'Write hardened systemd units for shiwa''s long-running subcommands'
            cand recover 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;sync'= {
            cand --socket 'Observation/control socket to create'
            cand --state-dir 'Directory for state kept across runs (the SSH shell''s host key, unless `cli.server_key` names one)'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --monitor 'Never write the clock, whatever `adjust_clock` says (monitor mode)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;status'= {
            cand --socket 'The observation socket of shiwa sync'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print the whole snapshot as JSON (field names documented in the shiwa::observe docs)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;serve-api'= {
            cand --socket 'The observation socket of shiwa sync'
            cand --bind 'Address and port to listen on, e.g. 0.0.0.0:8088 or [::]:8088 [default: the config''s timebeat.http bind_host:bind_port, else 127.0.0.1:8088]'
            cand --tls-cert 'Serve HTTPS with this certificate (PEM, e.g. from `shiwa setup-pki --server-cn NAME`)'
            cand --tls-key 'The certificate''s private key (PEM)'
            cand --token-file 'Require `Authorization: Bearer TOKEN`, the token being the first line of FILE (replaces the config''s auth)'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;ship-es'= {
            cand --socket 'The observation socket of shiwa sync'
            cand --state-dir 'Where the spool lives unless queue.disk.path says otherwise'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --stats 'Print the spool''s counters (delivered, refused, waiting) and exit'
            cand --json 'With --stats: print JSON instead of a table'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;cli-ssh'= {
            cand --socket 'The observation socket of shiwa sync'
            cand --bind 'Address to listen on [default: timebeat.cli.bind_host:bind_port, 127.0.0.1:65129]'
            cand --host-key 'Host key file (ed25519, created when missing) [default: timebeat.cli.server_key, else STATE_DIR/ssh_host_ed25519_key]'
            cand --state-dir 'Where the host key is kept when neither --host-key nor timebeat.cli.server_key says'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --hash-password 'Read a password on stdin, print its argon2 hash for timebeat.cli.password_hash, and exit'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;query'= {
            cand -n 'Number of requests'
            cand --count 'Number of requests'
            cand --timeout 'Seconds to wait for each answer'
            cand --interval 'Seconds between requests'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --interleaved 'Use interleaved mode (as chrony''s xleave): precise server transmit timestamps, one exchange late'
            cand --json 'Print JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;config'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Validate a configuration file and list every problem (exit 78 when invalid)'
            cand show 'Print the effective configuration (defaults filled in, secrets redacted)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;config;check'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;config;show'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON instead of YAML'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;config;help'= {
            cand check 'Validate a configuration file and list every problem (exit 78 when invalid)'
            cand show 'Print the effective configuration (defaults filled in, secrets redacted)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;config;help;check'= {
        }
        &'shiwa;config;help;show'= {
        }
        &'shiwa;config;help;help'= {
        }
        &'shiwa;export'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand config 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;export;config'= {
            cand -o 'Write to this file (atomically, mode 0600) instead of standard output'
            cand --output 'Write to this file (atomically, mode 0600) instead of standard output'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --redact 'Replace secrets (passwords, API keys, private keys) with "<redacted>"'
            cand --with-pki 'Embed the files named by ssl.* keys (base64 with sha256)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;export;help'= {
            cand config 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;export;help;config'= {
        }
        &'shiwa;export;help;help'= {
        }
        &'shiwa;import'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand config 'Validate and write a configuration (`import config < config-backup.json`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;import;config'= {
            cand -f 'Read from this file instead of standard input'
            cand --file 'Read from this file instead of standard input'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --dry-run 'Validate and show what would change; write nothing'
            cand --json 'Print the result as JSON'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;import;help'= {
            cand config 'Validate and write a configuration (`import config < config-backup.json`)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;import;help;config'= {
        }
        &'shiwa;import;help;help'= {
        }
        &'shiwa;setup-pki'= {
            cand --dir 'PKI directory'
            cand --days 'Validity of client and server certificates, in days'
            cand --ca-days 'Validity of a new CA, in days (at least --days)'
            cand --key-type 'Key type of new keys [default: the existing CA''s, else ecdsa-p256]'
            cand --ca-cn 'Common name of a new CA [default: "shiwa CA" and 8 hex digits of its key''s SHA-256]'
            cand --client-name 'File name of the client certificate and key (<NAME>.crt, <NAME>.key)'
            cand --client-cn 'Common name of the client certificate [default: --client-name]'
            cand --server-cn 'Create a server certificate <CN>.crt/.key for this name (one per run)'
            cand --san 'Extra subject alternative name of the server certificate: DNS name or IP (repeatable)'
            cand --owner 'Give the files to USER and its primary group'
            cand --warn-days 'With --check: certificates expiring within this many days are problems'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --force 'Regenerate everything, the CA included'
            cand --renew 'Issue new client and server certificates and keys from the existing CA'
            cand --check 'Only inspect the files and report problems (exit 1 when there are any)'
            cand --json 'Print JSON instead of a table'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand node 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
            cand hash-password 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;hub;node'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'Add a node; prints its API key and retrieval password once'
            cand list 'List nodes'
            cand rotate-key 'Replace a node''s API key; prints the new one once'
            cand remove 'Remove a node and everything stored for it'
            cand block 'Refuse a node''s pushes (403) and skip it in the sweep'
            cand unblock 'Accept a node''s pushes again'
            cand maintenance 'Put a node in maintenance (on) or take it out (off)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;hub;node;add'= {
            cand --report-interval 'How often the node reports (e.g. 15m)'
            cand --port 'A port for the hub to check: NAME:PORT (TCP) or NAME:PORT:/path (HTTP GET)'
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;list'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;rotate-key'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;remove'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;block'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;unblock'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;maintenance'= {
            cand --database-url 'The database [default: hub.yaml''s database_url]'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --json 'Print JSON (for provisioning scripts)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;node;help'= {
            cand add 'Add a node; prints its API key and retrieval password once'
            cand list 'List nodes'
            cand rotate-key 'Replace a node''s API key; prints the new one once'
            cand remove 'Remove a node and everything stored for it'
            cand block 'Refuse a node''s pushes (403) and skip it in the sweep'
            cand unblock 'Accept a node''s pushes again'
            cand maintenance 'Put a node in maintenance (on) or take it out (off)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;hub;node;help;add'= {
        }
        &'shiwa;hub;node;help;list'= {
        }
        &'shiwa;hub;node;help;rotate-key'= {
        }
        &'shiwa;hub;node;help;remove'= {
        }
        &'shiwa;hub;node;help;block'= {
        }
        &'shiwa;hub;node;help;unblock'= {
        }
        &'shiwa;hub;node;help;maintenance'= {
        }
        &'shiwa;hub;node;help;help'= {
        }
        &'shiwa;hub;hash-password'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;hub;help'= {
            cand node 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
            cand hash-password 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;hub;help;node'= {
            cand add 'Add a node; prints its API key and retrieval password once'
            cand list 'List nodes'
            cand rotate-key 'Replace a node''s API key; prints the new one once'
            cand remove 'Remove a node and everything stored for it'
            cand block 'Refuse a node''s pushes (403) and skip it in the sweep'
            cand unblock 'Accept a node''s pushes again'
            cand maintenance 'Put a node in maintenance (on) or take it out (off)'
        }
        &'shiwa;hub;help;node;add'= {
        }
        &'shiwa;hub;help;node;list'= {
        }
        &'shiwa;hub;help;node;rotate-key'= {
        }
        &'shiwa;hub;help;node;remove'= {
        }
        &'shiwa;hub;help;node;block'= {
        }
        &'shiwa;hub;help;node;unblock'= {
        }
        &'shiwa;hub;help;node;maintenance'= {
        }
        &'shiwa;hub;help;hash-password'= {
        }
        &'shiwa;hub;help;help'= {
        }
        &'shiwa;systemd-install'= {
            cand --unit 'Units to install (repeat the option or separate with commas)'
            cand --user 'User and group the services run as (created as a system user when missing)'
            cand --binary 'The shiwa binary the units run [default: this executable]'
            cand --restart-sec 'Seconds systemd waits before restarting a failed service'
            cand --watchdog-sec 'Watchdog timeout of the sync unit in seconds (0 turns it off)'
            cand --firewall 'Open the units'' ports while they run (ExecStartPre=/ExecStopPost= lines)'
            cand --nft-chain 'With --firewall nftables: the input chain holding the accept rule'
            cand --root 'Stage the files under DIR (an image root); no user, no systemctl'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --dry-run 'Print the units and the actions; change nothing'
            cand --no-start 'Enable the units but do not start them'
            cand --uninstall 'Stop, disable and remove the units (keeps the user and /var/lib/shiwa)'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;recover'= {
            cand --hub 'The hub''s base URL'
            cand --node 'The node to recover'
            cand --password-file 'Read the retrieval password from FILE (first line) instead of prompting'
            cand --root 'Restore under DIR (a mounted disk, an image, a scratch directory)'
            cand --version 'Restore backup version N instead of the latest'
            cand --ca 'Trust this CA certificate (PEM, e.g. from setup-pki) for the hub'
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand --dry-run 'Show what would be written and installed; write nothing'
            cand --no-start 'Restore the files but do not install or start the sync unit'
            cand --json 'Print the result as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'shiwa;help'= {
            cand sync 'Run the clock-sync daemon (NTP client and server, servo, observation socket)'
            cand status 'Show the clock''s synchronisation state and its sources (exit 3 when not synchronised)'
            cand serve-api 'Serve the HTTP API and Prometheus metrics from shiwa sync''s socket (unprivileged)'
            cand ship-es 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)'
            cand cli-ssh 'Run the SSH management shell (standalone, over the observation socket)'
            cand query 'Probe an NTP server once (like ntpdig / ntpdate -q)'
            cand config 'Check or show the configuration'
            cand export 'Export the configuration as a JSON envelope (for backups and provisioning)'
            cand import 'Import a configuration (envelope, YAML or JSON), validating it before writing'
            cand setup-pki 'Create a CA, client and server certificates (replaces the openssl recipe)'
            cand hub 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes'
            cand systemd-install 'Write hardened systemd units for shiwa''s long-running subcommands'
            cand recover 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;help;sync'= {
        }
        &'shiwa;help;status'= {
        }
        &'shiwa;help;serve-api'= {
        }
        &'shiwa;help;ship-es'= {
        }
        &'shiwa;help;cli-ssh'= {
        }
        &'shiwa;help;query'= {
        }
        &'shiwa;help;config'= {
            cand check 'Validate a configuration file and list every problem (exit 78 when invalid)'
            cand show 'Print the effective configuration (defaults filled in, secrets redacted)'
        }
        &'shiwa;help;config;check'= {
        }
        &'shiwa;help;config;show'= {
        }
        &'shiwa;help;export'= {
            cand config 'Write the configuration as a JSON envelope (`export config > config-backup.json`)'
        }
        &'shiwa;help;export;config'= {
        }
        &'shiwa;help;import'= {
            cand config 'Validate and write a configuration (`import config < config-backup.json`)'
        }
        &'shiwa;help;import;config'= {
        }
        &'shiwa;help;setup-pki'= {
        }
        &'shiwa;help;hub'= {
            cand node 'Add, list, rotate keys of, block or remove nodes (works on the database directly)'
            cand hash-password 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash'
        }
        &'shiwa;help;hub;node'= {
            cand add 'Add a node; prints its API key and retrieval password once'
            cand list 'List nodes'
            cand rotate-key 'Replace a node''s API key; prints the new one once'
            cand remove 'Remove a node and everything stored for it'
            cand block 'Refuse a node''s pushes (403) and skip it in the sweep'
            cand unblock 'Accept a node''s pushes again'
            cand maintenance 'Put a node in maintenance (on) or take it out (off)'
        }
        &'shiwa;help;hub;node;add'= {
        }
        &'shiwa;help;hub;node;list'= {
        }
        &'shiwa;help;hub;node;rotate-key'= {
        }
        &'shiwa;help;hub;node;remove'= {
        }
        &'shiwa;help;hub;node;block'= {
        }
        &'shiwa;help;hub;node;unblock'= {
        }
        &'shiwa;help;hub;node;maintenance'= {
        }
        &'shiwa;help;hub;hash-password'= {
        }
        &'shiwa;help;systemd-install'= {
        }
        &'shiwa;help;recover'= {
        }
        &'shiwa;help;help'= {
        }
    ]
    $completions[$command]
}
