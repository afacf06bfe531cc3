//! The on-call roster's arithmetic: how long each pathway waits for an acknowledgement
//! before the backup is told (spec §6.2), and where the roster leaves nobody on call.
use super::triage::{Pathway, ScaiStage};
use serde::{Deserialize, Serialize};

/// Minutes to acknowledge before escalating (spec §6.2; configurable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckTimeouts {
    pub ecpr_min: u32,
    /// VA-ECMO with SCAI stage D or E.
    pub va_severe_min: u32,
    /// Other VA-ECMO and all VV-ECMO.
    pub other_min: u32,
    /// From the backup to the whole team; `None` waits the pathway's timeout again.
    pub second_min: Option<u32>,
}

impl Default for AckTimeouts {
    fn default() -> Self {
        Self {
            ecpr_min: 2,
            va_severe_min: 10,
            other_min: 15,
            second_min: None,
        }
    }
}

impl AckTimeouts {
    pub fn first(&self, pathway: Pathway, scai: Option<ScaiStage>) -> u32 {
        match (pathway, scai) {
            (Pathway::Ecpr, _) => self.ecpr_min,
            (Pathway::Va, Some(ScaiStage::D | ScaiStage::E)) => self.va_severe_min,
            _ => self.other_min,
        }
    }

    pub fn second(&self, pathway: Pathway, scai: Option<ScaiStage>) -> u32 {
        self.second_min.unwrap_or_else(|| self.first(pathway, scai))
    }
}

/// The stretches of `[from, to)` that no shift covers. Shifts may overlap and come in any
/// order; each is `[start, end)`.
pub fn gaps(shifts: &[(i64, i64)], from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut sorted: Vec<(i64, i64)> = shifts
        .iter()
        .copied()
        .filter(|(s, e)| e > s && *e > from && *s < to)
        .collect();
    sorted.sort_unstable();
    let mut out = Vec::new();
    let mut covered_to = from;
    for (start, end) in sorted {
        if start > covered_to {
            out.push((covered_to, start.min(to)));
        }
        covered_to = covered_to.max(end);
        if covered_to >= to {
            break;
        }
    }
    if covered_to < to {
        out.push((covered_to, to));
    }
    out
}

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The longest period one plan may fill: a month and a bit.
pub const MAX_PLAN_DAYS: i64 = 62;
/// How many weeks of a rotation one plan names; later weeks repeat the first ones.
pub const ROTATION_WEEKS: usize = 5;

/// Who is on call in one week of a rotation (user ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekCrew {
    pub day: i64,
    /// The night's physician; without one the day's physician covers the whole 24 h.
    pub night: Option<i64>,
    pub backup: Option<i64>,
}

/// A repeating pattern: every day from `first_day` for `days` days, a day shift from
/// `day_start` and a night shift from `night_start` to the next day's start (or one 24-h
/// shift when there is no night start), the physicians changing every week in the order of
/// `weeks`. Times are wall-clock times of the centre's zone, in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pattern {
    /// Midnight of the first day (wall clock).
    pub first_day: i64,
    pub days: i64,
    /// Minutes after midnight.
    pub day_start_min: i64,
    pub night_start_min: Option<i64>,
    pub weeks: Vec<WeekCrew>,
}

/// One shift a pattern makes, in wall-clock milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    pub starts: i64,
    pub ends: i64,
    pub primary: i64,
    pub backup: Option<i64>,
}

impl Pattern {
    pub fn shifts(&self) -> Vec<Planned> {
        if self.weeks.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for day in 0..self.days.max(0) {
            let crew = self.weeks[(day / 7) as usize % self.weeks.len()];
            let start = self.first_day + day * DAY_MS + self.day_start_min * MINUTE_MS;
            let next = start + DAY_MS;
            match self.night_start_min {
                Some(night) => {
                    let night = self.first_day + day * DAY_MS + night * MINUTE_MS;
                    out.push(Planned {
                        starts: start,
                        ends: night,
                        primary: crew.day,
                        backup: crew.backup,
                    });
                    out.push(Planned {
                        starts: night,
                        ends: next,
                        primary: crew.night.unwrap_or(crew.day),
                        backup: crew.backup,
                    });
                }
                None => out.push(Planned {
                    starts: start,
                    ends: next,
                    primary: crew.day,
                    backup: crew.backup,
                }),
            }
        }
        out
    }
}

