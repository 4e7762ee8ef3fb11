//! Connectors: bundled, installed and uploaded ones, their grants.

use super::*;

#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, description = "Bundled, installed and this merchant's uploaded connectors", body = Connectors)))]
pub async fn list_connectors(
    State(app): State<Arc<App>>,
    caller: Caller,
) -> Result<Json<Connectors>> {
    let mut connectors: Vec<Listed> = app
        .registry
        .entries()
        .map(|e| {
            let info = &e.connector.info;
            Listed::Served(Served {
                connector_id: e.id.clone(),
                name: info.name.clone(),
                source: e.source,
                kind: kind_name(info.kind).into(),
                version: info.version.clone(),
                systems: info.systems.clone(),
                hosts: info.hosts.clone(),
                sha256: e.connector.sha256.clone(),
                size: e.connector.size as u64,
                contract: e.connector.contract.clone(),
            })
        })
        .collect();
    for u in db::connectors::list(&app.db, &caller.merchant_id, caller.mode).await? {
        connectors.push(Listed::Uploaded(uploaded_json(u)));
    }
    Ok(Json(Connectors {
        success: true,
        served: crate::runtime::SUPPORTED_CONTRACTS
            .iter()
            .map(|v| format!("beep:connector@{v}"))
            .collect(),
        connectors,
    }))
}

fn uploaded_json(connector: db::connectors::Uploaded) -> UploadedConnector {
    UploadedConnector {
        connector,
        source: crate::connectors::Source::Uploaded,
    }
}

/// The upload form.
#[derive(ToSchema)]
#[allow(dead_code)] // describes the multipart parts; read field by field below
pub struct UploadForm {
    /// JSON: name, version, kind, hosts.
    manifest: String,
    /// The component (.wasm).
    #[schema(value_type = String, format = Binary)]
    component: Vec<u8>,
}

/// `multipart/form-data` with a `manifest` part (JSON) and a `component` part (the .wasm).
#[utoipa::path(post, path = "/api/v1/connectors", tag = "connectors",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "Validated and stored", body = ConnectorFound)))]
pub async fn upload_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    form: std::result::Result<
        axum::extract::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response> {
    // Not a multipart body (or no boundary): the API's error shape, not axum's text.
    let mut form = form.map_err(|e| Failure::invalid("invalid_upload", e.body_text()))?;
    let mut manifest: Option<uploads::Manifest> = None;
    let mut component: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Failure::TooLarge(format!(
                    "components are limited to {} bytes",
                    uploads::MAX_COMPONENT_BYTES
                )));
            }
            Err(e) => return Err(Failure::invalid("invalid_upload", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        let data = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Failure::TooLarge(format!(
                    "components are limited to {} bytes",
                    uploads::MAX_COMPONENT_BYTES
                ))
            } else {
                Failure::invalid("invalid_upload", e.body_text())
            }
        })?;
        match name.as_str() {
            "manifest" => {
                manifest =
                    Some(serde_json::from_slice(&data).map_err(|e| {
                        Failure::invalid("invalid_manifest", format!("manifest: {e}"))
                    })?);
            }
            "component" => component = Some(data.to_vec()),
            other => {
                return Err(Failure::invalid(
                    "invalid_upload",
                    format!("unexpected part {other:?}; send manifest and component"),
                ));
            }
        }
    }
    let manifest = manifest
        .ok_or_else(|| Failure::invalid("invalid_upload", "the manifest part is missing"))?;
    let component = component
        .ok_or_else(|| Failure::invalid("invalid_upload", "the component part is missing"))?;
    let uploaded = uploads::upload(&app, &caller, manifest, component).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConnectorFound {
            success: true,
            connector: uploaded_json(uploaded),
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/connectors/{connector_id}", tag = "connectors",
    params(("connector_id" = String, Path, description = "An id, name@version or name (latest)")),
    responses((status = 200, description = "One uploaded connector", body = ConnectorFound)))]
pub async fn get_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<ConnectorFound>> {
    let uploaded = uploads::find(&app, &caller, &reference).await?;
    Ok(Json(ConnectorFound {
        success: true,
        connector: uploaded_json(uploaded),
    }))
}

#[utoipa::path(delete, path = "/api/v1/connectors/{connector_id}", tag = "connectors",
    params(("connector_id" = String, Path, description = "An id, name@version or name (latest)")),
    responses((status = 200, description = "Deleted (409 while a store uses it)", body = Deleted)))]
pub async fn delete_connector(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
) -> Result<Json<Deleted>> {
    uploads::delete(&app, &caller, &reference).await?;
    Ok(Json(Deleted {
        success: true,
        deleted: reference,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantBody {
    #[serde(default)]
    approve: Vec<String>,
    #[serde(default)]
    revoke: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/connectors/{connector_id}/grants", tag = "connectors",
    params(("connector_id" = String, Path)), request_body = GrantBody,
    responses((status = 200, description = "The connector with its approved hosts", body = ConnectorFound)))]
pub async fn connector_grants(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(reference): Path<String>,
    Body(body): Body<GrantBody>,
) -> Result<Json<ConnectorFound>> {
    let uploaded =
        uploads::set_grants(&app, &caller, &reference, &body.approve, &body.revoke).await?;
    Ok(Json(ConnectorFound {
        success: true,
        connector: uploaded_json(uploaded),
    }))
}
