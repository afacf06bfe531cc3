//! `POST /api/v1/scores/{murray|resp|save|preserve|vis|scai}` (spec §0.1). No login: the
//! request holds clinical values but no patient identifier, and nothing is stored.
use super::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use ecmo_referral_app::domain::fields::{FieldError, FieldErrors};
use ecmo_referral_app::domain::i18n::Lang;
use ecmo_referral_app::domain::scores::{
    self, murray::MurrayInput, preserve::PreserveInput, resp::RespInput, save::SaveInput,
    scai::ScaiInput, vis::VisInput,
};
use serde_json::Value;

pub async fn calculate(
    State(state): State<AppState>,
    Path(score): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::Unprocessable(FieldErrors::whole_body(FieldError::NotAnObject)))?;
    let rules = &state.rules;
    let (mut result, outcome_score) = match score.as_str() {
        "murray" => (to_value(MurrayInput::parse(&input)?.score(rules)), true),
        "resp" => (to_value(RespInput::parse(&input)?.score(rules)), true),
        "save" => (to_value(SaveInput::parse(&input)?.score(rules)), true),
        "preserve" => (to_value(PreserveInput::parse(&input)?.score(rules)), true),
        "vis" => (to_value(VisInput::parse(&input)?.score(rules)), false),
        "scai" => (to_value(ScaiInput::parse(&input)?.score(rules)), false),
        _ => {
            return Err(ApiError::NotFound(
                "unknown score: use murray, resp, save, preserve, vis or scai",
            ))
        }
    };
    // The ELSO caveat is about outcome scores; VIS and the SCAI stage describe the present.
    if let (Value::Object(map), true) = (&mut result, outcome_score) {
        map.insert(
            "caveat".into(),
            Value::String(scores::elso_caveat(Lang::En).into()),
        );
    }
    Ok(Json(result))
}

fn to_value(result: impl serde::Serialize) -> Value {
    serde_json::to_value(result).unwrap_or(Value::Null)
}
