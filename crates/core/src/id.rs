//! Identifiers: a validated MongoDB ObjectId and the two kinds of id built on it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of an ObjectId in its hexadecimal spelling.
pub const OBJECT_ID_LEN: usize = 24;

/// Why a string is not a valid ObjectId.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseIdError {
    /// The string does not have exactly 24 characters.
    #[error("an id has exactly 24 characters, this one has {found}")]
    WrongLength {
        /// How many characters the string had.
        found: usize,
    },
    /// The string holds a character outside `0-9a-f` (upper-case hex is rejected too).
    #[error("an id is 24 characters from 0-9 and a-f, found {found:?} at position {position}")]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },
}

/// A MongoDB ObjectId: 24 lower-case hexadecimal characters (`^[a-f0-9]{24}$`).
///
/// A value of this type is always valid: the only ways to make one are parsing
/// ([`FromStr`], [`TryFrom<&str>`], serde) and [`ObjectId::from_bytes`].
///
/// ```
/// use collab_core::ObjectId;
/// let id: ObjectId = "0123456789abcdef01234567".parse()?;
/// assert_eq!(id.to_string(), "0123456789abcdef01234567");
/// assert!("0123".parse::<ObjectId>().is_err());
/// # Ok::<(), collab_core::ParseIdError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 12]);

impl ObjectId {
    /// Builds an id from its 12 raw bytes.
    pub const fn from_bytes(bytes: [u8; 12]) -> Self {
        Self(bytes)
    }

    /// The 12 raw bytes of the id.
    pub const fn bytes(&self) -> [u8; 12] {
        self.0
    }

    /// Parses the 24-character hexadecimal spelling.
    pub fn parse(text: &str) -> Result<Self, ParseIdError> {
        // Every API request parses an id or two: the valid ones take one pass over
        // the bytes; only a bad one is looked at again, to say what is wrong with it.
        if let Ok(digits) = <&[u8; OBJECT_ID_LEN]>::try_from(text.as_bytes()) {
            let mut bytes = [0u8; 12];
            let mut invalid = 0u8;
            for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
                let (high, low) = (
                    HEX_VALUES[usize::from(pair[0])],
                    HEX_VALUES[usize::from(pair[1])],
                );
                invalid |= (high | low) & NOT_HEX;
                *byte = (high << 4) | (low & 0x0f);
            }
            if invalid == 0 {
                return Ok(Self(bytes));
            }
        }
        Err(what_is_wrong(text))
    }
}

impl ObjectId {
    /// The 24-character spelling as ASCII bytes, written without the formatting
    /// machinery or an allocation: ids are written in every answer.
    ///
    /// ```
    /// use collab_core::ObjectId;
    /// let id: ObjectId = "0123456789abcdef01234567".parse()?;
    /// assert_eq!(&id.hex(), b"0123456789abcdef01234567");
    /// # Ok::<(), collab_core::ParseIdError>(())
    /// ```
    pub fn hex(&self) -> [u8; OBJECT_ID_LEN] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; OBJECT_ID_LEN];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0x0f)];
        }
        text
    }
}

/// What is wrong with `text`, which is not 24 lower-case hexadecimal digits: its
/// first character outside them, else its length.
fn what_is_wrong(text: &str) -> ParseIdError {
    match text
        .chars()
        .enumerate()
        .find(|(_, found)| !matches!(found, '0'..='9' | 'a'..='f'))
    {
        Some((position, found)) => ParseIdError::InvalidCharacter { found, position },
        None => ParseIdError::WrongLength {
            found: text.chars().count(),
        },
    }
}

/// The value in [`HEX_VALUES`] of a byte that is not a lower-case hexadecimal digit.
const NOT_HEX: u8 = 0x80;

/// The value of each lower-case hexadecimal digit, [`NOT_HEX`] for any other byte.
const HEX_VALUES: [u8; 256] = {
    let mut values = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        values[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    values
};

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(spelling(&self.hex()))
    }
}

/// The text of [`ObjectId::hex`]'s digits, which are ASCII.
fn spelling(hex: &[u8; OBJECT_ID_LEN]) -> &str {
    std::str::from_utf8(hex).unwrap_or_default()
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

impl FromStr for ObjectId {
    type Err = ParseIdError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<&str> for ObjectId {
    type Error = ParseIdError;
    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Self::parse(text)
    }
}

impl Serialize for ObjectId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(spelling(&self.hex()))
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Declares a distinct id type over [`ObjectId`], so that ids of different things
/// cannot be swapped by mistake.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(ObjectId);

        impl $name {
            /// Wraps an [`ObjectId`].
            pub const fn new(id: ObjectId) -> Self {
                Self(id)
            }

            /// The underlying [`ObjectId`].
            pub const fn object_id(&self) -> ObjectId {
                self.0
            }
        }

        impl From<ObjectId> for $name {
            fn from(id: ObjectId) -> Self {
                Self(id)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                ObjectId::parse(text).map(Self)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ParseIdError;
            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl $name {
            #[doc = concat!("Parses a ", $what, " id, naming it in the error message.")]
            pub fn parse_named(text: &str) -> Result<Self, crate::Error> {
                text.parse().map_err(|error| crate::Error::InvalidRequest {
                    message: format!(concat!("invalid ", $what, " id {:?}: {}"), text, error),
                })
            }
        }
    };
}

typed_id!(
    /// The id of a Lightly dataset.
    ///
    /// ```
    /// use collab_core::DatasetId;
    /// let dataset: DatasetId = "5f0e4a6b2c1d3e4f5a6b7c8d".parse()?;
    /// # Ok::<(), collab_core::ParseIdError>(())
    /// ```
    ///
    /// A dataset id is not an access config id, though both are ObjectIds:
    ///
    /// ```compile_fail
    /// use collab_core::{AccessConfigId, DatasetId};
    /// let dataset: DatasetId = "5f0e4a6b2c1d3e4f5a6b7c8d".parse().unwrap();
    /// let config: AccessConfigId = dataset; // does not compile
    /// ```
    DatasetId,
    "dataset"
);

typed_id!(
    /// The id of one shared access config of a dataset.
    AccessConfigId,
    "access config"
);
