use super::*;

fn token(byte: u8) -> Token {
    Token::from_bytes([byte; 32])
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_795_400_000 + seconds, 0)
}

#[test]
fn a_session_lasts_its_ttl_and_ends_at_logout() {
    let mut sessions = Sessions::new(Duration::from_secs(3600));
    let id = token(1);
    sessions.open(&id, token(2), at(0));
    let entry = sessions.session(id.expose(), at(3599)).expect("open");
    assert!(entry.csrf.matches(token(2).expose()));
    assert_eq!(sessions.session(id.expose(), at(3600)), None, "expired");
    assert_eq!(
        sessions.session_count(),
        0,
        "an expired session is forgotten"
    );
    sessions.open(&id, token(2), at(0));
    assert!(sessions.close(id.expose()));
    assert_eq!(sessions.session(id.expose(), at(1)), None, "logged out");
    assert!(!sessions.close(id.expose()));
}

#[test]
fn unknown_or_malformed_cookies_find_nothing() {
    let mut sessions = Sessions::new(Duration::from_secs(3600));
    sessions.open(&token(0xab), token(2), at(0));
    for cookie in ["", "x", token(3).expose(), &"0".repeat(10_000)] {
        assert_eq!(sessions.session(cookie, at(1)), None, "{cookie}");
    }
    assert_eq!(
        sessions.session(&token(0xab).expose().to_uppercase(), at(1)),
        None
    );
}

#[test]
fn csrf_tokens_match_only_themselves() {
    let csrf = token(7);
    assert!(csrf.matches(token(7).expose()));
    assert!(!csrf.matches(token(8).expose()), "another token");
    assert!(!csrf.matches(""), "none");
    assert!(!csrf.matches(&csrf.expose()[..63]), "truncated");
    assert!(!csrf.matches(&format!("{}0", csrf.expose())), "extended");
    assert_eq!(format!("{csrf:?}"), "Token(***)");
    let a = Token::random().expect("random");
    let b = Token::random().expect("random");
    assert_ne!(a, b);
    assert_eq!(a.expose().len(), 64);
}

#[test]
fn login_forms_expire_and_are_separate_from_sessions() {
    let mut sessions = Sessions::new(Duration::from_secs(3600));
    let form = token(4);
    sessions.open_login_form(&form, token(5), at(0));
    assert_eq!(
        sessions.session(form.expose(), at(1)),
        None,
        "not a session"
    );
    assert!(sessions.login_form(form.expose(), at(599)).is_some());
    assert_eq!(sessions.login_form(form.expose(), at(600)), None);
    sessions.open_login_form(&form, token(5), at(0));
    sessions.close_login_form(form.expose());
    assert_eq!(sessions.login_form(form.expose(), at(1)), None);
}

#[test]
fn a_full_table_drops_the_entry_closest_to_expiry() {
    let mut sessions = Sessions::new(Duration::from_secs(3600));
    for n in 0..MAX_SESSIONS {
        let id = Token::from_bytes([(n % 256) as u8; 32]);
        sessions.open(&id, token(0), at(i64::try_from(n).expect("n")));
    }
    assert_eq!(sessions.session_count(), MAX_SESSIONS);
    let newest = Token(Secret::new("z".repeat(64)));
    sessions.open(&newest, token(0), at(1000));
    assert_eq!(sessions.session_count(), MAX_SESSIONS);
    assert_eq!(
        sessions.session(token(0).expose(), at(1000)),
        None,
        "oldest gone"
    );
    assert!(sessions.session(newest.expose(), at(1000)).is_some());
}

#[test]
fn cookies_are_read_and_written_with_their_flags() {
    let header = "a=1; shiwa_session=abc ; shiwa_login=def";
    assert_eq!(cookie(header, SESSION_COOKIE), Some("abc"));
    assert_eq!(cookie(header, LOGIN_COOKIE), Some("def"));
    assert_eq!(cookie(header, "shiwa"), None);
    assert_eq!(cookie("garbage", SESSION_COOKIE), None);
    let plain = set_cookie(SESSION_COOKIE, "abc", Duration::from_secs(60), false);
    assert_eq!(
        plain,
        "shiwa_session=abc; HttpOnly; SameSite=Strict; Path=/; Max-Age=60"
    );
    let secure = set_cookie(SESSION_COOKIE, "", Duration::ZERO, true);
    assert!(secure.ends_with("Max-Age=0; Secure"), "{secure}");
}
