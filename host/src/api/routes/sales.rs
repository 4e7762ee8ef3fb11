//! Sales recorded by BEEP! checkouts, queued for the POS and ERP.

use super::*;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SaleBody {
    #[schema(min_length = 1)]
    store_id: String,
    #[schema(min_length = 1, max_length = 100)]
    receipt_number: String,
    /// ISO 4217.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: String,
    #[schema(min_items = 1)]
    lines: Vec<LineBody>,
    #[serde(default)]
    payments: Vec<SalePaymentBody>,
    total: Option<i64>,
    tax_total: Option<i64>,
    created_at: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LineBody {
    product_id: Option<String>,
    sku: Option<String>,
    name: String,
    quantity: f64,
    unit_price: i64,
    total: Option<i64>,
    tax_rate_bps: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SalePaymentBody {
    method: String,
    amount: i64,
    reference: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/sales", tag = "sales", request_body = SaleBody,
    responses((status = 201, description = "Recorded; pushed to the POS and ERP by their outboxes", body = SaleRecorded)))]
pub async fn create_sale(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<SaleBody>,
) -> Result<Response> {
    store(&app, &caller, &body.store_id).await?;
    let currency = valid_currency(&body.currency)?;
    let receipt = body.receipt_number.trim();
    if receipt.is_empty() || receipt.len() > 100 {
        return Err(Failure::invalid(
            "invalid_receipt_number",
            "receiptNumber must be 1 to 100 characters",
        ));
    }
    if body.lines.is_empty() {
        return Err(Failure::invalid(
            "no_lines",
            "a sale needs at least one line",
        ));
    }
    let money = |amount: i64| Money {
        amount,
        currency: currency.clone(),
    };
    let mut lines = Vec::with_capacity(body.lines.len());
    let mut total = 0i64;
    for (i, l) in body.lines.iter().enumerate() {
        if !l.quantity.is_finite() || l.quantity <= 0.0 {
            return Err(Failure::invalid(
                "invalid_quantity",
                format!("lines[{i}].quantity must be positive"),
            ));
        }
        if l.unit_price < 0 {
            return Err(Failure::invalid(
                "invalid_amount",
                format!("lines[{i}].unitPrice must not be negative"),
            ));
        }
        if l.name.trim().is_empty() {
            return Err(Failure::invalid(
                "invalid_line",
                format!("lines[{i}].name is required"),
            ));
        }
        let line_total = l
            .total
            .unwrap_or_else(|| (l.quantity * l.unit_price as f64).round() as i64);
        total = total
            .checked_add(line_total)
            .ok_or_else(|| Failure::invalid("invalid_amount", "total overflows"))?;
        lines.push(SaleLine {
            product_id: l.product_id.clone(),
            sku: l.sku.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit_price: money(l.unit_price),
            total: money(line_total),
            tax_rate_bps: l.tax_rate_bps,
        });
    }
    if let Some(given) = body.total.filter(|given| *given != total) {
        return Err(Failure::invalid(
            "total_mismatch",
            format!("total {given} does not match the lines ({total})"),
        ));
    }
    let created_at = match body.created_at {
        Some(ts) if ts.len() >= 20 && ts.as_bytes().get(10) == Some(&b'T') => ts,
        Some(ts) => {
            return Err(Failure::invalid(
                "invalid_timestamp",
                format!("createdAt {ts:?} is not RFC 3339"),
            ));
        }
        None => db::rfc3339(db::now_ms()),
    };
    let sale = Sale {
        id: db::new_id(),
        receipt_number: receipt.to_string(),
        lines,
        total: money(total),
        tax_total: body.tax_total.map(money),
        payments: body
            .payments
            .iter()
            .map(|p| SalePayment {
                method: p.method.clone(),
                amount: money(p.amount),
                reference: p.reference.clone(),
            })
            .collect(),
        created_at,
    };
    let json_body = serde_json::to_string(&sale).map_err(anyhow::Error::from)?;
    match db::sales::insert(
        &app.db,
        &sale.id,
        &body.store_id,
        receipt,
        total,
        &currency,
        &json_body,
    )
    .await?
    {
        db::sales::Insert::Created => Ok((
            StatusCode::CREATED,
            Json(SaleRecorded {
                success: true,
                sale_id: sale.id,
                receipt_number: sale.receipt_number,
                total,
                currency,
            }),
        )
            .into_response()),
        db::sales::Insert::Duplicate(existing) => Err(Failure::Conflict {
            code: "duplicate_receipt",
            message: format!("receipt {receipt} is already recorded as sale {existing}"),
            retry_after: None,
        }),
    }
}
