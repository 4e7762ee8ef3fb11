//! The parts of lexoffice's answers (public API docs, `https://api.lexoffice.io/v1`) this
//! connector reads.

use serde::Deserialize;

/// A Spring Data page: `{"content": [...], "first", "last", "totalPages", "totalElements",
/// "numberOfElements", "size", "number"}` (`number` counts from 0).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub content: Vec<T>,
    #[serde(default)]
    pub last: Option<bool>,
    #[serde(default)]
    pub total_pages: Option<u64>,
    #[serde(default)]
    pub number: Option<u64>,
}

impl<T> Page<T> {
    /// Whether a page follows this one (page `asked`, 0-based): `last` if given, else
    /// `totalPages`, else a full page.
    pub fn has_next(&self, asked: u64, size: usize) -> bool {
        if let Some(last) = self.last {
            return !last;
        }
        let number = self.number.unwrap_or(asked);
        match self.total_pages {
            Some(total) => number + 1 < total,
            None => self.content.len() >= size,
        }
    }
}

/// `GET /contacts` item (only what a supplier needs).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    #[serde(default)]
    pub company: Option<Company>,
    #[serde(default)]
    pub person: Option<Person>,
    #[serde(default)]
    pub email_addresses: Option<EmailAddresses>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub vat_registration_id: Option<String>,
    #[serde(default)]
    pub contact_persons: Vec<ContactPerson>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct ContactPerson {
    #[serde(default)]
    pub primary: Option<bool>,
    #[serde(default)]
    pub email_address: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// `emailAddresses`: lists per kind.
#[derive(Deserialize, Debug, Default)]
pub struct EmailAddresses {
    #[serde(default)]
    pub business: Vec<String>,
    #[serde(default)]
    pub office: Vec<String>,
    #[serde(default)]
    pub private: Vec<String>,
    #[serde(default)]
    pub other: Vec<String>,
}

/// `GET /voucherlist` item.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VoucherListItem {
    pub id: String,
    #[serde(default)]
    pub voucher_type: Option<String>,
    #[serde(default)]
    pub voucher_status: Option<String>,
    #[serde(default)]
    pub voucher_number: Option<String>,
    #[serde(default)]
    pub voucher_date: Option<String>,
    #[serde(default)]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub total_amount: Option<f64>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// The answer to a create (`POST /vouchers`): `{"id", "resourceUri", "createdDate",
/// "updatedDate", "version"}`.
#[derive(Deserialize, Debug)]
pub struct Created {
    pub id: String,
}
