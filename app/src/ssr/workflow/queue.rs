//! The centre's queue and its capacity: the open referrals in order of urgency, read
//! through a cache that a change on any instance invalidates, and the queue's rows as
//! stored and as shown.
use super::*;

impl Referrals {
    // ------------------------------------------------------------ capacity

    pub(super) async fn capacity_now(&self) -> Result<Capacity, sqlx::Error> {
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
    #[tracing::instrument(skip_all)]
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

    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
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
    pub(super) async fn read_queue(
        &self,
        mut sql: String,
        binds: Vec<Value>,
    ) -> Result<QueueRead, AppError> {
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
}

/// A queue filter as read: state, pathway, hospital and, for "mine", the reader.
pub(super) type QueueKey = (String, String, String, Option<i64>);

/// The queue's rows as read from the database, each with its decoded evaluation (the
/// waiting times are worked out per view).
#[derive(Debug)]
pub(super) struct QueueRead {
    rows: Vec<QueueEntry>,
    truncated: bool,
    hospitals: Vec<(i64, String)>,
    capacity: Capacity,
}

/// A queue row as stored, with the referral's current answers for the triage line.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(super) struct QueueDbRow {
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
pub(super) struct QueueEntry {
    row: QueueDbRow,
    status: Status,
    pathway: Pathway,
    evaluation: Evaluation,
    triage: TriageLine,
}

pub(super) fn queue_row(entry: &QueueEntry, me: i64, now: i64) -> QueueRow {
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
