//! The create-or-update request, validated and normalised when it is made.

use serde::{Deserialize, Serialize};

use crate::{Creator, Error, SharedAccessType};

/// The most users or teams one request may name.
pub const MAX_PRINCIPALS: usize = 10_000;
/// The longest user e-mail address accepted, in bytes (RFC 5321's limit).
pub const MAX_EMAIL_LEN: usize = 320;
/// The longest team name accepted, in bytes.
pub const MAX_TEAM_LEN: usize = 256;

/// A create-or-update request for a dataset's shared access config
/// (`SharedAccessConfigCreateRequest`).
///
/// A value always holds normalised lists, so every adapter sees the same input:
///
/// - each entry is trimmed of surrounding white space;
/// - a user must look like an e-mail address (`local@domain`, no white space,
///   control, invisible (such as U+200B) or direction-changing (such as U+202E)
///   characters, at most [`MAX_EMAIL_LEN`] bytes); a team must be
///   non-empty without control characters, at most [`MAX_TEAM_LEN`] bytes;
/// - duplicates are dropped, keeping the first spelling and the order of first
///   appearance; users compare without regard to ASCII case (`Ann@X.io` and
///   `ann@x.io` are one user), teams compare exactly;
/// - at most [`MAX_PRINCIPALS`] entries per list.
///
/// Deserialising applies the same rules, so a server rejects bad input with a clear
/// [`Error::InvalidRequest`]. On the wire `users` and `teams` are optional and
/// a missing list means an empty one: a create-or-update replaces both lists.
/// Reading accepts either generation's spelling of the teams (`teams`, or the 2022
/// `organizations`); `Serialize` writes today's generation, and
/// [`WireGeneration::on_wire`](crate::wire::WireGeneration::on_wire) either.
///
/// The optional [`Creator`] says which kind of client sent the request; it is sent only
/// when set, and only in today's generation.
///
/// ```
/// use collab_core::{Creator, ShareRequest};
/// let request = ShareRequest::write(
///     [" ann@example.com", "bob@example.com", "ANN@example.com"],
///     ["acme"],
/// )?
/// .with_creator(Creator::UserPip);
/// assert_eq!(request.users(), ["ann@example.com", "bob@example.com"]);
/// assert_eq!(request.creator(), Some(&Creator::UserPip));
/// assert!(ShareRequest::write(["not an e-mail"], [""; 0]).is_err());
/// # Ok::<(), collab_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "crate::wire::generation::AnyGenerationRequest")]
pub struct ShareRequest {
    access_type: SharedAccessType,
    users: Vec<String>,
    teams: Vec<String>,
    creator: Option<Creator>,
}

impl Serialize for ShareRequest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::wire::WireGeneration::Current
            .on_wire(self)
            .serialize(serializer)
    }
}

impl ShareRequest {
    /// A request of the given access type, validated and normalised (see the type's docs).
    pub fn new<U, O>(access_type: SharedAccessType, users: U, teams: O) -> Result<Self, Error>
    where
        U: IntoIterator,
        U::Item: AsRef<str>,
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        Ok(Self {
            access_type,
            users: normalize_users(users)?,
            teams: normalize_teams(teams)?,
            creator: None,
        })
    }

    /// A `WRITE` request: the common case.
    pub fn write<U, O>(users: U, teams: O) -> Result<Self, Error>
    where
        U: IntoIterator,
        U::Item: AsRef<str>,
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        Self::new(SharedAccessType::Write, users, teams)
    }

    /// A `WRITE` request with lists taken as they are, for lists built from what the
    /// service already stores (which may predate these rules) plus entries that were
    /// normalised on their way in.
    pub(crate) fn write_as_is(users: Vec<String>, teams: Vec<String>) -> Self {
        Self {
            access_type: SharedAccessType::Write,
            users,
            teams,
            creator: None,
        }
    }

    /// The same request, saying which kind of client sends it (today's `creator`).
    pub fn with_creator(mut self, creator: Creator) -> Self {
        self.creator = Some(creator);
        self
    }

    /// Which kind of client sends the request, when the caller said.
    pub fn creator(&self) -> Option<&Creator> {
        self.creator.as_ref()
    }

    /// The access type requested.
    pub fn access_type(&self) -> SharedAccessType {
        self.access_type
    }

    /// The users to share with, normalised.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// The teams to share with, normalised.
    pub fn teams(&self) -> &[String] {
        &self.teams
    }
}

