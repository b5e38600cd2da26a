//! Deciding, from the options and the files on disk, what [`super::setup`] will do with each
//! pair, without writing anything. Every problem is collected so one run reports them all.

use super::files::{self, PairOnDisk, PairPaths};
use super::generate::{LeafSpec, is_dns_name};
use super::inspect::{CertInfo, examine};
use super::keys::KeyType;
use super::{Action, CA_NAME, PkiError, PkiOptions, Problem, Role, SetupMode};
use rcgen::KeyPair;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// What happens to one pair.
pub(crate) enum Step {
    /// Keep the files; here is what the certificate says.
    Keep(Box<CertInfo>),
    /// Write a new key and certificate; `Created` or `Renewed`.
    Issue(Action),
}

/// The CA's fate.
pub(crate) struct CaPlan {
    pub paths: PairPaths,
    pub step: Step,
    /// The existing CA key when the CA is kept.
    pub key: Option<KeyPair>,
    /// The CN of a new CA; `None` for the default.
    pub cn: Option<String>,
    /// The existing CA has problems (already reported); leaves cannot be judged against it.
    pub broken: bool,
}

/// One leaf's fate.
pub(crate) struct LeafPlan {
    pub paths: PairPaths,
    pub step: Step,
    /// What a new certificate for it says.
    pub spec: LeafSpec,
}

/// The whole plan.
pub(crate) struct Plan {
    pub ca: CaPlan,
    pub leaves: Vec<LeafPlan>,
    /// Key type for every key generated in this run.
    pub key_type: KeyType,
}

/// A leaf named on the command line or found in the directory.
struct LeafRequest {
    stem: String,
    /// The role asked for; `None` for a discovered leaf (taken from its certificate).
    role: Option<Role>,
    /// The CN asked for explicitly.
    cn: Option<String>,
    /// SANs for a new certificate, and whether they were asked for explicitly.
    sans: Vec<String>,
    sans_explicit: bool,
}

/// Reads the directory and decides every step; `Inconsistent` lists what blocks the run.
pub(crate) fn plan(opts: &PkiOptions) -> Result<Plan, PkiError> {
    let mut problems = Vec::new();
    let ca_disk = files::read_pair(&opts.dir, CA_NAME)?;
    let ca_existing = ca_disk
        .cert
        .as_deref()
        .and_then(|c| CertInfo::from_pem(c).ok());
    let key_type = opts
        .key_type
        .or_else(|| ca_existing.as_ref().and_then(|i| i.key_type.parse().ok()))
        .unwrap_or(KeyType::EcdsaP256);
    let ca = plan_ca(opts, ca_disk, &mut problems);
    let mut leaves = Vec::new();
    for (request, disk) in leaf_requests(opts)? {
        if let Some(leaf) = plan_leaf(opts, request, disk, &ca, &mut problems) {
            leaves.push(leaf);
        }
    }
    if !problems.is_empty() {
        return Err(PkiError::Inconsistent {
            dir: opts.dir.clone(),
            problems,
        });
    }
    if let Step::Keep(ca_info) = &ca.step {
        check_ca_outlives_leaves(opts, ca_info, &leaves)?;
    }
    Ok(Plan {
        ca,
        leaves,
        key_type,
    })
}

