//! Submitting and reading referrals. A submission is checked field by field, evaluated by
//! the triage rules, and written in one transaction with its timeline event, its audit
//! event and the team's notification mail. Every read is authorised and audited.
use crate::domain::checklist;
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::Action;
use crate::domain::referral::{self, EcprAlert};
use crate::domain::rules::RuleSet;
use crate::domain::triage::{evaluate, Evaluation, Pathway, Severity};
use crate::domain::workflow::Status;
use crate::error::AppError;
use crate::ssr::accounts::audit::{self, Event};
use crate::ssr::accounts::service::authorize;
use crate::ssr::accounts::RequestIdentity;
use crate::ssr::db::{decode_json, decode_status, Db};
use crate::wire::referrals::{ReferralDetail, ReferralEvent, ReferralSummary, Submitted};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct ReferralConfig {
    pub public_url: String,
    pub message_id_domain: String,
    /// The team's address unless an administrator sets another; without either, every
    /// active ECMO clinician stands in for the team.
    pub team_email: Option<String>,
    /// How long each pathway waits for an acknowledgement before escalating.
    pub timeouts: crate::domain::roster::AckTimeouts,
    /// Wakes the mail worker when a message is queued, so it need not wait for its poll.
    pub outbox_signal: Option<Arc<tokio::sync::Notify>>,
}

/// A checked and evaluated submission, ready to be stored.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub pathway: Pathway,
    pub status: crate::domain::workflow::Status,
    pub data: Value,
    pub evaluation: Evaluation,
    pub target: referral::ResponseTarget,
}

/// How long an Idempotency-Key names its referral.
const IDEMPOTENCY_KEY_TTL_MS: i64 = 24 * 3_600_000;

#[derive(Clone, Debug)]
pub struct Referrals {
    pub db: Db,
    pub rules: Arc<RuleSet>,
    pub config: Arc<ReferralConfig>,
    pub clock: crate::ssr::time::Clock,
    /// Wakes the open queue pages.
    pub changes: crate::ssr::changes::Changes,
    /// Page views waiting to be written to the audit trail.
    pub views: audit::ViewLog,
    /// What the centre's queue and quality figures read, kept while the data is unchanged.
    pub read_caches: crate::ssr::workflow::ReadCaches,
}

/// The SHA-256 (hex) of a request body in a canonical form: object keys sorted, no
/// insignificant whitespace, so the same answers sent again give the same digest.
fn request_digest(body: &Value) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::to_string(&canonical(body)).unwrap_or_default();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The same value with every object's keys in order (whatever map order serde_json keeps).
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: std::collections::BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn check_idempotency_key(key: &str) -> Result<(), AppError> {
    let ok = (8..=100).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(FieldErrors::single("idempotency_key", FieldError::InvalidKey).into())
    }
}

/// The columns of a referral's summary (`SummaryRow`), read from `SUMMARY_FROM`.
const SUMMARY_COLUMNS: &str = "r.id, r.reference, r.pathway, r.status, r.hospital_id, h.name, \
    r.submitted_at, r.evaluation, r.acknowledge_target_min";
const SUMMARY_FROM: &str = "FROM referrals r JOIN hospitals h ON h.id = r.hospital_id";

/// The summary's columns, then answers, rule-set version, decision target, version,
/// assignee's id and name.
type DetailRow = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    i64,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

/// time, kind, state, actor's name, detail
type EventRow = (i64, String, Option<String>, Option<String>, String);

type SummaryRow = (i64, String, String, String, i64, String, i64, String, i64);

fn summary(row: SummaryRow) -> Result<ReferralSummary, AppError> {
    let (id, reference, pathway, status, hospital_id, hospital_name, submitted_at, evaluation, ack) =
        row;
    let evaluation: Evaluation = decode_json(&evaluation, "referral evaluation", id)?;
    let count = |s: Severity| evaluation.flags.iter().filter(|f| f.severity == s).count();
    Ok(ReferralSummary {
        id,
        reference,
        pathway: crate::ssr::db::decode_pathway(&pathway, id)?,
        status: decode_status(&status, id)?,
        hospital_id,
        hospital_name,
        submitted_at,
        submitted_local: crate::ssr::time::local_display(submitted_at),
        acknowledge_target_min: ack,
        indications: count(Severity::Indication),
        contraindications: count(Severity::Contraindication),
    })
}

impl Referrals {
    /// Submits a referral. The same idempotency key from the same account returns the
    /// referral made the first time, however often it is sent.
    #[tracing::instrument(skip_all)]
    pub async fn submit(
        &self,
        identity: &RequestIdentity,
        idempotency_key: &str,
        body: &Value,
    ) -> Result<Submitted, AppError> {
        self.submit_from(identity, idempotency_key, body, None)
            .await
    }

