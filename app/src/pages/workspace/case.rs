//! The centre's side of a referral's page: its decision, the next steps' forms and the
//! audit trail.
use super::*;

// ---------------------------------------------------------------- a referral's page

/// What the referrer is asked for and what the centre decided, with the pre-transfer
/// checklist after acceptance.
#[component]
pub fn DecisionPanel(detail: ReferralDetail) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let w = detail.workflow;
    let request = w.info_request.map(|r| {
        view! {
            <section class="info-request" role="status" data-testid="info-request">
                <h2>{tr("Center potrebuje dodatne podatke", "The centre asks for more information")}</h2>
                <ul>{r.fields.iter().map(|f| view! { <li>{wf::info_label(f, lang)}</li> }).collect_view()}</ul>
                {(!r.advice.is_empty()).then(|| view! { <p class="advice">{r.advice.clone()}</p> })}
                <p class="muted">{r.at_local.clone()}" · "{tr("Dodajte jih kot dopolnitev spodaj.", "Add them as an update below.")}</p>
            </section>
        }
    });
    let decision = w.decision.map(|d| {
        let accepted = wf::ACCEPTED.contains(&d.state);
        view! {
            <section class="decision" class:accepted=accepted data-testid="decision">
                <h2>{tr("Odločitev centra", "The centre's decision")}</h2>
                <p class="decision-state" data-testid="decision-state"><strong>{wf::state_label(d.state, lang)}</strong>" · "{d.at_local.clone()}</p>
                <dl class="facts">
                    {d.reason_code.clone().map(|c| view! { <dt>{tr("Razlog", "Reason")}</dt><dd>{wf::reason_label(&c, lang)}</dd> })}
                    {d.eta_min.map(|m| view! { <dt>{tr("Predviden prihod", "Expected arrival")}</dt><dd data-testid="decision-eta">{format!("{m} min")}</dd> })}
                    {(!d.team.is_empty()).then(|| view! { <dt>{tr("Kdo pride", "Who comes")}</dt><dd data-testid="decision-team">{d.team.clone()}</dd> })}
                    {(!d.centre.is_empty()).then(|| view! { <dt>{tr("Center", "Centre")}</dt><dd>{d.centre.clone()}</dd> })}
                    {d.review_at.clone().map(|r| view! { <dt>{tr("Ponovna ocena", "Review at")}</dt><dd>{r.replace('T', " ")}</dd> })}
                </dl>
                {(!d.advice.is_empty()).then(|| view! { <h3>{tr("Nasvet", "Advice")}</h3><p class="advice" data-testid="decision-advice">{d.advice.clone()}</p> })}
                {(!d.triggers.is_empty()).then(|| view! {
                    <h3>{tr("Ponovno napotite, če", "Refer again if")}</h3>
                    <ul>{d.triggers.iter().map(|t| view! { <li>{wf::trigger_label(t, lang)}</li> }).collect_view()}</ul>
                })}
            </section>
        }
    });
    let id = detail.summary.id;
    let checks = w.transfer_checks.clone();
    let may_check = w.may_check_transfer;
    let checklist = w.show_pre_transfer.then(move || {
        let save = ServerAction::<crate::referrals::SaveTransferChecklist>::new();
        let error = action_error(save);
        let items = wf::PRE_TRANSFER.iter().enumerate().map(|(i, (key, sl, en))| {
            let done = checks.iter().find(|c| c.item == *key).cloned();
            let label = if lang == Lang::Sl { *sl } else { *en };
            let when = done.as_ref().map(|c| format!("✓ {}, {}", c.at_local, c.by));
            let input_id = format!("prep-{key}");
            view! {
                <li data-testid=format!("prep-{key}")>
                    {if may_check {
                        view! {
                            <input type="checkbox" id=input_id.clone() name=format!("items[{i}]") value=*key checked=done.is_some() />
                            " "<label for=input_id>{label}</label>
                        }.into_any()
                    } else {
                        view! {
                            <span class="tick" aria-hidden="true">{if done.is_some() { "☑" } else { "☐" }}</span>
                            " "{label}
                        }.into_any()
                    }}
                    {when.map(|w| view! { " "<small class="muted" data-testid="prep-when">{w}</small> })}
                </li>
            }
        }).collect_view();
        view! {
            <section class="pre-transfer" id="pre-transfer" data-testid="pre-transfer">
                <h2>{tr("Priprava na premestitev", "Preparing for the transfer")}</h2>
                {if may_check {
                    view! {
                        <ActionForm attr:novalidate=true action=save>
                            <input type="hidden" name="id" value=id.to_string() />
                            <ul class="checklist">{items}</ul>
                            <FormError error />
                            <button type="submit" class="button button-secondary" data-testid="save-pre-transfer">
                                {tr("Shrani pripravo (center jo vidi)", "Save the preparation (the centre sees it)")}
                            </button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <ul class="checklist">{items}</ul> }.into_any()
                }}
            </section>
        }
    });
    view! { {request} {decision} {checklist} }
}

