//! GB/T 2260 division codes: six digits whose shape tells the level of the division.

use entities::RegionLevel;
use std::fmt;

/// A syntactically valid six-digit division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses a code: exactly six ASCII digits, with a non-zero province part.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{s}` is not a six-digit division code"));
        }
        if &s[..2] == "00" {
            return Err(format!("`{s}` names no province"));
        }
        Ok(RegionCode(s.to_owned()))
    }

    /// The level the code's shape gives: `xx0000` a province, `xxxx00` a prefecture-level
    /// municipality, anything else a county-level division.
    pub fn level(&self) -> RegionLevel {
        if self.0.ends_with("0000") {
            RegionLevel::Province
        } else if self.0.ends_with("00") {
            RegionLevel::Municipality
        } else {
            RegionLevel::County
        }
    }

    /// The code of the province the division belongs to.
    pub fn province(&self) -> String {
        format!("{}0000", &self.0[..2])
    }

    /// The code of the municipality the division belongs to, for municipalities and counties.
    pub fn municipality(&self) -> Option<String> {
        (self.level() != RegionLevel::Province).then(|| format!("{}00", &self.0[..4]))
    }

    /// The codes of this division and every division above it, nearest first.
    pub fn self_and_ancestors(&self) -> Vec<String> {
        let mut out = vec![self.0.clone()];
        if self.level() == RegionLevel::County
            && let Some(m) = self.municipality()
        {
            out.push(m);
        }
        if self.level() != RegionLevel::Province {
            out.push(self.province());
        }
        out
    }

    /// The prefix every descendant's code starts with.
    pub fn descendant_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::Municipality => &self.0[..4],
            RegionLevel::County => &self.0,
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn levels_follow_the_shape_of_the_code() {
        assert_eq!(code("370000").level(), RegionLevel::Province);
        assert_eq!(code("371400").level(), RegionLevel::Municipality);
        assert_eq!(code("371482").level(), RegionLevel::County);
    }

    #[test]
    fn ancestors_of_a_county_are_its_municipality_and_province() {
        assert_eq!(
            code("371482").self_and_ancestors(),
            ["371482", "371400", "370000"]
        );
        assert_eq!(code("371400").self_and_ancestors(), ["371400", "370000"]);
        assert_eq!(code("370000").self_and_ancestors(), ["370000"]);
        assert_eq!(code("451202").municipality().as_deref(), Some("451200"));
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["37140", "3714000", "37140a", "000000", "", "３７１４００"] {
            assert!(RegionCode::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
