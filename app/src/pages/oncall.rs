//! The centre's operations pages: who is on call (and the roster, for administrators),
//! acknowledging a referral from a notification's link, and the delivery of notifications.
use crate::components::forms::{
    action_error, text, tr, use_lang, FieldMessages, FormError, Submit,
};
use crate::domain::i18n::Lang;
use crate::domain::policy::Action;
use crate::oncall::*;
use crate::pages::account::Guarded;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn shift_line(s: &ShiftView, lang: crate::domain::i18n::Lang) -> String {
    let en = lang == crate::domain::i18n::Lang::En;
    let mut line = format!("{}: {}", s.label, s.primary);
    if let Some(b) = &s.backup {
        line.push_str(&format!(
            "; {} {b}",
            if en { "backup" } else { "nadomestni" }
        ));
    }
    if !s.perfusionist.is_empty() {
        line.push_str(&format!(
            "; {} {}",
            if en { "perfusionist" } else { "perfuzionist" },
            s.perfusionist
        ));
    }
    if !s.coordinator.is_empty() {
        line.push_str(&format!(
            "; {} {}",
            if en { "coordinator" } else { "koordinator" },
            s.coordinator
        ));
    }
    line
}

#[component]
pub fn RosterPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ViewCentreOperations>
            <Roster />
        </Guarded>
    }
}

