//! Blood gases pasted as text: one line per sample, in the order analysers print them —
//! time, pH, PaO2, PaCO2, FiO2 and (optionally) lactate. Values may be separated by
//! spaces, tabs, semicolons or a comma followed by a space; a comma between digits is a
//! decimal comma. The time is `HH:MM`, optionally preceded by a date (`2026-11-20`,
//! `20.11.2026` or `20. 11. 2026`); a time without a date is today's, or yesterday's when
//! today's would lie in the future (a gas from 23:40 pasted after midnight).
//!
//! Nothing is guessed beyond that: a line that does not read as a sample is given back
//! whole, so the doctor can correct it; values are checked later as if typed.
use super::checklist::{format_local, parse_local};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// One sample read from a line; numbers as typed (a decimal comma is kept), so that the
/// step's own checks name any impossible one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PastedGas {
    /// `YYYY-MM-DDTHH:MM`, wall-clock time.
    pub taken_at: String,
    pub ph: String,
    pub pao2: String,
    pub paco2: String,
    pub fio2: Option<String>,
    pub lactate: Option<String>,
}

/// The samples read, and the lines that were not (as pasted, blank lines dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pasted {
    pub gases: Vec<PastedGas>,
    pub unread: Vec<String>,
}

/// Reads `text`; `now_local_ms` is the ward's wall-clock time.
pub fn read(text: &str, now_local_ms: i64) -> Pasted {
    let mut out = Pasted::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match read_line(line, now_local_ms) {
            Some(gas) => out.gases.push(gas),
            None => out.unread.push(line.to_owned()),
        }
    }
    out
}

fn tokens(line: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' | '\t' => spaced.push(' '),
            // "7.28, 7.4" separates; "7,28" is a decimal comma.
            ',' if chars.peek().is_none_or(|n| n.is_whitespace()) => spaced.push(' '),
            c => spaced.push(c),
        }
    }
    spaced.split_whitespace().map(str::to_owned).collect()
}

fn number(token: &str) -> Option<String> {
    let token = token.strip_suffix('%').unwrap_or(token);
    let value: f64 = token.replace(',', ".").parse().ok()?;
    value.is_finite().then(|| token.to_owned())
}

fn read_line(line: &str, now_local_ms: i64) -> Option<PastedGas> {
    let tokens = tokens(line);
    let time_at = tokens.iter().position(|t| t.contains(':'))?;
    let date = tokens[..time_at].concat();
    let taken = taken_at(&date, &tokens[time_at], now_local_ms)?;
    let values: Vec<String> = tokens[time_at + 1..]
        .iter()
        .map(|t| number(t))
        .collect::<Option<_>>()?;
    if !(3..=5).contains(&values.len()) {
        return None;
    }
    let mut values = values.into_iter();
    Some(PastedGas {
        taken_at: format_local(taken),
        ph: values.next()?,
        pao2: values.next()?,
        paco2: values.next()?,
        fio2: values.next(),
        lactate: values.next(),
    })
}

/// Wall-clock milliseconds of a date (possibly empty) and an `HH:MM[:SS]` time.
fn taken_at(date: &str, time: &str, now_local_ms: i64) -> Option<i64> {
    let time = time.split(':').take(2).collect::<Vec<_>>().join(":");
    if date.is_empty() {
        let today = format_local(now_local_ms);
        let day = today.split('T').next()?;
        let at = parse_local(&format!("{day}T{time}"))?;
        // Clocks differ a little; a time further ahead than that was yesterday's.
        return Some(if at > now_local_ms + 5 * MINUTE_MS {
            at - DAY_MS
        } else {
            at
        });
    }
    let iso = if date.contains('-') {
        date.to_owned()
    } else {
        // 20.11.2026 or 20.11.2026. (the Slovene "20. 11. 2026" joined)
        let mut parts = date.trim_end_matches('.').split('.');
        let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 {
            return None;
        }
        format!("{y}-{m:0>2}-{d:0>2}")
    };
    parse_local(&format!("{iso}T{time}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-20 14:30 on the ward.
    fn now() -> i64 {
        parse_local("2026-11-20T14:30").unwrap()
    }

    #[test]
    fn the_analysers_orders_and_separators_are_read() {
        let text = "06:00 7,28 7,4 7,9 1 1,8\n\
                    10:00;7.26;7.1;8.2;100%\n\
                    \n\
                    2026-11-20 14:00, 7.25, 6.9, 8.4, 1.0, 2.1\n\
                    20. 11. 2026 14:10\t7,24\t6,8\t8,5";
        let pasted = read(text, now());
        assert_eq!(pasted.unread, Vec::<String>::new());
        assert_eq!(pasted.gases.len(), 4);
        assert_eq!(
            pasted.gases[0],
            PastedGas {
                taken_at: "2026-11-20T06:00".into(),
                ph: "7,28".into(),
                pao2: "7,4".into(),
                paco2: "7,9".into(),
                fio2: Some("1".into()),
                lactate: Some("1,8".into()),
            }
        );
        assert_eq!(pasted.gases[1].fio2.as_deref(), Some("100"));
        assert_eq!(pasted.gases[1].lactate, None);
        assert_eq!(pasted.gases[2].taken_at, "2026-11-20T14:00");
        assert_eq!(pasted.gases[2].lactate.as_deref(), Some("2.1"));
        assert_eq!(pasted.gases[3].taken_at, "2026-11-20T14:10");
        assert_eq!(pasted.gases[3].fio2, None);
    }

    #[test]
    fn a_time_later_than_now_is_yesterdays() {
        let pasted = read("23:40 7,30 9 6 0,8", now());
        assert_eq!(pasted.gases[0].taken_at, "2026-11-19T23:40");
        let pasted = read("14:33 7,30 9 6 0,8", now());
        assert_eq!(pasted.gases[0].taken_at, "2026-11-20T14:33");
    }

    #[test]
    fn a_line_that_is_not_a_sample_is_given_back_whole() {
        let text = "pH 7,28 pO2 7,4\n06:00 7,28 7,4\n25:00 7,2 8 6 1\n06:00 7,2 8 6 1 2 3\n07:00 7,2 8 6 1";
        let pasted = read(text, now());
        assert_eq!(pasted.gases.len(), 1);
        assert_eq!(
            pasted.unread,
            vec![
                "pH 7,28 pO2 7,4",
                "06:00 7,28 7,4",
                "25:00 7,2 8 6 1",
                "06:00 7,2 8 6 1 2 3"
            ]
        );
    }

    #[test]
    fn nothing_pasted_reads_as_nothing() {
        assert_eq!(read("  \n\n", now()), Pasted::default());
    }
}
