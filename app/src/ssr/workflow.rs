//! The centre's work on a referral: the state machine's steps (checked by
//! `domain::workflow`, applied with a compare-and-set on the state so that two clinicians
//! never overwrite each other), assignment, capacity, the queue, the quality figures and
//! the audit trail's export. Every step writes its timeline event, its audit event and
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
use crate::workspace::{
    AuditRow, Capacity, DecisionView, InfoRequestView, Interval, Kpis, QueueFilter, QueueRow,
    QueueView, WorkflowView,
};
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;
use std::sync::Arc;

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
                Event {
                    actor: None,
                    action: "referral_review_due",
                    subject_type: "referral",
                    subject_id: Some(id.to_string()),
                    client_addr: None,
                    detail: json!({}),
                },
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

    // ------------------------------------------------------------ capacity

    async fn capacity_now(&self) -> Result<Capacity, sqlx::Error> {
        // Booleans as integers: the SQLite driver behind `Any` has no boolean type.
        let row: Option<(i64, i64, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT CASE WHEN c.beds_available THEN 1 ELSE 0 END, CASE WHEN c.team_available THEN 1 ELSE 0 END, \
             c.note, c.at, u.name FROM centre_capacity c \
             LEFT JOIN users u ON u.id = c.set_by ORDER BY c.id DESC LIMIT 1",
        )
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(match row {
            None => Capacity::available(),
            Some((beds, team, note, at, by)) => Capacity {
                beds_available: beds != 0,
                team_available: team != 0,
                note,
                set_local: Some(local_display(at)),
                set_by: by,
            },
        })
    }

    /// The centre's capacity: in full for centre staff; referrers learn only whether the
    /// centre is at capacity (the note and who set it stay inside).
    pub async fn capacity(&self, identity: &RequestIdentity) -> Result<Capacity, AppError> {
        identity.user.as_ref().ok_or(AppError::SignIn)?;
        let capacity = self.capacity_now().await?;
        if authorize(identity, Action::ViewCentreOperations).is_ok() {
            return Ok(capacity);
        }
        Ok(Capacity {
            note: String::new(),
            set_by: None,
            set_local: None,
            ..capacity
        })
    }

    pub async fn set_capacity(
        &self,
        identity: &RequestIdentity,
        beds_available: bool,
        team_available: bool,
        note: &str,
    ) -> Result<(), AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let note = note.trim();
        if note.chars().count() > 500 {
            return Err(FieldErrors::single("note", FieldError::TooLong { max: 500 }).into());
        }
        let now = self.clock.now_ms();
        let mut tx = self.db.begin().await?;
        sqlx::query(
            "INSERT INTO centre_capacity (at, beds_available, team_available, note, set_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now)
        .bind(beds_available)
        .bind(team_available)
        .bind(note)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            Event::by(
                identity,
                "capacity_set",
                "centre",
                "capacity",
                json!({ "beds_available": beds_available, "team_available": team_available }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changes.touch();
        Ok(())
    }

    // ------------------------------------------------------------ the queue

    /// The open referrals in order of urgency: ECPR, then VA with SCAI D or E, then the
    /// rest; within each, the longest waiting first.
    pub async fn queue(
        &self,
        identity: &RequestIdentity,
        filter: &QueueFilter,
    ) -> Result<QueueView, AppError> {
        authorize(identity, Action::WorkReferrals)?;
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut errors = FieldErrors::default();
        let mut sql = String::from(
            "SELECT r.id, r.reference, h.name AS hospital, r.pathway, r.status, r.evaluation, r.data, \
             r.submitted_at, r.acknowledged_at, r.decided_at, r.acknowledge_target_min, \
             r.decision_target_min, r.assigned_to, u.name AS assignee \
             FROM referrals r JOIN hospitals h ON h.id = r.hospital_id \
             LEFT JOIN users u ON u.id = r.assigned_to WHERE ",
        );
        let mut binds: Vec<Value> = Vec::new();
        match filter.status.trim() {
            "" | "open" => {
                let states: Vec<String> = wf::IN_QUEUE.iter().map(|s| format!("'{s}'")).collect();
                sql.push_str(&format!("r.status IN ({})", states.join(", ")));
            }
            "all" => sql.push_str("1 = 1"),
            state => match Status::parse(state) {
                Some(state) => {
                    binds.push(json!(state));
                    sql.push_str(&format!("r.status = ${}", binds.len()));
                }
                None => errors.add(
                    "status",
                    FieldError::UnknownValue {
                        allowed: ["open", "all"]
                            .into_iter()
                            .chain(wf::STATES.iter().map(|s| s.as_str()))
                            .map(str::to_owned)
                            .collect(),
                    },
                ),
            },
        }
        match filter.pathway.trim() {
            "" => {}
            p @ ("vv" | "va" | "ecpr") => {
                binds.push(json!(p));
                sql.push_str(&format!(" AND r.pathway = ${}", binds.len()));
            }
            _ => errors.add(
                "pathway",
                FieldError::UnknownValue {
                    allowed: vec!["vv".into(), "va".into(), "ecpr".into()],
                },
            ),
        }
        match filter.hospital.trim() {
            "" => {}
            text => match text.parse::<i64>() {
                Ok(h) => {
                    binds.push(json!(h));
                    sql.push_str(&format!(" AND r.hospital_id = ${}", binds.len()));
                }
                Err(_) => errors.add("hospital", FieldError::UnknownHospital),
            },
        }
        if filter.mine {
            binds.push(json!(user.id));
            sql.push_str(&format!(" AND r.assigned_to = ${}", binds.len()));
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let version = self.data_version().await?;
        let key: QueueKey = (
            filter.status.trim().to_owned(),
            filter.pathway.trim().to_owned(),
            filter.hospital.trim().to_owned(),
            filter.mine.then_some(user.id),
        );
        let read = match self.read_caches.queue.get(&key, version) {
            Some(read) => read,
            None => {
                let read = Arc::new(self.read_queue(sql, binds).await?);
                self.read_caches.queue.put(key, version, read.clone());
                read
            }
        };
        self.views.record(
            identity,
            "queue_viewed",
            "queue",
            None,
            json!({ "rows": read.rows.len() }),
        );
        let now = self.clock.now_ms();
        Ok(QueueView {
            rows: read
                .rows
                .iter()
                .map(|entry| queue_row(entry, user.id, now))
                .filter(|row| !filter.urgent || row.needs_decision_now())
                .collect(),
            hospitals: read.hospitals.clone(),
            capacity: read.capacity.clone(),
            truncated: read.truncated,
        })
    }

    /// The queue's rows for a filter's query, with the hospitals and the capacity.
    async fn read_queue(&self, mut sql: String, binds: Vec<Value>) -> Result<QueueRead, AppError> {
        sql.push_str(&format!(
            " ORDER BY r.urgency, r.submitted_at LIMIT {}",
            QUEUE_LIMIT + 1
        ));
        let mut query = sqlx::query_as::<_, QueueDbRow>(&sql);
        for bind in &binds {
            query = match bind {
                Value::Number(n) => query.bind(n.as_i64().unwrap_or_default()),
                other => query.bind(other.as_str().unwrap_or_default().to_owned()),
            };
        }
        let mut rows = query.fetch_all(&self.db.pool).await?;
        let truncated = rows.len() > QUEUE_LIMIT;
        rows.truncate(QUEUE_LIMIT);
        let rows = rows
            .into_iter()
            .map(|row| {
                let pathway = decode_pathway(&row.pathway, row.id)?;
                let data: Map<String, Value> = decode_json(&row.data, "referral data", row.id)?;
                Ok(QueueEntry {
                    status: decode_status(&row.status, row.id)?,
                    evaluation: decode_json(&row.evaluation, "referral evaluation", row.id)?,
                    triage: triage_line(pathway, &data, row.submitted_at),
                    pathway,
                    row,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let hospitals: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, name FROM hospitals WHERE active ORDER BY name")
                .fetch_all(&self.db.pool)
                .await?;
        let capacity = self.capacity_now().await?;
        Ok(QueueRead {
            rows,
            truncated,
            hospitals,
            capacity,
        })
    }

    // ------------------------------------------------------------ the referral page

    /// The state machine's side of a referral's page for this reader, from the referral's
    /// assignee (id, name) and its state changes (time, state, detail; newest first).
    pub(crate) async fn workflow_view(
        &self,
        identity: &RequestIdentity,
        id: i64,
        pathway: Pathway,
        status: Status,
        (assigned, assignee): (Option<i64>, Option<String>),
        steps: Vec<(i64, Status, String)>,
    ) -> Result<WorkflowView, AppError> {
        let me = identity.user.as_ref().map_or(-1, |u| u.id);
        let centre = authorize(identity, Action::WorkReferrals).is_ok();
        let staff = authorize(identity, Action::ViewCentreOperations).is_ok();
        let parse = |detail: &str| -> Result<Map<String, Value>, AppError> {
            decode_json(detail, "referral event detail", id)
        };
        let decision = steps
            .iter()
            .find(|(_, s, _)| wf::DECISIONS.contains(s))
            .map(|(at, state, detail)| {
                Ok::<_, AppError>(decision_view(*at, *state, &parse(detail)?))
            })
            .transpose()?;
        let info_request = (status == Status::InfoRequested)
            .then(|| steps.iter().find(|(_, s, _)| *s == Status::InfoRequested))
            .flatten()
            .map(|(at, _, detail)| {
                let d = parse(detail)?;
                Ok::<_, AppError>(InfoRequestView {
                    at_local: local_display(*at),
                    fields: strings(d.get("fields")),
                    advice: text(d.get("advice")),
                })
            })
            .transpose()?;
        let may_withdraw = authorize(
            identity,
            Action::CreateReferral {
                hospital_id: identity
                    .user
                    .as_ref()
                    .and_then(|u| u.hospital_id)
                    .unwrap_or(-1),
            },
        )
        .is_ok()
            && wf::is_open(pathway, status);
        let next: Vec<Status> = if centre {
            wf::reachable(pathway, status)
        } else if may_withdraw {
            vec![Status::Withdrawn]
        } else {
            Vec::new()
        };
        let (audit, audit_total) = if staff {
            self.audit_trail_tail(id).await?
        } else {
            (Vec::new(), 0)
        };
        let show_pre_transfer = decision.as_ref().is_some_and(|d| {
            matches!(
                d.state,
                Status::AcceptedTransfer | Status::AcceptedMobileTeam
            )
        }) && status != Status::Withdrawn;
        let transfer_checks = if show_pre_transfer {
            transfer_checks(&self.db, id).await?
        } else {
            Vec::new()
        };
        Ok(WorkflowView {
            next,
            assignee,
            assigned_to_me: assigned == Some(me),
            centre,
            decision,
            info_request,
            audit,
            audit_total,
            show_pre_transfer,
            transfer_checks,
            may_check_transfer: show_pre_transfer && may_withdraw,
        })
    }

    /// The newest entries of a referral's audit trail (at most `AUDIT_SHOWN`, oldest first,
    /// views still waiting for their batch included) and how many entries it has in all.
    async fn audit_trail_tail(&self, id: i64) -> Result<(Vec<AuditRow>, u64), AppError> {
        let subject = id.to_string();
        let _held = self.views.hold_batches().await;
        let waiting = self.views.waiting_about("referral", &subject);
        let (stored,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_events WHERE subject_type = 'referral' AND subject_id = $1",
        )
        .bind(&subject)
        .fetch_one(&self.db.pool)
        .await?;
        let mut rows: Vec<(i64, Option<String>, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT a.at, COALESCE(a.actor_name, u.name), a.action, a.client_addr FROM audit_events a \
             LEFT JOIN users u ON u.id = a.actor_user_id \
             WHERE a.subject_type = 'referral' AND a.subject_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT {AUDIT_SHOWN}"
        ))
        .bind(&subject)
        .fetch_all(&self.db.pool)
        .await?;
        rows.reverse();
        let total = u64::try_from(stored).unwrap_or_default() + waiting.len() as u64;
        // Views waiting for their batch are newer than the stored entries of the same instant.
        rows.extend(waiting.into_iter().map(|v| {
            (
                v.at,
                v.actor_name,
                v.action.to_owned(),
                v.client_addr.map(|a| a.to_string()),
            )
        }));
        rows.sort_by_key(|row| row.0);
        let skip = rows.len().saturating_sub(AUDIT_SHOWN);
        let shown = rows
            .into_iter()
            .skip(skip)
            .map(|(at, actor, action, addr)| AuditRow {
                at_local: local_display(at),
                actor: actor.unwrap_or_else(|| "—".into()),
                action,
                client_addr: addr.unwrap_or_default(),
            })
            .collect();
        Ok((shown, total))
    }

    /// A referral's audit trail as CSV, for a medico-legal or quality review. The export
    /// itself is audited, and views waiting for their batch are written first.
    pub async fn audit_csv(
        &self,
        identity: &RequestIdentity,
        id: i64,
    ) -> Result<(String, String), AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let (reference,): (String,) =
            sqlx::query_as("SELECT reference FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?
                .ok_or(AppError::NotFound)?;
        self.views.flush(&self.db).await?;
        let mut conn = self.db.pool.acquire().await?;
        audit::record(
            &mut conn,
            Event::by(
                identity,
                "referral_audit_exported",
                "referral",
                id,
                json!({}),
            ),
        )
        .await?;
        let rows: Vec<AuditDbRow> =
            sqlx::query_as(
                "SELECT a.id, a.at, COALESCE(a.actor_name, u.name), u.email, a.action, a.client_addr, a.detail FROM audit_events a \
                 LEFT JOIN users u ON u.id = a.actor_user_id \
                 WHERE a.subject_type = 'referral' AND a.subject_id = $1 ORDER BY a.at, a.id",
            )
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut out = csv_line(&[
            "event",
            "at_utc_ms",
            "at_local",
            "actor",
            "actor_email",
            "action",
            "client_address",
            "detail",
        ]);
        for (event, at, name, email, action, addr, detail) in rows {
            out.push_str(&csv_line(&[
                &event.to_string(),
                &at.to_string(),
                &local_display(at),
                name.as_deref().unwrap_or("system"),
                email.as_deref().unwrap_or(""),
                &action,
                addr.as_deref().unwrap_or(""),
                &detail,
            ]));
        }
        Ok((format!("{reference}-audit.csv"), out))
    }

    // ------------------------------------------------------------ quality figures

    async fn kpi_rows(
        &self,
        identity: &RequestIdentity,
        from: &str,
        to: &str,
    ) -> Result<(String, String, Vec<KpiRow>), AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let (from, to) = self.kpi_range(from, to)?;
        let start = parse_local(&format!("{from}T00:00")).unwrap_or_default();
        let end = parse_local(&format!("{to}T00:00")).unwrap_or_default();
        let rows: Vec<KpiRow> = sqlx::query_as(
            "SELECT r.reference, r.submitted_at, h.name, r.pathway, r.acknowledged_at, r.decided_at, r.decision, \
             r.departed_at, COALESCE(e.level, 0) FROM referrals r JOIN hospitals h ON h.id = r.hospital_id \
             LEFT JOIN referral_escalations e ON e.referral_id = r.id \
             WHERE r.submitted_at >= $1 AND r.submitted_at < $2 ORDER BY r.submitted_at",
        )
        .bind(from_local(start))
        .bind(from_local(end + DAY_MS))
        .fetch_all(&self.db.pool)
        .await?;
        Ok((from, to, rows))
    }

    /// The days a range of quality figures covers (`YYYY-MM-DD`, both included): the last 12
    /// months unless given, checked field by field.
    fn kpi_range(&self, from: &str, to: &str) -> Result<(String, String), AppError> {
        let now_local = to_local(self.clock.now_ms());
        let today = format_local(now_local)[..10].to_owned();
        let year_ago = format_local(now_local - 365 * DAY_MS)[..10].to_owned();
        let mut errors = FieldErrors::default();
        let mut day = |field: &str, text: &str, default: &str| -> Option<(String, i64)> {
            let text = if text.trim().is_empty() {
                default
            } else {
                text.trim()
            };
            match parse_local(&format!("{text}T00:00")) {
                Some(ms) => Some((text.to_owned(), ms)),
                None => {
                    errors.add(field, FieldError::NotADateTime);
                    None
                }
            }
        };
        let start = day("from", from, &year_ago);
        let end = day("to", to, &today);
        let (Some((from, start)), Some((to, end))) = (start, end) else {
            return Err(errors.into());
        };
        if end < start {
            return Err(FieldErrors::single("to", FieldError::EndBeforeStart).into());
        }
        Ok((from, to))
    }

    /// Referrals per month, hospital and pathway; decision rates; the intervals the spec
    /// asks to log (to acknowledgement, to decision, to the team's departure); escalations.
    pub async fn kpis(
        &self,
        identity: &RequestIdentity,
        from: &str,
        to: &str,
    ) -> Result<Kpis, AppError> {
        authorize(identity, Action::ViewCentreOperations)?;
        let version = self.data_version().await?;
        let range = self.kpi_range(from, to)?;
        if let Some(kpis) = self.read_caches.kpis.get(&range, version) {
            return Ok(kpis);
        }
        let (from, to, rows) = self.kpi_rows(identity, from, to).await?;
        let kpis = kpis(from, to, &rows)?;
        self.read_caches.kpis.put(range, version, kpis.clone());
        Ok(kpis)
    }

    /// The version of the data the centre's reads are drawn from: any referral written, any
    /// timeline event (an escalation changes no referral row), any hospital saved (renamed)
    /// and any capacity set.
    async fn data_version(&self) -> Result<DataVersion, sqlx::Error> {
        sqlx::query_as(
            "SELECT (SELECT MAX(updated_at) FROM referrals), (SELECT MAX(id) FROM referral_events), \
             (SELECT MAX(id) FROM audit_events WHERE subject_type = 'hospital'), \
             (SELECT MAX(id) FROM centre_capacity)",
        )
        .fetch_one(&self.db.pool)
        .await
    }

    /// One line per referral in the range with its intervals — no patient data.
    pub async fn kpi_csv(
        &self,
        identity: &RequestIdentity,
        from: &str,
        to: &str,
    ) -> Result<(String, String), AppError> {
        let (from, to, rows) = self.kpi_rows(identity, from, to).await?;
        let mut out = csv_line(&[
            "reference",
            "month",
            "hospital",
            "pathway",
            "decision",
            "escalation_level",
            "min_to_acknowledge",
            "min_to_decision",
            "min_to_team_departure",
        ]);
        let minutes = |from: i64, to: Option<i64>| {
            to.map(|t| format!("{:.1}", (t - from) as f64 / MINUTE_MS as f64))
                .unwrap_or_default()
        };
        for (reference, submitted, hospital, pathway, ack, decided, decision, departed, level) in
            rows
        {
            out.push_str(&csv_line(&[
                &reference,
                &format_local(to_local(submitted))[..7],
                &hospital,
                &pathway,
                decision.as_deref().unwrap_or(""),
                &level.to_string(),
                &minutes(submitted, ack),
                &minutes(submitted, decided),
                &minutes(submitted, departed),
            ]));
        }
        Ok((format!("ecmo-referrals-{from}-{to}.csv"), out))
    }
}

/// The newest referral change, timeline event, hospital change and capacity setting a read
/// was drawn from: the same four mean the same data. Read on every view with four index
/// lookups, so that a change made on any instance is seen at once.
pub type DataVersion = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// Pages drawn from many rows (the queue, the quality figures) keep what they read, per
/// key, with the data version it was read at, and read again only when the version moved.
/// A few keys are kept; the oldest goes first.
#[derive(Debug)]
pub struct ReadCache<K, V> {
    kept: Arc<std::sync::Mutex<Vec<(K, DataVersion, V)>>>,
    capacity: usize,
}

impl<K, V> Clone for ReadCache<K, V> {
    fn clone(&self) -> Self {
        Self {
            kept: self.kept.clone(),
            capacity: self.capacity,
        }
    }
}

impl<K: PartialEq, V: Clone> ReadCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            kept: Default::default(),
            capacity,
        }
    }

    fn get(&self, key: &K, version: DataVersion) -> Option<V> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.iter()
            .find(|(k, v, _)| k == key && *v == version)
            .map(|(_, _, value)| value.clone())
    }

    fn put(&self, key: K, version: DataVersion, value: V) {
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.retain(|(k, _, _)| *k != key);
        if kept.len() >= self.capacity {
            kept.remove(0);
        }
        kept.push((key, version, value));
    }
}

