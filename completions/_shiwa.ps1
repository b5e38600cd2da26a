
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'shiwa' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'shiwa'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'shiwa' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Run the clock-sync daemon (NTP client and server, servo, observation socket)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the clock''s synchronisation state and its sources (exit 3 when not synchronised)')
            [CompletionResult]::new('serve-api', 'serve-api', [CompletionResultType]::ParameterValue, 'Serve the HTTP API and Prometheus metrics from shiwa sync''s socket (unprivileged)')
            [CompletionResult]::new('ship-es', 'ship-es', [CompletionResultType]::ParameterValue, 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)')
            [CompletionResult]::new('cli-ssh', 'cli-ssh', [CompletionResultType]::ParameterValue, 'Run the SSH management shell (standalone, over the observation socket)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Probe an NTP server once (like ntpdig / ntpdate -q)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the configuration as a JSON envelope (for backups and provisioning)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a configuration (envelope, YAML or JSON), validating it before writing')
            [CompletionResult]::new('setup-pki', 'setup-pki', [CompletionResultType]::ParameterValue, 'Create a CA, client and server certificates (replaces the openssl recipe)')
            [CompletionResult]::new('hub', 'hub', [CompletionResultType]::ParameterValue, 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes')
            [CompletionResult]::new('systemd-install', 'systemd-install', [CompletionResultType]::ParameterValue, 'Write hardened systemd units for shiwa''s long-running subcommands')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;sync' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Observation/control socket to create')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Directory for state kept across runs (the SSH shell''s host key, unless `cli.server_key` names one)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--monitor', '--monitor', [CompletionResultType]::ParameterName, 'Never write the clock, whatever `adjust_clock` says (monitor mode)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;status' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The observation socket of shiwa sync')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the whole snapshot as JSON (field names documented in the shiwa::observe docs)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;serve-api' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The observation socket of shiwa sync')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address and port to listen on, e.g. 0.0.0.0:8088 or [::]:8088 [default: the config''s timebeat.http bind_host:bind_port, else 127.0.0.1:8088]')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS with this certificate (PEM, e.g. from `shiwa setup-pki --server-cn NAME`)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The certificate''s private key (PEM)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Require `Authorization: Bearer TOKEN`, the token being the first line of FILE (replaces the config''s auth)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;ship-es' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The observation socket of shiwa sync')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where the spool lives unless queue.disk.path says otherwise')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print the spool''s counters (delivered, refused, waiting) and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'With --stats: print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;cli-ssh' {
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'The observation socket of shiwa sync')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on [default: timebeat.cli.bind_host:bind_port, 127.0.0.1:65129]')
            [CompletionResult]::new('--host-key', '--host-key', [CompletionResultType]::ParameterName, 'Host key file (ed25519, created when missing) [default: timebeat.cli.server_key, else STATE_DIR/ssh_host_ed25519_key]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where the host key is kept when neither --host-key nor timebeat.cli.server_key says')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--hash-password', '--hash-password', [CompletionResultType]::ParameterName, 'Read a password on stdin, print its argon2 hash for timebeat.cli.password_hash, and exit')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;query' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of requests')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of requests')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for each answer')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between requests')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--interleaved', '--interleaved', [CompletionResultType]::ParameterName, 'Use interleaved mode (as chrony''s xleave): precise server transmit timestamps, one exchange late')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;config' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file and list every problem (exit 78 when invalid)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (defaults filled in, secrets redacted)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;config;check' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;config;show' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of YAML')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;config;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file and list every problem (exit 78 when invalid)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (defaults filled in, secrets redacted)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;config;help;check' {
            break
        }
        'shiwa;config;help;show' {
            break
        }
        'shiwa;config;help;help' {
            break
        }
        'shiwa;export' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write the configuration as a JSON envelope (`export config > config-backup.json`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;export;config' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to this file (atomically, mode 0600) instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to this file (atomically, mode 0600) instead of standard output')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--redact', '--redact', [CompletionResultType]::ParameterName, 'Replace secrets (passwords, API keys, private keys) with "<redacted>"')
            [CompletionResult]::new('--with-pki', '--with-pki', [CompletionResultType]::ParameterName, 'Embed the files named by ssl.* keys (base64 with sha256)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;export;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write the configuration as a JSON envelope (`export config > config-backup.json`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;export;help;config' {
            break
        }
        'shiwa;export;help;help' {
            break
        }
        'shiwa;import' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate and write a configuration (`import config < config-backup.json`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;import;config' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read from this file instead of standard input')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read from this file instead of standard input')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Validate and show what would change; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;import;help' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate and write a configuration (`import config < config-backup.json`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;import;help;config' {
            break
        }
        'shiwa;import;help;help' {
            break
        }
        'shiwa;setup-pki' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'PKI directory')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Validity of client and server certificates, in days')
            [CompletionResult]::new('--ca-days', '--ca-days', [CompletionResultType]::ParameterName, 'Validity of a new CA, in days (at least --days)')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Key type of new keys [default: the existing CA''s, else ecdsa-p256]')
            [CompletionResult]::new('--ca-cn', '--ca-cn', [CompletionResultType]::ParameterName, 'Common name of a new CA [default: "shiwa CA" and 8 hex digits of its key''s SHA-256]')
            [CompletionResult]::new('--client-name', '--client-name', [CompletionResultType]::ParameterName, 'File name of the client certificate and key (<NAME>.crt, <NAME>.key)')
            [CompletionResult]::new('--client-cn', '--client-cn', [CompletionResultType]::ParameterName, 'Common name of the client certificate [default: --client-name]')
            [CompletionResult]::new('--server-cn', '--server-cn', [CompletionResultType]::ParameterName, 'Create a server certificate <CN>.crt/.key for this name (one per run)')
            [CompletionResult]::new('--san', '--san', [CompletionResultType]::ParameterName, 'Extra subject alternative name of the server certificate: DNS name or IP (repeatable)')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Give the files to USER and its primary group')
            [CompletionResult]::new('--warn-days', '--warn-days', [CompletionResultType]::ParameterName, 'With --check: certificates expiring within this many days are problems')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Regenerate everything, the CA included')
            [CompletionResult]::new('--renew', '--renew', [CompletionResultType]::ParameterName, 'Issue new client and server certificates and keys from the existing CA')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Only inspect the files and report problems (exit 1 when there are any)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Add, list, rotate keys of, block or remove nodes (works on the database directly)')
            [CompletionResult]::new('hash-password', 'hash-password', [CompletionResultType]::ParameterValue, 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;hub;node' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a node; prints its API key and retrieval password once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List nodes')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace a node''s API key; prints the new one once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a node and everything stored for it')
            [CompletionResult]::new('block', 'block', [CompletionResultType]::ParameterValue, 'Refuse a node''s pushes (403) and skip it in the sweep')
            [CompletionResult]::new('unblock', 'unblock', [CompletionResultType]::ParameterValue, 'Accept a node''s pushes again')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a node in maintenance (on) or take it out (off)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;hub;node;add' {
            [CompletionResult]::new('--report-interval', '--report-interval', [CompletionResultType]::ParameterName, 'How often the node reports (e.g. 15m)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'A port for the hub to check: NAME:PORT (TCP) or NAME:PORT:/path (HTTP GET)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;rotate-key' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;remove' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;block' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;unblock' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;maintenance' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The database [default: hub.yaml''s database_url]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (for provisioning scripts)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;node;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a node; prints its API key and retrieval password once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List nodes')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace a node''s API key; prints the new one once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a node and everything stored for it')
            [CompletionResult]::new('block', 'block', [CompletionResultType]::ParameterValue, 'Refuse a node''s pushes (403) and skip it in the sweep')
            [CompletionResult]::new('unblock', 'unblock', [CompletionResultType]::ParameterValue, 'Accept a node''s pushes again')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a node in maintenance (on) or take it out (off)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;hub;node;help;add' {
            break
        }
        'shiwa;hub;node;help;list' {
            break
        }
        'shiwa;hub;node;help;rotate-key' {
            break
        }
        'shiwa;hub;node;help;remove' {
            break
        }
        'shiwa;hub;node;help;block' {
            break
        }
        'shiwa;hub;node;help;unblock' {
            break
        }
        'shiwa;hub;node;help;maintenance' {
            break
        }
        'shiwa;hub;node;help;help' {
            break
        }
        'shiwa;hub;hash-password' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;hub;help' {
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Add, list, rotate keys of, block or remove nodes (works on the database directly)')
            [CompletionResult]::new('hash-password', 'hash-password', [CompletionResultType]::ParameterValue, 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;hub;help;node' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a node; prints its API key and retrieval password once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List nodes')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace a node''s API key; prints the new one once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a node and everything stored for it')
            [CompletionResult]::new('block', 'block', [CompletionResultType]::ParameterValue, 'Refuse a node''s pushes (403) and skip it in the sweep')
            [CompletionResult]::new('unblock', 'unblock', [CompletionResultType]::ParameterValue, 'Accept a node''s pushes again')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a node in maintenance (on) or take it out (off)')
            break
        }
        'shiwa;hub;help;node;add' {
            break
        }
        'shiwa;hub;help;node;list' {
            break
        }
        'shiwa;hub;help;node;rotate-key' {
            break
        }
        'shiwa;hub;help;node;remove' {
            break
        }
        'shiwa;hub;help;node;block' {
            break
        }
        'shiwa;hub;help;node;unblock' {
            break
        }
        'shiwa;hub;help;node;maintenance' {
            break
        }
        'shiwa;hub;help;hash-password' {
            break
        }
        'shiwa;hub;help;help' {
            break
        }
        'shiwa;systemd-install' {
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Units to install (repeat the option or separate with commas)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User and group the services run as (created as a system user when missing)')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'The shiwa binary the units run [default: this executable]')
            [CompletionResult]::new('--restart-sec', '--restart-sec', [CompletionResultType]::ParameterName, 'Seconds systemd waits before restarting a failed service')
            [CompletionResult]::new('--watchdog-sec', '--watchdog-sec', [CompletionResultType]::ParameterName, 'Watchdog timeout of the sync unit in seconds (0 turns it off)')
            [CompletionResult]::new('--firewall', '--firewall', [CompletionResultType]::ParameterName, 'Open the units'' ports while they run (ExecStartPre=/ExecStopPost= lines)')
            [CompletionResult]::new('--nft-chain', '--nft-chain', [CompletionResultType]::ParameterName, 'With --firewall nftables: the input chain holding the accept rule')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Stage the files under DIR (an image root); no user, no systemctl')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the units and the actions; change nothing')
            [CompletionResult]::new('--no-start', '--no-start', [CompletionResultType]::ParameterName, 'Enable the units but do not start them')
            [CompletionResult]::new('--uninstall', '--uninstall', [CompletionResultType]::ParameterName, 'Stop, disable and remove the units (keeps the user and /var/lib/shiwa)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'shiwa;recover' {
            [CompletionResult]::new('--hub', '--hub', [CompletionResultType]::ParameterName, 'The hub''s base URL')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The node to recover')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the retrieval password from FILE (first line) instead of prompting')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Restore under DIR (a mounted disk, an image, a scratch directory)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Restore backup version N instead of the latest')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this CA certificate (PEM, e.g. from setup-pki) for the hub')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level (error, warn, info, debug, trace) or a tracing filter directive')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be written and installed; write nothing')
            [CompletionResult]::new('--no-start', '--no-start', [CompletionResultType]::ParameterName, 'Restore the files but do not install or start the sync unit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'shiwa;help' {
            [CompletionResult]::new('sync', 'sync', [CompletionResultType]::ParameterValue, 'Run the clock-sync daemon (NTP client and server, servo, observation socket)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the clock''s synchronisation state and its sources (exit 3 when not synchronised)')
            [CompletionResult]::new('serve-api', 'serve-api', [CompletionResultType]::ParameterValue, 'Serve the HTTP API and Prometheus metrics from shiwa sync''s socket (unprivileged)')
            [CompletionResult]::new('ship-es', 'ship-es', [CompletionResultType]::ParameterValue, 'Ship clock, source, event and log documents to Elasticsearch (unprivileged)')
            [CompletionResult]::new('cli-ssh', 'cli-ssh', [CompletionResultType]::ParameterValue, 'Run the SSH management shell (standalone, over the observation socket)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Probe an NTP server once (like ntpdig / ntpdate -q)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check or show the configuration')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the configuration as a JSON envelope (for backups and provisioning)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a configuration (envelope, YAML or JSON), validating it before writing')
            [CompletionResult]::new('setup-pki', 'setup-pki', [CompletionResultType]::ParameterValue, 'Create a CA, client and server certificates (replaces the openssl recipe)')
            [CompletionResult]::new('hub', 'hub', [CompletionResultType]::ParameterValue, 'Run the fleet hub (reports, events, backups from nodes), or manage its nodes')
            [CompletionResult]::new('systemd-install', 'systemd-install', [CompletionResultType]::ParameterValue, 'Write hardened systemd units for shiwa''s long-running subcommands')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'shiwa;help;sync' {
            break
        }
        'shiwa;help;status' {
            break
        }
        'shiwa;help;serve-api' {
            break
        }
        'shiwa;help;ship-es' {
            break
        }
        'shiwa;help;cli-ssh' {
            break
        }
        'shiwa;help;query' {
            break
        }
        'shiwa;help;config' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file and list every problem (exit 78 when invalid)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (defaults filled in, secrets redacted)')
            break
        }
        'shiwa;help;config;check' {
            break
        }
        'shiwa;help;config;show' {
            break
        }
        'shiwa;help;export' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Write the configuration as a JSON envelope (`export config > config-backup.json`)')
            break
        }
        'shiwa;help;export;config' {
            break
        }
        'shiwa;help;import' {
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Validate and write a configuration (`import config < config-backup.json`)')
            break
        }
        'shiwa;help;import;config' {
            break
        }
        'shiwa;help;setup-pki' {
            break
        }
        'shiwa;help;hub' {
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Add, list, rotate keys of, block or remove nodes (works on the database directly)')
            [CompletionResult]::new('hash-password', 'hash-password', [CompletionResultType]::ParameterValue, 'Read a password (prompt, or the first line of stdin) and print its argon2 hash for dashboard.password_hash')
            break
        }
        'shiwa;help;hub;node' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a node; prints its API key and retrieval password once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List nodes')
            [CompletionResult]::new('rotate-key', 'rotate-key', [CompletionResultType]::ParameterValue, 'Replace a node''s API key; prints the new one once')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a node and everything stored for it')
            [CompletionResult]::new('block', 'block', [CompletionResultType]::ParameterValue, 'Refuse a node''s pushes (403) and skip it in the sweep')
            [CompletionResult]::new('unblock', 'unblock', [CompletionResultType]::ParameterValue, 'Accept a node''s pushes again')
            [CompletionResult]::new('maintenance', 'maintenance', [CompletionResultType]::ParameterValue, 'Put a node in maintenance (on) or take it out (off)')
            break
        }
        'shiwa;help;hub;node;add' {
            break
        }
        'shiwa;help;hub;node;list' {
            break
        }
        'shiwa;help;hub;node;rotate-key' {
            break
        }
        'shiwa;help;hub;node;remove' {
            break
        }
        'shiwa;help;hub;node;block' {
            break
        }
        'shiwa;help;hub;node;unblock' {
            break
        }
        'shiwa;help;hub;node;maintenance' {
            break
        }
        'shiwa;help;hub;hash-password' {
            break
        }
        'shiwa;help;systemd-install' {
            break
        }
        'shiwa;help;recover' {
            break
        }
        'shiwa;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
