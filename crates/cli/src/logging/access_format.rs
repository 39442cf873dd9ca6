//! The access log's line, written at a fraction of the cost of the general format:
//! [`AccessLogFormat`].

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::time::SystemTime as SystemTimer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use collab_server::ACCESS_LOG_TARGET;

/// tracing-subscriber's default line format, with a fast path for the access log.
///
/// Every event is written as tracing-subscriber's default ([`Format<Full>`] with its
/// RFC 3339 timestamp) writes it, except the access log's events (target
/// [`ACCESS_LOG_TARGET`]) when the output has no colour: those are written by hand,
/// to the same bytes, but without the general machinery (a calendar conversion and
/// seven padded integers for each timestamp, styles and span lookups), which cost
/// the request path more than the rest of its line. The one difference: an access
/// line leaves out the spans it is in (the `request` span at `DEBUG`, whose fields
/// the line repeats).
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessLogFormat {
    general: Format<Full, SystemTimer>,
}

impl<S, N> FormatEvent<S, N> for AccessLogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if writer.has_ansi_escapes() || meta.target() != ACCESS_LOG_TARGET {
            return self.general.format_event(ctx, writer, event);
        }
        LINE.with(|line| {
            // A line being written on this thread already (a value that logs while
            // formatted) gets a buffer of its own.
            let mut own = String::new();
            let mut borrowed = line.try_borrow_mut();
            let line = match &mut borrowed {
                Ok(line) => &mut **line,
                Err(_) => &mut own,
            };
            line.clear();
            write_access_line(line, event)?;
            writer.write_str(line)
        })
    }
}

thread_local! {
    /// The access line being written on this thread: built with direct pushes, then
    /// handed to the writer at once.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Writes `event`'s line, with its newline, into `line`.
fn write_access_line(line: &mut String, event: &Event<'_>) -> fmt::Result {
    let meta = event.metadata();
    write_timestamp(line, SystemTime::now())?;
    line.push(' ');
    line.push_str(level_name(meta.level()));
    line.push(' ');
    line.push_str(meta.target());
    line.push_str(": ");
    let mut fields = Fields {
        line,
        first: true,
        result: Ok(()),
    };
    event.record(&mut fields);
    fields.result?;
    line.push('\n');
    Ok(())
}

/// A level as the default format pads it.
fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        _ => "ERROR",
    }
}

/// Writes the fields as the default format does: the message as it is, the others
/// `name=value` (value by `Debug`), separated by spaces.
struct Fields<'l> {
    line: &'l mut String,
    first: bool,
    result: fmt::Result,
}

impl Fields<'_> {
    /// Writes what comes before a field's value: the separator and, but for the
    /// message, `name=`. False once writing has failed.
    fn begin(&mut self, field: &Field) -> bool {
        if self.result.is_err() {
            return false;
        }
        if !std::mem::take(&mut self.first) {
            self.line.push(' ');
        }
        let name = field.name();
        if name != "message" {
            self.line.push_str(name.strip_prefix("r#").unwrap_or(name));
            self.line.push('=');
        }
        true
    }
}

impl Visit for Fields<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.begin(field) {
            self.line.push_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.begin(field) {
            self.line.push_str(itoa::Buffer::new().format(value));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.begin(field) {
            return;
        }
        // `Debug` of a string that it leaves as it is, quoted, without its machinery.
        if !value.bytes().any(|byte| DEBUG_ESCAPED[usize::from(byte)]) {
            self.line.push('"');
            self.line.push_str(value);
            self.line.push('"');
        } else {
            self.result = write!(self.line, "{value:?}");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.begin(field) {
            self.result = write!(self.line, "{value:?}");
        }
    }
}

/// The bytes that `Debug` of a string may write otherwise than as they are: all but
/// printable ASCII, `"` and `\\` excepted.
const DEBUG_ESCAPED: [bool; 256] = {
    let mut escaped = [true; 256];
    let mut byte = b' ' as usize;
    while byte <= b'~' as usize {
        escaped[byte] = false;
        byte += 1;
    }
    escaped[b'"' as usize] = true;
    escaped[b'\\' as usize] = true;
    escaped
};

thread_local! {
    /// The second last formatted on this thread (seconds since the epoch), and its
    /// `YYYY-MM-DDTHH:MM:SS.` text: lines come many per second.
    static SECOND: RefCell<Option<(u64, String)>> = const { RefCell::new(None) };
}

/// Writes `now` as the default format does (RFC 3339, UTC, microseconds):
/// `2026-11-28T20:59:25.263123Z`.
fn write_timestamp(writer: &mut impl fmt::Write, now: SystemTime) -> fmt::Result {
    let since_epoch = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (seconds, micros) = (since_epoch.as_secs(), since_epoch.subsec_micros());
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.as_ref().is_none_or(|(second, _)| *second != seconds) {
            *cached = Some((seconds, second_text(seconds)));
        }
        let (_, text) = cached.as_ref().expect("just filled");
        writer.write_str(text)
    })?;
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    writer.write_str(std::str::from_utf8(&digits).map_err(|_| fmt::Error)?)?;
    writer.write_char('Z')
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
        write_timestamp(&mut text, UNIX_EPOCH + since_epoch).expect("written");
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

    /// The line `log` writes through a subscriber with `format`, without its
    /// timestamp (the first 27 bytes).
    fn line_without_time<F>(format: F, log: impl Fn()) -> String
    where
        F: FormatEvent<
                tracing_subscriber::Registry,
                tracing_subscriber::fmt::format::DefaultFields,
            > + Send
            + Sync
            + 'static,
    {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(captured.clone())
            .event_format(format)
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.len() > 27, "{text}");
        text[27..].to_owned()
    }

    #[test]
    fn access_lines_are_the_bytes_the_default_format_writes() {
        let log = || {
            tracing::info!(
                target: ACCESS_LOG_TARGET,
                method = %"GET",
                path = %"/v1/datasets/0123456789abcdef01234567/collaboration/access",
                user = Some(tracing::field::display("carol")),
                absent = None::<tracing::field::DisplayValue<&str>>,
                status = 200u16,
                quoted = "text",
                escaped = "say \"hi\"\tnow\\ é",
                latency_ms = %"0.125",
                "answered"
            );
        };
        let fast = line_without_time(AccessLogFormat::default(), log);
        let general = line_without_time(Format::<Full, SystemTimer>::default(), log);
        assert_eq!(fast, general);
        assert_eq!(
            fast,
            "  INFO collab_server::access: answered method=GET \
             path=/v1/datasets/0123456789abcdef01234567/collaboration/access user=carol \
             status=200 quoted=\"text\" escaped=\"say \\\"hi\\\"\\tnow\\\\ é\" latency_ms=0.125\n"
        );
    }

    #[test]
    fn other_events_are_written_by_the_default_format() {
        let log = || tracing::warn!(target: "collab_server::elsewhere", count = 3, "held");
        let fast = line_without_time(AccessLogFormat::default(), log);
        let general = line_without_time(Format::<Full, SystemTimer>::default(), log);
        assert_eq!(fast, general);
        assert_eq!(fast, "  WARN collab_server::elsewhere: held count=3\n");
    }
}
