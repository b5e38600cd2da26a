//! The committed `completions/` and `man/` are exactly what `shiwa generate` produces now, and
//! `shiwa generate` writes them as promised.
//!
//! After changing the command tree, refresh the committed files with
//! `SHIWA_BLESS=1 cargo test generated` and commit the result.

use crate::support;
use shiwa::generate::{self, GeneratedFile};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const REFRESH: &str = "SHIWA_BLESS=1 cargo test generated";

fn blessing() -> bool {
    std::env::var("SHIWA_BLESS").is_ok_and(|v| v == "1")
}

/// The regular files directly in `dir` (an absent directory has none). Anything else there
/// (a subdirectory, a symlink) is reported as a file that should not be there.
fn files_in(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("listing a generated directory"))
        .map(|entry| {
            let contents = fs::read(entry.path()).unwrap_or_default();
            (PathBuf::from(entry.file_name()), contents)
        })
        .collect()
}

/// Where `committed` differs from `expected`, one line per file, naming `dir_name/file`.
fn differences(
    dir_name: &str,
    expected: &BTreeMap<PathBuf, Vec<u8>>,
    committed: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, want) in expected {
        let path = format!("{dir_name}/{}", name.display());
        match committed.get(name) {
            None => problems.push(format!("missing:   {path}")),
            Some(got) if got != want => {
                let line = first_differing_line(got, want);
                problems.push(format!("differs:   {path} (from line {line})"));
            }
            Some(_) => {}
        }
    }
    for name in committed
        .keys()
        .filter(|name| !expected.contains_key(*name))
    {
        problems.push(format!("extra:     {dir_name}/{}", name.display()));
    }
    problems
}

fn first_differing_line(got: &[u8], want: &[u8]) -> usize {
    let (got, want) = (String::from_utf8_lossy(got), String::from_utf8_lossy(want));
    let mut got_lines = got.lines();
    let mut want_lines = want.lines();
    let mut line = 1;
    while got_lines.next() == want_lines.next() {
        line += 1;
    }
    line
}

/// Makes `dir` hold exactly `expected`: writes every file, removes the extra ones.
fn bless(dir: &Path, expected: &BTreeMap<PathBuf, Vec<u8>>) {
    shiwa::fsutil::create_dir_all(dir, 0o755).expect("creating the generated directory");
    for (name, contents) in expected {
        shiwa::fsutil::write_atomic(&dir.join(name), contents, 0o644).expect("blessing a file");
    }
    for name in files_in(dir)
        .keys()
        .filter(|name| !expected.contains_key(*name))
    {
        let path = dir.join(name);
        fs::remove_file(&path)
            .or_else(|_| fs::remove_dir_all(&path))
            .expect("removing a stale generated file");
    }
}

/// Compares the committed `dir_name/` with `expected` in both directions; under
/// `SHIWA_BLESS=1` rewrites it instead of failing.
fn check_committed(dir_name: &str, expected: Vec<GeneratedFile>) {
    let dir = support::repo_root().join(dir_name);
    let expected: BTreeMap<PathBuf, Vec<u8>> = expected.into_iter().collect();
    let problems = differences(dir_name, &expected, &files_in(&dir));
    if problems.is_empty() {
        return;
    }
    if blessing() {
        bless(&dir, &expected);
        eprintln!(
            "SHIWA_BLESS=1: rewrote {}/:\n  {}",
            dir_name,
            problems.join("\n  ")
        );
        assert!(differences(dir_name, &expected, &files_in(&dir)).is_empty());
        return;
    }
    panic!(
        "the committed {dir_name}/ is out of date with the command tree:\n  {}\n\
         Refresh it with:\n    {REFRESH}\nand commit the result.",
        problems.join("\n  ")
    );
}

#[test]
fn committed_completions_are_current() {
    check_committed("completions", generate::completions());
}

#[test]
fn committed_man_pages_are_current() {
    check_committed("man", generate::man_pages().expect("rendering man pages"));
}

#[test]
fn generated_output_is_deterministic() {
    assert_eq!(generate::completions(), generate::completions());
    let pages = generate::man_pages().expect("rendering man pages");
    assert_eq!(pages, generate::man_pages().expect("rendering man pages"));
}

/// `shiwa.1` plus `shiwa-a-b.1` for every visible command path, nothing for hidden ones.
fn expected_page_names(cmd: &clap::Command, prefix: &str, names: &mut Vec<String>) {
    names.push(format!("{prefix}.1"));
    for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        expected_page_names(sub, &format!("{prefix}-{}", sub.get_name()), names);
    }
}

#[test]
fn man_pages_cover_every_visible_subcommand_and_no_hidden_one() {
    let pages = generate::man_pages().expect("rendering man pages");
    let mut names: Vec<String> = pages.iter().map(|(p, _)| p.display().to_string()).collect();
    let mut expected = Vec::new();
    expected_page_names(&generate::shiwa_command(), "shiwa", &mut expected);
    names.sort();
    expected.sort();
    assert_eq!(names, expected);
    assert!(names.iter().any(|n| n == "shiwa-setup-pki.1"));
    assert!(!names.iter().any(|n| n.starts_with("shiwa-generate")));
    assert!(!names.iter().any(|n| n.starts_with("shiwa-help")));
}

