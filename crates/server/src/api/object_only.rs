//! JSON bodies must be objects: serde's derived `Deserialize` for a struct also
//! accepts a JSON array of its fields in order (`["WRITE"]` for
//! `{"accessType": "WRITE"}`), which the API does not allow.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Visitor};
use serde::forward_to_deserialize_any;

/// A `T` read from a JSON object only: a struct at the top level is read as a map,
/// so an array answers "invalid type: sequence". Everything below the top level is
/// read as `T` says.
pub(crate) struct ObjectBody<T>(pub(crate) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectBody<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(StructAsMap(deserializer)).map(Self)
    }
}

/// Forwards to the inner deserializer, except that a struct is asked for as a map.
struct StructAsMap<D>(D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for StructAsMap<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_map(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    // Only the top-level request types are read through here, and they are structs;
    // any other shape falls back to the inner deserializer's own dispatch.
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

impl<T: fmt::Debug> fmt::Debug for ObjectBody<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collab_core::ShareRequest;

    #[test]
    fn an_object_is_read_as_the_type_says() {
        let ObjectBody(request) = serde_json::from_str::<ObjectBody<ShareRequest>>(
            r#"{"accessType": "WRITE", "users": ["ann@example.com"]}"#,
        )
        .expect("valid");
        assert_eq!(request.users(), ["ann@example.com"]);
    }

    #[test]
    fn an_array_of_the_fields_is_refused() {
        // Plain serde accepts it: this is what the wrapper is for.
        assert!(serde_json::from_str::<ShareRequest>(r#"["WRITE"]"#).is_ok());
        let error = serde_json::from_str::<ObjectBody<ShareRequest>>(r#"["WRITE"]"#)
            .expect_err("an array is not an object");
        assert!(
            error.to_string().contains("invalid type: sequence"),
            "{error}"
        );
    }
}
