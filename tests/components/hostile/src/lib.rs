//! A POS connector that attacks its sandbox in the way `config.attack` names.
//! Each attack must end in its own error while the host carries on.

pub mod attacks;

struct Hostile;

impl beep_sdk::pos::Describe for Hostile {
    fn describe() -> beep_sdk::prelude::ConnectorInfo {
        attacks::info("test-hostile")
    }
}

impl beep_sdk::pos::Pos for Hostile {
    fn fetch_catalog(
        config: String,
        _cursor: Option<String>,
    ) -> Result<beep_sdk::prelude::CatalogPage, beep_sdk::prelude::ConnectorError> {
        let config: attacks::Config = beep_sdk::prelude::parse_config(&config)?;
        attacks::run(&config.attack.clone(), config)
    }

    fn push_sales(
        _config: String,
        _sales: Vec<beep_sdk::prelude::Sale>,
    ) -> Result<Vec<beep_sdk::prelude::PushResult>, beep_sdk::prelude::ConnectorError> {
        Err(beep_sdk::prelude::ConnectorError::Unsupported(
            "hostile".into(),
        ))
    }
}

beep_sdk::export_pos!(Hostile);
