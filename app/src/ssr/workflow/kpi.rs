//! The quality figures and their CSV export, the read cache they share with the queue,
//! and spreadsheet-safe CSV lines.
use super::*;

impl Referrals {
    // ------------------------------------------------------------ quality figures

    pub(super) async fn kpi_rows(
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
    pub(super) fn kpi_range(&self, from: &str, to: &str) -> Result<(String, String), AppError> {
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
    #[tracing::instrument(skip_all)]
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
    pub(super) async fn data_version(&self) -> Result<DataVersion, sqlx::Error> {
        sqlx::query_as(
            "SELECT (SELECT MAX(updated_at) FROM referrals), (SELECT MAX(id) FROM referral_events), \
             (SELECT MAX(id) FROM audit_events WHERE subject_type = 'hospital'), \
             (SELECT MAX(id) FROM centre_capacity)",
        )
        .fetch_one(&self.db.pool)
        .await
    }

    /// One line per referral in the range with its intervals — no patient data.
    #[tracing::instrument(skip_all)]
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

    pub(super) fn get(&self, key: &K, version: DataVersion) -> Option<V> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.iter()
            .find(|(k, v, _)| k == key && *v == version)
            .map(|(_, _, value)| value.clone())
    }

    pub(super) fn put(&self, key: K, version: DataVersion, value: V) {
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
    pub(super) kpis: ReadCache<(String, String), Kpis>,
    pub(super) queue: ReadCache<QueueKey, Arc<QueueRead>>,
}

impl Default for ReadCaches {
    fn default() -> Self {
        Self {
            kpis: ReadCache::new(8),
            queue: ReadCache::new(32),
        }
    }
}

/// reference, submitted, hospital, pathway, acknowledged, decided, decision, departed,
/// escalation level
pub(super) type KpiRow = (
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

pub(super) fn kpis(from: String, to: String, rows: &[KpiRow]) -> Result<Kpis, AppError> {
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
pub(super) fn interval(mut minutes: Vec<f64>) -> Interval {
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
pub(super) fn csv_line(fields: &[&str]) -> String {
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