/// Validates and normalises a list of user e-mail addresses, with the rules of
/// [`ShareRequest`]: trimmed, checked, duplicates (ignoring ASCII case) dropped,
/// first-appearance order kept.
pub fn normalize_users<I>(users: I) -> Result<Vec<String>, Error>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    normalize(users, "user", |user| {
        check_email(user)?;
        Ok(user_key(user))
    })
}

/// Validates and normalises a list of team names, with the rules of
/// [`ShareRequest`]: trimmed, checked, exact duplicates dropped, order kept.
pub fn normalize_teams<I>(teams: I) -> Result<Vec<String>, Error>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    normalize(teams, "team", |team| {
        if team.is_empty() {
            return Err("is empty".to_owned());
        }
        if team.len() > MAX_TEAM_LEN {
            return Err(format!("is longer than {MAX_TEAM_LEN} bytes"));
        }
        if team.chars().any(char::is_control) {
            return Err("holds a control character".to_owned());
        }
        Ok(team.to_owned())
    })
}

/// The key under which two user spellings count as the same user.
pub fn user_key(user: &str) -> String {
    user.trim().to_ascii_lowercase()
}

fn normalize<I>(
    entries: I,
    what: &str,
    check_and_key: impl Fn(&str) -> Result<String, String>,
) -> Result<Vec<String>, Error>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::new();
    for entry in entries {
        let entry = entry.as_ref().trim();
        let key = check_and_key(entry).map_err(|why| Error::InvalidRequest {
            message: format!("{what} {:?} {why}", shorten(entry)),
        })?;
        if seen.insert(key) {
            if kept.len() == MAX_PRINCIPALS {
                return Err(Error::InvalidRequest {
                    message: format!("more than {MAX_PRINCIPALS} {what}s in one request"),
                });
            }
            kept.push(entry.to_owned());
        }
    }
    Ok(kept)
}

fn check_email(user: &str) -> Result<(), String> {
    if user.is_empty() {
        return Err("is empty".to_owned());
    }
    if user.len() > MAX_EMAIL_LEN {
        return Err(format!("is longer than {MAX_EMAIL_LEN} bytes"));
    }
    if let Some(c) = user.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "holds white space or a control character (U+{:04X})",
            u32::from(c)
        ));
    }
    if let Some(c) = user.chars().find(|c| is_bidi_control(*c)) {
        return Err(format!(
            "holds a character that changes the direction of text (U+{:04X}), which could make it display as another address",
            u32::from(c)
        ));
    }
    if let Some(c) = user.chars().find(|c| is_invisible(*c)) {
        return Err(format!(
            "holds an invisible character (U+{:04X}), which could make it display as another address",
            u32::from(c)
        ));
    }
    match user.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(())
        }
        _ => Err("is not an e-mail address (local@domain)".to_owned()),
    }
}

/// The characters that reorder text as it is displayed (Unicode's bidirectional
/// controls: embeddings, overrides, isolates and marks).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Characters that display as nothing: format characters (zero-width spaces and
/// joiners, word joiners, invisible operators, the byte-order mark, soft hyphens,
/// tags), fillers and variation selectors.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Keeps error messages short when the input is huge.
fn shorten(text: &str) -> String {
    const KEEP: usize = 64;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Constructors for the common shapes of a `WRITE` request, so that callers need not
/// spell an empty list of the other kind (`[""; 0]`).
impl ShareRequest {
    /// A `WRITE` request for these users and no team.
    ///
    /// ```
    /// use collab_core::ShareRequest;
    /// let request = ShareRequest::users_only(["ann@example.com"])?;
    /// assert_eq!(request.users(), ["ann@example.com"]);
    /// assert!(request.teams().is_empty());
    /// # Ok::<(), collab_core::Error>(())
    /// ```
    pub fn users_only<U>(users: U) -> Result<Self, Error>
    where
        U: IntoIterator,
        U::Item: AsRef<str>,
    {
        Self::write(users, std::iter::empty::<&str>())
    }

    /// A `WRITE` request for these teams and no user.
    ///
    /// ```
    /// use collab_core::ShareRequest;
    /// let request = ShareRequest::teams_only(["acme"])?;
    /// assert_eq!(request.teams(), ["acme"]);
    /// assert!(request.users().is_empty());
    /// # Ok::<(), collab_core::Error>(())
    /// ```
    pub fn teams_only<O>(teams: O) -> Result<Self, Error>
    where
        O: IntoIterator,
        O::Item: AsRef<str>,
    {
        Self::write(std::iter::empty::<&str>(), teams)
    }
}
