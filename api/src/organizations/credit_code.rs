//! The unified social credit code (GB 32100-2015): 18 characters whose last is a check
//! character over the first 17.

use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose check character is correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditCode(String);

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Character(char),
    CheckCharacter { expected: char },
}

impl fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreditCodeError::Length => f.write_str("must be 18 characters"),
            CreditCodeError::Character(c) => write!(f, "`{c}` is not allowed in a credit code"),
            CreditCodeError::CheckCharacter { expected } => {
                write!(f, "check character is wrong (expected {expected})")
            }
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters of a code.
pub fn check_character(first17: &str) -> Result<char, CreditCodeError> {
    if first17.len() != 17 {
        return Err(CreditCodeError::Length);
    }
    let mut sum = 0;
    for (c, w) in first17.bytes().zip(WEIGHTS) {
        sum += value(c).ok_or(CreditCodeError::Character(c as char))? * w;
    }
    let check = (31 - sum % 31) % 31;
    Ok(ALPHABET[check as usize] as char)
}

impl CreditCode {
    /// Parses a code (upper-case), verifying its check character.
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let s = s.trim();
        if s.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !c.is_ascii() || value(*c as u8).is_none())
        {
            return Err(CreditCodeError::Character(bad));
        }
        let expected = check_character(&s[..17])?;
        if s.as_bytes()[17] as char != expected {
            return Err(CreditCodeError::CheckCharacter { expected });
        }
        Ok(CreditCode(s.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_code_verifies() {
        // The code of a real registered enterprise, as printed on its licence.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(check_character("11371400004342588"), Ok('9'));
    }

    #[test]
    fn the_check_character_is_computed_per_the_standard() {
        let first = "91350100M000100Y4";
        assert_eq!(check_character(first), Ok('3'));
        // A remainder of 0 gives 31, which maps back to '0'.
        let code = format!("{first}{}", check_character(first).expect("check"));
        assert!(CreditCode::parse(&code).is_ok());
    }

    #[test]
    fn wrong_codes_are_refused_with_the_reason() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckCharacter { expected: '3' })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length)
        );
        assert_eq!(
            CreditCode::parse("91350100I000100Y43"),
            Err(CreditCodeError::Character('I'))
        );
        assert_eq!(
            CreditCode::parse("91350100m000100Y43"),
            Err(CreditCodeError::Character('m'))
        );
    }

    #[test]
    fn every_check_value_round_trips() {
        // Vary one character so the sum modulo 31 takes every value, 0 included.
        for c in ALPHABET.iter().map(|&b| b as char) {
            let first = format!("9137140000000000{c}");
            let code = format!("{first}{}", check_character(&first).expect("check"));
            assert!(CreditCode::parse(&code).is_ok(), "{code}");
        }
    }
}