/// What the centre's reads keep: quality figures per range, queue rows per filter.
#[derive(Clone, Debug)]
pub struct ReadCaches {
    kpis: ReadCache<(String, String), Kpis>,
    queue: ReadCache<QueueKey, Arc<QueueRead>>,
}

impl Default for ReadCaches {
    fn default() -> Self {
        Self {
            kpis: ReadCache::new(8),
            queue: ReadCache::new(32),
        }
    }
}

/// A queue filter as read: state, pathway, hospital and, for "mine", the reader.
type QueueKey = (String, String, String, Option<i64>);

/// The queue's rows as read from the database, each with its decoded evaluation (the
/// waiting times are worked out per view).
#[derive(Debug)]
struct QueueRead {
    rows: Vec<QueueEntry>,
    truncated: bool,
    hospitals: Vec<(i64, String)>,
    capacity: Capacity,
}

/// How many entries of a referral's audit trail its page lists (the newest); the export
/// has them all.
const AUDIT_SHOWN: usize = 50;

/// id, time, actor's name and email, action, client address, detail
type AuditDbRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
);

/// reference, submitted, hospital, pathway, acknowledged, decided, decision, departed,
/// escalation level
type KpiRow = (
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
);

fn kpis(from: String, to: String, rows: &[KpiRow]) -> Result<Kpis, AppError> {
    use std::collections::BTreeMap;
    let mut months: BTreeMap<String, usize> = BTreeMap::new();
    let mut hospitals: BTreeMap<String, usize> = BTreeMap::new();
    let mut pathways: BTreeMap<Pathway, usize> = BTreeMap::new();
    let (mut ack, mut decision, mut departure) = (Vec::new(), Vec::new(), Vec::new());
    let mut k = Kpis {
        from,
        to,
        total: rows.len(),
        ..Kpis::default()
    };
    for (reference, submitted, hospital, pathway, acked, decided, state, departed, level) in rows {
        *months
            .entry(format_local(to_local(*submitted))[..7].to_owned())
            .or_default() += 1;
        *hospitals.entry(hospital.clone()).or_default() += 1;
        let pathway = Pathway::from_code(pathway).ok_or_else(|| {
            tracing::error!(%reference, pathway, "stored pathway is unknown");
            AppError::Internal
        })?;
        *pathways.entry(pathway).or_default() += 1;
        let minutes = |t: &Option<i64>| t.map(|t| (t - submitted) as f64 / MINUTE_MS as f64);
        ack.extend(minutes(acked));
        decision.extend(minutes(decided));
        departure.extend(minutes(departed));
        if let Some(state) = state.as_deref() {
            let state = Status::parse(state).ok_or_else(|| {
                tracing::error!(%reference, state, "stored decision is unknown");
                AppError::Internal
            })?;
            k.decided += 1;
            k.accepted += usize::from(wf::ACCEPTED.contains(&state));
            k.declined += usize::from(wf::DECLINED.contains(&state));
            k.mobile_team += usize::from(state == Status::AcceptedMobileTeam);
        }
        k.escalated += usize::from(*level > 0);
    }
    k.per_month = months.into_iter().collect();
    let mut by_hospital: Vec<(String, usize)> = hospitals.into_iter().collect();
    by_hospital.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    k.per_hospital = by_hospital;
    k.per_pathway = pathways.into_iter().collect();
    k.to_acknowledge = interval(ack);
    k.to_decision = interval(decision);
    k.to_departure = interval(departure);
    Ok(k)
}

