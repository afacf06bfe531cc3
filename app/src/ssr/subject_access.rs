//! A patient's access request (GDPR art. 15): an administrator finds the referrals about
//! one patient, by the patient number or by name and birth date as the referral stores them,
//! and exports everything held about them as JSON. Every search is audited with the reason
//! the administrator gives (and each referral exported once more under its own id); the
//! identifiers searched for are never written to the trail, a log or an address.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::RequestIdentity;
use super::db::decode_json;
use super::referrals::Referrals;
use super::time::local_display;
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::Action;
use crate::error::AppError;
use serde_json::{json, Map, Value};

/// The reason an administrator gives, within these lengths.
const REASON_MIN: usize = 5;
const REASON_MAX: usize = 500;

/// What an administrator searches with.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SubjectQuery {
    #[serde(default)]
    pub patient_number: String,
    #[serde(default)]
    pub patient_name: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub reason: String,
}

/// Text as compared: trimmed, lower-case, inner spaces as one.
fn normalised(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn stored(data: &Map<String, Value>, key: &str) -> String {
    data.get(key)
        .and_then(Value::as_str)
        .map(normalised)
        .unwrap_or_default()
}

/// How a query matches a referral's stored answers.
enum Match {
    Number(String),
    NameAndBirth(String, String),
}

impl Match {
    fn from_query(query: &SubjectQuery) -> Result<Self, AppError> {
        let mut errors = FieldErrors::default();
        let reason = query.reason.trim().chars().count();
        if reason < REASON_MIN {
            errors.add("reason", FieldError::TooShort { min: REASON_MIN });
        } else if reason > REASON_MAX {
            errors.add("reason", FieldError::TooLong { max: REASON_MAX });
        }
        let number = normalised(&query.patient_number).replace(' ', "");
        let (name, birth) = (
            normalised(&query.patient_name),
            query.birth_date.trim().to_owned(),
        );
        let found = if !number.is_empty() {
            Some(Match::Number(number))
        } else if !name.is_empty() && !birth.is_empty() {
            if crate::domain::checklist::parse_date(&birth).is_none() {
                errors.add("birth_date", FieldError::NotADate);
            }
            Some(Match::NameAndBirth(name, birth))
        } else {
            errors.add("patient_number", FieldError::Missing);
            if !name.is_empty() {
                errors.add("birth_date", FieldError::Missing);
            }
            None
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        found.ok_or(AppError::Internal)
    }

    fn name(&self) -> &'static str {
        match self {
            Match::Number(_) => "patient_number",
            Match::NameAndBirth(..) => "name_and_birth_date",
        }
    }

    fn holds(&self, data: &Map<String, Value>) -> bool {
        match self {
            Match::Number(number) => stored(data, "patient_number").replace(' ', "") == *number,
            Match::NameAndBirth(name, birth) => {
                stored(data, "patient_name") == *name && stored(data, "birth_date") == *birth
            }
        }
    }
}

type ReferralRow = (i64, String, String, String, String, i64, String);

impl Referrals {
    /// Everything held about one patient's referrals, as one JSON document.
    #[tracing::instrument(skip_all)]
    pub async fn subject_access(
        &self,
        identity: &RequestIdentity,
        query: &SubjectQuery,
    ) -> Result<Value, AppError> {
        authorize(identity, Action::ManageUsers)?;
        let wanted = Match::from_query(query)?;
        let reason = query.reason.trim().to_owned();
        let rows: Vec<ReferralRow> = sqlx::query_as(
            "SELECT r.id, r.reference, h.name, r.pathway, r.status, r.submitted_at, r.data \
             FROM referrals r JOIN hospitals h ON h.id = r.hospital_id ORDER BY r.id",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let mut found = Vec::new();
        for (id, reference, hospital, pathway, status, submitted_at, data) in rows {
            let data: Map<String, Value> = decode_json(&data, "referral data", id)?;
            if wanted.holds(&data) {
                found.push((id, reference, hospital, pathway, status, submitted_at, data));
            }
        }
        let mut referrals = Vec::new();
        let mut tx = self.db.begin().await?;
        for (id, reference, hospital, pathway, status, submitted_at, data) in found {
            let versions: Vec<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT version, at, note, data FROM referral_snapshots \
                 WHERE referral_id = $1 ORDER BY version",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let versions = versions
                .into_iter()
                .map(|(version, at, note, data)| {
                    Ok(json!({
                        "version": version,
                        "at": local_display(at),
                        "note": note,
                        "data": decode_json::<Value>(&data, "referral version", id)?,
                    }))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            let messages: Vec<(i64, String)> = sqlx::query_as(
                "SELECT at, body FROM referral_messages WHERE referral_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let events: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
                "SELECT at, kind, status, detail FROM referral_events \
                 WHERE referral_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let events = events
                .into_iter()
                .map(|(at, kind, status, detail)| {
                    Ok(json!({
                        "at": local_display(at),
                        "kind": kind,
                        "state": status,
                        "detail": decode_json::<Value>(&detail, "referral event", id)?,
                    }))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            referrals.push(json!({
                "reference": reference,
                "hospital": hospital,
                "pathway": pathway,
                "state": status,
                "submitted": local_display(submitted_at),
                "answers": data,
                "versions": versions,
                "messages": messages
                    .into_iter()
                    .map(|(at, body)| json!({ "at": local_display(at), "text": body }))
                    .collect::<Vec<_>>(),
                "timeline": events,
            }));
            audit::record(
                &mut tx,
                Event::by(
                    identity,
                    "subject_access_export",
                    "referral",
                    id,
                    json!({ "reason": reason }),
                ),
            )
            .await?;
        }
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "subject_access_search",
                "subject_access",
                "",
                json!({ "reason": reason, "by": wanted.name(), "found": referrals.len() }),
            )
            .subject(None),
        )
        .await?;
        tx.commit().await?;
        Ok(json!({
            "exported": local_display(self.clock.now_ms()),
            "reason": reason,
            "referrals": referrals,
        }))
    }
}
