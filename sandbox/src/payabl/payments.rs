//! Payment operations: sale and preauthorisation (the test tokens' outcomes), capture,
//! reversal, status query, and status changes of the test hooks.

use super::errors::error;
use super::model::Txn;
use super::{Answer, SimState, TOKEN_3DS, TOKEN_DECLINED, TOKEN_OK, TOKEN_PENDING};
use beep_sdk::money;
use std::collections::BTreeMap;

impl SimState {
    pub(super) fn amount(p: &BTreeMap<String, String>) -> Result<(i64, String), Answer> {
        let currency = p
            .get("currency")
            .filter(|c| !c.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: currency"))?
            .to_ascii_uppercase();
        if money::exponent(&currency).is_none() || currency.len() != 3 {
            return Err(error("2009", format!("Currency {currency} not supported")));
        }
        let value = p
            .get("amount")
            .filter(|a| !a.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: amount"))?;
        let minor = money::from_major_str(value, &currency)
            .map_err(|_| error("2003", format!("Invalid amount {value} for {currency}")))?;
        if minor <= 0 {
            return Err(error("2003", "Invalid amount: must be positive"));
        }
        Ok((minor, currency))
    }

    pub(super) fn authorize(
        &mut self,
        merchant: &str,
        p: &BTreeMap<String, String>,
        preauth: bool,
        base: &str,
    ) -> Answer {
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let Some(orderid) = p.get("orderid").filter(|o| !o.is_empty()).cloned() else {
            return error("2003", "Missing parameter: orderid");
        };
        if self
            .transactions
            .iter()
            .any(|t| t.merchant_id == merchant && t.orderid == orderid)
        {
            let mut a = error("2004", "Duplicate orderid");
            a.push(("orderid", orderid));
            return a;
        }
        let token = p.get("token").cloned().unwrap_or_default();
        let (status, code, message) = match token.as_str() {
            TOKEN_OK if preauth => ("authorized", "0", ""),
            TOKEN_OK => ("captured", "0", ""),
            TOKEN_DECLINED => ("declined", "2005", "Transaction declined"),
            TOKEN_3DS => ("pending_3ds", "0", ""),
            TOKEN_PENDING => ("pending", "0", ""),
            "" => return error("2003", "Missing parameter: token"),
            _ => return error("2003", "Invalid token"),
        };
        let id = self.fresh_id();
        let txn = Txn {
            url_3ds: (status == "pending_3ds").then(|| format!("{base}/_sim/3ds/{id}")),
            id,
            merchant_id: merchant.to_string(),
            orderid,
            kind: if preauth { "preauthorization" } else { "sale" },
            amount,
            captured: if status == "captured" { amount } else { 0 },
            currency,
            status: status.into(),
            errorcode: code.into(),
            errormessage: message.into(),
            token,
            description: p.get("description").cloned().unwrap_or_default(),
            url_return: p.get("url_return").filter(|u| !u.is_empty()).cloned(),
            notification_url: p.get("notification_url").filter(|u| !u.is_empty()).cloned(),
            refunded: 0,
        };
        let answer = Self::txn_answer(&txn);
        self.transactions.push(txn);
        self.callback(self.transactions.len() - 1, None);
        answer
    }

    pub(super) fn target(
        &self,
        merchant: &str,
        p: &BTreeMap<String, String>,
    ) -> Result<usize, Answer> {
        let id = p
            .get("transactionid")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| error("2003", "Missing parameter: transactionid"))?;
        self.find(merchant, id)
            .ok_or_else(|| error("2007", "Transaction not found"))
    }

    pub(super) fn capture(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        let (amount, currency) = match Self::amount(p) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let t = &self.transactions[i];
        if t.status != "authorized" {
            return error(
                "2008",
                format!("Transaction cannot be captured in status {}", t.status),
            );
        }
        if currency != t.currency {
            return error("2003", "Currency does not match the transaction");
        }
        if amount > t.amount {
            return error("2006", "Amount exceeds the authorized amount");
        }
        let t = &mut self.transactions[i];
        t.status = "captured".into();
        t.captured = amount;
        let answer = Self::txn_answer(t);
        self.callback(i, None);
        answer
    }

    pub(super) fn reversal(&mut self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let i = match self.target(merchant, p) {
            Ok(i) => i,
            Err(e) => return e,
        };
        if self.transactions[i].status != "authorized" {
            return error(
                "2008",
                format!(
                    "Transaction cannot be reversed in status {}",
                    self.transactions[i].status
                ),
            );
        }
        self.transactions[i].status = "voided".into();
        let answer = Self::txn_answer(&self.transactions[i]);
        self.callback(i, None);
        answer
    }

    pub(super) fn status(&self, merchant: &str, p: &BTreeMap<String, String>) -> Answer {
        let by_id = p.get("transactionid").filter(|t| !t.is_empty());
        let by_order = p.get("orderid").filter(|o| !o.is_empty());
        let found = match (by_id, by_order) {
            (Some(id), _) => self.find(merchant, id),
            (None, Some(o)) => self
                .transactions
                .iter()
                .position(|t| t.merchant_id == merchant && &t.orderid == o),
            (None, None) => return error("2003", "Missing parameter: transactionid or orderid"),
        };
        match found {
            Some(i) => Self::txn_answer(&self.transactions[i]),
            None => error("2007", "Transaction not found"),
        }
    }

    /// Moves a transaction to `status` (3-D Secure completed, acquirer answered).
    pub(super) fn set_status(&mut self, id: &str, status: &str) -> Result<Answer, String> {
        let i = self
            .transactions
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| format!("no transaction {id}"))?;
        let t = &mut self.transactions[i];
        let (status, code, message) = match status {
            "captured" if t.kind == "preauthorization" => ("authorized", "0", ""),
            "captured" => ("captured", "0", ""),
            "authorized" => ("authorized", "0", ""),
            "declined" => ("declined", "2005", "Transaction declined"),
            "voided" => ("voided", "0", ""),
            "pending" => ("pending", "0", ""),
            other => return Err(format!("unknown status {other}")),
        };
        t.status = status.into();
        t.errorcode = code.into();
        t.errormessage = message.into();
        if status == "captured" {
            t.captured = t.amount;
        }
        let answer = Self::txn_answer(t);
        self.callback(i, None);
        Ok(answer)
    }
}
