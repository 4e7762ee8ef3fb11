//! The configuration and what the connector declares.

use super::*;
use beep_sdk::types::ConnectorKind;

#[test]
fn config_is_checked_and_urls_are_built_from_base_url() {
    let cfg = config();
    assert_eq!(cfg.url("Part"), format!("{BASE}/Part"));
    assert_eq!(cfg.account_datev_id.as_deref(), Some("26"));
    assert_eq!(cfg.check_account_id.as_deref(), Some("9001"));
    let default = Config::parse(r#"{"apiToken":"abc"}"#).unwrap();
    assert_eq!(
        default.url("Contact"),
        "https://my.sevdesk.de/api/v1/Contact"
    );
    assert_eq!((default.currency(), default.tax_rate()), ("EUR", 19.0));
    let req = default.request(Request::get(default.url("Part")));
    assert!(
        req.headers
            .contains(&("authorization".into(), "abc".into()))
    );
    for bad in [
        r#"{}"#,
        r#"{"apiToken":""}"#,
        r#"{"apiToken":"a\nb"}"#,
        r#"{"apiToken":"a","baseUrl":"ftp://x"}"#,
        r#"{"apiToken":"a","currency":"XYZ"}"#,
        r#"{"apiToken":"a","accountDatevId":"abc"}"#,
        r#"{"apiToken":"a","checkAccountId":-1}"#,
        r#"{"apiToken":"a","taxRate":120}"#,
    ] {
        assert!(
            matches!(Config::parse(bad), Err(ConnectorError::InvalidConfig(_))),
            "{bad}"
        );
    }
}

#[test]
fn describe_and_schema() {
    use beep_sdk::erp::Describe;
    let info = Sevdesk::describe();
    assert_eq!(info.name, "sevdesk");
    assert_eq!(info.kind, ConnectorKind::Erp);
    assert_eq!(info.systems, vec!["sevdesk".to_string()]);
    assert_eq!(info.hosts, vec!["https://my.sevdesk.de".to_string()]);
    let schema: Value = serde_json::from_str(&info.config_schema).unwrap();
    assert_eq!(schema["required"], json!(["apiToken"]));
}