    /// Checks and evaluates a submission: the ECPR alert or a VV/VA checklist. Missing
    /// required answers, impossible values and unconfirmed unusual values are field errors.
    pub fn prepare(&self, body: &Value, now: i64) -> Result<Prepared, AppError> {
        match body.get("pathway").and_then(Value::as_str) {
            Some("ecpr") => {
                let alert = EcprAlert::parse(body)?;
                let evaluation = evaluate(Pathway::Ecpr, &alert.case(now), &self.rules);
                Ok(Prepared {
                    pathway: Pathway::Ecpr,
                    status: Status::EcprAlert,
                    data: serde_json::to_value(&alert).map_err(|_| AppError::Internal)?,
                    target: referral::response_target(Pathway::Ecpr, None),
                    evaluation,
                })
            }
            Some("vv" | "va") => {
                let local_now = crate::ssr::time::to_local(now);
                let checked = checklist::check(body, local_now);
                let errors = checked.submission_errors();
                if !errors.is_empty() {
                    return Err(errors.into());
                }
                // Checking refuses a body without its pathway, so this holds.
                let pathway = checked.pathway.ok_or(AppError::Internal)?;
                let evaluation = checked.support(
                    pathway,
                    &self.rules,
                    now,
                    local_now,
                    &crate::ssr::time::from_local,
                );
                Ok(Prepared {
                    pathway,
                    status: Status::Submitted,
                    target: referral::response_target(pathway, evaluation.scai.map(|s| s.stage)),
                    data: Value::Object(checked.data),
                    evaluation,
                })
            }
            _ => Err(FieldErrors::single(
                "pathway",
                FieldError::UnknownValue {
                    allowed: vec!["vv".into(), "va".into(), "ecpr".into()],
                },
            )
            .into()),
        }
    }

