//! What happens on a referral after it is sent, on the referrer's side: updates (new blood
//! gases or free text, each a new version of the data, re-evaluated), the message thread
//! with the centre, withdrawal with a reason, and colleagues following it. Each is
//! authorised by hospital, written with its timeline and audit events in one transaction.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::RequestIdentity;
use super::db::decode_json;
use super::referrals::Referrals;
use super::time::{from_local, local_display, to_local};
use super::timeline::{self, Step};
use crate::domain::checklist::{self, MAX_NOTE};
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::Action;
use crate::domain::triage::{Evaluation, Pathway};
use crate::error::AppError;
use crate::wire::referrals::{ReferralMessage, SnapshotSummary};
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;

pub use crate::domain::workflow::WITHDRAW_REASONS;
use crate::domain::workflow::{self as wf, TransitionInput};

/// id, time, author's name, author's hospital (none for centre staff), text.
type MessageRow = (i64, i64, Option<String>, Option<i64>, String);

pub struct Followups {
    pub snapshots: Vec<SnapshotSummary>,
    pub messages: Vec<ReferralMessage>,
    pub followers: Vec<String>,
    pub following: bool,
    pub can_update: bool,
}

/// A referral as the follow-up actions need it.
struct Target {
    hospital_id: i64,
    pathway: Pathway,
    status: wf::Status,
    version: i64,
    data: Map<String, Value>,
    evaluation: Evaluation,
}

fn event(
    identity: &RequestIdentity,
    action: &'static str,
    id: i64,
    detail: Value,
) -> Event<'static> {
    Event::by(identity, action, "referral", id, detail)
}