/// The centre's actions on a referral: assign, and one form per step the state machine
/// allows now, each asking only what that step needs.
#[component]
pub fn CentreActions(detail: ReferralDetail) -> impl IntoView {
    let w = detail.workflow.clone();
    if !w.centre {
        return ().into_any();
    }
    let lang = use_lang().get_untracked();
    let id = detail.summary.id;
    let status = detail.summary.status;
    let action = ServerAction::<TransitionReferral>::new();
    let error = action_error(action);
    let assign = ServerAction::<AssignReferral>::new();
    let assignee = w.assignee.clone();
    view! {
        <section class="centre-actions no-print" data-testid="centre-actions">
            <h2>{tr("Ukrepi centra", "Centre actions")}</h2>
            <p data-testid="assignee">
                {match (assignee, lang) {
                    (Some(a), Lang::Sl) => format!("Dodeljeno: {a}"),
                    (Some(a), Lang::En) => format!("Assigned to {a}"),
                    (None, Lang::Sl) => "Ni dodeljeno.".to_owned(),
                    (None, Lang::En) => "Not assigned.".to_owned(),
                }}
                {(!w.assigned_to_me).then(|| view! {
                    " "
                    <ActionForm attr:novalidate=true action=assign attr:class="inline-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class="button button-secondary" data-testid="assign-me">{tr("Prevzemi", "Assign to me")}</button>
                    </ActionForm>
                })}
            </p>
            <FormError error />
            {w.next.iter().map(|to| step_form(action, error, id, status, *to, lang)).collect_view()}
        </section>
    }
    .into_any()
}

/// What each step asks for beyond the internal note.
pub(super) fn needs(to: wf::Status) -> (bool, bool, bool) {
    // (reason code, shown advice, anything else)
    match to {
        wf::Status::DeferredReassess
        | wf::Status::DeclinedWithAdvice
        | wf::Status::DeclinedContraindicated
        | wf::Status::ReferredOnward
        | wf::Status::DeclinedEcpr
        | wf::Status::NotCannulatedOnSite
        | wf::Status::NotStarted
        | wf::Status::Withdrawn => (true, true, true),
        wf::Status::InfoRequested
        | wf::Status::AcceptedTransfer
        | wf::Status::AcceptedMobileTeam
        | wf::Status::AcceptedEcpr => (false, true, true),
        wf::Status::Cannulated => (false, false, true),
        _ => (false, false, false),
    }
}