/// Where the shifts of `planned` overlap those of `existing` (each `[start, end)`): the
/// shared stretches, in order.
pub fn overlaps(planned: &[(i64, i64)], existing: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = planned
        .iter()
        .flat_map(|&(s, e)| {
            existing.iter().filter_map(move |&(xs, xe)| {
                let (from, to) = (s.max(xs), e.min(xe));
                (from < to).then_some((from, to))
            })
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_of_day_and_night_shifts_rotates_weekly() {
        let crew = |day, night| WeekCrew {
            day,
            night: Some(night),
            backup: Some(9),
        };
        let pattern = Pattern {
            first_day: 0,
            days: 30,
            day_start_min: 8 * 60,
            night_start_min: Some(20 * 60),
            weeks: vec![crew(1, 2), crew(3, 4)],
        };
        let shifts = pattern.shifts();
        assert_eq!(shifts.len(), 60);
        assert_eq!(
            shifts[0],
            Planned {
                starts: 8 * 3_600_000,
                ends: 20 * 3_600_000,
                primary: 1,
                backup: Some(9)
            }
        );
        assert_eq!(
            (shifts[1].starts, shifts[1].ends),
            (20 * 3_600_000, 32 * 3_600_000)
        );
        assert_eq!(shifts[1].primary, 2);
        // Day 7 starts the second week, day 14 the first again.
        assert_eq!((shifts[14].primary, shifts[15].primary), (3, 4));
        assert_eq!(shifts[28].primary, 1);
        // Back to back from the first start to the last end: no gap, no overlap.
        let spans: Vec<(i64, i64)> = shifts.iter().map(|s| (s.starts, s.ends)).collect();
        assert!(gaps(&spans, spans[0].0, spans[59].1).is_empty());
        for pair in spans.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
    }

    #[test]
    fn one_shift_a_day_without_a_night_and_nothing_without_a_crew() {
        let pattern = Pattern {
            first_day: 0,
            days: 3,
            day_start_min: 7 * 60 + 30,
            night_start_min: None,
            weeks: vec![WeekCrew {
                day: 5,
                night: None,
                backup: None,
            }],
        };
        let shifts = pattern.shifts();
        assert_eq!(shifts.len(), 3);
        assert_eq!(shifts[2].ends - shifts[2].starts, DAY_MS);
        let empty = Pattern {
            weeks: vec![],
            ..pattern
        };
        assert!(empty.shifts().is_empty());
    }

    #[test]
    fn overlaps_are_the_shared_stretches() {
        assert_eq!(
            overlaps(&[(0, 10), (10, 20)], &[(5, 12)]),
            vec![(5, 10), (10, 12)]
        );
        assert!(overlaps(&[(0, 10)], &[(10, 20)]).is_empty());
    }

    #[test]
    fn timeouts_follow_the_pathway_and_stage() {
        let t = AckTimeouts::default();
        assert_eq!(t.first(Pathway::Ecpr, None), 2);
        assert_eq!(t.first(Pathway::Va, Some(ScaiStage::E)), 10);
        assert_eq!(t.first(Pathway::Va, Some(ScaiStage::D)), 10);
        assert_eq!(t.first(Pathway::Va, Some(ScaiStage::C)), 15);
        assert_eq!(t.first(Pathway::Vv, None), 15);
        assert_eq!(t.second(Pathway::Ecpr, None), 2);
        let fixed = AckTimeouts {
            second_min: Some(5),
            ..t
        };
        assert_eq!(fixed.second(Pathway::Vv, None), 5);
    }

    #[test]
    fn gaps_between_overlapping_and_unordered_shifts() {
        assert_eq!(gaps(&[], 0, 100), vec![(0, 100)]);
        assert_eq!(gaps(&[(0, 100)], 0, 100), vec![]);
        assert_eq!(
            gaps(&[(50, 80), (10, 30), (20, 40)], 0, 100),
            vec![(0, 10), (40, 50), (80, 100)]
        );
        assert_eq!(gaps(&[(-10, 60), (60, 200)], 0, 100), vec![]);
        assert_eq!(gaps(&[(30, 20)], 0, 100), vec![(0, 100)]);
    }
}
