use super::*;
use std::net::Ipv4Addr;

#[expect(
    clippy::disallowed_methods,
    reason = "one arbitrary origin; every other time is an offset from it"
)]
fn origin() -> Instant {
    Instant::now()
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const B: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 99, 0, 2));

fn policy() -> FailurePolicy {
    FailurePolicy {
        max_failures: 3,
        window: secs(60),
        block_for: secs(120),
        max_tracked: 100,
    }
}

#[test]
fn the_nth_failure_blocks_that_address_only_for_the_block_time() {
    let t0 = origin();
    let mut limiter = FailureLimiter::new(policy());
    assert!(!limiter.record_failure(A, t0));
    assert!(!limiter.record_failure(A, t0 + secs(10)));
    assert_eq!(limiter.blocked(A, t0 + secs(10)), None);
    assert!(
        limiter.record_failure(A, t0 + secs(20)),
        "third failure blocks"
    );
    assert_eq!(limiter.blocked(A, t0 + secs(20)), Some(secs(120)));
    assert_eq!(limiter.blocked(A, t0 + secs(100)), Some(secs(40)));
    assert_eq!(
        limiter.blocked(B, t0 + secs(20)),
        None,
        "other addresses unaffected"
    );
    // More failures while blocked do not extend the block.
    assert!(!limiter.record_failure(A, t0 + secs(30)));
    assert_eq!(limiter.blocked(A, t0 + secs(139)), Some(secs(1)));
    assert_eq!(limiter.blocked(A, t0 + secs(140)), None);
    // After the block the count starts again.
    assert!(!limiter.record_failure(A, t0 + secs(141)));
    assert_eq!(limiter.blocked(A, t0 + secs(141)), None);
}

#[test]
fn failures_spread_beyond_the_window_do_not_block() {
    let t0 = origin();
    let mut limiter = FailureLimiter::new(policy());
    for minute in 0..10 {
        let now = t0 + secs(minute * 61);
        assert!(!limiter.record_failure(A, now));
        assert!(!limiter.record_failure(A, now + secs(1)));
        assert_eq!(limiter.blocked(A, now + secs(1)), None);
    }
}

#[test]
fn a_success_clears_the_count_but_not_a_block() {
    let t0 = origin();
    let mut limiter = FailureLimiter::new(policy());
    limiter.record_failure(A, t0);
    limiter.record_failure(A, t0);
    limiter.record_success(A, t0);
    assert!(!limiter.record_failure(A, t0), "count restarted");
    limiter.record_failure(A, t0);
    assert!(limiter.record_failure(A, t0));
    limiter.record_success(A, t0 + secs(1));
    assert!(limiter.blocked(A, t0 + secs(1)).is_some());
}

#[test]
fn the_table_of_addresses_stays_bounded() {
    let t0 = origin();
    let mut limiter = FailureLimiter::new(FailurePolicy {
        max_tracked: 10,
        ..policy()
    });
    for n in 0..1000u32 {
        let addr = IpAddr::V4(Ipv4Addr::from(n));
        limiter.record_failure(addr, t0 + Duration::from_millis(u64::from(n)));
        assert!(limiter.tracked() <= 10);
    }
    // The newest address is still counted.
    let newest = IpAddr::V4(Ipv4Addr::from(999u32));
    limiter.record_failure(newest, t0 + secs(2));
    assert!(limiter.record_failure(newest, t0 + secs(2)));
}

#[test]
fn sessions_are_counted_and_refused_beyond_the_limit() {
    let t0 = origin();
    let mut table = SessionTable::new(2, secs(600));
    let first = table.open(t0).expect("first");
    let second = table.open(t0).expect("second");
    assert_ne!(first, second);
    assert_eq!(table.open(t0), Err(SessionsFull { limit: 2 }));
    assert_eq!(
        SessionsFull { limit: 2 }.to_string(),
        "too many SSH sessions (limit 2)"
    );
    table.close(first);
    let third = table.open(t0).expect("a slot was freed");
    assert_ne!(third, first, "ids are not reused");
    assert_eq!(table.open_count(), 2);
}

#[test]
fn sessions_idle_past_the_timeout_are_named_and_activity_resets_them() {
    let t0 = origin();
    let mut table = SessionTable::new(10, secs(600));
    let quiet = table.open(t0).expect("open");
    let busy = table.open(t0).expect("open");
    table.touch(busy, t0 + secs(500));
    assert!(table.idle(t0 + secs(599)).is_empty());
    assert_eq!(table.idle(t0 + secs(600)), [quiet]);
    assert_eq!(table.idle(t0 + secs(1100)), [quiet, busy]);
    // A touch with an older time (out of order) does not make a session look idle sooner.
    table.touch(busy, t0);
    assert_eq!(table.idle(t0 + secs(1099)), [quiet]);
    table.close(quiet);
    table.touch(quiet, t0 + secs(2000));
    assert_eq!(
        table.open_count(),
        1,
        "touching a closed session does not reopen it"
    );
}