fn plan_ca(opts: &PkiOptions, disk: PairOnDisk, problems: &mut Vec<Problem>) -> CaPlan {
    let existing_cn = disk
        .cert
        .as_deref()
        .and_then(|c| CertInfo::from_pem(c).ok());
    let cn = opts
        .ca_cn
        .clone()
        .or_else(|| existing_cn.and_then(|i| i.common_name));
    let issue = |action| CaPlan {
        paths: disk.paths.clone(),
        step: Step::Issue(action),
        key: None,
        cn: cn.clone(),
        broken: false,
    };
    if disk.is_absent() {
        return issue(Action::Created);
    }
    if opts.mode == SetupMode::Force {
        return issue(Action::Renewed);
    }
    let mut examined = examine(&disk, Role::Ca, None, opts.now, true);
    if let Some(info) = &examined.info {
        // --renew keeps the CA whatever --key-type says: the type is for the new leaf keys.
        let key_type = opts.key_type.filter(|_| opts.mode == SetupMode::Normal);
        let wanted = Wanted {
            cn: opts.ca_cn.as_deref(),
            sans: None,
            key_type,
        };
        examined
            .problems
            .extend(mismatches(&disk.paths, info, &wanted, true));
    }
    match (examined.info, examined.key) {
        (Some(info), Some(key)) if examined.problems.is_empty() => CaPlan {
            paths: disk.paths,
            step: Step::Keep(Box::new(info)),
            key: Some(key),
            cn,
            broken: false,
        },
        _ => {
            problems.extend(examined.problems);
            CaPlan {
                broken: true,
                ..issue(Action::Renewed)
            }
        }
    }
}

/// The client, the named server and every other leaf in the directory, with their files.
fn leaf_requests(opts: &PkiOptions) -> Result<Vec<(LeafRequest, PairOnDisk)>, PkiError> {
    let mut requests = vec![LeafRequest {
        stem: opts.client_name.clone(),
        role: Some(Role::Client),
        cn: opts.client_cn.clone(),
        sans: Vec::new(),
        sans_explicit: false,
    }];
    if let Some(server) = &opts.server {
        let mut sans = Vec::new();
        if is_dns_name(&server.cn) || server.cn.parse::<IpAddr>().is_ok() {
            sans.push(server.cn.clone());
        }
        for san in &server.sans {
            if !sans.iter().any(|s| same_san(s, san)) {
                sans.push(san.clone());
            }
        }
        requests.push(LeafRequest {
            stem: server.cn.clone(),
            role: Some(Role::Server),
            cn: Some(server.cn.clone()),
            sans,
            sans_explicit: !server.sans.is_empty(),
        });
    }
    let known: Vec<&str> = requests.iter().map(|r| r.stem.as_str()).collect();
    let found = files::discover_leaves(&opts.dir, &known)?;
    requests.extend(found.into_iter().map(|stem| LeafRequest {
        stem,
        role: None,
        cn: None,
        sans: Vec::new(),
        sans_explicit: false,
    }));
    requests
        .into_iter()
        .map(|r| files::read_pair(&opts.dir, &r.stem).map(|disk| (r, disk)))
        .collect()
}

fn plan_leaf(
    opts: &PkiOptions,
    request: LeafRequest,
    disk: PairOnDisk,
    ca: &CaPlan,
    problems: &mut Vec<Problem>,
) -> Option<LeafPlan> {
    let existing = disk
        .cert
        .as_deref()
        .and_then(|c| CertInfo::from_pem(c).ok());
    let spec = leaf_spec(&request, existing.as_ref());
    let issue = |action| LeafPlan {
        paths: disk.paths.clone(),
        step: Step::Issue(action),
        spec: spec.clone(),
    };
    if disk.is_absent() {
        return Some(issue(Action::Created));
    }
    if opts.mode == SetupMode::Normal {
        return keep_leaf(opts, &request, disk, spec, ca, problems);
    }
    if request.role.is_none() && existing.is_none() {
        let (cert, key) = (disk.paths.cert_file(), disk.paths.key_file());
        problems.push(Problem {
            message: format!(
                "{cert}: cannot be read, so it cannot be re-issued; remove {cert} and {key} or \
                 name it with --server-cn"
            ),
            needs_force: false,
        });
        return None;
    }
    Some(issue(Action::Renewed))
}

/// What a new certificate for `request` says: what was asked, else what the existing one says.
fn leaf_spec(request: &LeafRequest, existing: Option<&CertInfo>) -> LeafSpec {
    let role = request
        .role
        .unwrap_or_else(|| existing.map_or(Role::Server, CertInfo::leaf_role));
    let cn = request
        .cn
        .clone()
        .or_else(|| existing.and_then(|i| i.common_name.clone()))
        .unwrap_or_else(|| request.stem.clone());
    let sans = match existing {
        Some(info) if !request.sans_explicit => info.san_values(),
        _ => request.sans.clone(),
    };
    LeafSpec { cn, role, sans }
}

