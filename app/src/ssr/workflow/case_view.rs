//! The state machine's side of a referral's page (decision, requests, transfer checklist,
//! audit trail) and the audit trail as CSV.
use super::*;

impl Referrals {
    // ------------------------------------------------------------ the referral page

    /// The state machine's side of a referral's page for this reader, from the referral's
    /// assignee (id, name) and its state changes (time, state, detail; newest first).
    #[tracing::instrument(skip_all, fields(id = id))]
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
    pub(super) async fn audit_trail_tail(&self, id: i64) -> Result<(Vec<AuditRow>, u64), AppError> {
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
    #[tracing::instrument(skip_all, fields(id = id))]
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
}

/// How many entries of a referral's audit trail its page lists (the newest); the export
/// has them all.
pub(super) const AUDIT_SHOWN: usize = 50;

/// id, time, actor's name and email, action, client address, detail
pub(super) type AuditDbRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
);

/// A score's name as clinicians write it.
pub(super) fn score_name(id: &str) -> String {
    match id {
        "murray" => "Murray".into(),
        "resp" | "save" | "preserve" => id.to_uppercase(),
        other => other.to_owned(),
    }
}

pub(super) fn text(value: Option<&Value>) -> String {
    value.and_then(Value::as_str).unwrap_or_default().to_owned()
}

pub(super) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn decision_view(at: i64, state: Status, d: &Map<String, Value>) -> DecisionView {
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

/// The ticked items of a referral's pre-transfer checklist, in the checklist's order.
pub(super) async fn transfer_checks(
    db: &crate::ssr::db::Db,
    id: i64,
) -> Result<Vec<crate::wire::workspace::TransferCheck>, sqlx::Error> {
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
            Some(crate::wire::workspace::TransferCheck {
                item: item.clone(),
                at_local: local_display(*at),
                by: by.clone().unwrap_or_default(),
            })
        })
        .collect())
}
