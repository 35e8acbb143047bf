use axum::extract::State;
use axum::Json;
use serde::Serialize;

use crate::{database, AppState, Result};

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
    /// Proves the database answers, not only the process.
    pub schema_version: i64,
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Health>> {
    let db = crate::lock(&state.db);
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: database::schema_version(&db)?,
    }))
}
