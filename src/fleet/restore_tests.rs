use super::*;
use std::os::unix::fs::PermissionsExt;

fn file(path: &str, mode: u32, contents: &[u8]) -> BackupFile {
    BackupFile {
        path: path.into(),
        mode,
        content_b64: base64::engine::general_purpose::STANDARD.encode(contents),
    }
}

fn files() -> Vec<BackupFile> {
    vec![
        file("/etc/shiwa/shiwa.yml", 0o640, b"timebeat: {}\n"),
        file(
            "/etc/shiwa/pki/node.key",
            0o600,
            b"-----BEGIN PRIVATE KEY-----\n",
        ),
    ]
}

#[test]
fn files_land_under_the_root_byte_for_byte_with_their_modes() {
    let root = tempfile::tempdir().expect("tempdir");
    let plan = plan_restore(&files(), root.path()).expect("plan");
    assert!(plan.entries.iter().all(|e| e.change == Change::Create));
    let mut seen = Vec::new();
    apply_restore(&plan, |entry| seen.push(entry.path.clone())).expect("apply");
    assert_eq!(seen, ["/etc/shiwa/shiwa.yml", "/etc/shiwa/pki/node.key"]);
    let key = root.path().join("etc/shiwa/pki/node.key");
    assert_eq!(
        std::fs::read(&key).expect("key"),
        b"-----BEGIN PRIVATE KEY-----\n"
    );
    let mode = std::fs::metadata(&key).expect("meta").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
    let again = plan_restore(&files(), root.path()).expect("plan again");
    assert!(again.entries.iter().all(|e| e.change == Change::Unchanged));
    std::fs::write(root.path().join("etc/shiwa/shiwa.yml"), "other").expect("edit");
    let edited = plan_restore(&files(), root.path()).expect("plan edited");
    assert_eq!(edited.entries[0].change, Change::Replace);
}

#[test]
fn hostile_paths_and_content_are_refused_before_anything_is_written() {
    let root = tempfile::tempdir().expect("tempdir");
    for (path, expected) in [
        ("etc/shiwa/x", "not an absolute path"),
        ("/etc/../../x", "`..`"),
        ("/etc/./x", "`..`"),
        ("/", "root directory"),
        ("/etc/x\0y", "NUL"),
    ] {
        let mut bundle = files();
        bundle.push(file(path, 0o644, b"x"));
        let err = plan_restore(&bundle, root.path()).expect_err(path);
        assert!(err.to_string().contains(expected), "{path}: {err}");
    }
    let mut bad = files();
    bad[1].content_b64 = "***".into();
    let err = plan_restore(&bad, root.path()).expect_err("bad base64");
    assert!(err.to_string().contains("/etc/shiwa/pki/node.key"), "{err}");
    let mut twice = files();
    twice.push(files()[0].clone());
    assert!(matches!(
        plan_restore(&twice, root.path()),
        Err(RestoreError::Duplicate(_))
    ));
    assert_eq!(
        std::fs::read_dir(root.path()).expect("list").count(),
        0,
        "nothing written"
    );
}

#[test]
fn debug_output_leaves_the_contents_out() {
    let root = tempfile::tempdir().expect("tempdir");
    let plan = plan_restore(&files(), root.path()).expect("plan");
    let debug = format!("{plan:?}");
    assert!(debug.contains("node.key"), "{debug}");
    assert!(
        !debug.contains("PRIVATE") && !debug.contains("45, 45"),
        "{debug}"
    );
}

#[test]
fn modes_are_capped_to_permission_bits() {
    let root = tempfile::tempdir().expect("tempdir");
    let plan = plan_restore(&[file("/a", 0o100_644, b"x")], root.path()).expect("plan");
    assert_eq!(plan.entries[0].mode, 0o644);
}