#[test]
fn every_man_page_documents_exit_status_files_and_environment() {
    let commit = shiwa::version::GIT_COMMIT.trim_end_matches("-dirty");
    for (name, bytes) in generate::man_pages().expect("rendering man pages") {
        let name = name.display();
        let text = String::from_utf8(bytes).expect("man pages are UTF-8");
        for heading in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH FILES"] {
            assert!(text.contains(heading), "{name} lacks {heading}");
        }
        for code in ["0", "1", "2", "3", "77", "78"] {
            assert!(
                text.contains(&format!("\\fB{code}\\fR\n")),
                "{name}: exit {code}"
            );
        }
        for var in ["SHIWA_CONFIG", "SHIWA_LOG"] {
            assert!(text.contains(&format!("\\fB{var}\\fR")), "{name}: {var}");
        }
        for path in [
            "/etc/shiwa/shiwa.yml",
            "/etc/timebeat/timebeat.yml",
            "/etc/shiwa/pki/",
            "/var/lib/shiwa",
            "/run/shiwa/shiwa.sock",
        ] {
            assert!(text.contains(&format!("\\fI{path}\\fR")), "{name}: {path}");
        }
        let header = format!("\"shiwa {}\"", shiwa::version::VERSION);
        assert!(text.contains(&header), "{name}: header lacks {header}");
        if commit != "unknown" {
            assert!(!text.contains(commit), "{name} embeds the git commit");
        }
    }
}

#[test]
fn completions_do_not_offer_the_hidden_generate_subcommand() {
    let files: BTreeMap<PathBuf, Vec<u8>> = generate::completions().into_iter().collect();
    let bash = String::from_utf8_lossy(&files[Path::new("shiwa.bash")]).into_owned();
    assert!(
        bash.contains("shiwa,setup-pki)"),
        "bash lost a visible subcommand"
    );
    assert!(!bash.contains("shiwa,generate)"), "bash offers `generate`");
    let fish = String::from_utf8_lossy(&files[Path::new("shiwa.fish")]).into_owned();
    assert!(!fish.contains("-a \"generate\""), "fish offers `generate`");
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn generate_writes_the_same_files_into_a_new_directory() {
    let temp = tempfile::tempdir().expect("temp dir");
    for (what, expected) in [
        ("completions", generate::completions()),
        ("man", generate::man_pages().expect("rendering man pages")),
    ] {
        let out = temp.path().join("not/yet").join(what);
        let run = support::shiwa()
            .args(["generate", what, "--out"])
            .arg(&out)
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
        let expected: BTreeMap<PathBuf, Vec<u8>> = expected.into_iter().collect();
        assert_eq!(
            differences(what, &expected, &files_in(&out)),
            Vec::<String>::new()
        );
        for name in expected.keys() {
            let path = out.join(name);
            assert_eq!(mode_of(&path), 0o644, "{}", path.display());
            assert!(
                stderr.contains(&path.display().to_string()),
                "not reported: {stderr}"
            );
        }
    }
}

#[test]
fn generate_replaces_existing_files() {
    let temp = tempfile::tempdir().expect("temp dir");
    let stale = temp.path().join("shiwa.1");
    fs::write(&stale, "stale").expect("writing a stale page");
    fs::set_permissions(&stale, fs::Permissions::from_mode(0o600)).expect("chmod");
    support::shiwa()
        .args(["generate", "man", "--out"])
        .arg(temp.path())
        .assert()
        .success();
    let pages = generate::man_pages().expect("rendering man pages");
    let (_, want) = pages
        .iter()
        .find(|(p, _)| p == Path::new("shiwa.1"))
        .expect("shiwa.1");
    assert_eq!(&fs::read(&stale).expect("reading shiwa.1"), want);
    assert_eq!(mode_of(&stale), 0o644);
}

#[test]
fn generate_usage_errors_and_unwritable_output() {
    support::shiwa().args(["generate", "man"]).assert().code(2);
    support::shiwa()
        .args(["generate", "fonts", "--out", "x"])
        .assert()
        .code(2);
    support::shiwa().args(["generate"]).assert().code(2);
    let temp = tempfile::tempdir().expect("temp dir");
    let file = temp.path().join("a-file");
    fs::write(&file, "not a directory").expect("writing a file");
    let out = file.join("man");
    support::shiwa()
        .args(["generate", "man", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(out.display().to_string()));
}

#[test]
fn generate_is_hidden_from_help() {
    let help = support::shiwa().arg("--help").assert().success();
    let stdout = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    assert!(!stdout.contains("generate"), "{stdout}");
    support::shiwa()
        .args(["generate", "--help"])
        .assert()
        .success();
}
