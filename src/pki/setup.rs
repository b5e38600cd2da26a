//! `setup`: plan, generate everything in memory, then write and hand the files over.

use super::files::{self, Owner, PairPaths};
use super::generate::{self, Issued};
use super::inspect::CertInfo;
use super::keys::KeyType;
use super::plan::{self, Plan, Step};
use super::{Action, FileKind, FileOutcome, PkiError, PkiOptions, Role, SetupReport, rfc3339};
use rcgen::{Issuer, KeyPair};
use std::path::Path;

/// Creates, keeps or renews the CA, the client certificate, the requested server certificate
/// and every other leaf in the directory; reports one row per file (certificate, then key).
///
/// `on_keygen` is called before each key is generated (for a progress indicator: RSA-4096
/// takes seconds). Nothing is written when a problem is found or generation fails.
pub fn setup(
    opts: &PkiOptions,
    on_keygen: &mut dyn FnMut(&Path, KeyType),
) -> Result<SetupReport, PkiError> {
    super::validate::validate(opts)?;
    let owner = opts
        .owner
        .as_deref()
        .map(files::resolve_owner)
        .transpose()?;
    let mut plan = plan::plan(opts)?;
    let issued = generate_all(opts, &mut plan, on_keygen)?;
    write_all(opts, &plan, &issued, owner.as_ref())?;
    Ok(SetupReport {
        dir: opts.dir.clone(),
        files: outcomes(&plan, &issued),
    })
}

/// New certificates by position: index 0 is the CA, then the leaves in plan order.
type IssuedSet = Vec<Option<Issued>>;

fn generate_all(
    opts: &PkiOptions,
    plan: &mut Plan,
    on_keygen: &mut dyn FnMut(&Path, KeyType),
) -> Result<IssuedSet, PkiError> {
    let leaf_window = generate::validity(opts.now, opts.leaf_days);
    let paths = |p: &PairPaths| (p.cert.clone(), p.key.clone());
    let (ca_cert, ca_key) = paths(&plan.ca.paths);
    let mut issued: IssuedSet = Vec::with_capacity(plan.leaves.len() + 1);
    let issuer: Option<Issuer<'static, KeyPair>> = match &plan.ca.step {
        Step::Issue(_) => {
            let window = generate::validity(opts.now, opts.ca_days);
            let (ca, issuer) = generate::new_ca(
                plan.ca.cn.as_deref(),
                plan.key_type,
                window,
                (&ca_cert, &ca_key),
                on_keygen,
            )?;
            issued.push(Some(ca));
            Some(issuer)
        }
        Step::Keep(info) => {
            issued.push(None);
            let needed = plan.leaves.iter().any(|l| matches!(l.step, Step::Issue(_)));
            match plan.ca.key.take() {
                Some(key) if needed => Some(generate::existing_ca(info, key, &ca_cert)?),
                _ => None,
            }
        }
    };
    for leaf in &plan.leaves {
        let new = match (&leaf.step, &issuer) {
            (Step::Issue(_), Some(issuer)) => {
                let (cert, key) = paths(&leaf.paths);
                Some(generate::issue_leaf(
                    &leaf.spec,
                    plan.key_type,
                    leaf_window,
                    issuer,
                    (&cert, &key),
                    on_keygen,
                )?)
            }
            _ => None,
        };
        issued.push(new);
    }
    Ok(issued)
}

fn write_all(
    opts: &PkiOptions,
    plan: &Plan,
    issued: &IssuedSet,
    owner: Option<&Owner>,
) -> Result<(), PkiError> {
    let created_dir = files::ensure_dir(&opts.dir)?;
    if let (true, Some(owner)) = (created_dir, owner) {
        files::chown(&opts.dir, owner)?;
    }
    let pairs = std::iter::once(&plan.ca.paths).chain(plan.leaves.iter().map(|l| &l.paths));
    for (paths, new) in pairs.zip(issued) {
        if let Some(new) = new {
            files::write_pair(paths, &new.cert_pem, &new.key_pem)?;
        }
        if let Some(owner) = owner {
            files::chown(&paths.key, owner)?;
            files::chown(&paths.cert, owner)?;
        }
    }
    Ok(())
}

fn outcomes(plan: &Plan, issued: &IssuedSet) -> Vec<FileOutcome> {
    let ca = (&plan.ca.paths, Role::Ca, &plan.ca.step);
    let leaves = plan.leaves.iter().map(|l| (&l.paths, l.spec.role, &l.step));
    let mut rows = Vec::new();
    for ((paths, role, step), new) in std::iter::once(ca).chain(leaves).zip(issued) {
        let (action, info): (Action, Option<&CertInfo>) = match (step, new) {
            (Step::Keep(info), _) => (Action::Kept, Some(info)),
            (Step::Issue(action), new) => (*action, new.as_ref().map(|n| &n.info)),
        };
        let Some(info) = info else { continue };
        rows.push(FileOutcome {
            file: paths.cert_file(),
            path: paths.cert.clone(),
            kind: FileKind::Certificate,
            role,
            action,
            subject: Some(info.subject.clone()),
            not_after: Some(rfc3339(info.not_after)),
            key_type: info.key_type.clone(),
        });
        rows.push(FileOutcome {
            file: paths.key_file(),
            path: paths.key.clone(),
            kind: FileKind::Key,
            role,
            action,
            subject: None,
            not_after: None,
            key_type: info.key_type.clone(),
        });
    }
    rows
}