/// Median (mean of the middle two for an even count) and 90th percentile (nearest rank).
fn interval(mut minutes: Vec<f64>) -> Interval {
    minutes.retain(|m| m.is_finite());
    minutes.sort_by(f64::total_cmp);
    let n = minutes.len();
    if n == 0 {
        return Interval::default();
    }
    let median = if n % 2 == 1 {
        minutes[n / 2]
    } else {
        (minutes[n / 2 - 1] + minutes[n / 2]) / 2.0
    };
    let rank = (0.9 * n as f64).ceil() as usize;
    Interval {
        n,
        median_min: Some(median),
        p90_min: Some(minutes[rank.clamp(1, n) - 1]),
    }
}

/// One CSV row. A cell that a spreadsheet would run as a formula (it begins with `=`, `+`,
/// `-`, `@`, a tab or a carriage return, and is not a plain number) is prefixed with `'`,
/// as OWASP's CSV-injection guidance says: names and free text come from users.
fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| {
            let formula =
                f.starts_with(['=', '+', '-', '@', '\t', '\r']) && f.trim().parse::<f64>().is_err();
            let f = if formula {
                format!("'{f}")
            } else {
                (*f).to_owned()
            };
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// A score's name as clinicians write it.
fn score_name(id: &str) -> String {
    match id {
        "murray" => "Murray".into(),
        "resp" | "save" | "preserve" => id.to_uppercase(),
        other => other.to_owned(),
    }
}

fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn decision_view(at: i64, state: Status, d: &Map<String, Value>) -> DecisionView {
    DecisionView {
        state,
        at_local: local_display(at),
        reason_code: d
            .get("reason_code")
            .and_then(Value::as_str)
            .map(str::to_owned),
        advice: text(d.get("advice")),
        eta_min: d.get("eta_min").and_then(Value::as_i64),
        team: text(d.get("team")),
        triggers: strings(d.get("triggers")),
        review_at: d
            .get("review_at")
            .and_then(Value::as_str)
            .map(str::to_owned),
        centre: text(d.get("centre")),
    }
}

/// id, reference, hospital, pathway, status, evaluation, submitted, acknowledged, decided,
/// acknowledge target, decision target, assignee
/// A queue row as stored, with the referral's current answers for the triage line.
#[derive(Clone, Debug, sqlx::FromRow)]
struct QueueDbRow {
    id: i64,
    reference: String,
    hospital: String,
    pathway: String,
    status: String,
    evaluation: String,
    data: String,
    submitted_at: i64,
    acknowledged_at: Option<i64>,
    decided_at: Option<i64>,
    acknowledge_target_min: i64,
    decision_target_min: i64,
    assigned_to: Option<i64>,
    assignee: Option<String>,
}

/// A queue row decoded once per read of the database (the times move per view).
#[derive(Debug)]
struct QueueEntry {
    row: QueueDbRow,
    status: Status,
    pathway: Pathway,
    evaluation: Evaluation,
    triage: TriageLine,
}

fn queue_row(entry: &QueueEntry, me: i64, now: i64) -> QueueRow {
    let QueueEntry {
        row,
        status,
        pathway,
        evaluation,
        triage,
    } = entry;
    let (status, pathway) = (*status, *pathway);
    let waiting_min = (now - row.submitted_at).max(0) / MINUTE_MS;
    let target_min = match (row.acknowledged_at, row.decided_at) {
        (None, _) => Some(row.acknowledge_target_min),
        (Some(_), None) if !wf::DECISIONS.contains(&status) => Some(row.decision_target_min),
        _ => None,
    };
    let since_collapse_min = match &triage.figure {
        Some(Figure::Arrest { collapse_at, .. }) => Some((now - collapse_at).max(0) / MINUTE_MS),
        _ => None,
    };
    QueueRow {
        id: row.id,
        reference: row.reference.clone(),
        hospital: row.hospital.clone(),
        pathway,
        status,
        scai: evaluation.scai.map(|s| s.label()),
        indications: evaluation
            .flags
            .iter()
            .filter(|f| f.severity == Severity::Indication)
            .count(),
        contraindications: evaluation
            .flags
            .iter()
            .filter(|f| f.severity == Severity::Contraindication)
            .map(|f| f.id.clone())
            .collect(),
        scores: evaluation
            .scores
            .iter()
            .filter_map(|s| {
                s.result
                    .as_ref()
                    .map(|r| format!("{} {r}", score_name(&s.score)))
            })
            .collect(),
        submitted_at: row.submitted_at,
        submitted_local: local_display(row.submitted_at),
        waiting_min,
        overdue: target_min.is_some_and(|t| waiting_min > t),
        target_min,
        assignee: row.assignee.clone(),
        assigned_to_me: row.assigned_to == Some(me),
        triage: triage.clone(),
        since_collapse_min,
        since_acknowledged_min: row.acknowledged_at.map(|at| (now - at).max(0) / MINUTE_MS),
        since_decided_min: row.decided_at.map(|at| (now - at).max(0) / MINUTE_MS),
    }
}

/// The ticked items of a referral's pre-transfer checklist, in the checklist's order.
async fn transfer_checks(
    db: &crate::ssr::db::Db,
    id: i64,
) -> Result<Vec<crate::workspace::TransferCheck>, sqlx::Error> {
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT t.item, t.checked_at, u.name FROM transfer_checks t \
         LEFT JOIN users u ON u.id = t.checked_by WHERE t.referral_id = $1",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(wf::PRE_TRANSFER
        .iter()
        .filter_map(|(key, _, _)| {
            let (item, at, by) = rows.iter().find(|(item, _, _)| item == key)?;
            Some(crate::workspace::TransferCheck {
                item: item.clone(),
                at_local: local_display(*at),
                by: by.clone().unwrap_or_default(),
            })
        })
        .collect())
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
