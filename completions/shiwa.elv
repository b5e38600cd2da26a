
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
            cand config 'Check or show the configuration'
            cand export 'Export the configuration as a JSON envelope (for backups and provisioning)'
            cand import 'Import a configuration (envelope, YAML or JSON), validating it before writing'
            cand setup-pki 'Create a CA, client and server certificates (replaces the openssl recipe)'
            cand systemd-install 'Write hardened systemd units for shiwa''s long-running subcommands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;config'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;export'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;import'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;setup-pki'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;systemd-install'= {
            cand -c 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --config 'Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]'
            cand --log-level 'Log level (error, warn, info, debug, trace) or a tracing filter directive'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'shiwa;help'= {
            cand config 'Check or show the configuration'
            cand export 'Export the configuration as a JSON envelope (for backups and provisioning)'
            cand import 'Import a configuration (envelope, YAML or JSON), validating it before writing'
            cand setup-pki 'Create a CA, client and server certificates (replaces the openssl recipe)'
            cand systemd-install 'Write hardened systemd units for shiwa''s long-running subcommands'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'shiwa;help;config'= {
        }
        &'shiwa;help;export'= {
        }
        &'shiwa;help;import'= {
        }
        &'shiwa;help;setup-pki'= {
        }
        &'shiwa;help;systemd-install'= {
        }
        &'shiwa;help;help'= {
        }
    ]
    $completions[$command]
}
