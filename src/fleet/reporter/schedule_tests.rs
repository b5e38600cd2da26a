use super::*;

const START: Timestamp = Timestamp::from_nanos(1_000_000_000_000);

fn secs(n: i64) -> Duration {
    Duration::from_secs(n)
}

fn failed() -> PushResult {
    PushResult::Failed {
        reason: "503".into(),
        retry_after: None,
    }
}

/// A virtual hub: `answer(now)` decides each push; the spool is a counter of waiting records.
/// Runs the scheduler from START for `span`, jumping from wakeup to wakeup, and returns the
/// times of pushes and of spooled reports.
struct Run {
    pushes: Vec<Timestamp>,
    reports: Vec<Timestamp>,
    forced_backups: Vec<Timestamp>,
    auth_logs: Vec<Timestamp>,
    queued: u64,
}

fn run(interval: Duration, span: Duration, mut answer: impl FnMut(Timestamp) -> PushResult) -> Run {
    let mut scheduler = Scheduler::new(interval, START);
    let mut out = Run {
        pushes: Vec::new(),
        reports: Vec::new(),
        forced_backups: Vec::new(),
        auth_logs: Vec::new(),
        queued: 0,
    };
    let mut now = START;
    let mut jitter = 0x9e37_79b9u32;
    let mut polls = 0u32;
    while now <= START + span {
        polls += 1;
        assert!(polls < 100_000, "the scheduler spins at {now}");
        for action in scheduler.poll(now) {
            match action {
                ReporterAction::SpoolReport => {
                    out.reports.push(now);
                    out.queued += 1;
                }
                ReporterAction::CheckBackup { force } => {
                    if force {
                        out.forced_backups.push(now);
                    }
                }
                ReporterAction::LogAuthFailure => out.auth_logs.push(now),
                ReporterAction::PushNext if out.queued == 0 => scheduler.drained(),
                ReporterAction::PushNext => {
                    out.pushes.push(now);
                    jitter = jitter.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    match scheduler.on_push(now, answer(now), jitter) {
                        PushVerdict::Acknowledge { .. } | PushVerdict::DeadLetter { .. } => {
                            out.queued -= 1;
                        }
                        PushVerdict::Retry | PushVerdict::Hold => {}
                    }
                }
            }
        }
        now = scheduler.next_wakeup().max(now);
    }
    out
}

#[test]
fn reports_go_out_at_start_and_every_interval_over_a_day() {
    let out = run(secs(900), secs(86_400), |_| PushResult::Stored);
    assert_eq!(out.reports.len(), 97, "one at start + 96 in 24 h");
    for pair in out.reports.windows(2) {
        assert_eq!(pair[1] - pair[0], secs(900));
    }
    assert_eq!(out.pushes.len(), 97, "each pushed once");
    assert_eq!(out.queued, 0);
    assert_eq!(out.forced_backups, [START, START + secs(86_400)]);
}

#[test]
fn backoff_doubles_from_one_second_to_five_minutes_with_jitter() {
    assert_eq!(backoff(1), secs(1));
    assert_eq!(backoff(2), secs(2));
    assert_eq!(backoff(9), secs(256));
    assert_eq!(backoff(10), BACKOFF_MAX);
    assert_eq!(backoff(1000), BACKOFF_MAX);
    assert_eq!(jittered(secs(10), 0), secs(5));
    assert_eq!(jittered(secs(10), u32::MAX), secs(10));

    // The hub is down for two hours: retries spread out, never faster than half the backoff
    // and never slower than five minutes, then everything spooled is delivered.
    let down_until = START + secs(7200);
    let out = run(secs(900), secs(3 * 3600), |now| {
        if now < down_until {
            failed()
        } else {
            PushResult::Stored
        }
    });
    let during: Vec<_> = out.pushes.iter().filter(|t| **t < down_until).collect();
    for (index, pair) in during.windows(2).enumerate() {
        let gap = *pair[1] - *pair[0];
        let expected = backoff(u32::try_from(index + 1).expect("small"));
        assert!(
            gap >= Duration::from_nanos(expected.as_nanos() / 2),
            "{gap}"
        );
        assert!(gap <= BACKOFF_MAX, "{gap}");
    }
    assert!(during.len() < 40, "{} retries in two hours", during.len());
    assert_eq!(out.queued, 0, "delivered after the outage");
    assert!(
        out.pushes
            .iter()
            .any(|t| *t >= down_until && *t <= down_until + BACKOFF_MAX)
    );
}

