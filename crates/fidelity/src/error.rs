//! [`Error`]: why recording or checking could not be done.

/// Why a recording could not be made, read or checked. A drift is no error: it is a
/// finding of the [`Report`](crate::Report).
///
/// No variant holds or prints a credential.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting of a builder cannot work: change it. `setting` names it as the
    /// builder's `with_*` method does, without the `with_` (`upstream`).
    #[error("{setting} {reason}")]
    InvalidSetting {
        /// The setting, e.g. `upstream`.
        setting: &'static str,
        /// What is wrong with its value, e.g. `is not a URL: ...`.
        reason: String,
    },
    /// The recording cannot be used: not JSON, another format, a start state that is
    /// not a list of configs, a step whose method is not one. Record again, or fix
    /// the file. The reason does not name the file: the caller knows where it came
    /// from.
    #[error("{reason}")]
    UnusableRecording {
        /// What is wrong with it.
        reason: String,
    },
    /// The recording would hold a credential seen in the session, in a spelling the
    /// scrubbing missed, so it was not handed out. A bug of this crate: please report
    /// it.
    #[error(
        "the recording would hold a credential seen in the session, so nothing was written \
         (a spelling of it escaped the scrubbing: please report it)"
    )]
    CredentialLeak,
    /// Something the proxy or the check needs failed, not the recording: a socket
    /// that cannot be bound, the HTTP client, the in-process fake. Try again, or
    /// check the machine.
    #[error("{reason}")]
    Unavailable {
        /// What failed, and why.
        reason: String,
    },
}

impl Error {
    pub(crate) fn unusable(reason: impl Into<String>) -> Self {
        Self::UnusableRecording {
            reason: reason.into(),
        }
    }

    pub(crate) fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
        }
    }
}