/// In normal mode: keeps a valid existing leaf, or records why it cannot be kept.
fn keep_leaf(
    opts: &PkiOptions,
    request: &LeafRequest,
    disk: PairOnDisk,
    spec: LeafSpec,
    ca: &CaPlan,
    problems: &mut Vec<Problem>,
) -> Option<LeafPlan> {
    if ca.broken {
        return None;
    }
    let Step::Keep(ca_info) = &ca.step else {
        problems.push(Problem {
            message: format!(
                "{}: exists but the CA does not (or cannot be kept); it would not be signed by \
                 the new CA",
                disk.paths.cert_file()
            ),
            needs_force: true,
        });
        return None;
    };
    let mut examined = examine(&disk, spec.role, Some(ca_info), opts.now, true);
    if let Some(info) = &examined.info {
        let wanted = Wanted {
            cn: request.cn.as_deref(),
            sans: request.sans_explicit.then_some(request.sans.as_slice()),
            key_type: opts.key_type,
        };
        let found = mismatches(&disk.paths, info, &wanted, false);
        examined.problems.extend(found);
    }
    problems.extend(examined.problems.iter().cloned());
    match examined.info {
        Some(info) if examined.problems.is_empty() => Some(LeafPlan {
            paths: disk.paths,
            step: Step::Keep(Box::new(info)),
            spec,
        }),
        _ => None,
    }
}

/// What the options explicitly ask of an existing certificate.
struct Wanted<'a> {
    cn: Option<&'a str>,
    sans: Option<&'a [String]>,
    key_type: Option<KeyType>,
}

/// Differences between an existing certificate and what the options explicitly ask for.
fn mismatches(
    paths: &PairPaths,
    info: &CertInfo,
    wanted: &Wanted<'_>,
    needs_force: bool,
) -> Vec<Problem> {
    let file = paths.cert_file();
    let mut out = Vec::new();
    if let Some(cn) = wanted.cn
        && info.common_name.as_deref() != Some(cn)
    {
        let has = info.common_name.as_deref().unwrap_or("no CN");
        out.push(format!("{file}: CN is {has:?}, {cn:?} was asked for"));
    }
    if let Some(sans) = wanted.sans {
        let norm = |list: &[String]| {
            list.iter()
                .map(|s| normalize_san(s))
                .collect::<BTreeSet<_>>()
        };
        if norm(sans) != norm(&info.san_values()) {
            out.push(format!(
                "{file}: SANs are [{}], [{}] was asked for",
                info.san_values().join(", "),
                sans.join(", ")
            ));
        }
    }
    if let Some(key_type) = wanted.key_type
        && info.key_type != key_type.name()
    {
        out.push(format!(
            "{file}: key is {}, {key_type} was asked for",
            info.key_type
        ));
    }
    out.into_iter()
        .map(|message| Problem {
            message,
            needs_force,
        })
        .collect()
}

fn normalize_san(san: &str) -> String {
    match san.parse::<IpAddr>() {
        Ok(ip) => ip.to_string(),
        Err(_) => san.to_ascii_lowercase(),
    }
}

fn same_san(a: &str, b: &str) -> bool {
    normalize_san(a) == normalize_san(b)
}

fn check_ca_outlives_leaves(
    opts: &PkiOptions,
    ca: &CertInfo,
    leaves: &[LeafPlan],
) -> Result<(), PkiError> {
    let issuing = leaves.iter().any(|l| matches!(l.step, Step::Issue(_)));
    let leaf_end = opts.now + time::Duration::days(i64::from(opts.leaf_days));
    if !issuing || leaf_end <= ca.not_after {
        return Ok(());
    }
    let left = ca.days_left(opts.now);
    Err(PkiError::InvalidValidity(format!(
        "--days {}: new certificates would outlive ca.crt, which expires on {} ({left} days from \
         now); use --days {left} or less, or --force to create a new CA",
        opts.leaf_days,
        super::rfc3339(ca.not_after)
    )))
}
