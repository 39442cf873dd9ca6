//! The access log's line of a request: [`AccessLine`], emitted as a `tracing` event or
//! handed to an [`AccessLog`] that writes it.
//!
//! The line is one `INFO` event per answered request (`DEBUG` for the control plane's,
//! under `/_collab`), with target [`ACCESS_LOG_TARGET`] and the fields `method`,
//! `path` (never the query string, which can carry a token), `user` (once
//! authenticated), `status`, `latency_ms`, `request_id` and, when a fault rule fired,
//! `fault`.

use std::fmt::{self, Write as _};
use std::time::Duration;

use tracing::Level;

/// The target of the access log's events: `RUST_LOG=info,collab_server::access=off`
/// turns the access log off and leaves the rest.
pub const ACCESS_LOG_TARGET: &str = "collab_server::access";

/// One request's access-log line: what its event carries.
///
/// Without an [`AccessLog`] (the default), the server [emits](Self::emit) it as a
/// `tracing` event, for whatever subscriber the application installed. With one
/// ([`ServerConfig::with_access_log`](crate::ServerConfig::with_access_log)), the
/// server hands it the line instead, when an event of its target and level would be
/// enabled.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AccessLine<'a> {
    /// `INFO` for the API's requests, `DEBUG` for the control plane's.
    pub level: Level,
    /// The request's method.
    pub method: &'a str,
    /// The request's path, without its query (which can carry a token).
    pub path: &'a str,
    /// The authenticated user, if the request got that far.
    pub user: Option<&'a str>,
    /// The answer's status; `0` when the request got no answer.
    pub status: u16,
    /// From the request's arrival at the server's layers to its answer.
    pub latency: Duration,
    /// The `X-Request-Id` of the answer.
    pub request_id: &'a str,
    /// The fault rule that fired on the request, if one did.
    pub fault: Option<u64>,
}

/// Writes the access log's lines in place of their `tracing` events: see
/// [`ServerConfig::with_access_log`](crate::ServerConfig::with_access_log).
///
/// `collab serve` gives one that writes each line as tracing-subscriber's default
/// format would write its event, at a fraction of the cost of an event (the fields
/// are not visited through `dyn Debug` and `core::fmt`).
pub trait AccessLog: fmt::Debug + Send + Sync + 'static {
    /// Writes `line`. Called on the request's task, before its answer leaves: keep it
    /// short (append to a buffer another thread writes out).
    fn write(&self, line: &AccessLine<'_>);
}

impl<'a> AccessLine<'a> {
    /// The `INFO` line of an API request answered `status`, with no user and no fault
    /// (set the public fields for others): what an [`AccessLog`]'s tests write.
    pub fn new(
        method: &'a str,
        path: &'a str,
        status: u16,
        latency: Duration,
        request_id: &'a str,
    ) -> Self {
        Self {
            level: Level::INFO,
            method,
            path,
            user: None,
            status,
            latency,
            request_id,
            fault: None,
        }
    }

    /// Emits the line as the access log's `tracing` event, target
    /// [`ACCESS_LOG_TARGET`], at its level, message `answered`.
    pub fn emit(&self) {
        macro_rules! access_event {
            ($level:expr) => {
                tracing::event!(
                    target: ACCESS_LOG_TARGET,
                    $level,
                    // A `&str` rather than a format string: the same bytes in the
                    // default format, without `fmt`'s machinery on every request.
                    message = "answered",
                    method = %self.method,
                    path = %self.path,
                    user = self.user.map(tracing::field::display),
                    status = self.status,
                    latency_ms = %Millis(self.latency),
                    request_id = self.request_id,
                    fault = self.fault,
                )
            };
        }
        if self.level == Level::INFO {
            access_event!(Level::INFO);
        } else {
            access_event!(Level::DEBUG);
        }
    }

    /// Whether the event of this line would be enabled here and now: the question a
    /// subscriber's filter answers from the event's target and level and the spans it
    /// is in (the record is made outside the `request` span). A filter that reads the
    /// values of an event's fields (`Subscriber::event_enabled`) cannot be asked
    /// without the event; tracing-subscriber's `EnvFilter` does not read them (its
    /// field directives select spans).
    pub fn is_enabled(&self) -> bool {
        if self.level == Level::INFO {
            tracing::enabled!(target: ACCESS_LOG_TARGET, Level::INFO)
        } else {
            tracing::enabled!(target: ACCESS_LOG_TARGET, Level::DEBUG)
        }
    }

