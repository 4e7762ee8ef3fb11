//! Stores: create, list, read.

use super::*;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateStore {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
}

#[utoipa::path(post, path = "/api/v1/stores", tag = "stores", request_body = CreateStore,
    responses((status = 201, description = "Created in the key's mode", body = StoreCreated)))]
pub async fn create_store(
    State(app): State<Arc<App>>,
    caller: Caller,
    Body(body): Body<CreateStore>,
) -> Result<Response> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(Failure::invalid(
            "invalid_name",
            "name must be 1 to 200 characters",
        ));
    }
    let store = db::merchants::create_store(&app.db, &caller, name).await?;
    Ok((
        StatusCode::CREATED,
        Json(StoreCreated {
            success: true,
            store_id: store.store_id,
            name: store.name,
            mode: store.mode,
        }),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/stores", tag = "stores",
    responses((status = 200, description = "This merchant's stores in the key's mode", body = Stores)))]
pub async fn list_stores(State(app): State<Arc<App>>, caller: Caller) -> Result<Json<Stores>> {
    let stores = db::merchants::list_stores(&app.db, &caller).await?;
    Ok(Json(Stores {
        success: true,
        stores,
    }))
}

#[utoipa::path(get, path = "/api/v1/stores/{store_id}", tag = "stores",
    params(("store_id" = String, Path)),
    responses((status = 200, description = "The store", body = StoreFound)))]
pub async fn get_store(
    State(app): State<Arc<App>>,
    caller: Caller,
    Path(store_id): Path<String>,
) -> Result<Json<StoreFound>> {
    let store = store(&app, &caller, &store_id).await?;
    Ok(Json(StoreFound {
        success: true,
        store,
    }))
}
