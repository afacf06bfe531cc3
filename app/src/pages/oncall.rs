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
        <RosterNotices />
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
                            <PlanSection today=r.today.clone() clinicians=r.clinicians.clone() />
                            <CopyWeek next_monday=r.next_monday.clone() />
                            <ActionForm attr:novalidate=true action=team attr:class="form inline">
                                <FormError error=team_error />
                                <label for="team-email">{tr("Naslov ekipe (prazno: naslov iz nastavitev strežnika)", "Team address (empty: the address in the server's settings)")}</label>
                                <input id="team-email" name="email" type="email" value=if r.team_email_is_default { String::new() } else { r.team_email.clone() } />
                                <FieldMessages name="email" error=team_error />
                                <Submit label=text(tr("Shrani", "Save")) pending=team.pending().into() />
                            </ActionForm>
                        })}
                        <CalendarFeed />
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// What a planning or copying post did, from the address it came back to.
#[component]
fn RosterNotices() -> impl IntoView {
    let query = use_query_map();
    let (planned, copied, renewed) = query.with_untracked(|q| {
        (
            q.get("planned").and_then(|n| n.parse::<usize>().ok()),
            q.get("copied").and_then(|n| n.parse::<usize>().ok()),
            q.get("renewed").is_some(),
        )
    });
    let lang = use_lang().get_untracked();
    let sl = lang == Lang::Sl;
    let text = match (planned, copied) {
        (Some(n), _) => Some(if sl {
            format!("Shranjenih dežurstev: {n}.")
        } else {
            format!("{n} shifts saved.")
        }),
        (None, Some(0)) => Some(if sl {
            "V prejšnjem tednu ni dežurstev: nič ni kopirano.".to_owned()
        } else {
            "The week before has no shifts: nothing was copied.".to_owned()
        }),
        (None, Some(n)) => Some(if sl {
            format!("Kopiranih dežurstev: {n}.")
        } else {
            format!("{n} shifts copied.")
        }),
        (None, None) if renewed => Some(if sl {
            "Nov naslov koledarja je pripravljen; stari ne deluje več.".to_owned()
        } else {
            "A new calendar address is ready; the old one no longer works.".to_owned()
        }),
        _ => None,
    };
    text.map(|t| view! { <p class="notice" role="status" data-testid="roster-notice">{t}</p> })
}

