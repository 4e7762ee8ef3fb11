//! Decoding the `config` JSON and opaque cursors.

use crate::error::{internal, invalid_config};
use crate::types::ConnectorError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses the store's config object; a mismatch is `invalid-config` naming the field.
pub fn parse_config<T: DeserializeOwned>(config: &str) -> Result<T, ConnectorError> {
    serde_json::from_str(config).map_err(|e| invalid_config(format!("config: {e}")))
}

/// A credential from the config (API key, password, token): reads like a `&str` where
/// a request needs it, prints as `***` in `Debug`, so a logged config or error never
/// shows it. It has no `Display`: putting it in text takes [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A connector's paging state, carried by the host between calls as opaque text.
pub struct Cursor;

impl Cursor {
    /// `None` (first call of a full run) decodes to `T::default()`.
    pub fn decode<T: DeserializeOwned + Default>(
        cursor: Option<&str>,
    ) -> Result<T, ConnectorError> {
        match cursor {
            None | Some("") => Ok(T::default()),
            Some(text) => {
                serde_json::from_str(text).map_err(|e| invalid_config(format!("cursor: {e}")))
            }
        }
    }

    pub fn encode<T: Serialize>(state: &T) -> Result<String, ConnectorError> {
        serde_json::to_string(state).map_err(|e| internal(format!("cursor: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(rename_all = "camelCase")]
        struct Config {
            api_key: Secret,
            account: String,
        }
        let cfg: Config = parse_config(r#"{"apiKey":"sk_live_123","account":"acme"}"#).unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("sk_live_123"), "{shown}");
        assert!(shown.contains("***") && shown.contains("acme"), "{shown}");
        assert!(cfg.api_key.starts_with("sk_live_"));
        assert_eq!(cfg.api_key.expose(), "sk_live_123");
        assert_eq!(cfg.account, "acme");
    }

    #[derive(serde::Deserialize, serde::Serialize, Default, PartialEq, Debug)]
    struct State {
        page: u32,
    }

    #[test]
    fn cursor_round_trip_and_default() {
        assert_eq!(Cursor::decode::<State>(None).unwrap(), State::default());
        let text = Cursor::encode(&State { page: 3 }).unwrap();
        assert_eq!(
            Cursor::decode::<State>(Some(&text)).unwrap(),
            State { page: 3 }
        );
        assert!(matches!(
            Cursor::decode::<State>(Some("{")),
            Err(ConnectorError::InvalidConfig(_))
        ));
    }

    #[test]
    fn config_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Cfg {
            username: String,
        }
        match parse_config::<Cfg>("{}") {
            Err(ConnectorError::InvalidConfig(m)) => assert!(m.contains("username"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
