//! The centre's work on a referral: the state machine's steps (checked by
//! `domain::workflow`, applied with a compare-and-set on the state so that two clinicians
//! never overwrite each other) and assignment; the queue and capacity (`queue`), a
//! referral's page and its audit trail's export (`case_view`) and the quality figures
//! (`kpi`) in child modules. Every step writes its timeline event, its audit event and
//! its notifications in one transaction.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::RequestIdentity;
use super::db::{decode_json, decode_pathway, decode_status};
use super::notify::{Kind, Recipient};
use super::oncall::person;
use super::referrals::Referrals;
use super::time::{from_local, local_display, to_local};
use super::timeline::{self, Step};
use crate::domain::checklist::{format_local, parse_local};
use crate::domain::fields::{FieldError, FieldErrors};
use crate::domain::policy::Action;
use crate::domain::triage::{Evaluation, Pathway, Severity};
use crate::domain::triage_line::{triage_line, Figure, TriageLine};
use crate::domain::workflow::{self as wf, Refusal, Status, TransitionInput};
use crate::error::AppError;
use crate::wire::workspace::{
    AuditRow, Capacity, DecisionView, InfoRequestView, Interval, Kpis, QueueFilter, QueueRow,
    QueueView, WorkflowView,
};
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;
use std::sync::Arc;

mod case_view;
mod kpi;
mod queue;
use case_view::*;
pub use kpi::*;
use queue::*;

/// The queue shows at most this many rows; the filters narrow it.
const QUEUE_LIMIT: usize = 200;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The timeline detail's mark of a state passed through on the way to a decision.
const IMPLIED: &str = "implied";

/// What a step needs to know about the referral it moves.
pub(crate) struct Current {
    pub hospital_id: i64,
    pub pathway: Pathway,
    pub status: Status,
}

fn refusal(status: Status, refusal: Refusal) -> AppError {
    match refusal {
        Refusal::NotAllowed { allowed } => AppError::Transition {
            status,
            allowed,
            changed: false,
        },
        Refusal::Changed => AppError::Transition {
            status,
            allowed: Vec::new(),
            changed: true,
        },
        Refusal::Invalid(errors) => errors.into(),
    }
}

/// The timeline's kind for a step: the two older kinds keep their names.
fn event_kind(to: Status) -> &'static str {
    match to {
        Status::Acknowledged => "acknowledged",
        Status::Withdrawn => "withdrawn",
        _ => "transition",
    }
}

impl Referrals {
    async fn current(&self, id: i64) -> Result<Option<Current>, AppError> {
        let row: Option<(i64, String, String)> =
            sqlx::query_as("SELECT hospital_id, pathway, status FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
        row.map(|(hospital_id, pathway, status)| {
            Ok(Current {
                hospital_id,
                pathway: decode_pathway(&pathway, id)?,
                status: decode_status(&status, id)?,
            })
        })
        .transpose()
    }

    /// Moves a referral to `input.to`. The centre's clinicians may take every step; the
    /// referring hospital may withdraw. An invalid step is refused with the allowed ones;
    /// a referral that moved since the actor looked is a conflict, never overwritten.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn transition(
        &self,
        identity: &RequestIdentity,
        id: i64,
        input: &TransitionInput,
    ) -> Result<Status, AppError> {
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let current = self.current(id).await?.ok_or(AppError::NotFound)?;
        let hospital_id = current.hospital_id;
        if authorize(identity, Action::ViewReferral { hospital_id }).is_err() {
            return Err(AppError::NotFound);
        }
        let to = Status::parse(input.to.trim());
        let allowed = authorize(identity, Action::WorkReferrals).is_ok()
            || (to == Some(Status::Withdrawn)
                && authorize(identity, Action::CreateReferral { hospital_id }).is_ok());
        if !allowed {
            return Err(AppError::Forbidden);
        }
        let now = self.clock.now_ms();
        let detail = wf::check(current.pathway, current.status, input, to_local(now))
            .map_err(|r| refusal(current.status, r))?;
        // Checked: the target is a known state.
        let to = to.ok_or(AppError::Internal)?;
        let route = wf::route(current.pathway, current.status, to).ok_or(AppError::Internal)?;
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        // A decision through the states that carry nothing writes each of them, at the same
        // time, so that the timeline and the figures stay complete.
        let mut at = current;
        for step in route {
            let mut carried = if step == to {
                detail.clone()
            } else {
                Map::new()
            };
            carried.insert("from".into(), json!(at.status));
            if step != to {
                carried.insert(IMPLIED.into(), json!(true));
            }
            self.apply(&mut tx, identity, id, &at, step, carried, now)
                .await?;
            at.status = step;
        }
        tx.commit().await?;
        self.wake_outbox();
        self.changes.referral_written(now);
        tracing::info!(referral_id = id, to = %to, actor = user.id, "referral moved");
        Ok(to)
    }