#[component]
fn Roster() -> impl IntoView {
    let lang = use_lang();
    let roster = Resource::new(|| (), |_| get_roster());
    let add = ServerAction::<AddShift>::new();
    let add_error = action_error(add);
    let team = ServerAction::<SetTeamEmail>::new();
    let team_error = action_error(team);
    let delete = ServerAction::<DeleteShift>::new();
    view! {
        <h1>{tr("Dežurstva ECMO", "ECMO on call")}</h1>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || roster.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(r) => {
                    let l = lang.get_untracked();
                    let now = r.now.as_ref().map(|s| shift_line(s, l));
                    let next = r.next.as_ref().map(|s| shift_line(s, l));
                    let clinicians = r.clinicians.clone();
                    let clinicians2 = r.clinicians.clone();
                    view! {
                        <section class="oncall-now" data-testid="oncall-now">
                            <h2>{tr("Zdaj dežura", "On call now")}</h2>
                            // Where alerts go when nobody is on call, as the server sends them: the
                            // team address, else every active ECMO clinician, else nobody.
                            {match (now, r.team_email.is_empty(), r.clinicians.is_empty()) {
                                (Some(now), _, _) => view! { <p class="lead">{now}</p> }.into_any(),
                                (None, false, _) => view! {
                                    <p class="lead" data-testid="nobody-on-call">{tr("Nihče — obvestila gredo na naslov ekipe ", "Nobody — notifications go to the team address ")()}<strong>{r.team_email.clone()}</strong>"."</p>
                                }.into_any(),
                                (None, true, false) => view! {
                                    <p class="lead" data-testid="nobody-on-call">{tr(
                                        "Nihče, naslova ekipe pa ni — obvestila gredo vsem aktivnim zdravnikom ECMO.",
                                        "Nobody, and there is no team address — notifications go to every active ECMO clinician."
                                    )}</p>
                                }.into_any(),
                                (None, true, true) => view! {
                                    <p class="form-error" role="alert" data-testid="nobody-on-call">{tr(
                                        "Nihče, ni naslova ekipe in ni aktivnega zdravnika ECMO — obvestila ne dosežejo nikogar. Vpišite dežurstvo ali naslov ekipe.",
                                        "Nobody, no team address and no active ECMO clinician — alerts reach no one. Add a shift or set the team address."
                                    )}</p>
                                }.into_any(),
                            }}
                            <h2>{tr("Naslednji", "Next")}</h2>
                            <p>{next.unwrap_or_else(|| "—".into())}</p>
                            <p>{tr("Naslov ekipe: ", "Team address: ")}<strong data-testid="team-email">{if r.team_email.is_empty() { "—".to_owned() } else { r.team_email.clone() }}</strong></p>
                        </section>
                        {(r.can_manage && !r.gaps.is_empty()).then(|| view! {
                            <section class="review-open" data-testid="roster-gaps" role="alert">
                                <h2>{tr("Vrzeli v naslednjih 14 dneh", "Gaps in the next 14 days")}</h2>
                                <ul>{r.gaps.iter().map(|g| view! { <li>{g.clone()}</li> }).collect_view()}</ul>
                            </section>
                        })}
                        <h2>{tr("Razpored (14 dni)", "Roster (14 days)")}</h2>
                        <ul class="shifts" data-testid="shifts">
                            {r.upcoming.iter().map(|s| {
                                let line = shift_line(s, l);
                                let id = s.id.to_string();
                                view! {
                                    <li>{line}
                                        {r.can_manage.then(|| view! {
                                            <ActionForm attr:novalidate=true action=delete attr:class="inline-form">
                                                <input type="hidden" name="id" value=id />
                                                <button type="submit" class="link-button">{tr("Odstrani", "Remove")}</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {r.can_manage.then(|| view! {
                            <ActionForm attr:novalidate=true action=add attr:class="form" attr:data-testid="shift-form">
                                <h2>{tr("Dodaj dežurstvo", "Add a shift")}</h2>
                                <p class="field-hint">{tr("Časi so lokalni (Ljubljana); prehodi na poletni in zimski čas so upoštevani.", "Times are local (Ljubljana); daylight-saving changes are taken into account.")}</p>
                                <FormError error=add_error />
                                <div class="field-row">
                                    <div class="field"><label for="shift-start">{tr("Začetek", "Starts")}</label>
                                        <input id="shift-start" name="starts_local" type="datetime-local" /><FieldMessages name="starts_local" error=add_error /></div>
                                    <div class="field"><label for="shift-end">{tr("Konec", "Ends")}</label>
                                        <input id="shift-end" name="ends_local" type="datetime-local" /><FieldMessages name="ends_local" error=add_error /></div>
                                    <div class="field"><label for="shift-primary">{tr("Dežurni zdravnik", "On-call physician")}</label>
                                        <select id="shift-primary" name="primary_user_id">
                                            <option value="">{tr("— izberite —", "— choose —")}</option>
                                            {clinicians.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                                        </select><FieldMessages name="primary_user_id" error=add_error /></div>
                                    <div class="field"><label for="shift-backup">{tr("Nadomestni zdravnik", "Backup physician")}</label>
                                        <select id="shift-backup" name="backup_user_id">
                                            <option value="">{tr("— brez —", "— none —")}</option>
                                            {clinicians2.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                                        </select><FieldMessages name="backup_user_id" error=add_error /></div>
                                    <div class="field"><label for="shift-perf">{tr("Perfuzionist (neobvezno)", "Perfusionist (optional)")}</label>
                                        <input id="shift-perf" name="perfusionist" type="text" maxlength="120" /></div>
                                    <div class="field"><label for="shift-coord">{tr("Koordinator (neobvezno)", "Coordinator (optional)")}</label>
                                        <input id="shift-coord" name="coordinator" type="text" maxlength="120" /></div>
                                </div>
                                <Submit label=text(tr("Dodaj dežurstvo", "Add the shift")) pending=add.pending().into() />
                            </ActionForm>
                            <ActionForm attr:novalidate=true action=team attr:class="form inline">
                                <FormError error=team_error />
                                <label for="team-email">{tr("Naslov ekipe (prazno: naslov iz nastavitev strežnika)", "Team address (empty: the address in the server's settings)")}</label>
                                <input id="team-email" name="email" type="email" value=if r.team_email_is_default { String::new() } else { r.team_email.clone() } />
                                <FieldMessages name="email" error=team_error />
                                <Submit label=text(tr("Shrani", "Save")) pending=team.pending().into() />
                            </ActionForm>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AcknowledgePage() -> impl IntoView {
    view! {
        <Guarded action=Action::WorkReferrals>
            <Acknowledge />
        </Guarded>
    }
}

#[component]
fn Acknowledge() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let query = use_query_map();
    let view_data = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        acknowledge_view,
    );
    let token = query.with_untracked(|q| q.get("token").unwrap_or_default());
    let action = ServerAction::<AcknowledgeReferral>::new();
    let error = action_error(action);
    let failed = query.with_untracked(|q| q.get("__err").is_some());
    view! {
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || view_data.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(v) => {
                    let token = token.clone();
                    let link = format!("/referrals/{}", v.referral_id);
                    view! {
                        <h1>{tr("Potrditev prejema", "Acknowledge")}" "{v.reference.clone()}</h1>
                        <p class="lead">{v.hospital.clone()}" · "{v.pathway.code().to_uppercase()}</p>
                        {match v.acknowledged.clone() {
                            Some((by, at)) => view! {
                                <p class="notice" data-testid="already-acknowledged">{move || match lang.get() {
                                    crate::domain::i18n::Lang::Sl => format!("Prejem je že potrdil(a) {by} ({at})."),
                                    crate::domain::i18n::Lang::En => format!("Already acknowledged by {by} ({at})."),
                                }}</p>
                                <p><a class="button" href=link.clone()>{tr("Odpri napotitev", "Open the referral")}</a></p>
                            }.into_any(),
                            None => view! {
                                {failed.then(|| view! { <p class="form-error" role="alert">{tr("Povezava je potekla ali je že uporabljena. Prejem lahko potrdite na strani napotitve.", "This link has expired or was already used. You can acknowledge on the referral's page.")}</p> })}
                                <ActionForm attr:novalidate=true action=action attr:class="form">
                                    <FormError error />
                                    <input type="hidden" name="id" value=v.referral_id.to_string() />
                                    <input type="hidden" name="token" value=token />
                                    <Submit label=text(tr("Potrdi prejem", "Acknowledge")) pending=action.pending().into() class="button call-now-button" />
                                </ActionForm>
                                <p><a href=link.clone()>{tr("Odpri napotitev", "Open the referral")}</a></p>
                            }.into_any(),
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Guarded action=Action::ViewCentreOperations>
            <Deliveries />
        </Guarded>
    }
}

fn status_label(status: &str, lang: crate::domain::i18n::Lang) -> &'static str {
    let en = lang == crate::domain::i18n::Lang::En;
    match (status, en) {
        ("queued", true) => "queued",
        ("queued", false) => "v vrsti",
        ("retrying", true) => "retrying",
        ("retrying", false) => "ponovni poskusi",
        ("sent", true) => "sent",
        ("sent", false) => "poslano",
        (_, true) => "failed",
        (_, false) => "neuspešno",
    }
}

#[component]
fn Deliveries() -> impl IntoView {
    let lang = use_lang();
    let rows = Resource::new(|| (), |_| list_deliveries());
    let resend = ServerAction::<ResendDelivery>::new();
    view! {
        <h1>{tr("Obvestila", "Notifications")}</h1>
        <p class="field-hint">{tr("Zadnjih 300 e-sporočil: stanje, poskusi in napaka. Neuspešna lahko pošljete znova.", "The last 300 emails: status, attempts and error. Failed ones can be sent again.")}</p>
        <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
            {move || rows.get().map(|r| match r {
                Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get())}</p> }.into_any(),
                Ok(rows) => view! {
                    <div class="table-wrap">
                        <table class="data-table" data-testid="deliveries">
                            <thead><tr>
                                <th>{tr("Vrsta", "Kind")}</th><th>{tr("Prejemnik", "Recipient")}</th><th>{tr("Stanje", "Status")}</th>
                                <th>{tr("Poskusi", "Attempts")}</th><th>{tr("Ustvarjeno", "Created")}</th><th>{tr("Napaka", "Error")}</th><th></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|d| {
                                    let status = d.status.clone();
                                    let failed = d.status == "failed";
                                    let id = d.id.to_string();
                                    view! {
                                        <tr class=format!("delivery-{}", d.status)>
                                            <td>{move || mail_kind_label(&d.kind, lang.get())}</td><td>{d.recipient}</td>
                                            <td>{move || status_label(&status, lang.get())}</td>
                                            <td class="num">{d.attempts}</td>
                                            <td>{d.created_local}{d.sent_local.map(|s| format!(" → {s}"))}</td>
                                            <td>{d.last_error.unwrap_or_default()}</td>
                                            <td>{failed.then(|| view! {
                                                <ActionForm attr:novalidate=true action=resend attr:class="inline-form">
                                                    <input type="hidden" name="id" value=id />
                                                    <button type="submit" class="button small">{tr("Pošlji znova", "Send again")}</button>
                                                </ActionForm>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// Optional notifications, on the profile page.
#[component]
pub fn NotificationPreferences(clinician: bool) -> impl IntoView {
    let prefs = Resource::new(|| (), |_| notification_preferences());
    let save = ServerAction::<SaveNotificationPreferences>::new();
    view! {
        <Suspense fallback=|| ()>
            {move || prefs.get().and_then(Result::ok).map(|chosen| {
                let all_referrals = chosen.iter().any(|c| c == "all_referrals");
                let messages = chosen.iter().any(|c| c == "messages");
                view! {
                    <ActionForm attr:novalidate=true action=save attr:class="form" attr:data-testid="notification-preferences">
                        <h2>{tr("Obvestila po e-pošti", "Email notifications")}</h2>
                        <p class="field-hint">{tr(
                            "Obvezna obvestila (dežurstvo, stopnjevanje, prejem, potrditev in odločitev o napotitvi) pridejo vedno.",
                            "Mandatory notifications (on call, escalation, receipt, acknowledgement and decision) always arrive."
                        )}</p>
                        {clinician.then(|| view! {
                            <label class="checkbox"><input type="checkbox" name="all_referrals" checked=all_referrals />
                                {tr("Vsaka nova napotitev, tudi ko ne dežuram", "Every new referral, also when I am not on call")}</label>
                        })}
                        <label class="checkbox"><input type="checkbox" name="messages" checked=messages />
                            {tr("Nova sporočila pri napotitvah, ki jih spremljam", "New messages on referrals I follow")}</label>
                        <Submit label=text(tr("Shrani", "Save")) pending=save.pending().into() />
                    </ActionForm>
                }
            })}
        </Suspense>
    }
}

/// What a message was about, in words (the stored kind is the outbox's code).
fn mail_kind_label(kind: &str, lang: Lang) -> String {
    let (sl, en) = match kind {
        "referral_submitted" => ("Nova napotitev (dežurni)", "New referral (on call)"),
        "referral_escalated" => (
            "Stopnjevanje (ni potrditve)",
            "Escalation (not acknowledged)",
        ),
        "roster_gap" => ("Ni dežurnega v razporedu", "No one on the roster"),
        "referral_receipt" => ("Potrdilo o prejemu", "Receipt"),
        "referral_acknowledged" => ("Center je prevzel", "Acknowledged by the centre"),
        "referral_message" => ("Sporočilo", "Message"),
        "referral_info_requested" => ("Center prosi za podatke", "Information requested"),
        "referral_info_provided" => ("Dopolnitev napotitve", "Update from the hospital"),
        "referral_decision" => ("Odločitev centra", "The centre's decision"),
        "referral_deferred_updated" => (
            "Dopolnitev odložene napotitve",
            "Update to a deferred referral",
        ),
        "referral_review_due" => ("Čas za ponovni pregled", "Review due"),
        "account_invitation" => ("Vabilo", "Invitation"),
        "account_confirm_email" => ("Potrditev e-naslova", "Email confirmation"),
        "account_already_registered" => ("Račun že obstaja", "Account already exists"),
        "account_password_reset" => ("Ponastavitev gesla", "Password reset"),
        "account_approval_needed" => ("Čaka na odobritev", "Waiting for approval"),
        _ => ("Drugo sporočilo", "Other message"),
    };
    match lang {
        Lang::Sl => sl.to_owned(),
        Lang::En => en.to_owned(),
    }
}
