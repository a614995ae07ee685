//! Time functions: `formatdate` and `timeadd`, on RFC 3339 timestamps.

use super::{Args, Error, Result, string};
use crate::model::{Duration, Value};

/// A point in time with the UTC offset it was written in.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Timestamp {
    /// Seconds since the Unix epoch, UTC.
    secs: i64,
    nanos: u32,
    /// Offset east of UTC, in seconds.
    offset: i32,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || d == 0 || d > 31 || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in frac[..digits].bytes().enumerate().take(9) {
            n += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        nanos = n;
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let (oh, om) = (
                rest[1..3].parse::<i32>().ok()?,
                rest[4..6].parse::<i32>().ok()?,
            );
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(i64::from(y), mo, d);
    let local = days * 86_400 + i64::from(h * 3600 + mi * 60 + s);
    Some(Timestamp {
        secs: local - i64::from(offset),
        nanos,
        offset,
    })
}

/// The local civil fields of a timestamp: year, month, day, hour, minute, second, weekday
/// (0 = Sunday).
fn fields(t: Timestamp) -> (i64, u32, u32, u32, u32, u32, u32) {
    let local = t.secs + i64::from(t.offset);
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let weekday = (days + 4).rem_euclid(7) as u32;
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60, weekday)
}

fn offset_text(offset: i32, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let o = offset.unsigned_abs();
    let sep = if colon { ":" } else { "" };
    format!("{sign}{:02}{sep}{:02}", o / 3600, o / 60 % 60)
}

fn rfc3339(t: Timestamp) -> String {
    let (y, m, d, h, mi, s, _) = fields(t);
    let frac = if t.nanos == 0 {
        String::new()
    } else {
        format!(".{:09}", t.nanos).trim_end_matches('0').to_owned()
    };
    let zone = if t.offset == 0 {
        "Z".to_owned()
    } else {
        offset_text(t.offset, true)
    };
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn format_date(spec: &str, t: Timestamp) -> Result<String, String> {
    let (y, m, d, h, mi, s, wd) = fields(t);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // 'literal text'; '' is a quote, inside or outside a literal.
            let mut j = i + 1;
            if chars.get(j) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            loop {
                match (chars.get(j), chars.get(j + 1)) {
                    (None, _) => return Err("unterminated quoted literal".into()),
                    (Some('\''), Some('\'')) => {
                        out.push('\'');
                        j += 2;
                    }
                    (Some('\''), _) => break,
                    (Some(&c), _) => {
                        out.push(c);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let token: String = chars[i..i + run].iter().collect();
        let text = match token.as_str() {
            "YYYY" => format!("{y:04}"),
            "YY" => format!("{:02}", y.rem_euclid(100)),
            "MMMM" => MONTHS[m as usize - 1].to_owned(),
            "MMM" => MONTHS[m as usize - 1][..3].to_owned(),
            "MM" => format!("{m:02}"),
            "M" => m.to_string(),
            "DD" => format!("{d:02}"),
            "D" => d.to_string(),
            "EEEE" => DAYS[wd as usize].to_owned(),
            "EEE" => DAYS[wd as usize][..3].to_owned(),
            "hh" => format!("{h:02}"),
            "h" => h.to_string(),
            "HH" => format!("{h12:02}"),
            "H" => h12.to_string(),
            "AA" => if h < 12 { "AM" } else { "PM" }.to_owned(),
            "aa" => if h < 12 { "am" } else { "pm" }.to_owned(),
            "mm" => format!("{mi:02}"),
            "m" => mi.to_string(),
            "ss" => format!("{s:02}"),
            "s" => s.to_string(),
            "ZZZZZ" => offset_text(t.offset, true),
            "ZZZZ" => offset_text(t.offset, false),
            "ZZZ" if t.offset == 0 => "UTC".to_owned(),
            "ZZZ" => offset_text(t.offset, false),
            "Z" if t.offset == 0 => "Z".to_owned(),
            "Z" => offset_text(t.offset, true),
            other => {
                return Err(format!(
                    "unsupported date format token {other:?}; quote literal text like 'T'"
                ));
            }
        };
        out.push_str(&text);
        i += run;
    }
    Ok(out)
}

fn timestamp(a: &Args<'_, '_>, i: usize) -> Result<Timestamp> {
    let text = a.string(i)?;
    parse_rfc3339(&text).ok_or_else(|| {
        Error::Arg(
            i,
            format!("{text:?} is not an RFC 3339 timestamp such as \"2024-01-02T15:04:05Z\""),
        )
    })
}

pub(super) fn formatdate(a: &mut Args<'_, '_>) -> Result<Value> {
    let spec = a.string(0)?;
    let t = timestamp(a, 1)?;
    format_date(&spec, t)
        .map(string)
        .map_err(|e| Error::Arg(0, e))
}

pub(super) fn timeadd(a: &mut Args<'_, '_>) -> Result<Value> {
    let t = timestamp(a, 0)?;
    let text = a.string(1)?;
    let d = Duration::parse(&text).map_err(|e| Error::Arg(1, e))?;
    let total = i128::from(t.secs) * 1_000_000_000 + i128::from(t.nanos) + i128::from(d.0);
    let secs = i64::try_from(total.div_euclid(1_000_000_000))
        .map_err(|_| Error::Call("the result is out of range".into()))?;
    let nanos = total.rem_euclid(1_000_000_000) as u32;
    Ok(string(rfc3339(Timestamp {
        secs,
        nanos,
        offset: t.offset,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2024, 12, 31),
            (1969, 7, 20),
            (2400, 3, 1),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
    }

    #[test]
    fn formats_like_terraform() {
        let t = parse_rfc3339("2018-01-02T23:12:01Z").unwrap();
        assert_eq!(
            format_date("DD MMM YYYY hh:mm ZZZ", t).unwrap(),
            "02 Jan 2018 23:12 UTC"
        );
        assert_eq!(
            format_date("EEEE, MMMM D, YYYY", t).unwrap(),
            "Tuesday, January 2, 2018"
        );
        assert_eq!(format_date("h:mm aa", t).unwrap(), "23:12 pm");
        assert_eq!(
            format_date("H:mm AA 'o''clock'", t).unwrap(),
            "11:12 PM o'clock"
        );
        let t = parse_rfc3339("2017-11-22T00:00:00+05:30").unwrap();
        assert_eq!(rfc3339(t), "2017-11-22T00:00:00+05:30");
        assert_eq!(
            format_date("YYYY-MM-DD ZZZZ", t).unwrap(),
            "2017-11-22 +0530"
        );
        assert!(parse_rfc3339("2017-13-22T00:00:00Z").is_none());
    }
}
