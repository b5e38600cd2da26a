use super::*;

fn spec(kind: UnitKind) -> UnitSpec {
    UnitSpec {
        kind,
        settings: UnitSettings::for_tests(),
    }
}

/// The values of `key` in `text`, in order.
fn values<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

fn value<'a>(text: &'a str, key: &str) -> &'a str {
    let all = values(text, key);
    assert_eq!(all.len(), 1, "{key} must appear once, found {all:?}");
    all[0]
}

#[test]
fn capabilities_only_in_sync() {
    for kind in UnitKind::ALL {
        let text = render_unit(&spec(kind));
        let caps = value(&text, "CapabilityBoundingSet");
        assert_eq!(caps, value(&text, "AmbientCapabilities"));
        if kind == UnitKind::Sync {
            assert_eq!(
                caps,
                "CAP_SYS_TIME CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN"
            );
        } else {
            assert_eq!(caps, "", "{kind} must have no capabilities");
        }
    }
}

#[test]
fn sync_steers_the_clock_and_reaches_ptp_devices() {
    let text = render_unit(&spec(UnitKind::Sync));
    assert!(values(&text, "ProtectClock").is_empty());
    assert!(values(&text, "PrivateDevices").is_empty());
    assert_eq!(values(&text, "DeviceAllow"), ["char-ptp rw", "char-rtc r"]);
    assert_eq!(value(&text, "DevicePolicy"), "closed");
    assert_eq!(
        value(&text, "RestrictAddressFamilies"),
        "AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET"
    );
    assert_eq!(
        values(&text, "SystemCallFilter")[0],
        "@system-service @clock"
    );
    assert_eq!(value(&text, "Type"), "notify");
    assert_eq!(value(&text, "NotifyAccess"), "main");
    assert_eq!(value(&text, "WatchdogSec"), "30");
    assert_eq!(value(&text, "RuntimeDirectoryPreserve"), "yes");
    assert_eq!(value(&text, "Before"), "time-sync.target");
    assert!(value(&text, "Conflicts").contains("chrony.service"));
}

#[test]
fn surfaces_are_fully_sandboxed() {
    for kind in [
        UnitKind::Hub,
        UnitKind::ServeApi,
        UnitKind::CliSsh,
        UnitKind::ShipEs,
    ] {
        let text = render_unit(&spec(kind));
        assert_eq!(value(&text, "PrivateDevices"), "yes", "{kind}");
        assert_eq!(value(&text, "ProtectClock"), "yes", "{kind}");
        assert_eq!(value(&text, "Type"), "exec", "{kind}");
        assert_eq!(
            value(&text, "RestrictAddressFamilies"),
            "AF_UNIX AF_INET AF_INET6"
        );
        assert_eq!(
            values(&text, "SystemCallFilter"),
            ["@system-service", "~@privileged @resources"]
        );
        assert!(values(&text, "WatchdogSec").is_empty());
        assert!(values(&text, "DeviceAllow").is_empty());
        assert!(!text.contains("@clock"));
        assert!(values(&text, "Conflicts").is_empty());
    }
}

#[test]
fn common_hardening_everywhere() {
    for kind in UnitKind::ALL {
        let text = render_unit(&spec(kind));
        for (key, want) in [
            ("NoNewPrivileges", "yes"),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("RestrictNamespaces", "yes"),
            ("MemoryDenyWriteExecute", "yes"),
            ("SystemCallArchitectures", "native"),
            ("SystemCallErrorNumber", "EPERM"),
            ("UMask", "0077"),
            ("StateDirectory", "shiwa"),
            ("User", "shiwa"),
            ("Group", "shiwa"),
            ("Restart", "on-failure"),
            ("RestartSec", "5"),
        ] {
            assert_eq!(value(&text, key), want, "{kind}: {key}");
        }
        let doc = format!("man:shiwa-{kind}(1)");
        assert_eq!(value(&text, "Documentation"), doc);
        assert!(values(&text, "After")[0].starts_with("network-online.target"));
        assert_eq!(values(&text, "Wants")[0], "network-online.target");
    }
}

#[test]
fn exec_start_names_the_subcommand_and_config() {
    let mut s = spec(UnitKind::CliSsh);
    s.settings.config = PathBuf::from("/etc/shiwa/prod.yml");
    let text = render_unit(&s);
    assert_eq!(
        value(&text, "ExecStart"),
        "/usr/bin/shiwa cli-ssh --config /etc/shiwa/prod.yml"
    );
}

#[test]
fn runtime_dir_preserved_wherever_declared() {
    for kind in UnitKind::ALL {
        let text = render_unit(&spec(kind));
        let declared = !values(&text, "RuntimeDirectory").is_empty();
        assert_eq!(declared, kind.uses_runtime_dir(), "{kind}");
        if declared {
            assert_eq!(value(&text, "RuntimeDirectoryPreserve"), "yes", "{kind}");
        }
    }
}

#[test]
fn ports_per_kind() {
    let show =
        |kind: UnitKind| -> Vec<String> { kind.ports().iter().map(Port::to_string).collect() };
    assert_eq!(show(UnitKind::Sync), ["123/udp", "319/udp", "320/udp"]);
    assert_eq!(show(UnitKind::Hub), ["8080/tcp"]);
    assert_eq!(show(UnitKind::ServeApi), ["8088/tcp"]);
    assert_eq!(show(UnitKind::CliSsh), ["65129/tcp"]);
    assert!(show(UnitKind::ShipEs).is_empty());
    for kind in UnitKind::ALL {
        if !kind.is_privileged() {
            assert!(kind.ports().iter().all(|p| p.number > 1024), "{kind}");
        }
    }
}

#[test]
fn watchdog_zero_is_omitted() {
    let mut s = spec(UnitKind::Sync);
    s.settings.watchdog_sec = 0;
    assert!(values(&render_unit(&s), "WatchdogSec").is_empty());
}

#[test]
fn firewall_lines_land_in_the_service_section() {
    let mut s = spec(UnitKind::ServeApi);
    s.settings.firewall = Firewall::Ufw;
    let text = render_unit(&s);
    assert_eq!(
        values(&text, "ExecStartPre"),
        ["-+/usr/sbin/ufw allow 8088/tcp"]
    );
    assert_eq!(
        values(&text, "ExecStopPost"),
        ["-+/usr/sbin/ufw delete allow 8088/tcp"]
    );
}

#[test]
fn exec_args_are_escaped() {
    assert_eq!(exec_arg("/usr/bin/shiwa"), "/usr/bin/shiwa");
    assert_eq!(exec_arg("/opt/my app/x"), "\"/opt/my app/x\"");
    assert_eq!(exec_arg("/etc/50%/$HOME"), "/etc/50%%/$$HOME");
    assert_eq!(exec_arg("/a\"b\\c"), "\"/a\\\"b\\\\c\"");
    assert_eq!(exec_arg(""), "\"\"");
    assert_eq!(exec_program("/opt/a$b/50%"), "/opt/a$b/50%%");
}

#[test]
fn kinds_round_trip_through_their_names() {
    for kind in UnitKind::ALL {
        assert_eq!(kind.name().parse::<UnitKind>(), Ok(kind));
        assert_eq!(kind.unit_name(), format!("shiwa-{kind}.service"));
    }
    let err = "ntp".parse::<UnitKind>().expect_err("unknown kind");
    assert!(err.contains("serve-api"), "{err}");
}

#[test]
fn unique_keeps_first_order() {
    use UnitKind::{Hub, Sync};
    assert_eq!(UnitKind::unique(&[Hub, Sync, Hub, Sync]), [Hub, Sync]);
}
