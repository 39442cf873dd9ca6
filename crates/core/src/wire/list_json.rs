//! The JSON of a list of configs, the answer a server gives most: written straight
//! into bytes ([`OnWire::to_json`]).

use crate::model::AccessConfig;
use crate::wire::generation::OnWire;

impl OnWire<'_, [AccessConfig]> {
    /// The list as JSON: the bytes `serde_json::to_vec(self)` writes, written without
    /// serde's machinery. A string that needs escaping is written by `serde_json`;
    /// the others (every id, name and address the API allows) are copied as they are.
    ///
    /// ```
    /// use collab_core::wire::WireGeneration;
    /// use collab_core::{AccessConfig, SharedAccessType, Timestamp};
    /// let config = AccessConfig {
    ///     id: "0123456789abcdef01234567".parse()?,
    ///     owner: "alice".into(),
    ///     access_type: SharedAccessType::Write,
    ///     users: vec!["ann@example.com".into()],
    ///     teams: vec!["acme".into()],
    ///     created_at: Timestamp::from_millis(1),
    ///     last_modified_at: Timestamp::from_millis(2),
    /// };
    /// let list = [config];
    /// let on_wire = WireGeneration::V2022.on_wire(&list[..]);
    /// assert_eq!(on_wire.to_json(), serde_json::to_vec(&on_wire)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.value.len() * 224);
        out.push(b'[');
        for (index, config) in self.value.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            self.write_config(&mut out, config);
        }
        out.push(b']');
        out
    }

    /// One config, with the fields in the order of its `Serialize` impl.
    fn write_config(&self, out: &mut Vec<u8>, config: &AccessConfig) {
        out.extend_from_slice(br#"{"id":""#);
        out.extend_from_slice(&config.id.object_id().hex());
        out.extend_from_slice(br#"","owner":"#);
        write_str(out, &config.owner);
        out.extend_from_slice(br#","accessType":"#);
        write_str(out, config.access_type.as_str());
        out.extend_from_slice(br#","users":"#);
        write_strs(out, &config.users);
        out.push(b',');
        write_str(out, self.generation.teams_field());
        out.push(b':');
        write_strs(out, &config.teams);
        out.extend_from_slice(br#","createdAt":"#);
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(config.created_at.as_millis())
                .as_bytes(),
        );
        out.extend_from_slice(br#","lastModifiedAt":"#);
        out.extend_from_slice(
            itoa::Buffer::new()
                .format(config.last_modified_at.as_millis())
                .as_bytes(),
        );
        out.push(b'}');
    }
}

/// A JSON array of strings.
fn write_strs(out: &mut Vec<u8>, values: &[String]) {
    out.push(b'[');
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_str(out, value);
    }
    out.push(b']');
}

/// The bytes JSON escapes in a string: control characters, `"` and `\\`.
const ESCAPED: [bool; 256] = {
    let mut escaped = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        escaped[byte] = true;
        byte += 1;
    }
    escaped[b'"' as usize] = true;
    escaped[b'\\' as usize] = true;
    escaped
};

/// A JSON string: copied between quotes when it holds nothing JSON escapes (a quote,
/// a backslash, a control character), else written by `serde_json`.
fn write_str(out: &mut Vec<u8>, value: &str) {
    if !value.bytes().any(|byte| ESCAPED[usize::from(byte)]) {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, value).expect("writing into a Vec cannot fail");
    }
}