    /// Applies a checked step on the caller's transaction: the state (only if it is still
    /// `current.status`), the measured instants, the escalation timer, the timeline, the
    /// audit trail and the referrer's notices.
    #[allow(clippy::too_many_arguments)]
    #[tracing::instrument(skip_all, fields(id = id))]
    pub(crate) async fn apply(
        &self,
        conn: &mut AnyConnection,
        identity: &RequestIdentity,
        id: i64,
        current: &Current,
        to: Status,
        detail: Map<String, Value>,
        now: i64,
    ) -> Result<(), AppError> {
        let actor = identity.user.as_ref().map(|u| u.id);
        let by_centre = identity.user.as_ref().is_some_and(|u| u.is_centre_staff());
        let decision = wf::DECISIONS.contains(&to).then_some(to.as_str());
        let review_due = detail
            .get("review_at")
            .and_then(Value::as_str)
            .and_then(parse_local)
            .map(from_local);
        let moved = sqlx::query(
            "UPDATE referrals SET status = $1, updated_at = $2, \
             acknowledged_at = CASE WHEN $3 = 1 THEN COALESCE(acknowledged_at, $2) ELSE acknowledged_at END, \
             decided_at = CASE WHEN $4 IS NULL THEN decided_at ELSE COALESCE(decided_at, $2) END, \
             decision = COALESCE($4, decision), \
             departed_at = CASE WHEN $5 = 1 THEN COALESCE(departed_at, $2) ELSE departed_at END, \
             review_due_at = $8 \
             WHERE id = $6 AND status = $7",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(i64::from(by_centre))
        .bind(decision)
        .bind(i64::from(to == Status::TeamDispatched))
        .bind(id)
        .bind(current.status.as_str())
        .bind(review_due)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if moved != 1 {
            // Another step landed between our read and this write.
            let (status,): (String,) = sqlx::query_as("SELECT status FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            return Err(refusal(decode_status(&status, id)?, Refusal::Changed));
        }
        // Whatever the centre does first answers the alert; a withdrawal stops the timer.
        if by_centre {
            sqlx::query(
                "UPDATE referral_escalations SET acknowledged_at = COALESCE(acknowledged_at, $1), \
                 acknowledged_by = COALESCE(acknowledged_by, $2), next_at = NULL WHERE referral_id = $3",
            )
            .bind(now)
            .bind(actor)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        } else if to == Status::Withdrawn {
            sqlx::query("UPDATE referral_escalations SET next_at = NULL WHERE referral_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        // A state passed through on the way to a decision tells nobody: the decision does.
        let implied = detail.contains_key(IMPLIED);
        let detail = Value::Object(detail);
        timeline::record(
            &mut *conn,
            Step {
                referral_id: id,
                at: now,
                actor,
                kind: event_kind(to),
                status: Some(to),
                detail: &detail,
            },
        )
        .await?;
        let audited = json!({
            "from": current.status,
            "to": to,
            "reason_code": detail.get("reason_code"),
        });
        let action = match to {
            Status::Acknowledged => "referral_acknowledged",
            Status::Withdrawn => "referral_withdrawn",
            _ => "referral_transition",
        };
        audit::record(conn, Event::by(identity, action, "referral", id, audited)).await?;
        let kind = match to {
            Status::Acknowledged => Some(Kind::Acknowledged),
            Status::InfoRequested => Some(Kind::InfoRequested),
            _ => wf::DECISIONS
                .contains(&to)
                .then_some(Kind::Decision { state: to }),
        };
        if let Some(kind) = kind.filter(|_| !implied) {
            self.tell_referrer(conn, id, kind, now).await?;
        }
        Ok(())
    }

    /// Tells the referrer and the colleagues following the referral.
    async fn tell_referrer(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        kind: Kind,
        now: i64,
    ) -> Result<(), AppError> {
        let Some(notice) = self.notice(conn, id).await? else {
            return Ok(());
        };
        let about = notice.about(&self.config.public_url, 0);
        let mut told = Vec::new();
        if let Some(referrer) = person(conn, notice.referrer_id).await? {
            told.push(referrer.recipient());
        }
        told.extend(self.followers(conn, id, None).await?);
        self.send_to(conn, kind, &about, &told, false, now).await?;
        Ok(())
    }

    /// The clinician who last moved the referral into `state`, else the team.
    async fn who_moved_it(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        state: Status,
    ) -> Result<Vec<Recipient>, sqlx::Error> {
        let actor: Option<(Option<i64>,)> = sqlx::query_as(
            "SELECT actor_user_id FROM referral_events WHERE referral_id = $1 AND status = $2 \
             ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(id)
        .bind(state.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(clinician) = actor.and_then(|a| a.0) {
            if let Some(p) = person(conn, clinician).await? {
                return Ok(vec![p.recipient()]);
            }
        }
        self.team(conn).await
    }

    async fn tell_centre(
        &self,
        conn: &mut AnyConnection,
        id: i64,
        kind: Kind,
        to: &[Recipient],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        if let Some(notice) = self.notice(conn, id).await? {
            let about = notice.about(&self.config.public_url, 0);
            self.send_to(conn, kind, &about, to, false, now).await?;
        }
        Ok(())
    }

    /// After the referring hospital adds an update: a request for information is answered
    /// (back under consultation, the clinician who asked is told); a deferral's clinician
    /// hears of it, to check it against the re-referral triggers.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub(crate) async fn information_provided(
        &self,
        conn: &mut AnyConnection,
        identity: &RequestIdentity,
        id: i64,
        current: &Current,
        now: i64,
    ) -> Result<(), AppError> {
        match current.status {
            Status::InfoRequested => {
                let mut detail = Map::new();
                detail.insert("from".into(), json!(Status::InfoRequested));
                detail.insert("by_update".into(), json!(true));
                self.apply(
                    conn,
                    identity,
                    id,
                    current,
                    Status::UnderConsultation,
                    detail,
                    now,
                )
                .await?;
                let to = self.who_moved_it(conn, id, Status::InfoRequested).await?;
                self.tell_centre(conn, id, Kind::InfoProvided, &to, now)
                    .await?;
            }
            Status::DeferredReassess => {
                let to = self
                    .who_moved_it(conn, id, Status::DeferredReassess)
                    .await?;
                self.tell_centre(conn, id, Kind::DeferredUpdated, &to, now)
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Reminds the centre of deferred referrals whose review time has come. Each reminder
    /// is claimed by clearing its time with a conditional update, so it is sent once
    /// whatever the number of instances. Returns how many this call sent.
    #[tracing::instrument(skip_all)]
    pub async fn remind_due_reviews(&self) -> Result<usize, AppError> {
        let now = self.clock.now_ms();
        let due: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, review_due_at FROM referrals WHERE review_due_at IS NOT NULL AND review_due_at <= $1 \
             ORDER BY review_due_at LIMIT 50",
        )
        .bind(now)
        .fetch_all(&self.db.pool)
        .await?;
        let mut sent = 0;
        for (id, due_at) in due {
            let _turn = self.db.write_turn().await;
            let mut tx = self.db.begin().await?;
            let claimed = sqlx::query(
                "UPDATE referrals SET review_due_at = NULL, updated_at = $1 \
                 WHERE id = $2 AND review_due_at = $3 AND status = $4",
            )
            .bind(now)
            .bind(id)
            .bind(due_at)
            .bind(Status::DeferredReassess.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if claimed != 1 {
                continue;
            }
            let to = self
                .who_moved_it(&mut tx, id, Status::DeferredReassess)
                .await?;
            self.tell_centre(&mut tx, id, Kind::ReviewDue, &to, now)
                .await?;
            timeline::record(
                &mut tx,
                Step {
                    referral_id: id,
                    at: now,
                    actor: None,
                    kind: "review_due",
                    status: None,
                    detail: &json!({}),
                },
            )
            .await?;
            audit::record(
                &mut tx,
                Event::system("referral_review_due", "referral", id, json!({})),
            )
            .await?;
            tx.commit().await?;
            sent += 1;
        }
        if sent > 0 {
            self.wake_outbox();
            self.changes.referral_written(now);
        }
        Ok(sent)
    }

    /// Takes a referral on: the reader becomes its assignee.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn assign_to_me(&self, identity: &RequestIdentity, id: i64) -> Result<(), AppError> {
        authorize(identity, Action::WorkReferrals)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        self.current(id).await?.ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        let (before,): (Option<i64>,) =
            sqlx::query_as("SELECT assigned_to FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE referrals SET assigned_to = $1, updated_at = $2 WHERE id = $3")
            .bind(user.id)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({ "previous": before });
        timeline::record(
            &mut tx,
            Step {
                referral_id: id,
                at: now,
                actor: Some(user.id),
                kind: "assigned",
                status: None,
                detail: &detail,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            Event::by(identity, "referral_assigned", "referral", id, detail),
        )
        .await?;
        tx.commit().await?;
        self.changes.referral_written(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_use_the_median_and_the_nearest_rank() {
        assert_eq!(interval(vec![]), Interval::default());
        let one = interval(vec![4.0]);
        assert_eq!((one.median_min, one.p90_min), (Some(4.0), Some(4.0)));
        let ten = interval((1..=10).map(f64::from).rev().collect());
        assert_eq!(ten.n, 10);
        assert_eq!(ten.median_min, Some(5.5));
        assert_eq!(ten.p90_min, Some(9.0));
        let eleven = interval((1..=11).map(f64::from).collect());
        assert_eq!(eleven.median_min, Some(6.0));
        assert_eq!(eleven.p90_min, Some(10.0));
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\r\n"
        );
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(
            csv_line(&["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "@SUM(A1)", "-2+3", "\tx", "-12.5", "3", "Dr. Novak"]),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1+2,'@SUM(A1),'-2+3,'\tx,-12.5,3,Dr. Novak\r\n"
        );
        assert_eq!(csv_line(&["\r=1"]), "\"'\r=1\"\r\n");
    }
}
