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

#[cfg(test)]
mod tests {
    use super::*;

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
