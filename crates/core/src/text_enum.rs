//! The string enums of the wire whose unknown values are kept rather than refused.

/// Implements `FromStr` (infallible), `Display`, `Serialize` and `Deserialize` for a
/// string enum through its `as_str` and `from_text`, so that every such enum reads and
/// writes its text the same way.
macro_rules! text_enum {
    ($type:ty) => {
        impl std::str::FromStr for $type {
            type Err = std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_text(text))
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_text(&text))
            }
        }
    };
}

pub(crate) use text_enum;