/// Planning a period in one form: a day and a night shift every day (or one 24-h shift),
/// the physicians changing every week. "Show the plan" lists the shifts with their overlaps
/// and gaps (a plain GET, so it works without scripts); only "Save" writes them.
#[component]
fn PlanSection(today: String, clinicians: Vec<(i64, String)>) -> impl IntoView {
    let lang = use_lang().get_untracked();
    let sl = lang == Lang::Sl;
    let query = use_query_map();
    let input = query.with_untracked(|q| {
        let list = |name: &str| -> Vec<String> {
            (0..crate::domain::roster::ROTATION_WEEKS)
                .map(|i| q.get(&format!("{name}[{i}]")).unwrap_or_default())
                .collect()
        };
        q.get("from_date").map(|from_date| PlanInput {
            from_date,
            to_date: q.get("to_date").unwrap_or_default(),
            day_start: q.get("day_start").unwrap_or_default(),
            night_start: q.get("night_start").unwrap_or_default(),
            day: list("day"),
            night: list("night"),
            backup: list("backup"),
        })
    });
    let value = {
        let input = input.clone();
        move |f: fn(&PlanInput) -> &String, default: &str| {
            input.as_ref().map_or(default.to_owned(), |i| f(i).clone())
        }
    };
    let chosen = {
        let input = input.clone();
        move |list: fn(&PlanInput) -> &Vec<String>, i: usize| {
            input
                .as_ref()
                .and_then(|p| list(p).get(i).cloned())
                .unwrap_or_default()
        }
    };
    let select = move |name: String, id: String, current: String, none: &'static str| {
        view! {
            <select id=id.clone() name=name>
                <option value="">{none}</option>
                {clinicians.iter().map(|(cid, cname)| {
                    let v = cid.to_string();
                    view! { <option value=v.clone() selected={v == current}>{cname.clone()}</option> }
                }).collect_view()}
            </select>
        }
    };
    let weeks = (0..crate::domain::roster::ROTATION_WEEKS).map(|i| {
        let (d, n, b) = (chosen(|p| &p.day, i), chosen(|p| &p.night, i), chosen(|p| &p.backup, i));
        let none = "—";
        view! {
            <tr>
                <th scope="row">{if sl { format!("{}. teden", i + 1) } else { format!("Week {}", i + 1) }}</th>
                <td data-label=if sl { "Dan" } else { "Day" }>{select(format!("day[{i}]"), format!("plan-day-{i}"), d, none)}</td>
                <td data-label=if sl { "Noč" } else { "Night" }>{select(format!("night[{i}]"), format!("plan-night-{i}"), n, none)}</td>
                <td data-label=if sl { "Nadomestni" } else { "Backup" }>{select(format!("backup[{i}]"), format!("plan-backup-{i}"), b, none)}</td>
            </tr>
        }
    }).collect_view();
    let preview = input.map(|input| view! { <PlanPreview input /> });
    view! {
        <form method="get" action="/roster#plan-preview" class="form" id="plan" data-testid="plan-form">
            <h2>{tr("Načrt za obdobje (do 62 dni)", "Plan a period (up to 62 days)")}</h2>
            <p class="field-hint">{tr(
                "Vsak dan dnevno dežurstvo od začetka do začetka nočnega, nočno do naslednjega jutra; brez nočnega časa eno 24-urno dežurstvo. Zdravniki se menjajo vsak teden po vrsti tednov (po zadnjem izpolnjenem spet od 1. tedna). Najprej si oglejte načrt s prekrivanji in vrzelmi, nato ga shranite.",
                "Every day a day shift from its start to the night's start and a night shift to the next morning; without a night time, one 24-hour shift. The physicians change every week in the order of the weeks (after the last one filled, from week 1 again). Look at the plan with its overlaps and gaps first, then save it."
            )}</p>
            <div class="field-row">
                <div class="field"><label for="plan-from">{tr("Prvi dan", "First day")}</label>
                    <input id="plan-from" name="from_date" type="date" required value=value(|i| &i.from_date, &today) /></div>
                <div class="field"><label for="plan-to">{tr("Zadnji dan", "Last day")}</label>
                    <input id="plan-to" name="to_date" type="date" required value=value(|i| &i.to_date, "") /></div>
                <div class="field"><label for="plan-day-start">{tr("Začetek dnevnega", "Day shift starts")}</label>
                    <input id="plan-day-start" name="day_start" type="time" required value=value(|i| &i.day_start, "08:00") /></div>
                <div class="field"><label for="plan-night-start">{tr("Začetek nočnega (prazno: 24 ur)", "Night shift starts (empty: 24 h)")}</label>
                    <input id="plan-night-start" name="night_start" type="time" value=value(|i| &i.night_start, "20:00") /></div>
            </div>
            <div class="queue-wrap">
                <table class="queue plan-weeks">
                    <thead><tr>
                        <th scope="col">{tr("Teden", "Week")}</th>
                        <th scope="col">{tr("Dnevno dežurstvo", "Day shift")}</th>
                        <th scope="col">{tr("Nočno dežurstvo (prazno: isti)", "Night shift (empty: the same)")}</th>
                        <th scope="col">{tr("Nadomestni zdravnik", "Backup physician")}</th>
                    </tr></thead>
                    <tbody>{weeks}</tbody>
                </table>
            </div>
            <button type="submit" class="button button-secondary" data-testid="plan-preview-button">{tr("Pokaži načrt", "Show the plan")}</button>
        </form>
        {preview}
    }
}