pub(super) fn step_form(
    action: ServerAction<TransitionReferral>,
    error: Signal<Option<AppError>>,
    id: i64,
    status: wf::Status,
    to: wf::Status,
    lang: Lang,
) -> AnyView {
    let (reason, advice, more) = needs(to);
    let reasons = if to == wf::Status::Withdrawn {
        wf::WITHDRAW_REASONS
    } else {
        wf::REASON_CODES
    };
    let step_id = format!("step-{to}");
    let do_id = format!("do-{to}");
    let label = wf::action_label(to, lang);
    let sl = lang == Lang::Sl;
    let danger = matches!(
        to,
        wf::Status::Withdrawn
            | wf::Status::DeclinedWithAdvice
            | wf::Status::DeclinedContraindicated
            | wf::Status::DeclinedEcpr
    );
    let key = to.as_str().to_lowercase();
    let fid = move |name: &str| format!("{key}-{name}");
    let hidden = view! {
        <input type="hidden" name="id" value=id.to_string() />
        <input type="hidden" name="to" value=to.as_str() />
        <input type="hidden" name="from" value=status.as_str() />
    };
    let specific = specific_fields(to, error, lang, &fid);
    if !more {
        return view! {
            <ActionForm action attr:class="inline-form step" attr:data-testid=step_id>
                {hidden}
                <button type="submit" class="button" data-testid=do_id>{label}</button>
            </ActionForm>
        }
        .into_any();
    }
    let reason_field = reason.then(|| {
        view! {
            <div class="field">
                <label for=fid("reason")>{if sl { "Razlog (koda)" } else { "Reason code" }}</label>
                <select id=fid("reason") name="reason_code" required>
                    <option value="">{if sl { "— izberite —" } else { "— choose —" }}</option>
                    {reasons.iter().map(|c| view! { <option value=*c>{wf::reason_label(c, lang)}</option> }).collect_view()}
                </select>
                <FieldMessages name="reason_code" error />
            </div>
        }
    });
    let advice_field = advice.then(|| {
        view! {
            <div class="field">
                <label for=fid("advice")>{if sl { "Sporočilo napotnemu zdravniku (nasvet)" } else { "For the referring doctor (advice)" }}</label>
                <textarea id=fid("advice") name="advice" rows="3" maxlength="2000"></textarea>
                <FieldMessages name="advice" error />
            </div>
        }
    });
    // Under consultation a decision is what comes next: its form is open; once
    // acknowledged, the acceptances are (a decision made on the phone is one step).
    let open = match status {
        wf::Status::UnderConsultation => wf::DECISIONS.contains(&to),
        wf::Status::Acknowledged => wf::ACCEPTED.contains(&to),
        _ => false,
    };
    view! {
        <details class="step" data-testid=step_id open=open>
            <summary>{label.clone()}</summary>
            // The browser's own check stays here: a refused step would come back with its
            // form folded (the page is not an island), its message out of sight.
            <ActionForm action attr:class="form">
                {hidden}
                {reason_field}
                {specific}
                {advice_field}
                <div class="field">
                    <label for=fid("note")>{if sl { "Interna opomba (samo center)" } else { "Internal note (centre only)" }}</label>
                    <textarea id=fid("note") name="note" rows="2" maxlength="2000"></textarea>
                    <FieldMessages name="note" error />
                </div>
                <button type="submit" class=if danger { "button danger" } else { "button" } data-testid=do_id>{label}</button>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// The fields a step asks for besides the reason, the advice and the note.
pub(super) fn specific_fields(
    to: wf::Status,
    error: Signal<Option<AppError>>,
    lang: Lang,
    fid: &dyn Fn(&str) -> String,
) -> AnyView {
    let sl = lang == Lang::Sl;
    match to {
        wf::Status::InfoRequested => view! {
            <fieldset class="field">
                <legend>{if sl { "Kaj potrebujete" } else { "What you need" }}</legend>
                {wf::INFO_ITEMS.iter().enumerate().map(|(i, item)| view! {
                    <label class="check"><input type="checkbox" name=format!("fields[{i}]") value=*item />" "{wf::info_label(item, lang)}</label>
                }).collect_view()}
                <FieldMessages name="fields" error />
            </fieldset>
        }
        .into_any(),
        wf::Status::DeferredReassess => view! {
            <fieldset class="field">
                <legend>{if sl { "Ponovno napotite, če" } else { "Refer again if" }}</legend>
                {wf::TRIGGERS.iter().enumerate().map(|(i, item)| view! {
                    <label class="check"><input type="checkbox" name=format!("triggers[{i}]") value=*item />" "{wf::trigger_label(item, lang)}</label>
                }).collect_view()}
                <FieldMessages name="triggers" error />
            </fieldset>
            <div class="field">
                <label for=fid("review")>{if sl { "Ponovna ocena ob (lokalni čas)" } else { "Review at (local time)" }}</label>
                <input id=fid("review") type="datetime-local" name="review_at" required />
                <FieldMessages name="review_at" error />
            </div>
        }
        .into_any(),
        wf::Status::AcceptedTransfer | wf::Status::AcceptedMobileTeam | wf::Status::AcceptedEcpr => {
            let mobile = to == wf::Status::AcceptedMobileTeam;
            view! {
                <div class="field">
                    <label for=fid("eta")>{if sl { "Predviden prihod (min)" } else { "Expected arrival (min)" }}</label>
                    <input id=fid("eta") name="eta_min" inputmode="numeric" required=mobile />
                    <FieldMessages name="eta_min" error />
                </div>
                {mobile.then(|| view! {
                    <div class="field">
                        <label for=fid("team")>{if sl { "Ekipa (kdo pride)" } else { "Team (who comes)" }}</label>
                        <input id=fid("team") name="team" maxlength="2000" required />
                        <FieldMessages name="team" error />
                    </div>
                })}
            }
            .into_any()
        }
        wf::Status::ReferredOnward => view! {
            <div class="field">
                <label for=fid("centre")>{if sl { "Center" } else { "Centre" }}</label>
                <input id=fid("centre") name="centre" maxlength="2000" required placeholder="UKC Maribor" />
                <FieldMessages name="centre" error />
            </div>
        }
        .into_any(),
        wf::Status::Cannulated => view! {
            <div class="field">
                <label for=fid("mode")>{if sl { "Način" } else { "Mode" }}</label>
                <select id=fid("mode") name="mode">
                    {wf::CANNULATION_MODES.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                </select>
            </div>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// Every read and change of the referral, for centre staff, with its export.
#[component]
pub fn AuditTrail(detail: ReferralDetail) -> impl IntoView {
    let audit = detail.workflow.audit;
    if audit.is_empty() {
        return ().into_any();
    }
    let lang = use_lang().get_untracked();
    let id = detail.summary.id;
    let total = detail.workflow.audit_total;
    let shown = audit.len();
    view! {
        <details class="audit no-print" data-testid="audit-trail">
            <summary>{tr("Revizijska sled", "Audit trail")}" ("{total}")"</summary>
            {(total > shown as u64).then(|| view! {
                <p class="muted" data-testid="audit-shown">{move || match lang {
                    Lang::Sl => format!("Prikazanih je zadnjih {shown} od {total} vnosov; izvoz vsebuje vse."),
                    Lang::En => format!("The latest {shown} of {total} entries are shown; the export has them all."),
                }}</p>
            })}
            <p><a href=format!("/referrals/{id}/audit.csv") data-testid="audit-export" download>{tr("Izvozi CSV za pregled", "Export CSV for a review")}</a></p>
            <table class="audit-table">
                <thead><tr><th>{tr("Čas", "Time")}</th><th>{tr("Kdo", "Who")}</th><th>{tr("Kaj", "What")}</th><th>{tr("Naslov", "Address")}</th></tr></thead>
                <tbody>
                    {audit.into_iter().map(|a| view! {
                        <tr><td>{a.at_local}</td><td>{a.actor}</td><td>{wf::audit_label(&a.action, lang)}</td><td>{a.client_addr}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
    .into_any()
}