/// Marks the referral changed at `now`, so that the live streams of its page and the
/// queue (which follow `updated_at`) tell their readers.
async fn changed_at(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE referrals SET updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

impl Referrals {
    /// The referral if the caller may read it; otherwise it does not exist for them.
    async fn target(&self, identity: &RequestIdentity, id: i64) -> Result<Target, AppError> {
        identity.user.as_ref().ok_or(AppError::SignIn)?;
        let row: Option<(i64, String, String, i64, String, String)> = sqlx::query_as(
            "SELECT hospital_id, pathway, status, version, data, evaluation FROM referrals WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((hospital_id, pathway, status, version, data, evaluation)) = row else {
            return Err(AppError::NotFound);
        };
        if authorize(identity, Action::ViewReferral { hospital_id }).is_err() {
            return Err(AppError::NotFound);
        }
        Ok(Target {
            hospital_id,
            pathway: super::db::decode_pathway(&pathway, id)?,
            status: super::db::decode_status(&status, id)?,
            version,
            data: decode_json(&data, "referral answers", id)?,
            evaluation: decode_json(&evaluation, "referral evaluation", id)?,
        })
    }

    /// Updates and withdrawal are for the referring hospital's doctors, while it is open.
    fn may_update(identity: &RequestIdentity, target: &Target) -> Result<(), AppError> {
        authorize(
            identity,
            Action::CreateReferral {
                hospital_id: target.hospital_id,
            },
        )?;
        if !wf::OPEN.contains(&target.status) {
            return Err(AppError::Conflict);
        }
        Ok(())
    }

    /// Adds an update: a new version of the data, evaluated again. Returns its version.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn add_update(
        &self,
        identity: &RequestIdentity,
        id: i64,
        update: &Value,
    ) -> Result<i64, AppError> {
        let target = self.target(identity, id).await?;
        Self::may_update(identity, &target)?;
        let user_id = identity.user.as_ref().map_or(0, |u| u.id);
        let now = self.clock.now_ms();
        let local_now = to_local(now);
        let (note, data) =
            checklist::check_update(target.pathway, &target.data, update, local_now)?;
        let evaluation = if target.pathway == Pathway::Ecpr {
            target.evaluation.clone()
        } else {
            let checked = checklist::check(&Value::Object(data.clone()), local_now);
            checked.support(target.pathway, &self.rules, now, local_now, &from_local)
        };
        let data_json = serde_json::to_string(&data).map_err(|_| AppError::Internal)?;
        let evaluation_json = serde_json::to_string(&evaluation).map_err(|_| AppError::Internal)?;
        let version = target.version + 1;
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        let changed = sqlx::query(
            "UPDATE referrals SET data = $1, evaluation = $2, version = $3, updated_at = $4 \
             WHERE id = $5 AND version = $6",
        )
        .bind(&data_json)
        .bind(&evaluation_json)
        .bind(version)
        .bind(now)
        .bind(id)
        .bind(target.version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            // Someone else's update landed first: this one was checked against old data.
            return Err(AppError::Conflict);
        }
        sqlx::query(
            "INSERT INTO referral_snapshots (referral_id, version, at, author_user_id, note, data, evaluation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(version)
        .bind(now)
        .bind(user_id)
        .bind(&note)
        .bind(&data_json)
        .bind(&evaluation_json)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE referrals SET urgency = $1 WHERE id = $2")
            .bind(crate::domain::referral::urgency(
                target.pathway,
                evaluation.scai.map(|s| s.stage),
            ))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({ "version": version });
        timeline::record(
            &mut tx,
            Step {
                referral_id: id,
                at: now,
                actor: Some(user_id),
                kind: "updated",
                status: None,
                detail: &detail,
            },
        )
        .await?;
        audit::record(&mut tx, event(identity, "referral_updated", id, detail)).await?;
        let current = super::workflow::Current {
            hospital_id: target.hospital_id,
            pathway: target.pathway,
            status: target.status,
        };
        self.information_provided(&mut tx, identity, id, &current, now)
            .await?;
        tx.commit().await?;
        self.wake_outbox();
        self.changes.referral_written(now);
        Ok(version)
    }

    /// Adds a message to the referral's thread with the centre. Returns its id.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn post_message(
        &self,
        identity: &RequestIdentity,
        id: i64,
        body: &str,
    ) -> Result<i64, AppError> {
        // Anyone who may read the referral may write in its thread.
        self.target(identity, id).await?;
        let user_id = identity.user.as_ref().map_or(0, |u| u.id);
        let body = body.trim();
        if body.is_empty() {
            return Err(FieldErrors::single("body", FieldError::Missing).into());
        }
        if body.chars().count() > MAX_NOTE {
            return Err(FieldErrors::single("body", FieldError::TooLong { max: MAX_NOTE }).into());
        }
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let (message_id,): (i64,) = sqlx::query_as(
            "INSERT INTO referral_messages (referral_id, at, author_user_id, body) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(now)
        .bind(user_id)
        .bind(body)
        .fetch_one(&mut *tx)
        .await?;
        let detail = json!({ "message_id": message_id });
        timeline::record(
            &mut tx,
            Step {
                referral_id: id,
                at: now,
                actor: Some(user_id),
                kind: "message",
                status: None,
                detail: &detail,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            event(identity, "referral_message_posted", id, detail),
        )
        .await?;
        // A new message is a change of the referral: open pages of it are told.
        changed_at(&mut tx, id, now).await?;
        let from_centre = identity.user.as_ref().is_some_and(|u| u.is_centre_staff());
        self.announce_message(&mut tx, id, from_centre, user_id, now)
            .await?;
        tx.commit().await?;
        self.wake_outbox();
        self.changes.referral_written(now);
        Ok(message_id)
    }

    /// Records the pre-transfer checklist as the referring hospital's doctor ticked it:
    /// `items` are the ticked keys of `workflow::PRE_TRANSFER`; an item ticked before keeps
    /// its first time and author, one no longer ticked is removed. Only after acceptance
    /// for transfer or the mobile team, by a doctor of the referring hospital.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn set_transfer_checks(
        &self,
        identity: &RequestIdentity,
        id: i64,
        items: &[String],
    ) -> Result<(), AppError> {
        let target = self.target(identity, id).await?;
        authorize(
            identity,
            Action::CreateReferral {
                hospital_id: target.hospital_id,
            },
        )?;
        if !matches!(
            target.status,
            wf::Status::AcceptedTransfer | wf::Status::AcceptedMobileTeam
        ) {
            return Err(AppError::Conflict);
        }
        if items
            .iter()
            .any(|i| !wf::PRE_TRANSFER.iter().any(|(key, _, _)| key == i))
        {
            return Err(FieldErrors::single(
                "items",
                FieldError::UnknownValue {
                    allowed: wf::PRE_TRANSFER
                        .iter()
                        .map(|(k, _, _)| (*k).to_owned())
                        .collect(),
                },
            )
            .into());
        }
        let user_id = identity.user.as_ref().map_or(0, |u| u.id);
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        let before: Vec<(String,)> =
            sqlx::query_as("SELECT item FROM transfer_checks WHERE referral_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for (key, _, _) in wf::PRE_TRANSFER {
            let was = before.iter().any(|(item,)| item == key);
            let is = items.iter().any(|i| i == key);
            if is && !was {
                sqlx::query(
                    "INSERT INTO transfer_checks (referral_id, item, checked_at, checked_by) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(*key)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            } else if was && !is {
                sqlx::query("DELETE FROM transfer_checks WHERE referral_id = $1 AND item = $2")
                    .bind(id)
                    .bind(*key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        changed_at(&mut tx, id, now).await?;
        audit::record(
            &mut tx,
            event(
                identity,
                "transfer_checklist_saved",
                id,
                json!({ "items": items }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changes.referral_written(now);
        Ok(())
    }

    /// Withdraws a referral with a reason; the centre sees it on the timeline.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn withdraw(
        &self,
        identity: &RequestIdentity,
        id: i64,
        reason_code: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let target = self.target(identity, id).await?;
        Self::may_update(identity, &target)?;
        let mut errors = FieldErrors::default();
        if !WITHDRAW_REASONS.contains(&reason_code) {
            errors.add(
                "reason_code",
                FieldError::UnknownValue {
                    allowed: WITHDRAW_REASONS.iter().map(|s| (*s).to_owned()).collect(),
                },
            );
        }
        let reason = reason.trim();
        if reason.chars().count() > 500 {
            errors.add("reason", FieldError::TooLong { max: 500 });
        }
        if reason_code == "other" && reason.is_empty() {
            errors.add("reason", FieldError::Missing);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let input = TransitionInput {
            to: wf::Status::Withdrawn.as_str().to_owned(),
            reason_code: Some(reason_code.to_owned()),
            advice: reason.to_owned(),
            from: Some(target.status.as_str().to_owned()),
            ..TransitionInput::default()
        };
        self.transition(identity, id, &input).await?;
        Ok(())
    }

    /// Starts or stops following a referral of one's own hospital.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn set_following(
        &self,
        identity: &RequestIdentity,
        id: i64,
        follow: bool,
    ) -> Result<(), AppError> {
        let target = self.target(identity, id).await?;
        authorize(
            identity,
            Action::CreateReferral {
                hospital_id: target.hospital_id,
            },
        )?;
        let user_id = identity.user.as_ref().map_or(0, |u| u.id);
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM referral_followers WHERE referral_id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if follow {
            sqlx::query(
                "INSERT INTO referral_followers (referral_id, user_id, since) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(user_id)
            .bind(self.clock.now_ms())
            .execute(&mut *tx)
            .await?;
        }
        let action = if follow {
            "referral_followed"
        } else {
            "referral_unfollowed"
        };
        audit::record(&mut tx, event(identity, action, id, json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Versions, messages and followers of a referral the caller has been allowed to read.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub(crate) async fn followups(
        &self,
        identity: &RequestIdentity,
        id: i64,
        hospital_id: i64,
        status: wf::Status,
    ) -> Result<Followups, AppError> {
        let me = identity.user.as_ref().map_or(-1, |u| u.id);
        let snapshots: Vec<(i64, i64, Option<String>, String, String)> = sqlx::query_as(
            "SELECT s.version, s.at, u.name, s.note, s.data FROM referral_snapshots s \
             LEFT JOIN users u ON u.id = s.author_user_id WHERE s.referral_id = $1 ORDER BY s.version",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        let messages: Vec<MessageRow> = sqlx::query_as(
            "SELECT m.id, m.at, u.name, u.hospital_id, m.body FROM referral_messages m \
             LEFT JOIN users u ON u.id = m.author_user_id WHERE m.referral_id = $1 ORDER BY m.at, m.id",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        let followers: Vec<(i64, String)> = sqlx::query_as(
            "SELECT u.id, u.name FROM referral_followers f JOIN users u ON u.id = f.user_id \
             WHERE f.referral_id = $1 ORDER BY u.name",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        let can_update = authorize(identity, Action::CreateReferral { hospital_id }).is_ok()
            && wf::OPEN.contains(&status);
        Ok(Followups {
            snapshots: snapshots
                .into_iter()
                .map(|(version, at, author, note, data)| {
                    let data: Value = decode_json(&data, "referral snapshot", id)?;
                    Ok(SnapshotSummary {
                        version,
                        at_local: local_display(at),
                        author: author.unwrap_or_default(),
                        note,
                        gases: data
                            .get(checklist::GAS_STEP)
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len),
                    })
                })
                .collect::<Result<_, AppError>>()?,
            messages: messages
                .into_iter()
                .map(|(id, at, author, author_hospital, body)| ReferralMessage {
                    id,
                    at_local: local_display(at),
                    author: author.unwrap_or_default(),
                    from_centre: author_hospital.is_none(),
                    body,
                })
                .collect(),
            following: followers.iter().any(|(id, _)| *id == me),
            followers: followers.into_iter().map(|(_, name)| name).collect(),
            can_update,
        })
    }
}