    /// Submits a referral, from a draft when `draft_id` is given: the draft is marked as
    /// sent in the same transaction.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn submit_from(
        &self,
        identity: &RequestIdentity,
        idempotency_key: &str,
        body: &Value,
        draft_id: Option<i64>,
    ) -> Result<Submitted, AppError> {
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let hospital_id = user.hospital_id.ok_or(AppError::Forbidden)?;
        authorize(identity, Action::CreateReferral { hospital_id })?;
        check_idempotency_key(idempotency_key)?;
        let digest = request_digest(body);
        self.expire_key(user.id, idempotency_key).await?;
        if let Some(existing) = self.by_key(user.id, idempotency_key, &digest).await? {
            return Ok(existing);
        }
        let now = self.clock.now_ms();
        let prepared = self.prepare(body, now)?;
        let evaluation = &prepared.evaluation;
        let mut target = prepared.target;
        target.acknowledge_min = self
            .config
            .timeouts
            .first(prepared.pathway, evaluation.scai.map(|s| s.stage));
        let pathway = referral::pathway_code(prepared.pathway);
        let data = serde_json::to_string(&prepared.data).map_err(|_| AppError::Internal)?;
        let evaluation_json = serde_json::to_string(evaluation).map_err(|_| AppError::Internal)?;
        let status = prepared.status;

        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        let year = year_of(now);
        let (number,): (i64,) = sqlx::query_as(
            "INSERT INTO reference_counters (year, last_number) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last_number = reference_counters.last_number + 1 \
             RETURNING last_number",
        )
        .bind(i64::from(year))
        .fetch_one(&mut *tx)
        .await?;
        let reference = referral::reference(year, number);
        let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(
            "INSERT INTO referrals (reference, pathway, status, hospital_id, created_by, idempotency_key, \
             data, evaluation, rule_set_version, acknowledge_target_min, decision_target_min, submitted_at, updated_at, urgency, \
             request_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14) RETURNING id",
        )
        .bind(&reference)
        .bind(pathway)
        .bind(status.as_str())
        .bind(hospital_id)
        .bind(user.id)
        .bind(idempotency_key)
        .bind(&data)
        .bind(&evaluation_json)
        .bind(&evaluation.rule_set_version)
        .bind(i64::from(target.acknowledge_min))
        .bind(i64::from(target.decision_min))
        .bind(now)
        .bind(referral::urgency(
            prepared.pathway,
            evaluation.scai.map(|s| s.stage),
        ))
        .bind(&digest)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok((id,)) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                // The same form arrived twice at once; the other request made it.
                drop(tx);
                return self
                    .by_key(user.id, idempotency_key, &digest)
                    .await?
                    .ok_or(AppError::Internal);
            }
            Err(e) => return Err(e.into()),
        };
        super::timeline::record(
            &mut tx,
            super::timeline::Step {
                referral_id: id,
                at: now,
                actor: Some(user.id),
                kind: "submitted",
                status: Some(status),
                detail: &serde_json::json!({}),
            },
        )
        .await?;
        sqlx::query(
            "INSERT INTO referral_snapshots (referral_id, version, at, author_user_id, note, data, evaluation) \
             VALUES ($1, 1, $2, $3, '', $4, $5)",
        )
        .bind(id)
        .bind(now)
        .bind(user.id)
        .bind(&data)
        .bind(&evaluation_json)
        .execute(&mut *tx)
        .await?;
        if let Some(draft_id) = draft_id {
            sqlx::query(
                "UPDATE referral_drafts SET submitted_referral_id = $1, updated_at = $2 \
                 WHERE id = $3 AND user_id = $4",
            )
            .bind(id)
            .bind(now)
            .bind(draft_id)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            Event::by(identity, "referral_submitted", "referral", id, json!({})),
        )
        .await?;
        let notice = crate::ssr::oncall::Notice {
            id,
            reference: reference.clone(),
            hospital: user.hospital_name.clone().unwrap_or_default(),
            pathway: prepared.pathway,
            evaluation: evaluation.clone(),
            referrer_id: user.id,
            contact: crate::ssr::notify::Contact::from_data(&prepared.data),
        };
        self.announce(&mut tx, &notice, now).await?;
        tx.commit().await?;
        self.wake_outbox();
        self.changes.referral_written(now);
        tracing::info!(referral_id = id, pathway, "referral submitted");
        Ok(Submitted {
            id,
            reference,
            status,
            created: true,
        })
    }

    /// Keys are kept for 24 hours (the IETF idempotency-key draft's expiry): an older use
    /// of `key` by this account is renamed out of the way (`key#expired-<id>`), so that the
    /// same key now makes a new referral and the old one keeps its record.
    async fn expire_key(&self, user_id: i64, key: &str) -> Result<(), AppError> {
        sqlx::query(
            "UPDATE referrals SET idempotency_key = idempotency_key || '#expired-' || CAST(id AS TEXT) \
             WHERE created_by = $1 AND idempotency_key = $2 AND submitted_at < $3",
        )
        .bind(user_id)
        .bind(key)
        .bind(self.clock.now_ms() - IDEMPOTENCY_KEY_TTL_MS)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    /// The referral this account already made with `key`. The same key with a different
    /// request (`digest`) is refused: answering with the first referral would silently
    /// drop the second.
    async fn by_key(
        &self,
        user_id: i64,
        key: &str,
        digest: &str,
    ) -> Result<Option<Submitted>, AppError> {
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT id, reference, status, request_digest FROM referrals \
             WHERE created_by = $1 AND idempotency_key = $2",
        )
        .bind(user_id)
        .bind(key)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some((_, _, _, stored)) = &row {
            if !stored.is_empty() && stored != digest {
                return Err(FieldErrors::single("idempotency_key", FieldError::KeyReused).into());
            }
        }
        row.map(|(id, reference, status, _)| {
            Ok(Submitted {
                id,
                reference,
                status: decode_status(&status, id)?,
                created: false,
            })
        })
        .transpose()
    }

    /// The referrals the user may see: their hospital's, or all for centre staff.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &RequestIdentity) -> Result<Vec<ReferralSummary>, AppError> {
        authorize(identity, Action::ListReferrals)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let rows: Vec<SummaryRow> = if user.is_centre_staff() {
            sqlx::query_as(&format!(
                "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} ORDER BY r.submitted_at DESC LIMIT 200"
            ))
            .fetch_all(&self.db.pool)
            .await?
        } else {
            sqlx::query_as(&format!(
                "SELECT {SUMMARY_COLUMNS} {SUMMARY_FROM} WHERE r.hospital_id = $1 ORDER BY r.submitted_at DESC LIMIT 200"
            ))
            .bind(user.hospital_id.unwrap_or(-1))
            .fetch_all(&self.db.pool)
            .await?
        };
        self.views
            .record(identity, "referrals_listed", "referral", None, json!({}));
        rows.into_iter().map(summary).collect()
    }

    /// The state and the time of the last change of one referral, for its page's live
    /// updates: authorised as a read (to anyone else it does not exist), not audited — it
    /// carries nothing about the patient.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn watch(
        &self,
        identity: &RequestIdentity,
        id: i64,
    ) -> Result<(Status, i64), AppError> {
        authorize(identity, Action::ListReferrals)?;
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT hospital_id, status, updated_at FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
        let Some((hospital_id, status, updated_at)) = row else {
            return Err(AppError::NotFound);
        };
        if authorize(identity, Action::ViewReferral { hospital_id }).is_err() {
            return Err(AppError::NotFound);
        }
        Ok((decode_status(&status, id)?, updated_at))
    }

    /// One referral, for those who may read it; to anyone else it does not exist.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn get(
        &self,
        identity: &RequestIdentity,
        id: i64,
    ) -> Result<ReferralDetail, AppError> {
        authorize(identity, Action::ListReferrals)?;
        // The referral, its answers and its assignee in one query; then its timeline (the
        // workflow's steps are read from it), follow-ups and, for staff, the audit trail.
        let row: Option<DetailRow> = sqlx::query_as(&format!(
            "SELECT {SUMMARY_COLUMNS}, r.data, r.rule_set_version, r.decision_target_min, r.version, \
             r.assigned_to, a.name {SUMMARY_FROM} LEFT JOIN users a ON a.id = r.assigned_to WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((
            rid,
            reference,
            code,
            status,
            hospital_id,
            hospital,
            submitted_at,
            evaluation,
            ack_target,
            data,
            rule_set_version,
            decision_target_min,
            version,
            assigned,
            assignee,
        )) = row
        else {
            return Err(AppError::NotFound);
        };
        let row: SummaryRow = (
            rid,
            reference,
            code,
            status,
            hospital_id,
            hospital,
            submitted_at,
            evaluation,
            ack_target,
        );
        if authorize(identity, Action::ViewReferral { hospital_id: row.4 }).is_err() {
            return Err(AppError::NotFound);
        }
        let evaluation: Evaluation = decode_json(&row.7, "referral evaluation", id)?;
        let data: Value = decode_json(&data, "referral answers", id)?;
        let status = decode_status(&row.3, id)?;
        let events: Vec<EventRow> = sqlx::query_as(
            "SELECT e.at, e.kind, e.status, u.name, e.detail FROM referral_events e \
             LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.referral_id = $1 ORDER BY e.at, e.id",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        self.views.record(
            identity,
            "referral_viewed",
            "referral",
            Some(id.to_string()),
            json!({}),
        );
        let followups = self.followups(identity, id, row.4, status).await?;
        let pathway = crate::ssr::db::decode_pathway(&row.2, id)?;
        let steps = events
            .iter()
            .rev()
            .filter_map(|(at, _, state, _, detail)| {
                state
                    .as_deref()
                    .map(|s| Ok((*at, decode_status(s, id)?, detail.clone())))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let workflow = self
            .workflow_view(identity, id, pathway, status, (assigned, assignee), steps)
            .await?;
        let centre = workflow.centre;
        let pf_series = data
            .as_object()
            .map(crate::domain::checklist::pf_series)
            .unwrap_or_default();
        Ok(ReferralDetail {
            summary: summary(row)?,
            version,
            snapshots: followups.snapshots,
            messages: followups.messages,
            followers: followups.followers,
            following: followups.following,
            can_update: followups.can_update,
            pf_series,
            data,
            evaluation,
            rule_set_version,
            decision_target_min,
            events: events
                .into_iter()
                .map(|(at, kind, status, actor, detail)| {
                    let detail: serde_json::Map<String, Value> =
                        decode_json(&detail, "referral event detail", id)?;
                    let detail = if centre {
                        detail
                    } else {
                        crate::domain::workflow::for_referrer(detail)
                    };
                    Ok(ReferralEvent {
                        at,
                        at_local: crate::ssr::time::local_display(at),
                        kind,
                        status: status
                            .as_deref()
                            .map(|s| decode_status(s, id))
                            .transpose()?,
                        actor,
                        detail: Value::Object(detail),
                    })
                })
                .collect::<Result<_, AppError>>()?,
            workflow,
            read_at: self.clock.now_ms(),
        })
    }
}

/// The calendar year (UTC) of a time in milliseconds.
fn year_of(ms: i64) -> i32 {
    ::time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.year())
        .unwrap_or(1970)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_of_instants() {
        assert_eq!(year_of(0), 1970);
        assert_eq!(year_of(1_795_132_800_000), 2026); // 2026-11-21
        assert_eq!(year_of(1_798_761_599_999), 2026); // 2026-12-31T23:59:59.999Z
        assert_eq!(year_of(1_798_761_600_000), 2027);
    }
}
