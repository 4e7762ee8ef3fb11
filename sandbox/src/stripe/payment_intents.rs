//! Payment intents: create (and confirm), retrieve, and the 3-D Secure completion.

use super::cards::{CardOutcome, test_card};
use super::currencies::{CURRENCIES, MAX_AMOUNT, MINIMUMS, format_amount};
use super::errors::{ApiError, Outcome, missing};
use super::model::{Charge, Intent, payment_method_json};
use super::params::{Params, params_value};
use super::{Ctx, SimState, new_id};
use serde_json::{Value, json};

impl SimState {
    pub(super) fn get_intent(&self, id: &str) -> Result<Outcome, ApiError> {
        let i = self.intent_at(id)?;
        Ok(Outcome::ok(self.intents[i].to_json()))
    }

    pub(super) fn create_intent(&mut self, p: &Params, ctx: &Ctx) -> Result<Outcome, ApiError> {
        // Top-level parameters of POST /v1/payment_intents in the spec.
        p.reject_unknown(&[
            "amount",
            "application_fee_amount",
            "automatic_payment_methods",
            "capture_method",
            "confirm",
            "confirmation_method",
            "currency",
            "customer",
            "description",
            "error_on_requires_action",
            "expand",
            "mandate",
            "mandate_data",
            "metadata",
            "off_session",
            "on_behalf_of",
            "payment_method",
            "payment_method_configuration",
            "payment_method_data",
            "payment_method_options",
            "payment_method_types",
            "radar_options",
            "receipt_email",
            "return_url",
            "setup_future_usage",
            "shipping",
            "statement_descriptor",
            "statement_descriptor_suffix",
            "transfer_data",
            "transfer_group",
            "use_stripe_sdk",
        ])?;
        let amount = p.int("amount")?.ok_or_else(|| missing("amount"))?;
        let currency = p
            .nonempty("currency")?
            .ok_or_else(|| missing("currency"))?
            .to_ascii_lowercase();
        if !CURRENCIES.contains(&currency.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid currency: {currency}. Stripe currently supports these currencies: {}",
                CURRENCIES.join(", ")
            ))
            .param("currency"));
        }
        if amount < 1 {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 1.")
                    .code("parameter_invalid_integer")
                    .param("amount"),
            );
        }
        let minimum = MINIMUMS
            .iter()
            .find(|(c, _)| *c == currency)
            .map_or(1, |(_, m)| *m);
        if amount < minimum {
            return Err(ApiError::invalid(format!(
                "Amount must be at least {} {currency}",
                format_amount(minimum, &currency)
            ))
            .code("amount_too_small")
            .param("amount"));
        }
        if amount > MAX_AMOUNT {
            return Err(ApiError::invalid(format!(
                "Amount must be no more than {}",
                format_amount(MAX_AMOUNT, &currency)
            ))
            .code("amount_too_large")
            .param("amount"));
        }
        let metadata = p.metadata()?;
        let description = p.nonempty("description")?.map(str::to_string);
        if description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 1000)
        {
            return Err(ApiError::invalid(
                "Invalid string: description must be at most 1000 characters",
            )
            .code("parameter_invalid_string")
            .param("description"));
        }
        let confirm = p.bool("confirm")?.unwrap_or(false);
        let capture_method = p.nonempty("capture_method")?.unwrap_or("automatic");
        if !["automatic", "automatic_async", "manual"].contains(&capture_method) {
            return Err(ApiError::invalid(
                "Invalid capture_method: must be one of automatic, automatic_async, or manual",
            )
            .param("capture_method"));
        }
        let off_session = match p.nonempty("off_session")? {
            None | Some("false") => false,
            Some("true" | "one_off" | "recurring") => true,
            Some(other) => {
                return Err(
                    ApiError::invalid(format!("Invalid off_session: {other}")).param("off_session")
                );
            }
        };
        let return_url = p.nonempty("return_url")?.map(str::to_string);
        if return_url.is_some() && !confirm {
            return Err(
                ApiError::invalid("You can only pass in return_url if confirm is true.")
                    .param("return_url"),
            );
        }
        let types: Vec<String> = match params_value(p, "payment_method_types") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(ApiError::invalid("Invalid array").param("payment_method_types"));
            }
        };
        let apm = match params_value(p, "automatic_payment_methods") {
            None => None,
            Some(Value::Object(m)) => {
                let enabled = match m.get("enabled").and_then(Value::as_str) {
                    Some("true") => true,
                    Some("false") => false,
                    _ => return Err(missing("automatic_payment_methods[enabled]")),
                };
                let allow = m
                    .get("allow_redirects")
                    .and_then(Value::as_str)
                    .unwrap_or("always");
                if !["always", "never"].contains(&allow) {
                    return Err(ApiError::invalid(
                        "Invalid automatic_payment_methods[allow_redirects]: must be one of always or never",
                    )
                    .param("automatic_payment_methods[allow_redirects]"));
                }
                enabled.then(|| json!({ "enabled": true, "allow_redirects": allow }))
            }
            Some(_) => {
                return Err(ApiError::invalid("Invalid hash").param("automatic_payment_methods"));
            }
        };
        if apm.is_some() && !types.is_empty() {
            return Err(ApiError::invalid(
                "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
            )
            .param("automatic_payment_methods"));
        }
        // Since API version 2023-08-16, a PaymentIntent created without
        // payment_method_types has automatic payment methods enabled (redirects allowed).
        let apm = if types.is_empty() && apm.is_none() {
            Some(json!({ "enabled": true, "allow_redirects": "always" }))
        } else {
            apm
        };
        let types = if types.is_empty() {
            vec!["card".to_string()]
        } else {
            types
        };
        let redirects_allowed = apm
            .as_ref()
            .is_some_and(|a| a["allow_redirects"] == "always");
        if confirm && redirects_allowed && return_url.is_none() {
            return Err(ApiError::invalid(
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
            )
            .param("return_url"));
        }
        let pm_param = p.nonempty("payment_method")?;
        let card = match pm_param {
            None => None,
            Some(pm) => Some(test_card(pm).ok_or_else(|| {
                ApiError::invalid(format!("No such PaymentMethod: '{pm}'"))
                    .code("resource_missing")
                    .param("payment_method")
            })?),
        };
        if confirm && card.is_none() {
            return Err(ApiError::invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
            )
            .code("payment_intent_unexpected_state")
            .param("payment_method"));
        }

        // Validation passed: from here on the endpoint executes and its answer is saved.
        let id = new_id("pi_", 24);
        let pm_clone = card.map(|_| new_id("pm_", 24));
        let mut intent = Intent {
            seq: self.intents.len() as u64,
            client_secret: format!("{id}_secret_{}", new_id("", 25)),
            id: id.clone(),
            amount,
            currency: currency.clone(),
            status: if card.is_some() {
                "requires_confirmation"
            } else {
                "requires_payment_method"
            },
            capture_method: capture_method.to_string(),
            created: ctx.created,
            customer: p.nonempty("customer")?.map(str::to_string),
            description,
            metadata,
            payment_method: pm_clone.clone(),
            payment_method_types: types,
            automatic_payment_methods: apm,
            amount_received: 0,
            amount_capturable: 0,
            latest_charge: None,
            last_payment_error: None,
            next_action: None,
            receipt_email: p.nonempty("receipt_email")?.map(str::to_string),
            statement_descriptor: p.nonempty("statement_descriptor")?.map(str::to_string),
            statement_descriptor_suffix: p
                .nonempty("statement_descriptor_suffix")?
                .map(str::to_string),
            canceled_at: None,
            cancellation_reason: None,
            return_url,
            card,
            pm_clone,
        };
        self.emit("payment_intent.created", intent.to_json(), ctx);
        let mut decline = None;
        if confirm {
            let card = card.expect("checked above");
            match &card.outcome {
                CardOutcome::Succeed => self.charge(&mut intent, ctx),
                CardOutcome::Dispute => {
                    self.charge(&mut intent, ctx);
                    if intent.status == "succeeded"
                        && let Some(charge) = intent.latest_charge.clone()
                    {
                        self.open_dispute(&charge, ctx);
                    }
                }
                CardOutcome::Authenticate if off_session => {
                    decline = Some(self.decline(
                        &mut intent,
                        "authentication_required",
                        Some("authentication_required"),
                        "Your card was declined. This transaction requires authentication.",
                        None,
                        ctx,
                    ));
                }
                CardOutcome::Authenticate => {
                    intent.status = "requires_action";
                    let url = format!(
                        "{}/_sim/authenticate/{}?client_secret={}",
                        ctx.base_url, intent.id, intent.client_secret
                    );
                    // Server-side confirmation with a return_url gets a redirect; without
                    // one Stripe answers `use_stripe_sdk` (for Stripe.js, opaque).
                    intent.next_action = Some(match &intent.return_url {
                        Some(ret) => json!({
                            "type": "redirect_to_url",
                            "redirect_to_url": { "return_url": ret, "url": url }
                        }),
                        None => json!({
                            "type": "use_stripe_sdk",
                            "use_stripe_sdk": {
                                "type": "three_d_secure_redirect",
                                "stripe_js": url,
                                "source": new_id("src_", 24)
                            }
                        }),
                    });
                    self.emit("payment_intent.requires_action", intent.to_json(), ctx);
                }
                CardOutcome::Decline(code, decline_code, message, param) => {
                    decline =
                        Some(self.decline(&mut intent, code, *decline_code, message, *param, ctx));
                }
            }
        }
        let body = intent.to_json();
        self.intent_index.insert(id, self.intents.len());
        self.intents.push(intent);
        match decline {
            // A declined confirmation answers 402 with the error, which carries the
            // PaymentIntent (now `requires_payment_method`).
            Some(err) => Err(err.field("payment_intent", body).saved()),
            None => Ok(Outcome::ok(body)),
        }
    }

    /// A successful authorisation: captured at once unless `capture_method=manual`.
    fn charge(&mut self, intent: &mut Intent, ctx: &Ctx) {
        let card = intent.card.expect("a charge needs a card");
        let manual = intent.capture_method == "manual";
        let charge = Charge {
            id: new_id("ch_", 24),
            payment_intent: intent.id.clone(),
            amount: intent.amount,
            amount_captured: if manual { 0 } else { intent.amount },
            amount_refunded: 0,
            disputed: false,
            currency: intent.currency.clone(),
            created: ctx.created,
            status: "succeeded",
            failure_code: None,
            failure_message: None,
            payment_method: intent.pm_clone.clone().unwrap_or_default(),
            card,
            metadata: intent.metadata.clone(),
            description: intent.description.clone(),
        };
        intent.latest_charge = Some(charge.id.clone());
        intent.next_action = None;
        intent.last_payment_error = None;
        if manual {
            intent.status = "requires_capture";
            intent.amount_capturable = intent.amount;
        } else {
            intent.status = "succeeded";
            intent.amount_received = intent.amount;
        }
        self.emit("charge.succeeded", charge.to_json(), ctx);
        if !manual {
            self.ledger_charge(&charge.id, charge.amount_captured, &charge.currency, ctx);
        }
        self.charge_index
            .insert(charge.id.clone(), self.charges.len());
        self.charges.push(charge);
        let kind = if manual {
            "payment_intent.amount_capturable_updated"
        } else {
            "payment_intent.succeeded"
        };
        self.emit(kind, intent.to_json(), ctx);
    }

    /// A declined confirmation: a failed charge, the intent back to
    /// `requires_payment_method` with `last_payment_error`, and the 402 card error.
    fn decline(
        &mut self,
        intent: &mut Intent,
        code: &str,
        decline_code: Option<&str>,
        message: &str,
        param: Option<&str>,
        ctx: &Ctx,
    ) -> ApiError {
        let card = intent.card.expect("a decline needs a card");
        let pm_id = intent.pm_clone.clone().unwrap_or_default();
        let charge = Charge {
            id: new_id("ch_", 24),
            payment_intent: intent.id.clone(),
            amount: intent.amount,
            amount_captured: 0,
            amount_refunded: 0,
            disputed: false,
            currency: intent.currency.clone(),
            created: ctx.created,
            status: "failed",
            failure_code: Some(code.to_string()),
            failure_message: Some(message.to_string()),
            payment_method: pm_id.clone(),
            card,
            metadata: intent.metadata.clone(),
            description: intent.description.clone(),
        };
        let mut err = ApiError::new(402, "card_error", message)
            .code(code)
            .field("charge", Value::String(charge.id.clone()))
            .field(
                "payment_method",
                payment_method_json(&pm_id, card, ctx.created),
            )
            .field("request_log_url", Value::String(ctx.log_url()));
        if let Some(dc) = decline_code {
            err = err.field("decline_code", Value::String(dc.to_string()));
        }
        if let Some(param) = param {
            err = err.param(param);
        }
        intent.status = "requires_payment_method";
        intent.latest_charge = Some(charge.id.clone());
        intent.payment_method = None;
        intent.next_action = None;
        let mut last = err.object();
        if let Value::Object(m) = &mut last {
            m.remove("request_log_url");
        }
        intent.last_payment_error = Some(last);
        self.emit("charge.failed", charge.to_json(), ctx);
        self.charge_index
            .insert(charge.id.clone(), self.charges.len());
        self.charges.push(charge);
        self.emit("payment_intent.payment_failed", intent.to_json(), ctx);
        err
    }

    /// The shopper finishing (or failing) 3-D Secure on the simulator's page.
    pub(super) fn authenticate(
        &mut self,
        id: &str,
        succeed: bool,
        ctx: &Ctx,
    ) -> Result<Intent, String> {
        let idx = *self
            .intent_index
            .get(id)
            .ok_or_else(|| format!("No such payment_intent: '{id}'"))?;
        let mut intent = self.intents[idx].clone();
        if intent.status != "requires_action" {
            return Err(format!(
                "PaymentIntent {id} has status {}, not requires_action",
                intent.status
            ));
        }
        if succeed {
            self.charge(&mut intent, ctx);
        } else {
            intent.status = "requires_payment_method";
            intent.next_action = None;
            intent.payment_method = None;
            let card = intent.card.expect("3DS needs a card");
            intent.last_payment_error = Some(
                ApiError::invalid(
                    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                )
                .code("payment_intent_authentication_failure")
                .field(
                    "payment_method",
                    payment_method_json(intent.pm_clone.as_deref().unwrap_or(""), card, ctx.created),
                )
                .object(),
            );
            self.emit("payment_intent.payment_failed", intent.to_json(), ctx);
        }
        self.intents[idx] = intent.clone();
        Ok(intent)
    }
}
