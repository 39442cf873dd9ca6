//! The access log of `collab serve`, written without `tracing` events:
//! [`BatchedAccessLog`].

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use collab_server::{ACCESS_LOG_TARGET, AccessLine, AccessLog};
use tracing::Level;

use super::log_batches::BatchedLog;

/// Writes the server's access lines into the [`BatchedLog`], each as
/// tracing-subscriber's default format writes the access event (RFC 3339 timestamp,
/// level, target, message and fields: the same bytes), at a fraction of an event's
/// cost: an event's fields are visited through `dyn Debug` and `core::fmt`, and each
/// timestamp is a calendar conversion with seven padded integers. The one difference:
/// a line leaves out the spans it is in (the `request` span at `DEBUG`, whose fields
/// the line repeats).
///
/// Used only when the log has no colour; with colour the events go through the
/// default format.
#[derive(Debug, Clone)]
pub(crate) struct BatchedAccessLog {
    log: BatchedLog,
}

impl BatchedAccessLog {
    pub(crate) fn new(log: BatchedLog) -> Self {
        Self { log }
    }
}

impl AccessLog for BatchedAccessLog {
    fn write(&self, line: &AccessLine<'_>) {
        LINE.with(|text| {
            let mut text = text.borrow_mut();
            text.clear();
            write_access_line(&mut text, line, SystemTime::now());
            self.log.append(text.as_bytes());
        });
    }
}

thread_local! {
    /// The access line being written on this thread: built with direct pushes, then
    /// appended to the batch at once.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Writes `line` as the default format writes its event at `now`, with its newline.
fn write_access_line(text: &mut String, line: &AccessLine<'_>, now: SystemTime) {
    write_timestamp(text, now);
    text.push_str(if line.level == Level::INFO {
        "  INFO "
    } else {
        " DEBUG "
    });
    text.push_str(ACCESS_LOG_TARGET);
    text.push_str(": ");
    line.write_fields(text);
    text.push('\n');
}

thread_local! {
    /// The second last formatted on this thread (seconds since the epoch), and its
    /// `YYYY-MM-DDTHH:MM:SS.` text: lines come many per second.
    static SECOND: RefCell<Option<(u64, String)>> = const { RefCell::new(None) };
}

/// Writes `now` as the default format does (RFC 3339, UTC, microseconds):
/// `2026-11-28T20:59:25.263123Z`.
fn write_timestamp(text: &mut String, now: SystemTime) {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (seconds, micros) = (since_epoch.as_secs(), since_epoch.subsec_micros());
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.as_ref().is_none_or(|(second, _)| *second != seconds) {
            *cached = Some((seconds, second_text(seconds)));
        }
        let (_, second) = cached.as_ref().expect("just filled");
        text.push_str(second);
    });
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    text.extend(digits.iter().map(|&digit| char::from(digit)));
    text.push('Z');
}

/// `YYYY-MM-DDTHH:MM:SS.` for `seconds` since the epoch.
fn second_text(seconds: u64) -> String {
    let at = i64::try_from(seconds)
        .ok()
        .and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    fn timestamp(since_epoch: Duration) -> String {
        let mut text = String::new();
        write_timestamp(&mut text, UNIX_EPOCH + since_epoch);
        text
    }

    #[test]
    fn timestamps_are_rfc_3339_in_utc_with_microseconds() {
        assert_eq!(
            timestamp(Duration::new(1_795_899_565, 263_123_999)),
            "2026-11-28T20:59:25.263123Z"
        );
        // A leap day, then the next second on the same thread (the cached text).
        assert_eq!(
            timestamp(Duration::new(951_782_400, 7_000)),
            "2000-02-29T00:00:00.000007Z"
        );
        assert_eq!(
            timestamp(Duration::new(951_782_401, 0)),
            "2000-02-29T00:00:01.000000Z"
        );
        assert_eq!(timestamp(Duration::ZERO), "1970-01-01T00:00:00.000000Z");
    }

    /// Lines written to memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The line the server's access event for `line` is written as by
    /// tracing-subscriber's default format (no colour, every level on), without its
    /// timestamp (the first 27 bytes).
    fn default_format_line(line: &AccessLine<'_>) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(Level::TRACE)
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || line.emit());
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        text[27..].to_owned()
    }

    fn written_line(line: &AccessLine<'_>) -> String {
        let mut text = String::new();
        write_access_line(&mut text, line, SystemTime::now());
        text[27..].to_owned()
    }

    fn line<'a>(request_id: &'a str, user: Option<&'a str>, fault: Option<u64>) -> AccessLine<'a> {
        let mut line = AccessLine::new(
            "GET",
            "/v1/datasets/0123456789abcdef01234567/collaboration/access",
            200,
            Duration::from_micros(42),
            request_id,
        );
        line.user = user;
        line.fault = fault;
        line
    }

    #[test]
    fn a_line_is_written_exactly_when_its_event_would_be() {
        let api = line("29f70ed9-0000000000000001", Some("alice"), None);
        let mut control = line("29f70ed9-0000000000000002", None, None);
        control.level = Level::DEBUG;
        for directives in [
            "info",
            "warn",
            "debug",
            "info,collab_server::access=off",
            "warn,collab_server::access=debug",
            "warn,collab_server::access[{status=200}]=info",
            "warn,[request]=info",
            "warn,collab_server::access[request{method=GET}]=debug",
        ] {
            for line in [&api, &control] {
                let captured = Captured::default();
                let subscriber = tracing_subscriber::fmt()
                    .with_env_filter(tracing_subscriber::EnvFilter::new(directives))
                    .with_writer(captured.clone())
                    .finish();
                let enabled = tracing::subscriber::with_default(subscriber, || {
                    line.emit();
                    line.is_enabled()
                });
                let emitted = !captured.0.lock().expect("lock").is_empty();
                assert_eq!(enabled, emitted, "{directives}, {:?}", line.level);
            }
        }
    }

    #[test]
    fn lines_are_the_bytes_the_default_format_writes_for_the_event() {
        let mut cases = vec![
            line("29f70ed9-0000000000000001", Some("alice"), None),
            line("given.id:42", None, Some(3)),
            line("say \"hi\"\tnow\\ é", Some("carol"), None),
        ];
        let mut control = line("29f70ed9-0000000000000002", None, None);
        control.level = Level::DEBUG;
        control.path = "/_collab/requests";
        control.method = "DELETE";
        control.status = 0;
        control.latency = Duration::from_micros(1_234_567);
        cases.push(control);
        for case in &cases {
            assert_eq!(written_line(case), default_format_line(case), "{case:?}");
        }
        assert_eq!(
            written_line(&cases[0]),
            "  INFO collab_server::access: answered method=GET \
             path=/v1/datasets/0123456789abcdef01234567/collaboration/access user=alice \
             status=200 latency_ms=0.042 request_id=\"29f70ed9-0000000000000001\"\n"
        );
    }
}