#[test]
fn retry_after_is_honoured_but_capped() {
    let mut scheduler = Scheduler::new(secs(900), START);
    let actions = scheduler.poll(START);
    assert!(actions.contains(&ReporterAction::PushNext));
    let verdict = scheduler.on_push(
        START,
        PushResult::Failed {
            reason: "429".into(),
            retry_after: Some(secs(120)),
        },
        0,
    );
    assert_eq!(verdict, PushVerdict::Retry);
    assert_eq!(
        scheduler.state(START),
        PushState::BackingOff {
            until: START + secs(120)
        }
    );
    assert!(
        !scheduler
            .poll(START + secs(119))
            .contains(&ReporterAction::PushNext)
    );
    assert!(
        scheduler
            .poll(START + secs(120))
            .contains(&ReporterAction::PushNext)
    );
    let _ = scheduler.on_push(
        START + secs(120),
        PushResult::Failed {
            reason: "503".into(),
            retry_after: Some(secs(86_400)),
        },
        0,
    );
    assert_eq!(
        scheduler.state(START + secs(121)),
        PushState::BackingOff {
            until: START + secs(120) + RETRY_AFTER_MAX
        }
    );
}

#[test]
fn refused_records_are_dead_lettered_and_do_not_slow_the_rest() {
    let mut scheduler = Scheduler::new(secs(900), START);
    let _ = scheduler.poll(START);
    let verdict = scheduler.on_push(
        START,
        PushResult::Refused {
            status: 400,
            reason: "type: unknown".into(),
        },
        0,
    );
    assert_eq!(
        verdict,
        PushVerdict::DeadLetter {
            status: 400,
            reason: "type: unknown".into()
        }
    );
    assert_eq!(scheduler.state(START), PushState::Ok);
    assert!(scheduler.poll(START).contains(&ReporterAction::PushNext));
}

#[test]
fn a_refused_key_holds_pushes_logs_once_a_minute_and_probes_every_five_minutes() {
    let fixed_at = START + secs(1800);
    let out = run(secs(900), secs(3600), |now| {
        if now < fixed_at {
            PushResult::Unauthorized { status: 401 }
        } else {
            PushResult::Stored
        }
    });
    let held: Vec<_> = out.pushes.iter().filter(|t| **t < fixed_at).collect();
    for pair in held.windows(2) {
        assert_eq!(*pair[1] - *pair[0], BACKOFF_MAX, "one probe every 5 min");
    }
    // Minutes 0 to 30: at minute 30 the log comes before the push that works.
    assert_eq!(out.auth_logs.len(), 31, "once a minute");
    assert_eq!(out.auth_logs[0], START);
    assert_eq!(
        out.queued, 0,
        "the spool is kept and delivered once the key works"
    );
}

#[test]
fn an_empty_spool_stops_pushes_until_something_is_spooled() {
    let mut scheduler = Scheduler::new(secs(900), START);
    assert!(scheduler.poll(START).contains(&ReporterAction::PushNext));
    scheduler.drained();
    assert!(scheduler.poll(START + secs(1)).is_empty());
    assert_eq!(scheduler.next_wakeup(), START + BACKUP_CHECK_INTERVAL);
    scheduler.spooled();
    assert_eq!(scheduler.next_wakeup(), START);
    assert_eq!(scheduler.poll(START + secs(2)), [ReporterAction::PushNext]);
}

#[test]
fn a_long_stall_does_not_make_a_burst_of_reports() {
    let mut scheduler = Scheduler::new(secs(900), START);
    let _ = scheduler.poll(START);
    scheduler.drained();
    let late = START + secs(10 * 900 + 5);
    let reports = scheduler
        .poll(late)
        .into_iter()
        .filter(|a| *a == ReporterAction::SpoolReport)
        .count();
    assert_eq!(reports, 1);
    scheduler.drained();
    for minute in 1..15 {
        let now = late + secs(60 * minute);
        assert!(!scheduler.poll(now).contains(&ReporterAction::SpoolReport));
    }
    assert!(
        scheduler
            .poll(late + secs(900))
            .contains(&ReporterAction::SpoolReport)
    );
}