    /// Writes the event's message and fields as tracing-subscriber's default format
    /// writes them: `answered method=GET path=/v1/... user=alice status=200
    /// latency_ms=0.042 request_id="9c1f03aa-0000000000000007"`, then ` fault=3` when a
    /// rule fired. No newline.
    pub fn write_fields(&self, out: &mut String) {
        out.push_str("answered method=");
        out.push_str(self.method);
        out.push_str(" path=");
        out.push_str(self.path);
        if let Some(user) = self.user {
            out.push_str(" user=");
            out.push_str(user);
        }
        out.push_str(" status=");
        out.push_str(itoa::Buffer::new().format(self.status));
        out.push_str(" latency_ms=");
        Millis(self.latency).write_to(out);
        out.push_str(" request_id=");
        write_debug_str(out, self.request_id);
        if let Some(fault) = self.fault {
            out.push_str(" fault=");
            out.push_str(itoa::Buffer::new().format(fault));
        }
    }
}

/// `value` as `Debug` writes a string, quoted; without `Debug`'s machinery when it
/// has nothing to escape.
fn write_debug_str(out: &mut String, value: &str) {
    if value.bytes().any(|byte| DEBUG_ESCAPED[usize::from(byte)]) {
        // Writing to a `String` does not fail.
        let _ = write!(out, "{value:?}");
    } else {
        out.push('"');
        out.push_str(value);
        out.push('"');
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

/// A duration in milliseconds with three decimals, written with integer arithmetic.
struct Millis(Duration);

impl Millis {
    /// The digits, in `text`'s tail; where they start.
    fn digits(&self, text: &mut [u8; 24]) -> usize {
        let micros = self.0.subsec_micros();
        let mut millis = self
            .0
            .as_secs()
            .saturating_mul(1000)
            .saturating_add(u64::from(micros / 1000));
        let mut start = text.len() - 4;
        text[start] = b'.';
        write_decimal(&mut text[start + 1..], u64::from(micros % 1000));
        loop {
            start -= 1;
            text[start] = b'0' + (millis % 10) as u8;
            millis /= 10;
            if millis == 0 {
                break;
            }
        }
        start
    }

    fn write_to(&self, out: &mut String) {
        let mut text = [b'0'; 24];
        let start = self.digits(&mut text);
        // ASCII digits and a point: one push each, no UTF-8 check.
        out.extend(text[start..].iter().map(|&byte| char::from(byte)));
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [b'0'; 24];
        let start = self.digits(&mut text);
        f.write_str(std::str::from_utf8(&text[start..]).map_err(|_| fmt::Error)?)
    }
}

/// Writes `value` in decimal into all of `out`, with leading zeros.
fn write_decimal(out: &mut [u8], mut value: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_have_three_decimals() {
        for (duration, text) in [
            (Duration::from_micros(1_234_567), "1234.567".to_owned()),
            (Duration::from_micros(5), "0.005".to_owned()),
            (Duration::from_secs(3), "3000.000".to_owned()),
            (Duration::from_secs(u64::MAX), format!("{}.000", u64::MAX)),
            (Duration::from_nanos(999), "0.000".to_owned()),
        ] {
            assert_eq!(Millis(duration).to_string(), text);
            let mut written = String::new();
            Millis(duration).write_to(&mut written);
            assert_eq!(written, text);
        }
    }

    #[test]
    fn fields_are_written_with_the_optional_ones_only_when_present() {
        let line = AccessLine {
            level: Level::INFO,
            method: "DELETE",
            path: "/v1/datasets/d/collaboration/access/c",
            user: None,
            status: 503,
            latency: Duration::from_micros(42),
            request_id: "say \"hi\"",
            fault: Some(7),
        };
        let mut out = String::new();
        line.write_fields(&mut out);
        assert_eq!(
            out,
            "answered method=DELETE path=/v1/datasets/d/collaboration/access/c status=503 \
             latency_ms=0.042 request_id=\"say \\\"hi\\\"\" fault=7"
        );
    }
}
