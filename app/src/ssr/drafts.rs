//! Drafts of VV and VA referrals. The form is stored as typed, errors and all, so that
//! nothing the doctor entered is lost; it is checked when shown and when sent. Only the
//! account that started a draft sees it.
use super::accounts::audit::{self, Event};
use super::accounts::service::authorize;
use super::accounts::RequestIdentity;
use super::db::decode_pathway;
use super::referrals::Referrals;
use super::time::local_display;
use crate::domain::checklist;
use crate::domain::policy::Action;
use crate::error::AppError;
use crate::wire::referrals::{DraftSummary, DraftView, Submitted};
use serde_json::json;

pub use crate::domain::checklist::Form;

/// Limits of a stored form: far above any real checklist, well below a denial of service.
const MAX_FIELDS: usize = 800;
const MAX_VALUE_CHARS: usize = 2_000;

fn event(identity: &RequestIdentity, action: &'static str, draft_id: i64) -> Event<'static> {
    Event::by(identity, action, "referral_draft", draft_id, json!({}))
}

/// Keeps the fields of the checklist (and their unit selectors and confirmations); drops
/// anything else a client sends, and refuses sizes no form has.
pub fn clean_form(form: Form) -> Result<Form, AppError> {
    if form.len() > MAX_FIELDS
        || form
            .values()
            .flatten()
            .any(|v| v.chars().count() > MAX_VALUE_CHARS)
    {
        return Err(AppError::Request("form too large".into()));
    }
    Ok(form
        .into_iter()
        .filter(|(k, _)| checklist::is_form_key(k))
        .collect())
}

type DraftRow = (i64, i64, String, String, i64, i64, Option<i64>, Option<i64>);

/// A stored form; one that no longer decodes is an error, never an empty form that a save
/// would then write back over the doctor's answers.
fn stored_form(text: &str, draft_id: i64) -> Result<Form, AppError> {
    serde_json::from_str(text).map_err(|e| {
        tracing::error!(draft_id, error = %e, "a stored draft form does not decode");
        AppError::Internal
    })
}

impl Referrals {
    fn owner(identity: &RequestIdentity) -> Result<(i64, i64), AppError> {
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let hospital_id = user.hospital_id.ok_or(AppError::Forbidden)?;
        authorize(identity, Action::CreateReferral { hospital_id })?;
        Ok((user.id, hospital_id))
    }

    /// Starts a draft for `pathway` (`vv` or `va`).
    #[tracing::instrument(skip_all)]
    pub async fn create_draft(
        &self,
        identity: &RequestIdentity,
        pathway: &str,
    ) -> Result<i64, AppError> {
        let (user_id, hospital_id) = Self::owner(identity)?;
        if !matches!(pathway, "vv" | "va") {
            return Err(crate::domain::fields::FieldErrors::single(
                "pathway",
                crate::domain::fields::FieldError::UnknownValue {
                    allowed: vec!["vv".into(), "va".into()],
                },
            )
            .into());
        }
        let key = format!("draft-{}", uuid::Uuid::new_v4().simple());
        let now = self.clock.now_ms();
        // What the doctor would otherwise type every time: their name and phone from the
        // profile, the hospital's ICU phone as the callback number, their department and
        // grade as last time (all editable).
        let (icu_phone,): (String,) =
            sqlx::query_as("SELECT icu_phone FROM hospitals WHERE id = $1")
                .bind(hospital_id)
                .fetch_optional(&self.db.pool)
                .await?
                .unwrap_or_default();
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let mut form = Form::new();
        let mut offer = |key: &str, value: &str| {
            if !value.trim().is_empty() {
                form.insert(key.to_owned(), vec![value.trim().to_owned()]);
            }
        };
        offer("referring_doctor", &user.name);
        offer("mobile_phone", &user.phone);
        // Department and grade as in this doctor's previous draft: they rarely change.
        let last: Option<(String,)> = sqlx::query_as(
            "SELECT form FROM referral_drafts WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some(last) = last.and_then(|(f,)| serde_json::from_str::<Form>(&f).ok()) {
            for key in ["department", "doctor_grade"] {
                if let Some(value) = last.get(key).and_then(|v| v.first()) {
                    offer(key, value);
                }
            }
        }
        offer(
            "callback_phone",
            if icu_phone.trim().is_empty() {
                &user.phone
            } else {
                &icu_phone
            },
        );
        let form = serde_json::to_string(&form).map_err(|_| AppError::Internal)?;
        let mut tx = self.db.begin().await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO referral_drafts (user_id, hospital_id, pathway, form, idempotency_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(hospital_id)
        .bind(pathway)
        .bind(&form)
        .bind(&key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(&mut tx, event(identity, "draft_created", id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A draft of the signed-in account at its current hospital: a draft started at a
    /// hospital the account has since left belongs to that hospital, not to the new one.
    async fn draft_row(&self, identity: &RequestIdentity, id: i64) -> Result<DraftRow, AppError> {
        let (user_id, hospital_id) = Self::owner(identity)?;
        let row: Option<DraftRow> = sqlx::query_as(
            "SELECT id, user_id, pathway, form, revision, updated_at, submitted_referral_id, discarded_at \
             FROM referral_drafts WHERE id = $1 AND hospital_id = $2",
        )
        .bind(id)
        .bind(hospital_id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(row) if row.1 == user_id && row.7.is_none() => Ok(row),
            _ => Err(AppError::NotFound),
        }
    }

    /// A draft of the signed-in account; anyone else's does not exist.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn draft(&self, identity: &RequestIdentity, id: i64) -> Result<DraftView, AppError> {
        let (id, _, pathway, form, revision, updated_at, submitted, _) =
            self.draft_row(identity, id).await?;
        self.views.record(
            identity,
            "draft_viewed",
            "referral_draft",
            Some(id.to_string()),
            json!({}),
        );
        Ok(DraftView {
            id,
            pathway: decode_pathway(&pathway, id)?,
            form: stored_form(&form, id)?,
            revision,
            updated_at,
            updated_local: local_display(updated_at),
            submitted_referral_id: submitted,
        })
    }

    /// Saves the fields of one step (or of the whole form) over the draft's. Fields not in
    /// `fields` keep their values; ticked boxes of the saved step are replaced as a whole.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn save_draft(
        &self,
        identity: &RequestIdentity,
        id: i64,
        step: Option<usize>,
        fields: Form,
    ) -> Result<DraftView, AppError> {
        let fields = clean_form(fields)?;
        let (id, _, pathway, form, revision, _, submitted, _) =
            self.draft_row(identity, id).await?;
        if submitted.is_some() {
            return Err(AppError::Conflict);
        }
        let mut form = stored_form(&form, id)?;
        match step {
            Some(step) => checklist::merge_step(&mut form, step, fields),
            None => form.extend(fields),
        }
        let text = serde_json::to_string(&form).map_err(|_| AppError::Internal)?;
        let now = self.clock.now_ms();
        let _turn = self.db.write_turn().await;
        let mut tx = self.db.begin().await?;
        let changed = sqlx::query(
            "UPDATE referral_drafts SET form = $1, revision = revision + 1, updated_at = $2 \
             WHERE id = $3 AND revision = $4 AND submitted_referral_id IS NULL",
        )
        .bind(&text)
        .bind(now)
        .bind(id)
        .bind(revision)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            // Another save of the same draft landed in between: the doctor's newer typing
            // would be merged over an older base, so ask for a reload instead.
            return Err(AppError::Conflict);
        }
        audit::record(&mut tx, event(identity, "draft_saved", id)).await?;
        tx.commit().await?;
        Ok(DraftView {
            id,
            pathway: decode_pathway(&pathway, id)?,
            form,
            revision: revision + 1,
            updated_at: now,
            updated_local: local_display(now),
            submitted_referral_id: None,
        })
    }

    /// Discards a draft; it disappears from the lists but stays in the database.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn discard_draft(&self, identity: &RequestIdentity, id: i64) -> Result<(), AppError> {
        let (id, ..) = self.draft_row(identity, id).await?;
        let mut tx = self.db.begin().await?;
        sqlx::query("UPDATE referral_drafts SET discarded_at = $1 WHERE id = $2")
            .bind(self.clock.now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, event(identity, "draft_discarded", id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The signed-in doctor's drafts not yet sent, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn drafts(&self, identity: &RequestIdentity) -> Result<Vec<DraftSummary>, AppError> {
        let user = identity.user.as_ref().ok_or(AppError::SignIn)?;
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, pathway, form, updated_at FROM referral_drafts \
             WHERE user_id = $1 AND hospital_id = $2 AND submitted_referral_id IS NULL AND discarded_at IS NULL \
             ORDER BY updated_at DESC LIMIT 50",
        )
        .bind(user.id)
        .bind(user.hospital_id.unwrap_or(-1))
        .fetch_all(&self.db.pool)
        .await?;
        rows.into_iter()
            .map(|(id, pathway, form, updated_at)| {
                // The list still shows a draft whose form does not decode; opening it says so.
                let form: Form = serde_json::from_str(&form).unwrap_or_default();
                Ok(DraftSummary {
                    id,
                    pathway: decode_pathway(&pathway, id)?,
                    patient: form
                        .get("patient_name")
                        .and_then(|v| v.first())
                        .filter(|s| !s.trim().is_empty())
                        .cloned(),
                    updated_local: local_display(updated_at),
                })
            })
            .collect()
    }

    /// Sends a draft as a referral. Sending it again (a double click, a retry) returns the
    /// referral it made.
    #[tracing::instrument(skip_all, fields(id = id))]
    pub async fn submit_draft(
        &self,
        identity: &RequestIdentity,
        id: i64,
    ) -> Result<Submitted, AppError> {
        let (user_id, hospital_id) = Self::owner(identity)?;
        let row: Option<(i64, String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, pathway, form, idempotency_key, discarded_at FROM referral_drafts \
             WHERE id = $1 AND hospital_id = $2",
        )
        .bind(id)
        .bind(hospital_id)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some((owner, pathway, form, key, discarded)) = row else {
            return Err(AppError::NotFound);
        };
        if owner != user_id || discarded.is_some() {
            return Err(AppError::NotFound);
        }
        let pathway = decode_pathway(&pathway, id)?;
        let form = stored_form(&form, id)?;
        let body = checklist::form_to_json(pathway, &form);
        self.submit_from(identity, &key, &body, Some(id)).await
    }
}
