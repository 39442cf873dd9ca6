//! Who made a request (`Creator`), as today's API lets a client say.

/// Which kind of client made a create-or-update request: the optional `creator` field
/// of today's API (Lightly's helpers send [`Creator::UserPip`]). The 2022 generation of
/// the wire has no such field, and a request written in it leaves the value out.
///
/// A value this crate does not know is kept with its text in [`Creator::Unrecognized`],
/// so that a newer client's request is not refused.
///
/// ```
/// use collab_core::Creator;
/// assert_eq!("USER_PIP".parse::<Creator>(), Ok(Creator::UserPip));
/// assert_eq!(Creator::UserWorker.as_str(), "USER_WORKER");
/// assert_eq!(
///     "USER_ROBOT".parse::<Creator>(),
///     Ok(Creator::Unrecognized("USER_ROBOT".into()))
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Creator {
    /// `UNKNOWN`: the client did not say who it is.
    Unknown,
    /// `USER_WEBAPP`: Lightly's web application.
    UserWebapp,
    /// `USER_PIP`: the `lightly` Python package.
    UserPip,
    /// `USER_PIP_LIGHTLY_MAGIC`: the `lightly-magic` command of the Python package.
    UserPipLightlyMagic,
    /// `USER_WORKER`: Lightly's worker.
    UserWorker,
    /// A value this crate does not know, with its text.
    Unrecognized(String),
}

impl Creator {
    /// The values today's API defines, in its order.
    pub const ALL: &'static [Creator] = &[
        Creator::Unknown,
        Creator::UserWebapp,
        Creator::UserPip,
        Creator::UserPipLightlyMagic,
        Creator::UserWorker,
    ];

    /// The value's spelling on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::UserWebapp => "USER_WEBAPP",
            Self::UserPip => "USER_PIP",
            Self::UserPipLightlyMagic => "USER_PIP_LIGHTLY_MAGIC",
            Self::UserWorker => "USER_WORKER",
            Self::Unrecognized(text) => text,
        }
    }

    fn from_text(text: &str) -> Self {
        Self::ALL
            .iter()
            .find(|known| known.as_str() == text)
            .cloned()
            .unwrap_or_else(|| Self::Unrecognized(text.to_owned()))
    }
}

crate::text_enum::text_enum!(Creator);