/// The plan as the server makes it, with its overlaps and gaps, and the form that saves it.
#[component]
fn PlanPreview(input: PlanInput) -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<PlanShifts>::new();
    let save_error = action_error(save);
    let asked = input.clone();
    let plan = Resource::new(
        || (),
        move |_| {
            let i = asked.clone();
            plan_shifts(
                i.from_date,
                i.to_date,
                i.day_start,
                i.night_start,
                i.day,
                i.night,
                i.backup,
                String::new(),
            )
        },
    );
    let hidden_fields = {
        let i = input;
        let mut fields = vec![
            ("from_date".to_owned(), i.from_date),
            ("to_date".to_owned(), i.to_date),
            ("day_start".to_owned(), i.day_start),
            ("night_start".to_owned(), i.night_start),
            ("save".to_owned(), "1".to_owned()),
        ];
        for (name, list) in [("day", i.day), ("night", i.night), ("backup", i.backup)] {
            fields.extend(
                list.into_iter()
                    .enumerate()
                    .map(|(n, v)| (format!("{name}[{n}]"), v)),
            );
        }
        fields
    };
    let hidden = |fields: Vec<(String, String)>| {
        fields
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
            .collect_view()
    };
    view! {
        <section class="plan-preview" id="plan-preview" data-testid="plan-preview">
            <Suspense fallback=move || view! { <p aria-busy="true">{tr("Pripravljam načrt…", "Making the plan…")}</p> }>
                {move || plan.get().map(|result| match result {
                    Err(e) => {
                        let message = e.message(lang.get_untracked());
                        let fields = e.field_errors().map(|f| f.0.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
                        view! {
                            <div class="form-error" role="alert" data-testid="plan-error">
                                <p>{message}</p>
                                <ul>{fields.into_iter().map(|f| {
                                    let messages = e.field_errors().and_then(|fe| fe.get(&f).map(|m| m.iter().map(|x| x.message(lang.get_untracked())).collect::<Vec<_>>().join("; "))).unwrap_or_default();
                                    view! { <li>{plan_field_label(&f, lang.get_untracked())}": "{messages}</li> }
                                }).collect_view()}</ul>
                            </div>
                        }.into_any()
                    }
                    Ok(p) => {
                        let count = p.shifts.len();
                        let l = lang.get_untracked();
                        let fields = hidden_fields.clone();
                        view! {
                            <h2>{move || match lang.get() { Lang::Sl => format!("Načrt – dežurstva: {count}"), Lang::En => format!("The plan: {count} shifts") }}</h2>
                            {(!p.overlaps.is_empty()).then(|| view! {
                                <div class="review-open" role="alert" data-testid="plan-overlaps">
                                    <h3>{tr("Prekrivanja z obstoječimi dežurstvi", "Overlaps with existing shifts")}</h3>
                                    <ul>{p.overlaps.iter().map(|o| view! { <li>{o.clone()}</li> }).collect_view()}</ul>
                                </div>
                            })}
                            {(!p.gaps.is_empty()).then(|| view! {
                                <div class="review-open" role="alert" data-testid="plan-gaps">
                                    <h3>{tr("Vrzeli v obdobju", "Gaps in the period")}</h3>
                                    <ul>{p.gaps.iter().map(|g| view! { <li>{g.clone()}</li> }).collect_view()}</ul>
                                </div>
                            })}
                            {(p.overlaps.is_empty() && p.gaps.is_empty()).then(|| view! {
                                <p class="notice" data-testid="plan-clean">{tr("Brez prekrivanj in vrzeli.", "No overlaps and no gaps.")}</p>
                            })}
                            <ActionForm attr:novalidate=true action=save attr:class="form inline">
                                {hidden(fields)}
                                <FormError error=save_error />
                                <Submit label=text(tr("Shrani načrt", "Save the plan")) pending=save.pending().into() />
                            </ActionForm>
                            <details>
                                <summary>{match l { Lang::Sl => format!("Vsa dežurstva ({count})"), Lang::En => format!("Every shift ({count})") }}</summary>
                                <ol class="shifts" data-testid="plan-shifts">
                                    {p.shifts.into_iter().map(|s| view! {
                                        <li>{s.label}": "{s.primary}{s.backup.map(|b| match l { Lang::Sl => format!("; nadomestni {b}"), Lang::En => format!("; backup {b}") })}</li>
                                    }).collect_view()}
                                </ol>
                            </details>
                        }.into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

/// A planning field's name as the form labels it.
fn plan_field_label(field: &str, lang: Lang) -> String {
    let sl = lang == Lang::Sl;
    let week = |name: &str| {
        field
            .strip_prefix(name)
            .and_then(|rest| {
                rest.trim_matches(|c| c == '[' || c == ']')
                    .parse::<usize>()
                    .ok()
            })
            .map(|i| i + 1)
    };
    match field {
        "from_date" => (if sl { "Prvi dan" } else { "First day" }).to_owned(),
        "to_date" => (if sl { "Zadnji dan" } else { "Last day" }).to_owned(),
        "day_start" => (if sl {
            "Začetek dnevnega"
        } else {
            "Day shift starts"
        })
        .to_owned(),
        "night_start" => (if sl {
            "Začetek nočnega"
        } else {
            "Night shift starts"
        })
        .to_owned(),
        f if f.starts_with("day[") => match week("day") {
            Some(w) if sl => format!("{w}. teden, dnevno dežurstvo"),
            Some(w) => format!("Week {w}, day shift"),
            None => f.to_owned(),
        },
        f if f.starts_with("night[") => match week("night") {
            Some(w) if sl => format!("{w}. teden, nočno dežurstvo"),
            Some(w) => format!("Week {w}, night shift"),
            None => f.to_owned(),
        },
        f if f.starts_with("backup[") => match week("backup") {
            Some(w) if sl => format!("{w}. teden, nadomestni zdravnik"),
            Some(w) => format!("Week {w}, backup physician"),
            None => f.to_owned(),
        },
        _ => (if sl { "Načrt" } else { "Plan" }).to_owned(),
    }
}

/// Copies the week before a Monday to that week.
#[component]
fn CopyWeek(next_monday: String) -> impl IntoView {
    let copy = ServerAction::<CopyWeek>::new();
    let error = action_error(copy);
    view! {
        <ActionForm attr:novalidate=true action=copy attr:class="form inline" attr:data-testid="copy-week-form">
            <h2>{tr("Kopiraj prejšnji teden", "Copy last week")}</h2>
            <FormError error />
            <label for="copy-week-start">{tr("Teden, ki se začne (dežurstva 7 dni pred tem dnem se ponovijo)", "The week starting (the shifts of the 7 days before it are repeated)")}</label>
            <input id="copy-week-start" name="week_start" type="date" value=next_monday />
            <FieldMessages name="week_start" error />
            <Submit label=text(tr("Kopiraj teden", "Copy the week")) pending=copy.pending().into() />
        </ActionForm>
    }
}

/// The reader's calendar address: their own shifts in any calendar program.
#[component]
fn CalendarFeed() -> impl IntoView {
    let lang = use_lang();
    let link = Resource::new(|| (), |_| calendar_link());
    let renew = ServerAction::<RenewCalendarLink>::new();
    view! {
        <section class="calendar-feed" id="calendar" data-testid="calendar-feed">
            <h2>{tr("Moja dežurstva v koledarju", "My shifts in a calendar")}</h2>
            <p class="field-hint">{tr(
                "Naslov dodajte v koledar (Outlook, Google, Apple: naročnina na koledar z naslova). Kdor ga ima, vidi vaše čase dežurstev, zato ga ne delite; z novim naslovom stari preneha delovati.",
                "Add the address to your calendar (Outlook, Google, Apple: subscribe to a calendar from a URL). Whoever has it sees your shift times, so do not share it; a new address stops the old one."
            )}</p>
            <Suspense fallback=move || view! { <p aria-busy="true">{tr("Nalagam…", "Loading…")}</p> }>
                {move || link.get().map(|r| match r {
                    Ok(Some(url)) => view! {
                        <label for="calendar-url">{tr("Naslov koledarja (.ics)", "Calendar address (.ics)")}</label>
                        <input id="calendar-url" type="text" readonly=true value=url.clone() data-testid="calendar-url" />
                        <ActionForm attr:novalidate=true action=renew attr:class="inline-form">
                            <button type="submit" class="link-button" data-testid="calendar-renew">{tr("Nov naslov (stari preneha delovati)", "New address (the old one stops working)")}</button>
                        </ActionForm>
                    }.into_any(),
                    Ok(None) => view! {
                        <ActionForm attr:novalidate=true action=renew attr:class="inline-form">
                            <button type="submit" class="button button-secondary" data-testid="calendar-renew">{tr("Pripravi naslov koledarja", "Make my calendar address")}</button>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message(lang.get_untracked())}</p> }.into_any(),
                })}
            </Suspense>
        </section>
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

fn status_label(status: DeliveryState, lang: Lang) -> &'static str {
    match (status, lang) {
        (DeliveryState::Queued, Lang::En) => "queued",
        (DeliveryState::Queued, Lang::Sl) => "v vrsti",
        (DeliveryState::Retrying, Lang::En) => "retrying",
        (DeliveryState::Retrying, Lang::Sl) => "ponovni poskusi",
        (DeliveryState::Sent, Lang::En) => "sent",
        (DeliveryState::Sent, Lang::Sl) => "poslano",
        (DeliveryState::Failed, Lang::En) => "failed",
        (DeliveryState::Failed, Lang::Sl) => "neuspešno",
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
                                    let status = d.status;
                                    let failed = d.status == DeliveryState::Failed;
                                    let id = d.id.to_string();
                                    view! {
                                        <tr class=format!("delivery-{}", d.status.code())>
                                            <td>{move || mail_kind_label(&d.kind, lang.get())}</td><td>{d.recipient}</td>
                                            <td>{move || status_label(status, lang.get())}</td>
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
