//! E-mail addresses that would display as another address are refused, naming the
//! character: control, invisible and direction-changing characters.

use collab_core::{Error, ShareRequest};

fn refusal(user: &str) -> String {
    match ShareRequest::write([user], [""; 0]) {
        Err(Error::InvalidRequest { message }) => message,
        other => panic!("{user:?} was not refused as invalid: {other:?}"),
    }
}

#[test]
fn invisible_characters_are_refused_by_name() {
    for (user, code) in [
        ("ann\u{200B}@example.com", "U+200B"),
        ("ann@exam\u{200D}ple.com", "U+200D"),
        ("\u{FEFF}ann@example.com", "U+FEFF"),
        ("ann\u{2060}@example.com", "U+2060"),
        ("an\u{00AD}n@example.com", "U+00AD"),
        ("ann@example.com\u{E0041}", "U+E0041"),
    ] {
        let message = refusal(user);
        assert!(
            message.contains("invisible character") && message.contains(code),
            "{user:?}: {message}"
        );
        assert!(
            !message.contains(user),
            "the raw character is not echoed: {message}"
        );
    }
}

#[test]
fn direction_changing_characters_are_refused_by_name() {
    for (user, code) in [
        ("moc.elpmaxe@\u{202E}ann", "U+202E"),
        ("ann\u{202D}@example.com", "U+202D"),
        ("ann@\u{2067}example.com", "U+2067"),
        ("ann\u{200F}@example.com", "U+200F"),
        ("ann\u{061C}@example.com", "U+061C"),
    ] {
        let message = refusal(user);
        assert!(
            message.contains("changes the direction of text") && message.contains(code),
            "{user:?}: {message}"
        );
    }
}

#[test]
fn control_characters_are_refused_by_name() {
    let message = refusal("ann\u{0007}@example.com");
    assert!(
        message.contains("control character") && message.contains("U+0007"),
        "{message}"
    );
}

#[test]
fn visible_non_ascii_addresses_are_still_accepted() {
    let request = ShareRequest::write(["jürgen@bücher.example", "ann@例え.jp"], [""; 0])
        .expect("visible characters are fine");
    assert_eq!(request.users().len(), 2);
}
